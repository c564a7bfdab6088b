"""package.json, the extension's sources and the language server agree on every
command and setting."""

from __future__ import annotations

import re
import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.vscode.conftest import EXT, ROOT

SOURCES = EXT / "src"


def contributed_commands(package_json) -> set[str]:
    return {c["command"] for c in package_json["contributes"]["commands"]}


def contributed_settings(package_json) -> set[str]:
    return set(package_json["contributes"]["configuration"]["properties"])


def test_contributed_commands_are_the_client_commands(package_json, extension_ids):
    assert contributed_commands(package_json) == set(extension_ids["ClientCommand"].values())


def test_every_client_command_is_registered(extension_ids):
    source = (SOURCES / "extension.ts").read_text()
    registered = set(re.findall(r"registerCommand\(ClientCommand\.(\w+)", source))
    assert registered == set(extension_ids["ClientCommand"])


def test_menus_name_only_contributed_commands(package_json):
    commands = contributed_commands(package_json)
    for menu, entries in package_json["contributes"]["menus"].items():
        for entry in entries:
            assert entry["command"] in commands, (menu, entry)


def test_contributed_settings_are_the_ones_read(package_json, extension_ids):
    section = extension_ids["SettingsSection"]
    assert section == "switchy"
    declared = {f"{section}.{key}" for key in extension_ids["Setting"].values()}
    assert contributed_settings(package_json) == declared
    # vscode-languageclient reads `<client id>.trace.server` itself: the id must be "switchy".
    client = (SOURCES / "client.ts").read_text()
    assert re.search(r"new SwitchyLanguageClient\('switchy',", client)
    assert "switchy.trace.server" in declared
    # Every other setting is read by name in client.ts (to launch the server or to pass
    # it the settings it reads itself).
    for key in set(extension_ids["Setting"]) - {"traceServer"}:
        assert f"Setting.{key}" in client, key


def test_setting_schemas(package_json):
    props = package_json["contributes"]["configuration"]["properties"]
    assert props["switchy.server.command"]["type"] == "array"
    assert props["switchy.server.command"]["items"] == {"type": "string"}
    assert props["switchy.server.command"]["default"] == []
    assert props["switchy.server.pythonPath"] == props["switchy.server.pythonPath"] | {"type": "string", "default": ""}
    assert props["switchy.trace.server"]["enum"] == ["off", "messages", "verbose"]
    for name, schema in props.items():
        assert schema.get("markdownDescription") or schema.get("description"), name


def test_client_and_server_command_ids_never_clash(extension_ids):
    client = set(extension_ids["ClientCommand"].values())
    server = set(extension_ids["ServerCommand"].values())
    assert not client & server
    assert all(c.startswith("switchy.server.") for c in server)


def test_every_id_the_sources_and_readme_mention_exists(package_json, extension_ids):
    """A command or setting named anywhere (code, messages, README) is a real one."""
    known = (
        contributed_commands(package_json)
        | contributed_settings(package_json)
        | set(extension_ids["ServerCommand"].values())
        # the settings group, the status item, the webview type, a workspaceState key, the package
        | {"switchy.server", "switchy.callFlow", "switchy.simulate.lastHeaders", "switchy.vsix"}
    )
    files = [*SOURCES.rglob("*.ts"), EXT / "README.md"]
    for path in files:
        mentioned = set(re.findall(r"\bswitchy\.[A-Za-z][\w.]*[A-Za-z]", path.read_text()))
        assert mentioned <= known, f"{path.name} names unknown ids: {sorted(mentioned - known)}"


def test_engine_and_vscode_types_agree(package_json):
    # vscode-languageclient 11 needs ^1.91.0; vsce refuses @types/vscode newer than the engine.
    assert package_json["engines"]["vscode"] == "^1.91.0"
    assert package_json["devDependencies"]["@types/vscode"] == "1.91.0"
    assert package_json["dependencies"]["vscode-languageclient"].startswith("11.")
    assert package_json["main"] == "./dist/extension.js"


def test_server_settings_documented_in_lsp_readme_are_contributed(package_json, extension_ids):
    """Settings the language server documents (lsp/README.md) are settings users can set."""
    readme = ROOT / "lsp" / "README.md"
    assert readme.exists(), "lsp/README.md documents the server's commands and settings"
    mentioned = set(re.findall(r"`(switchy\.[A-Za-z][\w.]*)`", readme.read_text()))
    commands = set(extension_ids["ServerCommand"].values()) | set(extension_ids["ClientCommand"].values())
    settings = {m for m in mentioned if m not in commands}
    assert settings <= contributed_settings(package_json), sorted(settings - contributed_settings(package_json))


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "switchy_lsp"]),
)
async def server(lsp_client: LanguageClient):
    # examples/ is a folder of separate dialplans: each is checked alone
    result = await lsp_client.initialize_session(types.InitializeParams(
        capabilities=pytest_lsp.client_capabilities("visual-studio-code"),
        initialization_options={"program": "file"}))
    lsp_client.initialize_result = result
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_server_advertises_exactly_the_commands_the_extension_calls(server, extension_ids):
    provider = server.initialize_result.capabilities.execute_command_provider
    assert provider is not None, "the server advertises no executeCommandProvider"
    assert set(provider.commands) == set(extension_ids["ServerCommand"].values())
    # vscode-languageclient registers these as VS Code commands: none may be a client command.
    assert not set(provider.commands) & set(extension_ids["ClientCommand"].values())


async def test_simulate_answers_with_the_trace_text_the_extension_prints(server):
    """The Simulate command prints the result's `text`; the server must send it."""
    example = ROOT / "examples" / "router.swr"
    uri = example.as_uri()
    server.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="swr", version=1, text=example.read_text())))
    headers = {"Caller-Destination-Number": "011441234", "Call-Direction": "inbound"}
    result = await server.workspace_execute_command_async(
        types.ExecuteCommandParams(command="switchy.server.simulate", arguments=[uri, headers]))
    assert isinstance(result["text"], str)
    assert "route international" in result["text"] and "respond 407" in result["text"]


async def test_simulate_takes_the_time_of_the_call_as_the_extension_sends_it(server):
    """`4100 @2024-12-24T09:00` in the input box becomes the options `{"at": ...}`."""
    example = ROOT / "examples" / "router.swr"
    uri = example.as_uri()
    server.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="swr", version=1, text=example.read_text())))
    headers = {"Caller-Destination-Number": "4100", "Call-Direction": "inbound"}
    texts = {}
    for at in ("2024-12-24T09:00", "2024-12-24T20:00"):  # a Tuesday: office hours, then evening
        result = await server.workspace_execute_command_async(types.ExecuteCommandParams(
            command="switchy.server.simulate", arguments=[uri, headers, {"at": at}]))
        texts[at] = result["text"]
    assert "supportpbx.com" in texts["2024-12-24T09:00"] and "voicemail" not in texts["2024-12-24T09:00"]
    assert "voicemail" in texts["2024-12-24T20:00"]
