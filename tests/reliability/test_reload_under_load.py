"""Reloading a dialplan while calls keep coming: errors keep the old graph, no call lost."""

from __future__ import annotations

import asyncio

import pytest

from switchy.dialplan.runtime.app import DialplanApp
from switchy.emulator import EmulatedCluster
from tests.support.service_cluster import serving

pytestmark = pytest.mark.emulator_only

VERSION_1 = 'route all ".*" { respond(486) }\n'
VERSION_BROKEN = 'route all ".*" { respond(486 }\n'
VERSION_2 = 'route all ".*" { respond(603) }\n'
CAUSES = {486: "USER_BUSY", 603: "CALL_REJECTED"}


async def test_reloads_under_load(tmp_path):
    path = tmp_path / "plan.swr"
    path.write_text(VERSION_1)
    builds = []
    app = DialplanApp([path], on_reload=builds.append)
    async with EmulatedCluster(nodes=3, time_scale=0.01) as cluster, serving(cluster, (app, {})):
        calls = []

        async def offer(count: int) -> None:
            for i in range(count):
                calls.append(await cluster.nodes[i % 3].place_call(f"{len(calls):04d}", wait=False))
                await asyncio.sleep(0)

        await offer(100)
        path.write_text(VERSION_BROKEN)
        assert app.reload() is not None and not builds[-1].ok  # refused, with diagnostics
        assert any("expected" in d.message or "missing" in d.message for d in builds[-1].diagnostics)
        await offer(100)
        # a call takes the graph current when switchy sees it park: let these be routed
        async with asyncio.timeout(60):
            while not all(call.responded for call in calls):
                await asyncio.sleep(0.01)
        await offer(50)  # in flight while version 2 comes in: either version may route them
        path.write_text(VERSION_2)
        assert app.reload().ok
        after = len(calls)
        await offer(100)
        async with asyncio.timeout(60):
            while not all(call.ended for call in calls):
                await asyncio.sleep(0.05)
        codes = [call.responded for call in calls]
        assert None not in codes, "every call was routed by one version or the other"
        assert set(codes[after:]) == {603}  # calls arriving after the reload use version 2
        assert set(codes[:200]) == {486}  # the broken version never replaced version 1
        assert set(codes[200:after]) <= {486, 603}
        assert [call.hangup_cause for call in calls] == [CAUSES[c] for c in codes]
