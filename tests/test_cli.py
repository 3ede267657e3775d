"""The `neucube` command line: help, version, errors, `app`; runs are in test_study_run.py."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from app.cli import APP_SCRIPT, build_parser, main
from neucube import __version__

REPO = Path(__file__).resolve().parents[1]


def neucube(*args: str, cwd: Path = REPO, timeout: float = 600) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("neucube")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_version():
    proc = neucube("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"neucube {__version__}"


def test_help_lists_commands():
    proc = neucube("--help")
    assert proc.returncode == 0
    for text in ("COMMAND", "run a study end to end", "tune encoder, STDP, readout and cube parameters",
                 "start the web interface"):
        assert text in proc.stdout
    for command in ("run", "search"):
        sub = neucube(command, "--help")
        for flag in ("--out", "--data", "--seed", "--n-jobs", "--scheduler", "--resume"):
            assert flag in sub.stdout
    assert "--no-figures" in neucube("run", "--help").stdout
    assert "--port" in neucube("app", "--help").stdout


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage: neucube" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["run", "s.toml", "--n-jobs", "0"], "argument --n-jobs: expected a positive integer, got 0"),
        (["run", "s.toml", "--n-jobs", "two"], "argument --n-jobs: expected a positive integer, got 'two'"),
        (["app", "--port", "70000"], "argument --port: expected a port number (1-65535), got 70000"),
    ],
)
def test_bad_arguments(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_study_is_one_clear_line():
    proc = neucube("run", "no/such/study.toml")
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith("study.toml: expected a study file (.toml), but it does not exist")
    assert "Traceback" not in proc.stderr


def test_invalid_study_names_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[study]\nname = "x"\n[data]\nsource = "simulate"\n[encoder]\nalpha = "half"\n')
    for command in ("run", "search"):
        proc = neucube(command, str(bad))
        assert proc.returncode == 1
        assert f'neucube {command}: error: encoder.alpha: expected a number >= 0, got "half"' in proc.stderr


def test_missing_data_path_is_one_clear_line(tmp_path):
    proc = neucube("run", "studies/familiarity.toml", "--data", str(tmp_path / "none"), "--out", str(tmp_path / "r"))
    assert proc.returncode == 1
    assert f'error: --data: expected an existing file or folder, got "{tmp_path / "none"}"' in proc.stderr
    assert not (tmp_path / "r").exists()


def test_search_without_grid(tmp_path):
    study = tmp_path / "s.toml"
    study.write_text('[study]\nname = "x"\n[data]\nsource = "simulate"\n')
    proc = neucube("search", str(study))
    assert proc.returncode == 1
    assert "error: search.grid: expected at least one parameter to tune" in proc.stderr
    assert not (tmp_path / "results").exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_app_serves_a_streamlit_script(tmp_path):
    script = tmp_path / "Home.py"
    script.write_text("import streamlit as st\nst.title('neucube test')\n")
    port = free_port()
    exe = Path(sys.executable).with_name("neucube")
    proc = subprocess.Popen([str(exe), "app", "--port", str(port), "--script", str(script)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline, body = time.monotonic() + 120, ""
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    body = r.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert body == "ok", proc.poll()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    assert f"serving Home.py on http://127.0.0.1:{port}" in err
    assert proc.returncode == 143  # stopped by SIGTERM, after stopping Streamlit


def test_app_without_the_script(tmp_path):
    proc = neucube("app", "--script", str(tmp_path / "Home.py"))
    assert proc.returncode == 1
    assert f"neucube app: error: the web interface script {tmp_path / 'Home.py'} does not exist" in proc.stderr


def test_app_script_location():
    assert APP_SCRIPT == REPO / "app" / "streamlit_app" / "Home.py"
