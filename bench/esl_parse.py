"""Events per second delivered to user code: switchy's client against greenswitch, genesis
and switchio.

Each client runs with two handlers: ``name`` reads the event's name (a count of what the
client delivers) and ``six`` reads six headers per event, as an application that tracks
calls does (``HEADERS`` below; absent headers are read too: API and HEARTBEAT events have
no channel). switchy adds ``all``: every header decoded (``event.as_dict()``).

Every client receives the same stream of real FreeSWITCH frames (the plain events of
``tests/esl/vectors/real/*/``, repeated to N events) over loopback TCP from a blaster
thread in this process. Each client runs in a fresh subprocess, rounds interleave the
clients, and the table gives medians and ratios (machines here are noisy: compare rows
of one run, not runs). The clock starts when the blaster has written the subscription
reply and stops when the N-th event reaches the client's handler (CLOCK_MONOTONIC is
system-wide, so the two processes' stamps compare).

    python bench/esl_parse.py [--events 100000] [--rounds 3] [--runs switchy:six,greenswitch:six]

switchio 0.1.0a1 (the last release) does not import on Python 3.11: its package
``__init__`` imports ``loop.py``, which uses ``asyncio.coroutine``, and its
``InboundProtocol`` builds ``asyncio.Queue(loop=loop)``. Two shims let its own protocol
class run over TCP here: its modules are imported without the package ``__init__``, and
the protocol module sees an ``asyncio.Queue`` that ignores ``loop=``. Its
``Connection``/``EventLoop`` layers above the protocol are not used (they need more than
shims); what is measured is its socket reader, parser and event queue.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "esl" / "vectors" / "real"
CLIENTS = ["switchy", "greenswitch", "genesis", "switchio"]
PEERS = ["greenswitch", "genesis", "switchio"]
HANDLERS = ["name", "six"]
RUNS = [f"{client}:{handler}" for handler in HANDLERS for client in CLIENTS] + ["switchy:all"]
# What a call-tracking handler reads: present on most events, absent on some.
HEADERS = ("Event-Name", "Unique-ID", "Event-Date-Timestamp", "Channel-State",
           "Caller-Caller-ID-Number", "Caller-Destination-Number")


def load_stream(n_events: int) -> tuple[bytes, str]:
    frames = []
    for folder in sorted(p for p in REAL.iterdir() if p.is_dir()):
        for path in sorted(folder.glob("*_event_*.txt")):
            data = path.read_bytes()
            if b"Content-Type: text/event-plain\n" in data.split(b"\n\n", 1)[0] + b"\n":
                frames.append(data)
    stream = [frames[i % len(frames)] for i in range(n_events)]
    last = stream[-1].split(b"\n\n", 1)[1].split(b"\n", 1)[0].decode().split(": ", 1)[1]
    return b"".join(stream), last


class Blaster:
    """A minimal ESL server that writes the stream once a client subscribes."""

    def __init__(self, stream: bytes) -> None:
        self.stream = stream
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.t0: float | None = None
        self.done = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            conn, _ = self.sock.accept()
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.sendall(b"Content-Type: auth/request\n\n")
        buf = b""
        streaming = None
        while True:
            data = conn.recv(65536)
            if not data:
                return
            buf += data
            while b"\n\n" in buf:
                command, buf = buf.split(b"\n\n", 1)
                line = command.split(b"\n", 1)[0].decode().lower()
                if line.startswith("auth"):
                    conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK accepted\n\n")
                elif line.startswith(("event plain", "events plain")) and streaming is None:
                    conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK event listener enabled plain\n\n")
                    self.t0 = time.monotonic()
                    streaming = threading.Thread(target=self._blast, args=(conn,), daemon=True)
                    streaming.start()
                else:
                    # Replies while streaming would interleave mid-frame; the clients
                    # measured here send nothing else that needs a reply in time.
                    if streaming is None:
                        conn.sendall(b"Content-Type: command/reply\nReply-Text: +OK\n\n")

    def _blast(self, conn: socket.socket) -> None:
        view = memoryview(self.stream)
        chunk = 256 * 1024
        try:
            for i in range(0, len(view), chunk):
                conn.sendall(view[i : i + chunk])
        except OSError:
            pass
        self.done.set()


# -- children: one client each, in its own process -----------------------------------


def child_switchy(port: int, n: int, mode: str) -> dict:
    import asyncio

    from switchy.esl import InboundClient

    async def main() -> dict:
        done = asyncio.get_running_loop().create_future()
        count = 0
        found = 0
        last = ""

        def handler(event) -> None:
            nonlocal count, last, found
            count += 1
            last = event.name
            if mode == "six":
                for header in HEADERS:
                    if event.get(header) is not None:
                        found += 1
            elif mode == "all":
                found += len(event.as_dict())  # every header split and percent-decoded
            if count == n:
                done.set_result(time.monotonic())

        # Handlers only, no queue (as an application that uses handlers creates it).
        client = InboundClient("127.0.0.1", port, "ClueCon", reconnect=False, event_queue_size=0)
        client.add_handler("*", handler)
        await client.connect()
        await client.subscribe("ALL")
        t_end = await done
        return {"t_end": t_end, "count": count, "last": last, "found": found}

    return asyncio.run(main())


def child_greenswitch(port: int, n: int, mode: str) -> dict:
    from gevent import monkey

    monkey.patch_all()
    import gevent
    import greenswitch

    state = {"count": 0, "last": "", "t_end": None, "found": 0}

    def handler(event) -> None:
        state["count"] += 1
        headers = event.headers
        state["last"] = headers.get("Event-Name")
        if mode == "six":
            for header in HEADERS:
                if headers.get(header) is not None:
                    state["found"] += 1
        if state["count"] == n:
            state["t_end"] = time.monotonic()

    fs = greenswitch.InboundESL(host="127.0.0.1", port=port, password="ClueCon")
    fs.connect()
    fs.register_handle("*", handler)
    fs.send("events plain ALL")
    while state["t_end"] is None:
        gevent.sleep(0.01)
    return state


def child_genesis(port: int, n: int, mode: str) -> dict:
    import asyncio
    import logging

    logging.disable(logging.CRITICAL)
    from genesis import Consumer

    async def main() -> dict:
        done = asyncio.get_running_loop().create_future()
        state = {"count": 0, "last": "", "found": 0}
        app = Consumer("127.0.0.1", port, "ClueCon")

        @app.handle("*")
        async def handler(event) -> None:
            state["count"] += 1
            name = event.get("Event-Name")
            state["last"] = name[-1] if isinstance(name, list) else name
            if mode == "six":
                for header in HEADERS:
                    if event.get(header) is not None:
                        state["found"] += 1
            if state["count"] >= n and not done.done():
                done.set_result(time.monotonic())

        task = asyncio.create_task(app.start())
        t_end = await done
        task.cancel()
        return {**state, "t_end": t_end}

    return asyncio.run(main())


def _import_switchio_protocol():  # type: ignore[no-untyped-def]
    """switchio's ``protocol`` module with the two shims Python 3.11 needs (see the top)."""
    import asyncio
    import importlib.util
    import types

    spec = importlib.util.find_spec("switchio")
    if spec is None:
        raise RuntimeError("switchio is not installed: pip install -e '.[bench]'")
    package = types.ModuleType("switchio")  # shim 1: no package __init__ (asyncio.coroutine)
    package.__path__ = list(spec.submodule_search_locations or [])
    sys.modules["switchio"] = package
    from switchio import protocol

    class Queue(asyncio.Queue):  # shim 2: asyncio.Queue(loop=...) is refused since 3.10
        def __init__(self, maxsize: int = 0, *, loop: object = None) -> None:
            super().__init__(maxsize)

    shimmed = types.ModuleType("asyncio")
    shimmed.__dict__.update(asyncio.__dict__)
    shimmed.Queue = Queue  # type: ignore[attr-defined]
    protocol.asyncio = shimmed
    return protocol


