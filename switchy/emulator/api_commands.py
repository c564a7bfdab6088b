"""``api``/``bgapi`` commands (mod_commands) with FreeSWITCH's exact output.

Each command returns the text FreeSWITCH writes, trailing newline rules included
(``uuid_getvar`` and ``uuid_exists`` have none). A command FreeSWITCH does not know
(or that this emulator does not implement) gets ``-ERR <cmd> Command not found!``.

The commands work on a ``core.NodeCore``; the ESL server and ``EmulatedNode.originate``
call ``run`` and ``originate`` from above.
"""

from __future__ import annotations

import json
import time
import uuid as uuidlib
from collections.abc import Awaitable, Callable

from switchy.causes import normalize_cause

from . import endpoints
from .applications import UuidBridge, schedule_hangup, send_digits
from .channel import CS_HANGUP, Channel, Message
from .core import NodeCore
from .originate import dial, parse_dial_string
from .session import queue_message, start_recording, stop_recording

ApiFunc = Callable[[NodeCore, str], Awaitable[str]]
COMMANDS: dict[str, ApiFunc] = {}

NOT_FOUND = "-ERR {} Command not found!\n"
NO_SUCH_CHANNEL = "-ERR No such channel!\n"


def command(name: str):  # type: ignore[no-untyped-def]
    def register(func: ApiFunc) -> ApiFunc:
        COMMANDS[name] = func
        return func
    return register


async def run(node: NodeCore, cmd: str, args: str) -> str:
    """Run one api command; the output exactly as MES would send it."""
    func = COMMANDS.get(cmd.lower())
    if func is None:
        return NOT_FOUND.format(cmd)
    output = await func(node, args)
    return output if output else "-ERR no reply\n"


def _live(node: NodeCore, uuid: str) -> Channel | None:
    ch = node.channels.get(uuid.strip())
    return ch if ch is not None and not ch.destroyed else None


# -- channels ------------------------------------------------------------------------------


@command("uuid_answer")
async def uuid_answer(node: NodeCore, args: str) -> str:
    ch = _live(node, args.split(" ")[0]) if args.strip() else None
    if ch is None or not endpoints.answer(ch):
        return "-ERROR\n"
    return "+OK\n"


@command("uuid_kill")
async def uuid_kill(node: NodeCore, args: str) -> str:
    parts = args.split()
    if not parts:
        return "-USAGE: <uuid> [cause]\n"
    ch = _live(node, parts[0])
    if ch is None or not ch.up:
        return NO_SUCH_CHANNEL
    ch.killed_by_api = True
    ch.hangup(normalize_cause(parts[1] if len(parts) > 1 else None))
    return "+OK\n"


@command("uuid_exists")
async def uuid_exists(node: NodeCore, args: str) -> str:
    return "true" if args.strip() and _live(node, args.split()[0]) is not None else "false"


@command("uuid_getvar")
async def uuid_getvar(node: NodeCore, args: str) -> str:
    parts = args.split()
    if len(parts) < 2:
        return "-USAGE: <uuid> <var>\n"
    ch = _live(node, parts[0])
    if ch is None:
        return NO_SUCH_CHANNEL
    value = ch.variables.get(parts[1])
    return value if value else "_undef_"


@command("uuid_setvar")
async def uuid_setvar(node: NodeCore, args: str) -> str:
    parts = args.split(" ", 2)
    if len(parts) < 2 or not parts[0]:
        return "-USAGE: <uuid> <var> [value]\n"
    ch = _live(node, parts[0])
    if ch is None:
        return NO_SUCH_CHANNEL
    name = parts[1].strip()
    if not name:
        return "-ERR No variable specified\n"
    value = parts[2] if len(parts) > 2 else None
    ch.set_var(name, value)
    return "+OK\n"


@command("uuid_setvar_multi")
async def uuid_setvar_multi(node: NodeCore, args: str) -> str:
    usage = "-USAGE: <uuid> <var>=<value>;<var>=<value>...\n"
    uuid, _, pairs = args.strip().partition(" ")
    ch = _live(node, uuid) if uuid else None
    if ch is None or not pairs:
        return ("-ERR No such channel!\n" if uuid and not ch else "") + usage
    for pair in pairs.split(";"):
        name, has_value, value = pair.partition("=")
        if name.strip():
            ch.set_var(name.strip(), value if has_value else None)
    return "+OK\n"


