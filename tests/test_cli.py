"""The `neucube` command line: help, version, and `run` on the default study."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from neucube import __version__

REPO = Path(__file__).resolve().parents[1]


def neucube(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("neucube")
    return subprocess.run([str(exe), *args], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_version():
    proc = neucube("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"neucube {__version__}"


def test_help_lists_commands():
    proc = neucube("--help")
    assert proc.returncode == 0
    assert "COMMAND" in proc.stdout
    assert "run a study end to end" in proc.stdout
    sub = neucube("run", "--help")
    for flag in ("--out", "--data", "--seed"):
        assert flag in sub.stdout


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "usage: neucube" in capsys.readouterr().out


def test_missing_study_is_one_clear_line():
    proc = neucube("run", "no/such/study.toml")
    assert proc.returncode == 1
    assert proc.stderr.strip().endswith("study.toml: expected a study file (.toml), but it does not exist")
    assert "Traceback" not in proc.stderr


def test_invalid_study_names_key(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[study]\nname = "x"\n[data]\nsource = "simulate"\n[encoder]\nalpha = "half"\n')
    proc = neucube("run", str(bad))
    assert proc.returncode == 1
    assert 'error: encoder.alpha: expected a number >= 0, got "half"' in proc.stderr


@pytest.fixture(scope="module")
def small_study(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("study")
    path = folder / "small.toml"
    path.write_text(
        '[study]\nname = "small"\nseed = 3\n'
        '[data]\nsource = "simulate"\nn_subjects = 2\nn_trials_per_class = 6\nseed = 11\n'
        '[events]\nfamiliar = "familiar"\nunfamiliar = "unfamiliar"\n'
        '[encoder]\nkind = "step_forward"\ncompare = ["tbr", "step_forward"]\n'
        # A small grid cube keeps the compile short; the brain template is tested elsewhere.
        '[cube]\ntemplate = "grid"\nspacing_mm = 20.0\n'
        '[evaluation]\nn_splits = 3\nbaselines = ["channel_features_logreg"]\n'
    )
    return path


def test_run_writes_complete_results(small_study, tmp_path):
    out = tmp_path / "res"
    proc = neucube("run", str(small_study), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert f"Results: {out}" in proc.stdout
    assert "Trials: 24 from 2 subjects (familiar 12, unfamiliar 12)" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "encoding.csv", "folds.csv", "metrics.json", "predictions.csv", "provenance.json",
        "run.log", "study.toml", "summary.json",
    ]
    metrics = json.loads((out / "metrics.json").read_text())
    for part in (metrics["model"], metrics["baselines"]["channel_features_logreg"]):
        for key in ("accuracy", "balanced_accuracy", "roc_auc"):
            assert 0.0 <= part[key]["mean"] <= 1.0
    assert metrics["n_folds"] == 3 and metrics["class_names"] == ["familiar", "unfamiliar"]
    assert "neucube (shuffled labels)" in metrics["control"]
    assert "Classification (stratified, 3 folds" in proc.stdout
    summary = json.loads((out / "summary.json").read_text())
    assert summary["data"]["n_trials"] == 24
    assert summary["encoding"]["primary"] == "step_forward"
    assert set(summary["encoding"]["encoders"]) == {"tbr", "step_forward"}
    rows = (out / "encoding.csv").read_text().splitlines()
    assert rows[0] == "encoder,channel,threshold,spike_rate,snr_db"
    assert len(rows) == 1 + 2 * summary["data"]["n_channels"]
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["seed"] == 3 and prov["packages"]["brian2"].startswith("2.9")
    assert "loading data: source=simulate" in (out / "run.log").read_text()
    # No temporary folder is left beside the results.
    assert [p.name for p in out.parent.iterdir()] == ["res"]


def test_seed_override_and_rerun_replaces(small_study, tmp_path):
    out = tmp_path / "res"
    assert neucube("run", str(small_study), "--out", str(out)).returncode == 0
    first = json.loads((out / "summary.json").read_text())
    proc = neucube("run", str(small_study), "--out", str(out), "--seed", "5")
    assert proc.returncode == 0, proc.stderr
    second = json.loads((out / "summary.json").read_text())
    assert (first["seed"], second["seed"]) == (3, 5)
    # Same data seed: the data summary and encoding are identical (reproducible).
    assert first["encoding"] == second["encoding"]


def test_same_seed_same_metrics(small_study, tmp_path):
    """Two fresh processes with the same study and seed give identical metrics and predictions."""
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert neucube("run", str(small_study), "--out", str(out)).returncode == 0
    a, b = (json.loads((o / "metrics.json").read_text()) for o in outs)
    assert a == b
    assert (outs[0] / "predictions.csv").read_bytes() == (outs[1] / "predictions.csv").read_bytes()


def test_data_flag_rejected_for_simulated_study(small_study, tmp_path):
    proc = neucube("run", str(small_study), "--out", str(tmp_path / "r"), "--data", str(tmp_path))
    assert proc.returncode == 1
    assert "--data: the study simulates its data" in proc.stderr
    assert not (tmp_path / "r").exists()
