"""Semantic checks: everything wrong with a dialplan that parses.

Runs over a loaded ``Program`` and returns diagnostics (codes in ``diagnostics``): names
that resolve to nothing, calls that do not fit the action table or the handler, invalid
regexes with the exact column, captures that do not exist, unreachable statements and
routes, time values out of range, unknown headers. Never raises on any program the
parser can produce.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from switchy.dialplan import ast, headers, patterns, timeofday
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.actions import ACTIONS, Action, bind
from switchy.dialplan.builtins import BUILTIN_NAMES, FUNCTIONS, MONTHS, TIME_NAMES, WEEKDAYS
from switchy.dialplan.frontend.loader import Program, load, load_text
from switchy.dialplan.frontend.strings import capture_like, unclosed_expansions
from switchy.dialplan.language import (
    DEFAULT_DIALPLAN,
    Callee,
    callee,
    handler_table,
    route_field,
    route_head,
)
from switchy.expansion import caller_variable, variables_named
from switchy.routing import NO_ROUTE_CAUSE

_SHADOW_BUDGET = 3000  # automaton comparisons per dialplan before shadow checks give up


@dataclass
class Scope:
    """What a name or capture can refer to at one point of the program."""

    kind: str  # "route" | "handler" | "guard" | "timezone"
    names: set[str] = field(default_factory=set)  # parameters and locals
    groups: int = 0
    named: set[str] = field(default_factory=set)
    captures_known: bool = True  # False in handlers: the caller's pattern decides
    has_pattern: bool = False
    owner: str = ""

    def with_captures(self, groups: int, named: set[str]) -> Scope:
        return Scope(self.kind, self.names, max(self.groups, groups), self.named | named,
                     self.captures_known, True, self.owner)


def _built_pattern(cond: ast.Expr) -> bool:
    """Does ``cond`` match a regex only known at run time (an f-string, a function's value)?"""
    return any(isinstance(n, ast.Compare) and n.op in ("=~", "!~") and not isinstance(n.right, ast.Str)
               for n in ast.walk(cond))


class Checker:
    def __init__(self, program: Program):
        self.program = program
        self.out: list[dg.Diagnostic] = []
        self.handlers: dict[str, ast.Handler] = {}
        self.calls: dict[str | None, set[str]] = {}  # handler (None: routes) -> callees
        self.current_handler: str | None = None
        self.hunting: bool | None = False  # in a `hunt` dialplan (None: a handler, unknown)

    def emit(self, code: str, message: str, span: ast.Span, **kw) -> None:
        self.out.append(dg.make(code, message, span, **kw))

    # -- entry --------------------------------------------------------------------------

    def run(self) -> list[dg.Diagnostic]:
        self.check_declarations()
        self.check_routes_exist()
        for handler in self.program.handlers:
            self.check_handler(handler)
        for dialplan in self.program.dialplans:
            self.check_dialplan(dialplan)
        self.check_handler_use()
        return self.out

    # -- declarations -------------------------------------------------------------------

    def check_declarations(self) -> None:
        seen: dict[str, ast.Node] = {}
        for d in self.program.dialplans:
            prior = seen.get(d.name.name)
            if prior is not None:
                if d.implicit or getattr(prior, "implicit", False):
                    explicit = prior if d.implicit else d
                    implicit = d if d.implicit else prior
                    self.emit("SWR212", "routes, guards and time zones outside a `dialplan` "
                              f"block belong to dialplan {DEFAULT_DIALPLAN!r}, which is also "
                              "declared: move them into it", implicit.span,
                              related=(dg.Related(explicit.name.span, "declared here"),))
                else:
                    self.emit("SWR207", f"dialplan {d.name.name!r} is declared twice",
                              d.name.span, related=(dg.Related(prior.name.span, "first here"),))
            else:
                seen[d.name.name] = d
        if self.program.dialplans and not any(
            d.name.name == DEFAULT_DIALPLAN for d in self.program.dialplans
        ):
            first = self.program.dialplans[0]
            names = ", ".join(repr(d.name.name) for d in self.program.dialplans)
            self.out.append(dg.make(
                "SWR217", f"no dialplan named {DEFAULT_DIALPLAN!r}: only calls whose "
                f"{self.program.select_header} is {names} are routed", first.name.span,
                severity=dg.Severity.INFO))
        self.handlers = handler_table(self.program.handlers)
        for h in self.program.handlers:
            name = h.name.name
            first = self.handlers[name]
            if first is not h:
                self.emit("SWR207", f"handler {name!r} is declared twice", h.name.span,
                          related=(dg.Related(first.name.span, "first here"),))
                continue
            kind = callee(name, self.handlers)
            if kind is not Callee.HANDLER:
                what = "action" if kind is Callee.ACTION else "built-in function"
                self.emit("SWR209", f"handler {name!r} has the name of the {what} "
                          f"{name}(); choose another name", h.name.span)
        for extra in self.program.selects[1:]:
            self.emit("SWR207", "`select` is given twice; one header selects the dialplan",
                      extra.span, related=(dg.Related(self.program.selects[0].span,
                                                      "first here"),))
        for sel in self.program.selects[:1]:
            self.check_header_name(sel.header.name, sel.header.span, set())

    def check_routes_exist(self) -> None:
        """A program that routes nothing: every call would wait for its park timeout, or
        be hung up at once. Legal, and almost never what was meant (SWR320)."""
        if not self.program.dialplans:
            first = next(iter(self.program.files), None)
            if first is not None and not self.program.diagnostics:
                self.emit("SWR320", "no routes: this dialplan routes no call (each would stay "
                          "parked until switchy's park timeout hangs it up)",
                          ast.Span(first, 1, 1, 1, 1, 0, 0))
            return
        for d in self.program.dialplans:
            if not any(isinstance(item, ast.Route) for item in d.items):
                self.emit("SWR320", f"dialplan {d.name.name!r} has no routes: every call it "
                          f"gets is hung up with {NO_ROUTE_CAUSE}", d.name.span)

    # -- handlers and dialplans -----------------------------------------------------------

    def check_handler(self, handler: ast.Handler) -> None:
        scope = Scope("handler", captures_known=False, owner=handler.name.name)
        seen: set[str] = set()
        for p in handler.params:
            if p.name.name in seen:
                self.emit("SWR207", f"parameter {p.name.name!r} is declared twice", p.name.span)
            seen.add(p.name.name)
            self.warn_hides_builtin(p.name)
            if p.default is not None:
                self.expr(p.default, Scope("guard", captures_known=False))
        scope.names = seen | assigned_names(handler.body)
        self.current_handler = handler.name.name
        self.calls.setdefault(handler.name.name, set())
        self.hunting = None
        self.block(handler.body, scope)
        self.hunting = False
        self.current_handler = None

    def check_dialplan(self, dialplan: ast.Dialplan) -> None:
        tzs = dialplan.timezones
        for extra in tzs[1:]:
            self.emit("SWR207", "`timezone` is given twice in this dialplan", extra.span,
                      related=(dg.Related(tzs[0].span, "first here"),))
        for tz in tzs:
            self.expr(tz.value, Scope("timezone", has_pattern=False))
            if isinstance(tz.value, ast.Str) and timeofday.resolve_timezone(tz.value.value) is None:
                self.emit("SWR404", f"unknown time zone {tz.value.value!r}: use an IANA name "
                          "such as 'Europe/Berlin' or an offset such as '+02:00'", tz.value.span)
        hunts = dialplan.hunts
        for extra in hunts[1:]:
            self.emit("SWR207", "`hunt` is given twice in this dialplan", extra.span,
                      related=(dg.Related(hunts[0].span, "first here"),))
        self.hunting = bool(hunts)
        for guard in dialplan.guards:
            self.expr(guard.condition, Scope("guard"))
        names: dict[str, ast.Route] = {}
        for route in dialplan.routes:
            if route.name is not None:
                prior = names.get(route.name.name)
                if prior is not None:
                    self.emit("SWR207", f"route {route.name.name!r} is declared twice in "
                              f"dialplan {dialplan.name.name!r}", route.name.span,
                              related=(dg.Related(prior.name.span, "first here"),))
                else:
                    names[route.name.name] = route
            self.check_route(route)
        self.hunting = False
        self.check_shadowing(dialplan)

    def check_route(self, route: ast.Route) -> None:
        scope = Scope("route", owner=route.name.name if route.name else "")
        if route.pattern is not None:
            groups, named = self.check_regex(route.pattern.regex)
            scope = scope.with_captures(groups, named)
            if route.pattern.field is not None:
                self.check_header_name(route.pattern.field.name, route.pattern.field.span, set())
        if route.body is not None:
            scope.names = assigned_names(route.body)
        if route.when is not None:
            self.expr(route.when, scope)
        if route.body is not None:
            self.block(route.body, scope)
        elif route.target is not None:
            self.call(route.target, scope, statement=True)

    # -- statements ---------------------------------------------------------------------

    def block(self, block: ast.Block, scope: Scope) -> None:
        ended: ast.Stmt | None = None
        for stmt in block.statements:
            dead = False
            if ended is not None:
                what = _ending_word(ended)
                if isinstance(ended, ast.Stop | ast.Return | ast.If):
                    self.emit("SWR302", f"this never runs: it comes after {what}", stmt.span,
                              unnecessary=True, related=(dg.Related(ended.span, f"{what} is here"),))
                    dead = True
                elif not isinstance(stmt, ast.Stop | ast.Return):
                    # After hangup()/transfer()/deflect() the call is gone from here; only
                    # `stop` (keep later routes away from it) still means something.
                    self.emit("SWR302", f"this has no effect: the call has left after {what}",
                              stmt.span, unnecessary=True,
                              related=(dg.Related(ended.span, f"{what} is here"),))
                    dead = True
                ended = None  # one warning per run of dead code
            self.statement(stmt, scope)
            if not dead and self.ends(stmt):
                ended = stmt

    def statement(self, stmt: ast.Stmt, scope: Scope) -> None:
        if isinstance(stmt, ast.CallStmt):
            if stmt.inline:
                self.check_inline(stmt)
            self.call(stmt.call, scope, statement=True)
        elif isinstance(stmt, ast.Assign):
            self.warn_hides_builtin(stmt.target)
            self.expr(stmt.value, scope)
        elif isinstance(stmt, ast.If):
            for branch in stmt.branches:
                self.expr(branch.condition, scope)
                groups, named = self.condition_captures(branch.condition)
                inner = scope.with_captures(groups, named) if groups or named else scope
                if _built_pattern(branch.condition):  # a regex made at run time: any group may exist
                    inner = replace(inner, captures_known=False, has_pattern=True)
                self.block(branch.body, inner)
            if stmt.orelse is not None:
                self.block(stmt.orelse, scope)

    def check_inline(self, stmt: ast.CallStmt) -> None:
        name = stmt.call.name
        if isinstance(stmt.call.callee, ast.PyRef) or callee(name, self.handlers) is not Callee.ACTION:
            self.emit("SWR218", f"`inline` sends one action at once; {name}() is not an action",
                      stmt.span)
        elif self.hunting is False:
            self.emit("SWR219", "`inline` has no effect here: this dialplan sends every action "
                      "at once (only a `hunt` dialplan queues them)", stmt.span)

    def ends(self, stmt: ast.Stmt) -> bool:
        """Does control never continue past ``stmt`` (stop, return, hangup, transfer...)?"""
        if isinstance(stmt, ast.Stop | ast.Return):
            return True
        if self.hunting and isinstance(stmt, ast.CallStmt) and not stmt.inline:
            return False  # queued: routing goes on, the action is sent after the last route
        if isinstance(stmt, ast.CallStmt) and isinstance(stmt.call.callee, ast.Ident):
            action = ACTIONS.get(stmt.call.callee.name)
            return bool(action and action.ends_call)
        if isinstance(stmt, ast.If) and stmt.orelse is not None:
            blocks = [b.body for b in stmt.branches] + [stmt.orelse]
            return all(any(self.ends(s) for s in b.statements) for b in blocks)
        return False

    # -- calls --------------------------------------------------------------------------

    def call(self, call: ast.Call, scope: Scope, statement: bool) -> None:
        positional, keywords = self.split_args(call)
        for arg in call.args:
            self.expr(arg.value, scope)
        if isinstance(call.callee, ast.PyRef):
            self.check_pyref(call.callee)
            return
        name = call.callee.name
        kind = callee(name, self.handlers)
        if kind is Callee.HANDLER:
            self.calls.setdefault(self.current_handler, set()).add(name)
            if not statement:
                self.emit("SWR215", f"handler {name}() runs actions; it cannot be used as a "
                          "value", call.span)
            self.check_handler_call(call, self.handlers[name], positional, keywords)
        elif kind is Callee.ACTION:
            if not statement:
                self.emit("SWR215", f"{name}() is an action; it cannot be used as a value "
                          "(actions are statements)", call.span)
            self.check_action_call(call, ACTIONS[name], positional, keywords)
        elif kind is Callee.FUNCTION:
            fn = FUNCTIONS[name]
            if statement:
                self.emit("SWR215", f"{name}() only computes a value; use it in a condition, "
                          f"e.g. `if {name}(...) ...`", call.span)
            if keywords or len(positional) != len(fn.params):
                self.emit("SWR205", f"{fn.signature} takes {len(fn.params)} argument"
                          f"{'s' if len(fn.params) != 1 else ''}", call.span)
        else:
            pool = list(ACTIONS) + list(self.handlers) + list(FUNCTIONS)
            guess = dg.did_you_mean(name, pool)
            hint = f"; did you mean {guess}()?" if guess else ""
            self.emit("SWR201", f"unknown action or handler {name!r}{hint}", call.callee.span,
                      fix=guess)

    def check_pyref(self, ref: ast.PyRef) -> None:
        """The top-level package must be importable (found without running any code)."""
        top = ref.module.split(".")[0]
        try:
            found = importlib.util.find_spec(top) is not None
        except (ImportError, ValueError):
            found = False
        if not found:
            self.emit("SWR214", f"cannot find Python module {top!r} for {ref.name}: is it "
                      "installed, or on PYTHONPATH?", ref.span)

    def split_args(self, call: ast.Call) -> tuple[list[ast.Arg], list[ast.Arg]]:
        positional, keywords = [], []
        for arg in call.args:
            if arg.name is None:
                if keywords:
                    self.emit("SWR216", "a positional argument cannot follow a keyword "
                              "argument", arg.span)
                    continue
                positional.append(arg)
            else:
                keywords.append(arg)
        return positional, keywords

    def check_action_call(self, call: ast.Call, action: Action, positional, keywords) -> None:
        bound = bind(action, [a.value for a in positional],
                     [(a.name.name, a.value) for a in keywords])
        for problem in bound.problems:
            span, where = call.span, problem.where
            if isinstance(where, int) and where < len(positional):
                span = positional[where].span
            elif isinstance(where, str):
                arg = next((a for a in keywords if a.name.name == where), None)
                if arg is not None:
                    span = arg.name.span
            self.emit(problem.code, problem.message, span, fix=problem.fix)
        for pname, value in bound.values.items():
            param = action.param(pname)
            known, literal = literal_value(value)
            if not known:
                continue
            if literal is None:
                if param.required:
                    self.emit("SWR204", f"{action.name}() needs a value for {pname!r}",
                              value.span)
                continue
            problem = param.type.check(literal)
            if problem:
                self.emit("SWR204", f"{action.name}({pname}=...): {problem}", value.span)
        for value in bound.extra.values():
            known, literal = literal_value(value)
            if known and isinstance(literal, list):
                self.emit("SWR204", f"{action.name}(): a variable's value cannot be a list",
                          value.span)

    def check_handler_call(self, call: ast.Call, handler: ast.Handler, positional,
                           keywords) -> None:
        params = [p.name.name for p in handler.params]
        given: set[str] = set()
        for i, arg in enumerate(positional):
            if i >= len(params):
                self.emit("SWR205", f"handler {handler.name.name}() takes at most "
                          f"{len(params)} positional argument{'s' if len(params) != 1 else ''}",
                          arg.span)
            else:
                given.add(params[i])
        for arg in keywords:
            name = arg.name.name
            if name not in params:
                guess = dg.did_you_mean(name, params)
                hint = f"; did you mean {guess!r}?" if guess else ""
                declared = ", ".join(params) or "no parameters"
                self.emit("SWR202", f"handler {handler.name.name}() has no parameter "
                          f"{name!r}{hint} (it declares {declared})", arg.name.span,
                          related=(dg.Related(handler.name.span, "handler declared here"),),
                          fix=guess)
            elif name in given:
                self.emit("SWR206", f"{name!r} is given twice", arg.name.span)
            given.add(name)
        for p in handler.params:
            if p.default is None and p.name.name not in given:
                self.emit("SWR203", f"handler {handler.name.name}() needs {p.name.name!r} "
                          "(it has no default)", call.span,
                          related=(dg.Related(p.span, "parameter declared here"),))

    def check_handler_use(self) -> None:
        used: set[str] = set()
        frontier = list(self.calls.get(None, set()))
        while frontier:
            name = frontier.pop()
            if name in used:
                continue
            used.add(name)
            frontier.extend(self.calls.get(name, set()))
        for name, handler in self.handlers.items():
            if name not in used:
                self.emit("SWR208", f"handler {name!r} is never called", handler.name.span,
                          unnecessary=True)
        reported: set[frozenset[str]] = set()
        for name, handler in self.handlers.items():
            cycle = self.find_cycle(name)
            if cycle and frozenset(cycle) not in reported:
                reported.add(frozenset(cycle))
                self.emit("SWR213", "handler calls itself: " + " → ".join(cycle),
                          handler.name.span)

    def find_cycle(self, start: str) -> list[str] | None:
        stack = [(start, [start])]
        seen: set[str] = set()
        while stack:
            node, path = stack.pop()
            for nxt in self.calls.get(node, ()):
                if nxt == start:
                    return [*path, start]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, [*path, nxt]))
        return None

    # -- expressions --------------------------------------------------------------------

    def expr(self, e: ast.Expr, scope: Scope, regex: bool = False) -> None:
        if isinstance(e, ast.Name):
            self.name(e, scope)
        elif isinstance(e, ast.Capture):
            self.capture(e, scope)
        elif isinstance(e, ast.Str):
            self.plain_string(e, regex)
        elif isinstance(e, ast.FStr):
            for part in e.parts:
                if isinstance(part, ast.Expr):
                    self.expr(part, scope)
            self.fstring_text(e)
        elif isinstance(e, ast.Compare):
            self.compare(e, scope)
        elif isinstance(e, ast.BoolOp):
            for operand in e.operands:
                self.expr(operand, scope)
        elif isinstance(e, ast.Not):
            self.expr(e.operand, scope)
        elif isinstance(e, ast.Range):
            self.emit("SWR306", "a range (a..b) only makes sense after `in`, "
                      "e.g. `hour in 8..17`", e.span)
            self.expr(e.low, scope)
            self.expr(e.high, scope)
        elif isinstance(e, ast.ListExpr):
            for item in e.items:
                self.expr(item, scope)
        elif isinstance(e, ast.Call):
            self.call(e, scope, statement=False)
        elif isinstance(e, ast.TimeLit) and e.value is None:
            self.emit("SWR401", f"{e.raw} is not a time of day (00:00 to 23:59:59)", e.span)
        elif isinstance(e, ast.DateLit | ast.DateTimeLit) and e.value is None:
            self.emit("SWR401", f"{e.raw} is not a valid date", e.span)

    def name(self, e: ast.Name, scope: Scope) -> None:
        if e.name in scope.names or e.name in BUILTIN_NAMES:
            return
        self.check_header_name(e.name, e.span, scope.names)

    def check_header_name(self, name: str, span: ast.Span, local_names: set[str]) -> None:
        profile_header = headers.PROFILE_HEADERS.get(name)
        if profile_header is not None and name not in local_names:
            self.emit("SWR420", f"{name!r} is not on a parked call's events (FreeSWITCH keeps "
                      f"it in the caller profile, sent as {profile_header!r}); it reads as none "
                      f"here: use {profile_header!r}", span, fix=profile_header)
            return
        if not headers.should_warn(name):
            return
        guess = headers.suggest(name, also=sorted(local_names | set(BUILTIN_NAMES)))
        if guess:
            message = f"{name!r} is not a header or variable FreeSWITCH sets; did you mean " \
                      f"{guess!r}?"
        elif not name.startswith("variable_") and name[:1].islower():
            message = (f"{name!r} is not a parameter, a built-in or a header FreeSWITCH "
                       f"sets; channel variables are read as 'variable_{name}'")
            guess = None
        else:
            message = f"{name!r} is not a header or variable FreeSWITCH sets"
        self.emit("SWR402", message + " (a missing header reads as none)", span, fix=guess)

    def capture(self, e: ast.Capture, scope: Scope) -> None:
        if not scope.captures_known:
            return
        if scope.kind in ("guard", "timezone") or not scope.has_pattern:
            self.emit("SWR308", f"${e.ref} has nothing to capture from here: captures come "
                      "from the route pattern or an `=~` test", e.span)
            return
        if isinstance(e.ref, int):
            if e.ref > scope.groups:
                self.emit("SWR304", f"${e.ref} does not exist: the pattern has "
                          f"{scope.groups} group{'s' if scope.groups != 1 else ''}", e.span)
        elif e.ref not in scope.named:
            known = ", ".join(sorted("$" + n for n in scope.named)) or "no named groups"
            self.emit("SWR304", f"${e.ref} does not exist (the pattern has {known}); name a "
                      f"group with (?P<{e.ref}>...)", e.span)

    def compare(self, e: ast.Compare, scope: Scope) -> None:
        self.expr(e.left, scope)
        if e.op in ("=~", "!~"):
            if isinstance(e.right, ast.Str):
                self.check_regex(e.right)
            else:
                self.expr(e.right, scope, regex=True)
            return
        if e.op in ("in", "not in"):
            items = e.right.items if isinstance(e.right, ast.ListExpr) else [e.right]
            for item in items:
                ends = [item.low, item.high] if isinstance(item, ast.Range) else [item]
                for end in ends:
                    if not self.is_time_word(e.left, end, scope):
                        self.expr(end, scope)
            if not isinstance(e.right, ast.ListExpr | ast.Range) and not isinstance(
                    e.right, ast.Name | ast.Str | ast.FStr | ast.Capture | ast.Call):
                self.emit("SWR307", "`in` needs a range (a..b) or a list [a, b, ...] on its "
                          "right", e.right.span)
        elif not self.is_time_word(e.left, e.right, scope):
            self.expr(e.right, scope)
        time_name = self.time_name(e.left, scope)
        if time_name:
            self.check_time_operand(time_name, e.right, scope)

    def is_time_word(self, left: ast.Expr, item: ast.Expr, scope: Scope) -> bool:
        name = self.time_name(left, scope)
        return bool(name in ("weekday", "month") and isinstance(item, ast.Name)
                    and item.name not in scope.names)

    def time_name(self, e: ast.Expr, scope: Scope) -> str | None:
        if isinstance(e, ast.Name) and e.name in TIME_NAMES and e.name not in scope.names:
            return e.name
        return None

    def check_time_operand(self, name: str, e: ast.Expr, scope: Scope) -> None:
        if isinstance(e, ast.ListExpr):
            for item in e.items:
                self.check_time_operand(name, item, scope)
            return
        if isinstance(e, ast.Range):
            self.check_time_operand(name, e.low, scope)
            self.check_time_operand(name, e.high, scope)
            return
        if isinstance(e, ast.Name):
            if e.name in scope.names:
                return
            if name in ("weekday", "month"):
                if timeofday.symbolic(name, e.name) is None:
                    choices = WEEKDAYS if name == "weekday" else MONTHS
                    guess = dg.did_you_mean(e.name, choices)
                    hint = f"; did you mean {guess}?" if guess else ""
                    self.emit("SWR405", f"{e.name!r} is not a {'day' if name == 'weekday' else 'month'}"
                              f" ({choices[0]} ... {choices[-1]}){hint}", e.span, fix=guess)
                return
            return  # a header compared with a time value: nothing to say statically
        if name == "weekday" and isinstance(e, ast.Number):
            self.emit("SWR405", "write weekdays by name (mon ... sun): numbers are ambiguous "
                      "(FreeSWITCH counts sun=1, Python mon=0)", e.span)
            return
        if name in timeofday.LIMITS and isinstance(e, ast.Number):
            low, high = timeofday.LIMITS[name]
            if not isinstance(e.value, int) or not low <= e.value <= high:
                self.emit("SWR401", f"{name} is between {low} and {high}; {e.raw} is out of "
                          "range", e.span)
            return
        expected = {"time": ast.TimeLit, "date": ast.DateLit | ast.DateTimeLit,
                    "now": ast.DateLit | ast.DateTimeLit}.get(name)
        literal_types = (ast.Number, ast.TimeLit, ast.DateLit, ast.DateTimeLit, ast.Str)
        if expected is not None and isinstance(e, literal_types) and not isinstance(e, expected):
            example = {"time": "08:30", "date": "2024-12-24", "now": "2024-12-24T08:30"}[name]
            self.emit("SWR405", f"compare {name} with a value like {example}", e.span)
        elif name in timeofday.LIMITS and isinstance(e, ast.TimeLit | ast.DateLit |
                                                     ast.DateTimeLit | ast.Str):
            self.emit("SWR405", f"compare {name} with a number", e.span)

    def condition_captures(self, cond: ast.Expr) -> tuple[int, set[str]]:
        groups, named = 0, set()
        for node in ast.walk(cond):
            if isinstance(node, ast.Compare) and node.op == "=~" and isinstance(node.right, ast.Str):
                g, n = patterns.group_info(node.right.value)
                groups, named = max(groups, g), named | n
        return groups, named

    # -- strings and regexes -----------------------------------------------------------

    def check_regex(self, s: ast.Str) -> tuple[int, set[str]]:
        if patterns.is_plain(s.value):  # ^5551234567$: valid, no groups, nothing to compile
            return 0, set()
        compiled, error = patterns.compile_pattern(s.value)
        if error is not None:
            span = s.span
            if error.offset is not None:
                span = self.offset_in_string(s, error.offset)
            self.emit("SWR301", f"invalid regular expression: {error.message}", span)
            return 0, set()
        if compiled is None:
            return 0, set()
        if patterns.nested_quantifier(s.value) is not None:
            runs_on = "RE2 runs it in linear time" if patterns.engine(s.value) == "re2" else \
                f"it runs with a {patterns.MATCH_TIMEOUT * 1000:g} ms limit per match"
            self.emit("SWR331", "nested quantifiers (a repeat inside a repeat, like (a+)+): a "
                      f"backtracking engine takes exponential time on a long caller value; {runs_on}, "
                      "but prefer one quantifier, e.g. (a+)+ → a+", s.span)
        return compiled.groups, set(compiled.groupindex)

    def offset_in_string(self, s: ast.Str, offset: int) -> ast.Span:
        """The span of character ``offset`` of a string's value, mapped back to the raw text."""
        raw = s.raw or f'"{s.value}"'
        body_start = 1
        i, value_index = body_start, 0
        while i < len(raw) - 1 and value_index < offset:
            if raw[i] == "\\" and i + 1 < len(raw) - 1 and raw[i + 1] in "\"'\\":
                i += 2
            else:
                i += 1
            value_index += 1
        col = s.span.column + i
        start = s.span.start + i
        if s.span.line != s.span.end_line:
            return s.span
        return ast.Span(s.span.file, s.span.line, col, s.span.line, col + 1, start, start + 1)

    def plain_string(self, s: ast.Str, regex: bool) -> None:
        for offset in unclosed_expansions(s.value):
            self.emit("SWR403", "'${' is never closed: FreeSWITCH would not expand it",
                      self.offset_in_string(s, offset))
        if regex:
            return
        for offset, name in variables_named(s.value):
            self.caller_passthrough(name, self.offset_in_string(s, offset))
        for offset, text in capture_like(s.value):
            inner = text.strip("${}")
            self.emit("SWR305", f"{text} in a plain string is sent to FreeSWITCH as is; to "
                      f"insert capture {inner} write an f-string: f\"...{{${inner}}}...\"",
                      self.offset_in_string(s, offset))

    def caller_passthrough(self, name: str, span: ast.Span) -> None:
        header = caller_variable(name)
        if header is None:
            return
        self.emit("SWR330", f"${{{name}}} is the caller's text, and FreeSWITCH expands it again when "
                  f"it reads it (a caller named ${{system(...)}} runs a command); interpolate "
                  f"it instead, so switchy sends it literally: f\"...{{{header}}}...\"", span)

    def fstring_text(self, e: ast.FStr) -> None:
        for part in e.parts:
            if isinstance(part, ast.Passthrough):
                for _, name in variables_named(part.text):
                    self.caller_passthrough(name, e.span)
            if isinstance(part, str):
                for _, text in capture_like(part):
                    inner = text.strip("${}")
                    self.emit("SWR305", f"{text} is sent to FreeSWITCH as is; write "
                              f"{{${inner}}} to insert the capture", e.span)

    def warn_hides_builtin(self, ident: ast.Ident) -> None:
        if ident.name in BUILTIN_NAMES or ident.name in FUNCTIONS:
            self.emit("SWR406", f"{ident.name!r} hides the built-in of the same name here",
                      ident.span)

    # -- route shadowing ----------------------------------------------------------------

    def always_stops(self, stmts: Iterable[ast.Stmt], depth: int = 0) -> bool:
        if depth > 20:
            return False
        for stmt in stmts:
            if isinstance(stmt, ast.Stop):
                return True
            if isinstance(stmt, ast.Return):
                return False
            if isinstance(stmt, ast.If) and stmt.orelse is not None:
                blocks = [b.body.statements for b in stmt.branches] + [stmt.orelse.statements]
                if all(self.always_stops(b, depth + 1) for b in blocks):
                    return True
            if isinstance(stmt, ast.CallStmt) and self.call_always_stops(stmt.call, depth):
                return True
        return False

    def call_always_stops(self, call: ast.Call, depth: int) -> bool:
        if isinstance(call.callee, ast.Ident) and \
                callee(call.callee.name, self.handlers) is Callee.HANDLER:
            return self.always_stops(self.handlers[call.callee.name].body.statements, depth + 1)
        return False

    def route_always_stops(self, route: ast.Route) -> bool:
        if route.when is not None:
            return False
        if route.body is not None:
            return self.always_stops(route.body.statements)
        return route.target is not None and self.call_always_stops(route.target, 0)

    def check_shadowing(self, dialplan: ast.Dialplan) -> None:
        exact: dict[tuple[str, str], ast.Route] = {}  # (field, literal) -> stopping route
        general: list[tuple[str, str, ast.Route]] = []  # (field, pattern, route)
        catch_all: ast.Route | None = None
        budget = _SHADOW_BUDGET
        for route in dialplan.routes:
            fld, text = _route_key(route)
            culprit = catch_all
            if culprit is None and text is not None and patterns.is_valid(text):
                literal = patterns.is_exact_literal(text)
                if literal is not None:
                    culprit = exact.get((fld, literal))
                    if culprit is None:
                        culprit = next((r for f, p, r in general if f == fld
                                        and patterns.match(p, literal) is not None), None)
                else:
                    prefix = patterns.literal_prefix(text)
                    for f, p, r in general:
                        if f != fld or budget <= 0:
                            continue
                        wide_prefix = patterns.literal_prefix(p)
                        if not (prefix.startswith(wide_prefix) or wide_prefix.startswith(prefix)):
                            continue
                        budget -= 1
                        if patterns.covers(p, text):
                            culprit = r
                            break
            if culprit is not None:
                where = f"route {culprit.name.name!r}" if culprit.name else "an earlier route"
                self.emit("SWR303", f"this route can never run: {where} matches every call "
                          "it matches and always stops", route_head(route), unnecessary=True,
                          related=(dg.Related(route_head(culprit), "the route that stops "
                                              "first"),))
                continue
            if not self.route_always_stops(route):
                continue
            if text is None:
                catch_all = catch_all or route
            elif patterns.is_valid(text):
                literal = patterns.is_exact_literal(text)
                if literal is not None:
                    exact.setdefault((fld, literal), route)
                else:
                    general.append((fld, text, route))