@command("uuid_park")
async def uuid_park(node: NodeCore, args: str) -> str:
    ch = _live(node, args.strip()) if args.strip() else None
    if ch is None:
        return NO_SUCH_CHANNEL
    if not ch.wedged:  # even a parked channel: see session.park_channel
        ch.park_requested = True
        ch.wake()
    return "+OK\n"


@command("uuid_break")
async def uuid_break(node: NodeCore, args: str) -> str:
    parts = args.split()
    ch = _live(node, parts[0]) if parts else None
    if ch is None:
        return NO_SUCH_CHANNEL
    if len(parts) > 1 and parts[1] == "all":
        ch.queue.clear()
    ch.break_requested = True
    ch.wake()
    return "+OK\n"


@command("uuid_transfer")
async def uuid_transfer(node: NodeCore, args: str) -> str:
    usage = "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n"
    parts = args.split()
    if len(parts) < 2:
        return usage
    ch = _live(node, parts[0])
    if ch is None:
        return NO_SUCH_CHANNEL
    rest = parts[1:]
    legs = [ch]
    if rest[0] in ("-bleg", "-both"):
        flag, rest = rest[0], rest[1:]
        if not rest:
            return usage
        peer = ch.peer
        legs = ([peer] if flag == "-bleg" else [ch, peer]) if peer is not None else []
        if not legs:
            return "-ERR\n"
    dest = rest[0]
    for leg in legs:
        if leg is None or not leg.up:
            continue
        dialplan = rest[1] if len(rest) > 1 else leg.profile.dialplan
        context = rest[2] if len(rest) > 2 else leg.profile.context
        leg.transfer_to = (dest, dialplan, context)
        leg.wake()
    return "+OK\n"


@command("uuid_bridge")
async def uuid_bridge(node: NodeCore, args: str) -> str:
    parts = args.split()
    if len(parts) < 2:
        return "-USAGE: <uuid> <other_uuid>\n"
    a, b = _live(node, parts[0]), _live(node, parts[1])
    if a is None or b is None or not a.up or not b.up or a is b:
        return "-ERR Invalid uuid\n"
    UuidBridge(a, b).request()
    return f"+OK {b.uuid}\n"


@command("uuid_broadcast")
async def uuid_broadcast(node: NodeCore, args: str) -> str:
    parts = args.split()
    if len(parts) < 2:
        return "-USAGE: <uuid> <path> [aleg|bleg|holdb|both]\n"
    ch = _live(node, parts[0])
    if ch is None or not ch.up:
        return "-ERR invalid uuid\n"
    path = parts[1]
    which = parts[2] if len(parts) > 2 else "aleg"
    legs = {"aleg": [ch], "bleg": [ch.peer], "both": [ch, ch.peer], "holdb": [ch]}.get(which, [ch])
    for leg in legs:
        if leg is not None and leg.up:
            broadcast(leg, path)
    return "+OK Message sent\n"


def broadcast(ch: Channel, path: str) -> None:
    """switch_ivr_broadcast: queue a locked execute (playback unless ``app::args``)."""
    app_name, sep, app_arg = path.partition("::")
    if not sep:
        app_name, app_arg = "playback", path
    headers = [("call-command", "execute"), ("execute-app-name", app_name),
               ("execute-app-arg", app_arg), ("event-lock", "true"), ("lead-frames", "5")]
    pre = [*ch.node.std_items("COMMAND", "PRIVATE_COMMAND_BROADCAST"), *headers]
    queue_message(ch, Message("execute", app=app_name, arg=app_arg, event_lock=True,
                              headers=headers, broadcast=True, pre=pre))


@command("uuid_record")
async def uuid_record(node: NodeCore, args: str) -> str:
    usage = ("-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>] "
             "[<recording_vars>]\n")
    parts = args.split()
    if len(parts) < 3:
        return usage
    ch = _live(node, parts[0])
    if ch is None:
        return "-ERR Cannot locate session!\n"
    action, path = parts[1].lower(), parts[2]
    if action == "start":
        return "+OK Success\n" if start_recording(ch, path) else "-ERR Cannot record session!\n"
    if action == "stop":
        return "+OK Success\n" if stop_recording(ch, path) else \
            "-ERR Cannot stop record session!\n"
    if action in ("mask", "unmask", "pause", "resume"):
        return "+OK Success\n"
    return usage


