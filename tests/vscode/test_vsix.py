"""The .vsix that `vsce package` builds holds what VS Code needs and nothing else."""

from __future__ import annotations

import json
import re
import zipfile

import pytest

from tests.vscode.conftest import EXT, built

# Exactly these files: the manifest, the bundles, the grammar, the language
# configuration, the snippets, the stylesheet, the icon, the README and its picture.
EXPECTED = {
    "[Content_Types].xml",
    "extension.vsixmanifest",
    "extension/package.json",
    "extension/readme.md",
    "extension/dist/extension.js",
    "extension/dist/webview.js",
    "extension/syntaxes/swr.tmLanguage.json",
    "extension/language-configuration.json",
    "extension/snippets/swr.json",
    "extension/media/graph.css",
    "extension/media/icon.png",
    "extension/docs/preview.png",
}

NODE_BUILTINS = {
    "assert", "buffer", "child_process", "crypto", "events", "fs", "net", "os", "path", "process",
    "readline", "stream", "string_decoder", "tty", "url", "util", "worker_threads", "zlib",
}


@pytest.fixture(scope="module")
def vsix() -> zipfile.ZipFile:
    with zipfile.ZipFile(built(EXT / "switchy.vsix")) as archive:
        yield archive


def test_vsix_holds_exactly_the_runtime_files(vsix):
    names = set(vsix.namelist())
    assert names == EXPECTED, f"missing: {sorted(EXPECTED - names)}; unexpected: {sorted(names - EXPECTED)}"


def test_every_file_the_manifest_names_is_packaged(vsix, package_json):
    contributes = package_json["contributes"]
    referenced = [package_json["main"], package_json["icon"]]
    referenced += [g["path"] for g in contributes["grammars"]]
    referenced += [lang["configuration"] for lang in contributes["languages"]]
    referenced += [s["path"] for s in contributes["snippets"]]
    names = set(vsix.namelist())
    for path in referenced:
        assert "extension/" + path.removeprefix("./") in names, path


def test_packaged_manifest_and_grammar_are_the_sources(vsix, package_json):
    assert json.loads(vsix.read("extension/package.json")) == package_json
    for path in ("syntaxes/swr.tmLanguage.json", "language-configuration.json", "snippets/swr.json"):
        assert vsix.read(f"extension/{path}") == (EXT / path).read_bytes(), path
    manifest = vsix.read("extension.vsixmanifest").decode()
    assert re.search(r'<Identity [^>]*Id="switchy"[^>]*Version="0\.1\.0"[^>]*Publisher="switchy"', manifest)
    assert 'Path="extension/media/icon.png"' in manifest


def test_extension_is_one_bundle_needing_only_vscode_and_node(vsix):
    code = vsix.read("extension/dist/extension.js").decode()
    required = set(re.findall(r'require\("([^"]+)"\)', code))
    assert "vscode" in required
    others = {name.removeprefix("node:") for name in required} - {"vscode"}
    assert others <= NODE_BUILTINS, f"not bundled: {sorted(others - NODE_BUILTINS)}"
    # The language client is inside the bundle, not expected from node_modules.
    assert "switchy.server.renderGraph" in code and "vscode-languageclient" not in required
    webview = vsix.read("extension/dist/webview.js").decode()
    assert "require(" not in webview and "postMessage" in webview


def test_readme_picture_is_packaged(vsix):
    readme = vsix.read("extension/readme.md").decode()
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)
    assert pictures == ["docs/preview.png"]
    assert vsix.read("extension/docs/preview.png").startswith(b"\x89PNG")
