"""The call-flow preview page, built by the extension's own code around a real call-flow
SVG, rendered by headless Chromium: its script runs under the strict CSP, every node
links to its source line, and the screenshot shows the picture (kept for the README)."""

from __future__ import annotations

import html
import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.vscode.conftest import EXT, ROOT, built
from tests.vscode.png import read_png

EXAMPLE = ROOT / "examples" / "seed_bridge2dest.swr"
WINDOW = (1000, 700)
PAGE_BACKGROUND = (0xF3, 0xF3, 0xF3)  # media/graph.css fallbacks for a plain browser
TOOLBAR = (0xE8, 0xE8, 0xE8)
SCREENSHOT = EXT / "docs" / "preview.png"


def render_call_flow(source: Path, out: Path) -> str:
    """The SVG of a dialplan's call flow (interim: a graphviz drawing of its routes)."""
    import graphviz

    dot = graphviz.Digraph("callflow", node_attr={"shape": "box", "style": "rounded,filled",
                                                  "fillcolor": "#dbe9f6", "fontname": "Helvetica"})
    dot.node("entry", "dialplan default", shape="oval", fillcolor="#f6b26b", tooltip=f"{source.name}:1")
    previous = "entry"
    for number, line in enumerate(source.read_text().splitlines(), 1):
        match = re.match(r"route (\w+)", line)
        if match:
            dot.node(match.group(1), match.group(1), tooltip=f"{source.name}:{number}")
            dot.edge(previous, match.group(1))
            previous = match.group(1)
    out.write_text(dot.pipe(format="svg").decode())
    return out.read_text()


def chromium_run(chromium: str, tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    command = [
        chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--hide-scrollbars", "--allow-file-access-from-files",
        f"--window-size={WINDOW[0]},{WINDOW[1]}", *args, page.as_uri(),
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
def svg_file(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("svg") / "callflow.svg"
    render_call_flow(EXAMPLE, out)
    return out


def html_attribute(dom: str, name: str) -> str | None:
    tag = re.search(r"<html\b[^>]*>", dom).group(0)
    match = re.search(rf'\s{name}="([^"]*)"', tag)
    return html.unescape(match.group(1)) if match else None


def expected_lines(svg: str) -> list[int]:
    """The source line of each node, read from the SVG independently of the page."""
    lines = []
    for group in re.findall(r'<g id="[^"]*" class="node">(.*?)</g>\s*(?=<!--|<g id|</g>\s*</svg>)', svg, re.S):
        ref = re.search(r'(?:xlink:title|xlink:href|href)="[^"]*?\.swr:(\d+)', group) or re.search(r"#L(\d+)", group)
        lines.append(int(ref.group(1)) if ref else None)
    return lines


def test_preview_script_runs_under_the_csp_and_links_every_node_to_its_line(chromium, node, svg_file, tmp_path):
    page = build_page(node, svg_file, tmp_path / "harness.html", "--harness")
    dom = chromium_run(chromium, tmp_path, page, "--dump-dom").stdout

    assert re.search(r'<main id="graph" class="graph"><svg\b', dom), "the SVG is inline in the page"
    nodes = int(html_attribute(dom, "data-nodes"))
    svg = svg_file.read_text()
    assert nodes == svg.count('class="node"') and nodes >= 3
    # Every node carries its source position, and clicking it asks for exactly that line.
    assert int(html_attribute(dom, "data-linked")) == nodes
    posted = json.loads(html_attribute(dom, "data-posted"))
    assert posted[0] == {"type": "ready"}
    reveals = posted[1:]
    assert [m["type"] for m in reveals] == ["reveal"] * nodes
    assert [m["line"] for m in reveals] == expected_lines(svg)
    source_lines = EXAMPLE.read_text().splitlines()
    assert all(1 <= m["line"] <= len(source_lines) for m in reveals)
    # Neither the inline script nor the event handler without the nonce ran.
    assert html_attribute(dom, "data-unsafe") is None


def close(a: tuple[int, int, int], b: tuple[int, int, int], tolerance: int = 6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=True))


def test_preview_screenshot_shows_the_call_flow(chromium, node, svg_file, tmp_path):
    page = build_page(node, svg_file, tmp_path / "preview.html")
    shot = tmp_path / "preview.png"
    chromium_run(chromium, tmp_path, page, f"--screenshot={shot}")
    image = read_png(shot)
    assert (image.width, image.height) == WINDOW

    # The toolbar across the top, the page background around the picture.
    assert close(image.pixel(WINDOW[0] - 5, 5), TOOLBAR)
    assert close(image.pixel(3, WINDOW[1] - 3), PAGE_BACKGROUND)

    # The SVG is drawn on a white card: find it, and check it is large and not empty.
    white = [(x, y) for y in range(0, image.height, 4) for x in range(0, image.width, 4)
             if image.pixel(x, y) == (255, 255, 255)]
    assert white, "no white SVG card in the screenshot"
    left, right = min(x for x, _ in white), max(x for x, _ in white)
    top, bottom = min(y for _, y in white), max(y for _, y in white)
    assert right - left > 150 and bottom - top > 150, (left, top, right, bottom)
    inside = [image.pixel(x, y) for y in range(top, bottom, 2) for x in range(left, right, 2)]
    dark = sum(1 for r, g, b in inside if r + g + b < 200)  # text and lines
    assert dark > 200, f"only {dark} dark pixels on the card: the graph is not drawn"

    # Every fill colour of the SVG's shapes shows up on the card.
    fills = {f.lower() for f in re.findall(r'fill="(#[0-9a-fA-F]{6})"', svg_file.read_text())} - {"#ffffff", "#000000"}
    assert fills, "the call-flow SVG has coloured shapes"
    for fill in fills:
        rgb = tuple(int(fill[i:i + 2], 16) for i in (1, 3, 5))
        assert any(close(p, rgb, 3) for p in inside), f"fill {fill} is not visible"

    SCREENSHOT.write_bytes(shot.read_bytes())
