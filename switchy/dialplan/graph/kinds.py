"""The vocabulary of the route graph: the kinds of its nodes and the labels of its edges.

The compiler writes them, the runtime dispatches on them, the renderer styles by them;
each is a ``StrEnum`` so the graph stays plain data (a kind compares equal to its text)
and a typo is an ``AttributeError`` instead of a branch that silently never runs. What
each kind and label means is in ``compiler``'s docstring.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    SELECT = "select"
    DIALPLAN = "dialplan"
    GUARD = "guard"
    REJECT = "reject"
    TABLE = "table"
    MATCH = "match"
    CONDITION = "condition"
    ACTION = "action"
    CALL = "call"
    PYTHON = "python"
    ASSIGN = "assign"
    PASS = "pass"
    RETURN = "return"
    STOP = "stop"
    HANDLER = "handler"
    EXIT = "exit"
    END = "end"


class Edge(StrEnum):
    SELECT = "select"
    NEXT = "next"
    MATCH = "match"
    NO_MATCH = "no-match"
    THEN = "then"
    ELSE = "else"
    CALL = "call"
    EXIT = "exit"


class Role(StrEnum):
    """Which condition a ``condition`` node is."""

    WHEN = "when"
    IF = "if"
    ELIF = "elif"


#: Kinds that begin or end a route: a walk that reaches one has finished its route.
ROUTE_BOUNDARY = frozenset({Kind.MATCH, Kind.END})
