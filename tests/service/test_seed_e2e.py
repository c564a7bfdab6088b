"""Every example of the seed documentation, end to end on a 3-node emulated cluster.

Each test places calls on every node, lets the Service route them over real ESL
connections, and asserts on the exact commands each node received for the call and
on the call's final state as the node saw it.
"""

from __future__ import annotations

import asyncio
import functools
import re
from datetime import datetime

import pytest

from switchy import event_callback
from switchy.apps.routers import Router
from switchy.emulator import EmulatedCluster
from switchy.esl import InboundClient

from .helpers import sent_to, serving

pytestmark = pytest.mark.emulator_only

EXTERNAL = {"sofia_profile_name": "external"}


def req_uri(dest: str) -> dict[str, str]:
    return {"sip_req_uri": f"{dest}@10.0.0.1:5060", **EXTERNAL}


async def place_on_every_node(cluster: EmulatedCluster, dest: str, **kwargs):
    return [await node.place_call(dest, variables=kwargs.pop("variables", None) or req_uri(dest), **kwargs)
            for node in cluster.nodes]


class Proxier:
    """Proxy all inbound calls to the destination specified in the SIP Request-URI."""

    @event_callback("CHANNEL_PARK")
    def on_park(self, sess):
        if sess.is_inbound():
            sess.bridge(dest_url="${sip_req_uri}")


async def test_proxier_bridges_every_inbound_call_on_its_own_node(cluster):
    async with serving(cluster, (Proxier, {"app_id": "default"})):
        calls = await place_on_every_node(cluster, "2001")
        for call in calls:
            await call.wait_bridged(timeout=5)
        for node, call in zip(cluster.nodes, calls, strict=True):
            assert sent_to(node, call.uuid) == ["execute bridge sofia/external/${sip_req_uri}"]
            # FreeSWITCH expands ${sip_req_uri} before dialing
            assert call.bridged_to == "sofia/external/2001@10.0.0.1:5060"
            # A call is controlled only through the node that carries it.
            others = [n for n in cluster.nodes if n is not node]
            assert all(sent_to(other, call.uuid) == [] for other in others)


def blocking_router() -> Router:
    router = Router(guards={"Call-Direction": "inbound", "variable_sofia_profile_name": "external"})

    @router.route("00(.*)|011(.*)", response="407")
    def reject_international(sess, match, router, response):
        sess.respond(response)
        sess.hangup()

    return router


async def test_international_calls_get_407_and_are_hung_up_on_every_node(cluster):
    async with serving(cluster, (blocking_router(), {"app_id": "default"})):
        calls = await place_on_every_node(cluster, "0114412345")
        for node, call in zip(cluster.nodes, calls, strict=True):
            await call.wait_hangup(timeout=5)
            await asyncio.wait_for(_until(lambda n=node, c=call: len(sent_to(n, c.uuid)) == 2), 5)
            assert call.responded == 407
            assert sent_to(node, call.uuid) == ["execute respond 407", f"api uuid_kill {call.uuid} NORMAL_CLEARING"]


async def test_guard_failure_and_no_match_reject_with_no_route_destination(cluster):
    async with serving(cluster, (blocking_router(), {"app_id": "default"})):
        internal = await cluster.nodes[0].place_call("0114412345", variables={"sofia_profile_name": "internal"})
        domestic = await cluster.nodes[1].place_call("5551234", variables=EXTERNAL)
        for call, node in ((internal, 0), (domestic, 1)):
            assert await call.wait_hangup(timeout=5) == "NO_ROUTE_DESTINATION"
            assert sent_to(cluster.nodes[node], call.uuid) == [f"api uuid_kill {call.uuid} NO_ROUTE_DESTINATION"]


