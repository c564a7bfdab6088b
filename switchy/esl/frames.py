"""Splitting an ESL byte stream into frames.

A frame is a block of ``Name: value`` lines ended by an empty line, followed by exactly
``Content-Length`` bytes of body when that header is present. The parser works on bytes
(Content-Length counts bytes) and is incremental: reads may end anywhere, even inside a
multi-byte UTF-8 character, and one read may hold many frames.
"""

from __future__ import annotations

import re

from .codec import url_decode
from .errors import ProtocolError

MAX_BODY = 16 * 1024 * 1024  # FreeSWITCH itself refuses bodies over 16 MiB
MAX_HEADER_BLOCK = 10 * 1024 * 1024  # MES force-parses a header block at 10 MiB
_MAX_LENGTH_DIGITS = 20  # far more digits than any length a frame may have


def content_length(text: str) -> int | None:
    """The value of a ``Content-Length`` header, or None when it is not a plain number.

    ``str.isdigit`` alone accepts ``²`` and other Unicode digits that ``int`` refuses, and a
    few thousand digits exceed Python's int-conversion limit: only ASCII digits, and few.
    """
    text = text.strip()
    if not text or len(text) > _MAX_LENGTH_DIGITS or not text.isascii() or not text.isdigit():
        return None
    return int(text)


class Frame:
    """One ESL frame: its outer headers (decoded) and its raw body bytes."""

    __slots__ = ("body", "headers", "raw_headers")

    def __init__(self, raw_headers: bytes, headers: dict[str, str], body: bytes = b"") -> None:
        self.raw_headers = raw_headers
        self.headers = headers
        self.body = body

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def reply_text(self) -> str:
        return self.headers.get("Reply-Text", "")

    @property
    def text(self) -> str:
        """The body as text; bytes that are not UTF-8 survive as surrogate escapes."""
        return self.body.decode("utf-8", "surrogateescape")

    def __repr__(self) -> str:
        return f"<Frame {self.content_type or '?'} headers={len(self.headers)} body={len(self.body)}B>"


def parse_header_block(block: bytes, *, url_decoded: bool = True) -> dict[str, str]:
    """Decode ``Name: value`` lines; like the C client, values are URL-decoded (unless
    ``url_decoded`` is False: FreeSWITCH takes the header values of commands as sent).

    The first occurrence of a name wins. Lines without a colon are ignored and a
    trailing CR is dropped, as FreeSWITCH does for commands it reads.
    """
    headers: dict[str, str] = {}
    text = block.decode("utf-8", "surrogateescape")
    plain = ("%" not in text or not url_decoded) and "\r" not in text
    for line in text.split("\n"):
        name, sep, value = line.partition(": ")
        if not sep:
            name, sep, value = line.partition(":")
            if not sep:
                continue
            value = value.lstrip(" ")
        if not plain:
            if value.endswith("\r"):
                value = value[:-1]
            if url_decoded:
                value = url_decode(value)
        if name not in headers:
            headers[name] = value
    return headers


