"""Diagnostics, pushed on open, change and save: the checker's, exactly as ``switchy check``
reports them, with code, severity, range, related locations and the Unnecessary tag.

A check is scheduled per document and superseded by a newer edit, so edits typed while a
check runs cost one more check, not one each. Documents that include the edited one are
re-checked too. After a check without errors the server sends ``switchy/graphChanged``
``{"uri": ...}`` so a graph preview can refresh.

An include whose file has errors also gets one diagnostic on its ``include`` line (the
included file's own diagnostics appear when it is opened).
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

from lsprotocol import types

from switchy.dialplan import ast
from switchy.dialplan import diagnostics as dg
from switchy_lsp.analysis import Analysis, file_for
from switchy_lsp.server import SwitchyLanguageServer

log = logging.getLogger(__name__)

GRAPH_CHANGED = "switchy/graphChanged"
SOURCE = "switchy"

SEVERITY = {
    dg.Severity.ERROR: types.DiagnosticSeverity.Error,
    dg.Severity.WARNING: types.DiagnosticSeverity.Warning,
    dg.Severity.INFO: types.DiagnosticSeverity.Information,
    dg.Severity.HINT: types.DiagnosticSeverity.Hint,
}


def to_lsp(analysis: Analysis, d: dg.Diagnostic) -> types.Diagnostic:
    related = [types.DiagnosticRelatedInformation(location=analysis.location(r.span),
                                                  message=r.message) for r in d.related]
    return types.Diagnostic(
        range=analysis.range(d.span),
        message=d.message,
        severity=SEVERITY[d.severity],
        code=d.code,
        source=SOURCE,
        tags=[types.DiagnosticTag.Unnecessary] if d.unnecessary else None,
        related_information=related or None,
        data={"fix": d.fix} if d.fix else None,
    )


def lsp_diagnostics(analysis: Analysis) -> list[types.Diagnostic]:
    """What to publish for the analysed document."""
    out = [to_lsp(analysis, d) for d in analysis.own_diagnostics]
    out.extend(_include_summaries(analysis))
    return out


def _include_summaries(analysis: Analysis) -> list[types.Diagnostic]:
    out = []
    for item in analysis.module.items:
        if not isinstance(item, ast.Include):
            continue
        problems = [d for d in analysis.diagnostics
                    if d.span.file != analysis.file and d.severity <= dg.Severity.WARNING
                    and _included_from(analysis, d.span.file) is item]
        if not problems:
            continue
        errors = sum(d.is_error for d in problems)
        first = min(problems, key=dg.sort_key)
        what = f"{errors} error{'s' if errors != 1 else ''}" if errors else \
            f"{len(problems)} warning{'s' if len(problems) != 1 else ''}"
        out.append(types.Diagnostic(
            range=analysis.range(item.path.span),
            message=f"{item.path.value} has {what}; first: {first.span.line}:"
                    f"{first.span.column} {first.message}",
            severity=types.DiagnosticSeverity.Error if errors else types.DiagnosticSeverity.Warning,
            source=SOURCE,
            related_information=[types.DiagnosticRelatedInformation(
                location=analysis.location(first.span), message=first.message)],
        ))
    return out


def _included_from(analysis: Analysis, file: str) -> ast.Include | None:
    """The include of this document through which ``file`` was read."""
    files = list(analysis.program.files)
    if file not in files:
        return None
    includes = [i for i in analysis.module.items if isinstance(i, ast.Include)]
    # Files are read depth first, in include order: the include read last before
    # ``file`` is the one that brought it in.
    position = files.index(file)
    owner = None
    for include in includes:
        target = _file_of_include(analysis, include)
        if target in files and files.index(target) <= position:
            owner = include
    return owner


def _file_of_include(analysis: Analysis, include: ast.Include) -> str | None:
    if analysis.file.startswith("<"):
        candidate = include.path.value
    else:
        candidate = str(Path(Path(analysis.file).parent / include.path.value))
    return candidate if candidate in analysis.program.files else None


# -- scheduling ----------------------------------------------------------------------------


async def publish(ls: SwitchyLanguageServer, uri: str) -> Analysis | None:
    """Publish the diagnostics of the document's current text."""
    if not ls.is_open(uri):
        return None
    started = time.perf_counter()
    analysis = await ls.ready(uri)  # made in the worker thread: the loop goes on meanwhile
    if not ls.is_open(uri):
        return analysis  # closed meanwhile
    diagnostics = lsp_diagnostics(analysis)
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
        uri=uri, version=analysis.version, diagnostics=diagnostics))
    if analysis.ok:
        ls.protocol.notify(GRAPH_CHANGED, {"uri": uri})
    log.info("checked %s (version %s): %d diagnostics in %.0f ms", uri, analysis.version,
             len(diagnostics), (time.perf_counter() - started) * 1000)
    return analysis


def schedule(ls: SwitchyLanguageServer, uri: str, delay_ms: int | None = None,
             dependents: bool = True) -> None:
    """Check ``uri`` (and what includes it) after ``delay_ms``, replacing a pending check.
    Edits that arrive while the worker checks an earlier version are not checked one by
    one: the check that runs next reads the document as it is then."""
    pending = ls.pending_checks
    if uri in pending:
        pending.pop(uri).cancel()
    delay = (ls.settings.debounce_ms if delay_ms is None else delay_ms) / 1000

    def run() -> None:
        pending.pop(uri, None)
        running = ls.checks.get(uri)
        if running is not None and not running[0].done() and (running[1] or not dependents):
            return  # a check still waiting for the analysis publishes the newest text
        task = asyncio.ensure_future(_check(ls, uri, dependents))
        ls.checks[uri] = (task, dependents)
        task.add_done_callback(lambda done: ls.checks.pop(uri, None)
                               if ls.checks.get(uri, (None,))[0] is done else None)

    pending[uri] = asyncio.get_running_loop().call_later(delay, run)


async def _check(ls: SwitchyLanguageServer, uri: str, dependents: bool) -> None:
    try:
        await publish(ls, uri)
    except Exception:  # never let one bad check stop the next
        log.exception("checking %s failed", uri)
        return
    if dependents:
        for other in ls.dependents(uri):
            ls.analyses.pop(other, None)  # it read the old text of this one
            schedule(ls, other, 0, dependents=False)


def affected(ls: SwitchyLanguageServer, changes: list[types.FileEvent]) -> list[str]:
    """Open documents to re-check after files changed on disk: those that read a changed
    file, and every one when a file appeared or vanished (an include may now resolve)."""
    open_docs = [u for u in ls.open_uris() if u in ls.analyses]
    if any(c.type != types.FileChangeType.Changed for c in changes):
        return open_docs
    changed = {file_for(c.uri) for c in changes if not ls.is_open(c.uri)}
    return [u for u in open_docs if changed & set(ls.analyses[u].program.files)]


def register(server: SwitchyLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: SwitchyLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        schedule(ls, params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: SwitchyLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        schedule(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: SwitchyLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        schedule(ls, params.text_document.uri, 0)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def files_changed(ls: SwitchyLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        for uri in affected(ls, params.changes):
            ls.analyses.pop(uri, None)
            schedule(ls, uri, 0, dependents=False)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: SwitchyLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        pending = ls.pending_checks
        if uri in pending:
            pending.pop(uri).cancel()
        dependents = ls.dependents(uri)
        ls.forget(uri)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        for other in dependents:  # they now read the file from disk again
            ls.analyses.pop(other, None)
            schedule(ls, other, 0, dependents=False)
