"""Error recovery, table-driven: each broken file gives exactly one diagnostic, at the
exact place of its mistake, in words a user knows; and mistakes are independent: any
files joined give the diagnostics of each, each on its own line, and nothing more.

The common mistakes: unbalanced brackets, a missing condition (``if { }``), a doubled
comma, a missing ``{`` or ``}``, a misspelt keyword, a stray character or quote.
"""

from __future__ import annotations

import itertools
import random

import pytest

from switchy.dialplan.frontend.parser import parse

# name, file, line, column, code, message
BROKEN = [
    ('missing_rpar',
     'route a "1" {\n    respond(407\n    hangup()\n}\n',
     2, 16, 'SWR101', "missing ')' at the end of the line"),
    ('missing_comma',
     'route a "1" {\n    bridge(gateway="x" profile="y")\n    answer()\n}\n',
     2, 24, 'SWR101', "missing ',' before 'profile'"),
    ('doubled_comma',
     'route a "1" {\n    bridge(gateway="x",, profile="y")\n    answer()\n}\n',
     2, 24, 'SWR101', "one ',' too many"),
    ('missing_condition',
     'route a "1" {\n    if { answer() }\n    hangup()\n}\n',
     2, 8, 'SWR101', "missing the condition after 'if'"),
    ('missing_elif_condition',
     'route a "1" {\n    if x == "1" { answer() }\n    elif { park() }\n}\n',
     3, 10, 'SWR101', "missing the condition after 'elif'"),
    ('missing_lbrace_route',
     'route a "1"\n    answer()\n}\n',
     1, 12, 'SWR101', "missing '{' at the end of the line"),
    ('missing_lbrace_if',
     'route a "1" {\n    if x == "1"\n        answer()\n    }\n}\n',
     2, 16, 'SWR101', "missing '{' at the end of the line"),
    ('missing_rbrace_if',
     'route a "1" {\n    if x == "1" {\n        answer()\n    park()\n}\n',
     3, 17, 'SWR101', "missing '}' at the end of the line"),
    ('missing_rbrace_route',
     'route a "1" {\n    answer()\nroute b "2" { park() }\n',
     2, 13, 'SWR101', "missing '}' at the end of the line"),
    ('missing_rbrace_eof',
     'route a "1" {\n    answer()\n',
     2, 13, 'SWR101', "missing '}' at the end of the line"),
    ('extra_rbrace',
     'route a "1" { answer() }\n}\nroute b "2" { park() }\n',
     2, 1, 'SWR101',
     "unexpected '}'; expected a declaration (route, handler, dialplan, guard, include) or end of file"),
    ('misspelt_route',
     'rout a "1" { answer() }\nroute b "2" { park() }\n',
     1, 1, 'SWR101', "'rout' is not a keyword; did you mean 'route'?"),
    ('misspelt_handler',
     'handlr h(x) { log(x) }\nroute b "2" { park() }\n',
     1, 1, 'SWR101', "'handlr' is not a keyword; did you mean 'handler'?"),
    ('misspelt_else',
     'route a "1" {\n    if x == "1" { answer() }\n    esle { park() }\n}\n',
     3, 5, 'SWR101', "'esle' is not a keyword; did you mean 'else'?"),
    ('misspelt_if',
     'route a "1" {\n    iff x == "1" { answer() }\n    park()\n}\n',
     2, 5, 'SWR101', "'iff' is not a keyword; did you mean 'if'?"),
    ('misspelt_dialplan',
     'dialpan public {\n    route a "1" { answer() }\n}\n',
     1, 1, 'SWR101', "'dialpan' is not a keyword; did you mean 'dialplan'?"),
    ('misspelt_return',
     'route a "1" {\n    answer()\n    retrun\n}\n',
     3, 5, 'SWR101', "'retrun' is not a keyword; did you mean 'return'?"),
    ('misspelt_when',
     'route a "1" whn x == "1" { answer() }\n',
     1, 13, 'SWR101', "'whn' is not a keyword; did you mean 'when'?"),
    ('unclosed_paren_condition',
     'route a "1" {\n    if (x == "1" { answer() }\n    park()\n}\n',
     2, 18, 'SWR101', "missing ')' before '{'"),
    ('unclosed_list',
     'route a "1" {\n    if x in ["1", "2" { answer() }\n    park()\n}\n',
     2, 23, 'SWR101', "missing ']' before '{'"),
    ('extra_rpar',
     'route a "1" {\n    answer())\n    park()\n}\n',
     2, 13, 'SWR101', "unexpected ')'; expected a statement (an action call, if, stop, return), 'inline' or '}'"),
    ('assign_for_compare',
     'route a "1" {\n    if x = "1" { answer() }\n}\n',
     2, 10, 'SWR101', "unexpected '='; expected an operator, '(' or '{' (use '==' to compare)"),
    ('unterminated_string',
     'route a "1" {\n    playback("foo.wav)\n    hangup()\n}\n',
     2, 14, 'SWR102', 'unterminated string: add the closing " before the end of the line'),
    ('bad_character',
     'route a "1" {\n    x = @ 3\n    park()\n}\n',
     2, 9, 'SWR103', "unexpected character '@'"),
    ('missing_target',
     'route a "1" ->\nroute b "2" { park() }\n',
     1, 15, 'SWR101', "missing the handler call after '->' at the end of the line"),
    ('unclosed_params',
     'handler h(a, b {\n    log(a)\n}\nroute r "1" -> h(a=1, b=2)\n',
     1, 16, 'SWR101', "missing ')' before '{'"),
    ('missing_list_comma',
     'route a "1" {\n    if x in ["1" "2"] { answer() }\n}\n',
     2, 18, 'SWR101', 'missing \',\' before string "2"'),
    ('unclosed_call_in_if',
     'route a "1" {\n    if x == "1" {\n        log("x"\n    }\n    park()\n}\n',
     3, 16, 'SWR101', "missing ')' at the end of the line"),
    ('misspelt_guard',
     'gaurd Call-Direction == "inbound"\nroute a "1" { answer() }\n',
     1, 1, 'SWR101', "'gaurd' is not a keyword; did you mean 'guard'?"),
    ('misspelt_stop',
     'route a "1" {\n    answer()\n    stp\n}\n',
     3, 5, 'SWR101', "'stp' is not a keyword; did you mean 'stop'?"),
    ('missing_lbrace_handler',
     'handler h(x)\n    log(x)\n}\nroute a "1" -> h(x=1)\n',
     1, 13, 'SWR101', "missing '{' at the end of the line"),
    ('missing_rbrace_handler',
     'handler h(x) {\n    log(x)\nroute a "1" -> h(x=1)\n',
     2, 11, 'SWR101', "missing '}' at the end of the line"),
    ('missing_rpar_in_condition',
     'route a "1" {\n    if regex(x, "1" {\n        answer()\n    }\n}\n',
     2, 21, 'SWR101', "missing ')' before '{'"),
]
FILES = {name: text for name, text, *_ in BROKEN}


