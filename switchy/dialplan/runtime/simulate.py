"""One simulated call through the route graph, with no network.

The real runtime drives a real Session whose controller records instead of sending
(``switchy.recording``), so the path and the ESL commands it reports are exactly what
a FreeSWITCH node would receive. ``switchy simulate``, ``switchy graph --trace`` and the
language server's ``switchy.server.simulate`` all use this; ``transcript`` prints it.
"""

from __future__ import annotations

from switchy.dialplan.runtime.engine import RoutingOutcome, Runtime
from switchy.dialplan.runtime.transcript import Transcript
from switchy.dialplan.timeofday import Clock
from switchy.recording import RecordingController, simulated_session


async def simulate(graph, headers: dict[str, str], *, clock: Clock | None = None,
                   seed: int | None = None, transcript: Transcript | None = None,
                   controller: RecordingController | None = None) -> RoutingOutcome:
    """Route one simulated call; the transcript (if any) sees every step and command.

    ``controller``: what receives the commands (default: one that only records them; a
    dialplan test passes a model of the node, which is told the call's Session)."""
    controller = controller or RecordingController()
    sess = simulated_session(headers, controller)
    attach = getattr(controller, "attach", None)
    if attach is not None:
        attach(sess)
    runtime = Runtime(graph, clock=clock, seed=seed, python_threads=0)
    if transcript is not None:
        transcript.begin(sess.uuid, headers, controller)
    return await runtime.route(sess, on_step=transcript.step if transcript else None, trace=True)
