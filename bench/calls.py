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
stand-in for three nodes (its own process) replays, per call, the real event sequence a
FreeSWITCH 1.11 sent (``tests/esl/vectors/real/*_event_plain_all``), keeping the events
the service subscribed to: ``--mix single`` (an inbound leg answered and played to: 13
events with switchy's standard subscription, 11 of them the channel's and 2
BACKGROUND_JOB) or ``--mix bridge`` (a bridged pair: 18 events, both legs routed). The
frames are pre-built (the captured bytes with a fresh uuid of the same length per call):
until every leg is parked at once, the rest up to the hangup when every leg got
``uuid_answer``, the hangup onwards after the hold. The stand-in stamps when it wrote
CHANNEL_PARK and when ``uuid_answer`` came back. CPU ms/call is this process's CPU time
(all its threads) over the run divided by the calls offered: the figure other jobs on
the machine disturb least.

    python bench/calls.py [--source emulator|replay|both] [--rates 250,500,1000,1500]
                          [--seconds 4] [--hold 2] [--mix single|bridge] [--rounds 3]
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


# The real sequences of a call as FreeSWITCH 1.11 sent them (``event plain all``): a
# single inbound leg answered and played to (sipp_inbound_call) and a bridged pair
# (sipp_bridge). The stand-in keeps the events the service subscribed to, in order.
MIXES = {
    "single": ("sipp_inbound_call_event_plain_all", (b"7b055527-a5ce-4033-b8a4-e09d30774527",)),
    "bridge": ("sipp_bridge_event_plain_all", (b"fe594237-d5ce-4f8e-87ed-2e2445ab70dd",
                                               b"14dc9c9f-ca09-4ea4-8c02-4f878a74695f")),
}


def _event_name(frame: bytes) -> str:
    start = frame.index(b"\nEvent-Name: ") + 13
    return frame[start:frame.index(b"\n", start)].decode()


def call_phases(mix: str, subscribed: set[str]) -> tuple[bytes, bytes, bytes]:
    """The captured frames of one call in three blobs: until every leg is parked, from
    the first CHANNEL_ANSWER (sent once every leg was answered), from the first
    CHANNEL_HANGUP (sent after the hold). Only events in ``subscribed``."""
    folder = os.path.join(REAL, MIXES[mix][0])
    frames = []
    for name in sorted(os.listdir(folder)):
        if "_event_" in name:
            with open(os.path.join(folder, name), "rb") as f:
                frame = f.read()
            if _event_name(frame) in subscribed:
                frames.append(frame)
    names = [_event_name(f) for f in frames]
    answer, hangup = names.index("CHANNEL_ANSWER"), names.index("CHANNEL_HANGUP")
    return b"".join(frames[:answer]), b"".join(frames[answer:hangup]), b"".join(frames[hangup:])


def fresh_uuids(i: int, legs: int) -> list[bytes]:
    """Per-call uuids as long as the captured ones, so Content-Length stays true."""
    return [b"%08d-0000-4000-8000-%012d" % (i, leg) for leg in range(legs)]


async def replay_main(rate: float, count: int, hold: float, mix: str) -> None:
    captured = MIXES[mix][1]
    parked_at: dict[str, float] = {}
    answered_at: dict[str, float] = {}
    call_of: dict[str, tuple[asyncio.StreamWriter, list[bytes]]] = {}
    unanswered: dict[int, int] = {}
    writers: list[asyncio.StreamWriter] = []
    subscribed_names: set[str] = set()
    subscribed = asyncio.Event()
    loop = asyncio.get_running_loop()
    phases: tuple[bytes, bytes, bytes] = (b"", b"", b"")
    phase_events = [0, 0, 0]
    events_sent = 0

    def reply(text: str) -> bytes:
        return f"Content-Type: command/reply\nReply-Text: {text}\n\n".encode()

    def api(body: str) -> bytes:
        data = body.encode()
        return b"Content-Type: api/response\nContent-Length: %d\n\n" % len(data) + data

    def send(writer: asyncio.StreamWriter, phase: int, uuids: list[bytes]) -> None:
        nonlocal events_sent
        blob = phases[phase]
        for old, new in zip(captured, uuids, strict=True):
            blob = blob.replace(old, new)
        events_sent += phase_events[phase]
        writer.write(blob)

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
                subscribed_names.update(line.split()[2:])
                writer.write(reply("+OK event listener enabled plain"))
                if writer not in writers:
                    writers.append(writer)
                if len(writers) == 3:
                    subscribed.set()
            elif line.startswith("api uuid_answer "):
                uuid = line.split()[2]
                writer.write(api("+OK\n"))
                if uuid in answered_at or uuid not in call_of:
                    continue
                answered_at[uuid] = time.time()
                call_writer, uuids = call_of[uuid]
                i = int(uuid[:8])
                unanswered[i] -= 1
                if not unanswered[i]:  # every leg answered: the rest of the call
                    send(call_writer, 1, uuids)
                    loop.call_later(hold, send, call_writer, 2, uuids)
            elif line.startswith("api show channels"):
                writer.write(api('{"row_count": 0}\n'))
            elif line.startswith("api "):
                writer.write(api("+OK\n"))
            else:
                writer.write(reply("+OK"))

    servers = [await asyncio.start_server(serve, "127.0.0.1", 0) for _ in range(3)]
    say_hosts = [f"127.0.0.1:{srv.sockets[0].getsockname()[1]}" for srv in servers]
    print(json.dumps({"hosts": say_hosts}), flush=True)
    await loop.run_in_executor(None, sys.stdin.readline)  # "go"
    await asyncio.wait_for(subscribed.wait(), 10)
    phases = call_phases(mix, subscribed_names)
    phase_events = [blob.count(b"\nEvent-Name: ") for blob in phases]
    legs = len(captured)
    start = time.monotonic()
    for i in range(count):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        uuids = fresh_uuids(i, legs)
        writer = writers[i % 3]
        now = time.time()
        unanswered[i] = legs
        for uuid in uuids:
            parked_at[uuid.decode()] = now
            call_of[uuid.decode()] = (writer, uuids)
        send(writer, 0, uuids)
    offered_seconds = time.monotonic() - start
    async with asyncio.timeout(60):
        while len(answered_at) < len(parked_at):
            await asyncio.sleep(0.05)
    await asyncio.sleep(hold + 0.5)
    latencies = sorted((answered_at[u] - t) * 1000 for u, t in parked_at.items())
    print(json.dumps({
        "offered": count, "offered_rate": count / offered_seconds, "routed": len(latencies),
        "routed_rate": len(latencies) / (max(answered_at.values()) - min(parked_at.values())),
        "p50_ms": statistics.median(latencies), "p99_ms": latencies[int(0.99 * (len(latencies) - 1))],
        "answered": len(answered_at), "events_per_call": events_sent / count,
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


async def measure(source: str, variant: str, rate: float, seconds: float, hold: float, mix: str) -> dict:
    from switchy import Service

    count = int(rate * seconds)
    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, f"--{source}", "--rate", str(rate), "--count", str(count), "--hold", str(hold),
        "--mix", mix,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    hosts = json.loads(await child.stdout.readline())["hosts"]
    service = Service(hosts, park_timeout=None)
    service.apps.load_app(make_router(variant))
    await service.start(wait=10)
    base = rss_bytes()
    peak_sessions = 0
    peak_rss = base
    cpu_start = time.process_time()  # this process, every thread: the loop and the route workers
    child.stdin.write(b"go\n")
    await child.stdin.drain()
    result_line = asyncio.ensure_future(child.stdout.readline())
    while not result_line.done():
        sessions = len(service.sessions)
        if sessions > peak_sessions:
            peak_sessions, peak_rss = sessions, rss_bytes()
        await asyncio.sleep(0.05)
    result = json.loads(result_line.result())
    cpu = time.process_time() - cpu_start
    await service.stop()
    child.stdin.write(b"bye\n")
    await child.stdin.drain()
    await child.wait()
    result["peak_sessions"] = peak_sessions
    result["cpu_ms_per_call"] = cpu * 1000 / result["offered"] if result["offered"] else None
    result["kb_per_call"] = (peak_rss - base) / peak_sessions / 1024 if peak_sessions else None
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="250,500,1000,1500")
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds of offered load per run")
    parser.add_argument("--hold", type=float, default=2.0, help="seconds each answered call stays up")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds (medians, min..max)")
    parser.add_argument("--source", default="both", choices=["emulator", "replay", "both"])
    parser.add_argument("--emulator", action="store_true")
    parser.add_argument("--replay", action="store_true")
    parser.add_argument("--rate", type=float)
    parser.add_argument("--count", type=int)
    parser.add_argument("--mix", default="single", choices=sorted(MIXES),
                        help="replay: the captured event sequence of each call")
    args = parser.parse_args()
    if args.emulator:
        asyncio.run(emulator_main(args.rate, args.count, args.hold))
        return
    if args.replay:
        asyncio.run(replay_main(args.rate, args.count, args.hold, args.mix))
        return
    sources = ["emulator", "replay"] if args.source == "both" else [args.source]
    rates = [float(r) for r in args.rates.split(",")]
    variants = args.variants.split(",")
    results: dict[tuple[str, float, str], list[dict]] = {}
    load_before = os.getloadavg()
    for _ in range(args.rounds):  # interleaved: every configuration once per round
        for source in sources:
            for rate in rates:
                for variant in variants:
                    result = asyncio.run(measure(source, variant, rate, args.seconds, args.hold, args.mix))
                    results.setdefault((source, rate, variant), []).append(result)
                    print(f"{source} {variant:9s} offered {rate:>6.0f}/s: {json.dumps(result)}", file=sys.stderr)
    load_after = os.getloadavg()

    def spread(runs: list[dict], key: str, fmt: str) -> str:
        values = [r[key] or 0 for r in runs]
        text = format(statistics.median(values), fmt)
        return text if len(values) == 1 else f"{text} [{format(min(values), fmt)}..{format(max(values), fmt)}]"

    print(f"\n3 nodes in a separate process ({args.source}, mix {args.mix}), {args.seconds:g} s of offered load, "
          f"hold {args.hold:g} s, medians of {args.rounds} interleaved rounds [min..max], "
          f"Python {sys.version.split()[0]}, load average {load_before[0]:.2f} before, {load_after[0]:.2f} after")
    print("| source | route | offered/s | routed/s | p50 ms | p99 ms | events/call | CPU ms/call | peak calls "
          "| KB/call |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (source, rate, variant), runs in results.items():
        routed = min(r["routed"] for r in runs)
        wanted = max(r["offered"] for r in runs) * (len(MIXES[args.mix][1]) if source == "replay" else 1)
        lost = "" if routed == wanted else f" (routed {routed}/{wanted})"
        print(f"| {source} | {variant} | {rate:.0f} | {spread(runs, 'routed_rate', '.0f')}{lost} | "
              f"{spread(runs, 'p50_ms', '.1f')} | {spread(runs, 'p99_ms', '.1f')} | "
              f"{spread(runs, 'events_per_call', '.0f') if source == 'replay' else '-'} | "
              f"{spread(runs, 'cpu_ms_per_call', '.2f')} | "
              f"{spread(runs, 'peak_sessions', '.0f')} | {spread(runs, 'kb_per_call', '.1f')} |")


if __name__ == "__main__":
    main()
