"""Every example of examples/, end to end: a Service on a 3-node emulated cluster runs the
.swr dialplan over real ESL connections; each test places calls on the nodes and
asserts on the exact commands each node received for each call, and on what the
call became (answered, bridged, responded, hung up with which cause).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from switchy.dialplan.timeofday import WallClock
from switchy.emulator import DialOutcome
from tests.support.dialplan_cluster import EXAMPLES, MODE, Routed, serving

pytestmark = pytest.mark.emulator_only

UTC = dt.UTC
NY = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
FAILOVER = "api uuid_setvar UUID continue_on_fail true"  # before a call's first bridge: failover
END = "api uuid_kill UUID NORMAL_CLEARING"  # routing is over and the call is still parked


def fixed(*args, tz=UTC):
    moment = dt.datetime(*args, tzinfo=tz)
    return lambda: moment


def uri(dest: str) -> dict[str, str]:
    return {"sip_req_uri": f"{dest}@10.0.0.1"}


def only_on(call: Routed, cluster) -> list[str]:
    """The call's commands, after checking no other node received any for it."""
    for node in cluster.nodes:
        if node is not call.node:
            assert [c for c in node.commands if call.channel.uuid in c.line] == []
    return call.sent


CASES = {}


def case(name):
    def register(func):
        CASES[name] = func
        return func
    return register


# -- the main example -----------------------------------------------------------------------


@case("router.swr")
async def _router(cluster):
    tuesday_10am = fixed(2024, 12, 24, 10, 0, tz=NY)
    async with serving(cluster, "router.swr", clock=tuesday_10am) as h:
        intl = await h.call(0, "011441234567", variables=uri("011441234567"))
        assert only_on(intl, cluster) == ["execute respond 407"]
        assert intl.channel.responded == 407 and intl.outcome.stopped

        ld = await h.call(1, "12125551234", variables=uri("12125551234"), hangup=True)
        assert only_on(ld, cluster) == [
            FAILOVER, "execute bridge sofia/gateway/long_distance_trunk/12125551234@10.0.0.1"]
        assert ld.channel.bridges[0].target.startswith("sofia/gateway/long_distance_trunk/")

        # a DID from the carrier: public → transfer → parked again in default → support
        did = await h.call(2, "18005550199", context="public", variables=uri("18005550199"),
                           routings=2, hangup=True)
        assert only_on(did, cluster) == [
            "execute transfer 4100 XML default", FAILOVER,
            "execute bridge sofia/internal/18005550199@10.0.0.1;fs_path=sip:supportpbx.com"]
        assert [o.dialplan for o in did.outcomes] == ["public", "default"]
        assert [o.routes for o in did.outcomes] == [["support_did"], ["support"]]

        nothing = await h.call(0, "999")
        assert only_on(nothing, cluster) == ["api uuid_kill UUID NO_ROUTE_DESTINATION"]
        assert nothing.channel.hangup_cause == "NO_ROUTE_DESTINATION"

    saturday = fixed(2024, 12, 21, 10, 0, tz=NY)
    async with serving(cluster, "router.swr", clock=saturday) as h:
        closed = await h.call(1, "4100")
        assert only_on(closed, cluster) == ["api uuid_answer UUID",
                                            "execute playback ivr/ivr-office_hours_are.wav",
                                            "execute voicemail default ${domain_name} 4000"]
        # the voicemail caller hung up: nothing was left to hang up
        assert closed.channel.answered


# -- the seed ---------------------------------------------------------------------------------


@case("seed_proxier.swr")
async def _proxier(cluster):
    async with serving(cluster, "seed_proxier.swr") as h:
        calls = [await h.call(i, "2001", variables=uri("2001"), hangup=True) for i in range(3)]
        for call in calls:
            assert only_on(call, cluster) == [FAILOVER, "execute bridge sofia/external/2001@10.0.0.1"]
            assert call.channel.bridges[0].target == "sofia/external/2001@10.0.0.1"


