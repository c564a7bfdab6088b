"""The editor sees a document in the program the CLI would check: by default its directory
(`switchy check DIR`), with ``switchy.program: "file"`` the file alone (`switchy check
FILE`); the diagnostics are the CLI's, code and position."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from .conftest import Session

MAIN = 'route a "1" -> greet(x="1")\nroute b "2" { answer() }\n'
LIB = 'handler greet(x) {\n    log(x)\n    answer()\n}\nroute b "3" { park() }\n'
SWITCHY = [str(Path(sys.executable).parent / "switchy")]


def cli(*paths: Path) -> list[tuple[str, str, int, int]]:
    proc = subprocess.run([*SWITCHY, "check", "--format", "json", *map(str, paths)],
                          capture_output=True, text=True, timeout=120)
    return sorted((d["file"], d["code"], d["line"], d["column"]) for d in json.loads(proc.stdout))


def editor(uri_file: Path, diagnostics: list[types.Diagnostic]) -> list[tuple[str, str, int, int]]:
    return sorted((str(uri_file), d.code, d.range.start.line + 1, d.range.start.character + 1)
                  for d in diagnostics)


async def test_the_editor_agrees_with_switchy_check(client: LanguageClient):
    folder = client.folder / "dialplan"
    folder.mkdir()
    (folder / "lib.swr").write_text(LIB)
    s = Session(client, folder)
    main = folder / "main.swr"
    uri = await s.open("main.swr", MAIN)
    together = cli(folder)
    # The handler of the sibling file is known; the route name both files use is not free.
    assert [c[1:] for c in together if c[0] == str(main)] == [("SWR207", 2, 7)]
    assert editor(main, client.diagnostics[uri]) == [c for c in together if c[0] == str(main)]

    client.diagnostics.pop(uri, None)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"switchy": {"program": "file"}}))
    alone = cli(main)
    assert [c[1:] for c in alone] == [("SWR201", 1, 16)]  # greet is unknown to main.swr alone
    assert editor(main, await s.diagnostics(uri)) == alone

    client.diagnostics.pop(uri, None)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"switchy": {"program": "directory"}}))
    assert editor(main, await s.diagnostics(uri)) == [c for c in together if c[0] == str(main)]


async def test_an_unsaved_document_joins_its_directory(client: LanguageClient):
    (client.folder / "lib.swr").write_text(LIB.replace('route b "3" { park() }\n', ""))
    s = Session(client, client.folder)
    uri = await s.open("new.swr", 'route n "5" -> greet(x="2")\n', on_disk=False)
    assert list(client.diagnostics[uri]) == []


def test_cli_checks_each_argument_on_its_own(tmp_path):
    (tmp_path / "a.swr").write_text('route r "1" { answer() }\n')
    (tmp_path / "b.swr").write_text('route r "2" { park() }\n')
    assert cli(tmp_path / "a.swr", tmp_path / "b.swr") == []
    assert [c[1:] for c in cli(tmp_path)] == [("SWR207", 1, 7)]
    proc = subprocess.run([*SWITCHY, "check", "--one-program", str(tmp_path / "a.swr"), str(tmp_path / "b.swr")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "error[SWR207]: route 'r' is declared twice" in proc.stdout
    assert proc.stderr.strip() == "2 files checked: 1 error, 0 warnings"


async def test_a_setting_changed_during_a_check_is_obeyed(client: LanguageClient):
    # A big sibling keeps the worker busy with main.swr's directory check while the
    # setting changes: that check's result is of the old program and must not stand.
    folder = client.folder / "dialplan"
    folder.mkdir()
    (folder / "lib.swr").write_text(LIB + "".join(f'route r{i} "^{i}$" {{ answer() }}\n' for i in range(3000)))
    main = folder / "main.swr"
    main.write_text(MAIN)
    uri = main.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="swr", version=1, text=MAIN)))
    await asyncio.sleep(0.3)  # the directory check is under way
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
        settings={"switchy": {"program": "file"}}))
    alone = cli(main)
    assert [c[1:] for c in alone] == [("SWR201", 1, 16)]

    async def published_alone() -> None:
        while editor(main, client.diagnostics.get(uri, [])) != alone:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    await asyncio.wait_for(published_alone(), 120)  # bounded: a wrong program never comes right
