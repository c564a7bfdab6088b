"""Route patterns: compiling, matching, Asterisk-style ``_NXX`` patterns, literal prefixes
and "does this pattern cover that one".

A pattern is matched against caller data, so a match must never stall the service: a
backtracking engine takes exponential time on ``^(a+)+$`` and a long caller name. Patterns
are validated with Python's ``re`` (its syntax and messages) and run on RE2, which matches
in time linear in the value, whatever the pattern. The few RE2 cannot run (look-arounds,
back-references) run on the ``regex`` module with a per-match time limit; a match that
hits it raises ``PatternTimeout``, and the router ends that call. Note RE2's ``\\d`` and
``\\w`` are ASCII and ``$`` is the end of the value (not before a final newline).

Matching is Python's ``re.match``: anchored at the start of the value, not at the end
(add ``$`` for that), exactly like the seed's ``@router.route`` — so ``"1(.*)"`` matches
``18005551234`` but not ``2123``. FreeSWITCH's XML dialplan searches anywhere (PCRE);
its patterns almost always start with ``^``, which means the same thing here.
"""

from __future__ import annotations

import functools
import random
import re
import re._constants as re_constants  # the standard library's regex parser (3.11+)
import re._parser as re_parser
import warnings
from dataclasses import dataclass

import re2
import regex as backtracking
from interegular import parse_pattern
from interegular.fsm import Alphabet
from interegular.patterns import REFlags

# Asterisk letters, as FreeSWITCH's switch_ast2regex reads them.
_AST = {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]", ".": ".*", "!": ".*"}


def is_asterisk(pattern: str) -> bool:
    return pattern.startswith("_")


def asterisk_to_regex(pattern: str) -> str:
    """``_1NXXNXXXXXX`` → ``^1[2-9][0-9][0-9]...$``; ``(``, ``)``, ``[..]`` and ``\\x``
    pass through, other characters are literal."""
    body = pattern[1:]
    out = ["^"]
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            out.append(body[i : i + 2])
            i += 2
            continue
        if ch == "[":
            end = body.find("]", i + 1)
            if end != -1:
                out.append(body[i : end + 1])
                i = end + 1
                continue
        if ch in "()":
            out.append(ch)
        elif ch in _AST:
            out.append(_AST[ch])
        else:
            out.append(re.escape(ch))
        i += 1
    out.append("$")
    return "".join(out)


def to_regex(pattern: str) -> str:
    return asterisk_to_regex(pattern) if is_asterisk(pattern) else pattern


# Letters and digits only, maybe between ^ and $ (the common DID route, ``^5551234567$``):
# no regex needs reading or compiling to know it is valid, has no groups, and — with the
# ``$`` — matches exactly that text.
_PLAIN = re.compile(r"\^?([0-9A-Za-z]*)(\$?)")


def is_plain(pattern: str) -> bool:
    """Is ``pattern`` letters and digits only, maybe between ``^`` and ``$``?"""
    return _PLAIN.fullmatch(pattern) is not None


def is_valid(pattern: str) -> bool:
    """Does ``pattern`` compile? (Without compiling a plain one.)"""
    return is_plain(pattern) or compile_pattern(pattern)[1] is None


@dataclass(frozen=True)
class PatternError:
    message: str
    offset: int | None  # in the pattern as written; None when it cannot be placed


MATCH_TIMEOUT = 0.005  # seconds one match may take on the backtracking engine

_RE2 = re2.Options()
_RE2.log_errors = False  # a pattern RE2 cannot run is no error: it goes to the other engine


class PatternTimeout(Exception):
    """A match on the backtracking engine ran past ``MATCH_TIMEOUT`` (hostile input)."""


