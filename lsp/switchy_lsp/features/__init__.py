"""One module per LSP feature; each has ``register(server)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from switchy_lsp.server import SwitchyLanguageServer

MODULES = (
    "configuration",
    "diagnostics",
    "completion",
    "hover",
    "navigation",
    "rename",
    "symbols",
    "semantic_tokens",
    "formatting",
    "code_actions",
    "commands",
)


def register_all(server: SwitchyLanguageServer) -> None:
    import importlib

    for name in MODULES:
        importlib.import_module(f"switchy_lsp.features.{name}").register(server)
