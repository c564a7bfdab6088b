"""The ``switchy`` command line: one module per subcommand, wired here."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# Each module exposes ``register(subparsers)``; its subparser sets ``func(args) -> int``.
SUBCOMMANDS = (
    "switchy.cli.emulate",
    "switchy.cli.check",
    "switchy.cli.fmt",
    "switchy.cli.simulate",
    "switchy.cli.graph",
    "switchy.cli.run",
    "switchy.cli.import_xml",
    "switchy.cli.test",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="switchy",
        description="One dialplan for a whole FreeSWITCH cluster, executed over the Event Socket.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: debug)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
