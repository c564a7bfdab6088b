"""The life of a channel: FreeSWITCH's state machine, message queue and applications.

Each channel runs one asyncio task, the emulator's session thread: routing, executing
the extension (a park-only dialplan by default), and the hangup sequence. Commands
sent with ``sendmsg`` wait in the channel's queue and run wherever FreeSWITCH would
parse them: inside ``park``, and inside any application that waits on media
(playback, sleep, bridge, echo...) unless that application holds the event lock.

The state machine sits above the channel and its endpoints and below everything that
starts calls (the node, originate, the API). It runs applications by name from the
table its node carries (``node.applications``, filled from ``applications.py``), so
it needs no import of the applications themselves.
"""

from __future__ import annotations

import asyncio
import logging
import uuid as uuidlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from switchy import expansion as expansions
from switchy.causes import CODE_OF

from . import endpoints
from .channel import (
    CS_DESTROY,
    CS_EXECUTE,
    CS_HANGUP,
    CS_HIBERNATE,
    CS_INIT,
    CS_PARK,
    CS_REPORTING,
    CS_ROUTING,
    CallerProfile,
    Channel,
    Message,
)
from .events import local_stamp, micros

log = logging.getLogger("switchy.emulator")

# An application: ``await app(channel, arg, run)``; ``run`` says how it was started.
AppFunc = Callable[[Channel, str, "Run"], Awaitable[None]]


@dataclass
class Run:
    """How an application was started: the lock it holds and its Application-UUID."""

    app: str
    arg: str
    uuid: str
    locked: bool = False


def start(channel: Channel, flow: Callable[[Channel], Awaitable[None]]) -> None:
    """Run ``flow`` as the channel's session task, then the hangup sequence."""
    async def main() -> None:
        try:
            await flow(channel)
            if not channel.ended:
                channel.hangup(channel.kill_cause or "NORMAL_CLEARING")
            await hangup_sequence(channel)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug of the emulator: record it, end the call quietly
            channel.node.errors.append(exc)
            log.exception("%s: session failed", channel.name)
            channel.ended = channel.destroyed = True
            channel.hangup_cause = channel.hangup_cause or "CRASH"
            channel.node.channel_destroyed(channel)

    channel.task = asyncio.get_running_loop().create_task(main(), name=f"emu-{channel.name}")
    channel.node.tasks.add(channel.task)
    channel.task.add_done_callback(channel.node.tasks.discard)


# -- the state machine -----------------------------------------------------------------


def begin_inbound(ch: Channel, *, announce_new: bool) -> None:
    """CS_NEW → CS_INIT → CHANNEL_CREATE, as a new inbound leg does."""
    if announce_new:
        ch.set_running_state(0)
    ch.has_profile = True
    ch.set_running_state(CS_INIT)
    ch.state = CS_ROUTING
    ch.fire("CHANNEL_CREATE")


async def sofia_inbound_flow(ch: Channel) -> None:
    """An INVITE arrived: CS_NEW is announced, then the call is routed."""
    begin_inbound(ch, announce_new=True)
    await route_and_execute(ch)


async def loopback_inbound_flow(ch: Channel) -> None:
    """The B leg of a loopback pair: routed like an inbound call, CS_NEW unannounced."""
    begin_inbound(ch, announce_new=False)
    await route_and_execute(ch)


async def route_and_execute(ch: Channel) -> None:
    """RINGING, CS_ROUTING, CS_EXECUTE, then the extension the dialplan finds."""
    ch.running_state = CS_ROUTING
    ch.set_callstate("RINGING")
    ch.set_running_state(CS_ROUTING)
    await run_dialplan(ch)


async def run_dialplan(ch: Channel) -> None:
    """Find the extension for the current destination and run it; transfers loop here."""
    while True:
        extension = ch.node.find_extension(ch)
        if extension is None:
            ch.set_var("call_uuid", ch.variables.get("call_uuid") or ch.uuid)
            ch.hangup("NO_ROUTE_DESTINATION")
            return
        ch.hit_dialplan = True
        ch.set_running_state(CS_EXECUTE)
        ch.set_var("call_uuid", ch.variables.get("call_uuid") or ch.uuid)
        await run_apps(ch, extension)
        if ch.up and ch.transfer_to is not None:
            apply_transfer(ch)
            ch.set_running_state(CS_ROUTING)
            continue
        # the end of the extension (or a hangup): the session ends
        return


