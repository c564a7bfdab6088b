"""Service: the apps of one switchy process, run against every node of a cluster.

One ESL connection per FreeSWITCH node; every node's events reach the loaded apps; a
call is always controlled through the node that carries it. Nodes that are down at
start are retried in the background while the others already work.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Iterable
from typing import Any

from .apps import AppManager
from .claims import EVENTS as CLAIM_EVENTS
from .claims import ClaimPolicy
from .esl import ESLError, InboundClient
from .hosts import parse_host, resolve_password
from .metrics import Metrics, metrics_for
from .node import Node, ParkPolicy
from .signals import run_until_signalled

log = logging.getLogger("switchy.service")

# Events every Service needs to keep its sessions right, whatever the apps want.
STANDARD_EVENTS = (
    "CHANNEL_CREATE", "CHANNEL_ANSWER", "CHANNEL_PARK", "CHANNEL_UNPARK", "CHANNEL_BRIDGE",
    "CHANNEL_UNBRIDGE", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY",
    "CHANNEL_EXECUTE_COMPLETE", "BACKGROUND_JOB",
)


class Service:
    """Run apps against a FreeSWITCH cluster.

    ``hosts`` items may be ``'fs1'``, ``'fs1:8022'`` or ``('fs1', 8022[, password])``.
    The password defaults to ``$SWITCHY_PASSWORD``, ``password_file`` or FreeSWITCH's
    ``ClueCon``; it is never logged.

    ``claims`` (True, or a ``ClaimPolicy`` with a controller id and heartbeat timing) lets
    several processes serve the same nodes: each parked call is routed by the one that
    claims it in the node's mod_hash, and the others take over the calls of one that
    dies (see ``switchy.claims``).

    ``metrics`` (``'HOST:PORT'``) serves Prometheus metrics on ``/metrics`` and a health
    check on ``/healthz`` while the service runs; a ``metrics.Metrics`` collects them
    without serving them.
    """

    def __init__(
        self,
        hosts: Iterable[Any],
        port: int = 8021,
        password: str | None = None,
        *,
        password_file: str | os.PathLike[str] | None = None,
        timeout: float = 5.0,
        park_timeout: float | None = 30.0,
        park_timeout_cause: str = "NORMAL_TEMPORARY_FAILURE",
        max_parks: int | None = 20,
        reconnect: bool = True,
        event_format: str = "plain",
        claims: ClaimPolicy | bool | None = None,
        metrics: Metrics | str | None = None,
    ) -> None:
        if isinstance(hosts, (str, tuple)):
            hosts = [hosts]
        specs = [parse_host(h, port) for h in hosts]
        if not specs:
            raise ValueError("Service needs at least one FreeSWITCH host")
        default_password = resolve_password(password, password_file)
        self.apps = AppManager(on_change=self._apps_changed)
        self.park_policy = ParkPolicy(timeout=park_timeout, cause=park_timeout_cause,
                                      max_parks=max_parks)
        self.event_format = event_format
        self.claim_policy = ClaimPolicy() if claims is True else claims or None
        self.nodes: list[Node] = []
        roster: set[str] = set()  # the other controllers, as any node showed them
        for spec in specs:
            client = InboundClient(spec.host, spec.port, spec.password or default_password,
                                   timeout=timeout, reconnect=reconnect, event_queue_size=0)
            client.subscriptions.fmt = event_format
            self.nodes.append(Node(client, self.apps, self.park_policy, self.claim_policy, roster))
        self.metrics, self.metrics_server = metrics_for(metrics, lambda: self.healthy)
        if self.metrics is not None:
            for node in self.nodes:
                node.metrics = self.metrics
            self.metrics.watch_nodes(self.nodes)
            self.metrics.watch_apps(self.apps)
        self._stopped: asyncio.Event | None = None
        self._started = False

    @property
    def park_timeout(self) -> float | None:
        return self.park_policy.timeout

    @property
    def park_timeout_cause(self) -> str:
        return self.park_policy.cause

    @property
    def max_parks(self) -> int | None:
        return self.park_policy.max_parks

    def __repr__(self) -> str:
        return f"<Service nodes={[n.name for n in self.nodes]} apps={self.apps.app_ids}>"

    # -- subscriptions ------------------------------------------------------------------

    def event_names(self) -> list[str]:
        """The events to subscribe to: the standard set plus what the apps want."""
        names = list(STANDARD_EVENTS)
        if self.claim_policy is not None:
            names += CLAIM_EVENTS
        for name in sorted(self.apps.event_names()):
            if name not in names:
                names.append(name)
        return names

    @property
    def healthy(self) -> bool:
        """Serving calls: at least one node connected."""
        return self._started and any(node.client.connected for node in self.nodes)

    def _apps_changed(self) -> None:
        if self.metrics is not None:
            self.metrics.attach(self.apps.all())
        names = self.event_names()
        for node in self.nodes:
            node.client.subscriptions.add(names)
            if self._started and node.client.connected:
                task = asyncio.get_running_loop().create_task(node.client.subscribe(*names))
                node._tasks.add(task)
                task.add_done_callback(node._tasks.discard)

    # -- life cycle -----------------------------------------------------------------------

    async def start(self, *, wait: float | None = None) -> None:
        """Connect to every node in the background; with ``wait``, wait up to that many
        seconds for all of them (nodes still down keep being retried)."""
        self._stopped = asyncio.Event()
        names = self.event_names()
        for node in self.nodes:
            node.client.subscriptions.add(names)
            node.client.start()
        self._started = True
        if self.metrics_server is not None and self.metrics_server._server is None:
            self.metrics_server.start()
        if wait:
            try:
                async with asyncio.timeout(wait):
                    await asyncio.gather(*(n.client.wait_connected() for n in self.nodes))
            except TimeoutError:
                down = [n.name for n in self.nodes if not n.client.connected]
                log.warning("still connecting to %s after %g s; retrying in the background",
                            ", ".join(down), wait)

    async def connect_once(self) -> dict[Node, BaseException | None]:
        """Try every node once, at the same time; what went wrong with each (None: up).

        A command-line tool calls this before ``start()`` to fail fast on a wrong
        password or a cluster that is entirely unreachable; ``start()`` then keeps
        retrying the nodes that are down.
        """
        names = self.event_names()
        for node in self.nodes:
            node.client.subscriptions.add(names)

        async def attempt(node: Node) -> BaseException | None:
            try:
                await node.client.connect()
            except (ESLError, OSError) as exc:
                return exc
            return None

        results = await asyncio.gather(*(attempt(node) for node in self.nodes))
        return dict(zip(self.nodes, results, strict=True))

    @property
    def controller_id(self) -> str | None:
        """This process's id in the nodes' claims (None without claims)."""
        return self.claim_policy.controller_id if self.claim_policy is not None else None

    async def stop(self, drain_timeout: float | None = 0) -> None:
        """Stop serving: take no new call, let the routing in progress finish (at most
        ``drain_timeout`` s; None: however long it takes), then disconnect."""
        if drain_timeout != 0:
            for node in self.nodes:
                if node.claims is not None:
                    node.claims.closing = True  # the other controllers claim the new calls
            tasks = [t for node in self.nodes for t in node._tasks if not t.done()]
            if tasks:
                await asyncio.wait(tasks, timeout=drain_timeout)
        await asyncio.gather(*(node.stop() for node in self.nodes), return_exceptions=True)
        self._started = False
        if self.metrics_server is not None:
            self.metrics_server.stop()
        if self._stopped is not None:
            self._stopped.set()

    async def serve(self) -> None:
        """Start, then serve until ``stop()`` is called (the async twin of ``run()``)."""
        if not self._started:
            await self.start()
        assert self._stopped is not None
        await self._stopped.wait()

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM; blocks."""
        run_until_signalled(self.serve, self.stop)

    async def __aenter__(self) -> Service:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- looking around ---------------------------------------------------------------------

    @property
    def sessions(self) -> dict[str, Any]:
        """Every live session of every node, by uuid."""
        return {uuid: s for node in self.nodes for uuid, s in node.sessions.items()}

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(f"no node named {name!r}")

