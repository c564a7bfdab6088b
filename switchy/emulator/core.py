"""The node as the code running its calls sees it: channels, events, configuration.

``NodeCore`` is what a FreeSWITCH process owns below its modules: the channel table,
the event sequence and the connections that subscribe to events, the console log,
the configuration lookups (dialplan contexts, gateways, outcome rules) and the record
of every command a client sent. Originate, the applications, the API commands and the
ESL server all work on a ``NodeCore``; ``node.EmulatedNode`` adds what starts things
(listening for clients, placing calls) on top.

The core runs the session layer's hangup handlers when a channel hangs up, and hands
each session the application table it was given, so the session layer below it needs
no import of the node or of the applications.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import time
import uuid as uuidlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from switchy.esl.codec import url_encode

from . import session
from .channel import Channel
from .config import DialOutcome, NodeConfig
from .events import SOURCES, Block, Clock, EmuEvent, LineCache
from .faults import Connection, Faults
from .session import AppFunc

log = logging.getLogger("switchy.emulator")

DEFAULT_SOURCE = ("switch_event.c", "switch_event_fire_detailed", "2068")


class Subscriber(Connection, Protocol):
    """What the node needs of one ESL connection (``server.Listener`` is the one)."""

    session: Channel | None  # the channel a myevents connection is bound to

    @property
    def wants_events(self) -> bool: ...

    def wants(self, name: str, subclass: str | None, uuid: str | None,
              job_owner: str | None) -> bool: ...

    def deliver(self, event: EmuEvent) -> None: ...

    def log(self, level: int, text: str, uuid: str, file: str, func: str, line: int) -> None: ...

    def session_hungup(self) -> None: ...


@dataclass
class ReceivedCommand:
    """One command as the node read it from a client."""

    connection: int
    raw: bytes  # the header block exactly as received (without the blank line)
    line: str  # the command line
    headers: list[tuple[str, str]]
    body: bytes
    at: float

    @property
    def name(self) -> str:
        return self.line.split(" ", 1)[0].lower()

    def __repr__(self) -> str:
        return f"<ReceivedCommand #{self.connection} {self.line!r}>"


class NodeCore:
    """A FreeSWITCH node's state: configuration, channels, events, connections, log."""

    def __init__(self, name: str = "fs1", *, host: str = "127.0.0.1", port: int = 0,
                 password: str = "ClueCon", config: NodeConfig | None = None,
                 applications: Mapping[str, AppFunc], **options: Any) -> None:
        self.name = name
        self.hostname = name
        self.host = host
        self.port = port
        self.password = password
        self.config = config or NodeConfig()
        for key, value in options.items():
            if not hasattr(self.config, key):
                raise TypeError(f"unknown node option {key!r}")
            setattr(self.config, key, value)
        self.core_uuid = str(uuidlib.uuid4())
        self.started_at = time.time()
        self.applications = applications  # what ``execute`` runs, by name
        self.faults = Faults(lambda: self.listeners)
        self.channels: dict[str, Channel] = {}  # live channels (until CHANNEL_DESTROY)
        self.calls: list[Channel] = []  # every channel ever created, in order
        self.commands: list[ReceivedCommand] = []
        self.bound: dict[int, str] = {}  # connection id → the channel it controls (outbound)
        self.errors: list[BaseException] = []  # emulator failures (a test should see none)
        self.listeners: list[Subscriber] = []
        self.global_vars: dict[str, str] = {"hostname": name, "switch_serial": "emulated"}
        self.hash: dict[str, str] = {}  # mod_hash's table (``hash`` api), ``realm_key`` → value
        # APIs named in ${...} while expanding an argument: (channel, api, args), never run
        self.expansion_calls: list[tuple[str, str, str]] = []
        self.tasks: set[asyncio.Task[Any]] = set()
        self.timers: list[asyncio.TimerHandle] = []
        self.outcomes: list[tuple[re.Pattern[str], DialOutcome]] = []
        self.sessions_since_startup = 0
        self.peak_sessions = 0
        self.has_listeners = False
        self.events_fired = 0  # every event, wanted or not
        self.events_built = 0  # events whose headers were built: someone wanted them
        self._sequence = 0
        self._session_ids = 0
        self._connection_ids = 0
        self._clock = Clock()
        self.lines = LineCache(limit=16384)  # the standard headers' encodings
        self._head_key: tuple[str, str, str] | None = None
        self._head = ""
        self._source_lines: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.host}:{self.port} {len(self.channels)} calls>"

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def ipv4(self) -> str:
        return self.config.ipv4

    def heartbeat(self, interval: float = 20.0) -> None:
        """Fire HEARTBEAT and RE_SCHEDULE now (the scheduler does it every 20 s)."""
        up = int((time.time() - self.started_at) * 1_000_000)
        seconds, micro = divmod(up, 1_000_000)
        minutes, sec = divmod(seconds, 60)
        hours, minute = divmod(minutes, 60)
        days, hour = divmod(hours, 24)
        years, day = divmod(days, 365)
        live = len(self.channels)
        self.fire_plain("HEARTBEAT", [
            ("Event-Info", "System Ready"),
            ("Up-Time", f"{years} years, {day} days, {hour} hours, {minute} minutes, {sec} "
                        f"seconds, {micro // 1000} milliseconds, {micro % 1000} microseconds"),
            ("FreeSWITCH-Version", f"{self.config.version}~64bit"),
            ("Uptime-msec", str(up // 1000)), ("Session-Count", str(live)),
            ("Max-Sessions", str(self.config.max_sessions)), ("Session-Per-Sec", "30"),
            ("Session-Per-Sec-Last", "0"), ("Session-Per-Sec-Max", "1"),
            ("Session-Per-Sec-FiveMin", "1"),
            ("Session-Since-Startup", str(self.sessions_since_startup)),
            ("Session-Peak-Max", str(self.peak_sessions)),
            ("Session-Peak-FiveMin", str(self.peak_sessions)), ("Idle-CPU", "99.000000")])
        self.fire_plain("RE_SCHEDULE", [
            ("Task-ID", "1"), ("Task-Desc", "heartbeat"), ("Task-Group", "core"),
            ("Task-Runtime", str(int(time.time() + interval)))])

    # -- listeners and events -----------------------------------------------------------

    def new_connection_id(self) -> int:
        self._connection_ids += 1
        return self._connection_ids

    def refresh_listeners(self) -> None:
        self.has_listeners = any(listener.wants_events for listener in self.listeners)

    def skip_sequence(self) -> None:
        self._sequence += 1
        self.events_fired += 1

    def std_items(self, name: str, source: str, subclass: str | None = None) -> list[tuple[str, str]]:
        """A standard header block for an event that is not fired (a PRIVATE_COMMAND's
        inner COMMAND event); it takes a sequence number all the same."""
        self._sequence += 1
        return self._tail(name, source, subclass, self._sequence)

    def _tail(self, name: str, source: str, subclass: str | None,
              sequence: int) -> list[tuple[str, str]]:
        local, gmt, stamp = self._clock.stamp()
        file, func, line = SOURCES.get(source) or SOURCES.get(name) or DEFAULT_SOURCE
        items = [("Event-Name", name), ("Core-UUID", self.core_uuid),
                 ("FreeSWITCH-Hostname", self.hostname), ("FreeSWITCH-Switchname", self.hostname),
                 ("FreeSWITCH-IPv4", self.config.ipv4), ("FreeSWITCH-IPv6", self.config.ipv6),
                 ("Event-Date-Local", local), ("Event-Date-GMT", gmt),
                 ("Event-Date-Timestamp", stamp), ("Event-Calling-File", file),
                 ("Event-Calling-Function", func), ("Event-Calling-Line-Number", line),
                 ("Event-Sequence", str(sequence))]
        if subclass:
            items.append(("Event-Subclass", subclass))
        return items

    def std_block(self, name: str, source: str, subclass: str | None = None,
                  sequence: int | None = None) -> Block:
        """The 13 headers every event starts with (prep_for_delivery), pre-encoded."""
        if sequence is None:
            self._sequence += 1
            sequence = self._sequence
        items = self._tail(name, source, subclass, sequence)
        key = (self.hostname, self.config.ipv4, self.config.ipv6)
        if self._head_key != key:
            self._head_key = key
            self._head = self.lines.plain(items[1:6])
        lines = self._source_lines.get(source)
        if lines is None:
            lines = self._source_lines[source] = self.lines.plain(items[9:12])
        plain = (f"Event-Name: {url_encode(name)}\n{self._head}{self._clock.lines}"
                 f"Event-Date-Timestamp: {items[8][1]}\n{lines}Event-Sequence: {sequence}\n")
        if subclass:
            plain += f"Event-Subclass: {url_encode(subclass)}\n"
        return Block(items, self.lines, plain)

    def fire(self, name: str, build: Callable[[Block], EmuEvent], *, uuid: str | None = None,
             source: str | None = None, subclass: str | None = None,
             job_owner: str | None = None) -> None:
        """Number the event and hand it to every listener that wants it, building it once."""
        self._sequence += 1
        self.events_fired += 1
        sequence = self._sequence
        event: EmuEvent | None = None
        for listener in self.listeners:
            if listener.wants(name, subclass, uuid, job_owner):
                if event is None:
                    self.events_built += 1
                    event = build(self.std_block(name, source or name, subclass, sequence))
                    event.subclass = subclass
                    event.job_owner = job_owner
                listener.deliver(event)

    def fire_plain(self, name: str, items: list[tuple[str, str]], body: str | None = None, *,
                   source: str | None = None, subclass: str | None = None,
                   job_owner: str | None = None, uuid: str | None = None) -> None:
        """Fire an event that is not about a channel (API, BACKGROUND_JOB, custom)."""
        def build(std: Block) -> EmuEvent:
            return EmuEvent(name, [std, Block(items)], body, uuid=uuid)
        self.fire(name, build, uuid=uuid, source=source, subclass=subclass, job_owner=job_owner)

    def log(self, level: int, text: str, uuid: str | None = None, file: str = "switch_core.c",
            func: str = "switch_core_session_run", line: int = 0) -> None:
        """A console line, sent as ``log/data`` to connections that asked for it."""
        for listener in self.listeners:
            listener.log(level, text, uuid or "", file, func, line)

    # -- channels -----------------------------------------------------------------------------

    def next_session_id(self) -> int:
        self._session_ids += 1
        return self._session_ids

    def register(self, ch: Channel) -> None:
        self.channels[ch.uuid] = ch
        self.calls.append(ch)
        self.sessions_since_startup += 1
        self.peak_sessions = max(self.peak_sessions, len(self.channels))
        self.log(5, f"New Channel {ch.name} [{ch.uuid}]", ch.uuid, "switch_channel.c",
                 "switch_channel_set_name", 1143)

    def channel_renamed(self, ch: Channel, old_uuid: str) -> None:
        """``ch`` took a new uuid (origination_uuid): find it by that one from now on."""
        if self.channels.get(old_uuid) is ch:
            del self.channels[old_uuid]
        self.channels[ch.uuid] = ch

    def channel_hanging_up(self, ch: Channel) -> None:
        """``ch`` is hanging up; CHANNEL_HANGUP is fired next: the session's handlers."""
        session.on_hangup(ch)

    def channel_hung_up(self, ch: Channel) -> None:
        """CHANNEL_HANGUP was fired: connections bound to ``ch`` disconnect (or linger),
        and a bridge ends with its A leg."""
        for listener in list(self.listeners):
            if listener.session is ch:
                listener.session_hungup()
        session.after_hangup_fired(ch)

    def channel_destroyed(self, ch: Channel) -> None:
        self.channels.pop(ch.uuid, None)
        self.log(5, f"Close Channel {ch.name} [CS_DESTROY]", ch.uuid, "switch_core_session.c",
                 "switch_core_session_perform_destroy", 1770)

    @property
    def session_count(self) -> int:
        return len(self.channels)

    def find(self, uuid: str) -> Channel | None:
        return self.channels.get(uuid)

    @property
    def parked(self) -> list[Channel]:
        """Channels sitting in ``park`` right now."""
        return [ch for ch in self.channels.values() if ch.parked]

    def commands_for(self, uuid: str) -> list[str]:
        """What clients asked of channel ``uuid``, one readable line per command, in
        order: ``execute APP ARG``, ``hangup CAUSE`` (sendmsg, with the uuid or on the
        outbound socket that controls the channel) and ``api ...`` lines that name the uuid."""
        lines = []
        for command in self.commands:
            if command.line == f"sendmsg {uuid}" or (
                    command.line == "sendmsg" and self.bound.get(command.connection) == uuid):
                headers = {k.lower(): v for k, v in command.headers}
                if headers.get("call-command") == "execute":
                    arg = headers.get("execute-app-arg")
                    if arg is None:
                        arg = command.body.decode("utf-8", "surrogateescape")
                    lines.append(f"execute {headers.get('execute-app-name', '')} {arg}".rstrip())
                else:
                    lines.append(f"{headers.get('call-command', '')} {headers.get('hangup-cause', '')}".rstrip())
            elif command.line.startswith("api ") and uuid in command.line.split():
                lines.append(command.line)
        return lines

    # -- configuration lookups ------------------------------------------------------------

    def find_extension(self, ch: Channel) -> list[tuple[str, str]] | None:
        """The applications the dialplan runs for ``ch``: park, in a park-only context, or
        the ``socket`` actions of ``config.outbound``."""
        if self.config.extensions is not None:
            return self.config.extensions(ch)
        contexts = self.config.contexts
        if contexts is not None and ch.profile.context not in contexts:
            return None
        expression = self.config.park_expression
        if expression is not None:
            match = re.search(expression, ch.profile.destination_number)
            if match is None:
                return None
            if match.groups():
                found = [match.group(0), *(g or "" for g in match.groups())]
                ch.set_var("DP_MATCH", "ARRAY::" + "|:".join(found))
        if self.config.outbound:
            return [("socket", f"{target} async full") for target in self.config.outbound]
        return [("park", "")]

    def set_outcome(self, pattern: str, outcome: DialOutcome) -> None:
        """Dial strings matching ``pattern`` (a regex, searched) end as ``outcome``.

        Later rules win over earlier ones; unmatched destinations answer at once.
        """
        self.outcomes.insert(0, (re.compile(pattern), outcome))

    def outcome_for(self, url: str) -> DialOutcome:
        for pattern, outcome in self.outcomes:
            if pattern.search(url):
                return outcome
        return DialOutcome.answer()

    def sofia_profile_address(self, profile: str) -> tuple[str, int]:
        return self.config.ipv4, self.config.sofia_profiles.get(profile, 5060)

    def own_profile(self, host: str) -> str | None:
        """The sofia profile ``host`` (``ip:port``) is this node's own address of, if any."""
        address, _, port = host.rpartition(":")
        if not address or address.strip("[]") not in (self.config.ipv4, self.config.ipv6, "127.0.0.1",
                                                      "localhost"):
            return None
        return next((name for name, p in self.config.sofia_profiles.items() if str(p) == port), None)

    def profile_exists(self, profile: str) -> bool:
        return profile in self.config.sofia_profiles

    def gateway_exists(self, gateway: str) -> bool:
        return self.config.gateways is None or gateway in self.config.gateways

    def is_registered(self, user: str) -> bool:
        return self.config.registered is None or user in self.config.registered

    def allows(self, address: str) -> bool:
        """The inbound ACL: the client must be in one of the configured networks."""
        acl = self.config.acl
        if acl is None:
            return True
        try:
            ip = ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in ipaddress.ip_network(net, strict=False) for net in acl)
