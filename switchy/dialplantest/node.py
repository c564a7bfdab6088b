"""A small, explicit model of the FreeSWITCH node a dialplan test runs on.

switchy's real runtime routes the call and drives a real Session; the commands it sends
come here instead of to a FreeSWITCH. This model does with them what FreeSWITCH does with
what it is told, as far as a dialplan's outcome depends on it:

- it runs applications in order, recording each with its data expanded at that moment
  (``${...}``, see ``expand``), as FreeSWITCH reports them in CHANNEL_EXECUTE;
- an application no loaded module provides is not run: the call hangs up
  ``DESTINATION_OUT_OF_ORDER``;
- ``set``/``export``/``unset``/``multiset``/``set_global`` change variables, which later
  data and later routing see (FreeSWITCH puts them on the next event);
- ``bridge`` fails unless its gateway, sofia profile or directory user exists on the node
  (``INVALID_GATEWAY``, ``INVALID_PROFILE``, ``SUBSCRIBER_ABSENT``; ``error/cause`` gives
  that cause); a failure hangs up with its cause unless ``continue_on_fail`` covers it;
- ``hangup``, ``uuid_kill`` end the call; ``transfer`` makes the node route the call
  afresh (new destination and context, ``rdnis`` the old destination); ``park`` and
  ``socket`` leave it waiting;
- the ``eval`` API expands text for the call (what ``switchy.xmlimport.freeswitch`` asks).

What the node has is the ``World``: its modules, gateways, profiles, users, globals, db
rows and time zone. The defaults are the box the XML oracle was recorded on.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from switchy.dialplan import timeofday
from switchy.dialplantest.expand import Lookups, expand
from switchy.esl import Event
from switchy.esl.errors import CommandError
from switchy.recording import SIMULATED_UUID, RecordingController
from switchy.session import Session
from switchy.xmlimport import apps

BLOCKING_APPS = frozenset({"park", "socket", "conference", "fifo", "valet_park", "callcenter"})

# Q.850 causes a continue_on_fail list may name by number
_CAUSE_NUMBERS = {
    "UNALLOCATED_NUMBER": 1, "NO_ROUTE_TRANSIT_NET": 2, "NO_ROUTE_DESTINATION": 3,
    "NORMAL_CLEARING": 16, "USER_BUSY": 17, "NO_USER_RESPONSE": 18, "NO_ANSWER": 19,
    "SUBSCRIBER_ABSENT": 20, "CALL_REJECTED": 21, "NUMBER_CHANGED": 22,
    "DESTINATION_OUT_OF_ORDER": 27, "INVALID_NUMBER_FORMAT": 28, "FACILITY_REJECTED": 29,
    "NORMAL_UNSPECIFIED": 31, "NORMAL_CIRCUIT_CONGESTION": 34, "NETWORK_OUT_OF_ORDER": 38,
    "NORMAL_TEMPORARY_FAILURE": 41, "SWITCH_CONGESTION": 42, "REQUESTED_CHAN_UNAVAIL": 44,
    "SERVICE_UNAVAILABLE": 63, "CHAN_NOT_IMPLEMENTED": 66, "RECOVERY_ON_TIMER_EXPIRE": 102,
    "INTERWORKING": 127, "INVALID_GATEWAY": 608, "GATEWAY_DOWN": 609, "INVALID_PROFILE": 612,
    "USER_NOT_REGISTERED": 606,
}
_RESPOND_CAUSES = {404: "UNALLOCATED_NUMBER", 486: "USER_BUSY", 480: "NO_USER_RESPONSE",
                   403: "CALL_REJECTED", 503: "NORMAL_TEMPORARY_FAILURE",
                   603: "CALL_REJECTED", 407: "CALL_REJECTED", 401: "CALL_REJECTED"}


@dataclass
class World:
    """What the node has. Defaults: the FreeSWITCH 1.11.3 box of the XML oracle."""

    timezone: str = "UTC"
    modules: tuple[str, ...] = apps.ORACLE_MODULES
    gateways: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    users: tuple[str, ...] = ()  # registered "user@domain"
    channel: str = "loopback"  # the calls' endpoint: loopback (respond does not end it) or sofia
    globals: dict[str, str] = field(default_factory=lambda: {"base_dir": "/usr/freeswitch"})
    db: dict[str, str] = field(default_factory=dict)

    def has_app(self, app: str) -> bool:
        return any(app in apps.MODULE_APPS.get(m, ()) for m in self.modules)

    def zone(self) -> dt.tzinfo:
        tz = timeofday.resolve_timezone(self.timezone)
        if isinstance(tz, dt.tzinfo):
            return tz
        return ZoneInfo("UTC")


@dataclass
class Channel:
    """The call's leg as the node holds it."""

    uuid: str
    profile: dict[str, str]  # caller-profile fields by FreeSWITCH's names
    variables: dict[str, str]
    executed: list[tuple[str, str]] = field(default_factory=list)
    hangup_cause: str | None = None
    transfer: tuple[str, str, str] | None = None  # (extension, dialplan, context)
    waiting: str | None = None  # parked / socket: the call waits
    answered: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def up(self) -> bool:
        return self.hangup_cause is None and self.transfer is None and self.waiting is None


