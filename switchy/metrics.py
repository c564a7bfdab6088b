"""Prometheus metrics and the health check of one switchy process.

``Metrics`` keeps switchy's metrics in a registry of its own (two services in one
process do not mix). What happens call by call is counted as it happens: calls by
dialplan, route and outcome (``switchy.routing.Result``), hangup causes, the time from a
call's park to its first command, commands sent and refused. What is a state is read
when Prometheus scrapes: each node's connection and reconnects, events dropped, claims
won, lost and taken over, dialplan reloads, an outbound listener and its calls.

``MetricsServer`` serves ``/metrics`` and ``/healthz`` over HTTP from a thread of its
own (prometheus_client's WSGI app on wsgiref), so a scrape or a health check is
answered even while the event loop is busy. ``/healthz`` says 200 while the process
serves calls (a node connected in inbound mode, the listener up in outbound mode) and
503 otherwise: an HAProxy ``httpchk`` or a systemd watchdog script can use it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, make_wsgi_app
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import ThreadingWSGIServer
from prometheus_client.registry import Collector

from .esl import State
from .hosts import parse_listen
from .routing import Result

log = logging.getLogger("switchy.metrics")

# park → first command: from well under a millisecond (emulated) to a slow route
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
CLAIM_RESULTS = ("won", "lost", "taken_over", "abandoned", "released")


class Metrics:
    """switchy's metrics; the Service or OutboundService that is given one feeds it."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.calls = Counter("switchy_calls", "Calls whose routing ended, by dialplan, routes run "
                             "and outcome", ["dialplan", "route", "outcome"], registry=self.registry)
        self.hangups = Counter("switchy_hangups", "Calls of this controller that ended, by hangup "
                               "cause", ["cause"], registry=self.registry)
        self.first_command = Histogram(
            "switchy_park_to_first_command_seconds", "From CHANNEL_PARK reaching switchy to the "
            "first command for that call", buckets=LATENCY_BUCKETS, registry=self.registry)
        self.commands_sent = Counter("switchy_commands_sent", "Commands sent for calls",
                                     registry=self.registry)
        self.commands_refused = Counter("switchy_commands_refused", "Commands FreeSWITCH refused "
                                        "or that could not be sent", registry=self.registry)
        self._sources: list[Callable[[], Iterable[Metric]]] = []
        self.registry.register(_Collector(self._sources))

    # -- what happens (called on the event loop) -------------------------------------------

    def routed(self, session: Any, dialplan: str | None, routes: Sequence[str], result: Result) -> None:
        """An app finished routing a call (the observer the apps call)."""
        self.calls.labels(dialplan or "-", ",".join(routes) or "-", str(result)).inc()

    def hangup(self, cause: str) -> None:
        self.hangups.labels(cause or "UNKNOWN").inc()

    def command(self, since_park: float | None) -> None:
        self.commands_sent.inc()
        if since_park is not None:
            self.first_command.observe(since_park)

    def refused(self) -> None:
        self.commands_refused.inc()

    # -- what is (read at scrape time, from the HTTP thread) ------------------------------

    def watch(self, source: Callable[[], Iterable[Metric]]) -> None:
        """Add a function whose metric families are read at each scrape."""
        self._sources.append(source)

    def watch_nodes(self, nodes: Sequence[Any]) -> None:
        """Connection state, reconnects, drops and claims of inbound nodes."""
        self.watch(lambda: node_families(nodes))

    def watch_apps(self, apps: Any) -> None:
        """Dialplan reloads of the loaded apps, and their routing outcomes as they happen."""
        self.watch(lambda: reload_families(apps.all()))

    def attach(self, apps: Iterable[Any]) -> None:
        """Make each app that reports routing outcomes report them here."""
        for app in apps:
            observers = getattr(app, "observers", None)
            if isinstance(observers, list) and self.routed not in observers:
                observers.append(self.routed)

    def text(self) -> str:
        """The exposition text, as a scrape gets it."""
        return generate_latest(self.registry).decode()


class _Collector(Collector):
    def __init__(self, sources: list[Callable[[], Iterable[Metric]]]) -> None:
        self.sources = sources

    def collect(self) -> Iterator[Metric]:
        for source in list(self.sources):
            try:
                yield from source()
            except Exception:  # a scrape must not fail because one source did
                log.exception("reading metrics failed")


