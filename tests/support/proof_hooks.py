"""What the proof's victim controller runs: it takes half a second before routing a call."""

from __future__ import annotations

import time


def hold_a_while(sess, match, router, seconds: float = 0.5):  # type: ignore[no-untyped-def]
    """Blocks its worker thread before any command: while it does, the call is claimed,
    parked and untouched, so that a kill catches some calls in that state."""
    time.sleep(float(seconds))
