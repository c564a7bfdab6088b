"""FreeSWITCH events: lazy decoding for the client, exact serialization for the emulator.

An event is an ordered list of headers (names may repeat: CHANNEL_HANGUP_COMPLETE
carries ``Hangup-Cause`` twice) and an optional body. A busy node sends tens of
thousands of events a second, most of which the application only routes by name and
uuid, so a plain event keeps its raw bytes and splits them into headers only when a
header other than those is first read.
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

    __slots__ = ("_body", "_encoded", "_headers", "_items", "_raw")

    def __init__(self, headers: Iterable[tuple[str, str]] = (), body: str | None = None) -> None:
        self._raw: bytes | None = None
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
        end = _header_end(data)
        at = data.find(b"Content-Length:", 0, end)
        while at >= 0:
            if at == 0 or data[at - 1] == 10:
                stop = data.find(b"\n", at, end)
                value = data[at + 15 : end if stop < 0 else stop].decode("utf-8", "replace")
                if content_length(value) is None:
                    raise ProtocolError(f"invalid Content-Length {value.strip()[:40]!r} in an event")
                break
            at = data.find(b"Content-Length:", at + 1, end)
        event = cls.__new__(cls)
        event._raw = data
        event._items = []
        event._headers = {}
        event._body = None
        event._encoded = True
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
        self._items.append((name, value))
        self._headers.setdefault(name, value)

    def _decode(self) -> None:
        raw = self._raw
        if raw is None:
            return
        self._raw = None
        end = _header_end(raw)
        items = self._items
        headers = self._headers
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

    def _peek(self, raw: bytes, name: bytes) -> str | None:
        """Read one header from the raw bytes without decoding the whole event."""
        end = _header_end(raw)
        if raw.startswith(name + b": "):
            start = len(name) + 2
        else:
            i = raw.find(b"\n" + name + b": ", 0, end)
            if i < 0:
                return None
            start = i + len(name) + 3
        stop = raw.find(b"\n", start, end)
        if stop < 0:
            stop = end
        value = raw[start:stop].decode("utf-8", "surrogateescape")
        return url_decode(value) if "%" in value else value

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
        raw = self._raw
        if raw is None:
            names = self.get_all("Event-Name")
            return names[-1] if names else ""
        if raw.startswith(b"Event-Name: "):  # FreeSWITCH always writes it first
            stop = raw.find(b"\n", 12)
            name = raw[12:stop].decode("ascii", "replace") if stop > 0 else ""
            if name != "COMMAND":
                return name
        end = _header_end(raw)
        i = raw.rfind(b"\nEvent-Name: ", 0, end)
        if i < 0:
            return self._peek(raw, b"Event-Name") or ""
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
        """First value of ``name`` or None, decoding only that header while still raw."""
        raw = self._raw
        if raw is not None:
            return self._peek(raw, name.encode("ascii"))
        value = self._headers.get(name)
        return url_decode(value) if value is not None and self._encoded and "%" in value else value

    def __getitem__(self, name: str) -> str:
        if self._raw is not None:
            self._decode()
        value = self._headers[name]
        return url_decode(value) if "%" in value and self._encoded else value

    def get(self, name: str, default: object = None) -> object:  # type: ignore[override]
        if self._raw is not None:
            self._decode()
        value = self._headers.get(name)
        if value is None:
            return default
        return url_decode(value) if "%" in value and self._encoded else value

    def __contains__(self, name: object) -> bool:
        if self._raw is not None:
            self._decode()
        return name in self._headers

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
