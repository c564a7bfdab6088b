"""``switchy fmt``: print a dialplan in the one canonical layout, comments kept.

Printed from the AST (not by patching text): four-space indents, one statement per
line, ``} elif ... {`` chains, long calls broken one argument per line, at most one
blank line where the source had some. Strings, numbers and times are printed exactly
as written. A file with syntax errors is returned unchanged: formatting never guesses.
Formatting is idempotent: ``format(format(x)) == format(x)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from switchy.dialplan import ast
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.frontend.parser import ParseResult, parse

INDENT = "    "
WIDTH = 100

_PRECEDENCE = {"or": 1, "and": 2, "not": 3, "compare": 4, "range": 5, "atom": 6}


@dataclass
class Formatted:
    text: str
    changed: bool
    diagnostics: list[dg.Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def format_text(text: str, file: str = "<string>") -> Formatted:
    """The formatted text, or the original when it has syntax errors. Never raises."""
    try:
        result = parse(text, file)
    except RecursionError:  # pragma: no cover - absurdly deep nesting
        return Formatted(text, False, [dg.make("SWR101", "too deeply nested to format",
                                               ast.Span.unknown(file))])
    return format_parsed(result, file)


def format_parsed(result: ParseResult, file: str = "<string>") -> Formatted:
    """``format_text`` for a text already parsed (an editor keeps its parse)."""
    text = result.text
    errors = [d for d in result.diagnostics if d.is_error]
    if errors:
        return Formatted(text, False, errors)
    try:
        out = _Printer(result.comments).module(result.module)
    except RecursionError:  # pragma: no cover
        return Formatted(text, False, [dg.make("SWR101", "too deeply nested to format",
                                               ast.Span.unknown(file))])
    if not out and text in _EMPTY_BUFFERS:
        out = text  # nothing to format: an editor's empty buffer is not "changed"
    return Formatted(out, out != text, [])


# What an empty file looks like: no text, or the one line break an editor saves (Vim,
# Neovim and Helix end every buffer with one, so their LSP clients send "\n").
_EMPTY_BUFFERS = ("", "\n", "\r\n")


class _Printer:
    def __init__(self, comments: list[ast.Comment]):
        self.comments = sorted(comments, key=lambda c: c.span.start)
        self.done: set[int] = set()
        self.lines: list[str] = []
        self.last_line = 0  # source line of the last comment or node printed

    # -- comments -----------------------------------------------------------------------

    def leading(self, before_line: int, depth: int) -> None:
        """Emit own-line comments above ``before_line``, keeping blank lines between them."""
        self._own_line_comments(before_line - 1, depth)
        self.gap(before_line)

    def gap(self, line: int) -> None:
        """A blank line if the source had one before ``line`` (never right after a '{')."""
        if self.last_line and line - self.last_line > 1:
            self.blank()

    def trailing(self, line: int) -> str:
        for c in self.comments:
            if c.span.line == line and c.span.start not in self.done:
                self.done.add(c.span.start)
                return "  " + c.text.rstrip()
        return ""

    def rest(self, depth: int) -> None:
        for c in self.comments:
            if c.span.start not in self.done:
                self.done.add(c.span.start)
                self.gap(c.span.line)
                self.lines.append(INDENT * depth + c.text.rstrip())
                self.last_line = c.span.line

    # -- declarations -------------------------------------------------------------------

    def module(self, module: ast.Module) -> str:
        self.items(module.items, 0, end_line=None)
        self.rest(0)
        while self.lines and not self.lines[-1].strip():
            self.lines.pop()
        return "\n".join(self.lines) + "\n" if self.lines else ""

    def items(self, items: list, depth: int, end_line: int | None) -> None:
        for item in items:
            self.leading(item.span.line, depth)
            self.item(item, depth)
            self.last_line = item.span.end_line
        if end_line is not None:
            self.leading_before_close(end_line, depth)

    def leading_before_close(self, end_line: int, depth: int) -> None:
        """Comments left inside a block, before its '}' (no blank line before the '}')."""
        self._own_line_comments(end_line, depth)

    def _own_line_comments(self, last_line: int, depth: int) -> None:
        """Emit the comments not yet written that start on or before ``last_line``."""
        for c in self.comments:
            if c.span.line > last_line:
                break
            if c.span.start in self.done:
                continue
            self.done.add(c.span.start)
            self.gap(c.span.line)
            self.lines.append(INDENT * depth + c.text.rstrip())
            self.last_line = c.span.line

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "" and not self.lines[-1].endswith("{"):
            self.lines.append("")

    def item(self, item: ast.Node, depth: int) -> None:
        pad = INDENT * depth
        if isinstance(item, ast.Include):
            self.line(depth, f"include {item.path.raw}", item.span.end_line)
        elif isinstance(item, ast.Select):
            self.line(depth, f"select {item.header.name}", item.span.end_line)
        elif isinstance(item, ast.Guard):
            self.line(depth, f"guard {self.expr(item.condition)}", item.span.end_line)
        elif isinstance(item, ast.Timezone):
            self.line(depth, f"timezone {self.expr(item.value)}", item.span.end_line)
        elif isinstance(item, ast.Hunt):
            self.line(depth, "hunt", item.span.end_line)
        elif isinstance(item, ast.Dialplan):
            self.lines.append(f"{pad}dialplan {item.name.name} {{" + self.trailing(item.span.line))
            self.last_line = item.span.line
            self.items(item.items, depth + 1, end_line=item.span.end_line - 1)
            self.lines.append(f"{pad}}}" + self.trailing(item.span.end_line))
        elif isinstance(item, ast.Handler):
            params = ", ".join(
                p.name.name if p.default is None else f"{p.name.name}={self.expr(p.default)}"
                for p in item.params
            )
            head = f"{pad}handler {item.name.name}({params})"
            self.block(head, item.body, depth)
        elif isinstance(item, ast.Route):
            self.route(item, depth)

    def route(self, route: ast.Route, depth: int) -> None:
        parts = ["route"]
        if route.name is not None:
            parts.append(route.name.name)
        if route.pattern is not None:
            if route.pattern.field is not None:
                parts.append(f"{route.pattern.field.name} =~ {route.pattern.regex.raw}")
            else:
                parts.append(route.pattern.regex.raw)
        head = INDENT * depth + " ".join(parts)
        if route.when is not None:
            head = self.condition(head + " when ", route.when, depth)
        if route.target is not None:
            self.call_line(head + " -> ", route.target, depth, route.span.end_line)
        else:
            self.block(head, route.body, depth)

    # -- statements -----------------------------------------------------------------------

    def block(self, head: str, block: ast.Block, depth: int) -> None:
        opener_line = block.span.line
        if not block.statements and not self.has_comments_inside(block):
            self.lines.append(f"{head} {{ }}" + self.trailing(block.span.end_line))
            return
        self.lines.append(f"{head} {{" + self.trailing(opener_line))
        self.last_line = opener_line
        self.statements(block.statements, depth + 1)
        self.leading_before_close(block.span.end_line - 1, depth + 1)
        self.lines.append(INDENT * depth + "}" + self.trailing(block.span.end_line))

    def has_comments_inside(self, block: ast.Block) -> bool:
        return any(block.span.start < c.span.start < block.span.end and c.span.start not in
                   self.done for c in self.comments)

    def statements(self, stmts: list[ast.Stmt], depth: int) -> None:
        for i, stmt in enumerate(stmts):
            self.leading(stmt.span.line, depth)
            nxt = stmts[i + 1] if i + 1 < len(stmts) else None
            shares_line = nxt is not None and nxt.span.line == stmt.span.end_line
            self.statement(stmt, depth, take_trailing=not shares_line)
            self.last_line = stmt.span.end_line

    def statement(self, stmt: ast.Stmt, depth: int, take_trailing: bool = True) -> None:
        pad = INDENT * depth
        end = stmt.span.end_line if take_trailing else -1
        if isinstance(stmt, ast.Stop):
            self.line(depth, "stop", end)
        elif isinstance(stmt, ast.Return):
            self.line(depth, "return", end)
        elif isinstance(stmt, ast.Assign):
            self.line(depth, f"{stmt.target.name} = {self.expr(stmt.value)}", end)
        elif isinstance(stmt, ast.CallStmt):
            self.call_line(pad + ("inline " if stmt.inline else ""), stmt.call, depth, end)
        elif isinstance(stmt, ast.If):
            for i, branch in enumerate(stmt.branches):
                keyword = "if" if i == 0 else "} elif"
                head = self.condition(f"{pad}{keyword} ", branch.condition, depth)
                if i == 0:
                    self.open_block(head, branch.body, depth)
                else:
                    self.lines[-1:] = []  # replace the previous closing brace
                    self.open_block(head, branch.body, depth)
            if stmt.orelse is not None:
                self.lines[-1:] = []
                self.open_block(f"{pad}}} else", stmt.orelse, depth)

    def open_block(self, head: str, block: ast.Block, depth: int) -> None:
        self.lines.append(f"{head} {{" + self.trailing(block.span.line))
        self.last_line = block.span.line
        self.statements(block.statements, depth + 1)
        self.leading_before_close(block.span.end_line - 1, depth + 1)
        self.lines.append(INDENT * depth + "}")

    def condition(self, prefix: str, cond: ast.Expr, depth: int) -> str:
        """``prefix + cond``; too long and an and/or chain, it continues on further lines
        (8 more spaces), one operand each. The block's '{' follows on the last line."""
        one = prefix + self.expr(cond)
        if len(one) + 2 <= WIDTH or not isinstance(cond, ast.BoolOp):
            return one
        level = _PRECEDENCE[cond.op]
        operands = [self.expr(o, level + 1) for o in cond.operands]
        cont = INDENT * depth + " " * 8 + cond.op + " "
        return "\n".join([prefix + operands[0]] + [cont + o for o in operands[1:]])

    def line(self, depth: int, text: str, end_line: int) -> None:
        self.lines.append(INDENT * depth + text + (self.trailing(end_line) if end_line > 0 else ""))

    def call_line(self, prefix: str, call: ast.Call, depth: int, end_line: int) -> None:
        one = prefix + self.call(call)
        trailing = self.trailing(end_line) if end_line > 0 else ""
        if len(one) <= WIDTH or not call.args:
            self.lines.append(one + trailing)
            return
        self.lines.append(f"{prefix}{call.callee.name}(" + trailing)
        for arg in call.args:
            self.lines.append(INDENT * (depth + 1) + self.arg(arg) + ",")
        self.lines.append(INDENT * depth + ")")

    # -- expressions --------------------------------------------------------------------

    def call(self, call: ast.Call) -> str:
        return f"{call.callee.name}({', '.join(self.arg(a) for a in call.args)})"

    def arg(self, arg: ast.Arg) -> str:
        value = self.expr(arg.value)
        return f"{arg.name.name}={value}" if arg.name is not None else value

    def expr(self, e: ast.Expr, parent: int = 0) -> str:
        text, level = self._expr(e)
        return f"({text})" if level < parent else text

    def _expr(self, e: ast.Expr) -> tuple[str, int]:
        atom = _PRECEDENCE["atom"]
        if isinstance(e, ast.Str | ast.FStr):
            return e.raw, atom
        if isinstance(e, ast.Number):
            return e.raw or str(e.value), atom
        if isinstance(e, ast.TimeLit | ast.DateLit | ast.DateTimeLit):
            return e.raw, atom
        if isinstance(e, ast.Bool):
            return ("true" if e.value else "false"), atom
        if isinstance(e, ast.NoneLit):
            return "none", atom
        if isinstance(e, ast.Name):
            return e.name, atom
        if isinstance(e, ast.Capture):
            return f"${e.ref}", atom
        if isinstance(e, ast.Call):
            return self.call(e), atom
        if isinstance(e, ast.ListExpr):
            return "[" + ", ".join(self.expr(i) for i in e.items) + "]", atom
        if isinstance(e, ast.Range):
            return f"{self.expr(e.low, atom)}..{self.expr(e.high, atom)}", _PRECEDENCE["range"]
        if isinstance(e, ast.Compare):
            level = _PRECEDENCE["compare"]
            return (f"{self.expr(e.left, level + 1)} {e.op} {self.expr(e.right, level + 1)}",
                    level)
        if isinstance(e, ast.Not):
            level = _PRECEDENCE["not"]
            return f"not {self.expr(e.operand, level)}", level
        if isinstance(e, ast.BoolOp):
            level = _PRECEDENCE[e.op]
            return f" {e.op} ".join(self.expr(o, level + 1) for o in e.operands), level
        return "none", atom  # pragma: no cover - every expression kind is handled above
