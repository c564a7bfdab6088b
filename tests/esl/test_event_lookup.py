"""Reading single headers of a raw plain event gives exactly what the full decode gives.

``Event.get`` finds a header in the raw bytes without splitting every line; the
reference here is the same event after ``header_items()`` (every line split), over the
real FreeSWITCH events of ``tests/esl/vectors/real`` and over hostile header text.
"""

from __future__ import annotations

import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchy.esl import Event, ProtocolError
from switchy.esl.frames import content_length
from tests.support.vectors import frame_files, parse_file

REAL_EVENTS = sorted({frame.body for path in frame_files() if "/real/" in str(path)
                      for frame in parse_file(path) if frame.content_type == "text/event-plain"})

# What applications read, plus names that sit close to real ones or that the raw search
# must refuse (a colon, a line break, not ASCII, empty).
NAMES = ["Event-Name", "Unique-ID", "Event-Date-Timestamp", "Channel-State",
         "Caller-Caller-ID-Number", "Caller-Destination-Number", "Content-Length", "Job-UUID",
         "Hangup-Cause", "variable_sip_h_X-Hostile", "Unique", "Unique-IDx", "Unique-ID:x",
         "A:B", "A", "B", "Zoë", "Caller-ID-Name ", "", "Event-Name\n"]


def decoded(raw: bytes) -> Event:
    """The reference: the same event with every header line split."""
    event = Event.from_plain(raw)
    event.header_items()
    return event


def inner_length_is_bad(raw: bytes) -> bool:
    """Whether the first header line starting ``Content-Length:`` holds no plain number
    (what ``from_plain`` refuses as the sender's protocol error)."""
    for line in raw.split(b"\n\n", 1)[0].split(b"\n"):
        if line.startswith(b"Content-Length:"):
            return content_length(line[15:].decode("utf-8", "replace")) is None
    return False


def assert_reads_match(raw: bytes, names: list[str]) -> None:
    try:
        reference = decoded(raw)
    except ProtocolError:
        assert inner_length_is_bad(raw)
        with pytest.raises(ProtocolError):
            Event.from_plain(raw)
        return
    assert not inner_length_is_bad(raw)
    expected = reference.as_dict()
    for name in names:  # each on a fresh raw event: nothing decoded before
        want = expected.get(name)
        assert Event.from_plain(raw).get(name) == want, name
        assert Event.from_plain(raw).peek(name) == want, name
        assert (name in Event.from_plain(raw)) == (want is not None), name
        if want is None:
            with pytest.raises(KeyError):
                Event.from_plain(raw)[name]
        else:
            assert Event.from_plain(raw)[name] == want, name
    event = Event.from_plain(raw)  # all on one event, then everything else
    assert [event.get(name) for name in names] == [expected.get(name) for name in names]
    assert event.uuid == reference.uuid
    assert event.subclass == reference.subclass
    assert event.header_items() == reference.header_items()
    assert event.body == reference.body
    assert event.as_dict() == expected


def test_the_real_events_are_there():
    assert len(REAL_EVENTS) > 50
    assert any(b"\nContent-Length: " in raw.split(b"\n\n")[0] for raw in REAL_EVENTS)  # with a body


@pytest.mark.parametrize("raw", REAL_EVENTS, ids=range(len(REAL_EVENTS)))
def test_every_header_of_every_real_event(raw):
    names = [name for name, _ in decoded(raw).header_items()]
    assert_reads_match(raw, sorted(set(names)) + NAMES)


EXAMPLES = {
    "name:x first, then a real line": b"Event-Name: X\nUnique-ID:abc\nUnique-ID: def\n\n",
    "name:x with a colon-space later": b"Event-Name: X\nUnique-ID:a: b\nUnique-ID: def\n\n",
    "name with a colon": b"Event-Name: X\nUnique-ID:x: 1\nA:B: 2\n\n",
    "repeated header": b"Hangup-Cause: NORMAL_CLEARING\nHangup-Cause: USER_BUSY\n\n",
    "percent-encoded": b"Caller-Caller-ID-Name: Zo%C3%AB%20%E2%98%8E\nUnique-ID: %zz%4\n\n",
    "empty value, block end": b"Event-Name: X\nUnique-ID:",
    "empty value at the end": b"Event-Name: X\nUnique-ID: ",
    "first line": b"Unique-ID: first\nUnique-ID: second\n\n",
    "only in the body": b"Event-Name: X\nContent-Length: 18\n\nUnique-ID: in-body\n",
    "blank line inside": b"Event-Name: X\n\nUnique-ID: after-the-block\n\n",
    "no blank line at all": b"Event-Name: X\nUnique-ID: u",
    "crlf": b"Event-Name: X\r\nUnique-ID: u\r\n\r\n",
    "multibyte and invalid bytes": "Caller-ID-Name: Zoë ☎\nZoë: x\n".encode() + b"Unique-ID: \xff\xe2\n\n",
    "a name as prefix": b"Unique-IDx: no\nUnique: no\nUnique-ID: yes\n\n",
    "a line of only the name": b"Unique-ID\nUnique-ID: yes\n\n",
    "space before the name": b" Unique-ID: no\nUnique-ID: yes\n\n",
}


