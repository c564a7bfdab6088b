"""A .swr dialplan served to an emulated cluster, and what each node received.

``MODE`` says how: ``inbound`` (a Service connected to every node) or ``outbound`` (an
OutboundService the nodes hand every call to with their ``socket`` application); the
same tests run in both."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from switchy import OutboundService, Service
from switchy.dialplan.runtime.app import DialplanApp
from switchy.dialplan.runtime.engine import RoutingOutcome
from switchy.emulator import Channel, EmulatedCluster, EmulatedNode

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MODE: contextvars.ContextVar[str] = contextvars.ContextVar("MODE", default="inbound")


def sent_to(node: EmulatedNode, uuid: str) -> list[str]:
    """The commands ``node`` received for channel ``uuid``, one readable line each
    (``UUID`` stands for the uuid): ``execute app arg``, ``hangup cause``, ``api ...``."""
    return [line.replace(uuid, "UUID") if line.startswith("api ") else line
            for line in node.commands_for(uuid)]


@dataclass
class Routed:
    """A call placed on one node: the channel, its node and how routing it ended."""

    channel: Channel
    node: EmulatedNode
    outcomes: list[RoutingOutcome] = field(default_factory=list)

    @property
    def sent(self) -> list[str]:
        return sent_to(self.node, self.channel.uuid)

    @property
    def outcome(self) -> RoutingOutcome:
        return self.outcomes[-1]


class Harness:
    def __init__(self, cluster: EmulatedCluster, app: DialplanApp) -> None:
        self.cluster = cluster
        self.app = app
        self.outcomes: dict[str, list[RoutingOutcome]] = defaultdict(list)
        self.changed = asyncio.Event()
        # what an originated leg runs to be routed: park (inbound) or the socket application
        self.park_app: tuple[str, str] = ("park", "")
        app.on_outcome = self._routed

    def _routed(self, sess: Any, outcome: RoutingOutcome) -> None:
        self.outcomes[sess.uuid].append(outcome)
        self.changed.set()

    async def routed(self, uuid: str, count: int = 1, timeout: float = 5.0) -> list[RoutingOutcome]:
        async with asyncio.timeout(timeout):
            while len(self.outcomes[uuid]) < count:
                self.changed.clear()
                await self.changed.wait()
        return self.outcomes[uuid]

    async def call(self, node: int, destination: str, *caller: str, routings: int = 1,
                   hangup: bool = False, **place: Any) -> Routed:
        """Place a call on ``cluster.nodes[node]`` and wait until it has been routed
        ``routings`` times (a transfer back into a parking context routes it again).

        A bridged call is routed until the bridge ends: with ``hangup`` the caller hangs
        up once it is bridged (or once routing ends)."""
        emulated = self.cluster.nodes[node]
        ch = await emulated.place_call(destination, *caller, **place)
        if hangup:
            async with asyncio.timeout(5):
                while len(self.outcomes[ch.uuid]) < routings and not \
                        (ch.peer is not None and any(b.cause is None for b in ch.bridges)):
                    self.changed.clear()
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(0.01):
                            await self.changed.wait()
            if not ch.ended:
                ch.remote_hangup("NORMAL_CLEARING")
                await ch.wait_hangup(timeout=5)
        await self.routed(ch.uuid, routings)
        return Routed(ch, emulated, self.outcomes[ch.uuid])


@contextlib.asynccontextmanager
async def serving(cluster: EmulatedCluster, *paths: str | Path, **app_options: Any) -> AsyncIterator[Harness]:
    """A Service on every node of ``cluster`` running the dialplan in ``paths``."""
    app = DialplanApp([EXAMPLES / p if not Path(p).is_absolute() else p for p in paths], **app_options)
    harness = Harness(cluster, app)
    if MODE.get() == "outbound":
        listener = OutboundService(("127.0.0.1", 0))
        listener.apps.load_app(app, app_id="default")
        await listener.start()
        for node in cluster.nodes:
            node.config.outbound = (listener.address,)
        harness.park_app = ("socket", f"{listener.address} async full")
        try:
            yield harness
        finally:
            for node in cluster.nodes:
                node.config.outbound = None
            await listener.stop(0)
        return
    service = Service(cluster.hosts, password=cluster.nodes[0].password)
    service.apps.load_app(app, app_id="default")
    await service.start(wait=5)
    try:
        yield harness
    finally:
        await service.stop()
