"""``switchy emulate``: serve emulated FreeSWITCH nodes until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from switchy.cli.options import PORT, whole_number
from switchy.emulator import EmulatedCluster
from switchy.hosts import parse_listen


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "emulate", help="serve emulated FreeSWITCH nodes (ESL) until interrupted",
        description="Serve N emulated FreeSWITCH nodes speaking the Event Socket protocol on "
                    "HOST:PORT … PORT+N-1 (park-only dialplan), until interrupted.")
    parser.add_argument("--nodes", type=whole_number(1, 1000), default=1, metavar="N", help="how many nodes (1)")
    parser.add_argument("--port", type=PORT, default=8021, metavar="P",
                        help="the first node's ESL port (8021); 0 picks free ports")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    parser.add_argument("--password", default="ClueCon", help="ESL password (ClueCon)")
    parser.add_argument("--time-scale", type=float, default=1.0, metavar="X",
                        help="multiply media and ringing times by X (1.0)")
    parser.add_argument("--allow-any", action="store_true",
                        help="accept clients from any address (default: loopback only, "
                             "as FreeSWITCH's loopback.auto ACL)")
    parser.add_argument("--outbound", metavar="HOST:PORT[|HOST:PORT...]",
                        help="send every call to these controllers (outbound mode) instead of "
                             "parking it: one 'socket HOST:PORT async full' action each, the next "
                             "tried when one refuses or drops the call, as FreeSWITCH does")
    parser.add_argument("--calls", type=float, default=0.0, metavar="R",
                        help="place R inbound calls per second, spread over the nodes (0: none)")
    parser.set_defaults(func=run)


def outbound_targets(text: str) -> tuple[str, ...]:
    """``A|B`` → each ``HOST:PORT`` (port 8084 if omitted), in order."""
    targets = []
    for item in text.split("|"):
        host, port = parse_listen(item.strip(), 8084)
        if not port:
            raise ValueError(f"--outbound needs a port other than 0: {item!r}")
        targets.append(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    return tuple(targets)


def run(args: argparse.Namespace) -> int:
    if args.port and args.port + args.nodes - 1 > 65535:
        print(f"switchy emulate: {args.nodes} nodes from port {args.port} would need ports past 65535",
              file=sys.stderr)
        return 2
    if args.outbound is not None:
        try:
            args.outbound = outbound_targets(args.outbound)
        except ValueError as exc:
            print(f"switchy emulate: {exc}")
            return 2
    try:
        asyncio.run(serve(args))
    except OSError as exc:
        print(f"switchy emulate: cannot listen: {exc.strerror or exc}")
        return 1
    return 0


async def serve(args: argparse.Namespace) -> None:
    options: dict[str, object] = {"time_scale": args.time_scale}
    if args.allow_any:
        options["acl"] = None
    if args.outbound:
        options["outbound"] = args.outbound
    cluster = EmulatedCluster(args.nodes, password=args.password, host=args.host,
                              port=args.port, **options)
    await cluster.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    for node in cluster.nodes:
        print(f"{node.name}: ESL on {node.host}:{node.port} (password {args.password!r})",
              flush=True)
    if args.outbound:
        print(f"calls go to {' then '.join(args.outbound)} (socket ... async full)", flush=True)
    caller = loop.create_task(place_calls(cluster, args.calls)) if args.calls > 0 else None
    print("serving; Ctrl-C to stop", flush=True)
    try:
        await stop.wait()
    finally:
        if caller is not None:
            caller.cancel()
        await cluster.stop()


async def place_calls(cluster: EmulatedCluster, rate: float) -> None:
    """Calls arriving at ``rate`` per second, round robin over the nodes; each caller
    hangs up 1 s after the call was answered or bridged, or after 10 s whatever happens."""
    count = 0
    holders: set[asyncio.Task[None]] = set()

    async def caller(node, number: str) -> None:  # type: ignore[no-untyped-def]
        ch = await node.place_call(number, wait=False)
        with contextlib.suppress(TimeoutError):
            await ch.wait_event_any(("CHANNEL_ANSWER", "CHANNEL_BRIDGE", "CHANNEL_HANGUP"), 10)
            await ch.wait_hangup(timeout=1)
        if not ch.ended:
            ch.remote_hangup("NORMAL_CLEARING")

    while True:
        node = cluster.nodes[count % len(cluster.nodes)]
        task = asyncio.get_running_loop().create_task(caller(node, f"{1000 + count % 9000}"))
        holders.add(task)
        task.add_done_callback(holders.discard)
        count += 1
        await asyncio.sleep(1.0 / rate)
