"""Deciding a call with 10 … 100k DID routes: the .swr route graph against the linear Router.

For each size N the same N routes (``^<10-digit DID>$``, each transferring to an
extension, file order = registration order) are built twice: as a .swr dialplan (parsed,
checked and compiled into the route graph, which indexes them) and as a seed-style
Python ``Router`` (one ``@router.route`` per DID, tried one by one). Then the same calls
(90% to existing DIDs, 10% to numbers no route has) are decided by both, one at a time:
the route graph's index and patterns (``decide`` below: what the runtime's ``table`` node
does, without walking the routes' statements) against ``Router.matches`` — the routes a
call runs, no action sent. Every decision of both is compared (they must agree), and each
is timed alone with ``perf_counter_ns``; the table gives percentiles and the ratio of
medians. ``route`` is the whole runtime for one call on a recording Session (select,
walk, the transfer command built and "sent"), for scale.

    python bench/routing.py [--sizes 10,1000,10000,100000] [--calls 20000] [--seed 1]

``--front-end`` measures only what ``switchy check`` costs on those files, per size: the
whole path in this process (parse + check + compile, the collector off as the CLI has
it) and the real CLI (``python -m switchy check --quiet FILE``, a subprocess: wall time
and its peak resident memory; ``SWITCHY_MAX_SOURCE_BYTES`` raised for the 7 MB file of
100k routes), in ``--rounds`` interleaved rounds, with the growth from
the first size to each (linear growth is the ratio of the sizes):

    python bench/routing.py --front-end --sizes 10000,30000,100000 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time

from switchy.apps.routers import Router
from switchy.dialplan.frontend.checker import check
from switchy.dialplan.frontend.loader import load_text
from switchy.dialplan.graph.compiler import compile_program
from switchy.dialplan.graph.kinds import Kind
from switchy.dialplan.runtime.engine import Runtime, route_regex
from switchy.recording import RecordingController, simulated_session

DEST = "Caller-Destination-Number"


def dids(n: int, rng: random.Random) -> list[str]:
    return [str(d) for d in rng.sample(range(2_000_000_000, 9_999_999_999), n)]


def swr_text(numbers: list[str]) -> str:
    return "\n".join(f'route did{i} "^{d}$" {{ transfer("{1000 + i % 9000}", "XML", "default") stop }}'
                     for i, d in enumerate(numbers))


def linear_router(numbers: list[str]) -> Router:
    router = Router(route_threads=None)
    for i, d in enumerate(numbers):
        ext = str(1000 + i % 9000)

        def did(sess, match, router, ext=ext):
            sess.transfer(ext, "XML", "default")
            return True

        did.__name__ = f"did{i}"
        router.route(f"^{d}$")(did)
    return router


def decider(graph, dialplan: str = "default"):
    """The routes of ``dialplan`` whose pattern matches a call, in file order, through the
    route table when there is one: the runtime's own index and compiled patterns."""
    nodes = graph.nodes
    table = next((a for _, a in nodes(data=True)
                  if a["kind"] == Kind.TABLE and a["dialplan"] == dialplan), None)
    routes = sorted((n for n, a in nodes(data=True) if a["kind"] == Kind.MATCH
                     and a["dialplan"] == dialplan), key=lambda n: nodes[n]["route_index"])

    def decide(get) -> list[tuple[str, object]]:
        candidates = routes
        if table is not None:
            index = table["index"]
            candidates = [table["routes"][i] for i in index.candidates(index.values(get))]
        found = []
        for node in candidates:
            attrs = nodes[node]
            value = get(attrs["field"])
            m = route_regex(attrs).match(value) if value is not None else None
            if m is not None:
                found.append((attrs["title"], m))
        return found

    return decide


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def timed(fn, calls: list[dict[str, str]]) -> tuple[list[float], list]:
    out, results = [], []
    clock = time.perf_counter_ns
    for headers in calls:
        get = headers.get
        t0 = clock()
        r = fn(get)
        t1 = clock()
        out.append((t1 - t0) / 1000)
        results.append(r)
    return out, results


