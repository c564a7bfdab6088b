"""What the call-flow picture shows: read back from graphviz's own layout of our DOT."""

from __future__ import annotations

import re

import graphviz
import pytest

from switchy.dialplan.graph import render
from switchy.dialplan.graph.render import drawer
from tests.support.pictures import EXAMPLES, example, lay_out, picture

ROUTER_ROUTES = {  # route -> (dialplan, pattern as written), file order
    "international": ("default", "00(.*)|011(.*)"),
    "long_distance": ("default", r"^1(\d{10})$"),
    "sales": ("default", r"^2\d{3}$"),
    "support": ("default", r"^4\d{3}$"),
    "sales_did": ("public", r"^(?:\+?1)?8005550100$"),
    "support_did": ("public", r"^(?:\+?1)?8005550199$"),
}

TRICKY = r'''# labels that DOT would misread if they were not escaped
handler greet(name="x\\y", who=none) {
    log(f"hello {name}")
    return
    log("never")
}

handler unused() {
    hangup()
}

route star "^\*67(\d+)$" {
    setvar("effective_caller_id_name", "<anon> {x} | \"q\"")
    greet(name="a\\b", who=$1)
    stop
    log("dead after stop")
    answer()
}
route shadowed "^\*6789$" {
    answer()
}
route "^(?P<ext>1\d{3})$" when Caller-Context == "default" -> greet(who=$ext)
route everything {
    if Caller-Caller-ID-Number =~ "^\+1" {
        playback("a.wav")
    } elif randint(1, 2) == 1 {
    } else {
        hangup("CALL_REJECTED")
        log("gone")
    }
}
'''


@pytest.fixture(scope="module")
def router():
    return example("router.swr")


@pytest.fixture(scope="module")
def tricky():
    return picture(TRICKY, "/nowhere/tricky.swr")


# -- routes, numbering, clusters ------------------------------------------------------------


def test_every_route_is_drawn_in_its_dialplan_cluster(router):
    for name, (dialplan, _) in ROUTER_ROUTES.items():
        node = router.node(f"route {name}")
        assert node.name in router.clusters[f"cluster_dialplan_{dialplan}"]
    assert len(router.of_kind("match")) == len(ROUTER_ROUTES)


def test_route_edges_are_numbered_in_file_order_with_field_and_pattern(router):
    for dialplan in ("default", "public"):
        routes = [(n, p) for n, (d, p) in ROUTER_ROUTES.items() if d == dialplan]
        for k, (name, pattern) in enumerate(routes, 1):
            node = router.node(f"route {name}")
            (edge,) = [e for t, h, e in router.visible_edges() if h is node]
            assert edge.text == f"{k}. Caller-Destination-Number ~ /{pattern}/"
            assert "route" in edge.classes
        # after the last route: the dialplan's end, numbered last
        ends = [n for n in router.of_kind("end")
                if n.name in router.clusters[f"cluster_dialplan_{dialplan}"]]
        (end,) = ends
        (edge,) = [e for t, h, e in router.visible_edges() if h is end]
        assert edge.text == f"{len(routes) + 1}."


def test_routes_read_left_to_right_in_priority_order(router):
    xs = [router.node(f"route {n}").x for n, (d, _) in ROUTER_ROUTES.items() if d == "default"]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    tops = {router.node(f"route {n}").y for n, (d, _) in ROUTER_ROUTES.items() if d == "default"}
    assert len(tops) == 1  # one row
    assert router.node("route sales_did").x < router.node("route support_did").x
    # top to bottom: the parked call, the dialplan, its guard, the routes
    assert router.node("guard Call-Direction == \"inbound\"").y > tops.pop()


def test_then_is_left_of_else(router, tricky):
    cond = router.node("if weekday in mon..fri and time in\n08:00..17:30")
    then = [h for h, e in router.out(cond) if e.text == "then"]
    other = [h for h, e in router.out(cond) if e.text == "else"]
    assert then[0].x < other[0].x
    cond = tricky.node('if Caller-Caller-ID-Number =~ "^\\+1"')
    (then,) = [h for h, e in tricky.out(cond) if e.text == "then"]
    (other,) = [h for h, e in tricky.out(cond) if e.text == "else"]
    assert then.x < other.x


