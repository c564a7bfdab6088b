"""Dial strings and new outbound legs: what ``originate`` and ``bridge`` share.

A dial string is ``{global=vars}[leg=vars]endpoint/args``; ``,`` rings legs at the same
time (the first to answer wins) and ``|`` tries the next group when one fails. What
the far end of each leg does (answer, busy, no answer, not registered, bad gateway)
is decided by the node's outcome rules, so tests choose it per destination.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from switchy.causes import normalize_cause

from . import endpoints
from .channel import CS_CONSUME_MEDIA, CS_INIT, CS_ROUTING, Channel
from .config import DialOutcome
from .session import Run, idle, loopback_inbound_flow, media_wait, sofia_inbound_flow, start

if TYPE_CHECKING:
    from .core import NodeCore


@dataclass
class Dial:
    """One destination of a dial string."""

    url: str
    variables: dict[str, str] = field(default_factory=dict)


_VARS = re.compile(r"^\s*([{\[<])")


def _split_top(text: str, sep: str) -> list[str]:
    """Split on ``sep`` outside {}, [], <>, quotes, and not escaped with a backslash."""
    out, depth, quote, cur = [], 0, "", []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur.append(text[i:i + 2])
            i += 2
            continue
        if quote:
            if c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "{[<":
            depth += 1
        elif c in "}]>":
            depth = max(0, depth - 1)
        elif c == sep and depth == 0:
            out.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    out.append("".join(cur))
    return out


def parse_vars(text: str) -> dict[str, str]:
    """``a=1,b='x,y',c=3`` → dict; ``\\,`` and quotes protect commas."""
    out: dict[str, str] = {}
    for part in _split_top(text, ","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        out[name.strip()] = value.replace("\\,", ",")
    return out


def _take_vars(text: str) -> tuple[dict[str, str], str]:
    """Strip leading ``{...}``/``[...]``/``<...>`` blocks off ``text``."""
    found: dict[str, str] = {}
    text = text.strip()
    while text and text[0] in "{[<":
        close = {"{": "}", "[": "]", "<": ">"}[text[0]]
        end = text.find(close)
        if end < 0:
            break
        found.update(parse_vars(text[1:end]))
        text = text[end + 1:].strip()
    return found, text


def parse_dial_string(text: str) -> tuple[dict[str, str], list[list[Dial]]]:
    """Global variables and the failover groups (``|``) of simultaneous legs (``,``)."""
    global_vars, rest = _take_vars(text) if text.strip().startswith("{") else ({}, text.strip())
    groups: list[list[Dial]] = []
    for group in _split_top(rest, "|"):
        legs = []
        for leg in _split_top(group, ","):
            leg_vars, url = _take_vars(leg)
            if url:
                legs.append(Dial(url.strip(), leg_vars))
        if legs:
            groups.append(legs)
    return global_vars, groups


@dataclass
class Leg:
    """A leg being dialled: its channel (the A side for loopback) and how it ended."""

    dial: Dial
    channel: Channel | None = None
    loopback_b: Channel | None = None
    answered: bool = False
    cause: str | None = None


class Waiter:
    """Stands in for a calling channel when the API originates: legs wake it."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def wake(self) -> None:
        self._event.set()

    async def wait(self) -> None:
        await self._event.wait()
        self._event.clear()


class DialResult:
    """The answered leg (or the failure cause) of one dial attempt."""

    def __init__(self, leg: Leg | None, cause: str) -> None:
        self.leg = leg
        self.cause = cause

    @property
    def channel(self) -> Channel | None:
        return self.leg.channel if self.leg is not None else None


