"""Every example of the seed documentation, end to end on a 3-node emulated cluster.

The apps are the seed's own code (``tests/support/seed_apps.py``). Each test places calls on
every node, lets the Service route them over real ESL connections, and asserts on the
exact commands each node received for the call and on its final state as the node saw
it. (``tests/dialplan/test_parity.py`` checks the .swr twins send the same.)
"""

from __future__ import annotations

import asyncio
import functools
import random
from datetime import datetime

import pytest

from switchy.apps.routers import Router
from switchy.emulator import EmulatedCluster
from switchy.esl import InboundClient
from tests.support import seed_apps as seed
from tests.support.service_cluster import sent_to, serving

pytestmark = pytest.mark.emulator_only

EXTERNAL = {"sofia_profile_name": "external"}


def req_uri(dest: str) -> dict[str, str]:
    return {"sip_req_uri": f"{dest}@10.0.0.1:5060", **EXTERNAL}


async def place_on_every_node(cluster: EmulatedCluster, dest: str, variables: dict[str, str] | None = None):
    return [await node.place_call(dest, variables=variables or req_uri(dest)) for node in cluster.nodes]


async def until(predicate, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


async def test_proxier_bridges_every_inbound_call_on_its_own_node(cluster):
    async with serving(cluster, (seed.Proxier, {"app_id": "default"})):
        calls = await place_on_every_node(cluster, "2001")
        for call in calls:
            await call.wait_bridged(timeout=5)
        for node, call in zip(cluster.nodes, calls, strict=True):
            # the caller's Request-URI, sent literally (not ${sip_req_uri}: issue 12)
            assert sent_to(node, call.uuid) == ["execute bridge sofia/external/2001@10.0.0.1:5060"]
            assert call.bridged_to == "sofia/external/2001@10.0.0.1:5060"
            # A call is controlled only through the node that carries it.
            others = [n for n in cluster.nodes if n is not node]
            assert all(sent_to(other, call.uuid) == [] for other in others)


# The seed guards on `variable_sofia_profile`, which FreeSWITCH does not set (its name is
# sofia_profile_name; `switchy check` warns about the .swr twin): these calls carry it.
SEED_PROFILE = {"sofia_profile": "external"}


async def test_international_calls_get_407_and_are_hung_up_on_every_node(cluster):
    async with serving(cluster, (seed.block_international(), {"app_id": "default"})):
        calls = await place_on_every_node(cluster, "0114412345", variables=SEED_PROFILE)
        for node, call in zip(cluster.nodes, calls, strict=True):
            await call.wait_hangup(timeout=5)
            await until(lambda n=node, c=call: len(sent_to(n, c.uuid)) == 2)
            assert call.responded == 407
            assert call.hangup_cause == "CALL_REJECTED"
            assert sent_to(node, call.uuid) == ["execute respond 407", f"api uuid_kill {call.uuid} NORMAL_CLEARING"]


async def test_guard_failure_and_no_match_reject_with_no_route_destination(cluster):
    async with serving(cluster, (seed.block_international(), {"app_id": "default"})):
        internal = await cluster.nodes[0].place_call("0114412345", variables={"sofia_profile": "internal"})
        domestic = await cluster.nodes[1].place_call("5551234", variables=SEED_PROFILE)
        missing = await cluster.nodes[2].place_call("0114412345")  # the guard header is absent
        for call, node in ((internal, 0), (domestic, 1), (missing, 2)):
            assert await call.wait_hangup(timeout=5) == "NO_ROUTE_DESTINATION"
            assert sent_to(cluster.nodes[node], call.uuid) == [f"api uuid_kill {call.uuid} NO_ROUTE_DESTINATION"]


@pytest.mark.parametrize("dest, expected", [
    ("18005551234", "execute bridge sofia/gateway/long_distance_trunk/18005551234@10.0.0.1:5060"),
    ("2345", "execute bridge sofia/internal/2345@10.0.0.1:5060;fs_path=sip:salespbx.com"),
    ("4567", "execute bridge sofia/internal/4567@10.0.0.1:5060;fs_path=sip:supportpbx.com"),
    ("5550100123", "execute bridge sofia/external/5550100123@10.0.0.1:5060"),  # test_did
])
async def test_bridge2dest_routes_each_prefix(cluster, dest, expected):
    async with serving(cluster, (seed.transfer_to_context(), {"app_id": "default"})):
        calls = await place_on_every_node(cluster, dest)
        for node, call in zip(cluster.nodes, calls, strict=True):
            await call.wait_bridged(timeout=5)
            assert sent_to(node, call.uuid) == [expected]
            assert call.bridged_to == expected.split(" ", 2)[2]


async def test_bridge2dest_international_responds_hangs_up_then_tries_the_bridge(cluster):
    router, _ = seed.bridge2dest_router()
    async with serving(cluster, (router, {"app_id": "default"})):
        calls = await place_on_every_node(cluster, "0114412345")
        for node, call in zip(cluster.nodes, calls, strict=True):
            await call.wait_hangup(timeout=5)
            await until(lambda n=node, c=call: len(sent_to(n, c.uuid)) == 3)
            # The seed's function falls through to bridge after hanging up; the call is
            # already gone by then, so FreeSWITCH refuses it and the call stays down.
            assert sent_to(node, call.uuid) == [
                "execute respond 407", f"api uuid_kill {call.uuid} NORMAL_CLEARING",
                "execute bridge sofia/external/0114412345@10.0.0.1:5060"]
            assert call.responded == 407 and not call.bridges


@pytest.mark.parametrize("day, did", [(datetime(2026, 11, 29, 10), "531"), (datetime(2026, 11, 30, 10), "500")],
                         ids=["sunday", "monday"])
async def test_sunday_routing_with_an_injectable_clock(cluster, day, did):
    async with serving(cluster, (seed.sunday(clock=lambda: day), {"app_id": "default"})):
        call = await cluster.nodes[1].place_call("500", variables=EXTERNAL)
        await call.wait_bridged(timeout=5)
        assert sent_to(cluster.nodes[1], call.uuid) == [f"execute bridge sofia/internal/{did}@example.com"]


async def test_logical_or_by_regex_and_by_if(cluster):
    async with serving(cluster, (seed.logical_or(), {"app_id": "default"})):
        node = cluster.nodes[2]
        rock = await node.place_call("502", variables={"caller_id_name": "Bob", "caller_id_number": "3757"})
        suck = await node.place_call("777", variables={"caller_id_name": "Someone", "caller_id_number": "4000"})
        mike = await node.place_call("777", variables={"caller_id_name": "Michael S Collins",
                                                      "caller_id_number": "4001"})
        await until(lambda: len(rock.played) == 2 and suck.played and mike.played)
        assert sent_to(node, rock.uuid) == [f"api uuid_answer {rock.uuid}",
                                            "execute playback ivr/ivr-welcome_to_freeswitch.wav",
                                            "execute playback ivr/ivr-dude_you_rock.wav"]
        assert rock.answered
        assert suck.played == ["ivr/ivr-dude_you_suck.wav"]
        assert mike.played == ["ivr/ivr-dude_you_rock.wav"]


async def test_nested_logic(cluster):
    async with serving(cluster, (seed.nested(), {"app_id": "default"})):
        three = await cluster.nodes[0].place_call("1003", variables=EXTERNAL)
        four = await cluster.nodes[0].place_call("1004", variables=EXTERNAL)
        await until(lambda: len(three.played) == 2 and len(four.played) == 1)
        assert three.played == ["foo.wav", "bar.wav"]
        assert four.played == ["bar.wav"]


async def test_break_on_true_stops_further_routes(cluster):
    async with serving(cluster, (seed.break_on_true(), {"app_id": "default"}), park_timeout=0.5):
        stopped = await cluster.nodes[0].place_call("1234", variables=EXTERNAL)
        passed = await cluster.nodes[1].place_call("1100", variables=EXTERNAL)
        await until(lambda: len(passed.played) == 2)
        assert passed.played == ["foo.wav", "bar.wav"]  # both routes ran
        # the stopped call ran no command; the park timeout ends it (no call parks forever)
        assert await stopped.wait_hangup(timeout=5) == "NORMAL_TEMPORARY_FAILURE"
        assert sent_to(cluster.nodes[0], stopped.uuid) == [f"api uuid_kill {stopped.uuid} NORMAL_TEMPORARY_FAILURE"]


def _leg(node, side: str):
    return next((ch for ch in node.channels.values() if ch.name == f"loopback/*675551234-{side}"), None)


async def test_star67_privacy_with_random_recording(cluster):
    # Seeds chosen so the first draw is 4 (records) and not 4 (does not record).
    records = next(s for s in range(100) if random.Random(s).randint(1, 6) == 4)
    skips = next(s for s in range(100) if random.Random(s).randint(1, 6) != 4)
    for rng_seed, recorded in ((records, True), (skips, False)):
        async with serving(cluster, (seed.record_sampling(seed=rng_seed), {"app_id": "default"}),
                           park_timeout=None):
            node = cluster.nodes[0]
            async with InboundClient(node.host, node.port, node.password) as fs:
                # An agent's call placed by FreeSWITCH: once its loopback B-leg is
                # answered, the A-leg (outbound) parks and the router sees it.
                job = await fs.bgapi("originate loopback/*675551234/default &park()")
                await until(lambda node=node: getattr(_leg(node, "b"), "in_park", False))
                await fs.api(f"uuid_answer {_leg(node, 'b').uuid}")
                agent_uuid = (await asyncio.wait_for(job, 5)).split()[1]
            agent = node.channels[agent_uuid]
            assert agent.name == "loopback/*675551234-a" and agent.direction == "outbound"
            sent = functools.partial(sent_to, node, agent.uuid)
            await until(lambda count=3 if recorded else 2, sent=sent: len(sent()) >= count)
            expected = [f"api uuid_broadcast {agent.uuid} privacy::full aleg",
                        "execute multiset privacy=yes sip_h_Privacy=id"]
            if recorded:
                expected.append(f"execute record_session /tmp/agents/{agent.uuid}_to_5551234.wav")
            assert sent() == expected
            await until(lambda agent=agent: agent.variables.get("privacy") == "yes")
            assert (agent.recordings != []) is recorded
            # the inbound B-leg is not an agent's call: the router sent nothing for it
            # (the only command is this test's own answer)
            b_leg = _leg(node, "b")
            assert sent_to(node, b_leg.uuid) == [f"api uuid_answer {b_leg.uuid}"]
            async with InboundClient(node.host, node.port, node.password) as fs:
                await fs.api(f"uuid_kill {agent.uuid}")


async def test_app_selected_by_header_and_default(cluster):
    switchy_router = Router()
    default_router = Router()
    switchy_router.route(".*")(lambda sess, match, router: sess.hangup("USER_BUSY"))
    default_router.route(".*")(lambda sess, match, router: sess.hangup("CALL_REJECTED"))
    async with serving(cluster, (switchy_router, {"app_id": "switchy", "header": "Caller-Context"}),
                       (default_router, {"app_id": "default"})):
        a = await cluster.nodes[0].place_call("100", context="switchy")
        b = await cluster.nodes[0].place_call("100", context="public")
        assert await a.wait_hangup(timeout=5) == "USER_BUSY"
        assert await b.wait_hangup(timeout=5) == "CALL_REJECTED"
