"""Emulated events: FreeSWITCH's standard header block and exact, cached serialization.

An event is a list of header *blocks*. The blocks a channel contributes (caller
profile, channel variables) are cached by the channel and reused by every event fired
until they change, each block encoding itself once per format. A node firing tens of
thousands of events a second therefore URL-encodes a variable once, not once per event
per listener. Events are only built when some listener wants them (see ``node.fire``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from switchy.esl.codec import url_encode
from switchy.esl.events import Event


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# switch_event.c's EVENT_NAMES: what ``event``/``nixevent`` accept (ALL included).
EVENT_NAMES: frozenset[str] = _words("""
CUSTOM CLONE CHANNEL_CREATE CHANNEL_DESTROY CHANNEL_STATE CHANNEL_CALLSTATE CHANNEL_ANSWER
CHANNEL_HANGUP CHANNEL_HANGUP_COMPLETE CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_HOLD
CHANNEL_UNHOLD CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA
CHANNEL_OUTGOING CHANNEL_PARK CHANNEL_UNPARK CHANNEL_APPLICATION CHANNEL_ORIGINATE CHANNEL_UUID
API LOG INBOUND_CHAN OUTBOUND_CHAN STARTUP SHUTDOWN PUBLISH UNPUBLISH TALK NOTALK SESSION_CRASH
MODULE_LOAD MODULE_UNLOAD DTMF MESSAGE PRESENCE_IN NOTIFY_IN PRESENCE_OUT PRESENCE_PROBE
MESSAGE_WAITING MESSAGE_QUERY ROSTER CODEC BACKGROUND_JOB DETECTED_SPEECH DETECTED_TONE
PRIVATE_COMMAND HEARTBEAT TRAP ADD_SCHEDULE DEL_SCHEDULE EXE_SCHEDULE RE_SCHEDULE RELOADXML
NOTIFY PHONE_FEATURE PHONE_FEATURE_SUBSCRIBE SEND_MESSAGE RECV_MESSAGE REQUEST_PARAMS
CHANNEL_DATA GENERAL COMMAND SESSION_HEARTBEAT CLIENT_DISCONNECTED SERVER_DISCONNECTED
SEND_INFO RECV_INFO RECV_RTCP_MESSAGE SEND_RTCP_MESSAGE CALL_SECURE NAT RECORD_START
RECORD_STOP PLAYBACK_START PLAYBACK_STOP CALL_UPDATE FAILURE SOCKET_DATA MEDIA_BUG_START
MEDIA_BUG_STOP CONFERENCE_DATA_QUERY CONFERENCE_DATA CALL_SETUP_REQ CALL_SETUP_RESULT
CALL_DETAIL DEVICE_STATE TEXT SHUTDOWN_REQUESTED ALL
""")

# Events whose channel data includes every channel variable (switch_channel_event_set_data).
EXTENDED_EVENTS: frozenset[str] = _words("""
CHANNEL_CREATE CHANNEL_ORIGINATE CHANNEL_UUID CHANNEL_ANSWER CHANNEL_PARK CHANNEL_UNPARK
CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_HANGUP
CHANNEL_HANGUP_COMPLETE CHANNEL_DATA CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_DESTROY
CHANNEL_HOLD CHANNEL_UNHOLD REQUEST_PARAMS SESSION_HEARTBEAT API RECORD_START RECORD_STOP
PLAYBACK_START PLAYBACK_STOP CALL_UPDATE MEDIA_BUG_START MEDIA_BUG_STOP TEXT CUSTOM
""")

# Where FreeSWITCH fires each event from (Event-Calling-File/-Function/-Line-Number),
# as seen in captures of FreeSWITCH 1.11.
SOURCES: dict[str, tuple[str, str, str]] = {
    "API": ("switch_loadable_module.c", "switch_api_execute", "3140"),
    "BACKGROUND_JOB": ("mod_event_socket.c", "api_exec", "1580"),
    "CALL_UPDATE": ("switch_channel.c", "switch_channel_flip_cid", "3279"),
    "CALL_UPDATE_SOFIA": ("mod_sofia.c", "sofia_receive_message", "2133"),
    "CHANNEL_ANSWER": ("switch_channel.c", "switch_channel_perform_mark_answered", "3848"),
    "CHANNEL_BRIDGE": ("switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", "1689"),
    "CHANNEL_CALLSTATE": ("switch_channel.c", "switch_channel_perform_set_callstate", "302"),
    "CHANNEL_CREATE": ("switch_core_state_machine.c", "switch_core_session_run", "626"),
    "CHANNEL_DATA": ("mod_commands.c", "uuid_dump_function", "6495"),
    "CHANNEL_DESTROY": ("switch_core_session.c", "switch_core_session_perform_destroy", "1588"),
    "CHANNEL_EXECUTE": ("switch_core_session.c", "switch_core_session_exec", "2949"),
    "CHANNEL_EXECUTE_UUID_BRIDGE": ("switch_ivr_bridge.c", "uuid_bridge_on_soft_execute", "1236"),
    "CHANNEL_EXECUTE_COMPLETE": ("switch_core_session.c", "switch_core_session_exec", "2972"),
    "CHANNEL_HANGUP": ("switch_channel.c", "switch_channel_perform_hangup", "3447"),
    "CHANNEL_HANGUP_COMPLETE": ("switch_core_state_machine.c",
                                "switch_core_session_reporting_state", "943"),
    "CHANNEL_HOLD": ("switch_channel.c", "switch_channel_perform_mark_hold", "4224"),
    "CHANNEL_UNHOLD": ("switch_channel.c", "switch_channel_perform_mark_hold", "4230"),
    "CHANNEL_ORIGINATE": ("switch_core_state_machine.c", "switch_core_session_run", "632"),
    "CHANNEL_OUTGOING": ("switch_core_session.c", "switch_core_session_outgoing_channel", "768"),
    "CHANNEL_PARK": ("switch_ivr.c", "switch_ivr_park", "1002"),
    "CHANNEL_PROGRESS": ("switch_channel.c", "switch_channel_perform_mark_ring_ready_value",
                         "3437"),
    "CHANNEL_PROGRESS_MEDIA": ("switch_channel.c", "switch_channel_perform_mark_pre_answered",
                               "3562"),
    "CHANNEL_STATE": ("switch_channel.c", "switch_channel_perform_set_running_state", "2409"),
    "CHANNEL_UNBRIDGE": ("switch_ivr_bridge.c", "switch_ivr_multi_threaded_bridge", "1879"),
    "CHANNEL_UNPARK": ("switch_ivr.c", "switch_ivr_park", "1213"),
    "CHANNEL_UUID": ("switch_core_session.c", "switch_core_session_set_uuid", "2056"),
    "CODEC_READ": ("switch_core_codec.c", "switch_core_session_set_real_read_codec", "189"),
    "CODEC_READ_INIT": ("switch_core_codec.c", "switch_core_session_set_read_codec", "300"),
    "CODEC_WRITE": ("switch_core_codec.c", "switch_core_session_set_write_codec", "471"),
    "DTMF": ("switch_channel.c", "switch_channel_dequeue_dtmf", "678"),
    "HEARTBEAT": ("switch_core.c", "send_heartbeat", "95"),
    "PLAYBACK_START": ("switch_ivr_play_say.c", "switch_ivr_play_file", "1649"),
    "PLAYBACK_STOP": ("switch_ivr_play_say.c", "switch_ivr_play_file", "2023"),
    "PRIVATE_COMMAND": ("switch_ivr.c", "switch_ivr_parse_next_event", "804"),
    "PRIVATE_COMMAND_BROADCAST": ("switch_ivr_async.c", "switch_ivr_broadcast", "5732"),
    "RE_SCHEDULE": ("switch_scheduler.c", "switch_scheduler_execute", "73"),
    "RECORD_START": ("switch_ivr_async.c", "record_callback", "1409"),
    "RECORD_STOP": ("switch_ivr_async.c", "record_callback", "1591"),
    "CUSTOM": ("mod_event_socket.c", "parse_command", "2069"),
    "SOCKET_CONNECT": ("mod_event_socket.c", "parse_command", "2029"),
}


class LineCache:
    """Encoded ``Name: value`` lines (plain) and ``"name":"value"`` pairs (JSON), by pair.

    A channel keeps one: most of its headers keep their values from one event to the
    next, so each distinct pair is encoded once for the life of the call.
    """

    __slots__ = ("_json", "_limit", "_plain")

    def __init__(self, limit: int = 4096) -> None:
        self._plain: dict[tuple[str, str], str] = {}
        self._json: dict[tuple[str, str], str] = {}
        self._limit = limit

    def plain(self, items: list[tuple[str, str]]) -> str:
        cache = self._plain
        if len(cache) > self._limit:
            cache.clear()
        out = []
        for item in items:
            line = cache.get(item)
            if line is None:
                line = cache[item] = f"{item[0]}: {url_encode(item[1])}\n"
            out.append(line)
        return "".join(out)

    def json(self, items: list[tuple[str, str]]) -> str:
        cache = self._json
        if len(cache) > self._limit:
            cache.clear()
        out = []
        for item in items:
            pair = cache.get(item)
            if pair is None:
                pair = cache[item] = _json_pair(*item)
            out.append(pair)
        return ",".join(out)


_NO_CACHE = LineCache(limit=0)


def _json_pair(name: str, value: str) -> str:
    if value.startswith("ARRAY::"):
        encoded = json.dumps(value[7:].split("|:"), ensure_ascii=False, separators=(",", ":"))
    else:
        encoded = json.dumps(value, ensure_ascii=False)
    return f"{json.dumps(name, ensure_ascii=False)}:{encoded}"


class Block:
    """A run of headers that encodes itself once per format and is then reused."""

    __slots__ = ("_cache", "_json", "_plain", "items")

    def __init__(self, items: list[tuple[str, str]], cache: LineCache | None = None,
                 plain: str | None = None) -> None:
        self.items = items
        self._cache = cache or _NO_CACHE
        self._plain = plain
        self._json: str | None = None

    def plain(self) -> str:
        text = self._plain
        if text is None:
            text = self._plain = self._cache.plain(self.items)
        return text

    def json(self) -> str:
        text = self._json
        if text is None:
            text = self._json = self._cache.json(self.items)
        return text

    def pairs(self) -> list[tuple[str, str]]:
        return self.items


class EmuEvent:
    """One fired event: its blocks, body, and its frames, each serialized at most once."""

    __slots__ = ("_frames", "_lookup", "body", "job_owner", "name", "parts", "subclass", "uuid")

    def __init__(self, name: str, parts: list[Block], body: str | None = None, *,
                 uuid: str | None = None, subclass: str | None = None,
                 job_owner: str | None = None) -> None:
        self.name = name
        self.parts = parts
        self.body = body
        self.uuid = uuid
        self.subclass = subclass
        self.job_owner = job_owner
        self._frames: dict[str, bytes] = {}
        self._lookup: dict[str, str] | None = None

    def items(self) -> list[tuple[str, str]]:
        return [item for part in self.parts for item in part.pairs()]

    def header(self, name: str) -> str | None:
        """First value of a header, names compared without case (as filters do)."""
        lookup = self._lookup
        if lookup is None:
            lookup = self._lookup = {}
            for part in self.parts:
                for n, v in part.pairs():
                    lookup.setdefault(n.lower(), v)
        return lookup.get(name.lower())

    def to_event(self) -> Event:
        return Event(self.items(), self.body)

    def serialize(self, fmt: str) -> bytes:
        """The event text (plain, json or xml) without the outer frame."""
        if fmt == "plain":
            text = "".join([part.plain() for part in self.parts])
            if self.body is not None:
                body = self.body.encode("utf-8", "surrogateescape")
                return (text + f"Content-Length: {len(body)}\n\n").encode("ascii") + body
            return (text + "\n").encode("ascii")
        if fmt == "json":
            pieces = [text for text in (part.json() for part in self.parts) if text]
            if self.body is not None:
                length = len(self.body.encode("utf-8", "surrogateescape"))
                pieces.append(f'"Content-Length":"{length}"')
                pieces.append(f'"_body":{json.dumps(self.body, ensure_ascii=False)}')
            return ("{" + ",".join(pieces) + "}").encode("utf-8", "surrogateescape")
        return self.to_event().to_xml()

    def frame(self, fmt: str) -> bytes:
        """The whole ``text/event-<fmt>`` frame, Content-Length first, as MES writes it."""
        data = self._frames.get(fmt)
        if data is None:
            body = self.serialize(fmt)
            data = self._frames[fmt] = (
                f"Content-Length: {len(body)}\nContent-Type: text/event-{fmt}\n\n".encode("ascii")
                + body)
        return data


class Clock:
    """Event-Date-* values; the formatted (and encoded) second is made once per second."""

    __slots__ = ("_gmt", "_lines", "_local", "_second")

    def __init__(self) -> None:
        self._second = -1
        self._local = ""
        self._gmt = ""
        self._lines = ""

    def stamp(self, now: float | None = None) -> tuple[str, str, str]:
        now = time.time() if now is None else now
        second = int(now)
        if second != self._second:
            self._second = second
            self._local = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
            self._gmt = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(second))
            self._lines = (f"Event-Date-Local: {url_encode(self._local)}\n"
                           f"Event-Date-GMT: {url_encode(self._gmt)}\n")
        return self._local, self._gmt, str(int(now * 1_000_000))

    @property
    def lines(self) -> str:
        """The encoded Event-Date-Local and -GMT lines of the last ``stamp``."""
        return self._lines


def micros(now: float | None = None) -> int:
    return int((time.time() if now is None else now) * 1_000_000)


def local_stamp(us: int) -> str:
    """``YYYY-MM-DD HH:MM:SS`` in server-local time, as the *_stamp CDR variables."""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(us // 1_000_000))


def block(items: Iterable[tuple[str, str]]) -> Block:
    """A block from (name, value) pairs, dropping empty values (FreeSWITCH never sends them)."""
    return Block([(n, v) for n, v in items if v is not None and v != ""])
