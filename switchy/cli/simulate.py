"""``switchy simulate FILE --set Header=value ...``: route one call without any network.

The work is ``switchy.dialplan.runtime.simulate``: the real runtime on a Session that records
instead of sending, so what this prints is exactly what a FreeSWITCH node would receive.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from switchy.cli.check import excerpt
from switchy.dialplan.build import build
from switchy.dialplan.runtime.simulate import Printer, WallClock, parse_headers, parse_when, simulate


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "simulate", help="show what a dialplan does with one call (no network)",
        description="Route one simulated call through .swr dialplans: prints the path "
        "taken through the route graph and the exact ESL commands FreeSWITCH would "
        "receive. Nothing is sent anywhere.")
    p.add_argument("paths", nargs="+", metavar="FILE", help=".swr file or directory")
    p.add_argument("--set", dest="headers", action="append", default=[], metavar="HEADER=VALUE",
                   help="a header or channel variable of the call (repeatable), e.g. "
                   "Caller-Destination-Number=011441234 or variable_sip_req_uri=1000@pbx")
    p.add_argument("--at", metavar="DATETIME",
                   help="the time of the call, e.g. 2024-12-24T09:00 (wall clock in the "
                   "dialplan's time zone) or 2024-12-24T09:00+01:00; default: now")
    p.add_argument("--seed", type=int, metavar="N", help="seed for randint() / random()")
    p.add_argument("--no-wire", dest="wire", action="store_false",
                   help="do not print the raw ESL bytes, only one line per command")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        headers = parse_headers(args.headers)
        when = parse_when(args.at) if args.at else None
    except ValueError as exc:
        print(f"switchy simulate: {exc}", file=sys.stderr)
        return 2
    result = build(args.paths)
    texts = result.program.texts
    for d in result.diagnostics:
        if d.is_error:
            print(d.format(), file=sys.stderr)
            snippet = excerpt(texts.get(d.span.file), d)
            if snippet:
                print(snippet, file=sys.stderr)
    if not result.ok:
        print("switchy simulate: the dialplan has errors (see switchy check)", file=sys.stderr)
        return 1
    clock = None
    if isinstance(when, WallClock):
        clock = when
    elif when is not None:
        fixed = when
        clock = lambda: fixed  # noqa: E731
    printer = Printer(sys.stdout, wire=args.wire)
    outcome = asyncio.run(simulate(result.graph, headers, clock=clock, seed=args.seed,
                                   printer=printer))
    printer.summary(outcome)
    return 0