@command("uuid_hold")
async def uuid_hold(node: NodeCore, args: str) -> str:
    parts = args.split()
    mode = ""
    if parts and parts[0] in ("off", "toggle"):
        mode, parts = parts[0], parts[1:]
    ch = _live(node, parts[0]) if parts else None
    if ch is None or not ch.up:
        return ("-USAGE: [off|toggle] <uuid> [<display>]\n" if not parts else "") + \
            "-ERR Operation failed\n"
    hold = not ch.held if mode == "toggle" else mode != "off"
    if hold != ch.held:
        ch.held = hold
        if hold:
            ch.set_callstate("HELD")
            ch.fire("CHANNEL_HOLD")
        else:
            ch.set_callstate("ACTIVE")
            ch.fire("CHANNEL_UNHOLD")
    return "+OK Success\n"


@command("uuid_send_dtmf")
async def uuid_send_dtmf(node: NodeCore, args: str) -> str:
    parts = args.split()
    if len(parts) < 2:
        return "-USAGE: <uuid> <dtmf_data>\n"
    ch = _live(node, parts[0])
    if ch is None:
        return "-ERR Cannot locate session!\n"
    digits = parts[1].split("@")[0]
    send_digits(ch, digits)
    return f"+OK {ch.uuid} sent DTMF {digits}.\n"


@command("uuid_dump")
async def uuid_dump(node: NodeCore, args: str) -> str:
    parts = args.split()
    ch = _live(node, parts[0]) if parts else None
    if ch is None:
        return "-ERR No such channel!\n"
    event = ch.snapshot()
    fmt = parts[1] if len(parts) > 1 else "txt"
    if fmt == "json":
        return event.serialize("json").decode("utf-8", "surrogateescape")
    if fmt == "xml":
        return event.serialize("xml").decode("utf-8", "surrogateescape")
    return event.serialize("plain").decode("utf-8", "surrogateescape")


@command("sched_hangup")
async def sched_hangup(node: NodeCore, args: str) -> str:
    parts = args.split()
    if len(parts) < 2:
        return "-USAGE: [+]<time> <uuid> [<cause>]\n"
    when, uuid = parts[0], parts[1]
    ch = _live(node, uuid)
    if ch is None:
        return "-ERR No such channel!\n"
    try:
        seconds = float(when.lstrip("+")) if when.startswith("+") else \
            float(when) - time.time()
    except ValueError:
        return "-USAGE: [+]<time> <uuid> [<cause>]\n"
    schedule_hangup(ch, seconds, normalize_cause(parts[2] if len(parts) > 2 else None,
                                                 "ALLOTTED_TIMEOUT"))
    return "+OK Success\n"


@command("hupall")
async def hupall(node: NodeCore, args: str) -> str:
    parts = args.split()
    cause = normalize_cause(parts[0] if parts else None, "NORMAL_CLEARING")
    var = parts[1] if len(parts) > 1 else None
    value = parts[2] if len(parts) > 2 else None
    for ch in list(node.channels.values()):
        if ch.up and (var is None or ch.variables.get(var) == value):
            ch.hangup(cause)
    if var is not None:
        return f"+OK hangup all channels matching [{var}]=[{value or ''}] with cause {cause}\n"
    return f"+OK hangup all channels with cause {cause}\n"


@command("uuid_audio")
async def uuid_audio(node: NodeCore, args: str) -> str:
    """Mute or adjust levels; the emulator has no audio, so it only remembers the request."""
    parts = args.split()
    ch = _live(node, parts[0]) if parts else None
    if ch is None:
        return "-ERR No such channel!\n"
    if len(parts) >= 5 and parts[1] == "start" and parts[3] == "mute":
        ch.set_var(f"audio_mute_{parts[2]}", parts[4])
    return "+OK\n"


# -- originate -----------------------------------------------------------------------------


