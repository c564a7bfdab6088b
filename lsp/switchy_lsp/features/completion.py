
"""Completion: what may be typed at the cursor, as the grammar and the program see it.

- declarations at the top level (``route``, ``handler``, ...) and in a ``dialplan`` block;
- statements: actions with their required arguments as a snippet, handlers with their
  required parameters, ``if`` / ``stop`` / ``return``;
- expressions: parameters and locals in scope, built-ins, header names, channel variables
  (``variable_...``: those the program sets, and FreeSWITCH's own hundreds once a first
  letter is typed), weekday and month names after a time test;
- in a call: the keyword arguments of the action or handler being called (minus those
  given), and the choices of an argument that has a fixed set (hangup causes, legs...);
- inside ``${`` in a string: channel variable names; ``include "``: ``.swr`` files.

Every item replaces the word typed so far through an explicit edit range (or the list's
default range, when the client takes one), because header names contain dashes that
editors do not count as part of a word. Once a word is typed only the items it fuzzily
matches are sent, and the list is marked incomplete so the client asks again as it grows.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import attrs
from lsprotocol import types

from switchy.dialplan import ast, headers
from switchy.dialplan.actions import ACTIONS, Action
from switchy.dialplan.builtins import BUILTIN_NAMES, FUNCTIONS, MONTHS, WEEKDAYS
from switchy.dialplan.language import DECLARATIONS, DIALPLAN_DECLARATIONS, KEYWORD_DOCS
from switchy_lsp import docs
from switchy_lsp.analysis import Analysis
from switchy_lsp.cursor import Cursor, locate
from switchy_lsp.server import SwitchyLanguageServer

TRIGGERS = ["(", ",", "{", "$", "-", ">", "=", '"', " "]
_EXPRESSION_START = {"STRING", "FSTRING", "NUMBER", "CAPTURE", "TRUE", "FALSE", "NONE", "LSQB"}
_DECLARATION_SNIPPETS = {
    "route": 'route ${1:name} "${2:^pattern$}" {\n\t$0\n}',
    "handler": "handler ${1:name}(${2}) {\n\t$0\n}",
    "dialplan": "dialplan ${1:name} {\n\t$0\n}",
    "include": 'include "${1:file.swr}"',
    "select": "select ${1:Caller-Context}",
    "guard": "guard ${1:Call-Direction} == \"${2:inbound}\"",
    "timezone": 'timezone "${1:Europe/Berlin}"',
    "hunt": "hunt",
}
_STATEMENT_SNIPPETS = {
    "if": "if ${1:condition} {\n\t$0\n}",
    "elif": "elif ${1:condition} {\n\t$0\n}",
    "else": "else {\n\t$0\n}",
}
_ORDER = {"keyword_arg": "0", "choice": "0", "local": "1", "file": "1", "handler": "2",
          "action": "3", "set_variable": "4", "keyword": "5", "builtin": "6", "header": "7",
          "variable": "8"}


class _Items:
    """Collects items; ``finish`` gives each the edit range (its own, or the list's default)."""

    def __init__(self, analysis: Analysis, cursor: Cursor, snippets: bool):
        self.range = analysis.lines.range(cursor.word_start, cursor.offset)
        self.snippets = snippets
        self.word = cursor.word.strip('"\'')
        self.items: list[types.CompletionItem] = []
        self.seen: set[str] = set()
        self.held_back = False  # some items wait for a first letter

    def add(self, label: str, kind: types.CompletionItemKind, group: str, *, insert: str | None = None,
            snippet: str | None = None, detail: str | None = None, doc: str | None = None,
            resolve: tuple[str, str] | None = None) -> None:
        if label in self.seen:
            return
        self.seen.add(label)
        self.items.append(_item(label, kind, group, insert, snippet if self.snippets else None,
                                detail, doc, resolve))

    def extend(self, items: list[types.CompletionItem]) -> None:
        for item in items:
            if item.label not in self.seen:
                self.seen.add(item.label)
                self.items.append(item)

    def finish(self, default_range: bool) -> types.CompletionList:
        """The list; once a word is typed, only the items it fuzzily matches (the client
        asks again as the word grows: ``is_incomplete``), which keeps answers small."""
        items = self.items
        incomplete = self.held_back
        if self.word:
            items = [i for i in items if _fuzzy(self.word, i.label)]
            incomplete = True
        if default_range:
            return types.CompletionList(is_incomplete=incomplete, items=items,
                                        item_defaults=types.CompletionItemDefaults(edit_range=self.range))
        items = [attrs.evolve(i, text_edit_text=None, text_edit=types.TextEdit(
            range=self.range, new_text=i.text_edit_text or i.label)) for i in items]
        return types.CompletionList(is_incomplete=incomplete, items=items)


def _fuzzy(word: str, label: str) -> bool:
    """Are the word's characters in the label, in order, ignoring case? (What editors'
    fuzzy filters keep is a subset of this, so nothing they would show is dropped.)"""
    at = 0
    label = label.lower()
    for ch in word.lower():
        at = label.find(ch, at) + 1
        if at == 0:
            return False
    return True


def _item(label: str, kind: types.CompletionItemKind, group: str, insert: str | None,
          snippet: str | None, detail: str | None, doc: str | None,
          resolve: tuple[str, str] | None) -> types.CompletionItem:
    text = snippet if snippet is not None else insert
    return types.CompletionItem(
        label=label, kind=kind, detail=detail, sort_text=_ORDER[group] + label.lower(),
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=doc) if doc else None,
        insert_text_format=types.InsertTextFormat.Snippet if snippet is not None else None,
        text_edit_text=text if text is not None and text != label else None,
        data={"resolve": list(resolve)} if resolve else None,
    )


