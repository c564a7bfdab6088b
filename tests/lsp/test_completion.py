"""Completion, feature function by feature function: what is offered where."""

import pytest
from lsprotocol import types
from switchy_lsp.features.completion import complete, resolve_item

from tests.support.lsp import analysed, with_cursor

HANDLER = 'handler bridge2dest(out_profile=none, gateway) { bridge(gateway=gateway) }\n'


def labels(text, **kw):
    analysis, offset = with_cursor(text)
    return [i.label for i in complete(analysis, offset, **kw).items]


def item(text, label, **kw):
    analysis, offset = with_cursor(text)
    found = [i for i in complete(analysis, offset, **kw).items if i.label == label]
    assert found, f"{label!r} not offered"
    return found[0]


def test_statement_position_offers_actions_handlers_and_statements():
    got = labels(HANDLER + 'route a "1" { | }')
    assert {"bridge", "broadcast", "bridge2dest", "if", "stop", "return", "hangup"} <= set(got)
    assert "Caller-Destination-Number" not in got  # a header is no statement


def test_a_typed_word_keeps_what_it_fuzzily_matches_and_the_list_is_asked_again():
    analysis, offset = with_cursor(HANDLER + 'route a "1" { bri| }')
    result = complete(analysis, offset)
    assert sorted(i.label for i in result.items) == ["breakmedia", "bridge", "bridge2dest"]
    assert result.is_incomplete  # the next letter narrows it down on the server again
    assert "bri" not in [i.label for i in result.items]  # not the half-typed word itself


def test_an_action_is_a_snippet_with_its_required_arguments():
    respond = item('route a "1" { | }', "respond")
    assert respond.insert_text_format == types.InsertTextFormat.Snippet
    assert respond.text_edit.new_text == "respond(${1:code})$0"
    assert respond.detail == "respond(code)"
    plain = item('route a "1" { | }', "respond", snippets=False)
    assert plain.text_edit.new_text == "respond" and plain.insert_text_format is None


def test_a_handler_snippet_fills_in_its_required_parameters():
    got = item(HANDLER + 'route a "1" { | }', "bridge2dest")
    assert got.text_edit.new_text == "bridge2dest(gateway=${1})$0"
    assert got.detail == "handler bridge2dest(out_profile=none, gateway)"


def test_keyword_arguments_of_an_action_minus_those_given():
    got = labels('route a "1" { bridge(gateway="x", | ) }')
    assert got[:4] == ["dest_url=", "profile=", "proxy=", "params="]
    assert "gateway=" not in got


def test_keyword_arguments_of_a_handler():
    got = labels(HANDLER + 'route a "1" -> bridge2dest(|)')
    assert {"out_profile=", "gateway="} <= set(got)


def test_a_positional_argument_fills_its_parameter():
    assert "name=" not in labels('route a "1" { setvar("x", |) }')
    assert "value=" in labels('route a "1" { setvar("x", |) }')


def test_choices_of_an_argument_with_a_fixed_set():
    assert '"USER_BUSY"' in labels('route a "1" { hangup(cause=|) }')
    assert '"warning"' in labels('route a "1" { log("x", level=|) }')
    # inside the quotes already: no quotes added
    inside = item('route a "1" { hangup("USER_B|") }', "USER_BUSY")
    assert inside.text_edit.new_text == "USER_BUSY"


def test_after_an_arrow_only_what_can_be_called():
    got = labels(HANDLER + 'route a "1" -> |')
    assert "bridge2dest" in got and "bridge" in got
    assert "if" not in got and "Caller-Context" not in got


def test_header_names_where_a_header_is_expected():
    assert "Caller-Context" in labels("select Caller-|")
    edit = item('route a Caller-Caller|', "Caller-Caller-ID-Number").text_edit
    assert (edit.range.start.character, edit.range.end.character) == (8, 21)  # dashes included


