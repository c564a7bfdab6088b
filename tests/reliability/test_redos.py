"""A pattern against caller data never stalls other calls (issue 12, part 2).

Patterns run on RE2 (linear time); the few RE2 cannot run have a per-match time limit,
and the call whose value hits it ends with EXCHANGE_ROUTING_ERROR. The figure for "no
added delay for the other calls" is in bench/RESULTS.md (bench/redos.py).
"""

from __future__ import annotations

import pytest

from switchy.apps.routers import Router
from switchy.dialplan import check_text, patterns
from tests.support import dialplan_cluster
from tests.support.service_cluster import serving as serving_router

pytestmark = pytest.mark.emulator_only

HOSTILE = "a" * 10_000 + "!"

DIALPLAN = r'''
route evil Caller-Caller-ID-Name =~ "^(a+)+$" { answer() }
route lookahead Caller-Caller-ID-Name =~ "^(?=a)(a+)+$" { answer() }  # noqa: SWR331
route bystander "^200$" { answer() }
'''


@pytest.fixture
def dialplan(tmp_path):
    path = tmp_path / "redos.swr"
    path.write_text(DIALPLAN)
    return path


async def test_a_hostile_value_is_matched_in_linear_time_and_the_other_node_is_served(cluster, dialplan):
    async with dialplan_cluster.serving(cluster, dialplan) as h:
        hostile = await cluster.nodes[0].place_call("100", caller_id_name=HOSTILE)
        bystander = await cluster.nodes[1].place_call("200", caller_id_name="Bob")
        assert patterns.engine("^(a+)+$") == "re2"
        first = (await h.routed(hostile.uuid))[-1]
        second = (await h.routed(bystander.uuid))[-1]
        # the backtracking pattern needs the fallback engine: its time limit ends that call
        assert first.cause == "EXCHANGE_ROUTING_ERROR" and "took longer than" in first.error
        assert second.routes == ["bystander"]
        await bystander.wait_answered(timeout=5)


async def test_the_python_router_bounds_its_patterns_the_same_way(cluster):
    router = Router()

    @router.route("^(a+)+$", field="Caller-Caller-ID-Name")
    def evil(sess, match, router):
        sess.answer()

    @router.route("^(?=a)(a+)+$", field="Caller-Caller-ID-Name")
    def lookahead(sess, match, router):
        sess.answer()

    @router.route("^200$")
    def bystander(sess, match, router):
        sess.answer()

    async with serving_router(cluster, (router, {})):
        hostile = await cluster.nodes[0].place_call("100", caller_id_name=HOSTILE)
        bystander_call = await cluster.nodes[1].place_call("200", caller_id_name="Bob")
        await bystander_call.wait_answered(timeout=5)
        await hostile.wait_hangup(timeout=5)
        assert hostile.hangup_cause == "EXCHANGE_ROUTING_ERROR"


def test_the_checker_warns_about_nested_quantifiers():
    diagnostics = check_text('route Caller-Caller-ID-Name =~ "^(a+)+$" { answer() }\n'
                             'route "^(\\d{3})+$" { answer() }\n')
    found = [(d.code, d.span.line) for d in diagnostics]
    assert ("SWR331", 1) in found and ("SWR331", 2) not in found
