"""FreeSWITCH's URL encoding of event header values (``switch_url_encode``).

FreeSWITCH writes every ``text/event-plain`` header value URL-encoded; the decoder must
accept what it writes, and the encoder (used by the emulator) must write the same bytes.
"""

from __future__ import annotations

import re

# Bytes FreeSWITCH leaves alone: letters, digits and ! $ ' ( ) * , - . / _ ~
_SAFE = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!$'()*,-./_~"
)
_ESCAPES = tuple(chr(b) if b in _SAFE else f"%{b:02X}" for b in range(256))
# Anything outside the safe set, except a '%' already followed by two uppercase hex digits.
_NEEDS_ENCODING = re.compile(rb"%(?![0-9A-F]{2})|[^A-Za-z0-9!$'()*,\-./_~%]")
_PRE_ENCODED = re.compile(rb"%[0-9A-F]{2}")


def url_encode(value: str) -> str:
    """Encode ``value`` exactly as ``switch_url_encode`` does (UTF-8, uppercase hex)."""
    raw = value.encode("utf-8", "surrogateescape")
    if _NEEDS_ENCODING.search(raw) is None:
        return value
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        b = raw[i]
        if b == 0x25 and _PRE_ENCODED.match(raw, i):  # '%XX' is copied, never double-encoded
            out.append(raw[i : i + 3].decode("ascii"))
            i += 3
            continue
        out.append(_ESCAPES[b])
        i += 1
    return "".join(out)


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
