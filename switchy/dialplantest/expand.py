"""The node model's side of FreeSWITCH's ``${...}`` expansion: where names are found and
the API commands dialplans use in data and fields.

The algorithm itself — escapes, nesting, recursion into values, ``${name:offset:length}``,
``${api(args)}`` / ``${api args}`` — is ``switchy.expansion.expand``, the one the emulator
runs and the real captures check. The model adds what a node holds: ``${name}`` reads a
channel variable, else a caller-profile field, else a global variable, else nothing; the
APIs it knows are ``cond``, ``regex``, ``db``, ``eval`` and ``expand``. An API the model
does not know expands to ``-ERR`` and is recorded, so a test shows it rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from switchy import expansion
from switchy.dialplan import patterns
from switchy.xmlimport.regex import RegexError, translate
from switchy.xmlimport.translate import fs_substitution_tokens


class Lookups:
    """Where names are looked up, and the APIs' state (the node's db)."""

    def __init__(self, variables: Mapping[str, str], profile: Mapping[str, str],
                 globals_: Mapping[str, str], db: dict[str, str],
                 unknown: Callable[[str], None] | None = None) -> None:
        self.variables = variables
        self.profile = profile
        self.globals = globals_
        self.db = db
        self.unknown = unknown or (lambda name: None)

    def variable(self, name: str) -> str | None:
        """A channel variable, else a caller-profile field (names of any case)."""
        if name in self.variables:
            return self.variables[name]
        return self.profile.get(name.lower())

    def global_variable(self, name: str) -> str | None:
        return self.globals.get(name)


def expand(text: str, env: Lookups) -> str:
    """``text`` as FreeSWITCH expands it (``switch_channel_expand_variables``)."""
    return expansion.expand(text, env.variable, lambda name, args: api(name, args, env),
                            env.global_variable)


def api(name: str, args: str, env: Lookups) -> str:
    """An API command's output, for the commands the model knows."""
    if name == "cond":
        return cond(args)
    if name == "regex":
        return regex_api(args)
    if name == "db":
        return db_api(args, env.db)
    if name in ("eval", "expand"):
        return expand(args, env)
    env.unknown(name)
    return "-ERR"


_COND_OPS = ("!=", "<>", ">=", "<=", "==", ">", "<", "=")


def _is_number(text: str) -> bool:
    return re.fullmatch(r"[+-]?(?:\d+\.?\d*|\.\d+)", text) is not None


def cond(args: str) -> str:
    """mod_commands ``cond``: ``A op B ? yes : no``; ``-ERR`` when it cannot be read."""
    question = args.find("?")
    if question == -1:
        return "-ERR"
    test, rest = args[:question], args[question + 1:]
    yes, colon, no = rest.partition(":")
    if not colon:
        return "-ERR"
    a = test.lstrip(" \t")
    if a.startswith("'"):
        close = a.find("'", 1)
        if close == -1:
            return "-ERR"
        left, expr = a[1:close], a[close + 1:]
        left_quoted = True
    else:
        space = a.find(" ")
        left, expr = (a[:space], a[space + 1:]) if space != -1 else (a, "")
        left_quoted = False
    expr = expr.lstrip(" ")
    op = next((o for o in _COND_OPS if expr.startswith(o)), None)
    if op is None:
        return "-ERR"
    right = expr[len(op):].strip()
    right_quoted = right.startswith("'") and right.endswith("'") and len(right) > 1
    if right_quoted:
        right = right[1:-1]
    left = left.strip()
    numeric = not left_quoted and not right_quoted and _is_number(left) and _is_number(right)
    a_v: float | str = float(left) if numeric else left
    b_v: float | str = float(right) if numeric else right
    result = {
        "==": a_v == b_v, "=": a_v == b_v, "!=": a_v != b_v, "<>": a_v != b_v,
        ">": a_v > b_v, "<": a_v < b_v, ">=": a_v >= b_v, "<=": a_v <= b_v,  # type: ignore[operator]
    }[op]
    return (yes if result else no).strip()


def regex_api(args: str) -> str:
    """mod_commands ``regex DATA|RE[|SUBST]``: the substitution (``%N`` captures), the data
    itself when it does not match, or true/false without a substitution."""
    delim = "|"
    m = re.match(r"m:(.):", args)
    if m:
        delim, args = m.group(1), args[m.end():]
    parts = args.split(delim)
    if len(parts) < 2:
        return "-ERR"
    data, expression = parts[0], parts[1]
    subst = delim.join(parts[2:]) if len(parts) > 2 else None
    try:
        pattern = translate(expression, whole_match=subst is not None and "%0" in subst)
    except RegexError:
        return "-ERR"
    static = pattern.static
    match = patterns.match(static, data) if static is not None else None
    if match is None:
        return data if subst is not None else "false"
    if subst is None:
        return "true"
    out = []
    for tok in fs_substitution_tokens(subst.replace("%", "$")):
        if isinstance(tok, str):
            out.append(tok)
            continue
        group = tok + (1 if pattern.shifted else 0)
        if group <= (match.re.groups or 0):
            out.append(match.group(group) or "")
    return "".join(out)


def db_api(args: str, db: dict[str, str]) -> str:
    """mod_db ``db select|insert|delete|exists/realm/key[/value]``."""
    parts = args.split("/")
    if len(parts) < 3:
        return "-ERR"
    verb, key = parts[0], f"{parts[1]}/{parts[2]}"
    if verb == "select":
        return db.get(key, "")
    if verb == "exists":
        return "true" if key in db else "false"
    if verb == "insert" and len(parts) > 3:
        db[key] = "/".join(parts[3:])
        return "+OK"
    if verb == "delete":
        db.pop(key, None)
        return "+OK"
    return "-ERR"