def run_size(n: int, calls_wanted: int, rng: random.Random) -> dict:
    numbers = dids(n, rng)
    text = swr_text(numbers)
    row: dict = {"n": n}

    t = time.perf_counter()
    program = load_text(text, f"did{n}.swr")
    row["parse"] = time.perf_counter() - t
    t = time.perf_counter()
    diagnostics = check(program)
    row["check"] = time.perf_counter() - t
    assert not any(d.is_error for d in diagnostics), diagnostics[:3]
    t = time.perf_counter()
    graph = compile_program(program)
    row["compile"] = time.perf_counter() - t
    t = time.perf_counter()
    runtime = Runtime(graph)
    row["start"] = time.perf_counter() - t
    t = time.perf_counter()
    router = linear_router(numbers)
    row["router_setup"] = time.perf_counter() - t

    misses = [str(rng.randrange(10**9, 2 * 10**9)) for _ in range(max(1, calls_wanted // 10))]
    calls = [{DEST: rng.choice(numbers)} for _ in range(calls_wanted - len(misses))]
    calls += [{DEST: m} for m in misses]
    rng.shuffle(calls)
    # the linear Router costs ~N regex matches per call: fewer calls for big N
    router_calls = calls[:max(50, min(len(calls), 4_000_000 // max(n, 1)))]

    decide = decider(graph)
    gc.collect()
    swr_times, swr_results = timed(decide, calls)
    # again, now that every route pattern hit has been compiled (they compile on first use)
    row["swr_warm"], _ = timed(decide, calls)
    router_times, router_results = timed(lambda get: router.matches({DEST: get(DEST)}), router_calls)
    for got, want in zip(swr_results, router_results, strict=False):
        assert [name for name, _ in got] == [r.name for r, _ in want], (got, want)
    row["swr"] = swr_times
    row["router"] = router_times
    row["calls"], row["router_calls"] = len(calls), len(router_calls)
    row["route"] = asyncio.run(full_route(runtime, calls[:2000]))
    return row


async def full_route(runtime: Runtime, calls: list[dict[str, str]]) -> list[float]:
    out = []
    for headers in calls:
        sess = simulated_session(headers, RecordingController())
        t0 = time.perf_counter_ns()
        outcome = await runtime.route(sess)
        out.append((time.perf_counter_ns() - t0) / 1000)
        assert outcome.result in ("routed", "no-route")
    return out


def front_end_in_process(text: str, name: str) -> dict[str, float]:
    """Seconds for parse, check and compile of ``text``, the collector off as in the CLI."""
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        program = load_text(text, name)
        t1 = time.perf_counter()
        diagnostics = check(program)
        t2 = time.perf_counter()
        assert not any(d.is_error for d in diagnostics), diagnostics[:3]
        compile_program(program)
        t3 = time.perf_counter()
    finally:
        gc.enable()
    return {"parse": t1 - t0, "check": t2 - t1, "compile": t3 - t2, "whole": t3 - t0}


def front_end_cli(path: str) -> tuple[float, float]:
    """Wall seconds and peak resident MB of ``python -m switchy check --quiet path``."""
    # 100k routes are ~7 MB of text: above the CLI's default 4 MiB limit on a source file
    env = {**os.environ, "SWITCHY_MAX_SOURCE_BYTES": str(max(4 << 20, 2 * os.path.getsize(path)))}
    # /usr/bin/time reports the peak of the CLI alone (a child forked from this big
    # process would count the pages it shared before exec)
    t0 = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-f", "peak-kb %M", sys.executable, "-m", "switchy", "check",
                           "--quiet", path], capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    assert done.returncode == 0 and "error" not in done.stdout, (done.stdout + done.stderr)[-500:]
    return wall, int(done.stderr.rsplit("peak-kb ", 1)[1].split()[0]) / 1024


def front_end_main(sizes: list[int], rounds: int, seed: int) -> int:
    rng = random.Random(seed)
    texts = {n: swr_text(dids(n, rng)) for n in sizes}
    front_end_in_process(swr_text(dids(10, rng)), "warm-up.swr")  # the grammar, once per process
    runs: dict[int, list[dict[str, float]]] = {n: [] for n in sizes}
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as folder:
        paths = {}
        for n, text in texts.items():
            paths[n] = os.path.join(folder, f"did{n}.swr")
            with open(paths[n], "w") as f:
                f.write(text)
        for r in range(rounds):  # interleaved: every size once per round
            for n in sizes:
                print(f"  round {r + 1}: {n} routes ...", file=sys.stderr, flush=True)
                row = front_end_in_process(texts[n], f"did{n}.swr")
                row["cli"], row["rss"] = front_end_cli(paths[n])
                runs[n].append(row)
    load_after = os.getloadavg()[0]

    def med(n: int, key: str) -> float:
        return statistics.median(r[key] for r in runs[n])

    def spread(n: int, key: str, fmt: str) -> str:
        values = [r[key] for r in runs[n]]
        text = format(statistics.median(values), fmt)
        return text if len(values) == 1 else f"{text} [{format(min(values), fmt)}..{format(max(values), fmt)}]"

    base = sizes[0]
    print(f"python {platform.python_version()} on {platform.machine()}, medians of {rounds} interleaved "
          f"rounds [min..max], load average {load_before:.2f} before, {load_after:.2f} after")
    print()
    print(f"| routes | parse s | check s | compile s | parse+check+compile s | `switchy check` CLI s "
          f"| CLI peak MB | growth vs {base} (whole / CLI; linear {'/'.join(f'{n / base:g}' for n in sizes)}) |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in sizes:
        print(f"| {n} | {spread(n, 'parse', '.2f')} | {spread(n, 'check', '.2f')} | "
              f"{spread(n, 'compile', '.2f')} | {spread(n, 'whole', '.2f')} | {spread(n, 'cli', '.2f')} | "
              f"{spread(n, 'rss', '.0f')} | {med(n, 'whole') / med(base, 'whole'):.1f}x / "
              f"{med(n, 'cli') / med(base, 'cli'):.1f}x (linear {n / base:g}x) |")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,1000,10000,100000")
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--front-end", action="store_true",
                        help="only the whole switchy check path per size (in process and the CLI)")
    parser.add_argument("--rounds", type=int, default=1, help="--front-end: interleaved rounds")
    args = parser.parse_args()
    if args.front_end:
        return front_end_main([int(s) for s in args.sizes.split(",")], args.rounds, args.seed)
    rng = random.Random(args.seed)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"python {platform.python_version()} on {platform.machine()}, {args.calls} calls per size "
          f"(fewer for the linear Router at large N), seed {args.seed}")
    rows = []
    for n in sizes:
        print(f"  {n} routes ...", file=sys.stderr, flush=True)
        rows.append(run_size(n, args.calls, rng))
    print()
    print(f"{'routes':>7} | {'parse':>7} {'check':>7} {'compile':>8} | "
          f"{'.swr decide p50':>15} {'p90':>6} {'p99':>6} {'warm p50':>8} | {'Router p50':>10} "
          f"{'p90':>8} | {'ratio':>6} | {'route p50':>9}")
    print("-" * 118)
    for r in rows:
        s50, s90, s99 = (percentile(r["swr"], q) for q in (0.5, 0.9, 0.99))
        w50 = percentile(r["swr_warm"], 0.5)
        r50, r90 = (percentile(r["router"], q) for q in (0.5, 0.9))
        print(f"{r['n']:>7} | {r['parse']:>6.2f}s {r['check']:>6.2f}s {r['compile']:>7.3f}s | "
              f"{s50:>12.1f} µs {s90:>6.1f} {s99:>6.1f} {w50:>8.1f} | {r50:>7.1f} µs {r90:>8.1f} | "
              f"{r50 / s50:>5.0f}x | {statistics.median(r['route']):>6.1f} µs")
    print()
    print("parse / check / compile: seconds for text → AST, the checker, AST → route graph with")
    print("its index. decide: µs per call to find the routes that match (no action sent), .swr")
    print("through the route index (warm: a second pass, every pattern hit already compiled)")
    print("against the Router trying every route; ratio: Router p50 / .swr p50 (first pass).")
    print("route p50: the whole .swr runtime for one call on a recording Session.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
