"""FreeSWITCH's XML dialplan rules, one small context each, imported and routed.

Each case states a rule of mod_dialplan_xml as FreeSWITCH 1.11 applies it (seen in the
oracle's recordings or read in its code, see docs/migrating.md) and checks the imported
``.swr`` does the same: the applications FreeSWITCH would execute, in order, data expanded,
and the hangup cause.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from switchy.dialplantest.node import World
from tests.support.xmlimport import graph_of, import_text, route, xml_context


@dataclass
class Case:
    rule: str
    body: str
    destination: str = "100"
    executed: list[str] = field(default_factory=list)
    hangup: str = "NORMAL_CLEARING"
    variables: dict[str, str] = field(default_factory=dict)
    caller_id_number: str = "1000"
    caller_id_name: str = "Oracle"
    world: World | None = None
    when: dt.datetime = dt.datetime(2026, 12, 7, 22, 26, 4, tzinfo=dt.UTC)  # a Monday, 22:26 UTC
    options: dict = field(default_factory=dict)
    context: str = "t"


def ext(name: str, inner: str, cont: bool = False) -> str:
    flag = ' continue="true"' if cont else ""
    return f'<extension name="{name}"{flag}>{inner}</extension>'


def log(text: str, tag: str = "action", inline: bool = False) -> str:
    extra = ' inline="true"' if inline else ""
    return f'<{tag} application="log" data="INFO {text}"{extra}/>'


CASES = [
    Case("a false condition with anti-actions makes its extension match: the hunt stops",
         ext("e100", '<condition field="destination_number" expression="^100$"/>'
             f'<condition field="${{x}}" expression="^yes$">{log("anti", "anti-action")}</condition>')
         + ext("e100_after", f'<condition field="destination_number" expression="^100$">{log("after")}</condition>'),
         executed=["log INFO anti"]),
    Case("the actions of an extension that then fails still run, before the next extension's",
         ext("a", f'<condition field="destination_number" expression="^(1)">{log("a $1")}</condition>'
             f'<condition field="caller_id_number" expression="^nobody$">{log("a2")}</condition>')
         + ext("b", f'<condition field="destination_number" expression="^1">{log("b")}</condition>'),
         executed=["log INFO a 1", "log INFO b"]),
    Case("break=on-true on a true condition ends its extension, which counts as matched",
         ext("t", f'<condition field="destination_number" expression="^1" break="on-true">{log("t")}</condition>'
             f'<condition>{log("t2")}</condition>')
         + ext("after", f"<condition>{log('after')}</condition>"),
         executed=["log INFO t"]),
    Case("a last condition false with break=never leaves the extension unmatched",
         ext("n", f'<condition field="destination_number" expression="^1">{log("n")}</condition>'
             '<condition field="caller_id_number" expression="^nobody$" break="never"/>')
         + ext("after", f"<condition>{log('after')}</condition>"),
         executed=["log INFO n", "log INFO after"]),
    Case("break values are read case-insensitively, an unknown one as on-false",
         ext("a", f'<condition field="${{t}}" expression="^yes$" break="NEVER">{log("a1")}</condition>'
             f'<condition>{log("a2")}</condition>', cont=True)
         + ext("b", f'<condition field="${{t}}" expression="^yes$" break="maybe">{log("b1")}</condition>'
               f'<condition>{log("b2")}</condition>'),
         executed=["log INFO a2"], hangup="NORMAL_CLEARING"),
    Case("inline actions run during the hunt, before every queued one, even written after",
         ext("first", f'<condition>{log("queued ${v}")}</condition>', cont=True)
         + ext("second", '<condition><action application="set" data="v=inline" inline="true"/>'
               '<action application="answer" inline="true"/>'
               f'{log("second ${v}")}</condition>'),
         executed=["set v=inline", "log INFO queued inline", "log INFO second inline"]),
    Case("an inline set is seen by the conditions after it",
         ext("setup", '<condition><action application="set" data="flag=on" inline="true"/></condition>',
             cont=True)
         + ext("check", f'<condition field="${{flag}}" expression="^on$">{log("seen")}'
               f'{log("missing", "anti-action")}</condition>'),
         executed=["set flag=on", "log INFO seen"]),
    Case("a queued set is not seen by the conditions of the same hunt",
         ext("setup", '<condition><action application="set" data="flag=on"/></condition>', cont=True)
         + ext("check", f'<condition field="${{flag}}" expression="^on$">{log("seen")}'
               f'{log("missing", "anti-action")}</condition>'),
         executed=["set flag=on", "log INFO missing"]),
    Case("$N is substituted only when the expression has a '(', and never in anti-actions",
         ext("a", f'<condition field="destination_number" expression="^1\\d+$">{log("a=$1 $0")}</condition>', cont=True)
         + ext("b", '<condition field="destination_number" expression="^(1)(\\d+)$">'
               f'{log("b=$2-${1}5-$15")}</condition>', cont=True)
         + ext("c", f'<condition field="destination_number" expression="^(9)">{log("c", "action")}'
               f'{log("anti=$1", "anti-action")}</condition>'),
         destination="100", executed=["log INFO a=$1 $0", "log INFO b=00-15-", "log INFO anti=$1"]),
    Case("field names are case-insensitive; a bare name that is no caller-profile field reads empty",
         ext("a", f'<condition field="DESTINATION_NUMBER" expression="^100$">{log("upper")}</condition>', cont=True)
         + ext("b", f'<condition field="sip_from_user" expression="^$">{log("bare empty")}</condition>', cont=True)
         + ext("c", f'<condition field="${{sip_from_user}}" expression="^alice$">{log("variable")}</condition>'),
         variables={"sip_from_user": "alice"},
         executed=["log INFO upper", "log INFO bare empty", "log INFO variable"]),
    Case("/re/i is caseless; regexes search anywhere",
         ext("a", f'<condition field="caller_id_name" expression="/^alice$/i">{log("caseless")}</condition>', cont=True)
         + ext("b", f'<condition field="caller_id_number" expression="3757">{log("anywhere")}</condition>'),
         caller_id_name="ALICE", caller_id_number="137579",
         executed=["log INFO caseless", "log INFO anywhere"]),
    Case("Asterisk _ patterns: N X Z, and . matching nothing too",
         ext("a", f'<condition field="destination_number" expression="_(\\*XX)(.)">{log("$1-$2")}</condition>'),
         destination="*72", executed=["log INFO *72-"]),
    Case("regex=all: if an earlier capturing child passed before the one that fails, FreeSWITCH "
         "restores its proceed: the extension matches (no anti-action) and the hunt stops",
         ext("all", '<condition regex="all"><regex field="destination_number" expression="^(1)"/>'
             f'<regex field="caller_id_number" expression="^nobody$"/>{log("all")}</condition>')
         + ext("after", f"<condition>{log('after')}</condition>"),
         executed=[], hangup="NO_ROUTE_DESTINATION"),
    Case("regex=all without a capturing child that passed: the extension fails, the hunt goes on",
         ext("all", '<condition regex="all"><regex field="destination_number" expression="^1"/>'
             f'<regex field="caller_id_number" expression="^nobody$"/>{log("all")}</condition>')
         + ext("after", f"<condition>{log('after')}</condition>"),
         executed=["log INFO after"]),
    Case("regex=xor over three children, and an unknown mode reads as any",
         ext("x", '<condition regex="xor"><regex field="destination_number" expression="^1"/>'
             '<regex field="caller_id_number" expression="^2"/><regex field="caller_id_name" expression="^O"/>'
             f'{log("one")}{log("not one", "anti-action")}</condition>', cont=True)
         + ext("u", '<condition regex="some"><regex field="caller_id_number" expression="^9"/>'
               f'<regex field="caller_id_name" expression="^O"/>{log("any")}</condition>'),
         executed=["log INFO not one", "log INFO any"]),
    Case("a condition with a field and time attributes passes if either passes",
         ext("a", '<condition field="destination_number" expression="^nomatch$" wday="2">'
             f'{log("either")}</condition>', cont=True)
         + ext("b", f'<condition field="destination_number" expression="^nomatch$" hour="3">{log("x")}'
               f'{log("neither", "anti-action")}</condition>'),
         executed=["log INFO either", "log INFO neither"]),
    Case("time tests read time + tod_tz_offset hours; date-time reads the real time",
         ext("a", f'<condition wday="1" hour="12">{log("sunday noon")}</condition>', cont=True)
         + ext("b", f'<condition date-time="2026-12-05 12:00~2026-12-05 13:00">{log("never")}'
               f'{log("real time", "anti-action")}</condition>'),
         variables={"tod_tz_offset": "-34"},
         executed=["log INFO sunday noon", "log INFO real time"]),
    Case("execute_extension hunts the context again, setup extensions included",
         ext("setup", '<condition><action application="set" data="n=${n}x" inline="true"/></condition>', cont=True)
         + ext("entry", '<condition field="destination_number" expression="^100$">'
               '<action application="execute_extension" data="200_${n}"/>'
               f'{log("back ${n}")}</condition>')
         + ext("sub", f'<condition field="destination_number" expression="^200_x$">{log("sub ${n}")}</condition>'),
         executed=["set n=x", "set n=xx", "log INFO sub xx", "log INFO back xx"]),
    Case("transfer re-routes the call in its context and sets rdnis",
         ext("entry", '<condition field="destination_number" expression="^100$">'
             '<action application="transfer" data="200"/></condition>')
         + ext("landing", f'<condition field="destination_number" expression="^200$">{log("rdnis=${rdnis}")}'
               '<action application="hangup" data="USER_BUSY"/></condition>'),
         executed=["transfer 200", "log INFO rdnis=100", "hangup USER_BUSY"], hangup="USER_BUSY"),
    Case("auto_hunt=true starts at the extension named like the destination (--auto-hunt)",
         ext("first", f'<condition field="destination_number" expression="^\\d+$">{log("first")}</condition>')
         + ext("555", f"<condition>{log('named 555')}</condition>"),
         destination="555", variables={"auto_hunt": "true"}, options={"auto_hunt": True},
         executed=["log INFO named 555"]),
    Case("a call into a context that does not exist: NO_ROUTE_DESTINATION",
         ext("a", f"<condition>{log('a')}</condition>"), context="nowhere",
         executed=[], hangup="NO_ROUTE_DESTINATION"),
    Case("a failed bridge hangs up with its cause unless continue_on_fail covers it",
         ext("a", '<condition><action application="set" data="continue_on_fail=USER_BUSY,INVALID_GATEWAY"/>'
             '<action application="bridge" data="sofia/gateway/nogw/1"/>'
             '<action application="bridge" data="sofia/nosuchprofile/1"/>'
             f'{log("never")}</condition>'),
         executed=["set continue_on_fail=USER_BUSY,INVALID_GATEWAY", "bridge sofia/gateway/nogw/1",
                   "bridge sofia/nosuchprofile/1"], hangup="INVALID_PROFILE"),
    Case("a bridge to what the node has succeeds; hangup_after_bridge ends the call",
         ext("a", '<condition><action application="set" data="hangup_after_bridge=true"/>'
             '<action application="bridge" data="sofia/gateway/carrier/1"/>'
             f'{log("never")}</condition>'),
         world=World(gateways=("carrier",)),
         executed=["set hangup_after_bridge=true", "bridge sofia/gateway/carrier/1"]),
    Case("an application no loaded module provides: DESTINATION_OUT_OF_ORDER, not run",
         ext("a", f'<condition>{log("before")}<action application="voicemail" data="default x 1"/>'
             f'{log("after")}</condition>'),
         executed=["log INFO before"], hangup="DESTINATION_OUT_OF_ORDER"),
    Case("loop=N queues an action N times; nested conditions run after their parent's actions",
         ext("a", f'<condition>{log("x")}'.replace("/>", ' loop="2"/>')
             + f'<condition field="destination_number" expression="^1">{log("nested")}</condition>'
             f'{log("after nest")}</condition>'),
         executed=["log INFO x", "log INFO x", "log INFO after nest", "log INFO nested"]),
    Case("require-nested=false: a false nested condition does not fail its extension",
         ext("a", f'<condition field="destination_number" expression="^1" require-nested="false">{log("outer")}'
             f'<condition field="caller_id_number" expression="^nobody$">{log("inner")}</condition></condition>')
         + ext("after", f"<condition>{log('after')}</condition>"),
         executed=["log INFO outer"]),
]


@pytest.mark.parametrize("case", CASES, ids=[c.rule[:60] for c in CASES])
def test_freeswitch_rule(tmp_path, case):
    result = import_text(tmp_path, xml_context("t", "\n".join(f"    {line}" for line in
                                                         case.body.split("\n"))), **case.options)
    assert result.report.of_kind("error", "untranslated") == []
    actual = route(graph_of(tmp_path, result), case.context, case.destination,
                   world=case.world, caller_id_number=case.caller_id_number,
                   caller_id_name=case.caller_id_name, variables=case.variables, when=case.when)
    assert (actual.executed, actual.hangup) == (case.executed, case.hangup), actual.notes


def test_inline_answer_is_refused_and_reported(tmp_path):
    result = import_text(tmp_path, xml_context("t", ext("a", '<condition>'
                                                       '<action application="answer" inline="true"/></condition>')))
    warnings = [i.message for i in result.report.of_kind("warning")]
    assert any("refuses to run answer inline" in w for w in warnings)
    assert "inline answer is refused by FreeSWITCH" in result.text


def test_each_route_carries_its_source_and_the_comments_are_kept(tmp_path):
    xml = xml_context("public", "    <!-- DIDs of the Berlin office -->\n"
                      + ext("Berlin DID 1", '<condition field="destination_number" expression="^(4930\\d+)$">'
                            '<!-- to the front desk --><action application="transfer" data="$1 XML default"/>'
                            "</condition>"))
    result = import_text(tmp_path, xml)
    text = result.text
    assert "# DIDs of the Berlin office" in text and "# to the front desk" in text
    assert '# dialplan.xml:4 extension "Berlin DID 1"' in text.replace(str(tmp_path) + "/", "")
    assert 'route Berlin_DID_1 "^(4930\\d+)$" {' in text
    assert 'transfer(f"{$1}", "XML", "default")' in text
    assert "dialplan public {\n    hunt\n" in text
