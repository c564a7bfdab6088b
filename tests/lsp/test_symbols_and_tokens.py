"""Document symbols (the outline) and semantic tokens."""

from lsprotocol import types
from switchy_lsp.features.semantic_tokens import TOKEN_MODIFIERS, TOKEN_TYPES, semantic_tokens
from switchy_lsp.features.symbols import document_symbols

from tests.support.lsp import analysed

TEXT = '''include "x.swr"
handler h(a=1, b) { log(f"{a} ${x}") }
dialplan public {
    guard Call-Direction == "inbound"
    route did "^(555)$" -> h(b=2)
}
route "9" { x = hour if x > 8 and weekday in mon..fri { hangup() } }  # late
'''


def outline(symbols, depth=0):
    out = []
    for s in symbols:
        out.append(("  " * depth + s.name, s.kind, s.detail))
        out.extend(outline(s.children or [], depth + 1))
    return out


def test_outline_has_dialplans_routes_handlers_and_includes():
    assert outline(document_symbols(analysed(TEXT))) == [
        ("x.swr", types.SymbolKind.File, "include"),
        ("h", types.SymbolKind.Function, "h(a=1, b)"),
        ("  a", types.SymbolKind.Variable, "= 1"),
        ("  b", types.SymbolKind.Variable, "required"),
        ("public", types.SymbolKind.Namespace, "dialplan, 1 route"),
        ("  did", types.SymbolKind.Event, '"^(555)$" -> h(b=2)'),
        ('"9"', types.SymbolKind.Event, '"9"'),
    ]


def test_symbol_ranges_nest_and_select_the_name():
    symbols = document_symbols(analysed(TEXT))
    public = symbols[2]
    assert (public.range.start.line, public.range.end.line) == (2, 5)
    assert (public.selection_range.start.character, public.selection_range.end.character) == (9, 15)
    route = public.children[0]
    assert public.range.start.line <= route.range.start.line <= route.range.end.line <= public.range.end.line


def test_an_unnamed_route_without_pattern_still_has_a_name():
    assert document_symbols(analysed("route { answer() }"))[0].name == "(every call)"


def decode(text, data):
    lines = text.split("\n")
    out, line, col = [], 0, 0
    for i in range(0, len(data), 5):
        dl, dc, length, kind, mods = data[i:i + 5]
        line += dl
        col = col + dc if dl == 0 else dc
        names = [TOKEN_MODIFIERS[k] for k in range(len(TOKEN_MODIFIERS)) if mods >> k & 1]
        out.append((lines[line][col:col + length], TOKEN_TYPES[kind], *names))
    return out


def test_tokens_say_what_each_name_is():
    tokens = decode(TEXT, semantic_tokens(analysed(TEXT)))
    assert ("h", "function", "declaration") in tokens
    assert ("a", "parameter", "declaration") in tokens and ("a", "parameter") in tokens
    assert ("log", "function", "defaultLibrary") in tokens
    assert ("public", "namespace", "declaration") in tokens
    assert ("did", "event", "declaration") in tokens
    assert ('"^(555)$"', "regexp") in tokens
    assert ("Call-Direction", "property") in tokens
    assert ("x", "variable", "declaration") in tokens and ("x", "variable") in tokens
    assert ("hour", "variable", "defaultLibrary", "readonly") in tokens
    assert ("mon", "enumMember") in tokens and ("..", "operator") in tokens
    assert ("route", "keyword") in tokens and ("8", "number") in tokens
    assert ("# late", "comment") in tokens


def test_strings_are_split_around_what_lives_in_them():
    tokens = decode(TEXT, semantic_tokens(analysed(TEXT)))
    assert tokens[tokens.index(("log", "function", "defaultLibrary")) + 1:][:5] == [
        ('f"{', "string"), ("a", "parameter"), ("} ", "string"), ("${x}", "macro"), ('"', "string")]


def test_token_positions_count_utf16_units():
    data = semantic_tokens(analysed('route "😀" { log("é ${x}") }'))
    starts, col = [], 0
    for i in range(0, len(data), 5):
        col = col + data[i + 1] if data[i] == 0 else data[i + 1]
        starts.append((col, data[i + 2], TOKEN_TYPES[data[i + 3]]))
    # the emoji is two UTF-16 units, é one
    assert starts == [(0, 5, "keyword"), (6, 4, "regexp"), (13, 3, "function"), (17, 3, "string"),
                      (20, 4, "macro"), (24, 1, "string")]


def test_no_token_runs_past_the_end_of_its_line():
    text = 'route a { log("open\rhangup() }\n'  # an unclosed string, then a lone CR
    data = semantic_tokens(analysed(text))
    lines = ['route a { log("open', 'hangup() }', '']
    line = col = 0
    for i in range(0, len(data), 5):
        line += data[i]
        col = col + data[i + 1] if data[i] == 0 else data[i + 1]
        assert col + data[i + 2] <= len(lines[line])
