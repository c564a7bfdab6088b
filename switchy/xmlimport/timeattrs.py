"""XML time attributes as ``.swr`` time tests, read exactly as FreeSWITCH reads them.

``switch_xml_std_datetime_check`` ANDs every attribute present. Each one is parsed here as
FreeSWITCH's C code parses it (``strtol`` number lists with wrapping ranges, the day-name
tokenizer that stops at the first word it does not know, ``H:M[:S]-H:M[:S]`` blocks), the
set of values that pass is computed over the attribute's whole range, and that set is
written back as the shortest ``.swr`` test: ``hour in 18..8``, ``weekday == mon``,
``time in [08:00..12:00, 13:00..17:00]``. So ``hour="99"`` becomes ``false`` and
``wday="monday"`` becomes ``weekday == mon`` (FreeSWITCH reads ``mon`` then fails on ``day``).

Clocks: the call's clock (``tod_tz_offset``/``timezone`` variables, else the server's
zone) is the dialplan's ``timezone`` line. ``date-time`` is compared with the *real* time
in the server's zone: the test reads ``Event-Date-Local``, which FreeSWITCH stamps on every
event in its own zone, unaffected by ``tod_tz_offset``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from switchy.xmlimport.model import atoi, switch_true

_SWR_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # .swr: mon = 1 ... sun = 7
_FS_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # FreeSWITCH: sun = 1 ... sat = 7

# attribute -> (.swr name, lowest, highest)
_NUMBER_ATTRS = {
    "year": ("year", 1970, 9999),
    "yday": ("yday", 1, 366),
    "mon": ("month", 1, 12),
    "mday": ("day", 1, 31),
    "mweek": ("week_of_month", 1, 6),
    "hour": ("hour", 0, 23),
    "minute": ("minute", 0, 59),
    "minute-of-day": ("minute_of_day", 1, 1440),
}


class TimeError(Exception):
    """A time attribute ``.swr`` cannot test."""


@dataclass
class TimeTest:
    """The ``.swr`` expression for a set of time attributes, and what to report about it."""

    expr: str
    notes: list[str] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)


def strtol(text: str, i: int) -> tuple[int, int]:
    """C's ``strtol(text + i, &end, 10)``: the number and where it ended (i if none)."""
    m = re.compile(r"[ \t\n\v\f\r]*([+-]?\d+)").match(text, i)
    if not m:
        return 0, i
    return int(m.group(1)), m.end()


def number_set(spec: str, low: int, high: int) -> set[int]:
    """The values in low..high that ``switch_number_cmp(spec, value)`` accepts."""
    items: list[tuple[int, int | None]] = []
    i = 0
    while True:
        a, i = strtol(spec, i)
        if i < len(spec) and spec[i] == "-":
            b, i = strtol(spec, i + 1)
            items.append((a, b))
        else:
            items.append((a, None))
        if i < len(spec) and spec[i] == ",":
            i += 1
            continue
        break
    return {v for v in range(low, high + 1) if any(_in_item(v, a, b) for a, b in items)}


def _in_item(value: int, a: int, b: int | None) -> bool:
    """One item of a FreeSWITCH number list: ``a``, or ``a-b`` (wrapping when a > b)."""
    if b is None:
        return value == a
    return (a <= value <= b) if a <= b else (value >= a or value <= b)