@command("originate")
async def originate(node: NodeCore, args: str) -> str:
    """originate <url> <exten>|&app(args) [dialplan] [context] [cid_name] [cid_num] [timeout]."""
    usage = ("-USAGE: <call url> <exten>|&<application_name>(<app_args>) [<dialplan>] "
             "[<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]\n")
    argv = _split_args(args)
    if len(argv) < 2:
        return usage
    url, exten = argv[0], argv[1]

    def arg(i: int, default: str | None) -> str | None:
        value = argv[i] if len(argv) > i else None
        return default if value is None or value == "undef" else value

    dialplan = arg(2, "XML") or "XML"
    context = arg(3, "default") or "default"
    cid_name, cid_num = arg(4, None), arg(5, None)
    timeout = float(arg(6, "60") or 60)
    global_vars, _ = parse_dial_string(url)
    if "originate_timeout" in global_vars:
        timeout = float(global_vars["originate_timeout"] or timeout)
    result = await dial(node, url, caller_id_name=cid_name, caller_id_number=cid_num,
                        timeout=timeout)
    ch = result.channel
    if ch is None:
        return f"-ERR {result.cause}\n"
    if ch.endpoint == "loopback":
        endpoints.flip_caller_id(ch)
    if exten.startswith("&"):
        name, _, rest = exten[1:].partition("(")
        ch.pending_apps = [(name.strip(), rest.rsplit(")", 1)[0] if rest else "")]
    else:
        ch.transfer_to = (exten, dialplan, context)
    ch.wake()
    return f"+OK {ch.uuid}\n"


def _split_args(text: str) -> list[str]:
    """Split on spaces, honouring single quotes (switch_separate_string with quotes)."""
    out, cur, quote, depth = [], [], False, 0
    for c in text.strip():
        if c == "'" :
            quote = not quote
            continue
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth = max(0, depth - 1)
        if c == " " and not quote and depth == 0:
            if cur:
                out.append("".join(cur))
                cur = []
            continue
        cur.append(c)
    if cur:
        out.append("".join(cur))
    return out


# -- the core ----------------------------------------------------------------------------


@command("status")
async def status(node: NodeCore, args: str) -> str:
    up = max(0, int((time.time() - node.started_at) * 1_000_000))
    seconds, micro = divmod(up, 1_000_000)
    minutes, sec = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    days, hour = divmod(hours, 24)
    years, day = divmod(days, 365)
    live = node.session_count
    return (f"UP {years} years, {day} days, {hour} hours, {minute} minutes, {sec} seconds, "
            f"{micro // 1000} milliseconds, {micro % 1000} microseconds\n"
            f"FreeSWITCH (Version {node.config.version}  64bit) is ready\n"
            f"{node.sessions_since_startup} session(s) since startup\n"
            f"{live} session(s) - peak {node.peak_sessions}, last 5min {node.peak_sessions} \n"
            f"0 session(s) per Sec out of max 30, peak {min(node.peak_sessions, 30)}, "
            f"last 5min {min(node.peak_sessions, 30)} \n"
            f"{node.config.max_sessions} session(s) max\n"
            "min idle cpu 0.00/99.00\n"
            "Current Stack Size/Max 240K/8192K\n")


@command("version")
async def version(node: NodeCore, args: str) -> str:
    if args.strip() == "short":
        return f"{node.config.version.split('-')[0]}\n"
    return f"FreeSWITCH Version {node.config.version}~64bit ( 64bit)\n"


@command("hostname")
async def hostname(node: NodeCore, args: str) -> str:
    return node.hostname


@command("echo")
async def echo(node: NodeCore, args: str) -> str:
    return args


@command("global_getvar")
async def global_getvar(node: NodeCore, args: str) -> str:
    name = args.strip()
    if not name:
        return "".join(f"{k}={v}\n" for k, v in node.global_vars.items())
    return node.global_vars.get(name, "")


HASH_USAGE = "-ERR Usage: hash insert|insert_ifempty|select|delete|delete_ifmatch/realm/key[/value]\n"


@command("hash")
async def hash_(node: NodeCore, args: str) -> str:
    """mod_hash's ``hash`` api: one table per node, shared by all its connections.

    ``CMD/realm/key[/value]`` splits into at most four fields, so the value keeps any
    ``/`` or space; realm and key are joined as ``realm_key``, as mod_hash does."""
    parts = args.split("/", 3) if args else []
    if len(parts) < 3 or not parts[0]:
        return HASH_USAGE
    action, key = parts[0].lower(), f"{parts[1]}_{parts[2]}"
    value = parts[3] if len(parts) > 3 else None
    table = node.hash
    if action in ("insert", "insert_ifempty", "delete_ifmatch") and value is None:
        return HASH_USAGE
    if action == "insert":
        table[key] = value  # type: ignore[assignment]
        return "+OK\n"
    if action == "insert_ifempty":
        if key in table:
            return "-ERR key already exists\n"
        table[key] = value  # type: ignore[assignment]
        return "+OK\n"
    if action == "delete":
        return "+OK\n" if table.pop(key, None) is not None else "-ERR Not found\n"
    if action == "delete_ifmatch":
        if key not in table:
            return "-ERR Not found\n"
        if table[key] != value:
            return "-ERR Doesn't match\n"
        del table[key]
        return "+OK\n"
    if action == "select":
        return table.get(key, "")  # nothing written: the api says "-ERR no reply"
    return HASH_USAGE


