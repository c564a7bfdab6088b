"""A channel's state and the header sets FreeSWITCH builds from it, in FreeSWITCH's order.

This is ``switch_channel_event_set_data``: the basic block (states, name, uuid, answer
state, codecs), the caller profile (``Caller-*``), the other leg's profile, then every
channel variable. Variables keep insertion order, and setting one again moves it to
the end, as FreeSWITCH's variable list does. The profile and variable blocks are
cached until they change, so consecutive events of a call share their encoding.

State changes that FreeSWITCH announces (running state, call state, answer) are
methods here that fire the right event; the call flow that decides *when* they happen
lives in ``session.py``.

This module sits just above the events: it imports nothing of the node or the code
that runs calls. What a channel needs of its node (fire an event, announce a hangup)
is the small ``ChannelHost`` protocol, which the node (``core.NodeCore``) fulfils.
"""

from __future__ import annotations

import asyncio
import time
import uuid as uuidlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from switchy.causes import CODE_OF
from switchy.esl.codec import url_encode

from .events import EXTENDED_EVENTS, Block, EmuEvent, LineCache, micros

STATE_NAMES = ("CS_NEW", "CS_INIT", "CS_ROUTING", "CS_SOFT_EXECUTE", "CS_EXECUTE",
               "CS_EXCHANGE_MEDIA", "CS_PARK", "CS_CONSUME_MEDIA", "CS_HIBERNATE", "CS_RESET",
               "CS_HANGUP", "CS_REPORTING", "CS_DESTROY", "CS_NONE")
(CS_NEW, CS_INIT, CS_ROUTING, CS_SOFT_EXECUTE, CS_EXECUTE, CS_EXCHANGE_MEDIA, CS_PARK,
 CS_CONSUME_MEDIA, CS_HIBERNATE, CS_RESET, CS_HANGUP, CS_REPORTING, CS_DESTROY,
 CS_NONE) = range(14)
CALLSTATE_NUMBERS = {"DOWN": 0, "DIALING": 1, "RINGING": 2, "EARLY": 3, "ACTIVE": 4, "HELD": 5,
                     "RING_WAIT": 6, "HANGUP": 7, "UNHELD": 8}


class ChannelHost(Protocol):
    """What a channel needs of the node that carries it.

    Events go out through the node, which numbers them and builds them only for the
    connections that want them. A hangup is announced to the node twice: before
    CHANNEL_HANGUP is fired (the session's hangup handlers set their variables) and
    after (bound connections disconnect, a bridge ends with its A leg).
    """

    hostname: str
    has_listeners: bool

    def skip_sequence(self) -> None: ...

    def std_block(self, name: str, source: str, subclass: str | None = None,
                  sequence: int | None = None) -> Block: ...

    def fire(self, name: str, build: Callable[[Block], EmuEvent], *, uuid: str | None = None,
             source: str | None = None, subclass: str | None = None,
             job_owner: str | None = None) -> None: ...

    def channel_hanging_up(self, ch: Channel) -> None: ...

    def channel_hung_up(self, ch: Channel) -> None: ...

    def channel_renamed(self, ch: Channel, old_uuid: str) -> None: ...


@dataclass
class Message:
    """A parsed ``sendmsg`` (or an internal broadcast) waiting in a channel's queue."""

    command: str  # call-command: execute, hangup, ...
    app: str = ""
    arg: str = ""
    loops: int = 1
    event_lock: bool = False
    event_uuid: str | None = None
    event_uuid_name: str | None = None
    cause: str = "NORMAL_CLEARING"
    headers: list[tuple[str, str]] = field(default_factory=list)  # as sent, for PRIVATE_COMMAND
    body: str | None = None
    command_line: str = ""
    broadcast: bool = False  # queued by uuid_broadcast (its PRIVATE_COMMAND differs)
    pre: list[tuple[str, str]] | None = None


_TIME_FIELDS = ("Profile-Created-Time", "Channel-Created-Time", "Channel-Answered-Time",
                "Channel-Progress-Time", "Channel-Progress-Media-Time", "Channel-Hangup-Time",
                "Channel-Transfer-Time", "Channel-Resurrect-Time", "Channel-Bridged-Time",
                "Channel-Last-Hold", "Channel-Hold-Accum")


