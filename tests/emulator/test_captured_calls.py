"""Loopback originates and a bridge, as captured from FreeSWITCH 1.11, replayed.

Each test sends what the capture client sent (``real/_transcript.txt``) and compares
the events of every channel with the capture: same events, same order, same header
names. Replies are compared byte for byte where their content is deterministic.
"""

from __future__ import annotations

import re

import pytest

from switchy.emulator import EmulatedCluster
from tests.support.captures import Wire, channel_differences, read_file, sequence

pytestmark = pytest.mark.emulator_only  # the emulator compared with the captures
UUID_RE = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


async def wire(node) -> Wire:  # type: ignore[no-untyped-def]
    w = await Wire.open(node.host, node.port)
    await w.command(b"auth ClueCon\n\n")
    return w


def destroyed(uuid: str):  # type: ignore[no-untyped-def]
    return lambda f: f.label == "event_CHANNEL_STATE" and f.values.get("Unique-ID") == uuid \
        and f.values.get("Channel-State") == "CS_DESTROY"


async def test_api_originate_loopback_parks_both_legs_like_freeswitch():
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]
        main = await wire(node)
        await main.command(b"event plain ALL\n\n")
        first = len(main.frames)
        originate = await wire(node)
        originate.send(b"api originate loopback/1234/switchy &park()\n\n")
        b_park = await main.until(lambda f: f.label == "event_CHANNEL_PARK")
        b = b_park.values["Unique-ID"]
        assert b_park.values["Channel-Name"] == "loopback/1234-b"
        assert not any(f.content_type == "api/response" for f in originate.frames)  # blocks
        await main.command(f"api uuid_answer {b}\n\n".encode())
        reply = await originate.until(lambda f: f.content_type == "api/response")
        assert re.fullmatch(rb"Content-Type: api/response\nContent-Length: 41\n\n\+OK "
                            + UUID_RE.encode() + rb"\n", reply.raw)
        a = reply.body.decode()[4:].strip()
        a_park = await main.until(lambda f: f.label == "event_CHANNEL_PARK"
                                  and f.values["Unique-ID"] == a)
        assert a_park.values["Channel-Name"] == "loopback/1234-a"
        await main.command(f"api uuid_kill {a}\n\n".encode())
        await main.until(destroyed(a))
        real = sequence("loopback_originate_event_plain_all")
        assert channel_differences(main.frames[first:], real) == []
        assert a_park.names == sequence("loopback_originate_event_plain_all")[27].names
        b_real = read_file("loopback_originate_b_leg_channel_park.txt")
        from tests.support.captures import parse_all
        assert b_park.names == parse_all(b_real)[0].names
        assert node.calls[0].hangup_cause == node.calls[1].hangup_cause == "NORMAL_CLEARING"


async def test_bgapi_originate_and_dtmf_over_loopback():
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]
        main = await wire(node)
        await main.command(b"event plain ALL\n\n")
        first = len(main.frames)
        reply = await main.command(b"bgapi originate loopback/1234/switchy &park()\n\n")
        assert re.fullmatch(rb"Content-Type: command/reply\nReply-Text: \+OK Job-UUID: ("
                            + UUID_RE.encode() + rb")\nJob-UUID: \1\n\n", reply.raw)
        b = (await main.until(lambda f: f.label == "event_CHANNEL_PARK")).values["Unique-ID"]
        await main.command(f"api uuid_answer {b}\n\n".encode())
        job = await main.until(lambda f: f.label == "event_BACKGROUND_JOB")
        a = job.body.split(b"\n\n", 1)[1][4:].decode().strip()
        assert job.body.endswith(f"Content-Length: 41\n\n+OK {a}\n".encode())
        await main.until(lambda f: f.label == "event_CHANNEL_PARK" and f.values["Unique-ID"] == a)
        sent = await main.command(f"api uuid_send_dtmf {a} 1#\n\n".encode())
        assert sent.body == f"+OK {a} sent DTMF 1#.\n".encode()
        event = await main.until(lambda f: f.label == "event_DTMF"
                                 and f.values["DTMF-Digit"] == "#")
        digits = [f.values["DTMF-Digit"] for f in main.frames if f.label == "event_DTMF"]
        assert digits == ["1", "#"] and event.values["Unique-ID"] == b
        await main.command(f"api uuid_kill {a}\n\n".encode())
        await main.until(destroyed(a))
        real = sequence("loopback_dtmf_event_plain_all")
        assert channel_differences(main.frames[first:], real) == []
        b_leg = node.calls[1]
        assert b_leg.dtmf_received == ["1", "#"] and b_leg.variables["digits_dialed"] == "1#"