def found(text: str) -> list[tuple[int, int, str, str]]:
    return [(d.span.line, d.span.column, d.code, d.message) for d in parse(text, "bad.swr").diagnostics]


@pytest.mark.parametrize(("name", "text", "line", "column", "code", "message"), BROKEN,
                         ids=[case[0] for case in BROKEN])
def test_one_mistake_one_diagnostic_at_its_place(name, text, line, column, code, message):
    assert found(text) == [(line, column, code, message)]


def joined(names: tuple[str, ...]) -> tuple[str, list[tuple[int, int, str, str]]]:
    """The files one after the other, and the diagnostics each gives, moved down."""
    text, expected, offset = "", [], 0
    for name in names:
        expected += [(line + offset, column, code, message)
                     for line, column, code, message in found(FILES[name])]
        offset += FILES[name].count("\n")
        text += FILES[name]
    return text, expected


def test_there_are_enough_cases():
    assert len(BROKEN) >= 20 and len(FILES) == len(BROKEN)


@pytest.mark.parametrize("first", list(FILES))
def test_any_two_mistakes_are_independent(first):
    for second in FILES:
        text, expected = joined((first, second))
        assert found(text) == expected, (first, second)


def test_three_mistakes_give_exactly_three_diagnostics_on_their_own_lines():
    triples = list(itertools.permutations(FILES, 3))
    random.Random(17).shuffle(triples)
    for names in triples[:400]:
        text, expected = joined(names)
        got = found(text)
        assert got == expected, names
        assert len(got) == 3 and len({line for line, *_ in got}) == 3


def test_all_mistakes_in_one_file():
    text, expected = joined(tuple(FILES))
    assert found(text) == expected and len(expected) == len(FILES)
