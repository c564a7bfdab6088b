"""Helpers of the importer's tests: import XML text, route a call on the node model."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from switchy.dialplan.build import build
from switchy.dialplantest.node import World
from switchy.dialplantest.runner import Actual, run_call
from switchy.dialplantest.testfile import Call
from switchy.xmlimport import ImportResult, import_xml

DATA = Path(__file__).resolve().parents[1] / "xmlimport" / "data"
ORACLE = DATA / "oracle"
MONDAY_EVENING = dt.datetime(2026, 12, 7, 22, 26, 4, tzinfo=dt.UTC)  # when the oracle ran


def import_text(tmp_path: Path, xml: str, name: str = "dialplan.xml", **options) -> ImportResult:
    """Import one XML file written from ``xml``."""
    path = tmp_path / name
    path.write_text(xml)
    options.setdefault("timezone", "UTC")
    return import_xml([str(path)], **options)


def graph_of(tmp_path: Path, result: ImportResult):
    path = tmp_path / "imported.swr"
    path.write_text(result.text)
    built = build([str(path)])
    errors = [d.format() for d in built.diagnostics if d.is_error]
    assert not errors, errors
    return built.graph


def route(graph, context: str, destination: str, *, world: World | None = None,
          caller_id_number: str = "1000", caller_id_name: str = "Oracle",
          variables: dict[str, str] | None = None, when: dt.datetime = MONDAY_EVENING) -> Actual:
    """One call through an imported program, on the node model."""
    call = Call("test", 1, context=context, destination=destination,
                caller_id_number=caller_id_number, caller_id_name=caller_id_name,
                time=when, variables=dict(variables or {}))
    return asyncio.run(run_call(graph, world or World(), call))


def xml_context(name: str, body: str) -> str:
    return f'<include>\n  <context name="{name}">\n{body}\n  </context>\n</include>\n'
