"""Several controllers: calls/s and park → first command with 1, 2 and 3 of them, both modes.

Three emulated nodes run in this process (they place the calls and stamp when each
became routable and when its first routing command arrived); the controllers are
separate ``switchy run`` processes. Every call is routed with one command (``hangup
USER_BUSY``) and ends at once.

- inbound: ``switchy run --host`` for each node (one row without ``--claim``, then 1, 2, 3 controllers
  with ``--claim``). A call becomes routable at its CHANNEL_PARK.
- outbound: ``switchy run --listen``; node i's extension lists the controllers rotated by
  i (``socket`` actions), so calls spread over them. A call becomes routable when its
  socket application starts (CHANNEL_EXECUTE socket): connect, ``connect``/``myevents``
  round trip and the routing are in the figure.

Each configuration is measured twice per round: **saturation** (calls offered faster
than anything here can route them; routed calls/s is the figure) and **latency** at a
moderate offered rate (p50/p99 park → first command). Rounds are interleaved and the
medians are reported with their spread; CPU is each process's user+system time over the
saturation run, in % of one core.

``--proof`` runs the scenarios of ``tests/cluster/test_proof.py`` with 3,000 calls and
checks, besides exactly-once routing, that the calls the killed controller held were
taken over within the heartbeat timeout plus one second.

    python bench/cluster.py [--rounds 3] [--calls 1200] [--rate 100] [--only inbound|outbound]
    python bench/cluster.py --proof [--calls 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # run from anywhere: tests.support holds the proof scenarios

from switchy.emulator import Channel, EmulatedCluster  # noqa: E402
from tests.support.processes import Switchy  # noqa: E402
from tests.support.proof import ROUTE, free_port, inbound_kill, outbound_kill  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
HEARTBEAT = (1.0, 3.0)


def cpu_seconds(pid: int | None = None) -> float:
    """User + system CPU time of a process (this one by default)."""
    with open(f"/proc/{pid or 'self'}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Stamps:
    """When each call became routable, from the events its channel fires (whether or not
    a connection listens: an outbound call has none until its socket connects)."""

    def __init__(self, outbound: bool) -> None:
        self.outbound = outbound
        self.at: dict[str, float] = {}
        self._original = Channel.record

    def __enter__(self) -> Stamps:
        stamps, original, wanted = self, self._original, \
            "CHANNEL_EXECUTE" if self.outbound else "CHANNEL_PARK"

        def record(channel: Channel, name: str) -> None:
            if name == wanted:
                stamps.at.setdefault(channel.uuid, time.time())
            original(channel, name)

        Channel.record = record  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        Channel.record = self._original  # type: ignore[method-assign]


def first_commands(cluster: EmulatedCluster) -> dict[str, float]:
    """When each call's routing command (its USER_BUSY hangup) reached its node."""
    out: dict[str, float] = {}
    for node in cluster.nodes:
        for command in node.commands:
            parts = command.line.split()
            if len(parts) == 4 and parts[:2] == ["api", "uuid_kill"]:
                out.setdefault(parts[2], command.at)
    return out


async def start_controllers(mode: str, n: int, claim: bool, cluster: EmulatedCluster,
                            plan: str) -> list[Switchy]:
    processes = []
    if mode == "inbound":
        hosts = [arg for h in cluster.hosts for arg in ("--host", h)]
        extra = ["--claim", "--heartbeat", *map(str, HEARTBEAT)] if claim else []
        for _ in range(n):
            processes.append(await Switchy("run", plan, *hosts, *extra, "--no-reload",
                                           "--drain-timeout", "0").start())
        for p in processes:
            await p.expect("routing the calls of")
    else:
        addresses = [f"127.0.0.1:{free_port()}" for _ in range(n)]
        for address in addresses:
            processes.append(await Switchy("run", plan, "--listen", address, "--no-reload",
                                           "--drain-timeout", "0").start())
        for p in processes:
            await p.expect("listening on")
        for i, node in enumerate(cluster.nodes):  # node i tries controller i first
            node.config.outbound = tuple(addresses[(i + k) % n] for k in range(n))
    for p in processes:
        p.drain()
    return processes


async def offer(cluster: EmulatedCluster, count: int, rate: float | None) -> list:  # type: ignore[type-arg]
    """``count`` calls round robin over the nodes, at ``rate``/s (None: as fast as possible)."""
    calls = []
    start = time.monotonic()
    for i in range(count):
        if rate is not None:
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        elif i % 50 == 0:
            await asyncio.sleep(0)
        calls.append(await cluster.nodes[i % len(cluster.nodes)].place_call(f"1{i:06d}", wait=False))
    return calls


