"""The Service on either target: the emulator, or a real FreeSWITCH (SWITCHY_FS).

Calls are placed exactly as on a park-only FreeSWITCH — ``originate
loopback/<dest>/switchy &park()`` — and outcomes are read from the node's own events
on a separate watcher connection, so nothing here depends on the emulator's records.
"""

from __future__ import annotations

import asyncio

from switchy import Service
from switchy.apps.routers import Router
from switchy.esl import InboundClient


async def watch(fs) -> InboundClient:
    watcher = InboundClient(fs.host, fs.port, fs.password)
    await watcher.connect()
    await watcher.subscribe("CHANNEL_ANSWER", "CHANNEL_HANGUP_COMPLETE")
    return watcher


async def next_event(watcher: InboundClient, name: str, dest: str, direction: str = "inbound"):
    async with asyncio.timeout(10):
        while True:
            event = await watcher.next_event()
            if event.name == name and event.get("Caller-Destination-Number") == dest \
                    and event.get("Call-Direction") == direction:
                return event


def router() -> Router:
    # only the inbound (B) leg of the loopback pair is "the call" here
    routes = Router(guards={"Call-Direction": "inbound", "Caller-Context": "switchy"}, reject_on_guard=False)

    @routes.route("^5100$")
    def answer(sess, match, router):
        sess.answer()

    @routes.route("^5200$")
    def busy(sess, match, router):
        sess.hangup("USER_BUSY")

    return routes


async def test_routed_calls_on_either_target(fs):
    watcher = await watch(fs)
    service = Service([fs.address], password=fs.password)
    service.apps.load_app(router(), app_id="switchy", header="Caller-Context")
    await service.start(wait=10)
    try:
        answered_job = await watcher.bgapi("originate loopback/5100/switchy &park()")
        answered = await next_event(watcher, "CHANNEL_ANSWER", "5100")
        a_leg = (await asyncio.wait_for(answered_job, 10)).split()[1]  # +OK <uuid>
        assert answered["Caller-Context"] == "switchy"
        await watcher.api(f"uuid_kill {a_leg}")

        await watcher.bgapi("originate loopback/5200/switchy &park()")
        ended = await next_event(watcher, "CHANNEL_HANGUP_COMPLETE", "5200")
        assert ended["Hangup-Cause"] == "USER_BUSY"
    finally:
        await service.stop()
        await watcher.close()


async def test_unmatched_call_is_rejected_on_either_target(fs):
    watcher = await watch(fs)
    routes = Router(guards={"Call-Direction": "inbound"}, reject_on_guard=True)
    routes.route("^9999$")(lambda sess, match, router: sess.answer())
    service = Service([fs.address], password=fs.password)
    service.apps.load_app(routes, app_id="switchy", header="Caller-Context")
    await service.start(wait=10)
    try:
        await watcher.bgapi("originate loopback/5300/switchy &park()")
        ended = await next_event(watcher, "CHANNEL_HANGUP_COMPLETE", "5300")
        assert ended["Hangup-Cause"] == "NO_ROUTE_DESTINATION"
    finally:
        await service.stop()
        await watcher.close()
