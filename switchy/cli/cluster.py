"""``switchy run --host``: route the calls of real FreeSWITCH nodes until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from switchy.claims import ClaimPolicy
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
    app.on_outcome = lambda sess, outcome: print(call_line(sess, outcome), file=out, flush=True)
    service = Service([(h.host, h.port) for h in hosts], password=password, claims=claims,
                      metrics=getattr(args, "metrics", None))
    service.apps.load_app(app, app_id="default")
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
    print(f"routing calls of {names}{mode} with {', '.join(args.paths)}; Ctrl-C to stop",
          file=out, flush=True)
    if service.metrics_server is not None:
        print(f"metrics on http://{service.metrics_server.address}/metrics", file=out, flush=True)
    try:
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        await service.stop(drain_timeout=getattr(args, "drain_timeout", 0))
    return 0
