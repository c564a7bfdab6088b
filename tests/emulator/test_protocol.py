"""Connection-level ESL behaviour, byte for byte against frames captured from FreeSWITCH.

Every reply whose captured bytes do not depend on the moment (uuids, clocks) is
compared exactly with its file under ``tests/esl/vectors/real`` (or, for the few
replies the capture did not include, the reconstructed vectors one level up).
"""

from __future__ import annotations

import asyncio
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from switchy.emulator import EmulatedCluster, EmulatedNode
from tests.support.captures import VECTORS, Wire, read_file

pytestmark = pytest.mark.emulator_only  # the emulator's bytes against the captured ones

CAPTURED_UUID = "7b055527-a5ce-4033-b8a4-e09d30774527"


async def authed(node: EmulatedNode) -> Wire:
    wire = await Wire.open(node.host, node.port)
    await wire.until(lambda f: f.content_type == "auth/request")
    await wire.command(b"auth ClueCon\n\n")
    return wire


async def exact(wire: Wire, command: bytes, vector: str) -> None:
    reply = await wire.command(command)
    assert reply.raw == read_file(vector), command


async def test_greeting_and_auth(node):
    wire = await Wire.open(node.host, node.port)
    greeting = await wire.until(lambda f: True)
    assert greeting.raw == read_file("auth_request.txt")
    await exact(wire, b"api status\n\n", "command_before_auth_reply.txt")  # still open
    await exact(wire, b"auth ClueCon\n\n", "auth_ok_reply.txt")
    await exact(wire, b"api version\n\n", "api_version_reply.txt")


async def test_wrong_password_then_goodbye_and_close(node):
    wire = await Wire.open(node.host, node.port)
    await wire.until(lambda f: True)
    start = len(wire.frames)
    wire.send(b"auth WrongPassword\n\n")
    frames = await wire.closing()
    assert b"".join(f.raw for f in frames[start:]) == read_file("auth_wrong_password.txt")


async def test_exit_says_bye_then_goodbye_and_closes(node):
    wire = await authed(node)
    start = len(wire.frames)
    wire.send(b"exit\n\n")
    frames = await wire.closing()
    assert b"".join(f.raw for f in frames[start:]) == read_file("exit_reply_and_disconnect.txt")


async def test_acl_rejection_is_rude():
    async with EmulatedNode("fs1", acl=("10.9.9.0/24",)) as node:
        wire = await Wire.open(node.host, node.port)
        frames = await wire.closing()
        assert b"".join(f.raw for f in frames) == (VECTORS / "rude_rejection.txt").read_bytes() \
            + (VECTORS / "disconnect_notice_inbound.txt").read_bytes()
        assert node.commands == []


async def test_default_acl_lets_loopback_in_and_can_be_opened():
    node = EmulatedNode("fs1")
    assert node.allows("127.0.0.1") and node.allows("::1") and node.allows("127.8.9.10")
    assert not node.allows("10.0.0.5") and not node.allows("not-an-ip")
    assert EmulatedNode("fs2", acl=None).allows("10.0.0.5")


async def test_connection_replies_match_the_capture(node):
    wire = await authed(node)
    await exact(wire, b"no_such_esl_command\n\n", "unknown_esl_command_reply.txt")
    await exact(wire, b"api no_such_command\n\n", "api_unknown_command_reply.txt")
    await exact(wire, b"api uuid_kill nonexistent-uuid\n\n", "api_uuid_kill_nonexistent_reply.txt")
    await exact(wire, b"myevents\n\n", "myevents_no_uuid_inbound_reply.txt")
    await exact(wire, b"linger\n\n", "linger_not_bound_reply.txt")
    await exact(wire, b"event plain ALL\n\n", "event_plain_all_reply.txt")
    await exact(wire, b"event json ALL\n\n", "event_json_all_reply.txt")
    await exact(wire, b"event xml CHANNEL_ANSWER CHANNEL_HANGUP_COMPLETE\n\n",
                "event_xml_reply.txt")
    await exact(wire, f"filter Unique-ID {CAPTURED_UUID}\n\n".encode(),
                "filter_unique_id_reply.txt")
    await exact(wire, b"sendmsg nonexistent-uuid\ncall-command: execute\nexecute-app-name: "
                      b"playback\nexecute-app-arg: tone_stream://%(1000,0,440)\n\n",
                "sendmsg_nonexistent_uuid_reply.txt")
    await exact(wire, b"bgapi uuid_kill nonexistent-uuid\n"
                      b"Job-UUID: aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\n\n",
                "bgapi_custom_job_uuid_reply.txt")
    await exact(wire, b"noevents\n\n", "noevents_reply.txt")
    log = await authed(node)
    await exact(log, b"log 7\n\n", "log_7_reply.txt")
    await exact(log, b"nolog\n\n", "nolog_reply.txt")


