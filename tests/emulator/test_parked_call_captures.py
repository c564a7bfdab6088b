"""Parked-call edge cases captured on FreeSWITCH 1.11 (the second capture), replayed.

Each test opens a fresh ``event plain ALL`` connection, sends what the capture client
sent (``real/_transcript_capture2.log``) and compares the emulator's frames with the
capture folder of the same name: every channel's events in the same order with the
same header names, the values of the headers that carry the meaning (causes,
application responses, states), and the reply bodies byte for byte.
"""

from __future__ import annotations

import uuid as uuidlib

import pytest

from switchy.emulator import EmulatedCluster, EmulatedNode
from tests.support.captures import (
    Seen,
    Wire,
    channel_differences,
    labels,
    sequence,
    value_differences,
)

pytestmark = pytest.mark.emulator_only  # the emulator compared with the captures

# The headers whose values say what happened, compared event by event.
KEY_HEADERS = ("Event-Name", "Channel-State", "Channel-Call-State", "Channel-Name",
               "Call-Direction", "Answer-State", "Hangup-Cause", "Application",
               "Application-Data", "Application-Response", "Caller-Context",
               "Caller-Destination-Number", "Playback-File-Path",
               "variable_originate_disposition", "variable_DIALSTATUS",
               "variable_continue_on_fail", "variable_hangup_cause",
               "variable_sip_hangup_disposition", "variable_loopback_leg",
               "Event-Calling-Function")


def execute(uuid: str, app: str, arg: str | None = None) -> bytes:
    """The capture client's sendmsg execute, byte for byte."""
    lines = [f"sendmsg {uuid}", "call-command: execute", f"execute-app-name: {app}"]
    if arg is not None:
        lines.append(f"execute-app-arg: {arg}")
    lines.append("event-lock: true")
    return ("\n".join(lines) + "\n\n").encode()


def event(name: str, uuid: str, **values: str):  # type: ignore[no-untyped-def]
    def matches(f: Seen) -> bool:
        return f.label == f"event_{name}" and f.values.get("Unique-ID") == uuid and all(
            f.values.get(k.replace("_", "-")) == v for k, v in values.items())
    return matches


class Scenario:
    """One capture scenario: a fresh connection and a parked loopback call on it."""

    def __init__(self, node: EmulatedNode, wire: Wire) -> None:
        self.node = node
        self.wire = wire
        self.a = str(uuidlib.uuid4())  # chosen with origination_uuid, as the client did
        self.b = ""

    @classmethod
    async def open(cls, node: EmulatedNode) -> Scenario:
        wire = await Wire.open(node.host, node.port)
        await wire.command(b"auth ClueCon\n\n")
        await wire.command(b"event plain ALL\n\n")
        return cls(node, wire)

    async def originate(self, *, answered: bool, context: str = "switchy",
                        destination: str = "1000") -> None:
        """``bgapi originate {origination_uuid=A}loopback/1000/switchy &park``; B parks."""
        await self.wire.command(f"bgapi originate {{origination_uuid={self.a}}}loopback/"
                                f"{destination}/{context} &park\n\n".encode())
        if context != "switchy":
            return
        park = await self.wire.until(lambda f: f.label == "event_CHANNEL_PARK")
        self.b = park.values["Unique-ID"]
        if answered:
            assert (await self.api(f"uuid_answer {self.b}")).body == b"+OK\n"
            await self.wire.until(event("CHANNEL_PARK", self.a))

    async def api(self, command: str) -> Seen:
        return await self.wire.command(f"api {command}\n\n".encode())

    async def send(self, data: bytes) -> Seen:
        return await self.wire.command(data)

    async def finish(self) -> list[Seen]:
        """Wait until both legs are destroyed; every frame since the greeting."""
        for uuid in (self.a, self.b):
            if uuid:
                await self.wire.until(lambda f, u=uuid: f.label == "event_CHANNEL_STATE" and
                                      f.values.get("Unique-ID") == u and
                                      f.values.get("Channel-State") == "CS_DESTROY")
        self.wire.close()
        return self.wire.frames

    def compare(self, name: str, *, variables: str = "order",
                keys: tuple[str, ...] = KEY_HEADERS) -> list[Seen]:
        real = sequence(name)
        mine = self.wire.frames
        differences = channel_differences(mine, real, variables=variables)
        assert not differences, "\n".join(differences)
        differences = value_differences(mine, real, keys)
        assert not differences, "\n".join(differences)
        return real


