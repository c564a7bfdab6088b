"""Two claiming Services on one node, on either target: the emulator or a real
FreeSWITCH with mod_hash (SWITCHY_FS). Calls are originated as on a park-only node and
counted from the routers' own records and the node's hash table, nothing emulated."""

from __future__ import annotations

import asyncio
import collections

from switchy import Service
from switchy.apps.routers import Router
from switchy.claims import ClaimPolicy
from switchy.esl import InboundClient


def busy(name: str, routed: dict[str, list[str]]) -> Router:
    # only the inbound (B) leg of each loopback pair parks in the switchy context
    router = Router(guards={"Call-Direction": "inbound", "Caller-Context": "switchy"},
                    reject_on_guard=False, route_threads=None)

    @router.route("^5300$")
    def hang_up(sess, match, router):
        routed[sess.uuid].append(name)
        sess.hangup("USER_BUSY")

    return router


async def test_two_controllers_route_each_call_once_on_either_target(fs):
    routed: dict[str, list[str]] = collections.defaultdict(list)
    services = []
    for name in ("left", "right"):
        service = Service([fs.address], password=fs.password,
                          claims=ClaimPolicy(f"test-{name}", 0.5, 1.5))
        service.apps.load_app(busy(name, routed))
        await service.start(wait=5)
        services.append(service)
    try:
        async with InboundClient(fs.host, fs.port, fs.password) as client:
            jobs = [await client.bgapi("originate loopback/5300/switchy &park()") for _ in range(6)]
            for job in jobs:
                await asyncio.wait_for(job, 10)  # -ERR: the B leg was hung up before answering
            async with asyncio.timeout(10):
                while len(routed) < 6:
                    await asyncio.sleep(0.02)
            assert all(len(names) == 1 for names in routed.values()), routed
            async with asyncio.timeout(10):  # each claim is deleted once its call is gone
                for uuid in routed:
                    while await client.api(f"hash select/switchy/{uuid}") != "-ERR no reply\n":
                        await asyncio.sleep(0.05)
            won = sum(s.nodes[0].claims.stats["won"] for s in services)
            lost = sum(s.nodes[0].claims.stats["lost"] for s in services)
            assert (won, lost) == (6, 6)
    finally:
        for service in services:
            await service.stop()
    async with InboundClient(fs.host, fs.port, fs.password) as client:  # heartbeats removed
        for name in ("left", "right"):
            assert await client.api(f"hash select/switchy/hb.test-{name}") == "-ERR no reply\n"
