"""The real ``switchy graph`` command, run in a subprocess."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.support.pictures import EXAMPLES, lay_out

BIN = Path(sys.executable).parent / "switchy"
SWITCHY = [str(BIN)] if BIN.exists() else [shutil.which("switchy") or "switchy"]
ROUTER = str(EXAMPLES / "router.swr")


def switchy(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*SWITCHY, *args], capture_output=True, timeout=300,
                          env=env or dict(os.environ))


def test_svg_file(tmp_path):
    out = tmp_path / "router.svg"
    p = switchy("graph", ROUTER, "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert ET.parse(out).getroot().tag == "{http://www.w3.org/2000/svg}svg"
    assert f"wrote {out}" in p.stderr.decode()


def test_png_file(tmp_path):
    out = tmp_path / "router.png"
    p = switchy("graph", ROUTER, "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dot_file_and_svg_on_stdout(tmp_path):
    out = tmp_path / "router.dot"
    p = switchy("graph", ROUTER, "-o", str(out))
    assert p.returncode == 0, p.stderr
    pic = lay_out(out.read_text(encoding="utf-8"))
    assert len(pic.of_kind("match")) == 6
    p = switchy("graph", ROUTER)
    assert p.returncode == 0 and p.stdout.startswith(b"<?xml")
    assert ET.fromstring(p.stdout).tag == "{http://www.w3.org/2000/svg}svg"


def test_trace_highlights_the_simulated_call(tmp_path):
    out = tmp_path / "traced.dot"
    p = switchy("graph", ROUTER, "-o", str(out), "--trace", "--set",
                "Caller-Destination-Number=011441234", "--set", "variable_sip_req_uri=x@y",
                "--set", "Call-Direction=inbound")
    assert p.returncode == 0, p.stderr
    assert "traced call: routed; routes matched: international; stopped" in p.stderr.decode()
    pic = lay_out(out.read_text(encoding="utf-8"))
    traced = {n.text for n in pic.nodes.values() if "traced" in n.classes}
    assert "route international" in traced and "respond(response)" in traced
    assert "route support" not in traced and "answer()" not in traced


def test_one_handler(tmp_path):
    out = tmp_path / "h.dot"
    p = switchy("graph", ROUTER, "--handler", "bridge2dest", "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert set(lay_out(out.read_text(encoding="utf-8")).clusters) == {"cluster_handler_bridge2dest"}
    p = switchy("graph", ROUTER, "--handler", "nope")
    assert p.returncode == 2 and b"no handler named 'nope'" in p.stderr


def test_a_file_with_errors_prints_them_like_check_and_exits_1(tmp_path):
    bad = tmp_path / "bad.swr"
    bad.write_text('route r "^1$" {\n    ansver()\n}\n', encoding="utf-8")
    out = tmp_path / "bad.svg"
    p = switchy("graph", str(bad), "-o", str(out))
    assert p.returncode == 1
    err = p.stderr.decode()
    assert f"{bad}:2:5: error[SWR201]" in err
    assert "        ansver()\n        ^^^^^^" in err  # the source line and the caret, as check
    assert not out.exists()


def test_without_dot_writes_the_dot_text_and_says_how_to_get_the_picture(tmp_path):
    env = {**os.environ, "PATH": str(tmp_path / "empty")}  # no dot on this PATH
    out = tmp_path / "router.png"
    p = switchy("graph", ROUTER, "-o", str(out), env=env)
    assert p.returncode == 3
    assert not out.exists()
    dot = (tmp_path / "router.dot").read_text(encoding="utf-8")
    assert dot.startswith("digraph switchy {") and "cluster_handler_bridge2dest" in dot
    err = p.stderr.decode()
    assert "`dot` program was not found" in err and "apt-get install graphviz" in err
    assert f"dot -Tpng {tmp_path / 'router.dot'} -o {out}" in err
    p = switchy("graph", ROUTER, env=env)  # to stdout: the DOT text there
    assert p.returncode == 3 and p.stdout.startswith(b"digraph switchy {")