class FrameParser:
    """Incremental frame splitter: ``feed(bytes)`` returns the frames completed so far.

    ``crlf=True`` reads as FreeSWITCH reads commands from a client: it accepts
    ``\\r\\n`` line ends, skips leading empty lines and takes header values as sent
    (never URL-decoded); frames FreeSWITCH writes use ``\\n`` only.

    Incomplete input is kept as a list of chunks and joined only once it can complete
    a frame, so a large body arriving in many reads is copied once, not once per read.
    """

    __slots__ = ("_chunks", "_crlf", "_have", "_max_body", "_need", "_pending", "garbage")

    def __init__(self, *, crlf: bool = False, max_body: int = MAX_BODY) -> None:
        self._crlf = crlf
        self._max_body = max_body
        self._chunks: list[bytes] = []
        self._have = 0  # bytes in _chunks
        self._need = 0  # bytes _chunks must reach before parsing can progress (0: unknown)
        # A header block already parsed whose body has not fully arrived.
        self._pending: tuple[bytes, dict[str, str], int] | None = None
        self.garbage = 0  # header blocks that began with bytes no frame starts with (skipped)

    @property
    def buffered(self) -> int:
        """Bytes received but not yet part of a complete frame."""
        return self._have

    def reset(self) -> None:
        """Forget any partial frame (after a reconnect or a protocol error)."""
        self._chunks = []
        self._have = 0
        self._need = 0
        self._pending = None

    def feed(self, data: bytes) -> list[Frame]:
        if self._chunks:
            chunks = self._chunks
            chunks.append(bytes(data))
            self._have += len(data)
            if self._need:
                if self._have < self._need:
                    return []
            elif b"\n\n" not in chunks[-2][-2:] + data[:2] and b"\n\n" not in data \
                    and not (self._crlf and b"\n" in data):
                if self._have > MAX_HEADER_BLOCK:
                    self.reset()
                    raise ProtocolError(f"header block larger than {MAX_HEADER_BLOCK} bytes")
                return []
            data = b"".join(chunks)
            self._chunks = []
        else:
            data = bytes(data)
        frames: list[Frame] = []
        pos = 0
        end = len(data)
        pending = self._pending
        crlf = self._crlf
        while True:
            if pending is not None:
                raw, headers, length = pending
                if end - pos < length:
                    break
                frames.append(Frame(raw, headers, data[pos : pos + length]))
                pos += length
                pending = None
                continue
            if crlf:
                while pos < end and data[pos] in (10, 13):  # skip empty lines between commands
                    pos += 1
                stop, sep_len = _find_crlf_end(data, pos)
            else:
                if pos < end and data[pos] == 10:
                    while pos < end and data[pos] == 10:
                        pos += 1
                stop = data.find(b"\n\n", pos)
                sep_len = 2
            if stop < 0:
                if end - pos > MAX_HEADER_BLOCK:
                    self.reset()
                    raise ProtocolError(f"header block larger than {MAX_HEADER_BLOCK} bytes")
                break
            raw = data[pos:stop]
            pos = stop + sep_len
            if not crlf and raw.startswith(b"Content-Length: ") and raw.endswith(_EVENT_PLAIN_TAIL):
                # The frame nearly every read holds: an event, exactly as FreeSWITCH writes
                # its two headers. Read without the general split when the length is
                # plain digits and nothing else lies between the two lines; anything else
                # (a stray line, a second Content-Type...) takes the general path below.
                digits = raw[16 : -len(_EVENT_PLAIN_TAIL)]
                if 0 < len(digits) <= _MAX_LENGTH_DIGITS and digits.isdigit():
                    length = int(digits)
                    if length > self._max_body:
                        self.reset()
                        raise ProtocolError(f"Content-Length {length} exceeds the {self._max_body}-byte limit")
                    headers = {"Content-Length": digits.decode("ascii"), "Content-Type": "text/event-plain"}
                    if length == 0:
                        frames.append(Frame(raw, headers))
                    else:
                        pending = (raw, headers, length)
                    continue
            if not crlf:
                skip = frame_start(raw)
                if skip:
                    self.garbage += 1
                    raw = raw[skip:]
            headers = parse_header_block(raw, url_decoded=not crlf)
            length_text = headers.get("Content-Length")
            if length_text is None and crlf:  # FreeSWITCH matches command headers caselessly
                length_text = next((v for k, v in headers.items() if k.lower() == "content-length"), None)
            if length_text is None:
                frames.append(Frame(raw, headers))
                continue
            length = self._content_length(length_text)
            if length == 0:
                frames.append(Frame(raw, headers))
                continue
            pending = (raw, headers, length)
        self._pending = pending
        if pos < end:
            rest = data[pos:]
            self._chunks = [rest]
            self._have = len(rest)
            self._need = pending[2] if pending is not None else 0
        else:
            self._have = 0
            self._need = 0
        return frames

    def _content_length(self, text: str) -> int:
        length = content_length(text)
        if length is None:
            self.reset()
            raise ProtocolError(f"invalid Content-Length {text.strip()[:40]!r}")
        if length > self._max_body:
            self.reset()
            raise ProtocolError(f"Content-Length {length} exceeds the {self._max_body}-byte limit")
        return length


_FRAME_HEADERS = (b"Content-Type: ", b"Content-Length: ")
_EVENT_PLAIN_TAIL = b"\nContent-Type: text/event-plain"
_HEADER_LINE = re.compile(rb"[A-Za-z][A-Za-z0-9_.-]*: ")


def frame_start(raw: bytes) -> int:
    """Where the frame really starts in a header block FreeSWITCH sent (0: at once).

    Every frame FreeSWITCH writes begins with ``Content-Type`` or ``Content-Length``. Bytes
    before that with no blank line after them (a stray line, a half-written header, a
    second ``Content-Type``) would otherwise be read as part of the next frame and hide
    the reply it carries; they are skipped instead, and the caller counts them.
    """
    if raw.startswith(_FRAME_HEADERS):
        first_type = raw.find(b"\nContent-Type: ")
        if first_type < 0 or not raw.startswith(b"Content-Type: "):
            return 0
        # a second Content-Type: the first frame's header lines had no blank line after them
        line_start = first_type + 1
        previous = raw.rfind(b"\n", 0, first_type)
        if raw.startswith(b"Content-Length: ", previous + 1) and previous >= 0:
            return previous + 1
        return line_start
    line_end = raw.find(b"\n")
    line_end = len(raw) if line_end < 0 else line_end
    found = [i for i in (raw.find(h, 0, line_end) for h in _FRAME_HEADERS) if i > 0]
    if found:
        return min(found)
    if _HEADER_LINE.match(raw):
        return 0
    found = [i for i in (raw.find(b"\n" + h) for h in _FRAME_HEADERS) if i >= 0]
    return min(found) + 1 if found else len(raw)


def _find_crlf_end(buf: bytes, pos: int) -> tuple[int, int]:
    """Find two line feeds separated only by CRs, FreeSWITCH's end of a command."""
    n = len(buf)
    while True:
        lf = buf.find(b"\n", pos)
        if lf < 0:
            return -1, 0
        nxt = lf + 1
        while nxt < n and buf[nxt] == 13:
            nxt += 1
        if nxt < n and buf[nxt] == 10:
            stop = lf - 1 if lf > 0 and buf[lf - 1] == 13 else lf
            return stop, nxt + 1 - stop
        if nxt >= n:
            return -1, 0
        pos = nxt


def encode_frame(headers: list[tuple[str, str]] | tuple[tuple[str, str], ...], body: bytes = b"") -> bytes:
    """Write a frame the way FreeSWITCH does: headers in the given order, then the body.

    The caller puts ``Content-Length`` where FreeSWITCH puts it for that frame kind.
    """
    head = "".join(f"{name}: {value}\n" for name, value in headers)
    return head.encode("utf-8") + b"\n" + body
