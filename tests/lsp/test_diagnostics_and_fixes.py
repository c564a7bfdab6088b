"""Diagnostics as the client gets them, quick fixes, and formatting."""

from lsprotocol import types
from switchy_lsp.convert import UTF8
from switchy_lsp.features.code_actions import code_actions
from switchy_lsp.features.diagnostics import lsp_diagnostics
from switchy_lsp.features.formatting import format_edits

from switchy.dialplan.frontend.formatter import format_text
from tests.support.lsp import analysed


def by_code(diags):
    return {d.code: d for d in diags}


def test_codes_severities_ranges_and_the_unnecessary_tag():
    text = 'route a "1" {\n    hangup()\n    answer()\n}\nroute b "2" { answerr() }\n'
    diags = by_code(lsp_diagnostics(analysed(text)))
    dead = diags["SWR302"]
    assert dead.severity == types.DiagnosticSeverity.Warning
    assert dead.tags == [types.DiagnosticTag.Unnecessary]
    assert (dead.range.start.line, dead.range.start.character, dead.range.end.character) == (2, 4, 12)
    assert dead.related_information[0].message == "hangup() is here"
    assert dead.related_information[0].location.range.start.line == 1
    unknown = diags["SWR201"]
    assert unknown.severity == types.DiagnosticSeverity.Error and unknown.source == "switchy"
    assert unknown.data == {"fix": "answer"}
    assert unknown.tags is None


def test_ranges_are_in_the_negotiated_encoding():
    text = 'route a "😀é" { answerr() }'
    start = text.index("answerr")
    utf16 = by_code(lsp_diagnostics(analysed(text)))["SWR201"].range
    assert (utf16.start.character, utf16.end.character) == (start + 1, start + 8)  # emoji: 2 units
    utf8 = by_code(lsp_diagnostics(analysed(text, encoding=UTF8)))["SWR201"].range
    assert (utf8.start.character, utf8.end.character) == (start + 4, start + 11)  # 4 + 2 bytes


def test_related_information_points_into_included_files(tmp_path):
    (tmp_path / "common.swr").write_text("handler h(a) {\n    answer()\n}\n")
    text = 'include "common.swr"\nroute r -> h(b=1)\n'
    diags = lsp_diagnostics(analysed(text, tmp_path / "main.swr"))
    unknown = by_code(diags)["SWR202"]
    related = unknown.related_information[0].location
    assert related.uri.endswith("/common.swr") and related.range.start.line == 0


def test_an_include_with_errors_is_flagged_on_its_line(tmp_path):
    (tmp_path / "common.swr").write_text("handler h() {\n    answerr()\n}\n")
    text = 'include "common.swr"\nroute r -> h()\n'
    diags = lsp_diagnostics(analysed(text, tmp_path / "main.swr"))
    flagged = [d for d in diags if d.code is None]
    assert len(flagged) == 1
    assert flagged[0].message.startswith("common.swr has 1 error; first: 2:5 unknown action")
    assert flagged[0].range.start.line == 0 and flagged[0].severity == types.DiagnosticSeverity.Error


def test_noqa_is_honoured():
    text = 'route a "1" { log(variable_sip_req_url) }  # noqa: SWR402\n'
    assert lsp_diagnostics(analysed(text)) == []


def actions(text, needle):
    analysis = analysed(text)
    offset = text.index(needle)
    return analysis, code_actions(analysis, offset, offset + 1)


def apply(text, action):
    (edits,) = action.edit.changes.values()
    lines = text.split("\n")
    offsets = [sum(len(x) + 1 for x in lines[:i]) for i in range(len(lines))]
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start = offsets[edit.range.start.line] + edit.range.start.character
        end = offsets[edit.range.end.line] + edit.range.end.character
        text = text[:start] + edit.new_text + text[end:]
    return text


def test_did_you_mean_fixes():
    text = 'route a "1" { answerr() bridge(gatway="x") log(variable_sip_req_url) }\n'
    _, found = actions(text, "answerr")
    assert found[0].title == "Change 'answerr' to 'answer'" and found[0].is_preferred
    assert apply(text, found[0]).startswith('route a "1" { answer() ')
    _, found = actions(text, "gatway")
    assert apply(text, found[0]).count('bridge(gateway="x")') == 1
    _, found = actions(text, "variable_sip_req_url")
    assert found[0].title == "Change 'variable_sip_req_url' to 'variable_sip_req_uri'"


def test_create_a_missing_handler_from_its_call():
    text = 'route a "1" {\n    to_pbx(gateway="x", 5)\n}'
    _, found = actions(text, "to_pbx")
    create = next(a for a in found if a.title == "Create handler 'to_pbx'")
    fixed = apply(text, create)
    assert fixed.endswith('}\n\nhandler to_pbx(gateway=none, arg1) {\n}\n')
    assert create.diagnostics[0].code == "SWR201"


def test_silence_a_warning_on_its_line():
    text = 'route a "1" { log(variable_sip_req_url) }\nroute b "2" { log(Caller-Foo) }  # noqa: SWR305\n'
    _, found = actions(text, "variable_sip")
    ignore = next(a for a in found if a.title == "Ignore SWR402 on this line")
    assert apply(text, ignore).split("\n")[0].endswith("}  # noqa: SWR402")
    _, found = actions(text, "Caller-Foo")
    ignore = next(a for a in found if a.title == "Ignore SWR402 on this line")
    assert apply(text, ignore).split("\n")[1].endswith("# noqa: SWR305, SWR402")
    _, found = actions('route a "1" { answerr() }', "answerr")
    assert not any(a.title.startswith("Ignore") for a in found)  # errors are not silenced


def test_formatting_uses_switchy_fmt_and_is_idempotent():
    text = 'route   a "1"{answer()\nhangup()}\n'
    (edit,) = format_edits(analysed(text))
    assert edit.new_text == format_text(text).text == 'route a "1" {\n    answer()\n    hangup()\n}\n'
    assert (edit.range.end.line, edit.range.end.character) == (2, 0)
    assert format_edits(analysed(edit.new_text)) == []
    assert format_edits(analysed('route a "1" { answer(')) == []  # syntax errors: left alone
