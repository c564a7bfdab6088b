"""A node that died and came back: switchy reconciles with what the node really has
(issue 12, part 4). Calls that ended while switchy could not see them are let go, with
their route tasks, counted and listed; odd listings never stop the recovery."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from switchy.apps.routers import Router
from switchy.emulator import api_commands
from tests.support.service_cluster import serving

pytestmark = pytest.mark.emulator_only


async def until(predicate, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def sleeping_router(finished: list[str]) -> Router:
    """Each call's route waits on a very long application, as a real IVR would."""
    router = Router()

    @router.route(".*")
    async def wait_long(sess, match, router):
        try:
            await sess.execute("sleep", "100000000")
        finally:
            finished.append(sess.uuid)

    return router


async def test_calls_that_ended_while_disconnected_are_let_go_counted_and_listed(cluster, caplog):
    caplog.set_level(logging.INFO, logger="switchy.node")
    finished: list[str] = []
    async with serving(cluster, (sleeping_router(finished), {})) as service:
        node, emulated = service.nodes[1], cluster.nodes[1]
        doomed = [await emulated.place_call(f"10{n}") for n in range(3)]
        survivor = await emulated.place_call("200")
        await until(lambda: all(any("sleep" in c for c in emulated.commands_for(ch.uuid))
                                for ch in [*doomed, survivor]))
        emulated.faults.drop_connections()
        await emulated.pause()
        for ch in doomed:  # these calls end while switchy cannot see the node
            ch.hangup("NORMAL_CLEARING")
        await until(lambda: all(ch.ended for ch in doomed))
        await emulated.resume()
        await until(lambda: node.stats["lost"] == 3)
        lost = {ch.uuid for ch in doomed}
        assert lost.isdisjoint(node.sessions) and survivor.uuid in node.sessions
        await until(lambda: lost <= set(finished))  # their route tasks ended
        assert survivor.uuid not in finished  # the live call's route still waits on its app
        line = next(r.getMessage() for r in caplog.records if "lost while disconnected" in r.getMessage())
        assert r"3 call(s) lost while disconnected" in line
        assert all(uuid in line for uuid in lost)
        assert next(r for r in caplog.records if "lost while disconnected" in r.getMessage()).levelno == logging.INFO


@pytest.mark.parametrize("listing", [
    '{"row_count": 2, "rows": 7}',
    '{"row_count": 2, "rows": ["a", "b"]}',
    "[1, 2, 3]",
    "-ERR no reply",
    '{"rows": [' + "[" * 5000 + "]" * 5000 + "]}",
], ids=["rows-int", "rows-strings", "array", "error", "deep"])
async def test_an_odd_listing_neither_loses_calls_nor_stops_the_client(cluster, listing):
    finished: list[str] = []
    async with serving(cluster, (sleeping_router(finished), {})) as service:
        node, emulated = service.nodes[0], cluster.nodes[0]
        call = await emulated.place_call("100")
        await until(lambda: any("sleep" in c for c in emulated.commands_for(call.uuid)))
        emulated.faults.api_output = lambda line: listing if line.startswith("show channels") else None
        emulated.faults.drop_connections()
        await until(lambda: node.client.reconnects >= 1 and node.client.connected)
        await node._on_connected()  # the same reconciliation, now certainly finished
        assert call.uuid in node.sessions and node.stats["lost"] == 0  # an odd answer proves nothing
        assert (await node.client.api("version")).startswith("FreeSWITCH")


async def test_one_bad_row_does_not_stop_the_recovery_of_the_others(cluster):
    answered = Router()

    @answered.route(".*")
    def answer(sess, match, router):
        sess.answer()

    async with serving(cluster, (answered, {})) as service:
        node, emulated = service.nodes[2], cluster.nodes[2]
        emulated.faults.drop_connections()
        await emulated.pause()
        parked = await emulated.place_call("300")  # parks while switchy is away
        real = json.loads(await _show_channels(emulated))["rows"]

        def odd(line: str) -> str | None:
            if not line.startswith("show channels"):
                return None
            rows = [{"uuid": 5, "state": "CS_EXECUTE", "application": "park"},
                    {"uuid": "no-such-uuid", "state": "CS_EXECUTE", "application": "park"},
                    {"uuid": ["x"]}, *real]
            return json.dumps({"row_count": len(rows), "rows": rows})

        emulated.faults.api_output = odd
        await emulated.resume()
        await parked.wait_answered(timeout=10)
        assert node.stats["recovered"] == 1


async def _show_channels(emulated) -> str:
    return await api_commands.run(emulated, "show", "channels as json")
