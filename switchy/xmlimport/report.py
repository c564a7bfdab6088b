"""What an import found: every problem and everything not translated, with file:line.

One list for the whole run, printed by ``switchy import`` and read by tests. Kinds:

- ``error``: the XML itself is wrong (not well-formed, an unknown element, a regex
  Python cannot read); the part it affects is not translated;
- ``untranslated``: valid XML whose meaning ``.swr`` cannot express; it is left visibly
  in the output (a marked comment, or a generic ``execute``);
- ``warning``: translated, but note it (FreeSWITCH ignores it, or reads it oddly);
- ``note``: for information.

An import "translated everything" when it has no ``error`` and no ``untranslated``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = ("error", "untranslated", "warning", "note")


@dataclass(frozen=True)
class Pos:
    """A place in an XML file (1-based line)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True)
class Issue:
    pos: Pos
    kind: str  # one of KINDS
    message: str

    def format(self) -> str:
        return f"{self.pos}: {self.kind}: {self.message}"


@dataclass
class Report:
    issues: list[Issue] = field(default_factory=list)

    def add(self, pos: Pos, kind: str, message: str) -> Issue:
        if kind not in KINDS:  # pragma: no cover - a programming error
            raise ValueError(kind)
        issue = Issue(pos, kind, message)
        if issue not in self.issues:
            self.issues.append(issue)
        return issue

    def error(self, pos: Pos, message: str) -> Issue:
        return self.add(pos, "error", message)

    def untranslated(self, pos: Pos, message: str) -> Issue:
        return self.add(pos, "untranslated", message)

    def warning(self, pos: Pos, message: str) -> Issue:
        return self.add(pos, "warning", message)

    def note(self, pos: Pos, message: str) -> Issue:
        return self.add(pos, "note", message)

    def of_kind(self, *kinds: str) -> list[Issue]:
        return [i for i in self.issues if i.kind in kinds]

    @property
    def complete(self) -> bool:
        """True when everything was translated (no error, nothing left untranslated)."""
        return not self.of_kind("error", "untranslated")

    def sorted(self) -> list[Issue]:
        return sorted(self.issues, key=lambda i: (i.pos.file, i.pos.line, KINDS.index(i.kind)))

    def summary(self) -> str:
        counts = {k: len(self.of_kind(k)) for k in KINDS}
        parts = [f"{n} {k}{'s' if n != 1 and k != 'untranslated' else ''}"
                 for k, n in counts.items() if n]
        return ", ".join(parts) if parts else "everything translated"
