"""``switchy test``: dialplan test files, their errors with file:line, their diffs; and
``switchy import --tests`` writing one from recorded calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from switchy.cli import main
from switchy.dialplantest.testfile import load
from tests.support.xmlimport import ORACLE

DIALPLAN = """\
dialplan public {
    hunt
    route did "^(5551234)$" {
        setvar("did", f"{$1}")
        bridge("sofia/gateway/carrier/${did}")
        execute("log", "INFO after the bridge")
        stop
    }
}
"""

GOOD = """\
dialplan = "public.swr"

[node]
gateways = ["carrier"]

[[call]]
name = "a DID"
context = "public"
destination = "5551234"
time = 2026-12-08T10:00:00Z

[call.expect]
executed = [
    "set did=5551234",
    "bridge sofia/gateway/carrier/5551234",
    "log INFO after the bridge",
]
hangup = "NORMAL_CLEARING"
routes = ["did"]

[[call]]
name = "no gateway on this node"
context = "public"
destination = "5551234"

[call.expect]
executed = ["set did=5551234", "bridge sofia/gateway/carrier/5551234"]
hangup = "INVALID_GATEWAY"

[call.differs]
reason = "this call runs on a node without the carrier gateway"
executed = ["set did=5551234", "bridge sofia/gateway/carrier/5551234", "log INFO after the bridge"]
hangup = "NORMAL_CLEARING"
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "public.swr").write_text(DIALPLAN)
    return tmp_path


def test_a_passing_file_prints_one_summary_line(folder, capsys):
    (folder / "did.swrtest").write_text(GOOD)
    assert main(["test", str(folder)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"PASS {folder}/did.swrtest: 2 calls (1 as a recorded difference)"]


def test_a_failing_call_shows_a_diff_from_its_first_differing_line(folder, capsys):
    (folder / "did.swrtest").write_text(GOOD.replace("carrier/5551234\",\n    \"log", "carrier/555\",\n    \"log"))
    assert main(["test", str(folder / "did.swrtest")]) == 1
    out = capsys.readouterr().out
    assert f"{folder}/did.swrtest:6: call 'a DID' differs" in out
    assert "-    bridge sofia/gateway/carrier/555\n" in out
    assert "+    bridge sofia/gateway/carrier/5551234\n" in out
    assert out.splitlines()[-1] == f"FAIL {folder}/did.swrtest: 1 of 2 calls differ"


@pytest.mark.parametrize(("change", "at", "message"), [
    (("destination =", "destinaton ="), "destinaton =",
     "unknown key 'destinaton' in [[call]] (did you mean 'destination'?)"),
    (('name = "a DID"', 'name = "a DID"\nheaders = { Caller-Destinaton-Number = "1" }'), "headers =",
     "header 'Caller-Destinaton-Number' is not one FreeSWITCH sends (did you mean 'Caller-Destination-Number'?)"),
    (('context = "public"', 'context = "pubic"'), 'context = "pubic"',
     "call 'a DID': no dialplan 'pubic' in public.swr (did you mean 'public'?)"),
    (('dialplan = "public.swr"', 'dialplan = "private.swr"'), "dialplan =", "dialplan 'private.swr' not found"),
    (('reason = "this', 'raison = "this'), "raison =", "unknown key 'raison' in differs (did you mean 'reason'?)"),
    (('gateways = ["carrier"]', 'modules = ["mod_dptool"]'), "modules =",
     "unknown module 'mod_dptool' (did you mean 'mod_dptools'?)"),
    (("time = 2026-12-08T10:00:00Z", 'time = "tomorrow"'), "time =", "time 'tomorrow' is not a date and time"),
    (("executed = [\n", "executed = [[\n"), "hangup =", "not valid TOML: Unclosed array"),
])
def test_errors_in_a_test_file_are_reported_with_their_line(folder, capsys, change, at, message):
    text = GOOD.replace(*change, 1)
    (folder / "did.swrtest").write_text(text)
    line = text[:text.index(at)].count("\n") + 1
    assert main(["test", str(folder / "did.swrtest")]) == 1
    out = capsys.readouterr().out
    assert f"{folder}/did.swrtest:{line}: error: {message}" in out
    assert out.splitlines()[-1].startswith(f"ERROR {folder}/did.swrtest: cannot run")
    assert "Traceback" not in out


def test_a_file_that_is_not_there_or_not_text(tmp_path, capsys):
    assert main(["test", str(tmp_path / "none.swrtest")]) == 1
    (tmp_path / "x.swrtest").write_bytes(b"\xff\xfe\x00")
    assert main(["test", str(tmp_path / "x.swrtest")]) == 1
    assert load(tmp_path / "x.swrtest").problems


def test_import_writes_a_test_file_from_recorded_calls_that_proves_the_migration(tmp_path, capsys):
    out, tests = tmp_path / "oracle.swr", tmp_path / "oracle.swrtest"
    code = main(["import", str(ORACLE / "dialplans"), "-o", str(out), "--vars", str(ORACLE / "vars.xml"),
                 "--timezone", "UTC", "--auto-hunt", "--allow-partial",
                 "--tests", str(tests), "--calls", str(ORACLE / "calls.jsonl")])
    assert code == 0
    text = tests.read_text()
    assert text.count("[[call]]") == 107 and 'dialplan = "oracle.swr"' in text
    assert 'context_missing = true' in text  # s08-4 calls a context that does not exist
    # The x05 calls need the db row the box had: say so in the node section.
    tests.write_text(text.replace('timezone = "UTC"', 'timezone = "UTC"\ndb = { "emergency/autoanswer" = "1" }'))
    capsys.readouterr()
    assert main(["test", str(tests)]) == 1
    printed = capsys.readouterr().out
    differing = [line for line in printed.splitlines() if line.endswith("differs")]
    assert [line.split("'")[1] for line in differing] == ["x28-1", "x28-2", "x28-3", "s06-4"]
    assert "-    execute_extension 5001_open" in printed
    assert printed.splitlines()[-1].endswith("4 of 107 calls differ")


def test_import_needs_the_calls_to_write_tests(tmp_path, capsys):
    assert main(["import", str(ORACLE / "dialplans" / "x01_capturing_digits.xml"), "-o",
                 str(tmp_path / "x.swr"), "--tests", str(tmp_path / "x.swrtest")]) == 2
    bad = tmp_path / "calls.jsonl"
    bad.write_text('{"context": "oracle_x01"}\nnot json\n')
    assert main(["import", str(ORACLE / "dialplans" / "x01_capturing_digits.xml"), "-o",
                 str(tmp_path / "x.swr"), "--tests", str(tmp_path / "x.swrtest"), "--calls", str(bad)]) == 2
    assert f"{bad}:2: not JSON" in capsys.readouterr().err
