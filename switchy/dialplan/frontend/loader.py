"""Read .swr files — their includes, or whole directories — into one ``Program``.

Includes are resolved relative to the including file and read once each (a second
include of the same file is ignored; a cycle is reported). Routes, guards and time
zones written outside any ``dialplan`` block form the dialplan named ``default``.
Items keep file order, an include standing where it is written.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from switchy.dialplan import ast
from switchy.dialplan import diagnostics as dg
from switchy.dialplan.frontend.parser import ParseResult, parse
from switchy.dialplan.language import DEFAULT_DIALPLAN, DEFAULT_SELECT


@dataclass
class Program:
    """Everything the checker and compiler need, from all files read."""

    files: dict[str, ParseResult] = field(default_factory=dict)  # in reading order
    dialplans: list[ast.Dialplan] = field(default_factory=list)
    handlers: list[ast.Handler] = field(default_factory=list)
    selects: list[ast.Select] = field(default_factory=list)
    diagnostics: list[dg.Diagnostic] = field(default_factory=list)  # syntax + loading

    @property
    def select_header(self) -> str:
        return self.selects[0].header.name if self.selects else DEFAULT_SELECT

    def dialplan(self, name: str) -> ast.Dialplan | None:
        return next((d for d in self.dialplans if d.name.name == name), None)

    def handler(self, name: str) -> ast.Handler | None:
        return next((h for h in self.handlers if h.name.name == name), None)

    @property
    def texts(self) -> dict[str, str]:
        return {name: result.text for name, result in self.files.items()}

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


Reader = Callable[[Path], str]
# How a file's text becomes a ParseResult: ``parse``, or an editor's incremental parser.
Parse = Callable[[str, str], ParseResult]


#: The largest .swr file read (bytes); ``SWITCHY_MAX_SOURCE_BYTES`` changes it.
MAX_SOURCE_BYTES = int(os.environ.get("SWITCHY_MAX_SOURCE_BYTES", 4 * 1024 * 1024))


class SourceError(OSError):
    """A dialplan path that is not a readable, regular, small enough file."""


def read_source(path: Path, limit: int | None = None, *, strict: bool = False) -> str:
    """A .swr file's text, read only if it is a regular file of at most ``limit`` bytes.

    A FIFO would block forever, ``/dev/zero`` never ends, a symlink loop never resolves:
    each is refused with a message that names the file, never its content. The file is
    opened without blocking and checked on the open descriptor, so it cannot be swapped
    for something else between the check and the read.
    """
    limit = MAX_SOURCE_BYTES if limit is None else limit
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise SourceError(errno.ELOOP, "a symbolic link loop (too many levels of links)") from None
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SourceError(errno.EISDIR, os.strerror(errno.EISDIR))
        if not stat.S_ISREG(info.st_mode):
            kind = ("a named pipe (FIFO)"
                    if stat.S_ISFIFO(info.st_mode) else "a device" if stat.S_ISCHR(info.st_mode)
                    or stat.S_ISBLK(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode)
                    else "not a regular file")
            raise SourceError(errno.EINVAL, f"{kind}, not a regular file")
        if info.st_size > limit:
            raise SourceError(errno.EFBIG, f"{info.st_size:,} bytes, more than the {limit:,}-byte limit "
                                           "(SWITCHY_MAX_SOURCE_BYTES)")
        with os.fdopen(fd, "rb", closefd=False) as stream:
            data = stream.read(limit + 1)
    finally:
        os.close(fd)
    if len(data) > limit:  # it grew while being read
        raise SourceError(errno.EFBIG, f"more than the {limit:,}-byte limit (SWITCHY_MAX_SOURCE_BYTES)")
    if strict:  # a tool that writes the file back must not replace what it cannot read
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(errno.EILSEQ, f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
                                            f"{exc.start})") from None
    return data.decode("utf-8", errors="replace")


def _read(path: Path) -> str:
    return read_source(path)


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; a directory stands for its ``*.swr`` files (``swr_files``)."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            # an empty directory stays in the list, so reading it reports it by name
            out.extend(swr_files(p) or [p])
        else:
            out.append(p)
    return out


# Directories a program never lives in: version control, editor state, npm's packages.
_NOT_DIALPLANS = ("node_modules", "__pycache__")


def swr_files(directory: Path, limit: int | None = None) -> list[Path] | None:
    """The ``*.swr`` files of ``directory`` and of its subdirectories, sorted: the program
    ``switchy check DIR`` / ``run DIR`` reads (hidden directories and ``node_modules``
    left out). None when there are more than ``limit``."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in _NOT_DIALPLANS]
        found.extend(Path(folder, f) for f in files if f.endswith(".swr"))
        if limit is not None and len(found) > limit:
            return None
    return sorted(q for q in found if q.is_file())


