"""Syntax-error recovery: keep parsing after a mistake and report each mistake once.

Lark's LALR parser stops at the first unexpected token. We drive its interactive parser
ourselves so that, at an error, we can:

1. repair by *inserting* what is obviously missing (a ``)``, ``]``, ``}``, ``,`` or ``{``,
   or a placeholder for a missing condition: ``if { ... }``) when that makes the
   offending token acceptable; re-read a name as the keyword it spells (``route``
   lexed as a name inside an unclosed block) or nearly spells (``esle``, ``iff``,
   ``retrun``, ``rout``: the word before the offending token is looked at too); drop a
   doubled ``,``;
2. otherwise *drop* the token and stay quiet ("panic mode", skipping whole ``{...}``
   groups) until the parser accepts a token again, so one mistake gives one diagnostic.

A missing ``}`` is noticed late (at the next declaration, or the end of the file); the
indentation tells where it belongs (the first line of a block that is indented no
deeper than the line that opened it), and that is where it is reported.

Messages name what was expected in a user's words (``a string``, ``'}'``), never Lark's
terminal names.
"""

from __future__ import annotations

import bisect
import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from switchy.dialplan import diagnostics as dg
from switchy.dialplan.ast import Span
from switchy.dialplan.language import DECLARATIONS

# Words for the terminals defined by a regex (literal ones are shown quoted).
TERMINAL_WORDS = {
    "NAME": "a name",
    "PYREF": "a Python function (module:function)",
    "CAPTURE": "a capture ($1)",
    "STRING": "a string",
    "FSTRING": "an f-string",
    "DATETIME": "a date and time",
    "DATE": "a date",
    "TIME": "a time",
    "NUMBER": "a number",
    "$END": "end of file",
}

_EXPR_START = {"STRING", "FSTRING", "NUMBER", "TIME", "DATE", "DATETIME", "TRUE", "FALSE",
               "NONE", "NAME", "CAPTURE", "PYREF", "LPAR", "LSQB", "NOT"}
_STMT_START = {"NAME", "PYREF", "STOP", "RETURN", "IF"}
_DECL_START = {word.upper() for word in DECLARATIONS}  # Lark names a keyword's terminal so
_INSERTABLE = ("COMMA", "RPAR", "RSQB", "RBRACE", "LBRACE")
# Tokens before which a missing expression may be made up (a placeholder name).
_ENDS_AN_EXPRESSION = {"LBRACE", "RPAR", "RSQB", "COMMA"}
_EOF_FILLERS = ("RBRACE", "RPAR", "RSQB", "LBRACE", "STRING", "NAME")


@dataclass
class Recovered:
    tree: object | None
    diagnostics: list[dg.Diagnostic] = field(default_factory=list)
    # The text ended where the parser could stop: nothing was repaired at the end of the
    # file and no ``{...}`` group was being skipped. ``incremental`` may cut a file there.
    clean_end: bool = False


