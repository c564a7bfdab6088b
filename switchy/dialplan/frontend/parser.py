"""Read .swr text into an AST, collecting syntax diagnostics instead of raising.

Text the grammar accepts goes through ``lalr``'s fast loop; at the first mistake the file
is parsed again by ``recovery``, which reports each mistake and builds what it can. Both
build the AST during the parse (``transform.ToAst``), from ``grammar/swr.lark``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from lark import Token
from lark.exceptions import UnexpectedCharacters
from lark.lexer import BasicLexer, LexerThread

from switchy.dialplan import ast
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.frontend import lalr
from switchy.dialplan.frontend.gcpause import collector_paused
from switchy.dialplan.frontend.grammar import GRAMMAR_NAME, grammar_path, grammar_text, lark_parser
from switchy.dialplan.frontend.recovery import Recovered, RecoveringParse, Vocabulary
from switchy.dialplan.frontend.transform import ToAst

__all__ = ["GRAMMAR_NAME", "ParseResult", "clean", "expected_next", "find_comments",
           "grammar_path", "grammar_text", "lark_parser", "parse", "token_spans", "tokens"]


@functools.cache
def _vocabulary() -> Vocabulary:
    return Vocabulary(lark_parser())


@dataclass
class ParseResult:
    module: ast.Module
    diagnostics: list[dg.Diagnostic] = field(default_factory=list)
    comments: list[ast.Comment] = field(default_factory=list)
    text: str = ""
    clean_end: bool = True  # see recovery.Recovered.clean_end


    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def clean(text: str) -> str:
    """The text every reader of a file parses: NUL, which has no place in a dialplan and
    would end a C string in FreeSWITCH, read as a blank (spans keep their offsets)."""
    return text.replace("\x00", " ")


def parse(text: str, file: str = "<string>") -> ParseResult:
    """Parse one .swr file. Never raises on bad input: problems become diagnostics."""
    text = clean(text)
    fexpr = functools.partial(_parse_fstring_expr, file=file)
    comment_offsets: list[tuple[int, int]] = []
    with collector_paused():
        try:
            outcome, builder, fast = _parse(text, file, "start", fexpr, comments=comment_offsets)
        except lalr.TooDeep:
            return ParseResult(ast.Module([], span=ast.Span(file, 1, 1, 1, 1, 0, 0)),
                               [too_deep(text, file)], find_comments(text, file), text, True)
    if not fast or lalr.tables() is None:
        comments = find_comments(text, file)
    else:  # the fast loop saw every comment
        comments = [ast.Comment(text[start:end].rstrip("\r"), span=builder.span(start, end))
                    for start, end in comment_offsets]
    module = outcome.tree
    diags = outcome.diagnostics
    if module is not None:  # (recovery gave up: nothing built is kept, nor its findings)
        if builder.failure is not None:  # a recovered shape the AST builder did not foresee
            diags.append(dg.make(
                "SWR101", f"cannot make sense of this file ({type(builder.failure).__name__})",
                ast.Span.unknown(file)))
            module = None
        diags += builder.findings(module)
    if not isinstance(module, ast.Module):
        module = ast.Module([], span=ast.Span(file, 1, 1, 1, 1, 0, 0))
    return ParseResult(module, diags, comments, text, outcome.clean_end)


def _parse(text: str, file: str, start: str, fexpr=None, span_of=None,
           comments: list | None = None) -> tuple[Recovered, ToAst, bool]:
    """The AST of ``text`` (``Recovered.tree``), the builder that made it (its f-string
    diagnostics, its failure) and whether the fast loop read it all. Most text has no
    mistake: the fast loop reads it (and records the comments' offsets in ``comments``);
    recovery starts over only when that fails."""
    builder = ToAst(file, text, fexpr)
    try:
        tree = lalr.parse(text, start, builder, comments)
        return Recovered(tree, clean_end=True), builder, True
    except lalr.Bail:
        pass
    if deepest(text) > lalr.MAX_DEPTH:  # (the fast loop counts its stack instead)
        raise lalr.TooDeep
    builder = ToAst(file, text, fexpr)  # forget what the failed attempt collected
    outcome = RecoveringParse(lalr.AstParser(lark_parser(), builder), _vocabulary(), text,
                              file, start, span_of=span_of).run()
    outcome.tree = lalr.unwrap(outcome.tree)
    return outcome, builder, False


_LITERALS = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|#[^\n]*')
MAX_NESTING = 100  # what the docs promise to follow; far deeper is refused (lalr.MAX_DEPTH)


def _bracket_depths(text: str):
    blank = _LITERALS.sub(lambda m: " " * len(m.group(0)), text)
    depth = 0
    for m in re.finditer(r"[\[\](){}]", blank):
        depth += 1 if m.group(0) in "([{" else -1
        yield depth, m.start()


def deepest(text: str) -> int:
    """How deep the brackets and blocks of ``text`` nest (strings and comments aside)."""
    return max((d for d, _ in _bracket_depths(text)), default=0)


def too_deep(text: str, file: str) -> dg.Diagnostic:
    """A file nested too deeply to read, pointing at its deepest bracket."""
    most = where = 0
    for depth, at in _bracket_depths(text):
        if depth > most:
            most, where = depth, at
    line = text.count("\n", 0, where) + 1
    column = where - (text.rfind("\n", 0, where) + 1) + 1
    return dg.make("SWR101", f"nested {most} levels deep here: more than switchy can follow "
                   f"(keep brackets and blocks under {MAX_NESTING} levels)",
                   ast.Span(file, line, column, line, column + 1, where, where + 1))


def expected_next(text: str) -> set[str]:
    """Terminal names the grammar accepts right after ``text`` (e.g. ``{"LBRACE",
    "WHEN"}`` after ``route r1 ``), earlier mistakes recovered: what an editor may
    offer to complete. Never raises."""
    text = clean(text)
    return RecoveringParse(lark_parser(), _vocabulary(), text, "<completion>",
                           "start").expected_next()


@functools.cache
def _basic_lexer() -> BasicLexer:
    return BasicLexer(lark_parser().lexer_conf)


def tokens(text: str) -> list[Token]:
    """Every token of ``text`` (comments and blanks left out), for editors: highlighting
    and "what is under the cursor". Never raises: a character no token can start is
    skipped, and an unclosed string runs to the end of its line as one
    ``UNTERMINATED_STRING`` token. Keywords come out as their own terminal (``ROUTE``)
    wherever they stand, as the grammar's lexer sees them without a parser."""
    fast = lalr.tokens(text)
    if fast is not None:
        return fast
    return lark_tokens(text)


def lark_tokens(text: str) -> list[Token]:
    """``tokens(text)`` as Lark's own basic lexer reads it: the fallback of the fast
    lexer, and what tests compare that lexer with."""
    thread = LexerThread.from_text(_basic_lexer(), text)
    out: list[Token] = []
    while True:
        try:
            out.extend(thread.lex(None))
            return out
        except UnexpectedCharacters as err:
            pos = err.pos_in_stream
            skipped = text[pos] if pos < len(text) else ""
            if skipped in "\"'" and skipped:
                end = text.find("\n", pos)
                skipped = text[pos:] if end == -1 else text[pos:end]
                line, col = err.line, err.column
                out.append(Token("UNTERMINATED_STRING", skipped, pos, line, col, line,
                                 col + len(skipped), pos + len(skipped)))
            thread.state.line_ctr.feed(skipped or " ")
            if pos >= len(text):
                return out


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """``tokens(text)`` as (start, end, terminal): what highlighting needs, made faster."""
    fast = lalr.tokens(text, spans=True)
    if fast is not None:
        return fast
    return [(t.start_pos, t.end_pos, t.type) for t in tokens(text)]


def _parse_fstring_expr(text: str, where: ast.Span, file: str):
    """Parse the ``{...}`` of an f-string; spans are moved to where it sits in the file."""

    def shift(tok: Token) -> ast.Span:
        col = where.column + (tok.column or 1) - 1
        start = where.start + (tok.start_pos or 0)
        end_col = where.column + (tok.end_column or (tok.column or 1) + len(tok)) - 1
        return ast.Span(file, where.line, col, where.line, max(end_col, col + 1), start,
                        start + len(tok))

    outcome, builder, _ = _parse(text, file, "fstring_expr", span_of=shift)
    diags = [dg.make("SWR105", f"in f-string: {d.message}", d.span) for d in outcome.diagnostics]
    expr = outcome.tree
    if expr is None or builder.failure is not None:
        return None, diags

    def moved(s: ast.Span) -> ast.Span:
        return ast.Span(file, where.line, where.column + s.column - 1, where.line,
                        where.column + s.end_column - 1, where.start + s.start,
                        where.start + s.end)

    for node in ast.walk(expr):
        node.span = moved(node.span)
        if isinstance(node, ast.Compare):  # the operator's own span moves too
            node.op_span = moved(node.op_span)
    return expr, diags


def find_comments(text: str, file: str = "<string>") -> list[ast.Comment]:
    """Every ``# ...`` comment, skipping ``#`` inside strings (strings end at the line)."""
    comments = []
    line, col_base = 1, 0
    i, n = 0, len(text)
    quote = None
    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            col_base = i + 1
            quote = None
        elif quote:
            if ch == "\\":
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            end = text.find("\n", i)
            end = n if end == -1 else end
            col = i - col_base + 1
            comments.append(ast.Comment(text[i:end].rstrip("\r"), span=ast.Span(
                file, line, col, line, col + (end - i), i, end)))
            i = end
            continue
        i += 1
    return comments
