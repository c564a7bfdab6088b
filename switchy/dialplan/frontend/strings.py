"""String literals: unescaping, splitting f-strings, and finding FreeSWITCH ``${...}``.

Plain strings reach FreeSWITCH exactly as written, so backslashes are kept except in
``\\"``, ``\\'`` and ``\\\\`` (regexes like ``"^1213(\\d{7})$"`` need no doubling).
In an ``f"..."`` string, ``{expr}`` is evaluated by switchy, ``${...}`` is still left for
FreeSWITCH, and ``{{`` / ``}}`` are literal braces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ESCAPES = {'"': '"', "'": "'", "\\": "\\"}


def unescape(body: str) -> str:
    """The value of a string literal's body (quotes already removed)."""
    if "\\" not in body:
        return body
    out = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in _ESCAPES:
            out.append(_ESCAPES[body[i + 1]])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def literal_body(raw: str) -> tuple[str, int]:
    """The text between the quotes of a (possibly f-) string token, and its offset in raw."""
    start = 2 if raw[:1] in "fF" else 1
    end = len(raw) - 1 if len(raw) > start and raw[-1] == raw[start - 1] else len(raw)
    return raw[start:end], start


@dataclass
class FPart:
    """One piece of an f-string body; ``offset`` is relative to the body."""

    kind: str  # "text" | "expr" | "passthrough"
    text: str
    offset: int


@dataclass
class FError:
    message: str
    offset: int
    length: int = 1


def split_fstring(body: str) -> tuple[list[FPart], list[FError]]:
    """Split an f-string body into literal text, ``{expr}`` and ``${...}`` parts.

    Never raises: problems (an unclosed ``{``, a stray ``}``) come back as errors and the
    offending text is kept as literal text.
    """
    parts: list[FPart] = []
    errors: list[FError] = []
    text: list[str] = []
    text_start = 0
    i = 0
    n = len(body)

    def flush(upto: int) -> None:
        nonlocal text, text_start
        if text:
            parts.append(FPart("text", unescape("".join(text)), text_start))
        text = []
        text_start = upto

    while i < n:
        ch = body[i]
        if ch == "\\" and i + 1 < n:
            text.append(body[i : i + 2])
            i += 2
        elif ch == "$" and body.startswith("${", i):
            end = matching_brace(body, i + 1)
            if end is None:
                errors.append(FError("unclosed '${' (FreeSWITCH variable)", i, 2))
                text.append(body[i:])
                i = n
            else:
                flush(i)
                parts.append(FPart("passthrough", body[i : end + 1], i))
                i = end + 1
                text_start = i
        elif ch == "{" and body.startswith("{{", i):
            text.append("{")
            i += 2
        elif ch == "}" and body.startswith("}}", i):
            text.append("}")
            i += 2
        elif ch == "{":
            end = body.find("}", i + 1)
            if end == -1:
                errors.append(FError("unclosed '{' in f-string (write '{{' for a brace)", i))
                text.append(body[i:])
                i = n
            else:
                flush(i)
                parts.append(FPart("expr", body[i + 1 : end], i + 1))
                i = end + 1
                text_start = i
        elif ch == "}":
            errors.append(FError("single '}' in f-string (write '}}' for a brace)", i))
            text.append("}")
            i += 1
        else:
            text.append(ch)
            i += 1
    flush(n)
    return parts, errors


def matching_brace(text: str, open_at: int) -> int | None:
    """Index of the ``}`` closing the ``{`` at ``open_at`` (nesting counted), or None."""
    depth = 0
    for j in range(open_at, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return None


def unclosed_expansions(text: str) -> list[int]:
    """Offsets of every ``${`` in ``text`` that has no closing brace."""
    return [m.start() for m in re.finditer(r"\$\{", text) if matching_brace(text, m.start() + 1) is None]


_CAPTURE_IN_TEXT = re.compile(r"\$(\d+)|\$\{(\d+)\}")


def capture_like(text: str) -> list[tuple[int, str]]:
    """``$1`` / ``${1}`` written inside literal text (they are not interpolated there)."""
    return [(m.start(), m.group(0)) for m in _CAPTURE_IN_TEXT.finditer(text)]
