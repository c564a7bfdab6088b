"""The pictures in the docs are what ``switchy graph`` draws today (compared by content —
nodes, their kinds and labels, edge labels — not by bytes, which vary with graphviz)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from switchy.dialplan.graph import render

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"

# picture -> (the switchy graph command that makes it, the render options it means)
PICTURES = {
    "router": ("switchy graph examples/router.swr -o docs/img/router.{svg,png}",
               "examples/router.swr", {}),
    "holidays-trace": ("switchy graph examples/xml_28_holidays_and_hours.swr --trace --set "
                       "Caller-Destination-Number=8000 --at 2024-11-05T19:30 "
                       "-o docs/img/holidays-trace.{svg,png}",
                       "examples/xml_28_holidays_and_hours.swr",
                       {"call": {"Caller-Destination-Number": "8000"}, "at": "2024-11-05T19:30"}),
}


def content(svg: ET.Element) -> list[tuple[str, str]]:
    out = []
    for g in svg.iter(f"{SVG}g"):
        classes = (g.get("class") or "").split()
        if classes and classes[0] in ("node", "edge", "cluster"):
            text = "\n".join("".join(t.itertext()) for t in g.iter(f"{SVG}text"))
            out.append((" ".join(classes), text))
    return sorted(out)


@pytest.mark.parametrize("name", PICTURES)
def test_doc_picture_is_current(name, monkeypatch):
    command, example, options = PICTURES[name]
    monkeypatch.chdir(ROOT)  # the pictures were made from the repository's root
    fresh = render.render_paths([example], "svg", **options)
    committed = ET.parse(ROOT / "docs" / "img" / f"{name}.svg").getroot()
    assert content(committed) == content(ET.fromstring(fresh.data)), f"run: {command}"
    png = (ROOT / "docs" / "img" / f"{name}.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n", f"run: {command}"


def test_the_docs_show_the_pictures():
    language = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")
    assert "](img/router.svg)" in language and "](img/holidays-trace.svg)" in language
    assert "](docs/img/router.svg)" in (ROOT / "README.md").read_text(encoding="utf-8")
