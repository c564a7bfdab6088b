"""What a condition's ``field`` reads, and FreeSWITCH's ``${...}`` in ``.swr`` terms.

A bare field names a caller-profile field (case-insensitive); FreeSWITCH puts each one on
its events as a ``Caller-*`` header, which is what ``.swr`` reads. Any other bare name reads
as empty in FreeSWITCH. A field with ``$`` is expanded by FreeSWITCH: ``${name}`` is a
channel variable (``variable_name``) or, for a caller-profile name, that field; text
around it makes an f-string; API calls (``${db(...)}``, ``${regex(...)}``...) are asked of
the call's node through ``switchy.xmlimport.freeswitch:expand``, and the one API with a
plain ``.swr`` form, ``${cond(A op B ? X : Y)}``, becomes a comparison.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from switchy.dialplan.frontend.strings import unclosed_expansions
from switchy.xmlimport.regex import split_expansions

PROFILE_HEADERS = {
    "dialplan": "Caller-Dialplan",
    "username": "Caller-Username",
    "caller_id_name": "Caller-Caller-ID-Name",
    "caller_id_number": "Caller-Caller-ID-Number",
    "orig_caller_id_name": "Caller-Orig-Caller-ID-Name",
    "orig_caller_id_number": "Caller-Orig-Caller-ID-Number",
    "callee_id_name": "Caller-Callee-ID-Name",
    "callee_id_number": "Caller-Callee-ID-Number",
    "ani": "Caller-ANI",
    "aniii": "Caller-ANI-II",
    "network_addr": "Caller-Network-Addr",
    "rdnis": "Caller-RDNIS",
    "destination_number": "Caller-Destination-Number",
    "uuid": "Caller-Unique-ID",
    "source": "Caller-Source",
    "transfer_source": "Caller-Transfer-Source",
    "context": "Caller-Context",
    "chan_name": "Caller-Channel-Name",
    "profile_index": "Caller-Profile-Index",
    "screen_bit": "Caller-Screen-Bit",
    "privacy_hide_name": "Caller-Privacy-Hide-Name",
    "privacy_hide_number": "Caller-Privacy-Hide-Number",
    "profile_created_time": "Caller-Profile-Created-Time",
    "created_time": "Caller-Channel-Created-Time",
    "answered_time": "Caller-Channel-Answered-Time",
    "progress_time": "Caller-Channel-Progress-Time",
    "progress_media_time": "Caller-Channel-Progress-Media-Time",
    "hungup_time": "Caller-Channel-Hangup-Time",
    "transferred_time": "Caller-Channel-Transfer-Time",
}
# Caller-profile fields FreeSWITCH's events do not carry: no .swr header reads them.
PROFILE_WITHOUT_HEADER = {"caller_ton", "caller_numplan", "destination_number_ton",
                          "destination_number_numplan", "ani_ton", "ani_numplan", "rdnis_ton",
                          "rdnis_numplan"}
ALWAYS_PRESENT = {"Caller-Destination-Number", "Caller-Context", "Caller-Unique-ID"}
EXPAND = "switchy.xmlimport.freeswitch:expand"

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z0-9_]+)*\Z")
_SIMPLE_VAR = re.compile(r"\$\{([A-Za-z0-9_.\-]+)\}\Z")
_KEYWORDS = {"route", "handler", "dialplan", "guard", "timezone", "include", "select", "when",
             "if", "elif", "else", "stop", "return", "and", "or", "not", "in", "true", "false",
             "none", "hunt", "inline"}


class FieldError(Exception):
    """A field ``.swr`` cannot read."""


def header_ref(header: str) -> str:
    """A header as a ``.swr`` expression: its bare name, or ``header("...")``."""
    if _NAME.match(header) and header not in _KEYWORDS:
        return header
    return f"header({swr_string(header)})"


def variable_header(name: str) -> str:
    """The header of ``${name}``: a caller-profile field, else ``variable_<name>``."""
    lowered = name.lower()
    if lowered in PROFILE_HEADERS:
        return PROFILE_HEADERS[lowered]
    return f"variable_{name}"


def swr_string(value: str) -> str:
    """A ``.swr`` plain string literal whose value is exactly ``value``."""
    if "\n" in value:
        raise FieldError("a line break cannot be written in a .swr string")
    if unclosed_expansions(value):
        raise FieldError("a '${' without its '}' (FreeSWITCH sends it as text; .swr refuses it)")
    out = ['"']
    for i, ch in enumerate(value):
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            nxt = value[i + 1] if i + 1 < len(value) else ""
            out.append("\\\\" if nxt in ('"', "'", "\\", "") else "\\")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def fstring_text(value: str) -> str:
    """Literal text for the inside of an f-string: braces doubled except in ``${...}``."""
    out = []
    for piece in split_expansions(value):
        if isinstance(piece, tuple):
            out.append(piece[1])
        else:
            if "${" in piece:
                raise FieldError("a '${' without its '}' cannot be written in a .swr string")
            out.append(piece.replace("{", "{{").replace("}", "}}"))
    body = swr_string("".join(out))[1:-1]
    return body


@dataclass
class FieldValue:
    """How ``.swr`` reads one field: ``expr`` (None: a constant ``constant``) and whether
    a missing header must read as empty (``maybe_missing``)."""

    expr: str | None
    constant: str | None = None
    maybe_missing: bool = False
    note: str | None = None


def field_value(field: str) -> FieldValue | CondField:
    """The ``.swr`` reading of a condition's ``field`` attribute."""
    if "$" not in field:
        name = field.strip().lower()
        if name in PROFILE_HEADERS:
            header = PROFILE_HEADERS[name]
            return FieldValue(header_ref(header), maybe_missing=header not in ALWAYS_PRESENT)
        if name in PROFILE_WITHOUT_HEADER:
            raise FieldError(f"the caller-profile field {field!r} is not on FreeSWITCH's "
                             "events, so switchy cannot read it")
        return FieldValue(None, constant="", note=f"field {field!r} is not a caller-profile "
                          f"field: FreeSWITCH reads it as empty (write field=\"${{{field}}}\" "
                          "for a channel variable)")
    return expansion(field)


