"""``hunt`` dialplans, ``inline`` actions and ``execute_extension``: FreeSWITCH's XML order
in the language (the form ``switchy import`` writes), and the clock FreeSWITCH's
``tod_tz_offset`` and ``mweek`` read."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from switchy.dialplan import check_text, timeofday
from switchy.dialplan.build import build_text
from switchy.dialplan.frontend.formatter import format_text
from switchy.dialplan.runtime.simulate import simulate
from switchy.recording import RecordingController

HUNT = """\
dialplan default {
    hunt
    route first "^1" {
        execute("log", "INFO first ${v}")
        inline setvar("v", "set inline")
        setvar("w", "queued")
    }
    route second "^12" {
        if variable_w == "queued" {
            execute("log", "INFO w seen")
        }
        if variable_v == "set inline" {
            execute("log", "INFO v seen")
        }
        transfer("3000", "XML", "default")
        execute("log", "INFO after the transfer")
        stop
    }
    route never {
        execute("log", "INFO never")
    }
}
"""


def run(text: str, headers: dict[str, str], controller: RecordingController | None = None):
    built = build_text(text)
    assert built.ok, [d.format() for d in built.diagnostics]
    controller = controller or RecordingController()
    outcome = asyncio.run(simulate(built.graph, headers, controller=controller))
    return outcome, controller.lines()


def test_actions_wait_for_the_last_route_inline_ones_do_not():
    outcome, sent = run(HUNT, {"Caller-Destination-Number": "123"})
    assert sent == ["execute set v=set inline",  # inline: while the routes are tried
                    "execute log INFO first ${v}",
                    "execute set w=queued",
                    "execute transfer 3000 XML default"]  # the transfer ends it: no more
    assert outcome.routes == ["first", "second"] and outcome.stopped


def test_a_call_whose_routes_queued_nothing_has_no_route():
    text = "dialplan default {\n    hunt\n    route a \"^1\" { inline setvar(\"x\", \"1\") }\n}\n"
    outcome, sent = run(text, {"Caller-Destination-Number": "1"})
    assert outcome.routes == ["a"] and outcome.result == "no-route"
    assert sent == ["execute set x=1",
                    "api uuid_kill 00000000-0000-4000-8000-000000000000 NO_ROUTE_DESTINATION"]


def test_the_end_of_the_queue_hangs_up_like_the_end_of_an_extension():
    text = "dialplan default {\n    hunt\n    route a { execute(\"answer\") }\n}\n"
    _, sent = run(text, {})
    assert sent == ["execute answer",
                    "api uuid_kill 00000000-0000-4000-8000-000000000000 NORMAL_CLEARING"]


def test_execute_extension_routes_the_call_again_then_goes_on():
    text = """\
dialplan default {
    hunt
    route setup { inline setvar("n", "x") }
    route entry "^100$" {
        execute_extension("200_${n}")
        execute("log", "INFO back")
        stop
    }
    route sub "^200_x$" { execute("log", f"INFO sub {Caller-Destination-Number}") }
}
"""
    controller = RecordingController(replies={"eval": "200_x\n"})
    outcome, sent = run(text, {"Caller-Destination-Number": "100"}, controller)
    assert sent == ["execute set n=x",
                    "api eval uuid:00000000-0000-4000-8000-000000000000 200_${n}",
                    "execute set n=x",  # the setup route runs again in the new hunt
                    "execute log INFO sub 200_x",
                    "execute log INFO back",
                    "api uuid_kill 00000000-0000-4000-8000-000000000000 NORMAL_CLEARING"]
    assert outcome.routes == ["setup", "entry", "setup", "sub"]


def test_hunt_and_inline_format_and_check():
    assert format_text(HUNT).text == HUNT
    assert [d.code for d in check_text(HUNT)] == []  # nothing "after the transfer" is dead
    codes = [d.code for d in check_text("""\
dialplan default {
    hunt
    hunt
    route a { inline helper() }
}
dialplan other { route b { inline answer() } }
handler helper() { answer() }
""")]
    assert codes == ["SWR207", "SWR218", "SWR219"]


@pytest.mark.parametrize(("zone", "hour", "weekday"), [("-84", 10, 5), ("41", 15, 3), ("9", 7, 2),
                                                       ("-5", 17, 1)])
def test_tod_tz_offset_moves_the_clock_by_any_number_of_hours(zone, hour, weekday):
    clock = lambda: dt.datetime(2026, 12, 7, 22, 26, tzinfo=dt.UTC)  # noqa: E731 - a Monday
    now = timeofday.local_now(clock, timeofday.resolve_timezone(zone))
    assert (now.hour, now.isoweekday()) == (hour, weekday)


def test_week_of_month_counts_like_freeswitchs_mweek():
    assert [timeofday.week_of_month(dt.date(2026, 12, d)) for d in (1, 5, 6, 7, 31)] == [1, 1, 2, 2, 5]
    assert timeofday.week_of_month(dt.date(2026, 11, 1)) == 1  # the 1st is a Sunday
    assert [d.code for d in check_text("route r { if week_of_month == 7 { stop } }")] == ["SWR401"]
