"""``switchy emulate``: serve emulated FreeSWITCH nodes until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from switchy.cli.options import PORT, whole_number
from switchy.emulator import EmulatedCluster


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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.port and args.port + args.nodes - 1 > 65535:
        print(f"switchy emulate: {args.nodes} nodes from port {args.port} would need ports past 65535",
              file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(args))
    except OSError as exc:
        print(f"switchy emulate: cannot listen: {exc.strerror or exc}")
        return 1
    return 0


async def serve(args: argparse.Namespace) -> None:
    options = {"time_scale": args.time_scale}
    if args.allow_any:
        options["acl"] = None
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
    print("serving; Ctrl-C to stop", flush=True)
    try:
        await stop.wait()
    finally:
        await cluster.stop()
