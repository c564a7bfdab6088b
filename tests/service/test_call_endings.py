"""How a .swr dialplan ends calls, on either target: the emulator, or a real FreeSWITCH
(``SWITCHY_FS``) prepared as in ``tests/esl/vectors/real/README.md``.

Calls are placed as on a park-only node (``originate loopback/<dest>/switchy &park()``);
what happened is read from the node's own events on a watcher connection. The loopback
A legs park in ``switchy`` too: the dialplan keeps them with ``park()``, which also
proves that ``park()`` on a parked call neither routes it again nor wedges it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest

from switchy import Service
from switchy.dialplan.runtime.app import DialplanApp
from switchy.dialplan.runtime.engine import RoutingOutcome
from tests.support.watch import Watcher

TONE = "tone_stream://%(100,0,440)"
MISSING_PROFILE = "sofia/nosuch/1000@127.0.0.1"  # INVALID_PROFILE on both targets

ENDINGS = f"""
dialplan switchy {{
    # the far ends of the test's loopback calls (their A legs): kept as they are
    route far_end when outbound {{ park() stop }}
    route ends "^5101$" {{ answer() playback("{TONE}") }}
    route failover "^5102$" {{ answer() bridge("{MISSING_PROFILE}") playback("{TONE}") }}
    route no_failover "^5103$" {{ answer() bridge("{MISSING_PROFILE}") }}
    route reject "^5104$" {{ respond(407) }}
    route keep "^5105$" {{ answer() breakmedia() park() }}
    route xml_rule "^5106$" {{ answer() bridge("{MISSING_PROFILE}", failover=false) playback("{TONE}") }}
}}
"""


class Routed:
    """Each call's routing outcomes, by uuid, as the app reports them."""

    def __init__(self) -> None:
        self.outcomes: dict[str, list[RoutingOutcome]] = defaultdict(list)
        self.changed = asyncio.Event()

    def __call__(self, sess, outcome: RoutingOutcome) -> None:
        self.outcomes[sess.uuid].append(outcome)
        self.changed.set()

    async def of(self, uuid: str, timeout: float = 10.0) -> RoutingOutcome:
        async with asyncio.timeout(timeout):
            while not self.outcomes[uuid]:
                self.changed.clear()
                await self.changed.wait()
        return self.outcomes[uuid][-1]


@pytest.fixture
async def endings(fs, tmp_path):
    plan = tmp_path / "endings.swr"
    plan.write_text(ENDINGS)
    routed = Routed()
    app = DialplanApp([plan], on_outcome=routed)
    service = Service([fs.address], password=fs.password)
    assert app.load_into(service.apps) == ("switchy",)
    async with Watcher(fs) as watcher:
        await service.start(wait=10)
        try:
            yield watcher, routed
        finally:
            await service.stop()
            app.workers.shutdown()


async def call(watcher: Watcher, destination: str) -> str:
    """Originate a loopback call into the park-only context; the B leg's uuid."""
    await watcher.client.bgapi(f"originate loopback/{destination}/switchy &park()")
    return (await watcher.leg(destination)).uuid


async def test_a_call_still_parked_when_routing_is_over_is_hung_up(endings):
    watcher, routed = endings
    b = await call(watcher, "5101")
    assert await watcher.ended(b) == "NORMAL_CLEARING"  # an XML extension ends so
    played = watcher.find("CHANNEL_EXECUTE_COMPLETE", Unique_ID=b, Application="playback")
    assert played is not None and played["Application-Response"] == "FILE PLAYED"
    outcome = await routed.of(b)
    assert outcome.hung_up_at_end and outcome.cause == "NORMAL_CLEARING"
    a = (await watcher.wait("CHANNEL_PARK", Caller_Destination_Number="5101",
                            Call_Direction="outbound")).uuid
    far_end = await routed.of(a)  # kept by park(), unless B's end took it down first
    assert far_end.routes == ["far_end"] and (far_end.kept or far_end.gone)
    assert len(routed.outcomes[a]) == 1  # park() did not park it again


