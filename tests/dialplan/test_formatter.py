"""``switchy fmt``: one canonical layout, comments kept, meaning unchanged, idempotent."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from switchy.dialplan.frontend.formatter import format_text
from switchy.dialplan.frontend.parser import parse

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.swr"))

MESSY = '''# header comment
include "x.swr"
select   Caller-Context
guard Call-Direction=="inbound"   # inbound only


handler bridge2dest(out_profile=none,gateway=none, proxy=none, response=none) {  # shared
  if response { log(f"Rejecting {Caller-Destination-Number}", level="warning") respond(response) hangup() }
  elif not (a or b) and c { x = 1 }
  else {
    # just bridge
    bridge(profile=out_profile, gateway=gateway, dest_url=variable_sip_req_uri, proxy=proxy, params="a=1")
  }
}
route "1(.*)" -> bridge2dest(gateway="long_distance_trunk")
route r2 Caller-Caller-ID-Number=~"^1" when hour in 8..17 { }
dialplan public { timezone "UTC"
  route did "^(\\d{10})$" { transfer(f"{$1}", "XML", "default") stop }  # go
  # trailing in dialplan
}
# end
'''

EXPECTED = '''# header comment
include "x.swr"
select Caller-Context
guard Call-Direction == "inbound"  # inbound only

handler bridge2dest(out_profile=none, gateway=none, proxy=none, response=none) {  # shared
    if response {
        log(f"Rejecting {Caller-Destination-Number}", level="warning")
        respond(response)
        hangup()
    } elif not (a or b) and c {
        x = 1
    } else {
        # just bridge
        bridge(
            profile=out_profile,
            gateway=gateway,
            dest_url=variable_sip_req_uri,
            proxy=proxy,
            params="a=1",
        )
    }
}
route "1(.*)" -> bridge2dest(gateway="long_distance_trunk")
route r2 Caller-Caller-ID-Number =~ "^1" when hour in 8..17 { }
dialplan public {
    timezone "UTC"
    route did "^(\\d{10})$" {  # go
        transfer(f"{$1}", "XML", "default")
        stop
    }
    # trailing in dialplan
}
# end
'''


def test_messy_file_gets_the_canonical_layout():
    result = format_text(MESSY, "m.swr")
    assert result.ok and result.changed
    assert result.text == EXPECTED


def test_formatting_keeps_meaning_and_is_idempotent():
    once = format_text(MESSY).text
    assert format_text(once).text == once
    assert parse(once).module == parse(MESSY).module


def test_parentheses_only_where_needed():
    text = 'route r { if (a or b) and not (c == d) or (e and f) { } }\n'
    out = format_text(text).text
    assert "if (a or b) and not c == d or e and f {" in out
    assert parse(out).module == parse(text).module


def test_long_conditions_continue_on_the_next_line():
    text = ('route r { if variable_caller_id_name =~ "^Michael\\s*S?\\s*Collins" or '
            'variable_caller_id_number =~ "^1001|3757|2816$" { park() } }')
    out = format_text(text).text
    assert out.splitlines()[1:3] == [
        '    if variable_caller_id_name =~ "^Michael\\s*S?\\s*Collins"',
        '            or variable_caller_id_number =~ "^1001|3757|2816$" {',
    ]
    assert format_text(out).text == out


def test_blank_lines_are_kept_but_never_doubled():
    out = format_text("# a\n\n\n\nroute r { park() }\n\n\n# b\n").text
    assert out == "# a\n\nroute r { park() }\n\n# b\n".replace("{ park() }", "{\n    park()\n}")


def test_files_with_syntax_errors_are_left_alone():
    text = 'route r { bridge(gatway="x" }\n'
    result = format_text(text)
    assert not result.ok and not result.changed and result.text == text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_formatted(path):
    text = path.read_text()
    assert format_text(text, str(path)).text == text


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=150))
def test_formatter_never_raises_and_is_idempotent_when_it_formats(text):
    result = format_text(text, "fuzz.swr")
    if result.ok:
        assert format_text(result.text).text == result.text
        assert parse(result.text).module == parse(text).module
