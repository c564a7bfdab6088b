"""Running plain (blocking) user code off the event loop, with a deadline that holds.

Route functions written as plain ``def`` may block or loop forever. They run in a
bounded pool of worker threads so the event loop keeps serving every other call, and
when one overruns its deadline the waiting side gives up *and* the thread is told to
stop: ``RouteTimeout`` is raised inside it at its next Python instruction (a call
blocked in C, such as ``time.sleep``, sees it when that call returns). A thread that
never executes Python again stays lost, and is counted.

The hop costs the event loop as little as it can, because at thousands of calls per
second it is paid by every call: one queue put to reach a worker, and the way back
through a per-loop ``LoopInbox`` that wakes the loop once for everything the workers
finished (and every command a route issued) since it last looked, instead of once per
item. (``run_in_executor`` costs a concurrent future, a wrapping asyncio future and a
self-pipe write per call, and the wake-ups of many threads contend for the GIL with the
loop.)
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import threading
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

log = logging.getLogger("switchy.workers")


class RouteTimeout(Exception):
    """Raised inside user code that ran past its deadline."""


class LoopInbox:
    """Hand callbacks from other threads to one event loop, in the order they came.

    Like ``loop.call_soon_threadsafe`` for each item, but a burst of items costs one
    wake-up of the loop: the first item of a batch schedules a drain, later ones join it.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._lock = threading.Lock()
        self._items: deque[tuple[Callable[..., object], tuple[Any, ...]]] = deque()
        self._scheduled = False

    def put(self, callback: Callable[..., object], *args: Any) -> None:
        """Run ``callback(*args)`` on the loop soon; RuntimeError if the loop is closed."""
        with self._lock:
            self._items.append((callback, args))
            if self._scheduled:
                return
            self._scheduled = True
        try:
            self._loop.call_soon_threadsafe(self._drain)
        except RuntimeError:  # the loop is closed: nothing will ever drain
            with self._lock:
                self._items.clear()
                self._scheduled = False
            raise

    def _drain(self) -> None:
        with self._lock:
            items, self._items = self._items, deque()
            self._scheduled = False
        for callback, args in items:
            try:
                callback(*args)
            except Exception:  # one bad callback must not drop the others of the batch
                log.exception("callback %r from a worker thread failed", callback)


_INBOXES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LoopInbox] = weakref.WeakKeyDictionary()
_INBOXES_LOCK = threading.Lock()


def loop_inbox(loop: asyncio.AbstractEventLoop) -> LoopInbox:
    """The one ``LoopInbox`` of ``loop`` (one per loop keeps cross-thread order)."""
    inbox = _INBOXES.get(loop)
    if inbox is None:
        with _INBOXES_LOCK:
            inbox = _INBOXES.get(loop)
            if inbox is None:
                inbox = _INBOXES[loop] = LoopInbox(loop)
    return inbox


class _Job:
    """One call of user code: what to run, where to answer, and which thread runs it."""

    __slots__ = ("args", "func", "future", "inbox", "kwargs", "lock", "thread")

    def __init__(self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any],
                 future: asyncio.Future[Any], inbox: LoopInbox) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.future = future
        self.inbox = inbox
        self.lock = threading.Lock()
        self.thread: int | None = None  # set while the user code runs


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():  # the waiting side gave up (deadline, cancelled)
        return
    if error is None:
        future.set_result(result)
    elif isinstance(error, StopIteration):  # a future refuses it; keep the news
        future.set_exception(RuntimeError(f"route raised {error!r}"))
    else:
        future.set_exception(error)


