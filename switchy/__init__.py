"""switchy: one dialplan for a whole FreeSWITCH cluster, executed over the Event Socket.

The names below load on first use: ``switchy check`` and the language server need the
dialplan front end only, not asyncio and the ESL client behind ``Service``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

# name -> the module that defines it
_LAZY = {
    "Call": "switchy.call",
    "event_callback": "switchy.callbacks",
    "OutboundService": "switchy.outbound",
    "Service": "switchy.service",
    "Command": "switchy.session",
    "CommandFailed": "switchy.session",
    "Session": "switchy.session",
}

__all__ = ["Call", "Command", "CommandFailed", "OutboundService", "Service", "Session", "__version__",
           "event_callback"]

if TYPE_CHECKING:
    from switchy.call import Call
    from switchy.callbacks import event_callback
    from switchy.outbound import OutboundService
    from switchy.service import Service
    from switchy.session import Command, CommandFailed, Session


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'switchy' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
