"""The import layering (app -> neucube_study -> data_loaders -> neucube) is enforced by
import-linter."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))
    if not Path(exe).exists():
        pytest.fail("lint-imports is not installed: install the test extra (pip install -e '.[test]')")
    proc = subprocess.run([exe, "--config", str(REPO / "pyproject.toml")], cwd=REPO,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Contracts: 6 kept, 0 broken." in proc.stdout
    for name in ("Layers: app -> neucube_study -> data_loaders -> neucube",
                 "data_loaders uses only neucube's data model",
                 "neucube.cube imports no readout, figure or estimator built on it",
                 "neucube.plotting imports no engine",
                 "neucube.persistence does not import the classifier",
                 "app pages import only app.streamlit_app helpers and public APIs"):
        assert f"{name} KEPT" in proc.stdout, name


def test_neucube_import_does_not_pull_loaders_or_app():
    code = ("import sys, neucube; print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('app', 'neucube_study', 'data_loaders')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
