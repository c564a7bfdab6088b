"""The TextMate grammar knows the whole language, and its scope tests are real .swr."""

from __future__ import annotations

import json
import re

import pytest

from switchy.dialplan import check_text
from switchy.dialplan.actions import ACTIONS
from switchy.dialplan.builtins import BUILTIN_NAMES, FUNCTIONS, MONTHS, WEEKDAYS
from tests.vscode.conftest import EXT, ROOT

GRAMMAR = json.loads((EXT / "syntaxes" / "swr.tmLanguage.json").read_text())
TEST_FILES = sorted((EXT / "tests" / "grammar").glob("*.swr"))
ASSERTION = re.compile(r"^#\s*(?:\^+|<~*-+)\s+(.*)$")


def rules(node):
    """Every rule (dict with match/begin) of the grammar, depth first."""
    if isinstance(node, dict):
        if "match" in node or "begin" in node:
            yield node
        for value in node.values():
            yield from rules(value)
    elif isinstance(node, list):
        for value in node:
            yield from rules(value)


def scope_names(node) -> set[str]:
    names: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("name", "contentName") and isinstance(value, str):
                names.update(value.split())
            else:
                names |= scope_names(value)
    elif isinstance(node, list):
        for value in node:
            names |= scope_names(value)
    return names


def words_in(rule_key: str) -> set[str]:
    """The words of the alternation in one repository rule's regexes."""
    found: set[str] = set()
    for rule in rules(GRAMMAR["repository"][rule_key]):
        for regex in (rule.get("match", ""), rule.get("begin", "")):
            found |= set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", regex))
    return found


def grammar_regexes() -> str:
    return "\n".join(r.get("match", "") + "\n" + r.get("begin", "") for r in rules(GRAMMAR))


def test_every_keyword_of_the_lark_grammar_is_highlighted():
    lark = (ROOT / "grammar" / "swr.lark").read_text()
    keywords = set(re.findall(r'"([a-z]+)"', lark))
    assert {"route", "handler", "dialplan", "when", "stop", "in", "none"} <= keywords
    regexes = grammar_regexes()
    missing = {k for k in keywords if not re.search(rf"(?<![A-Za-z_]){k}(?![A-Za-z_])", regexes)}
    assert not missing, f"keywords without a TextMate rule: {sorted(missing)}"


@pytest.mark.parametrize(
    ("rule", "names"),
    [
        ("expression", set(ACTIONS)),
        ("expression", set(FUNCTIONS)),
        ("name", set(BUILTIN_NAMES)),
        ("literal", set(WEEKDAYS) | set(MONTHS)),
    ],
    ids=["actions", "functions", "builtin-names", "weekdays-and-months"],
)
def test_names_of_the_language_are_in_the_grammar(rule, names):
    """The action table and the built-ins are the language's; the grammar must follow them."""
    assert names <= words_in(rule), sorted(names - words_in(rule))


def test_every_action_in_the_grammar_is_a_real_action():
    action_rule = next(r for r in rules(GRAMMAR["repository"]["expression"])
                       if "support.function.action.swr" in json.dumps(r.get("beginCaptures", {})))
    listed = set(re.search(r"\(\?:([a-z_|]+)\)", action_rule["begin"]).group(1).split("|"))
    assert listed == set(ACTIONS)


def test_every_scope_of_the_grammar_is_asserted_by_a_test_file():
    asserted: set[str] = set()
    for path in TEST_FILES:
        for line in path.read_text().splitlines():
            match = ASSERTION.match(line)
            if match:
                asserted |= {s for s in match.group(1).split() if s != "-"}
    names = scope_names(GRAMMAR["patterns"]) | scope_names(GRAMMAR["repository"])
    assert names - asserted == set(), f"scopes no test asserts: {sorted(names - asserted)}"


def test_grammar_test_files_are_swr_the_parser_accepts():
    """The scope tests exercise real syntax: switchy's own parser finds no syntax error,
    except in recovery.swr, which is broken on purpose."""
    assert len(TEST_FILES) >= 8
    for path in TEST_FILES:
        text = path.read_text()
        assert text.startswith('# SYNTAX TEST "source.swr"'), path.name
        assert sum(bool(ASSERTION.match(line)) for line in text.splitlines()) >= 5, path.name
        syntax = [d for d in check_text(text, str(path)) if d.code.startswith("SWR1")]
        if path.name == "recovery.swr":
            assert syntax, "recovery.swr should hold syntax errors"
        else:
            assert syntax == [], [d.format() for d in syntax]
