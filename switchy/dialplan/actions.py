"""The action table: every action a .swr route can take, in one place.

Each entry names the Session method it drives, its arguments (type, default, doc) and
what it does to the call. The checker validates calls against it, the runtime binds
and converts arguments with it, and the language server completes and documents from
it — so adding an action here is the whole job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import NamedTuple

from switchy.causes import CAUSE_NAMES
from switchy.dialplan.diagnostics import did_you_mean
from switchy.expansion import Expandable, raw

REQUIRED = object()  # sentinel: the argument has no default



LOG_LEVELS = ("debug", "info", "warning", "error", "critical")


@dataclass(frozen=True)
class ArgType:
    """What an argument accepts: ``check`` judges a literal at check time (returns a
    complaint or None); ``coerce`` converts any value at run time (may raise ValueError)."""

    name: str
    check: Callable[[object], str | None]
    coerce: Callable[[object], object]
    choices: tuple[str, ...] = ()


def _is_text(v: object) -> bool:
    return isinstance(v, str)


def _text_check(v):
    if isinstance(v, list):
        return "expected text, got a list"
    return None


def _text(v):
    if isinstance(v, str):  # kept as it is: the author's own text stays Expandable
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        raise ValueError("expected text, got a list")
    return "" if v is None else str(v)


def _int_check(v):
    if isinstance(v, bool) or not isinstance(v, int | str) or not re.fullmatch(r"-?\d+", str(v)):
        return f"expected a whole number, got {_show(v)}"
    return None


def _int(v):
    if isinstance(v, bool):
        raise ValueError("expected a whole number, got a boolean")
    return int(str(v))


def _nonneg_check(v):
    err = _int_check(v)
    if err is None and int(str(v)) < 0:
        return f"expected a number of 0 or more, got {v}"
    return err


def _sip_check(v):
    if isinstance(v, bool) or not isinstance(v, int | str):
        return f"expected a SIP response code such as 407, got {_show(v)}"
    m = re.match(r"\s*(\d{3})(\s|$)", str(v))
    if not m or not 100 <= int(m.group(1)) <= 699:
        return f"expected a SIP response code between 100 and 699, got {_show(v)}"
    return None


def _sip(v):
    err = _sip_check(v)
    if err:
        raise ValueError(err)
    return v


def _bool_check(v):
    return None if isinstance(v, bool) else f"expected true or false, got {_show(v)}"


def _bool(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.lower() in ("true", "yes", "1", "false", "no", "0", ""):
        return v.lower() in ("true", "yes", "1")
    raise ValueError(f"expected true or false, got {_show(v)}")


def _paths_check(v):
    if isinstance(v, list):
        bad = [x for x in v if not _is_text(x)]
        return f"expected file paths as text, got {_show(bad[0])}" if bad else None
    return None if _is_text(v) else f"expected a file path (text) or a list of them, got {_show(v)}"


def _paths(v):
    if isinstance(v, list):
        return [_text(x) for x in v]
    return _text(v)


def _enum(name: str, choices: tuple[str, ...], upper: bool = False) -> ArgType:
    def check(v):
        if not _is_text(v):
            return f"expected one of {', '.join(choices)}; got {_show(v)}"
        key = v.upper() if upper else v.lower()
        if key not in choices:
            guess = did_you_mean(v, choices)
            hint = f"; did you mean {guess!r}?" if guess else ""
            return f"{v!r} is not a {name}{hint}"
        return None

    def coerce(v):
        err = check(v)
        if err:
            raise ValueError(err)
        return v.upper() if upper else v.lower()

    return ArgType(name, check, coerce, choices)


def _show(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "none"
    if isinstance(v, list):
        return "a list"
    return repr(v) if isinstance(v, str) else str(v)


def _params_check(v):
    if isinstance(v, list | bool) or not isinstance(v, str):
        return f"expected channel variables as text such as 'a=1,b=2', got {_show(v)}"
    return None


def _params(v):
    """``"a=1,b=2"`` or ``"{a=1,b=2}"`` → ``{"a": "1", "b": "2"}`` (what Session takes).

    Values of the author's own text stay ``Expandable``; text that holds a call's
    values is split as literal text (so a caller's ``,`` cannot add a variable).
    """
    if v is None or isinstance(v, dict):
        return v
    mine = isinstance(v, Expandable) and all(e for _, e in v.parts)
    text = str(v).strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    out = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"expected name=value in channel variables, got {item!r}")
        out[name.strip()] = raw(value.strip()) if mine else value.strip()
    return out


TEXT = ArgType("text", _text_check, _text)
INTEGER = ArgType("whole number", _int_check, _int)
COUNT = ArgType("number of 0 or more", _nonneg_check, _int)
SIP_CODE = ArgType("SIP response code", _sip_check, _sip)
BOOLEAN = ArgType("true or false", _bool_check, _bool)
PATHS = ArgType("file path or list of paths", _paths_check, _paths)
HANGUP_CAUSE = _enum("hangup cause", CAUSE_NAMES, upper=True)
LEG = _enum("leg", ("aleg", "bleg", "both"))
DIRECTION = _enum("direction", ("read", "write", "both"))
LEVEL = _enum("log level", LOG_LEVELS)
VALUE = ArgType("text or number", _text_check, _text)
PARAMS = ArgType("channel variables ('a=1,b=2')", _params_check, _params)


@dataclass(frozen=True)
class Param:
    name: str
    type: ArgType
    default: object = REQUIRED
    doc: str = ""
    runtime: bool = False  # read by the runtime itself, not passed to the Session method

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Action:
    """One action. ``method`` is the Session method; ``kind`` says how it is invoked:
    ``session`` (await ``sess.method(**args)``), ``mapping`` (keyword arguments become one
    dict: ``setvars``), ``log`` (``sess.log``; nothing is sent to FreeSWITCH) or ``rehunt``
    (the runtime routes the call again: ``execute_extension``)."""

    name: str
    params: tuple[Param, ...]
    doc: str
    method: str = ""
    kind: str = "session"
    ends_call: bool = False  # nothing after it can reach the caller
    freeswitch: str = ""  # the FreeSWITCH application / API behind it, for docs and hover
    example: str = ""
    extra_keywords: bool = False  # accepts any keyword (setvars)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def signature(self) -> str:
        parts = []
        for p in self.params:
            parts.append(p.name if p.required else f"{p.name}={literal(p.default)}")
        if self.extra_keywords:
            parts.append("name=value, ...")
        return f"{self.name}({', '.join(parts)})"


def literal(v: object) -> str:
    """A value as .swr source writes it (``none``, ``true``, ``"text"``, ``5``)."""
    if v is None:
        return "none"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)


def _a(name, params, doc, **kw) -> Action:
    return Action(name, tuple(params), doc, method=kw.pop("method", name), **kw)


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        _a("answer", [], "Answer the call.", freeswitch="answer",
           example="answer()"),
        _a("hangup", [Param("cause", HANGUP_CAUSE, "NORMAL_CLEARING",
                            "Why the call ends (a FreeSWITCH hangup cause).")],
           "Hang up the call.", ends_call=True, freeswitch="hangup",
           example='hangup("USER_BUSY")'),
        _a("respond", [Param("code", SIP_CODE, doc="SIP response code, e.g. 407 or 503.")],
           "Send a SIP response (before answering), e.g. to reject or challenge a call. A "
           "final one (300 or more) ends the call: a leg that is still up after it (not "
           "SIP) is hung up with the code's cause.",
           freeswitch="respond", example="respond(407)"),
        _a("bridge", [
            Param("dest_url", TEXT, None, "Where to: a SIP URI or user@host. Default: the "
                  "call's SIP Request-URI."),
            Param("profile", TEXT, None, "Sofia profile to dial out of. Default: the "
                  "call's own profile."),
            Param("gateway", TEXT, None, "Dial through this gateway (sofia/gateway/NAME/...)."),
            Param("proxy", TEXT, None, "Send the INVITE to this proxy (;fs_path=)."),
            Param("params", PARAMS, None, "Channel variables for the new leg, as "
                  "'var=value,...'."),
            Param("failover", BOOLEAN, True, "true: when it fails, the statements after it "
                  "run (switchy sets continue_on_fail); false: FreeSWITCH's own rule, a failed "
                  "bridge hangs the call up unless its continue_on_fail says otherwise.",
                  runtime=True),
        ], "Connect the call to another destination (FreeSWITCH bridge). If it fails, the "
           "statements after it run (the failover); as the last action, the call ends with "
           "the bridge's cause.",
           freeswitch="bridge", example='bridge(gateway="long_distance_trunk")'),
        _a("playback", [
            Param("path", PATHS, doc="A sound file, or a list played in order."),
            Param("params", PARAMS, None, "Channel variables for the playback, as "
                  "'var=value,...'."),
        ], "Play a sound file to the caller.", freeswitch="playback",
           example='playback("ivr/ivr-welcome_to_freeswitch.wav")'),
        _a("broadcast", [
            Param("path", TEXT, doc="A sound file or an 'app::args' to run on the leg(s)."),
            Param("leg", LEG, "aleg", "Which side hears it: aleg, bleg or both."),
        ], "Play a file or run an application on the call through the API "
           "(uuid_broadcast), even while bridged.", freeswitch="uuid_broadcast",
           example='broadcast("privacy::full")'),
        _a("setvar", [Param("name", TEXT, doc="Channel variable name."),
                      Param("value", VALUE, doc="Its value (may contain ${...}).")],
           "Set one channel variable.", freeswitch="set",
           example='setvar("hangup_after_bridge", "true")'),
        _a("setvars", [], "Set several channel variables at once, one keyword each.",
           kind="mapping", extra_keywords=True, freeswitch="multiset",
           example='setvars(privacy="yes", sip_h_Privacy="id")'),
        _a("unsetvar", [Param("name", TEXT, doc="Channel variable name.")],
           "Remove a channel variable.", freeswitch="unset", example='unsetvar("privacy")'),
        _a("start_record", [
            Param("path", TEXT, doc="File to record to (may contain ${...})."),
            Param("rx_only", BOOLEAN, False, "Record only what the caller says."),
            Param("stereo", BOOLEAN, False, "One channel per side."),
            Param("rate", COUNT, None, "Sample rate in Hz."),
        ], "Start recording the call.", freeswitch="record_session",
           example='start_record(f"/tmp/agents/{uuid}.wav")'),
        _a("stop_record", [Param("path", TEXT, "all", "The recording to stop, or 'all'.")],
           "Stop recording.", freeswitch="stop_record_session", example="stop_record()"),
        _a("park", [], "Keep the call parked: as the last action, switchy does not hang it "
           "up when routing is over (it waits, silent, for whatever takes it next).",
           freeswitch="park", example="park()"),
        _a("transfer", [
            Param("extension", TEXT, doc="Destination number in the new context."),
            Param("dialplan", TEXT, "XML", "Dialplan type to hunt in."),
            Param("context", TEXT, None, "Context to hunt in. Default: the current one."),
        ], "Send the call through FreeSWITCH's dialplan again (transfer). switchy's own "
           "routing of this call ends.", ends_call=True, freeswitch="transfer",
           example='transfer("1001", "XML", "default")'),
        _a("execute", [Param("app", TEXT, doc="Any FreeSWITCH dialplan application."),
                       Param("arg", TEXT, "", "Its argument string.")],
           "Run any FreeSWITCH dialplan application on the call.", freeswitch="(any)",
           example='execute("voicemail", "default ${domain_name} 1001")'),
        _a("execute_extension", [
            Param("extension", TEXT, doc="The destination to route the call as; ${...} in it "
                  "is expanded by FreeSWITCH first."),
            Param("context", TEXT, None, "The dialplan to route it through. Default: this one."),
        ], "Route the call again as if it had dialled `extension`, send what that routing "
           "chooses, then go on: FreeSWITCH's execute_extension, carried out by switchy.",
           kind="rehunt", freeswitch="execute_extension (done by switchy)",
           example='execute_extension("5001_${office_status}")'),
        _a("sleep", [Param("ms", COUNT, doc="Milliseconds.")],
           "Pause the call's application flow.", freeswitch="sleep", example="sleep(500)"),
        _a("send_dtmf", [Param("digits", TEXT, doc="DTMF digits to send, e.g. '1234#'."),
                         Param("duration", COUNT, None, "Tone length in ms.")],
           "Send DTMF tones on the call.", freeswitch="send_dtmf",
           example='send_dtmf("1234#")'),
        _a("sched_hangup", [
            Param("seconds", COUNT, doc="Seconds from now."),
            Param("cause", HANGUP_CAUSE, "ALLOTTED_TIMEOUT", "Hangup cause."),
        ], "Hang the call up after a delay.", freeswitch="sched_hangup",
           example="sched_hangup(3600)"),
        _a("breakmedia", [], "Stop whatever is playing to the call.",
           freeswitch="uuid_break", example="breakmedia()"),
        _a("mute", [Param("direction", DIRECTION, "write", "read, write or both.")],
           "Mute the call.", freeswitch="uuid_audio", example="mute()"),
        _a("unmute", [Param("direction", DIRECTION, "write", "read, write or both.")],
           "Unmute the call.", freeswitch="uuid_audio", example="unmute()"),
        _a("deflect", [Param("uri", TEXT, doc="SIP URI to redirect the caller to.")],
           "Redirect an answered call with a SIP REFER; the call leaves this switch.",
           ends_call=True, freeswitch="deflect", example='deflect("sip:1000@example.com")'),
        _a("speak", [Param("text", TEXT, doc="What to say."),
                     Param("engine", TEXT, "flite", "Text-to-speech engine."),
                     Param("voice", TEXT, "kal", "Voice name.")],
           "Say text with text-to-speech.", freeswitch="speak",
           example='speak("Please hold")'),
        _a("api", [Param("command", TEXT, doc="An API command, as typed in fs_cli.")],
           "Run a FreeSWITCH API command on the node carrying the call.",
           freeswitch="api", example='api("uuid_setvar ${uuid} foo bar")'),
        _a("log", [Param("message", TEXT, doc="The text to log."),
                   Param("level", LEVEL, "info", "debug, info, warning, error or critical.")],
           "Write a line to switchy's log for this call (nothing is sent to FreeSWITCH).",
           kind="log", example='log(f"rejecting {Caller-Destination-Number}", "warning")'),
    ]
}


class Problem(NamedTuple):
    """What is wrong with one argument: ``where`` is the positional index or keyword name
    at fault (None: the call as a whole); ``fix`` the name meant, when one is close."""

    code: str
    message: str
    where: int | str | None
    fix: str | None = None


@dataclass
class Bound:
    """Arguments matched to parameters (by name), and what went wrong doing so."""

    values: dict[str, object] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)  # setvars' keywords
    problems: list[Problem] = field(default_factory=list)


def bind(action: Action, positional: list, keywords: list[tuple[str, object]]) -> Bound:
    """Match call arguments to ``action``'s parameters the way Python does.

    ``problems`` say which argument is at fault, so callers can point at it exactly.
    """
    out = Bound()
    params = list(action.params)
    for i, value in enumerate(positional):
        if i >= len(params):
            out.problems.append(Problem("SWR205", f"{action.name}() takes at most {len(params)} "
                                 f"positional argument{'s' if len(params) != 1 else ''}", i))
            continue
        out.values[params[i].name] = value
    for name, value in keywords:
        param = action.param(name)
        if param is None:
            if action.extra_keywords:
                if name in out.extra:
                    out.problems.append(Problem("SWR206", f"{name!r} is given twice", name))
                out.extra[name] = value
                continue
            guess = did_you_mean(name, [p.name for p in params])
            hint = f"; did you mean {guess!r}?" if guess else ""
            accepted = ", ".join(p.name for p in params) or "no arguments"
            out.problems.append(Problem("SWR202", f"{action.name}() has no argument {name!r}"
                                        f"{hint} (it takes {accepted})", name, guess))
            continue
        if name in out.values:
            out.problems.append(Problem("SWR206", f"{action.name}() got {name!r} twice", name))
            continue
        out.values[name] = value
    for p in params:
        if p.required and p.name not in out.values:
            out.problems.append(Problem("SWR203", f"{action.name}() needs {p.name!r}: {p.doc}", None))
    return out
