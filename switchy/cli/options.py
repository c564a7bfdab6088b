"""Options several subcommands share: the simulated call of ``simulate`` and ``graph --trace``."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from switchy.dialplan.timeofday import Clock, clock_at


def whole_number(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``low`` (to ``high``); anything else is
    argparse's one-line usage error, not a traceback or a puzzling message later."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"of at least {low}"
            raise argparse.ArgumentTypeError(f"expected a number {bound}, not {value}")
        return value

    parse.__name__ = "number"
    return parse


PORT = whole_number(0, 65535)


def add_call_options(parser: argparse.ArgumentParser, whose: str = "the call") -> None:
    """``--set HEADER=VALUE`` (repeatable), ``--at`` and ``--seed``: one simulated call."""
    parser.add_argument("--set", dest="headers", action="append", default=[],
                        metavar="HEADER=VALUE",
                        help=f"a header or channel variable of {whose} (repeatable), e.g. "
                        "Caller-Destination-Number=011441234 or variable_sip_req_uri=1000@pbx")
    parser.add_argument("--at", metavar="DATETIME",
                        help=f"the time of {whose}, e.g. 2024-12-24T09:00 (wall clock in the "
                        "dialplan's time zone) or 2024-12-24T09:00+01:00; default: now")
    parser.add_argument("--seed", type=int, metavar="N", help="seed for randint() / random()")


def parse_headers(items: list[str]) -> dict[str, str]:
    """``--set`` values as a dict; ``ValueError`` names the first malformed one."""
    headers = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--set takes HEADER=VALUE, not {item!r}")
        headers[name.strip()] = value
    return headers


def parse_at(text: str | None) -> Clock | None:
    """``--at``'s clock, None for now; ``ValueError`` for text that is not a time."""
    return clock_at(text) if text else None