class _Bounded:
    """A pattern RE2 cannot run, on the ``regex`` module with a per-match time limit."""

    __slots__ = ("_compiled", "groupindex", "groups", "pattern")
    engine = "regex"

    def __init__(self, regex: str) -> None:
        self._compiled = backtracking.compile(regex, flags=backtracking.VERSION0)
        self.pattern = regex
        self.groups = self._compiled.groups
        self.groupindex = dict(self._compiled.groupindex)

    def match(self, value: str):  # a match object, as re's
        try:
            return self._compiled.match(value, timeout=MATCH_TIMEOUT)
        except TimeoutError:
            raise PatternTimeout(f"matching {self.pattern!r} against a {len(value)}-character value "
                                 f"took longer than {MATCH_TIMEOUT * 1000:g} ms") from None


@functools.lru_cache(maxsize=16384)
def _compile(regex: str) -> re.Pattern:
    # A pattern such as "[[" compiles (and matches today) but makes Python print a
    # FutureWarning to stderr, where an editor shows it as a server error: keep it quiet.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        re.compile(regex)  # the syntax and its error messages are Python's
        try:
            return re2.compile(regex, _RE2)
        except re2.error:
            return _Bounded(regex)  # type: ignore[return-value]


def compile_regex(regex: str) -> re.Pattern:
    """A Python regex (not the Asterisk form) on the engine that bounds its matches;
    raises ``re.error`` for an invalid one (the Python Router's patterns)."""
    return _compile(regex)


def engine(pattern: str) -> str | None:
    """Which engine runs ``pattern``: ``re2`` (linear time) or ``regex`` (time-limited)."""
    compiled, _ = compile_pattern(pattern)
    if compiled is None:
        return None
    return getattr(compiled, "engine", "re2")


def nested_quantifier(pattern: str) -> str | None:
    """The first repeated group that holds an unbounded repeat (``(a+)+``), as written in
    the pattern; None when there is none (or the pattern does not parse)."""
    try:
        parsed = re_parser.parse(to_regex(pattern))
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    repeats = ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")

    def children(name: str, av) -> list:
        if name in repeats:
            return [av[2]]
        if name == "SUBPATTERN":
            return [av[3]]
        if name == "BRANCH":
            return list(av[1])
        return [av] if name == "ATOMIC_GROUP" else []

    def many(av) -> bool:
        return av[1] is re_constants.MAXREPEAT or av[1] > 1

    def repeats_inside(items) -> bool:
        return any((str(op) in repeats and av[1] is re_constants.MAXREPEAT)
                   or any(repeats_inside(c) for c in children(str(op), av))
                   for op, av in items)

    def find(items) -> bool:
        for op, av in items:
            name = str(op)
            if name in repeats and many(av) and repeats_inside(av[2]):
                return True
            if any(find(c) for c in children(name, av)):
                return True
        return False

    return pattern if find(parsed) else None


def compile_pattern(pattern: str) -> tuple[re.Pattern | None, PatternError | None]:
    """Compile a pattern as written (regex or ``_`` Asterisk form). Never raises."""
    regex = to_regex(pattern)
    try:
        return _compile(regex), None
    except re.error as exc:
        offset = exc.pos if not is_asterisk(pattern) else None
        return None, PatternError(exc.msg, offset)
    except backtracking.error as exc:
        return None, PatternError(str(exc), None)
    except (RecursionError, OverflowError, ValueError) as exc:
        return None, PatternError(str(exc) or type(exc).__name__, None)


def match(pattern: str, value: str | None) -> re.Match | None:
    """THE place route patterns and ``=~`` are matched.

    A missing header (None) never matches, not even ``.*``, exactly like the Python
    Router, which skips a route whose field the call does not carry.
    """
    if value is None:
        return None
    compiled, _ = compile_pattern(pattern)
    if compiled is None:
        return None
    return compiled.match(str(value))


def group_info(pattern: str) -> tuple[int, set[str]]:
    """How many groups, and which named groups, a pattern has (0, set() if invalid)."""
    compiled, _ = compile_pattern(pattern)
    if compiled is None:
        return 0, set()
    return compiled.groups, set(compiled.groupindex)


_META = set(".^$*+?{}[]()|\\")