async def dial(node: NodeCore, dial_string: str, *, caller: Channel | None = None,
               run: Run | None = None, caller_id_name: str | None = None,
               caller_id_number: str | None = None, timeout: float = 60.0,
               extra_vars: dict[str, str] | None = None) -> DialResult:
    """Ring a dial string until a leg answers, every leg fails, or the caller hangs up."""
    global_vars, groups = parse_dial_string(dial_string)
    variables = {**(extra_vars or {}), **global_vars}
    if caller is not None and caller.variables.get("originate_timeout"):
        timeout = _number(caller.variables["originate_timeout"], timeout)
    timeout = _number(variables.get("originate_timeout") or variables.get("call_timeout"), timeout)
    if not groups:
        return DialResult(None, "DESTINATION_OUT_OF_ORDER")
    if caller is None:
        return await _dial_groups(node, groups, None, run, caller_id_name, caller_id_number,
                                  variables, timeout)
    callstate = caller.callstate
    caller.set_callstate("RING_WAIT")  # a bridge rings out (bridge_missing_gateway)
    try:
        return await _dial_groups(node, groups, caller, run, caller_id_name, caller_id_number,
                                  variables, timeout)
    finally:
        if caller.up:
            caller.set_callstate(callstate)


async def _dial_groups(node: NodeCore, groups: list[list[Dial]], caller: Channel | None,
                       run: Run | None, caller_id_name: str | None, caller_id_number: str | None,
                       variables: dict[str, str], timeout: float) -> DialResult:
    cause = "NORMAL_UNSPECIFIED"
    for group in groups:
        legs = [_create(node, d, caller, caller_id_name, caller_id_number,
                        {**variables, **d.variables}, timeout) for d in group]
        live = [leg for leg in legs if leg.channel is not None]
        if not live:
            cause = legs[-1].cause or cause
            continue
        winner = await _wait(node, live, caller, run, timeout)
        for leg in live:
            if leg is not winner and leg.channel is not None and leg.channel.up:
                leg.channel.hangup("LOSE_RACE" if winner is not None else "ORIGINATOR_CANCEL")
        if winner is not None:
            return DialResult(winner, "SUCCESS")
        if caller is not None and not caller.up:
            return DialResult(None, "ORIGINATOR_CANCEL")
        cause = next((leg.cause for leg in reversed(live) if leg.cause), cause)
    return DialResult(None, cause)


def _number(text: str | None, default: float) -> float:
    try:
        return float(text) if text else default
    except ValueError:
        return default


async def _wait(node: NodeCore, legs: list[Leg], caller: Channel | None,
                run: Run | None, timeout: float) -> Leg | None:
    def settled() -> bool:
        for leg in legs:
            ch = leg.channel
            if ch is not None and ch.up and (ch.answered or _early_media_counts(ch)):
                leg.answered = True
            elif ch is not None and not ch.up and leg.cause is None:
                leg.cause = ch.hangup_cause
        return any(leg.answered for leg in legs) or all(leg.cause for leg in legs)

    loopback = any(leg.loopback_b is not None for leg in legs)
    scaled = timeout if loopback else timeout * node.config.time_scale + 1.0
    if caller is not None:
        await media_wait(caller, scaled / node.config.time_scale, run, until=settled)
    else:
        waiter = Waiter()
        for leg in legs:
            if leg.channel is not None:
                leg.channel.dialer = waiter
        try:
            async with asyncio.timeout(scaled):
                while not settled():
                    await waiter.wait()
        except TimeoutError:
            pass
    settled()
    for leg in legs:
        if leg.answered:
            return leg
    for leg in legs:
        if leg.cause is None:
            leg.cause = "NO_ANSWER"
            if leg.channel is not None and leg.channel.up:
                leg.channel.hangup("NO_ANSWER" if caller is None or caller.up
                                   else "ORIGINATOR_CANCEL")
    return None


def _early_media_counts(ch: Channel) -> bool:
    """mod_loopback's A leg carries ``originate_early_media=true``: early media from
    its B leg ends the originate as an answer would (park_on_parked_execute_park)."""
    return ch.answer_state == "early" and ch.variables.get("originate_early_media") == "true"


