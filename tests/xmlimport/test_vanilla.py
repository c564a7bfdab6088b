"""FreeSWITCH's own vanilla dialplan (default.xml and public.xml) through the importer.

Everything it cannot translate is reported with file:line, every extension is either a
route or left visibly as a commented block, and the output passes ``switchy check``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from switchy.cli import main
from switchy.dialplan import check_text
from switchy.xmlimport import import_xml
from tests.support.xmlimport import DATA, graph_of, route

VANILLA = DATA / "vanilla"


@pytest.fixture(scope="module")
def vanilla():
    return import_xml([str(VANILLA)])


def test_the_vanilla_dialplan_checks(vanilla):
    assert [d.format() for d in check_text(vanilla.text) if d.is_error] == []
    assert vanilla.report.of_kind("error") == []


def test_every_extension_is_a_route_or_visibly_left_out(vanilla):
    extensions = [e for c in vanilla.dialplans.contexts for e in c.extensions]
    assert len(extensions) == 72
    heads = re.findall(r"^    route \S+", vanilla.text, re.MULTILINE)
    left = re.findall(r"^    # UNTRANSLATED", vanilla.text, re.MULTILINE)
    assert len(heads) + len(left) == len(extensions)
    for ext in extensions:  # each route says where its extension is
        assert f"{ext.pos.file}:{ext.pos.line} " in vanilla.text


def test_everything_untranslatable_is_reported_with_its_place(vanilla):
    untranslated = vanilla.report.of_kind("untranslated")
    assert untranslated, "vanilla uses $${...} from vars.xml, which was not given"
    for issue in untranslated:
        assert Path(issue.pos.file).name in ("default.xml", "public.xml") and issue.pos.line > 1
        assert issue.message
    names = {m.group(1) for i in untranslated if (m := re.search(r"\$\$\{([^}]+)\}", i.message))}
    assert names == {"conf_dir", "rtp_sdes_suites", "hold_music", "recordings_dir", "temp_dir",
                     "uk-ring", "domain"}
    assert {Path(i.pos.file).name for i in vanilla.report.of_kind("warning")} == {"default.xml",
                                                                                   "public.xml"}


def test_the_cli_writes_it_and_exits_1_for_the_untranslated_parts(tmp_path, capsys):
    out = tmp_path / "vanilla.swr"
    assert main(["import", str(VANILLA), "-o", str(out)]) == 1
    assert main(["import", str(VANILLA), "-o", str(out), "--allow-partial"]) == 0
    assert main(["check", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    assert "default.xml:139: untranslated: $${conf_dir} is a pre-processor variable" in printed


def test_a_vanilla_call_routes_like_freeswitch(tmp_path, vanilla):
    graph = graph_of(tmp_path, vanilla)
    echo = route(graph, "default", "9196")
    assert echo.executed[-2:] == ["answer", "echo"] and echo.hangup == "NORMAL_CLEARING"
    public = route(graph, "public", "1001")  # public_extensions: to the default context
    assert public.executed[:3] == ["set outside_call=true", public.executed[1], "transfer 1001 XML default"]
    assert public.executed[1].startswith("export RFC2822_DATE=")
    assert "Local_Extension" in public.routes