def weekday_set(spec: str) -> tuple[set[int], str | None]:
    """FreeSWITCH day numbers (1 = Sunday) ``switch_dow_cmp`` accepts, and the parse
    error it logs (None if it read everything)."""
    tokens: list[object] = []
    error = None
    i = 0
    while i < len(spec):
        ch = spec[i]
        if ch in "-,":
            tokens.append(ch)
            i += 1
        elif "1" <= ch <= "7":
            tokens.append(int(ch))
            i += 1
        elif spec[i:i + 3].lower() in _FS_DAYS:
            tokens.append(_FS_DAYS.index(spec[i:i + 3].lower()) + 1)
            i += 3
        else:
            error = f"FreeSWITCH stops reading wday={spec!r} at {spec[i:i + 6]!r} (parse error)"
            break
    accepted: set[int] = set()
    prev: object = None
    range_start: object = None
    for tok in tokens:
        if tok == ",":
            prev = None
            continue
        if tok == "-":
            range_start = prev
            prev = tok
            continue
        assert isinstance(tok, int)
        if isinstance(range_start, int):
            a, b = range_start, tok
            accepted |= {v for v in range(1, 8) if (a <= v <= b if a <= b else (v >= a or v <= b))}
            range_start = None
        else:
            accepted.add(tok)
        prev = tok
    return accepted, error


def _seconds(part: str) -> int:
    fields = part.split(":")
    h = atoi(fields[0]) if fields else 0
    m = atoi(fields[1]) if len(fields) > 1 else 0
    s = atoi(fields[2]) if len(fields) > 2 else 0
    return h * 3600 + m * 60 + s


def tod_ranges(spec: str) -> list[tuple[int, int]]:
    """``switch_tod_cmp``: (start, end) seconds of each ``H:M[:S]-H:M[:S]`` block, ends
    included; start > end wraps past midnight. Blocks FreeSWITCH cannot read are skipped."""
    out = []
    for item in spec.split(","):
        if ":" not in item:
            continue
        first, _, rest = item.partition(":")
        if "-" not in rest:
            continue
        low_m, _, high = rest.partition("-")
        if ":" not in high:
            continue
        out.append((_seconds(f"{first}:{low_m}"), _seconds(high)))
    return out


