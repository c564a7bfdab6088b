"""A bounded load run: many concurrent calls, none lost, nothing left behind."""

from __future__ import annotations

import asyncio
import gc

import pytest

from switchy.apps.routers import Router
from switchy.emulator import EmulatedCluster
from switchy.session import _RUNNING
from tests.support.service_cluster import serving

pytestmark = pytest.mark.emulator_only

CONCURRENT = 1500


async def test_many_concurrent_calls_none_lost_nothing_left_behind():
    router = Router()

    @router.route(".*")
    def answer(sess, match, router):
        sess.answer()

    async with EmulatedCluster(nodes=3, time_scale=0.01) as cluster, \
            serving(cluster, (router, {})) as service:
        calls = [await cluster.nodes[i % 3].place_call(f"1{i:06d}", wait=False) for i in range(CONCURRENT)]
        async with asyncio.timeout(120):
            while not all(call.answered for call in calls):
                await asyncio.sleep(0.05)
        assert len(service.sessions) == CONCURRENT  # all up at once
        for call in calls:
            call.remote_hangup()
        async with asyncio.timeout(120):
            while service.sessions or any(not c.destroyed for c in calls):
                await asyncio.sleep(0.05)
        gc.collect()
        assert [c.hangup_cause for c in calls] == ["NORMAL_CLEARING"] * CONCURRENT
        assert all(not node.calls for node in service.nodes)
        assert all(not node._park_timers for node in service.nodes)
        assert not _RUNNING
        assert sum(listener.lost_events for node in cluster.nodes for listener in node.listeners) == 0
        assert all(node.client.reconnects == 0 for node in service.nodes)
        assert router.stats["routed"] == CONCURRENT
