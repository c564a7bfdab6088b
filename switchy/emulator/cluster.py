"""Several emulated nodes started and stopped together: a FreeSWITCH cluster."""

from __future__ import annotations

import asyncio
from typing import Any

from .channel import Channel
from .node import EmulatedNode


class EmulatedCluster:
    """``nodes`` FreeSWITCH nodes on ``host``; ports ``port``…``port+N-1``, or ephemeral
    ports when ``port`` is 0. Node options (``time_scale``, ``contexts``…) apply to all."""

    def __init__(self, nodes: int = 3, *, password: str = "ClueCon", host: str = "127.0.0.1",
                 port: int = 0, **options: Any) -> None:
        self.nodes = [
            EmulatedNode(f"fs{i + 1}", host=host, port=port + i if port else 0,
                         password=password, **options)
            for i in range(nodes)
        ]

    def __repr__(self) -> str:
        return f"<EmulatedCluster {', '.join(f'{n.host}:{n.port}' for n in self.nodes)}>"

    def __getitem__(self, index: int) -> EmulatedNode:
        return self.nodes[index]

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def hosts(self) -> list[str]:
        """``host:port`` of every node, as switchy's Service takes them."""
        return [f"{node.host}:{node.port}" for node in self.nodes]

    @property
    def calls(self) -> list[Channel]:
        return [ch for node in self.nodes for ch in node.calls]

    @property
    def channels(self) -> list[Channel]:
        return [ch for node in self.nodes for ch in node.channels.values()]

    def find(self, uuid: str) -> Channel | None:
        for node in self.nodes:
            ch = node.channels.get(uuid)
            if ch is not None:
                return ch
        for ch in self.calls:
            if ch.uuid == uuid:
                return ch
        return None

    def node_of(self, uuid: str) -> EmulatedNode | None:
        ch = self.find(uuid)
        return ch.node if ch is not None else None

    async def start(self) -> None:
        started: list[EmulatedNode] = []
        try:
            for node in self.nodes:
                await node.start()
                started.append(node)
        except BaseException:
            await asyncio.gather(*(n.stop() for n in started), return_exceptions=True)
            raise

    async def stop(self) -> None:
        await asyncio.gather(*(node.stop() for node in self.nodes), return_exceptions=True)

    async def __aenter__(self) -> EmulatedCluster:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
