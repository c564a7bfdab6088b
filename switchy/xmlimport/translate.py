"""XML dialplans as ``.swr`` text: one ``hunt`` dialplan per context, one route per
extension, in FreeSWITCH's own order and logic.

FreeSWITCH's ``parse_exten`` walks an extension's conditions with a ``proceed`` flag and
``break`` rules; this module walks them the same way, but at import time, writing down
every path as ``.swr`` statements (continuation-passing: what follows a condition is
written inside each of its outcomes, then common tails are joined again). Each condition's
outcome — does it pass (actions, else anti-actions), what ``proceed`` becomes, whose
captures ``$N`` reads — is computed by simulating FreeSWITCH's code over every true/false
combination of its tests; those combinations become an ``if`` tree, smallest first.

The dialplan is a ``hunt`` dialplan, so the actions a route reaches are queued and sent
after the last route, ``inline`` ones at once; an extension that matched and does not
``continue`` ends with ``stop``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from switchy.dialplan import patterns
from switchy.session import is_dial_string
from switchy.xmlimport import apps
from switchy.xmlimport.fields import (
    CondField,
    FieldError,
    FieldValue,
    dialplan_name,
    field_value,
    fstring_text,
    route_name,
    swr_string,
)
from switchy.xmlimport.model import Action, Condition, Context, Dialplans, Extension, Regex
from switchy.xmlimport.regex import Pattern, RegexError, translate
from switchy.xmlimport.report import Pos, Report
from switchy.xmlimport.source import XComment
from switchy.xmlimport.timeattrs import TimeError, time_test

INDENT = "    "
MAX_TESTS = 10  # conditions with more tests than this are not translated (2^n outcomes)
MAX_STATEMENTS = 5000  # per extension, after joining common tails
AUTO_HUNT_TRUE = r"(?i)^(yes|on|true|t|enabled|active|allow|[+-]?0*[1-9][0-9]*)$"


class Untranslatable(Exception):
    """Part of an extension ``.swr`` cannot express; the extension is left as comments."""

    def __init__(self, pos: Pos, message: str, reported: bool = False) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message
        self.reported = reported  # already in the report (as an error)


# -- a tiny statement tree --------------------------------------------------------------


@dataclass
class Line:
    text: str
    terminal: bool = False  # stop / return: nothing after it in its block runs


@dataclass
class If:
    cond: str
    then: list[Line | If]
    orelse: list[Line | If] = field(default_factory=list)


Stmt = Line | If
STOP = Line("stop", True)
RETURN = Line("return", True)


def terminal(stmts: list[Stmt]) -> bool:
    if not stmts:
        return False
    last = stmts[-1]
    if isinstance(last, Line):
        return last.terminal
    return terminal(last.then) and terminal(last.orelse)


def _uses_captures(stmts: list[Stmt]) -> bool:
    """Does a statement outside any ``=~`` test read a capture (``{$N}``)?"""
    for s in stmts:
        if isinstance(s, Line):
            if "{$" in s.text:
                return True
        elif "=~" not in s.cond and (_uses_captures(s.then) or _uses_captures(s.orelse)):
            return True
    return False


def simplify(stmts: list[Stmt]) -> list[Stmt]:
    """Join the common tails of ``if`` branches and flatten early exits."""
    out: list[Stmt] = []
    for s in stmts:
        if isinstance(s, Line):
            out.append(s)
            continue
        then, orelse = simplify(s.then), simplify(s.orelse)
        n = 0
        while n < min(len(then), len(orelse)) and then[len(then) - 1 - n] == orelse[len(orelse) - 1 - n]:
            n += 1
        tail: list[Stmt] = []
        if n:
            candidate = then[len(then) - n:]
            if not _uses_captures(candidate):
                tail = candidate
                then, orelse = then[:len(then) - n], orelse[:len(orelse) - n]
        if not then and not orelse:
            pass
        elif not then:
            out.append(If(negate(s.cond), orelse))
        elif orelse and terminal(then):
            out.append(If(s.cond, then))
            out.extend(orelse)
        elif then and orelse and terminal(orelse) and not terminal(then) and len(orelse) < len(then):
            out.append(If(negate(s.cond), orelse))
            out.extend(then)
        else:
            out.append(If(s.cond, then, orelse))
        out.extend(tail)
    return out


def drop_trailing_return(stmts: list[Stmt]) -> list[Stmt]:
    """A ``return`` at the very end of a route does nothing: leave it out."""
    if not stmts:
        return stmts
    last = stmts[-1]
    if isinstance(last, Line) and last.text == "return":
        return drop_trailing_return(stmts[:-1])
    if isinstance(last, If):
        stmts[-1] = If(last.cond, drop_trailing_return(last.then), drop_trailing_return(last.orelse))
        if not stmts[-1].then and not stmts[-1].orelse:
            return stmts[:-1]
        if not stmts[-1].then:
            stmts[-1] = If(negate(last.cond), stmts[-1].orelse)
    return stmts


def negate(cond: str) -> str:
    if cond.startswith("not (") and cond.endswith(")") and _balanced(cond[5:-1]):
        return cond[5:-1]
    return f"not ({cond})" if _needs_parens(cond) else f"not {cond}"


def _code(text: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, bracket depth after it) of ``text`` outside its string literals."""
    depth = 0
    in_str = None
    i = 0
    while i < len(text):
        ch = text[i]
        if in_str:
            if ch == "\\":
                i += 2
                continue
            if ch == in_str:
                in_str = None
        elif ch in "\"'":
            in_str = ch
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if not in_str:
            yield i, ch, depth
        i += 1


