"""switchy under faults: dead, slow and stalled nodes, broken frames, hostile callers.

Each test runs a Service over real TCP against an emulated 3-node cluster, breaks
something, and checks that the calls of the healthy nodes went on, that the broken
connection recovered, and that no call was left parked.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from switchy.apps.routers import Router
from switchy.emulator import EmulatedCluster
from switchy.esl import CommandTimeout
from switchy.esl.codec import url_decode, url_encode
from tests.support.service_cluster import sent_to, serving

pytestmark = pytest.mark.emulator_only


async def until(predicate, timeout: float = 10.0, interval: float = 0.01) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(interval)


def answering_router(**options) -> Router:
    router = Router(**options)

    @router.route(".*")
    def answer(sess, match, router):
        sess.answer()

    return router


def assert_nothing_left_parked(cluster: EmulatedCluster) -> None:
    parked = [ch for node in cluster.nodes for ch in node.channels.values() if ch.in_park and not ch.answered]
    assert parked == [], f"calls left parked: {parked}"


async def test_node_killed_mid_call_others_unaffected_and_its_parked_calls_routed_on_return(cluster):
    async with serving(cluster, (answering_router(), {})) as service:
        active = [await node.place_call("100") for node in cluster.nodes]
        for call in active:
            await call.wait_answered(timeout=5)
        dead = cluster.nodes[1]
        dead.faults.drop_connections()
        await dead.pause()  # its event socket is gone; its calls go on
        # the other nodes keep routing, at once
        fresh = [await cluster.nodes[i].place_call("200") for i in (0, 2)]
        for call in fresh:
            await call.wait_answered(timeout=5)
        waiting = await dead.place_call("300")  # parks while switchy cannot see it
        assert not service.nodes[1].client.connected
        await dead.resume()
        await waiting.wait_answered(timeout=10)
        node = service.nodes[1]
        assert node.client.reconnects >= 1 and node.stats["recovered"] == 1
        # the reconnect re-subscribed: a brand-new call on that node is routed too
        later = await dead.place_call("400")
        await later.wait_answered(timeout=5)
        assert all(not call.ended for call in active)  # nothing hung up the calls in progress
        assert_nothing_left_parked(cluster)


async def test_slow_node_times_out_with_a_clear_error_and_others_do_not_wait(cluster, caplog):
    caplog.set_level(logging.ERROR)
    slow = cluster.nodes[0]
    # late, but not so late that switchy would call the node stalled (twice the timeout)
    slow.faults.reply_delay = lambda line: 0.45 if line.startswith("api uuid_answer") else 0.0
    async with serving(cluster, (answering_router(), {}), timeout=0.3) as service:
        stuck = await slow.place_call("100")
        await until(lambda: any(c.line.startswith("api uuid_answer") for c in slow.commands))
        others = [await cluster.nodes[i].place_call("100") for i in (1, 2)]
        for call in others:  # (that they never wait behind a node: see the stalled test)
            await call.wait_answered(timeout=5)
        await until(lambda: "no reply to api uuid_answer" in caplog.text)
        assert f"call {stuck.uuid}: uuid_answer {stuck.uuid} failed" in caplog.text
        assert "within 0.3 s" in caplog.text
        # the late reply is absorbed in order; the connection stays usable, not reset
        slow.faults.reply_delay = 0.0
        assert (await service.nodes[0].client.api("version")).startswith("FreeSWITCH")
        assert service.nodes[0].client.reconnects == 0


async def test_stalled_node_is_reset_and_recovers(cluster, caplog):
    stalled = cluster.nodes[2]
    async with serving(cluster, (answering_router(), {}), timeout=0.3) as service:
        client = service.nodes[2].client
        stalled.faults.stall = True
        with pytest.raises(CommandTimeout, match=r"no reply to api status within 0\.3 s"):
            await client.api("status")
        # while that node answers nothing at all, the others route as usual
        for healthy in cluster.nodes[:2]:
            call = await healthy.place_call("100")
            await call.wait_answered(timeout=5)
        # the reply is overdue twice over: switchy gives up on the connection
        await until(lambda: "looks stalled, resetting the connection" in caplog.text)
        stalled.faults.stall = False
        await until(lambda: client.reconnects >= 1 and client.connected, timeout=15)
        late = await stalled.place_call("100")
        await late.wait_answered(timeout=5)


@pytest.mark.parametrize("fault", [
    "garbage",
    "huge content-length",
    "truncated frame",
    "unexpected disconnect notice",
])
async def test_broken_frames_reset_or_resync_and_routing_goes_on(cluster, caplog, fault):
    node = cluster.nodes[1]
    async with serving(cluster, (answering_router(), {})) as service:
        client = service.nodes[1].client
        if fault == "garbage":
            node.faults.send_garbage()
        elif fault == "huge content-length":
            node.faults.send_garbage(b"Content-Type: api/response\nContent-Length: 99999999999\n\n")
        elif fault == "truncated frame":
            node.faults.close_mid_frame()
            await node.place_call("100")  # its events are the frames cut in half
        else:
            node.faults.send_garbage(b"Content-Type: text/disconnect-notice\nContent-Length: 31\n\n"
                                     b"The system is being shut down.\n")
        await until(lambda: client.connected and (client.reconnects or client.connection.protocol_errors
                                                   or client.connection.disconnect_notice is not None))
        call = await node.place_call("200")
        await call.wait_answered(timeout=10)
        for other in (0, 2):
            healthy = await cluster.nodes[other].place_call("300")
            await healthy.wait_answered(timeout=5)
        await until(lambda: all(ch.answered for ch in node.channels.values() if ch.in_park), timeout=10)
        assert_nothing_left_parked(cluster)
        assert not node.errors


HOSTILE = [
    'Mallory"\r\n\r\napi hupall NORMAL_CLEARING\r\n\r\n',
    "100% %41 %zz +plus",
    "x" * 10_000,
    "caf\udce9 \udcff\udcfe",  # bytes that are not UTF-8, as switchy decodes them
    "tab\there",
]


@pytest.mark.parametrize("name", HOSTILE, ids=["crlf-injection", "percent", "10kB", "non-utf8", "tab"])
async def test_caller_controlled_values_reach_actions_without_injecting(cluster, name):
    router = Router()

    @router.route(".*")
    def copy_caller(sess, match, router):
        caller = sess["Caller-Caller-ID-Name"]
        sess.setvar("who_called", caller)
        sess.execute("log", f"INFO call from {caller}")
        sess.answer()

    async with serving(cluster, (router, {})):
        node = cluster.nodes[0]
        bystander = await node.place_call("999", caller_id_name="Bob")
        await bystander.wait_answered(timeout=5)
        call = await node.place_call("100", caller_id_name=name)
        await call.wait_answered(timeout=5)
        await until(lambda: "who_called" in call.variables)
        # exactly what switchy read from the event (FreeSWITCH itself leaves a '%41'
        # it writes undecoded, so a reader sees 'A': that is FreeSWITCH's encoding)
        assert call.variables["who_called"] == url_decode(url_encode(name))
        assert not any(c.line.startswith("api hupall") for c in node.commands)
        assert not bystander.ended, "another call was disturbed"
        assert sent_to(node, call.uuid)[-1] == f"api uuid_answer {call.uuid}"
        assert not node.errors


async def test_nul_in_a_caller_value_is_refused_clearly_and_the_call_still_routed(cluster, caplog):
    router = Router()

    @router.route(".*")
    def copy_caller(sess, match, router):
        sess.setvar("who_called", sess["Caller-Caller-ID-Name"])
        sess.answer()

    async with serving(cluster, (router, {})):
        call = await cluster.nodes[0].place_call("100", caller_id_name="nul\x00byte")
        await call.wait_answered(timeout=5)
        assert "who_called" not in call.variables
        assert "contains NUL, which FreeSWITCH would cut" in caplog.text
        assert call.uuid in caplog.text


async def test_a_route_that_spins_forever_is_stopped_and_the_service_keeps_serving(cluster):
    router = Router(route_timeout=0.3)

    @router.route("^1$")
    def spin(sess, match, router):
        while True:
            pass

    @router.route("^2$")
    def fine(sess, match, router):
        sess.answer()

    async with serving(cluster, (router, {})):
        spinning = await cluster.nodes[0].place_call("1")
        assert await spinning.wait_hangup(timeout=5) == "NORMAL_TEMPORARY_FAILURE"
        for node in cluster.nodes:
            call = await node.place_call("2")
            await call.wait_answered(timeout=5)
        await until(lambda: router._workers.interrupted == 1)
