"""The hop of a plain route to a worker thread and back, alone: CPU and latency per call.

``Workers.call`` (what a Router does for every plain route) against calling the function
inline on the loop, at a fixed rate of calls (bursts of 10, as a loop handles parked
calls in batches); CPU µs/call is this process's CPU time (every thread) divided by the
calls, the figure other jobs on the machine disturb least. Interleaved rounds, medians.

    python bench/route_hop.py [--calls 6000] [--rate 3000] [--rounds 5]

To compare with another tree (say the commit before a change), run it from outside the
repository with that tree first on the path: ``PYTHONPATH=/tmp/old python bench/route_hop.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time

from switchy.workers import Workers


def route(x: int) -> int:
    return x + 1


class Inline:
    """The same interface, no thread: the loop's own cost of the benchmark."""

    async def call(self, func, *args, timeout, **kwargs):
        return func(*args, **kwargs)

    def shutdown(self) -> None:
        pass


async def run(make, calls: int, rate: float) -> dict[str, float]:
    pool = make()
    latencies: list[float] = []

    async def one(i: int) -> None:
        t = time.perf_counter()
        await pool.call(route, i, timeout=30)
        latencies.append(time.perf_counter() - t)

    tasks = []
    cpu = time.process_time()
    for i in range(calls):
        tasks.append(asyncio.create_task(one(i)))
        if i % 10 == 9:
            await asyncio.sleep(10 / rate)
    await asyncio.gather(*tasks)
    cpu = time.process_time() - cpu
    pool.shutdown()
    latencies.sort()
    return {"cpu_us": cpu / calls * 1e6, "p50_ms": latencies[len(latencies) // 2] * 1e3,
            "p99_ms": latencies[int(len(latencies) * 0.99)] * 1e3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=6000)
    parser.add_argument("--rate", type=float, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    forms = {"worker thread": lambda: Workers(32), "inline": Inline}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in forms}
    load = os.getloadavg()[0]
    for _ in range(args.rounds):
        for name, make in forms.items():
            runs[name].append(asyncio.run(run(make, args.calls, args.rate)))

    def spread(name: str, key: str) -> str:
        values = [r[key] for r in runs[name]]
        return f"{statistics.median(values):.1f} [{min(values):.1f}..{max(values):.1f}]"

    print(f"{args.calls} calls at {args.rate:g}/s, medians of {args.rounds} interleaved rounds [min..max], "
          f"Python {sys.version.split()[0]}, switchy.workers from {os.path.dirname(sys.modules['switchy'].__file__)}, "
          f"load average {load:.2f} → {os.getloadavg()[0]:.2f}")
    print("| form | CPU µs/call | p50 ms | p99 ms |")
    print("| --- | ---: | ---: | ---: |")
    for name in forms:
        print(f"| {name} | {spread(name, 'cpu_us')} | {spread(name, 'p50_ms')} | {spread(name, 'p99_ms')} |")
    hop = statistics.median(r["cpu_us"] for r in runs["worker thread"]) - \
        statistics.median(r["cpu_us"] for r in runs["inline"])
    print(f"the hop itself: {hop:.1f} µs of CPU per call (worker thread minus inline, medians)")


if __name__ == "__main__":
    main()
