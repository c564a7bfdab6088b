"""The Neovim setup of docs/editors.md, tested as written: a real headless Neovim (Debian's
``neovim``, 0.7) loads that snippet as its init.lua and drives the real ``switchy-lsp``
(the one this checkout installs, found on PATH as the snippet names it) through
tests/editors/neovim_driver.lua."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("neovim_driver.lua")
MARK = "tests/editors/test_neovim.py runs this block"

MAIN = 'route a "1" -> greet(name="x")\nroute b "2" {\n    answr()\n}\n'
LIB = 'handler greet(name) {\n    log(name)\n    answer()\n}\n'
MESSY = 'route   x "9"{answer()\nhangup( "USER_BUSY" )}\n'


def snippet() -> str:
    """The Lua block of docs/editors.md that carries MARK, with this checkout's path."""
    doc = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```lua\n(.*?)```", doc, re.S) if MARK in b]
    return block.replace("/path/to/switchy", str(ROOT))


@pytest.fixture(scope="module")
def nvim() -> str:
    found = shutil.which("nvim")
    assert found, "Neovim is missing: apt-get install neovim (make system-deps does it)"
    return found


def drive(nvim: str, tmp_path: Path, init: str, **env: str) -> dict:
    folder = tmp_path / "dialplan"
    folder.mkdir()
    for name, text in (("main.swr", MAIN), ("lib.swr", LIB), ("messy.swr", MESSY), ("empty.swr", "")):
        (folder / name).write_text(text)
    (tmp_path / "init.lua").write_text(init)
    result = tmp_path / "result.json"
    home = tmp_path / "home"
    environ = {
        **os.environ, **env,
        # "switchy-lsp" on PATH is this checkout's, as after `pip install .`
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "state"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "SWITCHY_TEST_DIR": str(folder), "SWITCHY_TEST_OUT": str(result),
    }
    proc = subprocess.run([nvim, "--headless", "-u", str(tmp_path / "init.lua"), "-c", f"luafile {DRIVER}"],
                          cwd=folder, env=environ, capture_output=True, text=True, timeout=600,
                          stdin=subprocess.DEVNULL)
    assert result.exists(), (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    seen = json.loads(result.read_text())
    assert "error" not in seen, seen
    return seen


def test_neovim_with_the_documented_setup(nvim, tmp_path):
    seen = drive(nvim, tmp_path, snippet())
    assert (seen["filetype"], seen["syntax"], seen["clients"]) == ("swr", "swr", 1)
    # the directory is one program: greet() of lib.swr is known, answr() is not
    assert [(d["line"], d["column"], d["code"]) for d in seen["main"]] == [(3, 5, "SWR201")]
    assert seen["main"][0]["message"].endswith("did you mean answer()?")
    assert seen["completes_answer"] is True
    assert seen["definition"] == {"file": "lib.swr", "line": 1, "column": 9}
    assert seen["renamed_main"] == 'route a "1" -> welcome(name="x")'
    assert seen["renamed_lib"] == "handler welcome(name) {"
    assert seen["rename_keyword"] == "only handlers can be renamed"
    assert seen["formatted"] == ['route x "9" {', "    answer()", '    hangup("USER_BUSY")', "}"]
    assert seen["empty_modified"] is False
    assert seen["empty"] == []  # part of the directory program, which has routes
    # workspace/didChangeConfiguration: program = "file", main.swr alone knows no welcome()
    assert [(d["line"], d["column"], d["code"]) for d in seen["main_alone"]] == [(1, 16, "SWR201"), (3, 5, "SWR201")]


def test_init_options_reach_the_server(nvim, tmp_path):
    init = snippet().replace('init_options = { program = "directory" }', 'init_options = { program = "file" }')
    assert 'program = "file"' in init
    seen = drive(nvim, tmp_path, init, SWITCHY_TEST_ONLY_OPEN="1")
    assert [(d["line"], d["code"]) for d in seen["main"]] == [(1, "SWR201"), (3, "SWR201")]
