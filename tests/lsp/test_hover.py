"""Hover: what the text under the cursor is, in markdown."""

from switchy_lsp.features.hover import hover_text

from tests.support.lsp import analysed, at

TEXT = '''# Bridge out, or reject with a SIP response.
handler bridge2dest(out_profile=none, gateway=none, response=none) {
    if response {
        respond(response)
        stop
    }
    bridge(profile=out_profile, gateway=gateway, dest_url=variable_sip_req_uri)
}
route intl "00(.*)|011(.*)" -> bridge2dest(response="407")
route sales "^2(?P<ext>\\d{3})$" when Caller-Caller-ID-Number =~ "^1(\\d+)" {
    setvar("sales_ext", f"{$ext}")
    log(f"call for {$ext} from ${sip_from_user} ${sales_ext}", level="info")
    hangup("USER_BUSY")
}
route "_1NXXNXXXXXX" { if hour in 8..17 and weekday in mon..fri { transfer("1000") } }
'''
ANALYSIS = analysed(TEXT)


def hover(needle, inside=1):
    found = hover_text(ANALYSIS, at(TEXT, needle, inside))
    assert found is not None, needle
    return found


def test_action_docs_come_from_the_action_table():
    text, span = hover("bridge(profile")
    assert text.startswith("```swr\nbridge(dest_url=none, profile=none, gateway=none, proxy=none, "
                           "params=none, failover=true)\n```")
    assert "Connect the call to another destination" in text
    assert "- `gateway` (text) = `none`: Dial through this gateway" in text
    assert TEXT[span.start:span.end] == "bridge"


def test_handler_signature_with_its_comment_and_use():
    text, _ = hover("bridge2dest(response")
    assert "handler bridge2dest(out_profile=none, gateway=none, response=none)" in text
    assert "Bridge out, or reject with a SIP response." in text
    assert "Called 1 time" in text


def test_keyword_arguments_of_actions_and_handlers():
    assert "Dial through this gateway" in hover("gateway=gateway")[0]
    assert "Type: log level (debug, info, warning, error, critical)" in hover('level="info"')[0]
    text, _ = hover('response="407', 2)
    assert "response=none" in text and "Parameter of `handler bridge2dest(" in text


def test_headers_and_channel_variables():
    text, _ = hover("Caller-Caller", 3)
    assert "Event header of the call" in text and "The caller's number" in text
    text, _ = hover("variable_sip_req_uri", 5)
    assert "Channel variable `sip_req_uri`" in text and "Request-URI" in text


def test_freeswitch_variables_inside_strings():
    assert "The user part of the SIP From header." in hover("sip_from_user", 3)[0]
    text, span = hover("sales_ext}", 2)
    assert "Set by this dialplan (line 11)" in text
    assert TEXT[span.start:span.end] == "${sales_ext}"


def test_what_a_pattern_matches():
    text, _ = hover('"00(.*)', 2)
    assert "Matched against `Caller-Destination-Number` from its start" in text
    assert "Captures: `$1`, `$2`" in text and "For example: `005`" in text
    text, _ = hover('"^1(', 2)
    assert "Matched against `Caller-Caller-ID-Number`" in text
    text, _ = hover('"_1NXX', 3)
    assert "Asterisk pattern, read as the regex `^1[2-9][0-9][0-9][2-9]" in text
    assert "For example: `12002000000`" in text


def test_a_capture_shows_its_group():
    text, _ = hover("$ext}")
    assert "Group ext of the route pattern `^2(?P<ext>\\d{3})$`: `(?P<ext>\\d{3})`" in text


def test_builtins_and_keywords():
    assert "Hour of the day, 0-23." in hover("hour in")[0]
    assert 'break="on-true"' in hover("stop")[0]
    assert "A route: a pattern" in hover("route sales")[0]
    assert "Monday, for `weekday` tests" in hover("mon..")[0]


def test_nothing_on_blank_space():
    assert hover_text(ANALYSIS, TEXT.index("\n}\n") + 2) is None
