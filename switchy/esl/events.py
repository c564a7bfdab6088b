"""FreeSWITCH events: lazy decoding for the client, exact serialization for the emulator.

An event is an ordered list of headers (names may repeat: CHANNEL_HANGUP_COMPLETE
carries ``Hangup-Cause`` twice) and an optional body. A busy node sends tens of
thousands of events a second, of which an application reads a few headers, so a plain
event keeps its raw bytes: single headers are found in them (``Event.get``), and the
bytes are split into headers only when all of them are asked for (iteration,
``header_items``, ``body``) or when a line only the split can name is in the way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from xml.etree import ElementTree
from xml.sax.saxutils import escape as xml_escape

from .codec import url_decode, url_encode
from .errors import ProtocolError
from .frames import content_length


class _Pairs(list):
    """A JSON object as its (name, value) pairs, told apart from a JSON array."""


class Event(Mapping[str, str]):
    """One event. ``event['Header']`` gives the first value of a header (KeyError if absent)."""

    __slots__ = ("_body", "_clean", "_encoded", "_end", "_headers", "_items", "_name", "_raw")

    def __init__(self, headers: Iterable[tuple[str, str]] = (), body: str | None = None) -> None:
        self._raw: bytes | None = None
        self._end = -1  # where the raw header block ends ("\n\n"), -1 until found
        self._clean = 0  # raw[:_clean] is known to hold no "\n\n"
        self._name: str | None = None
        self._items: list[tuple[str, str]] = []
        self._headers: dict[str, str] = {}
        self._body = body
        self._encoded = False  # True when values are still URL-encoded (plain events)
        for name, value in headers:
            self._add(name, value)

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_plain(cls, data: bytes) -> Event:
        """Wrap the body of a ``text/event-plain`` frame; headers are split on first use.

        The one header that decides how the rest is read, an inner ``Content-Length``,
        is checked now: a bad one is the sender's protocol error, not a surprise for
        whoever reads the event later.
        """
        event = cls.__new__(cls)
        event._raw = data
        event._end = -1
        event._clean = 0
        event._name = None
        event._items = []
        event._headers = {}
        event._body = None
        event._encoded = True
        at = data.find(b"Content-Length:")
        while at >= 0 and event._before_end(data, at):
            if at == 0 or data[at - 1] == 10:
                stop = data.find(b"\n", at)
                value = data[at + 15 : stop if stop >= 0 else len(data)].decode("utf-8", "replace")
                if content_length(value) is None:
                    raise ProtocolError(f"invalid Content-Length {value.strip()[:40]!r} in an event")
                break
            at = data.find(b"Content-Length:", at + 1)
        return event

    @classmethod
    def from_json(cls, data: bytes | str) -> Event:
        """Decode a ``text/event-json`` body; duplicate keys are kept, arrays become ``ARRAY::``."""
        try:
            pairs = json.loads(data, object_pairs_hook=_Pairs)
        except (ValueError, RecursionError) as exc:
            raise ProtocolError(f"malformed JSON event: {exc}") from None
        if not isinstance(pairs, _Pairs):
            raise ProtocolError(f"JSON event is not an object but {type(pairs).__name__}")
        event = cls()
        for name, value in pairs:
            if name == "_body":
                event.body = value if isinstance(value, str) else _json_text(value)
                continue
            if isinstance(value, list) and not isinstance(value, _Pairs):
                value = "ARRAY::" + "|:".join(v if isinstance(v, str) else _json_text(v) for v in value)
            event._add(name, value if isinstance(value, str) else _json_text(value))
        return event

    @classmethod
    def from_xml(cls, data: bytes | str) -> Event:
        """Decode a ``text/event-xml`` body (values are URL-encoded inside the XML)."""
        try:
            root = ElementTree.fromstring(data)
        except ElementTree.ParseError as exc:
            raise ProtocolError(f"malformed XML event: {exc}") from None
        event = cls()
        headers = root.find("headers")
        for element in headers if headers is not None else ():
            event._add(element.tag, url_decode(element.text or ""))
        body = root.find("body")
        if body is not None:
            event.body = body.text or ""
        return event

    # -- lazy decoding ------------------------------------------------------------------

    def _add(self, name: str, value: str) -> None:
        self._name = None
        self._items.append((name, value))
        self._headers.setdefault(name, value)

    def _decode(self) -> None:
        """Split the raw bytes into headers (and the body).

        The results are put in place before ``_raw`` is dropped: a route running in a
        worker thread may read the event while the loop thread decodes it, and must see
        either the raw bytes or every header, never a half-filled dict.
        """
        raw = self._raw
        if raw is None:
            return
        end = self._end if self._end >= 0 else _header_end(raw)
        items: list[tuple[str, str]] = []
        headers: dict[str, str] = {}
        length = None
        for line in raw[:end].decode("utf-8", "surrogateescape").split("\n"):
            name, sep, value = line.partition(": ")
            if not sep:
                name, sep, value = line.partition(":")
                if not sep:
                    continue
            items.append((name, value))  # values stay encoded until read
            if name not in headers:
                headers[name] = value
            elif name == "Content-Length":
                length = value
        if "Content-Length" in headers and length is None:
            length = headers["Content-Length"]
        size = None if length is None else content_length(length)
        if size is not None:
            start = end + 2
            self._body = raw[start : start + size].decode("utf-8", "surrogateescape")
        self._items = items
        self._headers = headers
        self._raw = None

    def _before_end(self, raw: bytes, at: int) -> bool:
        """Whether offset ``at`` of ``raw`` (the event's raw bytes, passed in as another
        thread may drop ``_raw`` meanwhile) lies in the header block (before the first
        blank line), scanning for that line only as far as ``at`` (headers read near the
        top of a 2 KB event need not pay for finding its end)."""
        end = self._end
        if end >= 0:
            return at < end
        limit = at + 2  # a blank line starting at ``at`` itself ends the block there
        clean = self._clean
        if limit <= clean:
            return True
        found = raw.find(b"\n\n", clean - 1 if clean else 0, limit)
        if found >= 0:
            self._end = found
            return at < found
        self._clean = limit
        return True

    # -- reading ------------------------------------------------------------------------

    @property
    def body(self) -> str | None:
        """The event body (BACKGROUND_JOB output, for example), or None."""
        if self._raw is not None:
            self._decode()
        return self._body

    @body.setter
    def body(self, value: str | None) -> None:
        if self._raw is not None:
            self._decode()
        self._body = value

    @property
    def name(self) -> str:
        """``Event-Name`` (``CUSTOM`` for custom events; see ``subclass``).

        FreeSWITCH re-fires a sendmsg ``COMMAND`` event as ``PRIVATE_COMMAND`` by adding
        a second header block, so the last ``Event-Name`` is the event's real type.
        """
        name = self._name
        if name is None:
            name = self._name = self._read_name()  # the client's dispatch asks several times
        return name

    def _read_name(self) -> str:
        raw = self._raw
        if raw is None:
            names = self.get_all("Event-Name")
            return names[-1] if names else ""
        if raw.startswith(b"Event-Name: "):  # FreeSWITCH always writes it first
            stop = raw.find(b"\n", 12)
            name = raw[12:stop].decode("ascii", "replace") if stop > 0 else ""
            if name != "COMMAND":
                return name
        end = self._end if self._end >= 0 else _header_end(raw)
        i = raw.rfind(b"\nEvent-Name: ", 0, end)
        if i < 0:
            return self.peek("Event-Name") or ""
        stop = raw.find(b"\n", i + 13, end)
        return raw[i + 13 : stop if stop >= 0 else end].decode("utf-8", "surrogateescape")

    @property
    def subclass(self) -> str | None:
        return self.peek("Event-Subclass")

    @property
    def uuid(self) -> str | None:
        """``Unique-ID``: the channel this event is about, if any."""
        return self.peek("Unique-ID")

    def peek(self, name: str) -> str | None:
        """First value of ``name`` or None (``get`` without a default)."""
        return self.get(name)  # type: ignore[return-value]

    def __getitem__(self, name: str) -> str:
        value = self.get(name, _ABSENT)
        if value is _ABSENT:
            raise KeyError(name)
        return value  # type: ignore[return-value]

    def __contains__(self, name: object) -> bool:
        return self.get(name, _ABSENT) is not _ABSENT  # type: ignore[arg-type]

    def get(self, name: str, default: object = None) -> object:  # type: ignore[override]
        """First value of ``name``, or ``default``.

        Every single-header read comes here. While the event is raw, an application
        reading a few headers of each event would pay far more for splitting all ~85
        lines than for the reads, so the value is found in the raw bytes whenever that
        gives exactly what the split (``_decode``) would: only a line starting ``Name:``
        can be named ``Name`` by the split, so the first such line of the header block
        decides. ``Name: value`` is the answer and no such line means absent; a line
        ``Name:x`` (named ``Name`` or ``Name:x`` by the split, depending on the rest of
        the line) and a name the search cannot express are left to the split.
        """
        raw = self._raw
        if raw is None:
            value = self._headers.get(name)
        else:
            keys = _RAW_KEYS.get(name) or _raw_keys(name)
            value = None
            if keys:
                key, line_key, skip = keys
                if raw.startswith(key):
                    start = skip - 1
                else:
                    at = raw.find(line_key)
                    if at < 0 or not (at < self._end or at + 2 <= self._clean or self._before_end(raw, at)):
                        return default  # in neither the headers nor the body, or only in the body
                    start = at + skip
                if start < len(raw) and raw[start] == 32:
                    # The line ends at the next newline, at or before the block's end.
                    stop = raw.find(b"\n", start)
                    value = raw[start + 1 : stop if stop >= 0 else len(raw)].decode("utf-8", "surrogateescape")
                else:
                    keys = None
            if not keys:
                self._decode()
                value = self._headers.get(name)
        if value is None:
            return default
        return url_decode(value) if "%" in value and self._encoded else value

    def __iter__(self) -> Iterator[str]:
        if self._raw is not None:
            self._decode()
        return iter(self._headers)

    def __len__(self) -> int:
        if self._raw is not None:
            self._decode()
        return len(self._headers)

    def as_dict(self) -> dict[str, str]:
        """Every header decoded, first value of each name (faster than ``dict(event)``)."""
        if self._raw is not None:
            self._decode()
        if not self._encoded:
            return dict(self._headers)
        return {k: url_decode(v) if "%" in v else v for k, v in self._headers.items()}

    def get_all(self, name: str) -> list[str]:
        """Every value of ``name`` in order (FreeSWITCH repeats some headers)."""
        if self._raw is not None:
            self._decode()
        decode = self._encoded
        return [url_decode(v) if decode and "%" in v else v for k, v in self._items if k == name]

    def header_items(self) -> list[tuple[str, str]]:
        """All headers in wire order, duplicates included."""
        if self._raw is not None:
            self._decode()
        if not self._encoded:
            return list(self._items)
        return [(k, url_decode(v) if "%" in v else v) for k, v in self._items]

    def __repr__(self) -> str:
        return f"<Event {self.name} uuid={self.uuid}>"

    # -- writing (the emulator, outbound mode) ------------------------------------------

    def to_plain(self) -> bytes:
        """Serialize like ``switch_event_serialize`` with URL-encoding."""
        lines = [f"{name}: {url_encode(value)}\n" for name, value in self.header_items()
                 if name != "Content-Length"]
        if self.body is not None:
            body = self.body.encode("utf-8", "surrogateescape")
            lines.append(f"Content-Length: {len(body)}\n\n")
            return "".join(lines).encode("ascii") + body
        lines.append("\n")
        return "".join(lines).encode("ascii")

    def to_json(self) -> bytes:
        """Serialize like ``cJSON_PrintUnformatted`` of FreeSWITCH's event JSON."""
        parts = []
        for name, value in self.header_items():
            if name == "Content-Length":
                continue
            if value.startswith("ARRAY::"):
                encoded = json.dumps(value[7:].split("|:"), ensure_ascii=False, separators=(",", ":"))
            else:
                encoded = json.dumps(value, ensure_ascii=False)
            parts.append(f"{json.dumps(name, ensure_ascii=False)}:{encoded}")
        if self.body is not None:
            length = len(self.body.encode("utf-8", "surrogateescape"))
            parts.append(f'"Content-Length":"{length}"')
            parts.append(f'"_body":{json.dumps(self.body, ensure_ascii=False)}')
        return ("{" + ",".join(parts) + "}").encode("utf-8", "surrogateescape")

    def to_xml(self) -> bytes:
        """Serialize like ``switch_event_xmlize``: URL-encoded values, then XML-escaped."""
        lines = ["<event>", "  <headers>"]
        for name, value in self.header_items():
            if name == "Content-Length":
                continue
            lines.append(f"    <{name}>{xml_escape(url_encode(value))}</{name}>")
        lines.append("  </headers>")
        if self.body is not None:
            length = len(self.body.encode("utf-8", "surrogateescape"))
            lines.append(f"  <Content-Length>{length}</Content-Length>")
            lines.append(f"  <body>{xml_escape(self.body)}</body>")
        lines.append("</event>\n")
        return "\n".join(lines).encode("utf-8", "surrogateescape")


