"""Go to definition and find references: handlers (declaration ↔ calls), included files,
parameters (with the keyword arguments that fill them) and locals, and the channel
variables a dialplan sets.

References to a handler are looked for in every program that can see its declaration:
the document's own (with its includes), the other open documents, and the ``.swr``
files of the workspace folders that mention the name.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from lsprotocol import types

from switchy.dialplan import ast
from switchy.dialplan.frontend.loader import read_source
from switchy_lsp.analysis import Analysis, analyse, file_for, uri_for
from switchy_lsp.resolve import Target, resolve
from switchy_lsp.server import SwitchyLanguageServer

WORKSPACE_FILE_LIMIT = 2000


def definition(analysis: Analysis, offset: int) -> list[types.Location]:
    target = resolve(analysis, offset)
    if target is None:
        return []
    return [analysis.location(span) if isinstance(span, ast.Span) else span
            for span in _declarations(analysis, target)]


def _declarations(analysis: Analysis, t: Target) -> list[ast.Span | types.Location]:
    names = analysis.names
    if t.kind == "handler":
        handler = names.handler_named(t.name)
        return [handler.name.span] if handler else []
    if t.kind == "kwarg" and isinstance(t.owner, ast.Call) and isinstance(t.owner.callee, ast.Ident):
        handler = names.handler_named(t.owner.callee.name)
        param = next((p for p in handler.params if p.name.name == t.name), None) if handler else None
        return [param.name.span] if param else []
    if t.kind in ("param", "local"):
        first = next(iter(_local_spans(t.owner, t.name, declarations_only=True)), None)
        return [first] if first else []
    if t.kind == "include":
        path = _include_path(analysis, t.name)
        if path is None:
            return []
        start = types.Position(line=0, character=0)
        return [types.Location(uri=uri_for(path), range=types.Range(start=start, end=start))]
    if t.kind in ("header", "fs_variable"):
        short = t.name[len("variable_"):] if t.kind == "header" else t.name
        if t.kind == "header" and not t.name.startswith("variable_"):
            return []
        found = next((v for v in names.variables if v.name == short), None)
        return [found.span] if found else []
    return []


def _include_path(analysis: Analysis, relative: str) -> str | None:
    if analysis.file.startswith("<"):
        return None
    path = os.path.normpath(Path(analysis.file).parent / relative)
    return path if os.path.isfile(path) else None


def _local_spans(owner: ast.Node | None, name: str, declarations_only: bool = False) -> Iterator[ast.Span]:
    """Where a parameter or local of ``owner`` (a handler or route) is declared or used."""
    if owner is None:
        return
    if isinstance(owner, ast.Handler):
        for p in owner.params:
            if p.name.name == name:
                yield p.name.span
    for node in ast.walk(owner.body if isinstance(owner, ast.Handler | ast.Route) else owner):
        if isinstance(node, ast.Assign) and node.target.name == name:
            yield node.target.span
        elif isinstance(node, ast.Name) and node.name == name and not declarations_only:
            yield node.span


def references(analysis: Analysis, offset: int, include_declaration: bool,
               others: Iterable[Analysis] = ()) -> list[types.Location]:
    """Every place the thing at ``offset`` is named, in this program and in ``others``."""
    target = resolve(analysis, offset)
    if target is None:
        return []
    if target.kind == "handler":
        return _handler_references(analysis, target.name, include_declaration, others)
    if target.kind == "include":
        path = _include_path(analysis, target.name)
        return _include_references(path, [analysis, *others]) if path else []
    if target.kind in ("param", "local", "kwarg"):
        owner, name = target.owner, target.name
        if target.kind == "kwarg":
            call = target.owner
            owner = analysis.names.handler_named(call.callee.name) if isinstance(call, ast.Call) \
                and isinstance(call.callee, ast.Ident) else None
            if owner is None:
                return []
        spans = list(_local_spans(owner, name))
        if not include_declaration:
            decl = set(_local_spans(owner, name, declarations_only=True))
            spans = [s for s in spans if s not in decl]
        if isinstance(owner, ast.Handler) and any(p.name.name == name for p in owner.params):
            spans += [arg.name.span for call in analysis.names.handler_calls(owner.name.name)
                      for arg in call.args if arg.name is not None and arg.name.name == name]
        return _unique(analysis.location(s) for s in spans)
    return []


def _key(handler: ast.Handler) -> tuple[str, int]:
    return os.path.normpath(handler.name.span.file), handler.name.span.start


def _handler_references(analysis: Analysis, name: str, include_declaration: bool,
                        others: Iterable[Analysis]) -> list[types.Location]:
    handler = analysis.names.handler_named(name)
    if handler is None:
        return []
    key = _key(handler)
    out: list[types.Location] = []
    if include_declaration:
        out.append(analysis.location(handler.name.span))
    for each in [analysis, *others]:
        other = each.names.handler_named(name)
        if other is None or _key(other) != key:
            continue
        out.extend(each.location(call.callee.span) for call in each.names.handler_calls(name))
    return _unique(out)


def _include_references(path: str, analyses: Iterable[Analysis]) -> list[types.Location]:
    out = []
    for each in analyses:
        for file, result in each.program.files.items():
            if file.startswith("<"):
                continue
            for item in result.module.items:
                if isinstance(item, ast.Include) and os.path.normpath(
                        Path(file).parent / item.path.value) == path:
                    out.append(each.location(item.path.span))
    return _unique(out)


def _unique(locations: Iterable[types.Location]) -> list[types.Location]:
    seen, out = set(), []
    for loc in locations:
        key = (loc.uri, loc.range.start.line, loc.range.start.character, loc.range.end.line,
               loc.range.end.character)
        if key not in seen:
            seen.add(key)
            out.append(loc)
    return out


# -- the rest of the workspace ----------------------------------------------------------------


def workspace_analyses(ls: SwitchyLanguageServer, uri: str, mention: str | None) -> list[Analysis]:
    """Analyses of the other open documents and of the workspace's ``.swr`` files whose
    text contains ``mention`` (all of them when None)."""
    out = []
    seen = {file_for(uri)}
    for other in ls.open_uris():
        if file_for(other) in seen:
            continue
        seen.add(file_for(other))
        analysis = ls.analysis(other)
        if mention is None or mention in analysis.text:
            out.append(analysis)
    for path in _workspace_files(ls):
        if path in seen:
            continue
        seen.add(path)
        try:
            text = read_source(Path(path))  # regular, size-limited files only
        except OSError:
            continue
        if mention is not None and mention not in text:
            continue
        out.append(analyse(uri_for(path), text, None, parse_file=ls.parser, reader=ls.read,
                           encoding=ls.encoding))
    return out


def _workspace_files(ls: SwitchyLanguageServer) -> list[str]:
    roots = []
    try:
        roots = [file_for(f.uri) for f in ls.workspace.folders.values()]
        if not roots and ls.workspace.root_path:
            roots = [ls.workspace.root_path]
    except RuntimeError:
        return []
    found: list[str] = []
    for root in roots:
        if root.startswith("<") or not os.path.isdir(root):
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("node_modules", "__pycache__")]
            found.extend(os.path.normpath(os.path.join(folder, f)) for f in files if f.endswith(".swr"))
            if len(found) >= WORKSPACE_FILE_LIMIT:
                return found[:WORKSPACE_FILE_LIMIT]
    return found


def register(server: SwitchyLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def goto_definition(ls: SwitchyLanguageServer, params: types.DefinitionParams) -> list[types.Location]:
        analysis = ls.analysis(params.text_document.uri)
        return definition(analysis, analysis.offset(params.position))

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def find_references(ls: SwitchyLanguageServer, params: types.ReferenceParams) -> list[types.Location]:
        uri = params.text_document.uri
        analysis = ls.analysis(uri)
        offset = analysis.offset(params.position)
        target = resolve(analysis, offset)
        others: list[Analysis] = []
        if target is not None and target.kind in ("handler", "include"):
            others = workspace_analyses(ls, uri, target.name if target.kind == "handler"
                                        else os.path.basename(target.name))
        return references(analysis, offset, params.context.include_declaration, others)