@case("seed_block_international.swr")
async def _block(cluster):
    async with serving(cluster, "seed_block_international.swr") as h:
        ext = {"sofia_profile": "external"}
        intl = await h.call(0, "0114412345", variables=ext)
        assert only_on(intl, cluster) == ["execute respond 407", "api uuid_kill UUID NORMAL_CLEARING"]
        assert intl.channel.responded == 407 and intl.channel.ended
        local = await h.call(1, "2000", variables=ext)
        assert only_on(local, cluster) == ["api uuid_kill UUID NO_ROUTE_DESTINATION"]
        unguarded = await h.call(2, "0114412345")
        assert only_on(unguarded, cluster) == ["api uuid_kill UUID NO_ROUTE_DESTINATION"]
        assert unguarded.outcome.result == "rejected"


@case("seed_bridge2dest.swr")
async def _bridge2dest(cluster):
    async with serving(cluster, "seed_bridge2dest.swr") as h:
        intl = await h.call(0, "0114412345", variables=uri("0114412345"))
        # the seed still bridges after respond + hangup; the node refuses it, routing ends
        assert only_on(intl, cluster) == ["execute respond 407", "api uuid_kill UUID NORMAL_CLEARING",
                                          "execute bridge sofia/external/0114412345@10.0.0.1"]
        assert intl.outcome.gone and intl.channel.responded == 407
        ld = await h.call(1, "18005551234", variables=uri("18005551234"), hangup=True)
        assert only_on(ld, cluster) == [
            FAILOVER, "execute bridge sofia/gateway/long_distance_trunk/18005551234@10.0.0.1"]
        sales = await h.call(2, "2123", variables=uri("2123"), hangup=True)
        assert only_on(sales, cluster) == [
            FAILOVER, "execute bridge sofia/internal/2123@10.0.0.1;fs_path=sip:salespbx.com"]
        assert sales.channel.bridges[0].target.endswith(";fs_path=sip:salespbx.com")
        support = await h.call(0, "4123", variables=uri("4123"), hangup=True)
        assert only_on(support, cluster) == [
            FAILOVER, "execute bridge sofia/internal/4123@10.0.0.1;fs_path=sip:supportpbx.com"]


@case("seed_transfer_to_context.swr")
async def _transfer_to_context(cluster):
    async with serving(cluster, "seed_transfer_to_context.swr") as h:
        did = await h.call(1, "5551234567", variables=uri("5551234567"), hangup=True)
        assert only_on(did, cluster) == [FAILOVER, "execute bridge sofia/external/5551234567@10.0.0.1"]
        assert did.outcome.routes == ["test_did"]


@case("seed_sunday.swr")
async def _sunday(cluster):
    async with serving(cluster, "seed_sunday.swr", clock=WallClock(dt.datetime(2024, 12, 22, 11))) as h:
        sunday = await h.call(0, "500", hangup=True)
        assert only_on(sunday, cluster) == [FAILOVER, "execute bridge sofia/internal/531@example.com"]
    async with serving(cluster, "seed_sunday.swr", clock=WallClock(dt.datetime(2024, 12, 23, 11))) as h:
        monday = await h.call(1, "500", hangup=True)
        assert only_on(monday, cluster) == [FAILOVER, "execute bridge sofia/internal/500@example.com"]


@case("seed_logical_or.swr")
async def _logical_or(cluster):
    async with serving(cluster, "seed_logical_or.swr") as h:
        mike = await h.call(0, "500", "2000", caller_id_name="Michael S Collins")
        assert only_on(mike, cluster) == ["api uuid_answer UUID",
                                          "execute playback ivr/ivr-welcome_to_freeswitch.wav",
                                          "execute playback ivr/ivr-dude_you_rock.wav", END]
        other = await h.call(1, "7000", "2000", caller_id_name="Bob")
        assert only_on(other, cluster) == ["execute playback ivr/ivr-dude_you_suck.wav", END]
        # a channel variable of that name changes nothing: a parked call's caller ID is its header
        rock = await h.call(2, "7000", "3757", caller_id_name="Bob", variables={"caller_id_number": "2000"})
        assert only_on(rock, cluster) == ["execute playback ivr/ivr-dude_you_rock.wav", END]
        assert other.channel.played == ["ivr/ivr-dude_you_suck.wav"]


