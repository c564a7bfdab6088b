"""Rename a handler: its declaration and every call, in every file that sees it.

The new name must be one the grammar reads as a name, and must not be taken by a
keyword, an action, a built-in or another handler: a rename never turns a working
dialplan into a broken one.
"""

from __future__ import annotations

import re

from lsprotocol import types

from switchy.dialplan.actions import ACTIONS
from switchy.dialplan.builtins import BUILTIN_NAMES, FUNCTIONS
from switchy.dialplan.language import KEYWORDS
from switchy_lsp.analysis import Analysis
from switchy_lsp.features.navigation import references, workspace_analyses
from switchy_lsp.refusals import Refusal
from switchy_lsp.resolve import resolve
from switchy_lsp.server import SwitchyLanguageServer

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*\Z")


class RenameError(Exception):
    """Why this rename cannot be done (shown to the user)."""


def prepare(analysis: Analysis, offset: int) -> types.Range:
    target = resolve(analysis, offset)
    if target is None or target.kind != "handler" or analysis.names.handler_named(target.name) is None:
        raise RenameError("only handlers can be renamed")
    return analysis.range(target.span)


def check_new_name(analysis: Analysis, old: str, new: str) -> None:
    if not _NAME.match(new):
        raise RenameError(f"{new!r} is not a valid handler name")
    if new in KEYWORDS:
        raise RenameError(f"{new!r} is a keyword")
    if new in ACTIONS or new in FUNCTIONS or new in BUILTIN_NAMES:
        raise RenameError(f"{new!r} is the name of an action or built-in")
    if new != old and new in analysis.names.handlers:
        raise RenameError(f"a handler named {new!r} already exists")


def rename(analysis: Analysis, offset: int, new_name: str,
           others: list[Analysis] = ()) -> types.WorkspaceEdit:
    """The edit renaming the handler at ``offset`` (raises RenameError when it cannot)."""
    prepare(analysis, offset)
    target = resolve(analysis, offset)
    check_new_name(analysis, target.name, new_name)
    changes: dict[str, list[types.TextEdit]] = {}
    for loc in references(analysis, offset, True, others):
        changes.setdefault(loc.uri, []).append(types.TextEdit(range=loc.range, new_text=new_name))
    return types.WorkspaceEdit(changes=changes)


def register(server: SwitchyLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    def prepare_rename(ls: SwitchyLanguageServer, params: types.PrepareRenameParams) -> types.Range:
        analysis = ls.analysis(params.text_document.uri)
        try:
            return prepare(analysis, analysis.offset(params.position))
        except RenameError as exc:
            raise Refusal(str(exc)) from None

    @server.feature(types.TEXT_DOCUMENT_RENAME, types.RenameOptions(prepare_provider=True))
    def do_rename(ls: SwitchyLanguageServer, params: types.RenameParams) -> types.WorkspaceEdit:
        uri = params.text_document.uri
        analysis = ls.analysis(uri)
        offset = analysis.offset(params.position)
        target = resolve(analysis, offset)
        others = workspace_analyses(ls, uri, target.name) if target is not None else []
        try:
            return rename(analysis, offset, params.new_name, others)
        except RenameError as exc:
            raise Refusal(str(exc)) from None
