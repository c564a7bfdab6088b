"""Event subscription, filters and serialization, as mod_event_socket applies them."""

from __future__ import annotations

import json

import pytest

from switchy.esl import Event
from switchy.esl.events import event_frame
from tests.support.captures import Wire

pytestmark = pytest.mark.emulator_only  # calls are placed from Python


async def listen(node, *commands: bytes) -> Wire:  # type: ignore[no-untyped-def]
    wire = await Wire.open(node.host, node.port)
    await wire.until(lambda f: f.content_type == "auth/request")
    await wire.command(b"auth ClueCon\n\n")
    for command in commands:
        reply = await wire.command(command + b"\n\n")
        assert reply.reply.startswith("+OK"), (command, reply.reply)
    return wire


async def flushed(wire: Wire) -> list:  # type: ignore[type-arg]
    """Every frame sent before now: events precede the reply to a later command."""
    await wire.command(b"api hostname\n\n")
    return wire.frames


async def park_events(node, wire: Wire, *destinations: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Place calls, then a marker call; which parks got through to ``wire``?"""
    for dest in [*destinations, "marker"]:
        await node.place_call(dest, "1000")
    return [f.values["Caller-Destination-Number"] for f in await flushed(wire)
            if f.label == "event_CHANNEL_PARK"]


async def test_positive_filters_pass_only_matching_events(node):
    wire = await listen(node, b"event plain CHANNEL_PARK",
                        b"filter Caller-Destination-Number 100",
                        b"filter caller-destination-number 200",  # names without case
                        b"filter Caller-Destination-Number marker")
    assert await park_events(node, wire, "100", "150", "200") == ["100", "200", "marker"]


async def test_regex_and_negative_filters(node):
    wire = await listen(node, b"event plain CHANNEL_PARK",
                        b"filter Caller-Destination-Number /^(3|marker)/",
                        b"filter Caller-Destination-Number -333")
    assert await park_events(node, wire, "300", "333", "400") == ["300", "marker"]


async def test_only_negative_filters_block_everything(node):
    wire = await listen(node, b"event plain CHANNEL_PARK",
                        b"filter Caller-Destination-Number -500")
    assert await park_events(node, wire, "500", "501") == []


async def test_events_without_the_filtered_header_are_blocked(node):
    wire = await listen(node, b"event plain ALL", b"filter Unique-ID nobody")
    await wire.command(b"api status\n\n")  # API event: no Unique-ID header
    await park_events(node, wire, "600")
    assert [f for f in wire.frames if f.content_type.startswith("text/event")] == []


async def test_filter_delete_all_lets_everything_through_again(node):
    wire = await listen(node, b"event plain CHANNEL_PARK",
                        b"filter Caller-Destination-Number 700")
    reply = await wire.command(b"filter delete all\n\n")
    assert reply.reply == "+OK filter deleted. [all][]"
    assert await park_events(node, wire, "701") == ["701", "marker"]


async def test_nixevent_turns_all_into_all_but(node):
    wire = await listen(node, b"event plain ALL", b"nixevent CHANNEL_STATE CHANNEL_CALLSTATE")
    await park_events(node, wire, "800")
    names = {f.event_name for f in wire.frames if f.content_type.startswith("text/event")}
    assert "CHANNEL_PARK" in names and "CHANNEL_CREATE" in names
    assert not names & {"CHANNEL_STATE", "CHANNEL_CALLSTATE"}


async def test_custom_subclasses(node):
    only = await listen(node, b"event plain CUSTOM sofia::register")
    bare = await listen(node, b"event plain CUSTOM")
    every = await listen(node, b"event plain ALL")
    sender = await listen(node)
    for subclass in ("sofia::register", "conference::maintenance"):
        reply = await sender.command(f"sendevent CUSTOM\nEvent-Subclass: {subclass}\n"
                                     f"profile-name: internal\n\n".encode())
        assert reply.reply.startswith("+OK ")
    await sender.command(b"sendevent CUSTOM\nplain: yes\n\n")
    for wire in (only, bare, every):
        await flushed(wire)

    def subclasses(wire: Wire) -> list[str]:
        return [f.values.get("Event-Subclass", "-") for f in wire.frames if f.label == "event_CUSTOM"]

    assert subclasses(only) == ["sofia::register", "-"]  # subclass-less CUSTOM passes too
    assert subclasses(bare) == ["-"]
    assert subclasses(every) == ["sofia::register", "conference::maintenance", "-"]
    event = next(f for f in every.frames if f.label == "event_CUSTOM")
    assert event.names[12:15] == ["Event-Sequence", "Event-Subclass", "profile-name"]


async def test_myevents_sees_only_its_channel(node):
    call = await node.place_call("900", "1000")
    other = await node.place_call("901", "1000")
    wire = await listen(node, f"myevents {call.uuid}".encode())
    await wire.command(f"api uuid_kill {other.uuid}\n\n".encode())
    await other.wait_destroyed()
    await wire.command(f"api uuid_answer {call.uuid}\n\n".encode())
    await wire.until(lambda f: f.label == "event_CHANNEL_ANSWER")
    uuids = {f.values["Unique-ID"] for f in wire.frames if f.content_type.startswith("text/event")}
    assert uuids == {call.uuid}
    await wire.command(f"api uuid_kill {call.uuid}\n\n".encode())
    frames = await wire.closing()
    assert frames[-1].content_type == "text/disconnect-notice"
    assert not call.destroyed or "CHANNEL_DESTROY" not in labels_of(frames)


def labels_of(frames) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.event_name for f in frames]


async def test_a_myevents_connection_holds_the_channel_until_it_lets_go(node):
    call = await node.place_call("910", "1000")
    wire = await listen(node, f"myevents {call.uuid}".encode(), b"linger")
    await wire.command(f"api uuid_kill {call.uuid}\n\n".encode())
    await wire.until(lambda f: f.event_name == "CHANNEL_HANGUP_COMPLETE")
    linger = next(f for f in wire.frames if f.content_type == "text/disconnect-notice")
    assert linger.raw.endswith(b"Content-Disposition: linger\nChannel-Name: "
                               + call.name.encode() + b"\nLinger-Time: -1\nContent-Length: 0\n\n")
    assert not call.destroyed  # lingering forever: the session stays
    await wire.command(b"exit\n\n")
    await call.wait_destroyed()


async def test_json_and_xml_serialize_like_the_esl_event_class(node):
    plain = await listen(node, b"event plain CHANNEL_PARK")
    js = await listen(node, b"event json CHANNEL_PARK")
    xml = await listen(node, b"event xml CHANNEL_PARK")
    await node.place_call("1000", "1001", caller_id_name="Zoë \"Q\" <x>",
                          variables={"note": "a&b\r\nc%41"})
    frames = [await w.until(lambda f: f.event_name == "CHANNEL_PARK") for w in (plain, js, xml)]
    event = Event(frames[1].pairs)
    for frame, fmt in zip(frames, ("plain", "json", "xml"), strict=True):
        assert frame.raw == event_frame(event, fmt), fmt
    assert json.loads(frames[1].body)["variable_note"] == "a&b\r\nc%41"
    # FreeSWITCH copies an already encoded %41 as it is, so plain text reads it as "A"
    assert b"variable_note: a%26b%0D%0Ac%41\n" in frames[0].body
    assert frames[0].values["variable_note"] == "a&b\r\ncA"
    assert frames[0].names == frames[1].names == frames[2].names


async def test_events_are_built_only_for_someone(node):
    for n in range(5):
        await node.place_call(f"20{n}", "1000")
    assert node.events_fired > 30 and node.events_built == 0
    wire = await listen(node, b"event plain CHANNEL_PARK")
    before = node.events_built
    await node.place_call("299", "1000")
    await wire.until(lambda f: f.event_name == "CHANNEL_PARK")
    assert node.events_built == before + 1  # only the one event this listener wants


async def test_background_job_on_a_connection_without_events(node):
    wire = await listen(node)
    reply = await wire.command(b"bgapi status\n\n")
    assert reply.reply.startswith("+OK Job-UUID: ")
    await wire.command(b"api version\n\n")
    assert not any(f.content_type.startswith("text/event") for f in wire.frames)
    assert node.events_built == 0  # nobody subscribed to BACKGROUND_JOB or API


async def test_heartbeat_has_the_captured_headers(node):
    from tests.support.captures import sequence
    wire = await listen(node, b"event plain HEARTBEAT RE_SCHEDULE")
    node.heartbeat()
    beat = await wire.until(lambda f: f.event_name == "HEARTBEAT")
    again = await wire.until(lambda f: f.event_name == "RE_SCHEDULE")
    real = sequence("loopback_originate_event_plain_all")
    assert beat.names == real[28].names and again.names == real[29].names
    assert beat.values["Event-Info"] == "System Ready"
    assert again.values["Task-Desc"] == "heartbeat"


async def test_a_client_that_does_not_read_loses_events_then_its_connection(node):
    node.config.max_pending_bytes = -1  # every event finds the queue full
    wire = await listen(node, b"event plain ALL")
    for n in range(70):  # 8 events a call: more than 500 in all
        await node.place_call(f"30{n}", "1000")
    frames = await wire.closing()
    assert frames[-1].content_type == "text/disconnect-notice"
    assert frames[-1].body == b"killed listener because of lost events\n"
    assert not any(f.content_type.startswith("text/event") for f in frames)


@pytest.mark.parametrize(("name", "fmt"), [
    ("sipp_inbound_channel_park.txt", "plain"),
    ("sipp_inbound_channel_hangup_complete.txt", "plain"),
    ("bgapi_status_background_job_event.txt", "plain"),
    ("event_json_channel_answer.txt", "json"),
    ("event_json_background_job.txt", "json"),
    ("event_xml_channel_answer.txt", "xml"),
    ("event_xml_channel_hangup_complete.txt", "xml"),
])
def test_the_emulators_serializer_rebuilds_captured_frames_byte_for_byte(name, fmt):
    from switchy.emulator.events import Block, EmuEvent, LineCache
    from tests.support.captures import parse_all, read_file
    raw = read_file(name)
    frame = parse_all(raw)[0]
    pairs = [p for p in frame.pairs if p[0] not in ("Content-Length", "_body")]
    body = None
    if fmt == "json":
        body = json.loads(frame.body).get("_body")
    elif "Content-Length" in frame.names:
        body = frame.body.split(b"\n\n", 1)[1].decode()
    cache = LineCache()
    event = EmuEvent(frame.event_name, [Block(pairs[:13], cache), Block(pairs[13:], cache)], body)
    assert event.frame(fmt) == raw
