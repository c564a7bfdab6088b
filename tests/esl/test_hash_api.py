"""mod_hash's ``hash`` api, the arbiter of which controller routes a call.

The commands of the ``hash_api`` capture are replayed (with keys of their own, so the
test can run on a real FreeSWITCH too) and every reply is compared byte for byte with
the captured one: ``+OK``, ``-ERR key already exists``, ``-ERR Doesn't match``, ``-ERR Not
found``, bare values without a newline, ``-ERR no reply`` for a missing key.
"""

from __future__ import annotations

import uuid

import pytest

from switchy.esl import InboundClient
from tests.support.captures import Wire, read_file, sequence

# (command after "api hash ", the capture file holding FreeSWITCH's reply)
CAPTURED = [
    ("", "hash_api/003_api_response.txt"),
    ("insert_ifempty/switchy/{k1}/a", "hash_api/005_api_response.txt"),
    ("insert_ifempty/switchy/{k1}/a", "hash_api/006_api_response.txt"),
    ("select/switchy/{k1}", "hash_api/009_api_response.txt"),
    ("delete_ifmatch/switchy/{k1}/b", "hash_api/011_api_response.txt"),
    ("delete_ifmatch/switchy/{k1}/a", "hash_api/012_api_response.txt"),
    ("delete_ifmatch/switchy/{k1}/a", "hash_api/015_api_response.txt"),
    ("select/switchy/{k1}", "hash_api/016_api_response.txt"),
    ("insert/switchy/{k1}/c", "hash_api/019_api_response.txt"),
    ("delete/switchy/{k1}", "hash_api/020_api_response.txt"),
    ("insert_ifempty/switchy/{k1}/a/30", "hash_api/023_api_response.txt"),
    ("select/switchy/{k1}", "hash_api/025_api_response.txt"),
    ("delete/switchy/{k1}", "hash_api/026_api_response.txt"),
]


async def test_every_captured_hash_reply_byte_for_byte(fs):
    wire = await Wire.open(fs.host, fs.port)
    await wire.command(f"auth {fs.password}\n\n".encode())
    k1 = f"test-{uuid.uuid4()}"
    for command, vector in CAPTURED:
        line = ("api hash " + command.format(k1=k1)).rstrip() + "\n\n"
        reply = await wire.command(line.encode())
        assert reply.raw == read_file(vector), line
    wire.close()


async def test_values_keep_spaces_and_slashes(fs):
    async with InboundClient(fs.host, fs.port, fs.password) as client:
        k2, k3 = f"test-{uuid.uuid4()}", f"test-{uuid.uuid4()}"
        assert await client.api(f"hash insert_ifempty/switchy/{k2}/ctrl-1 1700000000") == "+OK\n"
        assert await client.api(f"hash select/switchy/{k2}") == "ctrl-1 1700000000"
        assert await client.api(f"hash insert_ifempty/switchy/{k3}/ctrl/1") == "+OK\n"
        assert await client.api(f"hash select/switchy/{k3}") == "ctrl/1"
        for key in (k2, k3):
            assert await client.api(f"hash delete/switchy/{key}") == "+OK\n"
        assert await client.api(f"hash select/switchy/{k2}") == "-ERR no reply\n"
        assert await client.api(f"hash delete/switchy/{k2}") == "-ERR Not found\n"
        assert await client.api("hash insert/switchy") == read_file("hash_api/003_api_response.txt") \
            .split(b"\n\n", 1)[1].decode()


async def test_one_table_per_node_shared_by_its_connections(fs):
    key = f"test-{uuid.uuid4()}"
    async with InboundClient(fs.host, fs.port, fs.password) as one, \
            InboundClient(fs.host, fs.port, fs.password) as two:
        assert await one.api(f"hash insert_ifempty/switchy/{key}/one") == "+OK\n"
        assert await two.api(f"hash insert_ifempty/switchy/{key}/two") == "-ERR key already exists\n"
        assert await two.api(f"hash select/switchy/{key}") == "one"
        assert await two.api(f"hash delete_ifmatch/switchy/{key}/two") == "-ERR Doesn't match\n"
        assert await two.api(f"hash delete_ifmatch/switchy/{key}/one") == "+OK\n"
        assert await one.api(f"hash insert_ifempty/switchy/{key}/two") == "+OK\n"
        assert await one.api(f"hash delete/switchy/{key}") == "+OK\n"


@pytest.mark.emulator_only
async def test_nodes_do_not_share_their_tables(cluster):
    a, b = cluster.nodes[0], cluster.nodes[1]
    async with InboundClient(a.host, a.port) as on_a, InboundClient(b.host, b.port) as on_b:
        assert await on_a.api("hash insert_ifempty/switchy/k/x") == "+OK\n"
        assert await on_b.api("hash insert_ifempty/switchy/k/y") == "+OK\n"
        assert await on_a.api("hash select/switchy/k") == "x"


@pytest.mark.emulator_only
async def test_hash_fires_the_captured_api_events(fs):
    wire = await Wire.open(fs.host, fs.port)
    await wire.command(b"auth ClueCon\n\n")
    await wire.command(b"event plain ALL\n\n")
    assert (await wire.command(b"api hash insert_ifempty/switchy/k1/a\n\n")).body == b"+OK\n"
    event = await wire.until(lambda f: f.label == "event_API")
    real = [f for f in sequence("hash_api") if f.label == "event_API"][1]
    assert event.names == real.names
    assert event.values["API-Command-Argument"] == "insert_ifempty/switchy/k1/a"
