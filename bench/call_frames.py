"""CPU to read one call's events: frames split, events wrapped, name and uuid read.

The single-leg mix of ``bench/calls.py`` (13 captured events, ≈ 5 KB each, a fresh uuid
per call) is fed to one ``FrameParser`` in 64 KiB reads, as a socket delivers it; each
event frame becomes an ``Event`` and gives its name and uuid, as the client's dispatch
asks. Prints µs per call, median of ``--rounds`` [min..max]. Compare two trees by
putting one first on the path (``PYTHONPATH=/tmp/base python bench/call_frames.py``).

    python bench/call_frames.py [--calls 400] [--rounds 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from calls import MIXES, call_phases, fresh_uuids

from switchy.esl.events import event_from_frame
from switchy.esl.frames import FrameParser
from switchy.service import STANDARD_EVENTS

READ = 65536


def stream(calls: int) -> bytes:
    blob = b"".join(call_phases("single", set(STANDARD_EVENTS)))
    captured = MIXES["single"][1]
    out = []
    for i in range(calls):
        one = blob
        for old, new in zip(captured, fresh_uuids(i, len(captured)), strict=True):
            one = one.replace(old, new)
        out.append(one)
    return b"".join(out)


def one_round(reads: list[bytes], calls: int) -> tuple[float, float]:
    """µs per call: splitting only, and splitting plus the events' name and uuid."""
    start = time.perf_counter()
    parser = FrameParser()
    for data in reads:
        parser.feed(data)
    split = time.perf_counter() - start
    start = time.perf_counter()
    parser = FrameParser()
    for data in reads:
        for frame in parser.feed(data):
            event = event_from_frame(frame.headers["Content-Type"], frame.body)
            _ = event.name, event.uuid
    full = time.perf_counter() - start
    return split * 1e6 / calls, full * 1e6 / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    data = stream(args.calls)
    reads = [data[i : i + READ] for i in range(0, len(data), READ)]
    runs = [one_round(reads, args.calls) for _ in range(args.rounds)]
    for label, values in (("split", [r[0] for r in runs]), ("split+event+name+uuid", [r[1] for r in runs])):
        print(f"{label}: {statistics.median(values):.1f} µs/call [{min(values):.1f}..{max(values):.1f}]")


if __name__ == "__main__":
    main()