def _balanced(text: str) -> bool:
    depth = 0
    for _, _, depth in _code(text):
        if depth < 0:
            return False
    return depth == 0


def _needs_parens(expr: str) -> bool:
    """True unless ``expr`` is one atom or a comparison without and/or/not at top level."""
    return any(depth == 0 and (expr.startswith(" and ", i) or expr.startswith(" or ", i)
                               or (expr.startswith("not ", i) and (i == 0 or expr[i - 1] == " ")))
               for i, _, depth in _code(expr))


def paren(expr: str) -> str:
    return f"({expr})" if _needs_parens(expr) else expr


def _time_part(a: dict[int, bool], t_index: int | None) -> tuple[bool, bool | str]:
    """(anti-actions run, proceed) as a condition's time test leaves them: "in" when it
    has none (the regex part decides), False when the time does not match."""
    if t_index is None:
        return True, "in"
    return (False, True) if a[t_index] else (True, False)


def render(stmts: list[Stmt], depth: int) -> list[str]:
    pad = INDENT * depth
    out: list[str] = []
    for s in stmts:
        if isinstance(s, Line):
            out.extend(pad + part for part in s.text.split("\n"))
            continue
        out.append(f"{pad}if {s.cond} {{")
        out.extend(render(s.then, depth + 1))
        orelse = s.orelse
        while len(orelse) == 1 and isinstance(orelse[0], If):
            inner = orelse[0]
            out.append(f"{pad}}} elif {inner.cond} {{")
            out.extend(render(inner.then, depth + 1))
            orelse = inner.orelse
        if orelse:
            out.append(f"{pad}}} else {{")
            out.extend(render(orelse, depth + 1))
        out.append(f"{pad}}}")
    return out


# -- one condition's tests and outcomes --------------------------------------------------


@dataclass
class Test:
    expr: str | None  # None: the value is known (``static``)
    kind: str  # "regex" | "time" | "absolute"
    static: bool | None = None
    binds: bool = False  # an `=~` that binds the captures of its `if`
    capturing: bool = False  # FreeSWITCH would substitute $N from it
    pattern: Pattern | None = None
    header: str | None = None  # for a route pattern: the header it reads, plain
    literal: str | None = None  # ... and the pattern literal


@dataclass(frozen=True)
class Outcome:
    passed: bool
    proceed: bool | str  # "in": unchanged from before the condition
    subst: int | str | None  # test index, "empty" ($N read as ""), None (no substitution)


# A decision tree over a condition's tests: an Outcome, ``(test, if_true, if_false)`` as
# built, or ``(op, [tests], if_true, if_false)`` once and/or chains are joined.
Tree = Any


@dataclass
class Options:
    timezone: str | None = None  # the server's zone, for the dialplan's `timezone` line
    server_offset: int | None = None  # its fixed UTC offset in hours, when it has one
    auto_hunt: bool = False