def test_expressions_offer_headers_variables_builtins_and_locals():
    text = HANDLER.replace("gateway)", "gateway, limit=3)") + 'handler h(level=1) { seen = true if | }'
    got = labels(text)
    assert {"level", "seen", "hour", "inbound", "randint", "Caller-Destination-Number", "not"} <= set(got)
    assert "limit" not in got  # another handler's parameter
    # FreeSWITCH's hundreds of channel variables wait for a first letter
    assert "variable_sip_req_uri" not in got
    assert "variable_sip_req_uri" in labels(text.replace("if |", "if sipreq|"))


def test_variables_the_program_sets_are_offered_in_expressions_and_in_dollar_brace():
    text = 'route a "1" { setvar("my_flag", "1") setvars(other="2") execute("set", "third=3") '
    assert {"variable_my_flag", "variable_other", "variable_third"} <= set(labels(text + "if | }"))
    narrowed = labels(text + 'playback("${my|") }')
    assert narrowed[0] == "my_flag" and "sip_req_uri" not in narrowed
    got = labels(text + 'playback("${|") }')
    assert got[0] == "my_flag" and "sip_req_uri" in got
    assert "variable_sip_req_uri" not in got


def test_day_names_after_a_weekday_test():
    got = labels('route a "1" { if weekday in mon..| { stop } }')
    assert {"fri", "sat"} <= set(got)
    assert "jan" in labels('route a "1" { if month == | { stop } }')


def test_declarations_at_the_top_and_inside_a_dialplan():
    assert set(labels("|")) == {"route", "handler", "dialplan", "include", "select", "guard", "timezone",
                                "hunt"}
    assert set(labels("dialplan p {\n    |\n}")) == {"route", "guard", "timezone", "hunt"}
    route = item("|", "route")
    assert route.text_edit.new_text.startswith('route ${1:name} "${2:^pattern$}" {')


def test_else_after_an_if_block():
    got = labels('route a "1" { if x == 1 { answer() } el| }')
    assert {"else", "elif"} <= set(got)


def test_f_string_expressions_complete_as_code():
    assert "Caller-Destination-Number" in labels('route a "1" { log(f"to {Caller-Dest|}") }')


def test_nothing_in_comments_or_plain_strings_or_new_names():
    assert labels('route a "1" { answer() } # bri|') == []
    assert labels('route a "1" { playback("ivr/|") }') == []
    assert labels("handler new_na|") == []


def test_include_offers_swr_files_next_to_the_document(tmp_path):
    (tmp_path / "common.swr").write_text("")
    (tmp_path / "lib").mkdir()
    (tmp_path / "notes.txt").write_text("")
    text = 'include "|"'
    analysis = analysed(text.replace("|", ""), tmp_path / "main.swr")
    got = [i.label for i in complete(analysis, text.index("|")).items]
    assert got == ["common.swr", "lib/"]


@pytest.mark.parametrize(("text", "trigger", "offered"), [
    ('route a "1" { playback("${|") }', "{", True),
    ('route a "1" {|', "{", False),  # opening a block is no reason to pop up a list
    ('route a "1" -> |', " ", True),
    ('route a "1" { |', " ", False),
    ('route a "1" ->|', ">", True),
    ('route a "1" { hangup(cause=|) }', "=", True),
    ('route a "1" { x =|', "=", False),
])
def test_trigger_characters_open_completion_only_where_they_mean_something(text, trigger, offered):
    assert bool(labels(text, trigger=trigger)) == offered


def test_one_edit_range_for_the_whole_list_when_the_client_takes_it():
    analysis, offset = with_cursor('route a "1" { bri| }')
    result = complete(analysis, offset, default_range=True)
    assert result.item_defaults.edit_range.start.character == 14
    bridge = next(i for i in result.items if i.label == "bridge")
    assert bridge.text_edit is None and bridge.text_edit_text == "bridge()$0"


def test_documentation_of_static_items_comes_with_resolve():
    bridge = item('route a "1" { | }', "bridge")
    assert bridge.documentation is None
    resolved = resolve_item(bridge)
    assert "Connect the call to another destination" in resolved.documentation.value
    assert "`gateway`" in resolved.documentation.value
    header = resolve_item(item("select |", "Caller-Destination-Number"))
    assert "The number the caller dialled" in header.documentation.value
