"""Other well-known ESL client libraries work against the emulator unchanged.

greenswitch (gevent, synchronous) runs in a subprocess, so its monkey-patching stays
out of the test process; genesis (asyncio) runs in-process. Both are in the ``test``
extra of pyproject.toml.
"""

from __future__ import annotations

import asyncio
import sys
import textwrap

import genesis
import pytest

pytestmark = pytest.mark.emulator_only  # calls are placed from Python

GREENSWITCH_SCRIPT = textwrap.dedent('''
    import sys
    import gevent
    import greenswitch

    host, port = sys.argv[1], int(sys.argv[2])
    parked = []
    fs = greenswitch.InboundESL(host=host, port=port, password="ClueCon")
    fs.connect()
    fs.register_handle("CHANNEL_PARK", lambda event: parked.append(event.headers["Unique-ID"]))
    print("version", repr(fs.send("api version").data), flush=True)
    print("events", fs.send("events plain CHANNEL_PARK").data, flush=True)
    print("ready", flush=True)
    for _ in range(500):
        if parked:
            break
        gevent.sleep(0.01)
    uuid = parked[0]
    print("parked", uuid, flush=True)
    print("answer", repr(fs.send("api uuid_answer " + uuid).data), flush=True)
    print("kill", repr(fs.send("api uuid_kill " + uuid).data), flush=True)
    print("exit", fs.send("exit").data, flush=True)
''')


async def test_greenswitch(node):
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", GREENSWITCH_SCRIPT, node.host, str(node.port),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    lines: dict[str, str] = {}

    async def read_until(word: str) -> str:
        while word not in lines:
            line = await asyncio.wait_for(process.stdout.readline(), 20)
            assert line, (await process.stderr.read()).decode()[-2000:]
            key, _, value = line.decode().strip().partition(" ")
            lines[key] = value
        return lines[word]

    try:
        await read_until("ready")
        call = await node.place_call("5000", "1000")
        assert await read_until("parked") == call.uuid
        assert await read_until("exit") == "+OK bye"
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert lines["version"] == repr("FreeSWITCH Version 1.11.3-dev~64bit ( 64bit)\n")
    assert lines["events"] == "+OK event listener enabled plain"
    assert (lines["answer"], lines["kill"]) == (repr("+OK\n"), repr("+OK\n"))
    assert call.answered and await call.wait_hangup() == "NORMAL_CLEARING"


async def test_genesis(node):
    async with genesis.Inbound(node.host, node.port, node.password) as client:
        reply = await client.send("api version")
        assert reply.body == "FreeSWITCH Version 1.11.3-dev~64bit ( 64bit)\n"
        parked: asyncio.Queue = asyncio.Queue()
        client.on("CHANNEL_PARK", parked.put_nowait)
        assert (await client.send("events plain CHANNEL_PARK"))["Reply-Text"] == \
            "+OK event listener enabled plain"
        call = await node.place_call("5001", "1000", caller_id_name="Alice")
        event = await asyncio.wait_for(parked.get(), 5)
        assert event["Unique-ID"] == call.uuid
        assert event["Caller-Caller-ID-Name"] == "Alice"
        channel = await client.get_channel(call.uuid)  # uuid_exists + uuid_dump
        assert channel.uuid == call.uuid
        await channel.answer()
        await call.wait_answered()
        await channel.hangup("USER_BUSY")
        assert await call.wait_hangup() == "USER_BUSY"
