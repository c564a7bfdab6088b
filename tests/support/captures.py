"""Reading the real FreeSWITCH captures and comparing the emulator's frames with them.

A frame is compared by kind (Content-Type, Event-Name) and by the *names* of its
headers in order: values differ by nature (uuids, clocks, random SIP tags).
"""

from __future__ import annotations

import asyncio
import json
import os
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from switchy.esl.codec import url_decode
from switchy.esl.frames import Frame, FrameParser

VECTORS = Path(__file__).resolve().parents[1] / "esl" / "vectors"
REAL = VECTORS / "real"


@dataclass
class Seen:
    """One frame: its kind, outer header names, body, and for an event its headers."""

    content_type: str
    outer: list[str]
    pairs: list[tuple[str, str]]  # the event's headers in order (values decoded)
    body: bytes
    raw: bytes

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.pairs]

    @property
    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in self.pairs:
            out.setdefault(name, value)
        return out

    @property
    def event_name(self) -> str:
        """The event's own name (PRIVATE_COMMAND carries a nested COMMAND's name first)."""
        names = [v for n, v in self.pairs if n == "Event-Name"]
        return names[-1] if names else ""

    @property
    def label(self) -> str:
        if self.content_type.startswith("text/event-"):
            return "event_" + self.event_name
        return self.content_type.replace("/", "_")

    @property
    def reply(self) -> str:
        for line in self.raw.decode("utf-8", "surrogateescape").split("\n"):
            if line.startswith("Reply-Text: "):
                return line[12:]
        return ""


def seen(frame: Frame) -> Seen:
    raw = frame.raw_headers + b"\n\n" + frame.body
    ctype = frame.headers.get("Content-Type", "")
    outer = [line.partition(":")[0] for line in
             frame.raw_headers.decode("utf-8", "surrogateescape").split("\n")]
    pairs: list[tuple[str, str]] = []
    if ctype == "text/event-plain":
        head = frame.body.decode("utf-8", "surrogateescape").split("\n\n", 1)[0]
        for line in head.split("\n"):
            name, _, value = line.partition(": ")
            pairs.append((name, url_decode(value)))
    elif ctype == "text/event-json":
        for name, value in json.loads(frame.body, object_pairs_hook=list):
            pairs.append((name, value if isinstance(value, str) else json.dumps(value)))
    elif ctype == "text/event-xml":
        headers = ElementTree.fromstring(frame.body).find("headers")
        for element in headers if headers is not None else ():
            pairs.append((element.tag, url_decode(element.text or "")))
    return Seen(ctype, outer, pairs, frame.body, raw)


def parse_all(data: bytes) -> list[Seen]:
    return [seen(f) for f in FrameParser().feed(data)]


def read_file(name: str) -> bytes:
    return (REAL / name).read_bytes()


def sequence(directory: str) -> list[Seen]:
    """Every frame of a captured sequence directory, in order."""
    folder = REAL / directory
    out = []
    for name in sorted(os.listdir(folder)):
        frames = parse_all((folder / name).read_bytes())
        assert len(frames) == 1, name
        out.append(frames[0])
    return out


def labels(frames: list[Seen], *, skip: tuple[str, ...] = ()) -> list[str]:
    return [f.label for f in frames if f.label not in skip]


def name_differences(mine: list[Seen], real: list[Seen]) -> list[str]:
    """For frames of the same kind at the same place, where their header names differ."""
    problems = []
    for i, (a, b) in enumerate(zip(mine, real, strict=True)):
        if a.label != b.label:
            problems.append(f"#{i}: {a.label} where FreeSWITCH sent {b.label}")
        elif a.names != b.names:
            missing = [n for n in b.names if n not in a.names]
            extra = [n for n in a.names if n not in b.names]
            problems.append(f"#{i} {a.label}: missing {missing}, extra {extra}"
                            if missing or extra else f"#{i} {a.label}: header order differs")
        elif a.outer != b.outer:
            problems.append(f"#{i} {a.label}: outer headers {a.outer} != {b.outer}")
    return problems


