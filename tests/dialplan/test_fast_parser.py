"""The fast LALR loop (``frontend/lalr.py``) against Lark's own machinery: the same AST,
spans included, as Lark's parser driven with the same reductions, and the same tokens as
Lark's basic lexer."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchy.dialplan import ast
from switchy.dialplan.frontend import lalr, parser
from switchy.dialplan.frontend.transform import ToAst

REPO = Path(__file__).resolve().parents[2]
FILES = sorted(p for p in REPO.rglob("*.swr") if ".venv" not in p.parts and "node_modules" not in p.parts)
TEXTS = [p.read_text(encoding="utf-8", errors="replace") for p in FILES]
VALID = [t for t in TEXTS if parser.parse(t).ok]


def dump(node: object) -> object:
    """A node with everything, spans included (``==`` on nodes ignores spans)."""
    if isinstance(node, ast.Span):
        return tuple(node)
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return (type(node).__name__, *((f.name, dump(getattr(node, f.name))) for f in dataclasses.fields(node)))
    if isinstance(node, list | tuple):
        return tuple(dump(x) for x in node)
    return node


def with_lark(text: str, start: str = "start"):
    """The AST from Lark's own LALR loop, given the fast loop's reductions as callbacks."""
    interactive = lalr.AstParser(parser.lark_parser(), ToAst("f.swr", text)).parse_interactive(text, start)
    return lalr.unwrap(interactive.resume_parse())


def test_the_fast_loop_is_in_use():
    assert lalr.tables() is not None
    assert parser._parse('route r "^1$" { answer() }', "f.swr", "start")[2]  # read by the fast loop


@pytest.mark.parametrize("text", VALID, ids=range(len(VALID)))
def test_every_valid_file_gives_lark_s_ast_spans_and_all(text):
    fast = lalr.parse(text, "start", ToAst("f.swr", text))
    assert dump(fast) == dump(with_lark(text))


def test_ten_thousand_routes_in_one_file():
    text = "\n".join(f'route did{i} "^{5550000000 + i}$" {{ transfer("{1000 + i}", "XML", "default") stop }}'
                     for i in range(10_000))
    result = parser.parse(text, "big.swr")
    assert result.ok and len(result.module.items) == 10_000
    last = result.module.items[-1]
    assert (last.span.line, last.span.column, last.name.name) == (10_000, 1, "did9999")
    assert last.pattern.regex.value == "^5550009999$" and last.span.end == len(text)


def lark_tokens(text: str) -> list[tuple]:
    """What Lark's basic lexer gives, with parser.tokens' handling of what it cannot read."""
    return [(t.type, str(t), t.start_pos, t.line, t.column, t.end_line, t.end_column, t.end_pos)
            for t in parser.lark_tokens(text)]


def fast_tokens(text: str) -> list[tuple]:
    return [(t.type, str(t), t.start_pos, t.line, t.column, t.end_line, t.end_column, t.end_pos)
            for t in parser.tokens(text)]


@pytest.mark.parametrize("text", TEXTS, ids=range(len(TEXTS)))
def test_tokens_are_lark_s_basic_lexer_s(text):
    assert fast_tokens(text) == lark_tokens(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab "\'\n\r\t#{}()[],.:=~!<>$1-fFé\x00😀', max_size=80))
def test_tokens_of_any_text_are_lark_s(text):
    assert fast_tokens(text) == lark_tokens(text)
    assert parser.token_spans(text) == [(t[2], t[7], t[0]) for t in lark_tokens(text)]


def test_a_file_nested_too_deep_is_refused_with_a_diagnostic():
    result = parser.parse('route "^1$" { log(' + "[" * 2000 + "]" * 2000 + ") }")
    (diag,) = result.diagnostics
    assert result.module.items == [] and "2002 levels deep here" in diag.message