async def measure(mode: str, n: int, claim: bool, calls: int, rate: float, plan: str) -> dict[str, float]:
    async with EmulatedCluster(nodes=3, time_scale=0.01, heartbeat_interval=None) as cluster:
        controllers = await start_controllers(mode, n, claim, cluster, plan)
        try:
            result: dict[str, float] = {}
            for kind, count, offered in (("saturation", calls, None), ("latency", calls // 2, rate)):
                for node in cluster.nodes:
                    node.commands.clear()
                with Stamps(mode == "outbound") as stamps:
                    cpu0 = [cpu_seconds()] + [cpu_seconds(p.pid) for p in controllers]
                    wall0 = time.monotonic()
                    placed = await offer(cluster, count, offered)
                    async with asyncio.timeout(120):
                        for call in placed:
                            await call.wait_hangup(timeout=None)
                    wall = time.monotonic() - wall0
                    cpu1 = [cpu_seconds()] + [cpu_seconds(p.pid) for p in controllers]
                firsts = first_commands(cluster)
                if os.environ.get("BENCH_DEBUG"):
                    print(kind, len(placed), len(firsts), len(stamps.at), [c.hangup_cause for c in placed[:3]])
                uuids = [c.uuid for c in placed]
                routed = [u for u in uuids if u in firsts and u in stamps.at]
                if kind == "saturation":
                    span = max(firsts[u] for u in routed) - min(stamps.at[u] for u in routed)
                    result["calls_per_s"] = len(routed) / span
                    result["cpu_emulator"] = 100 * (cpu1[0] - cpu0[0]) / wall
                    result["cpu_controllers"] = 100 * sum(b - a for a, b in zip(cpu0[1:], cpu1[1:], strict=True)) / wall
                    result["cpu_each_max"] = max(100 * (b - a) / wall for a, b in zip(cpu0[1:], cpu1[1:], strict=True))
                    # CPU per routed call: steadier than calls/s on a machine shared with others
                    result["ms_cpu_per_call_controllers"] = \
                        1000 * sum(b - a for a, b in zip(cpu0[1:], cpu1[1:], strict=True)) / len(routed)
                    result["ms_cpu_per_call_emulator"] = 1000 * (cpu1[0] - cpu0[0]) / len(routed)
                else:
                    delays = sorted((firsts[u] - stamps.at[u]) * 1000 for u in routed)
                    result["p50_ms"] = statistics.median(delays)
                    result["p99_ms"] = delays[int(0.99 * (len(delays) - 1))]
                result[f"{kind}_lost"] = len(uuids) - len(routed)
            return result
        finally:
            for p in controllers:
                p.signal()
            for p in controllers:
                with contextlib.suppress(TimeoutError):
                    await p.wait(10)
                await p.stop()


CONFIGS = [("inbound", 1, False), ("inbound", 1, True), ("inbound", 2, True), ("inbound", 3, True),
           ("outbound", 1, False), ("outbound", 2, False), ("outbound", 3, False)]


def label(mode: str, n: int, claim: bool) -> str:
    if mode == "inbound":
        return f"inbound, {n} controller{'s' if n > 1 else ''}" + (" (--claim)" if claim else " (no claims)")
    return f"outbound, {n} listener{'s' if n > 1 else ''}"


async def bench(args: argparse.Namespace) -> None:
    configs = [c for c in CONFIGS if args.only in (None, c[0])]
    rows: dict[tuple[str, int, bool], list[dict[str, float]]] = {c: [] for c in configs}
    with tempfile.TemporaryDirectory() as tmp:
        plan = str(Path(tmp) / "route.swr")
        Path(plan).write_text(ROUTE)
        for round_no in range(args.rounds):
            for config in configs:
                result = await measure(*config, args.calls, args.rate, plan)
                rows[config].append(result)
                print(f"round {round_no + 1} {label(*config)}: "
                      + ", ".join(f"{k} {v:.1f}" for k, v in result.items()), flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f}; medians of {args.rounds} rounds "
          "(min-max in brackets)\n")
    print("| configuration | calls/s routed (saturation) | p50 park→command | p99 park→command "
          "| CPU emulator (3 nodes) | CPU controllers (sum / busiest) | CPU ms per call: controllers "
          "(sum) / emulator |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")

    def cell(values: list[float], fmt: str) -> str:
        return f"{format(statistics.median(values), fmt)} [{format(min(values), fmt)}-{format(max(values), fmt)}]"

    for config, results in rows.items():
        pick = {k: [r[k] for r in results] for k in results[0]}
        print(f"| {label(*config)} | {cell(pick['calls_per_s'], '.0f')} | {cell(pick['p50_ms'], '.1f')} ms "
              f"| {cell(pick['p99_ms'], '.1f')} ms | {statistics.median(pick['cpu_emulator']):.0f} % "
              f"| {statistics.median(pick['cpu_controllers']):.0f} % / "
              f"{statistics.median(pick['cpu_each_max']):.0f} % "
              f"| {cell(pick['ms_cpu_per_call_controllers'], '.2f')} / "
              f"{statistics.median(pick['ms_cpu_per_call_emulator']):.2f} |")
        lost = sum(pick["saturation_lost"]) + sum(pick["latency_lost"])
        if lost:
            print(f"  ({lost} calls without a routing command in {label(*config)})")


async def proof(args: argparse.Namespace) -> int:
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        report = await inbound_kill(Path(tmp), calls=args.calls, rate=args.rate, heartbeat=HEARTBEAT)
        delays = report.takeover_delays()
        bound = HEARTBEAT[1] + 1.0
        print(f"inbound: {len(report.calls)} calls in {time.monotonic() - started:.0f} s, 3 controllers "
              f"on 3 nodes, 'victim' SIGKILLed after {len(report.calls) // 2} calls, 'restarted' joined")
        print(f"  routed twice: {len(report.twice)}, never routed: {len(report.never)}, "
              f"not ended: {len(report.unended)}")
        print(f"  calls the victim held claimed at its death: {len(report.at_kill)}, routed by "
              f"{sorted(set(report.by[u] for u in report.at_kill if u in report.by))}")
        if delays:
            print(f"  kill → their routing command: min {delays[0]:.2f} s, median "
                  f"{statistics.median(delays):.2f} s, max {delays[-1]:.2f} s "
                  f"(bound: heartbeat timeout {HEARTBEAT[1]:g} s + 1 s = {bound:g} s)")
        routed_by = {name: list(report.by.values()).count(name) for name in sorted(set(report.by.values()))}
        print(f"  calls routed per controller: {routed_by}")
        ok = not (report.twice or report.never or report.unended) and report.at_kill \
            and len(delays) == len(report.at_kill) and delays[-1] <= bound
        failures += not ok
        print("  PASS" if ok else "  FAIL", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        report = await outbound_kill(Path(tmp), calls=args.calls, rate=args.outbound_rate)
        print(f"outbound: {len(report.calls)} calls in {time.monotonic() - started:.0f} s, nodes hand calls "
              f"to A then B; A SIGKILLed after {len(report.calls) // 2} calls, started again after "
              f"{3 * len(report.calls) // 4}")
        paths: dict[str, int] = {}
        for call in report.calls:
            key = " then ".join("A" if h == report.calls[0].handed_to[0] else "B" for h in call.handed_to)
            paths[key] = paths.get(key, 0) + 1
        print(f"  routed twice: {len(report.twice)}, never routed: {len(report.never)}, "
              f"not ended: {len(report.unended)}; handed to: {paths}")
        print(f"  calls A held at its death: {len(report.at_kill)}, all handed on to B by the next "
              f"socket action and ended: {all(u not in report.unended for u in report.at_kill)}")
        ok = not (report.twice or report.never or report.unended) and report.at_kill
        failures += not ok
        print("  PASS" if ok else "  FAIL", flush=True)
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--proof", action="store_true", help="the SIGKILL scenarios with many calls")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=None, help="calls per run (1200; proof: 3000)")
    parser.add_argument("--rate", type=float, default=None,
                        help="offered calls/s for the latency runs (40) and the proof (100)")
    parser.add_argument("--outbound-rate", type=float, default=40.0,
                        help="offered calls/s of the outbound proof (40: below what the emulator "
                        "sustains in outbound mode on 2 cores)")
    parser.add_argument("--only", choices=("inbound", "outbound"))
    args = parser.parse_args()
    args.calls = args.calls or (3000 if args.proof else 1200)
    args.rate = args.rate or (100.0 if args.proof else 40.0)
    if args.proof:
        return asyncio.run(proof(args))
    asyncio.run(bench(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