def expansion(text: str) -> FieldValue | CondField:
    """FreeSWITCH's expansion of ``text`` (which holds ``${...}``) as a ``.swr`` value."""
    simple = _SIMPLE_VAR.match(text)
    if simple:
        return FieldValue(header_ref(variable_header(simple.group(1))), maybe_missing=True)
    pieces = split_expansions(text)
    if all(isinstance(p, str) or _SIMPLE_VAR.match(p[1]) for p in pieces):
        if any(isinstance(p, str) and "$" in p for p in pieces):
            raise FieldError(f"{text!r}: a '$' that is not a ${{variable}}")
        out = []
        for p in pieces:
            if isinstance(p, str):
                out.append(fstring_text(p))
            else:
                m = _SIMPLE_VAR.match(p[1])
                assert m is not None
                out.append("{" + header_ref(variable_header(m.group(1))) + "}")
        return FieldValue('f"' + "".join(out) + '"')
    cond = cond_comparison(text)
    if cond is not None:
        return cond
    return FieldValue(f"{EXPAND}({swr_string(text)})")


_COND = re.compile(r"\$\{cond\((.*)\)\}\Z", re.DOTALL)
_OPS = (("!=", "!="), ("<>", "!="), (">=", ">="), ("<=", "<="), ("==", "=="), (">", ">"),
        ("<", "<"), ("=", "=="))


@dataclass
class CondField:
    """``${cond(A op B ? X : Y)}``: a comparison whose result picks ``X`` or ``Y``."""

    comparison: str  # the .swr test for "A op B", when A is not empty
    operand: str  # the .swr value of A (empty A makes FreeSWITCH answer -ERR)
    yes: str
    no: str


def cond_comparison(text: str) -> CondField | None:
    m = _COND.match(text)
    if not m:
        return None
    body = m.group(1)
    question = body.find("?")
    if question == -1:
        return None
    test, rest = body[:question], body[question + 1:]
    yes, colon, no = rest.partition(":")
    if not colon or ":" in no:
        return None
    test = test.strip()
    found = next(((test.partition(f" {word} "), op) for word, op in _OPS
                  if f" {word} " in test), None)
    if found is None:
        return None
    (left, _, right), op = found
    left, right = left.strip(), right.strip()
    simple_left = _SIMPLE_VAR.match(left)
    if not simple_left or "$" in right or "'" in right or " " in right:
        return None
    operand = header_ref(variable_header(simple_left.group(1)))
    return CondField(f"{operand} {op} {swr_string(right)}", operand, yes.strip(), no.strip())


def route_name(name: str | None, line: int, taken: set[str]) -> str:
    """A ``.swr`` route name for an extension name (unique among ``taken``)."""
    base = re.sub(r"[^A-Za-z0-9_]+", "_", name or "").strip("_")
    if not base:
        base = f"extension_{line}"
    elif base[0].isdigit():
        base = f"ext_{base}"
    if base in _KEYWORDS:
        base += "_"
    if name and _NAME.match(name) and name not in _KEYWORDS:
        base = name  # keep dashes: RS-Sales stays RS-Sales
    candidate, n = base, 2
    while candidate in taken:
        candidate = f"{base}_{n}"
        n += 1
    taken.add(candidate)
    return candidate


def dialplan_name(name: str) -> str | None:
    """The context name as a ``.swr`` dialplan name (None: it cannot be one)."""
    if _NAME.match(name) and name not in _KEYWORDS:
        return name
    return None
