"""Outbound mode end to end: the nodes' socket application hands calls to OutboundServices.

The same Python apps as inbound mode (the seed's own code) route the calls; failover
is FreeSWITCH's: one ``socket`` action per controller, the next one tried when a
controller refuses the connection or drops the call. (``tests/dialplan/
test_examples_e2e.py`` runs every .swr example in both modes.)
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

import pytest

from switchy import OutboundService
from switchy.apps.routers import Router
from switchy.emulator import EmulatedCluster
from switchy.esl import OutboundServer
from tests.support import seed_apps as seed
from tests.support.service_cluster import sent_to

pytestmark = pytest.mark.emulator_only  # the nodes' side of outbound mode is the emulator's

EXTERNAL = {"sofia_profile_name": "external", "sofia_profile": "external"}


def free_port() -> int:
    """A port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def controller(*apps, **options):  # type: ignore[no-untyped-def]
    service = OutboundService(("127.0.0.1", 0), **options)
    for app, load in apps:
        service.apps.load_app(app, **load)
    await service.start()
    try:
        yield service
    finally:
        await service.stop(0)


async def until(predicate, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.005)


def holding_router(hold: str = "tone_stream://%(100000,0,440)") -> Router:
    """Answers and plays a long tone (1 s at time scale 0.01), then hangs up."""
    router = Router(route_threads=None)

    @router.route(".*")
    async def hold_on(sess, match, router):
        sess.answer()
        await sess.playback(hold)
        sess.hangup("NORMAL_CLEARING")

    return router


async def test_seed_apps_route_over_outbound_sockets_unchanged():
    async with EmulatedCluster(nodes=2, time_scale=0.01) as cluster, \
            controller((seed.block_international(), {"app_id": "default"})) as service:
        for node in cluster.nodes:
            node.config.outbound = (service.address,)
        intl = await cluster.nodes[0].place_call("0114412345", variables=EXTERNAL)
        local = await cluster.nodes[1].place_call("5551234", variables=EXTERNAL)
        assert await intl.wait_hangup() == "CALL_REJECTED"
        assert await local.wait_hangup() == "NO_ROUTE_DESTINATION"
        await intl.wait_destroyed()
        assert intl.responded == 407
        assert sent_to(cluster.nodes[0], intl.uuid) == ["execute respond 407",
                                                        f"api uuid_kill {intl.uuid} NORMAL_CLEARING"]
        assert sent_to(cluster.nodes[1], local.uuid) == [f"api uuid_kill {local.uuid} NO_ROUTE_DESTINATION"]
        assert intl.handed_to == [service.address] and local.handed_to == [service.address]
        # the conversation on the socket: connect, myevents, linger, then sendmsg without a uuid
        lines = [c.line for c in cluster.nodes[0].commands if cluster.nodes[0].bound.get(c.connection) == intl.uuid]
        assert lines[:3] == ["connect", "myevents", f"linger {service.linger}"]
        assert "sendmsg" in lines


async def test_a_refused_connection_fails_over_to_the_next_socket_action():
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster, \
            controller((seed.block_international(), {"app_id": "default"})) as service:
        node = cluster.nodes[0]
        dead = f"127.0.0.1:{free_port()}"
        node.config.outbound = (dead, service.address)
        call = await node.place_call("0114412345", variables=EXTERNAL)
        assert await call.wait_hangup() == "CALL_REJECTED"
        assert call.handed_to == [service.address]
        assert [app for app, _ in call.applications][:2] == ["socket", "socket"]


async def test_a_call_no_app_handles_is_given_back_to_the_extension():
    only_switchy = Router()
    only_switchy.route(".*")(lambda sess, match, router: sess.hangup("USER_BUSY"))
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster, \
            controller((only_switchy, {"app_id": "switchy", "header": "Caller-Context"})) as first, \
            controller((seed.block_international(), {"app_id": "default"})) as second:
        node = cluster.nodes[0]
        node.config.outbound = (first.address, second.address)
        mine = await node.place_call("100", context="switchy")
        other = await node.place_call("0114412345", context="public", variables=EXTERNAL)
        assert await mine.wait_hangup() == "USER_BUSY"
        assert mine.handed_to == [first.address]
        assert await other.wait_hangup() == "CALL_REJECTED"  # the first gave it back
        assert other.handed_to == [first.address, second.address]
        assert first.stats["given_back"] == 1
        node.config.outbound = (first.address,)  # nothing after it: the extension ends
        last = await node.place_call("200", context="public")
        assert await last.wait_hangup() == "NORMAL_CLEARING"


