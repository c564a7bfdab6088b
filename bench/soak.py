"""Soak: thousands of concurrent calls across 3 emulated nodes, for a bounded time.

The emulated cluster runs in its own process. It ramps up to ``--concurrent`` calls
(round robin over the nodes), then for ``--seconds`` keeps that many up while
replacing ``--churn`` calls a second (the far end hangs up, a new call arrives), then
hangs everything up. switchy's Router, in this process, answers every call.

Reported: calls lost (never answered, left parked, or ended with an unexpected cause:
must be 0), events FreeSWITCH's side had to drop for a slow reader and events
switchy dropped (must be 0), switchy's resident memory at the start and end of the
steady phase and its growth per completed call (should be ~0), and whether every
session, call and timer was released at the end.

    python bench/soak.py [--concurrent 10000] [--seconds 60] [--churn 100]

``--memory`` measures memory per active call instead: tracemalloc runs in switchy's
process from before the first call; once ``--concurrent`` calls are up and every one has
its session, the cluster holds them while switchy's traced memory is compared with the
start. Reported: the growth per live call (what switchy keeps per call: session, call
state, the events it keeps, its share of dicts and buffers) and the allocation sites
that grew most. The calls are then hung up as in a soak (no steady phase).

    python bench/soak.py --memory [--concurrent 10000] [--ramp-rate 200]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import sys
import time
import tracemalloc


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def say(**fields) -> None:
    print(json.dumps(fields), flush=True)


# -- the emulator process -------------------------------------------------------------------


async def emulator_main(concurrent: int, seconds: float, churn: int, ramp_rate: float, hold: bool) -> None:
    from switchy.emulator import EmulatedCluster

    async with EmulatedCluster(nodes=3, time_scale=0.01) as cluster:
        say(hosts=cluster.hosts)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # "go"
        live: list = []
        placed = 0

        async def place() -> None:
            nonlocal placed
            node = cluster.nodes[placed % 3]
            placed += 1
            live.append(await node.place_call(f"1{placed:07d}", wait=False))

        start = time.monotonic()
        while placed < concurrent:
            delay = start + placed / ramp_rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await place()
        await wait_answered(live, timeout=120)
        say(phase="ramped", live=len(live), seconds=round(time.monotonic() - start, 1))
        if hold:  # every call stays up until switchy has measured
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        steady_end = time.monotonic() + seconds
        completed = 0
        while time.monotonic() < steady_end:
            tick = time.monotonic()
            for call in live[:churn]:
                call.remote_hangup()
            completed += min(churn, len(live))
            del live[:churn]
            for _ in range(churn):
                await place()
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
        await wait_answered(live, timeout=60)
        say(phase="steady-done", completed=completed, live=len(live))
        for call in live:
            call.remote_hangup()
        async with asyncio.timeout(120):
            while any(not ch.destroyed for n in cluster.nodes for ch in n.channels.values()):
                await asyncio.sleep(0.1)
        calls = [ch for n in cluster.nodes for ch in n.calls]
        lost = [ch for ch in calls if not ch.answered or ch.hangup_cause != "NORMAL_CLEARING"]
        say(phase="done", placed=placed, lost=len(lost),
            lost_examples=[(ch.uuid, ch.hangup_cause, ch.answered) for ch in lost[:5]],
            fs_dropped_events=sum(listener.lost_events for n in cluster.nodes for listener in n.listeners),
            emulator_errors=sum(len(n.errors) for n in cluster.nodes))
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # until switchy is done


async def wait_answered(calls, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not all(c.answered or c.ended for c in calls):
            await asyncio.sleep(0.05)


# -- the switchy process ----------------------------------------------------------------------


async def soak(args: argparse.Namespace) -> dict:
    from switchy import Service
    from switchy.apps.routers import Router
    from switchy.session import _RUNNING

    router = Router()

    @router.route(".*")
    def answer(sess, match, router):
        sess.answer()

    child = await asyncio.create_subprocess_exec(
        sys.executable, __file__, "--emulator", "--concurrent", str(args.concurrent), "--seconds", str(args.seconds),
        "--churn", str(args.churn), "--ramp-rate", str(args.ramp_rate), *(["--memory"] if args.memory else []),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, limit=1 << 20)
    hosts = json.loads(await child.stdout.readline())["hosts"]
    service = Service(hosts, park_timeout=30)
    service.apps.load_app(router)
    await service.start(wait=10)
    gc.collect()
    report: dict = {"rss_start_mb": round(rss_mb(), 1)}
    if args.memory:
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
    child.stdin.write(b"go\n")
    await child.stdin.drain()
    while True:
        line = await child.stdout.readline()
        if not line:
            break
        message = json.loads(line)
        phase = message.get("phase")
        gc.collect()
        if phase == "ramped":
            if args.memory:
                report["memory"] = await measure_live_calls(service, args.concurrent, before)
                tracemalloc.stop()  # the hangups run at full speed
                child.stdin.write(b"measured\n")
                await child.stdin.drain()
            report.update(ramp_seconds=message["seconds"], peak_sessions=len(service.sessions),
                          rss_steady_start_mb=round(rss_mb(), 1))
        elif phase == "steady-done":
            report.update(completed_in_steady=message["completed"], sessions_at_end=len(service.sessions),
                          rss_steady_end_mb=round(rss_mb(), 1))
        elif phase == "done":
            report.update({k: v for k, v in message.items() if k != "phase"})
            break
    with contextlib.suppress(TimeoutError):  # switchy may still be taking the hangups in
        async with asyncio.timeout(60):
            while service.sessions:
                await asyncio.sleep(0.5)
    await asyncio.sleep(0.5)
    gc.collect()
    report["leftover"] = {
        "sessions": len(service.sessions),
        "calls": sum(len(n.calls) for n in service.nodes),
        "park_timers": sum(len(n._park_timers) for n in service.nodes),
        "command_tasks": len(_RUNNING),
    }
    report["switchy_dropped_events"] = sum(n.client.dropped_events for n in service.nodes)
    report["park_timeouts"] = sum(n.stats["park_timeouts"] for n in service.nodes)
    report["reconnects"] = sum(n.client.reconnects for n in service.nodes)
    steady = report.get("completed_in_steady") or 0
    if steady:
        growth = (report["rss_steady_end_mb"] - report["rss_steady_start_mb"]) * 1e6
        report["bytes_per_completed_call"] = round(growth / steady, 1)
    report["rss_end_mb"] = round(rss_mb(), 1)
    await service.stop()
    child.stdin.write(b"bye\n")
    await child.stdin.drain()
    await child.wait()
    return report


async def measure_live_calls(service, concurrent: int, before: tracemalloc.Snapshot) -> dict:
    """Traced growth per live call once every call has its session, and where it is."""
    async with asyncio.timeout(120):  # the cluster answered them all; switchy may lag
        while len(service.sessions) < concurrent:
            await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # let the answers' events settle
    gc.collect()
    live = len(service.sessions)
    after = tracemalloc.take_snapshot()
    stats = after.compare_to(before, "lineno")
    growth = sum(stat.size_diff for stat in stats)
    top = [{"site": f"{stat.traceback[0].filename.split('/switchy/', 1)[-1]}:{stat.traceback[0].lineno}",
            "bytes_per_call": round(stat.size_diff / live, 1), "blocks_per_call": round(stat.count_diff / live, 2)}
           for stat in stats[:12]]
    return {"live_calls": live, "traced_growth_mb": round(growth / 1e6, 1),
            "bytes_per_call": round(growth / live, 1), "top_sites": top}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--concurrent", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the steady phase")
    parser.add_argument("--churn", type=int, default=100, help="calls replaced per second in the steady phase")
    parser.add_argument("--ramp-rate", type=float, help="calls per second while ramping up (500; --memory: 200,"
                        " as tracemalloc slows switchy down)")
    parser.add_argument("--memory", action="store_true", help="memory per live call (tracemalloc), no steady phase")
    parser.add_argument("--emulator", action="store_true")
    args = parser.parse_args()
    if args.memory:
        args.seconds = 0.0
    if args.ramp_rate is None:
        args.ramp_rate = 200.0 if args.memory else 500.0
    if args.emulator:
        asyncio.run(emulator_main(args.concurrent, args.seconds, args.churn, args.ramp_rate, args.memory))
        return
    started = time.monotonic()
    report = asyncio.run(soak(args))
    report["wall_seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