@pytest.mark.parametrize("raw", EXAMPLES.values(), ids=EXAMPLES.keys())
def test_hostile_header_text(raw):
    assert_reads_match(raw, NAMES)


def test_what_the_reads_give_on_the_tricky_lines():
    """Spelled out, so that a change in the reference (the split) cannot hide here."""
    assert Event.from_plain(EXAMPLES["name:x first, then a real line"]).get("Unique-ID") == "abc"
    assert Event.from_plain(EXAMPLES["name:x with a colon-space later"]).get("Unique-ID") == "def"
    assert Event.from_plain(EXAMPLES["name with a colon"]).get("A:B") == "2"
    assert Event.from_plain(EXAMPLES["repeated header"]).get("Hangup-Cause") == "NORMAL_CLEARING"
    assert Event.from_plain(EXAMPLES["percent-encoded"]).get("Caller-Caller-ID-Name") == "Zoë ☎"
    assert Event.from_plain(EXAMPLES["only in the body"]).get("Unique-ID") is None
    assert Event.from_plain(EXAMPLES["blank line inside"]).get("Unique-ID") is None
    assert Event.from_plain(EXAMPLES["a name as prefix"]).get("Unique-ID") == "yes"
    assert Event.from_plain(EXAMPLES["crlf"]).get("Unique-ID") == "u\r"
    assert Event.from_plain(b"Event-Name: X\n\n").get(7) is None  # not a str: absent, no error


_NAME_TEXT = st.sampled_from(NAMES) | st.text(st.sampled_from("AZaz-_:% é\r"), max_size=8)
_VALUE_TEXT = st.text(st.sampled_from("az09%AF:- é☎\r\t"), max_size=12) | st.sampled_from(
    ["%3A", "%20%25", "%", "%zz", ": x", "a: b: c", "12", "x1"])


@st.composite
def hostile_lines(draw) -> bytes:
    name = draw(_NAME_TEXT)
    value = draw(_VALUE_TEXT)
    shape = draw(st.sampled_from(["{n}: {v}", "{n}:{v}", "{n}", "", "{n}:", "{n} : {v}"]))
    line = shape.format(n=name, v=value).encode("utf-8")
    if draw(st.booleans()) and draw(st.booleans()):
        line += draw(st.binary(max_size=3))  # bytes that are not UTF-8, even a newline
    return line


@st.composite
def hostile_events(draw) -> bytes:
    base = draw(st.sampled_from(REAL_EVENTS))
    head, sep, body = base.partition(b"\n\n")
    lines = head.split(b"\n")
    for line in draw(st.lists(hostile_lines(), max_size=6)):
        lines.insert(draw(st.integers(0, len(lines))), line)
    if draw(st.booleans()):
        body = b"Unique-ID: in-body\nEvent-Name: BODY\n\n" + body
    return b"\n".join(lines) + sep + body


@settings(max_examples=300, deadline=None)
@given(hostile_events(), st.lists(_NAME_TEXT, min_size=1, max_size=6))
def test_reads_on_real_events_with_hostile_lines_match_the_split(raw, names):
    assert_reads_match(raw, [*names, "Event-Name", "Unique-ID", "Content-Length"])


@settings(max_examples=300, deadline=None)
@given(st.lists(hostile_lines(), max_size=8), st.binary(max_size=20), st.lists(_NAME_TEXT, max_size=6))
def test_reads_on_invented_events_match_the_split(lines, tail, names):
    assert_reads_match(b"\n".join(lines) + tail, names + NAMES[:8])


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("\na:"), min_size=1, max_size=40).map(str.encode),
       st.lists(st.integers(0, 45), max_size=6))
def test_the_block_end_scan_answers_like_a_full_search(raw, offsets):
    """``_before_end`` scans only as far as asked, remembering what it saw, in any order."""
    event = Event.from_plain(raw)  # no "Content-Length" in it: nothing scanned yet
    end = raw.find(b"\n\n")
    end = len(raw) if end < 0 else end
    offsets = [at % len(raw) for at in offsets]  # offsets of the event's bytes
    assert [event._before_end(raw, at) for at in offsets] == [at < end for at in offsets]


def test_a_thread_reading_while_another_decodes_sees_every_header():
    """A route in a worker thread reads the session's event while the loop decodes it:
    the reader sees the raw bytes or all the headers, never a half-filled dict."""
    raw = max(REAL_EVENTS, key=len)
    want = decoded(raw).as_dict()
    names = list(want)[-5:]  # the last lines: a half-done split has not reached them
    events = [Event.from_plain(raw) for _ in range(300)]
    seen: list[object] = []
    start = threading.Barrier(2)

    def read() -> None:
        start.wait()
        for event in events:
            seen.extend(event.get(name) for name in names)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can
    try:
        reader = threading.Thread(target=read)
        reader.start()
        start.wait()
        for event in events:
            event.header_items()
        reader.join()
    finally:
        sys.setswitchinterval(interval)
    assert seen == [want[name] for _ in events for name in names]
