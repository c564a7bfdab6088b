"""The editor knows ``hunt``, ``inline`` and ``execute_extension`` (hover, completion)."""

from switchy_lsp.features.hover import hover_text

from tests.support.lsp import analysed, at

TEXT = '''dialplan public {
    hunt
    route setup {
        inline setvar("office", "open")
    }
    route x "^5001$" {
        execute_extension("5001_${office}")
        stop
    }
}
'''
ANALYSIS = analysed(TEXT)


def hover(needle: str) -> str:
    found = hover_text(ANALYSIS, at(TEXT, needle, 1))
    assert found is not None, needle
    return found[0]


def test_hover_explains_hunt_inline_and_execute_extension():
    assert "FreeSWITCH's XML order" in hover("hunt")
    assert "instead of queuing it" in hover("inline")
    text = hover("execute_extension")
    assert text.startswith("```swr\nexecute_extension(extension, context=none)\n```")
    assert "carried out by switchy" in text
