"""Caller text never reaches FreeSWITCH's ``${...}`` expansion (issue 12, part 1).

The emulator expands application arguments as FreeSWITCH does (recursively, with the
same escapes, ``set``'s second expansion, APIs inside ``${...}`` recorded and not run),
so what a call ends up with here is what a real node would give it.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchy import expansion
from switchy.apps.routers import Router
from switchy.expansion import expand, join, once, raw, set_argument
from tests.support import dialplan_cluster
from tests.support.service_cluster import serving as serving_router

pytestmark = pytest.mark.emulator_only

SECRET = "${secret_pin}"
SYSTEM = "${system(touch /tmp/pwned)}"

DIALPLAN = r'''
route "^100$" {
    setvar("cid", Caller-Caller-ID-Name)
    playback(f"/sounds/{Caller-Caller-ID-Name}.wav")
    execute("log", f"INFO caller {Caller-Caller-ID-Name} on ${uuid}")
    answer()
    park()  # kept up: the bystander of the tests below
}
route "^200$" {
    bridge(dest_url=f"{Caller-Caller-ID-Name}@pbx.example.com")
}
route "^300$" {
    broadcast(f"/sounds/{Caller-Caller-ID-Name}.wav")
}
route "^400$" {
    execute("log", "INFO author passes ${caller_id_name} through")  # noqa: SWR330
    answer()
}
'''


@pytest.fixture
def dialplan(tmp_path):
    path = tmp_path / "hostile.swr"
    path.write_text(DIALPLAN)
    return path


@pytest.mark.parametrize("name", [SECRET, SYSTEM, "${${x}}", "\\${secret_pin}", "$${hostname}",
                                  "a\\\\${system(id)}", "it's $$5 \\' {x}"])
async def test_caller_text_reaches_applications_literally(cluster, dialplan, name):
    node = cluster.nodes[0]
    async with dialplan_cluster.serving(cluster, dialplan) as harness:
        ch = await node.place_call("100", caller_id_name=name, variables={"secret_pin": "4321", "x": "y"})
        await harness.routed(ch.uuid)
        await ch.wait_answered(timeout=5)
        assert ch.variables["cid"] == name  # through set, expanded twice
        played = [arg for app, arg in ch.applications if app == "playback"]
        assert played == [f"/sounds/{name}.wav"]
        logged = [arg for app, arg in ch.applications if app == "log"]
        assert logged == [f"INFO caller {name} on {ch.uuid}"]  # the author's ${uuid} still expands
        assert node.expansion_calls == []  # no API ran


async def test_the_emulator_runs_what_the_author_passes_through_like_freeswitch(cluster, dialplan):
    """``${caller_id_name}`` written by the author expands the caller's text: the checker
    warns about it (SWR330), and here the API the caller named is recorded."""
    node = cluster.nodes[0]
    async with dialplan_cluster.serving(cluster, dialplan) as harness:
        ch = await node.place_call("400", caller_id_name=SYSTEM)
        await harness.routed(ch.uuid)
        assert node.expansion_calls == [(ch.uuid, "system", "touch /tmp/pwned")]
        assert ("log", "INFO author passes  through") in ch.applications


@pytest.mark.parametrize("destination, name, cause", [
    ("200", "1000@a,sofia/gateway/evil/900", "INVALID_NUMBER_FORMAT"),
    ("200", "1000|sofia/gateway/evil/900", "INVALID_NUMBER_FORMAT"),
    ("300", "x.wav bleg", "INVALID_NUMBER_FORMAT"),
], ids=["dial-comma", "dial-bar", "broadcast-blank"])
async def test_values_that_cannot_be_literal_end_the_call_with_a_defined_cause(cluster, dialplan, destination,
                                                                               name, cause):
    node = cluster.nodes[1]
    async with dialplan_cluster.serving(cluster, dialplan) as harness:
        bystander = await cluster.nodes[2].place_call("100", caller_id_name="Bob")
        ch = await node.place_call(destination, caller_id_name=name)
        outcome = (await harness.routed(ch.uuid))[-1]
        await ch.wait_hangup(timeout=5)
        assert outcome.cause == ch.hangup_cause == cause
        assert "bridge" not in [app for app, _ in ch.applications]
        assert not any("uuid_broadcast" in line for line in node.commands_for(ch.uuid))
        await harness.routed(bystander.uuid)
        assert bystander.answered and not bystander.ended


async def test_the_python_session_api_is_literal_by_default_and_raw_on_request(cluster):
    router = Router()

    @router.route(".*")
    def copy(sess, match, router):
        name = sess["Caller-Caller-ID-Name"]
        sess.playback(f"/sounds/{name}.wav")
        sess.setvar("cid", name)
        sess.setvar("pin_seen", raw("${secret_pin}"))  # the developer's own expansion
        sess.answer()

    async with serving_router(cluster, (router, {})):
        node = cluster.nodes[0]
        ch = await node.place_call("100", caller_id_name=SECRET, variables={"secret_pin": "4321"})
        await ch.wait_answered(timeout=5)
        assert ("playback", f"/sounds/{SECRET}.wav") in ch.applications
        assert ch.variables["cid"] == SECRET and ch.variables["pin_seen"] == "4321"
        assert node.expansion_calls == []


# -- the escaping, checked against FreeSWITCH's algorithm over any text ------------------------

VARIABLES = {"x": "X", "secret_pin": "1234", "v": "${system(nested)}", "caller_id_name": SYSTEM}
AUTHOR = st.sampled_from(["", "/sounds/", "${x}", "${x}.wav", "$", "a$", "}", "${x}$", "x=",  # no unclosed ${
                          "$${hostname}", " ", "INFO "])
CALLER = st.text(alphabet=st.sampled_from("$\\{}'()ab x!,|:"), max_size=12) | st.text(max_size=8)


def freeswitch(text: str, calls: list) -> str:
    return expand(text, VARIABLES.get, lambda api, args: calls.append((api, args)) or "",
                  {"hostname": "vm"}.get)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(AUTHOR, CALLER), min_size=1, max_size=3), AUTHOR)
def test_once_gives_back_every_callers_piece_literally(pairs, tail):
    value = join(*[x for author, caller in pairs for x in (raw(author), caller)], raw(tail))
    # what FreeSWITCH makes of the author's text, with each caller's piece kept as it is
    # (whether FreeSWITCH expands at all depends on the whole argument: a leading \' is a
    # no-op that makes it expand the author's words alone all the same)
    runs = expansion.expansion_runs(str(value))
    want, author_calls, words = [], [], ""
    for text, mine in [*value.parts, ("", False)]:
        if mine:
            words += text
            continue
        want.append((freeswitch("\\'" + words, author_calls) if runs and words else words) + text)
        words = ""
    calls: list = []
    assert freeswitch(once(value), calls) == "".join(want)
    assert calls == author_calls  # only the author's own ${...} ran anything


@settings(max_examples=300, deadline=None)
@given(CALLER, AUTHOR)
def test_set_argument_survives_both_expansions(caller, author):
    value = join(raw(author), caller)
    calls: list = []
    sent = set_argument("v", value)
    first = freeswitch(sent, calls)
    name, _, stored = first.partition("=")
    assert name == "v"
    assert freeswitch(stored, calls) == freeswitch(author, []) + caller


def test_the_algorithm_matches_the_captured_escapes():
    """expansion_escapes / expansion_nested_variable of a real FreeSWITCH 1.11."""
    calls: list = []
    assert freeswitch("\\${system(touch a)}", calls) == "${system(touch a)}" and calls == []
    assert freeswitch("\\\\${system(touch a)}", calls) == "\\" and calls == [("system", "touch a")]
    assert freeswitch("$${system(touch b)}", calls) == "" and calls[-1] == ("system", "touch b")
    assert freeswitch("${{system(touch c)}}", calls) == "}" and calls[-1] == ("{system", "touch c")
    assert freeswitch("INFO v=[${v}]", calls) == "INFO v=[]" and calls[-1] == ("system", "nested")
    assert freeswitch("INFO cid=[${caller_id_name}]", calls) == "INFO cid=[]"
    assert expansion.expansion_runs("a\\\\b") and not expansion.expansion_runs("a$b\\d")


async def test_log_escapes_control_characters_so_no_line_can_be_forged(cluster, tmp_path, caplog):
    path = tmp_path / "log.swr"
    path.write_text('route "^1$" { log(f"call from {Caller-Caller-ID-Name}") answer() }\n')
    caplog.set_level("INFO")
    async with dialplan_cluster.serving(cluster, path) as harness:
        ch = await cluster.nodes[0].place_call("1", caller_id_name="Eve\r\nERROR forged line\x1b[2J")
        await harness.routed(ch.uuid)
    lines = [r.getMessage() for r in caplog.records if "call from" in r.getMessage()]
    assert lines == [f"[{ch.uuid}] call from Eve\\r\\nERROR forged line\\x1b[2J"]
    assert not any(r.getMessage().startswith("ERROR forged") for r in caplog.records)
