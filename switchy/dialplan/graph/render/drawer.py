"""The drawer: a route graph as a ``graphviz.Digraph``, laid out the way a reader thinks.

See the package docstring for what is drawn and the jump-to-source contract.
"""

from __future__ import annotations

import itertools
import os
import re
import textwrap
import urllib.parse
from pathlib import Path

import graphviz
import networkx as nx

from switchy.dialplan import ast
from switchy.dialplan.actions import ACTIONS
from switchy.dialplan.frontend.loader import Program
from switchy.dialplan.graph.kinds import ROUTE_BOUNDARY, Edge, Kind
from switchy.dialplan.graph.render.trace import Trace
from switchy.dialplan.language import span_text

ROUTE_LIMIT = 30  # more routes than this in one dialplan: drawn as one table node
WRAP = 44  # node label width, in characters
DASH = "\u2013"  # en dash, for ranges of routes and lines
INSTALL_HINT = ("install graphviz, which provides the `dot` program (Debian/Ubuntu: "
                "sudo apt-get install graphviz; macOS: brew install graphviz)")

FONT = "Helvetica"
TRACE_COLOR = "#e8590c"
GREY_FILL, GREY_LINE, GREY_TEXT = "#e9ecef", "#adb5bd", "#868e96"

# kind -> node attributes (shape and colours); labels and links are added per node.
STYLE: dict[str, dict[str, str]] = {  # graph kinds, and "more" / "stub" drawn only
    Kind.SELECT: {"shape": "invhouse", "style": "filled", "fillcolor": "#e7f5ff"},
    Kind.DIALPLAN: {"shape": "ellipse", "style": "filled", "fillcolor": "#a5d8ff"},
    Kind.HANDLER: {"shape": "ellipse", "style": "filled", "fillcolor": "#d0bfff"},
    Kind.GUARD: {"shape": "invtrapezium", "style": "filled", "fillcolor": "#fff3bf"},
    Kind.REJECT: {"shape": "box", "style": "filled", "fillcolor": "#dee2e6"},
    Kind.TABLE: {"shape": "box3d", "style": "filled", "fillcolor": "#c3fae8"},
    "more": {"shape": "box3d", "style": "filled", "fillcolor": "#c3fae8"},
    Kind.MATCH: {"shape": "box", "style": "rounded,filled,bold", "fillcolor": "#b2f2bb"},
    Kind.CONDITION: {"shape": "diamond", "style": "filled", "fillcolor": "#fff9db"},
    Kind.ACTION: {"shape": "box", "style": "filled", "fillcolor": "white"},
    Kind.CALL: {"shape": "cds", "style": "filled", "fillcolor": "#e5dbff"},
    Kind.PYTHON: {"shape": "component", "style": "filled", "fillcolor": "#f3f0ff"},
    Kind.ASSIGN: {"shape": "note", "style": "filled", "fillcolor": "white"},
    Kind.PASS: {"shape": "box", "style": "dotted", "fillcolor": "white"},
    Kind.RETURN: {"shape": "larrow", "style": "filled", "fillcolor": "#f1f3f5"},
    Kind.STOP: {"shape": "octagon", "style": "filled,bold", "fillcolor": "#ffc9c9"},
    Kind.EXIT: {"shape": "ellipse", "style": "filled", "fillcolor": "#e5dbff"},
    Kind.END: {"shape": "box", "style": "filled,rounded", "fillcolor": "#dee2e6"},
    "stub": {"shape": "ellipse", "style": "filled,dashed", "fillcolor": "#e5dbff"},
}
EDGE_WORDS = {Edge.THEN: "then", Edge.ELSE: "else", Edge.NO_MATCH: "fails", Edge.SELECT: ""}



# -- drawing ---------------------------------------------------------------------------------


def dot_text(value: str) -> str:
    """Literal text for a DOT label or tooltip: backslashes doubled, never HTML."""
    return graphviz.escape(value)


def label(*lines: str, wrap: int = WRAP) -> str:
    """A multi-line DOT label from literal lines, long ones wrapped at spaces."""
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(line, wrap, break_long_words=False, break_on_hyphens=False) or [""]
    return graphviz.nohtml("\\n".join(dot_text(line) for line in out))


