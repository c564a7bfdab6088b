"""One emulated FreeSWITCH node: an ESL server and the calls it carries.

``EmulatedNode`` is the node tests hold. Its state (channels, events, configuration,
the record of commands) is ``core.NodeCore``; this module adds what starts things:
listening for ESL clients (``server.Listener``), the heartbeat, calls arriving
(``place_call``) and ``originate`` from Python. It is the top of the emulator's
layers, so it may import all of them; nothing below imports it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from . import api_commands, endpoints
from .applications import APPLICATIONS
from .channel import Channel
from .config import NodeConfig
from .core import NodeCore
from .outbound import socket_app
from .server import Listener
from .session import sofia_inbound_flow, start

ROUTED = ("CHANNEL_PARK", "CHANNEL_HANGUP", "CHANNEL_EXECUTE")  # a placed call was routed


class EmulatedNode(NodeCore):
    """A FreeSWITCH node: an ESL server on ``host:port`` and the calls it carries."""

    def __init__(self, name: str = "fs1", *, host: str = "127.0.0.1", port: int = 0,
                 password: str = "ClueCon", config: NodeConfig | None = None,
                 **options: Any) -> None:
        super().__init__(name, host=host, port=port, password=password, config=config,
                         applications={**APPLICATIONS, "socket": socket_app}, **options)
        self._server: asyncio.base_events.Server | None = None
        self._heartbeat: asyncio.Task[None] | None = None

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Listen for ESL clients (an ephemeral port when ``port`` is 0)."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: Listener(self), self.host, self.port,
                                                reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        if self.config.heartbeat_interval and self._heartbeat is None:
            self._heartbeat = loop.create_task(self._beat(self.config.heartbeat_interval))
            self.tasks.add(self._heartbeat)

    async def stop(self) -> None:
        """Stop listening, drop every connection and end every task."""
        await self.pause()
        for handle in self.timers:
            handle.cancel()
        tasks = [t for t in self.tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _beat(self, interval: float) -> None:
        """The core scheduler's heartbeat task: HEARTBEAT, then its RE_SCHEDULE."""
        while True:
            await asyncio.sleep(interval)
            self.heartbeat(interval)

    async def pause(self) -> None:
        """Stop accepting connections and drop the open ones; calls go on (a restart of
        mod_event_socket, or a network cut between switchy and this node)."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for listener in list(self.listeners):
            listener.abort()

    async def resume(self) -> None:
        """Listen again on the same port after ``pause``."""
        if self._server is None:
            await self.start()

    @property
    def listening(self) -> bool:
        return self._server is not None

    async def __aenter__(self) -> EmulatedNode:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- calls ------------------------------------------------------------------------------

    async def place_call(self, destination: str, caller_id_number: str = "1000", *,
                         caller_id_name: str | None = None, context: str = "default",
                         variables: dict[str, str] | None = None, profile: str | None = None,
                         network_addr: str = "127.0.0.1", network_port: int = 5060,
                         uuid: str | None = None, dialplan: str = "XML",
                         wait: bool = True, timeout: float | None = 5.0) -> Channel:
        """An inbound SIP call arrives (sofia) and is routed; returns once it is parked.

        ``variables`` become channel variables (``sip_req_uri``, ``sofia_profile_name``,
        ``sip_h_X-...``): those sofia sets itself keep sofia's place in the list.
        With ``wait=False`` returns at once (the call is still being routed).
        """
        ch = endpoints.sofia_inbound(self, destination=destination,
                                     caller_id_number=caller_id_number,
                                     caller_id_name=caller_id_name, context=context,
                                     profile=profile, network_addr=network_addr,
                                     network_port=network_port, variables=variables, uuid=uuid,
                                     dialplan=dialplan)
        self.register(ch)
        start(ch, sofia_inbound_flow)
        if wait:
            async with asyncio.timeout(timeout):
                while not (ch.parked or ch.ended or (ch.applications and ch.last_app and
                                                     ch.last_app[0] != "park")):
                    await ch.wait_event_any(ROUTED, None)
        return ch

    async def originate(self, url: str, app: str = "park", arg: str = "", *,
                        timeout: float = 60.0) -> Channel | str:
        """``originate <url> &app(arg)`` from Python; the A leg, or the failure cause."""
        application = f"&{app}({arg})"
        if " " in application:  # as one would type it: quoted, or it is split at its spaces
            application = f"'{application}'"
        reply = await api_commands.originate(self, f"{url} {application} XML default undef undef {timeout}")
        if reply.startswith("+OK "):
            return self.channels[reply[4:].strip()]
        return reply.removeprefix("-ERR ").strip()
