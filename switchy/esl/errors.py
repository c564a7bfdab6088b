"""Errors of the ESL layer; each says what happened in words an operator understands."""

from __future__ import annotations


class ESLError(Exception):
    """Base class of every error raised by switchy's ESL layer."""


class ProtocolError(ESLError):
    """The peer sent bytes that are not a valid ESL frame."""


class UnsafeValueError(ESLError, ValueError):
    """A value would change the meaning of an ESL command (CR, LF or NUL where not allowed)."""


class ConnectError(ESLError, ConnectionError):
    """The TCP connection to a FreeSWITCH node could not be made or was lost."""


class AuthenticationError(ConnectError):
    """FreeSWITCH refused the password (``-ERR invalid``)."""


class AccessDenied(ConnectError):
    """FreeSWITCH's ACL refused this client (``text/rude-rejection``)."""


class ConnectionLost(ConnectError):
    """The connection went away while a command was waiting for its reply."""


class CommandTimeout(ESLError, TimeoutError):
    """A command got no reply within its timeout."""


class CommandError(ESLError):
    """FreeSWITCH answered a command with ``-ERR``/``-USAGE``; ``reply`` holds the text."""

    def __init__(self, message: str, reply: str = "") -> None:
        super().__init__(message)
        self.reply = reply
