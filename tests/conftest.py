"""Shared fixtures: the FreeSWITCH target of end-to-end tests.

By default every end-to-end test runs against switchy's emulator over real TCP. With
``SWITCHY_FS=host:port`` (and ``SWITCHY_FS_PASSWORD``) set, the same tests run against
a real FreeSWITCH prepared as in ``tests/esl/vectors/real/README.md`` (a park-only
context named ``switchy``, the loopback endpoint); tests whose subject only the
emulator has (fault injection, recorded commands) carry ``@pytest.mark.emulator_only``
and are not collected then.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from switchy.emulator import EmulatedCluster, EmulatedNode

REAL_FS = os.environ.get("SWITCHY_FS")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not REAL_FS:
        return
    deselected = [item for item in items if item.get_closest_marker("emulator_only")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("emulator_only")]


@dataclass
class Target:
    """Where an end-to-end test talks ESL: a real FreeSWITCH or an emulated node."""

    host: str
    port: int
    password: str
    node: EmulatedNode | None  # None on a real FreeSWITCH

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


def real_targets() -> list[Target]:
    password = os.environ.get("SWITCHY_FS_PASSWORD", "ClueCon")
    targets = []
    for item in (REAL_FS or "").split(","):
        host, _, port = item.strip().rpartition(":")
        targets.append(Target(host or item, int(port or 8021), password, None))
    return targets


@pytest.fixture
async def fs() -> AsyncIterator[Target]:
    """One FreeSWITCH node to talk to."""
    if REAL_FS:
        yield real_targets()[0]
        return
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]
        yield Target(node.host, node.port, node.password, node)


@pytest.fixture
async def cluster() -> AsyncIterator[EmulatedCluster]:
    """Three emulated nodes (emulator-only tests use it directly)."""
    async with EmulatedCluster(nodes=3, time_scale=0.01) as emulated:
        yield emulated