@case("seed_nested.swr")
async def _nested(cluster):
    async with serving(cluster, "seed_nested.swr") as h:
        three = await h.call(0, "1233")
        assert only_on(three, cluster) == ["execute playback foo.wav", "execute playback bar.wav", END]
        four = await h.call(1, "1234")
        assert only_on(four, cluster) == ["execute playback bar.wav", END]


@case("seed_break_on_true.swr")
async def _break_on_true(cluster):
    async with serving(cluster, "seed_break_on_true.swr") as h:
        stopped = await h.call(0, "1234")
        assert only_on(stopped, cluster) == [END] and stopped.outcome.stopped
        assert stopped.outcome.routes == ["play_wavfile"]
        both = await h.call(1, "1100")
        assert only_on(both, cluster) == ["execute playback foo.wav", "execute playback bar.wav", END]


@case("seed_record_sampling.swr")
async def _record_sampling(cluster):
    # seed 0: the first randint(1, 6) is 4, so the first call is recorded
    async with serving(cluster, "seed_record_sampling.swr", seed=0) as h:
        leg = await cluster.nodes[2].originate("sofia/external/*6712345@10.0.0.1", *h.park_app)
        outcome = (await h.routed(leg.uuid))[0]
        lines = only_on(Routed(leg, cluster.nodes[2], [outcome]), cluster)
        assert lines == ["api uuid_broadcast UUID privacy::full aleg",
                         "execute multiset privacy=yes sip_h_Privacy=id",
                         f"execute record_session /tmp/agents/{leg.uuid}_to_12345.wav", END]
        assert leg.recordings == [f"/tmp/agents/{leg.uuid}_to_12345.wav"]
        inbound = await h.call(0, "*6712345")
        assert only_on(inbound, cluster) == [END]  # inbound: nothing to mask


# -- the XML dialplan examples ----------------------------------------------------------------


@case("xml_01_capturing_digits.swr")
async def _xml01(cluster):
    async with serving(cluster, "xml_01_capturing_digits.swr") as h:
        call = await h.call(2, "12135551234", hangup=True)
        assert only_on(call, cluster) == [FAILOVER, "execute bridge sofia/gateway/LocalTelco/5551234"]
        assert call.channel.bridges[0].target.startswith("sofia/gateway/LocalTelco/5551234")


@case("xml_02_logical_and.swr")
async def _xml02(cluster):
    async with serving(cluster, "xml_02_logical_and.swr", clock=WallClock(dt.datetime(2024, 12, 22, 9))) as h:
        assert only_on(await h.call(0, "500", hangup=True), cluster) == [
            FAILOVER, "execute bridge sofia/internal/531@example.com"]
    async with serving(cluster, "xml_02_logical_and.swr", clock=WallClock(dt.datetime(2024, 12, 24, 9))) as h:
        assert only_on(await h.call(1, "500", hangup=True), cluster) == [
            FAILOVER, "execute bridge sofia/internal/500@example.com"]


@case("xml_03_logical_or.swr")
async def _xml03(cluster):
    async with serving(cluster, "xml_03_logical_or.swr") as h:
        known = await h.call(0, "501", "1001")
        assert only_on(known, cluster) == ["api uuid_answer UUID", END]
        assert known.outcome.routes == ["either", "any_caller"]
        unknown = await h.call(1, "600", "2002", caller_id_name="Someone")
        assert only_on(unknown, cluster) == [END] and unknown.outcome.routes == ["no_known_caller"]
        mike = await h.call(2, "600", "5555", caller_id_name="Michael Collins")
        assert mike.outcome.routes == ["any_caller"]


