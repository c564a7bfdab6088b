"""Names and functions every .swr expression can use without declaring them.

A bare name is looked up as: local or parameter, then one of these built-ins, then an
event header / channel variable of the call. Time names read the dialplan's clock in
its time zone (see ``timeofday``).
"""

from __future__ import annotations

from dataclasses import dataclass

BUILTIN_NAMES: dict[str, str] = {
    "inbound": "true when the call came in to FreeSWITCH (Call-Direction is inbound).",
    "outbound": "true when FreeSWITCH placed the call (Call-Direction is outbound).",
    "uuid": "The call's uuid.",
    "weekday": "Day of the week: compare with mon, tue, wed, thu, fri, sat, sun "
    "(`weekday in mon..fri`).",
    "hour": "Hour of the day, 0-23.",
    "minute": "Minute of the hour, 0-59.",
    "minute_of_day": "Minute of the day as FreeSWITCH counts it: 00:00 is 1, 23:59 is 1440.",
    "time": "Time of day, compared with times: `time in 08:00..17:30` (both ends included).",
    "date": "Today's date, compared with dates: `date in 2024-12-24..2024-12-26`.",
    "now": "The current date and time: `now in 2024-12-24T18:00..2024-12-27T08:00` "
    "(end excluded).",
    "month": "Month: 1-12 or jan ... dec.",
    "day": "Day of the month, 1-31.",
    "year": "Four-digit year.",
    "yday": "Day of the year, 1-366.",
    "week_of_month": "Week of the month, 1-6, as FreeSWITCH's `mweek` counts: weeks start "
    "on Sunday and the week holding the 1st is week 1.",
}

TIME_NAMES = frozenset(
    {"weekday", "hour", "minute", "minute_of_day", "time", "date", "now", "month", "day",
     "year", "yday", "week_of_month"}
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # ISO order: mon = 1
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


@dataclass(frozen=True)
class Function:
    name: str
    params: tuple[str, ...]
    doc: str

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(self.params)})"


FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in [
        Function("randint", ("low", "high"), "A random whole number from low to high, both "
                 "included (seeded per run; `randint(1, 6) == 4` is true one call in six)."),
        Function("random", (), "A random number from 0 (included) to 1 (excluded)."),
        Function("header", ("name",), "The value of any event header or channel variable "
                 "by name, for names that are not written as bare words; none if missing."),
    ]
}
