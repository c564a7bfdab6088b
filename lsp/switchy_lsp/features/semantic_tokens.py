"""Semantic tokens: colour by meaning, which a TextMate grammar cannot know.

A name is coloured as what it resolves to — a handler or an action (a function, actions
marked ``defaultLibrary``), a parameter or local, a built-in, a header or channel
variable (a property) — a route pattern as a regex, ``${...}`` inside strings as a macro
(FreeSWITCH expands it), the ``{...}`` of f-strings as the code it is. Keywords,
numbers, times, operators and comments come from the lexer.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re

from lsprotocol import types

from switchy.dialplan import ast
from switchy.dialplan.actions import ACTIONS
from switchy.dialplan.builtins import BUILTIN_NAMES, FUNCTIONS, MONTHS, WEEKDAYS
from switchy.dialplan.frontend.checker import assigned_names
from switchy.dialplan.frontend.parser import tokens
from switchy.dialplan.language import DECLARATIONS
from switchy_lsp.analysis import Analysis
from switchy_lsp.convert import units
from switchy_lsp.cursor import literals
from switchy_lsp.server import SwitchyLanguageServer

TOKEN_TYPES = ["keyword", "function", "event", "namespace", "parameter", "variable", "property",
               "enumMember", "string", "regexp", "macro", "number", "operator", "comment"]
TOKEN_MODIFIERS = ["declaration", "defaultLibrary", "readonly"]
LEGEND = types.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)

_T = {name: i for i, name in enumerate(TOKEN_TYPES)}
_DECL, _LIB, _RO = 1, 2, 4
_OPERATORS = {"==", "!=", "<", "<=", ">", ">=", "=~", "!~", "->", "..", "="}
_NUMBERS = {"NUMBER", "TIME", "DATE", "DATETIME"}
_FS_VARIABLE = re.compile(r"\$\{[^{}]*\}")

Mark = tuple[int, int, int, int]  # start offset, end offset, type, modifiers


def semantic_tokens(analysis: Analysis) -> list[int]:
    """The LSP ``data`` array of the analysed document. Never raises."""
    marks = sorted(_ast_marks(analysis))
    by_start = {m[0]: m for m in marks}
    spans: list[Mark] = []
    words = literals()
    text = analysis.text
    for start, end, kind in _tokens(text):
        if kind in ("STRING", "FSTRING", "UNTERMINATED_STRING"):
            mark = by_start.get(start)
            if mark is not None and mark[1] == end and mark[2] == _T["regexp"]:
                spans.append(mark)
            else:
                spans.extend(_string_pieces(text, start, end, marks))
        elif start in by_start and by_start[start][1] == end:
            spans.append(by_start[start])
        elif kind in _NUMBERS:
            spans.append((start, end, _T["number"], 0))
        elif words.get(kind, "").isalpha():
            spans.append((start, end, _T["keyword"], 0))
        elif words.get(kind) in _OPERATORS:
            spans.append((start, end, _T["operator"], 0))
        elif kind == "PYREF":
            spans.append((start, end, _T["function"], 0))
        elif kind == "CAPTURE":
            spans.append((start, end, _T["variable"], _RO))
    for comment in analysis.parse.comments:
        spans.append((comment.span.start, comment.span.end, _T["comment"], 0))
    return _encode(analysis, spans)


# Lines that start a declaration: the text is lexed piece by piece between them, and each
# piece is remembered, so an edit re-lexes one piece. (No token spans two lines, so a piece
# starting at a line start lexes exactly as it does inside the whole text.)
_PIECE = re.compile(rf"^(?:{'|'.join(DECLARATIONS)})\b", re.MULTILINE)


def _tokens(text: str) -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    cuts = [0] + [m.start() for m in _PIECE.finditer(text) if m.start()] + [len(text)]
    for start, end in itertools.pairwise(cuts):
        out.extend((start + a, start + b, kind) for a, b, kind in _piece_tokens(text[start:end]))
    return out


@functools.lru_cache(maxsize=20_000)
def _piece_tokens(piece: str) -> tuple[tuple[int, int, str], ...]:
    return tuple((t.start_pos, t.end_pos, t.type) for t in tokens(piece))


def _encode(analysis: Analysis, spans: list[Mark]) -> list[int]:
    spans.sort()
    data: list[int] = []
    text = analysis.text
    encoding = analysis.lines.encoding
    starts = analysis.lines.starts
    line = 0
    prev_line = prev_char = 0
    last_end = -1
    for start, end, kind, mods in spans:
        if start < last_end or end <= start:
            continue  # overlapping or empty: keep the first
        last_end = end
        while line + 1 < len(starts) and starts[line + 1] <= start:
            line += 1  # spans come in order: walk the lines along
        if line + 1 < len(starts) and end > starts[line + 1]:
            end = starts[line + 1]  # a lone "\r" ends a line for the client, not the lexer
        while end > start and text[end - 1] in "\r\n":
            end -= 1
        if end <= start:
            continue
        char = units(text[starts[line]:start], encoding)
        length = units(text[start:end], encoding)
        delta_line = line - prev_line
        data.extend((delta_line, char - prev_char if delta_line == 0 else char, length, kind, mods))
        prev_line, prev_char = line, char
    return data


def _string_pieces(text: str, start: int, end: int, marks: list[Mark]) -> list[Mark]:
    """A string split around what lives inside it: ``${...}`` and f-string expressions."""
    first = bisect.bisect_left(marks, (start,))
    holes = []
    for m in marks[first:]:
        if m[0] >= end:
            break
        if m[1] <= end and (m[0], m[1]) != (start, end):
            holes.append(m)
    for m in _FS_VARIABLE.finditer(text, start, end):
        if not any(h[0] <= m.start() < h[1] for h in holes):
            holes.append((m.start(), m.end(), _T["macro"], 0))
    holes.sort()
    out: list[Mark] = []
    at = start
    for hole in holes:
        if hole[0] < at:
            continue
        if hole[0] > at:
            out.append((at, hole[0], _T["string"], 0))
        out.append(hole)
        at = hole[1]
    if at < end:
        out.append((at, end, _T["string"], 0))
    return out


# Marks of each top-level item, relative to its start, by identity: the incremental
# parser hands back the same item objects (moved in place) for the parts an edit did
# not touch. Valid while the set of handler names is the same.
_ITEM_MARKS: dict[int, tuple[ast.Node, frozenset[str], tuple[Mark, ...]]] = {}
_ITEM_MARKS_LIMIT = 100_000


def _ast_marks(analysis: Analysis) -> list[Mark]:
    names = analysis.names
    handlers = frozenset(h for h in names.handlers if names.handler_named(h) is not None)
    marks: list[Mark] = []
    for item in analysis.module.items:
        base = item.span.start
        known = _ITEM_MARKS.get(id(item))
        if known is not None and known[0] is item and known[1] == handlers:
            relative = known[2]
        else:
            relative = tuple((a - base, b - base, k, m) for a, b, k, m in _item_marks(item, handlers))
            if len(_ITEM_MARKS) > _ITEM_MARKS_LIMIT:
                _ITEM_MARKS.clear()
            _ITEM_MARKS[id(item)] = (item, handlers, relative)
        marks.extend((base + a, base + b, k, m) for a, b, k, m in relative)
    return marks


def _item_marks(item: ast.Node, handlers: frozenset[str]) -> list[Mark]:
    marks: list[Mark] = []

    def mark(node: ast.Node, kind: str, mods: int = 0) -> None:
        s = node.span
        if s.end > s.start:
            marks.append((s.start, s.end, _T[kind], mods))

    def visit(root: ast.Node, scope: set[str], params: set[str]) -> None:
        for node in ast.walk(root):
            if isinstance(node, ast.Call):
                callee = node.callee
                library = isinstance(callee, ast.Ident) and callee.name not in handlers \
                    and (callee.name in ACTIONS or callee.name in FUNCTIONS)
                mark(callee, "function", _LIB if library else 0)
                for arg in node.args:
                    if arg.name is not None:
                        mark(arg.name, "parameter")
            elif isinstance(node, ast.Assign):
                mark(node.target, "variable", _DECL)
            elif isinstance(node, ast.Name):
                if node.name in params:
                    mark(node, "parameter")
                elif node.name in scope:
                    mark(node, "variable")
                elif node.name in BUILTIN_NAMES:
                    mark(node, "variable", _LIB | _RO)
                elif node.name in WEEKDAYS or node.name in MONTHS:
                    mark(node, "enumMember")
                else:
                    mark(node, "property")
            elif isinstance(node, ast.Capture):
                mark(node, "variable", _RO)
            elif isinstance(node, ast.Passthrough):
                mark(node, "macro")
            elif isinstance(node, ast.Compare) and node.op in ("=~", "!~") and isinstance(node.right, ast.Str):
                mark(node.right, "regexp")

    if isinstance(item, ast.Dialplan):
        _declaration_marks(item, mark)
    for sub in item.items if isinstance(item, ast.Dialplan) else [item]:
        _declaration_marks(sub, mark)
        if isinstance(sub, ast.Handler):
            params = {p.name.name for p in sub.params}
            for p in sub.params:
                if p.default is not None:
                    visit(p.default, set(), set())
            visit(sub.body, params | assigned_names(sub.body), params)
        elif isinstance(sub, ast.Route):
            scope = assigned_names(sub.body) if sub.body else set()
            for part in (sub.when, sub.body, sub.target):
                if part is not None:
                    visit(part, scope, set())
        elif isinstance(sub, ast.Guard):
            visit(sub.condition, set(), set())
        elif isinstance(sub, ast.Timezone):
            visit(sub.value, set(), set())
    return marks


def _declaration_marks(item: ast.Node, mark) -> None:
    if isinstance(item, ast.Handler):
        mark(item.name, "function", _DECL)
        for p in item.params:
            mark(p.name, "parameter", _DECL)
    elif isinstance(item, ast.Route):
        if item.name is not None:
            mark(item.name, "event", _DECL)
        if item.pattern is not None:
            mark(item.pattern.regex, "regexp")
            if item.pattern.field is not None:
                mark(item.pattern.field, "property")
    elif isinstance(item, ast.Dialplan):
        mark(item.name, "namespace", _DECL)
    elif isinstance(item, ast.Select):
        mark(item.header, "property")


def register(server: SwitchyLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, LEGEND)
    def full(ls: SwitchyLanguageServer, params: types.SemanticTokensParams) -> types.SemanticTokens:
        return types.SemanticTokens(data=semantic_tokens(ls.analysis(params.text_document.uri)))