def apply_transfer(ch: Channel) -> None:
    dest, dialplan, context = ch.transfer_to or ("", "XML", "default")
    ch.transfer_to = None
    p = ch.profile
    now = micros()
    ch.transfers.append(dest)
    ch.set_var("transfer_source", f"{now // 1_000_000}:{ch.uuid}:bl_xfer:{dest}/{context}/{dialplan}")
    ch.set_var("max_forwards", ch.variables.get("max_forwards"))
    p.destination_number = dest
    p.dialplan = dialplan
    p.context = context
    p.profile_index = str(int(p.profile_index or "1") + 1)
    p.times[CallerProfile.PROFILE_CREATED] = now
    p.times[CallerProfile.TRANSFER] = now
    ch.profile_changed()


async def hangup_sequence(ch: Channel) -> None:
    """After the applications unwound: CS_HANGUP … CHANNEL_DESTROY."""
    stop_recording(ch, "all")
    ch.set_running_state(CS_HANGUP)
    ch.set_callstate("HANGUP")
    partner = ch.partner
    if partner is not None and partner.up and partner.kill_cause is None:
        partner.hangup(ch.hangup_cause or "NORMAL_CLEARING")
    ch.set_running_state(CS_REPORTING)
    set_cdr_variables(ch)
    endpoints.on_hangup_complete(ch)
    ch.fire("CHANNEL_HANGUP_COMPLETE", before=[("Hangup-Cause", ch.hangup_cause or "")])
    await ch.wait_released()
    partner = ch.partner
    if partner is not None and ch.variables.get("loopback_leg") == "A" and not partner.destroyed:
        await partner.wait_event("CHANNEL_DESTROY", None)  # mod_loopback holds its B leg
    if ch.other_type == "originator" and ch.other_profile is not None:
        peer_cause = ch.variables.get("last_bridge_hangup_cause") or ch.hangup_cause
        ch.set_vars([("bridge_hangup_cause", peer_cause),
                     ("call_uuid", ch.variables.get("call_uuid") or ch.uuid)])
    ch.state = CS_DESTROY
    ch.fire("CHANNEL_DESTROY")
    ch.set_running_state(CS_DESTROY)
    ch.destroyed = True
    ch.node.channel_destroyed(ch)


