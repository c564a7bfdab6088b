"""``switchy run --emulate N``: N emulated nodes in this process, and calls driven through
them that the dialplan's own routes match (``callmix``), one line each, then a summary."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections import defaultdict

from switchy.cli.progress import Progress, logging_through
from switchy.cli.summary import CallRecord, print_summary
from switchy.dialplan.runtime.app import DialplanApp
from switchy.dialplan.runtime.callmix import plan
from switchy.dialplan.runtime.engine import RoutingOutcome
from switchy.emulator import EmulatedCluster
from switchy.service import Service
from switchy.session import Session

TALK_TIME = 0.3  # seconds a demo call stays up once routed (media times are scaled down)


async def run_emulated(app: DialplanApp, args: argparse.Namespace, out) -> int:
    graph = app.runtime.graph
    calls = plan(graph, args.calls, seed=args.seed)
    if not calls:
        print("switchy run: the dialplan has no routes to drive calls through", file=sys.stderr)
        return 1
    routed: dict[str, list[RoutingOutcome]] = defaultdict(list)
    events: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def on_outcome(sess: Session, outcome: RoutingOutcome) -> None:
        routed[sess.uuid].append(outcome)
        events[sess.uuid].set()

    app.on_outcome = on_outcome
    async with EmulatedCluster(nodes=args.emulate, time_scale=0.01) as cluster:
        print(f"{args.emulate} emulated FreeSWITCH node{'s' if args.emulate != 1 else ''} "
              f"({', '.join(cluster.hosts)}); routing {len(calls)} calls with "
              f"{', '.join(args.paths)}", file=out, flush=True)
        service = Service(cluster.hosts, password=cluster.nodes[0].password)
        app.load_into(service.apps)
        await service.start(wait=5)
        watcher = asyncio.get_running_loop().create_task(app.watch()) if args.reload else None
        progress = Progress(len(calls), out)
        limit = asyncio.Semaphore(max(1, args.concurrency))
        records = [CallRecord(i + 1, planned) for i, planned in enumerate(calls)]

        async def drive(record: CallRecord) -> None:
            node = cluster.nodes[(record.number - 1) % len(cluster.nodes)]
            record.node = node.name
            async with limit:
                progress.started()
                try:
                    await place_and_finish(node, record, events, routed)
                except (TimeoutError, RuntimeError, OSError) as exc:
                    record.problem = str(exc) or type(exc).__name__
            progress.finished(record)

        try:
            with logging_through(progress):
                await asyncio.gather(*(drive(r) for r in records))
        finally:
            progress.close()
            if watcher is not None:
                watcher.cancel()
            await service.stop()
    print_summary(records, out)
    return 1 if any(r.result in ("error", "driver error", "not routed") for r in records) else 0


async def place_and_finish(node, record: CallRecord, events, routed) -> None:
    """Place the call, let the dialplan route it, then hang up as the caller would.

    Routing a bridged call lasts as long as the bridge (like a FreeSWITCH extension),
    so the caller hangs up after a moment whether or not routing has finished."""
    ch = await node.place_call(**record.planned.place_kwargs())
    record.uuid = ch.uuid
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(TALK_TIME):
            await events[ch.uuid].wait()
    # A transfer parks the call again and switchy routes it once more: give it time.
    with contextlib.suppress(TimeoutError):
        await ch.wait_hangup(timeout=TALK_TIME)
    if not ch.ended:
        ch.remote_hangup("NORMAL_CLEARING")
        await ch.wait_hangup(timeout=5)
    async with asyncio.timeout(10):  # each park is one routing; each ends once its last
        while len(routed[ch.uuid]) < max(1, ch.history.count("CHANNEL_PARK")):  # command does
            events[ch.uuid].clear()
            await events[ch.uuid].wait()
    record.outcomes = list(routed.get(ch.uuid, []))
    record.hangup_cause = ch.hangup_cause or ""
    details = []
    if ch.responded:
        details.append(f"responded {ch.responded}")
    if ch.bridges:
        details.append(f"bridged to {ch.bridges[-1].target}")
    if ch.transfers:
        details.append(f"transferred to {ch.transfers[-1]}")
    if ch.played:
        details.append(f"played {len(ch.played)} file{'s' if len(ch.played) != 1 else ''}")
    record.detail = ", ".join(details)