def _create(node: NodeCore, d: Dial, caller: Channel | None, cid_name: str | None,
            cid_num: str | None, variables: dict[str, str], timeout: float) -> Leg:
    leg = Leg(d)
    url = d.url
    outcome = node.outcome_for(url)
    if caller is not None:
        cid_name = cid_name or caller.variables.get("effective_caller_id_name") \
            or caller.profile.caller_id_name
        cid_num = cid_num or caller.variables.get("effective_caller_id_number") \
            or caller.profile.caller_id_number
    cid_name = variables.get("origination_caller_id_name") or cid_name or ""
    cid_num = variables.get("origination_caller_id_number") or cid_num or "0000000000"
    uuid = variables.get("origination_uuid")
    endpoint, _, rest = url.partition("/")
    endpoint = endpoint.lower()
    if not outcome.create_channel:
        leg.cause = outcome.cause or "NORMAL_UNSPECIFIED"
        return leg
    if endpoint == "error":
        leg.cause = normalize_cause(rest, "NORMAL_UNSPECIFIED")
        return leg
    if endpoint == "loopback":
        parts = rest.split("/")
        dest = parts[0]
        context = parts[1] if len(parts) > 1 and parts[1] else "default"
        dialplan = parts[2] if len(parts) > 2 and parts[2] else "XML"
        a, b = endpoints.loopback_pair(node, destination=dest, context=context, dialplan=dialplan,
                                       caller_id_name=cid_name, caller_id_number=cid_num,
                                       variables=variables)
        node.register(a)
        node.register(b)
        endpoints.loopback_init(node, a, b, _origination_vars(variables), a_uuid=uuid)
        a.fire("CHANNEL_CREATE")
        a.fire("CHANNEL_ORIGINATE")
        a.set_running_state(CS_ROUTING, CS_ROUTING)
        a.set_running_state(CS_CONSUME_MEDIA, CS_CONSUME_MEDIA)
        _watch(a, caller)
        start(b, loopback_inbound_flow)
        start(a, _originated_leg_flow)
        leg.channel, leg.loopback_b = a, b
        return leg
    if endpoint == "user":
        user, _, domain = rest.partition("@")
        if not node.is_registered(user):
            leg.cause = "USER_NOT_REGISTERED"
            return leg
        profile, host = "internal", f"{user}@{domain or node.ipv4}"
        dest, gateway = user, None
    elif endpoint == "sofia":
        profile, _, target = rest.partition("/")
        if profile == "gateway":
            gateway, _, dest = target.partition("/")
            if not node.gateway_exists(gateway):
                endpoints.sofia_unborn(node)
                leg.cause = "INVALID_GATEWAY"
                return leg
            host = f"{dest}@{gateway}"
        else:
            gateway = None
            if not node.profile_exists(profile):
                endpoints.sofia_unborn(node)
                leg.cause = "INVALID_PROFILE"
                return leg
            if "%" in target and "@" not in target:
                user = target.split("%")[0]
                if not node.is_registered(user):
                    leg.cause = "USER_NOT_REGISTERED"
                    return leg
                target = target.replace("%", "@", 1)
            host = target
            dest = target.split("@")[0].removeprefix("sip:")
    else:
        leg.cause = "CHAN_NOT_IMPLEMENTED"
        return leg
    user_part, _, host_part = host.partition("@")
    ch = endpoints.sofia_outbound(node, url=url, profile="external" if gateway else profile,
                                  user=user_part, host=host_part or node.ipv4, destination=dest,
                                  caller=caller, caller_id_name=cid_name,
                                  caller_id_number=cid_num,
                                  variables=_origination_vars(variables), gateway=gateway,
                                  uuid=uuid)
    node.register(ch)
    ch.has_profile = True
    ch.running_state = 13
    ch.state = CS_INIT
    ch.fire("CHANNEL_OUTGOING")
    ch.set_running_state(CS_INIT, CS_INIT)
    ch.state = CS_ROUTING
    ch.fire("CHANNEL_CREATE")
    ch.fire("CHANNEL_ORIGINATE")
    ch.set_running_state(CS_ROUTING, CS_ROUTING)
    ch.set_running_state(CS_CONSUME_MEDIA, CS_CONSUME_MEDIA)
    _watch(ch, caller)
    ch.outcome = outcome
    ch.ring_timeout = timeout
    own = node.own_profile(host_part) if gateway is None else None
    if own is None:
        start(ch, _far_end_flow)
    else:  # the INVITE comes back to this node: an inbound call in that profile's context
        local_ip, local_port = node.sofia_profile_address(profile)
        inbound = endpoints.sofia_inbound(
            node, destination=dest, caller_id_number=cid_num or "0000000000",
            caller_id_name=cid_name, context=node.config.sofia_contexts.get(own, "public"),
            profile=own, network_addr=local_ip, network_port=local_port, variables=None)
        node.register(inbound)
        inbound.dialer = ch  # its answer and hangup wake the outbound leg
        start(inbound, sofia_inbound_flow)
        start(ch, lambda ch: _own_profile_far_end(ch, inbound))
    leg.channel = ch
    return leg