async def test_a_guard_on_a_missing_header_fails_the_guard_without_crashing(cluster):
    router = Router(guards={"variable_sip_h_X-Tenant": "acme"})
    router.route(".*")(lambda sess, match, router: sess.answer())
    async with serving(cluster, (router, {"app_id": "default"})):
        stranger = await cluster.nodes[2].place_call("100")
        tenant = await cluster.nodes[2].place_call("100", variables={"sip_h_X-Tenant": "acme"})
        assert await stranger.wait_hangup(timeout=5) == "NO_ROUTE_DESTINATION"
        await tenant.wait_answered(timeout=5)


def bridge_router() -> tuple[Router, dict]:
    router = Router({"Call-Direction": "inbound"})
    seen: dict = {}

    @router.route("00(.*)|011(.*)", response="407")
    @router.route("1(.*)", gateway="long_distance_trunk")
    @router.route("2[1-9]{3}$", out_profile="internal", proxy="salespbx.com")
    @router.route("4[1-9]{3}$", out_profile="internal", proxy="supportpbx.com")
    def bridge2dest(sess, match, router, out_profile=None, gateway=None, proxy=None, response=None):
        if response:
            sess.log.warning("Rejecting international call to {}".format(sess["Caller-Destination-Number"]))
            sess.respond(response)
            sess.hangup()

        sess.bridge(
            profile=out_profile,
            gateway=gateway,
            dest_url=sess["variable_sip_req_uri"],
            proxy=proxy,
        )

    @router.route("^(5550100)$")
    def test_did(sess, match, router):
        # "transfer to a context": a plain function call (the seed's `profile=` is a typo
        # for bridge2dest's `out_profile`)
        seen["did"] = match.groups()[0]
        return bridge2dest(sess, match, router, out_profile="external")

    return router, seen


@pytest.mark.parametrize("dest, expected", [
    ("18005551234", "execute bridge sofia/gateway/long_distance_trunk/18005551234@10.0.0.1:5060"),
    ("2345", "execute bridge sofia/internal/2345@10.0.0.1:5060;fs_path=sip:salespbx.com"),
    ("4567", "execute bridge sofia/internal/4567@10.0.0.1:5060;fs_path=sip:supportpbx.com"),
    ("5550100", "execute bridge sofia/external/5550100@10.0.0.1:5060"),
])
async def test_bridge2dest_routes_each_prefix(cluster, dest, expected):
    router, seen = bridge_router()
    async with serving(cluster, (router, {"app_id": "default"})):
        calls = await place_on_every_node(cluster, dest)
        for node, call in zip(cluster.nodes, calls, strict=True):
            await call.wait_bridged(timeout=5)
            assert sent_to(node, call.uuid) == [expected]
            assert call.bridged_to == expected.split(" ", 2)[2]
    if dest == "5550100":
        assert seen["did"] == "5550100"


async def test_bridge2dest_international_responds_hangs_up_then_tries_the_bridge(cluster):
    router, _ = bridge_router()
    async with serving(cluster, (router, {"app_id": "default"})):
        calls = await place_on_every_node(cluster, "0114412345")
        for node, call in zip(cluster.nodes, calls, strict=True):
            await call.wait_hangup(timeout=5)
            await asyncio.wait_for(_until(lambda n=node, c=call: len(sent_to(n, c.uuid)) == 3), 5)
            sent = sent_to(node, call.uuid)
            # The seed's function falls through to bridge after hanging up; the call is
            # already gone by then, so FreeSWITCH refuses it and the call stays down.
            assert sent[:2] == ["execute respond 407", f"api uuid_kill {call.uuid} NORMAL_CLEARING"]
            assert call.responded == 407 and not call.bridges


async def test_sunday_routing_with_an_injectable_clock(cluster):
    for day, expected_did in ((datetime(2026, 11, 29, 10), "531"), (datetime(2026, 11, 30, 10), "500")):
        router = Router(clock=lambda day=day: day)

        @router.route("^500$")
        def on_sunday(sess, match, router, profile="internal", did="500"):
            """On Sunday no one works in support..."""
            did = "531" if router.now().weekday() == 6 else did
            sess.bridge(f"{did}@example.com", profile=profile)

        async with serving(cluster, (router, {"app_id": "default"})):
            call = await cluster.nodes[1].place_call("500", variables=EXTERNAL)
            await call.wait_bridged(timeout=5)
            assert sent_to(cluster.nodes[1], call.uuid) == [
                f"execute bridge sofia/internal/{expected_did}@example.com"]


def or_router() -> Router:
    router = Router()

    @router.route("^500$|^502$")
    def either_ext(sess, match, router):
        sess.answer()
        sess.playback("ivr/ivr-welcome_to_freeswitch.wav")

    @router.route("^.*$")
    def match(sess, match, router):
        if re.match(r"^Michael\s*S?\s*Collins", sess.get("variable_caller_id_name", "")) or \
                re.match("^1001|3757|2816$", sess.get("variable_caller_id_number", "")):
            sess.playback("ivr/ivr-dude_you_rock.wav")
        else:
            sess.playback("ivr/ivr-dude_you_suck.wav")

    return router


async def test_logical_or_by_regex_and_by_if(cluster):
    async with serving(cluster, (or_router(), {"app_id": "default"})):
        node = cluster.nodes[2]
        rock = await node.place_call("502", "3757", variables={"caller_id_number": "3757", **EXTERNAL})
        suck = await node.place_call("777", "4000", caller_id_name="Someone",
                                     variables={"caller_id_name": "Someone", "caller_id_number": "4000"})
        mike = await node.place_call("777", "4001", caller_id_name="Michael S Collins",
                                     variables={"caller_id_name": "Michael S Collins"})
        for call in (rock, suck, mike):
            await asyncio.wait_for(_until(lambda c=call: len(c.played) >= (2 if c is rock else 1)), 5)
        assert sent_to(node, rock.uuid) == [f"api uuid_answer {rock.uuid}",
                                            "execute playback ivr/ivr-welcome_to_freeswitch.wav",
                                            "execute playback ivr/ivr-dude_you_rock.wav"]
        assert rock.answered
        assert suck.played == ["ivr/ivr-dude_you_suck.wav"]
        assert mike.played == ["ivr/ivr-dude_you_rock.wav"]


def nested_router() -> Router:
    router = Router()

    @router.route(r"^1.*(\d)$")
    def play_wavfile(sess, match, router):
        last_digit = match.groups()[0]
        if last_digit == "3":
            sess.playback("foo.wav")
        sess.playback("bar.wav")

    return router


async def test_nested_logic(cluster):
    async with serving(cluster, (nested_router(), {"app_id": "default"})):
        three = await cluster.nodes[0].place_call("1003", variables=EXTERNAL)
        four = await cluster.nodes[0].place_call("1004", variables=EXTERNAL)
        await asyncio.wait_for(_until(lambda: len(three.played) == 2 and len(four.played) == 1), 5)
        assert three.played == ["foo.wav", "bar.wav"]
        assert four.played == ["bar.wav"]


def break_router() -> tuple[Router, list]:
    router = Router()
    ran: list = []

    @router.route(r"^1.*(\d)$")
    def play_wavfile(sess, match, router):
        if not sess["Caller-Destination-Number"] == "1100":  # noqa: SIM201 (the seed's own words)
            return True  # stop all further routing
        ran.append("first")

    @router.route(r"^1")
    def second(sess, match, router):
        ran.append("second")
        sess.hangup("CALL_REJECTED")

    return router, ran


async def test_break_on_true_stops_further_routes(cluster):
    router, ran = break_router()
    async with serving(cluster, (router, {"app_id": "default"}), park_timeout=0.5):
        stopped = await cluster.nodes[0].place_call("1234", variables=EXTERNAL)
        passed = await cluster.nodes[1].place_call("1100", variables=EXTERNAL)
        assert await passed.wait_hangup(timeout=5) == "CALL_REJECTED"
        assert ran == ["first", "second"]
        # the stopped call ran no command; the park timeout ends it (no call parks forever)
        assert await stopped.wait_hangup(timeout=5) == "NORMAL_TEMPORARY_FAILURE"


