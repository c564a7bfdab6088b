"""Call-flow pictures: the route graph drawn with graphviz (``switchy graph``, the editor's
preview).

The compiled graph (``switchy.dialplan.graph.compiler``) is exact but tangled: every route's
``no-match`` edge and the last statement of every route lead on to the next route. The
picture shows the same program the way a reader thinks of it instead: each dialplan
*fans out* into its routes, left to right in the order they are tried, each fan edge
numbered (``1.``, ``2.``, …) and labelled with the field and the pattern; the route's
statements hang below it. The "go on with the next route" edges are left out — the
numbers say it. The layout is ``rankdir=TB`` with ``ordering=out`` (``LR`` would
reverse the fan), helped by invisible same-rank rows (``ordering=out`` alone does not
hold inside clusters); the dashed call edges do not rank anything (as ranking edges
they scramble the order of routes and branches).

What is drawn
    one cluster per dialplan and per handler; node shapes by kind — select (the parked
    call), dialplan / handler entry (ellipse), guard (inverted trapezium), route
    (rounded green box), condition (diamond), action (box; double border when it ends
    the call), handler call (``cds``, with a dashed edge to the handler labelled with
    the arguments passed), Python (component), assignment (note), stop (red octagon),
    the dialplan's end and a guard's reject (grey boxes), route table (``box3d``).
    A dialplan with more routes than ``route_limit`` is one table node with its route
    count; ``dialplan=NAME`` draws that dialplan alone (its first ``route_limit``
    routes and one node for the rest), ``handler=NAME`` that handler alone.
    Nodes the checker found unreachable (``SWR302`` statement after stop/return/hangup,
    ``SWR303`` shadowed route, ``SWR208`` unused handler) are grey. With a trace, the
    nodes and edges the simulated call went through are orange (a route tried without
    a match: dashed orange border).

Jump to source — the contract with clients (the VS Code webview reads it)
    Every node, cluster and route edge that comes from source text carries
    ``href="#L<line>"`` (1-based line) when it is in the main file (the ``path`` given),
    or ``href="<file>#L<line>"`` for an included file, ``<file>`` relative to the main
    file's directory, ``/``-separated and percent-encoded. In SVG this is
    ``<a xlink:href="#L12" xlink:title="router.swr:12:1 …">`` inside the node's ``<g>``.
    The tooltip starts with ``<file>:<line>:<column>``. Node groups have
    ``id="swr-<node>"`` (the route graph's node id) and ``class="node <kind> …"`` with
    ``unreachable``, ``traced`` or ``tried`` added when they apply.

Public API
    ``render_text(source, path, fmt="svg", *, call=None, at=None, seed=None,
    dialplan=None, handler=None, route_limit=ROUTE_LIMIT) -> RenderResult`` — for the
    language server's ``switchy.server.renderGraph``: draws an editor buffer's unsaved
    text, includes resolved next to ``path``; ``call`` (headers), ``at``, ``seed``
    trace one simulated call. ``RenderResult`` has ``svg`` (str) / ``png`` / ``data``
    (bytes), ``dot`` (str), ``diagnostics``, ``errors``, ``missing_dot``, ``outcome``.
    ``render_paths`` does the same for files, ``render_program`` for a loaded
    ``Program`` (an editor's, with its open buffers), ``render_build`` for a ``Build``;
    ``draw`` gives the ``graphviz.Digraph`` and ``render`` turns it into bytes. Without
    graphviz's ``dot`` program the result has the DOT text, no picture, and
    ``missing_dot`` set (``INSTALL_HINT`` says what to do). Tracing runs the walk of
    ``switchy simulate`` (``switchy.dialplan.runtime.simulate.simulate``), in a worker thread when
    called inside a running event loop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import graphviz
import networkx as nx

from switchy.dialplan import diagnostics as dg
from switchy.dialplan.build import Build, build, build_text
from switchy.dialplan.frontend.checker import check
from switchy.dialplan.frontend.loader import Program
from switchy.dialplan.graph.compiler import compile_program
from switchy.dialplan.graph.render.drawer import INSTALL_HINT, ROUTE_LIMIT, Drawer
from switchy.dialplan.graph.render.trace import Trace, simulate_call
from switchy.dialplan.graph.render.unreachable import unreachable_nodes
from switchy.dialplan.runtime.engine import RoutingOutcome

__all__ = ["FORMATS", "INSTALL_HINT", "ROUTE_LIMIT", "RenderResult", "draw", "render",
           "render_build", "render_paths", "render_program", "render_text"]

FORMATS = ("svg", "png", "dot")


# -- results ----------------------------------------------------------------------------


@dataclass
class RenderResult:
    """A picture of a dialplan, or why there is none.

    ``dot`` is None only when the dialplan has errors (see ``diagnostics``); ``data`` is
    the picture in ``fmt`` (``dot``: the DOT text's bytes), None when the dialplan has
    errors or graphviz's ``dot`` program is missing (``missing_dot``).
    """

    fmt: str
    dot: str | None
    data: bytes | None
    diagnostics: list[dg.Diagnostic] = field(default_factory=list)
    missing_dot: bool = False
    outcome: RoutingOutcome | None = None  # the simulated call, when one was traced

    @property
    def ok(self) -> bool:
        return self.data is not None

    @property
    def errors(self) -> list[dg.Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]

    @property
    def svg(self) -> str | None:
        return self.data.decode("utf-8") if self.data is not None and self.fmt == "svg" else None

    @property
    def png(self) -> bytes | None:
        return self.data if self.fmt == "png" else None


# -- the public entry points -----------------------------------------------------------------


def render_text(source: str, path: str | None = None, fmt: str = "svg", *,
                call: Mapping[str, str] | None = None, at: str | dt.datetime | None = None,
                seed: int | None = None, dialplan: str | None = None,
                handler: str | None = None, route_limit: int = ROUTE_LIMIT) -> RenderResult:
    """Draw a dialplan given as text (an editor's unsaved buffer).

    ``path`` is the buffer's file: includes resolve next to it and links point into it.
    ``call`` (headers and channel variables), ``at`` and ``seed``: trace that simulated
    call, exactly as ``switchy simulate`` routes it. ``ValueError`` for an unknown
    ``dialplan``/``handler`` name, a bad ``fmt`` or ``at``.
    """
    return render_build(build_text(source, path or "<string>"), fmt, call=call, at=at,
                        seed=seed, dialplan=dialplan, handler=handler,
                        route_limit=route_limit)


def render_paths(paths: Iterable[str | Path], fmt: str = "svg", **options) -> RenderResult:
    """Draw the dialplan of files or directories (options as ``render_text``)."""
    return render_build(build(paths), fmt, **options)


def render_program(program: Program, fmt: str = "svg", *,
                   diagnostics: list[dg.Diagnostic] | None = None, **options) -> RenderResult:
    """Draw a program already loaded (an editor's, with its open buffers); ``diagnostics``:
    its check, when already done (options as ``render_text``)."""
    if diagnostics is None:
        diagnostics = check(program)
    graph = None
    if not any(d.is_error for d in diagnostics):
        graph = compile_program(program)
    return render_build(Build(program, list(diagnostics), graph), fmt, **options)


def render_build(built: Build, fmt: str = "svg", *, call: Mapping[str, str] | None = None,
                 at: str | dt.datetime | None = None, seed: int | None = None,
                 dialplan: str | None = None, handler: str | None = None,
                 route_limit: int = ROUTE_LIMIT) -> RenderResult:
    """Draw a built program; a program with errors gives its diagnostics and no picture."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    if built.graph is None:
        return RenderResult(fmt, None, None, list(built.diagnostics))
    outcome = None
    if call is not None or at is not None or seed is not None:
        outcome = simulate_call(built.graph, call or {}, at=at, seed=seed)
    digraph = draw(built.graph, program=built.program, diagnostics=built.diagnostics,
                   trace=outcome, dialplan=dialplan, handler=handler, route_limit=route_limit)
    dot = digraph.source
    try:
        data = render(digraph, fmt)
    except graphviz.ExecutableNotFound:
        return RenderResult(fmt, dot, None, list(built.diagnostics), missing_dot=True,
                            outcome=outcome)
    return RenderResult(fmt, dot, data, list(built.diagnostics), outcome=outcome)


def render(digraph: graphviz.Digraph, fmt: str = "svg") -> bytes:
    """The picture's bytes; raises ``graphviz.ExecutableNotFound`` without ``dot``."""
    if fmt == "dot":
        return digraph.source.encode("utf-8")
    return digraph.pipe(format=fmt)


def draw(graph: nx.DiGraph, *, program: Program | None = None,
         diagnostics: Iterable[dg.Diagnostic] = (), trace: Trace | RoutingOutcome | None = None,
         dialplan: str | None = None, handler: str | None = None,
         route_limit: int = ROUTE_LIMIT, main_file: str | None = None) -> graphviz.Digraph:
    """The ``graphviz.Digraph`` of a route graph (see the module docstring).

    ``program`` supplies source text (time zones, call arguments) and, with
    ``diagnostics``, what is unreachable; ``main_file`` is the file links are relative
    to (default: the first file read).
    """
    if dialplan is not None and dialplan not in graph.graph["dialplans"]:
        raise ValueError(f"no dialplan named {dialplan!r} (dialplans: "
                         f"{', '.join(graph.graph['dialplans']) or 'none'})")
    if handler is not None and handler not in graph.graph["handlers"]:
        raise ValueError(f"no handler named {handler!r} (handlers: "
                         f"{', '.join(graph.graph['handlers']) or 'none'})")
    if isinstance(trace, RoutingOutcome):
        trace = Trace.from_outcome(trace)
    files = graph.graph.get("files") or []
    main = main_file or (files[0] if files else None)
    drawer = Drawer(graph, program, unreachable_nodes(graph, program, diagnostics), trace,
                     max(1, route_limit), main)
    return drawer.run(dialplan, handler)
