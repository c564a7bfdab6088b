"""Run the route graph for one parked call, through the Session API.

``Runtime.route(sess)`` walks the graph from its ``select`` node: pick the dialplan by
header, check the guards, try the routes (through the route index when the dialplan
has a ``table``), and run each statement of a matching route, ``await``-ing every
action so commands reach FreeSWITCH one after the other, each confirmed before the
next — what a FreeSWITCH extension does with its applications.

Each call gets its own walk state, so nothing one call does (an error included) can
reach another. Every call ends with a defined ``RoutingOutcome``: a route ran, the guards
rejected it, no route matched (hung up ``NO_ROUTE_DESTINATION``), or an error hung it up
(``NORMAL_TEMPORARY_FAILURE``, as the Python Router does). A command refused because
the channel is already gone ends the routing quietly.

When the routes are done (a ``hunt`` dialplan's queued actions sent) and the call is
still parked under switchy's control, it is hung up the way FreeSWITCH ends an XML
extension (the rules are in ``language``): with ``NORMAL_CLEARING``, or the cause of the
bridge that was the last action — unless that last action was ``park()``, or the call
left (a transfer, a deflect) or is gone. Before a call's first ``bridge`` the runtime
sets ``continue_on_fail``, so a failed bridge returns and the statements after it are
the failover.

The Python escape hatch calls ``f(sess, match, router, **kwargs)`` with this Runtime as
``router`` (it has ``StopRouting``, ``now()`` and ``rng`` like the Python Router); a
plain function runs in a worker thread so that one that blocks costs only its call.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import inspect
import logging
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from switchy.causes import final_response, sip_to_cause
from switchy.dialplan import ast, patterns, timeofday
from switchy.dialplan.actions import ACTIONS, REQUIRED, Action, bind
from switchy.dialplan.graph.kinds import ROUTE_BOUNDARY, Edge, Kind, Role
from switchy.dialplan.language import (
    BRIDGE,
    DEFAULT_DIALPLAN,
    END_OF_ROUTING_CAUSE,
    FAILOVER_VARIABLE,
    KEEPS_THE_CALL,
    bridge_cause,
)
from switchy.dialplan.runtime.evaluator import MISSING, EvalError, as_text, evaluate, truthy
from switchy.expansion import UnsafeArgument, join, raw
from switchy.routing import ERROR_CAUSE, NO_ROUTE_CAUSE, PATTERN_TIMEOUT_CAUSE, Result, StopRouting
from switchy.session import CommandFailed, Session, printable
from switchy.workers import Workers

log = logging.getLogger("switchy.dialplan")

MAX_DEPTH = 64  # handler calls nested deeper than this are an error (the checker forbids cycles)


@dataclass
class Step:
    """One node the walk went through, and what happened there."""

    node: int
    kind: str
    label: str
    note: str = ""
    depth: int = 0  # handler nesting
    span: ast.Span | None = None


@dataclass
class RoutingOutcome:
    """How routing one call ended (``result``: see ``switchy.routing.Result``)."""

    uuid: str
    dialplan: str | None = None
    routes: list[str] = field(default_factory=list)  # those whose pattern matched, in order
    result: Result = Result.ROUTED
    cause: str | None = None
    stopped: bool = False
    gone: bool = False  # the channel went away while it was being routed
    left: bool = False  # a transfer or deflect sent the call away from switchy's park
    kept: bool = False  # park() was the last action: the call stays parked
    hung_up_at_end: bool = False  # routing was over with the call still parked: hung up
    error: str | None = None
    steps: list[Step] = field(default_factory=list)
    # Traced calls only: the wall-clock time the call's time tests read, and the zone it
    # is in (None: the machine's local zone, the dialplan set no ``timezone``).
    local_time: dt.datetime | None = None
    timezone: str | None = None

    def summary(self) -> str:
        """How routing ended, on one line: result, the routes whose pattern matched (their
        ``if`` may still have sent nothing), stop, cause, error."""
        line = f"{self.result}; routes matched: {', '.join(self.routes) or 'none'}"
        if self.stopped:
            line += "; stopped"
        if self.left:
            line += "; the call left switchy's routing"
        if self.kept:
            line += "; kept parked"
        if self.cause:
            line += f"; hangup cause {self.cause}"
        if self.error:
            line += f"; error: {self.error}"
        return line


class _Frame:
    """The locals and captures of one route or one handler call."""

    __slots__ = ("bound", "locals", "match")

    def __init__(self, match: re.Match | None, local_values: dict[str, Any] | None = None) -> None:
        self.match = match
        self.locals = local_values or {}
        self.bound: dict[int, re.Match] = {}


class Runtime:
    """Executes a compiled route graph for parked calls (``await runtime.route(sess)``)."""

    StopRouting = StopRouting

    def __init__(self, graph: nx.DiGraph, *, clock: Callable[[], dt.datetime] | None = None,
                 seed: int | None = None, rng: random.Random | None = None,
                 error_cause: str = ERROR_CAUSE, python_timeout: float | None = 30.0,
                 python_threads: int = 32, workers: Workers | None = None) -> None:
        self.graph = graph
        self.clock = clock or timeofday.system_clock
        self.rng = rng or random.Random(seed)
        self.error_cause = error_cause
        self.python_timeout = python_timeout
        self._python_threads = python_threads
        self._workers = workers  # shared between the runtimes of one app across reloads
        self._owns_workers = workers is None
        self._functions: dict[str, Callable[..., Any]] = {}
        # node -> its attribute dict (the graph's own dicts, without the NodeView layer)
        self.nodes: dict[int, dict[str, Any]] = dict(graph.nodes(data=True))
        # node -> {edge label: target}: following an edge is one dict lookup.
        self.edges: dict[int, dict[str, int]] = {
            n: {d["label"]: t for t, d in succ.items()} for n, succ in graph.adjacency()}

    def now(self) -> dt.datetime:
        """The runtime's clock (the Python Router's ``router.now()``)."""
        return self.clock()

    async def route(self, sess: Session, *, trace: bool = False,
                    on_step: Callable[[Step], None] | None = None) -> RoutingOutcome:
        """Route one parked call; never raises (except cancellation)."""
        run = _CallRun(self, sess, trace or on_step is not None, on_step)
        await run.run()
        return run.outcome

    # -- the Python escape hatch ----------------------------------------------------------

    def function(self, ref: str) -> Callable[..., Any]:
        """Import ``package.module:function`` once."""
        func = self._functions.get(ref)
        if func is None:
            module_name, _, name = ref.rpartition(":")
            try:
                module = importlib.import_module(module_name)
            except ImportError as exc:
                raise EvalError(f"cannot import {module_name!r} for {ref}: {exc}") from exc
            func = getattr(module, name, None)
            if not callable(func):
                raise EvalError(f"{ref}: module {module_name!r} has no function {name!r}")
            self._functions[ref] = func
        return func

    async def call_python(self, ref: str, sess: Session, match: re.Match | None,
                          args: list[Any], kwargs: dict[str, Any]) -> Any:
        func = self.function(ref)
        if inspect.iscoroutinefunction(func) or not self._python_threads:
            async with asyncio.timeout(self.python_timeout):
                result = func(sess, match, self, *args, **kwargs)
                if inspect.isawaitable(result):
                    result = await result
            return result
        if self._workers is None:  # the Router's pool: an overrun thread is told to stop
            self._workers = Workers(self._python_threads, name="switchy-swr")
        result = await self._workers.call(func, sess, match, self, *args,
                                          timeout=self.python_timeout, **kwargs)
        if inspect.isawaitable(result):
            async with asyncio.timeout(self.python_timeout):
                result = await result
        return result

    def close(self) -> None:
        """Stop the worker threads this runtime started (not a shared pool)."""
        if self._workers is not None and self._owns_workers:
            self._workers.shutdown()
            self._workers = None


class _CallRun:
    """The walk for one call (it is also the evaluator's ``Env``)."""

    def __init__(self, runtime: Runtime, sess: Session, trace: bool,
                 on_step: Callable[[Step], None] | None) -> None:
        self.rt = runtime
        self.sess = sess
        self.nodes = runtime.nodes
        self.edges = runtime.edges
        self.outcome = RoutingOutcome(sess.uuid)
        self.trace = trace
        self.on_step = on_step
        self.frame = _Frame(None)
        self.stack: list[tuple[int | None, _Frame]] = []
        self.node = -1
        self.attrs: dict[str, Any] = {}
        self.tz: dt.tzinfo | None = None
        self._now: dt.datetime | None = None
        self.last_match: re.Match | None = None
        self.route_title: str | None = None
        self.hunt = False  # a `hunt` dialplan: actions are queued until every route was tried
        self.queue: list[tuple[int, dict, Action, dict[str, Any], Callable[[], Any]]] = []
        self.overrides: dict[str, str] = {}  # headers an execute_extension routes with
        self.nested = 0  # execute_extension depth
        self.left = False  # a command sent the call away from switchy's park (read when sent)
        self.parks = sess.parks  # a new CHANNEL_PARK means a new routing has the call
        self.keep = False  # the last action was park()
        self.ended_by_us = False  # a hangup (or a final respond) was sent
        self.failover: bool | None = None  # what switchy set continue_on_fail to (None: nothing)
        self.last_bridge_cause: str | None = None  # the last action was a bridge that ended so
        self.handlers = {
            Kind.SELECT: self._select, Kind.DIALPLAN: self._dialplan, Kind.GUARD: self._guard,
            Kind.REJECT: self._reject, Kind.TABLE: self._table, Kind.MATCH: self._match,
            Kind.CONDITION: self._condition, Kind.ACTION: self._action, Kind.CALL: self._call,
            Kind.PYTHON: self._python, Kind.ASSIGN: self._assign, Kind.PASS: self._next,
            Kind.RETURN: self._next, Kind.HANDLER: self._next, Kind.EXIT: self._exit,
            Kind.STOP: self._stop, Kind.END: self._end,
        }

    # -- driving ----------------------------------------------------------------------------

    async def run(self) -> None:
        out = self.outcome
        try:
            try:
                await self.walk(self.rt.graph.graph["root"], one_route=False)
            except StopRouting:
                out.stopped = True
                self.step("stopped by Python (StopRouting)")
            if self.hunt:
                await self.flush()
            await self.finish()
        except CommandFailed as exc:
            if self.channel_gone(exc):
                out.gone = True
                self.step(f"the call is gone: {exc}")
            else:
                await self.fail(str(exc))
        except UnsafeArgument as exc:  # a call's value that cannot be sent literally
            await self.fail(str(exc), cause=exc.cause)
        except patterns.PatternTimeout as exc:  # a hostile value against a backtracking pattern
            await self.fail(str(exc), cause=PATTERN_TIMEOUT_CAUSE)
        except (EvalError, ValueError, TypeError, LookupError, TimeoutError) as exc:
            await self.fail(_describe(exc))
        except Exception as exc:  # a Python function's own bug: the call still ends cleanly
            self.sess.log.error("dialplan error", exc_info=True)
            await self.fail(_describe(exc))

    async def finish(self) -> None:
        """The routes are done: a call still parked under switchy's control is hung up,
        as FreeSWITCH ends an extension (see ``language.END_OF_ROUTING_CAUSE``)."""
        out, sess = self.outcome, self.sess
        if out.result is not Result.ROUTED:
            return
        if self.has_left():
            out.left = out.stopped = True
            self.step("the call left switchy's routing")
            return
        if self.keep:
            out.kept = True
            self.step("park() was the last action: the call stays parked")
            return
        if self.ended_by_us or sess.hungup:
            return
        cause = self.last_bridge_cause or END_OF_ROUTING_CAUSE
        out.cause, out.hung_up_at_end = cause, True
        self.node, self.attrs = -1, {}
        self.step(f"routing is over: hang up {cause}")
        await sess.hangup(cause)

    def has_left(self) -> bool:
        """The call left switchy's routing: a command sent it away, or it parked again
        (and a new routing has it)."""
        return self.left or self.sess.moved or self.sess.parks != self.parks

    def channel_gone(self, exc: Exception) -> bool:
        message = str(exc)
        return self.sess.hungup or "No such channel" in message or "invalid session" in message

    async def fail(self, message: str, cause: str | None = None) -> None:
        out = self.outcome
        where = self.attrs.get("span")
        cause = cause or self.rt.error_cause
        out.result, out.error, out.cause = Result.ERROR, message, cause
        self.sess.log.error("dialplan %s: %s%s; hanging up with %s", out.dialplan, printable(message),
                            f" (at {where})" if where else "", cause)
        self.step(f"error: {message}; hang up {cause}")
        if not self.sess.hungup:
            with contextlib.suppress(CommandFailed):
                await self.sess.hangup(cause)

    async def walk(self, start: int, *, one_route: bool) -> None:
        """Follow edges from ``start``; with ``one_route``, return at the next route."""
        node: int | None = start
        first = True
        while node is not None:
            attrs = self.nodes[node]
            if one_route and not first and not self.stack and attrs["kind"] in ROUTE_BOUNDARY:
                return
            first = False
            self.node, self.attrs = node, attrs
            node = await self.handlers[attrs["kind"]](node, attrs)

    def step(self, note: str = "") -> None:
        if not self.trace:
            return
        a = self.attrs
        s = Step(self.node, a.get("kind", ""), a.get("label", ""), note, len(self.stack),
                 a.get("span"))
        self.outcome.steps.append(s)
        if self.on_step is not None:
            self.on_step(s)

    # -- node kinds -----------------------------------------------------------------------------

    async def _next(self, node: int, attrs: dict) -> int | None:
        self.step()
        return self.edges[node].get(Edge.NEXT)

    async def _select(self, node: int, attrs: dict) -> int | None:
        header = attrs["header"]
        value = self.sess.get(header)
        dialplans = self.rt.graph.graph["dialplans"]
        name = value if value in dialplans else (
            DEFAULT_DIALPLAN if DEFAULT_DIALPLAN in dialplans else None)
        if name is None:
            self.outcome.result = Result.NO_DIALPLAN
            shown = f"{header}={value!r}" if value is not None else f"no {header}"
            self.step(f"{shown}: no dialplan of that name and no default")
            return None
        self.outcome.dialplan = name
        shown = f"{header}={value!r}" if value is not None else f"no {header}"
        self.step(f"{shown} → dialplan {name}")
        return dialplans[name]

    async def _dialplan(self, node: int, attrs: dict) -> int | None:
        self.hunt = bool(attrs.get("hunt"))
        tz_expr = attrs["timezone"]
        note = ""
        if tz_expr is not None:
            value = await evaluate(tz_expr, self)
            self.tz = timeofday.resolve_timezone(as_text(value)) if value is not None else None
            if self.tz is None and value is not None:
                self.sess.log.warning("unknown time zone %r; using the local time", value)
            note = f"time zone {as_text(value) or 'local'}"
            if self.tz is not None:
                self.outcome.timezone = as_text(value)
        if self.trace:
            self.outcome.local_time = timeofday.local_time(self.rt.clock, self.tz)
        self.step(note)
        return self.edges[node][Edge.NEXT]

    async def _guard(self, node: int, attrs: dict) -> int | None:
        ok = truthy(await evaluate(attrs["expr"], self))
        self.step("holds" if ok else "fails")
        return self.edges[node][Edge.MATCH if ok else Edge.NO_MATCH]

    async def _reject(self, node: int, attrs: dict) -> int | None:
        out = self.outcome
        out.result, out.cause = Result.REJECTED, attrs["cause"]
        self.step()
        await self.sess.hangup(attrs["cause"])
        return None

    async def _end(self, node: int, attrs: dict) -> int | None:
        out = self.outcome
        if self.hunt or self.nested:
            self.step(f"every route tried; {len(self.queue)} action(s) queued")
            return None
        if out.routes:
            self.step("done")
            return None
        out.result, out.cause = Result.NO_ROUTE, attrs["cause"]
        self.step("no route matched")
        await self.sess.hangup(attrs["cause"])
        return None

    async def _table(self, node: int, attrs: dict) -> int | None:
        index = attrs["index"]
        routes = attrs["routes"]
        get = self.get
        key = index.values(get)
        candidates = index.candidates(key)
        self.step(f"{len(candidates)} candidate route(s) of {attrs['count']}")
        position = -1
        while True:
            values = index.values(get)  # a route may have changed a header the index reads
            if values != key:
                key, candidates = values, index.candidates(values)
            nxt = index.next_after(candidates, position)
            if nxt is None:
                break
            await self.walk(routes[nxt], one_route=True)
            if self.outcome.stopped:
                return None
            position = nxt
        self.node, self.attrs = node, attrs
        return self.edges[node][Edge.EXIT]

    async def _match(self, node: int, attrs: dict) -> int | None:
        m = None
        if attrs["pattern"] is not None:
            value = self.get(attrs["field"])
            m = route_regex(attrs).match(value) if value is not None else None
            if m is None:
                self.step("no match" if value is not None else f"no {attrs['field']}")
                return self.edges[node][Edge.NO_MATCH]
        self.frame = _Frame(m)
        self.route_title = attrs["title"]
        into = self.edges[node][Edge.MATCH]
        if self.nodes[into]["kind"] == Kind.CONDITION and self.nodes[into]["role"] == Role.WHEN:
            self.step(_groups(m))
        else:
            self.outcome.routes.append(attrs["title"])
            self.step(_groups(m))
        return into

    async def _condition(self, node: int, attrs: dict) -> int | None:
        self.last_match = None
        ok = truthy(await evaluate(attrs["expr"], self))
        if ok and attrs["binds"] and self.last_match is not None:
            self.frame.bound[node] = self.last_match
        else:
            self.frame.bound.pop(node, None)
        if ok and attrs["role"] == Role.WHEN:
            self.outcome.routes.append(self.route_title or "")
        self.step("true" if ok else "false")
        return self.edges[node][Edge.THEN if ok else Edge.ELSE]

    async def _assign(self, node: int, attrs: dict) -> int | None:
        value = await evaluate(attrs["expr"], self)
        self.frame.locals[attrs["name"]] = value
        self.step(f"{attrs['name']} = {value!r}")
        return self.edges[node][Edge.NEXT]

    async def _stop(self, node: int, attrs: dict) -> int | None:
        self.outcome.stopped = True
        self.step("no further routes")
        return None

    async def _exit(self, node: int, attrs: dict) -> int | None:
        self.step()
        target, self.frame = self.stack.pop()
        return target

    async def _call(self, node: int, attrs: dict) -> int | None:
        if len(self.stack) >= MAX_DEPTH:
            raise EvalError(f"handlers nest more than {MAX_DEPTH} deep")
        entry = self.edges[node][Edge.CALL]
        params: list[ast.Param] = self.nodes[entry]["params"]
        names = [p.name.name for p in params]
        values: dict[str, Any] = {}
        positional, keywords = await self.arguments(attrs["args"])
        if len(positional) > len(names):
            raise EvalError(f"handler {attrs['target']}() takes {len(names)} positional arguments")
        values.update(zip(names, positional, strict=False))
        for name, value in keywords:
            if name not in names:
                raise EvalError(f"handler {attrs['target']}() has no parameter {name!r}")
            values[name] = value
        match = self.current_match()
        frame = _Frame(match, {})
        caller, self.frame = self.frame, frame
        try:
            for p in params:
                if p.name.name in values:
                    frame.locals[p.name.name] = values[p.name.name]
                elif p.default is not None:
                    frame.locals[p.name.name] = await evaluate(p.default, self)
                else:
                    raise EvalError(f"handler {attrs['target']}() needs {p.name.name!r}")
        finally:
            self.frame = caller
        self.step(", ".join(f"{k}={v!r}" for k, v in frame.locals.items()))
        self.stack.append((self.edges[node][Edge.NEXT], caller))
        self.frame = frame
        return entry

    async def _python(self, node: int, attrs: dict) -> int | None:
        positional, keywords = await self.arguments(attrs["args"])
        result = await self.rt.call_python(attrs["ref"], self.sess, self.current_match(),
                                           positional, dict(keywords))
        if result is True or self.has_left():
            self.outcome.stopped = True
            self.step("returned True: no further routes" if result is True
                      else "the call left switchy's routing")
            return None
        self.step()
        return self.edges[node][Edge.NEXT]

    async def _action(self, node: int, attrs: dict) -> int | None:
        action = ACTIONS[attrs["action"]]
        positional, keywords = await self.arguments(attrs["args"])
        bound = bind(action, positional, keywords)
        if bound.problems:
            raise EvalError(bound.problems[0].message)
        values: dict[str, Any] = {}
        for p in action.params:
            value = bound.values.get(p.name)
            if value is None:
                if p.default is REQUIRED:
                    raise EvalError(f"{action.name}() needs a value for {p.name!r}, got none")
                value = p.default
            values[p.name] = None if value is None else p.type.coerce(value)
        sess = self.sess
        if action.kind == "log":  # a caller's line breaks must not forge log lines
            getattr(sess.log, values["level"])("%s", printable(values["message"]))
            self.step(f"log {values['level']}: {values['message']}")
            return self.edges[node][Edge.NEXT]
        if action.kind == "mapping":
            extra = {k: as_text(v) for k, v in bound.extra.items()}

            def send() -> Any:
                return sess.setvars(extra)
        elif action.kind == "rehunt":
            def send() -> Any:
                return self.rehunt(values["extension"], values["context"])
        else:
            sent = {p.name: values[p.name] for p in action.params if not p.runtime}

            def send() -> Any:
                return getattr(sess, action.method)(**sent)
        if self.hunt and not attrs.get("inline"):
            self.queue.append((node, attrs, action, values, send))
            self.step("queued: sent after the last route")
            return self.edges[node]["next"]
        if await self.perform(action, values, send):
            self.outcome.stopped = True
            return None
        return self.edges[node][Edge.NEXT]

    async def perform(self, action: Action, values: dict[str, Any],
                      send: Callable[[], Any], note: str = "") -> bool:
        """Send one action and await FreeSWITCH's confirmation; True when the call has
        left switchy's routing. What the end of routing needs to know is noted here:
        whether it was park(), a bridge (and its cause), a hangup."""
        sess = self.sess
        if action.name == BRIDGE and not self.ended_by_us:  # (else refused anyway)
            await self.set_failover(values["failover"])
        command = send()
        self.left = self.left or sess.moved  # read when sent: a new park resets it
        self.step("; ".join(filter(None, [note, "the call leaves switchy's routing"
                                          if self.left else ""])))
        result = await command
        if action.kind == "rehunt":  # its own actions said how the call stands
            return self.has_left()
        self.keep = action.name == KEEPS_THE_CALL
        self.last_bridge_cause = bridge_cause(result, failover=bool(self.failover)) \
            if action.name == BRIDGE else None
        final = final_response(values["code"]) if action.name == "respond" else None
        if action.name == "hangup" or final is not None:  # the call ends: nothing to hang up
            self.ended_by_us = True
            self.outcome.cause = values["cause"] if final is None else sip_to_cause(final)
        return self.has_left()

    async def set_failover(self, wanted: bool) -> None:
        """Before a bridge: ``continue_on_fail`` as the bridge's ``failover`` asks, unless
        the dialplan set it itself (then FreeSWITCH applies the dialplan's value)."""
        name, value = FAILOVER_VARIABLE
        if self.failover is None and self.sess.get(f"variable_{name}") is not None:
            return
        if wanted and self.failover is not True:
            await self.sess.api(f"uuid_setvar {self.sess.uuid} {name} {value}")
            self.failover = True
        elif not wanted and self.failover:
            await self.sess.api(f"uuid_setvar {self.sess.uuid} {name} false")
            self.failover = False

    async def flush(self) -> None:
        """The end of a ``hunt``: send what the routes queued, in order (``finish`` then
        hangs up as FreeSWITCH does when an extension's applications run out). Nothing
        queued is no route (``NO_ROUTE_DESTINATION``), even if a route matched."""
        out = self.outcome
        if not self.queue:
            out.result, out.cause = Result.NO_ROUTE, NO_ROUTE_CAUSE
            self.step("nothing queued: no route")
            await self.sess.hangup(NO_ROUTE_CAUSE)
            return
        await self.send_queue()  # then ``finish`` ends the call as the extension would

    async def send_queue(self) -> None:
        """Send the queued actions in order; a transfer or deflect ends it."""
        for node, attrs, action, values, send in self.queue:
            self.node, self.attrs = node, attrs
            if await self.perform(action, values, send, "sent"):
                return

    async def rehunt(self, extension: str, context: str | None) -> None:
        """``execute_extension``: route the call again as if it had dialled ``extension``
        (``${...}`` expanded by FreeSWITCH), send what that chose, then go on."""
        if "${" in extension:
            # the author's ${...} is FreeSWITCH's to expand; a call's values in it stay literal
            reply = await self.sess.api(join(raw(f"eval uuid:{self.sess.uuid} "), extension),
                                        ok_if=lambda _reply: True)
            extension = str(reply).rstrip("\n")
        name = context or self.outcome.dialplan or ""
        entry = self.rt.graph.graph["dialplans"].get(name)
        if entry is None:
            raise EvalError(f"execute_extension: no dialplan {name!r}")
        if self.nested >= MAX_DEPTH:
            raise EvalError(f"execute_extension nests more than {MAX_DEPTH} deep")
        saved = (self.queue, self.hunt, self.overrides, self.frame, self.stack, self.tz,
                 self._now, self.outcome.stopped, self.node, self.attrs)
        self.queue, self.stack = [], []
        self.overrides = {**self.overrides, "Caller-Destination-Number": extension}
        self.nested += 1
        self.step(f"route {extension!r} through dialplan {name}")
        try:
            await self.walk(entry, one_route=False)
            if self.hunt:
                await self.send_queue()
        except StopRouting:
            pass
        finally:
            self.nested -= 1
            (self.queue, self.hunt, self.overrides, self.frame, self.stack, self.tz, self._now,
             self.outcome.stopped, self.node, self.attrs) = saved

    # -- arguments, captures ---------------------------------------------------------------

    async def arguments(self, args: list[ast.Arg]) -> tuple[list[Any], list[tuple[str, Any]]]:
        positional: list[Any] = []
        keywords: list[tuple[str, Any]] = []
        for arg in args:
            value = await evaluate(arg.value, self)
            if arg.name is None:
                positional.append(value)
            else:
                keywords.append((arg.name.name, value))
        return positional, keywords

    def current_match(self) -> re.Match | None:
        bound = self.frame.bound
        if bound:
            for cond in self.attrs.get("captures", ()):
                m = bound.get(cond)
                if m is not None:
                    return m
        return self.frame.match

    # -- the evaluator's Env ---------------------------------------------------------------------

    def local(self, name: str) -> tuple[bool, Any]:
        local_values = self.frame.locals
        if name in local_values:
            return True, local_values[name]
        return False, None

    def get(self, name: str) -> str | None:
        """A header of the call (as an execute_extension routes it)."""
        if self.overrides:
            value = self.overrides.get(name)
            if value is not None:
                return value
        return self.sess.get(name)

    def header(self, name: str) -> str | None:
        return self.get(name)

    def builtin(self, name: str) -> Any:
        if name == "inbound":
            return self.sess.is_inbound()
        if name == "outbound":
            return self.sess.is_outbound()
        if name == "uuid":
            return self.sess.uuid
        if name in timeofday.LIMITS or name in ("time", "date", "now"):
            if self._now is None:
                self._now = timeofday.local_time(self.rt.clock, self.tz)
            return timeofday.read(name, self._now)
        return MISSING

    def capture(self, ref: int | str) -> Any:
        m = self.current_match()
        if m is None:
            return None
        try:
            return m.group(ref)
        except IndexError:  # a group the pattern does not have (handlers see any caller's)
            return None

    def matched(self, m: re.Match) -> None:
        self.last_match = m

    def function(self, name: str, args: list[Any]) -> Any:
        if name == "randint":
            low, high = (_whole(a) for a in args)
            return self.rt.rng.randint(low, high)
        if name == "random":
            return self.rt.rng.random()
        if name == "header":
            return self.get(as_text(args[0])) if args else None
        raise EvalError(f"unknown function {name}()")

    async def python(self, ref: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        return await self.rt.call_python(ref, self.sess, self.current_match(), args, kwargs)


def route_regex(attrs: dict) -> re.Pattern:
    """A match node's compiled pattern, compiled on first use and kept on the node."""
    regex = attrs["regex"]
    if regex is None:
        regex, error = patterns.compile_pattern(attrs["pattern"])
        if regex is None:
            raise EvalError(f"invalid route pattern {attrs['pattern']!r}: {error.message if error else ''}")
        attrs["regex"] = regex
    return regex


# An endpoint module and a slash (sofia/, user/, loopback/...), maybe after {vars} / [vars].
def _whole(value: Any) -> int:
    if isinstance(value, bool):
        raise EvalError("randint() takes whole numbers")
    try:
        return int(str(value))
    except ValueError:
        raise EvalError(f"randint() takes whole numbers, got {value!r}") from None


def _groups(m: re.Match | None) -> str:
    if m is None:
        return "matches"
    groups = [f"${i}={g!r}" for i, g in enumerate(m.groups(), 1) if g is not None]
    return "match" + (f" {' '.join(groups)}" if groups else "")


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "a Python function did not finish in time"
    return str(exc) or type(exc).__name__