@functools.cache
def _static(group: str, snippets: bool) -> list[types.CompletionItem]:
    """The items that never change: actions, built-ins, headers, FreeSWITCH's variables.
    Their documentation comes with ``completionItem/resolve``."""
    out = []
    if group == "actions":
        for action in ACTIONS.values():
            out.append(_item(action.name, types.CompletionItemKind.Function, "action", action.name,
                             _action_snippet(action) if snippets else None, action.signature,
                             None, ("action", action.name)))
    elif group == "builtins":
        for name in BUILTIN_NAMES:
            out.append(_item(name, types.CompletionItemKind.Constant, "builtin", None, None,
                             "built-in", None, ("builtin", name)))
        for fn in FUNCTIONS.values():
            args = ", ".join(f"${{{i}:{p}}}" for i, p in enumerate(fn.params, 1))
            out.append(_item(fn.name, types.CompletionItemKind.Function, "builtin", fn.name,
                             f"{fn.name}({args})$0" if snippets else None, fn.signature, None,
                             ("builtin", fn.name)))
        for word in ("true", "false", "none", "not"):
            out.append(_item(word, types.CompletionItemKind.Keyword, "keyword", None, None, None,
                             None, None))
    elif group == "headers":
        for name in sorted(headers.EVENT_HEADERS):
            out.append(_item(name, types.CompletionItemKind.Field, "header", None, None,
                             "event header", None, ("header", name)))
    elif group in ("variables", "bare_variables"):
        prefix = "variable_" if group == "variables" else ""
        for name in sorted(headers.CHANNEL_VARIABLES):
            out.append(_item(prefix + name, types.CompletionItemKind.Variable, "variable", None,
                             None, "channel variable", None, ("header", "variable_" + name)))
    return out


def resolve_item(item: types.CompletionItem) -> types.CompletionItem:
    """Fill in the documentation of a static item (``completionItem/resolve``)."""
    data = item.data if isinstance(item.data, dict) else {}
    kind, name = (data.get("resolve") or [None, None])[:2]
    text = None
    if kind == "action" and name in ACTIONS:
        text = docs.action_doc(ACTIONS[name])
    elif kind == "builtin":
        text = docs.builtin_hover(name)
    elif kind == "header" and isinstance(name, str):
        text = docs.header_hover(name)
    if text:
        item.documentation = types.MarkupContent(kind=types.MarkupKind.Markdown, value=text)
    return item


def complete(analysis: Analysis, offset: int, *, snippets: bool = True,
             trigger: str | None = None, default_range: bool = False) -> types.CompletionList:
    """The completion items at ``offset`` of the analysed document. Never raises.

    ``default_range``: the client takes one edit range for the whole list
    (``itemDefaults.editRange``), so items need not carry their own.
    """
    cursor = locate(analysis.text, offset)
    items = _Items(analysis, cursor, snippets)
    if (trigger and not _trigger_fits(trigger, cursor)) or cursor.where == "comment":
        return items.finish(default_range)
    if cursor.where == "variable":
        _channel_variables(items, analysis, prefixed=False)
    elif cursor.where == "string":
        _in_string(items, analysis, cursor)
    elif cursor.where == "fstring_expr":
        _expression(items, analysis, cursor)
    else:
        _code(items, analysis, cursor)
    return items.finish(default_range)


