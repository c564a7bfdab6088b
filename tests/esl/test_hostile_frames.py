"""Hostile bytes from a node: the parser raises only ``ProtocolError``, and the client
counts every one, keeps the count across the reset it causes, and never loses a reply
to garbage (issue 12, parts 4 and 5)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchy.esl import Event, FrameParser, InboundClient, ProtocolError
from switchy.esl.events import event_from_frame


def plain_event(body: bytes) -> bytes:
    return b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(body) + body


# Each of these once escaped the parser as something other than ProtocolError.
HOSTILE_FRAMES = {
    "superscript-two length": "Content-Type: api/response\nContent-Length: ²\n\n".encode(),
    "url-encoded superscript length": b"Content-Type: api/response\nContent-Length: %C2%B2\n\n",
    "4301-digit length": b"Content-Type: api/response\nContent-Length: " + b"9" * 4301 + b"\n\n",
    "json array event": b"Content-Length: 6\nContent-Type: text/event-json\n\n[1, 2]",
    "json scalar event": b"Content-Length: 2\nContent-Type: text/event-json\n\n42",
    "bad length inside a plain event": plain_event(
        "Event-Name: BACKGROUND_JOB\nContent-Length: ²\n\nxx".encode()),
    "huge length inside a plain event": plain_event(
        b"Event-Name: BACKGROUND_JOB\nContent-Length: " + b"7" * 4301 + b"\n\nxx"),
}


def parse_everything(data: bytes) -> None:
    """What a reader does with bytes from a node: frames, events, and every accessor."""
    for frame in FrameParser().feed(data):
        ctype = frame.content_type
        if ctype.startswith("text/event-"):
            event = event_from_frame(ctype, frame.body)
            _ = (event.name, event.uuid, event.body, event.get("Content-Length"), event.as_dict(),
                 event.header_items(), event.subclass, len(event))


@pytest.mark.parametrize("data", HOSTILE_FRAMES.values(), ids=HOSTILE_FRAMES.keys())
def test_each_hostile_frame_is_a_protocol_error(data):
    with pytest.raises(ProtocolError):
        parse_everything(data)


def test_a_plain_event_with_a_bad_inner_length_fails_when_parsed_not_when_read():
    body = b"Event-Name: BACKGROUND_JOB\nContent-Length: \xc2\xb2\n\nxx"
    with pytest.raises(ProtocolError, match="invalid Content-Length"):
        Event.from_plain(body)


HEADER_NAMES = st.sampled_from(["Content-Type", "Content-Length", "Event-Name", "Reply-Text",
                                "Unique-ID", "X"])
CTYPES = st.sampled_from(["text/event-plain", "text/event-json", "text/event-xml", "api/response",
                          "command/reply", "log/data", "text/disconnect-notice", "x/y"])
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
LENGTHS = st.one_of(st.integers(0, 60).map(str), TEXT, st.sampled_from(["²", "%C2%B2", "9" * 4301, "-1",
                                                                         " 5", "0x10", "٣"]))


@st.composite
def frames(draw) -> bytes:
    """Frames that look almost right: real names, odd values, bodies of any shape."""
    body = draw(st.one_of(
        st.binary(max_size=80),
        st.recursive(st.none() | st.booleans() | st.integers() | TEXT,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                     max_leaves=8).map(lambda v: json.dumps(v).encode()),
        st.lists(st.tuples(HEADER_NAMES, st.one_of(TEXT, LENGTHS)), max_size=5).map(
            lambda hs: "".join(f"{k}: {v}\n" for k, v in hs).encode() + b"\n" + b"body"),
    ))
    length = draw(st.one_of(st.just(str(len(body))), LENGTHS))
    head = [("Content-Length", length), ("Content-Type", draw(CTYPES))]
    head += draw(st.lists(st.tuples(HEADER_NAMES, TEXT), max_size=3))
    if draw(st.booleans()):
        head.reverse()
    return "".join(f"{k}: {v}\n" for k, v in head).encode("utf-8", "surrogatepass") + b"\n" + body


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(frames(), st.binary(max_size=60)), min_size=1, max_size=4))
def test_fuzz_the_parser_raises_only_protocol_errors(chunks):
    with contextlib.suppress(ProtocolError):  # anything else fails the test
        parse_everything(b"".join(chunks))


# -- over TCP: every one is counted, the count survives the reset ---------------------------


async def until(predicate, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


@pytest.mark.emulator_only
async def test_every_hostile_frame_is_counted_across_resets(fs, caplog):
    caplog.set_level(logging.ERROR)
    async with InboundClient(fs.host, fs.port, fs.password, backoff_initial=0.01) as client:
        for n, data in enumerate(HOSTILE_FRAMES.values(), 1):
            fs.node.faults.send_garbage(data)
            await until(lambda n=n: client.protocol_errors >= n and client.connected)
            assert (await client.api("version")).startswith("FreeSWITCH")
        assert client.protocol_errors == len(HOSTILE_FRAMES)
        assert client.reconnects >= 3  # the framing errors reset the connection; the count stayed
    assert "data_received() call failed" not in caplog.text


@pytest.mark.emulator_only
async def test_garbage_without_a_blank_line_does_not_swallow_the_next_reply(fs):
    async with InboundClient(fs.host, fs.port, fs.password, reconnect=False) as client:
        for garbage in (b"Content-Type: text/junk\n", b"xyz", b"HTTP/1.1 400 Bad Request\n"):
            fs.node.faults.send_garbage(garbage)
            assert (await client.api("version")).startswith("FreeSWITCH Version")
        assert client.protocol_errors == 3 and client.connected


@pytest.mark.emulator_only
async def test_a_half_sent_frame_with_no_command_waiting_is_noticed(fs, caplog):
    async with InboundClient(fs.host, fs.port, fs.password, backoff_initial=0.01,
                             frame_timeout=0.2) as client:
        fs.node.faults.send_garbage(b"Content-Length: 900\nContent-Type: text/event-plain\n\nEvent-Na")
        await until(lambda: client.reconnects >= 1 and client.connected)
        assert client.protocol_errors == 1
        assert "a frame stopped half-way" in caplog.text
        assert (await client.api("version")).startswith("FreeSWITCH")
