"""Semantic diagnostics: one small dialplan per code, asserting code, place and wording."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchy.dialplan.diagnostics import CODES, Severity
from switchy.dialplan.frontend.checker import check_paths, check_text
from switchy.dialplan.headers import PROFILE_HEADERS
from tests.support.captures import REAL, parse_all


def diags(text):
    return check_text(text, "t.swr")


def codes(text):
    return [d.code for d in diags(text)]


def one(text, code):
    found = [d for d in diags(text) if d.code == code]
    assert len(found) == 1, [d.format() for d in diags(text)]
    return found[0]


def test_a_correct_dialplan_is_clean():
    text = '''
    guard Call-Direction == "inbound"
    handler bridge2dest(out_profile=none, gateway=none, proxy=none, response=none) {
        if response {
            log(f"rejecting {Caller-Destination-Number}", level="warning")
            respond(response)
            hangup()
        } else {
            bridge(profile=out_profile, gateway=gateway, dest_url=variable_sip_req_uri,
                   proxy=proxy)
        }
    }
    route intl "00(.*)|011(.*)" -> bridge2dest(response="407")
    route "1(.*)" -> bridge2dest(gateway="long_distance_trunk")
    route hours "^500$" {
        if weekday in mon..fri and time in 08:00..17:30 { bridge("500@pbx") } else { stop }
    }
    '''
    assert diags(text) == []


def test_invalid_regex_points_inside_the_pattern():
    d = one('route a "^1(\\d+" { answer() }', "SWR301")
    assert d.message == "invalid regular expression: missing ), unterminated subpattern"
    assert (d.span.line, d.span.column) == (1, 12)  # the unclosed '('


def test_invalid_regex_in_condition():
    d = one('route a { if x =~ "a[" { answer() } }', "SWR301")
    assert d.span.column == 21


def test_unknown_action_suggests():
    d = one('route a { answerr() }', "SWR201")
    assert d.message == "unknown action or handler 'answerr'; did you mean answer()?"
    assert d.fix == "answer" and d.span.column == 11


def test_action_arguments_unknown_missing_type_twice_too_many():
    d = one('route a { bridge(gatway="x") }', "SWR202")
    assert "did you mean 'gateway'?" in d.message and d.fix == "gateway"
    assert one('route a { respond() }', "SWR203").message.startswith("respond() needs 'code'")
    assert "between 100 and 699" in one('route a { respond(999) }', "SWR204").message
    assert "did you mean 'NORMAL_CLEARING'" in one(
        'route a { hangup("NORMAL_CLEARNG") }', "SWR204").message
    assert one('route a { sleep("soon") }', "SWR204").message.endswith("got 'soon'")
    assert one('route a { setvar("a", 1, 2) }', "SWR205")
    assert one('route a { setvar(name="a", name="b", value=1) }', "SWR206")
    assert one('route a { setvar(name="a", "b") }', "SWR216")
    assert one('route a { playback(["a.wav", 3]) }', "SWR204")


def test_setvars_takes_any_keyword_and_values_are_not_lists():
    assert diags('route a { setvars(privacy="yes", sip_h_Privacy="id") }') == []
    assert one('route a { setvars(x=[1]) }', "SWR204")


def test_handler_kwargs_are_checked_against_its_parameters():
    text = '''handler h(ext, gateway=none) { bridge(f"{ext}@pbx", gateway=gateway) }
    route r "^(\\d+)$" -> h(gatway="x", ext=$1)
    route s "^9$" -> h()'''
    d = one(text, "SWR202")
    assert d.message.startswith("handler h() has no parameter 'gatway'; did you mean 'gateway'?")
    assert d.related[0].span.line == 1
    missing = one(text, "SWR203")
    assert missing.message == "handler h() needs 'ext' (it has no default)"


def test_undefined_unused_and_recursive_handlers():
    assert one('route r -> nothere()', "SWR201")
    d = one('handler lonely() { park() }\nroute r { answer() }', "SWR208")
    assert d.severity == Severity.WARNING and d.unnecessary
    assert "a → b → a" in one('handler a() { b() }\nhandler b() { a() }\nroute r -> a()',
                              "SWR213").message


def test_handler_cannot_take_an_action_name():
    assert one('handler hangup() { park() }\nroute r { hangup() }', "SWR209")


def test_duplicates():
    assert one('route a { park() }\nroute a { park() }', "SWR207").related[0].span.line == 1
    assert one('handler h() { park() }\nhandler h() { park() }\nroute r -> h()', "SWR207")
    assert one('dialplan x { }\ndialplan x { }', "SWR207")
    assert one('route a { park() }\ndialplan default { }', "SWR212")


def test_statements_after_stop_and_after_hangup():
    d = one('route a { stop\n answer() }', "SWR302")
    assert d.message == "this never runs: it comes after `stop`" and d.span.line == 2
    d = one('route a { hangup()\n answer() }', "SWR302")
    assert d.message == "this has no effect: the call has left after hangup()"
    # stop after transfer still keeps later routes away from the call: no warning
    assert diags('route a { transfer("1000") stop }') == []
    assert one('route a { if x { stop } else { return }\n park() }', "SWR302")


def test_route_that_can_never_run():
    text = '''route wide "^9" { stop }
    route narrow "^91" { answer() }
    route exact "^9$" { answer() }
    route other "^8" { answer() }'''
    found = [d for d in diags(text) if d.code == "SWR303"]
    assert [d.span.line for d in found] == [2, 3]
    assert found[0].related[0].span.line == 1


def test_shadowing_needs_a_route_that_always_stops():
    assert "SWR303" not in codes('route a "^9" { if x { stop } }\nroute b "^91" { answer() }')
    assert "SWR303" not in codes('route a "^9" when inbound { stop }\nroute b "^91" { park() }')
    assert "SWR303" in codes('handler s() { stop }\nroute a "^9" -> s()\nroute b "^91" { park() }')
    assert "SWR303" in codes('route a { stop }\nroute b "^1" { park() }')
    assert "SWR303" in codes('route a "^123$" { stop }\nroute b "^123$" { park() }')


def test_captures():
    assert one('route a "^1(\\d+)$" { transfer(f"{$2}") }', "SWR304").message.startswith(
        "$2 does not exist: the pattern has 1 group")
    assert one('route a "^(?P<ext>\\d+)$" { transfer(f"{$nope}") }', "SWR304")
    assert one('guard $1 == "x"', "SWR308")
    assert diags('route a { if Caller-Caller-ID-Number =~ "^(\\d+)$" { transfer(f"{$1}") } }') == []
    assert diags('handler h() { transfer(f"{$3}") }\nroute r -> h()') == []


def test_capture_in_plain_string_is_a_warning_with_the_fix():
    d = one('route a "^(\\d+)$" { bridge("sofia/gateway/gw/$1") }', "SWR305")
    assert 'f"...{$1}..."' in d.message and d.span.column == 46
    assert one('route a "^(\\d+)$" { bridge(f"gw/$1") }', "SWR305")


def test_unclosed_expansion():
    d = one('route a { playback("${foo") }', "SWR403")
    assert d.span.column == 21
    assert one('route a { playback(f"${foo") }', "SWR403")


def test_time_values():
    assert "0 and 23" in one('route a { if hour == 24 { park() } }', "SWR401").message
    assert one('route a { if minute_of_day in 0..1440 { park() } }', "SWR401")
    assert one('route a { if time == 24:30 { park() } }', "SWR401")
    assert one('route a { if date == 2023-02-29 { park() } }', "SWR401")
    assert "did you mean fri?" in one('route a { if weekday in mon..frx { park() } }',
                                      "SWR405").message
    assert "ambiguous" in one('route a { if weekday == 1 { park() } }', "SWR405").message
    assert one('route a { if time == 17 { park() } }', "SWR405")
    assert diags('route a { if month in oct..feb and day in [1, 15..20] { park() } }') == []
    assert one('route a { x = 1..3 }', "SWR306")


def test_timezones():
    assert one('timezone "Mars/Olympus"\nroute a { park() }', "SWR404")
    assert diags('timezone "Europe/Berlin"\nroute a { park() }') == []
    assert diags('timezone "+05:30"\nroute a { park() }') == []
    assert one('timezone "UTC"\ntimezone "UTC"\nroute a { park() }', "SWR207")


def test_unknown_headers_warn_with_suggestions():
    d = one('guard Caller-Destination-Numbr == "1"', "SWR402")
    assert "did you mean 'Caller-Destination-Number'?" in d.message
    assert d.severity == Severity.WARNING
    d = one('guard my_flag == "1"', "SWR402")
    assert "'variable_my_flag'" in d.message
    # invented channel variables are fine unless they look like a known one
    assert diags('guard variable_my_flag == "1"\nroute r { park() }') == []
    assert one('guard variable_sip_req_url == "1"', "SWR402")
    # parameters and locals are not headers; near-misses of them are suggested
    d = one('handler h(out_profile=none) { bridge(profile=out_profil) }\nroute r -> h()', "SWR402")
    assert "did you mean 'out_profile'?" in d.message


def test_builtin_misuse():
    assert one('route a { randint(1, 6) }', "SWR215")
    assert one('route a { if answer() { park() } }', "SWR215")
    assert one('route a { if randint(1) == 1 { park() } }', "SWR205")
    assert one('handler h(hour) { park() }\nroute r -> h(hour=1)', "SWR406")


def test_noqa_suppresses_one_code_on_one_line():
    text = 'guard my_flag == "1"  # noqa: SWR402\nguard other_flag == "1"\nroute r { park() }'
    assert [d.span.line for d in diags(text)] == [2]
    assert diags('guard my_flag == "1"  # noqa\nroute r { park() }') == []


def test_select_and_default_dialplan():
    d = one('dialplan switchy { route r { park() } }', "SWR217")
    assert d.severity == Severity.INFO and "'switchy'" in d.message
    assert one('select Caller-Contxt\nroute r { park() }', "SWR402")


def test_no_semantic_noise_on_lines_with_syntax_errors():
    found = diags('route a { bridge(gatway="x" profile="y") }')
    assert [d.code for d in found] == ["SWR101"]


def test_includes_cycles_and_missing_files(tmp_path):
    (tmp_path / "main.swr").write_text('include "lib.swr"\ninclude "gone.swr"\nroute r -> h()\n')
    (tmp_path / "lib.swr").write_text('include "main.swr"\nhandler h() { park() }\n')
    program, found = check_paths([tmp_path / "main.swr"])
    assert [d.code for d in found] == ["SWR211", "SWR210"]
    assert program.handler("h") is not None
    assert found[0].span.file.endswith("lib.swr")


def test_directory_of_dialplans(tmp_path):
    (tmp_path / "a.swr").write_text('dialplan default { route r -> h() }\n')
    (tmp_path / "b.swr").write_text('dialplan public { route r { park() } }\n'
                                    'handler h() { park() }\n')
    program, found = check_paths([tmp_path])
    assert found == []
    assert [d.name.name for d in program.dialplans] == ["default", "public"]


def test_every_code_has_a_registry_entry_and_docs():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "language.md").read_text()
    for code in CODES:
        assert code in doc, f"{code} is not documented in docs/language.md"


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=150))
def test_checker_never_raises(text):
    check_text(text, "fuzz.swr")


@pytest.mark.parametrize("text", [
    'route r { if weekday in [mon, 3..fri, "x"] { } }',
    "route r { if hour in hour { } }",
    "route r { x = [1..2] if x in x..x {} }",
    'route r { if now in 12:00..2024-01-01 { } }',
    "handler h(a=$1, b=h()) { }\nroute r -> h(1, 2, 3)",
])
def test_checker_survives_odd_programs(text):
    check_text(text, "odd.swr")


def test_python_reference_must_be_importable():
    assert one("route r -> no_such_pkg_xyz.mod:fn()", "SWR214").span.column == 12
    assert diags("route r -> json.decoder:fn()") == []


def test_no_routes_warns():
    (d,) = diags("")
    assert (d.code, d.severity, d.span.line, d.span.column) == ("SWR320", Severity.WARNING, 1, 1)
    assert "each would stay parked" in d.message
    assert "SWR320" in codes('handler h() { answer() }')  # a library alone routes nothing
    d = one('dialplan public {\n    guard Call-Direction == "inbound"\n}\nroute r "1" { park() }', "SWR320")
    assert (d.span.line, d.span.column) == (1, 10) and "NO_ROUTE_DESTINATION" in d.message
    assert "SWR320" not in codes('route r "1" { park() }')
    assert "SWR320" not in codes("route r {")  # a syntax error says enough


def test_caller_profile_variables_point_at_their_header():
    d = one('route r { if variable_caller_id_name == "Bob" { park() } }', "SWR420")
    assert d.severity == Severity.WARNING and d.fix == "Caller-Caller-ID-Name"
    assert "'variable_caller_id_name' is not on a parked call's events" in d.message
    d = one('route r variable_destination_number =~ "^1" { park() }', "SWR420")
    assert d.fix == "Caller-Destination-Number"
    # variables that parked events do carry are fine
    assert codes('route r { if variable_sip_req_user == "1" and variable_uuid == "x" { park() } }') == []


def test_caller_profile_variables_are_never_on_real_parked_events():
    """Checked against every CHANNEL_PARK captured from a real FreeSWITCH: none has one of
    the variables SWR420 warns about, and each header it points to is there."""
    parks = []
    for path in sorted(REAL.rglob("*")):
        if path.is_file() and path.suffix in ("", ".txt"):
            try:
                frames = parse_all(path.read_bytes())
            except Exception:  # a README or a transcript, not frames
                continue
            parks += [f for f in frames if f.event_name == "CHANNEL_PARK"]
    assert len(parks) >= 10
    seen = set().union(*(f.names for f in parks))
    assert not set(PROFILE_HEADERS) & seen
    assert set(PROFILE_HEADERS.values()) <= seen
