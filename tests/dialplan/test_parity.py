"""Parity: every seed example, run as .swr and as the seed's Python ``@router.route`` code,
sends the same commands for the same calls on the same emulated cluster.

The Python side is the seed's code as written (``tests/support/seed_apps.py``), on a Router that
knows when it is done with a call; both sides read one injected clock and one seeded
generator.

The .swr runtime adds what FreeSWITCH's own dialplan does and the seed's Router does not
(``docs/language.md``, "What happens to the call"): ``continue_on_fail`` before a call's
first bridge, and the hangup of a call still parked when routing is over. The comparison
takes exactly those away, and checks they are there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest

from switchy import Service, event_callback
from switchy.apps.routers import Router
from switchy.dialplan.timeofday import WallClock
from switchy.emulator import EmulatedCluster
from tests.support import seed_apps as seed
from tests.support.dialplan_cluster import sent_to, serving

pytestmark = pytest.mark.emulator_only

SUNDAY = dt.datetime(2024, 12, 22, 11, 0)  # wall clock: a Sunday wherever the tests run
MONDAY = dt.datetime(2024, 12, 23, 11, 0)


class Tracked:
    """Mixin: know when a Python app has finished with a call (all commands confirmed)."""

    def _track(self) -> None:
        self.done: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    async def _finished(self, sess) -> None:
        await sess.settled()
        self.done[sess.uuid].set()


class TrackedRouter(Router, Tracked):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._track()

    @event_callback("CHANNEL_PARK")
    async def on_park(self, sess) -> None:
        await super().on_park(sess)
        await self._finished(sess)


class TrackedProxier(seed.Proxier, Tracked):
    def __init__(self) -> None:
        self._track()

    @event_callback("CHANNEL_PARK")
    async def on_park(self, sess) -> None:
        super().on_park(sess)
        await self._finished(sess)


def tracked(factory):
    """The seed factory on a Router that knows when it is done with a call."""
    return functools.partial(factory, TrackedRouter)


# -- the calls each example is compared on -----------------------------------------------------


@dataclass
class Call:
    node: int
    destination: str
    caller: str = "1000"
    place: dict[str, Any] = field(default_factory=dict)
    hangup: bool = False  # it gets bridged: the caller hangs up
    outbound: bool = False  # an agent's call: originate it, the outbound leg parks


def caller_id(name: str, number: str) -> dict[str, Any]:
    """The caller ID name (the Caller-Caller-ID-Name header of a real park; the number is
    the Call's ``caller``) and both as the channel variables the seed's Python app reads."""
    return {"caller_id_name": name, "variables": {"caller_id_name": name, "caller_id_number": number}}


def uri(dest: str, **more: str) -> dict[str, Any]:
    return {"variables": {"sip_req_uri": f"{dest}@10.0.0.1", **more}}


BRIDGE2DEST_CALLS = [
    Call(0, "0114412345", place=uri("0114412345")),
    Call(1, "18005551234", place=uri("18005551234"), hangup=True),
    Call(2, "2123", place=uri("2123"), hangup=True),
    Call(0, "4123", place=uri("4123"), hangup=True),
    Call(1, "3000", place=uri("3000")),
]

PARITY = {
    "seed_proxier.swr": (TrackedProxier, {}, [Call(i, "2001", place=uri("2001"), hangup=True) for i in range(3)]),
    "seed_block_international.swr": (tracked(seed.block_international), {}, [
        Call(0, "0114412345", place={"variables": {"sofia_profile": "external"}}),
        Call(1, "2000", place={"variables": {"sofia_profile": "external"}}),
        Call(2, "0114412345"),
    ]),
    "seed_bridge2dest.swr": (lambda **o: seed.bridge2dest_router(TrackedRouter, **o)[0], {}, BRIDGE2DEST_CALLS),
    "seed_transfer_to_context.swr": (tracked(seed.transfer_to_context), {}, [
        # 11 digits: only the international route matches (see the test at the end)
        Call(0, "01144123456", place=uri("01144123456")),
        *BRIDGE2DEST_CALLS[1:],
        Call(2, "5551234567", place=uri("5551234567"), hangup=True),
    ]),
    "seed_sunday.swr": (tracked(seed.sunday), {"clock": SUNDAY}, [Call(0, "500", hangup=True), Call(1, "501")]),
    "seed_sunday.swr@monday": (tracked(seed.sunday), {"clock": MONDAY}, [Call(2, "500", hangup=True)]),
    # The .swr reads the caller ID headers a parked call has; the seed's Python reads
    # variable_caller_id_*, which only a channel that set them carries: give both.
    "seed_logical_or.swr": (tracked(seed.logical_or), {}, [
        Call(0, "500", "2000", place=caller_id("Michael S Collins", "2000")),
        Call(1, "502", "3757", place=caller_id("Bob", "3757")),
        Call(2, "7000", "2000", place=caller_id("Bob", "2000")),
    ]),
    "seed_nested.swr": (tracked(seed.nested), {}, [Call(0, "1233"), Call(1, "1234"), Call(2, "2000")]),
    "seed_break_on_true.swr": (tracked(seed.break_on_true), {}, [Call(0, "1234"), Call(1, "1100"), Call(2, "1000")]),
    "seed_record_sampling.swr": (tracked(seed.record_sampling), {"seed": 0}, [
        Call(i % 3, "*6712345", outbound=True) for i in range(8)] + [Call(0, "*6712345")]),
}


FAILOVER = "api uuid_setvar UUID continue_on_fail true"


def without_the_end_of_routing(result: tuple, outcome) -> tuple:
    """A .swr call's record as the Router would have left it: no ``continue_on_fail``
    before the bridge, no hangup at the end of routing (the call would still be up)."""
    commands, cause, *rest = result
    if FAILOVER in commands:  # (not sent when the route had hung the call up itself)
        at = commands.index(FAILOVER)
        assert commands[at + 1].startswith("execute bridge ")
        commands = commands[:at] + commands[at + 1:]
    if outcome.hung_up_at_end:
        assert commands[-1] == f"api uuid_kill UUID {outcome.cause}"
        commands, cause = commands[:-1], None
    return (commands, cause, *rest)


def normalized(lines: list[str], uuid: str) -> list[str]:
    return [line.replace(uuid, "UUID") for line in lines]


async def settle(cluster, call: Call, ch, finished) -> None:
    """Wait until the app is done with the call, hanging it up once bridged if asked."""
    if call.hangup:
        async with asyncio.timeout(5):
            while not finished() and not (ch.peer is not None and any(b.cause is None for b in ch.bridges)):
                await asyncio.sleep(0.005)
        if not ch.ended:
            ch.remote_hangup("NORMAL_CLEARING")
            await ch.wait_hangup(timeout=5)
    async with asyncio.timeout(5):
        while not finished():
            await asyncio.sleep(0.005)


async def place(cluster, call: Call):
    node = cluster.nodes[call.node]
    if call.outbound:
        return node, await node.originate(f"sofia/external/{call.destination}@10.0.0.1", "park")
    return node, await node.place_call(call.destination, call.caller, **call.place)


def what_happened(node, ch) -> tuple:
    return (normalized(sent_to(node, ch.uuid), ch.uuid), ch.hangup_cause if ch.ended else None,
            ch.responded, [b.target for b in ch.bridges], ch.played,
            [r.replace(ch.uuid, "UUID") for r in ch.recordings], ch.answered)


async def run_swr(cluster: EmulatedCluster, example: str, options: dict, calls: list[Call]) -> list[tuple]:
    app_options = {}
    if "clock" in options:
        app_options["clock"] = WallClock(options["clock"])
    if "seed" in options:
        app_options["seed"] = options["seed"]
    results = []
    async with serving(cluster, example, **app_options) as h:
        for call in calls:
            node, ch = await place(cluster, call)
            await settle(cluster, call, ch, lambda ch=ch: bool(h.outcomes[ch.uuid]))
            if h.outcomes[ch.uuid][-1].hung_up_at_end:
                await ch.wait_hangup(timeout=5)
            results.append(without_the_end_of_routing(what_happened(node, ch),
                                                      h.outcomes[ch.uuid][-1]))
    return results


async def run_python(cluster: EmulatedCluster, factory, options: dict, calls: list[Call]) -> list[tuple]:
    router_options = {}
    if "clock" in options:
        moment = options["clock"]
        router_options["clock"] = lambda: moment
    if "seed" in options:
        router_options["seed"] = options["seed"]
    app = factory(**router_options)
    service = Service(cluster.hosts, password=cluster.nodes[0].password)
    service.apps.load_app(app, app_id="default")
    await service.start(wait=5)
    results = []
    try:
        for call in calls:
            node, ch = await place(cluster, call)
            await settle(cluster, call, ch, lambda ch=ch: app.done[ch.uuid].is_set())
            results.append(what_happened(node, ch))
    finally:
        await service.stop()
        workers = getattr(app, "_workers", None)
        if workers is not None:
            workers.shutdown()
    return results


@pytest.mark.parametrize("name", sorted(PARITY))
async def test_seed_example_sends_the_same_commands_as_python(name, cluster):
    factory, options, calls = PARITY[name]
    example = name.split("@")[0]
    swr = await run_swr(cluster, example, options, calls)
    python = await run_python(cluster, factory, options, calls)
    assert swr == python
    assert any(commands for commands, *_ in swr)  # the comparison is about something


def test_every_seed_example_has_a_parity_test():
    from tests.support.dialplan_cluster import EXAMPLES

    seeds = {p.name for p in EXAMPLES.glob("seed_*.swr")}
    assert seeds == {name.split("@")[0] for name in PARITY}


async def test_record_sampling_recorded_some_calls_and_not_others(cluster):
    _factory, options, calls = PARITY["seed_record_sampling.swr"]
    swr = await run_swr(cluster, "seed_record_sampling.swr", options, calls)
    recorded = [bool(recordings) for *_, recordings, _answered in swr]
    assert any(recorded) and not all(recorded)


async def test_once_the_call_is_gone_swr_stops_where_python_queues_on(cluster):
    """The one known difference. 0114412345 has ten digits, so test_did matches too. The
    Python routes do not wait for their commands: the Router goes on to test_did and
    queues one more bridge for a call that is already gone. The .swr runtime waits for
    each command, sees the node refuse the first bridge (the call has hung up after the
    407) and ends the routing there."""
    call = Call(0, "0114412345", place=uri("0114412345"))
    swr = await run_swr(cluster, "seed_transfer_to_context.swr", {}, [call])
    python = await run_python(cluster, tracked(seed.transfer_to_context), {}, [call])
    refused_bridge = "execute bridge sofia/external/0114412345@10.0.0.1"
    assert swr[0][0] == ["execute respond 407", "api uuid_kill UUID NORMAL_CLEARING", refused_bridge]
    assert python[0][0] == swr[0][0] + [refused_bridge]
    assert swr[0][1:] == python[0][1:]  # the call itself ended the same way
