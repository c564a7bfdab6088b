"""Lark's LALR tables for ``grammar/swr.lark``, run in one tight loop that builds the AST.

Lark's own loop builds a parse tree — a ``Tree`` and a position record per rule, a
``Token`` per keyword and bracket — that a transformer then walks a second time; on a file
of 10,000 routes that is most of the time ``switchy check`` takes. This module reads the
grammar through the very objects Lark built from it (the LALR table, the contextual
lexer's scanner and keyword table for each parser state, each rule's child filter) and
runs them in a single loop: tokens are matched, shifted and reduced, and each reduction's
children go straight to the rule's method of ``transform.ToAst``, with the offsets of all
the rule covers (what Lark's ``propagate_positions`` computes).

``parse`` takes the fast loop only for text the grammar accepts: at the first token it
does not (or a character no token starts with) it raises ``Bail``, and the caller parses
again with ``recovery``, which drives Lark's interactive parser; ``AstParser`` gives that
parser the same reductions (``callbacks``), so both paths build the same AST. When the
Lark objects do not have the expected shape (another Lark version), ``tables()`` is None
and everything goes through Lark's own loop.
"""

from __future__ import annotations

import copy
import functools
import operator
from collections.abc import Callable
from dataclasses import dataclass, field

import interegular
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput
from lark.lexer import BasicLexer, ContextualLexer, PatternStr, UnlessCallback
from lark.parse_tree_builder import (
    ChildFilterLALR,
    ChildFilterLALR_NoPlaceholders,
    maybe_create_child_filter,
)
from lark.parsers.lalr_analysis import Shift

from switchy.dialplan.frontend.grammar import lark_parser
from switchy.dialplan.frontend.transform import ToAst


class Bail(Exception):
    """The fast loop met text the grammar does not accept: parse with recovery instead."""


class TooDeep(Exception):
    """The text nests deeper than switchy follows (later stages recurse on the tree)."""


MAX_DEPTH = 250  # brackets and blocks deep; the fast loop counts symbols on its stack
_MAX_STACK = 4 * 4 * MAX_DEPTH  # four entries per symbol, a few symbols per level


class Reduction:
    """What the parser does when it reduces one grammar rule: which children the rule
    keeps (Lark's child filter), and what it makes of them."""

    __slots__ = (
        "call",
        "expand1",
        "include",
        "inline",
        "method",
        "name",
        "nones_after",
        "origin",
        "passthrough",
        "pick",
        "pick_many",
        "size",
    )

    def __init__(self, rule, keep_placeholders: bool):
        options = rule.options
        self.size = len(rule.expansion)  # symbols on the right-hand side
        self.origin = rule.origin.name  # for the goto
        # Which children stay, as (index, splice an inline rule's children, Nones for
        # absent [optionals] before it); None: all of them as they are.
        self.include: tuple[tuple[int, bool, int], ...] | None = None
        self.nones_after = 0
        made = maybe_create_child_filter(rule.expansion, options.keep_all_tokens, False,
                                         options.empty_indices if keep_placeholders else None)
        if made is not None:
            if made.func is ChildFilterLALR:
                include, self.nones_after = made.args
                self.include = tuple(include)
            elif made.func is ChildFilterLALR_NoPlaceholders:
                self.include = tuple((i, expand, 0) for i, expand in made.args[0])
            else:
                raise TypeError(f"child filter {made.func!r}")
        # The common case, children picked by index and nothing else, in one C call.
        self.pick = self.pick_many = None
        if self.include and not self.nones_after and not any(
                splice or nones for _, splice, nones in self.include):
            self.pick = operator.itemgetter(*(i for i, _, _ in self.include))
            self.pick_many = len(self.include) > 1
        self.expand1 = bool(options.expand1 and not rule.alias)  # ``?rule``: one child is it
        self.inline = self.origin.startswith("_")  # ``_rule``: its children join its parent's
        # Nothing to build: ``?rule: x``, or ``_rule: x`` (x joins the parent as it is).
        self.passthrough = (self.size == 1 and self.include is None
                            and (self.expand1 or self.inline))
        self.name = rule.alias or options.template_source or self.origin
        method = ToAst.__dict__.get(self.name)
        if method is None:
            self.call, self.method = _TREE, None
        elif getattr(method, "visit_wrapper", None) is not None:  # @v_args(meta=True)
            self.call, self.method = _META, method.base_func
        else:
            self.call, self.method = _PLAIN, method


_TREE, _PLAIN, _META = range(3)
COMMENT = "COMMENT"  # the grammar's comment terminal (``%ignore COMMENT``)


