"""Helpers for the language server's unit tests: analyse a text, find a marker."""

from __future__ import annotations

from pathlib import Path

from switchy_lsp.analysis import Analysis, analyse
from switchy_lsp.convert import UTF16

from switchy.dialplan.frontend.incremental import IncrementalParser

CURSOR = "|"


def analysed(text: str, path: str | Path = "/tmp/switchy-lsp-tests/t.swr",
             encoding: str = UTF16) -> Analysis:
    return analyse(Path(path).absolute().as_uri(), text, 1, parse_file=IncrementalParser(),
                   encoding=encoding)


def with_cursor(text: str, path: str | Path = "/tmp/switchy-lsp-tests/t.swr") -> tuple[Analysis, int]:
    """``text`` with one ``|`` marking the cursor: the analysis of the text without it,
    and the cursor's offset."""
    offset = text.index(CURSOR)
    return analysed(text[:offset] + text[offset + 1:], path), offset


def at(text: str, needle: str, inside: int = 0) -> int:
    """Offset of ``needle`` in ``text`` (plus ``inside`` characters)."""
    return text.index(needle) + inside
