"""``switchy run --host``: route the calls of real FreeSWITCH nodes until interrupted.

Only the calls whose context (or ``select`` header) names one of the dialplan's
dialplans, or a ``--context``, are routed; the others are left to the node. Each call
gets a line when it ends, with its hangup cause; SIGINT or SIGTERM stops the run and
prints the summary tables. Nodes going away and coming back are logged at info level.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from switchy.cli.calllog import CallLog
from switchy.dialplan.runtime.app import DialplanApp
from switchy.esl import AccessDenied, AuthenticationError
from switchy.hosts import HostSpec
from switchy.service import Service

NODE_LOG = "switchy.node"  # its info lines (disconnected, reconnected) are shown by default


async def run_cluster(app: DialplanApp, hosts: list[HostSpec], password: str | None, args: argparse.Namespace,
                      out) -> int:
    calls = CallLog(out)
    app.on_outcome = calls.routed
    app.on_hangup = calls.ended
    node_log = logging.getLogger(NODE_LOG)
    if node_log.getEffectiveLevel() > logging.INFO:
        node_log.setLevel(logging.INFO)
    service = Service([(h.host, h.port) for h in hosts], password=password)
    contexts = app.claim(service.apps)
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
    print(f"routing the calls of {names} in {app.select_header} {', '.join(contexts)} with "
          f"{', '.join(args.paths)}; Ctrl-C to stop", file=out, flush=True)
    await service.start()
    try:
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        await service.stop()
        calls.summary()
    return 0
