"""``switchy run --listen HOST:PORT``: outbound mode, until interrupted.

FreeSWITCH's ``socket`` application connects, one connection per call, and the dialplan
routes each call over its connection. SIGTERM or Ctrl-C closes the listening socket
first (FreeSWITCH's next ``socket`` action, or HAProxy, sends new calls to another
controller), lets the calls in hand finish within ``--drain-timeout``, then exits.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from switchy.cli.calllog import CallLog
from switchy.cli.cluster import stop_on_signals
from switchy.dialplan.runtime.app import DialplanApp
from switchy.outbound import OutboundService


async def run_listener(app: DialplanApp, args: argparse.Namespace, out) -> int:
    calls = CallLog(out)
    app.on_outcome = calls.routed
    app.on_hangup = calls.ended
    service = OutboundService(args.listen, metrics=args.metrics, drain_timeout=args.drain_timeout)
    service.apps.load_app(app, app_id="default")
    stop = stop_on_signals()
    try:
        await service.start()
    except OSError as exc:
        print(f"switchy run: cannot listen on {args.listen}"
              f"{' or serve metrics on ' + args.metrics if args.metrics else ''}: "
              f"{exc.strerror or exc}", file=sys.stderr, flush=True)
        await service.stop(0)
        return 1
    watcher = asyncio.get_running_loop().create_task(app.watch()) if args.reload else None
    print(f"listening on {service.address} for FreeSWITCH's socket application; routing with "
          f"{', '.join(args.paths)}; Ctrl-C to stop", file=out, flush=True)
    if service.metrics_server is not None:
        print(f"metrics on http://{service.metrics_server.address}/metrics", file=out, flush=True)
    try:
        await stop.wait()
        print(f"stopping: no new calls; waiting for {len(service.calls)} call(s) in hand",
              file=out, flush=True)
    finally:
        if watcher is not None:
            watcher.cancel()
        left = await service.stop()
        calls.summary()
    if left:
        print(f"switchy run: {left} call(s) still up at the drain timeout were let go",
              file=sys.stderr, flush=True)
    return 0
