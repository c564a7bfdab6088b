"""One ESL conversation over one transport: frames in, commands out, replies matched.

This layer knows nothing about connecting, authenticating or reconnecting (that is
``client.py``), so it serves both inbound connections and the outbound sockets of
``outbound.py``.
FreeSWITCH answers commands strictly in order, so each command takes the next reply;
a command that timed out keeps its place in line to absorb its late reply.
"""

from __future__ import annotations

import asyncio
import logging
import uuid as uuidlib
from collections import deque
from collections.abc import Callable
from typing import Any

from . import commands
from .errors import (
    AccessDenied,
    CommandError,
    CommandTimeout,
    ConnectionLost,
    ProtocolError,
)
from .events import Event, event_from_frame
from .frames import Frame, FrameParser

log = logging.getLogger("switchy.esl")

REPLY_TYPES = frozenset({"command/reply", "api/response"})
EVENT_TYPES = frozenset({"text/event-plain", "text/event-json", "text/event-xml"})


class BackgroundJob:
    """A ``bgapi`` command; await it for the output FreeSWITCH puts in BACKGROUND_JOB."""

    __slots__ = ("command", "event", "future", "uuid")

    def __init__(self, job_uuid: str, command: str, future: asyncio.Future[str]) -> None:
        self.uuid = job_uuid
        self.command = command
        self.future = future
        self.event: Event | None = None

    def __await__(self):  # type: ignore[no-untyped-def]
        return self.future.__await__()

    def done(self) -> bool:
        return self.future.done()

    @property
    def ok(self) -> bool:
        """True once the job finished with output that is not an ``-ERR``/``-USAGE``."""
        return self.future.done() and not self.future.cancelled() and \
            self.future.exception() is None and not self.future.result().startswith("-")

    def __repr__(self) -> str:
        return f"<BackgroundJob {self.command!r} {self.uuid}>"


class Execution:
    """A ``sendmsg`` execute; await it for the CHANNEL_EXECUTE_COMPLETE that ends it."""

    __slots__ = ("app", "arg", "channel", "future", "uuid")

    def __init__(self, event_uuid: str, channel: str, app: str, arg: str,
                 future: asyncio.Future[Event]) -> None:
        self.uuid = event_uuid
        self.channel = channel
        self.app = app
        self.arg = arg
        self.future = future

    def __await__(self):  # type: ignore[no-untyped-def]
        return self.future.__await__()

    def done(self) -> bool:
        return self.future.done()

    def __repr__(self) -> str:
        return f"<Execution {self.app} on {self.channel}>"


class _Slot:
    """A place in the reply line; ``future`` is None when nobody waits any more."""

    __slots__ = ("description", "future")

    def __init__(self, description: str, future: asyncio.Future[Frame] | None) -> None:
        self.description = description
        self.future = future