@pytest.mark.parametrize(("command", "reply"), [
    (b"events plain ALL", "+OK event listener enabled plain"),  # prefix match, as MES
    (b"event plain", "-ERR no keywords supplied"),
    (b"event json NO_SUCH_EVENT", "-ERR no keywords supplied"),
    (b"event SWITCH_EVENT_CHANNEL_PARK", "+OK event listener enabled plain"),
    (b"nixevent NO_SUCH_EVENT", "-ERR no keywords supplied"),
    (b"noevents", "-ERR not listening for events"),
    (b"filter Unique-ID", "-ERR invalid syntax"),
    (b"filter delete Unique-ID 1234", "+OK filter deleted. [Unique-ID][1234]"),
    (b"filter add Caller-Context default", "+OK filter added. [Caller-Context]=[default]"),
    (b"nolinger", "-ERR not controlling a session"),
    (b"nolog", "-ERR not loging"),
    (b"log", "+OK log level  [7]"),
    (b"log warning", "+OK log level warning [4]"),
    (b"log 99", "+OK log level 99 [63]"),
    (b"log bogus", "-ERR invalid log level"),
    (b"myevents no-such-uuid json", "-ERR invalid uuid"),
    (b"divert_events on", "-ERR not controlling a session."),
    (b"resume", "-ERR not controlling a session"),
    (b"getvar anything", "-ERR command not found"),
    (b"sendmsg\ncall-command: hangup", "-ERR invalid session id []"),
    (b"auth ClueCon", "-ERR command not found"),  # once authenticated, auth is unknown
])
async def test_command_reply_texts(node, command, reply):
    wire = await authed(node)
    frame = await wire.command(command + b"\n\n")
    assert frame.raw == f"Content-Type: command/reply\nReply-Text: {reply}\n\n".encode()


async def test_reconstructed_api_vectors(node):
    wire = await authed(node)
    assert (await wire.command(b"api show channels\n\n")).raw == \
        (VECTORS / "api_response_show_channels_empty.txt").read_bytes()
    assert (await wire.command(b"api show channels as json\n\n")).raw == \
        (VECTORS / "api_response_show_channels_empty_json.txt").read_bytes()
    call = await node.place_call("5000", "1000")
    reply = await wire.command(f"api uuid_getvar {call.uuid} no_such_var\n\n".encode())
    assert reply.raw == (VECTORS / "api_response_uuid_getvar_undef.txt").read_bytes()


async def test_userauth(node):
    wire = await Wire.open(node.host, node.port)
    await wire.until(lambda f: True)
    reply = await wire.command(b"userauth 1000@default:ClueCon\n\n")
    assert reply.raw == (VECTORS / "reply_userauth_accepted.txt").read_bytes()
    other = await Wire.open(node.host, node.port)
    await other.until(lambda f: True)
    other.send(b"userauth 1000@default:nope\n\n")
    frames = await other.closing()
    assert frames[1].reply == "-ERR invalid" and frames[2].content_type == "text/disconnect-notice"


async def test_status_has_the_captured_shape(node):
    wire = await authed(node)
    ours = (await wire.command(b"api status\n\n")).body.decode()
    theirs = read_file("api_status_reply.txt").split(b"\n\n", 1)[1].decode()

    def shape(text: str) -> str:
        return re.sub(r"\d+(\.\d+)?", "N", text)

    assert shape(ours) == shape(theirs)


async def test_commands_with_crlf_and_blank_lines_before_them(node):
    wire = await authed(node)
    reply = await wire.command(b"\r\n\r\napi version\r\n\r\n")
    assert reply.body == b"FreeSWITCH Version 1.11.3-dev~64bit ( 64bit)\n"
    assert node.commands[-1].line == "api version"


async def test_replies_keep_command_order_when_pipelined(node):
    wire = await authed(node)
    wire.send(b"api version\n\napi uuid_exists nope\n\nno_such\n\napi hostname\n\n")
    frames = await wire.count(6)
    assert [f.body or f.reply.encode() for f in frames[2:6]] == [
        b"FreeSWITCH Version 1.11.3-dev~64bit ( 64bit)\n", b"false",
        b"-ERR command not found", b"fs1"]


async def test_an_unparsable_content_length_drops_the_connection(node):
    wire = await authed(node)
    wire.send(b"sendmsg x\ncontent-length: twelve\n\n")
    await wire.closing()
    assert await authed(node)  # the node itself is fine


async def test_auth_timeout_says_goodbye():
    async with EmulatedNode("fs1", auth_timeout=0.05) as node:
        wire = await Wire.open(node.host, node.port)
        frames = await wire.closing()
        assert [f.content_type for f in frames] == ["auth/request", "text/disconnect-notice"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(garbage=st.binary(min_size=1, max_size=300))
def test_garbage_from_a_client_never_breaks_the_node(garbage):
    async def check() -> None:
        async with EmulatedCluster(nodes=1) as cluster:
            node = cluster.nodes[0]
            for authenticate in (False, True):
                wire = await Wire.open(node.host, node.port)
                await wire.until(lambda f: True)
                if authenticate:
                    await wire.command(b"auth ClueCon\n\n")
                wire.send(garbage + b"\n\n")
                await asyncio.sleep(0)
                wire.close()
            fresh = await authed(node)
            assert (await fresh.command(b"api hostname\n\n")).body == b"fs1"
            assert node.errors == []

    asyncio.run(check())
