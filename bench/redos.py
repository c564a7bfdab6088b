"""How much a hostile caller value delays the calls of other nodes (issue 12, part 2).

A 2-node emulated cluster runs a dialplan whose first route matches
``Caller-Caller-ID-Name =~ "^(a+)+$"`` (exponential on a backtracking engine). Each round
places, on node 2, a bystander call and measures the time from its placement to its
answer — once alone, once right after a hostile call (a 10,000-character caller name)
was placed on node 1. Rounds are interleaved; the medians and spread are printed, and
the added delay is their difference. Then the same for a pattern RE2 cannot run
(``^(?=a)(a+)+$``: the time-limited engine).

    python bench/redos.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from switchy import Service
from switchy.dialplan.runtime.app import DialplanApp
from switchy.emulator import EmulatedCluster

HOSTILE = "a" * 10_000 + "!"


async def measure(pattern: str, rounds: int) -> tuple[list[float], list[float]]:
    text = f'route evil Caller-Caller-ID-Name =~ "{pattern}" {{ answer() }}\nroute ok "^200$" {{ answer() }}\n'
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "redos.swr"
        path.write_text(text)
        async with EmulatedCluster(nodes=2, time_scale=0.01) as cluster:
            service = Service(cluster.hosts, password=cluster.nodes[0].password)
            service.apps.load_app(DialplanApp([path]), app_id="default")
            await service.start(wait=5)
            alone: list[float] = []
            beside: list[float] = []
            try:
                for n in range(rounds * 2):
                    hostile = n % 2 == 1
                    if hostile:
                        await cluster.nodes[0].place_call("100", caller_id_name=HOSTILE, wait=False)
                    start = time.perf_counter()
                    call = await cluster.nodes[1].place_call("200", caller_id_name="Bob")
                    await call.wait_answered(timeout=30)
                    (beside if hostile else alone).append(time.perf_counter() - start)
                    await asyncio.sleep(0.05)
            finally:
                await service.stop()
    return alone, beside


def show(label: str, alone: list[float], beside: list[float]) -> None:
    def ms(values: list[float]) -> str:
        q = statistics.quantiles(values, n=4)
        return f"median {statistics.median(values) * 1000:.2f} ms (IQR {q[0] * 1000:.2f}-{q[2] * 1000:.2f})"

    added = (statistics.median(beside) - statistics.median(alone)) * 1000
    print(f"{label}: bystander alone {ms(alone)}; beside a hostile call {ms(beside)}; "
          f"added {added:+.2f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    for label, pattern in (("RE2 ^(a+)+$", "^(a+)+$"), ("time-limited ^(?=a)(a+)+$", "^(?=a)(a+)+$")):
        show(label, *await measure(pattern, args.rounds))


if __name__ == "__main__":
    asyncio.run(main())