def literal_prefix(pattern: str) -> str:
    """The text every value matching ``pattern`` starts with ("" if none can be proven).

    Conservative by construction: it stops at the first character class, group, escape
    of a letter or digit, or alternation, and drops a literal that a quantifier makes
    optional. The route index relies on this being a *guaranteed* prefix.
    """
    regex = to_regex(pattern)
    if "|" in regex and len(top_alternatives(regex)) > 1:
        return ""
    i = 0
    if regex.startswith("^"):
        i = 1
    out: list[str] = []
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            if i + 1 >= len(regex) or regex[i + 1].isalnum():
                break
            lit, step = regex[i + 1], 2
        elif ch in _META:
            break
        else:
            lit, step = ch, 1
        nxt = regex[i + step] if i + step < len(regex) else ""
        if nxt in ("*", "?", "{"):
            break
        out.append(lit)
        if nxt == "+":
            break
        i += step
    return "".join(out)


def top_alternatives(regex: str) -> list[str]:
    """The branches of ``regex``'s top-level ``|`` (one item when there is none)."""
    alts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(regex):
        ch = regex[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if regex.startswith("[]", i) or regex.startswith("[^]", i):
                i += 2 if regex.startswith("[]", i) else 3
                continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            alts.append(regex[start:i])
            start = i + 1
        i += 1
    alts.append(regex[start:])
    return alts


def is_exact_literal(pattern: str) -> str | None:
    """For ``^abc$`` (or ``_abc``) the literal ``abc``: such a route matches one value only."""
    plain = _PLAIN.fullmatch(pattern)
    if plain is not None:
        return plain.group(1) if plain.group(2) else None
    regex = to_regex(pattern)
    if not regex.endswith("$") or regex.endswith("\\$"):
        return None
    prefix = literal_prefix(regex[:-1])
    body = regex[1:-1] if regex.startswith("^") else regex[:-1]
    if re.escape(prefix) == body or prefix == body:
        return prefix
    return None


def covers(wide: str, narrow: str) -> bool | None:
    """Does every value matched by ``narrow`` also match ``wide``? None: cannot tell.

    Uses interegular's automata on the patterns as ``re.match`` reads them (a pattern
    without a trailing ``$`` accepts any continuation). Anchors elsewhere, lookarounds
    and back-references are beyond it: the answer is then None, never a guess.
    """
    if wide == narrow:
        return True
    try:
        pw = parse_pattern(_as_language(to_regex(wide)))
        pn = parse_pattern(_as_language(to_regex(narrow)))
        alphabet = Alphabet.union(pw.get_alphabet(REFlags(0)), pn.get_alphabet(REFlags(0)))[0]
        return pn.to_fsm(alphabet).issubset(pw.to_fsm(alphabet))
    except Exception:  # interegular's "Unsupported ..." and friends
        return None


def _as_language(regex: str) -> str:
    body = regex[1:] if regex.startswith("^") else regex
    if body.endswith("$") and not body.endswith("\\$"):
        return body[:-1]
    return f"(?:{body}).*"


# -- values a pattern matches ------------------------------------------------------------

_DIGITS = "0123456789"
_WORD = "abcdefghijklmnopqrstuvwxyz" + _DIGITS
# What stands for a category (``\d``, ``\w``...) in an example, and what a random pick
# draws from.
_CATEGORY_EXAMPLE = {"CATEGORY_DIGIT": "5", "CATEGORY_NOT_DIGIT": "a", "CATEGORY_WORD": "a",
                     "CATEGORY_NOT_WORD": "-", "CATEGORY_SPACE": " ", "CATEGORY_NOT_SPACE": "a"}
_CATEGORY_POOL = {"CATEGORY_DIGIT": _DIGITS, "CATEGORY_WORD": _WORD, "CATEGORY_SPACE": " "}
_EXAMPLE_LIMIT = 80


class _NoSample(Exception):
    """The pattern uses something the sampler does not make values for."""


def example(pattern: str) -> str | None:
    """A short value ``pattern`` matches, for an editor to show (``"2[1-9]{3}$"`` →
    ``"2111"``); None when no simple one is found (lookarounds, back-references...).
    Every answer is checked with ``match``, so it is never wrong, only sometimes absent."""
    compiled, error = compile_pattern(pattern)
    if compiled is None or error is not None:
        return None
    try:
        text = _Sampler(None).items(re_parser.parse(to_regex(pattern)))
    except (_NoSample, re.error, RecursionError):
        return None
    if len(text) > _EXAMPLE_LIMIT or match(pattern, text) is None:
        return None
    return text


def sample(pattern: str, rng: random.Random) -> str | None:
    """A value ``pattern`` matches, drawn at random (made-up calls for demos), or None when
    none is found; like ``example``, every answer is checked with ``match``."""
    try:
        parsed = re_parser.parse(to_regex(pattern))
    except (re.error, RecursionError):
        return None
    for _ in range(20):
        try:
            value = _Sampler(rng).items(parsed)
        except _NoSample:
            return None
        if match(pattern, value) is not None:
            return value
    return None


class _Sampler:
    """Makes up a value from the standard library's parse of a regex: the shortest, first
    choice everywhere (``rng`` None), or random choices that look like phone numbers."""

    def __init__(self, rng: random.Random | None) -> None:
        self.rng = rng
        self.groups: dict[int, str] = {}

    def items(self, items) -> str:
        return "".join(self.one(str(op), av) for op, av in items)

    def one(self, op: str, av) -> str:
        rng = self.rng
        if op == "LITERAL":
            return chr(av)
        if op == "NOT_LITERAL":
            other = "x" if rng is None else "1"
            return other if chr(av) != other else ("y" if rng is None else "2")
        if op == "ANY":
            return "5" if rng is None else rng.choice(_DIGITS)
        if op == "AT":
            return ""
        if op == "IN":
            return self.klass(av)
        if op == "SUBPATTERN":
            group, _, _, body = av
            text = self.items(body)
            if group is not None:
                self.groups[group] = text
            return text
        if op == "BRANCH":
            return self.items(av[1][0] if rng is None else rng.choice(av[1]))
        if op in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, body = av
            if rng is None:
                count = low if low else min(1, high)
                if count > _EXAMPLE_LIMIT:
                    raise _NoSample("too long")
            elif high is re_constants.MAXREPEAT:  # `.*`, `\d+`: a phone-number-like run
                count = rng.randint(max(low, 4), max(low, 4) + 6)
            else:
                count = rng.randint(low, min(high, low + 6))
            return "".join(self.items(body) for _ in range(count))
        if op == "GROUPREF":
            return self.groups.get(av, "")
        if op == "ATOMIC_GROUP":
            return self.items(av)
        raise _NoSample(op)

    def klass(self, items) -> str:
        negate = bool(items) and str(items[0][0]) == "NEGATE"
        members = items[1:] if negate else items
        if self.rng is None:
            if negate:
                for candidate in "5a1-x ":
                    if not _class_has(members, candidate):
                        return candidate
                raise _NoSample("no character outside the class")
            op, av = str(members[0][0]), members[0][1]
            if op == "LITERAL":
                return chr(av)
            if op == "RANGE":
                return chr(av[0])
            if op == "CATEGORY":
                return _CATEGORY_EXAMPLE[str(av)]
            raise _NoSample(op)
        allowed: list[str] = []
        for op, av in members:
            op = str(op)
            if op == "LITERAL":
                allowed.append(chr(av))
            elif op == "RANGE":
                allowed.extend(chr(c) for c in range(av[0], min(av[1], av[0] + 64) + 1))
            elif op == "CATEGORY":
                allowed.extend(_CATEGORY_POOL.get(str(av), ""))
        if negate:
            choices = [c for c in _WORD + "+*#" if c not in allowed]
            return self.rng.choice(choices) if choices else "~"
        if not allowed:
            raise _NoSample("empty class")
        digits = [c for c in allowed if c.isdigit()]
        return self.rng.choice(digits or allowed)


def _class_has(items, ch: str) -> bool:
    code = ord(ch)
    for op, av in items:
        name = str(op)
        if name == "LITERAL" and av == code:
            return True
        if name == "RANGE" and av[0] <= code <= av[1]:
            return True
        if name == "CATEGORY":
            return True  # be safe: assume the category holds it
    return False
