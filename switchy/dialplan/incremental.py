"""Re-parse only the top-level items an edit touched, for editors.

Lark's pure-Python LALR parser reads a 5,000-line dialplan in about a second; an editor
needs diagnostics within a fraction of that after every keystroke. The grammar's top
level is a plain sequence of items (``start: _item*``), so a file can be cut into chunks
at lines that begin, in column 1, with a declaration keyword. Each chunk is parsed alone,
remembered by its text, and its spans are moved to where the chunk now sits.

A cut is only kept where the chunk before it parsed to a clean end
(``ParseResult.clean_end``: no repair at its end of file, no ``{...}`` being skipped).
There the full parser is between two items in a state that accepts exactly what the
start state accepts, so every later token is read, and every mistake recovered, the same
way: the result equals ``parse(text)`` (same nodes and spans, same diagnostics, same
comments). A chunk that does not end cleanly (an unclosed ``{``, say) is read together
with the chunks after it instead. The one difference: if the AST builder failed on a
chunk (it should never), a full parse loses the whole file and this only that chunk.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from switchy.dialplan import ast
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.parser import ParseResult, parse

_CUT = re.compile(r"^(?:route|handler|dialplan|include|select|guard|timezone)\b", re.MULTILINE)


@dataclasses.dataclass
class _Chunk:
    """One chunk's parse, with its spans placed at ``line``/``offset`` of the file."""

    text: str
    result: ParseResult
    line: int = 0  # lines before the chunk
    offset: int = 0  # characters before the chunk
    nodes: list[ast.Node] = dataclasses.field(default_factory=list)  # every node, once

    def __post_init__(self) -> None:
        self.nodes = list(ast.walk(self.result.module.items))

    def move_to(self, line: int, offset: int) -> None:
        dl, do = line - self.line, offset - self.offset
        if dl or do:
            _shift_result(self.result, self.nodes, dl, do)
            self.line, self.offset = line, offset


class IncrementalParser:
    """``parse(text, file)`` with a memory of each file's chunks.

    Reuses the AST objects of unchanged chunks (their spans are updated in place), so a
    ParseResult returned earlier for the same file may see its spans move: hold on to
    the latest one only.
    """

    def __init__(self) -> None:
        self._chunks: dict[str, dict[str, list[_Chunk]]] = {}

    def forget(self, file: str) -> None:
        self._chunks.pop(file, None)

    def __call__(self, text: str, file: str = "<string>") -> ParseResult:
        return self.parse(text, file)

    def parse(self, text: str, file: str = "<string>") -> ParseResult:
        old = self._chunks.get(file, {})
        new: dict[str, list[_Chunk]] = {}
        chunks: list[_Chunk] = []
        pieces = list(_pieces(text))
        i = 0
        while i < len(pieces):
            span = 1
            while True:
                end = min(i + span, len(pieces))
                start_line, start = pieces[i][0], pieces[i][1]
                stop = pieces[end][1] if end < len(pieces) else len(text)
                chunk = self._chunk(text[start:stop], file, start_line, start, old)
                new.setdefault(chunk.text, []).append(chunk)
                if chunk.result.clean_end or end == len(pieces):
                    break
                span *= 2  # an unclean end: read on with the next chunks, then more
            chunks.append(chunk)
            i = end
        self._chunks[file] = new
        return _join(chunks, text, file)

    def _chunk(self, text: str, file: str, line: int, offset: int,
               old: dict[str, list[_Chunk]]) -> _Chunk:
        reusable = old.get(text)
        if reusable:
            chunk = reusable.pop()
            chunk.move_to(line, offset)
            return chunk
        chunk = _Chunk(text, parse(text, file))
        chunk.move_to(line, offset)
        return chunk


def _pieces(text: str) -> Iterator[tuple[int, int]]:
    """(lines before, offset) of every place the file may be cut, the start included."""
    yield 0, 0
    line, last = 0, 0
    for m in _CUT.finditer(text):
        if m.start() == 0:
            continue
        line += text.count("\n", last, m.start())
        last = m.start()
        yield line, m.start()


def _join(chunks: list[_Chunk], text: str, file: str) -> ParseResult:
    items: list = []
    syntax: list[dg.Diagnostic] = []
    comments: list[ast.Comment] = []
    for chunk in chunks:
        items.extend(chunk.result.module.items)
        syntax.extend(chunk.result.diagnostics)
        comments.extend(chunk.result.comments)
    if items:
        first, last = items[0].span, items[-1].span
        span = ast.Span(file, first.line, first.column, last.end_line, last.end_column,
                        first.start, last.end)
    else:
        span = ast.Span(file, 1, 1, 1, 1, 0, 0)
    clean = chunks[-1].result.clean_end if chunks else True
    return ParseResult(ast.Module(items, span=span), syntax, comments, text, clean)


def _shift(span: ast.Span, dl: int, do: int) -> ast.Span:
    """``span`` moved down ``dl`` lines and on ``do`` characters (columns stay: chunks
    start at a line start). Built without the frozen dataclass's ``__init__``, which
    costs half the time of an edit in a long file."""
    fields = dict(span.__dict__)
    fields["line"] += dl
    fields["end_line"] += dl
    fields["start"] += do
    fields["end"] += do
    moved = object.__new__(ast.Span)
    moved.__dict__.update(fields)
    return moved


def _shift_result(result: ParseResult, nodes: list[ast.Node], dl: int, do: int) -> None:
    for node in nodes:
        node.span = _shift(node.span, dl, do)
        if isinstance(node, ast.Compare):
            node.op_span = _shift(node.op_span, dl, do)
    for comment in result.comments:
        comment.span = _shift(comment.span, dl, do)
    result.diagnostics = [
        dataclasses.replace(d, span=_shift(d.span, dl, do), related=tuple(
            dg.Related(_shift(r.span, dl, do), r.message) for r in d.related))
        for d in result.diagnostics
    ]
    result.module.span = _shift(result.module.span, dl, do)
