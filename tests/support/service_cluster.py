"""Running a Service against an emulated cluster and reading what each node received."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from switchy import Service
from switchy.emulator import EmulatedCluster, EmulatedNode


@contextlib.asynccontextmanager
async def serving(cluster: EmulatedCluster, *apps: tuple[Any, dict[str, Any]],
                  **options: Any) -> AsyncIterator[Service]:
    """A Service connected to every node of ``cluster`` with ``apps`` loaded."""
    service = Service(cluster.hosts, password=cluster.nodes[0].password, **options)
    for app, load in apps:
        service.apps.load_app(app, **load)
    await service.start(wait=5)
    try:
        yield service
    finally:
        await service.stop()


def sent_to(node: EmulatedNode, uuid: str) -> list[str]:
    """The commands ``node`` received for channel ``uuid``, one readable line each."""
    return node.commands_for(uuid)
