"""``switchy run --host``: route the calls of real FreeSWITCH nodes until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from switchy.dialplan.runtime.app import DialplanApp
from switchy.dialplan.runtime.engine import RoutingOutcome
from switchy.esl import AccessDenied, AuthenticationError
from switchy.hosts import HostSpec
from switchy.routing import DEFAULT_FIELD
from switchy.service import Service
from switchy.session import Session


def call_line(sess: Session, outcome: RoutingOutcome) -> str:
    """One line per routed call: node, call, number, dialplan, routes, result."""
    routes = ", ".join(outcome.routes) or "-"
    dest = sess.get(DEFAULT_FIELD, "")
    text = f"{sess.host} {sess.uuid[:8]} {dest} → {outcome.dialplan or '-'}: {routes} ({outcome.result}"
    if outcome.cause:
        text += f", {outcome.cause}"
    if outcome.error:
        text += f": {outcome.error}"
    return text + ")"


async def run_cluster(app: DialplanApp, hosts: list[HostSpec], password: str | None, args: argparse.Namespace,
                      out) -> int:
    app.on_outcome = lambda sess, outcome: print(call_line(sess, outcome), file=out, flush=True)
    service = Service([(h.host, h.port) for h in hosts], password=password)
    service.apps.load_app(app, app_id="default")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    watcher = loop.create_task(app.watch()) if args.reload else None
    names = ", ".join(f"{h.host}:{h.port}" for h in hosts)
    failures = {node: exc for node, exc in (await service.connect_once()).items() if exc is not None}
    for exc in failures.values():
        print(f"switchy run: {exc}", file=sys.stderr, flush=True)
    fatal = [exc for exc in failures.values() if isinstance(exc, (AuthenticationError, AccessDenied))]
    if fatal or len(failures) == len(service.nodes):
        if watcher is not None:
            watcher.cancel()
        await service.stop()
        return 1
    if failures:
        print(f"switchy run: will keep retrying {len(failures)} node(s) in the background",
              file=sys.stderr, flush=True)
    print(f"routing calls of {names} with {', '.join(args.paths)}; Ctrl-C to stop",
          file=out, flush=True)
    await service.start()
    try:
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        await service.stop()
    return 0
