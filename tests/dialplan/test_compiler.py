"""The route graph: node kinds, spans, labelled edges, handler calls and the route table."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import pytest

from switchy.dialplan import ast
from switchy.dialplan.build import build, build_text
from switchy.dialplan.frontend.loader import load_text
from switchy.dialplan.graph.compiler import CompileError, compile_program
from switchy.dialplan.graph.kinds import Edge, Kind
from tests.support.simulation import graph_of

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.swr"))
KINDS = {"select", "dialplan", "guard", "reject", "table", "match", "condition", "action",
         "call", "python", "assign", "pass", "return", "stop", "handler", "exit", "end"}
LABELS = {"select", "next", "match", "no-match", "then", "else", "call", "exit"}


def test_the_graph_vocabulary_is_named_once():
    assert set(Kind) == KINDS and set(Edge) == LABELS


def edges_of(g: nx.DiGraph, node: int) -> dict[str, int]:
    return {d["label"]: t for t, d in g.succ[node].items()}


def by_label(g: nx.DiGraph, label: str) -> int:
    found = [n for n, a in g.nodes(data=True) if a["label"] == label]
    assert len(found) == 1, (label, found)
    return found[0]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_example_compiles_to_a_well_formed_graph(path):
    g = build([path], index_threshold=1).graph
    assert g is not None
    assert set(g.graph) >= {"select", "root", "dialplans", "handlers", "files"}
    for n, a in g.nodes(data=True):
        assert a["kind"] in KINDS
        assert {"label", "span", "order", "dialplan", "handler", "captures"} <= set(a)
        assert a["label"]
        if a["kind"] in ("match", "condition", "action", "call", "guard", "handler", "stop"):
            assert isinstance(a["span"], ast.Span) and a["span"].file.endswith(".swr")
        out = edges_of(g, n)
        assert set(out) <= LABELS
        expected = {
            "stop": set(), "reject": set(), "end": set(), "exit": set(),
            "guard": {"match", "no-match"}, "condition": {"then", "else"},
            "call": {"call", "next"}, "table": {"exit"},
        }.get(a["kind"])
        if expected is not None:
            assert set(out) == expected, (a["label"], out)
        if a["kind"] == "match":
            assert set(out) == ({"match", "no-match"} if a["pattern"] is not None else {"match"})
    # everything is reachable from the root (handlers through call edges, the routes of a
    # table through the table, which jumps to them)
    starts = [g.graph["root"], *(r for _, a in g.nodes(data=True) if a["kind"] == "table"
                                 for r in a["routes"])]
    reachable = set(starts).union(*(nx.descendants(g, n) for n in starts))
    unused = {n for name, e in g.graph["handlers"].items() for n in nx.descendants(g, e) | {e}}
    assert set(g.nodes) <= reachable | unused


def test_routes_are_chained_in_file_order_and_end_at_the_end_node():
    g = graph_of("""
        route a "^1" { answer() }
        route b { playback("x.wav") stop }
        route c "^3" when variable_x { park() }
    """)
    entry = g.graph["dialplans"]["default"]
    node = edges_of(g, entry)["next"]
    seen = []
    while g.nodes[node]["kind"] == "match":
        a = g.nodes[node]
        seen.append((a["route"], a["route_index"], a["pattern"], a["field"]))
        nxt = edges_of(g, node).get("no-match")
        if nxt is None:  # route b has no pattern: its body's last statement is a stop
            body = edges_of(g, node)["match"]
            assert g.nodes[edges_of(g, body)["next"]]["kind"] == "stop"
            nxt = by_label(g, 'route c "^3" when variable_x')
        node = nxt
    assert seen == [("a", 0, "^1", "Caller-Destination-Number"), ("b", 1, None, "Caller-Destination-Number"),
                    ("c", 2, "^3", "Caller-Destination-Number")]
    assert g.nodes[node]["kind"] == "end"
    when = edges_of(g, by_label(g, 'route c "^3" when variable_x'))["match"]
    assert g.nodes[when]["kind"] == "condition" and g.nodes[when]["role"] == "when"
    assert edges_of(g, when)["else"] == node


def test_spans_point_at_the_source():
    text = 'route r "^1$" {\n    respond(407)\n}\n'
    g = graph_of(text, file="f.swr")
    n = by_label(g, "respond(407)")
    span = g.nodes[n]["span"]
    assert (span.file, span.line, span.column) == ("f.swr", 2, 5)
    assert text[span.start:span.end] == "respond(407)"
    assert g.nodes[n]["kind"] == "action" and g.nodes[n]["action"] == "respond"


def test_if_elif_else_edges_and_empty_blocks_become_pass_nodes():
    g = graph_of("""
        route {
            if variable_a { } elif variable_b { answer() } else { park() }
            playback("after.wav")
        }
    """)
    c1 = by_label(g, "if variable_a")
    c2 = by_label(g, "elif variable_b")
    after = by_label(g, 'playback("after.wav")')
    assert g.nodes[edges_of(g, c1)["then"]]["kind"] == "pass"
    assert edges_of(g, c1)["else"] == c2
    assert edges_of(g, edges_of(g, c1)["then"])["next"] == after
    assert edges_of(g, edges_of(g, c2)["then"])["next"] == after
    assert edges_of(g, by_label(g, "park()"))["next"] == after


def test_handler_calls_are_call_edges_to_one_shared_handler_body():
    g = graph_of("""
        handler h(x=1) { if x == 2 { return } answer() }
        route a -> h()
        route b { h(x=2) park() }
    """)
    entry = g.graph["handlers"]["h"]
    calls = [n for n, a in g.nodes(data=True) if a["kind"] == "call"]
    assert len(calls) == 2 and all(edges_of(g, c)["call"] == entry for c in calls)
    assert g.nodes[entry]["kind"] == "handler" and g.nodes[entry]["params"][0].name.name == "x"
    exit_ = g.nodes[entry]["exit"]
    ret = next(n for n, a in g.nodes(data=True) if a["kind"] == "return")
    assert edges_of(g, ret)["next"] == exit_ and g.nodes[ret]["handler"] == "h"
    assert edges_of(g, by_label(g, "answer()"))["next"] == exit_
    assert g.nodes[edges_of(g, by_label(g, "h(x=2)"))["next"]]["label"] == "park()"


def test_return_in_a_route_leads_to_the_next_route():
    g = graph_of('route a { if variable_x { return } answer() }\nroute b "^2" { park() }')
    ret = next(n for n, a in g.nodes(data=True) if a["kind"] == "return")
    assert edges_of(g, ret)["next"] == by_label(g, 'route b "^2"')


def test_capture_scopes_are_recorded_on_nodes():
    g = graph_of(r'route "^(1)" { if variable_x =~ "^(2)" { setvar("a", f"{$1}") } setvar("b", f"{$1}") }')
    cond = by_label(g, 'if variable_x =~ "^(2)"')
    assert g.nodes[cond]["binds"] is True
    assert g.nodes[by_label(g, 'setvar("a", f"{$1}")')]["captures"] == (cond,)
    assert g.nodes[by_label(g, 'setvar("b", f"{$1}")')]["captures"] == ()


def test_guards_lead_to_reject_and_dialplans_hang_off_the_select_node():
    g = graph_of('select variable_tenant\ndialplan default { guard inbound route { answer() } }\n'
                 'dialplan acme { route { park() } }')
    root = g.graph["root"]
    assert g.nodes[root]["kind"] == "select" and g.nodes[root]["header"] == "variable_tenant"
    sel = {d["value"]: (t, d.get("default", False)) for t, d in g.succ[root].items()}
    assert sel == {"default": (g.graph["dialplans"]["default"], True),
                   "acme": (g.graph["dialplans"]["acme"], False)}
    guard = by_label(g, "guard inbound")
    assert g.nodes[edges_of(g, guard)["no-match"]]["kind"] == "reject"
    assert g.nodes[edges_of(g, guard)["no-match"]]["cause"] == "NO_ROUTE_DESTINATION"


def test_a_dialplan_with_many_routes_gets_a_route_table():
    routes = "\n".join(f'route r{i} "^555{i:04d}$" {{ transfer("{i}") }}' for i in range(40))
    g = graph_of(routes + '\nroute tail "^9" { park() }\nroute cid Caller-Caller-ID-Number =~ "^1" { park() }')
    table = next(n for n, a in g.nodes(data=True) if a["kind"] == "table")
    a = g.nodes[table]
    assert (a["count"], a["exact"], a["prefixed"]) == (42, 40, 2)
    assert a["fields"] == ("Caller-Destination-Number", "Caller-Caller-ID-Number")
    assert [g.nodes[m]["route"] for m in a["routes"]][:3] == ["r0", "r1", "r2"]
    assert edges_of(g, table) == {"exit": by_label(
        g, "end: hang up NO_ROUTE_DESTINATION if no route matched")}
    assert "table" not in {a["kind"] for _, a in graph_of("route { park() }").nodes(data=True)}


def test_compile_refuses_what_the_checker_rejects():
    with pytest.raises(CompileError):
        compile_program(load_text('route { no_such_action() }'))
    result = build_text('route { no_such_action() }')
    assert result.graph is None and result.errors[0].code == "SWR201"