class _Inline(list):
    """The children of an inline ``_rule``, to be spliced into its parent's."""

    __slots__ = ()


def build(r: Reduction, builder: ToAst, raw: list, start: int | None, end: int | None):
    """The value of reducing ``r`` with the children ``raw``: what Lark's tree builder and
    then ``ToAst`` would make of them. ``start``/``end`` are the offsets of all the
    children cover. After a failure nothing more is built (as a transformer stops at
    its first exception)."""
    if builder.failure is not None:
        return None
    try:
        if r.include is None:
            children = raw
        elif r.pick is not None:
            children = list(r.pick(raw)) if r.pick_many else [r.pick(raw)]
        else:
            children = None
            for i, splice, nones in r.include:
                if nones:
                    children = (children or []) + [None] * nones
                child = raw[i]
                if splice and child.__class__ is _Inline:
                    if children is None:
                        children = child  # a list rule's list grows in place (left recursion)
                    else:
                        children += child
                elif children is None:
                    children = [child]
                else:
                    children.append(child)
            if children is None:
                children = []
            if r.nones_after:
                children += [None] * r.nones_after
        if r.expand1 and len(children) == 1:
            return children[0]
        if r.call == _META:
            return r.method(builder, builder.span(start, end), children)
        if r.call == _PLAIN:
            return r.method(builder, children)
        if r.inline:
            return children if children.__class__ is _Inline else _Inline(children)
        return Tree(r.name, children)
    except Exception as exc:
        builder.failure = exc
        return None


class _LexState:
    """What the contextual lexer matches in one parser state.

    Lark tries one regex of all the state's terminals, in its order of preference, at each
    position. Here the character at the position picks a regex of only the terminals that
    can start with it, in the same order: the same match, without trying alternatives
    that cannot match (``first``, made on first use of each character). When only the
    blanks terminal can start with a blank, in every state, the regex of a token also
    takes the blanks after it (group 0 ends after them, the token's group before them):
    the blanks Lark would have matched next, read in the same step."""

    __slots__ = ("_blanks", "_lexer", "_made", "first", "ignore", "keywords", "more",
                 "newline_types")

    def __init__(self, lexer: BasicLexer, made: dict[tuple[str, ...], Callable],
                 blanks: str | None):
        scanner = lexer.scanner
        self._lexer = lexer
        self._made = made
        self._blanks = blanks
        self.more = tuple(m.match for m in scanner._mres)  # Lark's own regexes
        self.first: dict[str, Callable] = {}
        self.ignore = lexer.ignore_types
        self.newline_types = lexer.newline_types
        # A name that spells a keyword is that keyword where the state accepts it.
        self.keywords: dict[str, dict[str, str]] = {}
        for type_, callback in lexer.callback.items():
            if not isinstance(callback, UnlessCallback):
                raise TypeError(f"lexer callback {callback!r}")
            words = {}
            for term in callback.scanner.terminals:
                if not isinstance(term.pattern, PatternStr) or term.pattern.flags:
                    raise TypeError(f"keyword {term!r}")
                words[term.pattern.value] = term.name
            self.keywords[type_] = words

    def matcher(self, ch: str) -> Callable:
        """The match function for a token starting with ``ch``."""
        found = self.first.get(ch)
        if found is not None:
            return found
        if ch >= "\x80":
            return self.match  # not worth a regex of its own
        lexer = self._lexer
        terms = [t for t in lexer.scanner.terminals if _may_start(t, ch)]
        blanks = self._blanks if terms and not any(t.name in self.ignore for t in terms) \
            else None
        key = (*(t.name for t in terms), blanks)
        found = self._made.get(key)
        if found is None:
            pattern = "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in terms)
            if blanks is not None:
                pattern = f"(?:{pattern})(?:{blanks})?"
            found = self._made[key] = _no_match if not terms else lexer.re.compile(
                pattern, lexer.g_regex_flags).match
        self.first[ch] = found
        return found

    def match(self, text: str, pos: int):
        """Lark's own match: every terminal of the state."""
        for match in self.more:
            m = match(text, pos)
            if m is not None:
                return m
        return None


def _blanks(root: BasicLexer) -> str | None:
    """The regex of the one ignored terminal that is all blanks (not the comment), if no
    other terminal can start where it can (the lexer may then read it with a token)."""
    ignored = [t for t in root.terminals if t.name in root.ignore_types and t.name != COMMENT]
    if len(ignored) != 1:
        return None
    first = _first_chars(ignored[0].pattern.to_regexp(), frozenset(ignored[0].pattern.flags))
    if not first or any(_may_start(t, ch) for t in root.terminals if t is not ignored[0]
                        for ch in first):
        return None
    return ignored[0].pattern.to_regexp()


