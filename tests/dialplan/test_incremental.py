"""The incremental parser gives exactly what a full parse gives, and reuses what it can."""

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from switchy.dialplan import ast
from switchy.dialplan.frontend.incremental import IncrementalParser
from switchy.dialplan.frontend.parser import parse

EXAMPLES = sorted(Path(__file__).resolve().parents[2].joinpath("examples").glob("*.swr"))
TEXTS = [p.read_text(encoding="utf-8") for p in EXAMPLES]

# Pieces an edit inserts: the characters and words that change how a file parses.
PIECES = ["", "{", "}", "(", ")", '"', "'", "\n", "\r", "\f", "é", "😀", "route x ", "\nroute ",
          "\n    route y ", "\n}\n", "dialplan d {\n", "\n    guard ",
          "\nroute", "hangup()", "x", "\nhandler h(a=1) {", "#", "${", 'f"{', "dialplan p {",
          "\ndialplan", " -> ", "=~", "not ", "..", "[", "]", ",", "$1", "17:30", "\x00"]


def fingerprint(result):
    """Everything a parse produces, spans included (nodes compare equal ignoring them)."""
    spans = [(type(n).__name__, n.span, getattr(n, "op_span", None))
             for n in ast.walk(result.module.items)]
    diags = sorted(result.diagnostics, key=lambda d: (d.span.start, d.code, d.message))
    return (result.module, spans, diags, result.comments, result.module.span,
            result.clean_end)


BLOCK = "dialplan big {  # a block of routes\n" + "".join(
    f'    route r{i} "^{i}$" when x == {i} {{\n        answer()  # {i}\n    }}\n' for i in range(12)) + "}\n"


@st.composite
def edited(draw):
    text = "\n".join(draw(st.lists(st.sampled_from([*TEXTS, BLOCK]), min_size=1, max_size=3)))
    for _ in range(draw(st.integers(0, 6))):
        start = draw(st.integers(0, len(text)))
        end = min(len(text), start + draw(st.integers(0, 30)))
        text = text[:start] + draw(st.sampled_from(PIECES)) + text[end:]
    return text


@settings(max_examples=150, deadline=None)
@given(st.lists(edited(), min_size=1, max_size=4))
def test_a_sequence_of_edits_parses_like_a_full_parse(texts):
    incremental = IncrementalParser()
    for text in texts:  # one parser, one file: every parse reuses the previous one's chunks
        assert fingerprint(incremental.parse(text, "f.swr")) == fingerprint(parse(text, "f.swr"))


def test_a_node_that_recovery_hangs_under_two_parents_moves_once():
    # an f-string broken by a newline: recovery repeats the call, sharing its arguments
    text = ('route a "1" {\n    answer()\n}\n\nroute b "2" {\n    setvar("c", "b")\n'
            '    bridge(f"s\ndialplan2}")\n    stop\n}\n')
    assert fingerprint(IncrementalParser().parse(text, "f.swr")) == fingerprint(parse(text, "f.swr"))


def test_an_edit_reparses_only_its_own_route():
    text = "".join(f'route r{i} "^{i}$" {{ answer() }}\n' for i in range(50))
    incremental = IncrementalParser()
    before = incremental.parse(text, "f.swr").module.items
    edited_text = text.replace('"^10$" { answer() }', '"^10$" { park() }\n')
    after = incremental.parse(edited_text, "f.swr").module.items
    assert [a is b for a, b in zip(before, after, strict=True)].count(False) == 1
    assert after[10].body.statements[0].call.name == "park"
    # the routes after the edit moved down one line and eight characters... in place
    assert after[11] is before[11]
    assert (after[11].span.line, after[11].span.start) == (13, edited_text.index("route r11"))


def test_an_edit_inside_a_dialplan_block_reparses_only_its_route():
    routes = "".join(f'    route r{i} "^{i}$" {{ answer() }}  # {i}\n' for i in range(40))
    text = f'# head\ndialplan public {{  # the DIDs\n    guard Call-Direction == "inbound"\n{routes}}}  # end\n'
    incremental = IncrementalParser()
    before = incremental.parse(text, "f.swr")
    assert fingerprint(before) == fingerprint(parse(text, "f.swr"))
    edited_text = text.replace('"^7$" { answer() }', '"^7$" {\n        park()\n    }')
    after = incremental.parse(edited_text, "f.swr")
    assert fingerprint(after) == fingerprint(parse(edited_text, "f.swr"))
    old_routes, new_routes = before.module.items[0].routes, after.module.items[0].routes
    assert [a is b for a, b in zip(old_routes, new_routes, strict=True)].count(False) == 1
    assert new_routes[8] is old_routes[8] and new_routes[8].span.line == 14  # moved down two


def test_a_mistake_inside_a_dialplan_block_costs_one_route_too():
    routes = "".join(f'    route r{i} "^{i}$" {{\n        answer()\n    }}\n' for i in range(30))
    text = f"dialplan public {{\n{routes}}}\n"
    incremental = IncrementalParser()
    before = incremental.parse(text, "f.swr").module.items[0].routes
    broken = text.replace('"^7$" {\n        answer()', '"^7$" {\n        answer(')
    result = incremental.parse(broken, "f.swr")
    assert fingerprint(result) == fingerprint(parse(broken, "f.swr"))
    assert [d.message for d in result.diagnostics] == ["missing ')' at the end of the line"]
    after = result.module.items[0].routes
    assert sum(a is not b for a, b in zip(before, after, strict=True)) == 1


def test_mistakes_that_reach_beyond_a_route_in_a_block_read_like_a_full_parse():
    for text in ['dialplan public {\n    route a "1" { answer( }\n    handler h() { }\n}\nroute b { }\n',
                 'dialplan p {\n    route a { stop } }\n    route b { stop }\n}\n',
                 'dialplan p {\n    route a {\n    route b { stop }\n}\n']:
        assert fingerprint(IncrementalParser().parse(text, "f.swr")) == fingerprint(parse(text, "f.swr"))


def test_an_unclosed_block_is_read_with_what_follows():
    text = 'route a "1" {\n    answer()\nroute b "2" { park() }\nroute c "3" { stop }\n'
    result = IncrementalParser().parse(text, "f.swr")
    assert fingerprint(result) == fingerprint(parse(text, "f.swr"))
    assert [d.message for d in result.diagnostics] == ["missing '}' at the end of the line"]
    assert [r.name.name for r in result.module.items] == ["a", "b", "c"]


def test_a_keyword_that_begins_a_longer_name_is_no_place_to_cut():
    # after a route's '}' the lexer may read "route-x" as one name, as a cut would not
    text = 'route a { answer() }\n# note\nroute-x.\nroute b { park() }\n'
    assert fingerprint(IncrementalParser().parse(text, "f.swr")) == fingerprint(parse(text, "f.swr"))


def test_files_are_remembered_apart():
    incremental = IncrementalParser()
    one = incremental.parse('route a { answer() }\n', "one.swr")
    two = incremental.parse('route a { answer() }\n', "two.swr")
    assert one.module.items[0].span.file == "one.swr"
    assert two.module.items[0].span.file == "two.swr"
    incremental.forget("one.swr")
    assert incremental.parse("", "one.swr").module.items == []
