"""Time-of-day routing: the clock, time zones, and what ``hour``, ``weekday``... read.

The clock is injectable (tests and ``switchy simulate --at`` pass their own). Time
zones come from the dialplan's ``timezone`` line, which is evaluated per call, so it
may read a channel variable (``timezone variable_timezone``); an IANA name
(``Europe/Berlin``) or a fixed offset (``+02:00``, ``-5``, ``UTC+1``) are accepted, and a
bare whole number of hours is FreeSWITCH's ``tod_tz_offset``: the clock moved by that
many hours, however many (``-84`` is three and a half days back).
Ranges wrap around like FreeSWITCH's: ``hour in 18..8``, ``weekday in fri..mon``,
``time in 17:00..07:00``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from switchy.dialplan.builtins import MONTHS, WEEKDAYS

Clock = Callable[[], dt.datetime]


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WallClock:
    """A fixed wall-clock time: read as is in whatever time zone the call uses."""

    wall_clock = True

    def __init__(self, when: dt.datetime) -> None:
        self.when = when

    def __call__(self) -> dt.datetime:
        return self.when


class FixedClock:
    """A fixed instant (a time with its UTC offset): each call reads it in its own zone."""

    def __init__(self, when: dt.datetime) -> None:
        self.when = when

    def __call__(self) -> dt.datetime:
        return self.when


def clock_at(when: str | dt.datetime) -> Clock:
    """The clock of ``simulate --at`` (and the editor's simulate), the one parser of a
    call's time: a time alone is a wall-clock time in the dialplan's zone; one with an
    offset (``2024-12-24T09:00+01:00``) or followed by a zone name (``2026-12-06T10:00
    America/New_York``, ``... UTC``, ``... +05:30``) is a fixed instant, read by each call
    in its own zone. ``ValueError`` for text that is not such a time."""
    if isinstance(when, str):
        text = when.strip()
        stamp, _, zone_name = text.rpartition(" ")
        zone = resolve_timezone(zone_name) if stamp else None
        try:
            when = dt.datetime.fromisoformat(stamp.strip() if zone is not None else text)
        except ValueError:
            raise ValueError(f"--at takes a date and time such as 2024-12-24T09:00, optionally "
                             f"with a time zone (2024-12-24T09:00 Europe/Berlin), not {text!r}") from None
        if zone is not None:
            if when.tzinfo is not None:
                raise ValueError(f"--at: {text!r} has both an offset and a time zone")
            when = when.replace(tzinfo=zone)
    return WallClock(when) if when.tzinfo is None else FixedClock(when)


_OFFSET = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
_HOURS = re.compile(r"^[+-]?\d{1,5}$")


@dataclass(frozen=True)
class ClockShift:
    """FreeSWITCH's ``tod_tz_offset``: UTC moved by whole hours, which may exceed a day
    (so it cannot be a tzinfo)."""

    hours: int


def resolve_timezone(name: object) -> dt.tzinfo | ClockShift | None:
    """A tzinfo for an IANA name or a fixed offset, a ``ClockShift`` for a bare number of
    hours; None when ``name`` is none of these."""
    if name is None:
        return None
    text = str(name).strip()
    if not text:
        return None
    if _HOURS.match(text):
        return ClockShift(int(text))
    if text.upper() in ("UTC", "GMT", "Z"):
        return dt.UTC
    m = _OFFSET.match(text)
    if m:
        sign = 1 if m.group(1) == "+" else -1
        hours, minutes = int(m.group(2)), int(m.group(3) or 0)
        if hours > 14 or minutes > 59:
            return None
        return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))
    if re.fullmatch(r"[A-Za-z0-9_+\-]+(?:/[A-Za-z0-9_+\-]+)*", text) is None:
        return None
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def local_now(clock: Clock, tz: dt.tzinfo | ClockShift | None) -> dt.datetime:
    """Now in ``tz`` (or the machine's local zone), as a naive wall-clock datetime."""
    now = clock()
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    if isinstance(tz, ClockShift):
        return (now.astimezone(dt.UTC) + dt.timedelta(hours=tz.hours)).replace(tzinfo=None)
    return (now.astimezone(tz) if tz is not None else now.astimezone()).replace(tzinfo=None)


def local_time(clock: Clock, tz: dt.tzinfo | None) -> dt.datetime:
    """The wall-clock time a call's time tests read: a ``WallClock`` (``--at`` without a
    zone) as it is, any other clock's instant in ``tz`` (or the machine's zone)."""
    return clock() if getattr(clock, "wall_clock", False) else local_now(clock, tz)


def read(name: str, now: dt.datetime) -> object:
    """The value of a time built-in at wall-clock moment ``now``."""
    if name == "weekday":
        return now.isoweekday()  # mon = 1 ... sun = 7
    if name == "hour":
        return now.hour
    if name == "minute":
        return now.minute
    if name == "minute_of_day":
        return now.hour * 60 + now.minute + 1  # FreeSWITCH's count: 00:00 is 1
    if name == "time":
        return now.time().replace(microsecond=0)
    if name == "date":
        return now.date()
    if name == "now":
        return now.replace(microsecond=0)
    if name == "month":
        return now.month
    if name == "day":
        return now.day
    if name == "year":
        return now.year
    if name == "yday":
        return now.timetuple().tm_yday
    if name == "week_of_month":
        return week_of_month(now.date())
    raise KeyError(name)


def week_of_month(day: dt.date) -> int:
    """FreeSWITCH's ``mweek``: weeks start on Sunday; the one holding the 1st is week 1."""
    first_sunday_based = (day.replace(day=1).isoweekday()) % 7  # sun = 0 ... sat = 6
    return (day.day + first_sunday_based - 1) // 7 + 1


# Valid ranges of the numeric time names, for the checker.
LIMITS: dict[str, tuple[int, int]] = {
    "weekday": (1, 7),
    "hour": (0, 23),
    "minute": (0, 59),
    "minute_of_day": (1, 1440),
    "month": (1, 12),
    "day": (1, 31),
    "year": (1970, 9999),
    "yday": (1, 366),
    "week_of_month": (1, 6),
}


def symbolic(name: str, word: str) -> int | None:
    """``mon`` → 1 for weekday, ``oct`` → 10 for month (three letters are enough)."""
    word = word.lower()
    if name == "weekday" and word[:3] in WEEKDAYS and _full_or_short(word, "weekday"):
        return WEEKDAYS.index(word[:3]) + 1
    if name == "month" and word[:3] in MONTHS and _full_or_short(word, "month"):
        return MONTHS.index(word[:3]) + 1
    return None


_FULL = {
    "weekday": ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
    "month": ("january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december"),
}


def _full_or_short(word: str, kind: str) -> bool:
    return len(word) == 3 or word in _FULL[kind]


def in_range(value, low, high) -> bool:
    """Inclusive range test that wraps when ``low > high``.

    For full datetimes the end is excluded (``start <= now < end``), as in FreeSWITCH's
    ``date-time``; dates and plain dates as ends include the whole end day.
    """
    if isinstance(value, dt.datetime):
        low = _as_datetime(low, end=False)
        high = _as_datetime(high, end=True)
        return low <= value < high
    if isinstance(value, dt.date) and isinstance(low, dt.datetime):
        low = low.date()
    if isinstance(value, dt.date) and isinstance(high, dt.datetime):
        high = high.date()
    if low <= high:
        return low <= value <= high
    return value >= low or value <= high


def _as_datetime(v, end: bool) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v
    if isinstance(v, dt.date):
        base = dt.datetime.combine(v, dt.time())
        return base + dt.timedelta(days=1) if end else base
    raise TypeError(f"not a date: {v!r}")