class Vocabulary:
    """What each terminal of the grammar is called in an error message."""

    def __init__(self, parser: Lark):
        self.literal: dict[str, str] = {}
        self.keywords: dict[str, str] = {}  # keyword text -> terminal name
        for term in parser.terminals:
            if isinstance(term.pattern, PatternStr):
                self.literal[term.name] = term.pattern.value
                if term.pattern.value.isalpha():
                    self.keywords[term.pattern.value] = term.name

    def word(self, terminal: str) -> str:
        if terminal in TERMINAL_WORDS:
            return TERMINAL_WORDS[terminal]
        if terminal in self.literal:
            return f"'{self.literal[terminal]}'"
        return "something else"

    def expected(self, accepts: Iterable[str]) -> str:
        """``',' or ')'``; groups of terminals become one word (``an expression``)."""
        acc = set(accepts)
        words: list[str] = []
        if len(acc & _DECL_START) >= 5:
            words.append("a declaration (route, handler, dialplan, guard, include)")
            acc -= _DECL_START
        if len(acc & _EXPR_START) >= 6:
            if acc & _STMT_START - {"NAME", "PYREF"}:
                pass
            words.append("an expression")
            acc -= _EXPR_START
        elif {"STOP", "RETURN", "IF"} <= acc:
            words.append("a statement (an action call, if, stop, return)")
            acc -= _STMT_START
        ops = {t for t in acc if self.literal.get(t) in
               {"==", "!=", "<", "<=", ">", ">=", "=~", "!~", "in", "not", "and", "or", ".."}}
        if len(ops) >= 5:
            acc -= ops
            words.append("an operator")
        order = sorted(acc, key=lambda t: (t == "$END", t not in self.literal, self.word(t)))
        words += [self.word(t) for t in order]
        words = list(dict.fromkeys(words))
        if len(words) > 6:
            words = [*words[:6], "..."]
        if not words:
            return "nothing more"
        if len(words) == 1:
            return words[0]
        return ", ".join(words[:-1]) + " or " + words[-1]

    def describe(self, token: Token) -> str:
        if token.type == "$END":
            return "end of file"
        text = str(token)
        if len(text) > 24:
            text = text[:21] + "..."
        if token.type in ("STRING", "FSTRING"):
            return f"string {text}"
        if token.type in self.literal and token.type not in self.keywords.values():
            return f"'{text}'"
        return f"'{text}'"


def token_span(file: str, tok: Token) -> Span:
    line = getattr(tok, "line", None) or 1
    col = getattr(tok, "column", None) or 1
    end_line = getattr(tok, "end_line", None) or line
    end_col = getattr(tok, "end_column", None) or col + max(len(str(tok)), 1)
    start = getattr(tok, "start_pos", None) or 0
    end = getattr(tok, "end_pos", None) or start + len(str(tok))
    if (end_line, end_col) <= (line, col):
        end_col = col + 1
    return Span(file, line, col, end_line, end_col, start, max(end, start))