def _no_match(text: str, pos: int) -> None:
    return None


def _may_start(term, ch: str) -> bool:
    """Can a match of terminal ``term`` start with the ASCII character ``ch``?"""
    if isinstance(term.pattern, PatternStr) and not term.pattern.flags:
        return term.pattern.value[:1] == ch
    first = _first_chars(term.pattern.to_regexp(), frozenset(term.pattern.flags))
    return first is None or ch in first


@functools.cache
def _first_chars(regex: str, flags: frozenset) -> frozenset[str] | None:
    """The ASCII characters a match of ``regex`` can start with (None: cannot tell)."""
    if flags:
        return None
    try:
        fsm = interegular.parse_pattern(regex).to_fsm()
    except Exception:  # a construct interegular does not read: any character
        return None
    first = fsm.map.get(fsm.initial, {})
    return frozenset(ch for ch in map(chr, range(128))
                     if first.get(fsm.alphabet[ch]) is not None)


@dataclass
class Tables:
    """Lark's parser for swr.lark, laid out for the fast loop."""

    lark: Lark
    # state -> terminal -> next state (shift) or Reduction
    actions: dict[int, dict[str, int | Reduction]]
    gotos: dict[int, dict[str, int]]  # state -> rule name -> state after the reduction
    lexing: dict[int, _LexState]
    start_states: dict[str, int]
    end_states: dict[str, int]
    kept: frozenset[str]  # terminals some rule keeps as a child (names, strings...)
    comment_type: str  # the ignored terminal that is a comment
    by_rule: dict  # Lark's Rule -> Reduction, for Lark's own loop
    root: _LexState  # every terminal, in no parser state: the lexer of ``tokens``
    # (state below, state, terminal) -> the state after a run of passthrough reductions
    chains: dict[tuple[int, int, str], int] = field(default_factory=dict)


@functools.cache
def tables() -> Tables | None:
    """The fast loop's tables, or None when this Lark does not look as expected."""
    lark = lark_parser()
    try:
        return _tables(lark)
    except (AttributeError, TypeError, ValueError, KeyError):
        return None


def _tables(lark: Lark) -> Tables:
    frontend = lark.parser
    lexer = frontend.lexer
    if not isinstance(lexer, ContextualLexer):
        raise TypeError("not the contextual lexer")
    table = frontend.parser._parse_table
    keep_placeholders = bool(lark.options.maybe_placeholders)
    by_rule = {}
    kept: set[str] = set()
    for rule in lark.rules:
        by_rule[rule] = Reduction(rule, keep_placeholders)
        for sym in rule.expansion:
            if sym.is_term and (rule.options.keep_all_tokens or not sym.filter_out):
                kept.add(sym.name)
    actions: dict[int, dict[str, int | Reduction]] = {}
    gotos: dict[int, dict[str, int]] = {}
    for state, row in table.states.items():
        acts, jumps = actions.setdefault(state, {}), gotos.setdefault(state, {})
        for symbol, (action, arg) in row.items():
            if action is Shift:
                (acts if symbol.isupper() or symbol.startswith("$") else jumps)[symbol] = arg
            else:
                acts[symbol] = by_rule[arg]
    by_lexer: dict[int, _LexState] = {}
    lexing = {}
    made: dict[tuple[str, ...], Callable] = {}
    blanks = _blanks(lexer.root_lexer)
    for state, basic in lexer.lexers.items():
        if id(basic) not in by_lexer:
            by_lexer[id(basic)] = _LexState(basic, made, blanks)
        lexing[state] = by_lexer[id(basic)]
    if set(lexing) != set(actions):
        raise ValueError("lexer and parser states differ")
    if COMMENT not in lark.lexer_conf.ignore:
        raise ValueError(f"no ignored {COMMENT} terminal")
    return Tables(lark, actions, gotos, lexing, dict(table.start_states),
                  dict(table.end_states), frozenset(kept), COMMENT, by_rule,
                  _LexState(lexer.root_lexer, made, blanks))


