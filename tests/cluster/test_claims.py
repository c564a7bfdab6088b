"""Several controllers on the same nodes (inbound mode): mod_hash claims decide who routes.

Controllers here are Services in this process; ``tests/cluster/test_proof.py`` runs them
as separate processes and kills one with SIGKILL. A killed controller is imitated by
``crash``: its connections are cut and its tasks stopped without a word to FreeSWITCH,
its heartbeat left in the hash, as SIGKILL would.
"""

from __future__ import annotations

import asyncio
import collections

import pytest

from switchy import Service
from switchy.apps.routers import Router
from switchy.claims import ClaimPolicy
from switchy.emulator import DialOutcome, EmulatedCluster
from switchy.esl import State
from switchy.routing import ERROR_CAUSE

pytestmark = pytest.mark.emulator_only  # what each node received, call by call

FAST = {"heartbeat_interval": 0.2, "heartbeat_timeout": 0.6}


def busy_router(name: str, routed: dict[str, list[str]]) -> Router:
    """Routes every call by hanging it up USER_BUSY, noting who did."""
    router = Router(route_threads=None)

    @router.route("(.*)")
    def hang_up(sess, match, router):
        routed[sess.uuid].append(name)
        sess.hangup("USER_BUSY")

    return router


def stuck_router(started: list[str], first: str | None = None) -> Router:
    """Never finishes routing: sends ``first`` (answer or bridge) or nothing, then waits."""
    router = Router(route_threads=None, route_timeout=None)
    forever = asyncio.Event()

    @router.route("(.*)")
    async def wait(sess, match, router):
        started.append(sess.uuid)
        if first == "answer":
            await sess.answer()
        elif first == "bridge":
            sess.bridge("user/far@example.com")
        await forever.wait()

    return router


async def controller(cluster: EmulatedCluster, name: str, router: Router) -> Service:
    service = Service(cluster.hosts, claims=ClaimPolicy(name, **FAST))
    service.apps.load_app(router)
    await service.start(wait=5)
    return service


def crash(service: Service) -> None:
    """What SIGKILL does to a controller, seen from the nodes."""
    for node in service.nodes:
        node.stopping = True
        claims = node.claims
        assert claims is not None
        for task in [*claims._loops, *claims._tasks, *node._tasks]:
            task.cancel()
        client = node.client
        client._set_state(State.CLOSED)  # no reconnect, no exit
        if client.connection is not None:
            client.connection.abort()


async def until(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def kills(cluster: EmulatedCluster, uuid: str) -> list[str]:
    node = cluster.node_of(uuid)
    assert node is not None
    return [line for line in node.commands_for(uuid) if line.startswith("api uuid_kill")]


def claim_keys(cluster: EmulatedCluster) -> list[str]:
    return [k for node in cluster.nodes for k in node.hash if not k.startswith("switchy_hb.")]


async def test_each_call_is_routed_by_exactly_one_controller():
    routed: dict[str, list[str]] = collections.defaultdict(list)
    async with EmulatedCluster(nodes=2, time_scale=0.01) as cluster:
        services = [await controller(cluster, f"c{i}", busy_router(f"c{i}", routed)) for i in range(3)]
        calls = [await cluster.nodes[k % 2].place_call(str(2000 + k), wait=False) for k in range(40)]
        for call in calls:
            assert await call.wait_hangup() == "USER_BUSY"
            await call.wait_destroyed()
        assert all(len(routed[c.uuid]) == 1 for c in calls)
        assert all(len(kills(cluster, c.uuid)) == 1 for c in calls)
        # every node saw every controller claim every call once; one won each
        stats = collections.Counter()
        for service in services:
            for node in service.nodes:
                stats.update(node.claims.stats)
        assert stats["won"] == 40 and stats["lost"] == 80
        await until(lambda: not claim_keys(cluster))  # claims removed once the calls ended
        assert sorted(cluster.nodes[0].hash) == ["switchy_hb.c0", "switchy_hb.c1", "switchy_hb.c2"]
        for service in services:
            await service.stop()
        assert cluster.nodes[0].hash == {} and cluster.nodes[1].hash == {}  # heartbeats removed


async def test_a_dead_controllers_parked_calls_are_taken_over_once():
    routed: dict[str, list[str]] = collections.defaultdict(list)
    started: list[str] = []
    async with EmulatedCluster(nodes=2, time_scale=0.01) as cluster:
        first = await controller(cluster, "a", stuck_router(started))
        calls = [await cluster.nodes[k % 2].place_call(str(3000 + k)) for k in range(6)]
        await until(lambda: len(started) == 6)  # a claimed all six, sent nothing
        others = [await controller(cluster, name, busy_router(name, routed)) for name in ("b", "c")]
        await until(lambda: all(len(n.claims.lost) == 3 for s in others for n in s.nodes))
        assert not routed  # a is alive: its calls are its own
        crash(first)
        for call in calls:
            assert await call.wait_hangup(timeout=10) == "USER_BUSY"
        assert all(len(routed[c.uuid]) == 1 for c in calls)
        assert all(len(kills(cluster, c.uuid)) == 1 for c in calls)
        taken = sum(n.claims.stats["taken_over"] for s in others for n in s.nodes)
        assert taken == 6
        await until(lambda: not claim_keys(cluster))
        await until(lambda: all("switchy_hb.a" not in node.hash for node in cluster.nodes))
        for service in others:
            await service.stop()


async def test_a_call_its_dead_owner_began_routing_is_ended_not_routed_again():
    routed: dict[str, list[str]] = collections.defaultdict(list)
    started: list[str] = []
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        first = await controller(cluster, "a", stuck_router(started, first="answer"))
        call = await cluster.nodes[0].place_call("4000")
        await call.wait_answered()
        other = await controller(cluster, "b", busy_router("b", routed))
        await until(lambda: call.uuid in other.nodes[0].claims.lost)
        crash(first)
        assert await call.wait_hangup(timeout=10) == ERROR_CAUSE
        assert not routed  # b never routed it: it was a's, half done
        node = cluster.nodes[0]
        assert [line.split()[1] for line in node.commands_for(call.uuid)
                if "uuid_dump" not in line] == ["uuid_answer", "uuid_kill"]
        assert other.nodes[0].claims.stats["abandoned"] == 1
        await other.stop()


async def test_a_bridged_call_of_a_dead_controller_talks_on():
    routed: dict[str, list[str]] = collections.defaultdict(list)
    started: list[str] = []
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]
        node.set_outcome("far", DialOutcome.answer(talk=300))  # 3 s at this time scale
        first = await controller(cluster, "a", stuck_router(started, first="bridge"))
        other = await controller(cluster, "b", busy_router("b", routed))
        # Which live controller wins a claim is a race; the claim is written for a
        # before the call exists, so that both lose it and a, finding its own id in
        # it, routes the call (as a successor routes its predecessor's claims).
        uuid = "5a5a5a5a-0000-4000-8000-000000005000"
        node.hash[f"switchy_{uuid}"] = "a"
        call = await node.place_call("5000", uuid=uuid, variables={"hangup_after_bridge": "true"})
        await call.wait_bridged()
        assert call.uuid in other.nodes[0].claims.lost
        crash(first)
        await until(lambda: other.nodes[0].claims.stats["peers_died"] == 1)
        assert await call.wait_hangup(timeout=10) == "NORMAL_CLEARING"  # the far end hung up
        assert not routed and kills(cluster, call.uuid) == []
        await other.stop()


