"""Positions: the front end's character offsets ↔ LSP line/character, in the client's encoding.

Lark counts lines by ``\\n`` and columns in code points; an LSP client splits lines at
``\\n``, ``\\r\\n`` and ``\\r`` (never at form feeds or U+2028, which ``str.splitlines``
would) and counts characters in UTF-16 code units unless the client negotiated UTF-8 or
UTF-32. Spans carry character offsets, so everything goes through offsets and the two
ways of counting never meet.
"""

from __future__ import annotations

import bisect
import re

from lsprotocol import types

from switchy.dialplan.ast import Span

_BREAK = re.compile(r"\r\n|\r|\n")

UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"


def encoding_name(kind: str | types.PositionEncodingKind | None) -> str:
    """The negotiated ``PositionEncodingKind`` as one of UTF8/UTF16/UTF32 (default UTF16)."""
    value = getattr(kind, "value", kind)
    return value if value in (UTF8, UTF16, UTF32) else UTF16


def units(text: str, encoding: str) -> int:
    """Length of ``text`` in the encoding's code units."""
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF16:
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
    return len(text.encode("utf-8", "surrogatepass"))


def _unit(ch: str, encoding: str) -> int:
    if encoding == UTF32:
        return 1
    code = ord(ch)
    if encoding == UTF16:
        return 2 if code > 0xFFFF else 1
    return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4


class LineIndex:
    """Where each line of one text starts, to convert offsets and positions both ways."""

    def __init__(self, text: str, encoding: str = UTF16):
        self.text = text
        self.encoding = encoding
        self.starts = [0] + [m.end() for m in _BREAK.finditer(text)]

    def _line_end(self, line: int) -> int:
        """Offset where ``line``'s content ends (its line break excluded)."""
        if line + 1 < len(self.starts):
            end = self.starts[line + 1]
            brk = self.text[end - 2:end]
            return end - (2 if brk == "\r\n" else 1)
        return len(self.text)

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[line]
        offset = min(offset, self._line_end(line))  # inside a "\r\n": the end of the line
        return types.Position(line=line, character=units(self.text[start:offset], self.encoding))

    def offset(self, position: types.Position) -> int:
        """The character offset of a client position; past the end of a line means its end."""
        if position.line < 0:
            return 0
        if position.line >= len(self.starts):
            return len(self.text)
        start = self.starts[position.line]
        end = self._line_end(position.line)
        if self.encoding == UTF32 or self.text[start:end].isascii():
            return min(start + max(position.character, 0), end)
        budget = position.character
        i = start
        while i < end and budget > 0:
            budget -= _unit(self.text[i], self.encoding)
            i += 1
        return i

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(max(start, end)))

    def span_range(self, span: Span) -> types.Range:
        return self.range(span.start, span.end)

    @property
    def end(self) -> types.Position:
        return self.position(len(self.text))

    def whole(self) -> types.Range:
        return types.Range(start=types.Position(line=0, character=0), end=self.end)
