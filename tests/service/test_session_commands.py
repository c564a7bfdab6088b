"""Each Session method sends the FreeSWITCH command it promises, in issue order."""

from __future__ import annotations

import pytest

from switchy.esl import Event
from switchy.expansion import UnsafeArgument, join, raw
from switchy.recording import SIMULATED_UUID, RecordingController, simulated_session

U = SIMULATED_UUID
HEADERS = {"Caller-Destination-Number": "2001", "Call-Direction": "inbound",
           "variable_sip_req_uri": "2001@pbx.example.com",
           "variable_sofia_profile_name": "external"}

CASES = [
    (lambda s: s.answer(), f"api uuid_answer {U}"),
    (lambda s: s.hangup(), f"api uuid_kill {U} NORMAL_CLEARING"),
    (lambda s: s.hangup("USER_BUSY"), f"api uuid_kill {U} USER_BUSY"),
    (lambda s: s.respond(183), "execute respond 183"),
    # a final response ends the call: a channel still there after it is hung up
    (lambda s: s.respond(407), f"api uuid_kill {U} CALL_REJECTED"),
    (lambda s: s.respond("486 Busy Here"), f"api uuid_kill {U} USER_BUSY"),
    (lambda s: s.bridge(), "execute bridge sofia/external/2001@pbx.example.com"),
    (lambda s: s.bridge(gateway="long_distance_trunk"),
     "execute bridge sofia/gateway/long_distance_trunk/2001@pbx.example.com"),
    (lambda s: s.bridge(profile="internal", proxy="salespbx.com"),
     "execute bridge sofia/internal/2001@pbx.example.com;fs_path=sip:salespbx.com"),
    (lambda s: s.bridge(dest_url=raw("${sip_req_uri}"), params={"hangup_after_bridge": "true"}),
     "execute bridge {hangup_after_bridge=true}sofia/external/${sip_req_uri}"),
    (lambda s: s.bridge("user/1000@example.com"), "execute bridge user/1000@example.com"),
    (lambda s: s.bridge("sofia/gateway/gw1/123", params={"leg_timeout": 20}),
     "execute bridge {leg_timeout=20}sofia/gateway/gw1/123"),
    (lambda s: s.playback("ivr/ivr-welcome.wav"), "execute playback ivr/ivr-welcome.wav"),
    (lambda s: s.broadcast("privacy::full"), f"api uuid_broadcast {U} privacy::full aleg"),
    (lambda s: s.setvar("privacy", "yes"), "execute set privacy=yes"),
    (lambda s: s.setvars({"privacy": "yes", "sip_h_Privacy": "id"}),
     "execute multiset privacy=yes sip_h_Privacy=id"),
    (lambda s: s.unsetvar("privacy"), "execute unset privacy"),
    (lambda s: s.start_record("/tmp/a.wav"), "execute record_session /tmp/a.wav"),
    (lambda s: s.stop_record(), "execute stop_record_session all"),
    (lambda s: s.park(), "execute park"),  # never uuid_park: that parks it again
    (lambda s: s.transfer("1000", context="default"), "execute transfer 1000 XML default"),
    (lambda s: s.execute("echo"), "execute echo"),
    (lambda s: s.sleep(250), "execute sleep 250"),
    (lambda s: s.send_dtmf("1#"), f"api uuid_send_dtmf {U} 1#"),
    (lambda s: s.sched_hangup(30), f"api sched_hangup +30 {U} ALLOTTED_TIMEOUT"),
    (lambda s: s.breakmedia(), f"api uuid_break {U}"),
    (lambda s: s.mute(), f"api uuid_audio {U} start write mute 1"),
    (lambda s: s.unmute(), f"api uuid_audio {U} start write mute 0"),
    (lambda s: s.deflect("sip:1000@example.com"), "execute deflect sip:1000@example.com"),
    (lambda s: s.speak("hello there"), "execute speak flite|kal|hello there"),
    (lambda s: s.bridge_to("other-uuid"), f"api uuid_bridge {U} other-uuid"),
]

# Plain text is sent literally: FreeSWITCH's expansion gives back exactly that text.
LITERAL = [
    (lambda s: s.playback("/sounds/${secret_pin}.wav"), "execute playback /sounds/\\${secret_pin}.wav"),
    (lambda s: s.playback(raw("${sounds}/a.wav")), "execute playback ${sounds}/a.wav"),
    (lambda s: s.setvar("cid", "${system(touch x)}"), "execute set cid=\\\\\\${system(touch x)}"),
    (lambda s: s.setvar("cid", "plain"), "execute set cid=plain"),
    (lambda s: s.bridge(dest_url="${sip_from_user}@pbx"),
     "execute bridge sofia/external/\\${sip_from_user}@pbx"),
    (lambda s: s.log_message("info", "hi ${x}"), "execute log INFO hi \\${x}"),
    (lambda s: s.execute("log", "INFO ${system(id)}"), "execute log INFO \\${system(id)}"),
    (lambda s: s.api("expand echo ${system(id)}"), "api expand echo \\${system(id)}"),
    (lambda s: s.api("uuid_setvar x y ${system(id)}"), "api uuid_setvar x y ${system(id)}"),
]


