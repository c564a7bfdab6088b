"""Dialplan test files (``.swrtest``): TOML listing calls and what must happen to them.

```toml
dialplan = "office.swr"            # the .swr file(s) under test, next to this file

[node]                             # the FreeSWITCH the calls run on (see node.World)
gateways = ["carrier1"]

[[call]]
name = "office hours"
context = "public"
destination = "5001"
caller_id_number = "1000"
time = 2026-12-08T10:00:00Z
variables = { tod_tz_offset = "0" }

[call.expect]
executed = [                       # applications FreeSWITCH runs, in order, data expanded
    "answer",
    "playback /sounds/welcome.wav",
]
hangup = "NORMAL_CLEARING"         # how the call ends ("" while it is still up)
routes = ["office_is_open"]        # optional: the routes that ran
```

A ``[call.differs]`` table (``reason``, and the keys of ``expect`` that differ) records a
known, explained difference: the call then passes when switchy does exactly that.

Every problem in a file is reported with its line: TOML syntax, unknown keys (with the
closest known one), values of the wrong type, header names FreeSWITCH does not send.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from switchy.dialplan import headers as known_headers
from switchy.dialplan.diagnostics import did_you_mean
from switchy.dialplantest.node import World
from switchy.xmlimport import apps

TOP_KEYS = {"dialplan", "node", "call"}
NODE_KEYS = {"timezone", "modules", "gateways", "profiles", "users", "channel", "globals", "db"}
CALL_KEYS = {"name", "context", "destination", "caller_id_number", "caller_id_name", "time",
             "seed", "variables", "headers", "expect", "differs", "context_missing", "note"}
EXPECT_KEYS = {"executed", "hangup", "routes", "result"}
DIFFERS_KEYS = EXPECT_KEYS | {"reason"}
RESULTS = ("routed", "no-route", "rejected", "no-dialplan", "error")


@dataclass
class Expect:
    executed: list[str] | None = None
    hangup: str | None = None
    routes: list[str] | None = None
    result: str | None = None


@dataclass
class Call:
    name: str
    line: int
    context: str = "default"
    destination: str = ""
    caller_id_number: str = ""
    caller_id_name: str = ""
    time: dt.datetime | None = None
    seed: int | None = None
    variables: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    expect: Expect = field(default_factory=Expect)
    differs: Expect | None = None
    reason: str = ""
    context_missing: bool = False
    lines: dict[str, int] = field(default_factory=dict)  # where each key is written


@dataclass
class Problem:
    line: int
    message: str


@dataclass
class TestFile:
    path: Path
    dialplans: list[Path] = field(default_factory=list)
    world: World = field(default_factory=World)
    calls: list[Call] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    dialplan_line: int = 1

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message))


class _Lines:
    """Where keys are written: TOML parsers give values, not lines, so find them."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.sections: list[tuple[int, str]] = []  # (line, header) of [x] / [[x]]
        for i, line in enumerate(self.lines, 1):
            m = re.match(r"\s*(\[\[?)\s*([^\]]+?)\s*\]\]?", line)
            if m:
                self.sections.append((i, m.group(1) + m.group(2)))

    def section(self, header: str, nth: int = 0) -> int | None:
        found = [line for line, h in self.sections if h == header]
        return found[nth] if nth < len(found) else None

    def call_start(self, index: int) -> int:
        return self.section("[[call", index) or 1

    def key(self, name: str, start: int, stop_at_table: bool = True) -> int:
        """The line of ``name = ...`` at or after ``start`` (before the next table)."""
        pattern = re.compile(rf"\s*(?:\"{re.escape(name)}\"|{re.escape(name)})\s*=")
        for i in range(start, len(self.lines) + 1):
            text = self.lines[i - 1]
            if i > start and stop_at_table and re.match(r"\s*\[\[?call\]", text):
                break
            if pattern.match(text):
                return i
        return start

    def table_in_call(self, index: int, table: str) -> int | None:
        start = self.call_start(index)
        nxt = self.section("[[call", index + 1) or len(self.lines) + 1
        for line, header in self.sections:
            if start < line < nxt and header == f"[call.{table}":
                return line
        return None