def test_one_cluster_per_dialplan_and_handler_holding_its_own_nodes(router):
    assert set(router.clusters) == {"cluster_dialplan_default", "cluster_dialplan_public",
                                    "cluster_handler_bridge2dest"}
    handler = router.clusters["cluster_handler_bridge2dest"]
    assert {router.nodes[n].text for n in handler} == {
        "handler bridge2dest(out_profile=none,\ngateway=none, proxy=none, response=none)",
        "if response", 'log(f"Rejecting {Caller-Destination-Number}:\n{response}", '
        'level="warning")', "respond(response)", "stop",
        "bridge(profile=out_profile, gateway=gateway,\ndest_url=variable_sip_req_uri, proxy=proxy)",
        "end of bridge2dest"}
    public = {router.nodes[n].text for n in router.clusters["cluster_dialplan_public"]}
    assert "route sales_did" in public and "route international" not in public
    assert all(router.node("parked call\ndialplan chosen by Caller-Context").name not in c
               for c in router.clusters.values())


def test_shapes_by_kind(router, tricky):
    expected = {"select": "invhouse", "dialplan": "ellipse", "guard": "invtrapezium",
                "reject": "box", "match": "box", "condition": "diamond", "action": "box",
                "call": "cds", "stop": "octagon", "handler": "ellipse", "exit": "ellipse",
                "end": "box"}
    for kind, shape in expected.items():
        nodes = router.of_kind(kind)
        assert nodes, kind
        assert {n.attrs["shape"] for n in nodes} == {shape}, kind
    assert {n.attrs["shape"] for n in tricky.of_kind("return")} == {"larrow"}
    assert all("rounded" in n.styles for n in router.of_kind("match"))
    # an action that ends the call has a double border
    assert router.node('transfer("2100", "XML", "default")').attrs["peripheries"] == "2"
    assert "peripheries" not in router.node("answer()").attrs


def test_handler_calls_are_dashed_edges_labelled_with_the_arguments(router):
    handler = router.of_kind("handler")[0]
    calls = [(t, e) for t, h, e in router.visible_edges() if h is handler and "call" in e.classes]
    assert {e.text for _, e in calls} == {
        'response="407"', 'gateway="long_distance_trunk"',
        'out_profile="internal", proxy="salespbx.com"',
        'out_profile="internal", proxy="supportpbx.com"'}
    assert all("dashed" in e.styles for _, e in calls)
    assert all("call" in t.classes for t, _ in calls)
    # nothing else is dashed
    others = [e for t, h, e in router.visible_edges() if "call" not in e.classes]
    assert not any("dashed" in e.styles for e in others)


# -- escaping ---------------------------------------------------------------------------------


def test_regex_backslashes_are_drawn_as_written(tricky):
    star = tricky.node("route star")
    (edge,) = [e for t, h, e in tricky.visible_edges() if h is star]
    assert edge.text == r"1. Caller-Destination-Number ~ /^\*67(\d+)$/"
    named = tricky.node("route #3")
    (edge,) = [e for t, h, e in tricky.visible_edges() if h is named]
    assert edge.text == r"3. Caller-Destination-Number ~ /^(?P<ext>1\d{3})$/"
    # the DOT text doubles them: \d would otherwise be an escape sequence to dot
    assert r"/^\\*67(\\d+)$/" in tricky.dot


def test_quotes_backslashes_braces_angles_and_bars_survive(tricky):
    assert 'setvar("effective_caller_id_name", "<anon>\n{x} | \\"q\\"")' in tricky.labels()
    assert 'handler greet(name="x\\\\y", who=none)' in tricky.labels()
    handler = tricky.of_kind("handler")
    call = [e for t, h, e in tricky.visible_edges() if h in handler and "call" in e.classes]
    assert {e.text for e in call} == {'name="a\\\\b", who=$1', "who=$ext"}


@pytest.mark.parametrize("text", ["<b>bold</b>", "a\\", "{x|y}", 'say "hi"', "\\N \\G \\l",
                                  "<", "a\\\\\"b"])
def test_label_text_is_literal_never_html_or_escapes(text):
    g = graphviz.Digraph()
    g.node("a", drawer.label(text), tooltip=drawer.dot_text(text))
    g.edge("a", "b", label=drawer.label(text))
    pic = lay_out(g.source)
    assert pic.nodes["a"].text == text
    assert pic.nodes["a"].attrs["tooltip"].replace("\\\\", "\\") == text
    (_, _, edge), = pic.edges
    assert edge.text == text


# -- unreachable code, links --------------------------------------------------------------------


