"""The runnable example app, started as a user would, against an emulated cluster."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from switchy.emulator import EmulatedCluster

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "python" / "cluster_router.py"

pytestmark = pytest.mark.emulator_only


async def test_example_routes_calls_and_stops_cleanly_on_sigterm(tmp_path):
    secret = tmp_path / "esl-password"
    secret.write_text("s3cret\n")
    async with EmulatedCluster(nodes=2, password="s3cret", time_scale=0.01) as cluster:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(EXAMPLE), *cluster.hosts, "--password-file", str(secret),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        try:
            async with asyncio.timeout(10):
                while not all(any(c.line == "auth s3cret" for c in n.commands) and
                              any(c.line.startswith("event ") for c in n.commands) for n in cluster.nodes):
                    await asyncio.sleep(0.02)
            intl = await cluster.nodes[0].place_call("0114412345", context="switchy")
            sales = await cluster.nodes[1].place_call("2345", context="switchy",
                                                      variables={"sip_req_uri": "2345@10.0.0.1"})
            other = await cluster.nodes[1].place_call("2345", context="default")
            await intl.wait_hangup(timeout=5)
            await sales.wait_bridged(timeout=5)
            assert intl.responded == 407
            assert sales.bridged_to == "sofia/internal/2345@10.0.0.1;fs_path=sip:salespbx.com"
            assert not other.applications[1:], "a call outside the switchy context is left alone"
        finally:
            proc.send_signal(signal.SIGTERM)
            output, _ = await asyncio.wait_for(proc.communicate(), 10)
    text = output.decode()
    assert proc.returncode == 0, text
    assert "s3cret" not in text
    assert f"[{intl.uuid}] 0114412345 ended: CALL_REJECTED" in text
