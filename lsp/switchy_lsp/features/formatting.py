"""Whole-document formatting with the formatter ``switchy fmt`` uses (idempotent; a file
with syntax errors is left alone, as ``switchy fmt`` leaves it)."""

from __future__ import annotations

from lsprotocol import types

from switchy.dialplan.frontend.formatter import format_parsed
from switchy_lsp.analysis import Analysis
from switchy_lsp.server import SwitchyLanguageServer


def format_edits(analysis: Analysis) -> list[types.TextEdit]:
    """One edit replacing the document with its formatted text, or none."""
    result = format_parsed(analysis.parse, analysis.file)
    if not result.ok or not result.changed:
        return []
    return [types.TextEdit(range=analysis.lines.whole(), new_text=result.text)]


def register(server: SwitchyLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: SwitchyLanguageServer, params: types.DocumentFormattingParams) -> list[types.TextEdit]:
        return format_edits(ls.analysis(params.text_document.uri))