class NodeController(RecordingController):
    """Stands in for the ESL connection: every command is carried out on ``channel``."""

    def __init__(self, world: World, channel: Channel, now: dt.datetime) -> None:
        super().__init__(name="node")
        self.world = world
        self.channel = channel
        self.now = now
        self.session: Session | None = None

    def attach(self, session: Session) -> None:
        self.session = session

    # -- ESL ------------------------------------------------------------------------------

    async def execute(self, uuid: str, app: str, arg: str = "", *, event_lock: bool = True,
                      loops: int = 1) -> asyncio.Future[Event]:
        await super().execute(uuid, app, arg, event_lock=event_lock, loops=loops)
        ch = self.channel
        if not ch.up:
            raise CommandError("-ERR No such channel!", "-ERR No such channel!\n")
        if not self.world.has_app(app):
            self.hangup("DESTINATION_OUT_OF_ORDER")
            ch.notes.append(f"{app}: no loaded module provides it")
            raise CommandError(f"-ERR invalid application {app}", "-ERR\n")
        for _ in range(max(loops, 1)):
            data = expand(arg, self.lookups())
            ch.executed.append((app, data))
            self.run(app, data)
            if not ch.up:
                break
        done: asyncio.Future[Event] = asyncio.get_running_loop().create_future()
        event = self.event("CHANNEL_EXECUTE_COMPLETE", [("Application", app),
                                                        ("Application-Data", arg)])
        if self.session is not None:
            self.session.update(event)
        done.set_result(event)
        return done

    async def api(self, command: str) -> str:
        await super().api(command)
        verb, _, rest = command.partition(" ")
        ch = self.channel
        if verb == "eval":
            text = rest
            if text.startswith("uuid:"):
                text = text.partition(" ")[2]
            return expand(text, self.lookups())
        target, _, args = rest.partition(" ")
        if target and target != ch.uuid:
            return "-ERR No such channel!\n"
        if not ch.up and verb.startswith("uuid_"):
            return "-ERR No such channel!\n"
        if verb == "uuid_kill":
            self.hangup(args.strip() or "NORMAL_CLEARING")
        elif verb == "uuid_answer":
            ch.answered = True
        elif verb == "uuid_park":
            ch.waiting = "parked"
        elif verb == "uuid_getvar":
            return ch.variables.get(args.strip(), "_undef_")
        elif verb == "uuid_setvar":
            name, _, value = args.partition(" ")
            self.set_var(name, value)
        return "+OK\n"

    # -- what applications do ---------------------------------------------------------------

    def run(self, app: str, data: str) -> None:
        ch = self.channel
        if app in ("set", "export", "set_global"):
            name, sep, value = data.partition("=")
            if sep and name:
                if app == "set_global":
                    self.world.globals[name] = value
                else:
                    self.set_var(name, value)
        elif app == "multiset":
            for item in data.split(" "):
                name, sep, value = item.partition("=")
                if sep and name:
                    self.set_var(name, value)
        elif app in ("unset", "multiunset"):
            for name in data.split(" "):
                ch.variables.pop(name, None)
        elif app == "hangup":
            self.hangup(data.strip().upper() or "NORMAL_CLEARING")
        elif app in ("answer", "pre_answer"):
            ch.answered = ch.answered or app == "answer"
        elif app == "respond":
            m = re.match(r"\s*(\d{3})", data)
            if self.world.channel != "loopback" and m and int(m.group(1)) >= 300:
                self.hangup(_RESPOND_CAUSES.get(int(m.group(1)), "CALL_REJECTED"))
        elif app == "bridge":
            self.bridge(data)
        elif app == "transfer":
            words = data.split()
            if words:
                dialplan = words[1] if len(words) > 1 else ch.profile.get("dialplan", "XML")
                context = words[2] if len(words) > 2 else ch.profile.get("context", "default")
                ch.transfer = (words[0], dialplan, context)
        elif app in BLOCKING_APPS:
            ch.waiting = app
        elif app == "execute_extension":
            ch.notes.append("execute_extension sent to FreeSWITCH: the model does not hunt its "
                            "XML; nothing more is run for it")

    def bridge(self, dial: str) -> None:
        cause = self.bridge_cause(dial)
        ch = self.channel
        if cause is None:
            ch.variables["last_bridge_hangup_cause"] = "NORMAL_CLEARING"
            if _true(ch.variables.get("hangup_after_bridge", "")):
                self.hangup("NORMAL_CLEARING")
            return
        ch.variables["originate_disposition"] = cause
        ch.variables["last_bridge_hangup_cause"] = cause
        if not continue_on_fail(ch.variables.get("continue_on_fail", ""), cause):
            self.hangup(cause)

    def bridge_cause(self, dial: str) -> str | None:
        """None when the bridge connects; else why it failed (the last leg's cause)."""
        cause = "INVALID_URL"
        for leg in _legs(_strip_vars(dial.strip())):
            leg = _strip_vars(leg.strip())
            endpoint, _, rest = leg.partition("/")
            kind = endpoint.lower()
            if kind == "sofia":
                profile, _, target = rest.partition("/")
                if profile == "gateway":
                    gateway = target.partition("/")[0]
                    if gateway in self.world.gateways:
                        return None
                    cause = "INVALID_GATEWAY"
                elif profile in self.world.profiles:
                    return None
                else:
                    cause = "INVALID_PROFILE"
            elif kind == "user":
                if rest in self.world.users:
                    return None
                cause = "SUBSCRIBER_ABSENT"
            elif kind == "error":
                cause = rest.upper() or "NORMAL_CLEARING"
            elif kind == "loopback":
                cause = "NO_ROUTE_DESTINATION"
            else:
                cause = "CHAN_NOT_IMPLEMENTED"
        return cause

    # -- state ------------------------------------------------------------------------------

    def set_var(self, name: str, value: str) -> None:
        if value == "":
            self.channel.variables.pop(name, None)
        else:
            self.channel.variables[name] = value

    def hangup(self, cause: str) -> None:
        ch = self.channel
        if ch.hangup_cause is None:
            ch.hangup_cause = cause
            if self.session is not None:
                self.session.update(self.event("CHANNEL_HANGUP", [("Hangup-Cause", cause)]))

    def lookups(self) -> Lookups:
        return Lookups(self.channel.variables, self.channel.profile, self.world.globals,
                       self.world.db, unknown=lambda api: self.channel.notes.append(
                           f"the API {api} is not in the model: it expanded to -ERR"))

    def event(self, name: str, extra: list[tuple[str, str]] = ()) -> Event:  # type: ignore[assignment]
        return Event(park_headers(self.channel, self.world, self.now, name) + list(extra))


