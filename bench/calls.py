"""Calls per second one switchy process routes, with park→command latency and memory.

The emulated 3-node cluster runs in its own process and offers calls at a fixed rate
(round robin over the nodes); each call parks, switchy's Router answers it, and the
far end hangs up after a hold time. The emulator stamps when it fired each
CHANNEL_PARK and when the routing command arrived, so latency includes the network,
the event decoding and the routing. Memory per active call is the growth of this
process's resident set at the peak of concurrent calls, divided by those calls.

Variants compared in one run: a plain route function (run in the Router's worker
threads, the default), the same inline on the event loop, and an ``async def`` route.

The emulator is written in Python too and, on a small machine, runs out of CPU before
switchy does. ``--source replay`` measures switchy's own ceiling instead: a minimal
stand-in for three nodes (its own process) replays a real captured CHANNEL_PARK with a
fresh uuid per call, stamps when it wrote it and when ``uuid_answer`` came back, and
ends each call (CHANNEL_HANGUP_COMPLETE, CHANNEL_DESTROY) after the hold time.

    python bench/calls.py [--source emulator|replay|both] [--rates 250,500,1000,1500]
                          [--seconds 4] [--hold 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time

VARIANTS = ("threaded", "inline", "async")
REAL = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "esl", "vectors", "real")
CAPTURED_UUID = b"7b055527-a5ce-4033-b8a4-e09d30774527"


# -- the emulator process ---------------------------------------------------------------


async def emulator_main(rate: float, count: int, hold: float) -> None:
    from switchy.emulator import EmulatedCluster, EmulatedNode

    parked_at: dict[str, float] = {}
    original_fire = EmulatedNode.fire

    def fire(self, name, build, *, uuid=None, **kw):  # stamps CHANNEL_PARK as it goes out
        if name == "CHANNEL_PARK" and uuid is not None:
            parked_at.setdefault(uuid, time.time())
        return original_fire(self, name, build, uuid=uuid, **kw)

    EmulatedNode.fire = fire
    async with EmulatedCluster(nodes=3, time_scale=0.01) as cluster:
        print(json.dumps({"hosts": cluster.hosts}), flush=True)
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, sys.stdin.readline)  # "go"
        holders = set()

        async def hold_then_hangup(channel) -> None:
            try:
                await channel.wait_answered(timeout=30)
            except TimeoutError:
                return
            await asyncio.sleep(hold)
            channel.remote_hangup()

        start = time.monotonic()
        for i in range(count):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            node = cluster.nodes[i % 3]
            channel = await node.place_call(f"1{i:07d}", wait=False)
            task = asyncio.create_task(hold_then_hangup(channel))
            holders.add(task)
            task.add_done_callback(holders.discard)
        offered_seconds = time.monotonic() - start
        async with asyncio.timeout(60):
            while holders:
                await asyncio.sleep(0.05)
        first_command: dict[str, float] = {}
        for node in cluster.nodes:
            for command in node.commands:
                parts = command.line.split()
                if len(parts) > 2 and parts[0] == "api":
                    first_command.setdefault(parts[2], command.at)
        latencies = sorted((first_command[u] - t) * 1000 for u, t in parked_at.items() if u in first_command)
        routed_times = sorted(first_command[u] for u in parked_at if u in first_command)
        print(json.dumps({
            "offered": count, "offered_rate": count / offered_seconds, "routed": len(latencies),
            "routed_rate": len(latencies) / (routed_times[-1] - min(parked_at.values())) if latencies else 0,
            "p50_ms": statistics.median(latencies) if latencies else None,
            "p99_ms": latencies[int(0.99 * (len(latencies) - 1))] if latencies else None,
            "answered": sum(ch.answered for n in cluster.nodes for ch in n.calls),
        }), flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)  # until switchy is done


# -- the replay process: switchy's ceiling without the emulator's cost --------------------


def _event_text(name: str) -> bytes:
    with open(os.path.join(REAL, name), "rb") as f:
        return f.read().split(b"\n\n", 1)[1]


def _frame(text: bytes) -> bytes:
    return b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(text) + text


async def replay_main(rate: float, count: int, hold: float) -> None:
    park = _event_text("sipp_inbound_channel_park.txt")
    done_events = [_event_text("sipp_inbound_channel_hangup_complete.txt"),
                   park.replace(b"Event-Name: CHANNEL_PARK", b"Event-Name: CHANNEL_DESTROY", 1)]
    parked_at: dict[str, float] = {}
    answered_at: dict[str, float] = {}
    writers: list[asyncio.StreamWriter] = []
    subscribed = asyncio.Event()
    loop = asyncio.get_running_loop()

    def reply(text: str) -> bytes:
        return f"Content-Type: command/reply\nReply-Text: {text}\n\n".encode()

    def api(body: str) -> bytes:
        data = body.encode()
        return b"Content-Type: api/response\nContent-Length: %d\n\n" % len(data) + data

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Content-Type: auth/request\n\n")
        while True:
            try:
                block = await reader.readuntil(b"\n\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            line = block.split(b"\n", 1)[0].decode()
            if line.startswith("auth"):
                writer.write(reply("+OK accepted"))
            elif line.startswith("event"):
                writer.write(reply("+OK event listener enabled plain"))
                writers.append(writer)
                if len(writers) == 3:
                    subscribed.set()
            elif line.startswith("api uuid_answer "):
                uuid = line.split()[2]
                answered_at.setdefault(uuid, time.time())
                writer.write(api("+OK\n"))
                loop.call_later(hold, end_call, writer, uuid)
            elif line.startswith("api show channels"):
                writer.write(api('{"row_count": 0}\n'))
            elif line.startswith("api "):
                writer.write(api("+OK\n"))
            else:
                writer.write(reply("+OK"))

    def end_call(writer: asyncio.StreamWriter, uuid: str) -> None:
        for text in done_events:
            writer.write(_frame(text.replace(CAPTURED_UUID, uuid.encode())))

    servers = [await asyncio.start_server(serve, "127.0.0.1", 0) for _ in range(3)]
    say_hosts = [f"127.0.0.1:{srv.sockets[0].getsockname()[1]}" for srv in servers]
    print(json.dumps({"hosts": say_hosts}), flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)  # "go"
    await asyncio.wait_for(subscribed.wait(), 10)
    start = time.monotonic()
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        uuid = f"{i:08d}-0000-4000-8000-000000000000"
        parked_at[uuid] = time.time()
        writers[i % 3].write(_frame(park.replace(CAPTURED_UUID, uuid.encode())))
    offered_seconds = time.monotonic() - start
    async with asyncio.timeout(60):
        while len(answered_at) < count:
            await asyncio.sleep(0.05)
    await asyncio.sleep(hold + 0.5)
    latencies = sorted((answered_at[u] - t) * 1000 for u, t in parked_at.items())
    print(json.dumps({
        "offered": count, "offered_rate": count / offered_seconds, "routed": len(latencies),
        "routed_rate": len(latencies) / (max(answered_at.values()) - min(parked_at.values())),
        "p50_ms": statistics.median(latencies), "p99_ms": latencies[int(0.99 * (len(latencies) - 1))],
        "answered": len(answered_at),
    }), flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)  # until switchy is done


# -- the switchy process ------------------------------------------------------------------


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def make_router(variant: str):
    from switchy.apps.routers import Router

    router = Router(route_threads=None if variant == "inline" else 32)
    if variant == "async":
        @router.route(".*")
        async def answer_async(sess, match, router):
            sess.answer()
    else:
        @router.route(".*")
        def answer(sess, match, router):
            sess.answer()
    return router


async def measure(source: str, variant: str, rate: float, seconds: float, hold: float) -> dict:
    from switchy import Service

    count = int(rate * seconds)
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, f"--{source}", "--rate", str(rate), "--count", str(count), "--hold", str(hold),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    hosts = json.loads(await child.stdout.readline())["hosts"]
    service = Service(hosts, park_timeout=None)
    service.apps.load_app(make_router(variant))
    await service.start(wait=10)
    base = rss_bytes()
    peak_sessions = 0
    peak_rss = base
    child.stdin.write(b"go\n")
    await child.stdin.drain()
    result_line = asyncio.ensure_future(child.stdout.readline())
    while not result_line.done():
        sessions = len(service.sessions)
        if sessions > peak_sessions:
            peak_sessions, peak_rss = sessions, rss_bytes()
        await asyncio.sleep(0.05)
    result = json.loads(result_line.result())
    await service.stop()
    child.stdin.write(b"bye\n")
    await child.stdin.drain()
    await child.wait()
    result["peak_sessions"] = peak_sessions
    result["kb_per_call"] = (peak_rss - base) / peak_sessions / 1024 if peak_sessions else None
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="250,500,1000,1500")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds of offered load per run")
    parser.add_argument("--hold", type=float, default=2.0, help="seconds each answered call stays up")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--source", default="both", choices=["emulator", "replay", "both"])
    parser.add_argument("--emulator", action="store_true")
    parser.add_argument("--replay", action="store_true")
    parser.add_argument("--rate", type=float)
    parser.add_argument("--count", type=int)
    args = parser.parse_args()
    if args.emulator:
        asyncio.run(emulator_main(args.rate, args.count, args.hold))
        return
    if args.replay:
        asyncio.run(replay_main(args.rate, args.count, args.hold))
        return
    rows = []
    sources = ["emulator", "replay"] if args.source == "both" else [args.source]
    for source in sources:
        for rate in (float(r) for r in args.rates.split(",")):
            for variant in args.variants.split(","):
                result = asyncio.run(measure(source, variant, rate, args.seconds, args.hold))
                rows.append((source, variant, rate, result))
                print(f"{source} {variant:9s} offered {rate:>6.0f}/s: {json.dumps(result)}", file=sys.stderr)
    print(f"\n3 nodes in a separate process, {args.seconds:g} s of offered load, hold {args.hold:g} s, "
          f"Python {sys.version.split()[0]}")
    print(f"{'source':9s} {'route':9s} {'offered/s':>9s} {'achieved':>9s} {'routed/s':>9s} {'routed':>10s} "
          f"{'p50 ms':>7s} {'p99 ms':>7s} {'peak calls':>10s} {'KB/call':>8s}")
    for source, variant, rate, r in rows:
        print(f"{source:9s} {variant:9s} {rate:>9.0f} {r['offered_rate']:>9.0f} {r['routed_rate']:>9.0f} "
              f"{r['routed']:>4d}/{r['offered']:<4d} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f} "
              f"{r['peak_sessions']:>10d} {r['kb_per_call'] or 0:>8.1f}")


if __name__ == "__main__":
    main()
