"""The summary at the end of ``switchy run``: calls per route, per node, by outcome."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TextIO

from switchy.dialplan.runtime.callmix import PlannedCall
from switchy.dialplan.runtime.engine import RoutingOutcome


@dataclass
class CallRecord:
    number: int
    planned: PlannedCall | None  # the call ``--emulate`` made up (None: a real node's call)
    node: str = ""
    uuid: str = ""
    outcomes: list[RoutingOutcome] = field(default_factory=list)
    hangup_cause: str = ""
    detail: str = ""
    problem: str = ""

    @property
    def result(self) -> str:
        if self.problem:
            return "driver error"
        return self.outcomes[-1].result if self.outcomes else "not routed"

    @property
    def routes(self) -> list[str]:
        return [f"{o.dialplan}: {r}" for o in self.outcomes for r in o.routes]


def table(title: str, headings: list[str], rows: list[list[object]]) -> list[str]:
    cells = [headings] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headings))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        return "  " + "  ".join([first, *rest]).rstrip()

    return [title, line(cells[0]), "  " + "-" * (sum(widths) + 2 * (len(widths) - 1)),
            *(line(r) for r in cells[1:])]


def print_summary(records: list[CallRecord], out: TextIO) -> None:
    by_route: Counter[str] = Counter()
    for r in records:
        for route in r.routes or ["(no route matched)"]:
            by_route[route] += 1
    lines = [""]
    lines += table("calls per route", ["route", "calls"],
                   [[k, v] for k, v in sorted(by_route.items())])
    results = sorted({r.result for r in records})
    by_node: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        by_node[r.node][r.result] += 1
    lines.append("")
    lines += table("calls per node", ["node", "calls", *results],
                   [[n, sum(c.values()), *(c[x] for x in results)]
                    for n, c in sorted(by_node.items())])
    outcomes: Counter[tuple[str, str]] = Counter((r.result, r.hangup_cause or "-") for r in records)
    lines.append("")
    lines += table("outcomes", ["routing", "hangup cause", "calls"],
                   [[res, cause, n] for (res, cause), n in sorted(outcomes.items())])
    lines.append("")
    lines.append(f"{len(records)} calls, {sum(r.result == 'routed' for r in records)} routed")
    print("\n".join(lines), file=out, flush=True)
