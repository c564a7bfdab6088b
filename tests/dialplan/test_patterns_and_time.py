"""Route patterns (matching, Asterisk form, literal prefixes, coverage), the time-of-day
built-ins and the action table's argument binding."""

import datetime as dt
import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from switchy.dialplan import actions, patterns, timeofday

# -- patterns -------------------------------------------------------------------------------


def test_match_is_anchored_at_the_start_only_like_the_router():
    assert patterns.match("1(.*)", "18005551234").group(1) == "8005551234"
    assert patterns.match("1(.*)", "2123") is None
    assert patterns.match("2[1-9]{3}$", "2123") is not None
    assert patterns.match("2[1-9]{3}$", "21234") is None
    assert patterns.match(".*", None) is None  # a missing header matches nothing
    assert patterns.match("^$", "") is not None


@pytest.mark.parametrize("pattern, regex", [
    ("_NXXXXXX", "^[2-9][0-9][0-9][0-9][0-9][0-9][0-9]$"),
    ("_1NXXNXXXXXX", "^1[2-9][0-9][0-9][2-9][0-9][0-9][0-9][0-9][0-9][0-9]$"),
    ("_(NXXXXXXXXX)", "^([2-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9])$"),
    (r"_(\*XX)(.)", r"^(\*[0-9][0-9])(.*)$"),
    ("_9Z.", "^9[1-9].*$"),
    ("_+1[2-4]X", r"^\+1[2-4][0-9]$"),
])
def test_asterisk_patterns(pattern, regex):
    assert patterns.asterisk_to_regex(pattern) == regex


def test_asterisk_pattern_matches_whole_value():
    assert patterns.match("_NXXXXXX", "5551234") and not patterns.match("_NXXXXXX", "55512345")


def test_invalid_patterns_report_offsets_and_never_raise():
    compiled, err = patterns.compile_pattern("^1(\\d+")
    assert compiled is None and err.offset == 2
    assert patterns.compile_pattern("(?P<x>a)(?P<x>b)")[1] is not None
    assert patterns.group_info("^(?P<did>\\d+)(x)?$") == (2, {"did"})


@pytest.mark.parametrize("pattern, prefix", [
    ("^1555(\\d+)$", "1555"), ("1555", "1555"), ("^00(.*)|011(.*)", ""),
    ("12?3", "1"), ("12*", "1"), ("12+3", "12"), ("1\\.2", "1.2"), ("\\d+", ""),
    ("^(123)", ""), ("12{2}", "1"), ("_1NXX", "1"), ("^\\+44", "+44"), ("a(b|c)", "a"),
])
def test_literal_prefix(pattern, prefix):
    assert patterns.literal_prefix(pattern) == prefix


@settings(max_examples=300, deadline=None)
@given(st.from_regex(re.compile(r"\^?[0-9+*]{0,4}(\(\\d\+\)|[0-9]\?|[0-9]\*|\[1-5\]|\.\*)?"
                                r"[0-9]{0,3}\$?"), fullmatch=True), st.text("0123456789+*", max_size=12))
def test_literal_prefix_is_a_guarantee(pattern, value):
    assume(patterns.compile_pattern(pattern)[1] is None)
    if patterns.match(pattern, value) is not None:
        assert value.startswith(patterns.literal_prefix(pattern))


def test_exact_literals():
    assert patterns.is_exact_literal("^5551234$") == "5551234"
    assert patterns.is_exact_literal("^\\+4420$") == "+4420"
    assert patterns.is_exact_literal("^555\\d$") is None
    assert patterns.is_exact_literal("^555") is None


def test_covers():
    assert patterns.covers("^9", "^91") is True
    assert patterns.covers("^91", "^9") is False
    assert patterns.covers("1(.*)", "1[0-9]{3}$") is True
    assert patterns.covers("^1\\d{3}$", "^1\\d+$") is False
    assert patterns.covers("(?=x)", "x") is None  # lookarounds: cannot tell, never guess


# -- time of day ------------------------------------------------------------------------


def test_time_builtins_read_the_wall_clock():
    now = dt.datetime(2024, 12, 24, 8, 5, 30)  # a Tuesday
    assert timeofday.read("weekday", now) == 2
    assert timeofday.read("minute_of_day", now) == 8 * 60 + 5 + 1
    assert timeofday.read("time", now) == dt.time(8, 5, 30)
    assert timeofday.read("yday", now) == 359
    assert timeofday.read("minute_of_day", dt.datetime(2024, 1, 1, 23, 59)) == 1440


