"""The emulator driven exactly as the capture client drove a real FreeSWITCH 1.11.

``real/_transcript.txt`` shows the bytes the capture client sent on each of its
connections during the sipp call scenario. The same bytes are sent here, to an
emulated node carrying a call with the captured call's uuid, caller and profile, and
every frame each connection receives is compared with the captured ones: replies byte
for byte, events by kind, order and header names (per channel: how FreeSWITCH's
threads interleave two channels is not something to copy).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from switchy.emulator import EmulatedCluster
from tests.support.captures import Seen, Wire, channel_differences, labels, read_file, sequence

pytestmark = pytest.mark.emulator_only  # the call is placed with the emulator's Python API

UUID = "7b055527-a5ce-4033-b8a4-e09d30774527"  # the captured call's uuid, reused here
JOB = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
EVENT_UUID = "11111111-2222-3333-4444-555555555555"


async def _scenario() -> dict[str, Any]:
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]

        async def connect(*commands: bytes) -> Wire:
            wire = await Wire.open(node.host, node.port)
            await wire.until(lambda f: f.content_type == "auth/request")
            for command in commands:
                await wire.command(command)
            return wire

        main = await connect(b"auth ClueCon\n\n", b"event plain ALL\n\n")
        first = len(main.frames)
        call = await node.place_call("1234", "sipp", context="switchy", profile="external",
                                     network_port=5070, uuid=UUID,
                                     variables={"sip_subject": "Performance Test"})
        await main.until(lambda f: f.label == "event_CHANNEL_PARK")
        myevents = await connect(b"auth ClueCon\n\n", b"myevents\n\n", f"myevents {UUID}\n\n".encode())
        filtered = await connect(b"auth ClueCon\n\n", b"event plain ALL\n\n",
                                 f"filter Unique-ID {UUID}\n\n".encode())
        json_conn = await connect(b"auth ClueCon\n\n", b"event json ALL\n\n")
        linger = await connect(b"auth ClueCon\n\n", f"myevents {UUID} json\n\n".encode(),
                               b"linger 2\n\n", b"getvar sip_from_user\n\n",
                               b"getvar no_such_variable\n\n")
        await filtered.command(b"linger\n\n")
        xml = await connect(b"auth ClueCon\n\n",
                            b"event xml CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE\n\n")

        await main.command(f"api uuid_answer {UUID}\n\n".encode())
        await main.command(f"api uuid_broadcast {UUID} tone_stream://%(1000,0,440) aleg\n\n"
                           .encode())
        await main.until(lambda f: f.label == "event_PRIVATE_COMMAND")
        await main.command(f"sendmsg {UUID}\ncall-command: execute\nexecute-app-name: playback\n"
                           "execute-app-arg: tone_stream://%(500,0,880)\nevent-lock: true\n\n"
                           .encode())
        await call.wait_event_count("PRIVATE_COMMAND", 2)
        await main.command(f"sendmsg {UUID}\ncall-command: execute\nexecute-app-name: playback\n"
                           f"Event-UUID: {EVENT_UUID}\ncontent-type: text/plain\n"
                           "content-length: 26\n\ntone_stream://%(300,0,660)".encode())
        await call.wait_event_count("PRIVATE_COMMAND", 3)
        await main.command(b"sendmsg nonexistent-uuid\ncall-command: execute\n"
                           b"execute-app-name: playback\n"
                           b"execute-app-arg: tone_stream://%(1000,0,440)\n\n")
        await main.command(b"bgapi status\n\n")
        await main.until(lambda f: f.label == "event_BACKGROUND_JOB")
        await main.command(f"bgapi uuid_kill nonexistent-uuid\nJob-UUID: {JOB}\n\n".encode())
        await main.until(lambda f: f.label == "event_BACKGROUND_JOB" and JOB.encode() in f.body)
        dump = await main.command(f"api uuid_dump {UUID}\n\n".encode())
        dump_json = await main.command(f"api uuid_dump {UUID} json\n\n".encode())
        show = await main.command(b"api show channels as json\n\n")
        await main.command(f"api uuid_kill {UUID}\n\n".encode())
        await call.wait_destroyed()
        await main.until(lambda f: f.label == "event_CHANNEL_STATE"
                         and f.values.get("Channel-State") == "CS_DESTROY")
        for wire in (myevents, linger):
            await wire.closing()
        await filtered.until(lambda f: f.values.get("Channel-State") == "CS_DESTROY")
        await json_conn.until(lambda f: f.values.get("Channel-State") == "CS_DESTROY")
        await xml.until(lambda f: f.label == "event_CHANNEL_HANGUP_COMPLETE")
        main_frames = main.frames[first:]
        for wire in (main, filtered, json_conn, xml):
            wire.close()
        return {"main": main_frames, "myevents": myevents.frames, "filter": filtered.frames,
                "json": json_conn.frames, "linger": linger.frames, "xml": xml.frames,
                "dump": dump, "dump_json": dump_json, "show": show, "call": call}


@pytest.fixture(scope="module")
def run() -> dict[str, Any]:
    return asyncio.run(_scenario())


def replies(frames: list[Seen]) -> list[Seen]:
    return [f for f in frames if not f.content_type.startswith("text/event-")]


def same_bytes(mine: Seen, real: Seen, *, job_uuids: bool = False) -> None:
    a, b = mine.raw, real.raw
    if job_uuids:  # a Job-UUID FreeSWITCH chose; ours is another one
        pattern = rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        a, b = re.sub(pattern, b"U", a), re.sub(pattern, b"U", b)
    assert a == b


def test_main_connection_sees_the_captured_events_in_order(run):
    real = sequence("sipp_inbound_call_event_plain_all")
    # API events trail their commands by a variable amount, on FreeSWITCH as here
    assert labels(run["main"], skip=("event_API",)) == labels(real, skip=("event_API",))
    assert labels(run["main"]).count("event_API") == labels(real).count("event_API")


def test_main_connection_events_carry_the_captured_headers_in_order(run):
    real = sequence("sipp_inbound_call_event_plain_all")
    assert channel_differences(run["main"], real) == []
    ours = [f for f in run["main"] if f.label in ("event_API", "event_BACKGROUND_JOB")]
    theirs = [f for f in real if f.label in ("event_API", "event_BACKGROUND_JOB")]
    assert sorted(tuple(f.names) for f in ours) == sorted(tuple(f.names) for f in theirs)


def test_main_connection_replies_are_byte_exact(run):
    ours, theirs = replies(run["main"]), replies(sequence("sipp_inbound_call_event_plain_all"))
    assert [f.label for f in ours] == [f.label for f in theirs]
    for mine, real in zip(ours, theirs, strict=True):
        body = real.body
        if real.content_type == "api/response" and (body.startswith(b"Event-Name: CHANNEL_DATA")
                                                    or body.startswith(b"{")):
            continue  # uuid_dump and show channels: compared header by header below
        same_bytes(mine, real, job_uuids=b"Job-UUID" in real.raw)


def test_background_jobs_match(run):
    ours = [f for f in run["main"] if f.label == "event_BACKGROUND_JOB"]
    custom = ours[1]
    real = sequence("sipp_inbound_call_event_plain_all")[41]
    assert custom.names == real.names
    assert custom.values["Job-UUID"] == JOB
    assert custom.body.endswith(b"Content-Length: 22\n\n-ERR No such channel!\n")
    assert custom.body.split(b"\n\n", 1)[1] == real.body.split(b"\n\n", 1)[1]
    status = ours[0].body.split(b"\n\n", 1)[1].decode()
    assert status.startswith("UP 0 years, 0 days, 0 hours, 0 minutes, ")
    assert "FreeSWITCH (Version 1.11.3-dev  64bit) is ready\n" in status


def test_uuid_dump_has_the_captured_header_set(run):
    real = parse_dump(read_file("api_uuid_dump_reply.txt"))
    ours = parse_dump(run["dump"].raw)
    assert ours == real
    assert run["dump"].raw.endswith(b"\n\n")
    real_json = parse_json_keys(read_file("api_uuid_dump_json_reply.txt"))
    assert parse_json_keys(run["dump_json"].raw) == real_json


def test_show_channels_as_json_has_the_captured_columns(run):
    import json
    real = json.loads(read_file("api_show_channels_json_reply.txt").split(b"\n\n", 1)[1])
    ours = json.loads(run["show"].body)
    assert ours["row_count"] == real["row_count"] == 1
    assert list(ours["rows"][0]) == list(real["rows"][0])
    stable = ("uuid", "direction", "name", "state", "cid_name", "cid_num", "ip_addr", "dest",
              "application", "application_data", "dialplan", "context", "read_codec",
              "callstate", "call_uuid", "initial_dest", "initial_context")
    assert {k: ours["rows"][0][k] for k in stable} == {k: real["rows"][0][k] for k in stable}


def test_myevents_connection(run):
    ours, real = run["myevents"], sequence("sipp_inbound_call_myevents_uuid")
    assert labels(ours) == labels(real)
    for mine, theirs in zip(replies(ours), replies(real), strict=True):
        same_bytes(mine, theirs)
    assert channel_differences(ours, real) == []


def test_myevents_json_with_linger(run):
    ours, real = run["linger"], sequence("sipp_inbound_call_myevents_uuid_json_linger")
    assert labels(ours) == labels(real)  # still text/event-plain, as FreeSWITCH sends
    for mine, theirs in zip(replies(ours), replies(real), strict=True):
        same_bytes(mine, theirs)  # getvar, linger notice, final notice
    assert channel_differences(ours, real) == []


def test_filter_connection_gets_only_its_channel(run):
    ours, real = run["filter"], sequence("sipp_inbound_call_filter_unique_id")
    assert labels(ours) == labels(real)
    for mine, theirs in zip(replies(ours), replies(real), strict=True):
        same_bytes(mine, theirs)
    assert channel_differences(ours, real) == []


def test_json_connection(run):
    ours, real = run["json"], sequence("sipp_inbound_call_event_json_all")
    assert labels(ours, skip=("event_API",)) == labels(real, skip=("event_API",))
    assert channel_differences(ours, real) == []
    answer = next(f for f in ours if f.label == "event_CHANNEL_ANSWER")
    assert answer.body.startswith(b'{"Event-Name":"CHANNEL_ANSWER","Core-UUID":"')


def test_xml_connection(run):
    ours, real = run["xml"], sequence("sipp_inbound_call_event_xml")
    assert labels(ours) == labels(real)
    for mine, theirs in zip(replies(ours), replies(real), strict=True):
        same_bytes(mine, theirs)
    assert channel_differences(ours, real) == []
    assert ours[-1].body.startswith(b"<event>\n  <headers>\n    <Event-Name>")
    assert ours[-1].body.endswith(b"  </headers>\n</event>\n")


def test_the_call_recorded_what_happened(run):
    call = run["call"]
    assert call.answered and call.hangup_cause == "NORMAL_CLEARING"
    assert call.played == ["tone_stream://%(1000,0,440)", "tone_stream://%(500,0,880)",
                           "tone_stream://%(300,0,660)"]
    assert [app for app, _ in call.applications] == ["park", "playback", "playback", "playback"]
    assert call.variables["playback_ms"] == "300"
    assert call.variables["last_arg"] == "tone_stream://%(300,0,660)"


def parse_dump(raw: bytes) -> list[str]:
    body = raw.split(b"\n\n", 1)[1].decode()
    return [line.partition(": ")[0] for line in body.split("\n") if line]


def parse_json_keys(raw: bytes) -> list[str]:
    import json
    return [k for k, _ in json.loads(raw.split(b"\n\n", 1)[1], object_pairs_hook=list)]
