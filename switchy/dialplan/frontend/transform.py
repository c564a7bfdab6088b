"""Lark parse tree → AST dataclasses, attaching a source span to every node.

The tree may come from a parse that recovered from errors (see ``recovery``), so every
shape the grammar allows is handled and nothing here raises on user input.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from lark import Token, Transformer, Tree, v_args

from switchy.dialplan import ast
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.frontend.strings import literal_body, split_fstring, unescape

# parse_fstring_expr(text, span_of_first_char) -> (expr or None, diagnostics)
FExprParser = Callable[[str, ast.Span], tuple[ast.Expr | None, list]]


def _tok_span(file: str, tok: Token) -> ast.Span:
    line = tok.line or 1
    col = tok.column or 1
    end_line = tok.end_line or line
    end_col = tok.end_column or (col + len(tok))
    start = tok.start_pos or 0
    end = tok.end_pos if tok.end_pos is not None else start + len(tok)
    return ast.Span(file, line, col, end_line, end_col, start, end)


def _join(file: str, first: ast.Span, last: ast.Span) -> ast.Span:
    return ast.Span(file, first.line, first.column, last.end_line, last.end_column,
                    first.start, last.end)


def parse_time(raw: str) -> dt.time | None:
    try:
        parts = [int(p) for p in raw.split(":")]
        return dt.time(*parts)
    except (ValueError, TypeError):
        return None


def parse_date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return None


def parse_datetime(raw: str) -> dt.datetime | None:
    date_part, time_part = raw[:10], raw[11:]
    day, tod = parse_date(date_part), parse_time(time_part)
    if day is None or tod is None:
        return None
    return dt.datetime.combine(day, tod)


class ToAst(Transformer):
    """Build the AST. ``fexpr`` parses the ``{...}`` parts of f-strings."""

    def __init__(self, file: str, fexpr: FExprParser | None = None):
        super().__init__(visit_tokens=False)
        self.file = file
        self.fexpr = fexpr
        self.diagnostics: list = []

    # -- helpers ----------------------------------------------------------------------

    def _span(self, meta) -> ast.Span:
        if getattr(meta, "empty", True):
            return ast.Span.unknown(self.file)
        return ast.Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column,
                        meta.start_pos, meta.end_pos)

    def _ident(self, tok: Token | ast.Name | None) -> ast.Ident | None:
        if tok is None:
            return None
        if isinstance(tok, ast.Name):
            return ast.Ident(tok.name, span=tok.span)
        return ast.Ident(str(tok), span=_tok_span(self.file, tok))

    def _tok(self, tok: Token) -> ast.Span:
        return _tok_span(self.file, tok)

    # -- file structure ---------------------------------------------------------------

    @v_args(meta=True)
    def start(self, meta, items):
        return ast.Module([i for i in items if i is not None], span=self._span(meta))

    @v_args(meta=True)
    def fstring_expr(self, meta, children):
        return children[0]

    @v_args(meta=True)
    def include(self, meta, children):
        return ast.Include(self.string(children), span=self._span(meta))

    @v_args(meta=True)
    def select(self, meta, children):
        return ast.Select(self._ident(children[0]), span=self._span(meta))

    @v_args(meta=True)
    def dialplan(self, meta, children):
        name, *items = children
        return ast.Dialplan(self._ident(name), [i for i in items if i is not None],
                            span=self._span(meta))

    @v_args(meta=True)
    def guard(self, meta, children):
        return ast.Guard(children[0], span=self._span(meta))

    @v_args(meta=True)
    def timezone(self, meta, children):
        return ast.Timezone(children[0], span=self._span(meta))

    @v_args(meta=True)
    def hunt(self, meta, children):
        return ast.Hunt(span=self._span(meta))

    @v_args(meta=True)
    def route(self, meta, children):
        name, pattern, when, body = children
        block = body if isinstance(body, ast.Block) else None
        target = body if isinstance(body, ast.Call) else None
        return ast.Route(self._ident(name), pattern, when, block, target, span=self._span(meta))

    @v_args(meta=True)
    def default_field_pattern(self, meta, children):
        return ast.Pattern(self.string(children), None, span=self._span(meta))

    @v_args(meta=True)
    def field_pattern(self, meta, children):
        field, regex = children
        return ast.Pattern(self.string([regex]), self._ident(field), span=self._span(meta))

    def when(self, children):
        return children[0]

    def target(self, children):
        return children[0]

    @v_args(meta=True)
    def handler(self, meta, children):
        name, *rest = children
        body = rest[-1]
        params = [p for p in rest[:-1] if isinstance(p, ast.Param)]
        return ast.Handler(self._ident(name), params, body, span=self._span(meta))

    @v_args(meta=True)
    def param(self, meta, children):
        name, default = children
        return ast.Param(self._ident(name), default, span=self._span(meta))

    # -- statements -----------------------------------------------------------------------

    @v_args(meta=True)
    def block(self, meta, children):
        return ast.Block([c for c in children if isinstance(c, ast.Stmt)], span=self._span(meta))

    @v_args(meta=True)
    def call_stmt(self, meta, children):
        return ast.CallStmt(children[0], span=self._span(meta))

    @v_args(meta=True)
    def inline_stmt(self, meta, children):
        return ast.CallStmt(children[0], inline=True, span=self._span(meta))

    @v_args(meta=True)
    def stop_stmt(self, meta, children):
        return ast.Stop(span=self._span(meta))

    @v_args(meta=True)
    def return_stmt(self, meta, children):
        return ast.Return(span=self._span(meta))

    @v_args(meta=True)
    def assign(self, meta, children):
        name, value = children
        return ast.Assign(self._ident(name), value, span=self._span(meta))

    @v_args(meta=True)
    def if_stmt(self, meta, children):
        cond, body, *rest = children
        branches = [ast.Branch(cond, body, span=_join(self.file, cond.span, body.span))]
        orelse = None
        for item in rest:
            if isinstance(item, ast.Branch):
                branches.append(item)
            elif isinstance(item, ast.Block):
                orelse = item
        return ast.If(branches, orelse, span=self._span(meta))

    @v_args(meta=True)
    def elif_branch(self, meta, children):
        cond, body = children
        return ast.Branch(cond, body, span=self._span(meta))

    @v_args(meta=True)
    def else_branch(self, meta, children):
        return children[0]

    # -- calls ------------------------------------------------------------------------

    @v_args(meta=True)
    def call(self, meta, children):
        callee, *args = children
        if isinstance(callee, ast.Name):
            callee = self._ident(callee)
        return ast.Call(callee, [a for a in args if isinstance(a, ast.Arg)],
                        span=self._span(meta))

    @v_args(meta=True)
    def arg(self, meta, children):
        name, value = children
        return ast.Arg(self._ident(name), value, span=self._span(meta))

    def pyref(self, children):
        tok = children[0]
        module, _, function = str(tok).rpartition(":")
        return ast.PyRef(module, function, span=self._tok(tok))

    # -- expressions --------------------------------------------------------------------

    @v_args(meta=True)
    def or_expr(self, meta, children):
        return ast.BoolOp("or", children, span=self._span(meta))

    @v_args(meta=True)
    def and_expr(self, meta, children):
        return ast.BoolOp("and", children, span=self._span(meta))

    @v_args(meta=True)
    def not_(self, meta, children):
        return ast.Not(children[0], span=self._span(meta))

    @v_args(meta=True)
    def compare(self, meta, children):
        left, op, right = children
        op_tokens = op.children if isinstance(op, Tree) else [op]
        text = " ".join(str(t) for t in op_tokens)
        op_span = _join(self.file, self._tok(op_tokens[0]), self._tok(op_tokens[-1]))
        return ast.Compare(text, left, right, op_span=op_span, span=self._span(meta))

    @v_args(meta=True)
    def range_expr(self, meta, children):
        low, high = children
        return ast.Range(low, high, span=self._span(meta))

    @v_args(meta=True)
    def list_expr(self, meta, children):
        return ast.ListExpr([c for c in children if c is not None], span=self._span(meta))

    def string(self, children):
        tok = children[0]
        body, _ = literal_body(str(tok))
        return ast.Str(unescape(body), raw=str(tok), span=self._tok(tok))

    def fstring(self, children):
        tok = children[0]
        raw = str(tok)
        span = self._tok(tok)
        body, body_offset = literal_body(raw)
        pieces, errors = split_fstring(body)

        def at(offset: int, length: int = 1) -> ast.Span:
            col = span.column + body_offset + offset
            start = span.start + body_offset + offset
            return ast.Span(self.file, span.line, col, span.line, col + length, start,
                            start + length)

        for err in errors:
            code = "SWR403" if "${" in err.message else "SWR105"
            self.diagnostics.append(dg.make(code, err.message, at(err.offset, err.length)))
        parts: list = []
        for piece in pieces:
            if piece.kind == "text":
                parts.append(piece.text)
            elif piece.kind == "passthrough":
                parts.append(ast.Passthrough(piece.text, span=at(piece.offset, len(piece.text))))
            else:
                expr = None
                if not piece.text.strip():
                    self.diagnostics.append(dg.make("SWR105", "empty '{}' in f-string "
                                                    "(write '{{' for a brace)",
                                                    at(piece.offset - 1, 2)))
                elif self.fexpr is not None:
                    expr, diags = self.fexpr(piece.text, at(piece.offset, len(piece.text)))
                    self.diagnostics.extend(diags)
                if expr is not None:
                    parts.append(expr)
        return ast.FStr(parts, raw=raw, span=span)

    def number(self, children):
        tok = children[0]
        text = str(tok)
        value: int | float = float(text) if "." in text else int(text)
        return ast.Number(value, raw=text, span=self._tok(tok))

    def time(self, children):
        tok = children[0]
        return ast.TimeLit(parse_time(str(tok)), str(tok), span=self._tok(tok))

    def date(self, children):
        tok = children[0]
        return ast.DateLit(parse_date(str(tok)), str(tok), span=self._tok(tok))

    def datetime(self, children):
        tok = children[0]
        return ast.DateTimeLit(parse_datetime(str(tok)), str(tok), span=self._tok(tok))

    @v_args(meta=True)
    def true(self, meta, children):
        return ast.Bool(True, span=self._span(meta))

    @v_args(meta=True)
    def false(self, meta, children):
        return ast.Bool(False, span=self._span(meta))

    @v_args(meta=True)
    def none(self, meta, children):
        return ast.NoneLit(span=self._span(meta))

    def name(self, children):
        tok = children[0]
        return ast.Name(str(tok), span=self._tok(tok))

    def capture(self, children):
        tok = children[0]
        ref = str(tok)[1:]
        return ast.Capture(int(ref) if ref.isdigit() else ref, span=self._tok(tok))
