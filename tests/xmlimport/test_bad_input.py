"""Bad XML and hostile files: file:line errors from ``switchy import``, never a traceback."""

from __future__ import annotations

import html
import random
from pathlib import Path

import pytest

from switchy.cli import main
from switchy.xmlimport import import_xml
from tests.support.xmlimport import xml_context


def run_import(tmp_path: Path, xml: str | bytes, *extra: str, name: str = "bad.xml"):
    path = tmp_path / name
    if isinstance(xml, bytes):
        path.write_bytes(xml)
    else:
        path.write_text(xml)
    out = tmp_path / "out.swr"
    code = main(["import", str(path), "-o", str(out), *extra])
    return code, out


def test_xml_that_is_not_well_formed_is_a_file_line_error(tmp_path, capsys):
    code, _ = run_import(tmp_path, "<include>\n  <context name=\"x\">\n    <extension>\n</include>\n")
    assert code == 1
    printed = capsys.readouterr().out
    assert f"{tmp_path}/bad.xml:4: error: not well-formed XML: mismatched tag" in printed
    assert "Traceback" not in printed


def test_an_unknown_element_is_a_file_line_error(tmp_path, capsys):
    xml = xml_context("x", '    <extension name="e">\n      <condition>\n        <acton application="answer"/>\n'
                      '      </condition>\n    </extension>')
    code, _ = run_import(tmp_path, xml)
    assert code == 1
    assert "bad.xml:5: error: unknown element <acton> in <condition>" in capsys.readouterr().out


@pytest.mark.parametrize("regex", [r"^\p{L}+$", "(?|a(b)|c(d))", "[[:alphaz:]]", "_(*XX)"])
def test_a_regex_pcre_accepts_but_python_cannot_read_is_reported_and_left_visible(tmp_path, capsys, regex):
    xml = xml_context("x", f'    <extension name="e">\n      <condition field="destination_number" '
                      f'expression="{regex}">\n        <action application="answer"/>\n'
                      "      </condition>\n    </extension>")
    code, out = run_import(tmp_path, xml)
    assert code == 1
    printed = capsys.readouterr().out
    assert f"bad.xml:4: error: regex {regex!r}:" in printed
    text = out.read_text()
    assert "# UNTRANSLATED" in text and f'expression="{regex}"' in text  # left visibly
    assert main(["check", str(out), "-q"]) == 0  # the rest still checks


@pytest.mark.parametrize("data", [
    b"\x00\xff\xfe garbage",
    b"",
    b"<include>" * 300 + b"</include>" * 300,
    b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    b'<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>'
    b'<include><context name="&f;"/></include>',
], ids=["binary", "empty", "deep", "entity-expansion"])
def test_hostile_files_are_errors_not_tracebacks(tmp_path, capsys, data):
    code, _ = run_import(tmp_path, data)
    assert code == 1
    printed = capsys.readouterr()
    assert "bad.xml:" in printed.out and "error:" in printed.out
    assert "Traceback" not in printed.out + printed.err


def test_missing_paths_and_empty_directories_are_reported(tmp_path, capsys):
    assert main(["import", str(tmp_path / "nope.xml"), "-o", str(tmp_path / "o.swr")]) == 1
    (tmp_path / "empty").mkdir()
    assert main(["import", str(tmp_path / "empty"), "-o", str(tmp_path / "o.swr")]) == 1
    printed = capsys.readouterr().out
    assert "nope.xml: no such file or directory" in printed
    assert "no *.xml file in this directory" in printed


def test_untranslated_parts_exit_1_unless_allow_partial(tmp_path, capsys):
    xml = xml_context("x", '    <extension name="e">\n      <condition field="destination_number" '
                      'expression="^$${extension_prefix}(\\d+)$">\n'
                      '        <action application="answer"/>\n      </condition>\n    </extension>')
    code, out = run_import(tmp_path, xml)
    assert code == 1
    assert "bad.xml:4: untranslated: $${extension_prefix} is a pre-processor variable" in \
        capsys.readouterr().out
    code, out = run_import(tmp_path, xml, "--allow-partial")
    assert code == 0 and out.exists()
    vars_xml = tmp_path / "vars.xml"
    vars_xml.write_text('<include><X-PRE-PROCESS cmd="set" data="extension_prefix=49"/></include>')
    code, out = run_import(tmp_path, xml, "--vars", str(vars_xml))
    assert code == 0 and '"^49(\\d+)$"' in out.read_text()


