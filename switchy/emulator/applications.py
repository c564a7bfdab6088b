"""Dialplan applications (mod_dptools) as the emulator runs them.

Each application is ``async def app(channel, arg, run)``; ``session.execute`` wraps it
in CHANNEL_EXECUTE / CHANNEL_EXECUTE_COMPLETE. Applications that take time wait in
``media_wait``, where queued ``sendmsg`` commands run nested (unless event-locked) and
a hangup, ``uuid_break`` or transfer ends them early, as on FreeSWITCH.

``APPLICATIONS`` is the table of them by name; the node hands it to the sessions it
runs (``node.applications``), so the session layer below never imports this module.
"""

from __future__ import annotations

import asyncio
import re
import uuid as uuidlib

from switchy.causes import normalize_cause, sip_to_cause

from . import endpoints
from .channel import (
    CS_EXCHANGE_MEDIA,
    CS_HIBERNATE,
    CS_RESET,
    CS_SOFT_EXECUTE,
    Bridge,
    CallerProfile,
    Channel,
)
from .events import micros
from .originate import dial
from .session import AppFunc, Run, expand, media_wait, park_channel, start_recording, stop_recording

APPLICATIONS: dict[str, AppFunc] = {}


def app(name: str, *, media: bool = False):  # type: ignore[no-untyped-def]
    """Register an application; ``media``: it needs media, so FreeSWITCH pre-answers an
    unanswered channel before it starts (no SAF_SUPPORT_NOMEDIA flag)."""
    def register(func: AppFunc) -> AppFunc:
        func.needs_media = media  # type: ignore[attr-defined]
        APPLICATIONS[name] = func
        return func
    return register


# -- call control ------------------------------------------------------------------------


@app("answer")
async def answer(ch: Channel, arg: str, run: Run) -> None:
    endpoints.answer(ch)


@app("pre_answer")
async def pre_answer(ch: Channel, arg: str, run: Run) -> None:
    endpoints.pre_answer(ch)


@app("ring_ready")
async def ring_ready(ch: Channel, arg: str, run: Run) -> None:
    endpoints.ring_ready(ch)


@app("hangup")
async def hangup(ch: Channel, arg: str, run: Run) -> None:
    ch.hangup(normalize_cause(arg))


@app("respond")
async def respond(ch: Channel, arg: str, run: Run) -> None:
    """A SIP response: 180/183/200 progress or answer; 3xx-6xx reject an unanswered SIP
    call (mod_sofia). Other endpoints (loopback) ignore a final response: the channel
    stays up, as respond_407_loopback shows."""
    code_text = arg.strip().split(" ", 1)[0]
    if not code_text.isdigit():
        return
    code = int(code_text)
    ch.responded = code
    if code in (180, 181, 182):
        endpoints.ring_ready(ch)
    elif code == 183:
        endpoints.pre_answer(ch)
    elif 200 <= code < 300:
        endpoints.answer(ch)
    elif code >= 300 and not ch.answered and ch.endpoint == "sofia":
        ch.set_var("sip_hangup_disposition", "send_refuse")
        ch.hangup(sip_to_cause(code))


@app("park")
async def park(ch: Channel, arg: str, run: Run) -> None:
    """Park; on a channel already parked it returns at once (park_on_parked_execute_park)."""
    if ch.in_park:
        return
    await park_channel(ch, run)


@app("transfer")
async def transfer(ch: Channel, arg: str, run: Run) -> None:
    parts = arg.split()
    if not parts:
        return
    dest = parts[0]
    dialplan = parts[1] if len(parts) > 1 else ch.profile.dialplan
    context = parts[2] if len(parts) > 2 else ch.profile.context
    ch.transfer_to = (dest, dialplan, context)


@app("sleep")
async def sleep(ch: Channel, arg: str, run: Run) -> None:
    ms = _int(arg, 0)
    if ms > 0:
        await media_wait(ch, ms / 1000.0, run)


