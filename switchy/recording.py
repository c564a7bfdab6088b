"""A controller that sends nothing: it records the exact ESL bytes a Session would send.

``switchy simulate`` and unit tests drive real Session objects through it, so what they
print is what a FreeSWITCH node would receive, byte for byte, without any network.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping
from dataclasses import dataclass

from .esl import Event, commands
from .session import Session

SIMULATED_UUID = "00000000-0000-4000-8000-000000000000"


@dataclass(frozen=True)
class Sent:
    """One command as it would go on the wire."""

    kind: str  # "api" or "execute"
    text: str  # readable form: the api command, or "app arg"
    wire: bytes  # the exact bytes


class RecordingController:
    """Stands in for ``InboundClient``: records commands and confirms them at once."""

    def __init__(self, name: str = "simulated", replies: Mapping[str, str] | None = None,
                 completions: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.name = name
        self.sent: list[Sent] = []
        self._replies = dict(replies or {})
        # app -> headers its CHANNEL_EXECUTE_COMPLETE carries (a bridge's disposition...)
        self._completions = {app: dict(headers) for app, headers in (completions or {}).items()}
        self._ids = itertools.count(1)

    def _next_uuid(self) -> str:
        return f"00000000-0000-4000-8000-{next(self._ids):012d}"

    async def api(self, command: str) -> str:
        self.sent.append(Sent("api", command, commands.api(command)))
        verb = command.split(" ", 1)[0]
        if verb in self._replies:
            return self._replies[verb]
        return "_undef_" if verb == "uuid_getvar" else "+OK\n"

    async def execute(self, uuid: str, app: str, arg: str = "", *, event_lock: bool = True,
                      loops: int = 1) -> asyncio.Future[Event]:
        event_uuid = self._next_uuid()
        wire = commands.sendmsg_execute(uuid, app, arg, event_uuid=event_uuid, event_lock=event_lock, loops=loops)
        self.sent.append(Sent("execute", f"{app} {arg}".rstrip(), wire))
        done: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        done.set_result(Event([("Event-Name", "CHANNEL_EXECUTE_COMPLETE"), ("Unique-ID", uuid),
                               ("Application", app), ("Application-Data", arg),
                               ("Application-Response", "_none_"), ("Application-UUID", event_uuid),
                               *self._completions.get(app, {}).items()]))
        return done

    def lines(self) -> list[str]:
        """The commands in the order they were sent, one readable line each."""
        return [f"{s.kind} {s.text}" for s in self.sent]


def simulated_session(headers: Mapping[str, str], controller: RecordingController | None = None) -> Session:
    """A Session for a call parked with exactly ``headers``.

    Nothing is assumed about the call: a header not in ``headers`` is absent, as on a
    real event that lacks it (a guard on ``Call-Direction`` fails for a call that has
    none). Only the two facts of every park event are filled in when not given:
    ``Event-Name: CHANNEL_PARK`` and the simulated call's ``Unique-ID``
    (``SIMULATED_UUID``); ``PARK_FACTS`` names them for whoever prints the call.
    """
    values = dict(PARK_FACTS)
    values.update(headers)
    return Session(Event(values.items()), controller or RecordingController())


# The headers every simulated call has unless given: what makes it a parked call at all.
PARK_FACTS: dict[str, str] = {"Event-Name": "CHANNEL_PARK", "Unique-ID": SIMULATED_UUID}