class Wire:
    """A raw ESL connection that records every frame it receives."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.parser = FrameParser()
        self.frames: list[Seen] = []
        self.closed = False

    @classmethod
    async def open(cls, host: str, port: int) -> Wire:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    def send(self, data: bytes) -> None:
        self.writer.write(data)

    async def _read_more(self) -> bool:
        data = await self.reader.read(1 << 16)
        if not data:
            self.closed = True
            return False
        self.frames.extend(seen(f) for f in self.parser.feed(data))
        return True

    async def until(self, predicate, timeout: float = 5.0) -> Seen:  # type: ignore[no-untyped-def]
        """Read until a frame (seen from now on or before) satisfies ``predicate``."""
        checked = 0
        async with asyncio.timeout(timeout):
            while True:
                for frame in self.frames[checked:]:
                    if predicate(frame):
                        return frame
                checked = len(self.frames)
                if not await self._read_more():
                    raise ConnectionError("closed by the server")

    async def count(self, n: int, timeout: float = 5.0) -> list[Seen]:
        """Read until at least ``n`` frames arrived in all."""
        async with asyncio.timeout(timeout):
            while len(self.frames) < n:
                if not await self._read_more():
                    break
        return self.frames

    async def closing(self, timeout: float = 5.0) -> list[Seen]:
        """Read until the server closes the connection."""
        async with asyncio.timeout(timeout):
            while await self._read_more():
                pass
        return self.frames

    async def command(self, data: bytes, timeout: float = 5.0) -> Seen:
        """Send one command and return its reply (command/reply or api/response)."""
        start = len(self.frames)
        self.send(data)
        checked = start
        async with asyncio.timeout(timeout):
            while True:
                for frame in self.frames[checked:]:
                    if frame.content_type in ("command/reply", "api/response"):
                        return frame
                checked = len(self.frames)
                if not await self._read_more():
                    raise ConnectionError("closed by the server")

    def close(self) -> None:
        self.writer.close()


def by_channel(frames: list[Seen]) -> list[list[Seen]]:
    """The events of each channel, channels in order of their first event."""
    channels: dict[str, list[Seen]] = {}
    for frame in frames:
        uuid = frame.values.get("Unique-ID")
        if frame.content_type.startswith("text/event-") and uuid:
            channels.setdefault(uuid, []).append(frame)
    return list(channels.values())


def value_differences(mine: list[Seen], real: list[Seen], keys: tuple[str, ...]) -> list[str]:
    """Per channel, event by event: where a header of ``keys`` that FreeSWITCH sent has
    another value (or is missing). Use it once ``channel_differences`` found none."""
    problems = []
    for n, (a, b) in enumerate(zip(by_channel(mine), by_channel(real), strict=False)):
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            ours, theirs = x.values, y.values
            for key in keys:
                if key in theirs and ours.get(key) != theirs[key]:
                    problems.append(f"channel {n} #{i} {y.label} {key}: "
                                    f"{ours.get(key)!r} where FreeSWITCH sent {theirs[key]!r}")
    return problems


def channel_differences(mine: list[Seen], real: list[Seen], *,
                        variables: str = "order") -> list[str]:
    """Per channel: the same events in the same order, with the same header names.

    Across channels the interleaving depends on FreeSWITCH's threads, so it is not
    compared. ``variables="set"`` compares channel variables as a set (their order
    depends on when SIP messages arrived), ``"ignore"`` leaves them out.
    """
    problems = []
    ours, theirs = by_channel(mine), by_channel(real)
    if len(ours) != len(theirs):
        return [f"{len(ours)} channels where FreeSWITCH had {len(theirs)}"]
    for n, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        if labels(a) != labels(b):
            problems.append(f"channel {n}: events {labels(a)} != {labels(b)}")
            continue
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            xn, yn = x.names, y.names
            if variables != "order":
                xv = {h for h in xn if h.startswith("variable_")}
                yv = {h for h in yn if h.startswith("variable_")}
                if variables == "set" and xv != yv:
                    problems.append(f"channel {n} #{i} {x.label}: variables missing "
                                    f"{sorted(yv - xv)}, extra {sorted(xv - yv)}")
                xn = [h for h in xn if not h.startswith("variable_")]
                yn = [h for h in yn if not h.startswith("variable_")]
            if xn != yn:
                missing = [h for h in yn if h not in xn]
                extra = [h for h in xn if h not in yn]
                problems.append(f"channel {n} #{i} {x.label}: missing {missing}, extra {extra}"
                                if missing or extra else
                                f"channel {n} #{i} {x.label}: header order differs")
    return problems
