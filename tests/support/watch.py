"""A second ESL connection that watches a node's channel events, for either target.

Outcomes are read from the node's own events (what FreeSWITCH says happened), so the
same test proves the same thing on the emulator and on a real FreeSWITCH.
"""

from __future__ import annotations

import asyncio
from typing import Any

from switchy.esl import Event, InboundClient

WATCHED = ("CHANNEL_PARK", "CHANNEL_ANSWER", "CHANNEL_EXECUTE_COMPLETE",
           "CHANNEL_HANGUP_COMPLETE")


class Watcher:
    """Every watched event since connecting, searchable in arrival order."""

    def __init__(self, fs: Any) -> None:
        self.client = InboundClient(fs.host, fs.port, fs.password)
        self.events: list[Event] = []
        self._arrived = asyncio.Event()

    async def __aenter__(self) -> Watcher:
        await self.client.connect()
        self.client.add_handler("*", self._seen)
        await self.client.subscribe(*WATCHED)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.close()

    def _seen(self, event: Event) -> None:
        self.events.append(event)
        self._arrived.set()

    def find(self, name: str, **headers: str) -> Event | None:
        """The first event so far named ``name`` with these headers (``_`` for ``-``)."""
        wanted = {k.replace("_", "-"): v for k, v in headers.items()}
        for event in self.events:
            if event.name == name and all(event.get(k) == v for k, v in wanted.items()):
                return event
        return None

    async def wait(self, name: str, timeout: float = 10.0, **headers: str) -> Event:
        """The first such event, waiting for it if it has not come yet."""
        async with asyncio.timeout(timeout):
            while True:
                found = self.find(name, **headers)
                if found is not None:
                    return found
                self._arrived.clear()
                await self._arrived.wait()

    async def leg(self, destination: str, timeout: float = 10.0) -> Event:
        """The CHANNEL_PARK of the inbound (B) leg of a loopback call to ``destination``."""
        return await self.wait("CHANNEL_PARK", timeout, Caller_Destination_Number=destination,
                               Call_Direction="inbound")

    async def ended(self, uuid: str, timeout: float = 10.0) -> str:
        """The hangup cause of channel ``uuid`` (its CHANNEL_HANGUP_COMPLETE)."""
        event = await self.wait("CHANNEL_HANGUP_COMPLETE", timeout, Unique_ID=uuid)
        return event.get("Hangup-Cause") or ""