@dataclass
class CallerProfile:
    """switch_caller_profile_t: who called whom, and when things happened (µs)."""

    direction: str = "inbound"
    logical_direction: str = "inbound"
    username: str = ""
    dialplan: str = "XML"
    caller_id_name: str = ""
    caller_id_number: str = ""
    orig_caller_id_name: str = ""
    orig_caller_id_number: str = ""
    callee_id_name: str = ""
    callee_id_number: str = ""
    network_addr: str = ""
    ani: str = ""
    aniii: str = ""
    destination_number: str = ""
    uuid: str = ""
    source: str = ""
    transfer_source: str = ""
    context: str = "default"
    rdnis: str = ""
    channel_name: str = ""
    profile_index: str = "1"
    hide_name: bool = False
    hide_number: bool = False
    times: list[int] = field(default_factory=lambda: [0] * len(_TIME_FIELDS))

    def items(self, prefix: str, *, with_index: bool = True) -> list[tuple[str, str]]:
        """The ``<prefix>-*`` headers of switch_caller_profile_event_set_data."""
        out = [(f"{prefix}-Direction", self.direction),
               (f"{prefix}-Logical-Direction", self.logical_direction)]
        for suffix, value in (
            ("Username", self.username), ("Dialplan", self.dialplan),
            ("Caller-ID-Name", self.caller_id_name), ("Caller-ID-Number", self.caller_id_number),
            ("Orig-Caller-ID-Name", self.orig_caller_id_name),
            ("Orig-Caller-ID-Number", self.orig_caller_id_number),
            ("Callee-ID-Name", self.callee_id_name), ("Callee-ID-Number", self.callee_id_number),
            ("Network-Addr", self.network_addr), ("ANI", self.ani), ("ANI-II", self.aniii),
            ("Destination-Number", self.destination_number), ("Unique-ID", self.uuid),
            ("Source", self.source), ("Transfer-Source", self.transfer_source),
            ("Context", self.context), ("RDNIS", self.rdnis),
            ("Channel-Name", self.channel_name),
            ("Profile-Index", self.profile_index if with_index else ""),
        ):
            if value:
                out.append((f"{prefix}-{suffix}", value))
        out.extend((f"{prefix}-{name}", str(t)) for name, t in zip(_TIME_FIELDS, self.times,
                                                                    strict=True))
        out += [(f"{prefix}-Screen-Bit", "true"),
                (f"{prefix}-Privacy-Hide-Name", "true" if self.hide_name else "false"),
                (f"{prefix}-Privacy-Hide-Number", "true" if self.hide_number else "false")]
        return out

    def clone(self) -> CallerProfile:
        copy = CallerProfile(**{k: v for k, v in self.__dict__.items() if k != "times"})
        copy.times = list(self.times)
        return copy

    # times by name, for readability where they are set
    PROFILE_CREATED, CREATED, ANSWERED, PROGRESS, PROGRESS_MEDIA, HANGUP, TRANSFER, \
        RESURRECT, BRIDGED, LAST_HOLD, HOLD_ACCUM = range(11)


class VariablesBlock(Block):
    """The ``variable_*`` headers of a channel, each line encoded once per value."""

    __slots__ = ("_channel",)

    def __init__(self, channel: Channel) -> None:
        super().__init__([], channel.lines)
        self._channel = channel

    def pairs(self) -> list[tuple[str, str]]:
        return [(f"variable_{k}", v) for k, v in self._channel.variables.items()]

    def plain(self) -> str:
        text = self._plain
        if text is None:
            text = self._plain = self._channel._variables_plain()
        return text

    def json(self) -> str:
        text = self._json
        if text is None:
            text = self._json = self._cache.json(self.pairs())
        return text


@dataclass
class Bridge:
    """One bridge attempt, for tests: what was dialled and what became of it."""

    target: str
    peer: str | None = None  # uuid of the other leg
    cause: str | None = None  # why the attempt failed (None: it connected)