def _unknown(keys, allowed: set[str], where: str, line_of, out: TestFile) -> None:
    for key in keys:
        if key not in allowed:
            guess = did_you_mean(key, sorted(allowed))
            hint = f" (did you mean {guess!r}?)" if guess else ""
            out.problem(line_of(key), f"unknown key {key!r} in {where}{hint}")


def _strings(value, what: str, line: int, out: TestFile) -> list[str] | None:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        out.problem(line, f"{what} must be a list of strings")
        return None
    return list(value)


def _table_of_strings(value, what: str, line: int, out: TestFile) -> dict[str, str]:
    if not isinstance(value, dict):
        out.problem(line, f"{what} must be a table of name = \"value\"")
        return {}
    result = {}
    for k, v in value.items():
        if isinstance(v, bool):
            v = "true" if v else "false"
        if isinstance(v, int | float):
            v = str(v)
        if not isinstance(v, str):
            out.problem(line, f"{what}: {k!r} must be text")
            continue
        result[str(k)] = v
    return result


def load(path: Path) -> TestFile:
    """Read and check a test file; problems are collected, never raised."""
    out = TestFile(path)
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        out.problem(1, f"cannot read: {exc}")
        return out
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+)", str(exc))
        out.problem(int(m.group(1)) if m else 1, f"not valid TOML: {exc}")
        return out
    lines = _Lines(text)
    _unknown(data, TOP_KEYS, "the file", lambda k: lines.key(k, 1, False), out)
    out.dialplan_line = lines.key("dialplan", 1, False)
    dialplan = data.get("dialplan")
    names = [dialplan] if isinstance(dialplan, str) else dialplan
    if names is None:
        out.problem(1, "no `dialplan = \"file.swr\"`: which dialplan is tested?")
        names = []
    elif not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        out.problem(out.dialplan_line, "dialplan must be a file name or a list of them")
        names = []
    for name in names:
        target = (path.parent / name) if not Path(name).is_absolute() else Path(name)
        if not target.exists():
            out.problem(out.dialplan_line, f"dialplan {name!r} not found (next to this file)")
        else:
            out.dialplans.append(target)
    node = data.get("node", {})
    if not isinstance(node, dict):
        out.problem(lines.section("[node") or 1, "node must be a table")
        node = {}
    _world(node, lines, out)
    calls = data.get("call", [])
    if not isinstance(calls, list):
        out.problem(1, "call must be an array of tables: write [[call]]")
        calls = []
    if not calls:
        out.problem(1, "no [[call]]: nothing to test")
    for index, raw in enumerate(calls):
        call = _call(index, raw, lines, out)
        if call is not None:
            out.calls.append(call)
    return out


def _world(node: dict, lines: _Lines, out: TestFile) -> None:
    start = lines.section("[node") or 1
    _unknown(node, NODE_KEYS, "[node]", lambda k: lines.key(k, start, False), out)
    w = out.world
    if "timezone" in node:
        if not isinstance(node["timezone"], str):
            out.problem(lines.key("timezone", start, False), "timezone must be text")
        else:
            w.timezone = node["timezone"]
    for key in ("modules", "gateways", "profiles", "users"):
        if key in node:
            values = _strings(node[key], key, lines.key(key, start, False), out)
            if values is not None:
                setattr(w, key, tuple(values))
    for module in w.modules:
        if module not in apps.MODULE_APPS:
            guess = did_you_mean(module, sorted(apps.MODULE_APPS))
            out.problem(lines.key("modules", start, False), f"unknown module {module!r}"
                        + (f" (did you mean {guess!r}?)" if guess else ""))
    if "channel" in node:
        if node["channel"] not in ("loopback", "sofia"):
            out.problem(lines.key("channel", start, False), "channel is loopback or sofia")
        else:
            w.channel = node["channel"]
    if "globals" in node:
        w.globals.update(_table_of_strings(node["globals"], "globals",
                                           lines.key("globals", start, False), out))
    if "db" in node:
        w.db.update(_table_of_strings(node["db"], "db", lines.key("db", start, False), out))


