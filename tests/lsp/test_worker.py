"""Analyses in the worker thread, end to end: while a large document is checked the
server goes on answering about others, and a burst of edits ends with the diagnostics of
the last version, never with those of an older one after it."""

from __future__ import annotations

import asyncio
import re

from lsprotocol import types
from pytest_lsp import LanguageClient

from .conftest import Session

ROUTE = '''route did_{i} "^555{i:07d}$" when Caller-Caller-ID-Number !~ "^0" {{
    if weekday in mon..fri and time in 08:00..17:30 {{
        setvar("route_{i}", "open")
        bridge(gateway="gw{i}")
    }} else {{
        playback("closed.wav")
        stop
    }}
}}
'''


def big(routes: int) -> str:
    return "".join(ROUTE.format(i=i) for i in range(routes))


class Published(dict):
    """``client.diagnostics`` that also keeps every publication, in order."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.log: list[tuple[str, list]] = []

    def __setitem__(self, uri: str, diagnostics: list) -> None:
        self.log.append((uri, diagnostics))
        super().__setitem__(uri, diagnostics)


def recording(client: LanguageClient) -> Published:
    client.diagnostics = Published(client.diagnostics)
    return client.diagnostics


async def test_a_request_about_another_document_is_answered_while_a_big_one_is_checked(
        client: LanguageClient):
    s = Session(client, client.folder)
    (client.folder / "other").mkdir()
    small = await s.open("other/small.swr", 'route r "^1$" { answer() }\n')
    published = recording(client)
    big_uri = s.uri("big.swr")
    (client.folder / "big.swr").write_text(big(3000))  # 27,000 lines: seconds of work
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(
        uri=big_uri, language_id="swr", version=1, text=big(3000))))
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=small), position=types.Position(line=0, character=17)))
    answered_before = [uri for uri, _ in published.log]
    assert hover is not None and "answer" in hover.contents.value
    assert big_uri not in answered_before  # the hover did not wait for the big check
    while big_uri not in client.diagnostics:
        await asyncio.sleep(0.05)
    assert list(client.diagnostics[big_uri]) == []


async def test_a_burst_of_edits_ends_with_the_last_versions_diagnostics(client: LanguageClient):
    s = Session(client, client.folder)
    text = big(300) + "route typing { typed_1() }\n"
    uri = await s.open("burst.swr", text)
    published = recording(client)
    for version in range(2, 22):  # typed as fast as the client sends: no wait in between
        text = text.replace(f"typed_{version - 1}(", f"typed_{version}(")
        if version == 21:
            text += "route broken {\n"  # the last version has a mistake too
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))

    def versions() -> list[int]:  # of each publication, read from the unknown action's name
        return [int(re.search(r"typed_(\d+)", d.message).group(1))
                for u, diags in published.log if u == uri for d in diags if "typed_" in d.message]

    while 21 not in versions():
        await asyncio.sleep(0.05)
    seen = versions()
    assert seen == sorted(seen) and len(seen) < 20  # never an older one last; some skipped
    assert sorted(d.code for d in client.diagnostics[uri]) == ["SWR104", "SWR201"]
    # A request waits for the newest analysis, not an older one's answer.
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(
        text_document=types.TextDocumentIdentifier(uri=uri)))
    assert len(symbols) == 302 and symbols[-1].name == "broken"
