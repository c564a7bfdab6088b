"""Refusals are answers, not faults: the client gets an error with a reason, the server's
log one info line (no ERROR, no traceback); commands on documents that do not exist and
formatting of an empty buffer, over stdio against a real server."""

from __future__ import annotations

import sys

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from .conftest import Session, like_vscode, vscode

INFO_SERVER = [sys.executable, "-m", "switchy_lsp", "--log-level", "info"]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=INFO_SERVER))
async def client(lsp_client: LanguageClient, tmp_path):
    like_vscode(lsp_client)
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=vscode(), workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")]))
    lsp_client.folder = tmp_path
    yield lsp_client
    await lsp_client.shutdown_session()


async def refused(request) -> str:
    with pytest.raises(JsonRpcException) as caught:
        await request
    return caught.value.message


def server_log(capfd) -> list[str]:
    """What the server wrote on stderr so far (pytest-lsp forwards it to ours)."""
    return [line for line in capfd.readouterr().err.splitlines() if line.strip()]


async def test_a_refusal_is_one_info_line_not_two_tracebacks(client: LanguageClient, capfd):
    s = Session(client, client.folder)
    uri = await s.open("r.swr", 'route a "1" { answer() }\nroute b "2" { answerr() }\n')
    server_log(capfd)
    keyword = types.RenameParams(text_document=s.doc(uri), position=types.Position(line=0, character=1),
                                 new_name="x")
    assert await refused(client.text_document_rename_async(keyword)) == "only handlers can be renamed"
    graph = types.ExecuteCommandParams(command="switchy.server.renderGraph", arguments=[uri])
    assert (await refused(client.workspace_execute_command_async(graph))).startswith(
        "the dialplan has errors: ")
    await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="switchy.server.simulate", arguments=[uri, {}]))  # a round trip: the logs are in
    lines = server_log(capfd)  # (with the info lines of the checks, which come when they come)
    refusals = [line for line in lines if "refused" in line]
    assert refusals == ["INFO switchy_lsp: refused a request: only handlers can be renamed",
                        f"INFO switchy_lsp: refused a request: {refusals[1].split(': ', 2)[2]}"]
    assert refusals[1].split(': ', 2)[2].startswith("the dialplan has errors: ")
    assert not [line for line in lines if not line.startswith("INFO ")], lines  # no ERROR, no traceback


async def test_graph_of_an_unknown_document_is_an_error(client: LanguageClient):
    missing = (client.folder / "nowhere.swr").as_uri()
    message = await refused(client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="switchy.server.renderGraph", arguments=[missing])))
    assert message == f"switchy.server.renderGraph: no document {missing} (neither open in the editor nor a file)"
    for arguments in ([], [missing, {}, "extra"]):
        message = await refused(client.workspace_execute_command_async(types.ExecuteCommandParams(
            command="switchy.server.renderGraph", arguments=arguments)))
        assert message == "switchy.server.renderGraph takes the arguments [uri] or [uri, options]"
    message = await refused(client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="switchy.server.simulate", arguments=[])))
    assert message == "switchy.server.simulate takes the arguments [uri, headers] or [uri, headers, options]"


async def test_a_file_on_disk_need_not_be_open(client: LanguageClient):
    (client.folder / "closed.swr").write_text('route a "1" { answer() }\n')
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(
        command="switchy.server.renderGraph", arguments=[(client.folder / "closed.swr").as_uri()]))
    assert "route a" in result["dot"]


@pytest.mark.parametrize("text", ["", "\n"], ids=["empty", "one-line-break"])
async def test_formatting_an_empty_buffer_changes_nothing(client: LanguageClient, text):
    s = Session(client, client.folder)
    uri = await s.open("empty.swr", text)
    edits = await client.text_document_formatting_async(types.DocumentFormattingParams(
        text_document=s.doc(uri), options=types.FormattingOptions(tab_size=4, insert_spaces=True)))
    assert not edits
