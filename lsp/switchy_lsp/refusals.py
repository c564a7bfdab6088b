"""Refusals: requests the server answers with an error that is part of the protocol.

Renaming a keyword, drawing a dialplan that has errors, a command on a document that
does not exist: the client gets an error response with a message for the user, and
the server's log gets one line at info level. pygls logs every error response as a
traceback at ERROR (and reports it once more to the server); for a refusal that is
noise, so its tracebacks are filtered out and ``SwitchyLanguageServer`` logs the line.
"""

from __future__ import annotations

import logging

from lsprotocol import types
from pygls.exceptions import JsonRpcException

# pygls's module that logs a failed request with its traceback.
_PYGLS_REQUEST_LOGGER = "pygls.protocol.json_rpc"


class Refusal(JsonRpcException):
    """A request the server declines; the message says why, in the user's words."""

    def __init__(self, message: str, code: int = types.LSPErrorCodes.RequestFailed) -> None:
        super().__init__(message, code=code)


def _not_a_refusal(record: logging.LogRecord) -> bool:
    return not (record.exc_info and isinstance(record.exc_info[1], Refusal))


def quiet_refusal_tracebacks() -> None:
    """Drop pygls's traceback records of refusals (idempotent)."""
    logger = logging.getLogger(_PYGLS_REQUEST_LOGGER)
    if _not_a_refusal not in logger.filters:
        logger.addFilter(_not_a_refusal)
