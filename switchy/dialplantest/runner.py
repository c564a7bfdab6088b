"""Running dialplan test files: each call through switchy's real runtime (the simulator of
``switchy.dialplan.simulate``), on the node model, compared with what the file expects.

A call is routed as a parked call of its context; when a route transfers it, the node
parks it again in the new context (destination and ``rdnis`` updated, variables kept) and it
is routed afresh, up to ``MAX_TRANSFERS`` times, as FreeSWITCH does with a park context.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import difflib
from dataclasses import dataclass, field
from pathlib import Path

from switchy.dialplan.build import build
from switchy.dialplan.diagnostics import did_you_mean
from switchy.dialplan.runtime.simulate import simulate
from switchy.dialplantest.node import NodeController, World, new_channel, park_headers
from switchy.dialplantest.testfile import Call, Expect, Problem, TestFile, load

MAX_TRANSFERS = 30  # FreeSWITCH gives up with EXCHANGE_ROUTING_ERROR after max_forwards


@dataclass
class Actual:
    """What happened to one call."""

    executed: list[str] = field(default_factory=list)
    hangup: str = ""  # "" while the call is still up (parked, waiting)
    routes: list[str] = field(default_factory=list)
    result: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass
class CallResult:
    call: Call
    actual: Actual
    diff: list[str]
    known: bool = False  # passed as the file's recorded, explained difference

    @property
    def passed(self) -> bool:
        return not self.diff


@dataclass
class FileResult:
    path: Path
    problems: list[Problem] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)
    calls: list[CallResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.diagnostics and all(c.passed for c in self.calls)


def line_of(app: str, data: str) -> str:
    """One executed application as a test file writes it."""
    return f"{app} {data}" if data else app


async def run_call(graph, world: World, call: Call) -> Actual:
    """Route ``call`` through the compiled program on a fresh copy of ``world``."""
    world = World(world.timezone, world.modules, world.gateways, world.profiles, world.users,
                  world.channel, dict(world.globals), dict(world.db))
    now = call.time or dt.datetime.now(dt.UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=world.zone())
    channel = new_channel(world, destination=call.destination, context=call.context,
                          caller_id_number=call.caller_id_number,
                          caller_id_name=call.caller_id_name, variables=call.variables)
    actual = Actual()
    dialplans = graph.graph["dialplans"]
    for _ in range(MAX_TRANSFERS):
        context = channel.profile["context"]
        if context not in dialplans:
            # The node has no such context (no park context hands it to switchy), and no
            # `global` one: FreeSWITCH finds no route.
            channel.hangup_cause = "NO_ROUTE_DESTINATION"
            actual.result = actual.result or "no-dialplan"
            break
        headers = dict(park_headers(channel, world, now))
        headers.update(call.headers)
        controller = NodeController(world, channel, now)
        outcome = await simulate(graph, headers, clock=lambda: now, seed=call.seed,
                                 controller=controller)
        actual.routes.extend(outcome.routes)
        actual.result = outcome.result
        if outcome.error:
            actual.notes.append(f"error: {outcome.error}")
        if channel.transfer is None or channel.hangup_cause is not None:
            break
        extension, _dialplan, new_context = channel.transfer
        channel.profile["rdnis"] = channel.profile["destination_number"]
        channel.profile["destination_number"] = extension
        channel.profile["context"] = new_context
        channel.transfer = None
    else:
        channel.hangup_cause = "EXCHANGE_ROUTING_ERROR"
    actual.executed = [line_of(app, data) for app, data in channel.executed]
    actual.hangup = channel.hangup_cause or ""
    actual.notes.extend(channel.notes)
    return actual


def render(expect: Expect | Actual, like: Expect) -> list[str]:
    """The lines a diff compares: only what the file states."""
    out: list[str] = []
    if like.executed is not None:
        out.append("executed:")
        out.extend(f"    {e}" for e in (expect.executed or []))
    if like.hangup is not None:
        out.append(f"hangup: {expect.hangup or '(still up)'}")
    if like.routes is not None:
        out.append(f"routes: {', '.join(expect.routes or []) or '(none)'}")
    if like.result is not None:
        out.append(f"result: {expect.result}")
    return out


def _wanted(call: Call) -> Expect:
    if call.differs is None:
        return call.expect
    d, e = call.differs, call.expect
    return Expect(d.executed if d.executed is not None else e.executed,
                  d.hangup if d.hangup is not None else e.hangup,
                  d.routes if d.routes is not None else e.routes,
                  d.result if d.result is not None else e.result)


def compare(call: Call, actual: Actual) -> CallResult:
    wanted = _wanted(call)
    expected_lines = render(wanted, wanted)
    actual_lines = render(actual, wanted)
    diff = []
    if expected_lines != actual_lines:
        diff = list(difflib.unified_diff(expected_lines, actual_lines, "expected", "actual",
                                         lineterm="", n=2))
    return CallResult(call, actual, diff, known=call.differs is not None and not diff)


def run_file(path: Path) -> FileResult:
    """Check, build and run one test file. Never raises on a bad file."""
    tf: TestFile = load(path)
    result = FileResult(path, list(tf.problems))
    if not tf.dialplans:
        return result
    built = build([str(p) for p in tf.dialplans])
    for d in built.diagnostics:
        if d.is_error:
            result.diagnostics.append(d.format())
    if result.diagnostics or built.graph is None:
        return result
    names = set(built.graph.graph["dialplans"])
    for call in tf.calls:
        if call.context not in names and not call.context_missing:
            guess = did_you_mean(call.context, sorted(names))
            result.problems.append(Problem(call.lines.get("context", call.line),
                                           f"call {call.name!r}: no dialplan "
                                           f"{call.context!r} in {', '.join(p.name for p in tf.dialplans)}"
                                           + (f" (did you mean {guess!r}?)" if guess else "")
                                           + "; a context the node lacks on purpose: "
                                           "context_missing = true"))
    if result.problems:
        return result

    async def run_all() -> list[CallResult]:
        return [compare(call, await run_call(built.graph, tf.world, call)) for call in tf.calls]

    result.calls = asyncio.run(run_all())
    return result


def report(result: FileResult, shown: str, verbose: bool = False) -> list[str]:
    """The lines ``switchy test`` prints for one file: problems or diffs, then a summary."""
    out: list[str] = []
    for p in result.problems:
        out.append(f"{shown}:{p.line}: error: {p.message}")
    out.extend(result.diagnostics)
    for c in result.calls:
        if not c.passed:
            out.append(f"{shown}:{c.call.line}: call {c.call.name!r} differs"
                       + (" from its recorded difference" if c.call.differs else ""))
            out.extend(f"    {line}" for line in c.diff)
            for note in c.actual.notes:
                out.append(f"    note: {note}")
        elif verbose and c.known:
            out.append(f"{shown}:{c.call.line}: call {c.call.name!r}: known difference: "
                       f"{c.call.reason}")
    total = len(result.calls)
    passed = sum(c.passed for c in result.calls)
    known = sum(c.known for c in result.calls)
    if result.problems or result.diagnostics:
        out.append(f"ERROR {shown}: cannot run ({len(result.problems) + len(result.diagnostics)} "
                   "problem(s))")
    elif passed == total:
        extra = f" ({known} as a recorded difference)" if known else ""
        out.append(f"PASS {shown}: {total} call{'s' if total != 1 else ''}{extra}")
    else:
        out.append(f"FAIL {shown}: {total - passed} of {total} calls differ")
    return out
