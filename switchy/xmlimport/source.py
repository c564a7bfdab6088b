"""Reading FreeSWITCH XML files: elements with their file:line, and the pre-processor.

The standard library's expat parser builds a small tree that keeps what the import needs
and ElementTree drops: the line of every element and the comments, in order. Then the
pre-processor does what FreeSWITCH does when it loads its configuration: an
``<X-PRE-PROCESS cmd="include" data="glob"/>`` is replaced by the elements of the files it
names (the children of their ``<include>`` root), ``cmd="set"`` defines a variable, and
``$${name}`` is replaced by its value in every attribute and text that follows.

Nothing here raises on a bad file: problems become ``error`` issues with file:line.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from switchy.xmlimport.report import Pos, Report

MAX_DEPTH = 200  # deeper nesting is refused (FreeSWITCH stops nested conditions at 100)
MAX_INCLUDES = 1000  # files read through X-PRE-PROCESS includes, in all
_PREPROCESSOR_VAR = re.compile(r"\$\$\{([^}]*)\}")


@dataclass
class XComment:
    text: str
    pos: Pos


@dataclass
class XNode:
    """One XML element: tag, attributes (in order), position, children and comments in
    document order, and the text directly inside it."""

    tag: str
    attrs: dict[str, str]
    pos: Pos
    children: list[XNode | XComment] = field(default_factory=list)
    text: str = ""
    end_line: int = 0

    @property
    def elements(self) -> list[XNode]:
        return [c for c in self.children if isinstance(c, XNode)]


def parse_file(path: Path, shown: str, report: Report) -> XNode | None:
    """The element tree of one file, or None (and an error issue) when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        report.error(Pos(shown, 1), f"cannot read {shown}: {exc.strerror or exc}")
        return None
    return parse_bytes(data, shown, report)


def parse_bytes(data: bytes, shown: str, report: Report) -> XNode | None:
    stack: list[XNode] = []
    root: list[XNode] = []
    top_comments: list[XComment] = []
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = XNode(tag, dict(attrs), Pos(shown, parser.CurrentLineNumber))
        if len(stack) >= MAX_DEPTH:
            raise _TooDeep(parser.CurrentLineNumber)
        if stack:
            stack[-1].children.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(tag: str) -> None:
        stack.pop().end_line = parser.CurrentLineNumber

    def chars(text: str) -> None:
        if stack:
            stack[-1].text += text

    def comment(text: str) -> None:
        c = XComment(text, Pos(shown, parser.CurrentLineNumber))
        if stack:
            stack[-1].children.append(c)
        else:
            top_comments.append(c)

    def doctype(*_args) -> None:
        raise _Refused(parser.CurrentLineNumber, "a DOCTYPE (entity declarations) is not read: "
                       "FreeSWITCH's configuration does not use one")

    parser.StartDoctypeDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.CommentHandler = comment
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        report.error(Pos(shown, exc.lineno or 1),
                     f"not well-formed XML: {expat.ErrorString(exc.code)} (column {exc.offset + 1})")
        return None
    except _TooDeep as exc:
        report.error(Pos(shown, exc.line), f"elements nested more than {MAX_DEPTH} deep")
        return None
    except _Refused as exc:
        report.error(Pos(shown, exc.line), exc.reason)
        return None
    except (RecursionError, MemoryError, ValueError) as exc:  # absurd input: never a traceback
        report.error(Pos(shown, 1), f"cannot read this XML: {type(exc).__name__}")
        return None
    if not root:  # pragma: no cover - expat reports an empty document itself
        report.error(Pos(shown, 1), "no XML element in this file")
        return None
    top = root[0]
    top.children[:0] = top_comments
    return top


class _TooDeep(Exception):
    def __init__(self, line: int) -> None:
        self.line = line


class _Refused(Exception):
    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason


@dataclass
class Preprocessor:
    """FreeSWITCH's loader: includes spliced in, ``set`` variables substituted."""

    report: Report
    variables: dict[str, str] = field(default_factory=dict)
    unresolved: set[str] = field(default_factory=set)
    files: list[str] = field(default_factory=list)
    _stack: list[str] = field(default_factory=list)

    def load(self, path: Path, shown: str | None = None) -> XNode | None:
        """Read ``path`` and pre-process it; None when it cannot be read."""
        shown = shown or str(path)
        key = os.path.realpath(path)
        if key in self._stack:
            self.report.error(Pos(shown, 1), f"{shown} includes itself (through "
                              f"{' -> '.join(Path(p).name for p in self._stack)})")
            return None
        if len(self.files) >= MAX_INCLUDES:
            self.report.error(Pos(shown, 1), f"more than {MAX_INCLUDES} files included")
            return None
        node = parse_file(path, shown, self.report)
        if node is None:
            return None
        self.files.append(shown)
        self._stack.append(key)
        try:
            self._process(node, path.parent, shown)
        finally:
            self._stack.pop()
        return node

    def substitute(self, text: str, pos: Pos) -> str:
        """``$${name}`` replaced by its value; unknown names stay (and are reported)."""
        if "$${" not in text:
            return text

        def value(m: re.Match) -> str:
            name = m.group(1)
            if name in self.variables:
                return self.variables[name]
            if name not in self.unresolved:
                self.unresolved.add(name)
            self.report.untranslated(pos, f"$${{{name}}} is a pre-processor variable without a "
                                     "value here (give its definition with --vars vars.xml)")
            return m.group(0)

        return _PREPROCESSOR_VAR.sub(value, text)

    def _process(self, node: XNode, base: Path, shown: str) -> None:
        node.attrs = {k: self.substitute(v, node.pos) for k, v in node.attrs.items()}
        node.text = self.substitute(node.text, node.pos)
        out: list[XNode | XComment] = []
        for child in node.children:
            if isinstance(child, XComment):
                out.append(child)
            elif child.tag == "X-PRE-PROCESS":
                out.extend(self._directive(child, base, shown))
            else:
                self._process(child, base, shown)
                out.append(child)
        node.children = out

    def _directive(self, node: XNode, base: Path, shown: str) -> list[XNode | XComment]:
        cmd = node.attrs.get("cmd", "")
        data = self.substitute(node.attrs.get("data", ""), node.pos)
        if cmd == "set":
            name, sep, value = data.partition("=")
            if not sep or not name.strip():
                self.report.warning(node.pos, f"X-PRE-PROCESS set needs name=value, not {data!r}")
            else:
                self.variables[name.strip()] = value
            return []
        if cmd == "include":
            return self._include(node, data, base)
        if cmd in ("exec-set", "env-set", "stun-set", "exec"):
            name = data.partition("=")[0].strip()
            self.report.note(node.pos, f"X-PRE-PROCESS {cmd} runs a command when FreeSWITCH "
                             f"loads; {name!r} gets no value here (give it with --vars)")
            return []
        self.report.warning(node.pos, f"unknown X-PRE-PROCESS cmd {cmd!r}: ignored")
        return []

    def _include(self, node: XNode, pattern: str, base: Path) -> list[XNode | XComment]:
        if not pattern:
            self.report.warning(node.pos, "X-PRE-PROCESS include without data")
            return []
        full = pattern if os.path.isabs(pattern) else str(base / pattern)
        try:
            matches = sorted(glob.glob(full))
        except (OSError, ValueError, re.error):
            matches = []
        if not matches:
            self.report.warning(node.pos, f"X-PRE-PROCESS include {pattern!r}: no file matches "
                                "(FreeSWITCH skips it too)")
            return []
        out: list[XNode | XComment] = []
        for match in matches:
            path = Path(match)
            if not path.is_file():
                continue
            included = self.load(path, _shown(path))
            if included is None:
                continue
            if included.tag == "include":
                out.extend(included.children)
            else:
                out.append(included)
        return out


def _shown(path: Path) -> str:
    """A path as the user will read it: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return str(path)


def read_variables(path: Path, report: Report) -> dict[str, str]:
    """The ``X-PRE-PROCESS cmd="set"`` variables of a vars.xml (and what it includes)."""
    pre = Preprocessor(report)
    pre.load(path, _shown(path))
    return dict(pre.variables)
