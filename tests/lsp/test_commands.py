"""The simulate command: one call through the document's program, as switchy simulate."""

import pytest
from switchy_lsp.features.commands import CommandError, render_graph, simulate

from tests.support.lsp import analysed

TEXT = '''handler bridge2dest(gateway=none, response=none) {
    if response { respond(response) stop }
    bridge(gateway=gateway)
}
route intl "00(.*)|011(.*)" -> bridge2dest(response="407")
route long "1(.*)" -> bridge2dest(gateway="trunk")
route hours "^500$" { if hour in 8..17 { answer() } else { hangup("USER_BUSY") } }
'''


async def test_a_simulated_call_gives_the_path_and_the_exact_commands():
    result = await simulate(analysed(TEXT), {"Caller-Destination-Number": "0114412"})
    labels = [step["label"] for step in result["path"]]
    assert 'route intl "00(.*)|011(.*)"' in labels and "respond(response)" in labels
    zero = "00000000-0000-4000-8000-000000000000"
    # a final respond ends the call: hung up with its cause if it is still there after
    assert [(c["kind"], c["text"]) for c in result["commands"]] == [
        ("execute", "respond 407"), ("api", f"uuid_kill {zero} CALL_REJECTED")]
    assert "execute-app-name: respond\nexecute-app-arg: 407\n" in result["commands"][0]["wire"]
    assert result["outcome"] == {"result": "routed", "dialplan": "default", "routes": ["intl"],
                                 "stopped": True, "left": False, "kept": False,
                                 "cause": "CALL_REJECTED", "error": None}
    assert "outcome: routed; routes matched: intl; stopped" in result["text"]
    respond = next(s for s in result["path"] if s["label"] == "respond(response)")
    assert (respond["line"], respond["column"]) == (2, 19)


async def test_the_time_of_the_call_can_be_given():
    day = await simulate(analysed(TEXT), {"Caller-Destination-Number": "500"}, {"at": "2024-12-24T09:00"})
    night = await simulate(analysed(TEXT), {"Caller-Destination-Number": "500"}, {"at": "2024-12-24T23:00"})
    zero = "00000000-0000-4000-8000-000000000000"
    assert [c["text"] for c in day["commands"]] == [f"uuid_answer {zero}",
                                                    f"uuid_kill {zero} NORMAL_CLEARING"]
    assert [c["text"] for c in night["commands"]] == [f"uuid_kill {zero} USER_BUSY"]


async def test_a_dialplan_with_errors_is_not_simulated():
    result = await simulate(analysed('route a { answerr() }'), {"Caller-Destination-Number": "1"})
    assert result["path"] == [] and result["commands"] == []
    assert result["outcome"] == {"result": "invalid"}
    assert "SWR201" in result["text"]


async def test_bad_arguments_are_refused():
    with pytest.raises(CommandError, match="headers must be an object"):
        await simulate(analysed(TEXT), ["Caller-Destination-Number=1"])
    with pytest.raises(CommandError, match="--at takes a date"):
        await simulate(analysed(TEXT), {}, {"at": "tomorrow"})


async def test_the_graph_is_switchy_graphs_picture_with_links_to_the_source():
    result = await render_graph(analysed(TEXT))
    assert result["svg"].lstrip().startswith("<?xml") and "</svg>" in result["svg"]
    assert 'xlink:href="#L5"' in result["svg"]  # route intl, line 5 of the document
    assert result["dot"].startswith("digraph switchy {")
    assert 'label="dialplan default"' in result["dot"]


async def test_the_graph_can_show_one_handler_or_a_traced_call():
    only = await render_graph(analysed(TEXT), {"handler": "bridge2dest"})
    assert "route intl" not in only["dot"]
    traced = await render_graph(analysed(TEXT), {"call": {"Caller-Destination-Number": "0114"}})
    assert "traced" in traced["svg"]
    with pytest.raises(CommandError, match="no handler named 'nope'"):
        await render_graph(analysed(TEXT), {"handler": "nope"})


async def test_no_graph_for_a_dialplan_with_errors():
    with pytest.raises(CommandError, match=r"the dialplan has errors: .*SWR201"):
        await render_graph(analysed('route a { answerr() }'))


async def test_without_graphviz_the_dot_text_still_comes(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` program anywhere on it
    result = await render_graph(analysed(TEXT))
    assert result["svg"] is None and result["dot"].startswith("digraph switchy {")
