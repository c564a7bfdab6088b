
"""Hover: action docs from the action table, header and variable docs, handler signatures
(with the comment above the handler), keyword-argument docs, and what a pattern matches."""

from __future__ import annotations

import os
from pathlib import Path

from lsprotocol import types

from switchy.dialplan import ast, patterns
from switchy.dialplan.actions import ACTIONS
from switchy.dialplan.language import KEYWORD_DOCS
from switchy_lsp import docs
from switchy_lsp.analysis import Analysis
from switchy_lsp.resolve import Target, resolve
from switchy_lsp.server import SwitchyLanguageServer


def hover_text(analysis: Analysis, offset: int) -> tuple[str, ast.Span] | None:
    """Markdown for what is at ``offset`` and the span it covers, or None. Never raises."""
    target = resolve(analysis, offset)
    if target is None:
        return None
    text = _describe(analysis, target)
    return (text, target.span) if text else None


def _describe(analysis: Analysis, t: Target) -> str | None:
    names = analysis.names
    if t.kind == "action":
        return docs.action_hover(ACTIONS[t.name])
    if t.kind == "handler":
        handler = names.handler_named(t.name) or (t.owner if isinstance(t.owner, ast.Handler) else None)
        return docs.handler_hover(analysis, handler) if handler else None
    if t.kind == "function" or t.kind == "builtin":
        return docs.builtin_hover(t.name)
    if t.kind == "unknown_call":
        return docs.code(f"{t.name}(...)") + "\n\nNot an action, handler or built-in function."
    if t.kind == "pyref":
        return docs.code(t.name) + "\n\nPython function, called as `f(sess, match, router, **kwargs)`"
    if t.kind == "kwarg":
        return _kwarg(analysis, t)
    if t.kind == "param":
        return _param(analysis, t)
    if t.kind == "local":
        return docs.code(t.name) + "\n\nLocal value (switchy's own, never sent to FreeSWITCH)"
    if t.kind == "header":
        return docs.header_hover(t.name, analysis)
    if t.kind == "fs_variable":
        return docs.header_hover("variable_" + t.name, analysis).replace(
            "variable_" + t.name, "${" + t.name + "}", 1) + "\n\nExpanded by FreeSWITCH when the action runs"
    if t.kind == "pattern":
        return docs.pattern_hover(t.name, t.field)
    if t.kind == "include":
        return _include(analysis, t)
    if t.kind == "capture":
        return _capture(analysis, t)
    if t.kind == "route":
        route = t.owner
        head = f"route {t.name}"
        if isinstance(route, ast.Route) and route.pattern is not None:
            field = route.pattern.field.name if route.pattern.field else None
            return docs.code(head) + "\n\n" + docs.pattern_hover(route.pattern.regex.value, field)
        return docs.code(head) + "\n\nNo pattern: every call reaching it runs it"
    if t.kind == "dialplan":
        select = analysis.program.select_header
        return docs.code(f"dialplan {t.name}") + f"\n\nRoutes the calls whose `{select}` is `{t.name}`"
    if t.kind == "keyword":
        doc = KEYWORD_DOCS.get(t.name) or docs.calendar_word(t.name)
        return docs.code(t.name) + (f"\n\n{doc}" if doc else "")
    return None


def _kwarg(analysis: Analysis, t: Target) -> str | None:
    call = t.owner
    if not isinstance(call, ast.Call) or not isinstance(call.callee, ast.Ident):
        return None
    handler = analysis.names.handler_named(call.callee.name)
    if handler is not None:
        param = next((p for p in handler.params if p.name.name == t.name), None)
        if param is None:
            return f"`{handler.name.name}()` has no parameter `{t.name}`"
        text = analysis.text_of(handler.span.file)
        default = docs.param_default(param, text)
        return docs.code(f"{t.name}={default}" if default else t.name) + \
            f"\n\nParameter of `{docs.handler_signature(handler, text)}`"
    action = ACTIONS.get(call.callee.name)
    param = action.param(t.name) if action else None
    if param is None:
        return None
    return docs.code(f"{action.name}({t.name}=...)") + f"\n\n{param.doc}\n\nType: {param.type.name}" + (
        f" ({', '.join(param.type.choices[:12])}{', ...' if len(param.type.choices) > 12 else ''})"
        if param.type.choices else "")


def _param(analysis: Analysis, t: Target) -> str:
    handler = t.owner
    if isinstance(handler, ast.Handler):
        text = analysis.text_of(handler.span.file)
        param = next((p for p in handler.params if p.name.name == t.name), None)
        default = docs.param_default(param, text) if param else None
        where = docs.handler_signature(handler, text)
        return docs.code(f"{t.name}={default}" if default else t.name) + f"\n\nParameter of `{where}`"
    return docs.code(t.name) + "\n\nParameter"


def _include(analysis: Analysis, t: Target) -> str:
    if analysis.file.startswith("<"):
        return f"Includes `{t.name}` (relative to the working directory: this file is unsaved)"
    target = Path(analysis.file).parent / t.name
    exists = target.is_file()
    return f"Includes `{os.path.normpath(target)}`" + ("" if exists else " — **not found**")


def _capture(analysis: Analysis, t: Target) -> str:
    source = t.owner
    ref = t.node.ref if isinstance(t.node, ast.Capture) else None
    if isinstance(source, ast.Pattern):
        regex, where = source.regex.value, "the route pattern"
    elif isinstance(source, ast.Compare) and isinstance(source.right, ast.Str):
        regex, where = source.right.value, "the last `=~` test"
    else:
        return docs.code(t.name) + "\n\nA capture, from the calling route's pattern"
    group = _group_text(regex, ref)
    described = f": `{group}`" if group else ""
    return docs.code(t.name) + f"\n\nGroup {ref} of {where} `{regex}`{described}"


def _group_text(regex: str, ref: int | str | None) -> str | None:
    """The source text of group ``ref`` of ``regex`` (``(\\d+)``), when it can be found."""
    compiled, _ = patterns.compile_pattern(regex)
    if compiled is None or ref is None:
        return None
    if isinstance(ref, str):
        ref = compiled.groupindex.get(ref)
        if ref is None:
            return None
    if ref == 0:
        return regex
    source = patterns.to_regex(regex)
    count = 0
    i = 0
    while i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # a character class: its brackets and parentheses are literal
            close = source.find("]", i + 2)
            i = len(source) if close == -1 else close + 1
            continue
        if (ch == "(" and not source.startswith("(?", i)) or source.startswith("(?P<", i):
            count += 1
            if count == ref:
                depth, j = 0, i
                while j < len(source):
                    if source[j] == "\\":
                        j += 2
                        continue
                    depth += {"(": 1, ")": -1}.get(source[j], 0)
                    if depth == 0:
                        return source[i:j + 1]
                    j += 1
                return None
        i += 1
    return None


def register(server: SwitchyLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: SwitchyLanguageServer, params: types.HoverParams) -> types.Hover | None:
        analysis = ls.analysis(params.text_document.uri)
        found = hover_text(analysis, analysis.offset(params.position))
        if found is None:
            return None
        text, span = found
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text),
                           range=analysis.lines.range(span.start, span.end))
