"""The Service on an emulated cluster: sessions, calls, apps, async routes, faults."""

from __future__ import annotations

import asyncio
import logging
import threading

import pytest

from switchy import CommandFailed, event_callback
from switchy.apps import AppManager
from switchy.apps.routers import Router
from switchy.esl import InboundClient
from tests.support.service_cluster import sent_to, serving

pytestmark = pytest.mark.emulator_only


async def until(predicate, timeout: float = 5.0, interval: float = 0.01) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(interval)


class Recorder:
    """Remembers the sessions and events it was called with."""

    def __init__(self) -> None:
        self.parked = []
        self.answered = []
        self.custom = []

    @event_callback("CHANNEL_PARK")
    def on_park(self, sess):
        self.parked.append(sess)

    @event_callback("CHANNEL_ANSWER")
    async def on_answer(self, sess):
        self.answered.append(sess)

    @event_callback("sofia::register")
    def on_register(self, event):
        self.custom.append(event)


async def test_sessions_track_their_channel(cluster):
    app = Recorder()
    async with serving(cluster, (app, {})) as service:
        call = await cluster.nodes[1].place_call("2001", "1000", caller_id_name="Alice",
                                                 variables={"sip_req_uri": "2001@pbx"})
        await until(lambda: app.parked)
        sess = app.parked[0]
        assert sess.uuid == call.uuid
        assert sess.node is service.nodes[1]
        assert sess["Caller-Destination-Number"] == "2001"
        assert sess["variable_sip_req_uri"] == "2001@pbx"
        assert sess.get("variable_nope", "dflt") == "dflt"
        with pytest.raises(KeyError):
            sess["variable_nope"]
        assert sess.is_inbound() and not sess.answered
        await sess.answer()  # async use: completes on FreeSWITCH's reply
        await until(lambda: app.answered)
        assert sess.answered and "answered" in sess.times
        assert service.sessions[call.uuid] is sess
        await sess.hangup("USER_BUSY")
        await call.wait_destroyed(timeout=5)
        await until(lambda: call.uuid not in service.sessions)
        assert sess.hungup and sess.hangup_cause == "USER_BUSY"


async def test_custom_events_keep_the_standard_subscription(cluster):
    app = Recorder()
    async with serving(cluster, (app, {})):
        node = cluster.nodes[0]
        subscribed = [c.line for c in node.commands if c.line.startswith("event ")]
        assert subscribed, "the service subscribed"
        words = subscribed[-1].split()
        assert "CHANNEL_PARK" in words and "BACKGROUND_JOB" in words
        assert words[words.index("CUSTOM") + 1:] == ["sofia::register"]  # subclasses last
        async with InboundClient(node.host, node.port, node.password) as fs:
            reply = await fs.sendevent("CUSTOM", [("Event-Subclass", "sofia::register"), ("from-user", "1000")])
            assert reply.startswith("+OK")
        await until(lambda: app.custom)
        assert app.custom[0]["from-user"] == "1000"


async def test_bridge_groups_both_legs_in_one_call(cluster):
    class Bridger:
        @event_callback("CHANNEL_PARK")
        def on_park(self, sess):
            sess.bridge(dest_url="2002@pbx", profile="internal")

    async with serving(cluster, (Bridger, {})) as service:
        call = await cluster.nodes[0].place_call("2002")
        await call.wait_bridged(timeout=5)
        node = service.nodes[0]
        await until(lambda: len(node.sessions) == 2)
        (legs,) = [c for c in node.calls.values() if len(c) == 2]
        assert legs.first.uuid == call.uuid
        assert legs.get_peer(legs.first).is_outbound()


async def test_async_route_awaits_each_application(cluster):
    router = Router()
    done = []

    @router.route("^3000$")
    async def ivr(sess, match, router):
        await sess.answer()
        complete = await sess.playback("ivr/welcome.wav")
        done.append(complete["Application-Response"])
        await sess.hangup()

    async with serving(cluster, (router, {})):
        call = await cluster.nodes[2].place_call("3000")
        assert await call.wait_hangup(timeout=5) == "NORMAL_CLEARING"
        assert done == ["FILE PLAYED"]
        assert call.played == ["ivr/welcome.wav"] and call.answered