class ExtensionWriter:
    """Writes one extension as a route."""

    def __init__(self, ext: Extension, name: str, report: Report, opts: Options,
                 later_names: list[str]) -> None:
        self.ext = ext
        self.name = name
        self.report = report
        self.opts = opts
        self.later_names = later_names
        self.pending: list[tuple[Pos, str, str]] = []  # issues, reported once it succeeds
        self.uses_time = False

    def issue(self, pos: Pos, kind: str, message: str) -> None:
        self.pending.append((pos, kind, message))

    # -- entry --------------------------------------------------------------------------

    def route(self) -> tuple[str, list[str]]:
        """(route head, body lines); raises ``Untranslatable``."""
        body = self.level(self.ext.conditions, 0, False, self.top_done)
        body = drop_trailing_return(simplify(body))
        head = f"route {self.name}"
        if len(body) == 1 and isinstance(body[0], If) and not body[0].orelse:
            hoisted = self.hoist(body[0])
            if hoisted is not None:
                head, body = f"{head} {hoisted}", body[0].then
        if self.opts.auto_hunt and self.later_names:
            names = ", ".join(swr_string(n) for n in self.later_names)
            head += (f" when not (variable_auto_hunt =~ {swr_string(AUTO_HUNT_TRUE)} "
                     f"and Caller-Destination-Number in [{names}])")
        if _count(body) > MAX_STATEMENTS:
            raise Untranslatable(self.ext.pos, f"this extension needs more than {MAX_STATEMENTS} "
                                 ".swr statements")
        return head, render(body, 2)

    def hoist(self, stmt: If) -> str | None:
        """``route NAME "re"`` when the whole body is one `if` on a plain header pattern."""
        test = getattr(self, "_first_test", None)
        if test is None or stmt.cond != test.expr or test.header is None:
            return None
        if test.header == "Caller-Destination-Number":
            return test.literal
        return f"{test.header} =~ {test.literal}"

    def top_done(self, proceed: bool | str) -> list[Stmt]:
        if self.ext.cont or proceed is False:
            return [RETURN]
        if proceed is True:
            return [STOP]
        return [If(proceed, [STOP], [RETURN])]

    # -- conditions -------------------------------------------------------------------------

    def level(self, conds: list[Condition], k: int, proceed: bool | str,
              done: Callable[[bool | str], list[Stmt]]) -> list[Stmt]:
        if k == len(conds):
            return done(proceed)
        c = conds[k]
        tests, simulate = self.tests_of(c)
        if conds is self.ext.conditions and k == 0:
            self._first_test = tests[0] if len(tests) == 1 else None
        variables = [i for i, t in enumerate(tests) if t.static is None]
        if len(variables) > MAX_TESTS:
            raise Untranslatable(c.pos, f"a condition with more than {MAX_TESTS} tests")

        def outcome(assign: dict[int, bool]) -> Outcome:
            full = {i: (t.static if t.static is not None else assign[i]) for i, t in enumerate(tests)}
            o = simulate(full)
            if not o.passed and c.anti_actions:
                o = Outcome(False, True, None)
            return o

        tree = _chains(self.best_tree(variables, outcome, tests))

        def leaf(o: Outcome, bound: int | None) -> list[Stmt]:
            p = proceed if o.proceed == "in" else o.proceed
            body = self.actions(c, o, tests, bound)
            brk = c.brk
            if (o.passed and brk in ("on-true", "always")) or (not o.passed and brk in ("on-false", "always")):
                return body + done(p)
            return body + self.after(conds, k, c, p, done)

        return self.tree_code(tree, tests, leaf, None)

    def after(self, conds: list[Condition], k: int, c: Condition, p: bool | str,
              done: Callable[[bool | str], list[Stmt]]) -> list[Stmt]:
        """What follows a condition that did not break: its nested conditions (if
        ``proceed``), then the next condition of its level."""
        if not c.children or p is False:
            return self.level(conds, k + 1, p, done)

        def nested_done(r: bool | str) -> list[Stmt]:
            if not c.require_nested:
                r = True
            if r is True:
                return self.level(conds, k + 1, True, done)
            when_false = self.level(conds, k + 1, False, done) if c.brk == "never" else done(False)
            if r is False:
                return when_false
            return [If(r, self.level(conds, k + 1, True, done), when_false)]

        nested = self.level(c.children, 0, False, nested_done)
        if p is True:
            return nested
        return [If(p, nested, self.level(conds, k + 1, p, done))]

    def best_tree(self, variables: list[int], outcome: Callable[[dict[int, bool]], Outcome],
                  tests: list[Test]) -> Tree:
        orders = [variables]
        if 1 < len(variables) <= 4:
            orders = [list(p) for p in itertools.permutations(variables)]
        best = None
        for order in orders:
            tree = _build(order, {}, outcome)
            score = (_leaves(tree), _bad_bindings(tree, tests, None))
            if best is None or score < best[0]:
                best = (score, tree)
        assert best is not None
        return best[1]

    def tree_code(self, tree: Tree, tests: list[Test],
                  leaf: Callable[[Outcome, int | None], list[Stmt]], bound: int | None) -> list[Stmt]:
        if isinstance(tree, Outcome):
            return leaf(tree, bound)
        op, indices, yes, no = tree
        exprs = [tests[i].expr or "true" for i in indices]
        cond = exprs[0] if len(exprs) == 1 else f" {op} ".join(paren(e) for e in exprs)
        binding = [i for i in indices if tests[i].binds]
        inner = bound
        if binding:  # `a or b`: the first that passed binds; which one is not known here
            inner = binding[-1] if op == "and" or len(indices) == 1 else None
        return [If(cond, self.tree_code(yes, tests, leaf, inner),
                   self.tree_code(no, tests, leaf, bound))]

    # -- tests ------------------------------------------------------------------------------

    def tests_of(self, c: Condition) -> tuple[list[Test], Callable[[dict[int, bool]], Outcome]]:
        tests: list[Test] = []
        t_index = None
        if c.time:
            tests.append(self.time(c.time, c.pos))
            t_index = 0
        whole = any(_wants_whole(a.data) for a in c.actions)
        if c.regex_mode is None:
            r_index = None
            if c.field is not None:
                tests.append(self.field_test(c.field, c.expression, c.pos, whole))
                r_index = len(tests) - 1

            def simulate(a: dict[int, bool]) -> Outcome:
                anti, proceed = _time_part(a, t_index)
                subst: int | str | None = None
                if r_index is not None:
                    proceed = a[r_index]
                    if a[r_index]:
                        anti = False
                    if tests[r_index].capturing:
                        subst = r_index if a[r_index] else "empty"
                elif t_index is None:
                    anti, proceed = False, True
                return Outcome(not anti, proceed, subst if not anti else None)

            return tests, simulate
        first_child = len(tests)
        for child in c.regexes:
            tests.append(self.child_test(child, whole))
        mode = c.regex_mode

        def simulate_multi(a: dict[int, bool]) -> Outcome:
            anti, proceed = _time_part(a, t_index)
            passes = fails = 0
            saved: int | str | None = None  # last capturing child seen: index, or "null"
            last = None
            broke_on_pass = False
            for n in range(first_child, len(tests)):
                t = tests[n]
                last = n
                ok = a[n]
                stop = False
                if t.kind == "regex":
                    proceed = ok
                    if ok:
                        passes += 1
                        stop = mode == "any"
                        broke_on_pass = stop
                    else:
                        fails += 1
                        stop = mode == "all"
                elif ok:
                    passes += 1
                    proceed = True
                    stop = mode == "any"
                else:
                    fails += 1
                    stop = mode == "all"
                if stop:
                    break
                if t.kind == "regex" and t.capturing:
                    saved = n if ok else "null"
            if mode == "xor":
                passed = passes == 1
            elif mode == "all":
                passed = fails == 0
            else:
                passed = passes > 0
            if passed:
                anti = False
            subst: int | str | None = None
            if isinstance(saved, int):
                proceed = True
                subst = saved
            elif last is not None and tests[last].kind == "regex" and tests[last].capturing:
                subst = last if broke_on_pass else "empty"
            return Outcome(not anti, proceed, subst if not anti else None)

        return tests, simulate_multi

    def time(self, attrs: dict[str, str], pos: Pos) -> Test:
        self.uses_time = True
        try:
            result = time_test(attrs, self.opts.server_offset)
        except TimeError as exc:
            raise Untranslatable(pos, str(exc)) from None
        for note in result.notes:
            self.issue(pos, "warning", note)
        for message in result.untranslated:
            self.issue(pos, "untranslated", message)
        if result.expr in ("true", "false"):
            return Test(None, "time", static=result.expr == "true")
        return Test(result.expr, "time")

    def child_test(self, child: Regex, whole: bool) -> Test:
        if child.field is not None:
            return self.field_test(child.field, child.expression, child.pos, whole)
        if child.time:
            return self.time(child.time, child.pos)
        return Test(None, "absolute", static=True)

    def field_test(self, field_attr: str, expression: str, pos: Pos, whole: bool) -> Test:
        try:
            value = field_value(field_attr)
        except FieldError as exc:
            raise Untranslatable(pos, str(exc)) from None
        try:
            pattern = translate(expression, whole_match=whole)
        except RegexError as exc:
            self.report.error(pos, f"regex {expression!r}: {exc}")
            raise Untranslatable(pos, f"regex {expression!r}: {exc}", reported=True) from None
        if isinstance(value, CondField):
            return self.cond_test(value, pattern, expression, pos)
        if isinstance(value, FieldValue) and value.note:
            self.issue(pos, "warning", value.note)
        if value.expr is None:  # a constant: FreeSWITCH reads an unknown bare field as ""
            static = pattern.static
            if static is None:
                return Test(f'"" =~ {self.pattern_text(pattern, pos)}', "regex", binds=True)
            hit = patterns.match(static, value.constant or "")
            return Test(None, "regex", static=hit is not None, capturing=False)
        if pattern.catch_all and not pattern.capturing:
            return Test(None, "regex", static=True)
        left = value.expr
        if value.maybe_missing and pattern.matches_empty is not False:
            left = f'({left} or "")'
        literal = self.pattern_text(pattern, pos)
        plain = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*", left) is not None
        return Test(f"{left} =~ {literal}", "regex", binds=True, capturing=pattern.capturing,
                    pattern=pattern, header=left if plain and not literal.startswith("f") else None,
                    literal=literal)

    def pattern_text(self, pattern: Pattern, pos: Pos) -> str:
        static = pattern.static
        try:
            if static is not None:
                return swr_string(static)
            out = []
            for part in pattern.parts:
                if isinstance(part, str):
                    out.append(fstring_text(part))
                    continue
                value = field_value(part[1])
                if not isinstance(value, FieldValue) or value.expr is None \
                        or value.expr.startswith(("f\"", "switchy.")):
                    raise Untranslatable(pos, f"{part[1]} inside a regex: only plain "
                                         "${variable}s can be read there")
                out.append("{" + value.expr + "}")
            return 'f"' + "".join(out) + '"'
        except FieldError as exc:
            raise Untranslatable(pos, str(exc)) from None

    def cond_test(self, cond: CondField, pattern: Pattern, expression: str, pos: Pos) -> Test:
        static = pattern.static
        if static is None or pattern.capturing:
            raise Untranslatable(pos, "a ${cond(...)} field tested with captures or variables")

        def hits(text: str) -> bool:
            return patterns.match(static, text) is not None

        yes, no, err = hits(cond.yes), hits(cond.no), hits("-ERR")
        nonempty = cond.operand
        if yes and no:
            truthy = nonempty
        elif yes:
            truthy = f"{nonempty} and {cond.comparison}"
        elif no:
            truthy = f"{nonempty} and not ({cond.comparison})"
        else:
            truthy = None
        terms = [t for t in (truthy, f"not {nonempty}" if err else None) if t]
        if not terms:
            return Test(None, "regex", static=False)
        expr = " or ".join(f"({t})" if len(terms) > 1 else t for t in terms)
        return Test(expr, "regex")

    # -- actions ------------------------------------------------------------------------------

    def actions(self, c: Condition, o: Outcome, tests: list[Test], bound: int | None) -> list[Stmt]:
        chosen = c.actions if o.passed else c.anti_actions
        subst = o.subst if o.passed else None
        pattern = tests[subst].pattern if isinstance(subst, int) else None
        out: list[Stmt] = []
        for a in chosen:
            out.extend(self.action(a, subst, pattern))
        if isinstance(subst, int) and bound != subst and any("{$" in s.text for s in out
                                                              if isinstance(s, Line)):
            return [If(tests[subst].expr or "true", out)]  # bind the right captures again
        return out

    def action(self, a: Action, subst: int | str | None, pattern: Pattern | None) -> list[Stmt]:
        if a.inline and apps.inline_refused(a.app):
            self.issue(a.pos, "warning", f"FreeSWITCH refuses to run {a.app} inline: it is "
                       "neither run nor queued (left out)")
            return [Line(f"# {a.pos}: inline {a.app} is refused by FreeSWITCH: not run")]
        try:
            value, is_f = self.data(a, subst, pattern)
            call = self.call(a.app, a.data if not is_f else None, value, is_f, a.pos)
        except FieldError as exc:
            self.issue(a.pos, "untranslated", str(exc))
            return [Line(f"# UNTRANSLATED {a.pos}: <action application=\"{a.app}\" "
                         f"data=\"{_one_line(a.data)}\"/>: {exc}")]
        except Untranslatable as exc:
            self.issue(exc.pos, "untranslated", exc.message)
            return [Line(f"# UNTRANSLATED {a.pos}: <action application=\"{a.app}\" "
                         f"data=\"{_one_line(a.data)}\"/>: {exc.message}")]
        for name in ("DP_MATCH", "DP_REGEX_MATCH"):
            if name in a.data:
                self.issue(a.pos, "untranslated", f"${{{name}...}} is set by FreeSWITCH's XML "
                           "hunt, which switchy replaces: it reads as empty")
        text = ("inline " if a.inline else "") + call
        if not is_f and re.search(r"\$\{?\d", a.data):
            text += "  # noqa: SWR305"
        return [Line(text)]

    def data(self, a: Action, subst: int | str | None, pattern: Pattern | None) -> tuple[str, bool]:
        """The action's data as a ``.swr`` string literal, and whether it is an f-string.

        ``$N`` becomes ``{$N}`` (``""`` for a group the regex does not have). When one stands
        inside a ``${...}``, FreeSWITCH still substitutes it there, so that ``${`` is written
        as plain text (``{'$'}{{``) instead of a pass-through the f-string would not look into."""
        try:
            if subst is None:
                return swr_string(a.data), False
            tokens = fs_substitution_tokens(a.data)
            if not any(isinstance(t, int) for t in tokens):
                return swr_string(a.data), False
            if subst == "empty" or pattern is None:
                return swr_string("".join(t for t in tokens if isinstance(t, str))), False
            inside = _capture_inside_expansion(tokens)
            out = []
            for tok in tokens:
                if isinstance(tok, str):
                    out.append(_fstring_plain(tok) if inside else fstring_text(tok))
                elif tok <= pattern.groups:
                    out.append("{$" + str(tok + (1 if pattern.shifted else 0)) + "}")
            return 'f"' + "".join(out) + '"', True
        except FieldError as exc:
            raise Untranslatable(a.pos, str(exc)) from None

    def call(self, app: str, raw: str | None, value: str, is_f: bool, pos: Pos) -> str:
        """The ``.swr`` statement sending ``app`` with ``value`` (a string literal)."""
        if not re.fullmatch(r"[A-Za-z0-9_.\-]+", app):
            raise Untranslatable(pos, f"application name {app!r}")
        sample = raw if raw is not None else re.sub(r"\{\$\d+\}", "1", value[2:-1])
        if app == "set" and raw is not None:
            name, sep, rest = raw.partition("=")
            if sep and re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
                return f"setvar({swr_string(name)}, {swr_string(rest)})"
        if app == "set" and is_f:
            name, sep, rest = value[2:-1].partition("=")
            if sep and re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
                return f'setvar({swr_string(name)}, f"{rest}")'
        if app == "unset" and raw is not None and re.fullmatch(r"[A-Za-z0-9_.\-]+", raw):
            return f"unsetvar({value})"
        if app == "bridge" and is_dial_string(sample):  # XML's rule: no failover unless
            return f"bridge({value}, failover=false)"  # the dialplan's continue_on_fail
        if app == "playback" and sample:
            return f"playback({value})"
        if app == "sleep" and raw is not None and re.fullmatch(r"[1-9][0-9]*|0", raw):
            return f"sleep({raw})"
        if app == "deflect" and sample:
            return f"deflect({value})"
        if app == "transfer":
            return self.transfer(sample, value, is_f, pos)
        if app == "execute_extension":
            return self.execute_extension(sample, value, is_f, pos)
        if not sample and not is_f:
            return f"execute({swr_string(app)})"
        return f"execute({swr_string(app)}, {value})"

    def transfer(self, sample: str, value: str, is_f: bool, pos: Pos) -> str:
        words = value[2 if is_f else 1:-1].split(" ")
        if not 1 <= len(words) <= 3 or sample.startswith("-") or any(not w for w in words):
            raise Untranslatable(pos, f"transfer {sample!r}: only 'EXTENSION [DIALPLAN "
                                 "[CONTEXT]]' is translated")
        args = [("f" if "{$" in w else "") + f'"{w}"' for w in words]
        if len(args) == 1:
            args.append('""')  # FreeSWITCH: the current dialplan and context
        return f"transfer({', '.join(args)})"

    def execute_extension(self, sample: str, value: str, is_f: bool, pos: Pos) -> str:
        words = value[2 if is_f else 1:-1].split(" ")
        if not 1 <= len(words) <= 3 or any(not w for w in words):
            raise Untranslatable(pos, f"execute_extension {sample!r}")
        if len(words) >= 2 and words[1].upper() != "XML":
            raise Untranslatable(pos, f"execute_extension into the {words[1]!r} dialplan")
        ext, ctx = (("f" if "{$" in w else "") + f'"{w}"' for w in (words[0], words[-1]))
        if len(words) == 3:
            return f"execute_extension({ext}, {ctx})"
        return f"execute_extension({ext})"


