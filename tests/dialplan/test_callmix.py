"""The call mix of ``switchy run --emulate``: made-up numbers really match their routes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from switchy.apps.routers import Router
from switchy.dialplan import patterns
from switchy.dialplan.build import build
from switchy.dialplan.runtime.callmix import plan, sample
from switchy.dialplan.runtime.engine import Runtime

from .simulation import graph_of

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
def test_every_planned_call_reaches_the_route_it_is_meant_for(path):
    graph = build([path]).graph
    runtime = Runtime(graph)
    for call in plan(graph, 24, seed=5):
        dialplan, _, route = call.purpose.partition(": ")
        headers = {"Caller-Context": "default", **call.headers}
        found = [name for name, _ in runtime.matching_routes(headers.get, dialplan)]
        if not route.startswith("("):  # "(a number no route is meant for)": catch-alls may
            assert route in found, (call, found)  # still take it


def test_matching_routes_agrees_with_the_python_router():
    pats = [r"^1(\d+)$", r"^12", r"^555\d{4}$", r"^(?P<x>9)"] + [f"^44{i:03d}$" for i in range(40)]
    text = "\n".join(f'route r{i} "{p}" {{ park() }}' for i, p in enumerate(pats))
    runtime = Runtime(graph_of(text))
    router = Router(route_threads=None)
    for i, p in enumerate(pats):
        def route(sess, match, router):
            return None
        route.__name__ = f"r{i}"
        router.route(p)(route)
    for dest in ["1234", "12", "5551234", "9", "44007", "44040", "", "0"]:
        headers = {"Caller-Destination-Number": dest}
        ours = [(name, m.groups()) for name, m in runtime.matching_routes(headers.get)]
        theirs = [(r.name, m.groups()) for r, m in router.matches(headers)]
        assert ours == theirs