def replies(frames: list[Seen]) -> list[bytes]:
    return [f.raw for f in frames if f.content_type in ("command/reply", "api/response")]


def b_leg(frames: list[Seen], uuid: str) -> list[str]:
    return labels([f for f in frames if f.values.get("Unique-ID") == uuid])


@pytest.fixture
async def node():  # type: ignore[no-untyped-def]
    async with EmulatedCluster(nodes=1, time_scale=0.01, missing_files={"/nonexistent.wav"}, park_expression="^(.*)$",
                               unloaded_applications={"voicemail"}) as cluster:
        yield cluster.nodes[0]
        assert cluster.nodes[0].errors == []


async def test_uuid_park_on_a_parked_channel_parks_it_again_then_wedges_it(node):
    s = await Scenario.open(node)
    await s.originate(answered=False)
    first = await s.api(f"uuid_park {s.b}")
    await s.wire.until(lambda f: f.label == "event_CHANNEL_PARK" and
                       f.values.get("Unique-ID") == s.b and
                       f.values.get("Event-Calling-Line-Number") == "1002")
    second = await s.api(f"uuid_park {s.b}")
    await s.wire.until(lambda f: f.label == "event_CHANNEL_UNPARK" and
                       f.values.get("Unique-ID") == s.b and
                       sum(x.label == "event_CHANNEL_UNPARK" for x in s.wire.frames) == 2)
    accepted = await s.send(execute(s.b, "playback", "tone_stream://%(100,0,440)"))
    # A barrier: the node answers this api only after the playback could have started.
    assert (await s.api(f"uuid_exists {s.b}")).body == b"true"
    await s.api(f"uuid_kill {s.b}")
    frames = await s.finish()
    real = s.compare("park_on_parked_uuid_park")
    assert first.raw == second.raw == real[22].raw  # +OK\n
    assert accepted.raw == real[31].raw
    assert "event_PLAYBACK_START" not in b_leg(frames, s.b)  # never ran
    command = next(f for f in frames if f.label == "event_PRIVATE_COMMAND")
    assert command.values["execute-app-name"] == "playback"
    channel = node.channels.get(s.b) or next(c for c in node.calls if c.uuid == s.b)
    assert channel.played == []


async def test_execute_park_on_a_parked_channel_returns_at_once(node):
    s = await Scenario.open(node)
    await s.originate(answered=False)
    await s.send(execute(s.b, "park"))
    await s.wire.until(event("CHANNEL_EXECUTE_COMPLETE", s.b, Application="park"))
    await s.send(execute(s.b, "playback", "tone_stream://%(100,0,440)"))
    done = await s.wire.until(event("CHANNEL_EXECUTE_COMPLETE", s.b, Application="playback"))
    assert done.values["Application-Response"] == "FILE PLAYED"
    await s.api(f"uuid_kill {s.b}")
    await s.finish()
    s.compare("park_on_parked_execute_park")


async def test_uuid_break_on_an_idle_parked_channel_does_nothing(node):
    s = await Scenario.open(node)
    await s.originate(answered=False)
    reply = await s.api(f"uuid_break {s.b}")
    assert (await s.api(f"uuid_exists {s.b}")).body == b"true"
    parked = node.channels[s.b]
    assert parked.parked and not parked.ended
    await s.api(f"uuid_kill {s.b}")
    frames = await s.finish()
    real = s.compare("uuid_break_idle_parked")
    assert reply.raw == real[22].raw
    assert parked.hangup_cause == "NORMAL_CLEARING"
    assert [f.values["Hangup-Cause"] for f in frames if f.label == "event_CHANNEL_HANGUP"] == \
        [f.values["Hangup-Cause"] for f in real if f.label == "event_CHANNEL_HANGUP"]