def node_families(nodes: Sequence[Any]) -> list[Metric]:
    connected = GaugeMetricFamily("switchy_node_connected", "1 while the ESL connection to the "
                                  "node is up", labels=["node"])
    reconnects = CounterMetricFamily("switchy_node_reconnects", "Times the connection to the node "
                                     "was lost and made again", labels=["node"])
    dropped = CounterMetricFamily("switchy_event_queue_dropped", "Events dropped because the "
                                  "event queue was full", labels=["node"])
    claims = CounterMetricFamily("switchy_claims", "Claims of parked calls, by result: won, lost "
                                 "to another controller, taken over from a dead one, abandoned "
                                 "calls ended, released at the end", labels=["node", "result"])
    died = CounterMetricFamily("switchy_controllers_died", "Other controllers whose heartbeat "
                               "on the node stopped", labels=["node"])
    for node in list(nodes):
        client = node.client
        connected.add_metric([node.name], 1.0 if client.state is State.CONNECTED else 0.0)
        reconnects.add_metric([node.name], float(client.reconnects))
        dropped.add_metric([node.name], float(client.dropped_events))
        if node.claims is not None:
            stats = dict(node.claims.stats)
            for result in CLAIM_RESULTS:
                claims.add_metric([node.name, result], float(stats.get(result, 0)))
            died.add_metric([node.name], float(stats.get("peers_died", 0)))
    return [connected, reconnects, dropped, claims, died]


def reload_families(apps: Iterable[Any]) -> list[Metric]:
    reloads = CounterMetricFamily("switchy_dialplan_reloads", "Dialplan reloads after a file "
                                  "changed: reloaded, or refused because of errors", labels=["result"])
    counts = {"reloaded": 0, "refused": 0}
    for app in apps:
        for result, count in getattr(app, "reloads", {}).items():
            counts[result] = counts.get(result, 0) + count
    for result, count in counts.items():
        reloads.add_metric([result], float(count))
    return [reloads]


def outbound_families(service: Any) -> list[Metric]:
    listening = GaugeMetricFamily("switchy_outbound_listening", "1 while the outbound listener "
                                  "accepts FreeSWITCH's connections")
    listening.add_metric([], 1.0 if service.listening else 0.0)
    active = GaugeMetricFamily("switchy_outbound_calls", "Calls connected to this controller now")
    active.add_metric([], float(len(service.calls)))
    accepted = CounterMetricFamily("switchy_outbound_connections", "Connections FreeSWITCH made "
                                   "to this controller")
    accepted.add_metric([], float(service.server.accepted))
    return [listening, active, accepted]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # the stdlib's parameter names
        log.debug("%s %s", self.address_string(), format % args)


class MetricsServer:
    """``/metrics`` and ``/healthz`` on ``host:port`` (port 0: a free one), in a thread."""

    def __init__(self, metrics: Metrics, health: Callable[[], bool], host: str = "127.0.0.1",
                 port: int = 9100) -> None:
        self.metrics = metrics
        self.health = health
        self.host = host
        self.port = port
        self._metrics_app = make_wsgi_app(metrics.registry)
        self._server: ThreadingWSGIServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            try:
                ok = bool(self.health())
            except Exception:
                log.exception("the health check failed")
                ok = False
            start_response("200 OK" if ok else "503 Service Unavailable",
                           [("Content-Type", "text/plain; charset=utf-8")])
            return [b"serving\n" if ok else b"not serving\n"]
        return self._metrics_app(environ, start_response)

    def start(self) -> None:
        server = make_server(self.host, self.port, self._app, ThreadingWSGIServer, handler_class=_Quiet)
        server.daemon_threads = True
        self.port = server.server_port
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="switchy-metrics",
                                        daemon=True)
        self._thread.start()
        log.info("metrics on http://%s/metrics, health on /healthz", self.address)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def metrics_for(metrics: Metrics | str | None,
                health: Callable[[], bool]) -> tuple[Metrics | None, MetricsServer | None]:
    """A service's ``metrics`` argument: an address to serve on, or Metrics to fill."""
    if metrics is None:
        return None, None
    if isinstance(metrics, Metrics):
        return metrics, None
    host, port = parse_listen(metrics, 9100)
    collected = Metrics()
    return collected, MetricsServer(collected, health, host, port)
