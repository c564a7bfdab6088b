"""FreeSWITCH's ``${...}`` expansion, and how switchy keeps a caller's text out of it.

FreeSWITCH expands every application argument a ``sendmsg`` execute carries
(``switch_channel_expand_variables``): ``${var}`` reads a channel variable and expands
its value again, recursively; ``${api(args)}`` / ``${api args}`` RUNS that API
(``${system(...)}`` runs a shell command); ``$${var}`` reads a global. The ``set``,
``export`` and ``multiset`` applications expand their value a second time. Plain ``api``
commands do not expand. The captures ``expansion_*`` of a real FreeSWITCH 1.11 show
each of these; ``expand`` below is that algorithm, written from FreeSWITCH's source and
checked against them (the emulator runs it).

So text that came from a call (headers, variables, captures, and values computed from
them) must reach FreeSWITCH *literally*. Every string switchy sends is built here:

- a plain ``str`` is literal text: it is escaped so that FreeSWITCH's expansion gives
  back exactly that text (``\\${`` is the one escape that holds, and a value for ``set``
  is escaped for both of its expansions);
- an ``Expandable`` is text whose ``${...}`` FreeSWITCH should expand: the dialplan
  author's own string literals, or what Python code marks with ``raw()``. Concatenated
  pieces keep who wrote what (``join``).

Where a value cannot be made literal it is refused with ``UnsafeArgument`` (which names
a hangup cause): a dial-string separator where one destination is expected, a blank in
a positional API argument.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from switchy.causes import CAUSE_NAMES

MAX_DEPTH = 100  # switch_channel_expand_variables_check gives up (returns its input) beyond


class Expandable(str):
    """Text FreeSWITCH should expand as written; ``parts`` say which pieces are whose."""

    __slots__ = ("parts",)
    parts: tuple[tuple[str, bool], ...]  # (text, expandable?)

    def __new__(cls, text: str = "", parts: Iterable[tuple[str, bool]] | None = None) -> Expandable:
        pieces = tuple((t, e) for t, e in (parts if parts is not None else [(str(text), True)]) if t)
        self = super().__new__(cls, "".join(t for t, _ in pieces))
        self.parts = pieces
        return self

    @property
    def expands(self) -> bool:
        """True when some piece is the author's (else it is all literal text)."""
        return any(e for _, e in self.parts)


def raw(text: str) -> Expandable:
    """``text`` exactly as FreeSWITCH should read it: its ``${...}`` is expanded.

    The explicit way to pass the author's own expansions through the Session API
    (``sess.playback(raw("${sounds_dir}/hello.wav"))``); never give it a caller's text.
    """
    return Expandable(text)


def pieces(value: object) -> list[tuple[str, bool]]:
    """A value as (text, expandable?) pieces: an ``Expandable`` keeps its own, anything
    else is one literal piece."""
    if isinstance(value, Expandable):
        return list(value.parts)
    return [(str(value), False)] if value is not None and str(value) else []


def join(*values: object) -> Expandable:
    """Concatenate, keeping which pieces FreeSWITCH may expand (``str`` pieces: literal)."""
    out: list[tuple[str, bool]] = []
    for value in values:
        out.extend(pieces(value))
    return Expandable(parts=out)


def expands(value: object) -> bool:
    return isinstance(value, Expandable) and value.expands


# -- escaping --------------------------------------------------------------------------------


def _has_variable(text: str) -> bool:
    """switch_string_var_check_const: a ``$`` followed (past backslashes) by ``{``."""
    dollar = False
    for ch in text:
        if ch == "$":
            dollar = True
        elif dollar:
            if ch == "{":
                return True
            if ch != "\\":
                dollar = False
    return False


def _has_escapes(text: str) -> bool:
    """switch_string_has_escaped_data: ``\\\\``, ``\\n``, ``\\s``, ``\\t`` or ``\\'``."""
    i = text.find("\\")
    while i >= 0 and i + 1 < len(text):
        if text[i + 1] in "\\nst'":
            return True
        i = text.find("\\", i + 1)
    return False


