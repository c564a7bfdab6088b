"""Evaluating .swr expressions for one call: names, captures, comparisons, time, f-strings.

The rules users read in docs/language.md live here, in one place:

- a bare name is a local or parameter, else a built-in (``inbound``, ``hour``...), else
  a header or channel variable of the call (missing: ``none``);
- ``and`` / ``or`` return an operand, as in Python (``variable_tz or "UTC"``);
- ``==`` compares text with text exactly, and a number with text that reads as that
  number; ``<`` and friends compare as numbers when both sides read as numbers;
  anything compared with ``none`` (a missing header) is false, except ``!=``;
- ``=~`` is ``patterns.match`` (``re.match``, missing header never matches) and
  remembers the match, whose groups ``$1``... the ``if`` block then reads;
- ``in`` takes ranges (wrapping, see ``timeofday.in_range``), lists, or text;
  next to ``weekday`` / ``month``, bare ``mon`` / ``oct`` are day and month names.

Evaluation is ``async`` because a Python function in a condition may be a coroutine.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Awaitable
from typing import Any, Protocol

from switchy.dialplan import ast, patterns, timeofday
from switchy.dialplan.builtins import TIME_NAMES
from switchy.expansion import join, raw

_NUMBER = re.compile(r"\s*-?\d+(?:\.\d+)?\s*")


class EvalError(Exception):
    """An expression cannot be evaluated for this call (the runtime hangs it up)."""


class Env(Protocol):
    """What evaluation needs from the runtime, for one call at one point of the graph."""

    def local(self, name: str) -> tuple[bool, Any]: ...

    def header(self, name: str) -> str | None: ...

    def builtin(self, name: str) -> Any: ...

    def capture(self, ref: int | str) -> Any: ...

    def matched(self, m: re.Match) -> None: ...

    def function(self, name: str, args: list[Any]) -> Any: ...

    def python(self, ref: str, args: list[Any], kwargs: dict[str, Any]) -> Awaitable[Any]: ...


# -- values ------------------------------------------------------------------------------


def truthy(value: Any) -> bool:
    return bool(value)


def as_number(value: Any) -> int | float | None:
    """The number a value reads as (None: it is not one). Booleans are not numbers."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        text = value.strip()
        return float(text) if "." in text else int(text)
    return None