def _runs(values: list[int]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    for v in sorted(values):
        if runs and v == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    return runs


def _cyclic_runs(values: set[int], low: int, high: int) -> list[tuple[int, int]]:
    """Runs of ``values``; a run through ``high`` and ``low`` becomes one wrapping run."""
    runs = _runs(list(values))
    if len(runs) > 1 and runs[0][0] == low and runs[-1][1] == high:
        first, last = runs.pop(0), runs.pop()
        runs.append((last[0], first[1]))
    return runs


def _set_test(name: str, values: set[int], low: int, high: int, show=str) -> str:
    if not values:
        return "false"
    if len(values) == high - low + 1:
        return "true"
    runs = _cyclic_runs(values, low, high)
    items = [show(a) if a == b else f"{show(a)}..{show(b)}" for a, b in runs]
    if len(items) == 1:
        a, b = runs[0]
        return f"{name} == {show(a)}" if a == b else f"{name} in {items[0]}"
    return f"{name} in [{', '.join(items)}]"


def _hms(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}:{s:02d}" if s else f"{h:02d}:{m:02d}"


def tod_test(spec: str) -> str:
    day_end = 24 * 3600 - 1
    items: list[str] = []
    for low, high in tod_ranges(spec):
        if low <= high:
            if low > day_end:
                continue
            items.append(f"{_hms(low)}..{_hms(min(high, day_end))}")
        elif low > day_end:
            items.append(f"00:00..{_hms(min(high, day_end))}")
        else:
            items.append(f"{_hms(low)}..{_hms(min(high, day_end))}")
    if not items:
        return "false"
    return f"time in {items[0]}" if len(items) == 1 else f"time in [{', '.join(items)}]"


_DATE_TIME = re.compile(r"^\s*(\S+)\s+(\S+)\s*$")


def _stamp(text: str) -> str | None:
    """``YYYY-MM-DD H:M[:S]`` as FreeSWITCH splits it, normalised as ``mktime`` would."""
    m = _DATE_TIME.match(text)
    if not m:
        return None
    date, time = m.groups()
    d = date.split("-")
    t = time.split(":")
    try:
        year = atoi(d[0])
        month = atoi(d[1]) if len(d) > 1 else 1
        day = atoi(d[2]) if len(d) > 2 else 1
        base = dt.datetime(year, 1, 1) + dt.timedelta(days=day - 1)
        months = base.month - 1 + month - 1
        base = base.replace(year=base.year + months // 12, month=months % 12 + 1)
        stamp = base + dt.timedelta(hours=atoi(t[0]), minutes=atoi(t[1]) if len(t) > 1 else 0,
                                    seconds=atoi(t[2]) if len(t) > 2 else 0)
    except (ValueError, OverflowError):
        return None
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def date_time_test(spec: str) -> str:
    items = []
    for item in spec.split(","):
        start, sep, end = item.partition("~")
        if not sep:
            continue
        a, b = _stamp(start), _stamp(end)
        if a is None or b is None:
            continue
        items.append(f'Event-Date-Local >= "{a}" and Event-Date-Local < "{b}"')
    if not items:
        return "false"
    if len(items) == 1:
        return items[0]
    return " or ".join(f"({i})" for i in items)


def time_test(attrs: dict[str, str], server_offset: int | None) -> TimeTest:
    """The ``.swr`` test for one element's time attributes (``attrs`` non-empty).

    ``server_offset``: the FreeSWITCH server's UTC offset in whole hours when it is fixed
    (for ``tz-offset`` and ``dst``); None when unknown."""
    parts: list[str] = []
    result = TimeTest("")
    for name, spec in attrs.items():
        if name == "tz-offset":
            wanted = atoi(spec) if re.fullmatch(r"\s*[+-]?\d+(\.\d+)?\s*", spec) else None
            if wanted is None:
                parts.append("false")
                result.notes.append(f"tz-offset={spec!r} is not a number: never passes")
            elif server_offset is None:
                parts.append(f"variable_tod_tz_offset == {wanted}")
                result.untranslated.append(
                    "tz-offset: without tod_tz_offset FreeSWITCH compares the server's own "
                    "UTC offset, unknown here (give --timezone)")
            else:
                parts.append(f"(variable_tod_tz_offset or {server_offset}) == {wanted}")
        elif name == "dst":
            if not spec.strip():
                continue  # FreeSWITCH skips an empty dst
            if not switch_true(spec):
                parts.append("false")
                result.notes.append(f'dst="{spec}" never passes in FreeSWITCH')
            elif server_offset is None:
                parts.append("false")
                result.untranslated.append(
                    'dst="true" tests daylight saving time on the server; .swr has no such '
                    "test (with a --timezone of fixed offset it is always false)")
            else:
                parts.append("false")
        elif name == "date-time":
            parts.append(date_time_test(spec))
        elif name == "week":
            weeks = number_set(spec, 1, 53)
            ydays = {y for y in range(1, 367) if (y - 1) // 7 + 1 in weeks}
            parts.append(_set_test("yday", ydays, 1, 366))
        elif name == "wday":
            days, error = weekday_set(spec)
            if error:
                result.notes.append(error)
            swr = {(d - 2) % 7 + 1 for d in days}  # FreeSWITCH sun=1 -> .swr mon=1
            parts.append(_set_test("weekday", swr, 1, 7, show=lambda v: _SWR_DAYS[v - 1]))
        elif name == "time-of-day":
            parts.append(tod_test(spec))
        elif name in _NUMBER_ATTRS:
            swr_name, low, high = _NUMBER_ATTRS[name]
            parts.append(_set_test(swr_name, number_set(spec, low, high), low, high))
        else:  # pragma: no cover - TIME_ATTRS and this function list the same names
            raise TimeError(f"unknown time attribute {name}")
    parts = [p for p in parts if p != "true"] or ["true"]
    if "false" in parts:
        result.expr = "false"
    elif len(parts) == 1:
        result.expr = parts[0]
    else:
        result.expr = " and ".join(f"({p})" if " or " in p else p for p in parts)
    return result