@case("xml_03c_regex_or_inline_set.swr")
async def _xml03c(cluster):
    async with serving(cluster, "xml_03c_regex_or_inline_set.swr") as h:
        rock = await h.call(0, "100", "3757")
        assert only_on(rock, cluster) == ["api uuid_answer UUID", "execute sleep 1000",
                                          "execute playback ivr/ivr-dude_you_rock.wav", END]
        suck = await h.call(1, "100", "4444", caller_id_name="Nobody")
        assert only_on(suck, cluster)[-2:] == ["execute playback ivr/ivr-dude_you_suck.wav", END]


@case("xml_04_logical_xor.swr")
async def _xml04(cluster):
    async with serving(cluster, "xml_04_logical_xor.swr") as h:
        one = await h.call(0, "1234", "1001", caller_id_name="Bob")
        assert only_on(one, cluster) == ["execute playback ivr/ivr-welcome.wav", END]
        both = await h.call(1, "1234", "1001", caller_id_name="Operator")
        assert only_on(both, cluster) == ["api uuid_kill UUID CALL_REJECTED"]
        assert both.channel.hangup_cause == "CALL_REJECTED"


@case("xml_06_nested_conditions.swr")
async def _xml06(cluster):
    async with serving(cluster, "xml_06_nested_conditions.swr") as h:
        call = await h.call(0, "2901", "1011")
        assert only_on(call, cluster) == ["api uuid_answer UUID", "execute playback ivr/ivr-thank_you.wav",
                                          END]
        assert call.channel.answered and call.channel.played == ["ivr/ivr-thank_you.wav"]


@case("xml_08_break_on_true_time_of_day.swr")
async def _xml08(cluster):
    saturday_9 = fixed(2024, 12, 21, 9, 30, tz=CHICAGO)
    async with serving(cluster, "xml_08_break_on_true_time_of_day.swr", clock=saturday_9) as h:
        # transferred to 1105 in the (parking) default context, routed again: no route there
        call = await h.call(0, "1100", routings=2)
        assert only_on(call, cluster) == ["execute transfer 1105 XML default",
                                          "api uuid_kill UUID NO_ROUTE_DESTINATION"]
        assert call.channel.transfers and call.outcomes[0].stopped
    # 02:00 UTC on Wednesday is 20:00 on Tuesday in Chicago: weekday, before 21h
    async with serving(cluster, "xml_08_break_on_true_time_of_day.swr",
                       clock=fixed(2024, 12, 25, 2, 0)) as h:
        call = await h.call(1, "1100", routings=2)
        assert only_on(call, cluster)[0] == "execute transfer 1105 XML default"
    async with serving(cluster, "xml_08_break_on_true_time_of_day.swr",
                       clock=fixed(2024, 12, 22, 10, 0, tz=CHICAGO)) as h:
        sunday = await h.call(2, "1100")
        assert only_on(sunday, cluster) == ["execute voicemail default ${domain_name} 1100"]


@case("xml_09_break_never.swr")
async def _xml09(cluster):
    async with serving(cluster, "xml_09_break_never.swr") as h:
        call = await h.call(0, "12345", hangup=True)
        assert only_on(call, cluster) == ["execute set begins_with_one=true", FAILOVER,
                                          "execute bridge sofia/internal/12345@example.com"]
        assert call.channel.variables["begins_with_one"] == "true"


@case("xml_10_asterisk_patterns.swr")
async def _xml10(cluster):
    async with serving(cluster, "xml_10_asterisk_patterns.swr") as h:
        ten = await h.call(0, "2125551234", hangup=True)
        assert only_on(ten, cluster) == [FAILOVER, "execute bridge sofia/gateway/trunk/2125551234"]
        star = await h.call(1, "*729")
        assert only_on(star, cluster) == [END] and star.outcome.routes == ["star_code"]
        short = await h.call(2, "1125551234")  # N is 2-9: no route
        assert only_on(short, cluster) == ["api uuid_kill UUID NO_ROUTE_DESTINATION"]


