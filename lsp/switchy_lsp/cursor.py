"""Where the cursor is, for completion: the word being typed, whether it sits in a comment,
a string, a ``${...}`` or an f-string's ``{...}``, the call whose arguments it is in, and
what the grammar accepts there.

The grammar decides (``parser.expected_next`` on the text before the word), so completion
offers what may really come next even in a half-written file. Only the current item is
read: from the nearest line starting with a declaration keyword, which keeps this fast in
a file of any length.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from lark import Token
from lark.lexer import PatternStr

from switchy.dialplan.frontend.parser import expected_next, lark_parser, tokens
from switchy.dialplan.language import DECLARATIONS

_WORD = re.compile(r"[A-Za-z0-9_\-]*\Z")
_ITEM_START = re.compile(rf"^[ \t]*(?:{'|'.join(DECLARATIONS)})\b", re.MULTILINE)


@functools.cache
def literals() -> dict[str, str]:
    """Terminal name → the text it stands for (``ROUTE`` → ``route``, ``__ANON_1`` → ``->``)."""
    return {t.name: t.pattern.value for t in lark_parser().terminals
            if isinstance(t.pattern, PatternStr)}


@dataclass
class Call:
    """The call whose parentheses hold the cursor."""

    callee: str
    given: list[str] = field(default_factory=list)  # keyword names already written
    positional: int = 0  # positional arguments before the current one
    keyword: str | None = None  # the cursor is the value of ``keyword=``
    at_name: bool = True  # the cursor may be typing a keyword name (after '(' or ',')


@dataclass
class Cursor:
    offset: int
    word_start: int  # where the word being typed starts (the completion replaces from here)
    word: str
    where: str  # "code" | "comment" | "string" | "fstring_expr" | "variable"
    accepts: set[str] = field(default_factory=set)  # terminal names (code only)
    previous: str | None = None  # text of the token before the word
    recent: list[str] = field(default_factory=list)  # texts of the last tokens, oldest first
    call: Call | None = None
    string_start: int = -1  # offset of the quote, when in a string

    def accepts_text(self, text: str) -> bool:
        """Does the grammar accept the keyword or punctuation ``text`` here?"""
        return any(literals().get(t) == text for t in self.accepts)


def item_start(text: str, offset: int) -> int:
    """Offset of the line that starts the declaration around ``offset`` (0 if none)."""
    start = 0
    for m in _ITEM_START.finditer(text, 0, offset):
        start = m.start()
    return start


def _line_state(line: str) -> tuple[str, int, bool]:
    """Scan the text of a line before the cursor: ``("code"|"comment"|"string", where the
    string opened, is it an f-string)``."""
    quote = None
    opened = -1
    fstring = False
    i = 0
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
            opened = i
            fstring = i > 0 and line[i - 1] in "fF" and (i < 2 or not (line[i - 2].isalnum() or line[i - 2] == "_"))
        elif ch == "#":
            return "comment", -1, False
        i += 1
    return ("string", opened, fstring) if quote else ("code", -1, False)


def locate(text: str, offset: int) -> Cursor:
    """Describe the cursor at ``offset`` of ``text``. Never raises."""
    offset = max(0, min(offset, len(text)))
    line_start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    line = text[line_start:offset]
    state, opened, fstring = _line_state(line)
    if state == "comment":
        return Cursor(offset, offset, "", "comment")
    if state == "string":
        body = line[opened + 1:]
        dollar = body.rfind("${")
        if dollar != -1 and "}" not in body[dollar:]:
            word = _WORD.search(body).group(0)
            return Cursor(offset, offset - len(word), word, "variable",
                          string_start=line_start + opened)
        brace = _open_brace(body) if fstring else -1
        if brace == -1:
            cursor = Cursor(offset, offset - len(body), body, "string",
                            string_start=line_start + opened)
            _fill_call(cursor, text, line_start + opened)
            return cursor
        # inside an f-string's {expr}: complete it as code written at that place
        inner_start = line_start + opened + 1 + brace + 1
        word = _WORD.search(text, inner_start, offset).group(0)
        cursor = Cursor(offset, offset - len(word), word, "fstring_expr")
        inner = text[inner_start:offset - len(word)]
        cursor.accepts = _expression_accepts(inner)
        return cursor
    word = _WORD.search(line).group(0)
    cursor = Cursor(offset, offset - len(word), word, "code")
    start = item_start(text, cursor.word_start)
    prefix = text[start:cursor.word_start]
    cursor.accepts = expected_next(prefix)
    toks = tokens(prefix)
    cursor.recent = [str(t) for t in toks[-16:]]
    cursor.previous = cursor.recent[-1] if cursor.recent else None
    cursor.call = _innermost_call(toks)
    return cursor


def _open_brace(body: str) -> int:
    """Index of the f-string ``{`` the cursor is inside (not ``${``, not ``{{``), or -1."""
    depth_at = -1
    i = 0
    while i < len(body):
        if body.startswith("{{", i) or body.startswith("}}", i):
            i += 2
            continue
        ch = body[i]
        if ch == "{" and not (i > 0 and body[i - 1] == "$"):
            depth_at = i
        elif ch == "}":
            depth_at = -1
        i += 1
    return depth_at


def _expression_accepts(inner: str) -> set[str]:
    """What may come next in an f-string expression: reuse the statement grammar by
    reading it as the condition of an ``if``."""
    return expected_next("route _ { if " + inner)


def _fill_call(cursor: Cursor, text: str, quote_at: int) -> None:
    start = item_start(text, quote_at)
    cursor.call = _innermost_call(tokens(text[start:quote_at]))


def _innermost_call(toks: list[Token]) -> Call | None:
    """The call whose '(' is the innermost one still open at the end of ``toks``."""
    stack: list[tuple[int, Call | None]] = []  # (index of '(' or '[', the call or None)
    for i, tok in enumerate(toks):
        kind = tok.type
        if kind in ("LPAR", "LSQB"):
            call = None
            if kind == "LPAR" and i > 0 and toks[i - 1].type in ("NAME", "PYREF"):
                declaring = i > 1 and toks[i - 2].type == "HANDLER"
                call = None if declaring else Call(str(toks[i - 1]))
            stack.append((i, call))
        elif kind in ("RPAR", "RSQB"):
            if stack:
                stack.pop()
        elif kind in ("LBRACE", "RBRACE"):
            stack.clear()  # a block starts or ends: no call is open across it
        elif stack and stack[-1][1] is not None:
            call = stack[-1][1]
            if kind == "COMMA":
                if call.keyword is None:
                    call.positional += 1
                call.keyword = None
                call.at_name = True
            elif kind == "EQUAL" and toks[i - 1].type == "NAME":
                call.keyword = str(toks[i - 1])
                call.given.append(call.keyword)
                call.at_name = False
            else:
                call.at_name = False
    if stack and stack[-1][1] is not None:
        return stack[-1][1]
    return None