def _true(value: str) -> bool:
    return value.strip().lower() in ("yes", "on", "true", "t", "enabled", "active", "allow") or \
        (value.strip().isdigit() and int(value) != 0)


def _strip_vars(text: str) -> str:
    """A dial string without its leading ``{...}`` / ``[...]`` / ``<...>`` variables."""
    while text[:1] in ("{", "[", "<"):
        close = {"{": "}", "[": "]", "<": ">"}[text[0]]
        end = text.find(close)
        if end == -1:
            break
        text = text[end + 1:]
    return text


def _legs(dial: str) -> list[str]:
    """The legs of a dial string: split at ``,`` and ``|`` (and ``:_:``) outside brackets."""
    legs, depth, start = [], 0, 0
    i = 0
    while i < len(dial):
        ch = dial[i]
        if ch in "{[<":
            depth += 1
        elif ch in "}]>":
            depth = max(depth - 1, 0)
        elif depth == 0 and (ch in ",|" or dial.startswith(":_:", i)):
            legs.append(dial[start:i])
            i += 3 if ch == ":" else 1
            start = i
            continue
        i += 1
    legs.append(dial[start:])
    return [leg for leg in legs if leg.strip()]


def continue_on_fail(setting: str, cause: str) -> bool:
    """Does ``continue_on_fail`` let the call go on after a bridge failed with ``cause``?"""
    setting = setting.strip()
    if not setting:
        return False
    if _true(setting):
        return True
    items = {s.strip().upper() for s in setting.split(",")}
    return cause in items or str(_CAUSE_NUMBERS.get(cause, -1)) in items


