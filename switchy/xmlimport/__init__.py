"""``switchy import``: FreeSWITCH XML dialplans as a ``.swr`` program, with a report.

The pipeline, one module each: ``source`` reads XML files with their line numbers and runs
FreeSWITCH's pre-processor; ``model`` reads contexts, extensions, conditions and actions
as FreeSWITCH does; ``regex``, ``timeattrs`` and ``fields`` translate expressions, time
attributes and fields; ``translate`` writes the ``.swr`` text; ``report`` lists what was
not (or not exactly) translated, with file:line.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from switchy.dialplan import check_text, timeofday
from switchy.dialplan.frontend.formatter import format_text
from switchy.xmlimport.model import Dialplans, Extension, build
from switchy.xmlimport.report import Pos, Report
from switchy.xmlimport.source import Preprocessor, read_variables
from switchy.xmlimport.translate import Options, write_program


@dataclass
class ImportResult:
    text: str
    report: Report
    dialplans: Dialplans
    files: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.report.complete


def xml_files(paths: list[str], report: Report) -> list[Path]:
    """The XML files named: files as given, directories' ``*.xml`` (sorted)."""
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.xml") if p.is_file())
            if not found:
                report.error(Pos(name, 1), f"{name}: no *.xml file in this directory")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            report.error(Pos(name, 1), f"{name}: no such file or directory")
    return out


def server_offset(tz: str | None) -> int | None:
    """The fixed UTC offset (hours) of a zone, None when it has none (or is unknown)."""
    if not tz:
        return None
    zone = timeofday.resolve_timezone(tz)
    if isinstance(zone, timeofday.ClockShift):
        return zone.hours
    if zone is None:
        return None
    winter = dt.datetime(2024, 1, 15, 12, tzinfo=zone).utcoffset()
    summer = dt.datetime(2024, 7, 15, 12, tzinfo=zone).utcoffset()
    if winter is None or winter != summer or winter.total_seconds() % 3600:
        return None
    return int(winter.total_seconds() // 3600)


def import_xml(paths: list[str], *, vars_file: str | None = None, timezone: str | None = None,
               auto_hunt: bool = False, variables: dict[str, str] | None = None) -> ImportResult:
    """Read FreeSWITCH XML dialplans and translate them. Never raises on bad input."""
    report = Report()
    pre = Preprocessor(report)
    if variables:
        pre.variables.update(variables)
    if vars_file:
        vars_report = Report()
        pre.variables.update(read_variables(Path(vars_file), vars_report))
        for issue in vars_report.issues:
            report.add(issue.pos, "error" if issue.kind == "error" else "note", issue.message)
    if timezone and timeofday.resolve_timezone(timezone) is None:
        report.error(Pos("--timezone", 1), f"unknown time zone {timezone!r}")
        timezone = None
    roots = []
    shown_files = []
    for path in xml_files(paths, report):
        shown = os.path.relpath(path) if not path.is_absolute() else str(path)
        root = pre.load(path, shown)
        if root is not None:
            roots.append(root)
            shown_files.append(shown)
    dialplans = build(roots, report)
    if not dialplans.contexts and not report.of_kind("error"):
        report.error(Pos(shown_files[0] if shown_files else "(input)", 1),
                     "no <context> found: nothing to import")
    opts = Options(timezone=timezone, server_offset=server_offset(timezone), auto_hunt=auto_hunt)
    text = write_program(dialplans, shown_files, report, opts, _source_lines)
    formatted = format_text(text, "<import>")
    if formatted.ok:
        text = formatted.text
    for d in check_text(text, "<import>"):
        if d.is_error:  # the importer's own mistake: say so rather than write a broken file
            report.error(Pos("<import>", d.span.line), f"switchy import wrote .swr that does "
                         f"not check ({d.code} {d.message}); please report this")
    return ImportResult(text, report, dialplans, shown_files)


def _source_lines(ext: Extension) -> list[str]:
    try:
        lines = Path(ext.pos.file).read_text(errors="replace").splitlines()
    except OSError:
        return []
    end = ext.end_line or ext.pos.line
    return lines[ext.pos.line - 1:end]
