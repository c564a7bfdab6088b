"""End to end over stdio: a real ``python -m switchy_lsp`` and pytest-lsp's client, one
test per feature, asserting on what the editor would get."""

from __future__ import annotations

import asyncio
import random

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import GRAPH_CHANGED, SERVER, Session, like_vscode, vscode

HANDLER = '''# Bridge out through a gateway.
handler bridge2dest(gateway=none, response=none) {
    if response {
        respond(response)
        stop
    }
    bridge(gateway=gateway)
}
'''


def session(client: LanguageClient) -> Session:
    return Session(client, client.folder)


def pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


async def test_capabilities(client: LanguageClient):
    caps = client.initialize_result.capabilities
    assert client.initialize_result.server_info.name == "switchy-lsp"
    assert caps.text_document_sync.change == types.TextDocumentSyncKind.Full
    assert caps.text_document_sync.save is not None
    assert caps.position_encoding == types.PositionEncodingKind.Utf16
    assert {"(", ",", "$", "{"} <= set(caps.completion_provider.trigger_characters)
    assert caps.completion_provider.resolve_provider
    assert caps.hover_provider and caps.definition_provider and caps.references_provider
    assert caps.rename_provider.prepare_provider
    assert caps.document_symbol_provider and caps.document_formatting_provider
    assert list(caps.code_action_provider.code_action_kinds) == [types.CodeActionKind.QuickFix]
    legend = caps.semantic_tokens_provider.legend
    assert "function" in legend.token_types and "defaultLibrary" in legend.token_modifiers
    assert set(caps.execute_command_provider.commands) == {
        "switchy.server.renderGraph", "switchy.server.simulate"}


async def test_diagnostics_follow_open_change_save_and_close(client: LanguageClient):
    s = session(client)
    uri = await s.open("a.swr", 'route a "1" {\n    answerr()\n}\n')
    (diag,) = await s.diagnostics(uri)
    assert (diag.code, diag.severity, diag.source) == ("SWR201", types.DiagnosticSeverity.Error, "switchy")
    assert (diag.range.start.line, diag.range.start.character, diag.range.end.character) == (1, 4, 11)
    assert diag.message == "unknown action or handler 'answerr'; did you mean answer()?"

    graph = client.protocol.wait_for_notification(GRAPH_CHANGED)  # registered before the change
    assert await s.change(uri, 'route a "1" {\n    hangup()\n    answer()\n}\n') != []
    changed = await asyncio.wrap_future(graph)  # a check without errors: a preview may refresh
    assert changed.uri == uri
    (dead,) = client.diagnostics[uri]
    assert dead.code == "SWR302" and list(dead.tags) == [types.DiagnosticTag.Unnecessary]

    client.diagnostics.pop(uri)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=s.doc(uri)))
    assert [d.code for d in await s.diagnostics(uri)] == ["SWR302"]

    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=s.doc(uri)))
    await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    assert list(client.diagnostics[uri]) == []


async def test_editing_an_included_file_rechecks_the_file_that_includes_it(client: LanguageClient):
    s = session(client)
    common = await s.open("common.swr", HANDLER)
    main = await s.open("main.swr", 'include "common.swr"\nroute a "1" -> bridge2dest(gateway="gw")\n')
    assert list(client.diagnostics[main]) == []
    client.diagnostics.pop(main)
    await s.change(common, HANDLER.replace("gateway=none", "gw=none").replace("gateway=gateway", "gateway=gw"))
    (diag,) = await s.diagnostics(main)  # the unsaved buffer of common.swr counts
    assert diag.code == "SWR202" and "has no parameter 'gateway'" in diag.message


async def test_an_included_file_changed_on_disk_rechecks_its_includers(client: LanguageClient):
    s = session(client)
    (s.folder / "lib.swr").write_text(HANDLER)
    main = await s.open("main2.swr", 'include "lib.swr"\nroute a "1" -> bridge2dest(gateway="gw")\n')
    assert list(client.diagnostics[main]) == []
    (s.folder / "lib.swr").write_text(HANDLER.replace("bridge2dest", "to_gateway"))
    client.diagnostics.pop(main)
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[
        types.FileEvent(uri=s.uri("lib.swr"), type=types.FileChangeType.Changed)]))
    diags = {d.code: d for d in await s.diagnostics(main)}
    assert "'bridge2dest'" in diags["SWR201"].message
    assert "lib.swr has 1 warning" in diags[None].message  # to_gateway is never called