def _route_key(route: ast.Route) -> tuple[str, str | None]:
    return route_field(route), route.pattern.regex.value if route.pattern else None


def _ending_word(stmt: ast.Stmt) -> str:
    if isinstance(stmt, ast.Stop):
        return "`stop`"
    if isinstance(stmt, ast.Return):
        return "`return`"
    if isinstance(stmt, ast.CallStmt):
        return f"{stmt.call.name}()"
    return "a branch that always ends"


def assigned_names(block: ast.Block) -> set[str]:
    """Names assigned anywhere in ``block``. Assignments are statements, so only blocks
    are visited, not expressions: a third of the checker's time went to walking them."""
    names: set[str] = set()
    blocks = [block]
    while blocks:
        for stmt in blocks.pop().statements:
            if isinstance(stmt, ast.Assign):
                names.add(stmt.target.name)
            elif isinstance(stmt, ast.If):
                blocks.extend(branch.body for branch in stmt.branches)
                if stmt.orelse is not None:
                    blocks.append(stmt.orelse)
    return names


def literal_value(e: ast.Expr) -> tuple[bool, object]:
    """(True, value) when ``e`` is a literal whose value the checker can judge."""
    if isinstance(e, ast.Str):
        return True, e.value
    if isinstance(e, ast.Number | ast.Bool):
        return True, e.value
    if isinstance(e, ast.NoneLit):
        return True, None
    if isinstance(e, ast.ListExpr):
        values = []
        for item in e.items:
            known, v = literal_value(item)
            if not known:
                return False, None
            values.append(v)
        return True, values
    if isinstance(e, ast.TimeLit | ast.DateLit | ast.DateTimeLit):
        return True, e.value if e.value is not None else e.raw
    return False, None