def expansion_runs(text: str) -> bool:
    """Whether FreeSWITCH's expansion touches ``text`` at all (else it is used as is)."""
    return bool(text) and (_has_variable(text) or _has_escapes(text))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("$", "\\$")


_SEPARATOR = "\\'"  # FreeSWITCH drops it: keeps a ``$`` from joining the next piece


def once(value: object) -> str:
    """``value`` as it must be written so that ONE expansion gives the author's pieces
    expanded and every other piece literally (a sendmsg application argument)."""
    parts = pieces(value)
    plain = "".join(t for t, _ in parts)
    if not expansion_runs(plain):
        return plain  # FreeSWITCH leaves the whole argument alone
    out: list[str] = []
    previous_mine = True
    for text, mine in parts:
        written = "".join(out)
        if mine:
            piece = text
        elif written and ends_in_expansion(written):
            # the byte after an expansion's '}' is copied unread: no escape may stand there
            first, rest = text[0], _escape(text[1:])
            piece = first + (_SEPARATOR if first == "$" and rest[:1] == "{" else "") + rest
        else:
            piece = _escape(text)
        if written.endswith("$") and piece[:1] in ("{", "$") and not (mine and previous_mine):
            out.append(_SEPARATOR)
        out.append(piece)
        previous_mine = mine
    return "".join(out)


def set_argument(name: str, value: object) -> str:
    """The argument of ``set`` / ``export``: ``name=value``. The application expands the
    value a second time, so the value is written for one expansion, and the whole
    argument (that text taken literally) for the one before."""
    if all(mine or _inert(text) for text, mine in pieces(value)):
        return once(join(raw(f"{name}="), value))  # nothing of a caller's can expand: as written
    return once(join(raw(f"{name}="), once(value)))


def _inert(text: str) -> bool:
    """Literal text no expansion can change, whatever stands around it."""
    return not any(c in text for c in "$\\'{}")


def multiset_argument(values: Iterable[tuple[str, object]]) -> str:
    """The argument of ``multiset``: ``a=1 b=2``, each value written as for ``set``."""
    out: list[object] = []
    for name, value in values:
        inert = all(mine or _inert(text) for text, mine in pieces(value))
        out += [raw(f"{' ' if out else ''}{name}="), value if inert else once(value)]
    return once(join(*out))


SECOND_EXPANSION = frozenset({"set", "export"})  # these expand their value once more


def application_argument(app: str, arg: object) -> str:
    """What to send as ``app``'s argument so that every piece of ``arg`` that is not
    the author's reaches the application literally."""
    name = app.lower()
    if name in SECOND_EXPANSION:
        head, value = split_at(arg, "=")
        if value is not None:
            return set_argument(str(head), value)
    elif name == "multiset":
        items = []
        for item in split_words(arg):
            head, value = split_at(item, "=")
            items.append((str(head), "" if value is None else value))
        return multiset_argument(items)
    return once(arg)


def split_at(value: object, sep: str) -> tuple[Expandable, Expandable | None]:
    """``value`` cut at the first ``sep`` (pieces keep their owner); None: no ``sep``."""
    parts = pieces(value)
    for k, (text, mine) in enumerate(parts):
        at = text.find(sep)
        if at >= 0:
            left = [*parts[:k], (text[:at], mine)]
            right = [(text[at + len(sep):], mine), *parts[k + 1:]]
            return Expandable(parts=left), Expandable(parts=right)
    return Expandable(parts=parts), None


def split_words(value: object) -> list[Expandable]:
    """``value`` cut at blanks, as FreeSWITCH splits ``multiset``'s argument."""
    words: list[Expandable] = []
    rest: Expandable | None = Expandable(parts=pieces(value))
    while rest is not None:
        word, rest = split_at(rest, " ")
        if word:
            words.append(word)
    return words


# -- refusals ----------------------------------------------------------------------------------


class UnsafeArgument(ValueError):
    """A caller's value that cannot be made literal where it goes; ``cause`` ends the call."""

    def __init__(self, message: str, cause: str = "INVALID_NUMBER_FORMAT") -> None:
        super().__init__(message)
        assert cause in CAUSE_NAMES
        self.cause = cause