def _json_text(value: object) -> str:
    """A JSON value that is not a string, as FreeSWITCH's own JSON text for it."""
    if isinstance(value, _Pairs):
        value = dict(value)
    try:
        return json.dumps(value)
    except (ValueError, TypeError, RecursionError):
        return str(value)


def _header_end(raw: bytes) -> int:
    end = raw.find(b"\n\n")
    return len(raw) if end < 0 else end


_ABSENT = object()
_RAW_KEYS: dict[str, tuple[bytes, bytes, int] | None] = {}


def _raw_keys(name: str) -> tuple[bytes, bytes, int] | None:
    """``(b"Name:", b"\\nName:", len(b"\\nName:"))`` to find ``name`` in raw bytes.

    None for a name the split never gives a line starting with (empty, a colon or a line
    break in it) or that is not ASCII (left to the split rather than guessing its bytes).
    """
    keys = None
    if isinstance(name, str) and name and name.isascii() and ":" not in name and "\n" not in name:
        key = name.encode("ascii") + b":"
        keys = (key, b"\n" + key, len(key) + 1)
    if len(_RAW_KEYS) < 4096:  # header names come from code, but bound it anyway
        _RAW_KEYS[name] = keys
    return keys


def event_from_frame(content_type: str, body: bytes) -> Event:
    """Build the Event carried by a ``text/event-*`` frame body."""
    if content_type == "text/event-plain":
        return Event.from_plain(body)
    if content_type == "text/event-json":
        return Event.from_json(body)
    if content_type == "text/event-xml":
        return Event.from_xml(body)
    raise ProtocolError(f"not an event frame: {content_type!r}")


def event_frame(event: Event | Mapping[str, str], fmt: str = "plain") -> bytes:
    """The whole frame FreeSWITCH writes for an event: ``Content-Length`` first."""
    if not isinstance(event, Event):
        event = Event(event.items())
    body = {"plain": event.to_plain, "json": event.to_json, "xml": event.to_xml}[fmt]()
    return f"Content-Length: {len(body)}\nContent-Type: text/event-{fmt}\n\n".encode("ascii") + body
