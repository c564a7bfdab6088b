"""A .swr dialplan as a Service app: every parked call of the cluster runs the graph.

::

    app = DialplanApp(["examples/router.swr"])
    service.apps.load_app(app, app_id="default")

Hot reload: ``reload()`` (or the ``watch()`` task) recompiles when a file of the
program changes. A version with errors is refused — the old graph keeps routing and the
diagnostics are reported — and each call finishes on the graph it started with, because
a call takes the current ``Runtime`` once, when it parks.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from collections.abc import Callable, Iterable
from pathlib import Path

from switchy.callbacks import event_callback
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.build import Build, build, signature
from switchy.dialplan.graph.compiler import INDEX_THRESHOLD
from switchy.dialplan.runtime.engine import RoutingOutcome, Runtime
from switchy.session import Session
from switchy.workers import Workers

log = logging.getLogger("switchy.dialplan")


class DialplanError(Exception):
    """The dialplan has errors; ``diagnostics`` says which."""

    def __init__(self, diagnostics: list[dg.Diagnostic]) -> None:
        self.diagnostics = diagnostics
        errors = [d for d in diagnostics if d.is_error]
        super().__init__(f"{len(errors)} error(s) in the dialplan: " + "; ".join(
            d.format() for d in errors[:3]))


class DialplanApp:
    """Route every parked call with a compiled .swr program.

    ``on_outcome(sess, outcome)`` is called when a call's routing ends; ``on_reload``
    (``build``) after every recompilation attempt, successful or not.
    """

    def __init__(self, paths: Iterable[str | Path], *, clock: Callable[[], dt.datetime] | None = None,
                 seed: int | None = None, index_threshold: int | None = INDEX_THRESHOLD,
                 on_outcome: Callable[[Session, RoutingOutcome], object] | None = None,
                 on_reload: Callable[[Build], object] | None = None) -> None:
        self.paths = [Path(p) for p in paths]
        self.clock = clock
        self.rng = random.Random(seed)
        self.index_threshold = index_threshold
        self.on_outcome = on_outcome
        self.on_reload = on_reload
        self.generation = 0
        self.workers = Workers(32, name="switchy-swr")  # Python functions, across reloads
        self.outcomes: dict[str, int] = {}
        self.reloads: dict[str, int] = {"reloaded": 0, "refused": 0}
        # told how each call's routing ended: ``observer(sess, dialplan, routes, result)``
        self.observers: list[Callable[[Session, str | None, list[str], str], object]] = []
        result = build(self.paths, index_threshold=index_threshold)
        if not result.ok:
            raise DialplanError(result.diagnostics)
        self.build = result
        self.runtime = self._runtime(result)

    def _runtime(self, result: Build) -> Runtime:
        assert result.graph is not None
        return Runtime(result.graph, clock=self.clock, rng=self.rng, workers=self.workers)

    def __repr__(self) -> str:
        return f"<DialplanApp {', '.join(map(str, self.paths))} generation={self.generation}>"

    @event_callback("CHANNEL_PARK")
    async def on_park(self, sess: Session) -> RoutingOutcome:
        runtime = self.runtime  # this call stays on this graph, whatever reloads happen
        outcome = await runtime.route(sess)
        self.outcomes[outcome.result] = self.outcomes.get(outcome.result, 0) + 1
        for observer in self.observers:
            try:
                observer(sess, outcome.dialplan, outcome.routes, outcome.result)
            except Exception:
                log.exception("routing observer %r failed", observer)
        if self.on_outcome is not None:
            self.on_outcome(sess, outcome)
        return outcome

    # -- hot reload ------------------------------------------------------------------------

    def changed(self) -> bool:
        return signature(self.build.program, self.paths) != self.build.signature

    def reload(self, force: bool = False) -> Build | None:
        """Recompile if a file changed (or ``force``); returns the attempt, None if unchanged.

        On errors the running graph stays; the diagnostics are returned, and logged
        unless ``on_reload`` is there to report them."""
        if not force and not self.changed():
            return None
        return self._adopt(build(self.paths, index_threshold=self.index_threshold))

    async def reload_off_loop(self, force: bool = False) -> Build | None:
        """``reload``, with the files read and compiled in a worker thread: a slow or
        hostile file (a huge include, a network mount) never stalls routing."""
        if not force and not await asyncio.to_thread(self.changed):
            return None
        result = await asyncio.to_thread(build, self.paths, index_threshold=self.index_threshold)
        return self._adopt(result)

    def _adopt(self, result: Build) -> Build:
        if result.ok:
            self.build = result
            self.runtime = self._runtime(result)  # calls in progress keep the old one
            self.generation += 1
            self.reloads["reloaded"] += 1
            log.info("dialplan reloaded (generation %d)", self.generation)
        else:
            self.reloads["refused"] += 1
            # Remember what was seen so one broken save is reported once, not every poll.
            self.build.signature = result.signature
            if self.on_reload is None:  # else the callback reports (switchy run prints them)
                for d in result.errors:
                    log.error("dialplan not reloaded: %s", d.format())
        if self.on_reload is not None:
            self.on_reload(result)
        return result

    async def watch(self, interval: float = 1.0) -> None:
        """Poll the program's files every ``interval`` seconds and reload on change."""
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reload_off_loop()
            except Exception:  # never let a reload problem stop routing
                log.exception("dialplan reload failed")
