"""Fixtures of the emulator's own tests: a fast node and a client connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from switchy.emulator import EmulatedNode
from switchy.esl import InboundClient


@pytest.fixture
async def node() -> AsyncIterator[EmulatedNode]:
    """One emulated node, media 100x faster than real time."""
    async with EmulatedNode("fs1", time_scale=0.01) as emulated:
        yield emulated
        assert emulated.errors == []  # the emulator never failed internally


@pytest.fixture
async def client(node: EmulatedNode) -> AsyncIterator[InboundClient]:
    async with InboundClient(node.host, node.port, node.password, reconnect=False) as connected:
        yield connected
