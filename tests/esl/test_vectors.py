"""Every captured and reconstructed frame parses to the right frames."""

from __future__ import annotations

import json
import re

import pytest

from switchy.esl import Event
from tests.support.vectors import REAL, VECTORS, event_of, frame_files, parse, parse_file, sequence_dirs

# Files holding more than one frame, with the content types in order.
MULTI = {
    "auth_wrong_password.txt": ["command/reply", "text/disconnect-notice"],
    "exit_reply_and_disconnect.txt": ["command/reply", "text/disconnect-notice"],
}
EVENT = "text/event-*"
LABEL_TYPES = {
    "command_reply": "command/reply",
    "api_response": "api/response",
    "auth_request": "auth/request",
    "text_disconnect-notice": "text/disconnect-notice",
}


def expected_types(path) -> list[str]:
    """The content types a vector file must hold, from its name."""
    if path.name in MULTI:
        return MULTI[path.name]
    if path.name == "outbound_full_stream.txt":
        return [f.content_type if not f.content_type.startswith("text/event-") else EVENT
                for p in sorted((REAL / "outbound_socket_session").glob("*.txt"))
                for f in parse_file(p)]
    stem = path.stem
    if path.parent.parent == REAL:  # NNN_<label>.txt inside a sequence folder
        label = stem.split("_", 1)[1]
        return [EVENT] if label.startswith("event_") else [LABEL_TYPES[label]]
    if (stem.startswith(("api_response", "api_")) and not stem.endswith("_event")) \
            or stem in ("outbound_api_version_reply", "sipp_bridge_uuid_kill_second_leg_reply"):
        return ["api/response"]
    if stem.endswith("auth_request"):
        return ["auth/request"]
    if stem.startswith("log_data"):
        return ["log/data"]
    if stem.startswith("disconnect_notice"):
        return ["text/disconnect-notice"]
    if stem == "rude_rejection":
        return ["text/rude-rejection"]
    if stem.startswith("reply_") or stem.endswith("_reply"):
        return ["command/reply"]
    return [EVENT]


@pytest.mark.parametrize("path", frame_files(), ids=lambda p: str(p.relative_to(VECTORS)))
def test_every_vector_parses_completely(path):
    data = path.read_bytes()
    frames = parse(data)
    assert frames, "no frame found"
    # Nothing left over: the frames account for every byte of the file.
    rebuilt = sum(len(f.raw_headers) + 2 + len(f.body) for f in frames)
    assert rebuilt == len(data)
    types = [EVENT if f.content_type.startswith("text/event-") else f.content_type for f in frames]
    assert types == expected_types(path)
    for frame in frames:
        if frame.content_type.startswith("text/event-"):
            event = event_of(frame)
            assert event.name and "Core-UUID" in event
            assert int(frame.headers["Content-Length"]) == len(frame.body)


@pytest.mark.parametrize("folder", sequence_dirs(), ids=lambda p: p.name)
def test_sequence_event_names_match_the_capture(folder):
    for path in sorted(folder.glob("*.txt")):
        label = path.stem.split("_", 1)[1]
        (frame,) = parse_file(path)
        if label.startswith("event_"):
            assert frame.content_type in ("text/event-plain", "text/event-json", "text/event-xml")
            assert event_of(frame).name == label[len("event_"):], path.name
        else:
            assert frame.content_type == LABEL_TYPES[label], path.name


def test_channel_hangup_complete_keeps_both_hangup_causes():
    (frame,) = parse_file(VECTORS / "channel_hangup_complete.txt")
    event = event_of(frame)
    assert event.get_all("Hangup-Cause") == ["NORMAL_CLEARING", "NORMAL_CLEARING"]
    names = [name for name, _ in event.header_items()]
    first = names.index("Hangup-Cause")
    assert names[first - 1] == "Event-Sequence"  # right after the standard block
    assert names.index("Hangup-Cause", first + 1) > names.index("Channel-State")


def test_plain_headers_are_percent_decoded():
    (frame,) = parse_file(VECTORS / "channel_park_inbound.txt")
    event = event_of(frame)
    assert event["Channel-Name"] == "sofia/internal/1000@10.0.0.10:5060"
    assert event["variable_sip_full_from"].startswith('"Alice" <sip:1000@10.0.0.10:5060>;tag=')
    assert "\r\n" in event["variable_switch_r_sdp"]
    assert event.uuid == event["Unique-ID"]


def test_json_twin_matches_plain_event():
    plain = event_of(parse_file(VECTORS / "channel_park_inbound.txt")[0])
    twin = event_of(parse_file(VECTORS / "channel_park_inbound_json.txt")[0])
    assert twin.header_items() == plain.header_items()


