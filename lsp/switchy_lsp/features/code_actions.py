"""Quick fixes for the checker's diagnostics:

- did-you-mean: replace a misspelt action, handler, argument, header or day with the
  name the checker suggests (the diagnostic's ``fix``);
- create a missing handler from a call to it, with the call's keyword arguments as its
  parameters;
- silence a warning on its line with ``# noqa: SWRnnn`` (added to an existing ``noqa``).
"""

from __future__ import annotations

import re

from lsprotocol import types

from switchy.dialplan import ast
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.actions import ACTIONS
from switchy.dialplan.builtins import FUNCTIONS
from switchy_lsp.analysis import Analysis
from switchy_lsp.features.diagnostics import to_lsp
from switchy_lsp.server import SwitchyLanguageServer

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>SWR\d{3}(?:\s*,\s*SWR\d{3})*))?", re.IGNORECASE)


def code_actions(analysis: Analysis, start: int, end: int) -> list[types.CodeAction]:
    """Fixes for the diagnostics of the analysed document that touch ``start..end``."""
    out: list[types.CodeAction] = []
    for d in analysis.own_diagnostics:
        if d.span.end < start or d.span.start > end:
            continue
        lsp = to_lsp(analysis, d)
        if d.fix:
            out.append(_replace(analysis, d, lsp))
        if d.code == "SWR201":
            created = _create_handler(analysis, d, lsp)
            if created is not None:
                out.append(created)
        if not d.is_error:
            silence = _noqa(analysis, d, lsp)
            if silence is not None:
                out.append(silence)
    return out


def _edit(analysis: Analysis, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    return types.WorkspaceEdit(changes={analysis.uri: edits})


def _replace(analysis: Analysis, d: dg.Diagnostic, lsp: types.Diagnostic) -> types.CodeAction:
    current = analysis.text[d.span.start:d.span.end]
    title = f"Change '{current}' to '{d.fix}'"
    return types.CodeAction(title=title, kind=types.CodeActionKind.QuickFix, diagnostics=[lsp],
                            is_preferred=True,
                            edit=_edit(analysis, [types.TextEdit(range=lsp.range, new_text=d.fix)]))


def _create_handler(analysis: Analysis, d: dg.Diagnostic, lsp: types.Diagnostic) -> types.CodeAction | None:
    call = next((n for n in reversed(ast.enclosing(analysis.module, d.span.start))
                 if isinstance(n, ast.Call)), None)
    if call is None or not isinstance(call.callee, ast.Ident) or call.callee.span != d.span:
        return None
    name = call.callee.name
    if name in ACTIONS or name in FUNCTIONS:
        return None
    params, index = [], 1
    for arg in call.args:
        if arg.name is None:
            params.append(f"arg{index}")
            index += 1
        else:
            params.append(f"{arg.name.name}=none")
    text = analysis.text
    prefix = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    new = f"{prefix}handler {name}({', '.join(params)}) {{\n}}\n"
    end = analysis.lines.end
    edit = types.TextEdit(range=types.Range(start=end, end=end), new_text=new)
    return types.CodeAction(title=f"Create handler '{name}'", kind=types.CodeActionKind.QuickFix,
                            diagnostics=[lsp], edit=_edit(analysis, [edit]))


def _noqa(analysis: Analysis, d: dg.Diagnostic, lsp: types.Diagnostic) -> types.CodeAction | None:
    lines = analysis.lines
    line = lsp.range.start.line
    start = lines.starts[line]
    end = lines.offset(types.Position(line=line, character=10**9))
    content = analysis.text[start:end]
    m = _NOQA.search(content)
    if m and m.group("codes"):
        at = start + m.end("codes")
        edit = types.TextEdit(range=lines.range(at, at), new_text=f", {d.code}")
    elif m:  # a bare "# noqa" already silences every code
        return None
    else:
        edit = types.TextEdit(range=lines.range(end, end), new_text=f"  # noqa: {d.code}")
    return types.CodeAction(title=f"Ignore {d.code} on this line",
                            kind=types.CodeActionKind.QuickFix, diagnostics=[lsp],
                            edit=_edit(analysis, [edit]))


def register(server: SwitchyLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def actions(ls: SwitchyLanguageServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        analysis = ls.analysis(params.text_document.uri)
        start = analysis.offset(params.range.start)
        end = analysis.offset(params.range.end)
        return code_actions(analysis, start, end)