async def test_completion_and_resolve(client: LanguageClient):
    s = session(client)
    uri = await s.open("c.swr", HANDLER + 'route a "1" {\n    bri\n}\n')
    result = await client.text_document_completion_async(types.CompletionParams(
        text_document=s.doc(uri), position=pos(9, 7)))
    items = {i.label: i for i in result.items}
    assert set(items) == {"bridge", "bridge2dest", "breakmedia"} and result.is_incomplete
    bridge2dest = items["bridge2dest"]
    assert bridge2dest.text_edit.new_text == "bridge2dest()$0"
    assert (bridge2dest.text_edit.range.start.character, bridge2dest.text_edit.range.end.character) == (4, 7)
    assert "Bridge out through a gateway." in bridge2dest.documentation.value
    resolved = await client.completion_item_resolve_async(items["bridge"])
    assert "Connect the call to another destination" in resolved.documentation.value


async def test_hover(client: LanguageClient):
    s = session(client)
    uri = await s.open("h.swr", 'route a "^1(\\d+)$" { hangup("USER_BUSY") }\n')
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=s.doc(uri), position=pos(0, 23)))
    assert hover.contents.value.startswith('```swr\nhangup(cause="NORMAL_CLEARING")\n```')
    assert (hover.range.start.character, hover.range.end.character) == (21, 27)
    pattern = await client.text_document_hover_async(types.HoverParams(
        text_document=s.doc(uri), position=pos(0, 10)))
    assert "Captures: `$1`" in pattern.contents.value and "For example: `15`" in pattern.contents.value


async def test_definition_references_and_rename_across_files(client: LanguageClient):
    s = session(client)
    common = await s.open("common.swr", HANDLER)
    main_text = 'include "common.swr"\nroute a "1" -> bridge2dest(gateway="gw")\n'
    main = await s.open("main.swr", main_text)
    definition = await client.text_document_definition_async(types.DefinitionParams(
        text_document=s.doc(main), position=pos(1, 20)))
    assert [(d.uri, d.range.start.line, d.range.start.character) for d in definition] == [(common, 1, 8)]
    include = await client.text_document_definition_async(types.DefinitionParams(
        text_document=s.doc(main), position=pos(0, 12)))
    assert include[0].uri == common

    refs = await client.text_document_references_async(types.ReferenceParams(
        text_document=s.doc(common), position=pos(1, 10),
        context=types.ReferenceContext(include_declaration=True)))
    assert sorted((r.uri, r.range.start.line) for r in refs) == sorted([(common, 1), (main, 1)])

    ready = await client.text_document_prepare_rename_async(types.PrepareRenameParams(
        text_document=s.doc(main), position=pos(1, 20)))
    assert (ready.start.character, ready.end.character) == (15, 26)
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=s.doc(main), position=pos(1, 20), new_name="to_gateway"))
    assert {uri: [(e.range.start.line, e.new_text) for e in edits]
            for uri, edits in edit.changes.items()} == {common: [(1, "to_gateway")],
                                                      main: [(1, "to_gateway")]}


async def test_rename_of_something_else_is_refused_with_a_reason(client: LanguageClient):
    s = session(client)
    uri = await s.open("r.swr", 'route a "1" { answer() }\n')
    try:
        await client.text_document_prepare_rename_async(types.PrepareRenameParams(
            text_document=s.doc(uri), position=pos(0, 16)))
    except Exception as exc:  # the client raises the server's error
        assert "only handlers can be renamed" in str(exc)
    else:
        raise AssertionError("prepareRename of an action succeeded")


async def test_document_symbols(client: LanguageClient):
    s = session(client)
    uri = await s.open("s.swr", HANDLER + 'dialplan public {\n    route did "^5551234$" { park() }\n}\n')
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=s.doc(uri)))
    assert [(x.name, x.kind) for x in symbols] == [("bridge2dest", types.SymbolKind.Function),
                                                    ("public", types.SymbolKind.Namespace)]
    assert [(x.name, x.detail) for x in symbols[1].children] == [("did", '"^5551234$"')]


async def test_semantic_tokens(client: LanguageClient):
    s = session(client)
    uri = await s.open("t.swr", 'route a "1" { log(Caller-Destination-Number) }\n')
    legend = client.initialize_result.capabilities.semantic_tokens_provider.legend
    tokens = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(
        text_document=s.doc(uri)))
    data = list(tokens.data)
    kinds = [legend.token_types[data[i + 3]] for i in range(0, len(data), 5)]
    assert kinds == ["keyword", "event", "regexp", "function", "property"]


async def test_formatting(client: LanguageClient):
    s = session(client)
    uri = await s.open("f.swr", 'route   a "1"{answer()\nhangup()}\n')
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=s.doc(uri), options=types.FormattingOptions(tab_size=4, insert_spaces=True)))
    assert [e.new_text for e in edits] == ['route a "1" {\n    answer()\n    hangup()\n}\n']


