"""The rules of the .swr language that more than one stage applies, each written once.

The grammar (``grammar/swr.lark``) decides what parses. What the parsed names *mean* is
decided here, and the checker, the compiler, the runtime, the renderer, the formatter
and the language server all import it: which keywords exist and where a declaration may
stand, the field a pattern reads when it names none, how dialplans are selected, which
declaration of a twice-declared handler counts, when a call is a handler call, what
span and text a reader calls "the route".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from switchy.dialplan import ast
from switchy.dialplan.actions import ACTIONS
from switchy.dialplan.builtins import FUNCTIONS
from switchy.routing import DEFAULT_FIELD

# -- keywords -------------------------------------------------------------------------------

#: Declarations that may stand at the top level of a file, in the order editors offer them.
DECLARATIONS = ("route", "handler", "dialplan", "include", "select", "guard", "timezone", "hunt")
#: Declarations that may stand inside a ``dialplan NAME { ... }`` block.
DIALPLAN_DECLARATIONS = ("route", "guard", "timezone", "hunt")
#: Words that begin or continue a statement, or a route's extra condition.
STATEMENT_KEYWORDS = ("when", "if", "elif", "else", "stop", "return", "inline")
#: Words of expressions.
EXPRESSION_KEYWORDS = ("and", "or", "not", "in", "true", "false", "none")
KEYWORDS = frozenset(DECLARATIONS + STATEMENT_KEYWORDS + EXPRESSION_KEYWORDS)

#: One line on what each keyword does (hover and completion show it).
KEYWORD_DOCS = {
    "route": "A route: a pattern and what to do with the calls it matches",
    "handler": "A reusable block with parameters, called from routes",
    "dialplan": "The routes for calls of one context (chosen by Caller-Context)",
    "include": "Read another .swr file into this program",
    "select": "The header that picks the dialplan (default Caller-Context)",
    "guard": "A condition every call of the dialplan must meet",
    "timezone": "The time zone of the dialplan's time tests",
    "when": "An extra condition for the route",
    "if": "Run the block when the condition holds",
    "elif": "Otherwise, when this condition holds",
    "else": "Otherwise (XML anti-actions)",
    "stop": "Halt all further routing for this call (XML break=\"on-true\")",
    "return": "Leave this route or handler; later routes are still tried",
    "hunt": "Route in FreeSWITCH's XML order: every route is tried first, then the actions "
    "they reached are sent in order; nothing reached is no route (NO_ROUTE_DESTINATION)",
    "inline": "In a `hunt` dialplan, send this action at once instead of queuing it "
    "(XML inline=\"true\")",
}

# -- defaults -------------------------------------------------------------------------------

# The field a pattern reads when it names none (``DEFAULT_FIELD``) and the cause of a
# call no route took are the Python Router's rules too: their home is ``switchy.routing``.

#: Routes, guards and time zones outside any ``dialplan`` block belong to this dialplan;
#: it also takes the calls whose select header names no dialplan.
DEFAULT_DIALPLAN = "default"
#: The header whose value names the dialplan of a call, unless ``select`` says otherwise.
DEFAULT_SELECT = "Caller-Context"

# -- the end of routing (FreeSWITCH's end of an extension) -----------------------------------

#: A call still parked under switchy's control when its routing ends is hung up with this
#: cause (an XML extension hangs up the same way after its last application) ...
END_OF_ROUTING_CAUSE = "NORMAL_CLEARING"
#: ... unless the last action that ran is this one: the dialplan keeps the call parked.
KEEPS_THE_CALL = "park"
#: Set on the call (``uuid_setvar``: no application runs) before its first ``bridge``,
#: unless the dialplan set it itself, so a failed bridge returns and what follows it is
#: the failover; when nothing follows, the end of routing hangs up with the bridge's
#: cause, as FreeSWITCH would have.
FAILOVER_VARIABLE = ("continue_on_fail", "true")
#: The action whose outcome ``bridge_cause`` reads.
BRIDGE = "bridge"


def bridge_cause(complete: Mapping[str, str] | None, *, failover: bool) -> str | None:
    """The cause to end a call with when a bridge was its last action, from the bridge's
    CHANNEL_EXECUTE_COMPLETE: why it failed (``originate_disposition``: USER_BUSY,
    INVALID_GATEWAY...) when switchy's ``failover`` let it return — what FreeSWITCH would
    have hung up with — else how the other leg hung up (``bridge_hangup_cause``). None
    (``END_OF_ROUTING_CAUSE``) when the event says neither, or when the dialplan's own
    ``continue_on_fail`` let a failure through (an XML extension then ends normally)."""
    if complete is None:
        return None
    disposition = complete.get("variable_originate_disposition")
    if disposition and disposition != "SUCCESS":
        return disposition if failover else None
    return complete.get("variable_bridge_hangup_cause") or \
        complete.get("variable_last_bridge_hangup_cause") or None


# -- names ---------------------------------------------------------------------------------


class Callee(StrEnum):
    """What the name of a call refers to."""

    ACTION = "action"
    FUNCTION = "function"  # a built-in that computes a value
    HANDLER = "handler"
    UNKNOWN = "unknown"


def handler_table(handlers: Iterable[ast.Handler]) -> dict[str, ast.Handler]:
    """Handlers by name; of a name declared twice, the first declaration counts (the
    checker reports the second)."""
    table: dict[str, ast.Handler] = {}
    for handler in handlers:
        table.setdefault(handler.name.name, handler)
    return table


def callee(name: str, handlers: Mapping[str, object]) -> Callee:
    """Actions and built-in functions come first: a handler that takes the name of one is
    an error the checker reports, and calls of that name still mean the action."""
    if name in ACTIONS:
        return Callee.ACTION
    if name in FUNCTIONS:
        return Callee.FUNCTION
    if name in handlers:
        return Callee.HANDLER
    return Callee.UNKNOWN


def route_field(route: ast.Route) -> str:
    """The field the route's pattern reads (meaningful when it has a pattern)."""
    if route.pattern is not None and route.pattern.field is not None:
        return route.pattern.field.name
    return DEFAULT_FIELD


# -- source ----------------------------------------------------------------------------------


def route_head(route: ast.Route) -> ast.Span:
    """What a reader calls the route: from ``route`` to the end of its name, pattern or
    ``when`` condition (whichever comes last), without the body."""
    last = route.when or route.pattern or route.name
    s = route.span
    if last is None:
        return ast.Span(s.file, s.line, s.column, s.line, s.column + len("route"), s.start,
                        s.start + len("route"))
    e = last.span
    return ast.Span(s.file, s.line, s.column, e.end_line, e.end_column, s.start, e.end)


def span_text(texts: Mapping[str, str], span: ast.Span | None, *, one_line: bool = False,
              width: int | None = None) -> str:
    """The source text of ``span`` ("" when unknown); ``one_line`` folds whitespace runs to
    one blank, ``width`` shortens the result with an ellipsis."""
    if span is None or span.end <= span.start:
        return ""
    text = texts.get(span.file)
    if text is None:
        return ""
    snippet = text[span.start:span.end]
    if one_line:
        snippet = " ".join(snippet.split())
    if width is not None and len(snippet) > width:
        snippet = snippet[:width - 1] + "…"
    return snippet