class Drawer:
    """Draws one picture; ``run`` returns it."""

    def __init__(self, graph: nx.DiGraph, program: Program | None, grey: dict[int, str],
                 trace: Trace | None, limit: int, main: str | None) -> None:
        self.g = graph
        self.texts = program.texts if program is not None else {}
        self.grey = grey
        self.trace = trace
        self.limit = limit
        self.main_dir = os.path.dirname(os.path.abspath(main)) if main and not main.startswith("<") else None
        self.main = main
        self.drawn: set[int] = set()
        self.entered: set[int] = set()  # nodes some drawn edge leads to
        self.bottoms: list[tuple[int, int]] = []  # (a dialplan's end node, its routes' depth)
        self.owned: dict[tuple[str, str], list[int]] = {}
        for n, attrs in graph.nodes(data=True):
            owner = ("handler", attrs["handler"]) if attrs["handler"] is not None \
                else ("dialplan", attrs["dialplan"]) if attrs["dialplan"] is not None else None
            if owner is not None:
                self.owned.setdefault(owner, []).append(n)
        self.dot = graphviz.Digraph(
            "switchy", graph_attr={"rankdir": "TB", "ordering": "out", "fontname": FONT,
                                   "nodesep": "0.3", "ranksep": "0.45", "newrank": "true"},
            node_attr={"fontname": FONT, "fontsize": "11", "margin": "0.12,0.05"},
            edge_attr={"fontname": FONT, "fontsize": "10", "color": "#495057",
                       "arrowsize": "0.7"})

    # -- the whole picture ------------------------------------------------------------------

    def run(self, dialplan: str | None, handler: str | None) -> graphviz.Digraph:
        g = self.g
        handlers = g.graph["handlers"]
        if handler is not None:
            self.draw_handler(handler, focused=True)
        elif dialplan is not None:
            self.draw_dialplan(dialplan, focused=True)
        else:
            root = g.graph["root"]
            self.node(root)
            dialplans = g.graph["dialplans"]
            for name, entry in dialplans.items():
                self.draw_dialplan(name, focused=False)
                attrs = g.edges[root, entry]
                header = g.nodes[root]["header"]
                words = f"{header} = {attrs['value']}"
                if attrs.get("default"):
                    words += "\nor no other dialplan" if len(dialplans) > 1 else "\n(any call)"
                self.edge(root, entry, words, source=g.nodes[entry]["span"],
                          traced=self.moved(root, entry))
            for name in handlers:
                self.draw_handler(name, focused=False)
            self.handlers_below()
        self.draw_calls(focused=dialplan is not None or handler is not None)
        return self.dot

    # -- clusters ---------------------------------------------------------------------------

    def cluster(self, kind: str, name: str, span: ast.Span | None) -> dict[str, object]:
        """The ``subgraph`` arguments of a dialplan's or handler's cluster."""
        attrs = {"label": dot_text(f"{kind} {name}"), "style": "rounded", "color": "#868e96",
                 "fontsize": "12", "fontname": f"{FONT} Bold", "labeljust": "l",
                 "margin": "12", "id": f"cluster-{kind}-{name}", "class": kind}
        attrs.update(self.link(span, f"{kind} {name}"))
        return {"name": f"cluster_{kind}_{_safe(name)}", "graph_attr": attrs}

    def draw_dialplan(self, name: str, focused: bool) -> None:
        g = self.g
        nodes = sorted(self.owned.get(("dialplan", name), []), key=lambda n: g.nodes[n]["order"])
        kinds = {n: g.nodes[n]["kind"] for n in nodes}
        entry = g.graph["dialplans"][name]
        guards = [n for n in nodes if kinds[n] == Kind.GUARD]
        table = next((n for n in nodes if kinds[n] == Kind.TABLE), None)
        routes = sorted((n for n in nodes if kinds[n] == Kind.MATCH),
                        key=lambda n: g.nodes[n]["route_index"])
        end = next(n for n in nodes if kinds[n] == Kind.END)
        summarize = len(routes) > self.limit
        use_table = summarize and not focused and table is not None
        shown = routes[:self.limit] if summarize and focused else [] if summarize else routes
        rest = routes[len(shown):]
        hidden_from = g.nodes[rest[0]]["order"] if rest else None
        frame = [n for n in nodes if kinds[n] in (Kind.DIALPLAN, Kind.GUARD, Kind.REJECT, Kind.END)
                 or (n == table and use_table)]
        body = [n for n in nodes if kinds[n] not in (Kind.DIALPLAN, Kind.GUARD, Kind.REJECT, Kind.END, Kind.TABLE)
                and (hidden_from is None or g.nodes[n]["order"] < hidden_from)]
        summary = None
        with self.dot.subgraph(**self.cluster("dialplan", name, g.nodes[entry]["span"])) as c:
            for n in frame + body:
                self.node(n, c)
            if use_table:
                summary = _id(table)
            elif rest:
                summary = f"more_{_safe(name)}"
                head = f"\u2026 {len(rest)} more routes" if shown else f"{len(rest)} routes"
                self.synthetic(c, summary, "more", label(head, *self.table_lines(rest)),
                               g.nodes[rest[0]]["span"], traced=self.ran_any(rest))
            # The fan's targets on one row in the order they are tried, and the first
            # statements of the routes under them: ordering=out alone does not hold
            # against the call edges that leave the cluster.
            row = [_id(n) for n in nodes if kinds[n] == Kind.REJECT] + [_id(n) for n in shown]
            row += [summary] if summary else []
            self.same_row(c, [*row, _id(end)])
            self.same_row(c, [_id(t) for m in shown for t, d in g.succ[m].items()
                              if d["label"] == Edge.MATCH])
            self.branches_in_order(c, body)
        fan = guards[-1] if guards else entry
        for n in [entry, *guards, *body]:
            self.internal_edges(n)
        self.anchor_orphans(body)
        for k, match in enumerate(shown, 1):
            self.fan_edge(fan, match, k)
        if summary is not None:
            words = _numbers(len(shown) + 1, len(routes))
            traced = self.visited(table) if use_table else self.ran_any(rest)
            self.entered.add(summary)
            self.dot.edge(_id(fan), summary, **self.edge_style(words, traced=traced))
        self.edge(fan, end, _numbers(len(routes) + 1), traced=self.visited(end))
        self.bottoms.append((end, self.depth(body)))

    def depth(self, body: list[int]) -> int:
        """How many rows the deepest route body of a dialplan takes below its route."""
        g = self.g
        rows: dict[int, int] = {}
        for n in sorted(body, key=lambda n: g.nodes[n]["order"], reverse=True):
            below = [rows.get(t, 0) + 1 for t, d in g.succ[n].items() if t in rows
                     and g.nodes[t]["kind"] != Kind.MATCH and d["label"] != Edge.CALL]
            rows[n] = max(below, default=0)
        return max(rows.values(), default=0)

    def handlers_below(self) -> None:
        """Handlers sit under the deepest route of every dialplan. The call edges do not
        rank them: as ranking edges they scramble the order of routes and branches."""
        for entry in self.g.graph["handlers"].values():
            if entry not in self.drawn:
                continue
            for end, depth in self.bottoms:
                self.dot.edge(_id(end), _id(entry), style="invis", minlen=str(depth + 1))

    def draw_handler(self, name: str, focused: bool) -> None:
        g = self.g
        nodes = sorted(self.owned.get(("handler", name), []), key=lambda n: g.nodes[n]["order"])
        entry = g.graph["handlers"][name]
        with self.dot.subgraph(**self.cluster("handler", name, g.nodes[entry]["span"])) as c:
            for n in nodes:
                self.node(n, c)
            self.branches_in_order(c, nodes)
        for n in nodes:
            self.internal_edges(n)
        self.anchor_orphans(nodes)

    # -- layout hints ---------------------------------------------------------------------

    def same_row(self, into: graphviz.Digraph, row: list[str]) -> None:
        """Keep ``row`` on one rank, left to right: what ``ordering=out`` should do but
        does not reliably do inside clusters that edges leave."""
        if len(row) < 2:
            return
        with into.subgraph(graph_attr={"rank": "same"}) as same:
            for a, b in itertools.pairwise(row):
                same.edge(a, b, style="invis")

    def branches_in_order(self, into: graphviz.Digraph, nodes: list[int]) -> None:
        """``then`` left of ``else`` (when neither branch leads into the other)."""
        g = self.g
        for n in nodes:
            if g.nodes[n]["kind"] != Kind.CONDITION:
                continue
            targets = [t for t, d in g.succ[n].items() if d["label"] in (Edge.THEN, Edge.ELSE)
                       and t in self.drawn and g.nodes[t]["kind"] not in ROUTE_BOUNDARY]
            if len(targets) == 2 and not any(self.leads(a, b) for a, b in (targets, targets[::-1])):
                self.same_row(into, [_id(t) for t in targets])

    def leads(self, a: int, b: int) -> bool:
        """Does ``a`` lead to ``b`` inside one route or handler?"""
        g = self.g
        seen, todo = {a}, [a]
        while todo:
            n = todo.pop()
            if n == b:
                return True
            for t, d in g.succ[n].items():
                if t not in seen and d["label"] != Edge.CALL and g.nodes[t]["kind"] not in ROUTE_BOUNDARY:
                    seen.add(t)
                    todo.append(t)
        return False

    def anchor_orphans(self, nodes: list[int]) -> None:
        """Statements after ``stop``/``return`` have no edge in: hang them (dotted) under
        the statement before them rather than let them float to the top."""
        g = self.g
        drawn = [n for n in nodes if n in self.drawn]
        for i, n in enumerate(drawn):
            if n in self.entered or g.nodes[n]["kind"] in (Kind.MATCH, Kind.HANDLER, Kind.DIALPLAN):
                continue
            if i > 0:
                self.dot.edge(_id(drawn[i - 1]), _id(n), style="dotted", color=GREY_LINE,
                              arrowhead="none", **{"class": "unreachable"})

    # -- nodes --------------------------------------------------------------------------------

    def node(self, n: int, into: graphviz.Digraph | None = None) -> None:
        g = self.g
        attrs = g.nodes[n]
        kind = attrs["kind"]
        style = dict(STYLE[kind])
        classes = [kind]
        if kind == Kind.ACTION and ACTIONS.get(attrs.get("action", "")) is not None \
                and ACTIONS[attrs["action"]].ends_call:
            style["peripheries"] = "2"
        tip = [attrs["label"]]
        reason = self.grey.get(n)
        if reason is not None:
            style.update(fillcolor=GREY_FILL, color=GREY_LINE, fontcolor=GREY_TEXT)
            style["style"] = ",".join(s for s in style["style"].split(",") if s != "bold")
            classes.append("unreachable")
            tip.append(f"never runs ({reason})")
        if self.trace is not None and n in self.trace.notes:
            note = self.trace.notes[n]
            if kind == Kind.MATCH and not self.ran(n):
                style.update(color=TRACE_COLOR, style=style["style"] + ",dashed", penwidth="2")
                classes.append("tried")
            else:
                style.update(color=TRACE_COLOR, penwidth="3")
                classes.append("traced")
            if note:
                tip.append(f"simulated call: {note}")
        style.update(self.link(attrs["span"], " — ".join(tip)))
        style["id"] = f"swr-{n}"
        style["class"] = " ".join(classes)
        (into or self.dot).node(_id(n), label(*self.node_lines(n)), **style)
        self.drawn.add(n)

    def synthetic(self, into: graphviz.Digraph, name: str, kind: str, text_label: str,
                  span: ast.Span | None, traced: bool = False) -> None:
        style = dict(STYLE[kind])
        classes = [kind]
        if traced:
            style.update(color=TRACE_COLOR, penwidth="3")
            classes.append("traced")
        style.update(self.link(span, kind))
        style.update(id=f"swr-{name}", **{"class": " ".join(classes)})
        into.node(name, text_label, **style)

    def node_lines(self, n: int) -> list[str]:
        attrs = self.g.nodes[n]
        kind = attrs["kind"]
        if kind == Kind.SELECT:
            return ["parked call", f"dialplan chosen by {attrs['header']}"]
        if kind == Kind.DIALPLAN:
            lines = [f"dialplan {attrs['name']}"]
            tz = self.source(attrs["timezone"].span) if attrs.get("timezone") is not None else ""
            return [*lines, f"time zone: {tz}"] if tz else lines
        if kind == Kind.MATCH:
            name = attrs["route"]
            return [f"route {name}" if name else f"route #{attrs['route_index'] + 1}"]
        if kind == Kind.CALL:
            return [f"call {attrs['target']}"]
        if kind == Kind.TABLE:
            ways = [f"{attrs['exact']} exact", f"{attrs['prefixed']} by prefix"]
            other = attrs["count"] - attrs["exact"] - attrs["prefixed"]
            ways += [f"{other} tried in turn"] if other else []
            return [f"{attrs['count']} routes", "indexed: " + ", ".join(ways),
                    *self.table_lines(attrs["routes"])]
        if kind == Kind.REJECT:
            return ["a guard failed:", f"hang up {attrs['cause']}"]
        if kind == Kind.END:
            return ["no route matched:", f"hang up {attrs['cause']}"]
        if kind == Kind.EXIT:
            return [f"end of {attrs['name']}"]
        if kind == Kind.CONDITION:
            written = self.source(attrs["span"])
            return [f"{attrs['role']} {_cut(written)}" if written else attrs["label"]]
        if kind in (Kind.ACTION, Kind.PYTHON, Kind.ASSIGN, Kind.GUARD):
            return [_cut(self.source(attrs["span"])) or attrs["label"]]
        return [attrs["label"]]

    def table_lines(self, routes: list[int]) -> list[str]:
        g = self.g
        first, last = g.nodes[routes[0]], g.nodes[routes[-1]]
        lines = []
        if first["span"] is not None and last["span"] is not None:
            lines.append(f"lines {first['span'].line}{DASH}{last['span'].line}")
        fields = sorted({g.nodes[r]["field"] for r in routes if g.nodes[r]["pattern"] is not None})
        if fields:
            lines.append("on " + ", ".join(fields))
        dead = sum(1 for r in routes if r in self.grey)
        if dead:
            lines.append(f"{dead} can never run")
        if self.trace is not None:
            ran = [g.nodes[r]["title"] for r in routes if self.ran(r)]
            if ran:
                lines.append("ran: " + ", ".join(ran[:3]) + (" …" if len(ran) > 3 else ""))
        return lines

    # -- edges --------------------------------------------------------------------------------

    def internal_edges(self, n: int) -> None:
        """The edges of ``n`` that stay inside a route, a guard chain or a handler."""
        g = self.g
        kind = g.nodes[n]["kind"]
        for target, attrs in g.succ[n].items():
            word = attrs["label"]
            tkind = g.nodes[target]["kind"]
            if word in (Edge.CALL, Edge.EXIT) or tkind in ROUTE_BOUNDARY or tkind == Kind.TABLE:
                continue  # calls are drawn apart; the rest is "go on with the next route"
            if kind == Kind.MATCH and word == Edge.NO_MATCH:
                continue
            if target not in self.drawn:
                continue
            word = ("holds" if word == Edge.MATCH else "fails") if kind == Kind.GUARD \
                else EDGE_WORDS.get(word, "")
            self.edge(n, target, word, traced=self.moved(n, target), weight="4")

    def fan_edge(self, source: int, match: int, k: int) -> None:
        attrs = self.g.nodes[match]
        pattern = attrs["pattern"]
        words = f"{k}. {attrs['field']} ~ /{pattern}/" if pattern is not None \
            else f"{k}. every call"
        self.edge(source, match, words, traced=self.ran(match), source=attrs["span"],
                  css="route")

    def draw_calls(self, focused: bool) -> None:
        """Dashed edges from handler calls to the handler, labelled with the arguments;
        calls hidden in a route table are drawn from the table, once per handler."""
        g = self.g
        stubs: set[str] = set()
        from_tables: dict[tuple[str, int], list[int]] = {}
        for n, attrs in g.nodes(data=True):
            if attrs["kind"] != Kind.CALL:
                continue
            entry = g.graph["handlers"][attrs["target"]]
            if n in self.drawn:
                if entry in self.drawn:
                    target = _id(entry)
                elif focused:
                    target = f"stub_{_safe(attrs['target'])}"
                    if target not in stubs:
                        stubs.add(target)
                        self.synthetic(self.dot, target, "stub",
                                       label(f"handler {attrs['target']}"),
                                       g.nodes[entry]["span"], traced=self.visited(entry))
                else:
                    continue
                args = self.arguments(n)
                traced = self.moved(n, entry)
                self.dot.edge(_id(n), target, **self.edge_style(
                    args, traced=traced, css="call", style="dashed", color="#7048e8",
                    constraint="false"))
                continue
            table = self.table_of(n)
            if table is not None and table in self.drawn and entry in self.drawn:
                from_tables.setdefault((attrs["target"], table), []).append(n)
        for (name, table), calls in from_tables.items():
            entry = g.graph["handlers"][name]
            words = f"{len(calls)} route{'s' if len(calls) != 1 else ''}"
            traced = any(self.moved(c, entry) for c in calls)
            self.dot.edge(_id(table), _id(entry), **self.edge_style(
                words, traced=traced, css="call", style="dashed", color="#7048e8",
                constraint="false"))

    def table_of(self, n: int) -> int | None:
        dialplan = self.g.nodes[n]["dialplan"]
        if dialplan is None:
            return None
        return next((m for m in self.owned.get(("dialplan", dialplan), [])
                     if self.g.nodes[m]["kind"] == Kind.TABLE), None)

    def arguments(self, n: int) -> str:
        """The arguments of a call as written (``response="407"``)."""
        attrs = self.g.nodes[n]
        parts = [self.source(a.span) for a in attrs["args"]]
        if all(parts):
            return ", ".join(parts)
        inside = attrs["label"].partition("(")[2]  # no source text: the node's own label
        return inside[:-1] if inside.endswith(")") else inside

    def edge(self, a: int, b: int, words: str, *, traced: bool = False,
             source: ast.Span | None = None, css: str = "", **attrs: str) -> None:
        extra = self.link(source, words) if source is not None else {}
        self.entered.add(b)
        self.dot.edge(_id(a), _id(b), **self.edge_style(words, traced=traced, css=css, **attrs),
                      **extra)

    def edge_style(self, words: str, *, traced: bool = False, css: str = "",
                   **attrs: str) -> dict[str, str]:
        out = dict(attrs)
        if words:
            out["label"] = label(*words.split("\n"), wrap=60)
        classes = [c for c in (css, "traced" if traced else "") if c]
        if classes:
            out["class"] = " ".join(classes)
        if traced:
            out.update(color=TRACE_COLOR, fontcolor=TRACE_COLOR, penwidth="2.5")
        return out

    # -- trace ---------------------------------------------------------------------------------

    def visited(self, n: int) -> bool:
        return self.trace is not None and n in self.trace.notes

    def moved(self, a: int, b: int) -> bool:
        return self.trace is not None and (a, b) in self.trace.transitions

    def ran(self, match: int) -> bool:
        """Did the simulated call run this route (its pattern matched)?"""
        into = next((t for t, d in self.g.succ[match].items() if d["label"] == Edge.MATCH), None)
        return into is not None and self.moved(match, into)

    def ran_any(self, routes: list[int]) -> bool:
        return self.trace is not None and any(self.ran(r) for r in routes)

    # -- source links ----------------------------------------------------------------------------

    def source(self, span: ast.Span | None) -> str:
        return span_text(self.texts, span, one_line=True)

    def link(self, span: ast.Span | None, what: str) -> dict[str, str]:
        """``href``/``tooltip`` to the source line (the form is in the module docstring)."""
        if span is None or span.file.startswith("<unknown"):
            return {"tooltip": dot_text(what)}
        where = self.relative(span.file)
        href = f"#L{span.line}"
        if where is not None:
            href = urllib.parse.quote(where) + href
        shown = os.path.basename(span.file) if where is None else where
        return {"href": dot_text(href), "tooltip": dot_text(f"{shown}:{span.line}:{span.column} {what}")}

    def relative(self, file: str) -> str | None:
        """None for the main file, else the file relative to the main file's directory."""
        if file == self.main:
            return None
        if self.main_dir is None or file.startswith("<"):
            return file
        rel = os.path.relpath(os.path.abspath(file), self.main_dir)
        return Path(rel).as_posix()


def _numbers(first: int, last: int | None = None) -> str:
    """Fan edge numbers: ``3.`` or ``3\u20139.``."""
    return f"{first}." if last is None or last == first else f"{first}{DASH}{last}."


def _cut(written: str, most: int = 3 * WRAP) -> str:
    return written if len(written) <= most else written[:most - 1] + "…"


def _id(n: int | str) -> str:
    return f"n{n}" if isinstance(n, int) else n


def _safe(name: str) -> str:
    return re.sub(r"\W", "_", name)
