"""``switchy graph FILE [-o out.svg|out.png|out.dot]``: the call flow as a picture.

Exit status: 0 the picture was written; 1 the dialplan has errors (printed like
``switchy check``); 2 bad arguments; 3 graphviz's ``dot`` program is missing, so the DOT
text was written instead (next to the asked-for file, as ``.dot``) with how to get
the picture.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from switchy.cli.check import print_diagnostics
from switchy.cli.options import add_call_options, parse_headers
from switchy.dialplan.build import build
from switchy.dialplan.graph import render

EXIT_NO_DOT = 3
SUFFIXES = {".svg": "svg", ".png": "png", ".dot": "dot", ".gv": "dot"}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "graph", help="draw a dialplan's call flow (SVG, PNG or DOT)",
        description="Draw the call flow of .swr dialplans with graphviz: one box per "
        "dialplan and handler, routes left to right in the order they are tried, "
        "unreachable code grey; --trace highlights where one simulated call goes.")
    p.add_argument("paths", nargs="+", metavar="FILE", help=".swr file or directory")
    p.add_argument("-o", "--output", metavar="OUT",
                   help="where to write: out.svg, out.png or out.dot (default: SVG on stdout)")
    p.add_argument("--format", choices=render.FORMATS,
                   help="picture format (default: from OUT's suffix, else svg)")
    p.add_argument("--dialplan", metavar="NAME", help="draw only this dialplan, its routes "
                   "drawn one by one even when there are many")
    p.add_argument("--handler", metavar="NAME", help="draw only this handler")
    p.add_argument("--max-routes", type=int, default=render.ROUTE_LIMIT, metavar="N",
                   help="a dialplan with more routes is one summary node (default: "
                   f"{render.ROUTE_LIMIT}); with --dialplan, the first N are drawn")
    p.add_argument("--trace", action="store_true",
                   help="highlight the path of one simulated call, routed exactly as "
                   "`switchy simulate` does (describe it with --set/--at/--seed)")
    add_call_options(p, "the traced call")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    to_file = bool(args.output) and args.output != "-"
    fmt = args.format or (SUFFIXES.get(Path(args.output).suffix.lower()) if to_file else None) \
        or "svg"
    tracing = args.trace or bool(args.headers) or args.at is not None or args.seed is not None
    try:
        call = parse_headers(args.headers) if tracing else None
    except ValueError as exc:
        print(f"switchy graph: {exc}", file=sys.stderr)
        return 2
    built = build(args.paths)
    if not built.ok:
        print_diagnostics(built.diagnostics, built.program.texts, sys.stderr)
        print("switchy graph: the dialplan has errors (see above); nothing drawn",
              file=sys.stderr)
        return 1
    try:
        result = render.render_build(
            built, fmt, call=call, at=args.at if tracing else None,
            seed=args.seed if tracing else None, dialplan=args.dialplan,
            handler=args.handler, route_limit=args.max_routes)
    except ValueError as exc:
        print(f"switchy graph: {exc}", file=sys.stderr)
        return 2
    if result.outcome is not None:
        print(f"switchy graph: traced call: {result.outcome.summary()}", file=sys.stderr)
    if result.missing_dot:
        return fall_back_to_dot(result, args.output, fmt)
    assert result.data is not None
    write(result.data, args.output if to_file else None)
    if to_file:
        print(f"switchy graph: wrote {args.output}", file=sys.stderr)
    return 0


def fall_back_to_dot(result: render.RenderResult, output: str | None, fmt: str) -> int:
    """No ``dot`` program: hand over the DOT text and say how to get the picture."""
    assert result.dot is not None
    if output and output != "-":
        target = Path(output).with_suffix(".dot")
        target.write_text(result.dot, encoding="utf-8")
        where = f"wrote the DOT text to {target} instead"
        then = f"dot -T{fmt} {target} -o {output}"
    else:
        sys.stdout.write(result.dot)
        where = "wrote the DOT text to stdout instead"
        then = f"switchy graph ... | dot -T{fmt}"
    print(f"switchy graph: graphviz's `dot` program was not found, so no {fmt.upper()} "
          f"picture; {where}.\n  To get the picture, {render.INSTALL_HINT}, then run "
          f"switchy graph again (or: {then}).", file=sys.stderr)
    return EXIT_NO_DOT


def write(data: bytes, output: str | None) -> None:
    if output and output != "-":
        Path(output).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()



