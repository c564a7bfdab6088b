"""Several controllers on the same nodes: FreeSWITCH's mod_hash decides who routes a call.

Every controller connects to every node and sees every parked call; exactly one of them
routes it. The nodes are the only shared state (no external store, no consensus of our
own): each node's mod_hash table, realm ``switchy``, holds

- the **claim** of each call: ``hash insert_ifempty/switchy/<uuid>/<controller>``, sent by
  every controller that sees the call park. FreeSWITCH answers ``+OK`` to the first and
  ``-ERR key already exists`` to the others; the winner routes the call.
- each controller's **heartbeat**: ``hash insert/switchy/hb.<controller>/<n>`` every
  ``heartbeat_interval`` seconds, ``n`` counting up. A heartbeat is alive while its value
  changes; nobody compares clocks of different machines.

A controller whose heartbeat on a node has not changed for ``heartbeat_timeout`` seconds
(or is gone) is dead on that node. The others then **take over** the calls it claimed but
had not started to route — still parked, with no sign since the park that anybody sent
them a command (an EXECUTE, ANSWER, UNPARK, BRIDGE, HANGUP...). The compare-and-swap is
``delete_ifmatch/switchy/<uuid>/<dead>`` followed by ``insert_ifempty/switchy/<uuid>/<me>``:
whatever the races, only one insert wins, so a call is never routed twice. A controller
knows the others from the claims it lost (it asks the owner of one lost claim per
interval), so it watches their heartbeats before any of them dies.

The **claim is removed** when the call ends (``delete_ifmatch`` by its owner, or by a
survivor for a dead owner) and a dead controller's heartbeat key is deleted by whoever
notices: the table does not grow with traffic or restarts.

A controller id is unique per process (``host-pid-xxxx``) unless set. Starting with an id
whose heartbeat still moves is refused on that node (another controller runs with it);
when it is stale, the new process is that controller's successor and routes the calls
its predecessor claimed and never routed.

A call its dead owner had begun to route and left idle (no application running, not
bridged) for ``heartbeat_timeout`` is hung up with the cause of a failed route rather
than routed again: no call stays parked forever.

A controller knows only what it saw: a call it found parked when it connected counts
as not yet routed unless it is answered.

Limits: a live controller stalled longer than the heartbeat timeout between winning a
claim and sending its first command can be overtaken (there is no fencing in ESL); an
``api`` command with no channel event (``uuid_setvar``) as the first thing a route does
is no sign of routing, so such a route can be taken over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import secrets
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol

from .esl import Event
from .esl.errors import ESLError
from .routing import ERROR_CAUSE

log = logging.getLogger("switchy.claims")

REALM = "switchy"
HEARTBEAT = "hb."  # heartbeat keys: hb.<controller>
# Events that show somebody started routing a parked call: its owner's first command
# shows as one of them (CHANNEL_EXECUTE needs subscribing: see ``EVENTS``).
ROUTING_SIGNS = frozenset({
    "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_ANSWER", "CHANNEL_PROGRESS",
    "CHANNEL_PROGRESS_MEDIA", "CHANNEL_BRIDGE", "CHANNEL_UNPARK", "CHANNEL_HANGUP",
    "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY",
})
EVENTS = ("CHANNEL_EXECUTE",)  # what a claiming controller subscribes to beyond the standard set
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}")
NOT_FOUND = "-ERR no reply"  # ``select`` of a missing key: the api wrote nothing


class ClaimError(ESLError):
    """Claims cannot work on a node (no mod_hash, or the controller id is in use)."""


def default_controller_id() -> str:
    """Unique per process: host name, process id and a random suffix."""
    host = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname())[:40] or "switchy"
    return f"{host}-{os.getpid()}-{secrets.token_hex(2)}"


def check_controller_id(text: str) -> str:
    """A controller id is one word of letters, digits and ``. _ : @ -`` (at most 64)."""
    if not _ID.fullmatch(text):
        raise ValueError(f"invalid controller id {text!r}: use letters, digits and . _ : @ - "
                         "(at most 64 characters, no spaces or slashes)")
    return text


@dataclass(frozen=True)
class ClaimPolicy:
    """How this process takes part in claiming calls."""

    controller_id: str = field(default_factory=default_controller_id)
    heartbeat_interval: float = 1.0
    heartbeat_timeout: float = 3.0

    def __post_init__(self) -> None:
        check_controller_id(self.controller_id)
        if not 0 < self.heartbeat_interval < self.heartbeat_timeout:
            raise ValueError("the heartbeat timeout must be longer than its interval")

    @property
    def poll(self) -> float:
        """How often the others' heartbeats and the takeover candidates are looked at."""
        return self.heartbeat_interval / 4


