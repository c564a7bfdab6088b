"""The progress display of ``switchy run --emulate``: a line per call, a bar at the bottom."""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from collections.abc import Iterator
from typing import TextIO

from switchy.cli.summary import CallRecord


class _ProgressLog(logging.Handler):
    """Log lines (a dialplan's ``log()`` included) go through the progress display."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(logging.getLogger().level or logging.WARNING)
        self.progress = progress
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.progress.note(self.format(record))


@contextlib.contextmanager
def logging_through(progress: Progress) -> Iterator[None]:
    """Log records go through the display while it is up."""
    root = logging.getLogger()
    saved = root.handlers[:]
    handler = _ProgressLog(progress)
    root.handlers = [handler]
    try:
        yield
    finally:
        root.handlers = saved


class Progress:
    """One line per finished call; on a terminal, a bar that stays at the bottom."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total = total
        self.out = out
        self.done = 0
        self.active = 0
        self.results: Counter[str] = Counter()
        self.tty = out.isatty()

    def bar(self) -> str:
        width = 24
        filled = width * self.done // max(self.total, 1)
        counts = "  ".join(f"{k} {v}" for k, v in sorted(self.results.items()))
        return (f"[{'#' * filled}{'-' * (width - filled)}] {self.done}/{self.total} calls, "
                f"{self.active} in progress  {counts}")

    def redraw(self) -> None:
        if self.tty:
            self.out.write(f"\r\033[K{self.bar()}")
            self.out.flush()

    def started(self) -> None:
        self.active += 1
        self.redraw()

    def finished(self, record: CallRecord) -> None:
        self.done += 1
        self.active -= 1
        self.results[record.result] += 1
        routes = ", ".join(record.routes) or "no route"
        line = (f"[{self.done:>{len(str(self.total))}}/{self.total}] {record.node}  "
                f"{record.planned.purpose}: {record.result} via {routes}; "
                f"{record.hangup_cause or 'up'}{', ' + record.detail if record.detail else ''}")
        if record.problem:
            line += f" ({record.problem})"
        if self.tty:
            self.out.write(f"\r\033[K{line}\n{self.bar()}")
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def note(self, line: str) -> None:
        """A log line, printed above the bar."""
        if self.tty:
            self.out.write(f"\r\033[K{line}\n{self.bar()}")
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def close(self) -> None:
        if self.tty:
            self.out.write("\r\033[K")
            self.out.flush()