async def test_respond_407_on_a_loopback_leg_leaves_it_up(node):
    s = await Scenario.open(node)
    await s.originate(answered=False)
    await s.send(execute(s.b, "respond", "407"))
    done = await s.wire.until(event("CHANNEL_EXECUTE_COMPLETE", s.b, Application="respond"))
    assert done.values["Application-Response"] == "_none_"
    assert (await s.api(f"uuid_exists {s.b}")).body == b"true"
    await s.api(f"uuid_kill {s.b}")
    await s.finish()
    s.compare("respond_407_loopback")


async def test_respond_407_on_a_sip_leg_rejects_the_call(node):
    s = await Scenario.open(node)
    call = await node.place_call("1407", "sipp", context="switchy", network_port=15077,
                                 variables={"sip_subject": "capture2 respond 407"})
    await s.send(execute(call.uuid, "respond", "407"))
    await call.wait_destroyed()
    await s.wire.until(lambda f: f.label == "event_CHANNEL_STATE" and
                       f.values.get("Channel-State") == "CS_DESTROY")
    real = s.compare("respond_407_sofia", variables="ignore")
    assert call.hangup_cause == "CALL_REJECTED" and call.responded == 407
    assert call.variables["sip_hangup_disposition"] == "send_refuse"
    ours = b_leg(s.wire.frames, call.uuid)
    assert ours.index("event_CHANNEL_HANGUP") < ours.index("event_CHANNEL_EXECUTE_COMPLETE")
    assert real  # the captured order, compared above


@pytest.mark.parametrize(("name", "target", "cause", "dialstatus"), [
    ("bridge_missing_gateway", "sofia/gateway/nosuch/1000", "INVALID_GATEWAY", "INVALID_GATEWAY"),
    ("bridge_missing_profile", "sofia/nosuch/1000@127.0.0.1", "INVALID_PROFILE", "INVALIDARGS"),
])
async def test_a_failed_bridge_hangs_up_the_caller(node, name, target, cause, dialstatus):
    node.config.gateways = set()  # no gateway exists, as on the capture's node
    s = await Scenario.open(node)
    await s.originate(answered=True)
    await s.send(execute(s.b, "bridge", target))
    frames = await s.finish()
    s.compare(name)
    hangup = next(f for f in frames if f.label == "event_CHANNEL_HANGUP"
                  and f.values["Unique-ID"] == s.b)
    assert hangup.values["Hangup-Cause"] == cause
    assert hangup.values["variable_DIALSTATUS"] == dialstatus
    assert hangup.values["variable_originate_disposition"] == cause
    # the outbound session that never was: destroyed with no name and no CHANNEL_CREATE
    ghost = next(f for f in frames if f.label == "event_CHANNEL_DESTROY"
                 and f.values["Unique-ID"] not in (s.a, s.b))
    assert ghost.values["Channel-Name"] == "N/A"


async def test_a_failed_bridge_with_continue_on_fail_returns_to_park(node):
    node.config.gateways = set()
    s = await Scenario.open(node)
    await s.originate(answered=True)
    await s.send(execute(s.b, "set", "continue_on_fail=true"))
    await s.wire.until(event("CHANNEL_EXECUTE_COMPLETE", s.b, Application="set"))
    await s.send(execute(s.b, "bridge", "sofia/gateway/nosuch/1000"))
    done = await s.wire.until(event("CHANNEL_EXECUTE_COMPLETE", s.b, Application="bridge"))
    assert done.values["variable_originate_disposition"] == "INVALID_GATEWAY"
    await s.send(execute(s.b, "playback", "tone_stream://%(100,0,440)"))
    played = await s.wire.until(event("CHANNEL_EXECUTE_COMPLETE", s.b, Application="playback"))
    assert played.values["Application-Response"] == "FILE PLAYED"
    await s.api(f"uuid_kill {s.b}")
    await s.finish()
    s.compare("bridge_missing_gateway_continue_on_fail")


async def test_a_parked_channel_stays_up_after_the_last_execute(node):
    s = await Scenario.open(node)
    await s.originate(answered=True)
    await s.send(execute(s.b, "playback", "tone_stream://%(100,0,440)"))
    await s.wire.until(event("CHANNEL_EXECUTE_COMPLETE", s.b, Application="playback"))
    exists = await s.api(f"uuid_exists {s.b}")
    await s.api(f"uuid_kill {s.b}")
    await s.finish()
    real = s.compare("after_last_execute")
    assert exists.raw == real[40].raw  # "true", 4 bytes, no newline


