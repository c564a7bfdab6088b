"""Session: one FreeSWITCH channel as the application sees it, and the commands it sends.

A Session answers header lookups from the channel's latest events (kept raw and read
with ``Event.peek``, so an active call costs a few kilobytes) and sends commands
through the node that carries the channel.

Commands of one session run **in the order they were issued**, each after the
previous one is confirmed (the api reply, or the CHANNEL_EXECUTE_COMPLETE of that very
application), exactly like the applications of a FreeSWITCH dialplan extension. So
plain route code such as ``sess.respond(407); sess.hangup()`` means what it says, and
async code may ``await`` any command to wait for its confirmation.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .causes import final_response, sip_to_cause
from .esl import Event
from .esl.errors import CommandError, ESLError
from .expansion import (
    Expandable,
    UnsafeArgument,
    application_argument,
    join,
    multiset_argument,
    no_application_choice,
    once,
    one_destination,
    one_word,
    pieces,
    raw,
)
from .workers import loop_inbox

if TYPE_CHECKING:
    from .call import Call

log = logging.getLogger("switchy.session")

# Strong references to command tasks in flight (the loop keeps only weak ones).
_RUNNING: set[asyncio.Task[None]] = set()

# Applications and api commands that send a call away from the park switchy routes it in.
MOVING_APPS = frozenset({"transfer", "deflect", "redirect"})
MOVING_APIS = frozenset({"uuid_transfer", "uuid_bridge", "uuid_deflect", "uuid_park"})

# Events that carry every channel variable (``variable_*``), per switch_channel.c.
FULL_DATA_EVENTS = frozenset({
    "CHANNEL_CREATE", "CHANNEL_ORIGINATE", "CHANNEL_UUID", "CHANNEL_ANSWER", "CHANNEL_PARK",
    "CHANNEL_UNPARK", "CHANNEL_BRIDGE", "CHANNEL_UNBRIDGE", "CHANNEL_PROGRESS",
    "CHANNEL_PROGRESS_MEDIA", "CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE", "CHANNEL_DATA",
    "CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_DESTROY", "CHANNEL_HOLD",
    "CHANNEL_UNHOLD",
})


class Controller(Protocol):
    """What a Session needs from its node's connection (``InboundClient`` fits)."""

    name: str

    async def api(self, command: str) -> str: ...

    async def execute(self, uuid: str, app: str, arg: str = "", *, event_lock: bool = True,
                      loops: int = 1) -> Awaitable[Event]: ...


class CommandFailed(ESLError):
    """A session command was refused by FreeSWITCH or could not be sent."""


class Command:
    """One command of a session; await it for FreeSWITCH's confirmation.

    Plain code may ignore it: a failure nobody awaited is logged with the call's uuid.
    """

    __slots__ = ("_awaited", "description", "future", "session")

    def __init__(self, session: Session, description: str, future: asyncio.Future[Any]) -> None:
        self.session = session
        self.description = description
        self.future = future
        self._awaited = False
        future.add_done_callback(self._report)

    def __await__(self):  # type: ignore[no-untyped-def]
        self._awaited = True
        return self.future.__await__()

    def done(self) -> bool:
        return self.future.done()

    def result(self) -> Any:
        return self.future.result()

    def _report(self, future: asyncio.Future[Any]) -> None:
        if future.cancelled() or self._awaited:
            return
        exc = future.exception()
        if exc is not None:
            node = self.session.node
            stopping = node is not None and getattr(node, "stopping", False)
            self.session.log.log(logging.DEBUG if stopping else logging.ERROR, "%s", exc)

    def __repr__(self) -> str:
        state = "done" if self.future.done() else "pending"
        return f"<Command {self.description} {state}>"


_CONTROL = {c: f"\\x{c:02x}" for c in [*range(32), 127]} | {10: "\\n", 13: "\\r", 9: "\\t"}


def printable(text: object) -> str:
    """``text`` for one log line: control characters (a caller's CR/LF, ESC) written as
    escapes, so nobody can forge a log line or a terminal sequence."""
    return str(text).translate(_CONTROL)


class _CallLog(logging.LoggerAdapter):
    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return f"[{self.extra['uuid']}] {msg}", kwargs


