"""Writing dialplan test files, e.g. from calls recorded on a real FreeSWITCH.

``switchy import --tests OUT.swrtest --calls calls.jsonl`` writes one ``[[call]]`` per
recorded call of an imported context, with what FreeSWITCH did as the expectation, so a
migration carries its own proof. The recording format is the XML oracle's ``calls.jsonl``:
one JSON object a line with ``context``, ``destination``, ``caller_id_number``,
``caller_id_name``, ``variables``, ``time``, ``executed`` ([app, data] pairs) and
``hangup_cause`` (``id`` and ``note`` are kept as the name and a comment).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from switchy.dialplantest.runner import line_of

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")


class RecordingError(Exception):
    """A recorded call that cannot be read (with its line in the file)."""


@dataclass
class Recorded:
    line: int
    data: dict


def read_calls(path: Path) -> list[Recorded]:
    """The recorded calls of a ``calls.jsonl``; ``RecordingError`` on a bad line."""
    out = []
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordingError(f"{path}: cannot read: {exc}") from None
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RecordingError(f"{path}:{n}: not JSON: {exc.msg}") from None
        if not isinstance(data, dict) or not isinstance(data.get("context"), str):
            raise RecordingError(f"{path}:{n}: a recorded call needs at least a context")
        out.append(Recorded(n, data))
    return out


def toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else toml_string(key)


def _time(value: str) -> str | None:
    try:
        when = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return when.isoformat()


def write_tests(dialplan: str, calls: Iterable[dict], contexts: set[str], *,
                header: str = "") -> str:
    """A test file for ``dialplan`` holding ``calls`` (recorded-call dicts)."""
    out = [f"# {line}" for line in header.splitlines()] if header else []
    out += [f"dialplan = {toml_string(dialplan)}", "",
            "# The node the calls run on: the defaults are the FreeSWITCH box the XML oracle was",
            "# recorded on (UTC; no gateways, sofia profiles or directory users; mod_voicemail",
            "# not loaded). Say what yours has, e.g. gateways = [\"carrier1\"].",
            "[node]", 'timezone = "UTC"']
    for call in calls:
        out.append("")
        out.append("[[call]]")
        if call.get("id"):
            out.append(f"name = {toml_string(str(call['id']))}")
        if call.get("note"):
            out.append(f"note = {toml_string(str(call['note']))}")
        out.append(f"context = {toml_string(call['context'])}")
        if call["context"] not in contexts:
            out.append("context_missing = true  # no such context was imported")
        for key in ("destination", "caller_id_number", "caller_id_name"):
            if call.get(key) is not None:
                out.append(f"{key} = {toml_string(str(call[key]))}")
        when = _time(call.get("time"))
        if when:
            out.append(f"time = {when}")
        variables = call.get("variables") or {}
        if variables:
            items = ", ".join(f"{toml_key(str(k))} = {toml_string(str(v))}"
                              for k, v in variables.items())
            out.append(f"variables = {{ {items} }}")
        out.append("")
        out.append("[call.expect]")
        executed = [line_of(str(app), str(data)) for app, data in call.get("executed") or []]
        if executed:
            out.append("executed = [")
            out.extend(f"    {toml_string(e)}," for e in executed)
            out.append("]")
        else:
            out.append("executed = []")
        if call.get("hangup_cause") is not None:
            out.append(f"hangup = {toml_string(str(call['hangup_cause']))}")
    return "\n".join(out) + "\n"
