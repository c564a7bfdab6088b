"""Offsets ↔ LSP positions in each encoding, with the line breaks LSP clients use."""

from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types
from switchy_lsp.convert import UTF8, UTF16, UTF32, LineIndex, encoding_name


def pos(line, character):
    return types.Position(line=line, character=character)


def test_utf16_counts_astral_characters_twice():
    text = 'route "é😀x"'
    index = LineIndex(text, UTF16)
    x = text.index("x")
    assert index.position(x) == pos(0, 10)  # é is one unit, 😀 two
    assert index.offset(pos(0, 10)) == x
    assert LineIndex(text, UTF8).position(x) == pos(0, 13)  # é two bytes, 😀 four
    assert LineIndex(text, UTF32).position(x) == pos(0, 9)


def test_lines_break_at_lf_crlf_and_cr_only():
    text = "a\r\nb\rc\nd\x0ce\u2028f"
    index = LineIndex(text)
    assert index.position(text.index("b")) == pos(1, 0)
    assert index.position(text.index("c")) == pos(2, 0)
    assert index.position(text.index("d")) == pos(3, 0)
    # form feed and U+2028 are not line breaks for an LSP client
    assert index.position(text.index("e")) == pos(3, 2)
    assert index.position(text.index("f")) == pos(3, 4)


def test_positions_past_a_line_end_clamp_to_it():
    index = LineIndex("ab\r\ncd")
    assert index.offset(pos(0, 99)) == 2  # before the \r\n
    assert index.offset(pos(7, 0)) == 6
    assert index.position(3) == pos(0, 2)  # between \r and \n: the end of line 0
    assert index.end == pos(1, 2)


def test_encoding_names():
    assert encoding_name(types.PositionEncodingKind.Utf8) == UTF8
    assert encoding_name(None) == UTF16
    assert encoding_name("utf-7") == UTF16


@given(st.text(alphabet=st.sampled_from("ab\r\n\x0cé😀\u2028 "), max_size=40),
       st.sampled_from([UTF8, UTF16, UTF32]))
def test_offset_and_position_round_trip(text, encoding):
    index = LineIndex(text, encoding)
    for offset in range(len(text) + 1):
        position = index.position(offset)
        back = index.offset(position)
        # an offset inside a line break maps to the end of its line
        assert back == offset or text[back:offset] in ("\r", "\n", "\r\n")
