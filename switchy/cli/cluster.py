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

from switchy.claims import ClaimPolicy
from switchy.cli.calllog import CallLog
from switchy.dialplan.runtime.app import DialplanApp
from switchy.esl import AccessDenied, AuthenticationError
from switchy.hosts import HostSpec
from switchy.service import Service

NODE_LOG = "switchy.node"  # its info lines (disconnected, reconnected) are shown by default


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGINT or SIGTERM (where signals can be caught)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def claims_settled(service: Service, timeout: float) -> list[str]:
    """Wait until each connected node's claims are ready or refused; the refusals."""
    async with asyncio.timeout(timeout):
        while any(node.client.connected and node.claims is not None and node.claims.error is None
                  and not node.claims.ready.is_set() for node in service.nodes):
            await asyncio.sleep(0.05)
    return [str(node.claims.error) for node in service.nodes
            if node.claims is not None and node.claims.error is not None]


async def run_cluster(app: DialplanApp, hosts: list[HostSpec], password: str | None, args: argparse.Namespace,
                      out, claims: ClaimPolicy | None = None) -> int:
    calls = CallLog(out)
    app.on_outcome = calls.routed
    app.on_hangup = calls.ended
    node_log = logging.getLogger(NODE_LOG)
    if node_log.getEffectiveLevel() > logging.INFO:
        node_log.setLevel(logging.INFO)
    service = Service([(h.host, h.port) for h in hosts], password=password, claims=claims,
                      metrics=getattr(args, "metrics", None))
    contexts = app.load_into(service.apps)
    stop = stop_on_signals()
    loop = asyncio.get_running_loop()
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
    try:
        await service.start()
    except OSError as exc:  # the metrics address is taken
        print(f"switchy run: cannot serve metrics on {args.metrics}: {exc.strerror or exc}",
              file=sys.stderr, flush=True)
        await service.stop()
        return 1
    if claims is not None:
        refusals = await claims_settled(service, claims.heartbeat_timeout + 5)
        for refusal in refusals:
            print(f"switchy run: {refusal}", file=sys.stderr, flush=True)
        if refusals:
            if watcher is not None:
                watcher.cancel()
            await service.stop()
            return 1
    mode = f" as controller {claims.controller_id}" if claims is not None else ""
    print(f"routing the calls of {names} in {app.select_header} {', '.join(contexts)}{mode} "
          f"with {', '.join(args.paths)}; Ctrl-C to stop", file=out, flush=True)
    if service.metrics_server is not None:
        print(f"metrics on http://{service.metrics_server.address}/metrics", file=out, flush=True)
    try:
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        await service.stop(drain_timeout=getattr(args, "drain_timeout", 0))
        calls.summary()
    return 0
