"""`pip install neucube` works without the web stack: streamlit and dask are optional extras.

The core (loaders, model, evaluation, figures) and the CLI import them only where they are used
(`neucube app`, `--scheduler`); without them those two say which extra to install.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OPTIONAL = ("streamlit", "dask", "distributed")


def _python(code: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


def test_core_and_cli_import_neither_streamlit_nor_dask():
    proc = _python(
        "import contextlib, io, json, sys\n"
        "import neucube, data_loaders, app.cli, neucube_study\n"
        "from neucube import NeuCubeClassifier, plotting, evaluation\n"
        "from data_loaders import load_eeg\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    app.cli.main(['--help'])\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {OPTIONAL!r})))\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []


def test_neucube_help_console_script_imports_neither():
    exe = Path(sys.executable).with_name("neucube")
    # PYTHONPROFILEIMPORTTIME: the interpreter lists every module it imports on stderr.
    proc = subprocess.run([str(exe), "--help"], cwd=REPO, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    assert proc.returncode == 0, proc.stderr
    assert "neucube run studies/familiarity.toml" in proc.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "app.cli" in imported
    assert not {m for m in imported if m.split(".")[0] in OPTIONAL}


def test_missing_extras_are_named_with_their_install_command():
    # The packages are installed here; a None entry in sys.modules makes Python treat them as
    # absent, as in an install without the extras.
    proc = _python(
        "import sys\n"
        "sys.modules['streamlit'] = None\n"
        "sys.modules['distributed'] = None\n"
        "from app.cli import main\n"
        "print(main(['app']))\n"
        "print(main(['run', 'studies/familiarity.toml', '--scheduler', 'tcp://127.0.0.1:9']))\n"
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["1", "1"]
    assert ("neucube app: error: the web app needs the 'app' extra: pip install 'neucube[app]'"
            in proc.stderr)
    assert ("neucube run: error: --scheduler (fits on a Dask cluster) needs the 'dask' extra: "
            "pip install 'neucube[dask]'") in proc.stderr