@case("xml_11_cond_in_field.swr")
async def _xml11(cluster):
    async with serving(cluster, "xml_11_cond_in_field.swr") as h:
        big = await h.call(0, "3000", variables={"my_var": "13"})
        assert only_on(big, cluster) == ["execute playback ivr/ivr-yes.wav", END]
        small = await h.call(1, "3000", variables={"my_var": "9"})  # 9 < 12 as numbers
        assert only_on(small, cluster) == ["execute playback ivr/ivr-no.wav", END]


@case("xml_12_matching_a_condition.swr")
async def _xml12(cluster):
    async with serving(cluster, "xml_12_matching_a_condition.swr") as h:
        both = await h.call(0, "1234", network_addr="192.168.1.1")
        # no sofia profile "profile" here: both bridges fail, the second is the failover,
        # and the call ends with the cause of the last one
        assert only_on(both, cluster) == [FAILOVER, "execute bridge sofia/profile/1234@192.168.2.2",
                                          "execute bridge sofia/profile/1234@192.168.2.2",
                                          "api uuid_kill UUID INVALID_PROFILE"]
        assert both.outcome.routes == ["test1", "test2"]
        elsewhere = await h.call(1, "1234", network_addr="10.1.1.1")
        assert only_on(elsewhere, cluster) == ["api uuid_kill UUID NO_ROUTE_DESTINATION"]


@case("xml_14_strip_and_prefix.swr")
async def _xml14(cluster):
    async with serving(cluster, "xml_14_strip_and_prefix.swr") as h:
        strip = await h.call(0, "00441234", hangup=True)
        assert only_on(strip, cluster) == [FAILOVER, "execute bridge sofia/profile/441234@example.com",
                                           "api uuid_kill UUID INVALID_PROFILE"]
        prefix = await h.call(1, "0155512", hangup=True)
        assert only_on(prefix, cluster) == [FAILOVER, "execute bridge sofia/profile/01155512@example.com",
                                            "api uuid_kill UUID INVALID_PROFILE"]


@case("xml_16_registered_user.swr")
async def _xml16(cluster):
    async with serving(cluster, "xml_16_registered_user.swr") as h:
        call = await h.call(0, "4001")
        assert only_on(call, cluster) == [FAILOVER, "execute bridge sofia/local_profile/4001%example.com",
                                          "api uuid_kill UUID INVALID_PROFILE"]


@case("xml_17_action_failover.swr")
async def _xml17(cluster):
    cluster.nodes[0].config.sofia_profiles.update(primary=5070, backup=5072)
    cluster.nodes[0].set_outcome("primary", DialOutcome.busy())
    async with serving(cluster, "xml_17_action_failover.swr") as h:
        call = await h.call(0, "1000", hangup=True)
        assert only_on(call, cluster) == ["execute set continue_on_fail=true",
                                          "execute set hangup_after_bridge=true",
                                          "execute bridge sofia/primary/1000@example.com",
                                          "execute bridge sofia/backup/1000@example.com"]
        assert [b.target.split("/")[1] for b in call.channel.bridges] == ["primary", "backup"]
        assert call.channel.bridges[0].cause == "USER_BUSY"


@case("xml_18_authenticated_only.swr")
async def _xml18(cluster):
    async with serving(cluster, "xml_18_authenticated_only.swr") as h:
        anonymous = await h.call(0, "9191")
        assert only_on(anonymous, cluster) == ["execute respond 407"]
        assert anonymous.channel.responded == 407
        known = await h.call(1, "9191", variables={"sip_authorized": "true"})
        assert only_on(known, cluster) == ["execute playback ivr/ivr-welcome.wav", END]


