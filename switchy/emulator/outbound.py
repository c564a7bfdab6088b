"""The ``socket`` application: the node hands a call to a controller (outbound mode).

``socket HOST:PORT [async] [full]`` behaves as mod_event_socket's ``socket_function``:

- The node connects to the controller. If it cannot, the log says ``Socket Error!``,
  the application returns at once and the extension goes on with its next action. That
  is FreeSWITCH's only failover: consecutive ``socket`` actions, each tried when the one
  before it returned. (``socket a|b`` is not FreeSWITCH syntax: ``a|b`` is read as one
  host name, which does not resolve.)
- Connected, the controller speaks first. Until it says ``connect`` the call waits;
  FreeSWITCH waits even if the controller closes without a word (only the caller
  hanging up ends that wait).
- After ``connect`` (answered with the channel's data) the channel parks: CHANNEL_PARK,
  then the controller's ``sendmsg`` commands run in the park. When the connection ends
  the park ends (CHANNEL_UNPARK), the application returns, and the extension goes on;
  after its last action the call hangs up with NORMAL_CLEARING.

``OutboundListener`` is the node's side of that connection: a ``server.Listener`` that
is bound to its channel from the start and needs no ``auth``.
"""

from __future__ import annotations

import asyncio
import logging

from .channel import Channel
from .core import NodeCore
from .server import CLOSE, Listener, session_notice
from .session import Run, park_channel

log = logging.getLogger("switchy.emulator")

DEFAULT_PORT = 8084
TICK = 0.02  # FreeSWITCH's timer tick (seconds, scaled by the node's time_scale)


class OutboundListener(Listener):
    """The node's end of one outbound socket: a listener bound to ``channel``."""

    def __init__(self, node: NodeCore, channel: Channel, *, async_mode: bool, full: bool) -> None:
        super().__init__(node)
        self.session = channel
        self.authed = True
        self.async_mode = async_mode
        self.full = full
        self.ended = asyncio.Event()  # the connection is gone (CF_CONTROLLED cleared)

    def __repr__(self) -> str:
        return f"<OutboundListener #{self.id} {self.peer[0]}:{self.peer[1]} for {self.session}>"

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername") or ("", 0)
        self.peer = (str(peer[0]), int(peer[1]))
        self.node.listeners.append(self)
        if self.session is not None:
            self.node.bound[self.id] = self.session.uuid
            self.session.hold()  # MES holds the session until the listener ends

    def _shutdown(self) -> None:
        super()._shutdown()
        self.ended.set()
        if self.session is not None:
            self.session.wake()

    def on_connect(self) -> None:
        if self.session is not None:
            self.session.wake()

    def session_hungup(self) -> None:
        """The listener notices the hangup after the session thread has run through
        CHANNEL_HANGUP_COMPLETE (as captured: the linger notice follows it)."""
        ch = self.session
        if ch is None or self.disco_handled or self.closed:
            return
        self.disco_handled = True
        if self.linger is None:
            self._emit(session_notice(ch.uuid, "disconnect"))
            self._emit(CLOSE)
            return
        task = asyncio.get_running_loop().create_task(self._linger_after(ch))
        self.node.tasks.add(task)
        task.add_done_callback(self.node.tasks.discard)

    async def _linger_after(self, ch: Channel) -> None:
        await ch.wait_event("CHANNEL_HANGUP_COMPLETE", None)
        if self.closed:
            return
        self._emit(session_notice(ch.uuid, "linger", ch.name, self.linger))
        if self.linger is not None and self.linger >= 0:
            self._linger_timer = asyncio.get_running_loop().call_later(self.linger, self._linger_over)


def parse_target(arg: str) -> tuple[str, int, bool, bool] | None:
    """``HOST[:PORT][/path] [async] [full]`` → host, port, async, full (None: no host)."""
    words = [w for w in arg.split(" ") if w]
    if not words:
        return None
    target = words[0]
    host, sep, port_text = target.rpartition(":")
    if not sep:
        host, port_text = target, ""
    port_text = port_text.split("/", 1)[0]
    host = host.split("/", 1)[0] if not sep else host
    try:
        port = int(port_text) if port_text else DEFAULT_PORT
    except ValueError:
        port = 0
    flags = {w.lower() for w in words[1:]}
    return host.strip("[]"), port, "async" in flags, "full" in flags


async def socket_app(ch: Channel, arg: str, run: Run) -> None:
    """mod_event_socket's ``socket`` application (see the module docstring)."""
    node = ch.node
    target = parse_target(arg)
    if target is None or not target[0]:
        node.log(3, "Missing Host!" if target else "Parse Error!", ch.uuid, "mod_event_socket.c",
                 "socket_function", 437)
        return
    host, port, async_mode, full = target
    ch.set_var("socket_host", host)
    loop = asyncio.get_running_loop()
    listener = OutboundListener(node, ch, async_mode=async_mode, full=full)  # type: ignore[arg-type]
    try:
        if not 0 < port < 65536:
            raise OSError("bad port")
        await loop.create_connection(lambda: listener, host, port)
    except OSError:
        node.log(3, "Socket Error!", ch.uuid, "mod_event_socket.c", "socket_function", 475)
        return
    ch.handed_to.append(f"{host}:{port}")
    # switch_cond_next() until the controller says ``connect`` (or the caller gives up)
    while ch.up and not listener.connected:
        ch.wakeup.clear()
        await ch.wakeup.wait()
    if not ch.up:
        return
    # The session thread notices the flag on its next timer tick (20 ms), so a client
    # that says ``myevents`` right after ``connect`` sees the CHANNEL_PARK, as captured.
    await asyncio.sleep(TICK * node.config.time_scale)
    await park_channel(ch, run, until=listener.ended.is_set)