@command("create_uuid")
async def create_uuid(node: NodeCore, args: str) -> str:
    return str(uuidlib.uuid4())


@command("uptime")
async def uptime(node: NodeCore, args: str) -> str:
    return f"{int(time.time() - node.started_at)}\n"


SHOW_COLUMNS = ("uuid", "direction", "created", "created_epoch", "name", "state", "cid_name",
                "cid_num", "ip_addr", "dest", "application", "application_data", "dialplan",
                "context", "read_codec", "read_rate", "read_bit_rate", "write_codec",
                "write_rate", "write_bit_rate", "secure", "hostname", "presence_id",
                "presence_data", "accountcode", "callstate", "callee_name", "callee_num",
                "callee_direction", "call_uuid", "sent_callee_name", "sent_callee_num",
                "initial_cid_name", "initial_cid_num", "initial_ip_addr", "initial_dest",
                "initial_dialplan", "initial_context")


@command("show")
async def show(node: NodeCore, args: str) -> str:
    words = args.split()
    if not words:
        return "-USAGE: codec|endpoint|application|api|dialplan|file|timer|calls [count]|" \
               "channels [count|like <match string>]|calls|detailed_calls|bridged_calls|" \
               "detailed_bridged_calls|aliases|complete|chat|management|modules|nat_map|" \
               "say|interfaces|interface_types|tasks|limits|status\n"
    what = words[0].lower()
    if what != "channels":
        return f"-ERR Cannot find table {what}!\n" if what not in ("calls", "registrations") \
            else "\n0 total.\n"
    rows = [ch.row() for ch in node.channels.values() if ch.running_state < CS_HANGUP]
    rest = [w.lower() for w in words[1:]]
    if rest[:1] == ["count"]:
        return f"\n{len(rows)} total.\n"
    if len(rest) >= 2 and rest[0] == "like":
        needle = words[2]
        rows = [r for r in rows if any(needle in str(r[k]) for k in
                                       ("uuid", "name", "cid_num", "dest", "presence_id"))]
        rest = rest[2:]
    if rest[-2:] == ["as", "json"]:
        if not rows:
            return '{"row_count": 0}\n'
        return json.dumps({"row_count": len(rows), "rows": rows}, ensure_ascii=False,
                          separators=(",", ":"))
    if not rows:
        return "\n0 total.\n"
    lines = [",".join(SHOW_COLUMNS)]
    lines += [",".join(str(r[c]) for c in SHOW_COLUMNS) for r in rows]
    return "\n".join(lines) + f"\n\n{len(rows)} total.\n"


@command("sofia")
async def sofia(node: NodeCore, args: str) -> str:
    if args.strip().split()[:1] != ["status"]:
        return "-ERR Usage: sofia status|xmlstatus|...\n"
    def row(name: str, kind: str, data: str, state: str) -> str:
        return f"{name:>25}\t{kind}\t  {data:>40}\t{state}"

    lines = [row("Name", "   Type", "Data", "State"), "=" * 97]
    for name, port in node.config.sofia_profiles.items():
        inuse = sum(1 for ch in node.channels.values()
                    if ch.endpoint == "sofia" and ch.variables.get("sofia_profile_name") == name)
        lines.append(row(name, "profile", f"sip:mod_sofia@{node.ipv4}:{port}",
                         f"RUNNING ({inuse})"))
    for gateway in sorted(node.config.gateways or ()):
        lines.append(row(f"external::{gateway}", "gateway", f"sip:{gateway}", "NOREG"))
    lines.append("=" * 97)
    lines.append(f"{len(node.config.sofia_profiles)} profile(s) 0 alias(es)")
    return "\n".join(lines) + "\n"