def test_include_globs_set_variables_and_include_cycles(tmp_path):
    (tmp_path / "ext").mkdir()
    (tmp_path / "ext" / "b.xml").write_text(
        '<include><extension name="b"><condition field="destination_number" expression="^$${prefix}2$">'
        '<action application="answer"/></condition></extension></include>')
    (tmp_path / "ext" / "a.xml").write_text(
        '<include><extension name="a"><condition field="destination_number" expression="^$${prefix}1$">'
        '<action application="answer"/></condition></extension></include>')
    main_xml = tmp_path / "main.xml"
    main_xml.write_text('<include><X-PRE-PROCESS cmd="set" data="prefix=7"/><context name="c">'
                        '<X-PRE-PROCESS cmd="include" data="ext/*.xml"/></context></include>')
    result = import_xml([str(main_xml)])
    assert result.complete
    assert [e.name for e in result.dialplans.contexts[0].extensions] == ["a", "b"]  # sorted, as glob
    assert 'route a "^71$"' in result.text and 'route b "^72$"' in result.text
    loop = tmp_path / "loop.xml"
    loop.write_text('<include><X-PRE-PROCESS cmd="include" data="loop.xml"/></include>')
    result = import_xml([str(loop)])
    assert any("includes itself" in i.message for i in result.report.of_kind("error"))


def test_a_context_name_no_dialplan_can_have_is_reported(tmp_path):
    result = import_xml([str(_write(tmp_path, xml_context("my.context", "")))])
    assert [i.kind for i in result.report.issues] == ["untranslated"]
    assert "# UNTRANSLATED" in result.text


def _write(tmp_path: Path, xml: str) -> Path:
    path = tmp_path / "d.xml"
    path.write_text(xml)
    return path


_VALUES = ["^(1)$", "(a", "", ".*", "^(.*)$", "/^x$/i", "_NXX.", "${x}", "^${x}$", "${db(select/a/b)}",
           "${cond(${x} > 1 ? A : B)}", "x\ny", "$1${2}$0$15", "${a${b}}", "${", "}", "\"'\\", "ü€", "\\",
           "{x}", "$${zz}", "[[:digit:]]", "(?P<n>1)\\k<n>"]
_FIELDS = ["destination_number", "CALLER_ID_NAME", "foo", "${x}", "a-${x}-b",
           "${cond(${x} > 1 ? A : B)}", "caller_ton", None]
_APPS = ["log", "set", "bridge", "transfer", "execute_extension", "answer", "sleep", "respond", "x y"]


def _attr(name: str, value: str) -> str:
    return f' {name}="{html.escape(value, quote=True)}"'.replace("\n", "&#10;")


def _condition(rng: random.Random, depth: int) -> str:
    attrs = ""
    field = rng.choice(_FIELDS)
    if field is not None:
        attrs += _attr("field", field)
    attrs += _attr("expression", rng.choice(_VALUES))
    if rng.random() < .3:
        attrs += _attr("break", rng.choice(["on-true", "never", "always", "x"]))
    if rng.random() < .2:
        attrs += _attr("wday", rng.choice(["1-3", "mon", "zz", ""]))
    body = ""
    if rng.random() < .2:
        attrs += _attr("regex", rng.choice(["all", "any", "xor", "q"]))
        body += "".join(f'<regex{_attr("field", "caller_id_number")}{_attr("expression", rng.choice(_VALUES))}/>'
                        for _ in range(rng.randint(0, 3)))
    for _ in range(rng.randint(0, 3)):
        tag = rng.choice(["action", "anti-action"])
        inline = _attr("inline", "true") if rng.random() < .2 else ""
        body += f'<{tag}{_attr("application", rng.choice(_APPS))}{_attr("data", rng.choice(_VALUES))}{inline}/>'
    if depth < 2 and rng.random() < .3:
        body += _condition(rng, depth + 1)
    return f"<condition{attrs}>{body}</condition>"


def test_odd_but_well_formed_dialplans_never_break_the_output(tmp_path):
    """Whatever the XML holds, the import reports it and writes .swr that checks."""
    rng = random.Random(11)
    for n in range(120):
        exts = "".join(
            f'<extension{_attr("name", rng.choice(["a", "e 1", "1x", "if", "x" + chr(10) + "y"]))}'
            f'{_attr("continue", rng.choice(["true", "false"]))}>'
            + "".join(_condition(rng, 0) for _ in range(rng.randint(0, 3))) + "</extension>"
            for _ in range(rng.randint(1, 3)))
        path = tmp_path / f"odd{n}.xml"
        path.write_text(f'<include><context name="c">{exts}</context></include>')
        result = import_xml([str(path)])
        assert not [i for i in result.report.issues if "does not check" in i.message], path.read_text()