class RecoveringParse:
    """One parse of ``text`` from ``start``; see the module docstring for the strategy."""

    def __init__(self, parser: Lark, vocab: Vocabulary, text: str, file: str, start: str,
                 span_of: Callable[[Token], Span] | None = None):
        self.parser = parser
        self.vocab = vocab
        self.text = text
        self.file = file
        self.start = start
        self.span_of = span_of or (lambda t: token_span(file, t))
        self.diagnostics: list[dg.Diagnostic] = []
        self.panic = False
        self.skip_depth = 0
        self.open_braces: list[Token] = []
        self.last_token: Token | None = None
        self.reported_lines: set[int] = set()
        self.clean_end = False
        # The parser state before the last token, when that token was a name: a name that
        # nearly spells a keyword is only found wrong at the token after it.
        self.before_name: tuple[_Snapshot, Token] | None = None
        self._lines: list[str] | None = None  # the text's lines, for indentation
        self.lbraces: list[Token] = []  # every '{' fed, in order
        self.before_last: Token | None = None  # the token before last_token
        self.braces_reported: set[int | None] = set()  # '{' whose missing '}' was reported

    # -- helpers -------------------------------------------------------------------

    def _report(self, code: str, message: str, span: Span, related=()) -> None:
        # One diagnostic per line: a second complaint on a line is almost always a cascade.
        if not self.panic and span.line not in self.reported_lines:
            self.diagnostics.append(dg.make(code, message, span, related=tuple(related)))
            self.reported_lines.add(span.line)
        self.panic = True

    def _trial_state(self, state):
        trial = state.copy(deepcopy_values=False)
        conf = copy.copy(state.parse_conf)
        conf.callbacks = {}
        trial.parse_conf = conf
        return trial

    def _can_feed(self, state, tokens: list[Token]) -> bool:
        trial = self._trial_state(state)
        try:
            for t in tokens:
                trial.feed_token(t, t.type == "$END")
        except UnexpectedToken:
            return False
        except Exception:  # a reduction that cannot complete: treat as not acceptable
            return False
        return True

    def _feed(self, state, tok: Token) -> None:
        before = _Snapshot(state) if tok.type == "NAME" else None
        state.feed_token(tok, tok.type == "$END")
        self.before_name = (before, tok) if before is not None else None
        if tok.type != "$END":
            self.before_last = self.last_token
        if tok.type == "LBRACE":
            self.open_braces.append(tok)
            self.lbraces.append(tok)
        elif tok.type == "RBRACE" and self.open_braces:
            self.open_braces.pop()
        if tok.type != "$END":
            self.last_token = tok
        self.panic = False

    def _synthetic(self, kind: str, at: Token) -> Token:
        value = {"STRING": '""', "NAME": "_"}.get(kind, "")
        return Token.new_borrow_pos(kind, value, at)

    def _variants(self, tok: Token) -> list[Token]:
        """The token, and the keyword it spells if the contextual lexer read it as a name."""
        out = [tok]
        if tok.type == "NAME" and str(tok) in self.vocab.keywords:
            out.append(Token.new_borrow_pos(self.vocab.keywords[str(tok)], str(tok), tok))
        return out

    def _repairs(self, tok: Token) -> Iterable[list[str]]:
        same_line = self.last_token is not None and self.last_token.line == tok.line
        for kind in _INSERTABLE:
            if kind == "COMMA" and not same_line:
                continue
            yield [kind]
        for first in ("RPAR", "RSQB"):
            yield [first, "RBRACE"]
        yield ["RBRACE", "RBRACE"]
        if tok.type in _ENDS_AN_EXPRESSION:
            yield ["NAME"]  # a missing condition or value: `if { ... }`, `f(x=)`

    def _keywords_accepted(self, state) -> dict[str, str]:
        """Keyword text -> terminal, for the keywords ``state`` accepts next."""
        table = state.parse_conf.parse_table.states[state.position]
        return {text: term for text, term in self.vocab.keywords.items() if term in table}

    def _misspelt_keyword(self, tok: Token, accepts: set[str]) -> Token | None:
        if tok.type != "NAME" or not accepts:
            return None
        words = {text: term for text, term in self.vocab.keywords.items() if term in accepts}
        guess = dg.did_you_mean(str(tok), sorted(words), cutoff=0.75)
        return Token.new_borrow_pos(words[guess], guess, tok) if guess else None

    def _declaration_taken_as_name(self, state, tok: Token) -> bool:
        """``route a "1" ->`` then ``route b ...`` on the next line: the second ``route``
        was read as the handler of the first. A declaration keyword in column 1 starts a
        new item: report what the open one lacks, finish it, and go on from there."""
        saved = self.before_name
        if saved is None or saved[1] is not self.last_token:
            return False
        before, name = saved
        if name.column != 1:
            return False
        keyword = self._declaration_in_column_1(name)
        misspelt = keyword is None
        if misspelt:
            words = sorted(w for w, term in self.vocab.keywords.items() if term in _DECL_START)
            guess = dg.did_you_mean(str(name), words, cutoff=0.75)
            if guess is None:
                return False
            keyword = Token.new_borrow_pos(self.vocab.keywords[guess], guess, name)
        prev = self.before_last
        accepted = self._accepted(before.state)
        expected = ("the handler call after '->'" if prev is not None and str(prev) == "->"
                    else self.vocab.expected(accepted))
        before.restore(state)
        self.last_token = prev or self.last_token
        if not ("RBRACE" in accepted and self._report_unclosed_by_indentation(name)):
            self._report_at_line_end(f"missing {expected} at the end of the line", name)
        if misspelt:
            self.panic = False  # a mistake of its own
            self._report_misspelt(name, keyword)
        if not self._resync(state, keyword):
            return False
        try:
            self._feed(state, tok)
        except UnexpectedToken:
            self.panic = True
            self._skip(tok)
        return True

    def _report_misspelt(self, name: Token, keyword: Token) -> None:
        self._report("SWR101", f"'{name}' is not a keyword; did you mean '{keyword}'?",
                     self.span_of(name))

    def _accepted(self, state) -> set[str]:
        """The terminals ``state`` may shift (those an error message can name)."""
        table = state.parse_conf.parse_table.states[state.position]
        return {t for t in table if t in self.vocab.literal or t in TERMINAL_WORDS}

    def _report_at_line_end(self, message: str, at: Token) -> None:
        """Report at the end of the token before ``at`` when it is on an earlier line."""
        prev = self.last_token
        if prev is not None and prev.end_line is not None and prev.end_line < (at.line or 0):
            end = Token("ERROR", " ", prev.end_pos, prev.end_line, prev.end_column,
                        prev.end_line, prev.end_column + 1, (prev.end_pos or 0) + 1)
            self._report("SWR101", message, self.span_of(end))
        else:
            self._report("SWR101", message.replace(" at the end of the line", ""), self.span_of(at))

    def _misspelt_previous(self, state, tok: Token) -> bool:
        """``esle {``, ``iff x``, ``retrun }``: the parser took the word as a name (an
        action call or an assignment may start with one) and fails on what follows.
        When the keyword it nearly spells fits, parse it as that keyword."""
        saved = self.before_name
        if saved is None or saved[1] is not self.last_token:
            return False
        before, name = saved
        keywords = self._keywords_accepted(before.state)
        guess = dg.did_you_mean(str(name), sorted(keywords), cutoff=0.75)
        if guess is None:
            return False
        keyword = Token.new_borrow_pos(keywords[guess], guess, name)
        if not self._can_feed(before.state, [keyword, tok]):
            return False
        self._report_misspelt(name, keyword)
        before.restore(state)
        self._feed(state, keyword)
        self._feed(state, tok)
        return True

    # -- the error paths ------------------------------------------------------------

    def _unexpected_token(self, ip, tok: Token) -> None:
        state = ip.parser_state
        if self.panic and self.skip_depth:
            self._skip(tok)
            return
        accepts = set()
        if not self.panic:
            accepts = ip.accepts()
        # Repair 1: a keyword the contextual lexer read as a name.
        for variant in self._variants(tok)[1:]:
            if self._can_feed(state, [variant]):
                self._feed(state, variant)
                return
        if not self.panic:
            # Repair 1b: a name that nearly spells a keyword the parser wants here.
            keyword = self._misspelt_keyword(tok, accepts)
            if keyword is not None and self._can_feed(state, [keyword]):
                self._report_misspelt(tok, keyword)
                self._feed(state, keyword)
                return
            # Repair 1c: the name before this token was the misspelt keyword, or a
            # declaration in column 1 that the open item took for a name.
            if self._misspelt_previous(state, tok) or self._declaration_taken_as_name(state, tok):
                return
            # Repair 1d: a doubled ','.
            if tok.type == "COMMA" and self.last_token is not None and self.last_token.type == "COMMA":
                self._report("SWR101", "one ',' too many", self.span_of(tok))
                self.panic = False
                return
        # Repair 2: insert what is missing.
        for kinds in self._repairs(tok):
            for variant in self._variants(tok):
                inserted = [self._synthetic(k, tok) for k in kinds]
                if self._can_feed(state, [*inserted, variant]):
                    self._report_missing(tok, kinds)
                    for t in inserted:
                        self._feed(state, t)
                    self._feed(state, variant)
                    self.panic = False
                    return
        # Otherwise drop it and stay quiet until the parser moves again; but a
        # declaration in column 1 starts a new item: finish the open one up to it.
        self._report_unexpected(tok, accepts)
        keyword = self._declaration_in_column_1(tok)
        if keyword is not None and self._resync(state, keyword):
            return
        self._skip(tok)

    def _declaration_in_column_1(self, tok: Token) -> Token | None:
        if tok.column != 1:
            return None
        return next((v for v in self._variants(tok) if v.type in _DECL_START), None)

    def _resync(self, state, keyword: Token) -> bool:
        """Make up tokens (closers, placeholders) until ``keyword`` fits, so that one
        mistake never swallows the routes and handlers written after it."""
        trial = self._trial_state(state)
        made_up: list[Token] = []
        for _ in range(100):
            if self._can_feed(trial, [keyword]):
                for t in made_up:
                    self._feed(state, t)
                self._feed(state, keyword)
                return True
            for filler in self._fillers(trial, keyword):
                if self._can_feed(trial, [filler]):
                    trial.feed_token(filler, False)
                    made_up.append(filler)
                    break
            else:
                return False
        return False

    def _fillers(self, state, at: Token) -> Iterable[Token]:
        """Tokens that may be made up to finish what is open: closers and placeholders
        first, then any keyword or punctuation the state accepts (``(`` after a bare
        name, ``in`` after ``not``...)."""
        for kind in _EOF_FILLERS:
            yield self._synthetic(kind, at)
        for kind in sorted(state.parse_conf.parse_table.states[state.position]):
            if kind in self.vocab.literal and kind not in _EOF_FILLERS:
                yield Token.new_borrow_pos(kind, self.vocab.literal[kind], at)

    def _skip(self, tok: Token) -> None:
        if tok.type == "LBRACE":
            self.skip_depth += 1
        elif tok.type == "RBRACE" and self.skip_depth:
            self.skip_depth -= 1
        self.panic = True

    def _report_unexpected(self, tok: Token, accepts: set[str]) -> None:
        if self.panic:
            return
        expected = self.vocab.expected(accepts) if accepts else "something else"
        message = f"unexpected {self.vocab.describe(tok)}; expected {expected}"
        if str(tok) == "=" and any(self.vocab.literal.get(t) == "==" for t in accepts):
            message += " (use '==' to compare)"
        elif tok.type == "NAME":
            words = [w for t, w in self.vocab.literal.items() if t in accepts and w.isalpha()]
            guess = dg.did_you_mean(str(tok), words, cutoff=0.75)
            if guess:
                message += f"; did you mean '{guess}'?"
        self._report("SWR101", message, self.span_of(tok))

    def _report_missing(self, tok: Token, kinds: list[str]) -> None:
        if self.panic:
            return
        prev = self.last_token
        if kinds == ["NAME"]:
            if prev is not None and prev.type in ("IF", "ELIF", "WHEN", "GUARD"):
                self._report("SWR101", f"missing the condition after '{prev}'", self.span_of(tok))
            else:
                self._report("SWR101", f"missing a value before {self.vocab.describe(tok)}",
                             self.span_of(tok))
            return
        missing = " and ".join(self.vocab.word(k) for k in kinds)
        related = []
        if "RBRACE" in kinds and self._report_unclosed_by_indentation(tok):
            return
        if "RBRACE" in kinds and self.open_braces:
            related.append(dg.Related(self.span_of(self.open_braces[-1]),
                                      "the '{' opened here is not closed"))
        if prev is not None and prev.end_line is not None and prev.end_line < (tok.line or 0):
            # The gap is at the end of the previous line: point there.
            end = Token("ERROR", " ", prev.end_pos, prev.end_line, prev.end_column,
                        prev.end_line, prev.end_column + 1, (prev.end_pos or 0) + 1)
            self._report("SWR101", f"missing {missing} at the end of the line",
                         self.span_of(end), related)
        else:
            self._report("SWR101", f"missing {missing} before {self.vocab.describe(tok)}",
                         self.span_of(tok), related)

    def _report_unclosed_by_indentation(self, at: Token | None) -> bool:
        """Report a missing ``}`` where the indentation says it belongs, when that is
        before ``at`` (None: the end of the file); False when the indentation says
        nothing (one-line blocks, or a file indented any which way). Only the blocks of
        the item still open are looked at."""
        if not self.open_braces:
            return False
        first = bisect.bisect_left(self.lbraces, self.open_braces[0].start_pos or 0,
                                   key=lambda b: b.start_pos or 0)
        for brace in self.lbraces[first:]:
            if brace.start_pos in self.braces_reported:
                continue
            where = self._block_end_by_indentation(brace, to_end=at is None)
            if where is None or (at is not None and where[2] >= (at.start_pos or 0)):
                continue
            self.braces_reported.add(brace.start_pos)
            line, column, offset = where
            end = Token("ERROR", " ", offset, line, column, line, column + 1, offset + 1)
            self._report("SWR101", "missing '}' at the end of the line", self.span_of(end),
                         [dg.Related(self.span_of(brace), "the '{' opened here is not closed")])
            return True
        return False

    def _block_end_by_indentation(self, brace: Token, to_end: bool) -> tuple[int, int, int] | None:
        """For a ``{`` that ends its line: where its ``}`` is missing — the end of the last
        line of the block, when the first line indented no deeper than the opening line
        is not a ``}`` (or, ``to_end``, when the file ends first). None when that line
        is the ``}``."""
        if self._lines is None:
            self._lines = self.text.split("\n")
        lines = self._lines
        opener = lines[brace.line - 1]
        if opener[brace.column:].split("#", 1)[0].strip():
            return None  # the block goes on on its own line: no indentation to read
        depth = _indent(opener)
        last = brace.line  # 1-based number of the last line of the block
        for number in range(brace.line + 1, len(lines) + 1):
            text = lines[number - 1]
            content = text.strip()
            if not content or content.startswith("#"):
                continue
            if _indent(text) <= depth:
                if content.startswith("}") or number == brace.line + 1:
                    return None
                return _line_end(lines, last)
            last = number
        return _line_end(lines, last) if to_end and last > brace.line else None

    def _unexpected_chars(self, ip, err: UnexpectedCharacters) -> None:
        lexer_state = ip.lexer_thread.state
        pos = err.pos_in_stream
        ch = self.text[pos] if pos < len(self.text) else ""
        line_end = self.text.find("\n", pos)
        line_end = len(self.text) if line_end == -1 else line_end
        start = Token("ERROR", ch, pos, err.line, err.column, err.line, err.column + 1, pos + 1)
        if ch in "\"'":
            rest = self.text[pos:line_end]
            self._report("SWR102", "unterminated string: add the closing "
                         f"{ch} before the end of the line",
                         self.span_of(Token("ERROR", rest, pos, err.line, err.column, err.line,
                                            err.column + len(rest), line_end)))
            lexer_state.line_ctr.feed(rest)
            fake = Token("STRING", rest + ch, pos, err.line, err.column, err.line,
                         err.column + len(rest), line_end)
            state = ip.parser_state
            if self._can_feed(state, [fake]):
                self._feed(state, fake)
            self.panic = True  # what follows on the next line is a cascade
            return
        shown = ch if ch.isprintable() else repr(ch)
        self._report("SWR103", f"unexpected character '{shown}'", self.span_of(start))
        lexer_state.line_ctr.feed(ch or " ")

    def _end_of_file(self, ip) -> object | None:
        state = ip.parser_state
        last = self.last_token
        end = Token("$END", "", len(self.text), *self._end_position())
        if self._can_feed(state, [end]):
            self.clean_end = not self.skip_depth
            return self._feed_end(state, end)
        related = []
        if self.open_braces:
            related.append(dg.Related(self.span_of(self.open_braces[-1]),
                                      "the '{' opened here is not closed"))
        if not self.panic and "RBRACE" in ip.accepts() and self._report_unclosed_by_indentation(None):
            pass
        elif not self.panic or not self.diagnostics:
            self.panic = False
            self._report("SWR104", f"unexpected end of file; expected "
                         f"{self.vocab.expected(ip.accepts())}", self.span_of(end), related)
        for _ in range(200):
            if self._can_feed(state, [end]):
                return self._feed_end(state, end)
            for filler in self._fillers(state, last or end):
                if self._can_feed(state, [filler]):
                    self._feed(state, filler)
                    break
            else:
                return None
        return None

    def _feed_end(self, state, end: Token):
        return state.feed_token(end, True)

    def _end_position(self) -> tuple[int, int, int, int, int]:
        lines = self.text.split("\n")
        line = len(lines)
        col = len(lines[-1]) + 1
        return line, col, line, col, len(self.text)

    # -- the loop -----------------------------------------------------------------------

    def run(self) -> Recovered:
        ip = self.parser.parse_interactive(self.text, start=self.start)
        self._consume(ip)
        try:
            tree = self._end_of_file(ip)
        except UnexpectedInput:
            tree = None
        return Recovered(tree, self.diagnostics, self.clean_end)

    def expected_next(self) -> set[str]:
        """The terminals the parser would accept after the whole text (mistakes before
        recovered as usual): what may be typed next, for an editor's completion."""
        ip = self.parser.parse_interactive(self.text, start=self.start)
        self._consume(ip)
        try:
            return set(ip.accepts())
        except Exception:  # a state that cannot even be probed: nothing to offer
            return set()

    def _consume(self, ip) -> None:
        """Feed every token of the text, recovering from each mistake."""
        while True:
            try:
                for tok in ip.lexer_thread.lex(ip.parser_state):
                    if self.skip_depth and self._declaration_in_column_1(tok) is not None:
                        self.skip_depth = 0  # a new item begins: stop skipping
                    if self.skip_depth:
                        self._skip(tok)
                        continue
                    try:
                        self._feed(ip.parser_state, tok)
                    except UnexpectedToken:
                        self._unexpected_token(ip, tok)
                break
            except UnexpectedCharacters as err:
                self._unexpected_chars(ip, err)
            except UnexpectedToken as err:  # the contextual lexer's "valid elsewhere" case
                if self.skip_depth and self._declaration_in_column_1(err.token) is not None:
                    self.skip_depth = 0
                if self.skip_depth:
                    self._skip(err.token)
                else:
                    self._unexpected_token(ip, err.token)
            except UnexpectedInput as err:  # pragma: no cover - any other lexer complaint
                self._report("SWR101", "cannot read this", self.span_of(
                    Token("ERROR", "", 0, err.line or 1, err.column or 1)))
                break


class _Snapshot:
    """A parser state to go back to, values included.

    The state copy shares its values with the live parser, and a reduction may grow a
    list value in place (a ``_stmt*`` list, left recursion; the parser of ``lalr`` wraps
    each value with its position): the lengths of the lists
    are kept too, so that going back undoes that growth instead of reading the same
    statement twice.
    """

    __slots__ = ("lengths", "state")

    def __init__(self, state) -> None:
        self.state = state.copy(deepcopy_values=False)
        values = (getattr(v, "value", v) for v in self.state.value_stack)  # (lalr._Placed)
        self.lengths = [(v, len(v)) for v in values if isinstance(v, list)]

    def restore(self, state) -> None:
        for value, length in self.lengths:
            del value[length:]
        state.state_stack[:] = self.state.state_stack
        state.value_stack[:] = self.state.value_stack


def _line_end(lines: list[str], number: int) -> tuple[int, int, int]:
    """(line, column, offset) just after the last character of line ``number``."""
    tail = lines[number - 1].rstrip()
    return number, len(tail) + 1, sum(len(x) + 1 for x in lines[:number - 1]) + len(tail)


def _indent(line: str) -> int:
    return len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip())
