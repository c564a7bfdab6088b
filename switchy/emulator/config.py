"""What a node is configured to do: its FreeSWITCH settings and what each far end does.

``NodeConfig`` holds what a node's XML configuration would say (dialplan contexts,
gateways, registered users, the event socket's ACL) and how fast emulated time runs;
``DialOutcome`` is the rule a test sets for a destination: answer, busy, no answer...
Both are plain data, read by the node and by the code that dials and runs calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .channel import Channel

# mod_event_socket's default ACL, loopback.auto: only loopback clients.
LOOPBACK_ACL = ("127.0.0.0/8", "::1/128")


@dataclass
class NodeConfig:
    """What a node's FreeSWITCH configuration would say. Times are nominal seconds."""

    time_scale: float = 1.0  # multiplies media and ringing times (0.01: 100x faster)
    default_file_duration: float = 1.0  # how long a sound file plays
    file_durations: dict[str, float] = field(default_factory=dict)
    missing_files: set[str] = field(default_factory=set)
    unloaded_applications: set[str] = field(default_factory=set)  # as if their module were not loaded
    contexts: set[str] | None = None  # dialplan contexts that park; None: every context
    # The park extension's destination_number regex (None: no condition); captures in it
    # leave DP_MATCH on the channel, as ``expression="^(.*)$"`` does on FreeSWITCH.
    park_expression: str | None = None
    extensions: Callable[[Channel], list[tuple[str, str]] | None] | None = None
    # Controllers to hand calls to instead of parking them: one ``socket HOST:PORT async
    # full`` action each, in order (the next is tried when one cannot be reached).
    outbound: tuple[str, ...] | None = None
    gateways: set[str] | None = None  # None: any gateway name exists
    registered: set[str] | None = None  # registered users; None: everyone
    sofia_profiles: dict[str, int] = field(
        default_factory=lambda: {"external": 5080, "internal": 5060})
    # The context each profile sends its inbound calls to (the vanilla configuration's);
    # an originate to a profile's own address arrives there as an inbound call.
    sofia_contexts: dict[str, str] = field(
        default_factory=lambda: {"external": "public", "internal": "default"})
    acl: tuple[str, ...] | None = LOOPBACK_ACL  # networks allowed to connect; None: any
    auth_timeout: float = 25.0
    version: str = "1.11.3-dev"
    max_sessions: int = 1000
    ipv4: str = "127.0.0.1"
    ipv6: str = "::1"
    heartbeat_interval: float | None = 20.0  # seconds between HEARTBEAT events; None: none
    max_pending_bytes: int = 64 * 1024 * 1024  # unread output after which events are lost


@dataclass(frozen=True)
class DialOutcome:
    """What the far end of a dialled leg does. Times are nominal seconds."""

    kind: str = "answer"  # answer, busy, no_answer, reject
    cause: str | None = None
    ring: float = 0.0  # ringing (or early media) before the answer
    early_media: bool = False
    talk: float | None = None  # once answered, the far end hangs up after this long
    create_channel: bool = True  # False: the call fails before any channel exists

    @classmethod
    def answer(cls, *, ring: float = 0.0, early_media: bool = False,
               talk: float | None = None) -> DialOutcome:
        return cls("answer", None, ring, early_media, talk)

    @classmethod
    def busy(cls, *, ring: float = 0.0) -> DialOutcome:
        return cls("busy", "USER_BUSY", ring)

    @classmethod
    def no_answer(cls) -> DialOutcome:
        """Rings until the originate/bridge timeout, then NO_ANSWER."""
        return cls("no_answer", "NO_ANSWER")

    @classmethod
    def reject(cls, cause: str = "CALL_REJECTED", *, ring: float = 0.0) -> DialOutcome:
        return cls("reject", cause, ring)

    @classmethod
    def unregistered(cls) -> DialOutcome:
        return cls("fail", "USER_NOT_REGISTERED", create_channel=False)

    @classmethod
    def invalid_gateway(cls) -> DialOutcome:
        return cls("fail", "INVALID_GATEWAY", create_channel=False)

    @classmethod
    def fail(cls, cause: str) -> DialOutcome:
        """Fail before a channel is created (as an unknown endpoint or profile does)."""
        return cls("fail", cause, create_channel=False)