@pytest.mark.parametrize("call, expected", LITERAL, ids=[c[1] for c in LITERAL])
async def test_plain_text_is_sent_literally_raw_text_as_written(call, expected):
    controller = RecordingController()
    await call(simulated_session(HEADERS, controller))
    assert controller.lines()[-1] == expected


@pytest.mark.parametrize("call", [
    lambda s: s.bridge(dest_url="1000@a,sofia/gateway/evil/900"),
    lambda s: s.bridge(gateway="gw|other"),
    lambda s: s.bridge(params={"origination_caller_id_name": "x},sofia/gw/evil/1{"}),
    lambda s: s.broadcast("x.wav bleg"),
    lambda s: s.transfer("1000 XML evil"),
    lambda s: s.broadcast(join(raw("/sounds/"), "system::touch")),
    lambda s: s.broadcast(join("system", raw("::touch"))),
], ids=["dest-comma", "gateway-bar", "params-brace", "broadcast-blank", "transfer-blank",
        "broadcast-caller-app", "broadcast-caller-before-app"])
def test_values_that_cannot_be_made_literal_are_refused_with_a_cause(call):
    with pytest.raises(UnsafeArgument) as refused:
        call(simulated_session(HEADERS, RecordingController()))
    assert refused.value.cause == "INVALID_NUMBER_FORMAT"


@pytest.mark.parametrize("call, expected", CASES, ids=[c[1].split(" ", 1)[1] for c in CASES])
async def test_method_sends_its_command(call, expected):
    controller = RecordingController()
    session = simulated_session(HEADERS, controller)
    command = call(session)
    await command
    assert controller.lines()[-1] == expected


async def test_a_broadcast_application_is_the_authors_choice_only():
    controller = RecordingController()
    session = simulated_session(HEADERS, controller)
    await session.broadcast(join(raw("playback::"), "x.wav"))  # the caller names the file
    await session.broadcast("privacy::full")  # the seed's own, from Python
    assert controller.lines() == [f"api uuid_broadcast {U} playback::x.wav aleg",
                                  f"api uuid_broadcast {U} privacy::full aleg"]


async def test_commands_keep_issue_order():
    controller = RecordingController()
    session = simulated_session(HEADERS, controller)
    session.respond(407)
    session.hangup()
    session.playback("a.wav")
    await session.settled()
    assert controller.lines() == ["execute respond 407", f"api uuid_kill {U} CALL_REJECTED",
                                  f"api uuid_kill {U} NORMAL_CLEARING", "execute playback a.wav"]


async def test_a_failed_api_command_raises_naming_call_and_command():
    controller = RecordingController(replies={"uuid_answer": "-ERR No such channel!\n"})
    session = simulated_session(HEADERS, controller)
    with pytest.raises(Exception, match=f"call {U}: uuid_answer {U} failed: -ERR No such channel!"):
        await session.answer()


async def test_a_call_that_respond_hung_up_is_not_hung_up_again():
    controller = RecordingController()
    session = simulated_session(HEADERS, controller)
    session.update(Event([("Event-Name", "CHANNEL_HANGUP"), ("Unique-ID", U),
                          ("Hangup-Cause", "CALL_REJECTED")]))  # a SIP leg: FreeSWITCH did it
    await session.respond(407)
    assert controller.lines() == ["execute respond 407"]


@pytest.mark.parametrize("command, moved", [
    (lambda s: s.transfer("1000"), True), (lambda s: s.deflect("sip:1@x"), True),
    (lambda s: s.uuid_transfer("1000"), True), (lambda s: s.bridge_to("other-uuid"), True),
    (lambda s: s.execute("transfer", "1000 XML default"), True),
    (lambda s: s.api("uuid_transfer other-uuid 1000"), False),  # another call
    (lambda s: s.park(), False), (lambda s: s.playback("a.wav"), False),
])
async def test_a_command_that_sends_the_call_away_marks_it_moved(command, moved):
    session = simulated_session(HEADERS)
    await command(session)
    assert session.moved is moved


async def test_hangup_of_a_gone_channel_is_not_an_error():
    controller = RecordingController(replies={"uuid_kill": "-ERR No such channel!\n"})
    session = simulated_session(HEADERS, controller)
    assert await session.hangup() == "-ERR No such channel!\n"


def test_headers_and_direction():
    session = simulated_session(HEADERS)
    assert session["Caller-Destination-Number"] == "2001"
    assert session.get("variable_missing", "x") == "x"
    assert session.is_inbound() and not session.is_outbound()
    with pytest.raises(KeyError, match="variable_missing"):
        session["variable_missing"]


@pytest.mark.parametrize("evil", ["a b", "x\nexit", ""])
async def test_values_that_would_break_an_api_command_are_refused(evil):
    session = simulated_session(HEADERS)
    with pytest.raises(ValueError):
        session.hangup(evil)
    with pytest.raises(ValueError):
        session.send_dtmf(evil)
