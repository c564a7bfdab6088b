"""Fixtures for the VS Code extension's tests: its files, its build products (made by
``make test-ext``: npm ci && npm test in vscode-ext/) and headless Chromium."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXT = ROOT / "vscode-ext"


def built(path: Path) -> Path:
    """A build product of the extension; a clear failure if it has not been built."""
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is missing: build the extension first "
                    "(make test-ext, or: cd vscode-ext && npm ci && npm test)")
    return path


@pytest.fixture(scope="session")
def package_json() -> dict:
    return json.loads((EXT / "package.json").read_text())


@pytest.fixture(scope="session")
def extension_ids() -> dict[str, dict[str, str] | str]:
    """The constants of vscode-ext/src/ids.ts: ``{"ClientCommand": {"showGraph": ...}, ...}``."""
    return parse_ts_constants((EXT / "src" / "ids.ts").read_text())


def parse_ts_constants(source: str) -> dict[str, dict[str, str] | str]:
    out: dict[str, dict[str, str] | str] = {}
    for name, body in re.findall(r"export const (\w+) = \{(.*?)\} as const;", source, re.S):
        out[name] = dict(re.findall(r"(\w+): '([^']*)'", body))
    for name, value in re.findall(r"export const (\w+) = '([^']*)';", source):
        out[name] = value
    return out


@pytest.fixture(scope="session")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.fail("chromium is not installed: run 'make system-deps' (or apt-get install chromium)")
    return path


@pytest.fixture(scope="session")
def node() -> str:
    path = shutil.which("node")
    if path is None:
        pytest.fail("node is not installed; the extension's build and tools need Node.js 20 or later")
    return path