def _origination_vars(variables: dict[str, str]) -> dict[str, str]:
    skip = {"origination_caller_id_name", "origination_caller_id_number"}  # in the profile
    return {k: v for k, v in variables.items() if k not in skip}


def _watch(ch: Channel, caller: Channel | None) -> None:
    """Wake whoever dials this leg when its state changes."""
    ch.dialer = caller


async def _far_end_flow(ch: Channel) -> None:
    """An outbound leg: the far end behaves as the node's outcome rule says."""
    outcome: DialOutcome = ch.outcome
    timeout = ch.ring_timeout
    if outcome.kind == "answer":
        if outcome.ring > 0 or outcome.early_media:
            endpoints.outbound_progress(ch, outcome.early_media)
            if await media_wait(ch, outcome.ring) != "done":
                _poke(ch.dialer)
                return
        endpoints.outbound_answered(ch)
        _poke(ch.dialer)
        await _connected(ch, outcome.talk)
        return
    endpoints.outbound_progress(ch, False)
    if outcome.kind == "no_answer":
        result = await media_wait(ch, timeout)
        if result == "done":
            ch.hangup("NO_ANSWER")
    else:
        result = await media_wait(ch, outcome.ring)
        if result == "done":
            ch.set_var("sip_term_status", {"USER_BUSY": "486"}.get(outcome.cause or "", "603"))
            ch.remote_hangup(outcome.cause or "CALL_REJECTED")
    _poke(ch.dialer)


async def _own_profile_far_end(ch: Channel, inbound: Channel) -> None:
    """An outbound leg whose far end is this node's own inbound leg: it rings while the
    inbound call is routed and answers when that call is answered; from then on each
    leg's hangup ends the other (a BYE). Refused or cancelled, the inbound leg's cause
    comes back as the outbound leg's."""
    endpoints.outbound_progress(ch, False)
    await media_wait(ch, None, until=lambda: inbound.answered or inbound.ended)
    if ch.up and inbound.answered and not inbound.ended:
        endpoints.outbound_answered(ch)
        _poke(ch.dialer)
        task = asyncio.get_running_loop().create_task(_hang_up_together(ch, inbound))
        ch.node.tasks.add(task)
        task.add_done_callback(ch.node.tasks.discard)
        await idle(ch)
        return
    if ch.up:
        ch.remote_hangup(inbound.hangup_cause or "NORMAL_CLEARING")
    elif inbound.up:
        inbound.remote_hangup("ORIGINATOR_CANCEL")
    _poke(ch.dialer)


async def _hang_up_together(a: Channel, b: Channel) -> None:
    """Two legs of one SIP dialog: the first to hang up sends the other a BYE."""
    waits = [asyncio.ensure_future(leg.wait_hangup(timeout=None)) for leg in (a, b)]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()
    for leg in (a, b):
        if leg.up:
            leg.remote_hangup("NORMAL_CLEARING")


def _poke(dialer: Channel | Waiter | None) -> None:
    if dialer is not None:
        dialer.wake()


async def _connected(ch: Channel, talk: float | None) -> None:
    """An answered outbound leg: wait (running queued messages) until it ends."""
    if talk is not None:
        result = await media_wait(ch, talk)
        if result == "done":
            ch.remote_hangup("NORMAL_CLEARING")
            return
    await idle(ch)


async def _originated_leg_flow(ch: Channel) -> None:
    """The loopback A leg: waits in CS_CONSUME_MEDIA until its B leg answers."""
    await media_wait(ch, None, until=lambda: (ch.answered or _early_media_counts(ch)) and (
        ch.pending_apps is not None or ch.transfer_to is not None))
    await idle(ch)