async def test_failed_command_raises_naming_call_and_command(cluster):
    router = Router()
    errors = []

    @router.route(".*")
    async def route(sess, match, router):
        await sess.hangup()
        try:
            await sess.send_dtmf("1")
        except CommandFailed as exc:
            errors.append(str(exc))

    async with serving(cluster, (router, {})):
        call = await cluster.nodes[0].place_call("100")
        await until(lambda: errors)
        assert errors == [f"call {call.uuid}: uuid_send_dtmf {call.uuid} 1 failed: "
                          "-ERR Cannot locate session!"]


async def test_a_route_that_raises_hangs_up_its_call_and_others_go_on(cluster, caplog):
    router = Router()

    @router.route("^666$")
    def broken(sess, match, router):
        raise RuntimeError("bug in the route")

    @router.route("^7")
    def fine(sess, match, router):
        sess.answer()

    async with serving(cluster, (router, {})):
        bad = await cluster.nodes[0].place_call("666")
        good = await cluster.nodes[0].place_call("700")
        assert await bad.wait_hangup(timeout=5) == "NORMAL_TEMPORARY_FAILURE"
        await good.wait_answered(timeout=5)
        assert f"[{bad.uuid}] route broken ('^666$') raised" in caplog.text
        assert "bug in the route" in caplog.text


async def test_a_route_that_blocks_does_not_hold_up_other_calls(cluster):
    router = Router()
    release = threading.Event()

    @router.route("^1$")
    def stuck(sess, match, router):
        release.wait(10)  # blocks its worker thread, never the event loop
        sess.answer()

    @router.route("^2$")
    def quick(sess, match, router):
        sess.answer()

    async with serving(cluster, (router, {})):
        blocked = await cluster.nodes[1].place_call("1")
        other = await cluster.nodes[1].place_call("2")
        # were routes run on the event loop, this call could not be answered before the
        # blocked route returns, which it only does once released below
        await other.wait_answered(timeout=5)
        assert not blocked.answered
        release.set()
        await blocked.wait_answered(timeout=5)


async def test_a_route_that_blocks_past_its_timeout_hangs_up_its_call(cluster):
    router = Router(route_timeout=0.3)
    release = threading.Event()

    @router.route("^1$")
    def stuck(sess, match, router):
        release.wait(10)

    async with serving(cluster, (router, {})):
        blocked = await cluster.nodes[1].place_call("1")
        assert await blocked.wait_hangup(timeout=5) == "NORMAL_TEMPORARY_FAILURE"
        assert router.stats["timeout"] == 1
        release.set()


async def test_unhandled_parked_call_is_hung_up_after_the_park_timeout(cluster):
    app = Recorder()  # sees the park but sends nothing
    async with serving(cluster, (app, {}), park_timeout=0.2, park_timeout_cause="NETWORK_OUT_OF_ORDER") as service:
        call = await cluster.nodes[0].place_call("100")
        assert await call.wait_hangup(timeout=5) == "NETWORK_OUT_OF_ORDER"
        assert service.nodes[0].stats["park_timeouts"] == 1


async def test_a_node_down_at_start_is_retried_while_the_others_work(cluster):
    down = cluster.nodes[2]
    await down.pause()
    router = Router()
    router.route(".*")(lambda sess, match, router: sess.answer())
    async with serving(cluster, (router, {})) as service:
        up_call = await cluster.nodes[0].place_call("100")
        await up_call.wait_answered(timeout=5)
        assert not service.nodes[2].client.connected
        await down.resume()
        await service.nodes[2].client.wait_connected(timeout=10)
        late = await down.place_call("100")
        await late.wait_answered(timeout=5)


async def test_calls_parked_while_disconnected_are_routed_after_reconnect(cluster):
    router = Router()
    router.route(".*")(lambda sess, match, router: sess.answer())
    async with serving(cluster, (router, {})) as service:
        node = cluster.nodes[0]
        await node.pause()  # the ESL listener goes away; calls go on
        waiting = await node.place_call("100")
        assert waiting.in_park and not waiting.answered
        await node.resume()
        await waiting.wait_answered(timeout=10)
        assert service.nodes[0].stats["recovered"] == 1


async def test_unload_app(cluster):
    router = Router()
    router.route(".*")(lambda sess, match, router: sess.hangup("USER_BUSY"))
    replacement = Router()
    replacement.route(".*")(lambda sess, match, router: sess.answer())
    async with serving(cluster, (router, {"app_id": "default"})) as service:
        busy = await cluster.nodes[0].place_call("100")  # routed by the first router first
        await busy.wait_hangup(timeout=5)
        assert busy.hangup_cause == "USER_BUSY"
        assert service.apps.unload_app("default") == [router]
        with pytest.raises(KeyError):
            service.apps.unload_app("default")
        service.apps.load_app(replacement)
        call = await cluster.nodes[0].place_call("100")
        await call.wait_answered(timeout=5)
        assert call.hangup_cause is None