def _expect(raw, allowed: set[str], line: int, lines: _Lines, what: str, out: TestFile) -> Expect:
    exp = Expect()
    if not isinstance(raw, dict):
        out.problem(line, f"{what} must be a table")
        return exp
    _unknown(raw, allowed, what, lambda k: lines.key(k, line), out)
    if "executed" in raw:
        exp.executed = _strings(raw["executed"], f"{what}.executed", lines.key("executed", line), out)
    if "routes" in raw:
        exp.routes = _strings(raw["routes"], f"{what}.routes", lines.key("routes", line), out)
    if "hangup" in raw:
        if isinstance(raw["hangup"], str):
            exp.hangup = raw["hangup"]
        else:
            out.problem(lines.key("hangup", line), f"{what}.hangup must be a hangup cause")
    if "result" in raw:
        if raw["result"] not in RESULTS:
            out.problem(lines.key("result", line), f"{what}.result is one of {', '.join(RESULTS)}")
        else:
            exp.result = raw["result"]
    return exp


def _call(index: int, raw, lines: _Lines, out: TestFile) -> Call | None:
    start = lines.call_start(index)
    if not isinstance(raw, dict):
        out.problem(start, "each [[call]] must be a table")
        return None
    _unknown(raw, CALL_KEYS, "[[call]]", lambda k: lines.key(k, start), out)
    call = Call(name=str(raw.get("name", f"call {index + 1}")), line=start,
                lines={k: lines.key(k, start) for k in raw if k in CALL_KEYS})
    for key in ("context", "destination", "caller_id_number", "caller_id_name"):
        if key in raw:
            if isinstance(raw[key], str | int) and not isinstance(raw[key], bool):
                setattr(call, key, str(raw[key]))
            else:
                out.problem(lines.key(key, start), f"{key} must be text")
    if "seed" in raw:
        if isinstance(raw["seed"], int) and not isinstance(raw["seed"], bool):
            call.seed = raw["seed"]
        else:
            out.problem(lines.key("seed", start), "seed must be a whole number")
    if "time" in raw:
        value = raw["time"]
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                out.problem(lines.key("time", start), f"time {value!r} is not a date and time")
                value = None
        if isinstance(value, dt.datetime):
            call.time = value
        elif value is not None:
            out.problem(lines.key("time", start), "time must be a date and time "
                        "(2026-12-07T22:26:04Z)")
    if "variables" in raw:
        call.variables = _table_of_strings(raw["variables"], "variables",
                                           lines.key("variables", start), out)
    if "headers" in raw:
        line = lines.key("headers", start)
        call.headers = _table_of_strings(raw["headers"], "headers", line, out)
        for name in call.headers:
            if name.startswith("variable_") or name in known_headers.EVENT_HEADERS:
                continue
            guess = did_you_mean(name, sorted(known_headers.EVENT_HEADERS))
            out.problem(line, f"header {name!r} is not one FreeSWITCH sends"
                        + (f" (did you mean {guess!r}?)" if guess else "")
                        + "; channel variables go in `variables`")
    if "context_missing" in raw:
        call.context_missing = raw["context_missing"] is True
    if "expect" not in raw:
        out.problem(start, f"call {call.name!r} has no [call.expect]: what must happen?")
    else:
        line = lines.table_in_call(index, "expect") or start
        call.expect = _expect(raw["expect"], EXPECT_KEYS, line, lines, "expect", out)
    if "differs" in raw:
        line = lines.table_in_call(index, "differs") or start
        call.differs = _expect(raw["differs"], DIFFERS_KEYS, line, lines, "differs", out)
        reason = raw["differs"].get("reason") if isinstance(raw["differs"], dict) else None
        if not isinstance(reason, str) or not reason.strip():
            out.problem(line, "[call.differs] needs a reason: why does switchy differ here?")
        else:
            call.reason = reason
    return call
