"""The proof scenarios of ``tests/cluster/test_proof.py`` and ``bench/cluster.py --proof``.

Controllers are separate ``switchy run`` processes; the emulated nodes run in this
process, so every command each node received can be counted per call afterwards.

``inbound_kill``: controllers share the nodes with ``--claim``; one of them (the victim)
waits half a second before routing each call it claims; it is killed with SIGKILL
mid-run, with calls in that state, and a new controller joins after the kill.

``outbound_kill``: every node hands its calls to controller A, then B (two ``socket``
actions); A holds its calls for a while; A is killed with SIGKILL mid-run and started
again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from switchy.emulator import Channel, EmulatedCluster
from tests.support.processes import Switchy

REPO = Path(__file__).resolve().parents[2]
ROUTE = 'route everyone ".*" {\n    hangup("USER_BUSY")\n}\n'
VICTIM_INBOUND = ('route everyone ".*" {\n    tests.support.proof_hooks:hold_a_while()\n'
                  '    hangup("USER_BUSY")\n}\n')
VICTIM_OUTBOUND = ('route everyone ".*" {\n    answer()\n    playback("tone_stream://%(50000,0,440)")\n'
                   '    hangup("USER_BUSY")\n}\n')


@dataclass
class Report:
    calls: list[Channel] = field(default_factory=list)
    routed: Counter[str] = field(default_factory=Counter)  # uuid → USER_BUSY hangups sent
    by: dict[str, str] = field(default_factory=dict)  # uuid → the controller that sent it
    killed_at: float = 0.0
    at_kill: list[str] = field(default_factory=list)  # calls the victim held at the kill
    routed_at: dict[str, float] = field(default_factory=dict)  # uuid → when its hangup came
    unended: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def twice(self) -> list[str]:
        return [c.uuid for c in self.calls if self.routed[c.uuid] > 1]

    @property
    def never(self) -> list[str]:
        return [c.uuid for c in self.calls if self.routed[c.uuid] == 0]

    def takeover_delays(self) -> list[float]:
        return sorted(self.routed_at[u] - self.killed_at for u in self.at_kill if u in self.routed_at)


def plan(directory: Path, text: str, name: str) -> str:
    path = directory / name
    path.write_text(text)
    return str(path)


async def place(cluster: EmulatedCluster, count: int, rate: float, report: Report,
                hooks: dict[int, object]) -> None:
    """``count`` calls at ``rate``/s round robin over the nodes; before call ``i``,
    ``await hooks[i]()``."""
    start = time.monotonic()
    for i in range(count):
        if i in hooks:
            await hooks[i]()  # type: ignore[operator]
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        node = cluster.nodes[i % len(cluster.nodes)]
        report.calls.append(await node.place_call(f"1{i:06d}", wait=False))


async def settle(report: Report, timeout: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout):
            for call in report.calls:
                await call.wait_hangup(timeout=None)
    report.unended = [c.uuid for c in report.calls if not c.ended]


def count_routing(cluster: EmulatedCluster, report: Report, controllers: dict[int, str] | None = None) -> None:
    """Per call, the USER_BUSY hangups its node received (with uuid, or on its socket)."""
    for node in cluster.nodes:
        owners = dict(controllers or {})
        for command in node.commands:
            if command.line.startswith("api hash insert/switchy/hb."):
                owners[(id(node), command.connection)] = command.line.split("hb.", 1)[1].split("/", 1)[0]
        for command in node.commands:
            parts = command.line.split()
            if len(parts) == 4 and parts[:2] == ["api", "uuid_kill"] and parts[3] == "USER_BUSY":
                uuid = parts[2]
                report.routed[uuid] += 1
                report.routed_at.setdefault(uuid, command.at)
                report.by[uuid] = owners.get((id(node), command.connection), "?")


def outbound_controller(cluster: EmulatedCluster, uuid: str) -> str:
    ch = cluster.find(uuid)
    return ch.handed_to[-1] if ch is not None and ch.handed_to else "?"


async def inbound_kill(tmp: Path, *, nodes: int = 3, controllers: int = 3, calls: int = 300,
                       rate: float = 60.0, heartbeat: tuple[float, float] = (0.5, 1.5)) -> Report:
    """N controllers with --claim, the victim (first) killed after half the calls."""
    report = Report()
    env_plan = plan(tmp, ROUTE, "route.swr")
    victim_plan = plan(tmp, VICTIM_INBOUND, "victim.swr")
    beat = [str(heartbeat[0]), str(heartbeat[1])]
    started: list[Switchy] = []
    async with EmulatedCluster(nodes=nodes, time_scale=0.01, heartbeat_interval=None) as cluster:
        hosts = [arg for h in cluster.hosts for arg in ("--host", h)]

        async def run(name: str, dialplan: str) -> Switchy:
            process = await Switchy("run", dialplan, *hosts, "--claim", "--controller-id", name,
                                    "--heartbeat", *beat, "--no-reload", cwd=REPO).start()
            started.append(process)
            await process.expect(f"as controller {name}")
            process.drain()
            return process

        try:
            victim = await run("victim", victim_plan)
            for k in range(1, controllers):
                await run(f"survivor{k}", env_plan)

            async def kill() -> None:
                held = {c.uuid for c in report.calls if c.parked and not c.ended}
                victim.signal(signal.SIGKILL)
                report.killed_at = time.time()
                await victim.wait()
                # the calls parked when it died that it had claimed (and so never routed)
                for node in cluster.nodes:
                    claims = {k[len("switchy_"):]: v for k, v in node.hash.items()}
                    report.at_kill += [u for u in held if claims.get(u) == "victim"]
                await run("restarted", env_plan)

            begun = time.monotonic()
            await place(cluster, calls, rate, report, {calls // 2: kill})
            await settle(report, 30 + heartbeat[1])
            report.seconds = time.monotonic() - begun
            count_routing(cluster, report)
            # A call the nodes still saw parked at the kill may have had the victim's
            # command in flight (sent before the kill, read after): routed by the victim,
            # it was no takeover.
            report.at_kill = [u for u in report.at_kill if report.by.get(u) != "victim"]
        finally:
            for process in started:
                await process.stop()
    return report


async def outbound_kill(tmp: Path, *, nodes: int = 3, calls: int = 300, rate: float = 60.0) -> Report:
    """Every node hands its calls to A then B; A (holding each call a while) is killed
    after half the calls and started again, routing plainly, after three quarters."""
    report = Report()
    a_port, b_port = free_port(), free_port()
    a, b = f"127.0.0.1:{a_port}", f"127.0.0.1:{b_port}"
    victim_plan = plan(tmp, VICTIM_OUTBOUND, "victim.swr")
    route_plan = plan(tmp, ROUTE, "route.swr")
    started: list[Switchy] = []

    async def run(address: str, dialplan: str) -> Switchy:
        process = await Switchy("run", dialplan, "--listen", address, "--no-reload",
                                "--drain-timeout", "0", cwd=REPO).start()
        started.append(process)
        await process.expect("listening on")
        process.drain()
        return process

    async with EmulatedCluster(nodes=nodes, time_scale=0.01, heartbeat_interval=None,
                               outbound=(a, b)) as cluster:
        try:
            victim = await run(a, victim_plan)
            await run(b, route_plan)

            async def kill() -> None:
                async with asyncio.timeout(30):  # every call so far has reached A
                    while not all(c.handed_to for c in report.calls):
                        await asyncio.sleep(0.01)
                victim.signal(signal.SIGKILL)
                report.killed_at = time.time()
                await victim.wait()
                report.at_kill = [c.uuid for c in report.calls if not c.ended and c.handed_to == [a]]

            async def restart() -> None:
                await run(a, route_plan)

            begun = time.monotonic()
            await place(cluster, calls, rate, report, {calls // 2: kill, 3 * calls // 4: restart})
            await settle(report, 30)
            report.seconds = time.monotonic() - begun
            count_routing(cluster, report)
            for uuid in report.routed:
                report.by[uuid] = outbound_controller(cluster, uuid)
        finally:
            for process in started:
                await process.stop()
    return report


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