async def test_originate_into_a_missing_context_fails_with_no_route():
    async with EmulatedCluster(nodes=1, time_scale=0.01, contexts={"switchy"}) as cluster:
        node = cluster.nodes[0]
        main = await wire(node)
        await main.command(b"event plain ALL\n\n")
        first = len(main.frames)
        await main.command(b"bgapi originate {originate_timeout=5}loopback/1234/no_such_context"
                           b" &park()\n\n")
        job = await main.until(lambda f: f.label == "event_BACKGROUND_JOB")
        for ch in list(node.calls):
            await ch.wait_destroyed()
        await main.until(destroyed(node.calls[0].uuid))
        real = sequence("bgapi_originate_fail_event_plain_all")
        assert channel_differences(main.frames[first:], real) == []
        real_job = next(f for f in real if f.label == "event_BACKGROUND_JOB")
        assert job.names == real_job.names
        assert job.values["Job-Command-Arg"] == real_job.values["Job-Command-Arg"]
        assert job.body.endswith(b"Content-Length: 26\n\n-ERR NO_ROUTE_DESTINATION\n")
        assert [ch.hangup_cause for ch in node.calls] == ["NO_ROUTE_DESTINATION"] * 2


async def test_uuid_bridge_of_two_parked_calls():
    first_uuid = "fe594237-d5ce-4f8e-87ed-2e2445ab70dd"  # the captured uuids, reused
    second_uuid = "14dc9c9f-ca09-4ea4-8c02-4f878a74695f"
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]
        main = await wire(node)
        await main.command(b"event plain ALL\n\n")
        first = len(main.frames)
        one = await node.place_call("1234", "sipp", context="switchy", network_port=5072,
                                    uuid=first_uuid, variables={"sip_subject": "Performance Test"})
        two = await node.place_call("5678", "sipp", context="switchy", network_port=5074,
                                    uuid=second_uuid, variables={"sip_subject": "Performance Test"})
        await main.command(f"api uuid_answer {first_uuid}\n\n".encode())
        await main.command(f"api uuid_answer {second_uuid}\n\n".encode())
        reply = await main.command(f"api uuid_bridge {first_uuid} {second_uuid}\n\n".encode())
        assert reply.raw == read_file("api_uuid_bridge_reply.txt")
        await main.until(lambda f: f.label == "event_CALL_UPDATE"
                         and f.values["Unique-ID"] == second_uuid)
        assert one.bridged_to == second_uuid and two.bridged_to == first_uuid
        await main.command(f"api uuid_kill {first_uuid}\n\n".encode())
        await main.until(destroyed(first_uuid))
        await two.wait_destroyed()
        again = await main.command(f"api uuid_kill {second_uuid}\n\n".encode())
        assert again.raw == read_file("sipp_bridge_uuid_kill_second_leg_reply.txt")
        real = sequence("sipp_bridge_event_plain_all")
        # The order of some variables depends on when each caller's ACK arrived.
        assert channel_differences(main.frames[first:], real, variables="set") == []
        bridge = next(f for f in main.frames if f.label == "event_CHANNEL_BRIDGE")
        assert bridge.names == next(f for f in real if f.label == "event_CHANNEL_BRIDGE").names
        assert (one.hangup_cause, two.hangup_cause) == ("NORMAL_CLEARING", "NORMAL_CLEARING")


@pytest.mark.parametrize("name", ["sipp_inbound_channel_create.txt",
                                  "sipp_inbound_channel_park.txt"])
async def test_single_captured_events_of_an_inbound_call(name):
    from tests.support.captures import parse_all
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]
        main = await wire(node)
        await main.command(b"event plain CHANNEL_CREATE CHANNEL_PARK\n\n")
        await node.place_call("1234", "sipp", context="switchy", network_port=5070,
                              variables={"sip_subject": "Performance Test"})
        real = parse_all(read_file(name))[0]
        ours = await main.until(lambda f: f.label == real.label)
        assert ours.names == real.names
        for header in ("Channel-State", "Channel-Call-State", "Channel-State-Number",
                       "Channel-Name", "Caller-Destination-Number", "Caller-Context",
                       "Caller-Caller-ID-Number", "Event-Calling-File",
                       "Event-Calling-Function", "Event-Calling-Line-Number",
                       "variable_sip_req_uri", "variable_sofia_profile_name"):
            assert ours.values[header] == real.values[header], header
