"""The route index decides exactly like trying every route in file order."""

from __future__ import annotations

import asyncio
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchy.dialplan import patterns
from switchy.dialplan.graph.index import Entry, RouteIndex
from switchy.dialplan.runtime.engine import Runtime
from tests.support.simulation import graph_of, route

DEST = "Caller-Destination-Number"
CID = "Caller-Caller-ID-Number"

digits = st.text("0123456789", min_size=0, max_size=5)
# Pattern shapes a DID / prefix dialplan uses, and some the index must treat as "always".
pattern = st.one_of(
    digits.map(lambda d: f"^{d}$"),                    # exact
    digits.map(lambda d: f"{d}$"),                     # exact, no ^ (re.match anchors)
    digits.map(lambda d: f"^{d}"),                     # prefix
    digits.map(lambda d: f"{d}(\\d+)"),                # prefix + capture
    digits.map(lambda d: f"^{d}\\d{{2}}$"),            # prefix + fixed length
    digits.map(lambda d: f"^{d}5?6"),                  # optional literal: prefix stops early
    digits.map(lambda d: f"^{d}|^9"),                  # alternation: no prefix
    digits.map(lambda d: f"_{d}NXX"),                  # Asterisk
    digits.map(lambda d: f"^\\+?{d}"),
    st.sampled_from([".*", "^$", "\\d+", "(1|2)3", "^[0-4]", "(?i)1a", "^1\\.2"]),
)
route_spec = st.tuples(st.sampled_from([DEST, DEST, DEST, CID, None]), pattern,
                       st.booleans(), st.booleans())
value = st.one_of(st.none(), digits, digits.map(lambda d: d + "\n"),
                  st.text("0123456789+.a", max_size=7))


def dialplan(specs) -> str:
    lines = []
    for i, (field, pat, stops, when) in enumerate(specs):
        head = f'route r{i}'
        if field is not None:
            quoted = pat.replace('"', '\\"')  # .swr strings keep other backslashes
            head += f' {field} =~ "{quoted}"' if field != DEST else f' "{quoted}"'
        if when:
            head += ' when variable_flag != "off"'
        lines.append(f'{head} {{ setvar("hit", "{i}") {"stop" if stops else ""} }}')
    return "\n".join(lines)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(route_spec, min_size=1, max_size=14), st.lists(st.tuples(value, value), min_size=1,
                                                                 max_size=4))
def test_indexed_and_linear_routing_send_the_same_commands(specs, calls):
    text = dialplan(specs)
    indexed = graph_of(text, index_threshold=1)
    linear = graph_of(text, index_threshold=None)
    assert any(a["kind"] == "table" for _, a in indexed.nodes(data=True))
    assert not any(a["kind"] == "table" for _, a in linear.nodes(data=True))

    async def both():
        for dest, cid in calls:
            headers = {DEST: dest, CID: cid}
            headers = {k: v for k, v in headers.items() if v is not None}
            if DEST not in headers:
                headers[DEST] = ""
            a = await route(indexed, headers)
            b = await route(linear, headers)
            assert a.lines == b.lines, (text, headers)
            assert (a.outcome.routes, a.outcome.result, a.outcome.stopped) == \
                (b.outcome.routes, b.outcome.result, b.outcome.stopped)

    asyncio.run(both())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([DEST, CID, None]), pattern), min_size=1, max_size=20),
       value, value)
def test_candidates_are_a_sorted_superset_of_the_matching_routes(specs, dest, cid):
    index = RouteIndex(Entry(i, f, p if f else None) for i, (f, p) in enumerate(specs))
    headers = {DEST: dest, CID: cid}
    candidates = index.candidates(index.values(headers.get))
    assert candidates == sorted(set(candidates))
    matching = [i for i, (f, p) in enumerate(specs)
                if f is None or patterns.match(p, headers[f]) is not None]
    assert set(matching) <= set(candidates)


def test_exact_and_prefix_routes_are_looked_up_not_scanned():
    entries = [Entry(i, DEST, f"^555{i:07d}$") for i in range(10_000)]
    entries += [Entry(10_000, DEST, "^1(\\d+)"), Entry(10_001, None, None), Entry(10_002, CID, "^(.*)")]
    index = RouteIndex(entries)
    assert (index.exact_routes, index.prefix_routes) == (10_000, 1)
    assert index.candidates(("5550001234", "1001")) == [1234, 10_001, 10_002]
    assert index.candidates(("18005551234", None)) == [10_000, 10_001]
    assert index.candidates(("5550001234\n", None)) == [1234, 10_001]  # `$` before a newline
    assert index.next_after([3, 7, 9], 7) == 9 and index.next_after([3, 7, 9], 9) is None


def test_case_insensitive_patterns_are_always_candidates():
    index = RouteIndex([Entry(0, DEST, "(?i)abc"), Entry(1, DEST, "abc")])
    assert index.candidates(("ABC",)) == [0]
    assert re.match("(?i)abc", "ABC")


async def test_a_header_changed_by_a_route_is_seen_by_later_routes_with_or_without_index():
    routes = "\n".join(f'route r{i} "^2{i:03d}$" {{ setvar("hit", "{i}") }}' for i in range(30))
    text = ('route first "^1" { tests.dialplan.pyhooks:rewrite_destination(to="2007") }\n' + routes
            + '\nroute again "^1" { setvar("still", "one") }')
    results = []
    for threshold in (1, None):
        g = graph_of(text, index_threshold=threshold)
        results.append(await route(g, {DEST: "100"}, runtime=Runtime(g, python_threads=0)))
    assert results[0].lines == results[1].lines == ["execute set hit=7",
                                                    "api uuid_kill UUID NORMAL_CLEARING"]
    assert results[0].outcome.routes == ["first", "r7"]
