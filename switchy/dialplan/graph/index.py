"""The route index: which routes of a dialplan can match a call, without trying them all.

A dialplan of ten thousand DID routes must decide a call in microseconds, with exactly
the answer of trying every route in file order. The index never decides anything on its
own: it returns *candidates* — a superset of the routes whose pattern matches, in file
order — and the runtime still matches each candidate's regex. It is exact because it
relies only on guarantees from ``patterns``:

- ``is_exact_literal``: ``^5551234567$`` matches ``5551234567`` (and, being
  ``re.match``, the same with one trailing newline) and nothing else;
- ``literal_prefix``: every value a pattern matches starts with this text;
- a route without a pattern matches every call; a route on a header the call lacks
  matches nothing.

Lookups are one dict probe for exact routes plus one per distinct prefix length.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from heapq import merge

from switchy.dialplan import patterns

Lookup = Callable[[str], str | None]

# Letters and digits only between ^ and $: exactly that text, no regex reading needed.
_SIMPLE_EXACT = re.compile(r"\^?([0-9A-Za-z]+)\$")


@dataclass(frozen=True)
class Entry:
    """One route as the index sees it. ``field`` None: the route has no pattern."""

    position: int  # the route's place in its dialplan (file order)
    field: str | None
    pattern: str | None


@dataclass
class _FieldTable:
    exact: dict[str, list[int]] = field(default_factory=dict)
    prefixed: dict[str, list[int]] = field(default_factory=dict)
    lengths: list[int] = field(default_factory=list)  # distinct prefix lengths, ascending
    always: list[int] = field(default_factory=list)  # empty prefix: any present value


class RouteIndex:
    """Candidate routes for a call, in file order (see the module docstring)."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.tables: dict[str, _FieldTable] = {}
        self.unconditional: list[int] = []
        self.size = 0
        self.exact_routes = 0
        self.prefix_routes = 0
        lengths: dict[str, set[int]] = {}
        for e in entries:
            self.size += 1
            if e.field is None or e.pattern is None:
                self.unconditional.append(e.position)
                continue
            table = self.tables.setdefault(e.field, _FieldTable())
            # No regex is compiled here: both helpers read the pattern's text, and flags
            # can only come from an inline (?...) group, where any literal prefix ends.
            simple = _SIMPLE_EXACT.fullmatch(e.pattern)  # ^5551234567$: the common DID
            literal = simple.group(1) if simple else patterns.is_exact_literal(e.pattern)
            if literal is not None:
                table.exact.setdefault(literal, []).append(e.position)
                self.exact_routes += 1
                continue
            prefix = patterns.literal_prefix(e.pattern)
            if prefix:
                table.prefixed.setdefault(prefix, []).append(e.position)
                lengths.setdefault(e.field, set()).add(len(prefix))
                self.prefix_routes += 1
            else:
                table.always.append(e.position)
        for name, table in self.tables.items():
            table.lengths = sorted(lengths.get(name, ()))
        self.fields = tuple(self.tables)

    def __repr__(self) -> str:
        return (f"<RouteIndex {self.size} routes: {self.exact_routes} exact, "
                f"{self.prefix_routes} by prefix, fields {list(self.fields)}>")

    def values(self, lookup: Lookup) -> tuple[str | None, ...]:
        """The call's values of the indexed fields (the key of a candidate list)."""
        fields = self.fields
        if len(fields) == 1:
            return (lookup(fields[0]),)
        return tuple([lookup(f) for f in fields])

    def candidates(self, values: tuple[str | None, ...]) -> list[int]:
        """Positions of every route that may match a call with these field values."""
        lists: list[list[int]] = []
        if self.unconditional:
            lists.append(self.unconditional)
        for name, value in zip(self.fields, values, strict=True):
            if value is None:
                continue
            table = self.tables[name]
            if table.always:
                lists.append(table.always)
            hit = table.exact.get(value)
            if hit:
                lists.append(hit)
            if value.endswith("\n"):  # `$` also matches before one final newline
                hit = table.exact.get(value[:-1])
                if hit:
                    lists.append(hit)
            if table.prefixed:
                size = len(value)
                for length in table.lengths:
                    if length > size:
                        break
                    hit = table.prefixed.get(value[:length])
                    if hit:
                        lists.append(hit)
        if not lists:
            return []
        if len(lists) == 1:
            return lists[0]
        return list(_unique(merge(*lists)))

    def next_after(self, candidates: list[int], position: int) -> int | None:
        """The first candidate after ``position`` (None when there is none)."""
        i = bisect_right(candidates, position)
        return candidates[i] if i < len(candidates) else None


def _unique(items: Iterable[int]) -> Iterable[int]:
    last = None
    for item in items:
        if item != last:
            yield item
            last = item

