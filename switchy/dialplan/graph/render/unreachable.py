"""Which nodes of the route graph never run, as the checker's diagnostics say: drawn grey."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

import networkx as nx

from switchy.dialplan import ast
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.frontend.loader import Program

UNREACHABLE_CODES = frozenset({"SWR302", "SWR303", "SWR208"})


def unreachable_nodes(graph: nx.DiGraph, program: Program | None,
                      diagnostics: Iterable[dg.Diagnostic]) -> dict[int, str]:
    """The nodes the checker's diagnostics say never run, with the code that says so.

    ``SWR302`` names the first dead statement of a block, so the rest of that block is
    dead too; ``SWR303`` names a route's head, so its whole body is; ``SWR208`` names a
    handler nobody calls.
    """
    wanted: dict[tuple[str, int], str] = {}
    for d in diagnostics:
        if d.code in UNREACHABLE_CODES:
            wanted[(d.span.file, d.span.start)] = d.code
    if not wanted or program is None:
        return {}
    regions: dict[str, list[tuple[int, int, str]]] = {}
    dead_handlers: dict[str, str] = {}

    def region(span: ast.Span, end: int, code: str) -> None:
        regions.setdefault(span.file, []).append((span.start, end, code))

    def key(span: ast.Span) -> tuple[str, int]:
        return span.file, span.start

    for handler in program.handlers:
        if wanted.get(key(handler.name.span)) == "SWR208":
            dead_handlers[handler.name.name] = "SWR208"
    for dp in program.dialplans:
        for route in dp.routes:
            if wanted.get(key(route.span)) == "SWR303":
                region(route.span, route.span.end, "SWR303")
    if "SWR302" in wanted.values():
        roots: list[ast.Node] = [*program.dialplans, *program.handlers]
        for node in ast.walk(roots):
            if isinstance(node, ast.Block):
                for stmt in node.statements:
                    if wanted.get(key(stmt.span)) == "SWR302":
                        region(stmt.span, node.statements[-1].span.end, "SWR302")
                        break
    merged = {f: _merge(spans) for f, spans in regions.items()}
    starts = {f: [s for s, _, _ in spans] for f, spans in merged.items()}
    out: dict[int, str] = {}
    for n, attrs in graph.nodes(data=True):
        if attrs.get("handler") in dead_handlers:
            out[n] = dead_handlers[attrs["handler"]]
            continue
        span = attrs.get("span")
        if span is None or span.file not in merged:
            continue
        i = bisect.bisect_right(starts[span.file], span.start) - 1
        if i >= 0:
            start, end, code = merged[span.file][i]
            if start <= span.start < end:
                out[n] = code
    return out


def _merge(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for start, end, code in sorted(spans):
        if out and start < out[-1][1]:
            s, e, c = out[-1]
            out[-1] = (s, max(e, end), c)
        else:
            out.append((start, end, code))
    return out
