"""``switchy simulate FILE --set Header=value ...``: route one call without any network.

Runs the real runtime on a real Session whose controller records instead of sending
(``switchy.recording``), so what it prints — the path through the route graph and the
ESL commands — is exactly what a FreeSWITCH node would receive.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys

from switchy.cli.check import excerpt
from switchy.dialplan.build import build
from switchy.dialplan.runtime import Outcome, Runtime, Step
from switchy.recording import RecordingController, simulated_session


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


class WallClock:
    """A fixed wall-clock time: read as is in whatever time zone the call uses."""

    wall_clock = True

    def __init__(self, when: dt.datetime) -> None:
        self.when = when

    def __call__(self) -> dt.datetime:
        return self.when


def parse_headers(items: list[str]) -> dict[str, str]:
    headers = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"--set takes HEADER=VALUE, not {item!r}")
        headers[name.strip()] = value
    return headers


def parse_when(text: str) -> WallClock | dt.datetime:
    try:
        when = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--at takes a date and time such as 2024-12-24T09:00, not {text!r}") from None
    return WallClock(when) if when.tzinfo is None else when


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


class Printer:
    """Prints steps as they happen, each followed by the commands it sent."""

    def __init__(self, out, wire: bool = True) -> None:
        self.out = out
        self.wire = wire
        self.controller: RecordingController | None = None
        self.shown = 0

    def write(self, line: str = "") -> None:
        print(line, file=self.out)

    def flush_commands(self) -> None:
        assert self.controller is not None
        for sent in self.controller.sent[self.shown:]:
            self.write(f"      → {sent.kind} {sent.text}")
        self.shown = len(self.controller.sent)

    def step(self, step: Step) -> None:
        self.flush_commands()
        indent = "  " * (step.depth + 1)
        where = f"{step.span.line}:{step.span.column}" if step.span is not None else ""
        head = f"{indent}{step.label}"
        note = f"  [{step.note}]" if step.note else ""
        self.write(f"{where:>7} {head}{note}")

    def summary(self, outcome: Outcome) -> None:
        self.flush_commands()
        assert self.controller is not None
        routes = ", ".join(outcome.routes) or "none"
        line = f"outcome: {outcome.result}; routes run: {routes}"
        if outcome.stopped:
            line += "; stopped"
        if outcome.cause:
            line += f"; hangup cause {outcome.cause}"
        if outcome.error:
            line += f"; error: {outcome.error}"
        self.write()
        self.write(line)
        sent = self.controller.sent
        self.write(f"{len(sent)} ESL command{'s' if len(sent) != 1 else ''} would be sent"
                   + (":" if sent and self.wire else ""))
        if self.wire:
            for command in sent:
                self.write()
                for raw in command.wire.decode("utf-8", "surrogateescape").rstrip("\n").split("\n"):
                    self.write(f"    {raw}")


async def simulate(graph, headers: dict[str, str], *, clock=None, seed: int | None = None,
                   printer: Printer | None = None) -> Outcome:
    """Route one simulated call; the printer (if any) sees every step and command."""
    controller = RecordingController()
    sess = simulated_session(headers, controller)
    runtime = Runtime(graph, clock=clock, seed=seed, python_threads=0)
    if printer is not None:
        printer.controller = controller
        call = ", ".join(f"{k}={v}" for k, v in headers.items()) or "no headers set"
        printer.write(f"call {sess.uuid} ({call})")
        printer.write("path:")
    outcome = await runtime.route(sess, on_step=printer.step if printer else None, trace=True)
    return outcome
