"""Tracing one simulated call for a picture: where it went, node by node.

The walk is ``switchy simulate``'s own (``runtime.simulate``). A picture may be asked for
from inside a running event loop (the language server), where ``asyncio.run`` cannot
nest, so the walk then runs on a worker thread of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import networkx as nx

from switchy.dialplan.graph.kinds import Kind
from switchy.dialplan.runtime.engine import RoutingOutcome
from switchy.dialplan.runtime.simulate import simulate
from switchy.dialplan.timeofday import clock_at


@dataclass
class Trace:
    """Where one simulated call went, as the picture needs it."""

    notes: dict[int, str]  # node -> what happened there (its last step)
    transitions: set[tuple[int, int]]  # (from, to) for each move between steps

    @classmethod
    def from_outcome(cls, outcome: RoutingOutcome) -> Trace:
        notes: dict[int, str] = {}
        transitions: set[tuple[int, int]] = set()
        calls: list[int] = []
        previous = None
        for step in outcome.steps:
            if previous is not None:
                if previous.kind == Kind.EXIT and calls:
                    transitions.add((calls.pop(), step.node))  # back from a handler
                else:
                    transitions.add((previous.node, step.node))
            if step.kind == Kind.CALL:
                calls.append(step.node)
            notes[step.node] = step.note
            previous = step
        return cls(notes, transitions)


def simulate_call(graph: nx.DiGraph, headers: Mapping[str, str], *,
                  at: str | dt.datetime | None = None, seed: int | None = None) -> RoutingOutcome:
    """Route one simulated call with ``switchy simulate``'s own walk; safe to call from
    inside a running event loop (it then runs in a worker thread)."""
    clock = clock_at(at) if at is not None else None

    def run() -> RoutingOutcome:
        return asyncio.run(simulate(graph, dict(headers), clock=clock, seed=seed))

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()