def test_ranges_wrap_like_freeswitch():
    assert timeofday.in_range(23, 18, 8) and timeofday.in_range(3, 18, 8)
    assert not timeofday.in_range(12, 18, 8)
    assert timeofday.in_range(dt.time(6, 0), dt.time(17, 0), dt.time(7, 0))
    assert timeofday.in_range(dt.time(7, 0), dt.time(17, 0), dt.time(7, 0))  # ends included
    assert timeofday.in_range(1, 10, 2)  # mon="10-2": January


def test_date_and_datetime_ranges():
    day = dt.date(2024, 12, 26)
    assert timeofday.in_range(day, dt.date(2024, 12, 24), dt.date(2024, 12, 26))
    start, end = dt.datetime(2024, 12, 24, 12, 0), dt.datetime(2024, 12, 27, 8, 0)
    assert timeofday.in_range(dt.datetime(2024, 12, 24, 12, 0), start, end)
    assert not timeofday.in_range(dt.datetime(2024, 12, 27, 8, 0), start, end)  # end excluded
    assert timeofday.in_range(dt.datetime(2024, 12, 26, 23, 0), dt.date(2024, 12, 24),
                              dt.date(2024, 12, 26))  # a date end includes its whole day


def test_time_zones_and_the_injected_clock():
    clock = lambda: dt.datetime(2024, 7, 1, 12, 0, tzinfo=dt.UTC)  # noqa: E731
    ny = timeofday.resolve_timezone("America/New_York")
    assert timeofday.local_now(clock, ny) == dt.datetime(2024, 7, 1, 8, 0)
    assert timeofday.local_now(clock, timeofday.resolve_timezone("+05:30")).hour == 17
    assert timeofday.local_now(clock, timeofday.resolve_timezone("UTC-5")).hour == 7
    assert timeofday.local_now(clock, timeofday.resolve_timezone("-5")).hour == 7
    for bad in ["Mars/Olympus", "", None, "+25:00", "../etc/passwd"]:
        assert timeofday.resolve_timezone(bad) is None


def test_day_and_month_names():
    assert timeofday.symbolic("weekday", "sun") == 7
    assert timeofday.symbolic("weekday", "Monday") == 1
    assert timeofday.symbolic("weekday", "mond") is None
    assert timeofday.symbolic("month", "oct") == 10
    assert timeofday.symbolic("month", "sun") is None


# -- the action table ---------------------------------------------------------------------


def test_every_action_has_docs_and_a_session_method_or_log():
    for action in actions.ACTIONS.values():
        assert action.doc and action.example.startswith(action.name + "(")
        assert action.kind in ("session", "mapping", "log", "rehunt")
        for param in action.params:
            assert param.doc, (action.name, param.name)


def test_actions_match_the_session_api():
    import inspect

    from switchy.session import Session

    for action in actions.ACTIONS.values():
        if action.kind in ("log", "rehunt"):  # switchy's own log; the runtime's re-hunt
            continue
        method = getattr(Session, action.method)
        names = list(inspect.signature(method).parameters)[1:]
        for param in action.params:
            assert param.runtime or param.name in names, (action.name, param.name, names)


def test_bind_like_python():
    bridge = actions.ACTIONS["bridge"]
    bound = actions.bind(bridge, ["a@b"], [("gateway", "gw")])
    assert bound.values == {"dest_url": "a@b", "gateway": "gw"} and not bound.problems
    bound = actions.bind(bridge, [], [("gatway", "gw"), ("gateway", 1), ("gateway", 2)])
    assert [p[0] for p in bound.problems] == ["SWR202", "SWR206"]
    bound = actions.bind(actions.ACTIONS["respond"], [], [])
    assert [p[0] for p in bound.problems] == ["SWR203"]
    bound = actions.bind(actions.ACTIONS["setvars"], [], [("a", "1"), ("b", "2")])
    assert bound.extra == {"a": "1", "b": "2"}


def test_argument_types_convert_at_run_time():
    assert actions.PARAMS.coerce("{a=1, b=x}") == {"a": "1", "b": "x"}
    assert actions.HANGUP_CAUSE.coerce("user_busy") == "USER_BUSY"
    assert actions.BOOLEAN.coerce("true") is True
    assert actions.INTEGER.coerce("500") == 500
    with pytest.raises(ValueError):
        actions.INTEGER.coerce("soon")
    assert actions.SIP_CODE.check("407 Proxy Authentication Required") is None
    assert actions.SIP_CODE.check(99) is not None