# -- helpers -----------------------------------------------------------------------------


def _build(order: list[int], assign: dict[int, bool],
           outcome: Callable[[dict[int, bool]], Outcome]) -> Tree:
    """A decision tree over ``order``: an ``Outcome`` or ``(test, if_true, if_false)``."""
    seen = set()
    first = None
    for values in itertools.product((True, False), repeat=len(order)):
        o = outcome({**assign, **dict(zip(order, values, strict=True))})
        seen.add(o)
        first = o
        if len(seen) > 1:
            break
    if len(seen) == 1:
        return first
    i, rest = order[0], order[1:]
    yes = _build(rest, {**assign, i: True}, outcome)
    no = _build(rest, {**assign, i: False}, outcome)
    if yes == no:
        return yes
    return (i, yes, no)


def _chains(tree: Tree) -> Tree:
    """The tree with ``if a { if b {X} else {Y} } else {Y}`` as ``if a and b {X} else {Y}``
    (and the same for ``or``): nodes become ``(op, [tests], if_true, if_false)``."""
    if isinstance(tree, Outcome):
        return tree
    i, yes, no = tree
    yes, no = _chains(yes), _chains(no)
    if not isinstance(yes, Outcome) and yes[0] in ("and", "one") and yes[3] == no:
        return ("and", [i, *yes[1]], yes[2], no)
    if not isinstance(no, Outcome) and no[0] in ("or", "one") and no[2] == yes:
        return ("or", [i, *no[1]], yes, no[3])
    return ("one", [i], yes, no)


