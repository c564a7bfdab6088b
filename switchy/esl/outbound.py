"""The outbound Event Socket: FreeSWITCH's ``socket`` application connects to us.

``<action application="socket" data="10.0.0.5:8084 async full"/>`` makes FreeSWITCH open
one TCP connection per call to a listening controller. The controller speaks first:
``connect`` is answered by one header-only frame holding the channel's data (every
variable) and ``Socket-Mode``/``Control``; ``myevents`` then subscribes to that channel's
events, ``linger`` asks for the events that follow the hangup, and ``sendmsg`` without a
uuid controls the channel. When the call ends FreeSWITCH sends a ``linger``
disconnect notice, the last events, then the final notice, and closes.

``OutboundServer`` accepts the connections and hands each, as an ``OutboundConnection``,
to a handler coroutine. The framing, reply matching and executions are those of
``connection.ESLConnection``, exactly as on an inbound connection; this module adds only
the outbound conversation. An ``OutboundConnection`` offers the commands a ``Session``
sends (``api``, ``execute``), so the code that drives a call does not know which mode
it runs in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from . import commands
from .client import State
from .connection import ESLConnection, Execution
from .errors import ConnectionLost, ESLError, ProtocolError
from .events import Event
from .frames import Frame

log = logging.getLogger("switchy.esl")

DEFAULT_OUTBOUND_PORT = 8084  # the socket application's default port
# The events ``myevents`` subscribes to on FreeSWITCH (mod_event_socket.c).
MYEVENTS = frozenset({
    "CHANNEL_ANSWER", "CHANNEL_APPLICATION", "CHANNEL_BRIDGE", "CHANNEL_CREATE", "CHANNEL_DATA",
    "CHANNEL_DESTROY", "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP",
    "CHANNEL_HANGUP_COMPLETE", "CHANNEL_ORIGINATE", "CHANNEL_UUID", "CHANNEL_OUTGOING",
    "CHANNEL_PARK", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA", "CHANNEL_STATE",
    "CHANNEL_UNBRIDGE", "CHANNEL_UNPARK", "DETECTED_SPEECH", "DTMF", "NOTALK", "TALK",
})


class _Protocol(ESLConnection):
    """The ESL conversation of one outbound connection; tells its owner it is open."""

    def __init__(self, owner: OutboundConnection, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.owner = owner

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.owner._made(transport)


class OutboundConnection:
    """One call that FreeSWITCH's socket application handed over, and its connection.

    ``channel`` is the ``connect`` reply (the channel's data, an ``Event`` named
    CHANNEL_DATA) once ``connect()`` ran; ``hung_up`` is set by the disconnect notice
    FreeSWITCH sends when the call ends. Events of the channel go to the handlers added
    with ``add_handler`` (``'*'`` for all).
    """

    def __init__(self, server: OutboundServer | None = None, *, timeout: float = 5.0) -> None:
        self.server = server
        self.timeout = timeout
        self.peer = ("", 0)
        self.name = "outbound"
        self.channel: Event | None = None
        self.channel_data = b""  # the ``connect`` reply's header block, as received
        self.uuid: str | None = None
        self.state = State.CONNECTING
        self.hung_up = asyncio.Event()  # the call ended (linger or disconnect notice)
        self.lingering = False
        self.channel_gone = False  # the channel hung up (its connection may linger)
        self.dropped_events = 0  # kept for the InboundClient interface: nothing is queued
        self.reconnects = 0
        self._handlers: dict[str, list[Callable[[Event], Any]]] = {}
        self.protocol = _Protocol(self, name=self.name, on_event=self._dispatch,
                                  on_lost=self._lost, on_frame=self._frame)
        self.closed = self.protocol.closed

    def __repr__(self) -> str:
        return f"<OutboundConnection {self.peer[0]}:{self.peer[1]} {self.uuid or '-'} {self.state.value}>"

    # -- the connection -----------------------------------------------------------------

    def _made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername") or ("", 0)
        self.peer = (str(peer[0]), int(peer[1]))
        self.name = self.protocol.name = f"{self.peer[0]}:{self.peer[1]}"
        self.state = State.CONNECTED
        if self.server is not None:
            self.server._accepted(self)

    def _lost(self, exc: BaseException | None) -> None:
        self.state = State.CLOSED
        self.hung_up.set()
        self.protocol.fail_pending(ConnectionLost(f"{self.name}: the outbound connection closed"))

    def _frame(self, frame: Frame) -> None:
        if frame.content_type == "text/disconnect-notice":
            self.lingering = frame.headers.get("Content-Disposition") == "linger"
            self.hung_up.set()

    @property
    def connected(self) -> bool:
        return self.state is State.CONNECTED and self.protocol.connected

    @property
    def connection(self) -> ESLConnection:
        return self.protocol

    # -- events (the part of InboundClient's interface a Node uses) ----------------------

    def add_handler(self, name: str, handler: Callable[[Event], Any]) -> None:
        """Call ``handler(event)`` for each event named ``name`` (``*`` for all)."""
        self._handlers.setdefault(name, []).append(handler)

    def on_connected(self, listener: Callable[[], Any]) -> None:
        """An outbound connection never reconnects: nothing to call back."""

    def _dispatch(self, event: Event) -> None:
        name = event.name
        if (name == "CHANNEL_HANGUP" or name == "CHANNEL_HANGUP_COMPLETE") and self.uuid is not None \
                and event.uuid == self.uuid:
            self.channel_gone = True  # what is sent now is queued and never runs
            if name == "CHANNEL_HANGUP_COMPLETE":  # the connection closes before CHANNEL_DESTROY
                self.protocol.fail_executions(self.uuid, f"channel {self.uuid} hung up first")
        for key in (event.name, "*"):
            for handler in self._handlers.get(key, ()):
                try:
                    handler(event)
                except Exception:
                    log.exception("%s: event handler %r failed on %s", self.name, handler, event.name)

    # -- the outbound conversation ------------------------------------------------------

    async def connect(self) -> Event:
        """``connect``: the channel's data, as FreeSWITCH answers it (CHANNEL_DATA)."""
        frame = await self.protocol.send(commands.encode("connect"), "connect", self.timeout)
        if frame.content_type != "command/reply" or not frame.reply_text.startswith("+OK"):
            raise ProtocolError(f"{self.name}: 'connect' answered with "
                                f"{frame.reply_text or frame.content_type!r}, not channel data")
        self.channel_data = frame.raw_headers
        channel = Event.from_plain(frame.raw_headers + b"\n\n")
        uuid = channel.peek("Unique-ID") or channel.peek("Channel-Unique-ID")
        if not uuid:
            raise ProtocolError(f"{self.name}: the channel data of 'connect' names no Unique-ID")
        self.channel = channel
        self.uuid = uuid
        host = channel.peek("FreeSWITCH-Hostname")
        if host:
            self.name = self.protocol.name = host
        return channel

    async def myevents(self, fmt: str | None = None) -> str:
        """Subscribe to the events of this connection's channel."""
        line = "myevents" + (f" {commands.check_line(fmt, 'format')}" if fmt else "")
        return await self.protocol.command(commands.encode(line), "myevents", self.timeout)

    async def linger(self, seconds: int | None = None) -> str:
        """Keep the connection that many seconds after the hangup (events still come)."""
        line = "linger" if seconds is None else f"linger {int(seconds)}"
        return await self.protocol.command(commands.encode(line), "linger", self.timeout)

    async def subscribe(self, *names: str, fmt: str = "plain") -> str:
        """``event plain NAMES``: more of this channel's events than ``myevents`` gives."""
        return await self.protocol.command(commands.event(names, fmt), "event", self.timeout)

    async def start(self, *, linger: int | None = None, events: Iterable[str] = ()) -> Event:
        """``connect``, ``myevents``, ``linger`` and ``event`` for ``events`` beyond
        myevents', written at once (FreeSWITCH answers in order): one round trip."""
        extra = sorted(set(events) - MYEVENTS)
        steps: list[Awaitable[Any]] = [self.connect(), self.myevents()]
        if linger is not None:
            steps.append(self.linger(linger))
        if extra:
            steps.append(self.subscribe(*extra))
        results = await asyncio.gather(*steps)
        return results[0]

    async def getvar(self, name: str) -> str | None:
        """A channel variable (None when unset: FreeSWITCH answers ``-ERR``)."""
        frame = await self.protocol.send(commands.encode(f"getvar {commands.check_line(name, 'name')}"),
                                         f"getvar {name}", self.timeout)
        reply = frame.reply_text
        return None if reply.startswith("-ERR") else reply

    # -- commands (what a Session sends) -------------------------------------------------

    async def api(self, command: str, *, timeout: float | None = ...) -> str:  # type: ignore[assignment]
        """Run an api command on the node that carries this call."""
        return await self.protocol.api(command, self.timeout if timeout is ... else timeout)

    async def execute(self, uuid: str, app: str, arg: str = "", *, event_lock: bool = True,
                      loops: int = 1, timeout: float | None = ...) -> Execution:  # type: ignore[assignment]
        """``sendmsg`` execute: without a uuid for this connection's own channel."""
        own = not uuid or uuid == self.uuid
        execution = await self.protocol.execute(self.uuid or uuid if own else uuid, app, arg,
                                                event_lock=event_lock, loops=loops, bound=own,
                                                timeout=self.timeout if timeout is ... else timeout)
        if own and self.channel_gone:  # FreeSWITCH queued it ("+OK") on a hung-up channel
            self.protocol.fail_executions(execution.channel, f"channel {execution.channel} had hung up")
        return execution

    async def hangup(self, cause: str = "NORMAL_CLEARING") -> str:
        """``sendmsg`` call-command hangup for this connection's channel."""
        return await self.protocol.command(commands.sendmsg_hangup("", cause), "sendmsg hangup",
                                           self.timeout)

    async def exit(self) -> None:
        """``exit``: FreeSWITCH says goodbye and closes; the channel leaves our control."""
        if self.connected:
            with contextlib.suppress(ESLError):
                await self.protocol.send(commands.encode("exit"), "exit", min(self.timeout, 1.0))
        self.close()

    def close(self) -> None:
        self.state = State.CLOSED
        self.protocol.close()

    async def wait_closed(self) -> None:
        await asyncio.shield(self.closed)


