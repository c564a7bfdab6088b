"""editors/vim: the filetype, the highlighting groups a sample file gets in a real (headless)
Neovim, which reads Vim's runtime files, and word lists that follow the language modules."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from switchy.dialplan.actions import ACTIONS
from switchy.dialplan.builtins import BUILTIN_NAMES, FUNCTIONS, MONTHS, WEEKDAYS
from switchy.dialplan.language import DECLARATIONS, EXPRESSION_KEYWORDS, STATEMENT_KEYWORDS

ROOT = Path(__file__).resolve().parents[2]
RUNTIME = ROOT / "editors" / "vim"
SYNTAX = (RUNTIME / "syntax" / "swr.vim").read_text()

SAMPLE = '''\
# a comment  # noqa: SWR402
guard Call-Direction == "inbound"
handler greet(name=none) {
    log(f"hello {$1} ${caller_id_name}")
    if weekday in mon..fri and time in 08:00..17:30 { answer() } else { stop }
    x = mod.sub:func(variable_sip_req_uri, 2024-12-24, -5)
}
'''

# (line, column, text there, syntax group)
EXPECTED = [
    (1, 1, "#", "swrComment"), (1, 16, "noqa", "swrNoqa"),
    (2, 1, "guard", "swrDeclaration"), (2, 7, "Call-Direction", "swrHeader"),
    (2, 22, "==", "swrOperator"), (2, 25, '"inbound"', "swrString"),
    (3, 1, "handler", "swrDeclaration"), (3, 9, "greet", "swrDefName"), (3, 20, "none", "swrConstant"),
    (4, 5, "log", "swrAction"), (4, 9, 'f"', "swrString"), (4, 18, "$1", "swrCapture"),
    (4, 22, "${caller_id_name}", "swrExpansion"),
    (5, 5, "if", "swrStatement"), (5, 8, "weekday", "swrBuiltin"), (5, 16, "in", "swrWordOperator"),
    (5, 19, "mon", "swrDayMonth"), (5, 22, "..", "swrOperator"), (5, 40, "08:00", "swrTime"),
    (5, 55, "answer", "swrAction"), (5, 66, "else", "swrStatement"),
    (6, 9, "mod.sub:func", "swrPyRef"), (6, 22, "variable_sip_req_uri", "swrVariable"),
    (6, 44, "2024-12-24", "swrDateTime"), (6, 56, "-5", "swrNumber"),
]


def words(group: str) -> set[str]:
    found = set()
    for line in SYNTAX.splitlines():
        m = re.match(rf"syn keyword {group}\s+(.*)$", line)
        if m:
            found |= set(m.group(1).split())
    return found


def alternatives(group: str) -> set[str]:
    (pattern,) = re.findall(rf'syn match {group}\s+"\\<\\%\((.*?)\\\)', SYNTAX)
    return set(pattern.split("\\|"))


def test_word_lists_follow_the_language():
    assert words("swrDeclaration") == set(DECLARATIONS)
    assert words("swrStatement") == set(STATEMENT_KEYWORDS)
    assert words("swrWordOperator") | words("swrConstant") == set(EXPRESSION_KEYWORDS)
    assert alternatives("swrAction") == set(ACTIONS)
    assert alternatives("swrFunction") == set(FUNCTIONS)
    assert words("swrBuiltin") == set(BUILTIN_NAMES)
    assert words("swrDayMonth") == set(WEEKDAYS) | set(MONTHS)


def test_neovim_highlights_a_dialplan(tmp_path):
    nvim = shutil.which("nvim")
    assert nvim, "Neovim is missing: apt-get install neovim (make system-deps does it)"
    sample = tmp_path / "sample.swr"
    sample.write_text(SAMPLE)
    for line, column, text, _ in EXPECTED:
        assert SAMPLE.splitlines()[line - 1][column - 1:].startswith(text), (line, column, text)
    positions = json.dumps([[line, column] for line, column, _, _ in EXPECTED])
    result = tmp_path / "groups.json"
    init = tmp_path / "init.vim"
    init.write_text(f"set runtimepath^={RUNTIME}\n")
    script = tmp_path / "probe.vim"
    script.write_text(
        f"let groups = map(json_decode('{positions}'), 'synIDattr(synID(v:val[0], v:val[1], 1), \"name\")')\n"
        f"call writefile([json_encode({{'filetype': &filetype, 'shiftwidth': &shiftwidth, "
        f"'commentstring': &commentstring, 'groups': groups}})], '{result}')\n"
        "qa!\n")
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
           "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "state")}
    proc = subprocess.run([nvim, "--headless", "-u", str(init), "-c", "syntax on", "-S", str(script), str(sample)],
                          env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.exists(), proc.stderr[-2000:]
    seen = json.loads(result.read_text())
    assert (seen["filetype"], seen["shiftwidth"], seen["commentstring"]) == ("swr", 4, "# %s")
    got = [(line, column, text, group)
           for (line, column, text, _), group in zip(EXPECTED, seen["groups"], strict=True)]
    assert got == EXPECTED