def test_real_json_hangup_complete_keeps_duplicates():
    (frame,) = parse_file(REAL / "event_json_channel_hangup_complete.txt")
    event = event_of(frame)
    assert frame.content_type == "text/event-json"
    assert len(event.get_all("Hangup-Cause")) == 2
    raw = json.loads(frame.body, object_pairs_hook=list)
    assert [k for k, _ in raw if k != "_body"] == [k for k, _ in event.header_items()]


def test_real_xml_event_decodes():
    (frame,) = parse_file(REAL / "event_xml_channel_answer.txt")
    event = event_of(frame)
    assert event.name == "CHANNEL_ANSWER"
    assert event["FreeSWITCH-IPv6"] == "fd00::2"


def test_background_job_body():
    (frame,) = parse_file(REAL / "bgapi_status_background_job_event.txt")
    event = event_of(frame)
    assert event.name == "BACKGROUND_JOB"
    assert event["Job-Command"] == "status"
    assert event.body.startswith("UP 0 years")
    assert len(event.body.encode()) == int(event["Content-Length"])
    fail = event_of(parse_file(REAL / "bgapi_custom_job_uuid_background_job_event.txt")[0])
    assert fail["Job-UUID"] == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
    assert fail.body.startswith("-ERR No such channel!")


def test_private_command_is_named_by_its_last_event_name():
    folder = REAL / "sipp_inbound_call_event_plain_all"
    for path in folder.glob("*PRIVATE_COMMAND.txt"):
        event = event_of(parse_file(path)[0])
        assert event.name == "PRIVATE_COMMAND"
        assert event.get_all("Event-Name")[-1] == "PRIVATE_COMMAND"


def test_disconnect_notices_all_three_forms():
    inbound = parse_file(VECTORS / "disconnect_notice_inbound.txt")[0]
    assert inbound.text == "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
    assert len(inbound.body) == 67
    outbound = parse_file(VECTORS / "disconnect_notice_outbound.txt")[0]
    assert outbound.headers["Content-Disposition"] == "disconnect"
    assert outbound.headers["Controlled-Session-UUID"]
    linger = parse_file(VECTORS / "disconnect_notice_linger.txt")[0]
    assert linger.headers["Content-Disposition"] == "linger"
    assert linger.headers["Linger-Time"] == "-1"
    assert linger.body == b""


def test_rude_rejection():
    (frame,) = parse_file(VECTORS / "rude_rejection.txt")
    assert frame.content_type == "text/rude-rejection"
    assert frame.text == "Access Denied, go away.\n"


def test_outbound_connect_reply_is_one_header_only_frame():
    (frame,) = parse_file(REAL / "outbound_connect_reply.txt")
    assert frame.body == b""
    assert frame.headers["Reply-Text"] == "+OK\n"  # sent URL-encoded as %2BOK%0A
    assert frame.headers["Event-Name"] == "CHANNEL_DATA"
    assert frame.headers["Socket-Mode"] == "async"
    event = Event.from_plain(frame.raw_headers)
    assert event.name == "CHANNEL_DATA" and event["Control"] == "full"


def test_outbound_full_stream_equals_its_session_frames():
    stream = (REAL / "outbound_full_stream.txt").read_bytes()
    session = [parse_file(p)[0] for p in sorted((REAL / "outbound_socket_session").glob("*.txt"))]
    frames = parse(stream)
    assert [(f.raw_headers, f.body) for f in frames] == [(f.raw_headers, f.body) for f in session]


def test_api_replies_keep_their_exact_bodies():
    assert parse_file(VECTORS / "api_response_uuid_getvar_undef.txt")[0].body == b"_undef_"
    assert parse_file(VECTORS / "api_response_show_channels_empty_json.txt")[0].body == b'{"row_count": 0}\n'
    version = parse_file(REAL / "api_version_reply.txt")[0]
    assert version.text == "FreeSWITCH Version 1.11.3-dev~64bit ( 64bit)\n"
    unknown = parse_file(REAL / "api_unknown_command_reply.txt")[0]
    assert unknown.text == "-ERR no_such_command Command not found!\n"


def test_log_data_frames():
    for path in sorted(REAL.glob("log_data_frame_*.txt")):
        (frame,) = parse_file(path)
        assert frame.content_type == "log/data"
        assert re.fullmatch(r"[0-7]", frame.headers["Log-Level"])
        assert len(frame.body) == int(frame.headers["Content-Length"])
