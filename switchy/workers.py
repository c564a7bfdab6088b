"""Running plain (blocking) user code off the event loop, with a deadline that holds.

Route functions written as plain ``def`` may block or loop forever. They run in a
bounded pool of worker threads so the event loop keeps serving every other call, and
when one overruns its deadline the waiting side gives up *and* the thread is told to
stop: ``RouteTimeout`` is raised inside it at its next Python instruction (a call
blocked in C, such as ``time.sleep``, sees it when that call returns). A thread that
never executes Python again stays lost, and is counted.
"""

from __future__ import annotations

import asyncio
import ctypes
import functools
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

log = logging.getLogger("switchy.workers")


class RouteTimeout(Exception):
    """Raised inside user code that ran past its deadline."""


class Workers:
    """A bounded thread pool for plain user functions, with enforced deadlines."""

    def __init__(self, threads: int = 32, name: str = "switchy-route") -> None:
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix=name)
        self.interrupted = 0  # threads told to stop after a deadline

    async def call(self, func: Callable[..., Any], *args: Any, timeout: float | None, **kwargs: Any) -> Any:
        """``func(*args, **kwargs)`` in a worker thread; TimeoutError after ``timeout`` s."""
        state: dict[str, Any] = {}

        def run() -> Any:
            state["thread"] = threading.get_ident()
            try:
                return func(*args, **kwargs)
            finally:
                state["done"] = True

        future = asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(run))
        try:
            async with asyncio.timeout(timeout):
                return await future
        except (TimeoutError, asyncio.CancelledError):
            # Nobody waits for the result any more (deadline, or the caller gave up).
            thread = state.get("thread")
            if thread is not None and not state.get("done"):
                self.interrupted += 1
                interrupt(thread)
            raise

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def interrupt(thread_id: int) -> bool:
    """Raise ``RouteTimeout`` asynchronously in the thread ``thread_id``."""
    done = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(RouteTimeout))
    if done > 1:  # should never happen; undo rather than corrupt other threads
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), None)
        return False
    if not done:
        log.debug("thread %d already finished", thread_id)
    return done == 1
