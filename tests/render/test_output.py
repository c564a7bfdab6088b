"""The bytes: SVG and PNG really made by graphviz's ``dot``, the DOT text without it, and
the 10k-route dialplan kept to one summary node."""

from __future__ import annotations

import shutil
import struct
import xml.etree.ElementTree as ET

import pytest

from switchy.dialplan.graph import render
from tests.support.pictures import EXAMPLES, lay_out, picture

SVG = "{http://www.w3.org/2000/svg}"
XLINK = "{http://www.w3.org/1999/xlink}"
ROUTER = EXAMPLES / "router.swr"


def router(fmt: str, **options) -> render.RenderResult:
    return render.render_text(ROUTER.read_text(encoding="utf-8"), str(ROUTER), fmt, **options)


def test_svg_is_an_svg_document_with_linked_classed_nodes():
    result = router("svg")
    assert result.ok and not result.missing_dot and result.png is None
    root = ET.fromstring(result.data)
    assert root.tag == f"{SVG}svg"
    nodes = {g.get("id"): g for g in root.iter(f"{SVG}g") if "node" in (g.get("class") or "").split()}
    assert len(nodes) == 31  # every node of the route graph of router.swr
    route = next(g for g in nodes.values() if "match" in g.get("class").split()
                 and "route international" in "".join(g.itertext()))
    link = route.find(f".//{SVG}a")
    assert link.get(f"{XLINK}href") == "#L18"
    assert link.get(f"{XLINK}title").startswith("router.swr:18:1 ")
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert r"4. Caller-Destination-Number ~ /^4\d{3}$/" in texts
    assert result.svg == result.data.decode("utf-8")


def test_png_is_a_real_png_of_a_readable_size():
    result = router("png")
    data = result.png
    assert data is not None and data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    assert width > 1500 and height > 800  # 31 nodes at 96 dpi, text 11pt
    assert len(data) > 20_000


def test_dot_format_needs_no_dot_program(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = router("dot")
    assert result.ok and result.data.decode("utf-8") == result.dot
    assert result.dot.startswith("digraph switchy {")


def test_without_dot_the_result_has_the_dot_text_and_says_so(monkeypatch, tmp_path):
    assert shutil.which("dot") is not None  # this machine has it (CI installs graphviz)
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without dot
    assert shutil.which("dot") is None
    result = router("svg")
    assert result.missing_dot and not result.ok and result.data is None
    assert result.dot is not None and "cluster_dialplan_default" in result.dot
    assert "apt-get install graphviz" in render.INSTALL_HINT


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown format 'jpg'"):
        router("jpg")


# -- a 10k-route DID table ------------------------------------------------------------------

ROUTES = 10_000


@pytest.fixture(scope="module")
def did_table() -> str:
    lines = ["handler did(ext) {", '    transfer(ext, "XML", "default")', "}",
             'route emergency "^911$" { bridge("sofia/gateway/e911/911") stop }']
    lines += [f'route d{i} "^{5_550_000_000 + i}$" -> did(ext="{1000 + i % 9000}")'
              for i in range(ROUTES)]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def did_build(did_table):
    from switchy.dialplan.build import build_text

    built = build_text(did_table, "/srv/dids.swr")
    assert built.ok
    return built


def test_a_10k_route_table_is_one_summary_node(did_build):
    result = render.render_build(did_build, "svg", call={"Caller-Destination-Number": "5550000042"})
    assert result.ok
    pic = lay_out(result.dot)
    assert len(pic.nodes) < 15  # not ten thousand
    assert not pic.of_kind("match")
    (table,) = pic.of_kind("table")
    assert table.text.splitlines()[:2] == [f"{ROUTES + 1} routes",
                                           f"indexed: {ROUTES + 1} exact, 0 by prefix"]
    assert "lines 4\u2013" in table.text and "on Caller-Destination-Number" in table.text
    assert "ran: d42" in table.text and "traced" in table.classes
    (edge,) = [e for t, h, e in pic.visible_edges() if h is table]
    assert edge.text == f"1\u2013{ROUTES + 1}."
    # the routes inside call the handler: one dashed edge says how many
    (call,) = [e for t, h, e in pic.visible_edges() if t is table and "call" in e.classes]
    assert call.text == f"{ROUTES} routes" and "dashed" in call.styles and "traced" in call.classes
    root = ET.fromstring(result.data)
    assert root.tag == f"{SVG}svg"


def test_looking_inside_the_table_draws_its_first_routes_and_counts_the_rest(did_build):
    result = render.render_build(did_build, "dot", dialplan="default", route_limit=5)
    pic = lay_out(result.dot)
    routes = pic.of_kind("match")
    assert [r.text for r in sorted(routes, key=lambda r: r.x)] == [
        "route emergency", "route d0", "route d1", "route d2", "route d3"]
    (more,) = pic.of_kind("more")
    assert more.text.splitlines()[0] == f"\u2026 {ROUTES + 1 - 5} more routes"
    assert more.attrs["href"] == "#L9"  # where the first route not drawn is
    assert max(r.x for r in routes) < more.x
    (stub,) = pic.of_kind("stub")
    assert stub.text == "handler did"


def test_a_dialplan_under_the_limit_is_drawn_route_by_route():
    text = "\n".join(f'route r{i} "^{i}$" {{ answer() }}' for i in range(20))
    pic = picture(text, None, route_limit=20)
    assert len(pic.of_kind("match")) == 20 and not pic.of_kind("table")
    pic = picture(text, None, route_limit=19)
    assert not pic.of_kind("match") and len(pic.of_kind("table")) == 1
    # too few routes for the compiler to index them: a summary node all the same
    pic = picture("\n".join(text.splitlines()[:10]), None, route_limit=5)
    assert not pic.of_kind("match") and not pic.of_kind("table")
    (summary,) = pic.of_kind("more")
    assert summary.text.splitlines()[0] == "10 routes"