def _leaves(tree: Tree) -> int:
    if isinstance(tree, Outcome):
        return 1
    return _leaves(tree[1]) + _leaves(tree[2])


def _bad_bindings(tree: Tree, tests: list[Test], bound: int | None) -> int:
    if isinstance(tree, Outcome):
        return int(isinstance(tree.subst, int) and tree.subst != bound)
    i, yes, no = tree
    return _bad_bindings(yes, tests, i if tests[i].binds else bound) + _bad_bindings(no, tests, bound)


def _count(stmts: list[Stmt]) -> int:
    return sum(1 if isinstance(s, Line) else 1 + _count(s.then) + _count(s.orelse) for s in stmts)


def _wants_whole(data: str) -> bool:
    return any(t == 0 for t in fs_substitution_tokens(data) if isinstance(t, int))


def _capture_inside_expansion(tokens: list[str | int]) -> bool:
    """Does a capture stand inside a ``${...}`` of the data?"""
    depth = nested = 0
    for tok in tokens:
        if isinstance(tok, int):
            if depth:
                return True
            continue
        i = 0
        while i < len(tok):
            if tok.startswith("${", i):
                depth += 1
                i += 2
                continue
            if tok[i] == "{" and depth:
                nested += 1
            elif tok[i] == "}" and depth:
                if nested:
                    nested -= 1
                else:
                    depth -= 1
            i += 1
    return False


