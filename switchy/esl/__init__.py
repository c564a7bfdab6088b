"""The FreeSWITCH Event Socket: wire protocol, events, command encoding and the client.

Layers, bottom up: ``codec`` (URL encoding of header values), ``frames`` (splitting a
byte stream into frames), ``events`` (lazy event decoding and exact serialization),
``commands`` (safe command encoding), ``connection`` (one conversation: replies,
jobs, executions), ``client`` (inbound: connect, authenticate, reconnect, re-subscribe)
and ``outbound`` (the socket application's connections: listen, ``connect``, ``myevents``).
"""

from .client import DEFAULT_PASSWORD, DEFAULT_PORT, InboundClient, State
from .connection import BackgroundJob, ESLConnection, Execution
from .errors import (
    AccessDenied,
    AuthenticationError,
    CommandError,
    CommandTimeout,
    ConnectError,
    ConnectionLost,
    ESLError,
    ProtocolError,
    UnsafeValueError,
)
from .events import Event, event_frame, event_from_frame
from .frames import Frame, FrameParser, encode_frame
from .outbound import DEFAULT_OUTBOUND_PORT, OutboundConnection, OutboundServer

__all__ = [
    "DEFAULT_OUTBOUND_PORT",
    "DEFAULT_PASSWORD",
    "DEFAULT_PORT",
    "AccessDenied",
    "AuthenticationError",
    "BackgroundJob",
    "CommandError",
    "CommandTimeout",
    "ConnectError",
    "ConnectionLost",
    "ESLConnection",
    "ESLError",
    "Event",
    "Execution",
    "Frame",
    "FrameParser",
    "InboundClient",
    "OutboundConnection",
    "OutboundServer",
    "ProtocolError",
    "State",
    "UnsafeValueError",
    "encode_frame",
    "event_frame",
    "event_from_frame",
]
