"""``/metrics`` and ``/healthz`` over real HTTP, in inbound and outbound mode."""

from __future__ import annotations

import asyncio
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from switchy import OutboundService, Service
from switchy.apps.routers import Router
from switchy.dialplan.runtime.app import DialplanApp
from switchy.emulator import EmulatedCluster

pytestmark = pytest.mark.emulator_only  # node faults and the emulator's outbound calls

DIALPLAN = """\
route busy "^1\\d+$" {
    hangup("USER_BUSY")
}
route rejected "^2\\d+$" {
    respond(486)
}
"""


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


async def fetch(address: str, path: str) -> tuple[int, str]:
    return await asyncio.to_thread(get, f"http://{address}{path}")


def value(text: str, name: str, **labels: str) -> float:
    """One sample of the exposition text (0 when absent)."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
        if found == labels:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_inbound_metrics_and_health_over_http(tmp_path: Path):
    path = tmp_path / "plan.swr"
    path.write_text(DIALPLAN)
    app = DialplanApp([path])
    async with EmulatedCluster(nodes=2, time_scale=0.01) as cluster:
        service = Service(cluster.hosts, metrics="127.0.0.1:0", claims=True)
        service.apps.load_app(app)
        await service.start(wait=5)
        address = service.metrics_server.address
        for number in ("1001", "1002", "2001", "9999"):
            call = await cluster.nodes[int(number) % 2].place_call(number)
            await call.wait_hangup()
            await call.wait_destroyed()
        path.write_text(DIALPLAN + "route broken {\n")  # refused: the running one stays
        app.reload()
        path.write_text(DIALPLAN.replace("486", "480"))
        app.reload()
        status, text = await fetch(address, "/metrics")
        assert status == 200
        assert value(text, "switchy_calls_total", dialplan="default", route="busy", outcome="routed") == 2
        assert value(text, "switchy_calls_total", dialplan="default", route="rejected", outcome="routed") == 1
        assert value(text, "switchy_calls_total", dialplan="default", route="-", outcome="no-route") == 1
        assert value(text, "switchy_hangups_total", cause="USER_BUSY") == 3  # 486 is USER_BUSY too
        assert value(text, "switchy_hangups_total", cause="NO_ROUTE_DESTINATION") == 1
        assert value(text, "switchy_park_to_first_command_seconds_count") == 4
        assert value(text, "switchy_commands_sent_total") == 4
        assert value(text, "switchy_dialplan_reloads_total", result="reloaded") == 1
        assert value(text, "switchy_dialplan_reloads_total", result="refused") == 1
        won = sum(value(text, "switchy_claims_total", node=n.name, result="won") for n in service.nodes)
        assert won == 4
        for node in service.nodes:
            assert value(text, "switchy_node_connected", node=node.name) == 1
        assert await fetch(address, "/healthz") == (200, "serving\n")
        # one node away: still serving; both away: 503; back: reconnects counted
        await cluster.nodes[0].pause()
        async with asyncio.timeout(5):
            while service.nodes[0].client.connected:
                await asyncio.sleep(0.01)
        assert (await fetch(address, "/healthz"))[0] == 200
        await cluster.nodes[1].pause()
        async with asyncio.timeout(5):
            while service.nodes[1].client.connected:
                await asyncio.sleep(0.01)
        assert await fetch(address, "/healthz") == (503, "not serving\n")
        text = (await fetch(address, "/metrics"))[1]
        assert value(text, "switchy_node_connected", node=service.nodes[0].name) == 0
        await cluster.nodes[0].resume()
        await service.nodes[0].client.wait_connected(5)
        text = (await fetch(address, "/metrics"))[1]
        assert value(text, "switchy_node_reconnects_total", node=service.nodes[0].name) == 1
        assert (await fetch(address, "/healthz"))[0] == 200
        await service.stop()
        with pytest.raises(OSError):  # the server is gone with the service
            await fetch(address, "/healthz")


async def test_outbound_metrics_and_health_over_http():
    router = Router(route_threads=None)

    @router.route(".*")
    def refuse(sess, match, router):
        sess.execute("no_such_application")  # FreeSWITCH accepts it, then hangs up
        sess.hangup("USER_BUSY")

    service = OutboundService(("127.0.0.1", 0), metrics="127.0.0.1:0")
    service.apps.load_app(router)
    await service.start()
    address = service.metrics_server.address
    async with EmulatedCluster(nodes=1, time_scale=0.01) as cluster:
        cluster.nodes[0].config.outbound = (service.address,)
        call = await cluster.nodes[0].place_call("100")
        assert await call.wait_hangup() == "DESTINATION_OUT_OF_ORDER"
        await call.wait_destroyed()
        status, text = await fetch(address, "/metrics")
        assert status == 200
        assert value(text, "switchy_outbound_listening") == 1
        assert value(text, "switchy_outbound_connections_total") == 1
        assert value(text, "switchy_calls_total", dialplan="-", route="refuse", outcome="routed") == 1
        assert value(text, "switchy_hangups_total", cause="DESTINATION_OUT_OF_ORDER") == 1
        assert value(text, "switchy_commands_sent_total") == 2
        assert value(text, "switchy_commands_refused_total") == 1  # the execute never completed
        assert await fetch(address, "/healthz") == (200, "serving\n")
        await service.server.stop_accepting()  # what a graceful stop does first
        assert await fetch(address, "/healthz") == (503, "not serving\n")
        text = (await fetch(address, "/metrics"))[1]
        assert value(text, "switchy_outbound_listening") == 0
    await service.stop(0)