# -- public API ------------------------------------------------------------------------


def check(program: Program) -> list[dg.Diagnostic]:
    """All diagnostics of a loaded program (syntax and semantics), ``# noqa`` applied."""
    semantic: list[dg.Diagnostic] = []
    try:
        semantic = Checker(program).run()
    except RecursionError:
        semantic = [dg.make("SWR101", "this file nests too deeply to check",
                            ast.Span.unknown(next(iter(program.files), "<string>")))]
    # A line with a syntax error was read by guesswork: say nothing more about it.
    broken = {(d.span.file, d.span.line) for d in program.diagnostics if d.code < "SWR2"}
    semantic = [d for d in semantic if (d.span.file, d.span.line) not in broken]
    diags = dg.apply_noqa(program.diagnostics + semantic, program.texts)
    return sorted(_dedupe(diags), key=dg.sort_key)


def _dedupe(diags: list[dg.Diagnostic]) -> list[dg.Diagnostic]:
    seen = set()
    out = []
    for d in diags:
        key = (d.code, d.message, d.span)
        if key not in seen:
            seen.add(key)
            out.append(d)
    return out


def check_text(text: str, file: str = "<string>") -> list[dg.Diagnostic]:
    return check(load_text(text, file))


def check_paths(paths: Iterable[str | Path]) -> tuple[Program, list[dg.Diagnostic]]:
    program = load(paths)
    return program, check(program)


__all__ = ["Checker", "check", "check_paths", "check_text"]