@app("echo", media=True)
async def echo(ch: Channel, arg: str, run: Run) -> None:
    endpoints.pre_answer(ch)
    await media_wait(ch, None, run)


@app("sched_hangup")
async def sched_hangup(ch: Channel, arg: str, run: Run) -> None:
    parts = arg.split()
    if not parts:
        return
    seconds = _int(parts[0].lstrip("+"), 0)
    cause = normalize_cause(parts[1] if len(parts) > 1 else None, "ALLOTTED_TIMEOUT")
    schedule_hangup(ch, seconds, cause)


def schedule_hangup(ch: Channel, seconds: float, cause: str) -> None:
    loop = asyncio.get_running_loop()
    handle = loop.call_later(max(0.0, seconds * ch.node.config.time_scale), ch.hangup, cause)
    ch.node.timers.append(handle)


@app("deflect")
async def deflect(ch: Channel, arg: str, run: Run) -> None:
    """REFER (answered) or 302 (not answered) to ``arg``; the far end then leaves."""
    ch.deflected_to = arg.strip()
    if ch.answered:
        ch.remote_hangup("NORMAL_CLEARING")
    else:
        ch.set_var("sip_hangup_disposition", "send_refuse")
        ch.hangup("NORMAL_CLEARING")


@app("send_dtmf")
async def send_dtmf(ch: Channel, arg: str, run: Run) -> None:
    send_digits(ch, arg.split("@")[0])


def send_digits(ch: Channel, digits: str) -> None:
    """DTMF towards the far end; over loopback it arrives on the other leg."""
    ch.dtmf_sent.append(digits)
    if ch.partner is not None and ch.endpoint == "loopback":
        ch.set_var("last_dtmf_duration", "1000")
        ch.partner.receive_dtmf(digits, source="UNKNOWN")


# -- variables ---------------------------------------------------------------------------


@app("set")
async def set_(ch: Channel, arg: str, run: Run) -> None:
    """set_function: the value is expanded once more (an empty one unsets)."""
    name, sep, value = arg.partition("=")
    if name.strip():
        value = expand(ch, value) if sep else ""
        ch.set_var(name.strip(), value or None)


@app("unset")
async def unset(ch: Channel, arg: str, run: Run) -> None:
    if arg.strip():
        ch.unset_var(arg.strip())


@app("export")
async def export(ch: Channel, arg: str, run: Run) -> None:
    name, sep, value = arg.partition("=")
    name = name.strip()
    local = not name.startswith("nolocal:")
    name = name.removeprefix("nolocal:")
    if not name:
        return
    value = expand(ch, value) if sep else ""
    if local:
        ch.set_var(name, value or None)
    exported = [v for v in (ch.variables.get("export_vars") or "").split(",") if v]
    if name not in exported:
        exported.append(name)
    ch.set_var("export_vars", ",".join(exported))


@app("multiset")
async def multiset(ch: Channel, arg: str, run: Run) -> None:
    text = arg.strip()
    if text.startswith("^^") and len(text) > 2:
        sep, text = text[2], text[3:]
        pairs = text.split(sep)
    else:
        pairs = text.split()
    for pair in pairs:  # each one through set_function, so expanded once more
        name, has_value, value = pair.partition("=")
        if name:
            value = expand(ch, value) if has_value else ""
            ch.set_var(name, value or None)


@app("log")
async def log_(ch: Channel, arg: str, run: Run) -> None:
    level_name, _, message = arg.partition(" ")
    level = LOG_LEVELS.get(level_name.upper())
    if level is None:
        level, message = 7, arg
    ch.node.log(level, message, ch.uuid, "mod_dptools.c", "log_function", 1778)


@app("info")
async def info(ch: Channel, arg: str, run: Run) -> None:
    dump = "\n".join(f"{n}: [{v}]" for n, v in ch.snapshot().items())
    ch.node.log(6, dump, ch.uuid, "mod_dptools.c", "info_function", 1924)