async def test_code_actions(client: LanguageClient):
    s = session(client)
    uri = await s.open("q.swr", 'route a "1" {\n    to_pbx(gateway="x")\n}\n')
    (diag,) = client.diagnostics[uri]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=s.doc(uri), range=diag.range,
        context=types.CodeActionContext(diagnostics=[diag])))
    create = next(a for a in actions if a.title == "Create handler 'to_pbx'")
    (edit,) = create.edit.changes[uri]
    assert edit.new_text == "\nhandler to_pbx(gateway=none) {\n}\n"


async def test_simulate_command(client: LanguageClient):
    s = session(client)
    uri = await s.open("sim.swr", HANDLER + 'route intl "011(.*)" -> bridge2dest(response="407")\n')
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="switchy.server.simulate", arguments=[uri, {"Caller-Destination-Number": "01144"}]))
    assert [c["text"].split()[0] for c in result["commands"]] == ["respond", "uuid_kill"]
    assert result["outcome"]["routes"] == ["intl"]
    assert result["outcome"]["cause"] == "CALL_REJECTED"
    assert "2 ESL commands would be sent" in result["text"]


async def test_render_graph_command(client: LanguageClient):
    s = session(client)
    uri = await s.open("g.swr", HANDLER + 'route intl "011(.*)" -> bridge2dest(response="407")\n')
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="switchy.server.renderGraph", arguments=[uri]))
    assert "</svg>" in result["svg"] and 'xlink:href="#L9"' in result["svg"]
    assert result["dot"].startswith("digraph switchy {")
    await s.change(uri, 'route a { answerr() }\n')
    try:
        await client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="switchy.server.renderGraph", arguments=[uri]))
    except Exception as exc:
        assert "the dialplan has errors" in str(exc) and "SWR201" in str(exc)
    else:
        raise AssertionError("a dialplan with errors was drawn")


async def test_bad_settings_are_reported_not_fatal(client: LanguageClient):
    s = session(client)
    client.set_configuration({"diagnostics": {"debounce": "soon"}}, section="switchy")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    message = await client.wait_for_notification(types.WINDOW_LOG_MESSAGE)
    assert "switchy.diagnostics.debounce: expected milliseconds" in message.message
    uri = await s.open("ok.swr", 'route a "1" { answerr() }\n')
    assert [d.code for d in client.diagnostics[uri]] == ["SWR201"]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def utf8_client(lsp_client: LanguageClient, tmp_path):
    like_vscode(lsp_client)
    capabilities = vscode()
    capabilities.general = types.GeneralClientCapabilities(position_encodings=[
        types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16])
    lsp_client.initialize_result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities))
    lsp_client.folder = tmp_path
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_utf8_positions_when_the_client_asks(utf8_client: LanguageClient):
    assert utf8_client.initialize_result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    s = session(utf8_client)
    text = 'route a "😀é" { answerr() }\n'
    uri = await s.open("u.swr", text)
    (diag,) = utf8_client.diagnostics[uri]
    start = len(text[:text.index("answerr")].encode())
    assert (diag.range.start.character, diag.range.end.character) == (start, start + 7)
    hover = await utf8_client.text_document_hover_async(types.HoverParams(
        text_document=s.doc(uri), position=pos(0, start + 2)))
    assert "Not an action, handler or built-in function" in hover.contents.value
    assert (hover.range.start.character, hover.range.end.character) == (start, start + 7)



async def test_random_edits_end_to_end(client: LanguageClient):
    """Edits of every kind, one after the other: after each, the published diagnostics are
    those of the text the client holds, and requests anywhere get answers, not errors."""
    from pygls.protocol import default_converter
    from switchy_lsp.analysis import analyse
    from switchy_lsp.features.diagnostics import lsp_diagnostics

    from switchy.dialplan.frontend.incremental import IncrementalParser

    from .test_robustness import EXAMPLES, PIECES

    rnd = random.Random(20261127)
    convert = default_converter()
    s = session(client)
    text = EXAMPLES[0]
    uri = await s.open("rnd.swr", text)
    for _ in range(25):
        at = rnd.randrange(len(text) + 1)
        text = text[:at] + rnd.choice(PIECES) + text[at + rnd.randrange(6):]
        published = await s.change(uri, text)
        expected = lsp_diagnostics(analyse(uri, text, 0, parse_file=IncrementalParser()))
        assert convert.unstructure(published) == convert.unstructure(expected)
        lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        line = rnd.randrange(len(lines))
        where = pos(line, rnd.randrange(len(lines[line]) + 1))
        doc = s.doc(uri)
        await client.text_document_completion_async(types.CompletionParams(text_document=doc, position=where))
        await client.text_document_hover_async(types.HoverParams(text_document=doc, position=where))
        await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc))
        await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=doc))
