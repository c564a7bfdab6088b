"""``switchy import FILE.xml|DIR... -o OUT.swr``: FreeSWITCH XML dialplans as ``.swr``.

Writes the translation and prints the report: every problem and everything not (or not
exactly) translated, with file:line and a reason; exit status 1 when anything was not
translated, unless ``--allow-partial``. ``--tests OUT.swrtest --calls calls.jsonl`` also
writes a dialplan test file from calls recorded on a real FreeSWITCH.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from switchy.dialplantest.writer import RecordingError, read_calls, write_tests
from switchy.xmlimport import import_xml


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "import", help="translate FreeSWITCH XML dialplans to .swr",
        description="Translate FreeSWITCH XML dialplans (files, or directories of *.xml) to "
        "one .swr file: one `hunt` dialplan per context, one route per extension. What "
        "cannot be translated is reported with file:line and left visibly in the output; "
        "the exit status is 1 then, unless --allow-partial.")
    p.add_argument("paths", nargs="+", metavar="FILE.xml|DIR", help="XML dialplan file or directory")
    p.add_argument("-o", "--output", required=True, metavar="OUT.swr", help="the .swr file to write")
    p.add_argument("--vars", metavar="vars.xml", help="pre-processor variables ($${name}): "
                   "FreeSWITCH's vars.xml")
    p.add_argument("--timezone", metavar="ZONE", help="the FreeSWITCH servers' time zone, for "
                   "time conditions (default: the local zone of the machine running switchy)")
    p.add_argument("--auto-hunt", action="store_true", help="honour the auto_hunt channel "
                   "variable (a clause on every route)")
    p.add_argument("--allow-partial", action="store_true",
                   help="exit 0 even when something was not translated")
    p.add_argument("--tests", metavar="OUT.swrtest", help="also write a dialplan test file "
                   "(needs --calls)")
    p.add_argument("--calls", metavar="calls.jsonl", help="calls recorded on FreeSWITCH, one "
                   "JSON object a line, for --tests")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.tests and not args.calls:
        print("switchy import: --tests needs --calls calls.jsonl (the recorded calls)",
              file=sys.stderr)
        return 2
    recorded = []
    if args.calls:
        try:
            recorded = read_calls(Path(args.calls))
        except RecordingError as exc:
            print(f"switchy import: {exc}", file=sys.stderr)
            return 2
    result = import_xml(args.paths, vars_file=args.vars, timezone=args.timezone,
                        auto_hunt=args.auto_hunt)
    for issue in result.report.sorted():
        print(issue.format())
    out = Path(args.output)
    try:
        out.write_text(result.text)
        if args.tests:
            contexts = {c.name for c in result.dialplans.contexts}
            calls = [r.data for r in recorded if r.data["context"] in contexts
                     or any(Path(f).name == Path(str(r.data.get("file", ""))).name
                            for f in result.files)]
            tests = Path(args.tests)
            dialplan = os.path.relpath(out.resolve(), tests.resolve().parent)
            tests.write_text(write_tests(dialplan, calls, contexts,
                                         header=f"Calls recorded on FreeSWITCH ({args.calls}), "
                                         f"for {out.name}.\nRun: switchy test {tests}"))
    except OSError as exc:
        print(f"switchy import: cannot write: {exc}", file=sys.stderr)
        return 2
    contexts = len(result.dialplans.contexts)
    routes = sum(len(c.extensions) for c in result.dialplans.contexts)
    print(f"{out}: {contexts} dialplan{'s' if contexts != 1 else ''}, {routes} "
          f"extension{'s' if routes != 1 else ''}; {result.report.summary()}", file=sys.stderr)
    if args.tests:
        print(f"{args.tests}: {len(calls)} recorded call{'s' if len(calls) != 1 else ''}",
              file=sys.stderr)
    if result.report.of_kind("error"):
        return 1
    return 0 if result.complete or args.allow_partial else 1
