"""Faults on demand: the ways a FreeSWITCH node or the network between misbehaves.

Switches on a node's ``faults`` apply to every ESL connection of that node (each
``Listener`` also offers the one-shot actions for itself). They exist for tests of
the layers above: reconnects, timeouts, protocol errors.

The faults know a node's connections only as ``Connection``s, handed over as a
function that lists them, so this module stays below the node and its ESL server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from typing import Protocol


class Connection(Protocol):
    """What a fault does to one ESL connection (``server.Listener`` is one)."""

    cut_next_frame: bool  # the next frame sent is cut in half, then the socket closes

    def abort(self) -> None: ...

    def send_raw(self, data: bytes) -> None: ...

    def unstalled(self) -> None: ...


GARBAGE = b"Content-Type: text/event-plain\nContent-Length: nonsense\n\n\x00\xff garbage \r\n"


class Faults:
    """Misbehaviour switches and actions for one node."""

    def __init__(self, connections: Callable[[], Iterable[Connection]]) -> None:
        self._connections = connections
        self.refuse_auth = False  # every auth gets -ERR invalid (then the goodbye and close)
        self.reply_delay: float | Callable[[str], float] = 0.0  # seconds before each reply
        self.withhold_replies: bool | Callable[[str], bool] = False  # run it, never answer
        self.drop_on: Callable[[str], bool] | None = None  # abort when such a command arrives
        # api output to give instead of the real one (a node with odd replies), or None
        self.api_output: Callable[[str], str | None] | None = None
        self._stalled = False
        self._unstalled = asyncio.Event()
        self._unstalled.set()

    # -- switches -------------------------------------------------------------------------

    @property
    def stall(self) -> bool:
        """A stalled node reads and answers nothing and sends no events, but keeps the
        connections open; what piled up is handled when the stall ends."""
        return self._stalled

    @stall.setter
    def stall(self, value: bool) -> None:
        self._stalled = bool(value)
        if value:
            self._unstalled.clear()
        else:
            self._unstalled.set()
            for connection in list(self._connections()):
                connection.unstalled()

    async def wait_unstalled(self) -> None:
        await self._unstalled.wait()

    def delay_for(self, line: str) -> float:
        delay = self.reply_delay
        return float(delay(line) if callable(delay) else delay)

    def output_for(self, command: str) -> str | None:
        """The api output this fault puts in place of ``command``'s, if any."""
        return self.api_output(command) if self.api_output is not None else None

    def withholds(self, line: str) -> bool:
        hold = self.withhold_replies
        return bool(hold(line) if callable(hold) else hold)

    # -- actions --------------------------------------------------------------------------

    def drop_connections(self) -> int:
        """Cut every connection at once (no disconnect notice); returns how many."""
        connections = list(self._connections())
        for connection in connections:
            connection.abort()
        return len(connections)

    def close_mid_frame(self) -> None:
        """The next frame each connection sends is cut in half, then the socket closes."""
        for connection in self._connections():
            connection.cut_next_frame = True

    def send_garbage(self, data: bytes = GARBAGE) -> None:
        """Write bytes that are no valid ESL frame to every connection."""
        for connection in self._connections():
            connection.send_raw(data)
