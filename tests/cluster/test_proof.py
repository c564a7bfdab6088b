"""The proof, CI-sized: controllers as separate processes, one killed with SIGKILL.

Inbound: 3 controllers share 3 nodes (``--claim``); the victim waits half a second
before routing each call it claims; it is SIGKILLed when half the calls are placed (the
calls it then held claimed and untouched) and a new controller joins.
Every call is routed exactly once (0 twice, 0 never), counted per uuid from what the
nodes received, and the calls the victim held are routed by survivors.

Outbound: the nodes hand calls to A then B (two ``socket`` actions); A is SIGKILLed
mid-run and started again later. New calls go to B while A is down, the calls A held go
on to B (FreeSWITCH's next socket action) and end, none is lost or routed twice.

``python bench/cluster.py --proof`` runs both with 3,000 calls and also checks the
takeover time (heartbeat timeout + 1 s), which a test here does not time.
"""

from __future__ import annotations

import pytest

from tests.support.proof import inbound_kill, outbound_kill

pytestmark = pytest.mark.emulator_only


async def test_inbound_every_call_routed_exactly_once_across_a_sigkill(tmp_path):
    report = await inbound_kill(tmp_path, calls=240, rate=60)
    assert report.unended == []
    assert report.twice == [] and report.never == []
    assert len(report.calls) == 240
    assert report.at_kill, "the victim held claimed calls when it died"
    assert {report.by[u] for u in report.at_kill} <= {"survivor1", "survivor2", "restarted"}


async def test_outbound_calls_fail_over_and_none_is_lost_across_a_sigkill(tmp_path):
    report = await outbound_kill(tmp_path, calls=240, rate=60)
    assert report.unended == []
    assert report.twice == [] and report.never == []
    assert report.at_kill, "A held calls when it died"
    a = report.calls[0].handed_to[0]
    b = report.calls[120].handed_to[0]  # placed while A was down
    assert a != b
    held = set(report.at_kill)
    for i, call in enumerate(report.calls):
        assert call.handed_to in ([a], [b], [a, b]), (i, call.handed_to)
        if call.handed_to == [a, b]:  # A died holding it: the next socket action, B, routed it
            assert report.by[call.uuid] == b
        if call.uuid in held:
            assert call.handed_to == [a, b]
        if 120 <= i < 180:  # placed once A was dead, before it was back: refused, so B
            assert call.handed_to == [b], (i, call.handed_to)
        else:  # A alive: before its death (they had all reached it) and once started again
            assert call.handed_to[0] == a, (i, call.handed_to)
