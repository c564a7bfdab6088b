"""The .swr syntax tree: plain dataclasses, each node carrying the span it came from.

Spans make every later stage precise: the checker squiggles the exact text, the route
graph keeps them on its nodes, and the language server answers hover/definition from
them. Nodes compare equal ignoring spans (``span`` is ``compare=False``) so a test can
say "formatting did not change the meaning" with ``==``.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Span:
    """A region of one source file: 1-based line/column, end exclusive, plus offsets."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    start: int = 0
    end: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def contains(self, line: int, column: int) -> bool:
        if (line, column) < (self.line, self.column):
            return False
        return (line, column) < (self.end_line, self.end_column)

    @classmethod
    def unknown(cls, file: str = "<unknown>") -> Span:
        return cls(file, 1, 1, 1, 1, 0, 0)


def _nospan() -> Span:
    return Span.unknown()


@dataclass
class Node:
    span: Span = field(default_factory=_nospan, compare=False, repr=False, kw_only=True)


# --- names -----------------------------------------------------------------------


@dataclass
class Ident(Node):
    """A name as written, with its own span (for go-to-definition and rename)."""

    name: str


# --- expressions ------------------------------------------------------------------


@dataclass
class Expr(Node):
    pass


@dataclass
class Str(Expr):
    """A plain string: passed to FreeSWITCH exactly as written (``${var}`` included)."""

    value: str
    raw: str = field(default="", compare=False)


@dataclass
class Passthrough(Node):
    """A ``${...}`` inside an f-string: left for FreeSWITCH to expand."""

    text: str


@dataclass
class FStr(Expr):
    """``f"..."``: ``{expr}`` parts are evaluated by switchy, the rest passed through."""

    parts: list[str | Expr | Passthrough]
    raw: str = field(default="", compare=False)


@dataclass
class Number(Expr):
    value: int | float
    raw: str = field(default="", compare=False)


@dataclass
class Bool(Expr):
    value: bool


@dataclass
class NoneLit(Expr):
    pass


@dataclass
class TimeLit(Expr):
    """``17:30`` or ``17:30:15``: a time of day."""

    value: _dt.time | None
    raw: str = ""


@dataclass
class DateLit(Expr):
    """``2024-12-24``; ``value`` is None when the date does not exist (checked later)."""

    value: _dt.date | None
    raw: str = ""


@dataclass
class DateTimeLit(Expr):
    """``2024-12-24T08:00`` (or with a space): a wall-clock moment."""

    value: _dt.datetime | None
    raw: str = ""


@dataclass
class Name(Expr):
    """A bare name: a parameter or local if one is in scope, else a built-in
    (``hour``, ``inbound``...), else an event header / channel variable of the call."""

    name: str


@dataclass
class Capture(Expr):
    """``$1`` / ``$name``: a group of the route pattern or of the last ``=~`` that matched."""

    ref: int | str


@dataclass
class ListExpr(Expr):
    items: list[Expr]


@dataclass
class Range(Expr):
    """``low..high``; wraps around when low > high (``18..8``, ``fri..mon``)."""

    low: Expr
    high: Expr


@dataclass
class BoolOp(Expr):
    op: str  # "and" | "or"
    operands: list[Expr]


@dataclass
class Not(Expr):
    operand: Expr


@dataclass
class Compare(Expr):
    op: str  # == != < <= > >= =~ !~ in "not in"
    left: Expr
    right: Expr
    op_span: Span = field(default_factory=_nospan, compare=False, repr=False)


@dataclass
class Arg(Node):
    name: Ident | None
    value: Expr


@dataclass
class PyRef(Node):
    """``package.module:function`` (the Python escape hatch)."""

    module: str
    function: str

    @property
    def name(self) -> str:
        return f"{self.module}:{self.function}"


@dataclass
class Call(Expr):
    """``name(args)``: an action, a handler, a built-in function or a Python function."""

    callee: Ident | PyRef
    args: list[Arg]

    @property
    def name(self) -> str:
        return self.callee.name


# --- statements --------------------------------------------------------------------


@dataclass
class Stmt(Node):
    pass


@dataclass
class CallStmt(Stmt):
    call: Call
    inline: bool = False  # ``inline action(...)``: in a ``hunt`` dialplan, sent at once


