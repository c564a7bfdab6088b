"""The Router app: Flask-like ``@router.route(pattern)`` call routing.

For each parked call: check the guards, then try the routes in registration order;
every route whose pattern matches runs, until one returns True or raises
``router.StopRouting`` (break-on-true). Patterns match from the start of the field
(``re.match``), as in the original switchy.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..callbacks import event_callback
from ..dialplan import patterns
from ..dialplan.patterns import PatternTimeout
from ..expansion import UnsafeArgument
from ..routing import DEFAULT_FIELD, ERROR_CAUSE, NO_ROUTE_CAUSE, PATTERN_TIMEOUT_CAUSE, Result, StopRouting
from ..session import Session
from ..workers import Workers

log = logging.getLogger("switchy.router")


@dataclass
class Route:
    pattern: str
    field: str
    func: Callable[..., Any]
    kwargs: dict[str, Any] = field(default_factory=dict)
    regex: re.Pattern[str] = field(init=False)

    def __post_init__(self) -> None:
        try:
            self.regex = patterns.compile_regex(self.pattern)  # bounded, like the .swr runtime's
        except re.error as exc:
            raise ValueError(f"invalid route pattern {self.pattern!r}: {exc}") from None

    @property
    def name(self) -> str:
        return getattr(self.func, "__name__", repr(self.func))


class Router:
    """Route parked calls to functions by regex patterns on event headers."""

    StopRouting = StopRouting

    def __init__(
        self,
        guards: Mapping[str, str] | None = None,
        reject_on_guard: bool = True,
        subscribe: Iterable[str] = (),
        *,
        reject_cause: str = NO_ROUTE_CAUSE,
        error_cause: str = ERROR_CAUSE,
        route_timeout: float | None = 30.0,
        clock: Callable[[], datetime] | None = None,
        seed: int | None = None,
        route_threads: int | None = 32,
    ) -> None:
        self.guards = dict(guards or {})
        self.reject_on_guard = reject_on_guard
        self.subscribe = tuple(subscribe)
        self.reject_cause = reject_cause
        self.error_cause = error_cause
        self.route_timeout = route_timeout
        self.clock = clock or datetime.now
        self.rng = random.Random(seed)
        self.routes: list[Route] = []
        self.stats: Counter[Result] = Counter()
        # told how each call's routing ended: ``observer(sess, dialplan, routes, result)``
        self.observers: list[Callable[[Session, str | None, list[str], Result], object]] = []
        # Plain (non-async) routes run in worker threads so one that blocks or loops
        # forever costs its call, never the service; None runs them inline.
        self._workers = Workers(route_threads) if route_threads else None

    def __repr__(self) -> str:
        return f"<Router guards={self.guards} routes={len(self.routes)}>"

    # -- registration -------------------------------------------------------------------

    def route(self, pattern: str, field: str | None = None,
              **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register the decorated function for ``pattern`` matched on ``field``
        (default ``Caller-Destination-Number``); ``kwargs`` are passed to it."""
        def register(func: Callable[..., Any]) -> Callable[..., Any]:
            self.routes.append(Route(pattern, field or DEFAULT_FIELD, func, dict(kwargs)))
            return func

        return register

    def now(self) -> datetime:
        """The time routes should use (injectable for tests: ``Router(clock=...)``)."""
        return self.clock()

    # -- matching -------------------------------------------------------------------------

    def check_guards(self, sess: Session | Mapping[str, str]) -> bool:
        """True if every guard header has exactly its value; a missing header fails."""
        return all(sess.get(name) == value for name, value in self.guards.items())

    def matches(self, sess: Session | Mapping[str, str]) -> list[tuple[Route, re.Match[str]]]:
        """The routes whose pattern matches this call, in the order they would run."""
        found = []
        for route in self.routes:
            value = sess.get(route.field)
            if value is None:
                continue
            match = route.regex.match(value)
            if match is not None:
                found.append((route, match))
        return found

    # -- routing --------------------------------------------------------------------------

    @event_callback("CHANNEL_PARK")
    async def on_park(self, sess: Session) -> None:
        if not self.check_guards(sess):
            if self.reject_on_guard:
                self._ended(sess, Result.REJECTED, [])
                sess.log.info("guards %s not met; hanging up with %s", self.guards, self.reject_cause)
                sess.hangup(self.reject_cause)
            return
        try:
            found = self.matches(sess)
        except PatternTimeout as exc:
            self._ended(sess, Result.ERROR, [])
            sess.log.error("%s; hanging up with %s", exc, PATTERN_TIMEOUT_CAUSE)
            sess.hangup(PATTERN_TIMEOUT_CAUSE)
            return
        ran: list[str] = []
        for route, match in found:
            ran.append(route.name)
            try:
                async with asyncio.timeout(self.route_timeout):
                    result = await self._call(route, sess, match)
            except StopRouting:
                break
            except TimeoutError:
                self._failed(sess, route, f"did not finish within {self.route_timeout:g} s",
                             Result.TIMEOUT, ran)
                return
            except UnsafeArgument as exc:  # a caller's value that cannot be sent literally
                self._failed(sess, route, f"refused a value: {exc}", Result.ERROR, ran, cause=exc.cause)
                return
            except Exception:
                self._failed(sess, route, "raised", Result.ERROR, ran, exc_info=True)
                return
            if result is True:
                break
        if ran:
            self._ended(sess, Result.ROUTED, ran)
        elif self.reject_on_guard:
            self._ended(sess, Result.NO_ROUTE, ran)
            sess.log.info("no route matches %s=%r; hanging up with %s", DEFAULT_FIELD,
                          sess.get(DEFAULT_FIELD), self.reject_cause)
            sess.hangup(self.reject_cause)

    def _ended(self, sess: Session, result: Result, routes: list[str]) -> None:
        self.stats[result] += 1
        for observer in self.observers:
            try:
                observer(sess, None, routes, result)
            except Exception:
                log.exception("routing observer %r failed", observer)

    async def _call(self, route: Route, sess: Session, match: re.Match[str]) -> Any:
        func = route.func
        if self._workers is None or inspect.iscoroutinefunction(func):
            result = func(sess, match, self, **route.kwargs)
        else:
            # on_park's own deadline covers this call; its cancel interrupts the thread
            result = await self._workers.call(func, sess, match, self, timeout=None, **route.kwargs)
        if inspect.isawaitable(result):
            result = await result
        return result

    def _failed(self, sess: Session, route: Route, what: str, result: Result, routes: list[str],
                exc_info: bool = False, cause: str | None = None) -> None:
        self._ended(sess, result, routes)
        cause = cause or self.error_cause
        sess.log.error("route %s (%r) %s; hanging up with %s", route.name, route.pattern, what,
                       cause, exc_info=exc_info)
        sess.hangup(cause)