class Workers:
    """A bounded thread pool for plain user functions, with enforced deadlines.

    Few wake-ups: a job goes to a worker that is already awake if there is one, and a
    worker runs queued jobs one after another while it holds the GIL; it wakes one more
    worker before each job while others wait behind it, so a job that blocks never holds
    up the queue (up to ``threads`` of them may block at once).
    """

    def __init__(self, threads: int = 32, name: str = "switchy-route") -> None:
        self._max_threads = threads
        self._name = name
        self._lock = threading.Lock()
        self._jobs: deque[_Job] = deque()
        self._ready = 0  # awake workers not running a job: they look at the queue before sleeping
        self._sleeping: list[threading.Lock] = []  # a sleeping worker waits on its own lock
        self._threads: list[threading.Thread] = []
        self._closed = False
        self.interrupted = 0  # threads told to stop after a deadline

    async def call(self, func: Callable[..., Any], *args: Any, timeout: float | None, **kwargs: Any) -> Any:
        """``func(*args, **kwargs)`` in a worker thread; TimeoutError after ``timeout`` s."""
        if self._closed:
            raise RuntimeError("cannot run user code after the workers were shut down")
        loop = asyncio.get_running_loop()
        job = _Job(func, args, kwargs, loop.create_future(), loop_inbox(loop))
        with self._lock:
            self._jobs.append(job)
            self._wake_one_locked()
        try:
            if timeout is None:
                return await job.future
            async with asyncio.timeout(timeout):
                return await job.future
        except (TimeoutError, asyncio.CancelledError):
            # Nobody waits for the result any more (deadline, or the caller gave up).
            job.future.cancel()
            with job.lock:
                if job.thread is not None:
                    self.interrupted += 1
                    interrupt(job.thread)
            raise

    def _wake_one_locked(self) -> None:
        """Make sure an awake worker will look at the queue (holding ``self._lock``)."""
        if self._ready:
            return
        if self._sleeping:
            self._ready += 1
            self._sleeping.pop().release()
        elif len(self._threads) < self._max_threads:
            self._ready += 1
            wake = threading.Lock()
            wake.acquire()
            thread = threading.Thread(target=self._serve, args=(wake,), name=f"{self._name}_{len(self._threads)}",
                                      daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, wake: threading.Lock) -> None:
        while True:
            try:
                with self._lock:
                    if self._closed:
                        self._ready -= 1
                        return
                    if not self._jobs:
                        self._ready -= 1
                        self._sleeping.append(wake)
                        job = None
                    else:
                        job = self._jobs.popleft()
                        self._ready -= 1
                        if self._jobs:  # others wait behind this one, which might block
                            self._wake_one_locked()
                if job is None:
                    wake.acquire()  # until a caller or shutdown counts us ready again
                    continue
                try:
                    self._run(job)
                finally:
                    with self._lock:
                        self._ready += 1
            except RouteTimeout:  # arrived just after the user code ended: already answered
                pass
            except BaseException:  # the pool must outlive anything user code does
                log.exception("worker thread error")

    @staticmethod
    def _run(job: _Job) -> None:
        if job.future.cancelled():  # given up while it waited in the queue
            return
        with job.lock:
            job.thread = threading.get_ident()
        error: BaseException | None = None
        result = None
        try:
            result = job.func(*job.args, **job.kwargs)
        except BaseException as exc:  # the route's own failure goes back to the caller
            error = exc
        with job.lock:
            job.thread = None
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is waiting
            job.inbox.put(_settle, job.future, result, error)

    def shutdown(self) -> None:
        """Stop taking work; queued calls are cancelled, running ones finish on their own."""
        with self._lock:
            self._closed = True
            jobs, self._jobs = self._jobs, deque()
            sleeping, self._sleeping = self._sleeping, []
            self._ready += len(sleeping)
        for wake in sleeping:
            wake.release()
        for job in jobs:
            with contextlib.suppress(RuntimeError):  # its loop is closed already
                job.inbox.put(job.future.cancel)


def interrupt(thread_id: int) -> bool:
    """Raise ``RouteTimeout`` asynchronously in the thread ``thread_id``."""
    done = ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), ctypes.py_object(RouteTimeout))
    if done > 1:  # should never happen; undo rather than corrupt other threads
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), None)
        return False
    if not done:
        log.debug("thread %d already finished", thread_id)
    return done == 1
