"""The ``socket`` application (outbound mode), as captured from FreeSWITCH 1.11, replayed.

The test plays the capture client's part: it listens, and once the emulated node's
socket application connects it sends what the capture client sent
(``real/_transcript.txt``, the ``[outbound]`` lines). Every frame the node writes on
that connection is compared with ``outbound_socket_session/``: same frames in the same
order, the same header names, and byte for byte where the content is deterministic.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from switchy.emulator import EmulatedCluster
from tests.support.captures import (
    Wire,
    channel_differences,
    labels,
    name_differences,
    read_file,
    sequence,
)

pytestmark = pytest.mark.emulator_only  # the emulator compared with the captures

EXECUTE_PLAYBACK = (b"sendmsg\ncall-command: execute\nexecute-app-name: playback\n"
                    b"execute-app-arg: tone_stream://%(300,0,440)\nevent-lock: true\n\n")
HANGUP = b"sendmsg\ncall-command: hangup\nhangup-cause: NORMAL_CLEARING\n\n"
CAPTURED_UUID = "9273f468-533d-4b52-be65-798b2054424e"


class Controller:
    """A bare listener standing in for the capture client's outbound side."""

    def __init__(self) -> None:
        self.accepted: asyncio.Queue[Wire] = asyncio.Queue()
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> int:
        async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self.accepted.put(Wire(reader, writer))

        self.server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    def close(self) -> None:
        assert self.server is not None
        self.server.close()


async def replies(wire: Wire, n: int) -> list:  # type: ignore[type-arg]
    frames = await wire.count(n)
    found = [f for f in frames if f.content_type == "command/reply"]
    while len(found) < n:
        frames = await wire.count(len(frames) + 1)
        found = [f for f in frames if f.content_type == "command/reply"]
    return found[:n]


async def inbound(node) -> Wire:  # type: ignore[no-untyped-def]
    w = await Wire.open(node.host, node.port)
    await w.command(b"auth ClueCon\n\n")
    await w.command(b"event plain ALL\n\n")
    return w


async def originate_to(node, main: Wire, port: int) -> Wire:  # type: ignore[no-untyped-def]
    """``bgapi originate loopback/1234/switchy '&socket(...)'``, then answer the B leg."""
    await main.command(f"bgapi originate loopback/1234/switchy '&socket(127.0.0.1:{port} "
                       f"async full)'\n\n".encode())
    b_park = await main.until(lambda f: f.label == "event_CHANNEL_PARK")
    await main.command(f"api uuid_answer {b_park.values['Unique-ID']}\n\n".encode())


async def test_outbound_session_is_the_captured_one_frame_for_frame():
    controller = Controller()
    port = await controller.start()
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]
        main = await inbound(node)
        first = len(main.frames)
        await originate_to(node, main, port)
        out = await controller.accepted.get()
        # written at once, so the replies come before the park whatever the timing
        out.send(b"connect\n\nmyevents\n\nlinger 1\n\n")
        connect, myevents, linger = await replies(out, 3)
        await out.until(lambda f: f.label == "event_CHANNEL_PARK")
        getvar = await out.command(b"getvar channel_name\n\n")
        execute = await out.command(EXECUTE_PLAYBACK)
        await out.until(lambda f: f.label == "event_CHANNEL_EXECUTE_COMPLETE")
        version = await out.command(b"api version\n\n")
        hangup = await out.command(HANGUP)
        frames = await out.closing()
        a = connect.raw.decode().split("\nUnique-ID: ", 1)[1].split("\n", 1)[0]
        await main.until(lambda f: f.label == "event_CHANNEL_STATE" and f.values.get("Unique-ID") == a
                         and f.values.get("Channel-State") == "CS_DESTROY")
    controller.close()
    real = sequence("outbound_socket_session")
    assert labels(frames) == labels(real)
    assert name_differences(frames, real) == []
    # connect: one header-only frame, the channel data then the reply headers, no body
    assert connect.outer == real[0].outer
    assert connect.body == b"" and b"Content-Length" not in connect.raw
    assert connect.raw.endswith(b"Content-Type: command/reply\nReply-Text: %2BOK%0A\n"
                                b"Socket-Mode: async\nControl: full\n\n")
    for mine, name in ((myevents, "outbound_myevents_reply.txt"), (linger, "outbound_linger_reply.txt"),
                       (getvar, "outbound_getvar_reply.txt"),
                       (execute, "outbound_sendmsg_execute_reply.txt"),
                       (version, "outbound_api_version_reply.txt"),
                       (hangup, "outbound_sendmsg_hangup_reply.txt")):
        assert mine.raw == read_file(name), name
    notices = [f.raw for f in frames if f.content_type == "text/disconnect-notice"]
    captured = [f.raw.replace(CAPTURED_UUID.encode(), a.encode()) for f in real[-2:]]
    assert notices == captured
    # the whole stream of the connection, split into frames, is the captured one's
    assert len(frames) == len(sequence("outbound_socket_session"))
    # the inbound connection's view of the same call
    view = sequence("outbound_socket_event_plain_all")
    assert channel_differences(main.frames[first:], view) == []
    assert re.search(rb"variable_socket_host: 127\.0\.0\.1\n", connect.raw)


async def test_exit_gives_the_call_back_to_its_extension():
    """``exit`` on an outbound socket: ``+OK bye``, the session's disconnect notice, and
    the socket application returns (the park ends; the extension's next action runs)."""
    controller = Controller()
    port = await controller.start()
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]
        node.config.extensions = lambda ch: [("socket", f"127.0.0.1:{port} async full"),
                                             ("hangup", "USER_BUSY")]
        call = await node.place_call("1234")
        out = await controller.accepted.get()
        out.send(b"connect\n\nmyevents\n\n")
        await replies(out, 2)
        await out.until(lambda f: f.label == "event_CHANNEL_PARK")
        bye = await out.command(b"exit\n\n")
        frames = await out.closing()
        assert bye.raw == read_file("exit_reply_and_disconnect.txt").split(b"\n\n", 1)[0] + b"\n\n"
        notice = frames[-1]
        assert notice.raw == read_file("outbound_socket_session/017_text_disconnect-notice.txt") \
            .replace(CAPTURED_UUID.encode(), call.uuid.encode())
        assert await call.wait_hangup() == "USER_BUSY"  # the next action ran
        assert [app for app, _ in call.applications] == ["socket", "hangup"]
    controller.close()