def child_switchio(port: int, n: int, mode: str) -> dict:
    import asyncio
    import logging

    logging.disable(logging.CRITICAL)
    protocol = _import_switchio_protocol()

    async def main() -> dict:
        loop = asyncio.get_running_loop()
        _, prot = await loop.create_connection(
            lambda: protocol.InboundProtocol("127.0.0.1", "ClueCon", loop), "127.0.0.1", port)
        await prot.authenticate()
        await prot.sendrecv("event plain ALL")
        state = {"count": 0, "last": "", "found": 0}
        queue = prot.event_queue
        while state["count"] < n:
            event = await queue.get()  # switchio's consumers read this queue
            state["count"] += 1
            state["last"] = event.get("Event-Name")
            if mode == "six":
                for header in HEADERS:
                    if event.get(header) is not None:
                        state["found"] += 1
        return {**state, "t_end": time.monotonic()}

    return asyncio.run(main())


CHILDREN = {"switchy": child_switchy, "greenswitch": child_greenswitch, "genesis": child_genesis,
            "switchio": child_switchio}


def run_child(args: argparse.Namespace) -> None:
    client, mode = args.child.split(":")
    print(json.dumps(CHILDREN[client](args.port, args.events, mode)))


# -- the parent: blaster, rounds, table -------------------------------------------------