class ESLConnection(asyncio.Protocol):
    """ESL framing, reply matching, job and execution tracking for one transport."""

    def __init__(
        self,
        *,
        name: str = "esl",
        on_event: Callable[[Event], Any] | None = None,
        on_lost: Callable[[BaseException | None], Any] | None = None,
        on_frame: Callable[[Frame], Any] | None = None,
        frame_timeout: float | None = 10.0,
    ) -> None:
        self.name = name
        self.on_event = on_event
        self.on_lost = on_lost
        self.on_frame = on_frame  # frames that are neither replies nor events
        self.transport: asyncio.Transport | None = None
        self.parser = FrameParser()
        self.loop = asyncio.get_running_loop()
        self._slots: deque[_Slot] = deque()
        self._jobs: dict[str, BackgroundJob] = {}
        self._executions: dict[str, Execution] = {}
        self._greeting: asyncio.Future[Frame] = self.loop.create_future()
        self.closed: asyncio.Future[None] = self.loop.create_future()
        self.disconnect_notice: Frame | None = None
        self.protocol_errors = 0
        self.unknown_frames = 0
        # A frame begun but not finished for this long, with nothing arriving, is a
        # stalled or broken peer even when no command waits for a reply.
        self.frame_timeout = frame_timeout
        self._partial_since: float | None = None
        self._partial_timer: asyncio.TimerHandle | None = None

    # -- asyncio.Protocol -----------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        parser = self.parser
        garbage = parser.garbage
        try:
            frames = parser.feed(data)
        except ProtocolError as exc:
            self._protocol_error(f"{exc}; resetting the connection")
            self.abort()
            return
        if parser.garbage != garbage:
            self._protocol_error("skipped bytes that began no frame (no blank line after them)")
        for frame in frames:
            try:
                self._dispatch(frame)
            except Exception as exc:  # a frame the peer got wrong must not kill the reader
                self._protocol_error(f"could not handle a {frame.content_type or 'typeless'} frame: "
                                     f"{exc!r}; resetting the connection")
                self.abort()
                return
        self._watch_partial_frame()

    def _protocol_error(self, message: str) -> None:
        self.protocol_errors += 1
        log.error("%s: %s", self.name, message)

    def _watch_partial_frame(self) -> None:
        """Arm (or disarm) the timer that notices a frame left half-sent."""
        if self.parser.buffered == 0 or self.frame_timeout is None:
            self._partial_since = None
            if self._partial_timer is not None:
                self._partial_timer.cancel()
                self._partial_timer = None
            return
        self._partial_since = self.loop.time()
        if self._partial_timer is None:
            self._partial_timer = self.loop.call_later(self.frame_timeout, self._partial_expired)

    def _partial_expired(self) -> None:
        self._partial_timer = None
        since = self._partial_since
        if since is None or self.transport is None or self.frame_timeout is None:
            return
        quiet = self.loop.time() - since
        if quiet < self.frame_timeout:  # bytes came meanwhile: wait out the rest
            self._partial_timer = self.loop.call_later(self.frame_timeout - quiet, self._partial_expired)
            return
        self._protocol_error(f"a frame stopped half-way ({self.parser.buffered} bytes, nothing more for "
                             f"{self.frame_timeout:g} s); resetting the connection")
        self.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None
        if self._partial_timer is not None:
            self._partial_timer.cancel()
            self._partial_timer = None
        reason = ConnectionLost(f"{self.name}: connection lost" + (f" ({exc})" if exc else ""))
        if not self._greeting.done():
            self._greeting.set_exception(reason)
            self._greeting.exception()  # retrieved: connect() reports it
        while self._slots:
            slot = self._slots.popleft()
            if slot.future is not None and not slot.future.done():
                slot.future.set_exception(ConnectionLost(
                    f"{self.name}: connection lost while waiting for the reply to {slot.description}"))
        if not self.closed.done():
            self.closed.set_result(None)
        if self.on_lost is not None:
            self.on_lost(exc)

    # -- frames -----------------------------------------------------------------------------

    def _dispatch(self, frame: Frame) -> None:
        ctype = frame.headers.get("Content-Type", "")
        if ctype in EVENT_TYPES:
            try:
                event = event_from_frame(ctype, frame.body)
            except ProtocolError as exc:
                self._protocol_error(f"dropped a malformed event: {exc}")
                return
            self._on_event(event)
        elif ctype in REPLY_TYPES:
            self._on_reply(frame)
        elif ctype == "auth/request" or ctype == "text/rude-rejection":
            if not self._greeting.done():
                self._greeting.set_result(frame)
        elif ctype == "text/disconnect-notice":
            if frame.headers.get("Content-Disposition") != "linger":
                self.disconnect_notice = frame
            log.info("%s: disconnect notice: %s", self.name,
                     frame.headers.get("Content-Disposition") or frame.text.strip())
            if self.on_frame is not None:
                self.on_frame(frame)
        elif ctype == "log/data":
            if self.on_frame is not None:
                self.on_frame(frame)
        else:
            self.unknown_frames += 1
            log.warning("%s: ignored a frame with unknown Content-Type %r (%d header bytes)",
                        self.name, ctype, len(frame.raw_headers))

    def _on_reply(self, frame: Frame) -> None:
        if not self._slots:
            self.unknown_frames += 1
            log.warning("%s: reply without a command: %r", self.name, frame.reply_text or frame.text[:80])
            return
        slot = self._slots.popleft()
        future = slot.future
        if future is None or future.done():
            log.debug("%s: late reply to %s discarded", self.name, slot.description)
            return
        future.set_result(frame)

    def _on_event(self, event: Event) -> None:
        name = event.name
        if name == "BACKGROUND_JOB" and self._jobs:
            job = self._jobs.pop(event.peek("Job-UUID") or "", None)
            if job is not None:
                job.event = event
                if not job.future.done():
                    job.future.set_result(event.body or "")
        elif name == "CHANNEL_EXECUTE_COMPLETE" and self._executions:
            execution = self._executions.pop(event.peek("Application-UUID") or "", None)
            if execution is not None and not execution.future.done():
                execution.future.set_result(event)
        elif name == "CHANNEL_DESTROY" and self._executions:
            self._fail_executions(event.uuid or "")
        if self.on_event is not None:
            self.on_event(event)

    def _fail_executions(self, channel: str) -> None:
        self.fail_executions(channel, f"channel {channel} was destroyed first")

    def fail_executions(self, channel: str, reason: str) -> int:
        """Fail the executions still waiting on ``channel`` (it is gone); how many."""
        failed = 0
        for key, execution in list(self._executions.items()):
            if execution.channel == channel:
                del self._executions[key]
                failed += 1
                if not execution.future.done():
                    execution.future.set_exception(CommandError(f"{execution.app} never ran: {reason}"))
        return failed

    # -- commands ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    async def greeting(self, timeout: float) -> Frame:
        """The first frame: ``auth/request``, or ``text/rude-rejection`` from the ACL."""
        try:
            async with asyncio.timeout(timeout):
                frame = await self._greeting
        except TimeoutError:
            raise CommandTimeout(f"{self.name}: no auth/request within {timeout:g} s") from None
        if frame.content_type == "text/rude-rejection":
            raise AccessDenied(f"{self.name}: FreeSWITCH's ACL refused this client "
                               f"({frame.text.strip()})")
        return frame

    async def send(self, data: bytes, description: str, timeout: float | None) -> Frame:
        """Write one command and wait for its reply frame."""
        transport = self.transport
        if transport is None or transport.is_closing():
            raise ConnectionLost(f"{self.name}: not connected; cannot send {description}")
        future: asyncio.Future[Frame] = self.loop.create_future()
        slot = _Slot(description, future)
        self._slots.append(slot)
        transport.write(data)
        if timeout is None:
            return await future
        try:
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            slot.future = None
            self.loop.call_later(timeout, self._check_stalled, slot)
            raise CommandTimeout(f"{self.name}: no reply to {description} within {timeout:g} s") from None

    def _check_stalled(self, slot: _Slot) -> None:
        if slot in self._slots:
            log.error("%s: still no reply to %s; the node looks stalled, resetting the connection",
                      self.name, slot.description)
            self.abort()

    def write(self, data: bytes) -> None:
        """Write without waiting for a reply (the caller accounts for it)."""
        if self.transport is None:
            raise ConnectionLost(f"{self.name}: not connected")
        self.transport.write(data)

    async def command(self, data: bytes, description: str, timeout: float | None) -> str:
        """Send a command answered by ``command/reply``; return ``Reply-Text``, raise on -ERR."""
        frame = await self.send(data, description, timeout)
        reply = frame.reply_text
        if reply.startswith("-"):
            raise CommandError(f"{self.name}: {description} failed: {reply}", reply)
        return reply

    async def api(self, command: str, timeout: float | None) -> str:
        frame = await self.send(commands.api(command), f"api {command}", timeout)
        return frame.text

    async def bgapi(self, command: str, timeout: float | None, job_uuid: str | None = None) -> BackgroundJob:
        data, job_uuid = commands.bgapi(command, job_uuid)
        job = BackgroundJob(job_uuid, command, self.loop.create_future())
        self._jobs[job_uuid] = job
        try:
            await self.command(data, f"bgapi {command}", timeout)
        except BaseException:
            self._jobs.pop(job_uuid, None)
            raise
        return job

    async def execute(self, channel: str, app: str, arg: str = "", *, timeout: float | None,
                      event_lock: bool = True, loops: int = 1, bound: bool = False) -> Execution:
        """``sendmsg <channel>`` execute; ``bound``: plain ``sendmsg`` to the channel this
        connection controls (an outbound socket), still tracked as ``channel``'s."""
        event_uuid = str(uuidlib.uuid4())
        data = commands.sendmsg_execute("" if bound else channel, app, arg, event_uuid=event_uuid,
                                        event_lock=event_lock, loops=loops)
        execution = Execution(event_uuid, channel, app, arg, self.loop.create_future())
        self._executions[event_uuid] = execution
        try:
            await self.command(data, f"sendmsg {channel} execute {app}", timeout)
        except BaseException:
            self._executions.pop(event_uuid, None)
            if execution.future.done() and not execution.future.cancelled():
                # CHANNEL_DESTROY came before the -ERR reply and failed it already:
                # the reply's error is the one raised, this one is retrieved here.
                execution.future.exception()
            raise
        return execution

    def fail_pending(self, exc: BaseException) -> None:
        """Fail every job and execution still waiting (the client is closing for good)."""
        for job in self._jobs.values():
            if not job.future.done():
                job.future.set_exception(exc)
                job.future.exception()
        for execution in self._executions.values():
            if not execution.future.done():
                execution.future.set_exception(exc)
                execution.future.exception()
        self._jobs.clear()
        self._executions.clear()

    def adopt_pending(self, other: ESLConnection) -> None:
        """Take over jobs and executions of a lost connection: their events may still come."""
        self._jobs.update(other._jobs)
        self._executions.update(other._executions)
        other._jobs.clear()
        other._executions.clear()

    def abort(self) -> None:
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
