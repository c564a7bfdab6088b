"""Command encoding: exact bytes, and no way to inject a command through a value."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from switchy.esl import FrameParser, UnsafeValueError, commands


def test_sendmsg_execute_bytes_match_the_capture():
    data = commands.sendmsg_execute("7b055527-a5ce-4033-b8a4-e09d30774527", "playback",
                                    "tone_stream://%(500,0,880)")
    assert data == (b"sendmsg 7b055527-a5ce-4033-b8a4-e09d30774527\ncall-command: execute\n"
                    b"execute-app-name: playback\nexecute-app-arg: tone_stream://%(500,0,880)\n"
                    b"event-lock: true\n\n")


def test_sendmsg_body_form_matches_the_capture():
    data = commands.sendmsg_execute("7b055527-a5ce-4033-b8a4-e09d30774527", "playback",
                                    "tone_stream://%(300,0,660)\n", event_lock=False,
                                    event_uuid="11111111-2222-3333-4444-555555555555")
    assert data == (b"sendmsg 7b055527-a5ce-4033-b8a4-e09d30774527\ncall-command: execute\n"
                    b"execute-app-name: playback\nEvent-UUID: 11111111-2222-3333-4444-555555555555\n"
                    b"content-type: text/plain\ncontent-length: 27\n\ntone_stream://%(300,0,660)\n")


def test_sendmsg_hangup_and_loops():
    assert commands.sendmsg_hangup("", "NORMAL_CLEARING") == \
        b"sendmsg\ncall-command: hangup\nhangup-cause: NORMAL_CLEARING\n\n"
    assert b"loops: 3\n" in commands.sendmsg_execute("u", "playback", "a.wav", loops=3)


def test_bgapi_carries_the_job_uuid():
    data, job = commands.bgapi("uuid_kill nonexistent-uuid", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
    assert data == b"bgapi uuid_kill nonexistent-uuid\nJob-UUID: aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\n\n"
    assert job == "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


@pytest.mark.parametrize("evil", ["1000\n\napi hupall", "x\rexit", "a\0b"])
def test_line_values_refuse_line_breaks(evil):
    with pytest.raises(UnsafeValueError):
        commands.api(f"uuid_setvar abc caller {evil}")
    with pytest.raises(UnsafeValueError):
        commands.encode("sendmsg u", [("execute-app-arg", evil)])
    with pytest.raises(UnsafeValueError):
        commands.filter_add("Unique-ID", evil)


@given(st.text())
@example("%00")  # a percent escape reaches FreeSWITCH as those three characters
@example("%0A%0D\n\r%")
def test_sendmsg_argument_never_escapes_its_command(arg):
    try:
        data = commands.sendmsg_execute("u-1", "set", f"caller={arg}")
    except UnsafeValueError:
        assert "\0" in arg
        return
    frames = FrameParser(crlf=True).feed(data)
    assert len(frames) == 1, "one command, whatever the argument holds"
    frame = frames[0]
    assert frame.raw_headers.split(b"\n")[0] == b"sendmsg u-1"
    arg_out = frame.headers.get("execute-app-arg")
    if arg_out is None:
        arg_out = frame.body.decode("utf-8", "surrogateescape")
    assert arg_out == f"caller={arg}".rstrip("\r") or arg_out == f"caller={arg}"