def test_nodes_the_checker_finds_unreachable_are_grey_and_only_those(tricky):
    grey = {n.text for n in tricky.nodes.values() if "unreachable" in n.classes}
    assert grey == {
        'log("never")',  # after return (SWR302)
        'log("dead after stop")', "answer()",  # after stop, both of them (SWR302)
        "route shadowed",  # shadowed by route star (SWR303), and its body
        'log("gone")',  # after hangup() (SWR302)
        "handler unused()", "hangup()", "end of unused",  # never called (SWR208)
    }
    for node in tricky.nodes.values():
        filled = node.attrs.get("fillcolor")
        assert (filled == drawer.GREY_FILL) == ("unreachable" in node.classes), node.text
    answers = [n for n in tricky.nodes.values() if n.text == "answer()"]
    assert len(answers) == 2 and all("unreachable" in n.classes for n in answers)
    assert "unreachable" not in tricky.node("playback(\"a.wav\")").classes
    assert "never runs (SWR303)" in tricky.node("route shadowed").attrs["tooltip"]


def test_dead_statements_hang_under_the_statement_before_them(tricky):
    (stop,) = tricky.of_kind("stop")
    dead = tricky.node('log("dead after stop")')
    edge = tricky.edge(stop, dead)
    assert "dotted" in edge.styles
    assert dead.y < stop.y  # below it, not floating at the top


def test_every_node_from_source_links_to_its_line(router):
    lines = {"route international": 18, "route support": 22, "answer()": 27,
             "if response": 9, "route sales_did": 33, 'guard Call-Direction == "inbound"': 5}
    for text, line in lines.items():
        node = router.node(text)
        assert node.attrs["href"] == f"#L{line}"
        assert node.attrs["tooltip"].startswith(f"router.swr:{line}:")
    assert router.clusters  # clusters link to their declaration too
    for node in router.nodes.values():
        if node.classes & {"select", "reject", "end", "exit"}:
            continue  # made by the compiler, no source line
        assert re.fullmatch(r"#L\d+", node.attrs["href"]), node.text


def test_links_into_an_included_file_name_it_relative_to_the_main_file(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "common.swr").write_text(
        "handler ring(ext) {\n    bridge(f\"user/{ext}\")\n}\n", encoding="utf-8")
    main = tmp_path / "main.swr"
    main.write_text('include "lib/common.swr"\nroute old "^1$" -> ring(ext="1")\n',
                    encoding="utf-8")
    # the editor's unsaved buffer differs from the file on disk: the buffer is drawn
    unsaved = 'include "lib/common.swr"\n\nroute new "^2(\\d+)$" -> ring(ext=$1)\n'
    pic = picture(unsaved, str(main))
    assert "route new" in pic.labels() and "route old" not in pic.labels()
    assert pic.node("route new").attrs["href"] == "#L3"
    assert pic.node('bridge(f"user/{ext}")').attrs["href"] == "lib/common.swr#L2"
    assert pic.node('bridge(f"user/{ext}")').attrs["tooltip"].startswith("lib/common.swr:2:5 ")


# -- trace ------------------------------------------------------------------------------------


