"""The server never crashes on any text: every feature function is fed partial documents
and random edits (hypothesis), and what it returns stays inside the document."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from switchy_lsp.analysis import analyse
from switchy_lsp.convert import UTF8, UTF16, UTF32
from switchy_lsp.features.code_actions import code_actions
from switchy_lsp.features.completion import TRIGGERS, complete, resolve_item
from switchy_lsp.features.diagnostics import lsp_diagnostics
from switchy_lsp.features.formatting import format_edits
from switchy_lsp.features.hover import hover_text
from switchy_lsp.features.navigation import definition, references
from switchy_lsp.features.rename import RenameError, prepare, rename
from switchy_lsp.features.semantic_tokens import semantic_tokens
from switchy_lsp.features.symbols import document_symbols

from switchy.dialplan.frontend.incremental import IncrementalParser

EXAMPLES = [p.read_text(encoding="utf-8") for p in
            sorted(Path(__file__).resolve().parents[2].joinpath("examples").glob("*.swr"))]
PIECES = ["route", "handler h(a=1, b) {", "dialplan d {", "include \"x.swr\"", "select ", "guard ",
          "{", "}", "(", ")", "[", "]", ",", "=", "==", "=~", "->", "..", '"', "'", 'f"{', "${",
          "}", "$1", "#", "\n", "\r\n", "\r", "\t", "\x0c", "\u2028", "é", "😀", "\x00",
          "bridge(gateway=", "hangup(", "if weekday in mon..", "stop", "17:30", "2024-02-30",
          "variable_", "Caller-", "setvar(\"x\", ", "respond(", " "]
FOLDER = Path("/tmp/switchy-lsp-robustness")


@st.composite
def documents(draw):
    """A slice of an example with random pieces spliced in (what half-typed code looks like)."""
    base = draw(st.sampled_from(EXAMPLES))
    start = draw(st.integers(0, len(base)))
    text = base[start:start + draw(st.integers(0, 600))]
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 5))
        piece = draw(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)))
        text = text[:at] + piece + text[at + cut:]
    return text


def lines_of(text: str) -> int:
    return len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def inside(text: str, r: types.Range) -> bool:
    n = lines_of(text)
    return (0 <= r.start.line < n and 0 <= r.end.line < n and r.start.character >= 0
            and r.end.character >= 0 and (r.start.line, r.start.character) <= (r.end.line, r.end.character))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.data(), st.sampled_from([UTF8, UTF16, UTF32]))
def test_every_feature_survives_any_text(text, data, encoding):
    uri = (FOLDER / "t.swr").as_uri()
    analysis = analyse(uri, text, 1, parse_file=IncrementalParser(), encoding=encoding)
    for d in lsp_diagnostics(analysis):
        assert inside(text, d.range), d
    offset = data.draw(st.integers(0, len(text)))
    trigger = data.draw(st.sampled_from([None, *TRIGGERS]))
    for default_range in (False, True):
        result = complete(analysis, offset, trigger=trigger, default_range=default_range)
        for item in result.items:
            resolve_item(item)
            edit_range = item.text_edit.range if item.text_edit else result.item_defaults.edit_range
            assert inside(text, edit_range) and edit_range.start.line == edit_range.end.line
    found = hover_text(analysis, offset)
    if found is not None:
        assert found[0]
    for loc in definition(analysis, offset) + references(analysis, offset, True):
        assert loc.uri
    try:
        assert inside(text, prepare(analysis, offset))
        rename(analysis, offset, "renamed_handler")
    except RenameError:
        pass
    for symbol in document_symbols(analysis):
        assert inside(text, symbol.range) and inside(text, symbol.selection_range)
    tokens = semantic_tokens(analysis)
    assert len(tokens) % 5 == 0 and all(v >= 0 for v in tokens)
    for action in code_actions(analysis, 0, len(text)):
        for edits in action.edit.changes.values():
            assert all(inside(text, e.range) for e in edits)
    edits = format_edits(analysis)
    if edits:
        again = analyse(uri, edits[0].new_text, 2, parse_file=IncrementalParser(), encoding=encoding)
        assert format_edits(again) == []  # formatting is idempotent


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), min_size=2, max_size=5))
def test_one_parser_across_edits_gives_what_a_fresh_one_gives(texts):
    """The server keeps one incremental parser for all versions of a document."""
    uri = (FOLDER / "t.swr").as_uri()
    kept = IncrementalParser()
    for version, text in enumerate(texts, 1):
        reused = lsp_diagnostics(analyse(uri, text, version, parse_file=kept))
        fresh = lsp_diagnostics(analyse(uri, text, version, parse_file=IncrementalParser()))
        assert reused == fresh
