"""Server commands (``workspace/executeCommand``), for the editor's graph preview and its
"simulate a call" command. Both start from the document's current text (unsaved edits
and open included files included) and use switchy's own compiler, runtime and renderer.

``switchy.server.renderGraph(uri[, options])`` → ``{"svg": str | None, "dot": str}``
    The call flow as SVG (``switchy graph``'s picture: nodes link to their source lines
    with ``href="#L<line>"``), and its DOT source. ``svg`` is None when graphviz's ``dot``
    program is missing where the server runs. A dialplan with errors has no graph: the
    command fails with the first error as its message. ``options`` may hold
    ``"dialplan"`` or ``"handler"`` (draw only that one) and ``"call"`` (headers: the
    path that simulated call takes is highlighted; ``"at"``/``"seed"`` as for simulate).

``switchy.server.simulate(uri, headers[, options])`` → ``{"path", "commands", "outcome", "text"}``
    Routes one simulated call whose headers and channel variables are ``headers``
    (``{"Caller-Destination-Number": "1000", ...}``), exactly as ``switchy simulate``:

    - ``path``: the steps through the route graph, ``{"kind", "label", "note", "depth",
      "file", "line", "column"}`` each (``file``/``line``/``column`` may be None);
    - ``commands``: the ESL commands FreeSWITCH would receive, ``{"kind": "api" |
      "execute", "text": the readable form, "wire": the exact bytes as text}``;
    - ``outcome``: ``{"result", "dialplan", "routes", "stopped", "left", "kept", "cause",
      "error"}``;
    - ``text``: the whole trace as ``switchy simulate`` prints it.

    ``options`` may hold ``"at"`` (the call's time, ``2024-12-24T09:00``) and ``"seed"``
    (for ``randint()``/``random()``). A dialplan with errors gives empty ``path`` and
    ``commands``, ``outcome.result == "invalid"`` and the errors in ``text``.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import graphviz
from lsprotocol import types

from switchy.dialplan.graph.compiler import compile_program
from switchy.dialplan.graph.render import draw, render
from switchy.dialplan.graph.render.trace import simulate_call
from switchy.dialplan.runtime.simulate import simulate as run_simulation
from switchy.dialplan.runtime.transcript import Transcript
from switchy.dialplan.timeofday import clock_at
from switchy_lsp.analysis import Analysis, file_for
from switchy_lsp.refusals import Refusal
from switchy_lsp.server import SwitchyLanguageServer

RENDER_GRAPH = "switchy.server.renderGraph"
SIMULATE = "switchy.server.simulate"


class CommandError(Exception):
    """A command that cannot run; the message is for the user."""


def _graph(analysis: Analysis):
    """The route graph of the analysed program (CommandError when it has errors)."""
    errors = [d for d in analysis.diagnostics if d.is_error]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise CommandError(f"the dialplan has errors{more}: {first.format()}")
    return compile_program(analysis.program)


# -- simulate ---------------------------------------------------------------------------


async def simulate(analysis: Analysis, headers: Any, options: Any = None) -> dict[str, Any]:
    """Route one simulated call through the analysed document's program."""
    if not isinstance(headers, dict):
        raise CommandError("headers must be an object of header names to values")
    headers = {str(k): "" if v is None else str(v) for k, v in headers.items()}
    options = options if isinstance(options, dict) else {}
    try:
        graph = _graph(analysis)
    except CommandError:
        return {"path": [], "commands": [], "outcome": {"result": "invalid"},
                "text": "the dialplan has errors; nothing to simulate:\n" + _errors_text(analysis)}
    clock = None
    if options.get("at"):
        try:
            clock = clock_at(str(options["at"]))
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    seed = options.get("seed")
    out = io.StringIO()
    transcript = Transcript(out, wire=True)
    outcome = await run_simulation(graph, headers, clock=clock,
                                   seed=seed if isinstance(seed, int) else None,
                                   transcript=transcript)
    transcript.summary(outcome)
    sent = transcript.controller.sent if transcript.controller else []
    return {
        "path": [{"kind": s.kind, "label": s.label, "note": s.note, "depth": s.depth,
                  "file": s.span.file if s.span else None,
                  "line": s.span.line if s.span else None,
                  "column": s.span.column if s.span else None} for s in outcome.steps],
        "commands": [{"kind": c.kind, "text": c.text,
                      "wire": c.wire.decode("utf-8", "surrogateescape")} for c in sent],
        "outcome": {"result": outcome.result, "dialplan": outcome.dialplan,
                    "routes": list(outcome.routes), "stopped": outcome.stopped,
                    "left": outcome.left, "kept": outcome.kept,
                    "cause": outcome.cause, "error": outcome.error},
        "text": out.getvalue(),
    }


