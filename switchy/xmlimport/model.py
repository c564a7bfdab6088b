"""The XML dialplan as FreeSWITCH reads it: contexts, extensions, conditions, actions.

Built from the pre-processed element tree (``source``), with FreeSWITCH's own reading of
every attribute: ``break`` and ``regex`` values case-insensitive (an unknown ``break`` is
``on-false``, an unknown ``regex`` mode is ``any``), ``continue``/``inline``/
``require-nested`` true as ``switch_true`` reads it, an action's data from its text or its
``data`` attribute, ``loop="N"``. Elements FreeSWITCH does not know are errors; attributes
it ignores are warnings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field

from switchy.xmlimport.report import Pos, Report
from switchy.xmlimport.source import XComment, XNode

TIME_ATTRS = ("tz-offset", "dst", "date-time", "year", "yday", "mon", "mday", "week", "mweek",
              "wday", "hour", "minute", "minute-of-day", "time-of-day")
BREAKS = ("on-false", "on-true", "always", "never")
MAX_LOOP = 100

_TRUE_WORDS = {"yes", "on", "true", "t", "enabled", "active", "allow"}


def switch_true(value: str | None) -> bool:
    """FreeSWITCH's ``switch_true``: yes/on/true/t/enabled/active/allow, or a non-zero number."""
    if value is None:
        return False
    text = value.strip()
    if text.lower() in _TRUE_WORDS:
        return True
    return bool(re.fullmatch(r"[+-]?\d+", text)) and int(text) != 0


def atoi(text: str) -> int:
    """C's ``atoi``: leading blanks, a sign, digits; anything else stops (0 if none)."""
    m = re.match(r"\s*([+-]?\d+)", text)
    return int(m.group(1)) if m else 0


@dataclass
class Action:
    app: str
    data: str
    inline: bool
    anti: bool
    pos: Pos


@dataclass
class Regex:
    """One ``<regex>`` child of a ``regex="all|any|xor"`` condition."""

    field: str | None
    expression: str
    time: dict[str, str]
    pos: Pos


@dataclass
class Condition:
    pos: Pos
    field: str | None = None
    expression: str = ""
    brk: str = "on-false"
    regex_mode: str | None = None  # "all" | "any" | "xor" (None: the single-expression form)
    regexes: list[Regex] = dc_field(default_factory=list)
    time: dict[str, str] = dc_field(default_factory=dict)
    require_nested: bool = True
    actions: list[Action] = dc_field(default_factory=list)
    anti_actions: list[Action] = dc_field(default_factory=list)
    children: list[Condition] = dc_field(default_factory=list)
    comments: list[XComment] = dc_field(default_factory=list)


@dataclass
class Extension:
    name: str | None
    cont: bool
    conditions: list[Condition]
    pos: Pos
    comments: list[XComment] = dc_field(default_factory=list)
    end_line: int = 0


@dataclass
class Context:
    name: str
    pos: Pos
    items: list[Extension | XComment] = dc_field(default_factory=list)

    @property
    def extensions(self) -> list[Extension]:
        return [i for i in self.items if isinstance(i, Extension)]


@dataclass
class Dialplans:
    """Every context found, in the order FreeSWITCH would see them, plus loose comments."""

    contexts: list[Context] = dc_field(default_factory=list)
    comments: list[XComment] = dc_field(default_factory=list)


_KNOWN_ATTRS = {
    "context": {"name"},
    "extension": {"name", "continue"},
    "condition": {"field", "expression", "break", "regex", "require-nested", "continue",
                  *TIME_ATTRS},
    "regex": {"field", "expression", *TIME_ATTRS},
    "action": {"application", "data", "inline", "loop"},
    "anti-action": {"application", "data", "inline", "loop"},
}