def parse(text: str, start: str, builder: ToAst, comments: list | None = None):
    """The AST of ``text`` from rule ``start`` (``"start"``: a whole file). Raises
    ``Bail`` where the grammar does not accept the text. ``comments``, if given, gets the
    (start, end) offsets of every comment (when ``tables()`` is not None)."""
    t = tables()
    if t is None:
        return _parse_with_lark(text, start, builder)
    actions, gotos, lexing, kept, chains = t.actions, t.gotos, t.lexing, t.kept, t.chains
    comment_type = t.comment_type
    end_state = t.end_states[start]
    state = t.start_states[start]
    # The parser's stack, four entries per symbol: the state after it, its value, and the
    # offsets it covers (None for a rule that matched nothing); a first, empty symbol
    # holds the start state.
    stack: list = [state, None, None, None]
    pos, size_of_text = 0, len(text)
    line, line_start = 1, 0
    while True:
        # -- the next token, as the contextual lexer reads it in this state ------------
        lex = lexing[state]
        first = lex.first
        while pos < size_of_text:
            match = first.get(text[pos])
            if match is None:
                match = lex.matcher(text[pos])
            m = match(text, pos)
            if m is None:
                raise Bail
            type_ = m.lastgroup
            stop = m.end(m.lastindex)
            if type_ in lex.ignore:
                if type_ in lex.newline_types:
                    found = text.count("\n", pos, stop)
                    if found:
                        line += found
                        line_start = text.rindex("\n", pos, stop) + 1
                if type_ == comment_type and comments is not None:
                    comments.append((pos, stop))
                pos = stop
                continue
            word = m.group(type_)
            keywords = lex.keywords.get(type_)
            if keywords is not None:
                type_ = keywords.get(word, type_)
            token = None
            if type_ in kept:
                first_line, column = line, pos - line_start + 1
                if type_ in lex.newline_types:
                    found = text.count("\n", pos, stop)
                    if found:
                        line += found
                        line_start = text.rindex("\n", pos, stop) + 1
                token = _Token(type_, word, pos, first_line, column, line,
                               stop - line_start + 1, stop)
            after = m.end()  # past the blanks read with the token
            if after != stop:
                found = text.count("\n", stop, after)
                if found:
                    line += found
                    line_start = text.rindex("\n", stop, after) + 1
            break
        else:
            type_, token, stop = END, None, pos
            after = pos
        # -- the reductions this token completes, then its shift -----------------------
        while True:
            action = actions[state].get(type_)
            if action is None:
                raise Bail
            if action.__class__ is int:
                if token is None and type_ is END:
                    raise Bail
                state = action
                stack += (state, token, pos, stop)
                if len(stack) > _MAX_STACK:
                    raise TooDeep
                break
            if action.passthrough:  # only the state changes, maybe over several rules
                key = (stack[-8], state, type_)
                state = chains.get(key)
                if state is None:
                    state = chains[key] = _chain(t, key, end_state)
                stack[-4] = state
            else:
                size = action.size
                if size:
                    top = stack[-4 * size:]
                    del stack[-4 * size:]
                    children = top[1::4]
                    first = top[2]
                    if first is None:
                        for first in top[2::4]:
                            if first is not None:
                                break
                    last = top[-1]
                    if last is None:
                        for last in reversed(top[3::4]):
                            if last is not None:
                                break
                else:
                    children, first, last = [], None, None
                value = build(action, builder, children, first, last)
                if isinstance(value, Token):  # a bare token keeps its own place (as in Lark)
                    first, last = value.start_pos, value.end_pos
                state = gotos[stack[-4]][action.origin]
                stack += (state, value, first, last)
            if state == end_state and type_ is END:
                return stack[-3]
        pos = after


END = "$END"


def tokens(text: str, spans: bool = False) -> list | None:
    """Every token of ``text`` as Lark's basic lexer reads it with every terminal (no
    parser: a keyword is its keyword wherever it stands), comments and blanks left out.
    A character no token starts with is skipped; from a quote that starts no string, the
    rest of the line is one ``UNTERMINATED_STRING``. ``spans``: (start, end, terminal)
    tuples instead of tokens. None when ``tables()`` is."""
    t = tables()
    if t is None:
        return None
    lex = t.root
    first = lex.first
    out: list[Token] = []
    pos, size_of_text = 0, len(text)
    line, line_start = 1, 0
    while pos < size_of_text:
        ch = text[pos]
        match = first.get(ch)
        if match is None:
            match = lex.matcher(ch)
        m = match(text, pos)
        if m is None:
            if ch in "\"'":
                stop = text.find("\n", pos)
                stop = size_of_text if stop == -1 else stop
                column = pos - line_start + 1
                out.append((pos, stop, "UNTERMINATED_STRING") if spans else _Token(
                    "UNTERMINATED_STRING", text[pos:stop], pos, line, column, line,
                    column + stop - pos, stop))
                pos = stop
            else:
                pos += 1  # (never a line break: blanks always match)
            continue
        type_ = m.lastgroup
        stop = m.end(m.lastindex)
        first_line, column = line, pos - line_start + 1
        if type_ in lex.newline_types:
            found = text.count("\n", pos, stop)
            if found:
                line += found
                line_start = text.rindex("\n", pos, stop) + 1
        if type_ not in lex.ignore:
            word = m.group(type_)
            keywords = lex.keywords.get(type_)
            if keywords is not None:
                type_ = keywords.get(word, type_)
            out.append((pos, stop, type_) if spans else _Token(
                type_, word, pos, first_line, column, line, stop - line_start + 1, stop))
        after = m.end()
        if after != stop:
            found = text.count("\n", stop, after)
            if found:
                line += found
                line_start = text.rindex("\n", stop, after) + 1
        pos = after
    return out


