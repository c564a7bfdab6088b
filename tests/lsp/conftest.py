"""End-to-end fixtures: a real ``python -m switchy_lsp`` over stdio, driven by pytest-lsp."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

SERVER = [sys.executable, "-m", "switchy_lsp"]
GRAPH_CHANGED = "switchy/graphChanged"


def vscode() -> types.ClientCapabilities:
    return pytest_lsp.client_capabilities("visual-studio-code")


def like_vscode(lsp_client: LanguageClient) -> None:
    """Handle what switchy's extension handles and pytest-lsp's client does not:
    ``switchy/graphChanged``."""
    graphs = lsp_client.graph_changes = []

    @lsp_client.feature(GRAPH_CHANGED)
    def graph_changed(params) -> None:
        graphs.append(params.uri)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient, tmp_path):
    like_vscode(lsp_client)
    lsp_client.initialize_result = await lsp_client.initialize_session(types.InitializeParams(
        capabilities=vscode(),
        workspace_folders=[types.WorkspaceFolder(uri=tmp_path.as_uri(), name="ws")],
        initialization_options={"diagnostics": {"debounce": 0}},
    ))
    lsp_client.folder = tmp_path
    yield lsp_client
    await lsp_client.shutdown_session()


class Session:
    """What a test does with an editor: open, change, save, close documents."""

    def __init__(self, client: LanguageClient, folder: Path):
        self.client = client
        self.folder = folder
        self.versions: dict[str, int] = {}

    def uri(self, name: str) -> str:
        return (self.folder / name).as_uri()

    async def open(self, name: str, text: str, *, on_disk: bool = True) -> str:
        if on_disk:
            (self.folder / name).write_text(text)
        uri = self.uri(name)
        self.versions[uri] = 1
        self.client.diagnostics.pop(uri, None)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="swr", version=1, text=text)))
        await self.diagnostics(uri)
        return uri

    async def change(self, uri: str, text: str) -> list[types.Diagnostic]:
        self.versions[uri] += 1
        self.client.diagnostics.pop(uri, None)
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        return await self.diagnostics(uri)

    async def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        while uri not in self.client.diagnostics:
            await self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return list(self.client.diagnostics[uri])

    @staticmethod
    def doc(uri: str) -> types.TextDocumentIdentifier:
        return types.TextDocumentIdentifier(uri=uri)