DIAL_SEPARATORS = (",", "|", ":_:")  # simultaneous, sequential, enterprise originate


def one_destination(value: object, what: str) -> object:
    """Refuse a caller's value that would make one destination several."""
    for text, mine in pieces(value):
        if mine:
            continue
        for sep in DIAL_SEPARATORS:
            if sep in text:
                raise UnsafeArgument(f"{what} {str(value)!r} holds {sep!r}, which would dial "
                                     "more than one destination")
    return value


def one_word(value: object, what: str, *, forbidden: str = "", blanks: bool = True) -> object:
    """Refuse a caller's value with a blank where an API takes one positional word (and
    any of ``forbidden``, characters the API's own argument parser would change)."""
    for text, mine in pieces(value):
        if mine:
            continue
        if blanks and any(c.isspace() for c in text):
            raise UnsafeArgument(f"{what} {str(value)!r} holds a blank, which would shift the "
                                 "command's arguments")
        bad = next((c for c in forbidden if c in text), None)
        if bad is not None:
            raise UnsafeArgument(f"{what} {str(value)!r} holds {bad!r}, which the command would "
                                 "not take literally")
    return value


def no_application_choice(value: object, what: str) -> object:
    """``uuid_broadcast`` reads ``app::arg``: what stands before the first ``::`` names the
    application it runs (``system`` among them). A caller's piece of an ``Expandable``
    (a .swr string with interpolations) must neither hold ``::`` nor stand before one.
    A plain ``str`` is the Python author's own choice, as the seed's ``privacy::full``."""
    if not isinstance(value, Expandable):
        return value
    cut = str(value).find("::")
    start = 0
    for text, mine in value.parts:
        if not mine and ("::" in text or start < cut):
            raise UnsafeArgument(f"{what} {str(value)!r}: a caller's text would choose the "
                                 "application it runs (before '::')")
        start += len(text)
    return value


# -- what a caller controls ---------------------------------------------------------------------

# Channel variables whose value the caller chose (SIP From/To/Request-URI, caller ID,
# headers of the INVITE), and the header switchy reads for each.
_CALLER_VARIABLES = {
    "caller_id_name": "Caller-Caller-ID-Name", "caller_id_number": "Caller-Caller-ID-Number",
    "effective_caller_id_name": "variable_effective_caller_id_name",
    "effective_caller_id_number": "variable_effective_caller_id_number",
    "destination_number": "Caller-Destination-Number", "ani": "Caller-ANI", "rdnis": "Caller-RDNIS",
    "dialed_user": "variable_dialed_user", "dialed_extension": "variable_dialed_extension",
}
_CALLER_PREFIXES = ("sip_from_", "sip_to_", "sip_req_", "sip_contact_", "sip_h_", "sip_i_",
                    "sip_rh_", "sip_ph_", "sip_full_", "sip_user_agent", "sip_call_id", "sip_refer",
                    "sip_referred_by", "sip_invite_", "sip_via_", "sip_cid", "sip_p_")


def caller_variable(name: str) -> str | None:
    """For a channel variable the caller controls, the header that carries its value
    (what an f-string should interpolate instead); None for any other variable."""
    if name in _CALLER_VARIABLES:
        return _CALLER_VARIABLES[name]
    if name.startswith(_CALLER_PREFIXES):
        return f"variable_{name}"
    return None


def variables_named(text: str) -> list[tuple[int, str]]:
    """(offset, name) of each ``${name}`` / ``$${name}`` FreeSWITCH would read in ``text``."""
    found: list[tuple[int, str]] = []
    at = 0
    for token in _scan(text):
        if isinstance(token, tuple):
            name = token[0].split(":", 1)[0].split("[", 1)[0]
            offset = text.find("{" + token[0], at)
            found.append((max(offset - 1, 0), name))
            at = max(offset, at)
    return found


# -- FreeSWITCH's algorithm (for the emulator and the tests) ------------------------------------

Lookup = Callable[[str], str | None]
ApiCall = Callable[[str, str], str | None]


