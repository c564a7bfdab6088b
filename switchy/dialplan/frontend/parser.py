"""Read .swr text into an AST, collecting syntax diagnostics instead of raising.

The grammar lives in ``grammar/swr.lark`` at the top of the repository; the wheel
carries it as ``switchy/grammar/swr.lark`` (pyproject force-include). An editable
install has no such copy, so the loader falls back to the source tree.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import UnexpectedCharacters, UnexpectedInput
from lark.lexer import BasicLexer, LexerThread

from switchy.dialplan import ast
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.frontend.gcpause import collector_paused
from switchy.dialplan.frontend.recovery import Recovered, RecoveringParse, Vocabulary
from switchy.dialplan.frontend.transform import ToAst

GRAMMAR_NAME = "swr.lark"


def grammar_path() -> Path:
    """Where swr.lark is: package data in a wheel, else ``<repo>/grammar/``."""
    try:
        packaged = resources.files("switchy").joinpath("grammar", GRAMMAR_NAME)
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    source_tree = Path(__file__).resolve().parents[3] / "grammar" / GRAMMAR_NAME
    if source_tree.is_file():
        return source_tree
    raise FileNotFoundError(
        f"switchy's grammar {GRAMMAR_NAME} is neither installed with the package nor in "
        f"the source tree ({source_tree}); reinstall switchy"
    )


def grammar_text() -> str:
    return grammar_path().read_text(encoding="utf-8")


@functools.cache
def lark_parser(strict: bool = False) -> Lark:
    """The LALR parser (built once per process; ``cache=True`` keeps later starts fast)."""
    options = dict(
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        start=["start", "fstring_expr"],
    )
    if strict:
        return Lark(grammar_text(), strict=True, **options)
    return Lark(grammar_text(), cache=True, **options)


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
    parser = lark_parser()
    # Most files have no mistake: Lark's own loop is about twice as fast as feeding it
    # token by token, so recovery only starts when that fails.
    with collector_paused():
        try:
            outcome = Recovered(parser.parse(text, start="start"), clean_end=True)
        except UnexpectedInput:
            outcome = RecoveringParse(parser, _vocabulary(), text, file, "start").run()
    transformer = ToAst(file, fexpr=functools.partial(_parse_fstring_expr, file=file))
    module = None
    if outcome.tree is not None:
        try:
            module = transformer.transform(outcome.tree)
        except Exception as exc:  # a recovered tree the transformer did not foresee
            if isinstance(exc, RecursionError) or isinstance(getattr(exc, "orig_exc", None), RecursionError):
                outcome.diagnostics.append(too_deep(text, file))  # Lark wraps it in VisitError
            else:
                outcome.diagnostics.append(dg.make(
                    "SWR101", f"cannot make sense of this file ({type(exc).__name__})",
                    ast.Span.unknown(file)))
    if not isinstance(module, ast.Module):
        module = ast.Module([], span=ast.Span(file, 1, 1, 1, 1, 0, 0))
    diags = outcome.diagnostics + transformer.diagnostics
    return ParseResult(module, diags, find_comments(text, file), text, outcome.clean_end)


_LITERALS = re.compile(r'"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'|#[^\n]*')
MAX_NESTING = 100  # what the docs promise to follow; far deeper fails in Python's recursion


def too_deep(text: str, file: str) -> dg.Diagnostic:
    """A file nested too deeply to read, pointing at its deepest bracket."""
    blank = _LITERALS.sub(lambda m: " " * len(m.group(0)), text)
    depth = deepest = where = 0
    for m in re.finditer(r"[\[\](){}]", blank):
        depth += 1 if m.group(0) in "([{" else -1
        if depth > deepest:
            deepest, where = depth, m.start()
    line = text.count("\n", 0, where) + 1
    column = where - (text.rfind("\n", 0, where) + 1) + 1
    return dg.make("SWR101", f"nested {deepest} levels deep here: more than switchy can follow "
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


def _parse_fstring_expr(text: str, where: ast.Span, file: str):
    """Parse the ``{...}`` of an f-string; spans are moved to where it sits in the file."""

    def shift(tok: Token) -> ast.Span:
        col = where.column + (tok.column or 1) - 1
        start = where.start + (tok.start_pos or 0)
        end_col = where.column + (tok.end_column or (tok.column or 1) + len(tok)) - 1
        return ast.Span(file, where.line, col, where.line, max(end_col, col + 1), start,
                        start + len(tok))

    outcome = RecoveringParse(lark_parser(), _vocabulary(), text, file, "fstring_expr",
                              span_of=shift).run()
    diags = [dg.make("SWR105", f"in f-string: {d.message}", d.span) for d in outcome.diagnostics]
    if outcome.tree is None:
        return None, diags
    try:
        expr = ToAst(file).transform(outcome.tree)
    except Exception:
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
