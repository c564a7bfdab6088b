"""DialplanApp: routing parked calls, and hot reload that never breaks a running call."""

from __future__ import annotations

import asyncio
import logging
import os

import pytest

from switchy.dialplan.runtime.app import DialplanApp, DialplanError
from switchy.recording import RecordingController, simulated_session


def write(path, text: str) -> None:
    """Write and move the mtime forward, so the change is seen whatever the clock resolution."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    os.utime(path, ns=(before + 10**9, before + 10**9))


END = "api uuid_kill 00000000-0000-4000-8000-000000000000 NORMAL_CLEARING"  # routing is over


async def park(app: DialplanApp, headers=None, controller=None):
    controller = controller or RecordingController()
    sess = simulated_session(headers or {}, controller)
    outcome = await app.on_park(sess)
    return outcome, controller.lines()


async def test_a_call_is_routed_and_reported(tmp_path):
    f = tmp_path / "plan.swr"
    write(f, 'route r "^1" { answer() }')
    seen = []
    app = DialplanApp([f], on_outcome=lambda sess, out: seen.append((sess.uuid, out.routes)))
    outcome, lines = await park(app, {"Caller-Destination-Number": "100"})
    assert lines[0].startswith("api uuid_answer ") and outcome.routes == ["r"]
    assert seen == [(outcome.uuid, ["r"])] and app.stats == {"routed": 1}


def test_a_dialplan_with_errors_is_refused_at_start(tmp_path):
    f = tmp_path / "plan.swr"
    write(f, "route { answr() }")
    with pytest.raises(DialplanError) as info:
        DialplanApp([f])
    assert info.value.diagnostics[0].code == "SWR201"


async def test_reload_switches_new_calls_to_the_new_graph(tmp_path):
    f = tmp_path / "plan.swr"
    write(f, 'route { playback("old.wav") }')
    app = DialplanApp([f])
    assert app.reload() is None  # nothing changed
    write(f, 'route { playback("new.wav") }')
    result = app.reload()
    assert result is not None and result.ok and app.generation == 1
    assert (await park(app))[1] == ["execute playback new.wav", END]


async def test_a_save_without_an_edit_rebuilds_nothing(tmp_path):
    f = tmp_path / "plan.swr"
    write(f, 'route { playback("old.wav") }')
    app = DialplanApp([f])
    graph = app.runtime.graph
    write(f, 'route { playback("old.wav") }')  # saved again (or touched): a new mtime
    assert app.changed() and app.reload() is None
    assert not app.changed() and app.runtime.graph is graph and app.generation == 0
    write(f, 'route { playback("new.wav") }')
    assert app.reload().ok and app.runtime.graph is not graph and app.generation == 1


async def test_a_broken_edit_keeps_the_running_graph_and_reports_once(tmp_path, caplog):
    f = tmp_path / "plan.swr"
    write(f, 'route { playback("old.wav") }')
    app = DialplanApp([f])
    write(f, 'route { playback("new.wav" }')
    with caplog.at_level(logging.ERROR, logger="switchy.dialplan"):
        result = app.reload()
    assert result is not None and not result.ok and result.errors[0].code == "SWR101"
    assert "dialplan not reloaded" in caplog.text and f"{f}:1:" in caplog.text
    assert app.generation == 0 and (await park(app))[1] == ["execute playback old.wav", END]
    assert app.reload() is None  # the same broken file is not reported again
    reports = []
    app.on_reload = reports.append  # a callback reports instead of the log
    caplog.clear()
    write(f, 'route { playback("new.wav" ) ) }')
    assert not app.reload().ok and caplog.text == ""
    write(f, 'route { playback("fixed.wav") }')
    assert app.reload().ok and (await park(app))[1] == ["execute playback fixed.wav", END]
    assert [r.ok for r in reports] == [False, True]


async def test_includes_are_watched_too(tmp_path):
    common = tmp_path / "common.swr"
    write(common, 'handler greet() { playback("hello.wav") }')
    f = tmp_path / "plan.swr"
    write(f, 'include "common.swr"\nroute -> greet()')
    app = DialplanApp([f])
    write(common, 'handler greet() { playback("bonjour.wav") }')
    assert app.reload().ok
    assert (await park(app))[1] == ["execute playback bonjour.wav", END]


async def test_a_new_file_in_a_watched_directory_joins_the_program(tmp_path):
    write(tmp_path / "a.swr", 'route a "^1" { playback("a.wav") }')
    app = DialplanApp([tmp_path])
    write(tmp_path / "b.swr", 'handler unused() { park() }  # noqa: SWR208')
    result = app.reload()
    assert result is not None and result.ok and len(result.program.files) == 2


class GatedController(RecordingController):
    """Holds the first application until the test lets it complete."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.started = asyncio.Event()

    async def execute(self, uuid, app, arg="", **kwargs):
        done = await super().execute(uuid, app, arg, **kwargs)
        if len(self.sent) == 1:
            self.started.set()
            await self.gate.wait()
        return done


async def test_a_call_in_progress_finishes_on_the_graph_it_started_with(tmp_path):
    f = tmp_path / "plan.swr"
    write(f, 'route { playback("one.wav") playback("old-two.wav") }')
    app = DialplanApp([f])
    slow = GatedController()
    in_progress = asyncio.get_running_loop().create_task(park(app, controller=slow))
    await asyncio.wait_for(slow.started.wait(), 5)
    write(f, 'route { playback("one.wav") playback("new-two.wav") }')
    assert app.reload().ok
    assert (await park(app))[1] == ["execute playback one.wav", "execute playback new-two.wav", END]
    slow.gate.set()
    _, lines = await asyncio.wait_for(in_progress, 5)
    assert lines == ["execute playback one.wav", "execute playback old-two.wav", END]


async def test_watch_polls_and_reloads(tmp_path):
    f = tmp_path / "plan.swr"
    write(f, 'route { playback("old.wav") }')
    reloaded = asyncio.Event()
    app = DialplanApp([f], on_reload=lambda result: reloaded.set())
    watcher = asyncio.get_running_loop().create_task(app.watch(interval=0.01))
    try:
        write(f, 'route { playback("new.wav") }')
        await asyncio.wait_for(reloaded.wait(), 5)
    finally:
        watcher.cancel()
    assert app.generation == 1 and (await park(app))[1] == ["execute playback new.wav", END]