async def test_an_xml_extension_hangs_up_after_its_last_application(node):
    def capture_tmp(ch):  # type: ignore[no-untyped-def]
        """The capture's temporary context: ``^(.*)$`` on destination_number, then apps."""
        ch.set_var("DP_MATCH", f"ARRAY::{ch.destination}|:{ch.destination}")
        if ch.profile.context == "capture_tmp":
            return [("answer", ""), ("playback", "tone_stream://%(100,0,440)")]
        return [("park", "")]

    node.config.extensions = capture_tmp
    s = await Scenario.open(node)
    await s.originate(answered=False, context="capture_tmp", destination="100")
    await s.wire.until(event("CHANNEL_STATE", s.a, Channel_State="CS_DESTROY"))
    b = next(c for c in node.calls if c.uuid != s.a)
    await s.wire.until(event("CHANNEL_STATE", b.uuid, Channel_State="CS_DESTROY"))
    frames = s.wire.frames
    s.compare("xml_extension_end")
    assert b.hangup_cause == "NORMAL_CLEARING"
    ours = b_leg(frames, b.uuid)
    last = len(ours) - 1 - ours[::-1].index("event_CHANNEL_EXECUTE_COMPLETE")
    assert ours[last + 1] == "event_CHANNEL_HANGUP"  # in the tick of the last app's end


async def test_a_missing_sound_file_is_reported_and_the_call_stays_up(node):
    s = await Scenario.open(node)
    await s.originate(answered=True)
    await s.send(execute(s.b, "playback", "/nonexistent.wav"))
    done = await s.wire.until(event("CHANNEL_EXECUTE_COMPLETE", s.b, Application="playback"))
    assert done.values["Application-Response"] == "FILE NOT FOUND"
    await s.api(f"uuid_kill {s.b}")
    await s.finish()
    s.compare("missing_sound_file")


async def test_an_unloaded_application_hangs_the_call_up(node):
    s = await Scenario.open(node)
    await s.originate(answered=True)
    reply = await s.send(execute(s.b, "voicemail", "default x 1000"))
    frames = await s.finish()
    real = s.compare("unloaded_application")
    assert reply.raw == real[34].raw  # +OK: the command was accepted
    assert node.channels.get(s.b) is None
    assert "event_CHANNEL_EXECUTE" not in b_leg(frames, s.b)[-12:]
    assert next(f for f in frames if f.label == "event_CHANNEL_HANGUP" and
                f.values["Unique-ID"] == s.b).values["Hangup-Cause"] == "DESTINATION_OUT_OF_ORDER"


async def test_origination_uuid_renames_the_a_leg_with_channel_uuid(node):
    s = await Scenario.open(node)
    await s.originate(answered=True)
    await s.api(f"uuid_kill {s.b}")
    frames = await s.finish()
    real = s.compare("originate_uuid_events")
    renamed = next(f for f in frames if f.label == "event_CHANNEL_UUID")
    first = next(f for f in frames if f.label == "event_CODEC")
    assert renamed.values["Unique-ID"] == s.a
    assert renamed.values["Old-Unique-ID"] == first.values["Unique-ID"] != s.a
    assert first.values["Channel-Name"] == "loopback/1000/switchy-a"
    assert renamed.names == next(f for f in real if f.label == "event_CHANNEL_UUID").names
    park = next(f for f in frames if f.label == "event_CHANNEL_PARK")
    assert park.values["Unique-ID"] == s.b and park.values["variable_origination_uuid"] == s.a


async def test_uuid_send_dtmf_on_a_gone_channel(node):
    s = await Scenario.open(node)
    reply = await s.api("uuid_send_dtmf 5a9fdf2e-9f44-430d-93ec-f49260f083e3 1#")
    assert reply.raw == b"Content-Type: api/response\nContent-Length: 28\n\n" \
                        b"-ERR Cannot locate session!\n"
    s.wire.close()