class Channel:
    """One emulated FreeSWITCH channel (a call leg) and the handle tests hold."""

    def __init__(self, node: ChannelHost, *, name: str, direction: str, endpoint: str,
                 profile: CallerProfile, uuid: str | None = None) -> None:
        self.node = node  # the EmulatedNode; the code running calls uses all of it
        self.uuid = uuid or str(uuidlib.uuid4())
        self.name = name
        self.direction = direction
        self.endpoint = endpoint  # "sofia" or "loopback"
        self.profile = profile
        profile.uuid = self.uuid
        profile.channel_name = name
        self.variables: dict[str, str] = {}
        self.state = CS_NEW
        self.running_state = CS_NEW
        self.callstate = "DOWN"
        self.answer_state = "ringing"
        self.hit_dialplan = direction == "inbound"
        self.has_profile = False  # CS_NEW events carry no caller profile yet
        self.read_codec: tuple[str, str, str] | None = None
        self.write_codec: tuple[str, str, str] | None = None
        self.hangup_cause: str | None = None
        self.other_type: str | None = None
        self.other_profile: CallerProfile | None = None
        self.created_at = time.time()
        self.created_us = micros(self.created_at)
        profile.times[CallerProfile.PROFILE_CREATED] = self.created_us
        profile.times[CallerProfile.CREATED] = self.created_us
        # what tests assert on
        self.history: list[str] = []  # every event fired for this channel, by name
        self.applications: list[tuple[str, str]] = []  # (app, arg) in start order
        self.played: list[str] = []
        self.recordings: list[str] = []
        self.bridges: list[Bridge] = []
        self.dtmf_received: list[str] = []
        self.dtmf_sent: list[str] = []
        self.answered = False
        self.ended = False
        self.destroyed = False
        self.transfers: list[str] = []
        self.handed_to: list[str] = []  # controllers a ``socket`` action connected it to
        self.deflected_to: str | None = None
        self.responded: int | None = None
        self.peer: Channel | None = None  # the leg bridged (or looped back) to this one
        self.sip: dict[str, str] = {}  # endpoint details (tags, call id, media port)
        self.partner: Channel | None = None  # the other half of a loopback pair
        self.pending_apps: list[tuple[str, str]] | None = None  # for an originated leg
        self.in_park = False
        self.dialer: Any = None  # who waits for this leg to answer (a Channel or Waiter)
        self.outcome: Any = None  # what the far end does (config.DialOutcome), outbound legs
        self.ring_timeout = 60.0
        # the session (session.py) and its plumbing
        self.queue: list[Message] = []
        self.wakeup = asyncio.Event()
        self.task: asyncio.Task[None] | None = None
        self.holders = 0  # connections bound with myevents keep the channel from destroy
        self._released: asyncio.Event | None = None
        self.break_requested = False
        self.park_requested = False
        self.kill_cause: str | None = None  # killed (SIG_KILL): the app unwinds, then hangup
        self.killed_by_api = False  # hung up by uuid_kill, from outside its session
        self.wedged = False  # unparked by a second uuid_park: runs nothing any more
        self.app_depth = 0  # applications running now (nested ones count too)
        self.transfer_to: tuple[str, str, str] | None = None
        self.bridge_request: Any = None  # a pending uuid_bridge (applications.UuidBridge)
        self.bridge_mode: str | None = None  # app_a, app_b (bridge app) or uuid (uuid_bridge)
        self.active_recordings: dict[str, float] = {}
        self.held = False
        self.media_seconds = 0.0  # nominal time spent in applications that wait on media
        self.media_up = False
        self.sdp_answered = False
        self.last_app: tuple[str, str] | None = None
        self._waiters: list[tuple[str, asyncio.Future[None]]] = []
        self._any_waiters: list[tuple[tuple[str, ...], asyncio.Future[str]]] = []
        self._vars_block: Block | None = None
        self._var_lines: dict[str, str | None] = {}  # variable → its encoded plain line
        self._var_dirty: list[str] = []
        self._basic_blocks: dict[tuple[Any, ...], Block] = {}
        self.lines = LineCache()  # this channel's encoded headers, by (name, value)
        self._profile_block: Block | None = None
        self._other_block: Block | None = None

    def __repr__(self) -> str:
        return f"<Channel {self.name} {self.uuid} {STATE_NAMES[self.running_state]}>"

    # -- what tests read ------------------------------------------------------------------

    @property
    def destination(self) -> str:
        return self.profile.destination_number

    @property
    def context(self) -> str:
        return self.profile.context

    @property
    def caller_id_number(self) -> str:
        return self.profile.caller_id_number

    @property
    def bridged_to(self) -> str | None:
        """What the last successful bridge connected this leg to (dial string or uuid)."""
        for attempt in reversed(self.bridges):
            if attempt.cause is None:
                return attempt.target
        return None

    @property
    def parked(self) -> bool:
        """In the ``park`` application right now."""
        return self.in_park and not self.ended

    def record(self, name: str) -> None:
        self.history.append(name)
        if self._any_waiters:
            for item in list(self._any_waiters):
                names, any_future = item
                if name in names and not any_future.done():
                    any_future.set_result(name)
                    self._any_waiters.remove(item)
        if self._waiters:
            for item in list(self._waiters):
                wanted, future = item
                if wanted == name and not future.done():
                    future.set_result(None)
                    self._waiters.remove(item)

    async def wait_event(self, name: str, timeout: float | None = 5.0) -> None:
        """Wait until an event named ``name`` has been fired for this channel."""
        if name in self.history:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((name, future))
        async with asyncio.timeout(timeout):
            await future

    async def wait_event_count(self, name: str, count: int, timeout: float | None = 5.0) -> None:
        """Wait until ``name`` has been fired ``count`` times for this channel."""
        async with asyncio.timeout(timeout):
            while self.history.count(name) < count:
                await self.wait_event_any((name,), None)

    async def wait_event_any(self, names: tuple[str, ...], timeout: float | None = 5.0) -> str:
        """Wait for the next event named one of ``names``; returns which one fired."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        item = (names, future)
        self._any_waiters.append(item)
        try:
            async with asyncio.timeout(timeout):
                return await future
        finally:
            if item in self._any_waiters:
                self._any_waiters.remove(item)

    async def wait_hangup(self, timeout: float | None = 5.0) -> str:
        """Wait for CHANNEL_HANGUP_COMPLETE; returns the hangup cause."""
        await self.wait_event("CHANNEL_HANGUP_COMPLETE", timeout)
        return self.hangup_cause or ""

    async def wait_destroyed(self, timeout: float | None = 5.0) -> None:
        await self.wait_event("CHANNEL_DESTROY", timeout)

    async def wait_answered(self, timeout: float | None = 5.0) -> None:
        await self.wait_event("CHANNEL_ANSWER", timeout)

    async def wait_parked(self, timeout: float | None = 5.0) -> None:
        await self.wait_event("CHANNEL_PARK", timeout)

    async def wait_bridged(self, timeout: float | None = 5.0) -> None:
        """Wait until this leg is in a bridge (CHANNEL_BRIDGE fires on the A leg only)."""
        async with asyncio.timeout(timeout):
            while not (self.peer is not None and any(b.cause is None for b in self.bridges)):
                if self.ended:
                    raise RuntimeError(f"{self.name} hung up ({self.hangup_cause}) unbridged")
                await asyncio.sleep(0.005)

    # -- actions from the far end ----------------------------------------------------------

    def remote_hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        """The far end hangs up (a SIP BYE or CANCEL)."""
        if self.endpoint == "sofia" and not self.ended:
            self.set_var("sip_hangup_disposition", "recv_bye" if self.answered else "recv_cancel")
        self.hangup(cause)

    def send_dtmf(self, digits: str) -> None:
        """Digits arriving from the far end (RFC 2833)."""
        self.receive_dtmf(digits, source="RTP")

    def receive_dtmf(self, digits: str, *, source: str = "RTP", duration: int = 2000) -> None:
        """Digits arriving on this channel: one DTMF event each."""
        for digit in digits:
            if digit not in "0123456789*#ABCDabcdwW":
                continue
            if digit in "wW":
                continue
            self.dtmf_received.append(digit)
            self.fire("DTMF", after=[("DTMF-Digit", digit), ("DTMF-Duration", str(duration)),
                                     ("DTMF-Source", source)], extended=False)

    # -- variables --------------------------------------------------------------------------

    def set_var(self, name: str, value: str | None) -> None:
        """Set (moving it last) or, with an empty value, delete a channel variable."""
        variables = self.variables
        if name in variables:
            del variables[name]
            del self._var_lines[name]
        if value is not None and value != "":
            variables[name] = str(value)
            self._var_lines[name] = None
            self._var_dirty.append(name)
        self._vars_block = None

    def set_vars(self, pairs: Iterable[tuple[str, str | None]]) -> None:
        for name, value in pairs:
            self.set_var(name, value)

    def update_vars(self, pairs: Iterable[tuple[str, str]]) -> None:
        """``dict.update``: new variables go last, existing ones keep their place."""
        for name, value in pairs:
            if name not in self.variables:
                self._var_lines[name] = None
            elif self.variables[name] == value:
                continue
            self.variables[name] = str(value)
            self._var_lines[name] = None
            self._var_dirty.append(name)
        self._vars_block = None

    def unset_var(self, name: str) -> None:
        if name in self.variables:
            del self.variables[name]
            del self._var_lines[name]
            self._vars_block = None

    def _variables_plain(self) -> str:
        """``variable_*`` lines: each encoded once per value, joined in order."""
        lines = self._var_lines
        if self._var_dirty:
            variables = self.variables
            for name in self._var_dirty:
                if name in lines and lines[name] is None:
                    lines[name] = f"variable_{name}: {url_encode(variables[name])}\n"
            self._var_dirty.clear()
        return "".join(lines.values())  # type: ignore[arg-type]

    # -- profile ----------------------------------------------------------------------------

    def profile_changed(self) -> None:
        self._profile_block = None

    def set_time(self, index: int, us: int | None = None) -> int:
        value = micros() if us is None else us
        self.profile.times[index] = value
        self._profile_block = None
        return value

    def set_other(self, kind: str | None, profile: CallerProfile | None) -> None:
        self.other_type = kind
        self.other_profile = profile.clone() if profile is not None else None
        self._other_block = None

    # -- header blocks ----------------------------------------------------------------------

    def basic_items(self) -> list[tuple[str, str]]:
        items = [
            ("Channel-State", STATE_NAMES[self.running_state]),
            ("Channel-Call-State", self.callstate),
            ("Channel-State-Number", str(self.state)),
            ("Channel-Name", self.name),
            ("Unique-ID", self.uuid),
            ("Call-Direction", self.direction),
            ("Presence-Call-Direction", self.direction),
            ("Channel-HIT-Dialplan", "true" if self.hit_dialplan else "false"),
            ("Channel-Call-UUID", self.variables.get("call_uuid") or self.uuid),
            ("Answer-State", self.answer_state),
        ]
        if self.hangup_cause:
            items.append(("Hangup-Cause", self.hangup_cause))
        codec = self.read_codec
        if codec is not None:
            items += [("Channel-Read-Codec-Name", codec[0]), ("Channel-Read-Codec-Rate", codec[1]),
                      ("Channel-Read-Codec-Bit-Rate", codec[2])]
        codec = self.write_codec
        if codec is not None:
            items += [("Channel-Write-Codec-Name", codec[0]),
                      ("Channel-Write-Codec-Rate", codec[1]),
                      ("Channel-Write-Codec-Bit-Rate", codec[2])]
        return items

    def data_blocks(self, extended: bool) -> list[Block]:
        """switch_channel_event_set_data: basic, caller profile, other leg[, variables]."""
        key = (self.running_state, self.state, self.callstate, self.answer_state,
               self.hangup_cause, self.read_codec, self.write_codec, self.hit_dialplan,
               self.variables.get("call_uuid"), self.name)
        basic = self._basic_blocks.get(key)
        if basic is None:
            if len(self._basic_blocks) > 32:
                self._basic_blocks.clear()
            basic = self._basic_blocks[key] = Block(self.basic_items(), self.lines)
        parts = [basic]
        if self.has_profile:
            profile_block = self._profile_block
            if profile_block is None:
                profile_block = self._profile_block = Block(self.profile.items("Caller"),
                                                            self.lines)
            parts.append(profile_block)
            if self.other_profile is not None:
                other = self._other_block
                if other is None:
                    other = self._other_block = Block(
                        [("Other-Type", self.other_type or "originatee"),
                         *self.other_profile.items("Other-Leg", with_index=False)], self.lines)
                parts.append(other)
        if extended:
            block = self._vars_block
            if block is None:
                block = self._vars_block = VariablesBlock(self)
            parts.append(block)
        return parts

    # -- firing -----------------------------------------------------------------------------

    def fire(self, name: str, *, before: list[tuple[str, str]] | None = None,
             after: list[tuple[str, str]] | None = None, extended: bool | None = None,
             body: str | None = None, source: str | None = None,
             pre: list[tuple[str, str]] | None = None, data: bool = True) -> None:
        """Fire a channel event; its headers are built only if a listener wants it."""
        self.record(name)
        node = self.node
        if not node.has_listeners:
            node.skip_sequence()
            return

        def build(std: Block) -> EmuEvent:
            parts: list[Block] = []
            if pre:
                parts.append(Block(pre))
            parts.append(std)
            if before:
                parts.append(Block(before))
            if data:
                parts.extend(self.data_blocks(name in EXTENDED_EVENTS if extended is None
                                              else extended))
            if after:
                parts.append(Block(after))
            return EmuEvent(name, parts, body, uuid=self.uuid)

        node.fire(name, build, uuid=self.uuid, source=source or name)

    def snapshot(self, name: str = "CHANNEL_DATA", source: str = "CHANNEL_DATA") -> EmuEvent:
        """Build an event now whatever the listeners (uuid_dump, outbound connect)."""
        std = self.node.std_block(name, source)
        return EmuEvent(name, [std, *self.data_blocks(True)], uuid=self.uuid)

    def set_uuid(self, uuid: str) -> None:
        """switch_core_session_set_uuid (``origination_uuid``): CHANNEL_UUID, then the new id."""
        old = self.uuid
        self.uuid = self.profile.uuid = uuid
        self._basic_blocks.clear()
        self._profile_block = None
        self.set_vars([("uuid", uuid), ("call_uuid", uuid)])
        self.node.channel_renamed(self, old)
        self.fire("CHANNEL_UUID", before=[("Old-Unique-ID", old)])

    # -- announced state changes ------------------------------------------------------------

    def set_running_state(self, state: int, number: int | None = None) -> None:
        """The state machine reached ``state``: CHANNEL_STATE, Number = current state."""
        self.running_state = state
        self.state = state if number is None else number
        self.fire("CHANNEL_STATE")

    def set_callstate(self, callstate: str) -> None:
        if callstate == self.callstate:
            return
        original = self.callstate
        self.callstate = callstate
        self.fire("CHANNEL_CALLSTATE", before=[
            ("Original-Channel-Call-State", original),
            ("Channel-Call-State-Number", str(CALLSTATE_NUMBERS[callstate]))])

    @property
    def up(self) -> bool:
        """Not hung up (switch_channel_up)."""
        return self.hangup_cause is None

    def hangup(self, cause: str = "NORMAL_CLEARING") -> bool:
        """switch_channel_hangup: CHANNEL_HANGUP now, the rest when the session unwinds."""
        if self.hangup_cause is not None:
            return False
        if cause not in CODE_OF:
            cause = "NORMAL_CLEARING"
        self.hangup_cause = cause
        self.state = CS_HANGUP
        self.answer_state = "hangup"
        self.set_time(CallerProfile.HANGUP)
        self.ended = True
        self.node.channel_hanging_up(self)
        self.fire("CHANNEL_HANGUP")
        self.wake()
        self.node.channel_hung_up(self)
        return True

    def kill(self, cause: str) -> None:
        """switch_core_session_kill_channel: the running application returns at once and
        the session then hangs up with ``cause`` (what mod_loopback does to its A leg)."""
        if self.up and self.kill_cause is None:
            self.kill_cause = cause
            self.wake()

    def wake(self) -> None:
        self.wakeup.set()

    def hold(self) -> None:
        """A myevents connection binds this channel: CHANNEL_DESTROY waits for it."""
        self.holders += 1

    def release(self) -> None:
        self.holders = max(0, self.holders - 1)
        if not self.holders and self._released is not None:
            self._released.set()

    async def wait_released(self) -> None:
        if self.holders:
            self._released = self._released or asyncio.Event()
            self._released.clear()
            while self.holders:
                await self._released.wait()
                self._released.clear()

    # -- show channels ------------------------------------------------------------------------

    def row(self) -> dict[str, Any]:
        """This channel's row of the core ``channels`` table (show channels)."""
        p = self.profile
        codec = self.read_codec or ("", "", "")
        app, arg = self.last_app or ("", "")
        return {
            "uuid": self.uuid, "direction": self.direction,
            "created": time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.created_at)),
            "created_epoch": str(int(self.created_at)), "name": self.name,
            "state": STATE_NAMES[self.running_state], "cid_name": p.caller_id_name,
            "cid_num": p.caller_id_number, "ip_addr": p.network_addr,
            "dest": p.destination_number, "application": app, "application_data": arg,
            "dialplan": p.dialplan, "context": p.context, "read_codec": codec[0],
            "read_rate": codec[1], "read_bit_rate": codec[2], "write_codec": codec[0],
            "write_rate": codec[1], "write_bit_rate": codec[2], "secure": "",
            "hostname": self.node.hostname, "presence_id": "", "presence_data": "",
            "accountcode": self.variables.get("accountcode", ""), "callstate": self.callstate,
            "callee_name": "", "callee_num": "", "callee_direction": "", "call_uuid": "",
            "sent_callee_name": "", "sent_callee_num": "",
            "initial_cid_name": self.initial[0], "initial_cid_num": self.initial[1],
            "initial_ip_addr": self.initial[2], "initial_dest": self.initial[3],
            "initial_dialplan": self.initial[4], "initial_context": self.initial[5],
        }

    initial: tuple[str, str, str, str, str, str] = ("", "", "", "", "", "")

    def remember_initial(self) -> None:
        p = self.profile
        self.initial = (p.caller_id_name, p.caller_id_number, p.network_addr,
                        p.destination_number, p.dialplan, p.context)
