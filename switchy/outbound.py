"""OutboundService: the apps of one switchy process, run on calls FreeSWITCH hands over.

Outbound mode turns the connection around: an extension of the node's XML dialplan runs
``<action application="socket" data="10.0.0.5:8084 async full"/>``, FreeSWITCH connects
to this process, one TCP connection per call, and switchy routes that call over it. The
same apps run as in inbound mode (``Service``), with the same sessions, park timeout and
callbacks: each connection is handled by a ``node.Node`` whose link is the call's
connection. Routing starts from the channel data ``connect`` returns, which is the
moment FreeSWITCH parks the call in the socket application.

The process keeps nothing another process needs, so any number of them can serve the
same nodes behind FreeSWITCH's own failover (one ``socket`` action per controller, each
tried when the one before it cannot be reached) or an HAProxy TCP frontend. A call no
loaded app is responsible for is given back with ``exit``: the socket application
returns and the extension goes on with its next action.

``stop()`` is graceful: the listening socket closes first (FreeSWITCH and HAProxy turn
to the other controllers), the calls in hand go on until they end or ``drain_timeout``
passes, then the process lets go of what is left.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from .apps import AppManager
from .esl import ESLError, Event, OutboundConnection, OutboundServer
from .esl.client import State
from .esl.outbound import DEFAULT_OUTBOUND_PORT, MYEVENTS
from .hosts import parse_listen
from .metrics import Metrics, metrics_for, outbound_families
from .node import Node, ParkPolicy
from .session import Session
from .signals import run_until_signalled

log = logging.getLogger("switchy.outbound")

DEFAULT_LINGER = 5  # seconds FreeSWITCH keeps the socket after the hangup (we close first)


def parked_event(channel_data: bytes) -> Event:
    """The ``connect`` reply (its raw header block) as the CHANNEL_PARK the apps route on;
    decoded lazily, like any event."""
    name, _, rest = channel_data.partition(b"\n")
    if not name.startswith(b"Event-Name:"):
        rest = channel_data
    return Event.from_plain(b"Event-Name: CHANNEL_PARK\n" + rest + b"\n\n")


class CallLink:
    """What the Node of one outbound call sees of its connection.

    Routing starts from the channel data of ``connect``; the socket application then
    parks the channel once, and that CHANNEL_PARK is not passed on. A call that leaves
    the socket application (a transfer, say: CHANNEL_EXECUTE_COMPLETE of ``socket``) is
    no longer this connection's to route: the extension it goes on in decides (another
    ``socket`` action hands it to a controller again), so later parks are not passed on
    either, and the connection is done.
    """

    def __init__(self, conn: OutboundConnection) -> None:
        self.conn = conn
        self.name = conn.name
        self.finished = asyncio.Event()  # hung up, or out of the socket application
        self._handlers: list[Callable[[Event], Any]] = []
        conn.add_handler("*", self._event)

    @property
    def state(self) -> State:
        return self.conn.state

    @property
    def connected(self) -> bool:
        return self.conn.connected

    def add_handler(self, name: str, handler: Callable[[Event], Any]) -> None:
        self._handlers.append(handler)

    def on_connected(self, listener: Callable[[], Any]) -> None:
        """An outbound call's connection is made once."""

    def on_state(self, listener: Callable[[State], Any]) -> None:
        """An outbound call's connection never reconnects: nothing to tell the node."""

    def _event(self, event: Event) -> None:
        name = event.name
        if name == "CHANNEL_PARK" or self.finished.is_set():
            return
        for handler in self._handlers:
            handler(event)
        if event.uuid != self.conn.uuid:
            return
        if name == "CHANNEL_HANGUP_COMPLETE" or (name == "CHANNEL_EXECUTE_COMPLETE" and not self.conn.channel_gone
                                                 and event.peek("Application") == "socket"):
            self.finished.set()

    async def api(self, command: str) -> str:
        return await self.conn.api(command)

    async def execute(self, uuid: str, app: str, arg: str = "", *, event_lock: bool = True,
                      loops: int = 1) -> Any:
        return await self.conn.execute(uuid, app, arg, event_lock=event_lock, loops=loops)

    async def close(self) -> None:
        await self.conn.exit()