async def test_a_restarted_controller_rejoins_without_routing_twice():
    routed: dict[str, list[str]] = collections.defaultdict(list)
    async with EmulatedCluster(nodes=2, time_scale=0.01) as cluster:
        a = await controller(cluster, "a", busy_router("a", routed))
        b = await controller(cluster, "b", busy_router("b", routed))
        before = [await cluster.nodes[k % 2].place_call(str(6000 + k), wait=False) for k in range(10)]
        crash(a)
        during = [await cluster.nodes[k % 2].place_call(str(6100 + k), wait=False) for k in range(10)]
        again = await controller(cluster, "a2", busy_router("a2", routed))
        after = [await cluster.nodes[k % 2].place_call(str(6200 + k), wait=False) for k in range(10)]
        for call in before + during + after:
            await call.wait_hangup(timeout=10)
            await call.wait_destroyed()
        assert all(len(routed[c.uuid]) == 1 for c in before + during + after)
        assert all(len(kills(cluster, c.uuid)) == 1 for c in before + during + after)
        assert {routed[c.uuid][0] for c in during} == {"b"}  # a2 joined later
        await until(lambda: not claim_keys(cluster))
        for service in (b, again):
            await service.stop()


async def test_an_id_in_use_is_refused_and_a_stale_one_succeeded():
    routed: dict[str, list[str]] = collections.defaultdict(list)
    started: list[str] = []
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        first = await controller(cluster, "same", stuck_router(started))
        twin = await controller(cluster, "same", busy_router("twin", routed))
        claims = twin.nodes[0].claims
        await until(lambda: claims.error is not None, timeout=5)
        assert "in use by another running controller" in str(claims.error)
        call = await cluster.nodes[0].place_call("7000")
        await until(lambda: started == [call.uuid])  # the first one claimed it
        await twin.stop()
        crash(first)
        successor = await controller(cluster, "same", busy_router("successor", routed))
        assert await call.wait_hangup(timeout=10) == "USER_BUSY"
        assert routed[call.uuid] == ["successor"]
        assert len(kills(cluster, call.uuid)) == 1
        await successor.stop()


async def test_without_mod_hash_claims_are_refused_clearly(caplog):
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        from switchy.emulator import api_commands  # the node as one without mod_hash
        saved = api_commands.COMMANDS.pop("hash")
        try:
            service = await controller(cluster, "x", busy_router("x", {}))
            claims = service.nodes[0].claims
            await until(lambda: claims.error is not None, timeout=5)
            assert "is mod_hash loaded?" in str(claims.error)
            await service.stop()
        finally:
            api_commands.COMMANDS["hash"] = saved


async def test_a_claim_whose_answer_timed_out_is_read_again_and_routed_once():
    """A slow node: every claim's reply comes after the client's timeout, yet the node
    wrote the claim; each controller reads the owner back and the owner routes the call."""
    routed: dict[str, list[str]] = collections.defaultdict(list)
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]
        services = []
        for name in ("a", "b"):
            service = Service(cluster.hosts, claims=ClaimPolicy(name, **FAST), timeout=0.3)
            service.apps.load_app(busy_router(name, routed))
            await service.start(wait=5)
            services.append(service)
        node.faults.reply_delay = lambda line: 0.5 if "insert_ifempty" in line else 0.0
        calls = [await node.place_call(str(8000 + k)) for k in range(3)]
        for call in calls:
            assert await call.wait_hangup(timeout=10) == "USER_BUSY"
        assert all(len(routed[c.uuid]) == 1 for c in calls)
        assert all(len(kills(cluster, c.uuid)) == 1 for c in calls)
        node.faults.reply_delay = 0.0
        for service in services:
            await service.stop()