class Session:
    """A FreeSWITCH channel, kept up to date from its events."""

    __slots__ = (
        "__weakref__", "_data", "_last", "_loop", "_pending", "_tail", "answered", "app_id", "call",
        "controller", "hangup_cause", "hungup", "log", "moved", "node", "on_command", "on_done",
        "parks", "times", "uuid",
    )

    def __init__(self, event: Event, controller: Controller, node: Any = None) -> None:
        self.uuid: str = event.uuid or ""
        self.controller = controller
        self.node = node
        self.call: Call[Session] | None = None  # the legs that belong together
        self.app_id: str | None = None
        self._last = event
        self._data = event
        self._tail: asyncio.Future[Any] | None = None
        self._pending = 0
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None
        self.answered = False
        self.hungup = False
        self.hangup_cause: str | None = None
        self.parks = 0  # how many times the call was parked (each park routes it again)
        # A command of this session sent the call away from its park (transfer, deflect,
        # uuid_transfer, uuid_bridge...): whoever was routing it is done with it, until
        # it parks again.
        self.moved = False
        self.times: dict[str, float] = {"created": time.time()}
        self.log = _CallLog(log, {"uuid": self.uuid})
        self.on_command: Callable[[Session, str], Any] | None = None
        # told how each command ended: ``on_done(session, description, failure or None)``
        self.on_done: Callable[[Session, str, BaseException | None], Any] | None = None
        self.update(event)

    def __repr__(self) -> str:
        return f"<Session {self.uuid} {self.get('Caller-Destination-Number', '')!s}>"

    # -- state ------------------------------------------------------------------------

    def update(self, event: Event) -> None:
        """Take in one event of this channel."""
        name = event.name
        self._last = event
        if name in FULL_DATA_EVENTS:
            self._data = event
        if name == "CHANNEL_ANSWER":
            self.answered = True
            self.times.setdefault("answered", time.time())
        elif name == "CHANNEL_PARK":
            self.times["parked"] = time.time()
            self.moved = False  # parked again: routed afresh by whoever takes it now
        elif name in ("CHANNEL_HANGUP", "CHANNEL_HANGUP_COMPLETE"):
            self.hungup = True
            self.hangup_cause = event.peek("Hangup-Cause") or self.hangup_cause
            self.times.setdefault("hungup", time.time())

    @property
    def last_event(self) -> Event:
        return self._last

    def __getitem__(self, name: str) -> str:
        value = self._lookup(name)
        if value is None:
            raise KeyError(f"{name!r} is not a header of call {self.uuid}")
        return value

    def get(self, name: str, default: Any = None) -> Any:
        """A header or ``variable_*`` of the channel, or ``default``."""
        value = self._lookup(name)
        return default if value is None else value

    def __contains__(self, name: str) -> bool:
        return self._lookup(name) is not None

    def _lookup(self, name: str) -> str | None:
        value = self._last.peek(name)
        if value is None and self._data is not self._last:
            value = self._data.peek(name)
        return value

    def is_inbound(self) -> bool:
        return self.get("Call-Direction") == "inbound"

    def is_outbound(self) -> bool:
        return self.get("Call-Direction") == "outbound"

    @property
    def host(self) -> str:
        return self.controller.name

    @property
    def busy(self) -> bool:
        """True while commands issued by the application have not all completed."""
        return self._pending > 0

    # -- sending ----------------------------------------------------------------------

    def _issue(self, description: str, send: Callable[[], Awaitable[Any]]) -> Command:
        """Queue ``send`` behind the session's previous command and return its handle.

        Plain route code may run in a worker thread (so that a route which blocks cannot
        stall the service); its commands are handed to the event loop in call order.
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is None:
            loop = self._loop
            if loop is None:
                raise RuntimeError(f"call {self.uuid}: no event loop to send {description} on")
            future: asyncio.Future[Any] = loop.create_future()
            command = Command(self, description, future)
            loop_inbox(loop).put(self._enqueue, loop, future, description, send)
            return command
        self._loop = loop
        future = loop.create_future()
        command = Command(self, description, future)
        self._enqueue(loop, future, description, send)
        return command

    def _enqueue(self, loop: asyncio.AbstractEventLoop, future: asyncio.Future[Any], description: str,
                 send: Callable[[], Awaitable[Any]]) -> None:
        previous = self._tail
        self._tail = future
        self._pending += 1
        if self.on_command is not None:
            self.on_command(self, description)
        task = loop.create_task(self._run(previous, send, future, description))
        _RUNNING.add(task)
        task.add_done_callback(_RUNNING.discard)

    async def _run(self, previous: asyncio.Future[Any] | None, send: Callable[[], Awaitable[Any]],
                   future: asyncio.Future[Any], description: str) -> None:
        try:
            if previous is not None and not previous.done():
                await asyncio.wait([previous])
            result = await send()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except ESLError as exc:
            if not future.done():
                failure = CommandFailed(f"call {self.uuid}: {description} failed: {exc}")
                failure.__cause__ = exc
                future.set_exception(failure)
        except Exception as exc:
            if not future.done():
                failure = CommandFailed(f"call {self.uuid}: {description} failed: {exc!r}")
                failure.__cause__ = exc
                future.set_exception(failure)
        else:
            if not future.done():
                future.set_result(result)
        finally:
            self._pending -= 1
            if self.on_done is not None and future.done() and not future.cancelled():
                self.on_done(self, description, future.exception())

    def execute(self, app: str, arg: object = "", *, loops: int = 1) -> Command:
        """Run a dialplan application; completes on its CHANNEL_EXECUTE_COMPLETE.

        FreeSWITCH expands the argument: a plain ``str`` arrives literally (escaped
        here), text marked with ``switchy.expansion.raw`` has its ``${...}`` expanded.
        """
        return self._issue_application(app, application_argument(app, arg), loops=loops)

    def _issue_application(self, app: str, arg: str, *, loops: int = 1) -> Command:
        """Send ``arg`` exactly as given (already written for FreeSWITCH's expansion)."""
        if app.lower() in MOVING_APPS:
            self.moved = True

        async def send() -> Event:
            execution = await self.controller.execute(self.uuid, app, arg, event_lock=True, loops=loops)
            return await execution

        return self._issue(f"{app}({arg})" if arg else app, send)

    def api(self, command: str, *, ok_if: Callable[[str], bool] | None = None) -> Command:
        """Run an api command on this call's node, ordered with the session's commands.

        FreeSWITCH does not expand api commands, except ``eval`` and ``expand``, whose
        argument is escaped here like an application's.
        """
        verb, sep, _ = str(command).partition(" ")
        if sep and verb in ("eval", "expand"):
            command = f"{verb} {once(_after(command, len(verb) + 1))}"
        command = str(command)
        words = command.split()
        if words and words[0] in MOVING_APIS and self.uuid in words[1:]:
            self.moved = True

        async def send() -> str:
            reply = await self.controller.api(command)
            if reply.startswith("-") and not (ok_if and ok_if(reply)):
                raise CommandError(reply.strip(), reply)
            return reply

        return self._issue(command, send)

    # -- the Session API of the seed ----------------------------------------------------

    def answer(self) -> Command:
        return self.api(f"uuid_answer {self.uuid}")

    def hangup(self, cause: str = "NORMAL_CLEARING") -> Command:
        """Hang up; a channel that is already gone counts as done, not as an error."""
        return self.api(f"uuid_kill {self.uuid} {_word(cause, 'cause')}",
                        ok_if=lambda reply: reply.startswith("-ERR No such channel"))

    def respond(self, code: int | str) -> Command:
        """Send a SIP response. A final one (300 or more) ends the call: only a SIP leg
        hangs up on FreeSWITCH's own (CALL_REJECTED for 407), so when the channel is
        still there once the respond is confirmed (a loopback leg), it is hung up with the
        cause FreeSWITCH gives that SIP code."""
        text = code if isinstance(code, str) else str(code)
        arg = application_argument("respond", text)
        final = final_response(text)

        async def send() -> Event:
            execution = await self.controller.execute(self.uuid, "respond", arg, event_lock=True)
            confirmed = await execution
            if final is not None and not self.hungup:
                await self.controller.api(f"uuid_kill {self.uuid} {sip_to_cause(final)}")
            return confirmed

        return self._issue(f"respond({arg})", send)

    def bridge(self, dest_url: str | None = None, profile: str | None = None, gateway: str | None = None,
               proxy: str | None = None, params: Mapping[str, Any] | None = None) -> Command:
        """Bridge to ``sofia/<profile>/<dest_url>``; by default the channel's own profile
        and its SIP Request-URI, as the seed documents. A whole dial string
        (``user/1000@example.com``, ``sofia/gateway/gw/123``) goes out as written."""
        for value, what in ((dest_url, "destination"), (profile, "profile"), (gateway, "gateway"),
                            (proxy, "proxy")):
            one_destination(value, what)
        if is_dial_string(dest_url) and profile is None and gateway is None and proxy is None:
            return self.execute("bridge", join(_params(params), dest_url))
        if profile is None and gateway is None:
            profile = self.get("variable_sofia_profile_name")
        if dest_url is None:
            dest_url = self.get("variable_sip_req_uri")
        return self.execute("bridge", bridge_target(dest_url, profile, gateway, proxy, params))

    def playback(self, path: str | Iterable[str], params: Mapping[str, Any] | None = None) -> Command:
        """Play a file (or several, in order) to the channel."""
        paths = [path] if isinstance(path, str) else list(path)
        prefix = _params(params)
        if len(paths) == 1:
            return self.execute("playback", join(prefix, paths[0]))
        for one in paths:
            one_word(one, "a file of a playlist", forbidden="!")
        self.setvar("playback_delimiter", "!")
        listed: list[object] = [prefix]
        for k, one in enumerate(paths):
            listed += [raw("!"), one] if k else [one]
        return self.execute("playback", join(*listed))

    def broadcast(self, path: str, leg: str = "aleg") -> Command:
        """``uuid_broadcast``: the path is one word of the api command (no blank, nothing
        the api's word splitting would change), then an application argument FreeSWITCH
        expands. What stands before ``::`` names the application: keep callers out of it."""
        one_word(path, "broadcast path", forbidden="'\"\\")
        no_application_choice(path, "broadcast path")
        return self.api(f"uuid_broadcast {self.uuid} {once(path)} {_word(leg, 'leg')}")

    def setvar(self, name: str, value: Any) -> Command:
        """``set``: FreeSWITCH expands the value twice; a caller's text survives both."""
        return self.execute("set", join(raw(f"{_word(name, 'variable name')}="), _value(value)))

    def setvars(self, variables: Mapping[str, Any]) -> Command:
        """Set several variables at once (``multiset``, one application run)."""
        for name, value in variables.items():
            _word(name, "variable name")
            if " " in str(value):
                raise UnsafeArgument(f"multiset cannot carry a space in {name}={str(value)!r}; use setvar")
        return self._issue_application("multiset", multiset_argument((k, _value(v)) for k, v in variables.items()))

    def unsetvar(self, name: str) -> Command:
        return self.execute("unset", _word(name, "variable name"))

    def export(self, name: str, value: Any) -> Command:
        return self.execute("export", join(raw(f"{_word(name, 'variable name')}="), _value(value)))

    async def getvar(self, name: str) -> str | None:
        """Read a channel variable from FreeSWITCH (None when unset); never blocks the loop."""
        reply = await self.controller.api(f"uuid_getvar {self.uuid} {_word(name, 'variable name')}")
        if reply == "_undef_":
            return None
        if reply.startswith("-ERR"):
            raise CommandFailed(f"call {self.uuid}: uuid_getvar {name} failed: {reply.strip()}")
        return reply

    def start_record(self, path: str, rx_only: bool = False, stereo: bool = False,
                     rate: int | None = None) -> Command:
        if rx_only:
            self.setvar("RECORD_READ_ONLY", "true")
        if stereo:
            self.setvar("RECORD_STEREO", "true")
        if rate:
            self.setvar("record_sample_rate", int(rate))
        return self.execute("record_session", path)

    def stop_record(self, path: str = "all") -> Command:
        return self.execute("stop_record_session", path)

    def park(self) -> Command:
        """Keep the call parked (the ``park`` application). On a call that is parked
        already it returns at once: unlike ``uuid_park``, it never parks the call a second
        time (which routes it again) nor wedges it (a second ``uuid_park`` does)."""
        return self.execute("park")

    def transfer(self, extension: str, dialplan: str = "XML", context: str | None = None) -> Command:
        """Send the call through FreeSWITCH's dialplan again (``transfer`` application)."""
        words = [w for w in (_word(extension, "extension"), dialplan, context) if w]
        return self.execute("transfer", join(*[x for k, w in enumerate(words) for x in ((" ", w) if k else (w,))]))

    def sleep(self, ms: int) -> Command:
        return self.execute("sleep", str(int(ms)))

    def send_dtmf(self, digits: str, duration: int | None = None) -> Command:
        arg = _word(digits, "digits") + (f"@{int(duration)}" if duration else "")
        return self.api(f"uuid_send_dtmf {self.uuid} {arg}")

    def sched_hangup(self, seconds: float, cause: str = "ALLOTTED_TIMEOUT") -> Command:
        return self.api(f"sched_hangup +{int(seconds)} {self.uuid} {_word(cause, 'cause')}")

    def breakmedia(self) -> Command:
        """Stop what is playing now (``uuid_break``); it does not wait behind the playback."""
        command = f"uuid_break {self.uuid}"

        async def send() -> str:
            return await self.controller.api(command)

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # from a worker thread
            assert self._loop is not None
            return Command(self, command, asyncio.wrap_future(
                asyncio.run_coroutine_threadsafe(send(), self._loop), loop=self._loop))
        return Command(self, command, loop.create_task(send()))

    def mute(self, direction: str = "write", level: int = 1) -> Command:
        return self.api(f"uuid_audio {self.uuid} start {_word(direction, 'direction')} mute {int(level)}")

    def unmute(self, direction: str = "write") -> Command:
        return self.api(f"uuid_audio {self.uuid} start {_word(direction, 'direction')} mute 0")

    def deflect(self, uri: str) -> Command:
        return self.execute("deflect", uri)

    def speak(self, text: str, engine: str = "flite", voice: str = "kal") -> Command:
        one_word(engine, "speech engine", forbidden="|")
        one_word(voice, "voice", forbidden="|")
        return self.execute("speak", join(engine, raw("|"), voice, raw("|"), text))

    def log_message(self, level: str, message: str) -> Command:
        """Write to FreeSWITCH's own log (the ``log`` application)."""
        return self.execute("log", join(raw(f"{_word(level, 'log level').upper()} "), message))

    def bridge_to(self, other: Session | str) -> Command:
        """Bridge this call to another existing channel (``uuid_bridge``)."""
        other_uuid = other.uuid if isinstance(other, Session) else other
        return self.api(f"uuid_bridge {self.uuid} {_word(other_uuid, 'uuid')}")

    def uuid_transfer(self, extension: str, dialplan: str = "XML", context: str | None = None) -> Command:
        arg = " ".join(p for p in (_word(extension, "extension"), dialplan, context) if p)
        return self.api(f"uuid_transfer {self.uuid} {arg}")

    async def settled(self) -> None:
        """Wait until every command issued so far has completed (successfully or not)."""
        tail = self._tail
        if tail is not None and not tail.done():
            await asyncio.wait([tail])


# An endpoint dial string: optional {vars}/[vars] blocks, then "<endpoint>/".
_DIAL_STRING = re.compile(r"^(?:\{[^}]*\}|\[[^\]]*\])*[A-Za-z][A-Za-z0-9_.]*/")


def is_dial_string(dest: object) -> bool:
    """``sofia/gateway/gw/123`` or ``user/1000@dom`` rather than a SIP URI or user@host."""
    return isinstance(dest, str) and _DIAL_STRING.match(dest) is not None


def _word(value: Any, what: str) -> str:
    """A value that must stay one word of an api command."""
    text = value if isinstance(value, str) else str(value)
    if not text or any(c in text for c in " \t\r\n\0"):
        raise UnsafeArgument(f"{what} must be one word without spaces or line breaks, not {str(text)!r}")
    return text


def _value(value: Any) -> object:
    """A variable's value as text (``str`` and ``Expandable`` kept as they are)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _after(text: str, start: int) -> object:
    """``text`` from ``start`` on, keeping which pieces are the author's."""
    out: list[tuple[str, bool]] = []
    at = 0
    for piece, mine in pieces(text):
        end = at + len(piece)
        if end > start:
            out.append((piece[max(0, start - at):], mine))
        at = end
    return Expandable(parts=out)


def _params(params: Mapping[str, Any] | None) -> Expandable:
    """``{a=1,b=2}``: channel variables of a new leg; a caller's value may not end the
    block or start another variable."""
    if not params:
        return Expandable()
    out: list[object] = [raw("{")]
    for k, (name, value) in enumerate(params.items()):
        one_word(_value(value), f"channel variable {name}", forbidden=",}]", blanks=False)
        out += [raw(("," if k else "") + f"{_word(name, 'variable name')}="), _value(value)]
    out.append(raw("}"))
    return join(*out)


def bridge_target(dest_url: str | None = None, profile: str | None = None, gateway: str | None = None,
                  proxy: str | None = None, params: Mapping[str, Any] | None = None) -> Expandable:
    """The dial string of ``Session.bridge``: ``{params}sofia/<profile>/<dest>[;fs_path=...]``."""
    if gateway:
        profile = join(raw("gateway/"), gateway)
    target = join(_params(params), raw("sofia/"), profile or raw("${sofia_profile_name}"), raw("/"),
                  dest_url or raw("${sip_req_uri}"))
    if proxy:
        target = join(target, raw(";fs_path=sip:"), proxy)
    return target
