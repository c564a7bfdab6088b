"""Diagnostics: what a user sees when a dialplan is wrong, with codes that never change.

Codes are stable so that they can be suppressed on a line (``# noqa: SWR402``), looked
up in docs/language.md and matched in tests. Ranges:

- ``SWR1xx`` syntax (the file cannot be read as .swr)
- ``SWR2xx`` names, calls and arguments (actions, handlers, parameters, includes)
- ``SWR3xx`` patterns and flow (regexes, captures, unreachable or shadowed code)
- ``SWR4xx`` values (time of day, ``${...}``, headers and variables, time zones)
"""

from __future__ import annotations

import difflib
import enum
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from switchy.dialplan.ast import Span


class Severity(enum.IntEnum):
    ERROR = 1
    WARNING = 2
    INFO = 3
    HINT = 4

    def __str__(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    title: str


# The registry: one line per diagnostic switchy can emit. Never renumber.
CODES: dict[str, Code] = {
    c.code: c
    for c in [
        Code("SWR101", Severity.ERROR, "unexpected input"),
        Code("SWR102", Severity.ERROR, "unterminated string"),
        Code("SWR103", Severity.ERROR, "unexpected character"),
        Code("SWR104", Severity.ERROR, "unexpected end of file"),
        Code("SWR105", Severity.ERROR, "invalid f-string"),
        Code("SWR201", Severity.ERROR, "unknown action or handler"),
        Code("SWR202", Severity.ERROR, "unknown argument"),
        Code("SWR203", Severity.ERROR, "missing required argument"),
        Code("SWR204", Severity.ERROR, "wrong argument type"),
        Code("SWR205", Severity.ERROR, "too many positional arguments"),
        Code("SWR206", Severity.ERROR, "argument given twice"),
        Code("SWR207", Severity.ERROR, "duplicate name"),
        Code("SWR208", Severity.WARNING, "unused handler"),
        Code("SWR209", Severity.ERROR, "handler name hides an action"),
        Code("SWR210", Severity.ERROR, "include not found"),
        Code("SWR211", Severity.ERROR, "include cycle"),
        Code("SWR212", Severity.ERROR, "misplaced declaration"),
        Code("SWR213", Severity.ERROR, "handler calls itself"),
        Code("SWR214", Severity.ERROR, "invalid Python reference"),
        Code("SWR215", Severity.ERROR, "not callable here"),
        Code("SWR216", Severity.ERROR, "positional argument after keyword argument"),
        Code("SWR217", Severity.WARNING, "no default dialplan"),
        Code("SWR218", Severity.ERROR, "inline on a statement that is not an action"),
        Code("SWR219", Severity.WARNING, "inline outside a hunt dialplan"),
        Code("SWR301", Severity.ERROR, "invalid regular expression"),
        Code("SWR302", Severity.WARNING, "unreachable statement"),
        Code("SWR303", Severity.WARNING, "route can never run"),
        Code("SWR304", Severity.ERROR, "unknown capture group"),
        Code("SWR305", Severity.WARNING, "capture in a plain string"),
        Code("SWR306", Severity.ERROR, "range outside `in`"),
        Code("SWR307", Severity.ERROR, "invalid comparison"),
        Code("SWR308", Severity.WARNING, "capture without a pattern"),
        Code("SWR320", Severity.WARNING, "no routes"),
        Code("SWR330", Severity.WARNING, "caller-controlled variable passed to FreeSWITCH's expansion"),
        Code("SWR331", Severity.WARNING, "pattern can take exponential time (nested quantifiers)"),
        Code("SWR401", Severity.ERROR, "time value out of range"),
        Code("SWR402", Severity.WARNING, "unknown header or variable"),
        Code("SWR403", Severity.ERROR, "unclosed ${"),
        Code("SWR404", Severity.ERROR, "unknown time zone"),
        Code("SWR405", Severity.ERROR, "invalid time test"),
        Code("SWR406", Severity.WARNING, "name hides a built-in"),
        Code("SWR420", Severity.WARNING, "caller-profile variable not on parked events"),
    ]
}


@dataclass(frozen=True)
class Related:
    span: Span
    message: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    message: str
    span: Span
    severity: Severity = Severity.ERROR
    related: tuple[Related, ...] = ()
    # Suggested replacement text for the span (did-you-mean), for quick fixes.
    fix: str | None = None
    unnecessary: bool = field(default=False)  # unreachable/shadowed: editors fade it

    @property
    def is_error(self) -> bool:
        return self.severity == Severity.ERROR

    def format(self) -> str:
        """The compiler-style line: ``file:line:col: error[SWR201]: message``."""
        lines = [f"{self.span}: {self.severity}[{self.code}]: {self.message}"]
        lines += [f"    {r.span}: note: {r.message}" for r in self.related]
        return "\n".join(lines)

    def to_json(self) -> dict:
        s = self.span
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "file": s.file,
            "line": s.line,
            "column": s.column,
            "end_line": s.end_line,
            "end_column": s.end_column,
            "related": [
                {"file": r.span.file, "line": r.span.line, "column": r.span.column,
                 "message": r.message}
                for r in self.related
            ],
            "fix": self.fix,
        }


def make(code: str, message: str, span: Span, **kw) -> Diagnostic:
    """A diagnostic with the registry's default severity for ``code``."""
    kw.setdefault("severity", CODES[code].severity)
    return Diagnostic(code, message, span, **kw)


_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>SWR\d{3}(?:\s*,\s*SWR\d{3})*))?", re.IGNORECASE)


def suppressed_lines(text: str) -> dict[int, set[str] | None]:
    """Lines carrying ``# noqa`` (None: every code) or ``# noqa: SWR402, SWR305``."""
    out: dict[int, set[str] | None] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if "#" not in line or "noqa" not in line.lower():
            continue
        m = _NOQA.search(line)
        if m:
            codes = m.group("codes")
            out[number] = None if codes is None else {
                c.strip().upper() for c in codes.split(",")
            }
    return out


def apply_noqa(diags: Iterable[Diagnostic], texts: dict[str, str]) -> list[Diagnostic]:
    """Drop diagnostics suppressed by a ``# noqa`` comment on their first line.

    Syntax errors (SWR1xx) are never suppressed: the file would not mean anything.
    """
    cache: dict[str, dict[int, set[str] | None]] = {}
    kept = []
    for d in diags:
        text = texts.get(d.span.file)
        if text is not None and not d.code.startswith("SWR1"):
            lines = cache.setdefault(d.span.file, suppressed_lines(text))
            if d.span.line in lines:
                codes = lines[d.span.line]
                if codes is None or d.code in codes:
                    continue
        kept.append(d)
    return kept


def sort_key(d: Diagnostic) -> tuple:
    return (d.span.file, d.span.line, d.span.column, d.code)


def to_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_json() for d in sorted(diags, key=sort_key)], indent=2)


def did_you_mean(word: str, candidates: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The closest candidate, case-insensitively, or None."""
    pool = list(dict.fromkeys(candidates))
    if not pool:
        return None
    lowered = {c.lower(): c for c in pool}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[found[0]] if found else None