async def test_a_dropped_controller_hands_its_calls_to_the_next_action_or_ends_them():
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster, \
            controller((holding_router(), {})) as first, \
            controller((seed.block_international(), {"app_id": "default"})) as second:
        node = cluster.nodes[0]
        node.config.outbound = (first.address, second.address)
        call = await node.place_call("0114412345", variables=EXTERNAL)
        await call.wait_answered()
        for conn in list(first.server.connections):  # the controller dies mid-call
            conn.protocol.abort()
        # respond 407 is moot on an answered leg; switchy then ends the call with its cause
        assert await call.wait_hangup(timeout=5) == "CALL_REJECTED"
        assert call.handed_to == [first.address, second.address]
        node.config.outbound = (first.address,)
        alone = await node.place_call("5551234")
        await alone.wait_answered()
        for conn in list(first.server.connections):
            conn.protocol.abort()
        assert await alone.wait_hangup(timeout=5) == "NORMAL_CLEARING"  # end of the extension
        assert "CHANNEL_UNPARK" in alone.history


async def test_graceful_stop_finishes_calls_in_hand_and_turns_new_ones_away():
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster, \
            controller((seed.block_international(), {"app_id": "default"})) as second:
        first = OutboundService(("127.0.0.1", 0))
        first.apps.load_app(holding_router())
        await first.start()
        node = cluster.nodes[0]
        node.config.outbound = (first.address, second.address)
        held = await node.place_call("5551234")
        await held.wait_answered()
        stopping = asyncio.get_running_loop().create_task(first.stop())
        await asyncio.sleep(0)  # the listening socket closes at once
        assert not first.healthy
        turned = await node.place_call("0114412345", variables=EXTERNAL)
        assert await turned.wait_hangup() == "CALL_REJECTED"
        assert turned.handed_to == [second.address]
        assert not stopping.done() or held.ended  # it waits for the call in hand
        assert await held.wait_hangup(timeout=5) == "NORMAL_CLEARING"
        assert await asyncio.wait_for(stopping, 5) == 0  # no call was cut
        assert sent_to(node, held.uuid)[-1] == f"api uuid_kill {held.uuid} NORMAL_CLEARING"


async def test_a_controller_that_closes_before_connect_leaves_the_call_waiting():
    """FreeSWITCH's socket application waits for ``connect`` until the caller gives up."""
    async def close_at_once(reader, writer):  # type: ignore[no-untyped-def]
        writer.close()

    server = await asyncio.start_server(close_at_once, "127.0.0.1", 0)
    silent = f"127.0.0.1:{server.sockets[0].getsockname()[1]}"
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]
        node.config.outbound = (silent,)
        call = await node.place_call("5551234")
        await until(lambda: call.handed_to == [silent])  # connected...
        await until(lambda: not any(listener.session is call for listener in node.listeners))
        assert not call.ended and not call.parked  # ...closed, and the call still waits
        call.remote_hangup("ORIGINATOR_CANCEL")
        assert await call.wait_hangup() == "ORIGINATOR_CANCEL"
    server.close()


async def test_a_peer_that_is_no_freeswitch_disturbs_nothing():
    router = Router(route_threads=None)
    router.route(".*")(lambda sess, match, router: sess.hangup("USER_BUSY"))
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster, \
            controller((router, {}), timeout=0.5) as service:
        host, port = service.address.rsplit(":", 1)
        hello = b"connect\n\nmyevents\n\nlinger 5\n\n"  # we speak first, all at once
        garbage_r, garbage_w = await asyncio.open_connection(host, int(port))
        assert await garbage_r.readexactly(len(hello)) == hello
        garbage_w.write(b"Content-Type: command/reply\nContent-Length: nonsense\n\n\x00\xff")
        mute_r, mute_w = await asyncio.open_connection(host, int(port))
        assert await mute_r.readexactly(len(hello)) == hello
        assert await asyncio.wait_for(garbage_r.read(), 5) == b""  # cut off at the garbage
        assert await asyncio.wait_for(mute_r.read(), 5) == b""  # closed when connect timed out
        node = cluster.nodes[0]
        node.config.outbound = (service.address,)
        call = await node.place_call("100")
        assert await call.wait_hangup() == "USER_BUSY"
        assert service.stats["failed"] == 2 and service.listening
        garbage_w.close()
        mute_w.close()


async def test_the_server_alone_hands_each_connection_to_its_handler():
    seen: list[str] = []

    async def handler(conn) -> None:  # type: ignore[no-untyped-def]
        channel = await conn.start(linger=1)
        seen.append(channel["Caller-Destination-Number"])
        assert await conn.getvar("channel_name") == channel["Channel-Name"]
        await conn.hangup("USER_BUSY")
        await conn.hung_up.wait()

    async with OutboundServer(handler, "127.0.0.1", 0) as server, \
            EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        node = cluster.nodes[0]
        node.config.outbound = (server.address,)
        call = await node.place_call("4321")
        assert await call.wait_hangup() == "USER_BUSY"
        assert seen == ["4321"] and server.accepted == 1
