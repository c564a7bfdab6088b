"""Several nodes at once, from Python and from ``switchy emulate``."""

from __future__ import annotations

import asyncio
import signal
import socket
import sys

import pytest

from switchy.emulator import EmulatedCluster
from switchy.esl import InboundClient
from tests.support.captures import Wire

pytestmark = pytest.mark.emulator_only


async def test_a_cluster_of_independent_nodes():
    async with EmulatedCluster(nodes=3, time_scale=0.01) as cluster:
        assert len({node.port for node in cluster.nodes}) == 3
        assert cluster.hosts == [f"127.0.0.1:{node.port}" for node in cluster.nodes]
        for node in cluster.nodes:
            async with InboundClient(node.host, node.port, "ClueCon") as client:
                assert await client.api("hostname") == node.name
        call = await cluster[1].place_call("5000", "1000")
        assert cluster.find(call.uuid) is call and cluster.node_of(call.uuid) is cluster[1]
        assert [len(node.channels) for node in cluster.nodes] == [0, 1, 0]
        assert len({node.core_uuid for node in cluster.nodes}) == 3


async def test_consecutive_ports_from_a_first_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        first = probe.getsockname()[1]
    async with EmulatedCluster(nodes=2, port=first) as cluster:
        assert [node.port for node in cluster.nodes] == [first, first + 1]


async def test_switchy_emulate_serves_until_interrupted():
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "switchy", "emulate", "--nodes", "2", "--port", "0",
        "--password", "s3cret", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        ports = []
        while len(ports) < 2:
            line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
            assert line, (await process.stderr.read()).decode()[-2000:]
            if "ESL on" in line:
                ports.append(int(line.split("ESL on ")[1].split()[0].rsplit(":", 1)[1]))
        for port in ports:
            wire = await Wire.open("127.0.0.1", port)
            await wire.until(lambda f: f.content_type == "auth/request")
            assert (await wire.command(b"auth s3cret\n\n")).reply == "+OK accepted"
            assert (await wire.command(b"api status\n\n")).body.startswith(b"UP 0 years")
            wire.close()
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


def test_switchy_emulate_refuses_no_nodes(capsys):
    from switchy.cli import main
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        main(["emulate", "--nodes", "0"])
    assert exited.value.code == 2
    assert "--nodes: expected a number from 1 to 1000, not 0" in capsys.readouterr().err
