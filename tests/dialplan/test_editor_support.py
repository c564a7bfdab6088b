"""What the front end offers editors: tokens, what may come next, the node under a
cursor, pattern examples, and recovery that never lets one mistake swallow the rest."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchy.dialplan import ast, patterns
from switchy.dialplan.frontend.parser import expected_next, parse, tokens


def kinds(text):
    return [(t.type, str(t)) for t in tokens(text)]


def test_tokens_skip_comments_and_keep_keywords_apart_from_names():
    assert kinds('route r "1" { hangup() }  # bye\nroute-x') == [
        ("ROUTE", "route"), ("NAME", "r"), ("STRING", '"1"'), ("LBRACE", "{"),
        ("NAME", "hangup"), ("LPAR", "("), ("RPAR", ")"), ("RBRACE", "}"),
        ("NAME", "route-x")]


def test_tokens_survive_bad_characters_and_unclosed_strings():
    toks = tokens('a @ b "open\nc')
    assert [(t.type, str(t), t.line, t.column, t.start_pos) for t in toks] == [
        ("NAME", "a", 1, 1, 0), ("NAME", "b", 1, 5, 4),
        ("UNTERMINATED_STRING", '"open', 1, 7, 6), ("NAME", "c", 2, 1, 12)]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_tokens_never_raise_and_stay_in_order(text):
    offsets = [t.start_pos for t in tokens(text)]
    assert offsets == sorted(offsets)
    assert all(0 <= o < len(text) for o in offsets)


def test_expected_next_after_a_route_head_and_inside_a_call():
    assert {"LBRACE", "WHEN", "STRING"} <= expected_next("route r1 ")
    inside = expected_next('route r { bridge(')
    assert {"NAME", "STRING", "RPAR"} <= inside and "STOP" not in inside
    assert {"STOP", "RETURN", "IF", "INLINE", "NAME", "PYREF", "RBRACE"} == expected_next(
        "route r { answer() ")


def test_expected_next_recovers_from_earlier_mistakes():
    assert "STOP" in expected_next('route a { bridge(,,) }\nroute b { ')


def test_clean_end_says_whether_the_file_could_stop_there():
    assert parse('route a { answer() }').clean_end
    assert parse('route a { ) }').clean_end  # a mistake, but recovered before the end
    assert not parse('route a {').clean_end
    assert not parse('route a { x !~ {').clean_end  # ends inside a skipped group


def test_a_declaration_in_column_1_ends_what_a_mistake_left_open():
    text = ('route a "1" when Caller-Caller-ID-Nu\nmber !~ "^0" {\n    answer()\n}\n'
            'route b "2" { park() }\nroute c "3" { respond(40 }\n')
    result = parse(text, "f.swr")
    assert [r.name.name for r in result.module.items] == ["a", "b", "c"]
    assert [(d.span.line, d.message) for d in result.diagnostics] == [
        (1, "missing '{' at the end of the line"),
        (2, "unexpected '!~'; expected '(' or '='"),
        (6, "missing ')' before '}'")]


def test_an_unfinishable_end_keeps_the_items_before_it():
    result = parse('route a { answer() }\nroute b { br{x}\n', "f.swr")
    assert [r.name.name for r in result.module.items] == ["a", "b"]


def test_enclosing_gives_the_path_to_the_cursor():
    text = 'route a "x" { bridge(gateway="g", proxy=p) }'
    module = parse(text).module
    path = ast.enclosing(module, text.index("teway"))
    assert [type(n).__name__ for n in path] == [
        "Module", "Route", "Block", "CallStmt", "Call", "Arg", "Ident"]
    assert path[-1].name == "gateway"
    after_p = ast.enclosing(module, text.index("p)") + 1)  # right after the name
    assert isinstance(after_p[-1], ast.Name) and after_p[-1].name == "p"
    assert [type(n).__name__ for n in ast.enclosing(module, len(text) + 5)] == ["Module"]


def test_pattern_examples_match_their_pattern():
    assert patterns.example("2[1-9]{3}$") == "2111"
    assert patterns.example("_1NXXNXXXXXX") == "12002000000"
    assert patterns.example("^(?P<ext>10[01][0-9])$") == "1000"
    assert patterns.example("1(.*)") == "15"
    assert patterns.example("(?=x)y") is None  # cannot be sketched: no example, never a wrong one
    assert patterns.example("a(") is None


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")
@settings(max_examples=200, deadline=None)
@given(st.from_regex(r"[\^]?[0-9a-zNXZ_\[\]\-\(\)\|\.\*\+\?\{\},$\\d]{0,12}", fullmatch=True))
def test_an_example_is_always_matched(pattern):
    found = patterns.example(pattern)
    assert found is None or patterns.match(pattern, found) is not None


def test_assigned_names_finds_assignments_at_any_depth():
    from switchy.dialplan.frontend.checker import assigned_names

    module = parse('route r { a = 1 if x { b = 2 if y { c = 3 } elif z { d = 4 } } else { e = 5 } '
                   'log(f"{a}") }').module
    assert assigned_names(module.items[0].body) == {"a", "b", "c", "d", "e"}
    for path in sorted(Path(__file__).resolve().parents[2].joinpath("examples").glob("*.swr")):
        for node in ast.walk(parse(path.read_text(encoding="utf-8")).module):
            if isinstance(node, ast.Block):  # the same as looking at every node below
                assert assigned_names(node) == {n.target.name for n in ast.walk(node)
                                                if isinstance(n, ast.Assign)}


def test_an_operator_inside_an_f_string_has_its_place_in_the_file():
    text = 'route r {\n    log(f"{x =~ \'a\'}")\n}'
    compare = next(n for n in ast.walk(parse(text).module) if isinstance(n, ast.Compare))
    assert (compare.op_span.line, compare.op_span.column) == (2, 14)
    assert text[compare.op_span.start:compare.op_span.end] == "=~"