class _Loader:
    def __init__(self, reader: Reader, overrides: dict[str, str], parse_file: Parse = parse):
        self.reader = reader
        self.parse_file = parse_file
        self.overrides = overrides  # unsaved editor buffers, by file name
        self.program = Program()
        self.default_items: list = []
        self.default_span: ast.Span | None = None
        self.stack: list[str] = []

    def key(self, path: Path) -> str:
        try:
            return str(path.resolve())
        except (OSError, RuntimeError):  # a symlink loop: RuntimeError before Python 3.13
            return str(path)

    def load_file(self, path: Path, display: str, included_from: ast.Include | None = None):
        key = self.key(path)
        if key in self.stack:
            chain = " → ".join(Path(k).name for k in [*self.stack, key])
            self.program.diagnostics.append(dg.make(
                "SWR211", f"include cycle: {chain}", included_from.span))
            return
        if any(self.key(Path(f)) == key for f in self.program.files):
            return
        if display in self.overrides:
            text = self.overrides[display]
        else:
            if included_from is not None and path.suffix != ".swr":
                # an include names dialplan files only: /etc/passwd is never read, and so
                # never quoted back in a syntax error
                self.program.diagnostics.append(dg.make(
                    "SWR210", f"cannot include {included_from.path.value!r}: only .swr files can be "
                    "included", included_from.path.span))
                return
            try:
                text = self.reader(path)
            except OSError as exc:
                if included_from is None:
                    self.program.diagnostics.append(dg.make(
                        "SWR210", f"cannot read {display}: {exc.strerror or exc}",
                        ast.Span.unknown(display)))
                else:
                    self.program.diagnostics.append(dg.make(
                        "SWR210", f"cannot include {included_from.path.value!r}: "
                        f"{exc.strerror or exc}", included_from.path.span))
                return
        self.add_text(text, display, path)

    def add_text(self, text: str, display: str, path: Path | None) -> None:
        result = self.parse_file(text, display)
        self.program.files[display] = result
        self.program.diagnostics.extend(result.diagnostics)
        self.stack.append(self.key(path) if path is not None else display)
        base = path.parent if path is not None else Path.cwd()
        for item in result.module.items:
            if isinstance(item, ast.Include):
                target = base / item.path.value
                shown = str(Path(display).parent / item.path.value) if path is not None \
                    else item.path.value
                self.load_file(target, _tidy(shown), item)
            elif isinstance(item, ast.Dialplan):
                self.program.dialplans.append(item)
            elif isinstance(item, ast.Handler):
                self.program.handlers.append(item)
            elif isinstance(item, ast.Select):
                self.program.selects.append(item)
            elif isinstance(item, ast.Guard | ast.Timezone | ast.Hunt | ast.Route):
                if self.default_span is None:
                    self.default_span = item.span
                self.default_items.append(item)
        self.stack.pop()

    def finish(self) -> Program:
        if self.default_items:
            span = self.default_span or ast.Span.unknown()
            implicit = ast.Dialplan(ast.Ident(DEFAULT_DIALPLAN, span=span), self.default_items,
                                    implicit=True, span=span)
            self.program.dialplans.insert(0, implicit)
        return self.program


def _tidy(path: str) -> str:
    return str(Path(path)) if path else path


def load(paths: Iterable[str | Path], reader: Reader = _read,
         overrides: dict[str, str] | None = None, parse_file: Parse = parse) -> Program:
    """Load files and directories (and their includes) into one program. Never raises."""
    loader = _Loader(reader, overrides or {}, parse_file)
    for path in expand_paths(paths):
        loader.load_file(path, str(path))
    return loader.finish()


def load_text(text: str, file: str = "<string>", reader: Reader = _read,
              parse_file: Parse = parse) -> Program:
    """Load one dialplan given as text; includes resolve next to ``file`` (if a path)."""
    loader = _Loader(reader, {}, parse_file)
    path = Path(file) if file and not file.startswith("<") else None
    loader.add_text(text, file, path)
    return loader.finish()
