"""Reading the editor's messages from stdin, so that one bad message costs only itself.

pygls 2's reader takes a header line only when it is exactly ``Content-Length: N``: after
a message whose header it could not read, the body (which ends without a newline) runs
into the next message's header line, that header is missed too, and every later request
goes unanswered. It also drops a request whose parameters have the wrong type without
an answer, and a body that is no JSON without a word to the client.

This loop finds a ``Content-Length`` header wherever a line holds one (what came before
it is dropped and logged), answers a body that is no JSON with JSON-RPC's ``-32700``
(Parse error) and a request whose parameters do not fit with ``-32602`` (Invalid params),
and hands everything else to pygls' protocol as pygls itself would.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from lsprotocol.types import ResponseError
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcParseError
from pygls.io_ import StdinAsyncReader
from pygls.protocol import JsonRPCProtocol

log = logging.getLogger("switchy_lsp.stdio")

_HEADER = b"content-length:"
MAX_MESSAGE = 256 * 1024 * 1024  # a body larger than this is no editor's message


def content_length(line: bytes) -> tuple[int | None, bool]:
    """The length a header line announces (None: none), and whether bytes before the
    header had to be skipped to find it."""
    at = line.lower().find(_HEADER)
    if at < 0:
        return None, False
    value = line[at + len(_HEADER):].strip()
    if not value.isdigit() or len(value) > 10 or int(value) > MAX_MESSAGE:
        return None, at > 0
    return int(value), at > 0


async def serve(protocol: JsonRPCProtocol, reader: StdinAsyncReader, stop: threading.Event) -> None:
    """Read messages until end of input or ``stop``; each handled, or answered with an error."""
    length: int | None = None
    while not stop.is_set():
        line = await reader.readline()
        if not line:
            break
        if line.strip():
            announced, skipped = content_length(line)
            if skipped:
                log.error("dropped bytes before a Content-Length header: %.60r", line)
            if announced is not None:
                length = announced
            elif line.lower().lstrip().startswith(b"content-length"):
                log.error("unreadable Content-Length header: %.60r", line)
            continue
        if length is None:
            continue  # a blank line with no message announced
        body = await reader.readexactly(length)
        length = None
        if not body:
            break
        handle(protocol, body)


def handle(protocol: JsonRPCProtocol, body: bytes) -> None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        log.error("a message that is no JSON: %s", exc)
        _answer(protocol, None, JsonRpcParseError.CODE, f"{JsonRpcParseError.MESSAGE}: {exc}")
        return
    if not isinstance(data, dict):
        _answer(protocol, None, -32600, "Invalid Request: a message must be a JSON object")
        return
    try:
        message = _structure(protocol, data)
    except Exception as exc:  # pygls says why in its log; the requester gets an answer
        if "id" in data and "method" in data:
            code = JsonRpcInvalidParams.CODE if isinstance(exc, JsonRpcInvalidParams) else -32603
            _answer(protocol, data["id"], code,
                    f"{JsonRpcInvalidParams.MESSAGE if code == JsonRpcInvalidParams.CODE else 'Internal error'}"
                    f" for {data['method']}")
        return
    try:
        protocol.handle_message(message)
    except Exception:
        log.exception("could not handle %s", data.get("method", "a message"))


def _structure(protocol: JsonRPCProtocol, data: dict[str, Any]) -> Any:
    """What pygls' own reader gives ``handle_message``: nested objects structured too."""
    return json.loads(json.dumps(data), object_hook=protocol.structure_message)


def _answer(protocol: JsonRPCProtocol, msg_id: Any, code: int, message: str) -> None:
    if msg_id is not None and not isinstance(msg_id, int | str):
        msg_id = None
    protocol._send_response(msg_id, error=ResponseError(code=code, message=message))