@dataclass
class Stop(Stmt):
    """Halt all further routing for this call (XML ``break="on-true"``)."""


@dataclass
class Return(Stmt):
    """Leave the current route or handler; later routes are still tried."""


@dataclass
class Assign(Stmt):
    """``name = expr``: a switchy-side local, never sent to FreeSWITCH."""

    target: Ident
    value: Expr


@dataclass
class Block(Node):
    statements: list[Stmt]


@dataclass
class Branch(Node):
    condition: Expr
    body: Block


@dataclass
class If(Stmt):
    branches: list[Branch]  # if + elifs
    orelse: Block | None = None


# --- declarations ------------------------------------------------------------------


@dataclass
class Pattern(Node):
    """A route's regex and the field it reads (None: ``Caller-Destination-Number``)."""

    regex: Str
    field: Ident | None = None


@dataclass
class Route(Node):
    name: Ident | None
    pattern: Pattern | None
    when: Expr | None
    body: Block | None = None  # exactly one of body / target
    target: Call | None = None


@dataclass
class Guard(Node):
    condition: Expr


@dataclass
class Timezone(Node):
    value: Expr


@dataclass
class Hunt(Node):
    """``hunt``: the dialplan routes in FreeSWITCH's XML order. Every route is tried
    first; the actions they reached are queued and sent after the last route (``inline``
    ones at once), and a call that queued nothing is hung up ``NO_ROUTE_DESTINATION``."""


@dataclass
class Param(Node):
    name: Ident
    default: Expr | None = None


@dataclass
class Handler(Node):
    name: Ident
    params: list[Param]
    body: Block


@dataclass
class Dialplan(Node):
    name: Ident
    items: list[Guard | Timezone | Hunt | Route]
    implicit: bool = False  # made from routes/guards written outside any `dialplan`

    @property
    def guards(self) -> list[Guard]:
        return [i for i in self.items if isinstance(i, Guard)]

    @property
    def timezones(self) -> list[Timezone]:
        return [i for i in self.items if isinstance(i, Timezone)]

    @property
    def routes(self) -> list[Route]:
        return [i for i in self.items if isinstance(i, Route)]

    @property
    def hunts(self) -> list[Hunt]:
        return [i for i in self.items if isinstance(i, Hunt)]


@dataclass
class Include(Node):
    path: Str


@dataclass
class Select(Node):
    header: Ident


@dataclass
class Comment(Node):
    text: str


@dataclass
class Module(Node):
    """One .swr file, items in source order."""

    items: list[Include | Select | Dialplan | Handler | Guard | Timezone | Hunt | Route]

    @property
    def includes(self) -> list[Include]:
        return [i for i in self.items if isinstance(i, Include)]

    @property
    def handlers(self) -> list[Handler]:
        return [i for i in self.items if isinstance(i, Handler)]

    @property
    def dialplans(self) -> list[Dialplan]:
        return [i for i in self.items if isinstance(i, Dialplan)]

    @property
    def selects(self) -> list[Select]:
        return [i for i in self.items if isinstance(i, Select)]


def walk(node: object):
    """Yield ``node`` and every Node below it, depth first, in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Node):
            yield current
            children = [getattr(current, f) for f in current.__dataclass_fields__ if f != "span"]
        elif isinstance(current, list | tuple):
            children = list(current)
        else:
            continue
        stack.extend(reversed(children))


def _children(node: Node):
    for name in node.__dataclass_fields__:
        if name == "span":
            continue
        value = getattr(node, name)
        if isinstance(value, Node):
            yield value
        elif isinstance(value, list | tuple):
            yield from (v for v in value if isinstance(v, Node))


def enclosing(root: Node, offset: int) -> list[Node]:
    """The nodes whose span holds character ``offset``, outermost first: what an editor's
    cursor is in. A span's end counts as inside (a cursor right after a name is on that
    name); where two siblings touch, the earlier one wins."""
    path: list[Node] = []
    node: Node | None = root
    while node is not None:
        path.append(node)
        node = next((c for c in _children(node)
                     if c.span.start <= offset <= c.span.end and c.span.end >= c.span.start
                     and not (c.span.start == c.span.end == 0 and offset)), None)
    return path
