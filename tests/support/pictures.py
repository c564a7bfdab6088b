"""Reading a picture back: the DOT text laid out by graphviz's own ``dot -Tjson``, so a
test sees what dot parsed (attributes), what it draws (the text lines, with escapes
already interpreted) and where (positions, for left-to-right order)."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from switchy.dialplan.graph import render

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@dataclass
class Item:
    name: str
    attrs: dict
    text: str  # the drawn label, lines joined with "\n"
    x: float = 0.0
    y: float = 0.0

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    @property
    def styles(self) -> set[str]:
        return set(self.attrs.get("style", "").split(","))


@dataclass
class Picture:
    dot: str
    nodes: dict[str, Item] = field(default_factory=dict)
    edges: list[tuple[Item, Item, Item]] = field(default_factory=list)  # tail, head, edge
    clusters: dict[str, set[str]] = field(default_factory=dict)  # cluster -> node names

    def node(self, text: str) -> Item:
        """The one node whose drawn label is ``text``."""
        found = [n for n in self.nodes.values() if n.text == text]
        assert len(found) == 1, f"{len(found)} nodes read {text!r}: {sorted(self.labels())}"
        return found[0]

    def labels(self) -> list[str]:
        return [n.text for n in self.nodes.values()]

    def of_kind(self, kind: str) -> list[Item]:
        return [n for n in self.nodes.values() if kind in n.classes]

    def edge(self, tail: Item, head: Item) -> Item:
        found = [e for t, h, e in self.edges if t is tail and h is head and "invis" not in e.styles]
        assert len(found) == 1, f"{len(found)} edges {tail.text!r} -> {head.text!r}"
        return found[0]

    def out(self, tail: Item) -> list[tuple[Item, Item]]:
        """Visible edges leaving ``tail``: (head, edge)."""
        return [(h, e) for t, h, e in self.edges if t is tail and "invis" not in e.styles]

    def visible_edges(self) -> list[tuple[Item, Item, Item]]:
        return [(t, h, e) for t, h, e in self.edges if "invis" not in e.styles]


def drawn_text(obj: dict, key: str = "_ldraw_") -> str:
    return "\n".join(op["text"] for op in obj.get(key, []) if op.get("op") == "T")


def lay_out(dot: str) -> Picture:
    out = subprocess.run(["dot", "-Tjson"], input=dot, capture_output=True, text=True,
                         check=True).stdout
    data = json.loads(out)
    pic = Picture(dot)
    by_gvid: dict[int, Item] = {}
    subgraphs = []
    count = data.get("_subgraph_cnt", 0)  # subgraphs come first among the objects
    for i, obj in enumerate(data.get("objects", [])):
        if i < count:
            subgraphs.append(obj)
            continue
        x, y = (float(v) for v in obj.get("pos", "0,0").split(","))
        item = Item(obj["name"], obj, drawn_text(obj), x, y)
        by_gvid[obj["_gvid"]] = item
        pic.nodes[obj["name"]] = item
    for sub in subgraphs:
        if sub["name"].startswith("cluster_"):
            pic.clusters[sub["name"]] = {by_gvid[i].name for i in sub.get("nodes", [])}
    for obj in data.get("edges", []):
        text = "\n".join(t for t in (drawn_text(obj), drawn_text(obj, "_tldraw_"),
                                     drawn_text(obj, "_hldraw_")) if t)
        edge = Item(f"{obj['tail']}->{obj['head']}", obj, text)
        pic.edges.append((by_gvid[obj["tail"]], by_gvid[obj["head"]], edge))
    return pic


def picture(source: str, path: str | None = None, **options) -> Picture:
    """Draw ``source`` (as an editor buffer at ``path``) and lay it out."""
    result = render.render_text(source, path, "dot", **options)
    assert result.dot is not None, [d.format() for d in result.errors]
    return lay_out(result.dot)


def example(name: str, **options) -> Picture:
    path = EXAMPLES / name
    return picture(path.read_text(encoding="utf-8"), str(path), **options)
