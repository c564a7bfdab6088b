"""The switchy language server: documents, their analyses, settings; features plug in.

The server knows no feature: each module of ``switchy_lsp.features`` registers one on
it, and ``factory.create_server()`` puts them together (a fresh instance per call, so
tests never share state). Documents
are synced whole (``TextDocumentSyncKind.Full``): the front end re-parses only the items
an edit touched anyway, and positions are converted by ``convert`` alone, which splits
lines exactly as LSP clients do.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
import threading
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote

from lsprotocol import types
from pygls.io_ import StdinAsyncReader, StdoutWriter
from pygls.lsp.server import LanguageServer

from switchy.dialplan.frontend.incremental import IncrementalParser
from switchy.dialplan.frontend.loader import read_source
from switchy_lsp import __version__, stdio
from switchy_lsp.analysis import Analysis, analyse, file_for, uri_for
from switchy_lsp.convert import encoding_name
from switchy_lsp.refusals import Refusal, quiet_refusal_tracebacks
from switchy_lsp.settings import Settings

log = logging.getLogger("switchy_lsp")


class SwitchyLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("switchy-lsp", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.settings = Settings()
        self.parser = IncrementalParser()
        self.analyses: dict[str, Analysis] = {}
        self.pending_checks: dict[str, asyncio.TimerHandle] = {}  # see features.diagnostics
        quiet_refusal_tracebacks()

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        """pygls' stdio server, with a reader that survives a badly framed message and
        answers what it cannot read (``switchy_lsp.stdio``)."""
        self._stop_event = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        reader = StdinAsyncReader(stdin or sys.stdin.buffer, self.thread_pool)
        try:
            asyncio.run(stdio.serve(self.protocol, reader, self._stop_event))
        except BrokenPipeError:
            log.error("the editor closed the connection; shutting down")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    # -- documents ------------------------------------------------------------------

    @property
    def encoding(self) -> str:
        try:
            return encoding_name(self.workspace.position_encoding)
        except RuntimeError:  # not initialised yet
            return encoding_name(None)

    def is_open(self, uri: str) -> bool:
        try:
            return unquote(uri) in self.workspace.text_documents
        except RuntimeError:
            return False

    def open_uris(self) -> list[str]:
        return list(self.workspace.text_documents)

    def read(self, path: Path) -> str:
        """A file's text for the loader: the editor's buffer when it is open."""
        uri = uri_for(str(path))
        if self.is_open(uri):
            return self.workspace.get_text_document(uri).source
        return read_source(path)  # regular files only, size-limited: never a FIFO

    def analysis(self, uri: str) -> Analysis:
        """The analysis of the document's current text (computed now if stale)."""
        doc = self.workspace.get_text_document(uri)
        text = doc.source if self.is_open(uri) else _read_or_empty(uri)
        cached = self.analyses.get(uri)
        if cached is not None and cached.version == doc.version and cached.text == text \
                and cached.encoding == self.encoding:
            return cached
        paused = gc.isenabled()
        gc.disable()  # the parser makes many small objects: collecting midway is wasted work
        try:
            fresh = analyse(uri, text, doc.version, parse_file=self.parser, reader=self.read,
                            encoding=self.encoding, scope=self.settings.program)
        finally:
            if paused:
                gc.enable()
        if self.is_open(uri):
            if cached is None:  # a document just opened
                fresh.names.variables  # noqa: B018 - index its names now, not in a first completion
                _settle()
            self.analyses[uri] = fresh
        return fresh

    def forget(self, uri: str) -> None:
        self.analyses.pop(uri, None)
        self.parser.forget(file_for(uri))

    def dependents(self, uri: str) -> list[str]:
        """Open documents whose program reads ``uri`` (as an include), itself excluded."""
        file = file_for(uri)
        return [other for other, a in self.analyses.items()
                if other != uri and file in a.program.files]

    # -- errors ---------------------------------------------------------------------

    def report_server_error(self, error: Exception, source) -> None:
        # pygls shows every error outside a request as a pop-up; a language server that
        # nags on each keystroke is worse than one that logs.
        if isinstance(error, Refusal):  # an answer, not a fault: one line
            log.info("refused a request: %s", error.message)
            return
        log.error("internal error (%s): %s", getattr(source, "__name__", source), error,
                  exc_info=error)


def _settle() -> None:
    """After a document's first analysis: collect, then freeze what is alive (the grammar,
    the document's syntax tree) out of the garbage collector's sight. A full collection
    over a big tree takes 100+ ms; without this one lands in the middle of a keystroke's
    check or a completion now and then. Frozen objects are still freed when unused."""
    gc.collect()
    gc.freeze()


def _read_or_empty(uri: str) -> str:
    file = file_for(uri)
    if file.startswith("<"):
        return ""
    try:
        return read_source(Path(file))
    except OSError:
        return ""