def _errors_text(analysis: Analysis) -> str:
    return "\n".join(d.format() for d in analysis.diagnostics if d.is_error)


# -- the graph --------------------------------------------------------------------------


async def render_graph(analysis: Analysis, options: Any = None) -> dict[str, str | None]:
    """The SVG and DOT of the analysed program's call flow, drawn by ``switchy.dialplan.graph.render``.

    The syntax tree is read here, on the server's thread; only graphviz's ``dot`` (and a
    traced call) run in a worker thread.
    """
    options = options if isinstance(options, dict) else {}
    graph = _graph(analysis)
    outcome = None
    call = options.get("call")
    if isinstance(call, dict) or options.get("at"):
        headers = {str(k): str(v) for k, v in (call or {}).items()}
        seed = options.get("seed") if isinstance(options.get("seed"), int) else None
        try:
            outcome = await asyncio.to_thread(simulate_call, graph, headers,
                                              at=options.get("at"), seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
    try:
        digraph = draw(graph, program=analysis.program, diagnostics=analysis.diagnostics,
                       trace=outcome, dialplan=options.get("dialplan"), handler=options.get("handler"))
    except ValueError as exc:  # no such dialplan or handler
        raise CommandError(str(exc)) from None
    try:
        svg = (await asyncio.to_thread(render, digraph, "svg")).decode("utf-8")
    except graphviz.ExecutableNotFound:
        svg = None  # the client shows the DOT text and says how to get pictures
    return {"svg": svg, "dot": digraph.source}


def register(server: SwitchyLanguageServer) -> None:
    @server.command(RENDER_GRAPH)
    async def render_graph_command(ls: SwitchyLanguageServer, *args: Any) -> dict[str, str | None]:
        analysis = await _analysis(ls, args, RENDER_GRAPH, 2, "[uri] or [uri, options]")
        try:
            return await render_graph(analysis, args[1] if len(args) > 1 else None)
        except CommandError as exc:
            raise Refusal(str(exc)) from None

    @server.command(SIMULATE)
    async def simulate_command(ls: SwitchyLanguageServer, *args: Any) -> dict[str, Any]:
        analysis = await _analysis(ls, args, SIMULATE, 3, "[uri, headers] or [uri, headers, options]")
        try:
            return await simulate(analysis, args[1] if len(args) > 1 else {},
                                  args[2] if len(args) > 2 else None)
        except CommandError as exc:
            raise Refusal(str(exc)) from None


async def _analysis(ls: SwitchyLanguageServer, args: tuple, command: str, most: int,
                    usage: str) -> Analysis:
    """The analysis of the document ``args[0]`` names: open in the editor, or a file."""
    if not args or not isinstance(args[0], str) or len(args) > most:
        raise Refusal(f"{command} takes the arguments {usage}", code=types.ErrorCodes.InvalidParams)
    uri = args[0]
    if not ls.is_open(uri) and not Path(file_for(uri)).is_file():
        raise Refusal(f"{command}: no document {uri} (neither open in the editor nor a file)",
                      code=types.ErrorCodes.InvalidParams)
    return await ls.ready(uri)
