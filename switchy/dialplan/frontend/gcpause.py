"""Pausing Python's cyclic garbage collector around bulk allocation.

Parsing and compiling a large dialplan allocate hundreds of thousands of small objects
that all stay alive. Every automatic collection would walk the whole growing heap again
(quadratic in the file's size) and find nothing to free, so those steps pause it.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
