"""FreeSWITCH's URL encoding of event header values (``switch_url_encode``).

FreeSWITCH writes every ``text/event-plain`` header value URL-encoded; the decoder must
accept what it writes, and the encoder (used by the emulator) must write the same bytes.
"""

from __future__ import annotations

import re

# Characters FreeSWITCH leaves alone: letters, digits and ! $ ' ( ) * , - . / _ ~
_SAFE_TEXT = re.compile(r"[A-Za-z0-9!$'()*,\-./_~]*")
# Anything else, except a '%' already followed by two uppercase hex digits.
_UNSAFE_CHAR = re.compile(r"%(?![0-9A-F]{2})|[^A-Za-z0-9!$'()*,\-./_~%]")
_ESCAPED: dict[str, str] = {}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    escaped = _ESCAPED.get(char)
    if escaped is None:
        escaped = "".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogateescape"))
        if len(_ESCAPED) < 4096:
            _ESCAPED[char] = escaped
    return escaped


# Unsafe ASCII characters (no '%': it needs a look at what follows) for str.translate.
_ASCII_TABLE = {c: f"%{c:02X}" for c in range(128)
                if not _SAFE_TEXT.fullmatch(chr(c)) and c != 0x25}


def url_encode(value: str) -> str:
    """Encode ``value`` exactly as ``switch_url_encode`` does (UTF-8, uppercase hex)."""
    if _SAFE_TEXT.fullmatch(value):
        return value
    if value.isascii() and "%" not in value:
        return value.translate(_ASCII_TABLE)
    return _UNSAFE_CHAR.sub(_escape, value)


_HEX_BYTES = {f"{a}{b}": bytes.fromhex(f"{a}{b}") for a in "0123456789ABCDEFabcdef" for b in "0123456789ABCDEFabcdef"}


def url_decode(value: str) -> str:
    """Percent-decode a header value; ``+`` stays a plus, undecodable bytes survive."""
    if "%" not in value:
        return value
    parts = value.split("%")
    out = [parts[0].encode("utf-8", "surrogateescape")]
    hex_bytes = _HEX_BYTES
    for part in parts[1:]:
        byte = hex_bytes.get(part[:2])
        if byte is None:
            out.append(b"%" + part.encode("utf-8", "surrogateescape"))
        else:
            out.append(byte)
            if len(part) > 2:
                out.append(part[2:].encode("utf-8", "surrogateescape"))
    return b"".join(out).decode("utf-8", "surrogateescape")
