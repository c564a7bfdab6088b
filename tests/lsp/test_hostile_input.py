"""The language server against hostile input (issue 12, parts 3 and 6): badly framed
messages, parameters of the wrong type, FIFOs, devices, symlink loops and huge files in
the workspace. Each test talks to a real ``python -m switchy_lsp`` over stdio."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
from lsprotocol import types

from tests.lsp.conftest import Session

SERVER = [sys.executable, "-m", "switchy_lsp"]


class Raw:
    """The server's stdin and stdout as bytes: for what no well-behaved client sends."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    def send(self, data: bytes) -> None:
        self.process.stdin.write(data)

    def request(self, msg_id: int, method: str, params: object) -> None:
        self.send(frame({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params}))

    async def reply(self, msg_id: object) -> dict:
        async with asyncio.timeout(30):
            while True:
                length = 0
                while True:
                    line = await self.process.stdout.readline()
                    assert line, "the server closed its output"
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                    elif not line.strip():
                        break
                message = json.loads(await self.process.stdout.readexactly(length))
                if message.get("id") == msg_id and "method" not in message:
                    return message


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.fixture
async def raw(tmp_path):
    process = await asyncio.create_subprocess_exec(*SERVER, stdin=asyncio.subprocess.PIPE,
                                                   stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.DEVNULL)
    server = Raw(process)
    server.request(1, "initialize", {"processId": None, "rootUri": tmp_path.as_uri(), "capabilities": {}})
    assert "result" in await server.reply(1)
    server.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
    yield server
    process.kill()
    await process.wait()


@pytest.mark.parametrize("bad", [
    b"Content-Length: abc\r\n\r\n{\"jsonrpc\": \"2.0\", \"id\": 90, \"method\": \"shutdown\"}",
    b"garbage without a newline",
    b"Content-Length: 5\r\n\r\n{oops",
    b"Content-Length: 12\r\n\r\n[1, 2, 3, 4]",
], ids=["bad-length", "garbage", "not-json", "array"])
async def test_one_badly_framed_message_leaves_later_requests_answered(raw, tmp_path, bad):
    (tmp_path / "a.swr").write_text('route "^1$" { answer() }\n')
    raw.send(bad)
    for n in range(2, 5):
        raw.request(n, "textDocument/documentSymbol", {"textDocument": {"uri": (tmp_path / "a.swr").as_uri()}})
        assert [s["name"] for s in (await raw.reply(n))["result"]] == ['"^1$"']


@pytest.mark.parametrize("params", [
    {"textDocument": 5, "position": {"line": 0, "character": 0}},
    {"textDocument": {"uri": "file:///x.swr"}, "position": "here"},
    "not an object",
], ids=["document-int", "position-str", "params-str"])
async def test_a_request_with_wrong_types_gets_an_invalid_params_reply(raw, params):
    raw.request(7, "textDocument/hover", params)
    reply = await raw.reply(7)
    assert reply["error"]["code"] == -32602
    raw.request(8, "shutdown", None)
    assert "result" in await raw.reply(8)


async def test_a_body_that_is_no_json_gets_a_parse_error_reply(raw):
    raw.send(b"Content-Length: 9\r\n\r\n{not json")
    assert (await raw.reply(None))["error"]["code"] == -32700


# -- hostile files ---------------------------------------------------------------------------


def hostile_workspace(folder: Path) -> None:
    os.mkfifo(folder / "fifo.swr")
    (folder / "zero.swr").symlink_to("/dev/zero")
    (folder / "loop.swr").symlink_to(folder / "loop2.swr")
    (folder / "loop2.swr").symlink_to(folder / "loop.swr")
    (folder / "huge.swr").write_text('route huge "^1$" { answer() }\n' + "# padding\n" * 600_000)


async def test_includes_of_fifos_devices_and_loops_get_diagnostics_not_a_hang(client):
    hostile_workspace(client.folder)
    session = Session(client, client.folder)
    text = ('include "fifo.swr"\ninclude "zero.swr"\ninclude "loop.swr"\ninclude "huge.swr"\n'
            'include "/etc/passwd"\nroute "^1$" { answer() }\n')
    uri = await session.open("main.swr", text)
    diagnostics = await session.diagnostics(uri)
    messages = " | ".join(d.message for d in diagnostics)
    assert "named pipe (FIFO), not a regular file" in messages
    assert "a device" in messages
    assert "symbolic link loop" in messages
    assert "more than the" in messages
    assert "only .swr files can be included" in messages
    assert "root:" not in messages


async def test_references_and_rename_skip_hostile_files_of_the_workspace(client):
    hostile_workspace(client.folder)
    session = Session(client, client.folder)
    uri = await session.open("main.swr", 'handler h() { answer() }\nroute "^1$" -> h()\n')
    position = types.Position(line=0, character=9)
    refs = await client.text_document_references_async(types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position,
        context=types.ReferenceContext(include_declaration=True)))
    assert {r.uri for r in refs} == {uri} and len(refs) == 2
    edit = await client.text_document_rename_async(types.RenameParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=position, new_name="g"))
    assert set((edit.changes or {}).keys()) <= {uri}


async def test_a_5mb_document_does_not_stall_other_requests(client):
    session = Session(client, client.folder)
    small = await session.open("small.swr", 'route "^1$" { answer() }\n')
    await session.diagnostics(small)
    big = 'route "^1$" { answer() }\n' + 'route "^2$" { hangup() }\n' * 210_000  # ≈ 5.2 MB
    huge = await session.open("big.swr", big, on_disk=False)
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=small), position=types.Position(line=0, character=16)))
    assert hover is not None
    diagnostics = await session.diagnostics(huge)
    assert any("not analysed" in d.message for d in diagnostics)