@case("xml_19_did_to_extension.swr")
async def _xml19(cluster):
    async with serving(cluster, "xml_19_did_to_extension.swr") as h:
        did = await h.call(1, "5551234567", "2000", context="public", routings=2, hangup=True)
        assert only_on(did, cluster) == [
            "execute transfer 1001 XML default",
            "execute set dialed_ext=1001", "execute set call_timeout=30",
            "execute set hangup_after_bridge=true", FAILOVER, "execute bridge user/1001@${domain_name}",
            "execute voicemail default ${domain_name} 1001"] or only_on(did, cluster)[:6] == [
            "execute transfer 1001 XML default",
            "execute set dialed_ext=1001", "execute set call_timeout=30",
            "execute set hangup_after_bridge=true", FAILOVER, "execute bridge user/1001@${domain_name}"]
        assert [o.dialplan for o in did.outcomes] == ["public", "default"]
        own = await h.call(2, "1001", "1001")
        assert only_on(own, cluster) == ["execute set dialed_ext=1001",
                                         "execute voicemail check default ${domain_name} 1001"]


@case("xml_20_gateway_caller_id.swr")
async def _xml20(cluster):
    async with serving(cluster, "xml_20_gateway_caller_id.swr") as h:
        call = await h.call(0, "5551234567", "1000", hangup=True)
        assert only_on(call, cluster) == [
            "execute multiset effective_caller_id_number=8001231234 effective_caller_id_name=Alice",
            FAILOVER, "execute bridge sofia/gateway/myprovider/12085551234567"]
        other = await h.call(1, "5551234567", "1001")
        assert only_on(other, cluster) == ["api uuid_kill UUID NO_ROUTE_DESTINATION"]


@case("xml_21_route_on_prefix.swr")
async def _xml21(cluster):
    async with serving(cluster, "xml_21_route_on_prefix.swr") as h:
        pbx = {"network_addr": "192.168.1.10"}
        a = await h.call(0, "12125551234", hangup=True, **pbx)
        assert only_on(a, cluster) == ["execute set carrier=carrier_a", FAILOVER,
                                       "execute bridge sofia/gateway/carrier_a/12125551234"]
        b = await h.call(1, "3125551234", hangup=True, **pbx)
        assert only_on(b, cluster) == ["execute set carrier=carrier_b", FAILOVER,
                                       "execute bridge sofia/gateway/carrier_b/13125551234"]
        other = await h.call(2, "5000", **pbx)
        assert only_on(other, cluster) == ["execute respond 503"]
        stranger = await h.call(0, "12125551234", network_addr="10.9.9.9")
        assert only_on(stranger, cluster) == ["api uuid_kill UUID NO_ROUTE_DESTINATION"]


@case("xml_22_catch_all.swr")
async def _xml22(cluster):
    async with serving(cluster, "xml_22_catch_all.swr") as h:
        known = await h.call(0, "1000", hangup=True)
        assert only_on(known, cluster) == [FAILOVER, "execute bridge user/1000@${domain_name}"]
        other = await h.call(1, "2000")
        assert only_on(other, cluster) == ["execute playback ivr/ivr-invalid_extension.wav",
                                           "api uuid_kill UUID UNALLOCATED_NUMBER"]
        assert other.channel.hangup_cause == "UNALLOCATED_NUMBER"


@case("xml_23_block_codes.swr")
async def _xml23(cluster):
    async with serving(cluster, "xml_23_block_codes.swr") as h:
        blocked = await h.call(0, "1000", "+18765551234")
        assert only_on(blocked, cluster)[0] == "execute respond 503"
        assert blocked.channel.responded == 503
        fine = await h.call(1, "1000", "2125551234")
        assert only_on(fine, cluster) == ["api uuid_kill UUID NO_ROUTE_DESTINATION"]


@case("xml_24_fax_did.swr")
async def _xml24(cluster):
    async with serving(cluster, "xml_24_fax_did.swr") as h:
        fax = await h.call(0, "5551239999", routings=2)
        assert only_on(fax, cluster) == ["execute set domain_name=example.com",
                                         "execute transfer 9178 XML default",
                                         "api uuid_kill UUID NO_ROUTE_DESTINATION"]
        assert fax.channel.transfers


