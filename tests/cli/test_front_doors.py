"""Every CLI entry point answers bad input with a one-line error and a non-zero exit."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from switchy.emulator import EmulatedCluster

EXAMPLE = str(Path(__file__).resolve().parents[2] / "examples" / "router.swr")


async def switchy(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "switchy", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, env={**os.environ, **(env or {})})
    output, _ = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode, output.decode()


def one_line_error(output: str) -> None:
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines, "an error message"
    assert all(len(line) < 300 for line in lines)


@pytest.mark.parametrize("command", ["check", "fmt", "simulate", "graph", "run"])
async def test_missing_file(command, tmp_path):
    extra = ["--emulate", "1"] if command == "run" else []
    code, output = await switchy(command, str(tmp_path / "nope.swr"), *extra)
    assert code != 0
    one_line_error(output)
    assert "nope.swr" in output


@pytest.mark.parametrize("command", ["check", "simulate", "graph"])
async def test_a_directory_without_dialplans(command, tmp_path):
    code, output = await switchy(command, str(tmp_path))
    assert code != 0
    one_line_error(output)
    assert "Is a directory" in output


async def test_unreachable_hosts():
    code, output = await switchy("run", EXAMPLE, "--host", "127.0.0.1:1", "--host", "127.0.0.1:2")
    assert code == 1
    one_line_error(output)
    assert output.count("cannot connect") == 2


@pytest.mark.parametrize("host", ["fs1:notaport", "fs1:70000", ""])
async def test_malformed_hosts(host):
    code, output = await switchy("run", EXAMPLE, "--host", host)
    assert code == 2
    one_line_error(output)


@pytest.mark.emulator_only
async def test_wrong_password_from_the_environment_is_never_shown():
    async with EmulatedCluster(nodes=1, password="the-right-one") as cluster:
        code, output = await switchy("run", EXAMPLE, "--host", cluster.hosts[0],
                                     env={"SWITCHY_PASSWORD": "Wrong-Secret-77"})
    assert code == 1
    one_line_error(output)
    assert "refused the password" in output
    assert "Wrong-Secret-77" not in output and "the-right-one" not in output


async def test_bad_set_argument():
    code, output = await switchy("simulate", EXAMPLE, "--set", "no-equals-sign")
    assert code != 0
    one_line_error(output)
