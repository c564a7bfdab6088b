"""Syntax errors: each mistake reported once, with file:line:col and words a user knows."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from switchy.dialplan import ast
from switchy.dialplan.frontend.parser import parse

THREE_MISTAKES = '''\
route a "1(.*)" {
    bridge(gateway="x" profile="y")
    answer()
}
route b "2(.*)" {
    respond(407
    hangup()
}
rout c "3" { answer() }
route d "4" { park() }
'''

TERMINAL_NAME = re.compile(r"\b(?:[A-Z]{2,}_?[A-Z_]*|__ANON_\d+)\b")
ALLOWED_CAPS = {"SWR101", "SWR102", "SWR103", "SWR104", "SWR105"}


def errors(text):
    return parse(text, "bad.swr").diagnostics


def assert_each_node_once(result):
    """Recovery goes back to earlier parser states: what was read before must not be
    read again (a statement twice in its block, one node under two parents)."""
    nodes = list(ast.walk(result.module.items))
    assert len({id(n) for n in nodes}) == len(nodes)


def test_three_independent_mistakes_give_three_diagnostics():
    diags = errors(THREE_MISTAKES)
    assert [d.format().split(": error")[0] for d in diags] == [
        "bad.swr:2:24", "bad.swr:6:16", "bad.swr:9:1"]
    assert diags[0].message == "missing ',' before 'profile'"
    assert diags[1].message == "missing ')' at the end of the line"
    assert diags[2].message == "'rout' is not a keyword; did you mean 'route'?"


def test_recovery_keeps_every_route():
    result = parse(THREE_MISTAKES, "bad.swr")
    names = [item.name.name for item in result.module.items]
    assert names == ["a", "b", "c", "d"]  # the misspelt keyword is read as the one it spells
    bridge = result.module.items[0].body.statements[0].call
    assert [a.name.name for a in bridge.args] == ["gateway", "profile"]


def test_missing_closing_brace_points_at_the_open_one():
    diags = errors('route e "5" {\n    answer()\nroute f "6" { park() }\n')
    assert len(diags) == 1
    assert diags[0].message == "missing '}' at the end of the line"
    assert diags[0].related[0].span.line == 1
    assert diags[0].related[0].message == "the '{' opened here is not closed"


def test_unterminated_string_is_one_diagnostic():
    diags = errors('route d "4" {\n    playback("foo.wav)\n    hangup()\n}\n')
    assert [(d.code, d.span.line, d.span.column) for d in diags] == [("SWR102", 2, 14)]
    assert "unterminated string" in diags[0].message


def test_unexpected_character():
    diags = errors('route g "7" { x = @ 3 }')
    assert [(d.code, d.message) for d in diags] == [("SWR103", "unexpected character '@'")]


def test_assignment_instead_of_comparison_gets_a_hint():
    (diag,) = errors('route h "8" { if x = 1 { answer() } }')
    assert diag.message.endswith("(use '==' to compare)")


def test_end_of_file_inside_a_block():
    (diag,) = errors('route r "1" {\n  answer()\n')  # the indentation says where
    assert (diag.code, diag.span.line, diag.span.column) == ("SWR101", 2, 11)
    assert diag.message == "missing '}' at the end of the line"
    assert diag.related[0].span.line == 1
    (diag,) = errors('route r "1" { answer()\n')  # it says nothing here
    assert diag.code == "SWR104"
    assert diag.message.startswith("unexpected end of file; expected")
    assert diag.related and diag.related[0].span.line == 1


def test_expected_sets_use_words_not_terminal_names():
    samples = [
        'route r "1" { bridge(gateway= ) }',
        "route r { if { } }",
        "dialplan { }",
        'handler h(a b) { }',
        'route r "1" -> ',
        "guard",
        'route r "1" { x = [1, 2 }',
        "route r { if a ==  { } }",
        "}",
        "include 3",
    ]
    for text in samples:
        diags = errors(text)
        assert diags, text
        for d in diags:
            leftovers = set(TERMINAL_NAME.findall(d.message)) - ALLOWED_CAPS
            assert not leftovers, (text, d.message)


def test_one_diagnostic_per_broken_line():
    diags = errors('route r "1" { bridge(1 2 3 4 5 6) }\nroute s "2" { park() }')
    assert len(diags) == 1


SWR_PIECES = ["route", "handler", "dialplan", "guard", "if", "elif", "else", "stop", "return",
              "when", "include", "select", "timezone", "in", "not", "and", "or", '"1(.*)"',
              "'x'", 'f"{$1}"', "f'{", "(", ")", "{", "}", "[", "]", ",", "=", "==", "=~",
              "..", "->", "$1", "#", "\n", " ", "answer", "bridge", "x", "12:00", "2024-01-01",
              "7", "mod:fn", "@", '"', "\\"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(SWR_PIECES), max_size=40).map(" ".join))
def test_parser_never_raises_on_token_soup(text):
    result = parse(text, "fuzz.swr")
    assert result.module is not None
    assert_each_node_once(result)
    for d in result.diagnostics:
        assert d.span.line >= 1 and d.span.column >= 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_parser_never_raises_on_any_text(text):
    result = parse(text, "fuzz.swr")
    assert result.module is not None


@settings(max_examples=150, deadline=None)
@given(st.integers(0, len(THREE_MISTAKES)), st.integers(0, 8))
def test_parser_never_raises_on_truncated_or_cut_files(cut, width):
    text = THREE_MISTAKES[:cut] + THREE_MISTAKES[cut + width:]
    assert_each_node_once(parse(text, "cut.swr"))


def test_a_name_read_again_as_a_keyword_leaves_the_statement_before_it_once():
    # f"s is cut by the line end: `dialplan2` at column 1 is taken back as the keyword
    text = 'route r "1" {\n    setvar("c", "b")\n    bridge(f"s\ndialplan2}")\n    stop\n}\n'
    result = parse(text, "bad.swr")
    assert_each_node_once(result)
    calls = [s.call.name for s in result.module.items[0].body.statements]
    assert calls == ["setvar", "bridge"]
