"""Plain user code that blocks or loops forever is stopped at its deadline."""

from __future__ import annotations

import threading
import time

import pytest

from switchy.workers import RouteTimeout, Workers


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