async def test_calls_on_other_nodes_are_undisturbed_by_a_dead_node(cluster, caplog):
    caplog.set_level(logging.WARNING)
    router = Router()
    router.route(".*")(lambda sess, match, router: sess.answer())
    async with serving(cluster, (router, {})):
        cluster.nodes[1].faults.drop_connections()
        await cluster.nodes[1].pause()
        calls = [await cluster.nodes[i].place_call("100") for i in (0, 2)]
        for call in calls:
            await call.wait_answered(timeout=5)
        assert all(sent_to(n, c.uuid) == [f"api uuid_answer {c.uuid}"]
                   for n, c in zip((cluster.nodes[0], cluster.nodes[2]), calls, strict=True))


async def test_park_timeout_spares_calls_no_app_is_responsible_for(cluster):
    app = Recorder()  # handles context "switchy" only, and sends nothing
    async with serving(cluster, (app, {"app_id": "switchy", "header": "Caller-Context"}), park_timeout=0.2):
        theirs = await cluster.nodes[0].place_call("100", context="parking-lot")
        ours = await cluster.nodes[0].place_call("100", context="switchy")
        # ours parked later than theirs, so once ours timed out, theirs would have too
        assert await ours.wait_hangup(timeout=5) == "NORMAL_TEMPORARY_FAILURE"
        assert theirs.in_park and theirs.hangup_cause is None


async def test_a_call_parked_again_and_again_is_stopped(cluster, caplog):
    router = Router()
    router.route(".*")(lambda sess, match, router: sess.transfer("100", context="default"))
    async with serving(cluster, (router, {}), max_parks=3):
        call = await cluster.nodes[0].place_call("100")
        assert await call.wait_hangup(timeout=10) == "EXCHANGE_ROUTING_ERROR"
        assert len(call.transfers) == 3
        assert f"[{call.uuid}] parked 4 times; hanging up with EXCHANGE_ROUTING_ERROR" in caplog.text


async def test_a_call_transferred_into_an_apps_context_is_that_apps_when_it_parks(cluster):
    app = Recorder()  # context "switchy" only
    async with serving(cluster, (app, {"app_id": "switchy", "header": "Caller-Context"})):
        node = cluster.nodes[0]
        call = await node.place_call("100", context="public")  # no app's: left alone
        async with InboundClient(node.host, node.port, node.password) as client:
            assert await client.api(f"uuid_transfer {call.uuid} 200 XML switchy") == "+OK\n"
        await until(lambda: app.parked)
        assert [s.uuid for s in app.parked] == [call.uuid]
        assert app.parked[0].app_id == "switchy" and app.parked[0]["Caller-Context"] == "switchy"


def test_the_catch_all_is_an_app_loaded_under_default_without_a_header():
    apps = AppManager()
    apps.load_app(Recorder(), app_id="default", header="Caller-Context")  # context "default" only
    apps.load_app(Recorder(), app_id="switchy", header="Caller-Context")
    headers = {"Caller-Context": "public"}
    assert apps.choose(headers.get) is None  # no app's call
    assert apps.choose({"Caller-Context": "default"}.get) == "default"
    apps.load_app(Recorder(), app_id="default")  # the explicit catch-all
    assert apps.choose(headers.get) == "default"
    assert apps.choose({"Caller-Context": "switchy"}.get) == "switchy"


def test_callbacks_follow_the_apps_loaded_and_unloaded():
    """The callbacks of an (app, event) are remembered between events, never past a change."""
    apps = AppManager()
    first, second = Recorder(), Recorder()
    apps.load_app(first, app_id="default")
    assert apps.callbacks("default", "CHANNEL_PARK") == (first.on_park,)
    assert apps.callbacks(None, "CHANNEL_PARK") == (first.on_park,)
    apps.load_app(second, app_id="other")
    assert apps.callbacks(None, "CHANNEL_PARK") == (first.on_park, second.on_park)
    assert apps.callbacks("default", "CHANNEL_PARK") == (first.on_park,)
    apps.unload_app("default")
    assert apps.callbacks(None, "CHANNEL_PARK") == (second.on_park,)
    assert apps.callbacks("default", "CHANNEL_PARK") == ()
    assert apps.callbacks("other", "NO_SUCH_EVENT") == ()
