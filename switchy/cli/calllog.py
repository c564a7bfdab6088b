"""The call log of ``switchy run --host``: one line per call when it ends, with its cause.

A call's routing usually ends before the call does (and a caller may hang up while the
call is still being routed), so a line is printed once both are known: how routing
ended and the hangup cause FreeSWITCH reported. The records feed the same summary
tables as ``--emulate`` when the run stops.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from switchy.cli.summary import CallRecord, print_summary
from switchy.dialplan.runtime.engine import RoutingOutcome
from switchy.routing import DEFAULT_FIELD
from switchy.session import Session


@dataclass
class _Call:
    record: CallRecord
    destination: str
    ended: bool = False
    outcomes: list[RoutingOutcome] = field(default_factory=list)


class CallLog:
    """Collects each call's routing outcomes and hangup; prints a line when it is over."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self._calls: dict[str, _Call] = {}
        self.records: list[CallRecord] = []

    def _call(self, sess: Session) -> _Call:
        call = self._calls.get(sess.uuid)
        if call is None:
            record = CallRecord(len(self.records) + 1, None, node=sess.host, uuid=sess.uuid)
            self.records.append(record)
            call = self._calls[sess.uuid] = _Call(record, sess.get(DEFAULT_FIELD, ""))
        return call

    def routed(self, sess: Session, outcome: RoutingOutcome) -> None:
        """Routing of ``sess`` ended (a call transferred back to switchy is routed again)."""
        call = self._call(sess)
        call.outcomes.append(outcome)
        call.record.outcomes = list(call.outcomes)
        if call.ended:  # the caller hung up while it was being routed
            self._print(call)

    def ended(self, sess: Session) -> None:
        """``sess`` hung up (CHANNEL_HANGUP_COMPLETE)."""
        call = self._call(sess)
        call.ended = True
        call.record.hangup_cause = sess.hangup_cause or "NORMAL_CLEARING"
        if call.outcomes or sess.parks == 0:  # else its routing is still ending
            self._print(call)

    def _print(self, call: _Call) -> None:
        self._calls.pop(call.record.uuid, None)
        print(line(call.record, call.destination), file=self.out, flush=True)

    def summary(self) -> None:
        """The tables of ``--emulate``: calls per route, per node, by outcome."""
        if self.records:
            print_summary(self.records, self.out)


def line(record: CallRecord, destination: str) -> str:
    """``node uuid number → dialplan: routes (result[, how it ended]); hung up CAUSE``."""
    outcome = record.outcomes[-1] if record.outcomes else None
    dialplan = outcome.dialplan if outcome is not None and outcome.dialplan else "-"
    routes = ", ".join(r for o in record.outcomes for r in o.routes) or "-"
    text = f"{record.node} {record.uuid[:8]} {destination} → {dialplan}: {routes} ({record.result}"
    if outcome is not None:
        if outcome.kept:
            text += ", kept parked"
        elif outcome.left:
            text += ", left switchy's routing"
        if outcome.error:
            text += f": {outcome.error}"
    text += ")"
    if record.hangup_cause:
        text += f"; hung up {record.hangup_cause}"
    return text
