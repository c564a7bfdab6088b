"""Serve in the foreground until SIGINT or SIGTERM, then stop gracefully.

Shared by the inbound ``Service`` and the outbound ``OutboundService``: both are stopped
the same way by a terminal's Ctrl-C and by systemd's SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable


def run_until_signalled(serve: Callable[[], Awaitable[None]],
                        stop: Callable[[], Awaitable[object]]) -> None:
    """``asyncio.run(serve())``, with SIGINT and SIGTERM starting ``stop()``; blocks."""

    async def main() -> None:
        loop = asyncio.get_running_loop()
        stopping: list[asyncio.Task[object]] = []  # kept referenced until done
        for sig in (signal.SIGINT, signal.SIGTERM):
            # Outside the main thread signals cannot be caught: the caller stops us.
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, lambda: stopping.append(loop.create_task(stop())))
        await serve()

    asyncio.run(main())
