"""What is under the cursor: the one question hover, definition, references and rename ask.

The answer is a ``Target``: its kind (an action, a handler, a keyword argument, a
parameter or local, a header, a FreeSWITCH ``${variable}``, a pattern, an include...),
its name, the span of the text under the cursor, and the nodes that give it meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from switchy.dialplan import ast
from switchy.dialplan.actions import ACTIONS
from switchy.dialplan.builtins import BUILTIN_NAMES, FUNCTIONS, MONTHS, WEEKDAYS
from switchy.dialplan.frontend.parser import tokens
from switchy_lsp.analysis import Analysis
from switchy_lsp.cursor import literals

_FS_VARIABLE = re.compile(r"\$\{([A-Za-z0-9_\-]+)\}")


@dataclass
class Target:
    kind: str
    name: str
    span: ast.Span
    node: ast.Node | None = None
    owner: ast.Node | None = None  # the call of a keyword argument, the handler/route of a local
    field: str | None = None  # the header a pattern is matched against


def resolve(analysis: Analysis, offset: int) -> Target | None:
    """The target at ``offset`` of the analysed document, or None. Never raises."""
    path = ast.enclosing(analysis.module, offset)
    leaf = path[-1]
    parent = path[-2] if len(path) > 1 else None
    names = analysis.names
    if isinstance(leaf, ast.Ident):
        return _ident(analysis, path, leaf, parent)
    if isinstance(leaf, ast.PyRef):
        return Target("pyref", leaf.name, leaf.span, leaf)
    if isinstance(leaf, ast.Name):
        owner, scope = names.scope_at(offset)
        if leaf.name in scope:
            kind = "param" if isinstance(owner, ast.Handler) and any(
                p.name.name == leaf.name for p in owner.params) else "local"
            return Target(kind, leaf.name, leaf.span, leaf, owner)
        if leaf.name in BUILTIN_NAMES:
            return Target("builtin", leaf.name, leaf.span, leaf)
        if leaf.name in WEEKDAYS or leaf.name in MONTHS:
            return Target("keyword", leaf.name, leaf.span, leaf)
        return Target("header", leaf.name, leaf.span, leaf)
    if isinstance(leaf, ast.Capture):
        return Target("capture", f"${leaf.ref}", leaf.span, leaf, _capture_source(path))
    if isinstance(leaf, ast.Passthrough):
        return _fs_variable(leaf.text, leaf.span, offset, leaf.span.start)
    if isinstance(leaf, ast.Str):
        if isinstance(parent, ast.Pattern):
            field = parent.field.name if parent.field else None
            return Target("pattern", leaf.value, leaf.span, leaf, parent, field)
        if isinstance(parent, ast.Compare) and parent.op in ("=~", "!~") and parent.right is leaf:
            field = parent.left.name if isinstance(parent.left, ast.Name) else None
            return Target("pattern", leaf.value, leaf.span, leaf, parent, field)
        if isinstance(parent, ast.Include):
            return Target("include", leaf.value, leaf.span, leaf, parent)
        return _fs_variable(leaf.raw or leaf.value, leaf.span, offset, leaf.span.start)
    if isinstance(leaf, ast.Stop | ast.Return):
        word = "stop" if isinstance(leaf, ast.Stop) else "return"
        return Target("keyword", word, leaf.span, leaf)
    return _keyword(analysis, offset)


def _ident(analysis: Analysis, path: list[ast.Node], leaf: ast.Ident,
           parent: ast.Node | None) -> Target | None:
    names = analysis.names
    name = leaf.name
    if isinstance(parent, ast.Call) and parent.callee is leaf:
        if names.handler_named(name) is not None:
            return Target("handler", name, leaf.span, leaf, parent)
        if name in ACTIONS:
            return Target("action", name, leaf.span, leaf, parent)
        if name in FUNCTIONS:
            return Target("function", name, leaf.span, leaf, parent)
        return Target("unknown_call", name, leaf.span, leaf, parent)
    if isinstance(parent, ast.Arg) and parent.name is leaf:
        call = path[-3] if len(path) > 2 and isinstance(path[-3], ast.Call) else None
        return Target("kwarg", name, leaf.span, leaf, call)
    if isinstance(parent, ast.Handler):
        return Target("handler", name, leaf.span, leaf, parent)
    if isinstance(parent, ast.Param):
        handler = path[-3] if len(path) > 2 else None
        return Target("param", name, leaf.span, leaf, handler)
    if isinstance(parent, ast.Assign):
        owner, _ = names.scope_at(leaf.span.start)
        return Target("local", name, leaf.span, leaf, owner)
    if isinstance(parent, ast.Route):
        return Target("route", name, leaf.span, leaf, parent)
    if isinstance(parent, ast.Dialplan):
        return Target("dialplan", name, leaf.span, leaf, parent)
    if isinstance(parent, ast.Select | ast.Pattern):
        return Target("header", name, leaf.span, leaf)
    return None


def _fs_variable(raw: str, span: ast.Span, offset: int, base: int) -> Target | None:
    """``${name}`` under the cursor inside a string: FreeSWITCH's variable ``name``."""
    for m in _FS_VARIABLE.finditer(raw):
        start, end = base + m.start(), base + m.end()
        if start <= offset <= end:
            inner = ast.Span(span.file, span.line, span.column + m.start(), span.line,
                             span.column + m.end(), start, end)
            return Target("fs_variable", m.group(1), inner)
    return None


def _capture_source(path: list[ast.Node]) -> ast.Node | None:
    """The pattern (or ``=~`` test) a capture reads from: the innermost one around it."""
    for node in reversed(path):
        if isinstance(node, ast.Branch):
            tests = [n for n in ast.walk(node.condition)
                     if isinstance(n, ast.Compare) and n.op == "=~" and isinstance(n.right, ast.Str)]
            if tests:
                return tests[-1]
        if isinstance(node, ast.Route):
            return node.pattern
    return None


def _keyword(analysis: Analysis, offset: int) -> Target | None:
    text = analysis.text
    start = max(text.rfind("\n", 0, offset), 0)
    end = text.find("\n", offset)
    end = len(text) if end == -1 else end
    words = literals()
    for tok in tokens(text[start:end]):
        at = start + tok.start_pos
        if at <= offset <= at + len(tok) and words.get(tok.type, "").isalpha():
            span = ast.Span(analysis.file, 0, 0, 0, 0, at, at + len(tok))
            return Target("keyword", str(tok), span)
    return None
