"""Faults on demand, and the record of what clients sent: things only the emulator has."""

from __future__ import annotations

import asyncio
import json

import pytest

from switchy.emulator.faults import GARBAGE
from switchy.esl import CommandTimeout, InboundClient
from tests.support.captures import Wire

pytestmark = pytest.mark.emulator_only


async def authed(node) -> Wire:  # type: ignore[no-untyped-def]
    wire = await Wire.open(node.host, node.port)
    await wire.until(lambda f: f.content_type == "auth/request")
    await wire.command(b"auth ClueCon\n\n")
    return wire


async def test_drop_connections_cuts_without_a_notice(node):
    first, second = await authed(node), await authed(node)
    assert node.faults.drop_connections() == 2
    for wire in (first, second):
        frames = await wire.closing()
        assert frames[-1].reply == "+OK accepted"  # no disconnect notice
    assert node.listeners == []
    assert (await (await authed(node)).command(b"api hostname\n\n")).body == b"fs1"


async def test_close_mid_frame_leaves_half_a_frame(node):
    wire = await authed(node)
    node.faults.close_mid_frame()
    wire.send(b"api version\n\n")
    tail = bytearray()
    while chunk := await asyncio.wait_for(wire.reader.read(4096), 5):
        tail += chunk
    full = b"Content-Type: api/response\nContent-Length: 45\n\nFreeSWITCH Version 1.11.3-dev~64bit ( 64bit)\n"
    assert 0 < len(tail) < len(full) and full.startswith(bytes(tail))


async def test_send_garbage_reaches_the_client(node):
    wire = await authed(node)
    node.faults.send_garbage()
    data = await asyncio.wait_for(wire.reader.read(4096), 5)
    assert data == GARBAGE
    node.faults.send_garbage(b"junk\n\n")
    assert await asyncio.wait_for(wire.reader.read(4096), 5) == b"junk\n\n"


async def test_withheld_reply_still_runs_the_command(node):
    call = await node.place_call("100", "1000")
    wire = await authed(node)
    node.faults.withhold_replies = lambda line: line.startswith("api uuid_kill")
    wire.send(f"api uuid_kill {call.uuid}\n\n".encode())
    assert await call.wait_hangup() == "NORMAL_CLEARING"
    reply = await wire.command(b"api hostname\n\n")  # the next command is answered
    assert reply.body == b"fs1"
    assert [f.content_type for f in wire.frames].count("api/response") == 1


async def test_reply_delay_makes_a_client_time_out(node):
    node.faults.reply_delay = lambda line: 2.0 if line == "api status" else 0.0
    async with InboundClient(node.host, node.port, node.password, timeout=0.05,
                             reconnect=False) as client:
        with pytest.raises(CommandTimeout):
            await client.api("status")


async def test_refuse_auth(node):
    node.faults.refuse_auth = True
    wire = await Wire.open(node.host, node.port)
    await wire.until(lambda f: True)
    wire.send(b"auth ClueCon\n\n")
    frames = await wire.closing()
    assert [f.reply or f.content_type for f in frames[1:]] == ["-ERR invalid",
                                                               "text/disconnect-notice"]


async def test_stall_holds_replies_and_events_until_it_ends(node):
    wire = await authed(node)
    await wire.command(b"event plain CHANNEL_PARK\n\n")
    before = len(wire.frames)
    node.faults.stall = True
    call = await node.place_call("200", "1000")
    wire.send(b"api hostname\n\n")
    with pytest.raises(TimeoutError):  # a stalled node says nothing
        await wire.until(lambda f: wire.frames.index(f) >= before, timeout=0.2)
    node.faults.stall = False
    reply = await wire.until(lambda f: f.content_type == "api/response")
    park = next(f for f in wire.frames if f.event_name == "CHANNEL_PARK")
    assert wire.frames.index(park) < wire.frames.index(reply)  # sent in their order
    assert park.values["Unique-ID"] == call.uuid and reply.body == b"fs1"


async def test_drop_on_a_command(node):
    wire = await authed(node)
    node.faults.drop_on = lambda line: line.startswith("event ")
    wire.send(b"event plain ALL\n\n")
    await wire.closing()
    assert node.commands[-1].line == "event plain ALL"


async def test_pause_and_resume_the_listener_while_calls_go_on(node):
    wire = await authed(node)
    call = await node.place_call("300", "1000")
    await node.pause()
    await wire.closing()
    with pytest.raises(OSError):
        await Wire.open(node.host, node.port)
    assert call.parked and not node.listening
    await node.resume()
    fresh = await authed(node)
    rows = json.loads((await fresh.command(b"api show channels as json\n\n")).body)["rows"]
    assert [(r["uuid"], r["application"]) for r in rows] == [(call.uuid, "park")]


async def test_every_command_is_recorded_as_received(node):
    wire = await authed(node)
    await wire.command(b"api version\r\n\r\n")
    await wire.command(b"sendmsg nope\ncall-command: execute\ncontent-type: text/plain\n"
                       b"content-length: 5\n\nhello")
    other = await authed(node)
    await other.command(b"noevents\n\n")
    lines = [(c.connection, c.line) for c in node.commands]
    assert lines == [(1, "auth ClueCon"), (1, "api version"), (1, "sendmsg nope"),
                     (2, "auth ClueCon"), (2, "noevents")]
    sendmsg = node.commands[2]
    assert sendmsg.headers == [("call-command", "execute"), ("content-type", "text/plain"),
                               ("content-length", "5")]
    assert sendmsg.body == b"hello" and sendmsg.name == "sendmsg"
    assert node.commands[1].raw == b"api version"
    assert [c.line for c in node.listeners[0].received] == ["auth ClueCon", "api version",
                                                            "sendmsg nope"]
