"""The switchy language server: documents, their analyses, settings; features plug in.

The server knows no feature: each module of ``switchy_lsp.features`` registers one on
it, and ``factory.create_server()`` puts them together (a fresh instance per call, so
tests never share state). Documents
are synced whole (``TextDocumentSyncKind.Full``): the front end re-parses only the items
an edit touched anyway, and positions are converted by ``convert`` alone, which splits
lines exactly as LSP clients do.

Analyses are made in one worker thread (``ready``), so the event loop goes on reading
messages and answering requests about other documents while a large one is checked;
a version edited again before the worker reached it is never analysed. A request about
a document (hover, completion, symbols...) is answered once that document's analysis is
current: features written as plain functions are awaited that way (``feature``).
"""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote

from lsprotocol import types
from pygls.io_ import StdinAsyncReader, StdoutWriter
from pygls.lsp.server import LanguageServer

from switchy.dialplan.frontend.gcpause import settle
from switchy.dialplan.frontend.incremental import IncrementalParser
from switchy.dialplan.frontend.loader import read_source
from switchy.dialplan.frontend.parser import ParseResult
from switchy_lsp import __version__, stdio
from switchy_lsp.analysis import Analysis, Superseded, analyse, file_for, uri_for
from switchy_lsp.convert import encoding_name
from switchy_lsp.refusals import Refusal, quiet_refusal_tracebacks
from switchy_lsp.settings import Settings

log = logging.getLogger("switchy_lsp")

# Requests about one document: a plain-function feature for one of these runs once the
# document's analysis is current (see ``SwitchyLanguageServer.feature``).
DOCUMENT_REQUESTS = frozenset({
    types.TEXT_DOCUMENT_HOVER, types.TEXT_DOCUMENT_COMPLETION, types.TEXT_DOCUMENT_DEFINITION,
    types.TEXT_DOCUMENT_REFERENCES, types.TEXT_DOCUMENT_PREPARE_RENAME, types.TEXT_DOCUMENT_RENAME,
    types.TEXT_DOCUMENT_CODE_ACTION, types.TEXT_DOCUMENT_FORMATTING,
    types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL, types.TEXT_DOCUMENT_DOCUMENT_SYMBOL,
})


class SharedParser:
    """The incremental parser, one caller at a time (the worker thread, and the event
    loop for the rare analysis it makes itself)."""

    def __init__(self) -> None:
        self._parser = IncrementalParser()
        self._lock = threading.Lock()

    def __call__(self, text: str, file: str = "<string>") -> ParseResult:
        with self._lock:
            return self._parser.parse(text, file)

    def forget(self, file: str) -> None:
        with self._lock:
            self._parser.forget(file)


@dataclass
class _Job:
    """One document version for the worker to analyse."""

    version: int | None
    text: str
    scope: str  # settings.program when it was asked for: a changed setting is a new job
    future: asyncio.Future | None = field(default=None, repr=False)


class SwitchyLanguageServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("switchy-lsp", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Full)
        self.settings = Settings()
        self.parser = SharedParser()
        self.analyses: dict[str, Analysis] = {}
        self.pending_checks: dict[str, asyncio.TimerHandle] = {}  # see features.diagnostics
        self.jobs: dict[str, _Job] = {}  # the version the worker is to analyse next, by uri
        # uri -> (the task making its diagnostics, whether it re-checks dependents too)
        self.checks: dict[str, tuple[asyncio.Task, bool]] = {}
        # What a feature computes ahead, in the worker, when a document is first analysed
        # (the editor asks for it right after opening): warms that feature's caches.
        self.on_first_analysis: list[Callable[[Analysis], object]] = []
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="switchy-analysis")
        quiet_refusal_tracebacks()

    def feature(self, feature_name: str, options: Any | None = None) -> Callable:
        """pygls' ``feature``; a plain-function request handler about one document (see
        ``DOCUMENT_REQUESTS``) first waits, without blocking the loop, for the analysis
        of that document's current text, which it then finds made."""
        register = super().feature(feature_name, options)
        if feature_name not in DOCUMENT_REQUESTS:
            return register

        def decorator(handler: Callable) -> Callable:
            if asyncio.iscoroutinefunction(handler):
                return register(handler)

            @functools.wraps(handler)
            async def when_ready(ls: SwitchyLanguageServer, params: Any) -> Any:
                uri = getattr(getattr(params, "text_document", None), "uri", None)
                if isinstance(uri, str) and ls.is_open(uri):
                    await ls.ready(uri)
                return handler(ls, params)

            register(when_ready)
            return handler

        return decorator

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

    def _current(self, uri: str) -> tuple[int | None, str, Analysis | None]:
        """The document's version and text, and its analysis if that is of this text."""
        doc = self.workspace.get_text_document(uri)
        text = doc.source if self.is_open(uri) else _read_or_empty(uri)
        cached = self.analyses.get(uri)
        if cached is not None and cached.version == doc.version and cached.text == text \
                and cached.encoding == self.encoding and cached.scope == self.settings.program:
            return doc.version, text, cached
        return doc.version, text, None

    def analysis(self, uri: str) -> Analysis:
        """The analysis of the document's current text, made here and now if stale (the
        event loop waits: requests about a document get it made by ``ready`` instead)."""
        version, text, cached = self._current(uri)
        if cached is not None:
            return cached
        return self._keep(uri, self._analyse(uri, text, version))

    async def ready(self, uri: str) -> Analysis:
        """The analysis of the document's current text, made by the worker thread while
        the loop goes on. A request for a version already being analysed waits for that
        analysis; when the document changes meanwhile, the newer text is analysed."""
        while True:
            version, text, cached = self._current(uri)
            if cached is not None:
                return cached
            job = self.jobs.get(uri)
            scope = self.settings.program
            if job is None or job.version != version or job.text is not text or job.scope != scope:
                job = self.jobs[uri] = _Job(version, text, scope)
                job.future = asyncio.wrap_future(self.worker.submit(self._work, uri, job))
            fresh = await asyncio.shield(job.future)
            if self.jobs.get(uri) is job:
                self.jobs.pop(uri)
            if fresh is not None:
                self._keep(uri, fresh)
                if not self.is_open(uri):  # nothing to keep it as: take it as it is
                    return fresh

    def _work(self, uri: str, job: _Job) -> Analysis | None:
        """In the worker thread: analyse ``job``, unless the document changed again before
        or while it is parsed (None: ``ready`` then asks for the newer text)."""
        def superseded() -> bool:
            if self.jobs.get(uri) is not job:
                return True
            try:  # (read across threads: the loop replaces the document's text and version)
                return self.is_open(uri) and self.workspace.get_text_document(uri).version != job.version
            except RuntimeError:
                return False

        if superseded():
            log.debug("skipped %s version %s: superseded", uri, job.version)
            return None
        log.debug("analysing %s version %s", uri, job.version)
        try:
            return self._analyse(uri, job.text, job.version, superseded, job.scope)
        except Superseded:
            log.debug("stopped %s version %s after parsing: superseded", uri, job.version)
            return None

    def _analyse(self, uri: str, text: str, version: int | None,
                 superseded: Callable[[], bool] | None = None, scope: str | None = None) -> Analysis:
        first = uri not in self.analyses
        paused = gc.isenabled()
        gc.disable()  # the parser makes many small objects: collecting midway is wasted work
        try:
            fresh = analyse(uri, text, version, parse_file=self.parser, reader=self.read,
                            encoding=self.encoding, scope=scope or self.settings.program,
                            superseded=superseded)
        finally:
            if paused:
                gc.enable()
        if first and self.is_open(uri):  # a document just opened
            fresh.names.variables  # noqa: B018 - index its names now, not in a first completion
            for warm in self.on_first_analysis:
                try:
                    warm(fresh)
                except Exception:  # a cache not warmed is only slower
                    log.exception("warming up %s failed", uri)
            # Its syntax tree out of the collector's sight: a full collection over it takes
            # 100+ ms and would land in a keystroke's check now and then. (Freezing without
            # collecting first: cycles that are garbage now wait for ``forget``.)
            gc.freeze()
        return fresh

    def _keep(self, uri: str, fresh: Analysis) -> Analysis:
        if self.is_open(uri):
            self.analyses[uri] = fresh
        return fresh

    def forget(self, uri: str) -> None:
        self.analyses.pop(uri, None)
        self.jobs.pop(uri, None)
        self.parser.forget(file_for(uri))
        self.worker.submit(settle)  # what is garbage now, frozen or not, is collected

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


def _read_or_empty(uri: str) -> str:
    file = file_for(uri)
    if file.startswith("<"):
        return ""
    try:
        return read_source(Path(file))
    except OSError:
        return ""