LOG_LEVELS = {"CONSOLE": 0, "ALERT": 1, "CRIT": 2, "ERR": 3, "ERROR": 3, "WARNING": 4,
              "NOTICE": 5, "INFO": 6, "DEBUG": 7}


# -- media -------------------------------------------------------------------------------


_TONE = re.compile(r"%\(\s*(\d+)\s*,\s*(\d+)")
_LOOPS = re.compile(r"(?:^|;)\s*(?:loops|L)\s*=\s*(-?\d+)")


def media_length(ch: Channel, path: str) -> float | None:
    """Nominal seconds a file or tone stream plays; None plays until stopped."""
    config = ch.node.config
    if path in config.file_durations:
        return config.file_durations[path]
    if path.startswith("tone_stream://"):
        spec = path[len("tone_stream://"):]
        total = sum(int(on) + int(off) for on, off in _TONE.findall(spec))
        loops = _LOOPS.search(spec)
        count = int(loops.group(1)) if loops else 1
        return None if count < 0 else total * count / 1000.0
    if path.startswith("silence_stream://"):
        ms = _int(path[len("silence_stream://"):].split(",")[0], 0)
        return None if ms < 0 else ms / 1000.0
    return config.default_file_duration


def _file_type(path: str) -> str:
    if "://" in path:
        return path.split("://", 1)[0]
    tail = path.rsplit("/", 1)[-1]
    return tail.rsplit(".", 1)[-1] if "." in tail else "wav"


@app("playback", media=True)
async def playback(ch: Channel, arg: str, run: Run) -> None:
    """One file, or several joined by ``playback_delimiter``; a ``{var=...}`` prefix
    configures the file handle and is not part of the path."""
    text = arg.strip()
    if text.startswith("{") and "}" in text:
        text = text[text.index("}") + 1:]
    delimiter = ch.variables.get("playback_delimiter")
    paths = text.split(delimiter) if delimiter else [text]
    if text.startswith("file_string://"):
        paths = text[len("file_string://"):].split("!")
    for path in paths:
        if not ch.up or await play(ch, path, run) == "break":
            return


@app("endless_playback", media=True)
async def endless_playback(ch: Channel, arg: str, run: Run) -> None:
    while ch.up and await play(ch, arg.strip(), run) == "FILE PLAYED":
        if ch.break_requested or not ch.up:
            return