class ClaimsHost(Protocol):
    """What the claims of one node need from that node (``node.Node`` is one)."""

    name: str
    sessions: dict[str, Any]

    async def api(self, command: str) -> str: ...

    def route_parked(self, session: Any) -> None: ...


@dataclass
class Peer:
    """Another controller's heartbeat as this one saw it."""

    value: str
    changed: float  # monotonic time the value was last seen to change


@dataclass
class Lost:
    """A call another controller claimed, and what this one saw of it since it parked."""

    since: float  # monotonic time of its last park
    owner: str | None = None
    touched: bool = False  # a sign of routing came since the park
    check_on_end: bool = False  # clean up its claim when it ends (its owner died)
    running: int = 0  # applications started and not yet complete
    bridged: bool = False
    last_event: float = 0.0


class NodeClaims:
    """This controller's claims and heartbeat on one node."""

    def __init__(self, host: ClaimsHost, policy: ClaimPolicy, roster: set[str] | None = None) -> None:
        self.host = host
        self.policy = policy
        self.me = policy.controller_id
        # the other controllers this process knows of, shared by its nodes: one seen on a
        # node is watched on every node before it can die there
        self.roster = roster if roster is not None else set()
        self.owned: set[str] = set()
        self.pending: set[str] = set()
        self.lost: dict[str, Lost] = {}
        self.peers: dict[str, Peer] = {}
        self.dead: dict[str, float] = {}  # controllers seen dying here, and when
        self.stats: Counter[str] = Counter()  # won, lost, taken_over, released, peers_died
        self.error: ClaimError | None = None
        self.closing = False  # shutting down: new calls are left to the others
        self.ready = asyncio.Event()
        self._beat = 0
        self._checked = False
        self._down_since: float | None = None
        self._last_discovery = 0.0
        self._loops: list[asyncio.Task[None]] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    def __repr__(self) -> str:
        return (f"<NodeClaims {self.me} on {self.host.name} owned={len(self.owned)} "
                f"lost={len(self.lost)} peers={sorted(self.peers)}>")

    def _key(self, key: str) -> str:
        return f"{REALM}/{key}"

    async def _hash(self, command: str) -> str:
        return await self.host.api(f"hash {command}")

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            level = logging.DEBUG if isinstance(exc, ESLError) else logging.ERROR
            log.log(level, "%s: claim work failed: %s", self.host.name, exc, exc_info=exc)

    # -- life cycle -------------------------------------------------------------------------

    async def connected(self) -> None:
        """After each (re)connect: the startup check once, then heartbeats and watching."""
        now = time.monotonic()
        if self._down_since is not None and now - self._down_since > self.policy.heartbeat_timeout / 2:
            # Long enough away to have been declared dead: what we owned may be another's now.
            for uuid in self.owned:
                self.lost[uuid] = Lost(now, touched=True, check_on_end=True)
            self.owned.clear()
        self._down_since = None
        if not self._checked:
            try:
                await self._check_id()
            except ClaimError as exc:
                self._checked = True
                self.error = exc
                log.error("%s", exc)
                return
            self._checked = True
            self.ready.set()
        if not self._loops:
            loop = asyncio.get_running_loop()
            self._loops = [loop.create_task(self._heartbeats(), name=f"claims-hb-{self.host.name}"),
                           loop.create_task(self._watch(), name=f"claims-watch-{self.host.name}")]
        await self._heartbeat()

    def disconnected(self) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()

    async def _check_id(self) -> None:
        """Refuse an id whose heartbeat still moves; succeed a stale one."""
        first = await self._hash(f"select/{self._key(HEARTBEAT + self.me)}")
        if first.startswith(NOT_FOUND):
            return
        if first.startswith("-ERR") or first.startswith("-USAGE"):
            raise ClaimError(f"{self.host.name}: cannot claim calls: 'hash' answered "
                             f"{first.strip()!r} (is mod_hash loaded?)")
        deadline = time.monotonic() + self.policy.heartbeat_timeout
        log.info("%s: controller id %s has a heartbeat; checking it is not in use (%g s)",
                 self.host.name, self.me, self.policy.heartbeat_timeout)
        while time.monotonic() < deadline:
            await asyncio.sleep(self.policy.poll)
            value = await self._hash(f"select/{self._key(HEARTBEAT + self.me)}")
            if value != first and not value.startswith(NOT_FOUND):
                raise ClaimError(f"{self.host.name}: controller id {self.me} is in use by "
                                 "another running controller; give each its own --controller-id")
        self._beat = _counter(first)
        log.info("%s: taking over from a previous controller %s", self.host.name, self.me)

    async def stop(self) -> None:
        """Stop beating and watching; delete our heartbeat so the others need not wait."""
        for task in self._loops:
            task.cancel()
        for task in list(self._tasks):
            task.cancel()
        self._loops = []
        if self.ready.is_set():
            with contextlib.suppress(ESLError, OSError):
                await self._hash(f"delete_ifmatch/{self._key(HEARTBEAT + self.me)}/{self._beat}")

    # -- heartbeat --------------------------------------------------------------------------

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.policy.heartbeat_interval)
            with contextlib.suppress(ESLError, OSError):
                await self._heartbeat()

    async def _heartbeat(self) -> None:
        if self.error is None and self.ready.is_set():
            self._beat += 1
            await self._hash(f"insert/{self._key(HEARTBEAT + self.me)}/{self._beat}")

    # -- calls -----------------------------------------------------------------------------

    def owns(self, uuid: str) -> bool:
        return uuid in self.owned

    def parked(self, session: Any) -> None:
        """A call some app is responsible for parked: route it if it is ours, else claim it."""
        uuid = session.uuid
        if uuid in self.owned:
            self.host.route_parked(session)  # parked again: its owner routes it again
            return
        lost = self.lost.get(uuid)
        if lost is not None:
            lost.since = lost.last_event = time.monotonic()
            lost.touched = handled(session)
            return
        if uuid in self.pending or self.error is not None or self.closing:
            return
        self.pending.add(uuid)
        self._spawn(self._claim(session))

    async def _claim(self, session: Any) -> None:
        uuid = session.uuid
        try:
            await self.ready.wait()
            reply = await self._hash(f"insert_ifempty/{self._key(uuid)}/{self.me}")
        except (ESLError, OSError) as exc:
            # No answer (a slow node, a lost connection): the claim may have been written
            # all the same. Looked at again like another's call: once the owner is read,
            # it is routed here if it says this controller.
            log.warning("%s: claiming %s: %s; reading the claim again later", self.host.name, uuid, exc)
            now = time.monotonic()
            self.lost[uuid] = Lost(now, touched=handled(session), last_event=now)
            return
        finally:
            self.pending.discard(uuid)
        if reply.startswith("+OK"):
            self.stats["won"] += 1
            self._take(session)
        elif reply.startswith("-ERR key already exists"):
            self.stats["lost"] += 1
            now = time.monotonic()
            lost = self.lost[uuid] = Lost(now, touched=handled(session), last_event=now)
            if now - self._last_discovery >= self.policy.heartbeat_interval:
                self._last_discovery = now  # learn who the others are, one claim at a time
                await self._learn_owner(uuid, lost)
        else:
            log.error("%s: claiming %s: unexpected reply %r", self.host.name, uuid, reply.strip())

    def _take(self, session: Any) -> None:
        """The call is ours: route it, unless it went away meanwhile."""
        uuid = session.uuid
        if uuid not in self.host.sessions or session.hungup:
            self._spawn(self._release(uuid))
            return
        self.owned.add(uuid)
        self.lost.pop(uuid, None)
        self.host.route_parked(session)

    def observe(self, name: str, session: Any) -> None:
        """An event of a call we do not own: a sign of routing ends its takeover window;
        applications and bridges in progress say it is busy (not abandoned)."""
        lost = self.lost.get(session.uuid)
        if lost is None:
            return
        lost.last_event = time.monotonic()
        if name in ROUTING_SIGNS:
            lost.touched = True
            if name == "CHANNEL_EXECUTE" or name == "CHANNEL_EXECUTE_COMPLETE":
                if session.last_event.peek("Application") != "park":
                    lost.running = max(0, lost.running + (1 if name == "CHANNEL_EXECUTE" else -1))
            elif name == "CHANNEL_BRIDGE":
                lost.bridged = True
        elif name == "CHANNEL_UNBRIDGE":
            lost.bridged = False

    def ended(self, session: Any) -> None:
        """The call is gone: remove its claim if it was ours (or its owner's is dead)."""
        uuid = session.uuid
        if uuid in self.owned:
            self.owned.discard(uuid)
            self._spawn(self._release(uuid))
            return
        lost = self.lost.pop(uuid, None)
        if lost is not None and lost.check_on_end:
            self._spawn(self._clean(uuid))

    async def _release(self, uuid: str) -> None:
        reply = await self._hash(f"delete_ifmatch/{self._key(uuid)}/{self.me}")
        if reply.startswith("+OK"):
            self.stats["released"] += 1

    async def _clean(self, uuid: str) -> None:
        """A call ended whose claim may belong to a dead controller (or to us, from
        before a long disconnection): delete it if so."""
        owner = await self._hash(f"select/{self._key(uuid)}")
        if owner.startswith(NOT_FOUND) or owner.startswith("-"):
            return
        if owner == self.me or not await self._alive(owner):
            await self._hash(f"delete_ifmatch/{self._key(uuid)}/{owner}")

    # -- watching the others ---------------------------------------------------------------

    async def _learn_owner(self, uuid: str, lost: Lost) -> None:
        owner = await self._hash(f"select/{self._key(uuid)}")
        if owner.startswith(NOT_FOUND) or owner.startswith("-"):
            lost.owner = None
            return
        lost.owner = owner
        if owner != self.me and owner not in self.peers:
            self.roster.add(owner)
            beat = await self._hash(f"select/{self._key(HEARTBEAT + owner)}")
            if not beat.startswith(NOT_FOUND):
                self.peers[owner] = Peer(beat, time.monotonic())

    async def _alive(self, owner: str) -> bool:
        """Whether ``owner`` beats on this node, as far as we know now."""
        if owner == self.me:
            return True
        if owner in self.peers:
            return True
        if owner in self.dead:
            return False
        beat = await self._hash(f"select/{self._key(HEARTBEAT + owner)}")
        if beat.startswith(NOT_FOUND):
            return False
        self.roster.add(owner)
        self.peers[owner] = Peer(beat, time.monotonic())
        return True

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.policy.poll)
            try:
                await self.check()
            except (ESLError, OSError) as exc:
                log.debug("%s: watching heartbeats: %s", self.host.name, exc)

    async def check(self) -> None:
        """One look at the others' heartbeats and at the calls a dead one left parked.

        The heartbeats are read together and the takeovers run side by side (the
        connection pipelines the commands): a dead controller's calls are taken over
        in a few round trips, however many there are."""
        if self.error is not None or not self.ready.is_set():
            return
        now = time.monotonic()
        newcomers = [c for c in self.roster if c != self.me and c not in self.peers and c not in self.dead]
        found = await asyncio.gather(*(self._hash(f"select/{self._key(HEARTBEAT + c)}") for c in newcomers))
        for controller, beat in zip(newcomers, found, strict=True):
            if not beat.startswith(NOT_FOUND) and controller not in self.peers:
                self.peers[controller] = Peer(beat, now)
        peers = list(self.peers.items())
        beats = await asyncio.gather(*(self._hash(f"select/{self._key(HEARTBEAT + peer_id)}")
                                       for peer_id, _ in peers))
        for (peer_id, peer), beat in zip(peers, beats, strict=True):
            if beat.startswith(NOT_FOUND):
                await self._died(peer_id, None)
            elif beat != peer.value:
                peer.value, peer.changed = beat, now
            elif now - peer.changed >= self.policy.heartbeat_timeout:
                await self._died(peer_id, beat)
        for dead_id, since in list(self.dead.items()):
            if now - since > 10 * self.policy.heartbeat_timeout:
                del self.dead[dead_id]
        sessions = self.host.sessions
        for uuid in [u for u in self.owned if u not in sessions]:  # forgotten without a
            self.owned.discard(uuid)  # CHANNEL_DESTROY (lost while disconnected)
            self._spawn(self._release(uuid))
        for uuid in [u for u in self.lost if u not in sessions]:
            self.lost.pop(uuid, None)
        work = [self._consider(uuid, lost, session) for uuid, lost in list(self.lost.items())
                if (session := self.host.sessions.get(uuid)) is not None and not session.hungup
                and now - lost.since >= self.policy.heartbeat_interval]
        for start in range(0, len(work), 64):
            await asyncio.gather(*work[start:start + 64])

    async def _consider(self, uuid: str, lost: Lost, session: Any) -> None:
        """A call another controller claimed, parked a while: is it a dead one's to take?"""
        now = time.monotonic()
        if lost.touched:
            if lost.check_on_end and not lost.running and not lost.bridged \
                    and now - lost.last_event >= self.policy.heartbeat_timeout:
                await self._abandoned(session, lost)
            return
        if lost.owner is None and self.dead:  # try the dead first: one round trip each
            for dead_id in list(self.dead):
                if await self._take_over(session, dead_id):
                    return
                if uuid not in self.lost or lost.owner is not None:
                    return
        if lost.owner is None:
            await self._learn_owner(uuid, lost)
            if lost.owner is None:  # nobody holds it (a takeover half done): try
                await self._take_over(session, None)
                return
        if lost.owner == self.me:  # its own claim, unanswered in time, or its predecessor's
            await self._adopt(session, lost, "this controller's id")
        elif not await self._alive(lost.owner):
            await self._take_over(session, lost.owner)

    async def _abandoned(self, session: Any, lost: Lost) -> None:
        """A dead controller's call, routed part way and idle since: end it (routing it
        again could repeat what was done), with the cause of a failed route."""
        if lost.owner is None:
            await self._learn_owner(session.uuid, lost)
        owner = lost.owner
        if owner is None or owner == self.me or await self._alive(owner):
            lost.check_on_end = False  # its owner lives: nothing to do
            return
        if not (await self._hash(f"delete_ifmatch/{self._key(session.uuid)}/{owner}")).startswith("+OK"):
            return
        if not (await self._hash(f"insert_ifempty/{self._key(session.uuid)}/{self.me}")).startswith("+OK"):
            return
        self.lost.pop(session.uuid, None)
        self.owned.add(session.uuid)
        state = await self._inspect(session.uuid)
        if state == "gone":
            self.owned.discard(session.uuid)
            await self._release(session.uuid)
        elif state in ("idle", "untouched"):
            self._end(session, owner)

    def _end(self, session: Any, owner: str | None) -> None:
        self.stats["abandoned"] += 1
        session.log.warning("its controller %s died while routing it; hanging up with %s",
                            owner or "(unknown)", ERROR_CAUSE)
        session.hangup(ERROR_CAUSE)

    async def _inspect(self, uuid: str) -> str:
        """What the node says of a call now (this controller's own view may lag behind):
        ``gone``; ``busy`` (an application ran or runs since it parked: current
        application other than park); ``idle`` (answered, back in park: routed part way);
        ``untouched`` (parked, unanswered)."""
        dump = await self.host.api(f"uuid_dump {uuid}")
        if dump.startswith("-"):
            return "gone"
        channel = Event.from_plain(dump.encode("utf-8", "surrogateescape") + b"\n\n")
        application = channel.peek("variable_current_application")
        if application and application != "park":
            return "busy"
        return "idle" if channel.peek("Answer-State") == "answered" else "untouched"

    async def _died(self, peer_id: str, beat: str | None) -> None:
        self.peers.pop(peer_id, None)
        self.dead[peer_id] = time.monotonic()
        self.stats["peers_died"] += 1
        log.warning("%s: controller %s stopped beating; taking over the calls it left parked",
                    self.host.name, peer_id)
        if beat is not None:  # its key, so that the table does not keep dead controllers
            await self._hash(f"delete_ifmatch/{self._key(HEARTBEAT + peer_id)}/{beat}")
        for lost in self.lost.values():
            if lost.owner in (peer_id, None):
                lost.check_on_end = True

    async def _take_over(self, session: Any, dead: str | None) -> bool:
        """Compare-and-swap the claim of a dead controller's call to this one; whether
        this controller holds it now."""
        uuid = session.uuid
        lost = self.lost.get(uuid)
        if dead is not None:
            reply = await self._hash(f"delete_ifmatch/{self._key(uuid)}/{dead}")
            if reply.startswith("-ERR Doesn't match"):
                return False  # not that one's (any more): the owner is learnt if need be
        reply = await self._hash(f"insert_ifempty/{self._key(uuid)}/{self.me}")
        if not reply.startswith("+OK"):
            if lost is not None:
                lost.owner = None  # another survivor won it: look again later if need be
            return False
        if uuid not in self.lost:  # it ended meanwhile
            await self._release(uuid)
            return True
        await self._adopt(session, lost, dead or "nobody")
        return True

    async def _adopt(self, session: Any, lost: Lost | None, previous: str) -> None:
        """A claim that is this controller's now (taken over, or found with its own id):
        route the call if the node shows nobody routed it; end it if it was routed part
        way and left idle; leave it if it is busy. The node has the last word: this
        controller's view may lag behind (a late CHANNEL_DESTROY, a command of the dead
        one read late)."""
        uuid = session.uuid
        self.lost.pop(uuid, None)
        self.owned.add(uuid)
        state = "busy" if lost is not None and lost.touched else await self._inspect(uuid)
        if state == "gone":
            self.owned.discard(uuid)
            await self._release(uuid)
        elif state == "idle":
            self._end(session, previous)
        elif state == "untouched":
            log.info("%s: took over call %s from %s", self.host.name, uuid, previous)
            self.stats["taken_over"] += 1
            self.owned.discard(uuid)
            self._take(session)


def handled(session: Any) -> bool:
    """Whether a call parks answered: in a park-only context only a controller answers
    calls, so an answered call in park was being routed (a controller that connects
    after the park has seen nothing else of it)."""
    return session.get("Answer-State") == "answered"


def _counter(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0
