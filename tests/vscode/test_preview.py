"""The call-flow preview page, built by the extension's own code around a real call-flow
SVG, rendered by headless Chromium: its script runs under the strict CSP, every node
links to its source line, and the screenshot shows the picture (kept for the README)."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.png import read_png
from tests.vscode.conftest import EXT, ROOT, built

EXAMPLE = ROOT / "examples" / "seed_bridge2dest.swr"
WIDTH = 1280  # the window; its height fits the whole picture (see window_for)
PAGE_BACKGROUND = (0xF3, 0xF3, 0xF3)  # media/graph.css fallbacks for a plain browser
TOOLBAR = (0xE8, 0xE8, 0xE8)
SCREENSHOT = EXT / "docs" / "preview.png"


def render_call_flow(node: str, source: Path, out: Path) -> str:
    """The call-flow SVG the extension receives for ``source``: its client asks the real
    switchy-lsp (switchy.server.renderGraph, switchy's renderer) as Show Call Flow does."""
    script = built(EXT / "out" / "host" / "serverSmoke.js")
    result = subprocess.run(
        [node, str(script), "graph", json.dumps({"switchy.server.pythonPath": sys.executable,
                                      "switchy.program": "file"}), str(source), "1"],
        capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-3000:]
    update = json.loads(result.stdout)["posted"][-1]
    assert update["type"] == "update", update
    out.write_text(update["body"])
    return update["body"]


def window_for(svg: str) -> tuple[int, int]:
    """A window WIDTH wide and tall enough to show the whole picture at "Fit" zoom:
    media/graph.css gives the toolbar 32 px, the page 12 px padding, the SVG max-width 100%."""
    width_pt, height_pt = (float(v) for v in re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    shown = min(width_pt * 4 / 3, WIDTH - 24)
    return WIDTH, int(32 + 24 + shown * height_pt / width_pt + 16)


def chromium_run(chromium: str, tmp_path: Path, page: Path, window: tuple[int, int],
                 *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--hide-scrollbars", "--allow-file-access-from-files",
        f"--window-size={window[0]},{window[1]}", *args, page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def build_page(node: str, svg: Path, out: Path, *extra: str) -> Path:
    tool = built(EXT / "out" / "tools" / "previewPage.js")
    built(EXT / "dist" / "webview.js")
    subprocess.run([node, str(tool), "--svg", str(svg), "--out", str(out), "--title", EXAMPLE.name, *extra],
                   check=True, timeout=60)
    return out


@pytest.fixture(scope="module")
def svg_file(node, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("svg") / "callflow.svg"
    render_call_flow(node, EXAMPLE, out)
    return out


def html_attribute(dom: str, name: str) -> str | None:
    tag = re.search(r"<html\b[^>]*>", dom).group(0)
    match = re.search(rf'\s{name}="([^"]*)"', tag)
    return html.unescape(match.group(1)) if match else None


def node_chunks(svg: str) -> list[str]:
    """The SVG text of each node group, in document order."""
    starts = [m.start() for m in re.finditer(r'<g id="[^"]*" class="(?:node|edge|cluster)\b', svg)]
    chunks = [svg[a:b] for a, b in zip(starts, [*starts[1:], len(svg)], strict=True)]
    return [c for c in chunks if re.match(r'<g id="[^"]*" class="node\b', c)]


def expected_lines(svg: str) -> list[int]:
    """The source line of each node that links to one, read from the SVG independently of
    the page (the renderer's contract: ``xlink:href="#L<line>"`` in the node's group)."""
    links = (re.search(r'xlink:href="[^"]*#L(\d+)"', chunk) for chunk in node_chunks(svg))
    return [int(link.group(1)) for link in links if link]


def node_kinds(svg: str) -> list[tuple[str, bool]]:
    """(kind, has a source link) of each node: the renderer's class is "node <kind> ..."."""
    return [(re.match(r'<g id="[^"]*" class="node (\w+)', c).group(1), "#L" in c) for c in node_chunks(svg)]


def test_preview_script_runs_under_the_csp_and_links_every_node_to_its_line(chromium, node, svg_file, tmp_path):
    page = build_page(node, svg_file, tmp_path / "harness.html", "--harness")
    dom = chromium_run(chromium, tmp_path, page, window_for(svg_file.read_text()), "--dump-dom").stdout

    assert re.search(r'<main id="graph" class="graph"><svg\b', dom), "the SVG is inline in the page"
    nodes = int(html_attribute(dom, "data-nodes"))
    svg = svg_file.read_text()
    assert nodes == len(node_chunks(svg)) and nodes >= 10
    # Every node with a source position is linked, and clicking it asks for that line.
    lines = expected_lines(svg)
    unlinked = [kind for kind, linked in node_kinds(svg) if not linked]
    assert set(unlinked) <= {"select", "end", "reject", "exit"}, "only nodes the compiler adds have no source line"
    assert int(html_attribute(dom, "data-linked")) == len(lines)
    posted = json.loads(html_attribute(dom, "data-posted"))
    assert posted[0] == {"type": "ready"}
    reveals = posted[1:]
    assert all(m["type"] == "reveal" and "file" not in m for m in reveals)
    assert [m["line"] for m in reveals] == lines
    source = EXAMPLE.read_text().splitlines()
    routes = [n for n, text in enumerate(source, 1) if text.lstrip().startswith("route ")]
    assert set(routes) <= set(lines), "every route's node opens the route's line"
    # Neither the inline script nor the event handler without the nonce ran.
    assert html_attribute(dom, "data-unsafe") is None


def close(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def test_preview_screenshot_shows_the_call_flow(chromium, node, svg_file, tmp_path):
    page = build_page(node, svg_file, tmp_path / "preview.html")
    shot = tmp_path / "preview.png"
    window = window_for(svg_file.read_text())
    chromium_run(chromium, tmp_path, page, window, f"--screenshot={shot}")
    image = read_png(shot)
    assert (image.width, image.height) == window

    # The toolbar across the top, the page background around the picture.
    assert close(image.pixel(window[0] - 5, 5), TOOLBAR)
    assert close(image.pixel(3, window[1] - 3), PAGE_BACKGROUND)

    # The SVG is drawn on a white card: find it, and check it is large and not empty.
    white = [(x, y) for y in range(0, image.height, 4) for x in range(0, image.width, 4)
             if image.pixel(x, y) == (255, 255, 255)]
    assert white, "no white SVG card in the screenshot"
    left, right = min(x for x, _ in white), max(x for x, _ in white)
    top, bottom = min(y for _, y in white), max(y for _, y in white)
    assert right - left > window[0] * 0.9 and bottom - top > (window[1] - 56) * 0.85, (left, top, right, bottom)
    inside = [image.pixel(x, y) for y in range(top, bottom, 2) for x in range(left, right, 2)]
    dark = sum(1 for r, g, b in inside if r + g + b < 200)  # text and lines
    assert dark > 2000, f"only {dark} dark pixels on the card: the graph is not drawn"

    # Every fill colour of the SVG's shapes shows up on the card.
    fills = {f.lower() for f in re.findall(r'fill="(#[0-9a-fA-F]{6})"', svg_file.read_text())} - {"#ffffff", "#000000"}
    assert fills, "the call-flow SVG has coloured shapes"
    for fill in fills:
        rgb = tuple(int(fill[i:i + 2], 16) for i in (1, 3, 5))
        assert any(close(p, rgb, 3) for p in inside), f"fill {fill} is not visible"

    SCREENSHOT.write_bytes(shot.read_bytes())


def test_zoom_buttons_and_keys_resize_the_picture(chromium, node, svg_file, tmp_path):
    page = build_page(node, svg_file, tmp_path / "zoom.html", "--harness")
    dom = chromium_run(chromium, tmp_path, page, window_for(svg_file.read_text()), "--dump-dom").stdout
    fit, zoomed_in, zoomed_out, fit_again = json.loads(html_attribute(dom, "data-zoom-widths"))
    assert zoomed_in == pytest.approx(fit * 1.25, rel=0.01)
    assert zoomed_out == pytest.approx(fit / 1.25, rel=0.01)
    assert fit_again == pytest.approx(fit, abs=0.5)