def measure(run: str, stream: bytes, n: int) -> tuple[float, float]:
    """(events/s, headers found per event) of one run in a fresh process."""
    blaster = Blaster(stream)
    out = subprocess.run(
        [sys.executable, __file__, "--child", run, "--port", str(blaster.port), "--events", str(n)],
        capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{run} failed:\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert blaster.t0 is not None
    # genesis splits some frames into two handler calls, so it counts >= N (see research).
    if result["count"] < n:
        raise RuntimeError(f"{run} delivered only {result['count']} of {n} events")
    return n / (result["t_end"] - blaster.t0), result["found"] / result["count"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--runs", default=",".join(RUNS), help="client:handler, comma-separated")
    parser.add_argument("--child")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    stream, _ = load_stream(args.events)
    runs = args.runs.split(",")
    rates: dict[str, list[float]] = {r: [] for r in runs}
    found: dict[str, float] = {}
    for round_no in range(args.rounds):
        for run in runs:
            rate, found[run] = measure(run, stream, args.events)
            rates[run].append(rate)
            print(f"round {round_no + 1}: {run:18s} {rate:>10,.0f} events/s", file=sys.stderr)
    mean_frame = len(stream) / args.events
    medians = {r: statistics.median(v) for r, v in rates.items()}
    print(f"\n{args.events:,} events per run, mean frame {mean_frame:,.0f} B, {args.rounds} rounds, "
          f"Python {sys.version.split()[0]}; x peer: against the fastest peer with the same handler")
    print(f"{'client:handler':20s} {'median ev/s':>12s} {'MB/s':>8s} {'min..max ev/s':>22s} "
          f"{'found/ev':>8s} {'x peer':>8s}")
    for run in runs:
        handler = run.split(":")[1]
        peers = [r for r in runs if r.split(":")[0] in PEERS and r.split(":")[1] == handler]
        fastest = max(peers, key=medians.__getitem__) if peers else None
        r = rates[run]
        row = (f"{run:20s} {medians[run]:>12,.0f} {medians[run] * mean_frame / 1e6:>8.1f} "
               f"{min(r):>10,.0f}..{max(r):<10,.0f} {found[run]:>8.2f}")
        if fastest:
            row += f" {medians[run] / medians[fastest]:>7.2f}x ({fastest})"
        print(row)


if __name__ == "__main__":
    main()
