"""The grammar file: conflict-free under strict LALR, and found by every kind of install."""

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lark import Lark

from switchy.dialplan.frontend import parser

REPO = Path(__file__).resolve().parents[2]


def test_grammar_is_strict_lalr():
    # strict=True turns shift/reduce conflicts and terminal collisions into errors.
    strict = parser.lark_parser(strict=True)
    assert isinstance(strict, Lark)
    assert strict.options.parser == "lalr"


def test_source_tree_grammar_is_the_one_loaded_in_a_checkout():
    assert parser.grammar_path().read_text() == (REPO / "grammar" / "swr.lark").read_text()


def test_cached_parser_parses_and_keeps_positions():
    tree = parser.lark_parser().parse('route r "1" { answer() }', start="start")
    assert tree.meta.line == 1 and tree.meta.end_column == 25


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    # Without hatchling at hand, let build fetch it into an isolated environment.
    isolation = ["--no-isolation"] if importlib.util.find_spec("hatchling") else []
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", *isolation, "--outdir", str(out),
         str(REPO)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    wheels = list(out.glob("switchy_cluster-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_carries_the_grammar_and_loads_it(wheel, tmp_path):
    with zipfile.ZipFile(wheel) as zf:
        assert "switchy/grammar/swr.lark" in zf.namelist()
        zf.extractall(tmp_path / "site")
    # Import switchy from the unpacked wheel only: the grammar must come from the package.
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from switchy.dialplan.frontend import parser;"
        "p = parser.grammar_path(); assert 'site' in str(p), p;"
        "r = parser.parse('route r \"1\" { answer() }');"
        "assert r.ok and r.module.items, r.diagnostics; print(p)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "site")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("switchy/grammar/swr.lark")
