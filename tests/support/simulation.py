"""Route one call through a .swr text with the real runtime and a recording Session."""

from __future__ import annotations

from dataclasses import dataclass

from switchy.dialplan.build import build_text
from switchy.dialplan.graph.compiler import INDEX_THRESHOLD
from switchy.dialplan.runtime.engine import RoutingOutcome, Runtime
from switchy.recording import RecordingController, simulated_session


@dataclass
class Result:
    outcome: RoutingOutcome
    lines: list[str]  # the commands, "api ..." / "execute app arg"
    controller: RecordingController

    @property
    def path(self) -> list[str]:
        return [f"{s.kind}:{s.note}" if s.note else s.kind for s in self.outcome.steps]


def graph_of(text: str, index_threshold: int | None = INDEX_THRESHOLD, file: str = "<test>"):
    result = build_text(text, file, index_threshold=index_threshold)
    assert result.ok, [d.format() for d in result.errors]
    return result.graph


async def route(text_or_graph, headers: dict[str, str] | None = None, *, runtime: Runtime | None = None,
                completions: dict[str, dict[str, str]] | None = None, **runtime_options) -> Result:
    graph = graph_of(text_or_graph) if isinstance(text_or_graph, str) else text_or_graph
    controller = RecordingController(completions=completions)
    sess = simulated_session(headers or {}, controller)
    rt = runtime or Runtime(graph, **runtime_options)
    outcome = await rt.route(sess, trace=True)
    return Result(outcome, [line.replace(sess.uuid, "UUID") for line in controller.lines()],
                  controller)
