"""Every snippet expands (with its default placeholders) to .swr that `switchy check`
accepts without an error."""

from __future__ import annotations

import json
import re

from switchy.dialplan import check_text
from tests.vscode.conftest import EXT

SNIPPETS = json.loads((EXT / "snippets" / "swr.json").read_text())
DECLARATIONS = ("route ", "handler ", "dialplan ", "guard ", "timezone ", "include ", "select ")


def expand(body: str) -> str:
    """What VS Code inserts when every placeholder keeps its default (TextMate snippet
    syntax: $1, ${1}, ${1:default} nested, ${1|a,b|}, and \\$ \\} \\\\ escapes)."""
    out, i = [], 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in "$}\\":
            out.append(body[i + 1])
            i += 2
        elif ch == "$" and body.startswith("${", i):
            text, i = _placeholder(body, i + 2)
            out.append(text)
        elif ch == "$" and i + 1 < len(body) and body[i + 1].isdigit():
            i = re.match(r"\$\d+", body[i:]).end() + i
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def _placeholder(body: str, i: int) -> tuple[str, int]:
    """Reads after '${' up to the matching '}': returns (default text, index after)."""
    m = re.match(r"\d+", body[i:])
    assert m, f"unsupported snippet syntax at {body[i - 2:i + 10]!r}"
    i += m.end()
    if body[i] == "}":
        return "", i + 1
    if body[i] == "|":
        end = body.index("|}", i)
        return body[i + 1:end].split(",")[0], end + 2
    assert body[i] == ":", body[i:]
    depth, j, text = 0, i + 1, []
    while True:
        ch = body[j]
        if ch == "\\" and body[j + 1] in "$}\\":
            text.append("\\" + body[j + 1])
            j += 2
            continue
        if body.startswith("${", j):
            depth += 1
        elif ch == "}":
            if depth == 0:
                return expand("".join(text)), j + 1
            depth -= 1
        text.append(ch)
        j += 1


def test_expand_follows_snippet_syntax():
    assert expand(r'a ${1:x${2:y}z} $0 \$1 ${3} ${4|p,q|} ${5:\}}') == "a xyz  $1  p }"


def expanded() -> dict[str, str]:
    return {name: expand("\n".join(s["body"])) for name, s in SNIPPETS.items()}


def test_snippets_have_unique_prefixes_and_descriptions():
    prefixes = [s["prefix"] for s in SNIPPETS.values()]
    assert len(prefixes) == len(set(prefixes))
    assert all(s["description"] for s in SNIPPETS.values())
    assert {"route", "handler", "dialplan", "did", "hours", "block"} <= set(prefixes)


def test_snippets_expand_to_a_dialplan_switchy_check_accepts():
    parts = []
    for name, text in expanded().items():
        if text.startswith(DECLARATIONS):
            parts.append(text)
        else:  # a statement snippet: inside a route of its own
            route = re.sub(r"\W+", "_", name)
            parts.append(f"route snippet_{route} \"^(\\d+)$\" {{\n" + text.replace("\n", "\n    ") + "\n}")
    program = "\n\n".join(parts) + "\n"
    errors = [d.format() for d in check_text(program, "snippets.swr") if d.is_error]
    assert errors == [], program


def test_snippets_indent_with_tabs_so_vs_code_applies_the_users_indentation():
    for name, snippet in SNIPPETS.items():
        for line in snippet["body"]:
            assert not line.startswith(" "), (name, line)


def test_regex_placeholders_keep_their_braces():
    """A `}` inside a placeholder must be escaped or it ends the placeholder early."""
    texts = expanded()
    assert texts["block caller IDs"].splitlines()[0] == (
        r'route block_cid Caller-Caller-ID-Number =~ "^(\+1|1)?((876|809)\d{7})$" {'
    )
    assert texts["route"].splitlines()[0] == r'route name "^(\d+)$" {'
    assert 'execute("voicemail", "default ${domain_name} 8000")' in texts["business hours"]
    assert 'start_record("/tmp/${uuid}.wav")' in texts["record a sample"]
