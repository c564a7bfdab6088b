"""The CLI against hostile files and numbers (issue 12, parts 3 and 6): every one gets a
clear one-line answer, nothing hangs, no file content is echoed, no traceback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from switchy.dialplan.runtime.app import DialplanApp
from tests.cli.test_front_doors import EXAMPLE, one_line_error, switchy


def hostile(folder: Path) -> dict[str, str]:
    """Include targets, each named .swr (so only its kind can refuse it), and the message."""
    os.mkfifo(folder / "fifo.swr")
    (folder / "zero.swr").symlink_to("/dev/zero")
    (folder / "loop.swr").symlink_to(folder / "loop2.swr")
    (folder / "loop2.swr").symlink_to(folder / "loop.swr")
    return {"fifo.swr": "named pipe (FIFO), not a regular file", "zero.swr": "a device, not a regular file",
            "loop.swr": "symbolic link loop", "/etc/passwd": "only .swr files can be included"}


@pytest.mark.parametrize("command", ["check", "simulate", "graph", "fmt"])
async def test_includes_of_fifos_devices_loops_and_passwd_answer_at_once(command, tmp_path):
    expected = hostile(tmp_path)
    main = tmp_path / "main.swr"
    main.write_text("".join(f'include "{target}"\n' for target in expected) + 'route "^1$" { answer() }\n')
    code, output = await switchy(command, str(main), timeout=60)
    if command == "fmt":  # fmt reads the one file it formats, never its includes
        assert code == 0
        return
    assert code != 0
    for message in expected.values():
        assert message in output
    assert "root:" not in output and "Traceback" not in output


@pytest.mark.parametrize("name", ["fifo.swr", "zero.swr", "loop.swr"])
@pytest.mark.parametrize("command", ["check", "fmt"])
async def test_hostile_files_named_on_the_command_line(command, name, tmp_path):
    hostile(tmp_path)
    code, output = await switchy(command, str(tmp_path / name), timeout=60)
    assert code != 0
    one_line_error(output)


async def test_the_size_limit_is_configurable(tmp_path):
    path = tmp_path / "big.swr"
    path.write_text('route "^1$" { answer() }\n' + "# padding\n" * 200)
    code, output = await switchy("check", str(path), env={"SWITCHY_MAX_SOURCE_BYTES": "1000"})
    assert code != 0 and "more than the 1,000-byte limit" in output
    code, _ = await switchy("check", str(path))
    assert code == 0


async def test_fmt_refuses_a_file_that_is_not_utf8_and_leaves_it_alone(tmp_path):
    path = tmp_path / "latin1.swr"
    data = 'route "^1$" {  log("caf\xe9") }\n'.encode("latin-1")
    path.write_bytes(data)
    code, output = await switchy("fmt", str(path))
    assert code != 0 and "not UTF-8 text (byte 0xe9" in output
    one_line_error(output)
    assert path.read_bytes() == data


@pytest.mark.parametrize("body", [
    "if true { " * 1000 + "answer()" + " }" * 1000,
    "log(" + "[" * 3000 + "]" * 3000 + ")",
], ids=["blocks", "lists"])
async def test_nesting_too_deep_is_a_clear_diagnostic(body, tmp_path):
    path = tmp_path / "deep.swr"
    path.write_text('route "^1$" { ' + body + " }\n")
    code, output = await switchy("check", str(path))
    assert code != 0 and "levels deep here: more than switchy can follow" in output
    assert "RecursionError" not in output


@pytest.mark.parametrize("args, message", [
    (["emulate", "--port", "65535", "--nodes", "3"], "would need ports past 65535"),
    (["emulate", "--port", "-5"], "expected a number from 0 to 65535, not -5"),
    (["run", EXAMPLE, "--emulate", "1", "--calls", "-5"], "expected a number of at least 1, not -5"),
    (["run", EXAMPLE, "--emulate", "1", "--concurrency", "0"], "expected a number of at least 1, not 0"),
], ids=["port-overflow", "port-negative", "calls-negative", "concurrency-zero"])
async def test_numbers_out_of_range_are_usage_errors(args, message):
    code, output = await switchy(*args)
    assert code == 2 and message in output and "Traceback" not in output


async def test_a_reload_reads_the_files_off_the_event_loop(tmp_path):
    hostile(tmp_path)
    main = tmp_path / "main.swr"
    main.write_text('route "^1$" { answer() }\n')
    app = DialplanApp([main])
    main.write_text('include "fifo.swr"\nroute "^1$" { answer() }\n')
    result = await app.reload_off_loop(force=True)
    assert result is not None and not result.ok
    assert any("FIFO" in d.message for d in result.errors)
    assert app.generation == 0  # the running version stays
