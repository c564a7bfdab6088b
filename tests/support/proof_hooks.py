"""What the proof's victim controller runs: it claims calls and never routes them."""

from __future__ import annotations

import time


def hold_forever(sess, match, router):  # type: ignore[no-untyped-def]
    """Blocks its worker thread: the call stays claimed, parked and untouched (until this
    controller is killed and a survivor takes the call over)."""
    time.sleep(3600)
