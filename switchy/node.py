"""Node: one FreeSWITCH server of the cluster, its connection and its live sessions.

Events of the node become Session updates and app callbacks; every command for a call
goes back through the node that carries it. A node is given what it uses, the app
manager and a ``ParkPolicy``, not the ``Service`` that owns it, so it sits below the
service with no import back up.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .apps.manager import AppManager
from .call import Call
from .claims import ClaimPolicy, NodeClaims
from .esl import Event, InboundClient, State
from .esl.errors import ESLError
from .session import Session

log = logging.getLogger("switchy.node")

# Channel events after which a channel no longer exists (never create a session for them).
GONE = frozenset({"CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"})
# Events about a channel that are not named CHANNEL_* but carry its Unique-ID.
CHANNEL_SIDE_EVENTS = frozenset({"PLAYBACK_START", "PLAYBACK_STOP", "RECORD_START", "RECORD_STOP",
                                 "DTMF", "CALL_UPDATE", "DETECTED_SPEECH", "TALK", "NOTALK"})


@dataclass(frozen=True)
class ParkPolicy:
    """No call is left parked forever: what happens to a parked call nobody routes.

    ``timeout`` seconds after CHANNEL_PARK (None: never) a call some app is
    responsible for is hung up with ``cause``; a call parked more than ``max_parks``
    times (None: no limit) is hung up with EXCHANGE_ROUTING_ERROR.
    """

    timeout: float | None = 30.0
    cause: str = "NORMAL_TEMPORARY_FAILURE"
    max_parks: int | None = 20


class Node:
    """A FreeSWITCH node as the Service sees it."""

    def __init__(self, client: InboundClient, apps: AppManager, park_policy: ParkPolicy,
                 claims: ClaimPolicy | None = None, roster: set[str] | None = None) -> None:
        self.client = client
        self.apps = apps
        self.park_policy = park_policy
        self.name = client.name
        # With several controllers on this node, only the calls this one claims are routed here.
        self.claims = NodeClaims(self, claims, roster) if claims is not None else None
        self.sessions: dict[str, Session] = {}
        self.calls: dict[str, Call[Session]] = {}
        self._park_timers: dict[str, asyncio.TimerHandle] = {}
        self._parked_at: dict[str, float] = {}  # loop time of each park until its first command
        self.metrics: Any = None  # a metrics.Metrics, given by the service that owns the node
        self._tasks: set[asyncio.Task[Any]] = set()
        self._session_tasks: dict[str, set[asyncio.Future[Any]]] = {}  # callbacks still running per call
        self._skipped_rows = 0  # rows of the last channel list that were not objects
        self.stopping = False  # commands failing while we disconnect are not errors
        self.stats = {"sessions": 0, "parked": 0, "park_timeouts": 0, "callback_errors": 0, "recovered": 0,
                      "lost": 0}
        self._ever_connected = False
        client.add_handler("*", self.on_event)
        client.on_connected(self._on_connected)
        client.on_state(self._state_changed)

    def __repr__(self) -> str:
        return f"<Node {self.name} {self.client.state.value} sessions={len(self.sessions)}>"

    # -- events -----------------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        name = event.name
        uuid = event.uuid
        session = None
        if uuid and (name.startswith("CHANNEL_") or name in CHANNEL_SIDE_EVENTS):
            session = self.sessions.get(uuid)
            if session is None:
                if name in GONE:
                    return
                session = self._new_session(event)
            else:
                session.update(event)
        if name == "CUSTOM":
            name = event.subclass or "CUSTOM"
        if session is not None:
            claims = self.claims
            if name == "CHANNEL_PARK":
                self._choose_app(session)  # the call may have moved into (or out of) an app's context
                if session.app_id is not None and claims is not None:
                    claims.parked(session)  # routed once claimed (see route_parked)
                    return
                if session.app_id is not None and not self._parked(session):
                    return
            elif name in ("CHANNEL_UNPARK", "CHANNEL_HANGUP"):
                self._cancel_park_timer(session.uuid)
            if session.app_id is not None and (claims is None or session.uuid in claims.owned):
                if name == "CHANNEL_HANGUP_COMPLETE" and self.metrics is not None:
                    self.metrics.hangup(event.peek("Hangup-Cause") or "")
                self._run_callbacks(self.apps.callbacks(session.app_id, name), session)
            elif claims is not None:
                claims.observe(name, session)
            if name == "CHANNEL_DESTROY":
                if claims is not None:
                    claims.ended(session)
                self._forget(session)
        else:
            self._run_callbacks(self.apps.callbacks(None, name), event)

    def _new_session(self, event: Event) -> Session:
        session = Session(event, self.client, node=self)
        self._choose_app(session, first=True)
        session.on_command = self._commanded
        session.on_done = self._command_done
        self.sessions[session.uuid] = session
        call_uuid = event.peek("Channel-Call-UUID") or session.uuid
        if event.peek("Other-Type") == "originator" and call_uuid == session.uuid:
            call_uuid = event.peek("Other-Leg-Unique-ID") or call_uuid
        call = self.calls.get(call_uuid)
        if call is None:
            call = self.calls[call_uuid] = Call(call_uuid)
        call.add(session)
        self.stats["sessions"] += 1
        return session

    def _choose_app(self, session: Session, *, first: bool = False) -> None:
        """The app responsible for the call, by its headers now. A call no app claims is
        left alone: said once at debug level, when it is seen first or stops being claimed."""
        before = session.app_id
        session.app_id = self.apps.choose(session.get)
        if session.app_id is None and (first or before is not None) and self.apps:
            log.debug("%s: call %s in context %r is no app's: left alone", self.name,
                      session.uuid, session.get("Caller-Context"))

    def _forget(self, session: Session) -> None:
        self.sessions.pop(session.uuid, None)
        self._parked_at.pop(session.uuid, None)
        self._cancel_park_timer(session.uuid)
        call = session.call
        if call is not None:
            call.remove(session)
            if not call.sessions:
                self.calls.pop(call.uuid, None)

    def _run_callbacks(self, callbacks: Sequence[Callable[..., Any]], model: Any) -> None:
        for callback in callbacks:
            try:
                result = callback(model)
            except Exception:
                self.stats["callback_errors"] += 1
                self._log_failure(callback, model)
                continue
            if inspect.isawaitable(result):
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                if isinstance(model, Session):
                    self._session_tasks.setdefault(model.uuid, set()).add(task)
                task.add_done_callback(lambda t, cb=callback, m=model: self._task_done(t, cb, m))

    def _task_done(self, task: asyncio.Future[Any], callback: Callable[..., Any], model: Any) -> None:
        self._tasks.discard(task)  # type: ignore[arg-type]
        if isinstance(model, Session):
            running = self._session_tasks.get(model.uuid)
            if running is not None:
                running.discard(task)
                if not running:
                    del self._session_tasks[model.uuid]
        if not task.cancelled() and task.exception() is not None:
            self.stats["callback_errors"] += 1
            self._log_failure(callback, model, task.exception())

    def _log_failure(self, callback: Callable[..., Any], model: Any, exc: BaseException | None = None) -> None:
        name = getattr(callback, "__qualname__", repr(callback))
        if isinstance(model, Session):
            model.log.error("app callback %s failed", name, exc_info=exc or True)
        else:
            log.error("%s: app callback %s failed on %s", self.name, name, getattr(model, "name", model),
                      exc_info=exc or True)

    def route_parked(self, session: Session) -> None:
        """Route a parked call this controller is responsible for (claimed, with claims)."""
        if self._parked(session):
            self._run_callbacks(self.apps.callbacks(session.app_id, "CHANNEL_PARK"), session)

    async def api(self, command: str) -> str:
        """An api command on this node (what the claims send)."""
        return await self.client.api(command)

    # -- park timeout: no call is left parked forever ----------------------------------

    def _parked(self, session: Session) -> bool:
        """Arm the park timeout; False (and a hangup) when the call keeps coming back."""
        self.stats["parked"] += 1
        session.parks += 1
        self._parked_at[session.uuid] = asyncio.get_running_loop().time()
        limit = self.park_policy.max_parks
        if limit is not None and session.parks > limit:
            # Each park routes the call again; a dialplan that parks it every time would
            # loop forever. FreeSWITCH ends transfer loops the same way.
            session.log.error("parked %d times; hanging up with EXCHANGE_ROUTING_ERROR", session.parks)
            self._cancel_park_timer(session.uuid)
            session.hangup("EXCHANGE_ROUTING_ERROR")
            return False
        timeout = self.park_policy.timeout
        if timeout is None:
            return True
        self._cancel_park_timer(session.uuid)
        loop = asyncio.get_running_loop()
        self._park_timers[session.uuid] = loop.call_later(timeout, self._park_expired, session)
        return True

    def _commanded(self, session: Session, description: str) -> None:
        self._cancel_park_timer(session.uuid)
        parked = self._parked_at.pop(session.uuid, None)
        if self.metrics is not None:
            self.metrics.command(None if parked is None else asyncio.get_running_loop().time() - parked)

    def _command_done(self, session: Session, description: str, failure: BaseException | None) -> None:
        if failure is not None and self.metrics is not None and not self.stopping:
            self.metrics.refused()

    def _cancel_park_timer(self, uuid: str) -> None:
        timer = self._park_timers.pop(uuid, None)
        if timer is not None:
            timer.cancel()

    def _park_expired(self, session: Session) -> None:
        self._park_timers.pop(session.uuid, None)
        if session.hungup or session.uuid not in self.sessions:
            return
        self.stats["park_timeouts"] += 1
        cause = self.park_policy.cause
        session.log.warning("no app handled the parked call within %g s; hanging up with %s",
                            self.park_policy.timeout, cause)
        session.hangup(cause)

    # -- connection -------------------------------------------------------------------

    def _state_changed(self, state: State) -> None:
        """The operator sees each node go away and come back (at info level)."""
        if state is State.RECONNECTING:
            log.info("%s: disconnected; reconnecting in the background", self.name)
        elif state is State.CONNECTED:
            if self._ever_connected:
                log.info("%s: reconnected", self.name)
            self._ever_connected = True
        if state is not State.CONNECTED and self.claims is not None:
            self.claims.disconnected()

    async def _on_connected(self) -> None:
        """After every (re)connect: the node is the truth. Calls that ended while we were
        away are let go; calls that were parked meanwhile are routed."""
        known = set(self.sessions)  # a call seen from now on is not "lost"
        try:
            if self.claims is not None:
                await self.claims.connected()
            rows = await self.channel_rows()
        except ESLError as exc:
            log.warning("%s: could not list the node's channels after connecting: %s", self.name, exc)
            return
        if rows is None:
            return
        if all(isinstance(row.get("uuid"), str) for row in rows) and not self._skipped_rows:
            self.let_go_vanished(known, rows)
        else:  # a row we cannot read may be a live call: losing none beats losing a live one
            log.warning("%s: the channel list has unreadable rows; no call is taken for lost", self.name)
        try:
            await self.recover_parked(rows)
        except ESLError as exc:
            log.warning("%s: could not route the calls parked while disconnected: %s", self.name, exc)

    async def channel_rows(self) -> list[dict[str, Any]] | None:
        """The node's channels (``show channels as json``); None when the answer cannot be
        trusted as a complete list. Rows that are not objects are skipped."""
        listing = await self.client.api("show channels as json")
        try:
            data = json.loads(listing) if listing.lstrip().startswith("{") else None
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            log.warning("%s: unreadable 'show channels as json' output: %.80r", self.name, listing)
            return None
        rows = data.get("rows", [])
        if not isinstance(rows, list):
            log.warning("%s: 'show channels as json' has rows that are no list: %.80r", self.name, rows)
            return None
        good = [row for row in rows if isinstance(row, dict)]
        self._skipped_rows = len(rows) - len(good)
        if len(good) != len(rows):
            log.warning("%s: skipped %d channel row(s) that are not objects", self.name, len(rows) - len(good))
        return good

    def let_go_vanished(self, known: set[str], rows: list[dict[str, Any]]) -> list[str]:
        """End the sessions of ``known`` calls the node no longer has: their commands fail,
        their route tasks end, and the operator reads how many and which."""
        present = {row.get("uuid") for row in rows}
        lost = [uuid for uuid in known if uuid in self.sessions and uuid not in present]
        if not lost:
            return lost
        conn = self.client.connection
        for uuid in lost:
            session = self.sessions[uuid]
            session.hungup = True
            if conn is not None:
                conn.fail_executions(uuid, f"channel {uuid} is gone: it ended while {self.name} was disconnected")
            for task in self._session_tasks.pop(uuid, ()):
                task.cancel()
            self._forget(session)
        self.stats["lost"] += len(lost)
        log.info("%s: %d call(s) lost while disconnected: %s", self.name, len(lost), ", ".join(sorted(lost)))
        return lost

    async def recover_parked(self, rows: list[dict[str, Any]] | None = None) -> int:
        """Find channels parked on the node that switchy does not know and route them.

        One row that cannot be recovered (odd fields, a channel gone meanwhile) is logged
        and skipped; the others are still routed.
        """
        if not self.apps:
            return 0
        if rows is None:
            rows = await self.channel_rows()
            if rows is None:
                return 0
        recovered = 0
        for row in rows:
            uuid = row.get("uuid")
            if not isinstance(uuid, str) or not uuid or uuid in self.sessions \
                    or row.get("state") != "CS_EXECUTE" or row.get("application") != "park":
                continue
            try:
                dump = await self.client.api(f"uuid_dump {uuid}")
                if dump.startswith("-ERR"):
                    continue
                event = Event.from_plain(dump.encode("utf-8", "surrogateescape"))
                headers = [("Event-Name", "CHANNEL_PARK"),
                           *[(k, v) for k, v in event.header_items() if k != "Event-Name"]]
                session_event = Event(headers)
            except ESLError as exc:
                log.warning("%s: could not recover parked call %.60s: %s", self.name, uuid, exc)
                continue
            self.stats["recovered"] += 1
            recovered += 1
            self.on_event(session_event)
        if recovered:
            log.info("%s: routed %d call(s) found parked after connecting", self.name, recovered)
        return recovered

    async def settle(self, timeout: float | None) -> bool:
        """Wait (at most ``timeout`` s) for the app callbacks in progress; True if none is left."""
        tasks = [t for t in self._tasks if not t.done()]
        if tasks:
            await asyncio.wait(tasks, timeout=timeout)
        return all(t.done() for t in self._tasks)

    async def stop(self) -> None:
        self.stopping = True
        for timer in self._park_timers.values():
            timer.cancel()
        self._park_timers.clear()
        for task in list(self._tasks):
            task.cancel()
        if self.claims is not None:
            await self.claims.stop()
        await self.client.close()
