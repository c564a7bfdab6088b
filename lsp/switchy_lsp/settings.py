"""The server's settings, under ``switchy.*`` in the editor (see lsp/README.md).

Read from ``initializationOptions`` at start, then from ``workspace/configuration``
(section ``switchy``) whenever the client says the configuration changed. A value of the
wrong type is ignored with a log line, never fatal: a typo in settings.json must not
cost the user their diagnostics.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

LOG_LEVELS = ("error", "warning", "info", "debug")
# switchy.program: what a document is checked with. "directory": the .swr files of its
# directory and below, as `switchy check DIR` and `switchy run DIR` read them (so a
# handler in a sibling file is known); "file": the document and its includes alone, as
# `switchy check FILE`.
PROGRAM_SCOPES = ("directory", "file")


@dataclass
class Settings:
    # switchy.diagnostics.debounce: ms to wait after an edit before re-checking. Edits
    # arriving while a check runs are merged anyway, so 0 (check at once) suits most.
    debounce_ms: int = 0
    # switchy.server.logLevel: what the server writes to stderr (the editor's output pane).
    log_level: str = "warning"
    program: str = "directory"

    def update(self, options: Any) -> list[str]:
        """Take what ``options`` (the ``switchy`` object) sets; returns complaints."""
        problems: list[str] = []
        if not isinstance(options, dict):
            return problems if options is None else [f"switchy settings: expected an object, got {options!r}"]
        diagnostics = options.get("diagnostics")
        if isinstance(diagnostics, dict) and "debounce" in diagnostics:
            value = diagnostics["debounce"]
            if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 10_000:
                self.debounce_ms = int(value)
            else:
                problems.append(f"switchy.diagnostics.debounce: expected milliseconds (0-10000), got {value!r}")
        if "program" in options:
            value = options["program"]
            if value in PROGRAM_SCOPES:
                self.program = value
            else:
                problems.append(f"switchy.program: expected one of {', '.join(PROGRAM_SCOPES)}, got {value!r}")
        server = options.get("server")
        if isinstance(server, dict) and "logLevel" in server:
            value = server["logLevel"]
            if value in LOG_LEVELS:
                self.log_level = value
            else:
                problems.append(f"switchy.server.logLevel: expected one of {', '.join(LOG_LEVELS)}, got {value!r}")
        return problems

    @property
    def logging_level(self) -> int:
        return getattr(logging, self.log_level.upper())

    def apply_log_level(self) -> None:
        """switchy's own logs at the chosen level; pygls's (every message sent, at info)
        only at debug, or the output pane drowns."""
        logging.getLogger("switchy_lsp").setLevel(self.logging_level)
        logging.getLogger("pygls").setLevel(logging.DEBUG if self.log_level == "debug"
                                            else logging.WARNING)