async def test_what_follows_a_failed_bridge_is_the_failover(endings):
    watcher, routed = endings
    b = await call(watcher, "5102")
    assert await watcher.ended(b) == "NORMAL_CLEARING"
    bridge = watcher.find("CHANNEL_EXECUTE_COMPLETE", Unique_ID=b, Application="bridge")
    assert bridge is not None and bridge["variable_originate_disposition"] == "INVALID_PROFILE"
    played = watcher.find("CHANNEL_EXECUTE_COMPLETE", Unique_ID=b, Application="playback")
    assert played is not None and played["Application-Response"] == "FILE PLAYED"
    assert (await routed.of(b)).routes == ["failover"]


async def test_a_failed_bridge_as_the_last_action_ends_the_call_with_its_cause(endings):
    watcher, routed = endings
    b = await call(watcher, "5103")
    assert await watcher.ended(b) == "INVALID_PROFILE"
    assert (await routed.of(b)).cause == "INVALID_PROFILE"


async def test_failover_false_is_freeswitchs_rule_the_call_ends_at_the_bridge(endings):
    watcher, routed = endings
    b = await call(watcher, "5106")
    assert await watcher.ended(b) == "INVALID_PROFILE"
    outcome = await routed.of(b)
    assert outcome.gone  # FreeSWITCH hung it up: the playback was never run
    assert watcher.find("CHANNEL_EXECUTE_COMPLETE", Unique_ID=b, Application="playback") is None


async def test_respond_407_on_a_loopback_leg_ends_the_call(endings):
    watcher, routed = endings
    b = await call(watcher, "5104")
    assert await watcher.ended(b) == "CALL_REJECTED"  # FreeSWITCH itself leaves it up
    assert (await routed.of(b)).cause == "CALL_REJECTED"


async def test_park_last_keeps_the_call_and_breakmedia_on_an_idle_park_does_nothing(endings):
    watcher, routed = endings
    b = await call(watcher, "5105")
    outcome = await routed.of(b)
    assert outcome.kept and not outcome.hung_up_at_end and outcome.cause is None
    assert await watcher.client.api(f"uuid_exists {b}") == "true"
    await watcher.client.api(f"uuid_kill {b} USER_BUSY")
    assert await watcher.ended(b) == "USER_BUSY"  # still up until the test hung it up
    assert len(routed.outcomes[b]) == 1  # park() did not park it again: routed once


async def test_calls_of_a_context_no_dialplan_names_are_left_alone(fs, tmp_path):
    plan = tmp_path / "other.swr"
    plan.write_text('dialplan other { route { answer() } }\n')
    routed = Routed()
    app = DialplanApp([plan], on_outcome=routed)
    service = Service([fs.address], password=fs.password)
    assert app.load_into(service.apps) == ("other",)
    async with Watcher(fs) as watcher:
        await service.start(wait=10)
        try:
            b = await call(watcher, "5107")
            node = service.nodes[0]
            async with asyncio.timeout(10):  # the service saw it park (its own connection)
                while not (b in node.sessions and "parked" in node.sessions[b].times):
                    await asyncio.sleep(0.01)
            assert node.sessions[b].app_id is None  # no app's call: left alone
            assert await watcher.client.api(f"uuid_exists {b}") == "true"
            await watcher.client.api(f"uuid_kill {b} USER_BUSY")
            assert await watcher.ended(b) == "USER_BUSY"
            assert b not in routed.outcomes
        finally:
            await service.stop()
            app.workers.shutdown()


async def test_a_context_added_with_contexts_is_routed_by_the_default_dialplan(fs, tmp_path):
    plan = tmp_path / "plan.swr"
    plan.write_text(f'route greet "^5108$" {{ answer() playback("{TONE}") }}\n'
                    'route far_end when outbound { park() stop }\n')
    routed = Routed()
    app = DialplanApp([plan], contexts=["switchy"], on_outcome=routed)
    service = Service([fs.address], password=fs.password)
    assert app.load_into(service.apps) == ("default", "switchy")
    async with Watcher(fs) as watcher:
        await service.start(wait=10)
        try:
            b = await call(watcher, "5108")
            assert await watcher.ended(b) == "NORMAL_CLEARING"
            outcome = await routed.of(b)
            assert (outcome.dialplan, outcome.routes) == ("default", ["greet"])
        finally:
            await service.stop()
            app.workers.shutdown()
