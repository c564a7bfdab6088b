"""From files to a route graph: load, check, compile — the one path every tool takes.

``simulate``, ``run``, the Service app (and its hot reload) and ``graph`` all call
``build``; a program with errors yields no graph, only its diagnostics.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from switchy.dialplan import diagnostics as dg
from switchy.dialplan.frontend.checker import check
from switchy.dialplan.frontend.loader import Program, expand_paths, load, load_text, read_source
from switchy.dialplan.frontend.parser import clean
from switchy.dialplan.graph.compiler import INDEX_THRESHOLD, compile_program


@dataclass
class Build:
    program: Program
    diagnostics: list[dg.Diagnostic]
    graph: nx.DiGraph | None  # None when there are errors
    signature: dict[str, tuple[int, int]] = field(default_factory=dict)  # file -> (mtime, size)

    @property
    def ok(self) -> bool:
        return self.graph is not None

    @property
    def errors(self) -> list[dg.Diagnostic]:
        return [d for d in self.diagnostics if d.is_error]


def build(paths: Iterable[str | Path], *, index_threshold: int | None = INDEX_THRESHOLD) -> Build:
    paths = list(paths)
    program = load(paths)
    return _finish(program, index_threshold, signature(program, paths))


def build_text(text: str, file: str = "<string>", *,
               index_threshold: int | None = INDEX_THRESHOLD) -> Build:
    return _finish(load_text(text, file), index_threshold, {})


def _finish(program: Program, index_threshold: int | None,
            sig: dict[str, tuple[int, int]]) -> Build:
    diagnostics = check(program)
    graph = None
    if not any(d.is_error for d in diagnostics):
        graph = compile_program(program, index_threshold=index_threshold)
    return Build(program, diagnostics, graph, sig)


def same_texts(previous: Build, paths: Iterable[str | Path] = ()) -> bool:
    """Do the files of ``paths`` read exactly as when ``previous`` was built, and no file
    came or went? (A save without an edit, a ``touch``: a reload has nothing to do.)"""
    if set(signature(previous.program, paths)) != set(previous.signature):
        return False
    for name, result in previous.program.files.items():
        try:
            text = read_source(Path(name))
        except OSError:
            return False
        if clean(text) != result.text:
            return False
    return True


def signature(program: Program, paths: Iterable[str | Path] = ()) -> dict[str, tuple[int, int]]:
    """What to compare to notice an edit: every file read (includes too) and every
    ``.swr`` file of the directories given (a new file joins the program)."""
    names = set(program.files)
    names.update(str(p) for p in expand_paths(paths))
    out: dict[str, tuple[int, int]] = {}
    for name in sorted(names):
        try:
            st = os.stat(name)
        except OSError:
            out[name] = (-1, -1)
            continue
        out[name] = (st.st_mtime_ns, st.st_size)
    return out