def test_trace_highlights_the_walked_path_only(router):
    call = {"Caller-Destination-Number": "4100", "Call-Direction": "inbound"}
    result = render.render_text((EXAMPLES / "router.swr").read_text(), str(EXAMPLES / "router.swr"),
                                "dot", call=call, at="2024-12-24T09:00")  # a Tuesday, 9am
    assert result.outcome is not None and result.outcome.routes == ["support"]
    pic = lay_out(result.dot)
    traced = {n.text for n in pic.nodes.values() if "traced" in n.classes}
    assert traced == {
        "parked call\ndialplan chosen by Caller-Context",
        'dialplan default\ntime zone: variable_timezone or\n"America/New_York"',
        'guard Call-Direction == "inbound"', "route support",
        "if weekday in mon..fri and time in\n08:00..17:30", "call bridge2dest", "stop",
        "handler bridge2dest(out_profile=none,\ngateway=none, proxy=none, response=none)",
        "if response",
        "bridge(profile=out_profile, gateway=gateway,\ndest_url=variable_sip_req_uri, proxy=proxy)",
        "end of bridge2dest"}
    tried = {n.text for n in pic.nodes.values() if "tried" in n.classes}
    assert tried == {"route international", "route long_distance", "route sales"}
    assert len([n for n in pic.nodes.values() if "traced" in n.classes and n.text == "stop"]) == 1
    edges = {(t.text.split("\n")[0], h.text.split("\n")[0], e.text)
             for t, h, e in pic.visible_edges() if "traced" in e.classes}
    assert edges == {
        ("parked call", "dialplan default", "Caller-Context = default\nor no other dialplan"),
        ("dialplan default", 'guard Call-Direction == "inbound"', ""),
        ('guard Call-Direction == "inbound"', "route support",
         r"4. Caller-Destination-Number ~ /^4\d{3}$/"),
        ("route support", "if weekday in mon..fri and time in", ""),
        ("if weekday in mon..fri and time in", "call bridge2dest", "then"),
        ("call bridge2dest", "handler bridge2dest(out_profile=none,",
         'out_profile="internal", proxy="supportpbx.com"'),
        ("handler bridge2dest(out_profile=none,", "if response", ""),
        ("if response", "bridge(profile=out_profile, gateway=gateway,", "else"),
        ("bridge(profile=out_profile, gateway=gateway,", "end of bridge2dest", ""),
        ("call bridge2dest", "stop", ""),  # back from the handler
    }
    for _, _, e in pic.visible_edges():
        assert ("traced" in e.classes) == (e.attrs.get("color") == drawer.TRACE_COLOR)
    # the walk is the one `switchy simulate` takes: every step's node is highlighted
    walked = {f"swr-{s.node}" for s in result.outcome.steps if s.node >= 0}  # (not the end
    assert result.outcome.steps[-1].note.startswith("routing is over")  # of routing: no node)
    lit = {n.attrs["id"] for n in pic.nodes.values() if n.classes & {"traced", "tried"}}
    assert lit == walked


def test_a_call_no_route_takes_lights_only_its_dialplan_end():
    pic = picture((EXAMPLES / "router.swr").read_text(), str(EXAMPLES / "router.swr"),
                  call={"Caller-Destination-Number": "999", "Call-Direction": "inbound"})
    (end,) = [n for n in pic.of_kind("end") if "traced" in n.classes]
    assert end.name in pic.clusters["cluster_dialplan_default"]
    assert not [n for n in pic.of_kind("match") if "traced" in n.classes]
    assert len([n for n in pic.of_kind("match") if "tried" in n.classes]) == 4
    assert not [n for n in pic.nodes.values() if "traced" in n.classes
                and n.name in pic.clusters["cluster_handler_bridge2dest"]]


async def test_trace_works_inside_a_running_event_loop():
    # the language server calls from async code; the walk then runs in a worker thread
    result = render.render_text('route r "^1$" { answer() }', None, "dot",
                                call={"Caller-Destination-Number": "1"})
    assert result.outcome is not None and result.outcome.routes == ["r"]


# -- big dialplans, one part --------------------------------------------------------------------


def test_handler_option_draws_that_handler_alone(router):
    result = render.render_text((EXAMPLES / "router.swr").read_text(),
                                str(EXAMPLES / "router.swr"), "dot", handler="bridge2dest")
    pic = lay_out(result.dot)
    assert set(pic.clusters) == {"cluster_handler_bridge2dest"}
    assert not pic.of_kind("match") and not pic.of_kind("select")
    assert len(pic.of_kind("handler")) == 1


def test_dialplan_option_draws_that_dialplan_and_stubs_for_its_handlers(router):
    result = render.render_text((EXAMPLES / "router.swr").read_text(),
                                str(EXAMPLES / "router.swr"), "dot", dialplan="default")
    pic = lay_out(result.dot)
    assert set(pic.clusters) == {"cluster_dialplan_default"}
    (stub,) = pic.of_kind("stub")
    assert stub.text == "handler bridge2dest" and stub.attrs["href"] == "#L8"
    assert len([e for t, h, e in pic.visible_edges() if h is stub]) == 4


def test_unknown_part_names_are_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"no handler named 'nope' \(handlers: bridge2dest\)"):
        render.render_paths([EXAMPLES / "router.swr"], "dot", handler="nope")
    with pytest.raises(ValueError, match=r"dialplans: default, public"):
        render.render_paths([EXAMPLES / "router.swr"], "dot", dialplan="nope")


def test_a_dialplan_with_errors_gives_its_diagnostics_and_no_picture():
    result = render.render_text('route r "^(1$" { ansver() }', "/x/bad.swr", "svg")
    assert result.dot is None and result.data is None and not result.ok
    assert {d.code for d in result.errors} >= {"SWR201", "SWR301"}
