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

A ``dialplan NAME { ... }`` block, the one item that can hold thousands of lines, is
itself read route by route when its head and closing brace stand on their own lines and
every part between them parses cleanly as routes, guards and time zones.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

from switchy.dialplan import ast
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.frontend.parser import ParseResult, clean, find_comments, parse
from switchy.dialplan.language import DECLARATIONS, DIALPLAN_DECLARATIONS

# A keyword followed by a blank: in any state the lexer reads it as that keyword (not as a
# longer name such as ``route-x``, which the state before a cut might lex differently).
_CUT = re.compile(rf"^(?:{'|'.join(DECLARATIONS)})(?=[ \t\f\r\n]|\Z)", re.MULTILINE)
# A dialplan block laid out as the formatter lays it out: head and closing brace alone on
# their lines (a comment may follow), its routes, guards and time zones each on a new line.
_BLOCK_HEAD = re.compile(r"dialplan[ \t]+[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*[ \t]*\{[ \t]*(?:#[^\n]*)?(?=\n)")
_BLOCK_FOOT = re.compile(r"\}[ \t]*(?:#[^\n]*)?\Z")
_BLOCK_ITEM = re.compile(rf"^[ \t]*(?:{'|'.join(DIALPLAN_DECLARATIONS)})(?=[ \t\f\r\n]|\Z)",
                         re.MULTILINE)
_STAND_IN = "dialplan _ {\n"


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
        text = clean(text)
        old = self._chunks.get(file, {})
        new: dict[str, list[_Chunk]] = {}
        chunks: list[_Chunk | _Block] = []
        pieces = list(_pieces(text))
        i = 0
        while i < len(pieces):
            start_line, start = pieces[i]
            stop = pieces[i + 1][1] if i + 1 < len(pieces) else len(text)
            block = self._dialplan_block(text[start:stop], file, start_line, start, old, new)
            if block is not None:
                chunks.append(block)
                i += 1
                continue
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

    def _dialplan_block(self, text: str, file: str, line: int, offset: int,
                        old: dict[str, list[_Chunk]], new: dict[str, list[_Chunk]]) -> _Block | None:
        """A ``dialplan NAME {`` ... ``}`` piece read part by part (a route, a guard...),
        so an edit inside a big dialplan block re-parses one route, not the block.

        Each part is parsed inside a stand-in block (``dialplan _ {`` + part + ``}``),
        where the parser is in the state the real block gives it; the part stands if that
        block closes exactly at the stand-in ``}`` (so the parser was between items where
        the next part begins), else it is read together with the parts after it. Needs
        the head and the closing brace on lines of their own; anything else is left to
        the general path (None).
        """
        header = _BLOCK_HEAD.match(text)
        if header is None:
            return None
        lines = text.split("\n")
        footer = len(lines) - 1
        while footer > 0 and (not lines[footer].strip() or lines[footer].lstrip().startswith("#")):
            footer -= 1
        if footer == 0 or not _BLOCK_FOOT.match(lines[footer]):
            return None
        footer_at = sum(len(x) + 1 for x in lines[:footer])
        inner_at = header.end() + 1
        head = self._chunk(header.group(0) + "\n}", file, line, offset, old)
        new.setdefault(head.text, []).append(head)
        if head.result.diagnostics or [type(i) for i in head.result.module.items] != [ast.Dialplan]:
            return None
        cuts = [inner_at] + [inner_at + m.start() for m in _BLOCK_ITEM.finditer(text[inner_at:footer_at])
                             if m.start()] + [footer_at]
        lines_before = [line + 1 + text.count("\n", inner_at, c) for c in cuts]
        items: list = []
        syntax: list[dg.Diagnostic] = []
        comments = [c for c in head.result.comments if c.span.line == line + 1]
        i = 0
        while i < len(cuts) - 1:
            step = 1
            while True:
                end = min(i + step, len(cuts) - 1)
                part = self._part(text[cuts[i]:cuts[end]], file, lines_before[i], offset + cuts[i], old)
                new.setdefault(part.text, []).append(part)
                if self._part_stands(part, offset + cuts[end]):
                    break
                if end == len(cuts) - 1:
                    return None  # the block does not close where it should: read it whole
                step *= 2
            stand_in = part.result.module.items[0]
            items.extend(stand_in.items)
            syntax.extend(part.result.diagnostics)
            comments.extend(part.result.comments)
            i = end
        name = head.result.module.items[0].name
        foot_offset = offset + footer_at
        span = ast.Span(file, line + 1, 1, line + footer + 1, 2, offset, foot_offset + 1)
        for c in find_comments(text[footer_at:], file):
            c.span = _shift(c.span, line + footer, offset + footer_at)
            comments.append(c)
        dialplan = ast.Dialplan(name, items, span=span)
        return _Block(ParseResult(ast.Module([dialplan], span=span), syntax, comments, text, True))

    def _part(self, text: str, file: str, line: int, offset: int,
              old: dict[str, list[_Chunk]]) -> _Chunk:
        """A part of a dialplan block, parsed in its stand-in block (placed so that the
        part's own text lands where it is in the file)."""
        return self._chunk(_STAND_IN + text + "}", file, line - 1, offset - len(_STAND_IN), old)

    @staticmethod
    def _part_stands(part: _Chunk, end: int) -> bool:
        """Did the stand-in block close at its own ``}`` (at ``end``), cleanly?"""
        items = part.result.module.items
        return (part.result.clean_end and len(items) == 1 and isinstance(items[0], ast.Dialplan)
                and items[0].span.end == end + 1
                and all(d.span.start < end for d in part.result.diagnostics))

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


@dataclasses.dataclass
class _Block:
    """A dialplan block assembled from its parts (each a remembered ``_Chunk``)."""

    result: ParseResult


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


def _join(chunks: list[_Chunk | _Block], text: str, file: str) -> ParseResult:
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
    start at a line start)."""
    file, line, column, end_line, end_column, start, end = span
    return ast.Span._make((file, line + dl, column, end_line + dl, end_column, start + do,
                           end + do))


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
