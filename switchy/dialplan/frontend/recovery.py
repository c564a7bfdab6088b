"""Syntax-error recovery: keep parsing after a mistake and report each mistake once.

Lark's LALR parser stops at the first unexpected token. We drive its interactive parser
ourselves so that, at an error, we can:

1. repair by *inserting* what is obviously missing (a ``)``, ``]``, ``}``, ``,`` or ``{``)
   when that makes the offending token acceptable, or re-read a name as the keyword
   it spells (``route`` lexed as a name inside an unclosed block);
2. otherwise *drop* the token and stay quiet ("panic mode", skipping whole ``{...}``
   groups) until the parser accepts a token again, so one mistake gives one diagnostic.

Messages name what was expected in a user's words (``a string``, ``'}'``), never Lark's
terminal names.
"""

from __future__ import annotations

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
        state.feed_token(tok, tok.type == "$END")
        if tok.type == "LBRACE":
            self.open_braces.append(tok)
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
        missing = " and ".join(self.vocab.word(k) for k in kinds)
        prev = self.last_token
        related = []
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
        if not self.panic or not self.diagnostics:
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
