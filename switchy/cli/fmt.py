"""``switchy fmt FILE...``: rewrite .swr files in the canonical layout."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from switchy.dialplan.frontend.formatter import format_text
from switchy.dialplan.frontend.loader import expand_paths, read_source


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "fmt", help="format .swr dialplans",
        description="Rewrite .swr files in switchy's one layout (comments are kept). Files "
        "with syntax errors are left alone and reported. '-' formats standard input.")
    p.add_argument("paths", nargs="+", metavar="FILE", help=".swr file, directory or -")
    p.add_argument("--check", action="store_true",
                   help="change nothing; exit 1 if a file would be reformatted")
    p.add_argument("--diff", action="store_true", help="change nothing; print a diff")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    status = 0
    if args.paths == ["-"]:
        result = format_text(sys.stdin.read(), "<stdin>")
        for d in result.diagnostics:
            print(d.format(), file=sys.stderr)
        sys.stdout.write(result.text)
        return 0 if result.ok else 1
    for path in expand_paths(args.paths):
        try:
            text = read_source(path, strict=True)
        except OSError as exc:
            print(f"{path}: cannot read: {exc.strerror or exc}", file=sys.stderr)
            status = 1
            continue
        result = format_text(text, str(path))
        if not result.ok:
            for d in result.diagnostics:
                print(d.format(), file=sys.stderr)
            print(f"{path}: not formatted (syntax errors)", file=sys.stderr)
            status = 1
            continue
        if not result.changed:
            continue
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(keepends=True), result.text.splitlines(keepends=True),
                f"{path}", f"{path} (formatted)"))
        if args.check or args.diff:
            print(f"would reformat {path}", file=sys.stderr)
            status = 1
        else:
            Path(path).write_text(result.text, encoding="utf-8")
            print(f"reformatted {path}", file=sys.stderr)
    return status