class _Builder:
    def __init__(self, report: Report) -> None:
        self.report = report
        self.out = Dialplans()
        self.seen: dict[str, Pos] = {}

    def attrs(self, node: XNode) -> None:
        known = _KNOWN_ATTRS.get(node.tag, set())
        for name in node.attrs:
            if name not in known:
                self.report.warning(node.pos, f"<{node.tag}> has no attribute {name!r} that "
                                    "FreeSWITCH reads: ignored")

    def unknown(self, node: XNode, parent: str) -> None:
        self.report.error(node.pos, f"unknown element <{node.tag}> in <{parent}>: FreeSWITCH "
                          "ignores it, and so is it not translated")

    # -- structure --------------------------------------------------------------------------

    def top(self, node: XNode) -> None:
        if node.tag == "context":
            self.context(node)
        elif node.tag in ("include", "document"):
            self.container(node)
        elif node.tag == "section":
            self.section(node)
        elif node.tag == "extension":
            self.report.error(node.pos, "<extension> outside any <context>: include this file "
                              "inside a <context> (X-PRE-PROCESS include)")
        else:
            self.unknown(node, "the document")

    def container(self, node: XNode) -> None:
        for child in node.children:
            if isinstance(child, XComment):
                self.out.comments.append(child)
            else:
                self.top(child)

    def section(self, node: XNode) -> None:
        name = node.attrs.get("name", "")
        if name != "dialplan":
            self.report.note(node.pos, f"<section name={name!r}> is not a dialplan: skipped")
            return
        for child in node.children:
            if isinstance(child, XComment):
                self.out.comments.append(child)
            elif child.tag == "context":
                self.context(child)
            else:
                self.unknown(child, "section")

    def context(self, node: XNode) -> None:
        self.attrs(node)
        name = node.attrs.get("name")
        if not name:
            self.report.error(node.pos, "<context> without a name: no call can reach it")
            return
        prior = self.seen.get(name)
        if prior is not None:
            self.report.untranslated(node.pos, f"context {name!r} is also defined at {prior}; "
                                     "FreeSWITCH uses only the first one")
            return
        self.seen[name] = node.pos
        ctx = Context(name, node.pos)
        for child in node.children:
            if isinstance(child, XComment):
                ctx.items.append(child)
            elif child.tag == "extension":
                ext = self.extension(child)
                if ext is not None:
                    ctx.items.append(ext)
            else:
                self.unknown(child, "context")
        self.out.contexts.append(ctx)

    def extension(self, node: XNode) -> Extension | None:
        self.attrs(node)
        ext = Extension(node.attrs.get("name"), switch_true(node.attrs.get("continue")), [],
                        node.pos, end_line=node.end_line)
        for child in node.children:
            if isinstance(child, XComment):
                ext.comments.append(child)
            elif child.tag == "condition":
                ext.conditions.append(self.condition(child))
            else:
                self.unknown(child, "extension")
        if _stray(node.text):
            self.report.note(node.pos, "text inside <extension> is ignored by FreeSWITCH")
        return ext

    def condition(self, node: XNode) -> Condition:
        self.attrs(node)
        a = node.attrs
        cond = Condition(node.pos, field=a.get("field"))
        if "continue" in a:
            self.report.warning(node.pos, "`continue` on a <condition> is not read by "
                                "FreeSWITCH (it belongs on the <extension>)")
        brk = a.get("break")
        if brk is not None:
            if brk.lower() in BREAKS:
                cond.brk = brk.lower()
            else:
                self.report.warning(node.pos, f"break={brk!r} is not a break value: FreeSWITCH "
                                    "treats it as on-false")
        mode = a.get("regex")
        if mode is not None:
            cond.regex_mode = mode.lower() if mode.lower() in ("all", "xor") else "any"
            if mode.lower() not in ("all", "xor", "any"):
                self.report.warning(node.pos, f"regex={mode!r} is not all, any or xor: "
                                    "FreeSWITCH treats it as any")
        if "require-nested" in a:
            cond.require_nested = switch_true(a["require-nested"])
        cond.time = {k: a[k] for k in TIME_ATTRS if k in a}
        expression_child = None
        for child in node.children:
            if isinstance(child, XComment):
                cond.comments.append(child)
            elif child.tag == "action":
                cond.actions.extend(self.action(child, anti=False))
            elif child.tag == "anti-action":
                cond.anti_actions.extend(self.action(child, anti=True))
            elif child.tag == "condition":
                cond.children.append(self.condition(child))
            elif child.tag == "regex":
                cond.regexes.append(self.regex(child))
            elif child.tag == "expression":
                if expression_child is None:
                    expression_child = child
            else:
                self.unknown(child, "condition")
        if cond.regex_mode is None:
            cond.expression = expression_child.text if expression_child is not None \
                else a.get("expression", "")
            if cond.regexes:
                self.report.warning(node.pos, "<regex> children without a regex= attribute on "
                                    "the condition are ignored by FreeSWITCH")
        if _stray(node.text):
            cond.comments.append(XComment(" ".join(node.text.split()), node.pos))
            self.report.note(node.pos, "text inside <condition> is ignored by FreeSWITCH "
                             "(kept as a comment)")
        return cond

    def regex(self, node: XNode) -> Regex:
        self.attrs(node)
        a = node.attrs
        expression = a.get("expression", "")
        for child in node.elements:
            if child.tag == "expression":
                expression = child.text
                break
            self.unknown(child, "regex")
        return Regex(a.get("field"), expression, {k: a[k] for k in TIME_ATTRS if k in a}, node.pos)

    def action(self, node: XNode, anti: bool) -> list[Action]:
        self.attrs(node)
        for child in node.elements:
            self.unknown(child, node.tag)
        a = node.attrs
        app = a.get("application", "")
        if not app:
            self.report.error(node.pos, f"<{node.tag}> without an application")
            return []
        data = node.text if node.text.strip() else a.get("data", "")
        count = 1
        if "loop" in a:
            count = atoi(a["loop"])
            if count > MAX_LOOP:
                self.report.untranslated(node.pos, f"loop={a['loop']!r}: more than {MAX_LOOP} "
                                         f"copies; {MAX_LOOP} are written")
                count = MAX_LOOP
        one = Action(app, data, switch_true(a.get("inline")), anti, node.pos)
        return [one] * max(count, 0)


def _stray(text: str) -> bool:
    return bool(text.strip())


def build(roots: list[XNode], report: Report) -> Dialplans:
    """The dialplans in ``roots`` (pre-processed files, in the order given)."""
    builder = _Builder(report)
    for root in roots:
        builder.top(root)
    return builder.out