async def play(ch: Channel, path: str, run: Run | None) -> str:
    """switch_ivr_play_file: early media, PLAYBACK_START, the sound, PLAYBACK_STOP."""
    if path in ch.node.config.missing_files:
        ch.set_var("current_application_response", "FILE NOT FOUND")
        return "FILE NOT FOUND"
    endpoints.pre_answer(ch)
    if not ch.up:
        return "PLAYBACK ERROR"
    ch.played.append(path)
    ch.set_var("current_application", ch.variables.get("current_application"))
    about = [("Playback-File-Type", _file_type(path)), ("Playback-File-Path", path)]
    ch.fire("PLAYBACK_START", after=about)
    loop = asyncio.get_running_loop()
    started = loop.time()
    length = media_length(ch, path)
    result = await media_wait(ch, length, run)
    if result == "done" and length is not None:
        ms = int(length * 1000)
    else:
        ms = int((loop.time() - started) / max(ch.node.config.time_scale, 1e-9) * 1000)
        if length is not None:
            ms = min(ms, int(length * 1000))
    samples = ms * 8
    ch.set_vars([("playback_last_offset_pos", str(samples)), ("playback_seconds", str(ms // 1000)),
                 ("playback_ms", str(ms)), ("playback_samples", str(samples))])
    status = "done" if result == "done" else "break"
    ch.fire("PLAYBACK_STOP", after=[*about, ("Playback-Status", status)])
    ch.set_var("current_application_response", "FILE PLAYED")
    return "FILE PLAYED" if result == "done" else "break"


@app("speak", media=True)
async def speak(ch: Channel, arg: str, run: Run) -> None:
    """TTS: ``engine|voice|text``; takes a time proportional to the text."""
    text = arg.split("|", 2)[-1]
    endpoints.pre_answer(ch)
    if not ch.up:
        return
    ch.played.append(f"speak:{text}")
    await media_wait(ch, max(0.2, 0.06 * len(text)), run)


@app("privacy")
async def privacy(ch: Channel, arg: str, run: Run) -> None:
    """Hide the caller's name and/or number (Caller-Privacy-Hide-*)."""
    mode = arg.strip().lower()
    p = ch.profile
    p.hide_name = mode in ("full", "yes", "name", "true")
    p.hide_number = mode in ("full", "yes", "number", "true")
    ch.profile_changed()


@app("voicemail")
async def voicemail(ch: Channel, arg: str, run: Run) -> None:
    """The caller hears the greeting, leaves a message, and hangs up."""
    endpoints.answer(ch)
    greeting = f"voicemail/vm-hello:{arg.strip()}"
    if await play(ch, greeting, run) == "FILE PLAYED" and ch.up:
        path = f"/var/lib/freeswitch/storage/voicemail/{'/'.join(arg.split()[1:])}/msg.wav"
        start_recording(ch, path)
        if await media_wait(ch, ch.node.config.default_file_duration, run) == "done":
            stop_recording(ch, path)
            ch.remote_hangup("NORMAL_CLEARING")


@app("play_and_get_digits", media=True)
async def play_and_get_digits(ch: Channel, arg: str, run: Run) -> None:
    """``min max tries timeout terminators file invalid_file var [regex [digit_timeout]]``:
    digits the far end sends (``call.send_dtmf``) while it plays or before the timeout."""
    parts = arg.split()
    if len(parts) < 8:
        return
    low, high, tries, timeout = (_int(x, 0) for x in parts[:4])
    terminators, sound, var = parts[4], parts[5], parts[7]
    pattern = parts[8] if len(parts) > 8 else None
    for _ in range(max(1, tries)):
        mark = len(ch.dtmf_received)

        def collected(mark: int = mark) -> str:
            return "".join(ch.dtmf_received[mark:])

        def complete(mark: int = mark) -> bool:
            got = collected(mark)
            return len(got) >= high or any(t in got for t in terminators)

        await play(ch, sound, run)
        if ch.up and not complete():
            await media_wait(ch, timeout / 1000.0, run, until=complete)
        if not ch.up:
            return
        digits = collected()
        for t in terminators:
            digits = digits.split(t)[0]
        digits = digits[:high]
        if low <= len(digits) <= high and (pattern is None or re.fullmatch(pattern, digits)):
            ch.set_var(var, digits)
            return


@app("record_session")
async def record_session(ch: Channel, arg: str, run: Run) -> None:
    path = arg.strip().split(" ")[0]
    start_recording(ch, path)


@app("stop_record_session")
async def stop_record_session(ch: Channel, arg: str, run: Run) -> None:
    stop_recording(ch, arg.strip())


# -- bridging ----------------------------------------------------------------------------


@app("bridge")
async def bridge(ch: Channel, arg: str, run: Run) -> None:
    """Dial ``arg``; on answer bridge until one side leaves; on failure hang up the caller
    with the cause unless ``continue_on_fail`` says otherwise."""
    target = arg.strip()
    timeout = _int(ch.variables.get("call_timeout") or ch.variables.get("originate_timeout"), 60)
    result = await dial(ch.node, target, caller=ch, run=run, timeout=timeout)
    other = result.channel
    if other is None:
        cause = result.cause
        ch.bridges.append(Bridge(target, None, cause))
        ch.set_vars([("originate_disposition", cause), ("DIALSTATUS", _dialstatus(cause)),
                     ("originate_failed_cause", cause)])
        if not ch.up:
            return
        cont = (ch.variables.get("continue_on_fail") or "").strip()
        if not (cont.lower() in ("true", "yes", "on", "1") or cause in cont.split(",")):
            ch.hangup(cause)
        return
    await _bridged(ch, other, target, result.leg.loopback_b if result.leg else None, run)


def _dialstatus(cause: str) -> str:
    return {"USER_BUSY": "BUSY", "NO_ANSWER": "NOANSWER", "NO_USER_RESPONSE": "NOANSWER",
            "ORIGINATOR_CANCEL": "CANCEL", "SUCCESS": "ANSWER",
            "INVALID_PROFILE": "INVALIDARGS"}.get(cause, cause)  # as bridge_missing_* captured


async def _bridged(a: Channel, b: Channel, target: str, loopback_b: Channel | None,
                   run: Run) -> None:
    """switch_ivr_multi_threaded_bridge from the A leg's side."""
    endpoints.answer(a)
    if not a.up or not b.up:
        if b.up:
            b.hangup("ORIGINATOR_CANCEL")
        a.bridges.append(Bridge(target, None, b.hangup_cause or "ORIGINATOR_CANCEL"))
        return
    now = a.set_time(CallerProfile.BRIDGED)
    b.set_time(CallerProfile.BRIDGED, now)
    a.peer, b.peer = b, a
    a.bridge_mode, b.bridge_mode = "app_a", "app_b"
    a.bridges.append(Bridge(target, b.uuid))
    b.bridges.append(Bridge(a.uuid, a.uuid))
    for x, y in ((a, b), (b, a)):
        x.set_vars([("bridge_channel", y.name), ("bridge_uuid", y.uuid), ("signal_bond", y.uuid),
                    ("last_bridge_to", y.uuid), ("bridge_to", y.uuid)])
    a.set_var("originate_disposition", "SUCCESS")
    a.set_var("DIALSTATUS", "SUCCESS")
    a.set_other("originatee", b.profile)
    b.set_other("originator", a.profile)
    b.set_running_state(CS_EXCHANGE_MEDIA)
    a.fire("CHANNEL_BRIDGE", before=[("Bridge-A-Unique-ID", a.uuid),
                                     ("Bridge-B-Unique-ID", b.uuid)])
    b.wake()
    await media_wait(a, None, run, until=lambda: not b.up)
    a.peer = None
    if b.peer is a:
        b.peer = None
    a.bridge_mode = b.bridge_mode = None
    if b.up:
        b.hangup(a.hangup_cause or "NORMAL_CLEARING")
    cause = b.hangup_cause or "NORMAL_CLEARING"
    a.unset_var("bridge_to")
    a.set_vars([("bridge_hangup_cause", cause), ("last_bridge_hangup_cause", cause)])
    a.fire("CHANNEL_UNBRIDGE", before=[("Bridge-A-Unique-ID", a.uuid),
                                       ("Bridge-B-Unique-ID", b.uuid)])
    if a.up and (a.variables.get("hangup_after_bridge") or "").lower() in ("true", "yes", "1"):
        a.hangup("NORMAL_CLEARING")


class UuidBridge:
    """uuid_bridge: both legs leave what they do, meet, and are bridged together."""

    def __init__(self, a: Channel, b: Channel) -> None:
        self.a, self.b = a, b
        self.arrived: set[str] = set()
        self.ready = asyncio.Event()

    def request(self) -> None:
        """Both legs are transferred into the bridge: new profiles, bridge variables."""
        a, b = self.a, self.b
        now = micros()
        a.set_var("uuid_bridge", b.uuid)
        # Each leg keeps a copy of the other's profile as it was when the bridge began.
        b.profile.callee_id_name = a.profile.caller_id_name
        b.profile.callee_id_number = a.profile.caller_id_number
        a.set_other("originatee", b.profile)
        b.set_other("originator", a.profile)
        a.profile.callee_id_name = b.profile.caller_id_name
        a.profile.callee_id_number = b.profile.caller_id_number
        for x, y in ((a, b), (b, a)):
            p = x.profile
            source = f"{now // 1_000_000}:{uuidlib.uuid4()}:uuid_br:{y.uuid}"
            x.set_vars([("bridge_channel", y.name), ("bridge_uuid", y.uuid),
                        ("signal_bond", y.uuid), ("original_destination_number",
                                                  p.destination_number),
                        ("original_caller_id_name", p.caller_id_name),
                        ("original_caller_id_number", p.caller_id_number),
                        ("transfer_history", source), ("transfer_source", source)])
            p.transfer_source = source
            p.profile_index = str(int(p.profile_index or "1") + 1)
            p.times[CallerProfile.PROFILE_CREATED] = now
            x.profile_changed()
        for leg in (b, a):
            leg.bridge_request = self
            leg.state = CS_HIBERNATE
            leg.wake()

    async def arrive(self, ch: Channel) -> None:
        ch.bridge_request = None
        if ch.up:
            ch.set_running_state(CS_HIBERNATE)
            ch.set_running_state(CS_RESET)
        self.arrived.add(ch.uuid)
        if len(self.arrived) == 2:
            self._join()
        else:
            other = self.b if ch is self.a else self.a
            await media_wait(ch, None, until=lambda: self.ready.is_set() or not other.up)
            if not self.ready.is_set():
                return
        await self._hold(ch)

    def _join(self) -> None:
        a, b = self.a, self.b
        if not (a.up and b.up):
            self.ready.set()
            return
        for leg in (a, b):
            leg.set_running_state(CS_SOFT_EXECUTE)
        now = a.set_time(CallerProfile.BRIDGED)
        b.set_time(CallerProfile.BRIDGED, now)
        a.unset_var("uuid_bridge")
        for x, y in ((a, b), (b, a)):
            if x is b:
                x.set_var("call_uuid", x.variables.get("call_uuid") or x.uuid)
            x.applications.append(("uuid_bridge", y.uuid))
            x.fire("CHANNEL_EXECUTE", source="CHANNEL_EXECUTE_UUID_BRIDGE", after=[
                ("Application", "uuid_bridge"), ("Application-Data", y.uuid)])
        a.peer, b.peer = b, a
        a.bridge_mode = b.bridge_mode = "uuid"
        a.bridges.append(Bridge(b.uuid, b.uuid))
        b.bridges.append(Bridge(a.uuid, a.uuid))
        a.fire("CHANNEL_BRIDGE", before=[("Bridge-A-Unique-ID", a.uuid),
                                         ("Bridge-B-Unique-ID", b.uuid)])
        b.set_running_state(CS_EXCHANGE_MEDIA)
        for x, y in ((a, b), (b, a)):
            x.set_vars([("bridge_to", y.uuid), ("last_bridge_to", y.uuid),
                        ("bridge_channel", y.name), ("bridge_uuid", y.uuid),
                        ("signal_bond", y.uuid),
                        ("last_sent_callee_id_name", y.profile.caller_id_name),
                        ("last_sent_callee_id_number", y.profile.caller_id_number)])
            x.fire("CALL_UPDATE", source="CALL_UPDATE_SOFIA", before=[
                ("Direction", "SEND"), ("Sent-Callee-ID-Name", y.profile.caller_id_name),
                ("Sent-Callee-ID-Number", y.profile.caller_id_number), ("Bridged-To", y.uuid)])
        self.ready.set()
        b.wake()

    async def _hold(self, ch: Channel) -> None:
        other = self.b if ch is self.a else self.a
        if ch.up and other.up:
            await media_wait(ch, None, until=lambda: not other.up)
        if ch is self.a:
            cause = other.hangup_cause or ch.hangup_cause or "NORMAL_CLEARING"
            if ch.up:
                ch.hangup(cause)
            ch.unset_var("bridge_to")
            ch.set_var("bridge_hangup_cause", cause)
            ch.fire("CHANNEL_UNBRIDGE", before=[("Bridge-A-Unique-ID", self.a.uuid),
                                               ("Bridge-B-Unique-ID", self.b.uuid)])
        elif ch.up:
            ch.hangup(other.hangup_cause or "NORMAL_CLEARING")
        ch.peer = None
        ch.bridge_mode = None


def _int(text: str | None, default: int) -> int:
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return default
