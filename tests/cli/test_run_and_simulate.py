"""The real ``switchy`` command: simulate, run --emulate, and run --host against emulated
nodes (with the password from the environment or a file, and a hot reload)."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from switchy.emulator import EmulatedCluster
from tests.support.dialplan_cluster import EXAMPLES

BIN = Path(sys.executable).parent / "switchy"
SWITCHY = [str(BIN)] if BIN.exists() else [shutil.which("switchy") or "switchy"]
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}
ENV.pop("SWITCHY_PASSWORD", None)
ENV.pop("SWITCHY_PASSWORD_FILE", None)


def switchy(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*SWITCHY, *args], capture_output=True, text=True, timeout=120,
                          env=kwargs.pop("env", ENV), **kwargs)


# -- simulate ------------------------------------------------------------------------------------


def test_simulate_prints_the_path_and_the_exact_esl_bytes():
    p = switchy("simulate", str(EXAMPLES / "router.swr"), "--set", "Caller-Destination-Number=011441234",
                "--set", "variable_sip_req_uri=011441234@pbx", "--set", "Call-Direction=inbound")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert out.startswith("call 00000000-0000-4000-8000-000000000000, parked with only "
                          "Caller-Destination-Number=011441234, variable_sip_req_uri=011441234@pbx, "
                          "Call-Direction=inbound\n")
    assert "no Caller-Context → dialplan default" in out
    assert 'route international "00(.*)|011(.*)"  [match $2=\'441234\']' in out
    assert "bridge2dest(response=\"407\")" in out and "if response  [true]" in out
    assert "      → execute respond 407" in out
    assert "outcome: routed; routes matched: international; stopped" in out
    assert ("    sendmsg 00000000-0000-4000-8000-000000000000\n    call-command: execute\n"
            "    execute-app-name: respond\n    execute-app-arg: 407\n    event-lock: true\n") in out
    assert "Rejecting 011441234: 407" in p.stderr  # the dialplan's log() line


@pytest.mark.parametrize("at, expected", [
    ("2024-12-21T09:30", "execute transfer 1105 XML default"),   # Saturday morning, Chicago
    ("2024-12-22T10:00", "execute voicemail default ${domain_name} 1100"),  # Sunday
    ("2024-12-21T15:30+00:00", "execute transfer 1105 XML default"),  # an instant: 09:30 Chicago
    ("2024-12-21T19:30+00:00", "execute voicemail default ${domain_name} 1100"),  # 13:30 Chicago
])
def test_simulate_at_a_given_time(at, expected):
    p = switchy("simulate", str(EXAMPLES / "xml_08_break_on_true_time_of_day.swr"), "--no-wire",
                "--set", "Caller-Destination-Number=1100", "--at", at)
    assert p.returncode == 0, p.stderr
    assert f"→ {expected}\n" in p.stdout
    assert "sendmsg" not in p.stdout


def test_simulate_assumes_no_header():
    """router.swr guards on Call-Direction: a call without one is rejected, not let through."""
    p = switchy("simulate", str(EXAMPLES / "router.swr"), "--no-wire", "--set", "Caller-Destination-Number=1212")
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("call 00000000-0000-4000-8000-000000000000, parked with only "
                               "Caller-Destination-Number=1212\n")
    assert 'guard Call-Direction == "inbound"  [fails]' in p.stdout
    assert "outcome: rejected; routes matched: none; hangup cause NO_ROUTE_DESTINATION" in p.stdout
    p = switchy("simulate", str(EXAMPLES / "router.swr"), "--no-wire")
    assert p.stdout.startswith("call 00000000-0000-4000-8000-000000000000, parked with no headers\n")
    p = switchy("simulate", str(EXAMPLES / "router.swr"), "--no-wire", "--set", "Caller-Context=nowhere",
                "--set", "Call-Direction=inbound", "--set", "Caller-Destination-Number=1212")
    assert "Caller-Context='nowhere' → dialplan default" in p.stdout


@pytest.mark.parametrize("at, local, expected", [
    # xml_08 is in America/Chicago: a zone name or an offset is an instant read there
    ("2026-12-06T10:00 America/New_York", "Sun 2026-12-06 09:00:00", "voicemail default ${domain_name} 1100"),
    ("2024-12-21T15:30 UTC", "Sat 2024-12-21 09:30:00", "transfer 1105 XML default"),
    ("2024-12-21T15:30 +05:30", "Sat 2024-12-21 04:00:00", "voicemail default ${domain_name} 1100"),
    ("2024-12-21T09:30", "Sat 2024-12-21 09:30:00", "transfer 1105 XML default"),  # wall clock
])
def test_simulate_at_a_zone_prints_the_local_time_it_means(at, local, expected):
    p = switchy("simulate", str(EXAMPLES / "xml_08_break_on_true_time_of_day.swr"), "--no-wire",
                "--set", "Caller-Destination-Number=1100", "--at", at)
    assert p.returncode == 0, p.stderr
    assert f"time of the call: {local} in America/Chicago, the dialplan's time zone\n" in p.stdout
    assert f"→ execute {expected}\n" in p.stdout


def test_simulate_seed_makes_sampling_reproducible():
    def recorded(seed: str) -> bool:
        p = switchy("simulate", str(EXAMPLES / "seed_record_sampling.swr"), "--seed", seed,
                    "--set", "Caller-Destination-Number=*671234", "--set", "Call-Direction=outbound")
        assert p.returncode == 0, p.stderr
        assert "→ api uuid_broadcast" in p.stdout
        return "execute record_session /tmp/agents/" in p.stdout

    assert recorded("0") and recorded("0") and not recorded("1")


def test_simulate_refuses_a_broken_dialplan_and_bad_arguments(tmp_path):
    bad = tmp_path / "bad.swr"
    bad.write_text("route { answr() }\n")
    p = switchy("simulate", str(bad), "--set", "Caller-Destination-Number=1")
    assert p.returncode == 1
    assert f"{bad}:1:9: error[SWR201]" in p.stderr and p.stdout == ""
    p = switchy("simulate", str(EXAMPLES / "router.swr"), "--set", "no-equals-sign")
    assert p.returncode == 2 and "HEADER=VALUE" in p.stderr
    p = switchy("simulate", str(EXAMPLES / "router.swr"), "--at", "yesterday")
    assert p.returncode == 2 and "--at" in p.stderr


# -- run --emulate -------------------------------------------------------------------------------


def test_run_emulate_drives_a_call_mix_and_prints_a_summary():
    p = switchy("run", str(EXAMPLES / "router.swr"), "--emulate", "3", "--calls", "9", "--seed", "4")
    assert p.returncode == 0, p.stdout + p.stderr
    out = p.stdout
    assert "3 emulated FreeSWITCH nodes" in out
    assert sum(line.startswith("[") and "/9] fs" in line for line in out.splitlines()) == 9
    for heading in ("calls per route", "calls per node", "outcomes"):
        assert f"\n{heading}\n" in out
    for route in ("default: international", "default: long_distance", "default: sales",
                  "public: sales_did", "public: support_did", "(no route matched)"):
        assert route in out
    node_rows = [line.split() for line in out.splitlines() if line.startswith("  fs")]
    assert [(row[0], int(row[1])) for row in node_rows] == [("fs1", 3), ("fs2", 3), ("fs3", 3)]
    assert "9 calls, " in out


def test_run_needs_a_target_and_never_takes_a_password_argument():
    p = switchy("run", str(EXAMPLES / "router.swr"))
    assert p.returncode == 2 and "--host" in p.stderr
    p = switchy("run", str(EXAMPLES / "router.swr"), "--host", "127.0.0.1", "--password", "x")
    assert p.returncode == 2


# -- run --host ------------------------------------------------------------------------------------


def edit(path: Path, text: str) -> None:
    """Rewrite a file with an mtime that surely differs from the last one seen."""
    before = path.stat().st_mtime_ns
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


async def read_until(stream: asyncio.StreamReader, needle: str, seen: list[str]) -> str:
    async with asyncio.timeout(15):
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError(f"switchy run ended before {needle!r}: {seen}")
            seen.append(line)
            if needle in line:
                return line


@pytest.mark.emulator_only
@pytest.mark.parametrize("password_from", ["env", "file"])
async def test_run_against_hosts_routes_calls_and_reloads_on_edit(tmp_path, password_from):
    plan = tmp_path / "plan.swr"
    plan.write_text('route greet "^1" { playback("old.wav") }\n')
    env = dict(ENV)
    args = []
    if password_from == "env":
        env["SWITCHY_PASSWORD"] = "s3cret"
    else:
        (tmp_path / "secret").write_text("s3cret\n")
        args = ["--password-file", str(tmp_path / "secret")]
    async with EmulatedCluster(nodes=2, password="s3cret", time_scale=0.01) as cluster:
        hosts = [a for h in cluster.hosts for a in ("--host", h)]
        proc = await asyncio.create_subprocess_exec(
            *SWITCHY, "run", str(plan), *hosts, *args, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, env=env)
        seen: list[str] = []
        try:
            await read_until(proc.stdout, "Ctrl-C to stop", seen)
            async with asyncio.timeout(10):
                while not all(any(c.line.startswith("event ") for c in n.commands) for n in cluster.nodes):
                    await asyncio.sleep(0.02)
            assert all(n.commands[0].line == "auth s3cret" for n in cluster.nodes)
            first = await cluster.nodes[1].place_call("100")
            line = await read_until(proc.stdout, first.uuid[:8], seen)
            assert line.startswith(f"{cluster.hosts[1]} ") and "→ default: greet (routed)" in line
            await first.wait_event("PLAYBACK_STOP", timeout=5)
            assert first.played == ["old.wav"]

            edit(plan, 'route greet "^1" { playback("new.wav" }\n')  # broken: kept out
            line = await read_until(proc.stdout, "error[SWR101]", seen)
            assert line.startswith(f"{plan}:1:")
            await read_until(proc.stdout, "still running the previous version", seen)
            kept = await cluster.nodes[0].place_call("100")
            await read_until(proc.stdout, kept.uuid[:8], seen)
            await kept.wait_event("PLAYBACK_STOP", timeout=5)
            assert kept.played == ["old.wav"]

            edit(plan, 'route greet "^1" { playback("new.wav") }\n')
            await read_until(proc.stdout, "reloaded", seen)
            second = await cluster.nodes[0].place_call("100")
            await read_until(proc.stdout, second.uuid[:8], seen)
            await second.wait_event("PLAYBACK_STOP", timeout=5)
            assert second.played == ["new.wav"]
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGINT)
            async with asyncio.timeout(10):
                code = await proc.wait()
        assert code == 0, seen


@pytest.mark.emulator_only
async def test_run_host_logs_each_call_when_it_ends_and_the_summary_when_stopped(tmp_path):
    """What an operator sees: a line per call once it has ended, with its hangup cause;
    nothing for a call of a context the dialplan does not name; the node going away and
    coming back (info lines, shown without -v); the summary tables on SIGINT."""
    plan = tmp_path / "plan.swr"
    plan.write_text('route greet "^1" { answer() playback("hi.wav") }\n'
                    'route hold "^2" { answer() park() }\n')
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]
        proc = await asyncio.create_subprocess_exec(
            *SWITCHY, "run", str(plan), "--host", cluster.hosts[0], "--no-reload",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=ENV)
        seen: list[str] = []
        try:
            started = await read_until(proc.stdout, "Ctrl-C to stop", seen)
            assert "in Caller-Context default with" in started
            greeted = await node.place_call("100")
            line = await read_until(proc.stdout, greeted.uuid[:8], seen)
            assert line.rstrip().endswith("→ default: greet (routed); hung up NORMAL_CLEARING")
            assert greeted.hangup_cause == "NORMAL_CLEARING"

            foreign = await node.place_call("100", context="public")  # no dialplan "public"
            held = await node.place_call("200")
            await held.wait_event_count("CHANNEL_EXECUTE", 2)  # park(): kept, not parked again
            assert node.commands_for(foreign.uuid) == [] and foreign.parked
            held.remote_hangup("USER_BUSY")
            line = await read_until(proc.stdout, held.uuid[:8], seen)
            assert "hold (routed, kept parked); hung up USER_BUSY" in line
            assert held.history.count("CHANNEL_PARK") == 1

            await node.pause()
            assert "disconnected" in await read_until(proc.stdout, "switchy.node", seen)
            await node.resume()
            assert "reconnected" in await read_until(proc.stdout, "reconnected", seen)
            foreign.remote_hangup("NORMAL_CLEARING")
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGINT)
            async with asyncio.timeout(10):
                rest = (await proc.stdout.read()).decode()
                code = await proc.wait()
        assert code == 0, seen
        assert foreign.uuid[:8] not in "".join(seen) + rest  # left alone: no line
        assert "calls per route" in rest and "calls per node" in rest
        assert "2 calls, 2 routed" in rest
        rows = {" ".join(line.split()) for line in rest.splitlines()}
        assert {"routed NORMAL_CLEARING 1", "routed USER_BUSY 1"} <= rows


def test_run_refuses_a_context_nothing_would_route(tmp_path):
    plan = tmp_path / "plan.swr"
    plan.write_text('dialplan sales { route { answer() } }\n')
    p = switchy("run", str(plan), "--host", "127.0.0.1:1", "--context", "switchy")
    assert p.returncode == 2
    assert "--context switchy: no dialplan has that name" in p.stderr