def _fstring_plain(text: str) -> str:
    """Text for an f-string with no pass-through: braces doubled, ``${`` as ``{'$'}{{``."""
    body = swr_string(text)[1:-1].replace("{", "{{").replace("}", "}}")
    return body.replace("${{", "{'$'}{{")


def _one_line(text: str) -> str:
    """Text for one comment line: whitespace runs (line breaks too) as one blank."""
    return " ".join(text.split()).replace('"', "&quot;")


def fs_substitution_tokens(data: str) -> list[str | int]:
    """``switch_perform_substitution``'s reading of action data: text, and capture numbers
    for ``$N`` / ``${N}`` (``$`` before anything else is plain text)."""
    out: list[str | int] = []
    buf: list[str] = []
    i, n = 0, len(data)
    while i < n:
        ch = data[i]
        if ch != "$":
            buf.append(ch)
            i += 1
            continue
        j = i + 1
        brace = j < n and data[j] == "{"
        if brace:
            j += 1
        k = j
        while k < n and data[k].isdigit() and k - j < 9:
            k += 1
        if k == j or (brace and (k >= n or data[k] != "}")):
            buf.append("$")
            i += 1
            continue
        if buf:
            out.append("".join(buf))
            buf = []
        num = int(data[j:k])
        out.append(num if num <= 256 else 10**6)
        i = k + 1 if brace else k
    if buf:
        out.append("".join(buf))
    return out