def privacy_router(seed: int) -> Router:
    router = Router(seed=seed)

    @router.route(r"^\*67(\d+)$")
    def block_cid(sess, match, router):
        did = match.groups()[0]
        if sess.is_outbound():
            sess.broadcast("privacy::full")
            sess.setvars({"privacy": "yes", "sip_h_Privacy": "id"})
            if router.rng.randint(1, 6) == 4:
                sess.log.debug("recording a sneaky agent to /tmp/agents/")
                sess.start_record(f"/tmp/agents/{sess.uuid}_to_{did}.wav")

    return router


async def test_star67_privacy_with_random_recording(cluster):
    # Seeds chosen so the first draw is 4 (records) and not 4 (does not record).
    import random
    records = next(s for s in range(100) if random.Random(s).randint(1, 6) == 4)
    skips = next(s for s in range(100) if random.Random(s).randint(1, 6) != 4)
    for seed, recorded in ((records, True), (skips, False)):
        async with serving(cluster, (privacy_router(seed), {"app_id": "default"}), park_timeout=None):
            node = cluster.nodes[0]
            async with InboundClient(node.host, node.port, node.password) as fs:
                # An agent's call placed by FreeSWITCH: once its loopback B-leg is
                # answered, the A-leg (outbound) parks and the router sees it.
                job = await fs.bgapi("originate loopback/*675551234/default &park()")
                await asyncio.wait_for(_until(lambda node=node: getattr(_leg(node, "b"), "in_park", False)), 5)
                await fs.api(f"uuid_answer {_leg(node, 'b').uuid}")
                agent_uuid = (await asyncio.wait_for(job, 5)).split()[1]
            agent = node.channels[agent_uuid]
            sent = functools.partial(sent_to, node, agent.uuid)
            assert agent.name == "loopback/*675551234-a" and agent.direction == "outbound"
            count = 3 if recorded else 2
            await asyncio.wait_for(_until(lambda count=count, sent=sent: len(sent()) >= count), 5)
            expected = [f"api uuid_broadcast {agent.uuid} privacy::full aleg",
                        "execute multiset privacy=yes sip_h_Privacy=id"]
            if recorded:
                expected.append(f"execute record_session /tmp/agents/{agent.uuid}_to_5551234.wav")
            assert sent() == expected
            await asyncio.wait_for(_until(lambda agent=agent: agent.variables.get("privacy") == "yes"), 5)
            assert (agent.recordings != []) is recorded
            # the inbound B-leg is not an agent's call: the router sent nothing for it
            # (the only command is this test's own answer)
            b_leg = next(ch for ch in node.channels.values() if ch.name == "loopback/*675551234-b")
            assert sent_to(node, b_leg.uuid) == [f"api uuid_answer {b_leg.uuid}"]
            await fs_hangup(node, agent.uuid)


def _leg(node, side: str):
    return next((ch for ch in node.channels.values() if ch.name == f"loopback/*675551234-{side}"), None)


async def fs_hangup(node, uuid: str) -> None:
    async with InboundClient(node.host, node.port, node.password) as fs:
        await fs.api(f"uuid_kill {uuid}")


async def test_app_selected_by_header_and_default(cluster):
    switchy_router = Router()
    default_router = Router()

    @switchy_router.route(".*")
    def ctx(sess, match, router):
        sess.hangup("USER_BUSY")

    @default_router.route(".*")
    def dflt(sess, match, router):
        sess.hangup("CALL_REJECTED")

    async with serving(cluster, (switchy_router, {"app_id": "switchy", "header": "Caller-Context"}),
                       (default_router, {"app_id": "default"})):
        a = await cluster.nodes[0].place_call("100", context="switchy")
        b = await cluster.nodes[0].place_call("100", context="public")
        assert await a.wait_hangup(timeout=5) == "USER_BUSY"
        assert await b.wait_hangup(timeout=5) == "CALL_REJECTED"


async def _until(predicate, interval: float = 0.01) -> None:
    while not predicate():
        await asyncio.sleep(interval)