def _chain(t: Tables, key: tuple[int, int, str], end_state: int) -> int:
    """The state after every passthrough reduction that ``key``'s token (with state
    ``below`` under ``state`` on the stack) completes in a row; they only change the
    state on top, so the result depends on nothing else."""
    below, state, type_ = key
    while True:
        action = t.actions[state].get(type_)
        if action.__class__ is not Reduction or not action.passthrough:
            return state
        state = t.gotos[below][action.origin]
        if state == end_state and type_ is END:
            return state


class _Token(Token):
    """A Lark token, made in one step (Lark's constructor takes several)."""

    __slots__ = ()

    def __new__(cls, type_: str, value: str, start_pos: int, line: int, column: int,
                end_line: int, end_column: int, end_pos: int):
        token = str.__new__(cls, value)
        token.type, token.value, token.start_pos, token.end_pos = type_, value, start_pos, end_pos
        token.line, token.column, token.end_line, token.end_column = line, column, end_line, end_column
        return token


# -- Lark's own loop with the same reductions (recovery, and any other Lark) ----------


class _Placed:
    """A value on Lark's value stack with the offsets it covers."""

    __slots__ = ("end", "start", "value")

    def __init__(self, value, start: int | None, end: int | None):
        self.value, self.start, self.end = value, start, end


def callbacks(builder: ToAst, lark: Lark) -> dict:
    """Lark parser callbacks (rule -> function of the rule's children) that build the AST
    with ``builder``; each value comes wrapped in ``_Placed`` (see ``unwrap``)."""
    t = tables()
    by_rule = t.by_rule if t is not None else {
        rule: Reduction(rule, bool(lark.options.maybe_placeholders)) for rule in lark.rules}

    def reducer(r: Reduction):
        def reduce(children: list) -> _Placed:
            values, first, last = [], None, None
            for child in children:
                if child.__class__ is _Placed:
                    values.append(child.value)
                    start, end = child.start, child.end
                else:  # a token
                    values.append(child)
                    start, end = child.start_pos, child.end_pos
                if first is None:
                    first = start
                if end is not None:
                    last = end
            value = values[0] if r.passthrough else build(r, builder, values, first, last)
            if isinstance(value, Token):
                first, last = value.start_pos, value.end_pos
            return _Placed(value, first, last)
        return reduce

    return {rule: reducer(r) for rule, r in by_rule.items()}


def unwrap(value):
    """The AST value of what a parser with ``callbacks`` returned."""
    return value.value if value.__class__ is _Placed else value


class AstParser:
    """What ``recovery.RecoveringParse`` needs of a ``Lark`` object, with the parser's
    values built by ``builder`` (the tree it returns is an AST: see ``unwrap``)."""

    def __init__(self, lark: Lark, builder: ToAst):
        self.lark = lark
        self.terminals = lark.terminals
        self._callbacks = callbacks(builder, lark)

    def parse_interactive(self, text: str, start: str):
        interactive = self.lark.parse_interactive(text, start=start)
        conf = copy.copy(interactive.parser_state.parse_conf)
        conf.callbacks = self._callbacks
        interactive.parser_state.parse_conf = conf
        return interactive


def _parse_with_lark(text: str, start: str, builder: ToAst):
    """Lark's own loop (no comments recorded: the caller finds them itself)."""
    interactive = AstParser(lark_parser(), builder).parse_interactive(text, start)
    try:
        return unwrap(interactive.resume_parse())
    except UnexpectedInput as exc:
        raise Bail from exc
