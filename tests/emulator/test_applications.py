"""Applications run with ``sendmsg`` on emulated calls, driven by switchy's client."""

from __future__ import annotations

import asyncio

import pytest

from switchy.emulator import DialOutcome, EmulatedNode
from switchy.esl import InboundClient

pytestmark = pytest.mark.emulator_only  # calls are placed and inspected from Python


async def until(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


async def run(client: InboundClient, call, app: str, arg: str = "", **kwargs):  # type: ignore[no-untyped-def]
    execution = await client.execute(call.uuid, app, arg, **kwargs)
    return await asyncio.wait_for(execution, 5)


async def test_answer_fires_media_then_answer_events(node, client):
    call = await node.place_call("5000", "1000")
    mark = len(call.history)
    complete = await run(client, call, "answer")
    assert complete["Application"] == "answer" and complete["Answer-State"] == "answered"
    assert call.history[mark:] == [
        "CHANNEL_EXECUTE", "CODEC", "CODEC", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_CALLSTATE",
        "CHANNEL_ANSWER", "CHANNEL_CALLSTATE", "CHANNEL_EXECUTE_COMPLETE", "PRIVATE_COMMAND"]
    assert call.answered and call.callstate == "ACTIVE"
    assert call.variables["endpoint_disposition"] == "ANSWER"


async def test_hangup_application_and_call_command(node, client):
    first = await node.place_call("5001", "1000")
    await client.execute(first.uuid, "hangup", "USER_BUSY")
    assert await first.wait_hangup() == "USER_BUSY"
    assert first.variables["hangup_cause_q850"] == "17"
    second = await node.place_call("5002", "1000")
    assert await client.hangup(second.uuid, "CALL_REJECTED") == "+OK"
    assert await second.wait_hangup() == "CALL_REJECTED"
    await second.wait_destroyed()
    assert second.history[-2:] == ["CHANNEL_DESTROY", "CHANNEL_STATE"]
    assert second.uuid not in node.channels


@pytest.mark.parametrize(("code", "cause"), [
    ("404", "UNALLOCATED_NUMBER"), ("486", "USER_BUSY"), ("407", "CALL_REJECTED"),
    ("480", "NO_USER_RESPONSE"), ("503", "NORMAL_TEMPORARY_FAILURE"), ("603", "CALL_REJECTED"),
    ("488", "INCOMPATIBLE_DESTINATION"), ("302", "NORMAL_UNSPECIFIED")])
async def test_respond_ends_the_call_with_the_sip_cause(node, client, code, cause):
    call = await node.place_call("5003", "1000")
    await client.execute(call.uuid, "respond", code)
    assert await call.wait_hangup() == cause
    assert call.responded == int(code) and not call.answered
    assert call.variables["sip_hangup_disposition"] == "send_refuse"


async def test_respond_with_progress_codes_keeps_the_call(node, client):
    call = await node.place_call("5004", "1000")
    await run(client, call, "respond", "180")
    assert "CHANNEL_PROGRESS" in call.history and call.up
    await run(client, call, "respond", "183 Session Progress")
    assert call.answer_state == "early" and call.callstate == "EARLY"
    await run(client, call, "respond", "200")
    assert call.answered


async def test_playback_takes_its_time_and_reports_it(node, client):
    node.config.file_durations["/sounds/welcome.wav"] = 2.5
    call = await node.place_call("5005", "1000")
    await run(client, call, "answer")
    events = []
    client.add_handler("*", lambda e: events.append(e) if e.uuid == call.uuid else None)
    await client.subscribe("PLAYBACK_START", "PLAYBACK_STOP")
    complete = await run(client, call, "playback", "/sounds/welcome.wav")
    assert complete["Application-Response"] == "FILE PLAYED"
    start, stop = [e for e in events if e.name.startswith("PLAYBACK")]
    assert (start["Playback-File-Type"], start["Playback-File-Path"]) == \
        ("wav", "/sounds/welcome.wav")
    assert stop["Playback-Status"] == "done"
    assert call.played == ["/sounds/welcome.wav"]
    assert (call.variables["playback_ms"], call.variables["playback_seconds"]) == ("2500", "2")


async def test_playback_of_a_missing_file(node, client):
    node.config.missing_files.add("/sounds/nope.wav")
    call = await node.place_call("5006", "1000")
    complete = await run(client, call, "playback", "/sounds/nope.wav")
    assert complete["Application-Response"] == "FILE NOT FOUND" and call.played == []


async def test_playback_on_an_unanswered_call_is_early_media(node, client):
    call = await node.place_call("5007", "1000")
    await run(client, call, "playback", "tone_stream://%(100,0,440)")
    assert call.answer_state == "early" and not call.answered


async def test_without_event_lock_a_second_app_runs_nested(node, client):
    node.config.file_durations.update({"/a.wav": 5.0, "/b.wav": 0.1})
    call = await node.place_call("5008", "1000")
    first = await client.execute(call.uuid, "playback", "/a.wav", event_lock=False)
    await call.wait_event("PLAYBACK_START")
    second = await client.execute(call.uuid, "playback", "/b.wav", event_lock=False)
    done, _ = await asyncio.wait([first.future, second.future],
                                 return_when=asyncio.FIRST_COMPLETED, timeout=5)
    assert done == {second.future}  # b ran inside a and ended first
    await asyncio.wait_for(first, 5)


async def test_event_lock_holds_the_queue_until_the_app_ends(node, client):
    node.config.file_durations.update({"/a.wav": 1.0, "/b.wav": 0.1})
    call = await node.place_call("5009", "1000")
    first = await client.execute(call.uuid, "playback", "/a.wav", event_lock=True)
    second = await client.execute(call.uuid, "playback", "/b.wav", event_lock=True)
    done, _ = await asyncio.wait([first.future, second.future],
                                 return_when=asyncio.FIRST_COMPLETED, timeout=5)
    assert done == {first.future}
    await asyncio.wait_for(second, 5)
    assert call.played == ["/a.wav", "/b.wav"]


async def test_loops_repeat_with_one_application_uuid(node, client):
    node.config.file_durations["/one-second.wav"] = 1.0
    call = await node.place_call("5010", "1000")
    await run(client, call, "answer")  # an unanswered call reports no PRIVATE_COMMAND
    completes = []
    client.add_handler("CHANNEL_EXECUTE_COMPLETE", completes.append)
    await client.subscribe("CHANNEL_EXECUTE_COMPLETE")
    execution = await client.execute(call.uuid, "playback", "/one-second.wav", loops=3)
    await asyncio.wait_for(execution, 5)
    await until(lambda: len([c for c in completes if c["Application"] == "playback"]) == 3)
    ids = {c["Application-UUID"] for c in completes if c["Application"] == "playback"}
    assert ids == {execution.uuid} and len(call.played) == 3
    assert "current_loop" not in call.variables
    # a run shorter than half a second ends the looping, as on FreeSWITCH
    short = await client.execute(call.uuid, "playback", "silence_stream://10", loops=3)
    await asyncio.wait_for(short, 5)
    await call.wait_event_count("PRIVATE_COMMAND", 3)
    assert call.played.count("silence_stream://10") == 1


async def test_argument_in_the_body(node, client):
    call = await node.place_call("5011", "1000")
    reply = await client.sendmsg(call.uuid, [("call-command", "execute"),
                                             ("execute-app-name", "set"),
                                             ("content-type", "text/plain")],
                                 b"note=two\nlines")
    assert reply == "+OK"
    await call.wait_event("CHANNEL_EXECUTE_COMPLETE")
    assert call.variables["note"] == "two\nlines"


async def test_variables(node, client):
    call = await node.place_call("5012", "1000")
    await run(client, call, "set", "a=1")
    await run(client, call, "multiset", "b=2 c=3")
    await run(client, call, "export", "d=4")
    await run(client, call, "unset", "a")
    assert "a" not in call.variables
    assert (call.variables["b"], call.variables["c"], call.variables["d"]) == ("2", "3", "4")
    assert call.variables["export_vars"] == "d"
    assert await client.api(f"uuid_getvar {call.uuid} c") == "3"
    assert await client.api(f"uuid_setvar {call.uuid} e 5") == "+OK\n"
    assert await client.api(f"uuid_setvar_multi {call.uuid} f=6;g=7") == "+OK\n"
    assert await client.api(f"uuid_setvar {call.uuid} e") == "+OK\n"  # no value: unset
    assert "e" not in call.variables and call.variables["g"] == "7"
    assert await client.api(f"uuid_getvar {call.uuid} e") == "_undef_"
    assert await client.api("uuid_setvar nope x 1") == "-ERR No such channel!\n"


async def test_application_data_expands_channel_variables(node, client):
    call = await node.place_call("5013", "1000", variables={"sound": "/s/hello.wav"})
    complete = await run(client, call, "playback", "${sound}")
    assert complete["Application-Data"] == "/s/hello.wav" and call.played == ["/s/hello.wav"]


async def test_recording(node, client):
    call = await node.place_call("5014", "1000")
    await run(client, call, "record_session", "/tmp/rec.wav")
    assert "RECORD_START" in call.history and call.recordings == ["/tmp/rec.wav"]
    await run(client, call, "stop_record_session", "/tmp/rec.wav")
    assert "RECORD_STOP" in call.history
    assert await client.api(f"uuid_record {call.uuid} start /tmp/two.wav") == "+OK Success\n"
    assert await client.api(f"uuid_record {call.uuid} stop /tmp/nope.wav") == \
        "-ERR Cannot stop record session!\n"
    await client.api(f"uuid_kill {call.uuid}")
    await call.wait_hangup()
    assert call.history.count("RECORD_STOP") == 2  # a hangup stops what still records


async def test_uuid_broadcast_plays_on_the_channel(node, client):
    call = await node.place_call("5015", "1000")
    await run(client, call, "answer")
    assert await client.api(f"uuid_broadcast {call.uuid} /s/x.wav aleg") == "+OK Message sent\n"
    await call.wait_event_count("PRIVATE_COMMAND", 2)
    assert call.played == ["/s/x.wav"] and call.parked
    assert await client.api("uuid_broadcast nope /s/x.wav") == "-ERR invalid uuid\n"


async def test_transfer_reroutes_and_parks_again(node, client):
    node.config.contexts = {"default", "other"}
    call = await node.place_call("5016", "1000")
    await client.execute(call.uuid, "transfer", "6000 XML other")
    await call.wait_event_count("CHANNEL_PARK", 2)
    assert (call.destination, call.context, call.profile.profile_index) == ("6000", "other", "2")
    assert await client.api(f"uuid_transfer {call.uuid} 7000") == "+OK\n"
    await call.wait_event_count("CHANNEL_PARK", 3)
    assert call.transfers == ["6000", "7000"] and call.context == "other"
    await client.api(f"uuid_transfer {call.uuid} 8000 XML missing")
    assert await call.wait_hangup() == "NO_ROUTE_DESTINATION"


async def test_sleep_echo_break_and_park(node, client):
    call = await node.place_call("5017", "1000")
    await run(client, call, "sleep", "200")
    echo = await client.execute(call.uuid, "echo")
    await call.wait_event_count("CHANNEL_EXECUTE", 3)
    assert not echo.done()
    assert await client.api(f"uuid_break {call.uuid}") == "+OK\n"
    await asyncio.wait_for(echo, 5)
    # uuid_park on a parked call ends its park application and parks it again
    # (park_on_parked_uuid_park): CHANNEL_UNPARK, then a second CHANNEL_PARK
    assert await client.api(f"uuid_park {call.uuid}") == "+OK\n"
    await call.wait_event_count("CHANNEL_PARK", 2)
    assert call.parked and call.history[-1] == "CHANNEL_PARK"
    assert call.history[-4:-1] == ["CHANNEL_UNPARK", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_STATE"]


async def test_log_application_reaches_log_listeners(node, client):
    call = await node.place_call("5018", "1000")
    lines = []
    client.on_frame(lambda frame: lines.append(frame) if frame.content_type == "log/data" else None)
    assert (await client.connection.command(b"log 6\n\n", "log", 5)) == "+OK log level 6 [6]"
    await run(client, call, "log", "INFO routing by time of day")
    await run(client, call, "log", "DEBUG not at level 6")
    texts = [f.text for f in lines]
    assert any(t.endswith(" [INFO] mod_dptools.c:1778 routing by time of day\n") for t in texts)
    assert not any("not at level 6" in t for t in texts)
    frame = next(f for f in lines if "routing by time" in f.text)
    assert list(frame.headers) == ["Content-Type", "Content-Length", "Log-Level", "Text-Channel",
                                   "Log-File", "Log-Func", "Log-Line", "User-Data"]
    assert frame.headers["User-Data"] == call.uuid


async def test_deflect_speak_and_unknown_application(node, client):
    call = await node.place_call("5019", "1000")
    await run(client, call, "answer")
    await run(client, call, "speak", "flite|kal|Hello there")
    assert call.played == ["speak:Hello there"]
    await client.execute(call.uuid, "deflect", "sip:1000@10.0.0.9")
    await call.wait_hangup()
    assert call.deflected_to == "sip:1000@10.0.0.9"
    other = await node.place_call("5020", "1000")
    await client.execute(other.uuid, "no_such_app")
    assert await other.wait_hangup() == "DESTINATION_OUT_OF_ORDER"


async def test_the_far_end_hangs_up_or_sends_digits(node, client):
    call = await node.place_call("5021", "1000")
    await run(client, call, "answer")
    call.send_dtmf("12#")
    assert call.dtmf_received == ["1", "2", "#"] and call.history.count("DTMF") == 3
    call.remote_hangup()
    assert await call.wait_hangup() == "NORMAL_CLEARING"
    assert call.variables["sip_hangup_disposition"] == "recv_bye"
    assert call.variables["digits_dialed"] == "12#"


async def test_uuid_hold_and_sched_hangup(node, client):
    call = await node.place_call("5022", "1000")
    await run(client, call, "answer")
    assert await client.api(f"uuid_hold {call.uuid}") == "+OK Success\n"
    assert call.callstate == "HELD" and "CHANNEL_HOLD" in call.history
    assert await client.api(f"uuid_hold off {call.uuid}") == "+OK Success\n"
    assert call.callstate == "ACTIVE" and "CHANNEL_UNHOLD" in call.history
    assert await client.api(f"sched_hangup +30 {call.uuid}") == "+OK Success\n"
    assert await call.wait_hangup() == "ALLOTTED_TIMEOUT"


async def test_hupall_and_show_channels(node, client):
    calls = [await node.place_call(f"60{n}", "1000") for n in range(3)]
    csv = await client.api("show channels")
    lines = csv.split("\n")
    assert lines[0].startswith("uuid,direction,created,created_epoch,name,state,cid_name,")
    assert len(lines) == 1 + 3 + 3 and lines[-2] == "3 total." and lines[-1] == ""
    assert await client.api("show channels count") == "\n3 total.\n"
    assert await client.api("hupall MANAGER_REQUEST") == \
        "+OK hangup all channels with cause MANAGER_REQUEST\n"
    for call in calls:
        assert await call.wait_hangup() == "MANAGER_REQUEST"


@pytest.mark.parametrize(("command", "output"), [
    ("uuid_answer nope", "-ERROR\n"),
    ("uuid_kill", "-USAGE: <uuid> [cause]\n"),
    ("uuid_bridge a", "-USAGE: <uuid> <other_uuid>\n"),
    ("uuid_bridge a b", "-ERR Invalid uuid\n"),
    ("uuid_exists nope", "false"),
    ("uuid_getvar nope x", "-ERR No such channel!\n"),
    ("uuid_park nope", "-ERR No such channel!\n"),
    ("uuid_record nope start /x.wav", "-ERR Cannot locate session!\n"),
    ("uuid_hold nope", "-ERR Operation failed\n"),
    ("uuid_setvar_multi nope a=1", "-ERR No such channel!\n-USAGE: <uuid> <var>=<value>;"
                                   "<var>=<value>...\n"),
    ("originate", "-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] "
                  "[<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n"),
    ("hostname", "fs1"),
    ("no_such_api", "-ERR no_such_api Command not found!\n"),
])
async def test_api_outputs(client, command, output):
    assert await client.api(command) == output


# -- bridge -----------------------------------------------------------------------------


async def test_bridge_answers_and_connects_the_b_leg(node, client):
    call = await node.place_call("0114412345", "1000")
    bridge = await client.execute(call.uuid, "bridge", "sofia/gateway/carrier/0114412345")
    await call.wait_bridged()
    assert call.answered and call.bridged_to == "sofia/gateway/carrier/0114412345"
    b_leg = call.peer
    assert b_leg.name == "sofia/gateway/carrier/0114412345" and b_leg.direction == "outbound"
    assert b_leg.history[:4] == ["CHANNEL_OUTGOING", "CHANNEL_STATE", "CHANNEL_CREATE",
                                 "CHANNEL_ORIGINATE"]
    assert "CHANNEL_BRIDGE" in call.history and b_leg.other_type == "originator"
    b_leg.remote_hangup()
    complete = await asyncio.wait_for(bridge, 5)
    assert complete["Application"] == "bridge"
    assert "CHANNEL_UNBRIDGE" in call.history and call.up and call.parked  # back in park
    assert call.variables["bridge_hangup_cause"] == "NORMAL_CLEARING"


async def test_hangup_after_bridge(node, client):
    call = await node.place_call("5030", "1000", variables={"hangup_after_bridge": "true"})
    await client.execute(call.uuid, "bridge", "sofia/external/5030@10.0.0.9")
    await call.wait_bridged()
    call.peer.remote_hangup()
    assert await call.wait_hangup() == "NORMAL_CLEARING"


async def test_caller_hangup_ends_the_b_leg(node, client):
    call = await node.place_call("5031", "1000")
    await client.execute(call.uuid, "bridge", "sofia/gateway/carrier/5031")
    await call.wait_bridged()
    b_leg = call.peer
    call.remote_hangup("NORMAL_CLEARING")
    assert await b_leg.wait_hangup() == "NORMAL_CLEARING"


@pytest.mark.parametrize(("outcome", "cause"), [
    (DialOutcome.busy(), "USER_BUSY"),
    (DialOutcome.no_answer(), "NO_ANSWER"),
    (DialOutcome.reject("CALL_REJECTED"), "CALL_REJECTED"),
    (DialOutcome.unregistered(), "USER_NOT_REGISTERED"),
    (DialOutcome.invalid_gateway(), "INVALID_GATEWAY"),
])
async def test_failed_bridge_hangs_up_the_caller_with_the_cause(node, client, outcome, cause):
    node.set_outcome(r"/carrier/", outcome)
    call = await node.place_call("5032", "1000",
                                 variables={"call_timeout": "5"})  # no answer: 5 s, scaled
    await client.execute(call.uuid, "bridge", "sofia/gateway/carrier/5032")
    assert await call.wait_hangup() == cause
    assert call.bridges[-1].cause == cause and call.bridged_to is None
    assert call.variables["originate_disposition"] == cause


async def test_continue_on_fail_keeps_the_caller_and_failover_dials_on(node, client):
    node.set_outcome(r"gateway/first/", DialOutcome.busy())
    call = await node.place_call("5033", "1000", variables={"continue_on_fail": "true"})
    complete = await run(client, call, "bridge", "sofia/gateway/first/5033")
    assert complete["Application"] == "bridge" and call.up and call.parked
    assert call.variables["DIALSTATUS"] == "BUSY"
    await client.execute(call.uuid, "bridge",
                         "sofia/gateway/first/5033|sofia/gateway/second/5033")
    await call.wait_bridged()
    assert call.bridged_to == "sofia/gateway/first/5033|sofia/gateway/second/5033"
    assert call.peer.name == "sofia/gateway/second/5033"


async def test_unknown_gateways_when_gateways_are_listed():
    async with EmulatedNode("fs1", time_scale=0.01, gateways={"carrier"}, registered={"1001"}) \
            as node, InboundClient(node.host, node.port, node.password) as client:
        assert await client.api("originate sofia/gateway/nope/123 &park()") == \
            "-ERR INVALID_GATEWAY\n"
        assert await client.api("originate user/1002 &park()") == "-ERR USER_NOT_REGISTERED\n"
        reply = await client.api("originate user/1001 &park()")
        assert reply.startswith("+OK ")
        leg = node.channels[reply[4:].strip()]
        await leg.wait_parked()
        assert leg.answered and leg.direction == "outbound"


async def test_originate_with_variables_and_a_busy_destination(node, client):
    uuid = "0c0ffee0-1111-4222-8333-944445555666"
    reply = await client.api("originate {origination_uuid=" + uuid + ",origination_caller_id_"
                             "number=15550001111}sofia/gateway/carrier/15551234567 &park()")
    assert reply == f"+OK {uuid}\n"
    leg = node.channels[uuid]
    assert leg.profile.caller_id_number == "15550001111"
    node.set_outcome("15557654321", DialOutcome.busy())
    assert await client.api("originate sofia/gateway/carrier/15557654321 &park()") == \
        "-ERR USER_BUSY\n"


async def test_originate_to_the_nodes_own_profile_arrives_as_an_inbound_call(node, client):
    """``originate sofia/external/1000@<the node's external address>``: the INVITE comes
    back to the node, so an inbound leg is routed in the profile's context; answering it
    answers the originate, and either leg's hangup ends the other."""
    job = await client.bgapi("originate sofia/external/1000@127.0.0.1:5080 &park()")
    async with asyncio.timeout(5):
        while len(node.calls) < 2:
            await asyncio.sleep(0.005)
    a_leg, inbound = node.calls[0], node.calls[1]
    await inbound.wait_parked()
    assert (inbound.direction, inbound.profile.context, inbound.profile.destination_number) == \
        ("inbound", "public", "1000")
    assert not job.done() and not a_leg.answered  # ringing while the call is routed
    assert await client.api(f"uuid_answer {inbound.uuid}") == "+OK\n"
    assert await job == f"+OK {a_leg.uuid}\n"
    await a_leg.wait_parked()
    assert await client.api(f"uuid_kill {inbound.uuid}") == "+OK\n"
    assert await a_leg.wait_hangup() == "NORMAL_CLEARING"  # the BYE reached the A leg


async def test_an_inbound_leg_refused_fails_the_originate_with_its_cause(node, client):
    job = await client.bgapi("originate sofia/internal/2000@127.0.0.1:5060 &park()")
    async with asyncio.timeout(5):
        while len(node.calls) < 2:
            await asyncio.sleep(0.005)
    inbound = node.calls[1]
    await inbound.wait_parked()
    assert inbound.profile.context == "default"  # the internal profile's context
    assert await client.api(f"uuid_kill {inbound.uuid} CALL_REJECTED") == "+OK\n"
    assert await job == "-ERR CALL_REJECTED\n"
    assert node.calls[0].hangup_cause == "CALL_REJECTED"
