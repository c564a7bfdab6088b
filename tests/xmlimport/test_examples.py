"""``examples/xml``: imported XML dialplans with the calls that prove them.

Each example is checked (``switchy check``), its test file passes (``switchy test``), and
importing its XML again gives exactly the ``.swr`` checked in, so the examples show what
``switchy import`` writes today.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from switchy.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "xml"
NAMES = sorted(p.stem for p in EXAMPLES.glob("*.swrtest"))


def test_there_are_examples_each_with_its_xml_and_its_calls():
    assert len(NAMES) >= 3
    for name in NAMES:
        assert (EXAMPLES / f"{name}.xml").is_file() and (EXAMPLES / f"{name}.swr").is_file()


@pytest.mark.parametrize("name", NAMES)
def test_an_example_checks_and_its_calls_pass(name, capsys):
    assert main(["check", str(EXAMPLES / f"{name}.swr"), "-q"]) == 0
    assert main(["test", str(EXAMPLES / f"{name}.swrtest")]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("PASS ")


@pytest.mark.parametrize("name", NAMES)
def test_importing_the_xml_again_gives_the_example(name, tmp_path, monkeypatch):
    monkeypatch.chdir(EXAMPLES)
    out = tmp_path / f"{name}.swr"
    assert main(["import", f"{name}.xml", "-o", str(out), "--vars", "vars.xml", "--timezone", "UTC"]) == 0
    assert out.read_text() == (EXAMPLES / f"{name}.swr").read_text()
