"""Reading the ``hosts`` argument of a Service: ``'fs1'``, ``'fs1:8022'`` or a tuple."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from .esl import DEFAULT_PASSWORD, DEFAULT_PORT

PASSWORD_ENV = "SWITCHY_PASSWORD"
PASSWORD_FILE_ENV = "SWITCHY_PASSWORD_FILE"


class HostSpec(NamedTuple):
    host: str
    port: int
    password: str | None


def parse_host(spec: Any, default_port: int = DEFAULT_PORT) -> HostSpec:
    """``'fs1'``, ``'fs1:8022'``, ``'[::1]:8021'``, ``('fs1', 8022)`` or ``('fs1', 8022, 'pw')``."""
    if isinstance(spec, (tuple, list)):
        if not 1 <= len(spec) <= 3:
            raise ValueError(f"a host tuple is (host, port[, password]), not {spec!r}")
        host = str(spec[0])
        port = int(spec[1]) if len(spec) > 1 and spec[1] is not None else default_port
        password = spec[2] if len(spec) > 2 else None
        return HostSpec(host, _check_port(port, spec), password)
    text = str(spec).strip()
    if not text:
        raise ValueError("empty host name")
    if text.startswith("["):  # [IPv6]:port
        host, _, rest = text[1:].partition("]")
        port = int(rest[1:]) if rest.startswith(":") else default_port
        return HostSpec(host, _check_port(port, spec), None)
    if text.count(":") == 1:
        host, _, port_text = text.partition(":")
        if not port_text.isdigit():
            raise ValueError(f"invalid port in host {text!r}")
        return HostSpec(host, _check_port(int(port_text), spec), None)
    return HostSpec(text, default_port, None)


def parse_listen(spec: Any, default_port: int) -> tuple[str, int]:
    """An address to listen on: as ``parse_host``, but port 0 picks a free port."""
    if isinstance(spec, (tuple, list)) and len(spec) == 2 and spec[1] in (0, "0"):
        return str(spec[0]), 0
    if isinstance(spec, str) and spec.rstrip().endswith(":0"):
        host = parse_host(spec.rstrip()[:-2] + f":{default_port}", default_port).host
        return host, 0
    host, port, _ = parse_host(spec, default_port)
    return host, port


def _check_port(port: int, spec: Any) -> int:
    if not 0 < port < 65536:
        raise ValueError(f"invalid port {port} in host {spec!r}")
    return port


def resolve_password(password: str | None = None, password_file: str | os.PathLike[str] | None = None) -> str:
    """The ESL password, so that it never has to be on a command line: the argument,
    else ``password_file``, else ``$SWITCHY_PASSWORD``, else the file named by
    ``$SWITCHY_PASSWORD_FILE``, else FreeSWITCH's default ``ClueCon``."""
    if password is not None:
        return password
    if password_file is None and PASSWORD_ENV in os.environ:
        return os.environ[PASSWORD_ENV]
    path = password_file or os.environ.get(PASSWORD_FILE_ENV)
    if not path:
        return DEFAULT_PASSWORD
    try:
        return Path(path).read_text(encoding="utf-8").strip("\r\n")
    except OSError as exc:
        raise ValueError(f"cannot read the password file {path}: {exc.strerror}") from None