def _trigger_fits(trigger: str, cursor: Cursor) -> bool:
    """Typing '{', '$', '>', '=', '"' or ' ' opens completion only where it means something."""
    if trigger in ("{", "$"):
        return cursor.where in ("variable", "fstring_expr")
    if trigger == ">":
        return cursor.previous == "->"
    if trigger == "=":
        return cursor.call is not None and cursor.call.keyword is not None
    if trigger == '"':
        return cursor.where == "string"
    if trigger == " ":
        return cursor.previous in ("->", "select", "==", "!=", "in") or (
            cursor.previous == "=" and cursor.call is not None)
    if trigger == "-":
        return cursor.where in ("code", "fstring_expr") and "-" in cursor.word
    return True


def _code(items: _Items, analysis: Analysis, cursor: Cursor) -> None:
    accepts = cursor.accepts
    previous = cursor.previous
    if previous in ("handler", "dialplan", "route") and "LBRACE" not in accepts:
        return  # a new name is being typed
    if "ROUTE" in accepts:
        _declarations(items, analysis, cursor)
    if "STOP" in accepts:
        _statements(items, analysis, cursor)
        return
    if previous == "->":
        _callables(items, analysis)
        return
    if previous == "select" or cursor.accepts_text("=~"):
        _headers(items)
        return
    if cursor.call is not None and cursor.call.at_name:
        _keyword_args(items, analysis, cursor)
    if cursor.call is not None:
        _choices(items, analysis, cursor, quoted=False)
    if accepts & _EXPRESSION_START:
        _expression(items, analysis, cursor)


def _declarations(items: _Items, analysis: Analysis, cursor: Cursor) -> None:
    inside = any(isinstance(n, ast.Dialplan) for n in ast.enclosing(analysis.module, cursor.offset))
    for word in DIALPLAN_DECLARATIONS if inside else DECLARATIONS:
        items.add(word, types.CompletionItemKind.Keyword, "keyword",
                  snippet=_DECLARATION_SNIPPETS[word], detail=KEYWORD_DOCS.get(word))


def _statements(items: _Items, analysis: Analysis, cursor: Cursor) -> None:
    _callables(items, analysis)
    for word in ("if", "elif", "else", "stop", "return", "inline"):
        if cursor.accepts_text(word):
            items.add(word, types.CompletionItemKind.Keyword, "keyword",
                      snippet=_STATEMENT_SNIPPETS.get(word), detail=KEYWORD_DOCS.get(word))
    _, names = analysis.names.scope_at(cursor.offset)
    for name in sorted(names - {cursor.word}):
        items.add(name, types.CompletionItemKind.Variable, "local", detail="local (assign)")


def _callables(items: _Items, analysis: Analysis) -> None:
    for name, handler in sorted(analysis.names.handlers.items()):
        if analysis.names.handler_named(name) is None:
            continue
        required = [p.name.name for p in handler.params if p.default is None]
        args = ", ".join(f"{p}=${{{i}}}" for i, p in enumerate(required, 1))
        items.add(name, types.CompletionItemKind.Function, "handler", insert=name,
                  snippet=f"{name}({args})$0",
                  detail=docs.handler_signature(handler, analysis.text_of(handler.span.file)),
                  doc=docs.handler_doc(analysis, handler))
    items.extend(_static("actions", items.snippets))


def _action_snippet(action: Action) -> str:
    required = [p for p in action.params if p.required]
    args = ", ".join(f"${{{i}:{p.name}}}" for i, p in enumerate(required, 1))
    return f"{action.name}({args})$0"


def _keyword_args(items: _Items, analysis: Analysis, cursor: Cursor) -> None:
    call = cursor.call
    action = ACTIONS.get(call.callee)
    handler = analysis.names.handler_named(call.callee)
    if handler is not None:
        text = analysis.text_of(handler.span.file)
        params = [(p.name.name, docs.param_default(p, text), None) for p in handler.params]
    elif action is not None:
        params = [(p.name, None, p) for p in action.params]
    else:
        return
    taken = set(call.given) | {name for name, _, _ in params[:call.positional]}
    for name, default, param in params:
        if name in taken:
            continue
        detail = param.type.name if param is not None else (f"= {default}" if default else "required")
        doc = param.doc if param is not None else None
        items.add(f"{name}=", types.CompletionItemKind.Field, "keyword_arg", insert=f"{name}=",
                  detail=detail, doc=doc)


def _choices(items: _Items, analysis: Analysis, cursor: Cursor, quoted: bool) -> None:
    """The fixed choices of the argument being written (``hangup(cause=`` → causes)."""
    call = cursor.call
    action = ACTIONS.get(call.callee)
    if action is None or analysis.names.handler_named(call.callee) is not None:
        return
    param = action.param(call.keyword) if call.keyword else (
        action.params[call.positional] if call.positional < len(action.params) else None)
    if param is None or not param.type.choices:
        return
    for choice in param.type.choices:
        items.add(choice if quoted else f'"{choice}"', types.CompletionItemKind.EnumMember, "choice",
                  detail=param.type.name)