# -- contexts and the file -------------------------------------------------------------------


def _comment_lines(comment: XComment, depth: int, with_pos: bool = False) -> list[str]:
    pad = INDENT * depth
    lines = [ln.strip() for ln in comment.text.strip("\n").splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return [f"{pad}# {ln}".rstrip() for ln in lines]


class ContextWriter:
    def __init__(self, ctx: Context, report: Report, opts: Options,
                 source_lines: Callable[[Extension], list[str]]) -> None:
        self.ctx = ctx
        self.report = report
        self.opts = opts
        self.source_lines = source_lines

    def write(self) -> list[str]:
        name = dialplan_name(self.ctx.name)
        if name is None:
            self.report.untranslated(self.ctx.pos, f"context name {self.ctx.name!r} cannot be a "
                                     ".swr dialplan name (letters, digits, _ and inner -)")
            return [f"# UNTRANSLATED {self.ctx.pos}: context {self.ctx.name!r}: its name "
                    "cannot be a .swr dialplan name", ""]
        taken: set[str] = set()
        extensions = self.ctx.extensions
        first_index: dict[str, int] = {}
        for i, ext in enumerate(extensions):
            if ext.name is not None:
                first_index.setdefault(ext.name, i)
        body: list[str] = []
        uses_time = False
        index = 0
        for item in self.ctx.items:
            if isinstance(item, XComment):
                body.extend(_comment_lines(item, 1))
                continue
            later = sorted({n for n, i in first_index.items() if i > index}, key=first_index.get)
            rname = route_name(item.name, item.pos.line, taken)
            writer = ExtensionWriter(item, rname, self.report, self.opts, later)
            index += 1
            body.append("")
            shown = f'extension "{_one_line(item.name)}"' if item.name is not None else "unnamed extension"
            body.append(f"{INDENT}# {item.pos} {shown}" + (" (continue)" if item.cont else ""))
            for comment in item.comments + [c for cond in _all_conditions(item.conditions)
                                            for c in cond.comments]:
                body.extend(_comment_lines(comment, 1))
            try:
                head, lines = writer.route()
            except Untranslatable as exc:
                if not exc.reported:
                    self.report.untranslated(exc.pos, exc.message)
                body.append(f"{INDENT}# UNTRANSLATED {exc.pos}: {exc.message}")
                body.extend(f"{INDENT}#   {ln}".rstrip() for ln in self.source_lines(item))
                continue
            for pos, kind, message in writer.pending:
                self.report.add(pos, kind, message)
                if kind == "untranslated" and f"UNTRANSLATED {pos}:" not in "\n".join(lines):
                    body.append(f"{INDENT}# UNTRANSLATED {pos}: {_one_line(message)}")
            uses_time = uses_time or writer.uses_time
            if lines:
                body.append(f"{INDENT}{head} {{")
                body.extend(lines)
                body.append(f"{INDENT}}}")
            else:
                body.append(f"{INDENT}{head} {{ }}")
        out = [f"dialplan {name} {{", f"{INDENT}hunt"]
        if uses_time:
            tz = f" or {swr_string(self.opts.timezone)}" if self.opts.timezone else ""
            out.append(f"{INDENT}timezone variable_tod_tz_offset or variable_timezone{tz}")
        out.extend(body)
        out.append("}")
        return out


def _all_conditions(conds: list[Condition]):
    for c in conds:
        yield c
        yield from _all_conditions(c.children)


def write_program(dialplans: Dialplans, files: list[str], report: Report, opts: Options,
                  source_lines: Callable[[Extension], list[str]]) -> str:
    """The ``.swr`` text of every context."""
    out = [f"# Imported from FreeSWITCH XML by `switchy import`: {', '.join(files)}",
           "# Each context is a `hunt` dialplan: its routes are tried in order, as FreeSWITCH",
           "# hunts extensions; the actions they reach run afterwards, in that order.",
           "# A comment above each route gives the file:line of its extension."]
    for comment in dialplans.comments:
        out.extend(_comment_lines(comment, 0))
    if opts.auto_hunt:
        out.append("# --auto-hunt: a call whose channel variable auto_hunt is true starts at the "
                   "route named like its destination.")
    for ctx in dialplans.contexts:
        out.append("")
        out.append(f"# {ctx.pos} context \"{_one_line(ctx.name)}\"")
        out.extend(ContextWriter(ctx, report, opts, source_lines).write())
    return "\n".join(out) + "\n"

