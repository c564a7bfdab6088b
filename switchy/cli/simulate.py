"""``switchy simulate FILE --set Header=value ...``: route one call without any network.

The work is ``switchy.dialplan.runtime.simulate``: the real runtime on a Session that records
instead of sending, so what this prints is exactly what a FreeSWITCH node would receive.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from switchy.cli.check import print_diagnostics
from switchy.cli.options import add_call_options, parse_at, parse_headers
from switchy.dialplan.build import build
from switchy.dialplan.runtime.simulate import simulate
from switchy.dialplan.runtime.transcript import Transcript


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "simulate", help="show what a dialplan does with one call (no network)",
        description="Route one simulated call through .swr dialplans: prints the path "
        "taken through the route graph and the exact ESL commands FreeSWITCH would "
        "receive. Nothing is sent anywhere.")
    p.add_argument("paths", nargs="+", metavar="FILE", help=".swr file or directory")
    add_call_options(p)
    p.add_argument("--no-wire", dest="wire", action="store_false",
                   help="do not print the raw ESL bytes, only one line per command")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        headers = parse_headers(args.headers)
        clock = parse_at(args.at)
    except ValueError as exc:
        print(f"switchy simulate: {exc}", file=sys.stderr)
        return 2
    result = build(args.paths)
    if not result.ok:
        print_diagnostics(result.errors, result.program.texts, sys.stderr)
        print("switchy simulate: the dialplan has errors (see switchy check)", file=sys.stderr)
        return 1
    transcript = Transcript(sys.stdout, wire=args.wire)
    outcome = asyncio.run(simulate(result.graph, headers, clock=clock, seed=args.seed,
                                   transcript=transcript))
    transcript.summary(outcome)
    return 0
