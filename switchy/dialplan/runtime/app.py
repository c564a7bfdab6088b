"""A .swr dialplan as a Service app: the parked calls it claims run the graph.

::

    app = DialplanApp(["examples/router.swr"], contexts=["switchy"])
    app.load_into(service.apps)      # the calls of its dialplans' contexts, and of "switchy"

``load_into`` loads the app for the calls whose context (or ``select`` header) names one of
the program's dialplans, plus the extra ``contexts``; every other call is no app's and
the Service leaves it alone. (``service.apps.load_app(app, app_id="default")`` is the
explicit catch-all: every call of the cluster.)

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
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from switchy.apps.manager import AppManager
from switchy.callbacks import event_callback
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.build import Build, build, same_texts, signature
from switchy.dialplan.frontend.gcpause import settle
from switchy.dialplan.graph.compiler import INDEX_THRESHOLD
from switchy.dialplan.language import DEFAULT_DIALPLAN
from switchy.dialplan.runtime.engine import RoutingOutcome, Runtime
from switchy.routing import Result
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

    ``on_outcome(sess, outcome)`` is called when a call's routing ends, ``on_hangup(sess)``
    when a call it handles has hung up; ``on_reload`` (``build``) after every
    recompilation attempt, successful or not. ``contexts`` are routed too (by the
    ``default`` dialplan, when none has their name): see ``load_into``.
    """

    def __init__(self, paths: Iterable[str | Path], *, clock: Callable[[], dt.datetime] | None = None,
                 seed: int | None = None, index_threshold: int | None = INDEX_THRESHOLD,
                 contexts: Iterable[str] = (),
                 on_outcome: Callable[[Session, RoutingOutcome], object] | None = None,
                 on_hangup: Callable[[Session], object] | None = None,
                 on_reload: Callable[[Build], object] | None = None) -> None:
        self.paths = [Path(p) for p in paths]
        self.extra_contexts = tuple(dict.fromkeys(contexts))
        self.on_hangup = on_hangup
        self._apps: AppManager | None = None  # where ``claim`` loaded this app
        self._loaded: tuple[str, tuple[str, ...]] | None = None  # (header, app ids)
        self.clock = clock
        self.rng = random.Random(seed)
        self.index_threshold = index_threshold
        self.on_outcome = on_outcome
        self.on_reload = on_reload
        self.generation = 0
        self.workers = Workers(32, name="switchy-swr")  # Python functions, across reloads
        self.stats: Counter[Result] = Counter()  # how routing ended, as Router.stats
        self.reloads: dict[str, int] = {"reloaded": 0, "refused": 0}
        # told how each call's routing ended: ``observer(sess, dialplan, routes, result)``
        self.observers: list[Callable[[Session, str | None, list[str], str], object]] = []
        result = build(self.paths, index_threshold=index_threshold)
        if not result.ok:
            raise DialplanError(result.diagnostics)
        self.build = result
        self.runtime = self._runtime(result)
        _settle(result)

    def _runtime(self, result: Build) -> Runtime:
        assert result.graph is not None
        return Runtime(result.graph, clock=self.clock, rng=self.rng, workers=self.workers)

    def __repr__(self) -> str:
        return f"<DialplanApp {', '.join(map(str, self.paths))} generation={self.generation}>"

    # -- which calls are this app's ----------------------------------------------------------

    @property
    def select_header(self) -> str:
        """The header whose value names a call's dialplan (``select``, else Caller-Context)."""
        graph = self.build.graph
        assert graph is not None
        return graph.graph["select"]

    def contexts(self) -> tuple[str, ...]:
        """The values of the select header whose calls this app routes: its dialplans'
        names, then the extra contexts."""
        graph = self.build.graph
        assert graph is not None
        return tuple(dict.fromkeys([*graph.graph["dialplans"], *self.extra_contexts]))

    def unrouted_contexts(self) -> list[str]:
        """Extra contexts no dialplan would route: none has their name and there is no
        ``default`` dialplan to take them."""
        graph = self.build.graph
        assert graph is not None
        names = graph.graph["dialplans"]
        return [] if DEFAULT_DIALPLAN in names else [c for c in self.extra_contexts if c not in names]

    def load_into(self, apps: AppManager) -> tuple[str, ...]:
        """Load this app into ``apps`` once per context it routes, on the select header:
        the Service gives it those calls and leaves every other call alone. A reload
        that adds or removes a dialplan updates what is loaded. Returns the contexts."""
        self._apps = apps
        self._sync_contexts()
        return self.contexts()

    def _sync_contexts(self) -> None:
        apps = self._apps
        if apps is None:
            return
        wanted = (self.select_header, self.contexts())
        if wanted == self._loaded:
            return
        for app_id in self._loaded[1] if self._loaded else ():
            apps.unload_app(app_id)
        for context in wanted[1]:
            apps.load_app(self, app_id=context, header=wanted[0])
        self._loaded = wanted

    # -- routing ----------------------------------------------------------------------------------

    @event_callback("CHANNEL_HANGUP_COMPLETE")
    def on_hangup_complete(self, sess: Session) -> None:
        if self.on_hangup is not None:
            self.on_hangup(sess)

    @event_callback("CHANNEL_PARK")
    async def on_park(self, sess: Session) -> RoutingOutcome:
        runtime = self.runtime  # this call stays on this graph, whatever reloads happen
        outcome = await runtime.route(sess)
        self.stats[outcome.result] += 1
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
        if not force and self._unedited():
            return None
        return self._adopt(build(self.paths, index_threshold=self.index_threshold))

    async def reload_off_loop(self, force: bool = False) -> Build | None:
        """``reload``, with the files read and compiled in a worker thread: a slow or
        hostile file (a huge include, a network mount) never stalls routing."""
        if not force and not await asyncio.to_thread(self.changed):
            return None
        if not force and await asyncio.to_thread(self._unedited):
            return None
        result = await asyncio.to_thread(build, self.paths, index_threshold=self.index_threshold)
        return self._adopt(result)

    def _unedited(self) -> bool:
        """Saved or touched, not edited: the files read as when the graph was built (then
        the new mtimes are remembered, and nothing is rebuilt)."""
        if not same_texts(self.build, self.paths):
            return False
        self.build.signature = signature(self.build.program, self.paths)
        return True

    def _adopt(self, result: Build) -> Build:
        if result.ok:
            self.build = result
            self.runtime = self._runtime(result)  # calls in progress keep the old one
            self.generation += 1
            self.reloads["reloaded"] += 1
            self._sync_contexts()
            _settle(result)
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


SETTLE_NODES = 3_000  # about a thousand routes


def _settle(result: Build) -> None:
    """Freeze a large program out of the collector's sight (see ``gcpause.settle``); a
    small one costs a collection little, and tests build many."""
    if result.graph is not None and result.graph.number_of_nodes() >= SETTLE_NODES:
        settle()