def set_cdr_variables(ch: Channel) -> None:
    """The variables switch_channel_set_timestamps() leaves for the CDR."""
    t = ch.profile.times
    cause = ch.hangup_cause or "NORMAL_CLEARING"
    created = ch.created_us
    profile_created, answered, progress, media = t[0], t[2], t[3], t[4]
    hungup, bridged, resurrect = t[5] or micros(), t[8], t[7]
    digits = "".join(ch.dtmf_received) or "none"
    out: list[tuple[str, str]] = [("hangup_cause", cause),
                                  ("hangup_cause_q850", str(CODE_OF.get(cause, 0))),
                                  ("digits_dialed", digits),
                                  ("start_stamp", local_stamp(created)),
                                  ("profile_start_stamp", local_stamp(profile_created))]
    for name, value in (("answer_stamp", answered), ("bridge_stamp", bridged),
                        ("progress_stamp", progress), ("progress_media_stamp", media)):
        if value:
            out.append((name, local_stamp(value)))
    out.append(("end_stamp", local_stamp(hungup)))
    for name, value in (("start", created), ("profile_start", profile_created),
                        ("answer", answered), ("bridge", bridged), ("last_hold", t[9])):
        out += [(f"{name}_epoch", str(value // 1_000_000)), (f"{name}_uepoch", str(value))]
    out += [("hold_accum_seconds", "0"), ("hold_accum_usec", "0"), ("hold_accum_ms", "0")]
    for name, value in (("resurrect", resurrect), ("progress", progress),
                        ("progress_media", media), ("end", hungup)):
        out += [(f"{name}_epoch", str(value // 1_000_000)), (f"{name}_uepoch", str(value))]
    if ch.last_app is not None:
        out.append(("last_app", ch.last_app[0]))
        if ch.last_app[1]:
            out.append(("last_arg", ch.last_app[1]))
    p = ch.profile
    out.append(("caller_id", f'"{p.caller_id_name}" <{p.caller_id_number}>'
                if p.caller_id_name else p.caller_id_number))

    def span(start: int) -> tuple[int, int]:
        return (hungup // 1_000_000 - start // 1_000_000, hungup - start) if start else (0, 0)

    def since_created(value: int) -> tuple[int, int]:
        return (value // 1_000_000 - created // 1_000_000, value - created) if value else (0, 0)

    duration, uduration = span(created)
    bill, ubill = span(answered)
    prog, uprog = since_created(progress)
    ans, uans = since_created(answered)
    wait, uwait = since_created(bridged)
    pmedia, upmedia = since_created(media)
    seconds = (("duration", duration), ("billsec", bill), ("progresssec", prog),
               ("answersec", ans), ("waitsec", wait), ("progress_mediasec", pmedia),
               ("flow_billsec", duration))
    out += [(name, str(value)) for name, value in seconds]
    micro = (("mduration", uduration), ("billmsec", ubill), ("progressmsec", uprog),
             ("answermsec", uans), ("waitmsec", uwait), ("progress_mediamsec", upmedia),
             ("flow_billmsec", uduration))
    out += [(name, str(value // 1000)) for name, value in micro]
    out += [(name.replace("msec", "usec").replace("mduration", "uduration"), str(value))
            for name, value in micro]
    ch.set_vars(out)


# -- running an extension ------------------------------------------------------------------


async def run_apps(ch: Channel, apps: list[tuple[str, str]]) -> None:
    """Execute an extension's applications in order, honouring park/bridge requests."""
    for name, arg in apps:
        if not ch.up or ch.kill_cause is not None or ch.transfer_to is not None:
            return
        await execute(ch, name, arg)
        await handle_requests(ch)


async def handle_requests(ch: Channel) -> None:
    """uuid_park and uuid_bridge take a channel out of whatever it was doing."""
    while ch.up:
        if ch.bridge_request is not None:
            await ch.bridge_request.arrive(ch)  # type: ignore[attr-defined]
            continue
        if ch.park_requested:
            ch.park_requested = False
            ch.set_running_state(CS_PARK)
            await park_channel(ch, None)
            if ch.wedged:
                await wedged(ch)
            continue
        return


async def wedged(ch: Channel) -> None:
    """A second uuid_park left the channel in CS_PARK outside any park loop: it runs
    nothing more. What was queued surfaces at hangup as PRIVATE_COMMAND only
    (park_on_parked_uuid_park)."""
    while ch.up:
        ch.wakeup.clear()
        await ch.wakeup.wait()
    queued, ch.queue = ch.queue, []
    for msg in queued:
        fire_private_command(ch, msg)


async def idle(ch: Channel) -> None:
    """A leg outside any dialplan (an answered outbound leg): wait, obey requests."""
    while ch.up:
        await handle_requests(ch)
        if not ch.up:
            return
        if ch.pending_apps is not None:
            apps, ch.pending_apps = ch.pending_apps, None
            ch.hit_dialplan = True
            ch.set_running_state(CS_EXECUTE)
            ch.set_var("call_uuid", ch.variables.get("call_uuid") or ch.uuid)
            await run_apps(ch, apps)
            if ch.up and ch.transfer_to is not None:
                apply_transfer(ch)
                ch.set_running_state(CS_ROUTING)
                await run_dialplan(ch)
            return
        if ch.transfer_to is not None:
            apply_transfer(ch)
            ch.set_running_state(CS_ROUTING)
            await run_dialplan(ch)
            return
        await media_wait(ch, None)


async def park_channel(ch: Channel, run: Run | None, *,
                       until: Callable[[], bool] | None = None) -> None:
    """switch_ivr_park: CHANNEL_PARK, run queued messages until something ends it.

    ``run`` is the ``park`` application, or None for the park of the CS_PARK state
    (where uuid_park sends a channel). ``uuid_break`` does not end a park; uuid_park
    ends the park application (the channel then parks in CS_PARK), and a uuid_park in
    CS_PARK unparks the channel for good: it is wedged (see ``wedged``). ``until``: the
    controller of an outbound socket went away (CF_CONTROLLED cleared)."""
    ch.in_park = True
    ch.park_requested = False
    ch.fire("CHANNEL_PARK")
    while True:
        result = await media_wait(ch, None, run, until=until)
        if result == "until":
            break
        if result == "break" and ch.up and not ch.park_requested and ch.bridge_request is None \
                and ch.transfer_to is None and ch.pending_apps is None:
            continue  # a uuid_break: nothing to stop
        break
    ch.in_park = False
    if run is None and ch.park_requested and ch.up:
        ch.park_requested = False
        ch.wedged = True
    if ch.bridge_request is not None and ch.up:
        ch.state = CS_HIBERNATE
    ch.fire("CHANNEL_UNPARK")


# -- recording (media bugs) --------------------------------------------------------------


def start_recording(ch: Channel, path: str) -> bool:
    if not path or path in ch.active_recordings:
        return False
    ch.recordings.append(path)
    ch.active_recordings[path] = asyncio.get_running_loop().time()
    ch.fire("RECORD_START", after=[("Record-File-Path", path)])
    return True


def stop_recording(ch: Channel, path: str) -> bool:
    paths = list(ch.active_recordings) if path in ("", "all") else [path]
    stopped = False
    for p in paths:
        started = ch.active_recordings.pop(p, None)
        if started is None:
            continue
        ms = int((asyncio.get_running_loop().time() - started)
                 / max(ch.node.config.time_scale, 1e-9) * 1000)
        ch.set_vars([("record_ms", str(ms)), ("record_seconds", str(ms // 1000)),
                     ("record_samples", str(ms * 8))])
        ch.fire("RECORD_STOP", after=[("Record-File-Path", p)])
        stopped = True
    return stopped


# -- applications ------------------------------------------------------------------------


async def execute(ch: Channel, app: str, arg: str = "", *, app_uuid: str | None = None,
                  app_uuid_name: str | None = None, locked: bool = False) -> None:
    """switch_core_session_execute_application: EXECUTE, the app, EXECUTE_COMPLETE."""
    func = ch.node.applications.get(app.lower())
    if func is None or app.lower() in ch.node.config.unloaded_applications:
        ch.node.log(3, f"Invalid Application {app}", ch.uuid, "switch_core_session.c",
                    "switch_core_session_execute_application_get_flags", 2811)
        ch.hangup("DESTINATION_OUT_OF_ORDER")
        return
    if getattr(func, "needs_media", False):
        endpoints.pre_answer(ch)  # switch_core_session_execute_application: media first
    arg = expand(ch, arg)
    run = Run(app, arg, app_uuid or str(uuidlib.uuid4()), locked)
    ch.applications.append((app, arg))
    ch.last_app = (app, arg)
    ch.unset_var("current_application_response")
    ch.set_var("current_application", app)
    ch.set_var("current_application_data", arg)
    tail = [("Application", app)]
    if arg:
        tail.append(("Application-Data", arg))
    ch.fire("CHANNEL_EXECUTE", after=[*tail, ("Application-UUID", run.uuid),
                                      *_name(app_uuid_name)])
    ch.set_var("current_application", app)  # again, as switch_core_session_exec does
    ch.app_depth += 1
    try:
        await func(ch, arg, run)
    finally:
        ch.app_depth -= 1
    endpoints.on_session_thread(ch)
    response = ch.variables.get("current_application_response") or "_none_"
    ch.fire("CHANNEL_EXECUTE_COMPLETE", after=[*tail, ("Application-Response", response),
                                               ("Application-UUID", run.uuid),
                                               *_name(app_uuid_name)])


# Caller-profile fields switch_channel_get_variable falls back to (switch_caller_get_field_by_name).
_PROFILE_FIELDS = ("dialplan", "username", "caller_id_name", "ani", "aniii", "caller_id_number",
                   "network_addr", "rdnis", "destination_number", "uuid", "source", "context",
                   "callee_id_name", "callee_id_number", "orig_caller_id_name", "orig_caller_id_number")


def expand(ch: Channel, text: str) -> str:
    """switch_channel_expand_variables on this channel (``switchy.expansion.expand``).

    An API named inside ``${...}`` is not run: it is recorded in the node's
    ``expansion_calls`` and announced with the API event FreeSWITCH fires, and expands
    to nothing (what ``system`` with no output gives).
    """
    node = ch.node

    def variable(name: str) -> str | None:
        value = ch.variables.get(name)
        if value is None and name in _PROFILE_FIELDS:
            value = getattr(ch.profile, name, None) or None
        return value

    def api(command: str, args: str) -> str:
        node.expansion_calls.append((ch.uuid, command, args))
        items = [("API-Command", command)] + ([("API-Command-Argument", args)] if args else [])
        node.fire_plain("API", items)
        return ""

    return expansions.expand(text, variable, api, node.global_vars.get)


def _name(value: str | None) -> list[tuple[str, str]]:
    return [("Application-UUID-Name", value)] if value else []


async def process_message(ch: Channel, msg: Message) -> None:
    """switch_ivr_parse_event: run one queued command, then fire PRIVATE_COMMAND."""
    endpoints.on_session_thread(ch)
    if msg.command == "execute" and msg.app:
        loops = msg.loops
        done = 0
        while loops < 0 or done < loops:
            ch.set_var("current_loop", str(done + 1))
            ch.set_var("total_loops", str(loops))
            started = ch.media_seconds
            await execute(ch, msg.app, msg.arg, app_uuid=msg.event_uuid,
                          app_uuid_name=msg.event_uuid_name, locked=msg.event_lock)
            done += 1
            took = ch.media_seconds - started
            # FreeSWITCH stops looping after a run shorter than half a second
            if not ch.up or (loops >= 0 and done >= loops) or took < 0.5:
                break
        ch.unset_var("current_loop")
        ch.unset_var("total_loops")
    elif msg.command == "hangup":
        ch.hangup(msg.cause)
    elif msg.command == "xferext":
        apps = [h[1].partition(" ") for h in msg.headers if h[0].lower() == "application"]
        for app, _, arg in apps:
            if not ch.up:
                break
            await execute(ch, app, arg)
    if ch.answered:  # in the park of an unanswered channel, no PRIVATE_COMMAND follows
        fire_private_command(ch, msg)  # (respond_407_*, park_on_parked_execute_park)


def fire_private_command(ch: Channel, msg: Message) -> None:
    pre = msg.pre if msg.pre is not None else [("Command", msg.command_line), *msg.headers]
    ch.fire("PRIVATE_COMMAND", pre=pre, body=msg.body,
            source="PRIVATE_COMMAND", extended=False)


def queue_message(ch: Channel, msg: Message) -> None:
    ch.queue.append(msg)
    ch.wake()


async def media_wait(ch: Channel, seconds: float | None, run: Run | None = None,
                     *, until: Callable[[], bool] | None = None) -> str:
    """Wait like an application reading media: ``done``, ``hangup``, ``break`` or ``until``.

    ``seconds`` are nominal (scaled by the node's ``time_scale``); None waits forever.
    Queued messages run nested here unless the running application holds the event lock;
    time spent in them does not count against ``seconds``.
    """
    loop = asyncio.get_running_loop()
    scale = max(ch.node.config.time_scale, 1e-9)
    remaining = None if seconds is None else max(0.0, seconds * scale)
    locked = run.locked if run is not None else False
    spent = 0.0  # nominal seconds already waited (and counted in ch.media_seconds)
    while True:
        ch.wakeup.clear()
        if not ch.up or ch.kill_cause is not None:
            return "hangup"
        if ch.break_requested:
            ch.break_requested = False
            return "break"
        if ch.transfer_to is not None or ch.park_requested or ch.bridge_request is not None \
                or ch.pending_apps is not None:
            return "break"
        if until is not None and until():
            return "until"
        if ch.queue and not locked:
            msg = ch.queue.pop(0)
            await process_message(ch, msg)
            continue
        if remaining is not None and remaining <= 0:
            ch.media_seconds += max(0.0, (seconds or 0.0) - spent)
            return "done"
        started = loop.time()
        try:
            async with asyncio.timeout(remaining):
                await ch.wakeup.wait()
        except TimeoutError:
            if ch.up and not ch.break_requested:
                ch.media_seconds += max(0.0, (seconds or 0.0) - spent)
                return "done"
            return "hangup"
        waited = loop.time() - started
        spent += waited / scale
        ch.media_seconds += waited / scale
        if remaining is not None:
            remaining -= waited


def on_hangup(ch: Channel) -> None:
    """Hooks run the moment a channel is hung up, before CHANNEL_HANGUP is fired."""
    endpoints.on_hangup(ch)
    peer = ch.peer
    if peer is not None:
        if ch.bridge_mode in ("app_b", "uuid") and ch.other_type == "originator":
            ch.unset_var("bridge_to")
            ch.set_var("last_bridge_hangup_cause", ch.hangup_cause or "NORMAL_CLEARING")
        elif ch.bridge_mode in ("app_a", "uuid"):
            ch.set_var("last_bridge_role", "originator")
        peer.wake()
    if ch.dialer is not None:
        ch.dialer.wake()


def after_hangup_fired(ch: Channel) -> None:
    """A bridge ends with its A leg, and a uuid_bridge with either leg.

    A loopback B leg killed with uuid_kill kills its A leg: the A leg's application
    returns first and the A leg hangs up after (a B leg that hangs itself up takes
    the A leg down later, from its hangup state, as ``hangup_sequence`` does)."""
    peer = ch.peer
    if peer is not None and peer.up and ch.bridge_mode in ("app_a", "uuid"):
        peer.hangup(ch.hangup_cause or "NORMAL_CLEARING")
    partner = ch.partner
    if ch.killed_by_api and partner is not None and partner.up and partner.app_depth \
            and ch.variables.get("loopback_leg") == "B":
        partner.kill(ch.hangup_cause or "NORMAL_CLEARING")

