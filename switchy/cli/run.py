"""``switchy run FILE``: route every call of a cluster with a .swr dialplan.

``--host H[:PORT]`` (repeatable) runs against real FreeSWITCH nodes until interrupted;
the password comes from ``--password-file``, ``$SWITCHY_PASSWORD`` or
``$SWITCHY_PASSWORD_FILE`` (never from the command line). ``--emulate N`` is the
embedded default: N emulated nodes in this process, a mix of calls made up from the
dialplan's own routes driven through them, a live progress display and a summary.
Either way, editing the dialplan while it runs reloads it (a version with errors is
refused and the running one kept).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from switchy.cli.check import excerpt
from switchy.dialplan.build import Build
from switchy.dialplan.runtime.app import DialplanApp, DialplanError
from switchy.dialplan.runtime.callmix import PlannedCall, plan
from switchy.dialplan.runtime.engine import RoutingOutcome
from switchy.esl import AccessDenied, AuthenticationError
from switchy.hosts import parse_host, resolve_password
from switchy.service import Service
from switchy.session import Session


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run", help="route a cluster's calls with a .swr dialplan (or an emulated cluster)",
        description="Run .swr dialplans against FreeSWITCH nodes over ESL (--host), or "
        "against N emulated nodes with a generated mix of calls (--emulate N). The "
        "dialplan is reloaded when its files change.")
    p.add_argument("paths", nargs="+", metavar="FILE", help=".swr file or directory")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--host", action="append", metavar="H[:PORT]",
                        help="a FreeSWITCH node's event socket (repeatable; port 8021)")
    target.add_argument("--emulate", type=int, metavar="N",
                        help="run N emulated FreeSWITCH nodes in this process instead")
    p.add_argument("--password-file", metavar="F",
                   help="file holding the ESL password (else $SWITCHY_PASSWORD, "
                   "$SWITCHY_PASSWORD_FILE or ClueCon)")
    p.add_argument("--calls", type=int, default=12, metavar="K",
                   help="with --emulate: how many calls to drive (12)")
    p.add_argument("--concurrency", type=int, default=4, metavar="C",
                   help="with --emulate: calls in progress at once (4)")
    p.add_argument("--seed", type=int, metavar="S",
                   help="seed for randint() / random() and for the call mix")
    p.add_argument("--no-reload", dest="reload", action="store_false",
                   help="do not watch the files for changes")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    out = sys.stdout
    try:
        hosts = [parse_host(h) for h in args.host] if args.host else []
        password = resolve_password(None, args.password_file) if args.host else None
    except ValueError as exc:
        print(f"switchy run: {exc}", file=sys.stderr)
        return 2
    if args.emulate is not None and args.emulate < 1:
        print("switchy run: --emulate needs at least 1 node", file=sys.stderr)
        return 2
    try:
        app = DialplanApp(args.paths, seed=args.seed, on_reload=lambda b: report_reload(b, out))
    except DialplanError as exc:
        report(exc.diagnostics, None)
        print("switchy run: the dialplan has errors (see switchy check)", file=sys.stderr)
        return 1
    if args.emulate is not None:
        return asyncio.run(run_emulated(app, args, out))
    return asyncio.run(run_cluster(app, hosts, password, args, out))


def report(diagnostics, result: Build | None) -> None:
    texts = result.program.texts if result is not None else {}
    for d in diagnostics:
        if d.is_error:
            print(d.format(), file=sys.stderr)
            snippet = excerpt(texts.get(d.span.file), d)
            if snippet:
                print(snippet, file=sys.stderr)


def report_reload(result: Build, out) -> None:
    if result.ok:
        print("dialplan changed: reloaded; new calls use the new version", file=out, flush=True)
    else:
        report(result.diagnostics, result)
        print("dialplan changed but has errors: still running the previous version",
              file=sys.stderr, flush=True)


def describe(sess: Session, outcome: RoutingOutcome) -> str:
    routes = ", ".join(outcome.routes) or "-"
    dest = sess.get("Caller-Destination-Number", "")
    text = f"{sess.host} {sess.uuid[:8]} {dest} → {outcome.dialplan or '-'}: {routes} ({outcome.result}"
    if outcome.cause:
        text += f", {outcome.cause}"
    if outcome.error:
        text += f": {outcome.error}"
    return text + ")"


# -- a real cluster -----------------------------------------------------------------------


async def run_cluster(app: DialplanApp, hosts, password: str | None, args: argparse.Namespace,
                      out) -> int:
    app.on_outcome = lambda sess, outcome: print(describe(sess, outcome), file=out, flush=True)
    service = Service([(h.host, h.port) for h in hosts], password=password)
    service.apps.load_app(app, app_id="default")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    watcher = loop.create_task(app.watch()) if args.reload else None
    names = ", ".join(f"{h.host}:{h.port}" for h in hosts)
    failures = {node: exc for node, exc in (await service.connect_once()).items() if exc is not None}
    for exc in failures.values():
        print(f"switchy run: {exc}", file=sys.stderr, flush=True)
    fatal = [exc for exc in failures.values() if isinstance(exc, (AuthenticationError, AccessDenied))]
    if fatal or len(failures) == len(service.nodes):
        if watcher is not None:
            watcher.cancel()
        await service.stop()
        return 1
    if failures:
        print(f"switchy run: will keep retrying {len(failures)} node(s) in the background",
              file=sys.stderr, flush=True)
    print(f"routing calls of {names} with {', '.join(args.paths)}; Ctrl-C to stop",
          file=out, flush=True)
    await service.start()
    try:
        await stop.wait()
    finally:
        if watcher is not None:
            watcher.cancel()
        await service.stop()
    return 0


# -- the emulated cluster ----------------------------------------------------------------------


@dataclass
class CallRecord:
    number: int
    planned: PlannedCall
    node: str = ""
    uuid: str = ""
    outcomes: list[RoutingOutcome] = field(default_factory=list)
    hangup_cause: str = ""
    detail: str = ""
    problem: str = ""

    @property
    def result(self) -> str:
        if self.problem:
            return "driver error"
        return self.outcomes[-1].result if self.outcomes else "not routed"

    @property
    def routes(self) -> list[str]:
        return [f"{o.dialplan}: {r}" for o in self.outcomes for r in o.routes]


class _ProgressLog(logging.Handler):
    """Log lines (a dialplan's ``log()`` included) go through the progress display."""

    def __init__(self, progress: Progress) -> None:
        super().__init__(logging.getLogger().level or logging.WARNING)
        self.progress = progress
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.progress.note(self.format(record))


@contextlib.contextmanager
def _logging_through(progress: Progress):
    root = logging.getLogger()
    saved = root.handlers[:]
    handler = _ProgressLog(progress)
    root.handlers = [handler]
    try:
        yield
    finally:
        root.handlers = saved


class Progress:
    """One line per finished call; on a terminal, a bar that stays at the bottom."""

    def __init__(self, total: int, out) -> None:
        self.total = total
        self.out = out
        self.done = 0
        self.active = 0
        self.results: Counter[str] = Counter()
        self.tty = out.isatty()

    def bar(self) -> str:
        width = 24
        filled = width * self.done // max(self.total, 1)
        counts = "  ".join(f"{k} {v}" for k, v in sorted(self.results.items()))
        return (f"[{'#' * filled}{'-' * (width - filled)}] {self.done}/{self.total} calls, "
                f"{self.active} in progress  {counts}")

    def redraw(self) -> None:
        if self.tty:
            self.out.write(f"\r\033[K{self.bar()}")
            self.out.flush()

    def started(self) -> None:
        self.active += 1
        self.redraw()

    def finished(self, record: CallRecord) -> None:
        self.done += 1
        self.active -= 1
        self.results[record.result] += 1
        routes = ", ".join(record.routes) or "no route"
        line = (f"[{self.done:>{len(str(self.total))}}/{self.total}] {record.node}  "
                f"{record.planned.purpose}: {record.result} via {routes}; "
                f"{record.hangup_cause or 'up'}{', ' + record.detail if record.detail else ''}")
        if record.problem:
            line += f" ({record.problem})"
        if self.tty:
            self.out.write(f"\r\033[K{line}\n{self.bar()}")
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def note(self, line: str) -> None:
        """A log line, printed above the bar."""
        if self.tty:
            self.out.write(f"\r\033[K{line}\n{self.bar()}")
        else:
            self.out.write(line + "\n")
        self.out.flush()

    def close(self) -> None:
        if self.tty:
            self.out.write("\r\033[K")
            self.out.flush()


async def run_emulated(app: DialplanApp, args: argparse.Namespace, out) -> int:
    from switchy.emulator import EmulatedCluster

    graph = app.runtime.graph
    calls = plan(graph, args.calls, seed=args.seed)
    if not calls:
        print("switchy run: the dialplan has no routes to drive calls through", file=sys.stderr)
        return 1
    routed: dict[str, list[RoutingOutcome]] = defaultdict(list)
    events: dict[str, asyncio.Event] = defaultdict(asyncio.Event)

    def on_outcome(sess: Session, outcome: RoutingOutcome) -> None:
        routed[sess.uuid].append(outcome)
        events[sess.uuid].set()

    app.on_outcome = on_outcome
    async with EmulatedCluster(nodes=args.emulate, time_scale=0.01) as cluster:
        print(f"{args.emulate} emulated FreeSWITCH node{'s' if args.emulate != 1 else ''} "
              f"({', '.join(cluster.hosts)}); routing {len(calls)} calls with "
              f"{', '.join(args.paths)}", file=out, flush=True)
        service = Service(cluster.hosts, password=cluster.nodes[0].password)
        service.apps.load_app(app, app_id="default")
        await service.start(wait=5)
        watcher = asyncio.get_running_loop().create_task(app.watch()) if args.reload else None
        progress = Progress(len(calls), out)
        limit = asyncio.Semaphore(max(1, args.concurrency))
        records = [CallRecord(i + 1, planned) for i, planned in enumerate(calls)]

        async def drive(record: CallRecord) -> None:
            node = cluster.nodes[(record.number - 1) % len(cluster.nodes)]
            record.node = node.name
            async with limit:
                progress.started()
                try:
                    await place_and_finish(node, record, events, routed)
                except (TimeoutError, RuntimeError, OSError) as exc:
                    record.problem = str(exc) or type(exc).__name__
            progress.finished(record)

        try:
            with _logging_through(progress):
                await asyncio.gather(*(drive(r) for r in records))
        finally:
            progress.close()
            if watcher is not None:
                watcher.cancel()
            await service.stop()
    print_summary(records, out)
    return 1 if any(r.result in ("error", "driver error", "not routed") for r in records) else 0


async def place_and_finish(node, record: CallRecord, events, routed) -> None:
    """Place the call, let the dialplan route it, then hang up as the caller would.

    Routing a bridged call lasts as long as the bridge (like a FreeSWITCH extension),
    so the caller hangs up after a moment whether or not routing has finished."""
    ch = await node.place_call(**record.planned.place_kwargs())
    record.uuid = ch.uuid
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(TALK_TIME):
            await events[ch.uuid].wait()
    # A transfer parks the call again and switchy routes it once more: give it time.
    with contextlib.suppress(TimeoutError):
        await ch.wait_hangup(timeout=TALK_TIME)
    if not ch.ended:
        ch.remote_hangup("NORMAL_CLEARING")
        await ch.wait_hangup(timeout=5)
    async with asyncio.timeout(10):  # each park is one routing; each ends once its last
        while len(routed[ch.uuid]) < max(1, ch.history.count("CHANNEL_PARK")):  # command does
            events[ch.uuid].clear()
            await events[ch.uuid].wait()
    record.outcomes = list(routed.get(ch.uuid, []))
    record.hangup_cause = ch.hangup_cause or ""
    details = []
    if ch.responded:
        details.append(f"responded {ch.responded}")
    if ch.bridges:
        details.append(f"bridged to {ch.bridges[-1].target}")
    if ch.transfers:
        details.append(f"transferred to {ch.transfers[-1]}")
    if ch.played:
        details.append(f"played {len(ch.played)} file{'s' if len(ch.played) != 1 else ''}")
    record.detail = ", ".join(details)


TALK_TIME = 0.3  # seconds a demo call stays up once routed (media times are scaled down)


def table(title: str, headings: list[str], rows: list[list[object]]) -> list[str]:
    cells = [headings] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headings))]

    def line(row: list[str]) -> str:
        first = row[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        return "  " + "  ".join([first, *rest]).rstrip()

    return [title, line(cells[0]), "  " + "-" * (sum(widths) + 2 * (len(widths) - 1)),
            *(line(r) for r in cells[1:])]


def print_summary(records: list[CallRecord], out) -> None:
    by_route: Counter[str] = Counter()
    for r in records:
        for route in r.routes or ["(no route ran)"]:
            by_route[route] += 1
    lines = [""]
    lines += table("calls per route", ["route", "calls"],
                   [[k, v] for k, v in sorted(by_route.items())])
    results = sorted({r.result for r in records})
    by_node: dict[str, Counter[str]] = defaultdict(Counter)
    for r in records:
        by_node[r.node][r.result] += 1
    lines.append("")
    lines += table("calls per node", ["node", "calls", *results],
                   [[n, sum(c.values()), *(c[x] for x in results)]
                    for n, c in sorted(by_node.items())])
    outcomes: Counter[tuple[str, str]] = Counter((r.result, r.hangup_cause or "-") for r in records)
    lines.append("")
    lines += table("outcomes", ["routing", "hangup cause", "calls"],
                   [[res, cause, n] for (res, cause), n in sorted(outcomes.items())])
    lines.append("")
    lines.append(f"{len(records)} calls, {sum(r.result == 'routed' for r in records)} routed")
    print("\n".join(lines), file=out, flush=True)