PROFILE_HEADERS = {
    "destination_number": "Caller-Destination-Number", "caller_id_number": "Caller-Caller-ID-Number",
    "caller_id_name": "Caller-Caller-ID-Name", "ani": "Caller-ANI", "context": "Caller-Context",
    "dialplan": "Caller-Dialplan", "rdnis": "Caller-RDNIS", "source": "Caller-Source",
    "chan_name": "Caller-Channel-Name", "network_addr": "Caller-Network-Addr",
    "username": "Caller-Username", "uuid": "Caller-Unique-ID",
}


def park_headers(ch: Channel, world: World, now: dt.datetime, name: str = "CHANNEL_PARK") -> list[tuple[str, str]]:
    """The headers FreeSWITCH puts on an event of this channel (full channel data)."""
    local = now.astimezone(world.zone())
    headers = [
        ("Event-Name", name), ("Unique-ID", ch.uuid), ("Call-Direction", "inbound"),
        ("Channel-State", "CS_EXECUTE"), ("Answer-State", "answered" if ch.answered else "ringing"),
        ("Event-Date-Local", local.strftime("%Y-%m-%d %H:%M:%S")),
        ("Event-Date-GMT", now.astimezone(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")),
        ("Event-Date-Timestamp", str(int(now.timestamp() * 1_000_000))),
    ]
    for key, header in PROFILE_HEADERS.items():
        value = ch.profile.get(key, "")
        if value:  # FreeSWITCH leaves empty caller-profile fields off its events
            headers.append((header, value))
    for key, value in ch.variables.items():
        headers.append((f"variable_{key}", value))
    return headers


def new_channel(world: World, *, destination: str, context: str, caller_id_number: str = "",
                caller_id_name: str = "", variables: dict[str, str] | None = None,
                uuid: str = SIMULATED_UUID) -> Channel:
    """A call as the oracle placed them: a loopback b-leg (see the oracle's README)."""
    loopback = world.channel == "loopback"
    profile = {
        "destination_number": destination, "context": context,
        "caller_id_number": caller_id_number, "caller_id_name": caller_id_name,
        "ani": caller_id_number, "dialplan": "xml" if loopback else "XML",
        "source": "mod_loopback" if loopback else "mod_sofia",
        "chan_name": f"loopback/{destination}-b" if loopback else f"sofia/internal/{destination}",
        "uuid": uuid, "network_addr": "", "rdnis": "", "username": "",
    }
    values = {"direction": "inbound", **(variables or {})}
    return Channel(uuid, profile, values)