class OutboundService:
    """Run apps on the calls FreeSWITCH's socket application connects to us.

    ``listen`` is ``'HOST:PORT'`` or ``(host, port)`` (port 0 picks a free one). Apps load
    as on a ``Service``: ``service.apps.load_app(router, app_id='default')``. ``metrics``
    as on a ``Service`` (``/healthz`` is 200 while the listener is up).
    """

    def __init__(
        self,
        listen: Any = ("127.0.0.1", DEFAULT_OUTBOUND_PORT),
        *,
        timeout: float = 5.0,
        park_timeout: float | None = 30.0,
        park_timeout_cause: str = "NORMAL_TEMPORARY_FAILURE",
        max_parks: int | None = 20,
        linger: int = DEFAULT_LINGER,
        drain_timeout: float | None = None,
        metrics: Metrics | str | None = None,
    ) -> None:
        host, port = parse_listen(listen, DEFAULT_OUTBOUND_PORT)
        self.apps = AppManager(on_change=self._apps_changed)
        self.park_policy = ParkPolicy(timeout=park_timeout, cause=park_timeout_cause,
                                      max_parks=max_parks)
        self.linger = linger
        self.drain_timeout = drain_timeout
        self.server = OutboundServer(self._call, host, port, timeout=timeout)
        self.calls: dict[OutboundConnection, Node] = {}
        self.stats = {"calls": 0, "given_back": 0, "failed": 0}
        self._stopped: asyncio.Event | None = None
        self._stopping = False
        self.metrics, self.metrics_server = metrics_for(metrics, lambda: self.healthy)
        if self.metrics is not None:
            self.metrics.watch(lambda: outbound_families(self))
            self.metrics.watch_apps(self.apps)

    def _apps_changed(self) -> None:
        if getattr(self, "metrics", None) is not None:
            self.metrics.attach(self.apps.all())  # type: ignore[union-attr]

    @property
    def healthy(self) -> bool:
        """Serving: the listener accepts FreeSWITCH's connections."""
        return self.server.listening and not self._stopping

    def __repr__(self) -> str:
        return f"<OutboundService {self.server.address} calls={len(self.calls)} apps={self.apps.app_ids}>"

    @property
    def address(self) -> str:
        """``host:port`` the service listens on (the real port once started)."""
        return self.server.address

    @property
    def listening(self) -> bool:
        return self.server.listening

    @property
    def sessions(self) -> dict[str, Session]:
        """The session of every call in hand, by uuid."""
        return {uuid: s for node in self.calls.values() for uuid, s in node.sessions.items()}

    def event_names(self) -> list[str]:
        """Events the apps want beyond what ``myevents`` brings."""
        return sorted(self.apps.event_names() - MYEVENTS)

    # -- one call -----------------------------------------------------------------------

    async def _call(self, conn: OutboundConnection) -> None:
        if self._stopping:  # accepted in the instant before the socket closed
            await conn.exit()
            return
        try:
            await conn.start(linger=self.linger, events=self.event_names())
        except (ESLError, OSError) as exc:
            self.stats["failed"] += 1
            log.warning("%s: could not take the call: %s", conn.name, exc)
            return
        link = CallLink(conn)
        node = Node(link, self.apps, self.park_policy)  # type: ignore[arg-type]
        node.metrics = self.metrics
        self.calls[conn] = node
        self.stats["calls"] += 1
        try:
            node.on_event(parked_event(conn.channel_data))
            session = node.sessions.get(conn.uuid or "")
            if session is None or session.app_id is None:
                self.stats["given_back"] += 1
                log.info("%s: no app handles call %s; giving it back to the dialplan",
                         conn.name, conn.uuid)
                await conn.exit()
                return
            closed = asyncio.ensure_future(conn.wait_closed())
            finished = asyncio.ensure_future(link.finished.wait())
            try:
                await asyncio.wait([closed, finished], return_when=asyncio.FIRST_COMPLETED)
            finally:
                closed.cancel()
                finished.cancel()
            # the route may still send a last command (a hangup of the gone call): let it
            await node.settle(self.server.timeout)
        finally:
            self.calls.pop(conn, None)
            await node.stop()

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Listen for FreeSWITCH's connections."""
        self._stopped = asyncio.Event()
        self._stopping = False
        await self.server.start()
        log.info("listening for FreeSWITCH's socket application on %s", self.server.address)
        if self.metrics_server is not None and self.metrics_server._server is None:
            self.metrics_server.start()

    async def stop(self, drain_timeout: float | None = ...) -> int:  # type: ignore[assignment]
        """Stop accepting, let the calls in hand finish (at most ``drain_timeout`` s,
        None: as long as they last), then close what is left; how many calls were cut."""
        timeout = self.drain_timeout if drain_timeout is ... else drain_timeout
        self._stopping = True
        await self.server.stop_accepting()
        left = await self.server.drain(timeout)
        if left:
            log.warning("%d call(s) still up after %s s; letting go of them (the socket "
                        "application returns and their extensions go on)", left, timeout)
        await self.server.close()
        if self.metrics_server is not None:
            self.metrics_server.stop()
        if self._stopped is not None:
            self._stopped.set()
        return left

    async def serve(self) -> None:
        """Start, then serve until ``stop()`` is called (the async twin of ``run()``)."""
        if not self.server.listening:
            await self.start()
        assert self._stopped is not None
        await self._stopped.wait()

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM, then stop gracefully; blocks."""
        run_until_signalled(self.serve, self.stop)

    async def __aenter__(self) -> OutboundService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop(0)
