"""The package's import structure: layers that form a DAG, no imports hidden in functions.

An import placed inside a function can hide a cycle between modules (each half looks
fine alone), and an ``if TYPE_CHECKING:`` import can too. So every import of every
module of ``switchy`` is read with ``ast`` — at the top, under ``TYPE_CHECKING`` and
inside function bodies alike — and the graph they form must have no cycle through
the modules checked here. An import inside a function is allowed only where it defers
an optional or heavy dependency, and its line says so with a comment containing
``defer``.

Both import packages of the project are held to it: ``switchy`` and the language
server's ``switchy_lsp``.
"""

from __future__ import annotations

import ast
import io
import tokenize
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

REPO = Path(__file__).resolve().parent.parent
PACKAGE_ROOTS = (REPO / "switchy", REPO / "lsp" / "switchy_lsp")

# Modules held to the rules: a dotted name covers that module and everything below it.
CHECKED = ("switchy", "switchy_lsp")


@dataclass(frozen=True)
class Import:
    """One import statement: the module it loads and where it stands."""

    target: str
    line: int
    in_function: bool
    deferred: bool  # its lines carry a comment containing "defer"


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path, root): path for root in PACKAGE_ROOTS
            for path in sorted(root.rglob("*.py"))}


def is_checked(name: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in CHECKED)


def _comments_by_line(source: str) -> dict[int, str]:
    comments: dict[int, str] = {}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments[token.start[0]] = token.string
    return comments


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name of ``from <...> import``, relative levels resolved."""
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imports_in(module: str, source: str, *, is_package: bool, known: set[str]) -> list[Import]:
    """Every module ``module`` imports, wherever the statement stands; ``known`` (the
    modules of switchy) tells ``from pkg import sub`` of a submodule from a name."""
    comments = _comments_by_line(source)
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.Lambda))
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                lines = range(child.lineno, (child.end_lineno or child.lineno) + 1)
                deferred = any("defer" in comments.get(n, "").lower() for n in lines)
                if isinstance(child, ast.Import):
                    targets = [alias.name for alias in child.names]
                else:
                    base = _resolve(module, is_package, child)
                    # ``from pkg import sub`` loads the submodule ``pkg.sub``
                    targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                               for alias in child.names]
                found.extend(Import(target, child.lineno, in_function, deferred)
                             for target in dict.fromkeys(targets))
            visit(child, inside)

    visit(ast.parse(source), False)
    return found


def import_graph() -> dict[str, list[Import]]:
    """What each module of switchy imports (other packages included)."""
    modules = all_modules()
    known = set(modules)
    return {name: imports_in(name, path.read_text(encoding="utf-8"),
                             is_package=path.name == "__init__.py", known=known)
            for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (or a self-import)."""
    g = nx.DiGraph([(a, b) for a, targets in graph.items() for b in targets])
    g.add_nodes_from(graph)
    return sorted(sorted(c) for c in nx.strongly_connected_components(g)
                  if len(c) > 1 or any(g.has_edge(n, n) for n in c))


def test_checked_modules_exist() -> None:
    modules = all_modules()
    for prefix in CHECKED:
        assert any(name == prefix or name.startswith(prefix + ".") for name in modules), \
            f"{prefix} names no module of switchy"


def test_no_import_cycle_through_the_checked_modules() -> None:
    imports = import_graph()
    graph = {name: {imp.target for imp in found if imp.target in imports}
             for name, found in imports.items()}
    tangled = [component for component in cycles(graph)
               if any(is_checked(name) for name in component)]
    assert tangled == [], "import cycles (TYPE_CHECKING and in-function imports count):\n" + \
        "\n".join(" <-> ".join(component) for component in tangled)


def test_no_import_inside_a_function_unless_it_defers_a_dependency() -> None:
    hidden = [f"{name}:{imp.line} imports {imp.target}"
              for name, imports in import_graph().items() if is_checked(name)
              for imp in imports if imp.in_function and not imp.deferred]
    assert hidden == [], "imports inside functions (mark a deliberate one '# defer: why'):\n" + \
        "\n".join(hidden)


def test_the_checks_see_what_they_must() -> None:
    """The parser finds imports under TYPE_CHECKING and in functions, and cycles."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from . import b\n"
        "def f():\n"
        "    from .c import x\n"
        "    import switchy.d  # defer: heavy\n"
        "    import graphviz\n"
    )
    known = {"switchy.emulator.b", "switchy.emulator.c", "switchy.d"}
    found = imports_in("switchy.emulator.probe", source, is_package=False, known=known)
    assert [(i.target, i.in_function, i.deferred) for i in found] == [
        ("typing", False, False),
        ("switchy.emulator.b", False, False),
        ("switchy.emulator.c", True, False),
        ("switchy.d", True, True),
        ("graphviz", True, False),
    ]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"a"}, "b": set()}) == [["a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []
