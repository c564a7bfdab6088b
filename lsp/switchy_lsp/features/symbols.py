"""Document symbols, for the outline and breadcrumbs: dialplans with their routes, routes
written outside a dialplan (they belong to ``default``), handlers and includes."""

from __future__ import annotations

from lsprotocol import types

from switchy.dialplan import ast
from switchy_lsp import docs
from switchy_lsp.analysis import Analysis
from switchy_lsp.server import SwitchyLanguageServer


def document_symbols(analysis: Analysis) -> list[types.DocumentSymbol]:
    out = []
    for item in analysis.module.items:
        symbol = _symbol(analysis, item)
        if symbol is not None:
            out.append(symbol)
    return out


def _symbol(analysis: Analysis, item: ast.Node) -> types.DocumentSymbol | None:
    text = analysis.text
    if isinstance(item, ast.Dialplan):
        children = [s for s in (_symbol(analysis, i) for i in item.items) if s is not None]
        routes = len(item.routes)
        return _make(analysis, item.name.name, types.SymbolKind.Namespace, item, item.name,
                     f"dialplan, {routes} route{'s' if routes != 1 else ''}", children)
    if isinstance(item, ast.Route):
        if item.name is not None:
            name, head = item.name.name, item.name
        elif item.pattern is not None:
            name, head = item.pattern.regex.raw or item.pattern.regex.value, item.pattern
        else:
            name, head = "(every call)", None
        detail = []
        if item.pattern is not None:
            field = item.pattern.field.name + " =~ " if item.pattern.field else ""
            detail.append(field + (item.pattern.regex.raw or ""))
        if item.target is not None:
            detail.append("-> " + docs.source_of(text, item.target))
        return _make(analysis, name, types.SymbolKind.Event, item, head, " ".join(detail) or None)
    if isinstance(item, ast.Handler):
        params = [_make(analysis, p.name.name, types.SymbolKind.Variable, p, p.name,
                        "= " + docs.source_of(text, p.default) if p.default else "required")
                  for p in item.params]
        signature = docs.handler_signature(item, text).removeprefix("handler ")
        return _make(analysis, item.name.name, types.SymbolKind.Function, item, item.name,
                     signature, params)
    if isinstance(item, ast.Include):
        return _make(analysis, item.path.value or '""', types.SymbolKind.File, item, item.path, "include")
    return None


def _make(analysis: Analysis, name: str, kind: types.SymbolKind, node: ast.Node,
          head: ast.Node | None, detail: str | None,
          children: list[types.DocumentSymbol] | None = None) -> types.DocumentSymbol:
    whole = analysis.range(node.span)
    selection = analysis.range(head.span) if head is not None else whole
    if not _within(selection, whole):  # a recovered node may point oddly: stay valid
        selection = whole
    children = [c for c in children or [] if _within(c.range, whole)]
    return types.DocumentSymbol(name=name or "_", kind=kind, range=whole, selection_range=selection,
                                detail=detail, children=children or None)


def _within(inner: types.Range, outer: types.Range) -> bool:
    def key(p: types.Position) -> tuple[int, int]:
        return p.line, p.character

    return key(outer.start) <= key(inner.start) and key(inner.end) <= key(outer.end)


def register(server: SwitchyLanguageServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def symbols(ls: SwitchyLanguageServer, params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        return document_symbols(ls.analysis(params.text_document.uri))
