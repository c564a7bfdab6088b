"""One simulated call through the route graph, with no network.

The real runtime drives a real Session whose controller records instead of sending
(``switchy.recording``), so the path and the ESL commands it reports are exactly what
a FreeSWITCH node would receive. ``switchy simulate``, ``switchy graph --trace`` and the
language server's ``switchy.server.simulate`` all use this.
"""

from __future__ import annotations

import datetime as dt

from switchy.dialplan.runtime import Outcome, Runtime, Step
from switchy.recording import RecordingController, simulated_session


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


def describe(outcome: Outcome) -> str:
    """How routing ended, on one line: result, routes run, stop, cause, error."""
    line = f"{outcome.result}; routes run: {', '.join(outcome.routes) or 'none'}"
    if outcome.stopped:
        line += "; stopped"
    if outcome.cause:
        line += f"; hangup cause {outcome.cause}"
    if outcome.error:
        line += f"; error: {outcome.error}"
    return line


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
        self.write()
        self.write(f"outcome: {describe(outcome)}")
        sent = self.controller.sent
        self.write(f"{len(sent)} ESL command{'s' if len(sent) != 1 else ''} would be sent"
                   + (":" if sent and self.wire else ""))
        if self.wire:
            for command in sent:
                self.write()
                for raw in command.wire.decode("utf-8", "surrogateescape").rstrip("\n").split("\n"):
                    self.write(f"    {raw}")


async def simulate(graph, headers: dict[str, str], *, clock=None, seed: int | None = None,
                   printer: Printer | None = None,
                   controller: RecordingController | None = None) -> Outcome:
    """Route one simulated call; the printer (if any) sees every step and command.

    ``controller``: what receives the commands (default: one that only records them; a
    dialplan test passes a model of the node, which is told the call's Session)."""
    controller = controller or RecordingController()
    sess = simulated_session(headers, controller)
    attach = getattr(controller, "attach", None)
    if attach is not None:
        attach(sess)
    runtime = Runtime(graph, clock=clock, seed=seed, python_threads=0)
    if printer is not None:
        printer.controller = controller
        call = ", ".join(f"{k}={v}" for k, v in headers.items()) or "no headers set"
        printer.write(f"call {sess.uuid} ({call})")
        printer.write("path:")
    outcome = await runtime.route(sess, on_step=printer.step if printer else None, trace=True)
    return outcome
