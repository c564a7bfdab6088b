"""The runtime on a recording Session: what each construct sends, in which order."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from switchy.dialplan.runtime.engine import Runtime
from switchy.recording import RecordingController, simulated_session
from tests.support.simulation import graph_of, route

from . import pyhooks

DEST = "Caller-Destination-Number"
END = "api uuid_kill UUID NORMAL_CLEARING"  # routing is over and the call is still parked
FAILOVER = "api uuid_setvar UUID continue_on_fail true"  # before a call's first bridge


async def test_every_matching_route_runs_in_file_order_until_stop():
    text = """
        route a "^1" { playback("a.wav") }
        route b "^12" { playback("b.wav") stop }
        route c "^123" { playback("c.wav") }
    """
    r = await route(text, {DEST: "1234"})
    assert r.lines == ["execute playback a.wav", "execute playback b.wav", END]
    assert r.outcome.routes == ["a", "b"] and r.outcome.stopped and r.outcome.result == "routed"
    r = await route(text, {DEST: "1999"})
    assert r.lines == ["execute playback a.wav", END]
    assert r.outcome.routes == ["a"] and not r.outcome.stopped


async def test_no_route_hangs_up_with_no_route_destination():
    r = await route('route a "^1" { answer() }', {DEST: "2000"})
    assert r.lines == ["api uuid_kill UUID NO_ROUTE_DESTINATION"]
    assert (r.outcome.result, r.outcome.cause) == ("no-route", "NO_ROUTE_DESTINATION")


async def test_a_missing_header_matches_nothing_not_even_dot_star():
    r = await route('route a X-Missing =~ ".*" { answer() }', {DEST: "1"})
    assert r.outcome.result == "no-route"


async def test_guards_reject_before_any_route():
    text = 'guard Call-Direction == "inbound"\nguard variable_x == "1"\nroute { answer() }'
    r = await route(text, {"variable_x": "2"})
    assert r.lines == ["api uuid_kill UUID NO_ROUTE_DESTINATION"]
    assert r.outcome.result == "rejected"
    r = await route(text, {"variable_x": "1"})  # no Call-Direction: nothing is assumed
    assert r.outcome.result == "rejected"
    r = await route(text, {"variable_x": "1", "Call-Direction": "inbound"})
    assert r.lines == ["api uuid_answer UUID", END] and r.outcome.result == "routed"


async def test_captures_numbered_and_named_and_whole_match_in_f_strings():
    text = r"""
        route did "^(?P<area>\d{3})(\d{4})$" {
            bridge(f"sofia/gateway/gw/{$1}-{$2}-{$area}-{$0}")
        }
    """
    r = await route(text, {DEST: "5551234"})
    assert r.lines == [FAILOVER, "execute bridge sofia/gateway/gw/555-1234-555-5551234", END]


async def test_plain_strings_and_passthrough_reach_freeswitch_as_written():
    text = r'route "^(1)$" { execute("log", "INFO $1 ${caller_id_number} \d") setvar("x", f"{$1}${y}{{z}}") }'
    r = await route(text, {DEST: "1"})
    assert r.lines == [r"execute log INFO $1 ${caller_id_number} \d", "execute set x=1${y}{z}", END]


async def test_if_captures_apply_inside_the_if_block_only():
    text = r"""
        route "^(9)(\d+)$" {
            if Caller-Caller-ID-Number =~ "^(\d{3})(\d+)$" { setvar("inner", f"{$1}") }
            setvar("outer", f"{$1}")
        }
    """
    r = await route(text, {DEST: "95551", "Caller-Caller-ID-Number": "1234567"})
    assert r.lines == ["execute set inner=123", "execute set outer=9", END]


async def test_elif_else_and_boolean_operators():
    text = """
        route {
            if variable_a == "1" and not variable_b { playback("one.wav") }
            elif variable_a == "2" or variable_b == "x" { playback("two.wav") }
            else { playback("other.wav") }
        }
    """
    assert (await route(text, {"variable_a": "1"})).lines == ["execute playback one.wav", END]
    assert (await route(text, {"variable_a": "1", "variable_b": "x"})).lines == \
        ["execute playback two.wav", END]
    assert (await route(text, {"variable_a": "2"})).lines == ["execute playback two.wav", END]
    assert (await route(text, {})).lines == ["execute playback other.wav", END]


async def test_or_returns_its_operand_and_comparisons_read_numbers():
    text = """
        route {
            tz = variable_tz or "UTC"
            setvar("tz", tz)
            if variable_n > 12 { setvar("big", "yes") }
            if variable_n == 7 { setvar("seven", "yes") }
            if variable_s == "007" { setvar("text", "exact") }
        }
    """
    r = await route(text, {"variable_n": "13", "variable_s": "007"})
    assert r.lines == ["execute set tz=UTC", "execute set big=yes", "execute set text=exact", END]
    r = await route(text, {"variable_tz": "Europe/Berlin", "variable_n": "7", "variable_s": "7"})
    assert r.lines == ["execute set tz=Europe/Berlin", "execute set seven=yes", END]


async def test_inbound_outbound_and_uuid_builtins():
    text = 'route { if outbound { answer() } elif inbound { setvar("me", f"{uuid}") } }'
    r = await route(text, {})  # no Call-Direction: neither inbound nor outbound
    assert r.lines == [END] and r.outcome.result == "routed"
    r = await route(text, {"Call-Direction": "inbound"})
    assert r.lines == ["execute set me=UUID", END]
    r = await route(text, {"Call-Direction": "outbound"})
    assert r.lines == ["api uuid_answer UUID", END]


async def test_handlers_with_kwargs_defaults_positional_and_return():
    text = """
        handler greet(file, times=1, loud=false) {
            playback(file)
            if times > 1 { playback(file) }
            if not loud { return }
            playback("LOUD.wav")
        }
        route r1 "^1$" -> greet("a.wav")
        route r2 "^1$" { greet(file="b.wav", times=2) playback("after.wav") }
        route r3 "^1$" -> greet(file="c.wav", loud=true)
    """
    r = await route(text, {DEST: "1"})
    assert r.lines == ["execute playback a.wav", "execute playback b.wav", "execute playback b.wav",
                       "execute playback after.wav", "execute playback c.wav",
                       "execute playback LOUD.wav", END]
    assert r.outcome.routes == ["r1", "r2", "r3"]


async def test_stop_inside_a_handler_stops_all_routing_and_handlers_see_the_callers_captures():
    text = r"""
        handler dial(prefix) { bridge(f"sofia/gateway/{prefix}/{$1}") stop }
        route "^00(\d+)$" -> dial(prefix="intl")
        route "^0" { playback("never.wav") }
    """
    r = await route(text, {DEST: "004412"})
    assert r.lines == [FAILOVER, "execute bridge sofia/gateway/intl/4412", END]
    assert r.outcome.stopped


async def test_when_is_a_route_guard_and_a_failed_when_is_not_a_route_run():
    text = """
        route vip "^1" when Caller-Caller-ID-Number == "1001" { answer() }
        route rest "^1" when variable_flag { playback("rest.wav") }
    """
    r = await route(text, {DEST: "1", "Caller-Caller-ID-Number": "1001"})
    assert r.lines == ["api uuid_answer UUID", END] and r.outcome.routes == ["vip"]
    r = await route(text, {DEST: "1", "Caller-Caller-ID-Number": "2002"})
    assert r.outcome.result == "no-route" and r.outcome.routes == []


async def test_every_action_sends_what_the_session_api_sends():
    text = """
        route {
            answer() respond(183) bridge() bridge(gateway="gw", dest_url="1@x", params="a=1,b=2")
            bridge(profile="internal", dest_url="2@y", proxy="p.example")
            playback(["a.wav", "b.wav"]) broadcast("hold.wav", leg="both")
            setvar("v", 1) setvars(a=1, b="two") unsetvar("v")
            start_record("/tmp/r.wav", stereo=true) stop_record()
            park() sleep(20) send_dtmf("12#", duration=100) sched_hangup(30)
            mute("read") unmute() deflect("sip:1@x") speak("hi there")
            api("uuid_setvar ${uuid} a b") execute("info") transfer("1000", context="default")
        }
    """
    r = await route(text, {"variable_sofia_profile_name": "external", "variable_sip_req_uri": "9@z"})
    assert r.lines == [
        "api uuid_answer UUID", "execute respond 183", FAILOVER,
        "execute bridge sofia/external/9@z",
        "execute bridge {a=1,b=2}sofia/gateway/gw/1@x",
        "execute bridge sofia/internal/2@y;fs_path=sip:p.example",
        "execute set playback_delimiter=!", "execute playback a.wav!b.wav",
        "api uuid_broadcast UUID hold.wav both",
        "execute set v=1", "execute multiset a=1 b=two", "execute unset v",
        "execute set RECORD_STEREO=true", "execute record_session /tmp/r.wav",
        "execute stop_record_session all",
        "execute park", "execute sleep 20", "api uuid_send_dtmf UUID 12#@100",
        "api sched_hangup +30 UUID ALLOTTED_TIMEOUT",
        "api uuid_audio UUID start read mute 1", "api uuid_audio UUID start write mute 0",
        "execute deflect sip:1@x",
    ]
    assert r.outcome.stopped  # deflect: the call left switchy's routing


async def test_transfer_ends_switchy_routing_of_the_call():
    text = 'route a { transfer("1000", "XML", "default") }\nroute b { playback("b.wav") }'
    r = await route(text, {})
    assert r.lines == ["execute transfer 1000 XML default"]
    assert r.outcome.stopped and r.outcome.routes == ["a"]


async def test_hangup_does_not_end_routing_like_the_python_router():
    # The seed's bridge2dest: respond + hangup, then still bridge (parity with Python).
    # A final respond ends the call: a channel still there after it is hung up with the
    # SIP code's cause (here nothing hangs up: every command of a simulation succeeds).
    # (no continue_on_fail for a bridge after the route's own hangup: it is refused anyway)
    r = await route('route { respond(407) hangup() bridge() }', {"variable_sip_req_uri": "1@x"})
    assert r.lines == ["execute respond 407", "api uuid_kill UUID CALL_REJECTED",
                       "api uuid_kill UUID NORMAL_CLEARING",
                       "execute bridge sofia/${sofia_profile_name}/1@x"]
    assert r.outcome.cause == "NORMAL_CLEARING"  # hung up by the route: no end-of-routing hangup


async def test_log_sends_nothing(caplog):
    r = await route('route { log("hello", level="warning") }', {})
    assert r.lines == [END]  # nothing but the end of routing
    assert "hello" in caplog.text


async def test_none_argument_means_the_default():
    r = await route('route { hangup(none) playback("x.wav", params=none) }', {})
    assert r.lines == ["api uuid_kill UUID NORMAL_CLEARING", "execute playback x.wav"]


# -- time of day ------------------------------------------------------------------------------


def at(*args, tz=dt.UTC):
    moment = dt.datetime(*args, tzinfo=tz)
    return lambda: moment


TIMED = """
    timezone variable_timezone or "America/New_York"
    route {
        if weekday in mon..fri and time in [08:00..12:00, 13:00..17:00] { playback("open.wav") }
        elif weekday == sun { playback("sunday.wav") }
        else { playback("closed.wav") }
        if hour in 18..8 { setvar("night", "true") }
        if month in oct..feb and date in 2024-12-24..2024-12-26 { setvar("xmas", "true") }
        if now in 2024-12-24T12:00..2024-12-24T13:00 { setvar("noon", "true") }
        if minute_of_day == 1 { setvar("midnight", "true") }
    }
