"""A plausible mix of calls for a dialplan: numbers that its routes actually match.

``switchy run --emulate`` drives these through the emulated cluster so that a demo
exercises every route: for each route a value its pattern matches (made up from the
regex), the headers its guards and ``when`` ask for by plain equality, the context
its dialplan is selected by — and a few numbers nothing matches.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import networkx as nx

from switchy.dialplan import ast, patterns
from switchy.dialplan.graph.kinds import Edge, Kind, Role
from switchy.dialplan.language import DEFAULT_DIALPLAN, DEFAULT_FIELD

# -- calls ---------------------------------------------------------------------------------

# How the emulator's ``place_call`` sets a header.
_PLACE = {
    "Caller-Destination-Number": "destination",
    "Caller-Caller-ID-Number": "caller_id_number",
    "Caller-Caller-ID-Name": "caller_id_name",
    "Caller-Context": "context",
    "Caller-Network-Addr": "network_addr",
}


@dataclass
class PlannedCall:
    """One call to place: what it is meant to exercise and the headers that get it there."""

    purpose: str  # "route NAME", "no route"
    headers: dict[str, str] = field(default_factory=dict)

    def place_kwargs(self) -> dict:
        """Keywords for ``EmulatedNode.place_call``."""
        kwargs: dict = {"destination": self.headers.get("Caller-Destination-Number", "0")}
        variables: dict[str, str] = {}
        for name, value in self.headers.items():
            if name == "Caller-Destination-Number":
                continue
            if name in _PLACE:
                kwargs[_PLACE[name]] = value
            elif name.startswith("variable_"):
                variables[name[len("variable_"):]] = value
        if variables:
            kwargs["variables"] = variables
        return kwargs


def settable(name: str) -> bool:
    return name in _PLACE or name.startswith("variable_")


def equalities(expr: ast.Expr | None) -> dict[str, str]:
    """Headers that ``expr`` requires by plain ``Header == "text"`` (through ``and``)."""
    out: dict[str, str] = {}
    if expr is None:
        return out
    if isinstance(expr, ast.BoolOp) and expr.op == "and":
        for operand in expr.operands:
            out.update(equalities(operand))
    elif isinstance(expr, ast.Compare) and expr.op == "==" and isinstance(expr.left, ast.Name) \
            and isinstance(expr.right, ast.Str | ast.Number) and settable(expr.left.name):
        out[expr.left.name] = str(expr.right.value)
    elif isinstance(expr, ast.Compare) and expr.op == "=~" and isinstance(expr.left, ast.Name) \
            and isinstance(expr.right, ast.Str) and settable(expr.left.name):
        value = patterns.sample(expr.right.value, random.Random(expr.right.value))
        if value is not None:
            out[expr.left.name] = value
    return out


@dataclass
class _Template:
    purpose: str
    base: dict[str, str]
    field: str | None = None
    pattern: str | None = None


def templates(graph: nx.DiGraph) -> list[_Template]:
    """One template per route whose calls switchy can set up, plus one miss per dialplan."""
    out: list[_Template] = []
    nodes = graph.nodes
    select = graph.graph["select"]

    def follow(node: int, label: str) -> int | None:
        return next((t for t, d in graph.succ[node].items() if d["label"] == label), None)

    for name, entry in graph.graph["dialplans"].items():
        base: dict[str, str] = {}
        if name != DEFAULT_DIALPLAN and settable(select):
            base[select] = name
        node = follow(entry, Edge.NEXT)
        while node is not None and nodes[node]["kind"] == Kind.GUARD:
            base.update(equalities(nodes[node]["expr"]))
            node = follow(node, Edge.MATCH)
        matches = sorted((n for n, a in nodes(data=True) if a["kind"] == Kind.MATCH
                          and a["dialplan"] == name), key=lambda n: nodes[n]["route_index"])
        for m in matches:
            a = nodes[m]
            headers = dict(base)
            into = follow(m, Edge.MATCH)
            if into is not None and nodes[into]["kind"] == Kind.CONDITION \
                    and nodes[into]["role"] == Role.WHEN:
                headers.update(equalities(nodes[into]["expr"]))
            if a["pattern"] is not None and not settable(a["field"]):
                continue
            out.append(_Template(f"{name}: {a['title']}", headers, a["field"], a["pattern"]))
        out.append(_Template(f"{name}: (a number no route is meant for)", base, None, "99"))
    return out


def plan(graph: nx.DiGraph, count: int, seed: int | None = None) -> list[PlannedCall]:
    """``count`` calls cycling through every route of every dialplan, plus misses;
    each call gets its own made-up number."""
    rng = random.Random(seed)
    usable = []
    for t in templates(graph):
        if (t.field is None and t.pattern is not None) or t.pattern is None \
                or patterns.sample(t.pattern, rng) is not None:
            usable.append(t)
    calls = []
    for i in range(count if usable else 0):
        t = usable[i % len(usable)]
        headers = dict(t.base)
        if t.field is None and t.pattern is not None:  # a miss
            headers[DEFAULT_FIELD] = t.pattern + "".join(
                rng.choice("0123456789") for _ in range(6))
        elif t.pattern is not None and t.field is not None:
            headers[t.field] = patterns.sample(t.pattern, rng) or ""
        headers.setdefault(DEFAULT_FIELD, str(rng.randint(2000, 2999)))
        calls.append(PlannedCall(t.purpose, headers))
    return calls
