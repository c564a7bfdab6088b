"""``switchy check PATH...``: diagnostics in the compiler style; exit 1 on errors.

Each argument is one program: a file with what it includes, or a directory's ``.swr``
files together (what ``switchy run DIR`` runs). ``switchy check examples/*.swr`` checks
every example on its own; ``--one-program`` reads all arguments as one, as ``run`` and
``simulate`` do with several files. The language server sees a document the same way
(``switchy.program``: its directory by default, see ``lsp/README.md``).
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from switchy.dialplan import diagnostics as dg
from switchy.dialplan.frontend.checker import check_paths


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "check", help="check .swr dialplans and report problems",
        description="Check .swr dialplans (files or directories) like a compiler: every "
        "problem with file:line:col. Each argument is checked as a program of its own: a "
        "file with its includes, a directory with all its .swr files together. Exit "
        "status 1 when there is an error.")
    p.add_argument("paths", nargs="+", metavar="PATH", help=".swr file or directory")
    p.add_argument("--one-program", action="store_true",
                   help="read all the files and directories given as one program (as run and "
                   "simulate do), not each on its own")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("--quiet", "-q", action="store_true", help="only errors, no summary")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    groups = [args.paths] if args.one_program else [[path] for path in args.paths]
    diags: list[dg.Diagnostic] = []
    texts: dict[str, str] = {}
    seen: set[tuple] = set()
    for paths in groups:
        program, found = check_paths(paths)
        texts.update(program.texts)
        for d in found:  # a file two arguments include is reported once
            key = (d.span.file, d.span.line, d.span.column, d.code, d.message)
            if key not in seen:
                seen.add(key)
                diags.append(d)
    if args.quiet:
        diags = [d for d in diags if d.is_error]
    if args.format == "json":
        print(dg.to_json(diags))
    else:
        print_diagnostics(diags, texts, sys.stdout)
        if not args.quiet:
            print(summary(diags, len(texts)), file=sys.stderr)
    return 1 if any(d.is_error for d in diags) else 0


def print_diagnostics(diags: list[dg.Diagnostic], texts: dict[str, str], out: TextIO) -> None:
    """Each diagnostic on its line, then the source line it points into."""
    for d in diags:
        print(d.format(), file=out)
        snippet = excerpt(texts.get(d.span.file), d)
        if snippet:
            print(snippet, file=out)


def excerpt(text: str | None, d: dg.Diagnostic) -> str:
    """The source line under a diagnostic, with ``^^^`` under the span."""
    if not text:
        return ""
    lines = text.splitlines()
    if not 1 <= d.span.line <= len(lines):
        return ""
    line = lines[d.span.line - 1].expandtabs(1)
    width = max(1, (d.span.end_column - d.span.column) if d.span.end_line == d.span.line
                else len(line) - d.span.column + 1)
    return f"    {line}\n    {' ' * (d.span.column - 1)}{'^' * width}"


def summary(diags: list[dg.Diagnostic], files: int) -> str:
    errors = sum(d.severity == dg.Severity.ERROR for d in diags)
    warnings = sum(d.severity == dg.Severity.WARNING for d in diags)

    def n(count: int, word: str) -> str:
        return f"{count} {word}{'s' if count != 1 else ''}"

    return f"{n(files, 'file')} checked: {n(errors, 'error')}, {n(warnings, 'warning')}"
