"""``switchy run FILE``: route every call of a cluster with a .swr dialplan.

``--host H[:PORT]`` (repeatable) runs against real FreeSWITCH nodes until interrupted;
the password comes from ``--password-file``, ``$SWITCHY_PASSWORD`` or
``$SWITCHY_PASSWORD_FILE`` (never from the command line). With ``--claim`` several such
processes share the nodes, each call routed by the one that claims it in mod_hash.
``--listen HOST:PORT`` is outbound mode: FreeSWITCH's ``socket`` application connects,
one connection per call. ``--emulate N`` is the embedded default: N emulated nodes in
this process, a mix of calls made up from the dialplan's own routes driven through
them, a live progress display and a summary. Either way, editing the dialplan while it
runs reloads it (a version with errors is refused and the running one kept);
``--metrics HOST:PORT`` serves Prometheus metrics and ``/healthz``; SIGTERM stops
taking calls and lets the calls in hand finish (``--drain-timeout``). Only the calls
whose context (or ``select`` header) names one of the dialplan's dialplans are routed,
plus those of each ``--context NAME``; every other call is left to FreeSWITCH's own
dialplan.

This module reads the arguments; ``cluster`` runs against real nodes, ``listener``
serves outbound connections, ``emulated`` drives calls through emulated ones,
``progress`` and ``summary`` show what happened.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from switchy.claims import ClaimPolicy, check_controller_id
from switchy.cli.check import print_diagnostics
from switchy.cli.cluster import run_cluster
from switchy.cli.emulated import run_emulated
from switchy.cli.listener import run_listener
from switchy.cli.options import whole_number
from switchy.dialplan.build import Build
from switchy.dialplan.runtime.app import DialplanApp, DialplanError
from switchy.hosts import parse_host, parse_listen, resolve_password


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run", help="route a cluster's calls with a .swr dialplan (or an emulated cluster)",
        description="Run .swr dialplans against FreeSWITCH nodes over ESL (--host), or "
        "against N emulated nodes with a generated mix of calls (--emulate N). The "
        "dialplan is reloaded when its files change.")
    p.add_argument("paths", nargs="+", metavar="FILE", help=".swr file or directory")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--host", action="append", metavar="H[:PORT]",
                        help="a FreeSWITCH node's event socket (repeatable; port 8021)")
    target.add_argument("--emulate", type=whole_number(1, 1000), metavar="N",
                        help="run N emulated FreeSWITCH nodes in this process instead")
    target.add_argument("--listen", metavar="HOST:PORT",
                        help="outbound mode: accept the connections of FreeSWITCH's socket "
                        "application (port 8084 if omitted)")
    p.add_argument("--password-file", metavar="F",
                   help="file holding the ESL password (else $SWITCHY_PASSWORD, "
                   "$SWITCHY_PASSWORD_FILE or ClueCon)")
    p.add_argument("--calls", type=whole_number(1), default=12, metavar="K",
                   help="with --emulate: how many calls to drive (12)")
    p.add_argument("--concurrency", type=whole_number(1), default=4, metavar="C",
                   help="with --emulate: calls in progress at once (4)")
    p.add_argument("--context", action="append", default=[], metavar="NAME",
                   help="also route the calls of this context (repeatable); a context no "
                   "dialplan is named after is routed by the dialplan 'default'")
    p.add_argument("--seed", type=int, metavar="S",
                   help="seed for randint() / random() and for the call mix")
    p.add_argument("--no-reload", dest="reload", action="store_false",
                   help="do not watch the files for changes")
    p.add_argument("--claim", action="store_true",
                   help="with --host: share the nodes with other controllers; each call is "
                   "routed by the one that claims it in the node's mod_hash")
    p.add_argument("--controller-id", metavar="ID",
                   help="with --claim: this controller's id (default: unique per process)")
    p.add_argument("--heartbeat", type=float, nargs=2, default=(1.0, 3.0),
                   metavar=("INTERVAL", "TIMEOUT"),
                   help="with --claim: heartbeat every INTERVAL s; a controller silent for "
                   "TIMEOUT s is dead and its parked calls are taken over (1 3)")
    p.add_argument("--metrics", metavar="HOST:PORT",
                   help="serve Prometheus metrics on /metrics and a health check on /healthz")
    p.add_argument("--drain-timeout", type=float, default=30.0, metavar="S",
                   help="on SIGTERM/SIGINT: stop taking calls, then wait up to S s for the "
                   "calls in hand (30)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = sys.stdout
    try:
        hosts = [parse_host(h) for h in args.host] if args.host else []
        password = resolve_password(None, args.password_file) if args.host else None
        claims = claim_policy(args)
        if args.listen is not None:
            parse_listen(args.listen, 8084)
        if args.metrics is not None:
            parse_listen(args.metrics, 9100)
    except ValueError as exc:
        print(f"switchy run: {exc}", file=sys.stderr)
        return 2
    if claims is not None and not args.host:
        print("switchy run: --claim and --controller-id go with --host", file=sys.stderr)
        return 2
    if args.emulate is not None and args.emulate < 1:
        print("switchy run: --emulate needs at least 1 node", file=sys.stderr)
        return 2
    try:
        app = DialplanApp(args.paths, seed=args.seed, contexts=args.context,
                          on_reload=lambda b: report_reload(b, out))
    except DialplanError as exc:
        print_diagnostics([d for d in exc.diagnostics if d.is_error], {}, sys.stderr)
        print("switchy run: the dialplan has errors (see switchy check)", file=sys.stderr)
        return 1
    unrouted = app.unrouted_contexts()
    if unrouted:
        print(f"switchy run: --context {', '.join(unrouted)}: no dialplan has that name and "
              "there is no dialplan 'default' to route its calls", file=sys.stderr)
        return 2
    if args.emulate is not None:
        return asyncio.run(run_emulated(app, args, out))
    if args.listen is not None:
        return asyncio.run(run_listener(app, args, out))
    return asyncio.run(run_cluster(app, hosts, password, args, out, claims))


def claim_policy(args: argparse.Namespace) -> ClaimPolicy | None:
    """``--claim``/``--controller-id``/``--heartbeat`` as a ClaimPolicy (None: no claims)."""
    if not args.claim and args.controller_id is None:
        return None
    interval, timeout = args.heartbeat
    if args.controller_id is not None:
        return ClaimPolicy(check_controller_id(args.controller_id), interval, timeout)
    return ClaimPolicy(heartbeat_interval=interval, heartbeat_timeout=timeout)


def report_reload(result: Build, out) -> None:
    if result.ok:
        print("dialplan changed: reloaded; new calls use the new version", file=out, flush=True)
    else:
        print_diagnostics(result.errors, result.program.texts, sys.stderr)
        print("dialplan changed but has errors: still running the previous version",
              file=sys.stderr, flush=True)
