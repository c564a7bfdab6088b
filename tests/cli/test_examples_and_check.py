"""The shipped examples check clean, and the check / fmt subcommands behave like tools."""

import argparse
import json
from pathlib import Path

import pytest

from switchy.cli import check as check_cmd
from switchy.cli import fmt as fmt_cmd
from switchy.dialplan.frontend.checker import check_paths

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.swr"))


def run(module, argv):
    parser = argparse.ArgumentParser()
    module.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_there_is_an_example_for_every_seed_section():
    names = {p.stem for p in EXAMPLES}
    for seed in ["proxier", "block_international", "bridge2dest", "transfer_to_context",
                 "sunday", "logical_or", "nested", "break_on_true", "record_sampling"]:
        assert f"seed_{seed}" in names
    assert len([n for n in names if n.startswith("xml_")]) >= 24


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_has_no_errors_or_warnings(path):
    _, diags = check_paths([path])
    assert [d.format() for d in diags] == []


def test_check_prints_compiler_style_lines_and_fails_on_errors(tmp_path, capsys):
    bad = tmp_path / "bad.swr"
    bad.write_text('route r "^1(" { answerr() }\n')
    assert run(check_cmd, ["check", str(bad)]) == 1
    out, err = capsys.readouterr()
    assert f"{bad}:1:12: error[SWR301]: invalid regular expression" in out
    assert f"{bad}:1:17: error[SWR201]: unknown action or handler 'answerr'" in out
    assert "    route r \"^1(\" { answerr() }\n" in out and "^^^^^^^" in out
    assert "1 file checked: 2 errors, 0 warnings" in err


def test_check_json_and_warnings_only_exit_zero(tmp_path, capsys):
    warn = tmp_path / "warn.swr"
    warn.write_text('guard my_flag == "1"\n')
    assert run(check_cmd, ["check", "--format", "json", str(warn)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(d["code"], d["severity"], d["line"], d["column"]) for d in data] == [
        ("SWR320", "warning", 1, 1), ("SWR402", "warning", 1, 7)]


def test_check_a_directory_reads_it_as_one_program(tmp_path, capsys):
    (tmp_path / "a.swr").write_text('dialplan default { route r -> shared() }\n')
    (tmp_path / "b.swr").write_text('handler shared() { park() }\n')
    assert run(check_cmd, ["check", str(tmp_path)]) == 0
    (tmp_path / "c.swr").write_text('dialplan default { }\n')
    assert run(check_cmd, ["check", str(tmp_path)]) == 1
    assert "dialplan 'default' is declared twice" in capsys.readouterr().out


def test_fmt_rewrites_checks_and_diffs(tmp_path, capsys):
    f = tmp_path / "a.swr"
    f.write_text("route r {answer()}\n")
    assert run(fmt_cmd, ["fmt", "--check", str(f)]) == 1
    assert f.read_text() == "route r {answer()}\n"
    assert run(fmt_cmd, ["fmt", "--diff", str(f)]) == 1
    assert "+    answer()" in capsys.readouterr().out
    assert run(fmt_cmd, ["fmt", str(f)]) == 0
    assert f.read_text() == "route r {\n    answer()\n}\n"
    assert run(fmt_cmd, ["fmt", "--check", str(f)]) == 0


def test_fmt_leaves_broken_files_alone(tmp_path, capsys):
    f = tmp_path / "b.swr"
    f.write_text("route r { answer( }\n")
    assert run(fmt_cmd, ["fmt", str(f)]) == 1
    assert f.read_text() == "route r { answer( }\n"
    assert "not formatted (syntax errors)" in capsys.readouterr().err
