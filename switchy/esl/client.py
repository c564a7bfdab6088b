"""The inbound ESL client: connect, authenticate, subscribe, and stay connected.

Wraps one ``ESLConnection`` at a time. When the connection drops it reconnects with
exponential backoff and jitter, authenticates again and replays the event
subscriptions and filters, so the application sees a gap, not a silent deaf socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import random
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from . import commands
from .connection import BackgroundJob, ESLConnection, Execution
from .errors import (
    AccessDenied,
    AuthenticationError,
    CommandError,
    ConnectError,
    ConnectionLost,
    ESLError,
)
from .events import Event
from .frames import Frame

log = logging.getLogger("switchy.esl")

DEFAULT_PORT = 8021
DEFAULT_PASSWORD = "ClueCon"  # FreeSWITCH's shipped default


class State(enum.Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


class Subscriptions:
    """What the client asked FreeSWITCH to send, so it can ask again after a reconnect."""

    def __init__(self) -> None:
        self.fmt = "plain"
        self.names: list[str] = []  # in order; CUSTOM subclasses follow "CUSTOM"
        self.nixed: list[str] = []
        self.filters: list[tuple[str, str]] = []

    def add(self, names: Iterable[str]) -> None:
        for name in names:
            if name not in self.names:
                self.names.append(name)
            if name in self.nixed:
                self.nixed.remove(name)

    def covers(self, name: str) -> bool:
        return ("ALL" in self.names or name in self.names) and name not in self.nixed

    def event_command(self) -> bytes | None:
        if not self.names:
            return None
        plain = [n for n in self.names if "::" not in n and n != "CUSTOM"]
        custom = [n for n in self.names if "::" in n]
        # After the word CUSTOM every token is a subclass, so subclasses go last.
        if custom or "CUSTOM" in self.names:
            plain += ["CUSTOM", *custom]
        return commands.event(plain, self.fmt)


class InboundClient:
    """An inbound Event Socket client for one FreeSWITCH node."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        password: str = DEFAULT_PASSWORD,
        *,
        timeout: float = 5.0,
        connect_timeout: float = 5.0,
        reconnect: bool = True,
        backoff_initial: float = 0.1,
        backoff_max: float = 10.0,
        event_queue_size: int = 10_000,
        name: str | None = None,
        frame_timeout: float | None = 10.0,
    ) -> None:
        self.host = host
        self.port = int(port)
        self._password = password
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.reconnect = reconnect
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.name = name or f"{host}:{port}"
        self.subscriptions = Subscriptions()
        self.state = State.DISCONNECTED
        self.dropped_events = 0
        self.reconnects = 0
        self.frame_timeout = frame_timeout  # a frame left half-sent this long resets the connection
        self._past_protocol_errors = 0  # counted by connections since replaced
        self.last_error: BaseException | None = None
        self._conn: ESLConnection | None = None
        self._queue_size = event_queue_size
        # Events are queued from the start so none is missed before the first read;
        # apps that only use handlers pass event_queue_size=0.
        self._queue: asyncio.Queue[Event] | None = asyncio.Queue(event_queue_size) if event_queue_size else None
        self._handlers: dict[str, list[Callable[[Event], Any]]] = {}
        self._state_listeners: list[Callable[[State], Any]] = []
        self._connected_listeners: list[Callable[[], Any]] = []
        self._frame_listeners: list[Callable[[Frame], Any]] = []
        self._connected = asyncio.Event()
        self._reconnect_task: asyncio.Task[None] | None = None
        self._listener_tasks: set[asyncio.Future[Any]] = set()

    def __repr__(self) -> str:
        return f"<InboundClient {self.name} {self.state.value}>"

    # -- observing ----------------------------------------------------------------------

    def on_state(self, listener: Callable[[State], Any]) -> None:
        """Call ``listener(state)`` on every state change."""
        self._state_listeners.append(listener)

    def on_connected(self, listener: Callable[[], Any]) -> None:
        """Call ``listener()`` after each successful (re)connect and re-subscription."""
        self._connected_listeners.append(listener)

    def on_frame(self, listener: Callable[[Frame], Any]) -> None:
        """Call ``listener(frame)`` for disconnect notices and log lines."""
        self._frame_listeners.append(listener)

    def add_handler(self, name: str, handler: Callable[[Event], Any]) -> None:
        """Call ``handler(event)`` for each event named ``name`` (``*`` for all), in the reader."""
        self._handlers.setdefault(name, []).append(handler)

    def remove_handler(self, name: str, handler: Callable[[Event], Any]) -> None:
        handlers = self._handlers.get(name, [])
        if handler in handlers:
            handlers.remove(handler)

    def _set_state(self, state: State) -> None:
        if state is self.state:
            return
        self.state = state
        if state is State.CONNECTED:
            self._connected.set()
        else:
            self._connected.clear()
        for listener in list(self._state_listeners):
            try:
                listener(state)
            except Exception:
                log.exception("%s: state listener failed", self.name)

    @property
    def connected(self) -> bool:
        return self.state is State.CONNECTED

    @property
    def protocol_errors(self) -> int:
        """Bad frames from the node over the client's whole life; the reset a bad frame
        causes starts a new connection, not a new count."""
        conn = self._conn
        return self._past_protocol_errors + (conn.protocol_errors if conn is not None else 0)

    @property
    def connection(self) -> ESLConnection | None:
        return self._conn

    async def wait_connected(self, timeout: float | None = None) -> None:
        async with asyncio.timeout(timeout):
            await self._connected.wait()

    # -- connecting ---------------------------------------------------------------------

    async def connect(self) -> None:
        """Connect and authenticate once; raise the reason if that fails."""
        if self.state is State.CLOSED:
            raise ConnectError(f"{self.name}: client is closed")
        self._set_state(State.CONNECTING)
        try:
            await self._open()
        except BaseException as exc:
            self.last_error = exc
            self._set_state(State.DISCONNECTED)
            raise

    def start(self) -> asyncio.Task[None] | None:
        """Connect in the background, retrying with backoff until it works or ``close()``
        (nothing to do when already connected)."""
        if self.state is State.CONNECTED:
            return None
        if self._reconnect_task is None or self._reconnect_task.done():
            self._reconnect_task = asyncio.create_task(self._reconnect_loop(first=True),
                                                       name=f"esl-connect-{self.name}")
        return self._reconnect_task

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, conn = await loop.create_connection(
                    lambda: ESLConnection(name=self.name, on_event=self._dispatch,
                                          on_lost=self._lost, on_frame=self._frame,
                                          frame_timeout=self.frame_timeout),
                    self.host, self.port)
        except TimeoutError:
            raise ConnectError(f"{self.name}: no TCP connection within {self.connect_timeout:g} s") from None
        except OSError as exc:
            raise ConnectError(f"{self.name}: cannot connect: {exc.strerror or exc}") from None
        previous, self._conn = self._conn, conn
        if previous is not None:
            self._past_protocol_errors += previous.protocol_errors
        try:
            await conn.greeting(self.connect_timeout)
            try:
                await conn.command(commands.auth(self._password), "auth", self.timeout)
            except CommandError:
                raise AuthenticationError(f"{self.name}: FreeSWITCH refused the password "
                                          "(-ERR invalid)") from None
            if previous is not None:
                conn.adopt_pending(previous)
            await self._resubscribe(conn)
        except BaseException:
            conn.on_lost = None
            conn.abort()
            self._past_protocol_errors += conn.protocol_errors
            if self._conn is conn:
                self._conn = previous
                if previous is not None:
                    self._past_protocol_errors -= previous.protocol_errors
            raise
        self.last_error = None
        self._set_state(State.CONNECTED)
        for listener in list(self._connected_listeners):
            try:
                result = listener()
                if asyncio.iscoroutine(result):
                    task = asyncio.ensure_future(result)
                    self._listener_tasks.add(task)
                    task.add_done_callback(self._listener_tasks.discard)
            except Exception:
                log.exception("%s: connected listener failed", self.name)

    async def _resubscribe(self, conn: ESLConnection) -> None:
        subs = self.subscriptions
        data = subs.event_command()
        if data is not None:
            await conn.command(data, "event", self.timeout)
        if subs.nixed:
            await conn.command(commands.encode("nixevent " + " ".join(subs.nixed)), "nixevent", self.timeout)
        for header, value in subs.filters:
            await conn.command(commands.filter_add(header, value), f"filter {header}", self.timeout)

    def _lost(self, exc: BaseException | None) -> None:
        if self.state is State.CLOSED:
            return
        log.warning("%s: connection lost%s", self.name, f" ({exc})" if exc else "")
        if not self.reconnect:
            self._set_state(State.DISCONNECTED)
            return
        if self.state is State.CONNECTED:
            self._set_state(State.RECONNECTING)
            self.reconnects += 1
            if self._reconnect_task is None or self._reconnect_task.done():
                self._reconnect_task = asyncio.get_running_loop().create_task(
                    self._reconnect_loop(first=False), name=f"esl-reconnect-{self.name}")

    async def _reconnect_loop(self, *, first: bool) -> None:
        attempt = 0
        self._set_state(State.CONNECTING if first else State.RECONNECTING)
        while self.state is not State.CLOSED:
            try:
                await self._open()
                return
            except (ConnectError, ESLError, OSError) as exc:
                self.last_error = exc
                level = logging.ERROR if isinstance(exc, (AuthenticationError, AccessDenied)) else logging.WARNING
                log.log(level, "%s", exc)
            delay = min(self.backoff_max, self.backoff_initial * (2 ** attempt))
            attempt += 1
            await asyncio.sleep(delay / 2 + random.uniform(0, delay / 2))

    async def close(self) -> None:
        """Say ``exit`` if connected, close, and fail whatever still waits."""
        if self.state is State.CLOSED:
            return
        conn = self._conn
        self._set_state(State.CLOSED)
        if self._reconnect_task is not None and self._reconnect_task is not asyncio.current_task():
            self._reconnect_task.cancel()
        if conn is not None:
            if conn.connected:
                with contextlib.suppress(ESLError):
                    await conn.send(commands.encode("exit"), "exit", min(self.timeout, 1.0))
            conn.close()
            conn.fail_pending(ConnectionLost(f"{self.name}: client closed"))

    async def __aenter__(self) -> InboundClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- events -------------------------------------------------------------------------

    def _dispatch(self, event: Event) -> None:
        handlers = self._handlers
        if handlers:
            for handler in handlers.get(event.name, ()):
                self._call(handler, event)
            for handler in handlers.get("*", ()):
                self._call(handler, event)
        queue = self._queue
        if queue is not None:
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:
                self.dropped_events += 1
                if self.dropped_events in (1, 10, 100) or self.dropped_events % 1000 == 0:
                    log.warning("%s: event queue full, %d events dropped so far",
                                self.name, self.dropped_events)

    def _call(self, handler: Callable[[Event], Any], event: Event) -> None:
        try:
            handler(event)
        except Exception:
            log.exception("%s: event handler %r failed on %s", self.name, handler, event.name)

    def _frame(self, frame: Frame) -> None:
        for listener in list(self._frame_listeners):
            try:
                listener(frame)
            except Exception:
                log.exception("%s: frame listener failed", self.name)

    def queue_events(self) -> asyncio.Queue[Event]:
        """The bounded event queue behind ``events()``/``next_event()``; when it is full,
        new events are dropped and counted in ``dropped_events``."""
        if self._queue is None:
            raise RuntimeError(f"{self.name}: created with event_queue_size=0; use add_handler()")
        return self._queue

    async def events(self) -> AsyncIterator[Event]:
        """Iterate over events through the bounded queue."""
        queue = self.queue_events()
        while True:
            yield await queue.get()

    async def next_event(self, timeout: float | None = None) -> Event:
        queue = self.queue_events()
        async with asyncio.timeout(timeout):
            return await queue.get()

    # -- commands -----------------------------------------------------------------------

    def _require(self) -> ESLConnection:
        conn = self._conn
        if conn is None or not conn.connected or self.state is not State.CONNECTED:
            raise ConnectionLost(f"{self.name}: not connected ({self.state.value})")
        return conn

    async def api(self, command: str, *, timeout: float | None = ...) -> str:  # type: ignore[assignment]
        """Run an api command and return its output exactly as FreeSWITCH wrote it."""
        return await self._require().api(command, self.timeout if timeout is ... else timeout)

    async def bgapi(self, command: str, *, job_uuid: str | None = None,
                    timeout: float | None = ...) -> BackgroundJob:  # type: ignore[assignment]
        """Start a background api command; the returned job completes with its output."""
        await self._ensure_events("BACKGROUND_JOB")
        return await self._require().bgapi(command, self.timeout if timeout is ... else timeout, job_uuid)

    async def execute(self, uuid: str, app: str, arg: str = "", *, event_lock: bool = True,
                      loops: int = 1, timeout: float | None = ...) -> Execution:  # type: ignore[assignment]
        """``sendmsg`` execute; the returned Execution completes on CHANNEL_EXECUTE_COMPLETE."""
        await self._ensure_events("CHANNEL_EXECUTE_COMPLETE", "CHANNEL_DESTROY")
        return await self._require().execute(uuid, app, arg, event_lock=event_lock, loops=loops,
                                             timeout=self.timeout if timeout is ... else timeout)

    async def hangup(self, uuid: str, cause: str = "NORMAL_CLEARING") -> str:
        """``sendmsg`` call-command hangup: queued behind the channel's running applications."""
        return await self._require().command(commands.sendmsg_hangup(uuid, cause),
                                             f"sendmsg {uuid} hangup", self.timeout)

    async def sendmsg(self, uuid: str, headers: Iterable[tuple[str, str]], body: bytes | None = None) -> str:
        """A raw ``sendmsg`` with arbitrary headers (values are checked for line breaks)."""
        data = commands.encode(f"sendmsg {uuid}" if uuid else "sendmsg", headers, body)
        return await self._require().command(data, f"sendmsg {uuid}", self.timeout)

    async def sendevent(self, name: str, headers: Iterable[tuple[str, str]] = (), body: str | None = None) -> str:
        """Fire an event on the node (``sendevent``); CUSTOM events name an ``Event-Subclass``."""
        data = commands.encode(f"sendevent {commands.check_line(name, 'event name')}", headers,
                               body.encode("utf-8", "surrogateescape") if body is not None else None)
        return await self._require().command(data, f"sendevent {name}", self.timeout)

    async def subscribe(self, *names: str, fmt: str | None = None) -> str:
        """``event plain|json|xml NAMES``; remembered and replayed after a reconnect."""
        subs = self.subscriptions
        if fmt is not None:
            subs.fmt = fmt
        subs.add(names)
        data = subs.event_command()
        if data is None:
            raise ValueError("subscribe() needs at least one event name")
        return await self._require().command(data, "event", self.timeout)

    async def _ensure_events(self, *names: str) -> None:
        missing = [n for n in names if not self.subscriptions.covers(n)]
        if missing:
            await self.subscribe(*missing)

    async def nixevent(self, *names: str) -> str:
        for name in names:
            if name in self.subscriptions.names and "ALL" not in self.subscriptions.names:
                self.subscriptions.names.remove(name)
            elif name not in self.subscriptions.nixed:
                self.subscriptions.nixed.append(name)
        return await self._require().command(commands.encode("nixevent " + " ".join(names)),
                                             "nixevent", self.timeout)

    async def noevents(self) -> str:
        self.subscriptions.names.clear()
        self.subscriptions.nixed.clear()
        return await self._require().command(commands.encode("noevents"), "noevents", self.timeout)

    async def filter(self, header: str, value: str) -> str:
        """``filter HEADER VALUE``; remembered and replayed after a reconnect."""
        reply = await self._require().command(commands.filter_add(header, value),
                                              f"filter {header}", self.timeout)
        self.subscriptions.filters.append((header, value))
        return reply

    async def filter_delete(self, header: str, value: str | None = None) -> str:
        reply = await self._require().command(commands.filter_delete(header, value),
                                              f"filter delete {header}", self.timeout)
        filters = self.subscriptions.filters
        if header == "all":
            filters.clear()
        else:
            filters[:] = [f for f in filters if not (f[0] == header and (value is None or f[1] == value))]
        return reply

    async def linger(self, seconds: int | None = None) -> str:
        line = "linger" if seconds is None else f"linger {int(seconds)}"
        return await self._require().command(commands.encode(line), "linger", self.timeout)

    async def nolinger(self) -> str:
        return await self._require().command(commands.encode("nolinger"), "nolinger", self.timeout)

    async def myevents(self, uuid: str, fmt: str | None = None) -> str:
        line = f"myevents {commands.check_line(uuid, 'uuid')}" + (f" {fmt}" if fmt else "")
        return await self._require().command(commands.encode(line), "myevents", self.timeout)

    async def exit(self) -> str:
        """``exit``: FreeSWITCH says goodbye and closes; the client does not reconnect."""
        conn = self._require()
        self._set_state(State.CLOSED)
        frame = await conn.send(commands.encode("exit"), "exit", self.timeout)
        return frame.reply_text
