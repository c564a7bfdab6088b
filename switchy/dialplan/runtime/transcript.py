"""The transcript of a simulated call: each step of the walk, then the commands it sent.

What ``switchy simulate`` prints and what the editor's "simulate a call" shows.
"""

from __future__ import annotations

from typing import TextIO

from switchy.dialplan.runtime.engine import RoutingOutcome, Step
from switchy.recording import RecordingController


class Transcript:
    """Prints steps as they happen, each followed by the commands it sent."""

    def __init__(self, out: TextIO, wire: bool = True) -> None:
        self.out = out
        self.wire = wire
        self.controller: RecordingController | None = None
        self.shown = 0

    def write(self, line: str = "") -> None:
        print(line, file=self.out)

    def begin(self, uuid: str, headers: dict[str, str], controller: RecordingController) -> None:
        self.controller = controller
        given = ", ".join(f"{k}={v}" for k, v in headers.items())
        # Nothing else is assumed: a header the dialplan reads and --set did not give is
        # absent, as on a real event without it.
        self.write(f"call {uuid}, parked with " + (f"only {given}" if given else "no headers"))
        self.write("path:")

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

    def summary(self, outcome: RoutingOutcome) -> None:
        self.flush_commands()
        assert self.controller is not None
        self.write()
        self.write(f"outcome: {outcome.summary()}")
        if outcome.local_time is not None:
            zone = (f"in {outcome.timezone}, the dialplan's time zone" if outcome.timezone
                    else "in this machine's zone (the dialplan sets no timezone)")
            self.write(f"time of the call: {outcome.local_time:%a %Y-%m-%d %H:%M:%S} {zone}")
        sent = self.controller.sent
        self.write(f"{len(sent)} ESL command{'s' if len(sent) != 1 else ''} would be sent"
                   + (":" if sent and self.wire else ""))
        if self.wire:
            for command in sent:
                self.write()
                for raw in command.wire.decode("utf-8", "surrogateescape").rstrip("\n").split("\n"):
                    self.write(f"    {raw}")