def as_text(value: Any) -> str:
    """How a value is written into an f-string or sent as an argument (text stays as it
    is, so the author's own text keeps its ``Expandable`` mark)."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.time):
        return value.strftime("%H:%M:%S" if value.second else "%H:%M")
    if isinstance(value, list):
        return ",".join(as_text(v) for v in value)
    return str(value)


def equal(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        if isinstance(a, bool) and isinstance(b, bool):
            return a == b
        other, flag = (b, a) if isinstance(a, bool) else (a, b)
        return isinstance(other, str) and other.strip().lower() == ("true" if flag else "false")
    na, nb = as_number(a), as_number(b)
    if na is not None and nb is not None:
        return na == nb
    if isinstance(a, str) != isinstance(b, str):
        return as_text(a) == as_text(b)
    try:
        return bool(a == b)
    except TypeError:
        return False


def order(op: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    na, nb = as_number(a), as_number(b)
    if na is not None and nb is not None:
        a, b = na, nb
    elif isinstance(a, bool) or isinstance(b, bool):
        return False
    try:
        if op == "<":
            return bool(a < b)
        if op == "<=":
            return bool(a <= b)
        if op == ">":
            return bool(a > b)
        return bool(a >= b)
    except TypeError:
        return False


def in_range(value: Any, low: Any, high: Any) -> bool:
    if value is None or low is None or high is None:
        return False
    nv, nl, nh = as_number(value), as_number(low), as_number(high)
    if nv is not None and nl is not None and nh is not None:
        return timeofday.in_range(nv, nl, nh)
    try:
        return timeofday.in_range(value, low, high)
    except TypeError:
        return False


# -- evaluation ---------------------------------------------------------------------------


def time_name(e: ast.Expr, env: Env) -> str | None:
    """``weekday``, ``hour``... when ``e`` is that built-in (not a local of that name)."""
    if isinstance(e, ast.Name) and e.name in TIME_NAMES and not env.local(e.name)[0]:
        return e.name
    return None


async def evaluate(e: ast.Expr, env: Env, *, time_word: str | None = None) -> Any:
    """The value of ``e`` for this call. ``time_word``: read bare day/month names."""
    if isinstance(e, ast.Str):  # the author's words: FreeSWITCH expands their ${...}
        return raw(e.value)
    if isinstance(e, ast.Name):
        return _name(e.name, env, time_word)
    if isinstance(e, ast.Compare):
        return await _compare(e, env)
    if isinstance(e, ast.BoolOp):
        value: Any = None
        for operand in e.operands:
            value = await evaluate(operand, env)
            if (e.op == "and") != truthy(value):
                return value
        return value
    if isinstance(e, ast.Not):
        return not truthy(await evaluate(e.operand, env))
    if isinstance(e, ast.Capture):
        return env.capture(e.ref)
    if isinstance(e, ast.FStr):
        parts: list[Any] = []
        for part in e.parts:
            if isinstance(part, str):
                parts.append(raw(part))
            elif isinstance(part, ast.Passthrough):
                parts.append(raw(part.text))
            else:  # a value of the call: literal text, whatever it holds
                parts.append(as_text(await evaluate(part, env)))
        return join(*parts)
    if isinstance(e, ast.Number | ast.Bool):
        return e.value
    if isinstance(e, ast.NoneLit):
        return None
    if isinstance(e, ast.TimeLit | ast.DateLit | ast.DateTimeLit):
        if e.value is None:
            raise EvalError(f"{e.raw} is not a valid time or date")
        return e.value
    if isinstance(e, ast.ListExpr):
        return [await evaluate(item, env, time_word=time_word) for item in e.items]
    if isinstance(e, ast.Call):
        return await _call(e, env)
    if isinstance(e, ast.Range):
        raise EvalError("a range (a..b) only makes sense after `in`")
    raise EvalError(f"cannot evaluate {type(e).__name__}")


def _name(name: str, env: Env, time_word: str | None) -> Any:
    found, value = env.local(name)
    if found:
        return value
    if time_word is not None:
        number = timeofday.symbolic(time_word, name)
        if number is not None:
            return number
    builtin = env.builtin(name)
    if builtin is not _MISSING:
        return builtin
    return env.header(name)


_MISSING = object()
MISSING = _MISSING  # what Env.builtin returns for a name that is not a built-in


async def _compare(e: ast.Compare, env: Env) -> Any:
    op = e.op
    left_time = time_name(e.left, env)
    right_time = time_name(e.right, env)
    left = await evaluate(e.left, env, time_word=right_time)
    if op in ("=~", "!~"):
        pattern = await evaluate(e.right, env)
        m = None if left is None or pattern is None else patterns.match(as_text(pattern), as_text(left))
        if m is not None:
            env.matched(m)
        return (m is not None) if op == "=~" else (m is None)
    if op in ("in", "not in"):
        found = await _contains(e.right, left, env, left_time)
        return found if op == "in" else not found
    right = await evaluate(e.right, env, time_word=left_time)
    if op == "==":
        return equal(left, right)
    if op == "!=":
        return not equal(left, right)
    return order(op, left, right)


async def _contains(container: ast.Expr, value: Any, env: Env, word: str | None) -> bool:
    items = container.items if isinstance(container, ast.ListExpr) else [container]
    for item in items:
        if isinstance(item, ast.Range):
            low = await evaluate(item.low, env, time_word=word)
            high = await evaluate(item.high, env, time_word=word)
            if in_range(value, low, high):
                return True
            continue
        other = await evaluate(item, env, time_word=word)
        if isinstance(container, ast.ListExpr):
            if equal(value, other):
                return True
        elif isinstance(other, list):
            if any(equal(value, o) for o in other):
                return True
        elif isinstance(other, str) and value is not None:
            if as_text(value) in other:
                return True
        elif equal(value, other):
            return True
    return False


async def _call(e: ast.Call, env: Env) -> Any:
    positional = []
    keywords: dict[str, Any] = {}
    for arg in e.args:
        value = await evaluate(arg.value, env)
        if arg.name is None:
            positional.append(value)
        else:
            keywords[arg.name.name] = value
    if isinstance(e.callee, ast.PyRef):
        return await env.python(e.callee.name, positional, keywords)
    if keywords:
        raise EvalError(f"{e.name}() takes no keyword arguments")
    return env.function(e.name, positional)

