"""Markdown shown in hover and completion, written from the front end's own tables.

Actions come from the action table, headers from ``headers``, built-ins from
``builtins``; nothing here documents the language a second time except one line per
keyword, which no table holds.
"""

from __future__ import annotations

import calendar
import os

from switchy.dialplan import ast, headers, patterns
from switchy.dialplan.actions import REQUIRED, Action, literal
from switchy.dialplan.builtins import BUILTIN_NAMES, FUNCTIONS, MONTHS, WEEKDAYS
from switchy.dialplan.language import DEFAULT_FIELD, span_text


def calendar_word(word: str) -> str | None:
    """``mon`` → what it is in a time test."""
    if word in WEEKDAYS:
        return f"{calendar.day_name[WEEKDAYS.index(word)]}, for `weekday` tests (`weekday in mon..fri`)"
    if word in MONTHS:
        return f"{calendar.month_name[MONTHS.index(word) + 1]}, for `month` tests (`month in oct..feb`)"
    return None


def code(text: str) -> str:
    return f"```swr\n{text}\n```"


def action_doc(action: Action) -> str:
    lines = [action.doc]
    if action.params:
        lines.append("")
        for p in action.params:
            default = "" if p.default is REQUIRED else f" = `{literal(p.default)}`"
            lines.append(f"- `{p.name}` ({p.type.name}){default}: {p.doc}")
    if action.extra_keywords:
        lines.append("\nAny `name=value` keyword sets that channel variable.")
    if action.kind == "log":
        lines.append("\nNothing is sent to FreeSWITCH: this is switchy's own log.")
    elif action.freeswitch:
        lines.append(f"\nFreeSWITCH: `{action.freeswitch}`")
    if action.ends_call:
        lines.append("\nThe call leaves switchy's routing after this.")
    if action.example:
        lines.append(f"\nExample: `{action.example}`")
    return "\n".join(lines)


def action_hover(action: Action) -> str:
    return code(action.signature) + "\n\n" + action_doc(action)


def source_of(text: str | None, node: ast.Node) -> str:
    """``node`` as written in ``text``, its file's text ("..." when that is unknown)."""
    if text is None:
        return "..."
    return span_text({node.span.file: text}, node.span)


def handler_signature(handler: ast.Handler, text: str | None = None) -> str:
    params = ", ".join(p.name.name if p.default is None
                       else f"{p.name.name}={source_of(text, p.default)}" for p in handler.params)
    return f"handler {handler.name.name}({params})"


def param_default(param: ast.Param, text: str | None = None) -> str | None:
    return None if param.default is None else source_of(text, param.default)


def leading_comments(text: str | None, node: ast.Node) -> str:
    """The ``#`` comment lines right above ``node``: its documentation."""
    if not text:
        return ""
    lines = text[:node.span.start].split("\n")[:-1]
    found = []
    for line in reversed(lines):
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        found.append(stripped.lstrip("#").strip())
    return "\n".join(reversed(found)).strip()


def handler_doc(analysis, handler: ast.Handler) -> str:
    text = analysis.text_of(handler.span.file)
    parts = []
    comment = leading_comments(text, handler)
    if comment:
        parts.append(comment)
    required = [p.name.name for p in handler.params if p.default is None]
    if required:
        parts.append("Required: " + ", ".join(f"`{r}`" for r in required))
    if handler.span.file != analysis.file:
        parts.append(f"Defined in `{os.path.basename(handler.span.file)}` line {handler.span.line}")
    return "\n\n".join(parts)


def handler_hover(analysis, handler: ast.Handler) -> str:
    text = analysis.text_of(handler.span.file)
    body = handler_doc(analysis, handler)
    calls = len(analysis.names.handler_calls(handler.name.name))
    used = f"Called {calls} time{'s' if calls != 1 else ''}" if calls else "Never called"
    return code(handler_signature(handler, text)) + ("\n\n" + body if body else "") + f"\n\n{used}"


def header_hover(name: str, analysis=None) -> str:
    """What a name of the call is: event header, channel variable, or unknown."""
    lines = [code(name)]
    doc = headers.DOCS.get(name)
    if name in headers.EVENT_HEADERS:
        kind = "Event header of the call"
    elif name.startswith("variable_"):
        short = name[len("variable_"):]
        known = short in headers.CHANNEL_VARIABLES or name.startswith(headers.FREE_FORM_PREFIXES)
        kind = (f"Channel variable `{short}`" + ("" if known else " (not one FreeSWITCH sets)")
                + f"; in action arguments FreeSWITCH expands `${{{short}}}`")
        if analysis is not None:
            found = next((v for v in analysis.names.variables if v.name == short), None)
            if found is not None:
                where = "line " + str(found.span.line) if found.span.file == analysis.file \
                    else f"{os.path.basename(found.span.file)}:{found.span.line}"
                kind += f"\n\nSet by this dialplan ({where})"
    else:
        kind = "Not a header FreeSWITCH sets: reads as `none` when the call lacks it"
    lines.append(kind)
    if doc:
        lines.append(doc)
    return "\n\n".join(lines)


def builtin_hover(name: str) -> str | None:
    if name in BUILTIN_NAMES:
        return code(name) + "\n\nBuilt-in: " + BUILTIN_NAMES[name]
    if name in FUNCTIONS:
        fn = FUNCTIONS[name]
        return code(fn.signature) + "\n\nBuilt-in function: " + fn.doc
    return None


def pattern_hover(pattern: str, field: str | None, asterisk_note: bool = True) -> str:
    """What a route pattern or ``=~`` regex matches, in words, with an example."""
    compiled, error = patterns.compile_pattern(pattern)
    field = field or DEFAULT_FIELD
    if error is not None:
        return f"Invalid regular expression: {error.message}"
    lines = [f"Matched against `{field}` from its start (Python `re.match`, not PCRE)"
             + ("" if pattern.endswith("$") or patterns.is_asterisk(pattern) else
                "; not anchored at the end: add `$` for that")]
    if patterns.is_asterisk(pattern) and asterisk_note:
        lines.append(f"Asterisk pattern, read as the regex `{patterns.to_regex(pattern)}`"
                     " (N = 2-9, X = 0-9, Z = 1-9, . = anything)")
    literal = patterns.is_exact_literal(pattern)
    if literal is not None:
        lines.append(f"Matches exactly `{literal}`")
    else:
        prefix = patterns.literal_prefix(pattern)
        if prefix:
            lines.append(f"Every match starts with `{prefix}`")
    if compiled is not None and compiled.groups:
        names = {v: k for k, v in compiled.groupindex.items()}
        groups = ", ".join(f"`${i}`" + (f" (`${names[i]}`)" if i in names else "")
                           for i in range(1, compiled.groups + 1))
        lines.append(f"Captures: {groups}")
    example = patterns.example(pattern)
    if example is not None:
        lines.append(f"For example: `{example}`" if example else "For example: an empty value")
    return "\n\n".join(lines)