def expand(text: str, variable: Lookup, api: ApiCall, global_variable: Lookup | None = None,
           depth: int = 0) -> str:
    """switch_channel_expand_variables_check, step by step (``variable``: a channel
    variable or None; ``api``: run or record an API call, its output or None)."""
    if depth > MAX_DEPTH or not expansion_runs(text):
        return text
    glob = global_variable or (lambda name: None)
    out: list[str] = []
    for token in _scan(text):
        if isinstance(token, str):
            out.append(token)
        else:
            name, vtype, unclosed = token
            out.append(_value(name, vtype, unclosed, variable, api, glob, depth))
    return "".join(out)


def _scan(text: str) -> Iterable[str | tuple[str, int, int]]:
    """FreeSWITCH's reading of ``text``: literal text, and (name, type, unclosed) for each
    ``${name}`` (type 1) or ``$${name}`` (type 3)."""
    i, n = 0, len(text)
    while i < n:
        literal = False
        if text[i] == "\\" and i + 1 < n:
            nxt = text[i + 1]
            if nxt == "$":
                literal = True
                i += 1
                if i + 1 < n and text[i + 1] == "$":
                    i += 1
            elif nxt == "'":
                i += 2
                continue
            elif nxt == "\\":
                yield "\\"
                i += 2
                continue
        vtype = 0
        if text[i] == "$" and not literal:
            is_global = False
            if i + 1 < n and text[i + 1] == "$":
                i += 1
                is_global = True
            if i + 1 < n and text[i + 1] == "{":
                vtype = 3 if is_global else 1
        if not vtype:
            yield text[i]
            i += 1
            continue
        start = i + 2
        end, level = start, 1
        while end < n:
            c = text[end]
            if level == 1 and c == "}":
                level = 0
                break
            if end != start and c == "{":
                level += 1
            elif level > 1 and c == "}":
                level -= 1
            end += 1
        yield text[start:end], vtype, level
        after = end + 1 if level == 0 else n
        if after < n and text[after] != "$":
            yield text[after]  # FreeSWITCH copies the byte after '}' as it is, unread
            after += 1
        i = after


def ends_in_expansion(text: str) -> bool:
    """True when ``text`` ends with the ``}`` of a ``${...}`` FreeSWITCH expands there."""
    last = None
    for last in _scan(text):  # noqa: B007
        pass
    return isinstance(last, tuple) and last[2] == 0


def _value(name: str, vtype: int, brackets: int, variable: Lookup, api: ApiCall, glob: Lookup,
           depth: int) -> str:
    cut = next((k for k, c in enumerate(name) if c in " ("), None)
    if cut is not None:  # ${api(args)} or ${api args}: an API call
        level = 1 if name[cut] == "(" else brackets
        command = name[:cut].rstrip(" ")
        args = name[cut + 1:]
        for k, c in enumerate(args):
            if c == "(":
                level += 1
            elif level > 1 and c == ")":
                level -= 1
            elif level == 1 and c == ")":
                args = args[:k]
                break
        command = expand(command, variable, api, glob, depth + 1)
        args = expand(args, variable, api, glob, depth + 1)
        return api(command, args) or ""
    name = expand(name, variable, api, glob, depth + 1)
    offset = length = 0
    if ":" in name:
        name, _, rest = name.partition(":")
        offset_text, _, length_text = rest.partition(":")
        offset, length = _atoi(offset_text), _atoi(length_text)
    if "[" in name and "]" in name[name.index("["):]:
        name = name[:name.index("[")]
    value = glob(name) if vtype == 3 else variable(name)
    if value is None and vtype == 1:
        value = glob(name)
    if value is None:
        return ""
    value = expand(value, variable, api, glob, depth + 1)
    if offset >= 0:
        value = value[offset:] if offset <= len(value) else ""
    elif -offset <= len(value):
        value = value[len(value) + offset:]
    if 0 < length < len(value):
        value = value[:length]
    return value


def _atoi(text: str) -> int:
    """C's atoi: leading blanks, a sign, digits; 0 when there are none."""
    text = text.lstrip()
    sign = -1 if text.startswith("-") else 1
    text = text[1:] if text[:1] in "+-" else text
    digits = len(text) - len(text.lstrip("0123456789"))
    return sign * int(text[:digits]) if digits else 0
