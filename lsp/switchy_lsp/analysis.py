"""One open document, read and checked: the program it roots, its diagnostics, its lines.

Every feature answers from an ``Analysis``, built once per document version. The program
is loaded the way ``switchy check`` loads it (includes resolved next to the file), with
two editor twists: included files that are open are read from their unsaved buffers, and
parsing goes through the server's ``IncrementalParser`` so an edit re-parses only the
items it touched.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path, to_fs_path

from switchy.dialplan import ast
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.frontend import loader
from switchy.dialplan.frontend.checker import check
from switchy.dialplan.frontend.loader import Parse, Program, load, load_text, read_source, swr_files
from switchy.dialplan.frontend.parser import ParseResult, parse
from switchy_lsp.convert import UTF16, LineIndex
from switchy_lsp.names import Names

log = logging.getLogger(__name__)

Reader = Callable[[Path], str]


def file_for(uri: str) -> str:
    """The file name spans of this document carry: its path, or ``<uri>`` when unsaved."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    return os.path.normpath(path) if path else f"<{uri}>"


def uri_for(file: str) -> str:
    if file.startswith("<") and file.endswith(">"):
        return file[1:-1]
    return from_fs_path(os.path.normpath(os.path.abspath(file))) or file


def _read(path: Path) -> str:
    return read_source(path)


@dataclass
class Analysis:
    uri: str
    version: int | None
    file: str
    text: str
    program: Program
    diagnostics: list[dg.Diagnostic]  # of the whole program,
    encoding: str = UTF16
    scope: str = "file"  # the program it was checked as (settings.program)
    _lines: dict[str, LineIndex] = field(default_factory=dict, repr=False)

    @property
    def parse(self) -> ParseResult:
        return self.program.files[self.file]

    @property
    def module(self) -> ast.Module:
        return self.parse.module

    @property
    def lines(self) -> LineIndex:
        return self.lines_of(self.file)

    def lines_of(self, file: str) -> LineIndex:
        if file not in self._lines:
            result = self.program.files.get(file)
            self._lines[file] = LineIndex(result.text if result else "", self.encoding)
        return self._lines[file]

    def text_of(self, file: str) -> str | None:
        result = self.program.files.get(file)
        return result.text if result else None

    def location(self, span: ast.Span) -> types.Location:
        return types.Location(uri=uri_for(span.file), range=self.lines_of(span.file).span_range(span))

    def range(self, span: ast.Span) -> types.Range:
        return self.lines_of(span.file).span_range(span)

    def offset(self, position: types.Position) -> int:
        return self.lines.offset(position)

    @functools.cached_property
    def own_diagnostics(self) -> list[dg.Diagnostic]:
        return [d for d in self.diagnostics if d.span.file == self.file]

    @functools.cached_property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    @functools.cached_property
    def names(self) -> Names:
        return Names(self.program, self.module)


# A directory with more .swr files than this is not read as one program (a document
# opened from a home directory must not walk the whole disk): its documents are checked
# alone, and the log says so.
DIRECTORY_FILE_LIMIT = 2000


class Superseded(Exception):
    """A newer version of the document came while this one was being analysed."""


def analyse(uri: str, text: str, version: int | None = None, *, parse_file: Parse = parse,
            reader: Reader = _read, encoding: str = UTF16, scope: str = "file",
            superseded: Callable[[], bool] | None = None) -> Analysis:
    """Load and check ``text`` as the document ``uri``. Never raises on any text; raises
    ``Superseded`` between loading and checking when ``superseded()`` says so.

    ``scope`` "file": the document and its includes (``switchy check FILE``);
    "directory": with every ``.swr`` file of its directory and below, the program
    ``switchy check DIR`` reads."""
    file = file_for(uri)
    if len(text) > loader.MAX_SOURCE_BYTES:
        # parsing it would stall every other request and hold memory out of proportion
        program = load_text("", file, reader=reader, parse_file=parse_file)
        program.files[file].text = text
        too_big = dg.make("SWR210", f"not analysed: {len(text):,} characters, more than the "
                          f"{loader.MAX_SOURCE_BYTES:,}-byte limit (SWITCHY_MAX_SOURCE_BYTES)",
                          ast.Span(file, 1, 1, 1, 1, 0, 0))
        return Analysis(uri, version, file, text, program, [too_big], encoding, scope)
    siblings = _directory_program(file) if scope == "directory" else None
    if siblings is None:
        program = load_text(text, file, reader=reader, parse_file=parse_file)
    else:
        if not any(str(p) == file for p in siblings):
            siblings = sorted([*siblings, Path(file)])  # a new document not saved yet
        program = load(siblings, reader=reader, overrides={file: text}, parse_file=parse_file)
    if superseded is not None and superseded():
        raise Superseded(uri)
    return Analysis(uri, version, file, text, program, check(program), encoding, scope)


def _directory_program(file: str) -> list[Path] | None:
    """The files of the directory program ``file`` belongs to; None to check it alone."""
    if file.startswith("<"):
        return None
    folder = Path(file).parent
    if not folder.is_dir():
        return None
    found = swr_files(folder, DIRECTORY_FILE_LIMIT)
    if found is None:
        log.info("%s has more than %d .swr files: %s is checked alone", folder,
                 DIRECTORY_FILE_LIMIT, file)
    return found
