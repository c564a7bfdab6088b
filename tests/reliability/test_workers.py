"""Plain user code that blocks or loops forever is stopped at its deadline."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from switchy.workers import RouteTimeout, Workers, loop_inbox


async def test_a_busy_loop_is_interrupted_at_its_deadline():
    workers = Workers(2)
    seen = []

    def spin():
        try:
            while True:
                pass
        except RouteTimeout:
            seen.append("stopped")
            raise

    with pytest.raises(TimeoutError):
        await workers.call(spin, timeout=0.2)
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.01)
    assert seen == ["stopped"]
    assert workers.interrupted == 1
    # the pool still works
    assert (await workers.call(lambda: threading.current_thread().name, timeout=1)).startswith("switchy-route")


async def test_results_and_exceptions_pass_through():
    workers = Workers(1)
    assert await workers.call(lambda a, b=0: a + b, 1, b=2, timeout=1) == 3
    with pytest.raises(ZeroDivisionError):
        await workers.call(lambda: 1 / 0, timeout=1)
    assert workers.interrupted == 0


async def test_a_blocked_call_does_not_hold_up_the_calls_queued_behind_it():
    workers = Workers(4)
    release = threading.Event()
    blocked = asyncio.ensure_future(workers.call(release.wait, timeout=30))
    # queued at once, behind the one that blocks: each must still be served
    results = await asyncio.gather(*(workers.call(lambda i=i: i * 2, timeout=30) for i in range(50)))
    assert results == [i * 2 for i in range(50)]
    assert not blocked.done()
    release.set()
    assert await blocked is True
    assert workers.interrupted == 0


async def test_the_pool_never_grows_past_its_bound():
    workers = Workers(3)
    release = threading.Event()
    running = []

    def hold(i):
        running.append(threading.current_thread().name)
        release.wait()
        return i

    calls = [asyncio.ensure_future(workers.call(hold, i, timeout=30)) for i in range(6)]
    while len(running) < 3:
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    assert len(running) == 3  # the other three wait for a thread
    release.set()
    assert await asyncio.gather(*calls) == list(range(6))
    assert len({name for name in running}) == 3


async def test_shutdown_cancels_what_is_still_queued_and_refuses_new_work():
    workers = Workers(1)
    release, started = threading.Event(), threading.Event()

    def first_call() -> bool:
        started.set()
        return release.wait()

    first = asyncio.ensure_future(workers.call(first_call, timeout=30))
    queued = asyncio.ensure_future(workers.call(lambda: "never", timeout=30))
    assert await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
    workers.shutdown()
    release.set()
    assert await first is True  # a running call finishes on its own
    with pytest.raises(asyncio.CancelledError):
        await queued
    with pytest.raises(RuntimeError):
        await workers.call(lambda: 1, timeout=1)


async def test_a_cancelled_caller_stops_its_thread_and_the_pool_goes_on():
    workers = Workers(1)
    started, stopped = threading.Event(), threading.Event()

    def spin():
        started.set()
        try:
            while True:
                pass
        except RouteTimeout:
            stopped.set()
            raise

    task = asyncio.ensure_future(workers.call(spin, timeout=None))
    assert await asyncio.get_running_loop().run_in_executor(None, started.wait, 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.get_running_loop().run_in_executor(None, stopped.wait, 5)
    assert workers.interrupted == 1
    assert await workers.call(lambda: "again", timeout=5) == "again"


async def test_the_loop_inbox_keeps_the_order_of_items_from_every_thread():
    loop = asyncio.get_running_loop()
    inbox = loop_inbox(loop)
    assert loop_inbox(loop) is inbox  # one per loop: one order
    seen: list[tuple[int, int]] = []
    done = asyncio.Event()

    def producer(n: int) -> None:
        for i in range(200):
            inbox.put(seen.append, (n, i))

    threads = [threading.Thread(target=producer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    inbox.put(done.set)  # behind everything the producers put
    await done.wait()
    assert len(seen) == 800
    for n in range(4):  # each thread's items ran in the order it put them
        assert [i for m, i in seen if m == n] == list(range(200))


async def test_a_failing_inbox_callback_does_not_drop_the_rest_of_its_batch():
    loop = asyncio.get_running_loop()
    inbox = loop_inbox(loop)
    got = asyncio.Event()

    def put_both() -> None:
        inbox.put(lambda: 1 / 0)
        inbox.put(got.set)

    await loop.run_in_executor(None, put_both)
    await asyncio.wait_for(got.wait(), 5)