Handler = Callable[[OutboundConnection], Awaitable[Any]]


class OutboundServer:
    """Listen for FreeSWITCH's socket application; run ``handler(connection)`` for each call.

    ``stop_accepting()`` closes the listening socket (FreeSWITCH's next ``socket`` action,
    or HAProxy, then picks another controller) while the calls in hand go on;
    ``drain(timeout)`` waits for their handlers; ``close()`` ends what is left.
    """

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = DEFAULT_OUTBOUND_PORT, *,
                 timeout: float = 5.0) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self.timeout = timeout
        self.connections: set[OutboundConnection] = set()
        self.accepted = 0
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    def __repr__(self) -> str:
        return f"<OutboundServer {self.host}:{self.port} calls={len(self.connections)}>"

    @property
    def listening(self) -> bool:
        return self._server is not None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    async def start(self) -> None:
        """Listen (``port`` 0 picks a free one, read back into ``port``)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._protocol, self.host, self.port,
                                                reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    def _protocol(self) -> _Protocol:
        return OutboundConnection(self, timeout=self.timeout).protocol

    def _accepted(self, conn: OutboundConnection) -> None:
        self.accepted += 1
        self.connections.add(conn)
        self._idle.clear()
        task = asyncio.get_running_loop().create_task(self._run(conn), name=f"outbound-{conn.name}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, conn: OutboundConnection) -> None:
        try:
            await self.handler(conn)
        except asyncio.CancelledError:
            raise
        except ESLError as exc:
            log.warning("%s: %s", conn.name, exc)
        except Exception:
            log.exception("%s: the outbound call handler failed", conn.name)
        finally:
            conn.close()
            self.connections.discard(conn)
            if not self.connections:
                self._idle.set()

    async def stop_accepting(self) -> None:
        """Close the listening socket; connections already accepted go on."""
        server, self._server = self._server, None
        if server is not None:
            server.close()

    async def drain(self, timeout: float | None = None) -> int:
        """Wait (at most ``timeout`` s) until every accepted call is over; how many are left."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self._idle.wait()
        return len(self.connections)

    async def close(self) -> None:
        """Stop accepting, close every connection and wait for the handlers to finish."""
        await self.stop_accepting()
        for conn in list(self.connections):
            conn.close()
        tasks = list(self._tasks)
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=self.timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)

    async def __aenter__(self) -> OutboundServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


