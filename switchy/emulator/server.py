"""The ESL listener: one ``Listener`` per client connection, as mod_event_socket runs it.

Commands are read the way MES reads them (``FrameParser(crlf=True)``; header values
taken raw, never URL-decoded), matched by case-insensitive prefix in MES's order, and
answered one at a time in order. Events fired while a command runs are held back and
sent after its reply, since MES only flushes events when it is idle.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid as uuidlib
from collections import deque

from switchy.causes import normalize_cause
from switchy.esl.errors import ProtocolError
from switchy.esl.frames import Frame, FrameParser

from . import api_commands
from .channel import Channel, Message
from .core import NodeCore, ReceivedCommand
from .events import EVENT_NAMES, Block, EmuEvent
from .session import queue_message

log = logging.getLogger("switchy.emulator")

GOODBYE = b"Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
AUTH_REQUEST = b"Content-Type: auth/request\n\n"
RUDE_REJECTION = (b"Content-Type: text/rude-rejection\nContent-Length: 24\n\n"
                  b"Access Denied, go away.\n")
DISCONNECT = (b"Content-Type: text/disconnect-notice\nContent-Length: 67\n\n" + GOODBYE)
MYEVENTS = ("CHANNEL_ANSWER", "CHANNEL_APPLICATION", "CHANNEL_BRIDGE", "CHANNEL_CREATE",
            "CHANNEL_DATA", "CHANNEL_DESTROY", "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE",
            "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_ORIGINATE", "CHANNEL_UUID",
            "CHANNEL_OUTGOING", "CHANNEL_PARK", "CHANNEL_PROGRESS", "CHANNEL_PROGRESS_MEDIA",
            "CHANNEL_STATE", "CHANNEL_UNBRIDGE", "CHANNEL_UNPARK", "DETECTED_SPEECH", "DTMF",
            "NOTALK", "TALK")
LOG_NAMES = ("CONSOLE", "ALERT", "CRIT", "ERR", "WARNING", "NOTICE", "INFO", "DEBUG")
CLOSE = object()  # in the output stream: close the connection once what precedes is sent


def reply_frame(text: str, extra: str = "") -> bytes:
    return f"Content-Type: command/reply\nReply-Text: {text}\n{extra}\n".encode(
        "utf-8", "surrogateescape")


def api_frame(output: str) -> bytes:
    body = output.encode("utf-8", "surrogateescape")
    return f"Content-Type: api/response\nContent-Length: {len(body)}\n\n".encode() + body


def session_notice(uuid: str, disposition: str, channel_name: str = "",
                   linger: int | None = None) -> bytes:
    """The disconnect notice of a connection bound to a session (myevents, outbound)."""
    if disposition == "linger":
        return (f"Content-Type: text/disconnect-notice\nControlled-Session-UUID: {uuid}\n"
                f"Content-Disposition: linger\nChannel-Name: {channel_name}\n"
                f"Linger-Time: {linger if linger is not None else -1}\n"
                "Content-Length: 0\n\n").encode("utf-8", "surrogateescape")
    return (f"Content-Type: text/disconnect-notice\nControlled-Session-UUID: {uuid}\n"
            f"Content-Disposition: disconnect\nContent-Length: {len(GOODBYE)}\n\n").encode() \
        + GOODBYE


def channel_data_reply(ch: Channel, *, async_mode: bool = True, full: bool = True) -> bytes:
    """``connect``'s reply: the channel's CHANNEL_DATA event as one header-only frame (no
    Content-Length), the caller profile once more as ``Channel-*``, then the reply headers."""
    parts = [ch.node.std_block("CHANNEL_DATA", "SOCKET_CONNECT"), Block(ch.profile.items("Channel")),
             *ch.data_blocks(True),
             Block([("Content-Type", "command/reply"), ("Reply-Text", "+OK\n"),
                    ("Socket-Mode", "async" if async_mode else "static"),
                    ("Control", "full" if full else "single-channel")])]
    return ("".join(part.plain() for part in parts) + "\n").encode("utf-8", "surrogateescape")


def log_level(text: str) -> int | None:
    """switch_log_str2level: a number (clamped) or a level name; None if invalid."""
    if text.isdigit():
        return min(int(text), 63)
    try:
        return LOG_NAMES.index(text.upper())
    except ValueError:
        return None


def event_name(token: str) -> str | None:
    name = token.upper()
    if name.startswith("SWITCH_EVENT_"):
        name = name[13:]
    return name if name in EVENT_NAMES else None


def parse_command(frame: Frame) -> tuple[str, list[tuple[str, str]], bytes]:
    """The command line and its headers, values raw (MES does not URL-decode them)."""
    text = frame.raw_headers.decode("utf-8", "surrogateescape")
    lines = text.split("\n")
    line = lines[0].rstrip("\r")
    headers = []
    for raw in lines[1:]:
        name, sep, value = raw.rstrip("\r").partition(":")
        if sep and name:
            headers.append((name, value.lstrip(" ")))
    return line, headers, frame.body


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    lower = name.lower()
    for key, value in headers:
        if key.lower() == lower:
            return value
    return None


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "yes", "on", "1", "enabled", "active",
                                             "allow")


def filter_matches(value: str, pattern: str) -> bool:
    """A ``/regex/flags`` filter value (switch_regex_perform)."""
    body, flags = pattern[1:], 0
    end = body.rfind("/")
    if end >= 0:
        if "i" in body[end + 1:]:
            flags = re.IGNORECASE
        body = body[:end]
    try:
        return re.search(body, value, flags) is not None
    except re.error:
        return False


class Listener(asyncio.Protocol):
    """One inbound ESL connection."""

    def __init__(self, node: NodeCore) -> None:
        self.node = node
        self.id = node.new_connection_id()
        self.transport: asyncio.Transport | None = None
        self.parser = FrameParser(crlf=True)
        self.peer = ("", 0)
        self.authed = False
        self.fmt = "plain"
        self.events_on = False
        self.event_all = False
        self.event_names: set[str] = set()
        self.subclasses: set[str] = set()
        self.filters: list[tuple[str, str]] = []
        self.log_on = False
        self.log_level = 7
        self.session: Channel | None = None
        self.myevents = False
        self.connected = False  # ``connect`` was said (outbound: the socket app goes on)
        self.async_mode = True  # outbound: the socket application's ``async`` / ``full``
        self.full = True
        self.linger: int | None = None
        self.disco_handled = False
        self.closed = False
        self.cut_next_frame = False
        self.lost_events = 0  # dropped because the client did not read fast enough
        self.missed = 0
        self.received: list[ReceivedCommand] = []
        self._frames: deque[Frame] = deque()
        self._worker: asyncio.Task[None] | None = None
        self._holding = False
        self._held: list[object] = []
        self._auth_timer: asyncio.TimerHandle | None = None
        self._linger_timer: asyncio.TimerHandle | None = None
        self._released = False

    def __repr__(self) -> str:
        return f"<Listener #{self.id} {self.peer[0]}:{self.peer[1]} on {self.node.name}>"

    @property
    def wants_events(self) -> bool:
        return self.events_on and not self.closed

    # -- transport ----------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        peer = transport.get_extra_info("peername") or ("", 0)
        self.peer = (str(peer[0]), int(peer[1]))
        self.node.listeners.append(self)
        if not self.node.allows(self.peer[0]):
            self._write(RUDE_REJECTION)
            self._write(DISCONNECT)
            self._close()
            return
        self._write(AUTH_REQUEST)
        loop = asyncio.get_running_loop()
        self._auth_timer = loop.call_later(self.node.config.auth_timeout, self._auth_expired)

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        try:
            frames = self.parser.feed(data)
        except ProtocolError as exc:
            log.info("%r: %s; dropping the connection, as FreeSWITCH does", self, exc)
            self.abort()
            return
        if frames:
            self._frames.extend(frames)
            if self._worker is None or self._worker.done():
                self._worker = asyncio.get_running_loop().create_task(self._work())
                self.node.tasks.add(self._worker)
                self._worker.add_done_callback(self.node.tasks.discard)

    def connection_lost(self, exc: Exception | None) -> None:
        self._shutdown()

    def _shutdown(self) -> None:
        if not self.closed:
            self.closed = True
        if self in self.node.listeners:
            self.node.listeners.remove(self)
        self.node.refresh_listeners()
        for timer in (self._auth_timer, self._linger_timer):
            if timer is not None:
                timer.cancel()
        self._release()
        if self._worker is not None and not self._worker.done() \
                and self._worker is not asyncio.current_task():
            self._worker.cancel()

    def _release(self) -> None:
        if self.session is not None and not self._released:
            self._released = True
            self.session.release()

    def abort(self) -> None:
        """Cut the connection (no notice), like a network failure."""
        if self.transport is not None:
            self.transport.abort()
        self._shutdown()

    def send_raw(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def _write(self, data: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if self.cut_next_frame:
            self.cut_next_frame = False
            transport.write(data[: max(1, len(data) // 2)])
            self.abort()
            return
        transport.write(data)

    def _close(self) -> None:
        if self.transport is not None:
            self.transport.close()
        self._shutdown()

    def _emit(self, item: object) -> None:
        """Send (or hold back, while a command runs or the node stalls) a frame or CLOSE."""
        if self._holding or self.node.faults.stall:
            self._held.append(item)
            return
        if item is CLOSE:
            self._close()
        else:
            self._write(item)  # type: ignore[arg-type]

    def _flush(self) -> None:
        held, self._held = self._held, []
        for item in held:
            if self.closed:
                return
            if item is CLOSE:
                self._close()
            else:
                self._write(item)  # type: ignore[arg-type]

    def unstalled(self) -> None:
        if not self._holding:
            self._flush()
        if self._frames and (self._worker is None or self._worker.done()):
            self._worker = asyncio.get_running_loop().create_task(self._work())

    def _auth_expired(self) -> None:
        if not self.authed and not self.closed:
            self._emit(DISCONNECT)
            self._emit(CLOSE)

    # -- events and logs ------------------------------------------------------------------------

    def wants(self, name: str, subclass: str | None, uuid: str | None,
              job_owner: str | None) -> bool:
        if not self.events_on or self.closed:
            return False
        if not self.event_all:
            if name not in self.event_names:
                return False
            if name == "CUSTOM" and subclass and subclass not in self.subclasses:
                return False
        if self.myevents:
            if self.session is None:
                return uuid is not None
            own = self.session.uuid
            return uuid == own or job_owner == own
        return True

    def deliver(self, event: EmuEvent) -> None:
        if self.filters and not self._passes(event):
            return
        transport = self.transport
        if transport is not None and \
                transport.get_write_buffer_size() > self.node.config.max_pending_bytes:
            self._lost_event()  # MES's event queue is full: the event is dropped
            return
        self.missed = 0
        self._emit(event.frame(self.fmt))

    def _lost_event(self) -> None:
        """After more than 500 events lost in a row MES gives up on the listener."""
        self.lost_events += 1
        self.missed += 1
        if self.missed > 500 and not self.closed:
            body = b"killed listener because of lost events\n"
            self._write(b"Content-Type: text/disconnect-notice\nContent-Length: "
                        + str(len(body)).encode() + b"\n\n" + body)
            self._close()

    def _passes(self, event: EmuEvent) -> bool:
        """MES's filter rules: a positive match needed, a negative match vetoes."""
        send = False
        for name, raw in self.filters:
            value = event.header(name)
            if value is None:
                continue
            comp = raw
            positive = True
            while comp and comp[0] in "+- ":
                if comp[0] == "+":
                    positive = True
                elif comp[0] == "-":
                    positive = False
                comp = comp[1:]
            if send and positive:
                continue
            matched = filter_matches(value, comp) if raw.startswith("/") else \
                value.lower() == comp.lower()
            if matched:
                if not positive:
                    return False
                send = True
        return send

    def log(self, level: int, text: str, uuid: str, file: str, func: str, line: int) -> None:
        if not self.log_on or level > self.log_level or self.closed:
            return
        now = time.time()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)) + \
            f".{int(now * 1_000_000) % 1_000_000:06d}"
        name = LOG_NAMES[level] if level < len(LOG_NAMES) else "DEBUG"
        body = f"{stamp} 99.00% [{name}] {file}:{line} {text}\n".encode("utf-8", "surrogateescape")
        head = (f"Content-Type: log/data\nContent-Length: {len(body)}\nLog-Level: {level}\n"
                f"Text-Channel: 3\nLog-File: {file}\nLog-Func: {func}\nLog-Line: {line}\n"
                f"User-Data: {uuid}\n\n")
        self._emit(head.encode("utf-8", "surrogateescape") + body)

    def session_hungup(self) -> None:
        """The channel this connection is bound to hung up: disconnect, or linger."""
        ch = self.session
        if ch is None or self.disco_handled or self.closed:
            return
        self.disco_handled = True
        if self.linger is None:
            self._emit(session_notice(ch.uuid, "disconnect"))
            self._emit(CLOSE)
            return
        self._emit(session_notice(ch.uuid, "linger", ch.name, self.linger))
        if self.linger >= 0:
            loop = asyncio.get_running_loop()
            self._linger_timer = loop.call_later(self.linger, self._linger_over)

    def _linger_over(self) -> None:
        if self.session is not None and not self.closed:
            self._emit(session_notice(self.session.uuid, "disconnect"))
            self._emit(CLOSE)

    # -- commands ----------------------------------------------------------------------------

    async def _work(self) -> None:
        faults = self.node.faults
        while self._frames and not self.closed:
            if faults.stall:
                await faults.wait_unstalled()
                continue
            frame = self._frames.popleft()
            try:
                await self._handle(frame)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.node.errors.append(exc)
                log.exception("%r: failed on a command; the connection goes on", self)
                self._holding = False
                self._flush()

    async def _handle(self, frame: Frame) -> None:
        line, headers, body = parse_command(frame)
        record = ReceivedCommand(self.id, frame.raw_headers, line, headers, body, time.time())
        self.node.commands.append(record)
        self.received.append(record)
        faults = self.node.faults
        if faults.drop_on is not None and faults.drop_on(line):
            self.abort()
            return
        if self._auth_timer is not None:
            self._auth_timer.cancel()
            self._auth_timer = None
        self._holding = True
        reply, after = await self._dispatch(line, headers, body)
        if reply is not None:
            delay = faults.delay_for(line)
            if delay > 0:
                await asyncio.sleep(delay)
            if not faults.withholds(line):
                self._write(reply)
        self._holding = False
        self._flush()
        if callable(after):
            after()

    async def _dispatch(self, line: str, headers: list[tuple[str, str]],
                        body: bytes) -> tuple[bytes | None, object]:
        """parse_command: the reply frame, and what to do once it is sent."""
        low = line.lower()
        if low.startswith("exit") or low.startswith("..."):
            return reply_frame("+OK bye"), self._goodbye
        if not self.authed:
            if low.startswith("auth "):
                if line[5:] == self.node.password and not self.node.faults.refuse_auth:
                    self.authed = True
                    return reply_frame("+OK accepted"), None
                return reply_frame("-ERR invalid"), self._goodbye
            if low.startswith("userauth "):
                user, _, password = line[9:].partition(":")
                if "@" in user and password == self.node.password \
                        and not self.node.faults.refuse_auth:
                    self.authed = True
                    return reply_frame("+OK accepted", "Allowed-Events: all\nAllowed-API: all\n"
                                                       "Allowed-LOG: true\n"), None
                return reply_frame("-ERR invalid"), self._goodbye
            return reply_frame("-ERR command not found"), None
        if low.startswith("filter "):
            return reply_frame(self._filter(line[7:])), None
        if low.startswith("resume"):
            return reply_frame("+OK" if self.session is not None
                               else "-ERR not controlling a session"), None
        if self.session is not None or low.startswith("myevents "):
            if low.startswith("connect") and self.session is not None:
                self.connected = True
                return channel_data_reply(self.session, async_mode=self.async_mode,
                                          full=self.full), self.on_connect
            if low.startswith("getvar") and self.session is not None:
                value = self.session.variables.get(line[6:].strip())
                return reply_frame(value if value else "-ERR command not found"), None
            if low.startswith("myevents"):
                return reply_frame(self._myevents(line[8:].strip())), None
        if low.startswith("divert_events"):
            if self.session is None:
                return reply_frame("-ERR not controlling a session."), None
            value = line[13:].strip().lower()
            if not value:
                return reply_frame("-ERR missing value."), None
            return reply_frame("+OK events diverted" if value == "on"
                               else "+OK events not diverted"), None
        if low.startswith("sendmsg"):
            return reply_frame(self._sendmsg(line, headers, body)), None
        if not self.full:  # an outbound socket without ``full``: nothing past sendmsg
            return reply_frame("-ERR command not found"), None
        if low.startswith("sendevent"):
            return reply_frame(self._sendevent(line[9:].strip(), headers, body)), None
        if low.startswith("api "):
            return await self._api(line[4:])
        if low.startswith("bgapi "):
            return self._bgapi(line[6:], headers), None
        if low.startswith("log"):
            return reply_frame(self._log(line[3:])), None
        if low.startswith("linger"):
            return reply_frame(self._linger(line[6:])), None
        if low.startswith("nolinger"):
            if self.session is None:
                return reply_frame("-ERR not controlling a session"), None
            self.linger = None
            return reply_frame("+OK will not linger"), None
        if low.startswith("nolog"):
            if not self.log_on:
                return reply_frame("-ERR not loging"), None
            self.log_on = False
            return reply_frame("+OK no longer logging"), None
        if low.startswith("event"):
            return reply_frame(self._event(line[5:])), None
        if low.startswith("nixevent"):
            return reply_frame(self._nixevent(line[8:])), None
        if low.startswith("noevents"):
            return reply_frame(self._noevents()), None
        return reply_frame("-ERR command not found"), None

    def _goodbye(self) -> None:
        self._emit(session_notice(self.session.uuid, "disconnect") if self.session is not None
                   else DISCONNECT)
        self._emit(CLOSE)

    def on_connect(self) -> None:
        """``connect`` was answered (the outbound listener wakes its channel)."""

    # -- the commands themselves -------------------------------------------------------------

    def _event(self, rest: str) -> str:
        space = rest.find(" ")
        tokens = rest[space + 1:].split(" ") if space >= 0 else []
        keys = 0
        custom = False
        for i, token in enumerate(tokens):
            if i == 0 and token.lower() in ("plain", "json", "xml"):
                self.fmt = token.lower()
                continue
            if not token:
                continue
            if custom:
                self.subclasses.add(token)
                continue
            name = event_name(token)
            if name is None:
                continue
            keys += 1
            if name == "ALL":
                self.event_all = True
                self.event_names.update(EVENT_NAMES)
            else:
                self.event_names.add(name)
            if name == "CUSTOM":
                custom = True
        if not keys:
            return "-ERR no keywords supplied"
        self.events_on = True
        self.node.refresh_listeners()
        return f"+OK event listener enabled {self.fmt}"

    def _nixevent(self, rest: str) -> str:
        keys = 0
        custom = False
        for token in rest.split():
            if custom:
                self.subclasses.discard(token)
                continue
            name = event_name(token)
            if name is None:
                continue
            keys += 1
            if name == "ALL":
                self.event_all = False
                self.event_names.clear()
            else:
                if self.event_all:
                    self.event_all = False
                    self.event_names.update(EVENT_NAMES)
                self.event_names.discard(name)
            if name == "CUSTOM":
                custom = True
        self.node.refresh_listeners()
        return "+OK events nixed" if keys else "-ERR no keywords supplied"

    def _noevents(self) -> str:
        self._held = [item for item in self._held if not isinstance(item, bytes)
                      or not item.startswith(b"Content-Length:")]
        if not self.events_on:
            return "-ERR not listening for events"
        self.events_on = False
        self.event_all = False
        self.event_names.clear()
        self.subclasses.clear()
        self.node.refresh_listeners()
        return "+OK no longer listening for events"

    def _filter(self, rest: str) -> str:
        rest = rest.lstrip(" ")
        name, _, value = rest.partition(" ")
        if name.lower() == "delete" and value:
            name, _, value = value.partition(" ")
            if name.lower() == "all":
                self.filters.clear()
            else:
                self.filters = [f for f in self.filters if not (
                    f[0].lower() == name.lower() and (not value or f[1] == value))]
            return f"+OK filter deleted. [{name}][{value}]"
        if value:
            if name.lower() == "add":
                name, _, value = value.partition(" ")
                if not value:
                    return "-ERR invalid syntax"
            self.filters.append((name, value))
            return f"+OK filter added. [{name}]=[{value}]"
        return "-ERR invalid syntax"

    def _log(self, rest: str) -> str:
        text = rest.lstrip(" ").split(" ")[0] if rest.strip() else ""
        level = log_level(text) if text else 7
        if level is None:
            return "-ERR invalid log level"
        self.log_on = True
        self.log_level = level
        return f"+OK log level {text} [{level}]"

    def _linger(self, rest: str) -> str:
        if self.session is None:
            return "-ERR not controlling a session"
        text = rest.strip()
        if text and text.lstrip("-").isdigit():
            self.linger = int(text)
            return f"+OK will linger {self.linger} seconds"
        self.linger = -1
        return "+OK will linger"

    def _myevents(self, rest: str) -> str:
        if self.myevents:
            return "-ERR aready enabled."
        if self.session is None:
            uuid, _, fmt = rest.partition(" ")
            ch = self.node.channels.get(uuid)
            if ch is None or ch.destroyed:
                if fmt:
                    return "-ERR invalid uuid"
            else:
                self.session = ch
                ch.hold()
        self.myevents = True
        self.events_on = True
        self.event_names.update(MYEVENTS)
        self.node.refresh_listeners()
        if self.session is not None and not self.session.up:
            self.session_hungup()
        return "+OK Events Enabled"

    def _sendmsg(self, line: str, headers: list[tuple[str, str]], body: bytes) -> str:
        uuid = line[7:].strip()
        ch = self.node.channels.get(uuid) if uuid else self.session
        if ch is None or ch.destroyed:
            return f"-ERR invalid session id [{uuid}]"
        command = (_header(headers, "call-command") or "").strip().lower()
        text = body.decode("utf-8", "surrogateescape") if body else None
        arg = _header(headers, "execute-app-arg")
        if arg is None and text is not None and \
                (_header(headers, "content-type") or "").lower().startswith("text/plain"):
            arg = text
        loops_text = (_header(headers, "loops") or "1").strip()
        try:
            loops = int(loops_text)
        except ValueError:
            loops = 1
        msg = Message(command, app=(_header(headers, "execute-app-name") or "").strip(),
                      arg=arg or "", loops=loops,
                      event_lock=_true(_header(headers, "event-lock")),
                      event_uuid=_header(headers, "Event-UUID"),
                      event_uuid_name=_header(headers, "Event-UUID-Name"),
                      cause=normalize_cause(_header(headers, "hangup-cause")),
                      headers=list(headers), body=text, command_line=line)
        queue_message(ch, msg)
        return "+OK"

    def _sendevent(self, rest: str, headers: list[tuple[str, str]], body: bytes) -> str:
        name = event_name(rest.split(" ")[0]) if rest else "CUSTOM"
        if name is None or name == "ALL":
            return f"-ERR invalid event type [{rest}]"
        event_uuid = str(uuidlib.uuid4())
        subclass = _header(headers, "Event-Subclass") if name == "CUSTOM" else None
        skip = {"event-name", "event-subclass", "content-length"}
        items = [(k, v) for k, v in headers if k.lower() not in skip]
        items.append(("Event-UUID", event_uuid))
        text = body.decode("utf-8", "surrogateescape") if body else None
        uuid = _header(headers, "Unique-ID")
        self.node.fire_plain(name, items, text, source="CUSTOM", subclass=subclass, uuid=uuid)
        return f"+OK {event_uuid}"

    async def _api(self, text: str) -> tuple[bytes, object]:
        cmd, _, args = text.partition(" ")
        cmd, args = cmd.strip(), args.strip()
        output = self.node.faults.output_for(text.strip())
        if output is None:
            output = await api_commands.run(self.node, cmd, args)
        items = [("API-Command", cmd)] + ([("API-Command-Argument", args)] if args else [])
        # switch_api_execute fires API once the command returned; MES has sent the reply
        return api_frame(output), lambda: self.node.fire_plain("API", items)

    def _bgapi(self, text: str, headers: list[tuple[str, str]]) -> bytes:
        job = (_header(headers, "Job-UUID") or "").strip() or str(uuidlib.uuid4())
        cmd, _, args = text.partition(" ")
        cmd, args = cmd.strip(), args.strip()
        owner = self.session.uuid if self.session is not None else None

        async def background() -> None:
            await asyncio.sleep(0)
            output = await api_commands.run(self.node, cmd, args)
            items = [("API-Command", cmd)] + ([("API-Command-Argument", args)] if args else [])
            self.node.fire_plain("API", items)
            job_items = [("Job-UUID", job)]
            if owner:
                job_items.append(("Job-Owner-UUID", owner))
            job_items.append(("Job-Command", cmd))
            if args:
                job_items.append(("Job-Command-Arg", args))
            self.node.fire_plain("BACKGROUND_JOB", job_items, output, job_owner=owner)

        task = asyncio.get_running_loop().create_task(background())
        self.node.tasks.add(task)
        task.add_done_callback(self.node.tasks.discard)
        return reply_frame(f"+OK Job-UUID: {job}", f"Job-UUID: {job}\n")