"""


@pytest.mark.parametrize("when, headers, expected", [
    # 14:30 UTC on Tuesday 2024-12-24 is 09:30 in New York
    (at(2024, 12, 24, 14, 30), {}, ["open.wav", "xmas"]),
    # 17:30 UTC is 12:30 in New York (lunch), noon in the date-time window
    (at(2024, 12, 24, 17, 30), {}, ["closed.wav", "xmas", "noon"]),
    # the call's own time zone wins: 14:30 UTC is 15:30 in Berlin
    (at(2024, 12, 24, 14, 30), {"variable_timezone": "Europe/Berlin"}, ["open.wav", "xmas"]),
    # Sunday 2024-12-22, 05:00 New York: night (wraps past midnight), Sunday
    (at(2024, 12, 22, 10, 0), {}, ["sunday.wav", "night"]),
    # an aware clock in another zone is the same instant
    (at(2024, 12, 27, 0, 0, tz=ZoneInfo("America/New_York")), {}, ["closed.wav", "night", "midnight"]),
])
async def test_time_of_day_with_injected_clock_and_time_zones(when, headers, expected):
    r = await route(TIMED, headers, clock=when)
    assert r.lines[-1] == END
    got = [line.split()[-1].removesuffix("=true") for line in r.lines[:-1]]
    assert got == expected


async def test_an_unknown_time_zone_from_the_call_falls_back_to_local_time():
    r = await route(TIMED, {"variable_timezone": "Mars/Olympus"}, clock=at(2024, 12, 24, 14, 30))
    assert r.outcome.result == "routed" and len(r.lines) >= 1


# -- random sampling ----------------------------------------------------------------------------


async def test_random_sampling_is_seeded_and_matches_the_python_rng():
    import random

    text = 'route { if randint(1, 6) == 4 { setvar("sampled", "yes") } if random() < 0.5 { answer() } }'
    graph = graph_of(text)
    runs = []
    for _ in range(2):
        rt = Runtime(graph, seed=7)
        runs.append([(await route(graph, runtime=rt)).lines for _ in range(30)])
    assert runs[0] == runs[1]
    rng = random.Random(7)
    expected = []
    for _ in range(30):
        lines = ["execute set sampled=yes"] if rng.randint(1, 6) == 4 else []
        if rng.random() < 0.5:
            lines.append("api uuid_answer UUID")
        expected.append([*lines, END])
    assert runs[0] == expected


# -- the Python escape hatch ----------------------------------------------------------------------


async def test_python_statement_gets_sess_match_router_and_kwargs():
    pyhooks.CALLS.clear()
    text = 'route r "^(1)(2)" { tests.dialplan.pyhooks:record(value=f"{$2}") answer() }'
    r = await route(text, {DEST: "123"})
    assert pyhooks.CALLS == [("00000000-0000-4000-8000-000000000000", "12", {"value": "2"})]
    assert r.lines == ["execute set from_python=2", "api uuid_answer UUID", END]


async def test_python_in_conditions_sync_and_async():
    text = """
        route {
            if tests.dialplan.pyhooks:is_vip() { setvar("vip", "yes") }
            if tests.dialplan.pyhooks:tier(level=3) == 30 { setvar("tier", "30") }
            setvar("lookup", tests.dialplan.pyhooks:async_lookup(number="42"))
        }
    """
    r = await route(text, {"Caller-Caller-ID-Number": "1001"})
    assert r.lines == ["execute set vip=yes", "execute set tier=30", "execute set lookup=looked-up-42",
                       END]


@pytest.mark.parametrize("hook", ["stop_here", "raise_stop"])
async def test_python_returning_true_or_raising_stoprouting_stops(hook):
    text = f'route a {{ tests.dialplan.pyhooks:{hook}() }}\nroute b {{ answer() }}'
    r = await route(text, {})
    assert r.lines == [END] and r.outcome.stopped and r.outcome.result == "routed"


async def test_python_route_target_and_router_clock():
    text = 'route -> tests.dialplan.pyhooks:record()\nroute { if tests.dialplan.pyhooks:now_hour() == 7 { answer() } }'
    r = await route(text, {}, clock=at(2024, 1, 1, 7, 5))
    assert r.lines == ["execute set from_python=yes", "api uuid_answer UUID", END]


# -- failures: a defined outcome, and no other call disturbed ---------------------------------------


async def test_a_failing_python_function_hangs_the_call_up_with_a_cause():
    r = await route('route { answer() tests.dialplan.pyhooks:broken() playback("never.wav") }', {})
    assert r.lines == ["api uuid_answer UUID", "api uuid_kill UUID NORMAL_TEMPORARY_FAILURE"]
    assert r.outcome.result == "error" and "CRM is down" in r.outcome.error
    assert r.outcome.cause == "NORMAL_TEMPORARY_FAILURE"


async def test_an_argument_invalid_at_run_time_is_an_error_outcome():
    r = await route('route { respond(variable_code) }', {"variable_code": "abc"})
    assert r.lines == ["api uuid_kill UUID NORMAL_TEMPORARY_FAILURE"] and r.outcome.result == "error"
    assert "SIP response code" in r.outcome.error
    r = await route('route { hangup(variable_cause) }', {"variable_cause": "NOT_A_CAUSE"})
    assert r.outcome.result == "error" and "hangup cause" in r.outcome.error
    assert r.lines == ["api uuid_kill UUID NORMAL_TEMPORARY_FAILURE"]


async def test_an_import_error_is_an_error_outcome():
    r = await route('route { tests.dialplan.pyhooks:no_such_function() }', {})
    assert r.outcome.result == "error" and "no_such_function" in r.outcome.error


async def test_one_failing_call_does_not_disturb_concurrent_calls():
    text = """
        route bad "^1$" { tests.dialplan.pyhooks:broken() }
        route good "^2$" { sleep(1) playback("ok.wav") }
    """
    graph = graph_of(text)
    rt = Runtime(graph)
    controllers = [RecordingController(f"n{i}") for i in range(20)]
    sessions = [simulated_session({DEST: "1" if i % 2 else "2",
                                   "Unique-ID": f"00000000-0000-4000-8000-{i:012d}"}, c)
                for i, c in enumerate(controllers)]
    outcomes = await asyncio.gather(*(rt.route(s) for s in sessions))
    for i, (out, c) in enumerate(zip(outcomes, controllers, strict=True)):
        if i % 2:
            assert out.result == "error"
            assert c.lines() == [f"api uuid_kill {sessions[i].uuid} NORMAL_TEMPORARY_FAILURE"]
        else:
            assert out.result == "routed"
            assert c.lines() == ["execute sleep 1", "execute playback ok.wav",
                                 f"api uuid_kill {sessions[i].uuid} NORMAL_CLEARING"]


async def test_a_refused_command_on_a_gone_channel_ends_routing_quietly():
    controller = RecordingController(replies={"uuid_answer": "-ERR No such channel!\n"})
    sess = simulated_session({}, controller)
    out = await Runtime(graph_of("route { answer() playback('x.wav') }")).route(sess)
    assert out.gone and out.result == "routed"
    assert controller.lines() == [f"api uuid_answer {sess.uuid}"]


async def test_a_refused_command_on_a_live_channel_is_an_error():
    controller = RecordingController(replies={"uuid_answer": "-ERR something broke\n"})
    sess = simulated_session({}, controller)
    out = await Runtime(graph_of("route { answer() playback('x.wav') }")).route(sess)
    assert out.result == "error" and out.cause == "NORMAL_TEMPORARY_FAILURE"
    assert controller.lines()[-1] == f"api uuid_kill {sess.uuid} NORMAL_TEMPORARY_FAILURE"


# -- dialplans, select, includes ---------------------------------------------------------------------


async def test_the_select_header_picks_the_dialplan_else_default(tmp_path):
    (tmp_path / "common.swr").write_text('handler ring(who) { bridge(f"user/{who}") }\n')
    main = tmp_path / "main.swr"
    main.write_text("""
        include "common.swr"
        select variable_tenant
        dialplan acme { route -> ring(who="acme-op") }
        dialplan default { route -> ring(who="op") }
    """)
    from switchy.dialplan.build import build

    result = build([main])
    assert result.ok, [d.format() for d in result.diagnostics]
    assert (await route(result.graph, {"variable_tenant": "acme"})).lines == \
        [FAILOVER, "execute bridge user/acme-op", END]
    assert (await route(result.graph, {"variable_tenant": "other"})).lines == \
        [FAILOVER, "execute bridge user/op", END]
    assert (await route(result.graph, {})).outcome.dialplan == "default"


async def test_a_call_of_no_dialplan_is_left_alone():
    r = await route("dialplan public { route { answer() } }", {"Caller-Context": "default"})
    assert r.lines == [] and r.outcome.result == "no-dialplan"


async def test_locals_are_per_route_and_visible_at_once():
    text = """
        route a { who = "a" setvar("who", who) }
        route b { if who { setvar("leak", who) } else { setvar("fresh", "yes") } }
    """
    r = await route(text, {})
    assert r.lines == ["execute set who=a", "execute set fresh=yes", END]


async def test_a_python_function_that_never_returns_costs_only_its_call():
    graph = graph_of('route slow "^1$" { tests.dialplan.pyhooks:spin() }\nroute fast "^2$" { answer() }')
    rt = Runtime(graph, python_timeout=0.2)
    slow = asyncio.get_running_loop().create_task(route(graph, {DEST: "1"}, runtime=rt))
    fast = await route(graph, {DEST: "2"}, runtime=rt)
    assert fast.lines == ["api uuid_answer UUID", END]
    r = await asyncio.wait_for(slow, 10)
    assert r.outcome.result == "error" and "did not finish in time" in r.outcome.error
    assert r.lines == ["api uuid_kill UUID NORMAL_TEMPORARY_FAILURE"]
    assert rt._workers.interrupted == 1  # the thread was told to stop, not left spinning
    rt.close()


# -- the end of routing (the rules of language.END_OF_ROUTING_CAUSE and after) ------------------------


async def test_a_call_still_parked_when_routing_ends_is_hung_up_like_an_xml_extension():
    r = await route('route { answer() playback("hello.wav") }', {})
    assert r.lines == ["api uuid_answer UUID", "execute playback hello.wav", END]
    assert (r.outcome.result, r.outcome.cause, r.outcome.kept) == ("routed", "NORMAL_CLEARING", False)


async def test_park_as_the_last_action_keeps_the_call_and_parks_nothing_again():
    r = await route('route { answer() park() }', {})
    assert r.lines == ["api uuid_answer UUID", "execute park"]  # not uuid_park: no new CHANNEL_PARK
    assert r.outcome.kept and r.outcome.cause is None
    r = await route('route { park() playback("after.wav") }', {})
    assert r.lines == ["execute park", "execute playback after.wav", END]  # not the last: not kept


async def test_a_bridge_gets_continue_on_fail_once_and_what_follows_is_the_failover():
    busy = {"bridge": {"variable_originate_disposition": "USER_BUSY"}}
    text = 'route { bridge("sofia/gateway/a/1") bridge("sofia/gateway/b/1") playback("sorry.wav") }'
    r = await route(text, {}, completions=busy)
    assert r.lines == [FAILOVER, "execute bridge sofia/gateway/a/1",
                       "execute bridge sofia/gateway/b/1", "execute playback sorry.wav", END]
    assert r.outcome.cause == "NORMAL_CLEARING"  # the last action was the playback


@pytest.mark.parametrize("completion, cause", [
    ({"variable_originate_disposition": "INVALID_GATEWAY"}, "INVALID_GATEWAY"),
    ({"variable_originate_disposition": "NO_ANSWER"}, "NO_ANSWER"),
    ({"variable_originate_disposition": "SUCCESS", "variable_bridge_hangup_cause": "USER_BUSY"},
     "USER_BUSY"),
    ({}, "NORMAL_CLEARING"),
])
async def test_a_bridge_as_the_last_action_ends_the_call_with_its_cause(completion, cause):
    r = await route('route { bridge("sofia/gateway/gw/1") }', {}, completions={"bridge": completion})
    assert r.lines == [FAILOVER, "execute bridge sofia/gateway/gw/1",
                       f"api uuid_kill UUID {cause}"]
    assert r.outcome.cause == cause


async def test_a_continue_on_fail_the_dialplan_set_is_left_as_it_is():
    r = await route('route { bridge("sofia/gateway/gw/1") }', {"variable_continue_on_fail": "USER_BUSY"})
    assert r.lines == ["execute bridge sofia/gateway/gw/1", END]


@pytest.mark.parametrize("statement", [
    'transfer("1000", "XML", "default")', 'deflect("sip:1@x")',
    'execute("transfer", "1000 XML default")', 'api(f"uuid_transfer {uuid} 1000")',
])
async def test_a_call_that_left_is_not_hung_up_and_no_later_route_runs(statement):
    r = await route(f'route a {{ answer() {statement} }}\nroute b {{ playback("b.wav") }}', {})
    assert r.lines[0] == "api uuid_answer UUID" and len(r.lines) == 2
    assert r.outcome.left and r.outcome.stopped and r.outcome.cause is None


async def test_hangup_and_a_final_respond_end_the_call_themselves():
    r = await route('route { hangup("USER_BUSY") }', {})
    assert r.lines == ["api uuid_kill UUID USER_BUSY"] and r.outcome.cause == "USER_BUSY"
    r = await route('route { respond(486) }', {})
    assert r.lines == ["execute respond 486", "api uuid_kill UUID USER_BUSY"]
    assert r.outcome.cause == "USER_BUSY"
    r = await route('route { respond(183) playback("ring.wav") }', {})  # not final
    assert r.lines == ["execute respond 183", "execute playback ring.wav", END]


async def test_failover_false_is_freeswitchs_own_rule():
    # no continue_on_fail from switchy: a failed bridge hangs the call up on FreeSWITCH
    r = await route('route { bridge("sofia/gateway/gw/1", failover=false) playback("x.wav") }', {})
    assert r.lines == ["execute bridge sofia/gateway/gw/1", "execute playback x.wav", END]
    # after a bridge switchy let fail over, failover=false puts FreeSWITCH's rule back
    text = 'route { bridge("sofia/gateway/a/1") bridge("sofia/gateway/b/1", failover=false) }'
    r = await route(text, {})
    assert r.lines == [FAILOVER, "execute bridge sofia/gateway/a/1",
                       "api uuid_setvar UUID continue_on_fail false",
                       "execute bridge sofia/gateway/b/1", END]


async def test_a_failure_the_dialplans_own_continue_on_fail_let_through_ends_normally():
    busy = {"bridge": {"variable_originate_disposition": "USER_BUSY"}}
    r = await route('route { bridge("sofia/gateway/gw/1") }', {"variable_continue_on_fail": "true"},
                    completions=busy)
    assert r.lines == ["execute bridge sofia/gateway/gw/1", END]  # as an XML extension ends
