"""switchy-lsp ships in switchy's wheel: the package, its features and the console script."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import switchy

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    isolation = ["--no-isolation"] if importlib.util.find_spec("hatchling") else []
    proc = subprocess.run([sys.executable, "-m", "build", "--wheel", *isolation, "--outdir", str(out),
                           str(REPO)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (found,) = out.glob("switchy_cluster-*.whl")
    return found


def test_the_wheel_carries_the_server_and_its_script(wheel, tmp_path):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = zf.read(entry_points).decode()
        metadata = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        zf.extractall(tmp_path / "site")
    for module in ("__init__", "__main__", "server", "convert", "features/completion",
                   "features/commands"):
        assert f"switchy_lsp/{module}.py" in names
    assert not any(n.startswith("lsp/") for n in names)  # installed as switchy_lsp, not lsp
    assert "switchy-lsp = switchy_lsp.__main__:main" in scripts
    # Published as switchy-cluster: "switchy" on PyPI is an unrelated project.
    assert "\nName: switchy-cluster\n" in metadata and wheel.name.startswith("switchy_cluster-")
    # From the unpacked wheel alone, the server starts and answers --version.
    code = "import sys; sys.path.insert(0, sys.argv[1]); sys.argv[1:] = ['--version']; " \
           "from switchy_lsp.__main__ import main; main()"
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "site")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert proc.stdout.strip() == f"switchy-lsp {switchy.__version__}", proc.stderr
