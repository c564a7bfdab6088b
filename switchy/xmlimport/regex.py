"""FreeSWITCH regexes (PCRE, searched anywhere) as ``.swr`` patterns (Python ``re.match``).

FreeSWITCH expands ``${...}`` in an expression, reads ``/re/flags`` (``i`` caseless,
``s`` dot-all) and ``_`` Asterisk patterns (``switch_ast2regex``: ``N`` = ``[2-9]``,
``X`` = ``[0-9]``, ``Z`` = ``[1-9]``, ``.`` = ``.*``, anchored at both ends), then
*searches* the value with PCRE. ``.swr`` matches with ``re.match`` (anchored at the start),
so a pattern that is not anchored at the start is written ``.*?(?:...)``: the same search.

PCRE syntax Python's ``re`` reads differently is rewritten (``(?<name>`` groups, ``\\k``
back-references, ``\\z``, ``\\h``, POSIX classes like ``[[:digit:]]``); syntax Python has
no equivalent for (recursion, branch reset, ``\\p{..}``, verbs) is reported, never guessed.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field

from switchy.dialplan import patterns

_VAR_OPEN = "\ue000"
_VAR_CLOSE = "\ue001"
_POSIX = {
    "alpha": "a-zA-Z", "digit": "0-9", "alnum": "a-zA-Z0-9", "upper": "A-Z", "lower": "a-z",
    "space": r"\s", "blank": r" \t", "xdigit": "0-9A-Fa-f", "word": r"\w",
    "punct": r"!-/:-@\[-`{-~", "cntrl": r"\x00-\x1f\x7f", "print": r"\x20-\x7e",
    "graph": r"\x21-\x7e",
}
_CATCH_ALL = {"", "^", ".*", "^.*", ".*$", "^.*$", "(.*)", "^(.*)", "^(.*)$", "(.*)$"}


class RegexError(Exception):
    """A regex that cannot be given to Python's ``re`` with the same meaning."""


@dataclass
class Pattern:
    """One FreeSWITCH expression, ready for ``.swr``.

    ``parts`` is the pattern as literal regex text and ``("var", text)`` pieces for the
    ``${...}`` FreeSWITCH expands before matching (none: ``static`` holds the text).
    """

    parts: list[str | tuple[str, str]]
    groups: int
    named: set[str] = field(default_factory=set)
    capturing: bool = False  # FreeSWITCH substitutes $N only when the expression has "("
    shifted: bool = False  # a group was added around the whole pattern: $N is group N+1
    matches_empty: bool | None = None  # None: depends on ${...}
    catch_all: bool = False

    @property
    def static(self) -> str | None:
        if all(isinstance(p, str) for p in self.parts):
            return "".join(p for p in self.parts if isinstance(p, str))
        return None


def fs_asterisk(body: str) -> str:
    """``switch_ast2regex``: FreeSWITCH's reading of an ``_`` pattern (without the ``_``)."""
    out = ["^"]
    for ch in body:
        out.append({"N": "[2-9]", "X": "[0-9]", "Z": "[1-9]", ".": ".*"}.get(ch, ch))
    out.append("$")
    return "".join(out)


def split_expansions(text: str) -> list[str | tuple[str, str]]:
    """``text`` as literal pieces and ``("var", "${...}")`` pieces (nesting counted)."""
    parts: list[str | tuple[str, str]] = []
    i = 0
    buf = []
    while i < len(text):
        if text.startswith("${", i):
            depth, j = 0, i + 1
            while j < len(text):
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= len(text):  # never closed: FreeSWITCH leaves it as text
                buf.append(text[i:])
                break
            if buf:
                parts.append("".join(buf))
                buf = []
            parts.append(("var", text[i:j + 1]))
            i = j + 1
            continue
        buf.append(text[i])
        i += 1
    if buf:
        parts.append("".join(buf))
    return parts


def translate(expression: str, *, whole_match: bool = False) -> Pattern:
    """The ``.swr`` pattern for a FreeSWITCH expression; raises ``RegexError``.

    ``whole_match``: the caller needs ``$0`` (the text the search found); a pattern that
    must be prefixed to search gets a group around it, and its groups shift by one.
    """
    pieces = split_expansions(expression)
    placeholders: list[str] = []
    text = ""
    for piece in pieces:
        if isinstance(piece, str):
            text += piece
        else:
            text += f"{_VAR_OPEN}{len(placeholders)}{_VAR_CLOSE}"
            placeholders.append(piece[1])
    capturing = "(" in "".join(p for p in pieces if isinstance(p, str))
    flags = ""
    if text.startswith("/"):
        end = text.rfind("/")
        if end > 0:
            opts = text[end + 1:]
            text = text[1:end]
            flags = "".join(sorted({c for c in opts if c in "is"}))
            unknown = {c for c in opts if c not in "is"}
            if unknown:
                raise RegexError(f"flags {''.join(sorted(unknown))!r} after /.../ are not read "
                                 "by FreeSWITCH (only i and s)")
    m = re.match(r"\(\?([aiLmsux]+)\)", text)
    if m:  # global inline flags: Python wants them first, before any search prefix
        flags = "".join(sorted(set(flags) | set(m.group(1))))
        text = text[m.end():]
    asterisk = None
    if text.startswith("_"):
        asterisk = text
        text = fs_asterisk(text[1:])
    body = pcre_to_python(text)
    probe = _probe(body)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            compiled = re.compile(f"(?{flags}){probe}" if flags else probe)
    except re.error as exc:
        raise RegexError(f"Python's re cannot read it: {exc.msg}") from None
    except (RecursionError, OverflowError, ValueError) as exc:
        raise RegexError(f"Python's re cannot read it: {exc}") from None
    groups = compiled.groups
    named = set(compiled.groupindex)
    shifted = False
    if asterisk is not None and not flags and not placeholders \
            and patterns.asterisk_to_regex(asterisk) == body:
        body = asterisk  # .swr reads `_` patterns exactly as FreeSWITCH does: keep the form
    elif not _anchored(body):
        if whole_match:
            body = f".*?({body})"
            shifted = True
        elif len(patterns.top_alternatives(body)) > 1:
            body = f".*?(?:{body})"
        else:
            body = f".*?{body}"
    prefix = f"(?{flags})" if flags else ""
    matches_empty = None
    catch_all = False
    if not placeholders:
        matches_empty = compiled.search("") is not None
        catch_all = text in _CATCH_ALL
    final = prefix + body
    parts: list[str | tuple[str, str]] = []
    for i, chunk in enumerate(re.split(f"{_VAR_OPEN}(\\d+){_VAR_CLOSE}", final)):
        if i % 2:
            parts.append(("var", placeholders[int(chunk)]))
        elif chunk:
            parts.append(chunk)
    return Pattern(parts, groups, named, capturing, shifted, matches_empty, catch_all)


