"""The extension's language client (src/client.ts, with the real vscode-languageclient)
started in plain Node under a stand-in `vscode` module (vscode-ext/tests/host/): with
the real switchy-lsp it runs and simulates a call; when the server cannot start, the
user sees one message that says why and what to do."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from tests.vscode.conftest import EXT, ROOT, built

FIXES = ["Open Settings", "Show Output", "Retry"]


def run_client(node: str, scenario: str, settings: dict, *extra: str) -> dict:
    script = built(EXT / "out" / "host" / "serverSmoke.js")
    result = subprocess.run([node, str(script), scenario, json.dumps(settings), *extra],
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


def test_client_starts_the_real_server_and_simulates_a_call(node):
    # examples/ is a folder of separate dialplans, not one program: the extension passes
    # switchy.program on to the server, which then checks router.swr alone.
    report = run_client(node, "simulate", {"switchy.server.pythonPath": sys.executable,
                                           "switchy.program": "file"},
                        str(ROOT / "examples" / "router.swr"))
    assert report["running"] is True
    assert report["shown"] == []
    assert "route international" in report["text"] and "respond 407" in report["text"]
    assert report["runningAfterStop"] is False


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"switchy.server.pythonPath": "/nonexistent/python3"},
         'switchy: cannot start the language server: "/nonexistent/python3" was not found. '
         'Set "switchy.server.pythonPath" to a Python that has switchy installed'),
        # -S: a Python that cannot see switchy (no site-packages)
        ({"switchy.server.command": [sys.executable, "-S", "-m", "switchy_lsp"]},
         f'switchy: "{sys.executable}" has no switchy language server '
         f"({sys.executable}: No module named switchy_lsp). "
         f"Install switchy-cluster into it (in a switchy checkout: {sys.executable} -m pip install .)"),
        ({"switchy.server.command": [sys.executable, "-c", "import sys; sys.exit('cannot read ~/.switchy.toml')"]},
         "stopped before it started: cannot read ~/.switchy.toml"),
    ],
    ids=["program-not-found", "python-without-switchy", "server-exits"],
)
def test_a_server_that_cannot_start_gets_one_clear_message(node, settings, expected):
    report = run_client(node, "start", settings)
    assert report["running"] is False
    # One message: the library's generic "couldn't create connection" popup is kept out.
    assert len(report["shown"]) == 1, report["shown"]
    shown = report["shown"][0]
    assert shown["kind"] == "error"
    assert expected in shown["message"]
    assert shown["items"] == FIXES


def test_preview_shows_the_servers_picture_and_clicks_open_the_source_line(node):
    """Show Call Flow on router.swr: the page is built under a nonce CSP, asks for its
    picture, gets the server's SVG (with links to source lines), and a click on line 22
    opens router.swr there."""
    document = ROOT / "examples" / "router.swr"
    report = run_client(node, "graph", {"switchy.server.pythonPath": sys.executable, "switchy.program": "file"},
                        str(document), "22")
    assert report["shown"] == []
    assert report["title"] == "Call flow: router.swr"
    html = report["html"]
    nonce = re.search(r"script-src &#39;nonce-([A-Za-z0-9]{32})&#39;", html).group(1)
    assert f'<script nonce="{nonce}" src="https://fake.vscode-cdn.net/' in html
    assert html.count("<script") == 1
    statuses, updates = report["posted"][:-1], report["posted"][-1]
    assert statuses == [{"type": "status", "text": "Rendering…"}]
    assert updates["type"] == "update" and updates["status"].startswith("Rendered ")
    body = updates["body"]
    assert body.startswith("<svg") and body.rstrip().endswith("</svg>")
    assert 'xlink:href="#L18"' in body  # route international
    assert "<script" not in body
    assert report["opened"] == [{"uri": document.as_uri(), "selection": [21, 21]}]


def test_a_node_from_an_included_file_opens_that_file(node, tmp_path):
    """The renderer links nodes of an included file as "<file>#L<line>" relative to the
    previewed file; the page passes the file on, and the extension opens it there."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "common rules.swr").write_text(
        '# shared handlers\nhandler reject(code="403") {\n    respond(code)\n}\n')
    main = tmp_path / "main.swr"
    main.write_text('include "rules/common rules.swr"\nroute blocked "^666" -> reject()\n')
    report = run_client(node, "graph", {"switchy.server.pythonPath": sys.executable}, str(main), "3",
                        "rules/common rules.swr")
    assert report["shown"] == []
    body = report["posted"][-1]["body"]
    assert 'xlink:href="rules/common%20rules.swr#L2"' in body  # the handler's entry
    assert 'xlink:href="#L2"' in body  # the route, in main.swr
    assert report["opened"] == [{"uri": (tmp_path / "rules" / "common rules.swr").as_uri(), "selection": [2, 2]}]
