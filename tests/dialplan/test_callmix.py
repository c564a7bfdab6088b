"""The call mix of ``switchy run --emulate``: made-up numbers really match their routes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from switchy.apps.routers import Router
from switchy.dialplan import patterns
from switchy.dialplan.build import build
from switchy.dialplan.graph.kinds import Kind
from switchy.dialplan.patterns import sample
from switchy.dialplan.runtime.callmix import plan
from switchy.dialplan.runtime.engine import route_regex
from tests.support.simulation import graph_of, route

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.swr"))


@pytest.mark.parametrize("pattern", [
    r"00(.*)|011(.*)", r"^1(\d{10})$", r"^2[1-9]{3}$", r"_NXXXXXX", r"^\*67(\d+)$",
    r"^(?:\+?1)?8005550100$", r"^(\+1|1)?((876|809)\d{7})$", r"^Michael\s*S?\s*Collins",
    r"^[^0-4]\w+$", r"^(\d)\1$",
])
def test_samples_match_their_pattern(pattern):
    rng = random.Random(3)
    for _ in range(20):
        value = sample(pattern, rng)
        assert value is not None and patterns.match(pattern, value) is not None, value


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_planned_call_matches_the_pattern_of_the_route_it_is_meant_for(path):
    graph = build([path]).graph
    for call in plan(graph, 24, seed=5):
        dialplan, _, title = call.purpose.partition(": ")
        if title.startswith("("):  # "(a number no route is meant for)"
            continue
        match = next(a for _, a in graph.nodes(data=True) if a["kind"] == Kind.MATCH
                     and a["dialplan"] == dialplan and a["title"] == title)
        if match["pattern"] is not None:
            value = call.headers.get(match["field"])
            assert value is not None and route_regex(match).match(value), (call, match["pattern"])


async def test_the_routes_a_call_runs_agree_with_the_python_router():
    pats = [r"^1(\d+)$", r"^12", r"^555\d{4}$", r"^(?P<x>9)"] + [f"^44{i:03d}$" for i in range(40)]
    text = "\n".join(f'route r{i} "{p}" {{ setvar("hit", "r{i}") }}' for i, p in enumerate(pats))
    graph = graph_of(text)
    router = Router(route_threads=None)
    for i, p in enumerate(pats):
        def on_match(sess, match, router):
            return None
        on_match.__name__ = f"r{i}"
        router.route(p)(on_match)
    for dest in ["1234", "12", "5551234", "9", "44007", "44040", "", "0"]:
        headers = {"Caller-Destination-Number": dest}
        ours = (await route(graph, headers)).outcome.routes
        theirs = [r.name for r, _ in router.matches(headers)]
        assert ours == theirs