def _probe(body: str) -> str:
    """The pattern with every ``${...}`` stood in for by a literal, for checking."""
    return re.sub(f"{_VAR_OPEN}\\d+{_VAR_CLOSE}", "v", body)


def _anchored(regex: str) -> bool:
    """Does every top-level alternative start with ``^`` or ``\\A``?"""
    return all(alt.startswith(("^", "\\A")) for alt in patterns.top_alternatives(regex))


def pcre_to_python(regex: str) -> str:
    """PCRE syntax rewritten for Python's ``re`` (``RegexError`` when there is no equivalent)."""
    out: list[str] = []
    i, n = 0, len(regex)
    in_class = False
    while i < n:
        ch = regex[i]
        if ch == "\\" and i + 1 < n:
            nxt = regex[i + 1]
            if nxt == "Q":
                end = regex.find("\\E", i + 2)
                literal = regex[i + 2:] if end == -1 else regex[i + 2:end]
                out.append(re.escape(literal) if not in_class else literal.replace("]", "\\]"))
                i = n if end == -1 else end + 2
                continue
            if nxt == "E":
                i += 2
                continue
            if nxt == "z":
                out.append(r"\Z")
            elif nxt == "Z":
                out.append(r"(?=\n?\Z)")
            elif nxt == "h":
                out.append(r"[ \t]" if not in_class else r" \t")
            elif nxt == "H" and not in_class:
                out.append(r"[^ \t]")
            elif nxt == "R" and not in_class:
                out.append(r"(?:\r\n|\n|\r)")
            elif nxt == "e":
                out.append(r"\x1b")
            elif nxt == "k" and i + 2 < n and regex[i + 2] in "<'{":
                close = {"<": ">", "'": "'", "{": "}"}[regex[i + 2]]
                end = regex.find(close, i + 3)
                if end == -1:
                    raise RegexError("\\k back-reference is not closed")
                out.append(f"(?P={regex[i + 3:end]})")
                i = end + 1
                continue
            elif nxt == "g":
                m = re.match(r"\\g(?:\{(-?\d+)\}|(\d+))", regex[i:])
                if not m or (m.group(1) or "").startswith("-"):
                    raise RegexError("\\g references other than \\g{N} have no Python equivalent")
                out.append(f"(?:\\{m.group(1) or m.group(2)})")
                i += m.end()
                continue
            elif nxt in "pPXKGCN" or (nxt == "c" and not in_class):
                raise RegexError(f"\\{nxt} has no equivalent in Python's re")
            else:
                out.append(regex[i:i + 2])
            i += 2
            continue
        if in_class:
            if ch == "[" and regex.startswith("[:", i):
                end = regex.find(":]", i + 2)
                name = regex[i + 2:end] if end != -1 else ""
                if name in _POSIX:
                    out.append(_POSIX[name])
                    i = end + 2
                    continue
                raise RegexError(f"POSIX class [:{name}:] has no equivalent here")
            if ch == "[":
                out.append("\\[")  # PCRE: a plain '[' inside a class
                i += 1
                continue
            if ch == "]":
                in_class = False
            out.append(ch)
            i += 1
            continue
        if ch == "[":
            in_class = True
            out.append(ch)
            i += 1
            if i < n and regex[i] == "^":
                out.append("^")
                i += 1
            if i < n and regex[i] == "]":  # a ']' first in a class is literal
                out.append("\\]")
                i += 1
            continue
        if ch == "(" and regex.startswith("(?", i):
            rest = regex[i + 2:]
            m = re.match(r"<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)'|P<([A-Za-z_]\w*)>", rest)
            if m:
                out.append(f"(?P<{m.group(1) or m.group(2) or m.group(3)}>")
                i += 2 + m.end()
                continue
            if rest.startswith(("|", "R)", "&", "P>", "C")) or re.match(r"[+-]?\d+\)", rest):
                raise RegexError("recursion, branch reset and callouts have no equivalent in "
                                 "Python's re")
        if ch == "(" and regex.startswith("(*", i):
            raise RegexError("PCRE verbs such as (*UTF) have no equivalent in Python's re")
        out.append(ch)
        i += 1
    return "".join(out)