def _expression(items: _Items, analysis: Analysis, cursor: Cursor) -> None:
    time_word = _time_word_before(cursor)
    if time_word is not None:
        for value in WEEKDAYS if time_word == "weekday" else MONTHS:
            items.add(value, types.CompletionItemKind.EnumMember, "choice", detail=time_word)
    owner, names = analysis.names.scope_at(cursor.offset)
    params = {p.name.name for p in owner.params} if isinstance(owner, ast.Handler) else set()
    for name in sorted(names - {cursor.word}):
        items.add(name, types.CompletionItemKind.Variable, "local",
                  detail="parameter" if name in params else "local")
    items.extend(_static("builtins", items.snippets))
    _headers(items)
    _channel_variables(items, analysis, prefixed=True)


def _time_word_before(cursor: Cursor) -> str | None:
    """``weekday`` / ``month`` when the cursor is a value of a test on it (``weekday in
    mon..`` or ``month == ``), so day and month names are offered."""
    if cursor.previous not in ("in", "==", "!=", "..", ",", "["):
        return None
    for text in reversed(cursor.recent):
        if text in ("weekday", "month"):
            return text
        if text not in _TIME_TEST_TOKENS:
            return None
    return None


_TIME_TEST_TOKENS = {"in", "not", "==", "!=", "..", ",", "[", "]", *WEEKDAYS, *MONTHS}


def _headers(items: _Items) -> None:
    items.extend(_static("headers", False))


def _channel_variables(items: _Items, analysis: Analysis, prefixed: bool) -> None:
    prefix = "variable_" if prefixed else ""
    for found in analysis.names.variables:
        line = found.span.line if found.span.file == analysis.file else None
        where = f" (line {line})" if line else f" ({os.path.basename(found.span.file)})"
        items.add(prefix + found.name, types.CompletionItemKind.Variable, "set_variable",
                  detail="channel variable set by this dialplan" + where)
    if prefixed and not items.word:
        # Hundreds of FreeSWITCH variables: offered once a letter is typed ("sip" finds
        # variable_sip_req_uri), so an empty word gets a short list fast.
        items.held_back = True
        return
    items.extend(_static("variables" if prefixed else "bare_variables", False))


def _in_string(items: _Items, analysis: Analysis, cursor: Cursor) -> None:
    call = cursor.call
    before = analysis.text[:cursor.string_start].rstrip()
    if before.endswith("include"):
        _swr_files(items, analysis, cursor)
    elif call is not None and call.callee == "header" and call.positional == 0:
        _headers(items)
    elif call is not None:
        _choices(items, analysis, cursor, quoted=True)


def _swr_files(items: _Items, analysis: Analysis, cursor: Cursor) -> None:
    if analysis.file.startswith("<"):
        return
    here = Path(analysis.file).parent
    typed = cursor.word
    folder = here / os.path.dirname(typed)
    try:
        entries = sorted(folder.iterdir())[:500]
    except OSError:
        return
    base = os.path.dirname(typed)
    for entry in entries:
        rel = os.path.join(base, entry.name) if base else entry.name
        if entry.is_dir() and not entry.name.startswith("."):
            items.add(rel + "/", types.CompletionItemKind.Folder, "file")
        elif entry.suffix == ".swr" and str(entry) != analysis.file:
            items.add(rel, types.CompletionItemKind.File, "file")


def register(server: SwitchyLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=TRIGGERS, resolve_provider=True))
    def completion(ls: SwitchyLanguageServer, params: types.CompletionParams) -> types.CompletionList:
        analysis = ls.analysis(params.text_document.uri)
        offset = analysis.offset(params.position)
        trigger = params.context.trigger_character if params.context else None
        return complete(analysis, offset, snippets=_snippets(ls), trigger=trigger,
                        default_range=_default_range(ls))

    @server.feature(types.COMPLETION_ITEM_RESOLVE)
    def resolve(ls: SwitchyLanguageServer, item: types.CompletionItem) -> types.CompletionItem:
        return resolve_item(item)


def _default_range(ls: SwitchyLanguageServer) -> bool:
    caps = ls.client_capabilities.text_document
    completion = caps.completion if caps else None
    listing = completion.completion_list if completion else None
    return bool(listing and listing.item_defaults and "editRange" in listing.item_defaults)


def _snippets(ls: SwitchyLanguageServer) -> bool:
    caps = ls.client_capabilities.text_document
    completion = caps.completion if caps else None
    item = completion.completion_item if completion else None
    return bool(item and item.snippet_support)
