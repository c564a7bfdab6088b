"""``switchy run --listen``, ``--claim``, ``--metrics`` and ``switchy emulate --outbound``
as a user runs them: real processes, real sockets, real HTTP."""

from __future__ import annotations

import asyncio
import signal
import socket
import urllib.request

import pytest

from switchy import OutboundService
from switchy.apps.routers import Router
from switchy.emulator import EmulatedCluster
from tests.support.processes import Switchy, write_dialplan

pytestmark = pytest.mark.emulator_only

BUSY = 'route everyone ".*" {\n    hangup("USER_BUSY")\n}\n'


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


async def test_run_listen_routes_calls_and_stops_gracefully_on_sigterm(tmp_path):
    plan = write_dialplan(tmp_path, BUSY)
    port, metrics = free_port(), free_port()
    run = await Switchy("run", str(plan), "--listen", f"127.0.0.1:{port}",
                        "--metrics", f"127.0.0.1:{metrics}").start()
    try:
        await run.expect("listening on")
        assert await asyncio.to_thread(http, f"http://127.0.0.1:{metrics}/healthz") == 200
        async with EmulatedCluster(nodes=2, time_scale=0.01, outbound=(f"127.0.0.1:{port}",)) as cluster:
            calls = [await cluster.nodes[k % 2].place_call(f"55{k}") for k in range(4)]
            for call in calls:
                assert await call.wait_hangup() == "USER_BUSY"
            await run.expect(calls[-1].uuid[:8])  # one line per routed call
            run.signal(signal.SIGTERM)
            assert await run.wait() == 0
        assert "stopping: no new calls" in run.output
    finally:
        await run.stop()


async def test_run_claim_shares_nodes_and_refuses_a_controller_id_in_use(tmp_path):
    plan = write_dialplan(tmp_path, BUSY)
    async with EmulatedCluster(nodes=2, time_scale=0.01) as cluster:
        hosts = [arg for h in cluster.hosts for arg in ("--host", h)]
        one = await Switchy("run", str(plan), *hosts, "--claim", "--controller-id", "one",
                            "--heartbeat", "0.2", "0.6", "--no-reload").start()
        two = await Switchy("run", str(plan), *hosts, "--claim", "--heartbeat", "0.2", "0.6",
                            "--no-reload").start()
        twin = None
        try:
            await one.expect("as controller one")
            await two.expect("as controller ")
            calls = [await cluster.nodes[k % 2].place_call(f"66{k}") for k in range(10)]
            for call in calls:
                assert await call.wait_hangup() == "USER_BUSY"
                node = cluster.node_of(call.uuid)
                assert [c for c in node.commands_for(call.uuid) if "uuid_kill" in c] == \
                    [f"api uuid_kill {call.uuid} USER_BUSY"]  # routed once
            twin = await Switchy("run", str(plan), *hosts, "--controller-id", "one",
                                 "--heartbeat", "0.2", "0.6", "--no-reload").start()
            assert await twin.wait() == 1
            assert "controller id one is in use by another running controller" in twin.output
        finally:
            for process in (one, two, twin):
                if process is not None:
                    await process.stop()


@pytest.mark.parametrize("args, message", [
    (["--controller-id", "two words"], "invalid controller id"),
    (["--controller-id", "a/b"], "invalid controller id"),
    (["--claim", "--heartbeat", "3", "1"], "timeout must be longer"),
    (["--listen", "127.0.0.1:notaport"], "invalid port"),
])
async def test_bad_cluster_options_are_refused_clearly(tmp_path, args, message):
    plan = write_dialplan(tmp_path, BUSY)
    target = [] if "--listen" in args else ["--host", "127.0.0.1:1"]
    run = await Switchy("run", str(plan), *target, *args).start()
    assert await run.wait() == 2
    assert message in run.output


async def test_run_listen_on_a_port_in_use_fails_clearly(tmp_path):
    plan = write_dialplan(tmp_path, BUSY)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        run = await Switchy("run", str(plan), "--listen", f"127.0.0.1:{taken.getsockname()[1]}").start()
        assert await run.wait() == 1
    assert "cannot listen on" in run.output


async def test_emulate_outbound_hands_calls_over_failing_over_along_the_list():
    router = Router(route_threads=None)
    router.route(".*")(lambda sess, match, router: sess.hangup("USER_BUSY"))
    service = OutboundService(("127.0.0.1", 0))
    service.apps.load_app(router)
    await service.start()
    dead = free_port()
    emulate = await Switchy("emulate", "--nodes", "2", "--port", "0", "--time-scale", "0.01",
                            "--outbound", f"127.0.0.1:{dead}|{service.address}", "--calls", "20").start()
    try:
        await emulate.expect(f"calls go to 127.0.0.1:{dead} then {service.address}")
        async with asyncio.timeout(20):
            while service.stats["calls"] < 5:
                await asyncio.sleep(0.05)
        emulate.signal(signal.SIGINT)
        assert await emulate.wait() == 0
    finally:
        await emulate.stop()
        await service.stop(0)
    # each of them got past the dead first controller (a call being handed over when the
    # emulator was interrupted may have been cut off: "failed" is not asserted)
    assert service.stats["given_back"] == 0


async def test_emulate_outbound_with_a_bad_target_is_refused():
    emulate = await Switchy("emulate", "--outbound", "127.0.0.1:0").start()
    assert await emulate.wait() == 2
    assert "--outbound needs a port" in emulate.output
