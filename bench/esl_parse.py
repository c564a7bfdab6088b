"""Events per second delivered to user code: switchy's client against greenswitch and genesis.

Every client receives the same stream of real FreeSWITCH frames (the plain events of
``tests/esl/vectors/real/*/``, repeated to N events) over loopback TCP from a blaster
thread in this process. Each client runs in a fresh subprocess, rounds interleave the
clients, and the table gives medians and ratios (machines here are noisy: compare rows
of one run, not runs). The clock starts when the blaster has written the subscription
reply and stops when the N-th event reaches the client's handler (CLOCK_MONOTONIC is
system-wide, so the two processes' stamps compare).

    python bench/esl_parse.py [--events 100000] [--rounds 3]
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
CLIENTS = ["switchy", "switchy-decoded", "greenswitch", "genesis"]
PEERS = ["greenswitch", "genesis"]


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


def child_switchy(port: int, n: int, decode: bool) -> dict:
    import asyncio

    from switchy.esl import InboundClient

    async def main() -> dict:
        done = asyncio.get_running_loop().create_future()
        count = 0
        last = ""

        def handler(event) -> None:
            nonlocal count, last
            count += 1
            last = event.name
            if decode:
                event.as_dict()  # every header split and percent-decoded, as the peers do
            if count == n:
                done.set_result(time.monotonic())

        client = InboundClient("127.0.0.1", port, "ClueCon", reconnect=False)
        client.add_handler("*", handler)
        await client.connect()
        await client.subscribe("ALL")
        t_end = await done
        return {"t_end": t_end, "count": count, "last": last}

    return asyncio.run(main())


def child_greenswitch(port: int, n: int) -> dict:
    from gevent import monkey

    monkey.patch_all()
    import gevent
    import greenswitch

    state = {"count": 0, "last": "", "t_end": None}

    def handler(event) -> None:
        state["count"] += 1
        state["last"] = event.headers.get("Event-Name")
        if state["count"] == n:
            state["t_end"] = time.monotonic()

    fs = greenswitch.InboundESL(host="127.0.0.1", port=port, password="ClueCon")
    fs.connect()
    fs.register_handle("*", handler)
    fs.send("events plain ALL")
    while state["t_end"] is None:
        gevent.sleep(0.01)
    return state


def child_genesis(port: int, n: int) -> dict:
    import asyncio
    import logging

    logging.disable(logging.CRITICAL)
    from genesis import Consumer

    async def main() -> dict:
        done = asyncio.get_running_loop().create_future()
        state = {"count": 0, "last": ""}
        app = Consumer("127.0.0.1", port, "ClueCon")

        @app.handle("*")
        async def handler(event) -> None:
            state["count"] += 1
            name = event.get("Event-Name")
            state["last"] = name[-1] if isinstance(name, list) else name
            if state["count"] >= n and not done.done():
                done.set_result(time.monotonic())

        task = asyncio.create_task(app.start())
        t_end = await done
        task.cancel()
        return {**state, "t_end": t_end}

    return asyncio.run(main())


def run_child(args: argparse.Namespace) -> None:
    if args.child == "greenswitch":
        result = child_greenswitch(args.port, args.events)
    elif args.child == "genesis":
        result = child_genesis(args.port, args.events)
    else:
        result = child_switchy(args.port, args.events, decode=args.child == "switchy-decoded")
    print(json.dumps(result))


# -- the parent: blaster, rounds, table -------------------------------------------------


def measure(client: str, stream: bytes, n: int) -> float:
    blaster = Blaster(stream)
    out = subprocess.run(
        [sys.executable, __file__, "--child", client, "--port", str(blaster.port), "--events", str(n)],
        capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"{client} failed:\n{out.stderr[-2000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert blaster.t0 is not None
    # genesis splits some frames into two handler calls, so it counts >= N (see research).
    if result["count"] < n:
        raise RuntimeError(f"{client} delivered only {result['count']} of {n} events")
    return n / (result["t_end"] - blaster.t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", default=",".join(CLIENTS))
    parser.add_argument("--child")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.child:
        run_child(args)
        return
    stream, _ = load_stream(args.events)
    clients = args.clients.split(",")
    rates: dict[str, list[float]] = {c: [] for c in clients}
    for round_no in range(args.rounds):
        for client in clients:
            rates[client].append(measure(client, stream, args.events))
            print(f"round {round_no + 1}: {client:16s} {rates[client][-1]:>10,.0f} events/s", file=sys.stderr)
    mean_frame = len(stream) / args.events
    medians = {c: statistics.median(r) for c, r in rates.items()}
    peers = [c for c in PEERS if c in medians]
    fastest = max(peers, key=medians.__getitem__) if peers else None
    print(f"\n{args.events:,} events per run, mean frame {mean_frame:,.0f} B, {args.rounds} rounds, "
          f"Python {sys.version.split()[0]}")
    print(f"{'client':18s} {'median ev/s':>12s} {'MB/s':>8s} {'min..max ev/s':>22s}"
          + (f" {'x ' + fastest:>16s}" if fastest else ""))
    for client in clients:
        r = rates[client]
        row = (f"{client:18s} {medians[client]:>12,.0f} {medians[client] * mean_frame / 1e6:>8.1f} "
               f"{min(r):>10,.0f}..{max(r):<10,.0f}")
        if fastest:
            row += f" {medians[client] / medians[fastest]:>16.2f}"
        print(row)


if __name__ == "__main__":
    main()
