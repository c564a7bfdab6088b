"""The one grammar, ``grammar/swr.lark``, and the Lark LALR parser built from it.

The grammar lives in ``grammar/swr.lark`` at the top of the repository; the wheel
carries it as ``switchy/grammar/swr.lark`` (pyproject force-include). An editable
install has no such copy, so the loader falls back to the source tree.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from lark import Lark

GRAMMAR_NAME = "swr.lark"


def grammar_path() -> Path:
    """Where swr.lark is: package data in a wheel, else ``<repo>/grammar/``."""
    try:
        packaged = resources.files("switchy").joinpath("grammar", GRAMMAR_NAME)
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):
        pass
    source_tree = Path(__file__).resolve().parents[3] / "grammar" / GRAMMAR_NAME
    if source_tree.is_file():
        return source_tree
    raise FileNotFoundError(
        f"switchy's grammar {GRAMMAR_NAME} is neither installed with the package nor in "
        f"the source tree ({source_tree}); reinstall switchy"
    )


def grammar_text() -> str:
    return grammar_path().read_text(encoding="utf-8")


@functools.cache
def lark_parser(strict: bool = False) -> Lark:
    """The LALR parser (built once per process; ``cache=True`` keeps later starts fast)."""
    options = dict(
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        start=["start", "fstring_expr"],
    )
    if strict:
        return Lark(grammar_text(), strict=True, **options)
    return Lark(grammar_text(), cache=True, **options)