@case("xml_25_caller_id_fixups.swr")
async def _xml25(cluster):
    async with serving(cluster, "xml_25_caller_id_fixups.swr") as h:
        ten = await h.call(0, "100", "12125551234")
        assert only_on(ten, cluster) == ["execute set effective_caller_id_number=2125551234", END]
        short = await h.call(1, "100", "1001")
        assert only_on(short, cluster) == ["execute set effective_caller_id_number=8005551234", END]


@case("xml_26_block_outbound_cid.swr")
async def _xml26(cluster):
    async with serving(cluster, "xml_26_block_outbound_cid.swr") as h:
        call = await h.call(0, "*675551234", routings=2)
        assert only_on(call, cluster) == ["execute set privacy=yes", "execute set sip_h_Privacy=id",
                                          "execute transfer 5551234 XML default",
                                          "api uuid_kill UUID NO_ROUTE_DESTINATION"]


@case("xml_27_business_hours.swr")
async def _xml27(cluster):
    async with serving(cluster, "xml_27_business_hours.swr",
                       clock=WallClock(dt.datetime(2024, 12, 23, 10, 0))) as h:
        open_ = await h.call(0, "RS-Sales", routings=2)
        assert only_on(open_, cluster)[:2] == ["execute set open=true",
                                               "execute transfer RS-Sales-Route XML default"]
    async with serving(cluster, "xml_27_business_hours.swr",
                       clock=WallClock(dt.datetime(2024, 12, 23, 17, 1))) as h:
        late = await h.call(1, "RS-Sales", routings=2)  # minute_of_day 1022 > 1020
        assert only_on(late, cluster)[:1] == ["execute set open=false"]


@case("xml_28_holidays_and_hours.swr")
async def _xml28(cluster):
    for when, node, expected in [
        (fixed(2024, 12, 24, 15, 0, tz=NY), 0, "execute playback holiday-closed.wav"),
        (fixed(2024, 11, 5, 18, 0, tz=NY), 1, "execute transfer night XML default"),
        (fixed(2024, 6, 5, 9, 0, tz=NY), 2, "execute transfer office XML default"),
        (fixed(2024, 6, 5, 12, 30, tz=NY), 0, "execute voicemail default ${domain_name} 8000"),
    ]:
        async with serving(cluster, "xml_28_holidays_and_hours.swr", clock=when) as h:
            routings = 2 if "transfer" in expected else 1
            call = await h.call(node, "8000", routings=routings)
            assert only_on(call, cluster)[0] == expected
    # the call's own time zone: 07:00 UTC is 09:00 in Berlin (office) but 03:00 in New York
    async with serving(cluster, "xml_28_holidays_and_hours.swr", clock=fixed(2024, 6, 5, 7, 0)) as h:
        berlin = await h.call(1, "8000", variables={"timezone": "Europe/Berlin"}, routings=2)
        assert only_on(berlin, cluster)[0] == "execute transfer office XML default"
        new_york = await h.call(2, "8000")
        assert only_on(new_york, cluster) == ["execute voicemail default ${domain_name} 8000"]


# -- the parametrized runner -------------------------------------------------------------------------


def test_every_example_has_an_end_to_end_test():
    assert {p.name for p in EXAMPLES.glob("*.swr")} == set(CASES)


@pytest.mark.parametrize("mode", ["inbound", "outbound"])
@pytest.mark.parametrize("name", sorted(CASES))
async def test_example_end_to_end(name, mode, cluster):
    """Inbound (a Service on every node) and outbound (the nodes hand each call to an
    OutboundService with their socket application): the same commands for every call."""
    token = MODE.set(mode)
    try:
        await CASES[name](cluster)
    finally:
        MODE.reset(token)
