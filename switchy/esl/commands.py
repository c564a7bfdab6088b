"""Encoding of the commands a client writes to FreeSWITCH.

FreeSWITCH reads a command as lines up to an empty line; header values are taken raw
(never URL-decoded). A CR or LF inside a value would therefore end the header early
and start a new one, or a new command: a caller-controlled string could inject ESL.
Every encoder here refuses such values, except where the protocol has a body form
that carries them safely (``sendmsg`` application arguments).
"""

from __future__ import annotations

import uuid as uuidlib
from collections.abc import Iterable

from .errors import UnsafeValueError

# Arguments longer than this go in the body: FreeSWITCH's header lines are not meant
# for multi-kilobyte values (the research note's "~2 KB").
MAX_HEADER_ARG = 2048


def check_line(value: str, what: str) -> str:
    """Refuse a value that would break out of its line (CR, LF) or be cut short (NUL)."""
    if "\n" in value or "\r" in value or "\0" in value:
        raise UnsafeValueError(
            f"{what} contains a line break or NUL, which would inject ESL commands: {value[:60]!r}"
        )
    return value


def encode(command: str, headers: Iterable[tuple[str, str]] = (), body: bytes | None = None) -> bytes:
    """One command: the command line, ``Name: value`` headers, an empty line, the body."""
    lines = [check_line(command, "command")]
    for name, value in headers:
        lines.append(f"{check_line(name, 'header name')}: {check_line(str(value), f'header {name}')}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\n".join(lines) + "\n\n").encode("utf-8", "surrogateescape") + (body or b"")


def auth(password: str) -> bytes:
    return encode(f"auth {check_line(password, 'password')}")


def api(command: str) -> bytes:
    return encode(f"api {command}")


def bgapi(command: str, job_uuid: str | None = None) -> tuple[bytes, str]:
    """``bgapi`` with a client-chosen ``Job-UUID`` so the result can be matched up front."""
    job_uuid = job_uuid or str(uuidlib.uuid4())
    return encode(f"bgapi {command}", [("Job-UUID", job_uuid)]), job_uuid


def event(names: Iterable[str], fmt: str = "plain") -> bytes:
    if fmt not in ("plain", "json", "xml"):
        raise ValueError(f"event format must be plain, json or xml, not {fmt!r}")
    return encode(" ".join(["event", fmt, *names]))


def sendmsg_execute(
    uuid: str,
    app: str,
    arg: str = "",
    *,
    event_uuid: str | None = None,
    event_lock: bool = True,
    loops: int = 1,
) -> bytes:
    """``sendmsg`` ``call-command: execute``; multi-line or long arguments go in the body."""
    check_line(app, "application name")
    if " " in app or not app:
        raise UnsafeValueError(f"invalid application name {app!r}")
    if "\0" in arg:
        raise UnsafeValueError(f"argument of {app} contains NUL, which FreeSWITCH would cut: {arg[:60]!r}")
    headers = [("call-command", "execute"), ("execute-app-name", app)]
    in_body = "\n" in arg or "\r" in arg or len(arg.encode("utf-8", "surrogateescape")) > MAX_HEADER_ARG
    if arg and not in_body:
        headers.append(("execute-app-arg", arg))
    if loops != 1:
        headers.append(("loops", str(int(loops))))
    if event_lock:
        headers.append(("event-lock", "true"))
    if event_uuid:
        headers.append(("Event-UUID", event_uuid))
    command = f"sendmsg {check_line(uuid, 'uuid')}" if uuid else "sendmsg"
    if not in_body:
        return encode(command, headers)
    body = arg.encode("utf-8", "surrogateescape")
    headers += [("content-type", "text/plain"), ("content-length", str(len(body)))]
    lines = [command] + [f"{n}: {v}" for n, v in headers]
    return ("\n".join(lines) + "\n\n").encode("utf-8", "surrogateescape") + body


def sendmsg_hangup(uuid: str, cause: str = "NORMAL_CLEARING") -> bytes:
    command = f"sendmsg {check_line(uuid, 'uuid')}" if uuid else "sendmsg"
    return encode(command, [("call-command", "hangup"), ("hangup-cause", cause)])


def filter_add(header: str, value: str) -> bytes:
    return encode(f"filter {check_line(header, 'filter header')} {value}")


def filter_delete(header: str, value: str | None = None) -> bytes:
    return encode(f"filter delete {header}" + (f" {value}" if value else ""))
