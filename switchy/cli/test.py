"""``switchy test PATH...``: run dialplan test files (``*.swrtest``) through the simulator.

One summary line per file; a failing call shows a diff from its first differing line;
problems in a test file are reported with file:line. Exit status 1 when any call differs
or any file cannot be run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from switchy.dialplantest.runner import report, run_file


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "test", help="run dialplan test files (*.swrtest)",
        description="Run dialplan test files: each call is routed by switchy's runtime on a "
        "model of the FreeSWITCH node, and what it did is compared with what the file "
        "expects. Exit status 1 when a call differs or a file has errors.")
    p.add_argument("paths", nargs="+", metavar="PATH", help=".swrtest file or directory")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="also name the calls that pass as a recorded difference")
    p.set_defaults(func=run)


def test_files(paths: list[str]) -> tuple[list[Path], list[str]]:
    files: list[Path] = []
    missing: list[str] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(path.rglob("*.swrtest"))
            if not found:
                missing.append(f"{name}: no *.swrtest file in this directory")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            missing.append(f"{name}: no such file or directory")
    return files, missing


def run(args: argparse.Namespace) -> int:
    files, missing = test_files(args.paths)
    for message in missing:
        print(f"switchy test: {message}", file=sys.stderr)
    failed = bool(missing)
    for path in files:
        result = run_file(path)
        shown = os.path.relpath(path) if not path.is_absolute() else str(path)
        for line in report(result, shown, verbose=args.verbose):
            print(line)
        failed = failed or not result.ok
    return 1 if failed else 0
