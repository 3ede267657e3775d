"""`neucube run` end to end: a complete results folder, reproducibility, interruption and resume.

Every run here is a fresh `neucube` process on a small study (2 simulated subjects, a coarse grid
cube) so that the tests exercise exactly what a user runs.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest

from neucube._atomic import TMP_PREFIX
from neucube.persistence import load_model
from neucube_study import load_study, parse_study
from neucube_study.checkpoint import RESUME_PREFIX
from neucube_study.metrics import METRICS_SCHEMA
from neucube_study.runner import data_fingerprint, load_trials

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SMALL = """
[study]
name = "small"
seed = 3
# The published model (deSNN, unscaled cube): what these tests were written for, and fast.
preset = "published"
[data]
source = "simulate"
n_subjects = 2
n_trials_per_class = 6
seed = 11
[events]
familiar = "familiar"
unfamiliar = "unfamiliar"
[encoder]
kind = "step_forward"
compare = ["tbr", "step_forward"]
[cube]
# A coarse grid cube compiles fast; the brain template is tested with the classifier.
template = "grid"
spacing_mm = 20.0
[evaluation]
scheme = ["per_subject", "stratified"]
n_splits = 3
baselines = ["channel_features_logreg"]
# One process, as these tests were written for (the default is every core): the log and the
# signals reach every fit.
n_jobs = 1
importance = true
[figures]
formats = ["svg"]
windows = [[0.0, 0.2], [0.2, 0.4]]
"""
FILES = [".neucube-results", "encoding.csv", "figures", "folds.csv", "graphs", "metrics.json", "model.zip",
         "predictions.csv", "provenance.json", "run.log", "study.toml", "summary.json"]


def neucube(*args: str, **kwargs) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("neucube")
    return subprocess.run([str(exe), *args], cwd=REPO, capture_output=True, text=True, timeout=900, **kwargs)


def start(*args: str) -> subprocess.Popen:
    exe = Path(sys.executable).with_name("neucube")
    return subprocess.Popen([str(exe), *args], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def study_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("study") / "small.toml"
    path.write_text(SMALL)
    return path


@pytest.fixture(scope="module")
def reference(study_file, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("ref") / "res"
    proc = neucube("run", str(study_file), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out, proc


def test_results_folder_is_complete(reference, study_file):
    out, proc = reference
    assert sorted(p.name for p in out.iterdir()) == FILES
    assert [p.name for p in out.parent.iterdir()] == ["res"]  # no temporary or resume folder left
    assert f"Results: {out}" in proc.stdout
    assert "Trials: 24 from 2 subjects (familiar 12, unfamiliar 12)" in proc.stdout
    assert "Classification, per_subject (6 folds" in proc.stdout
    assert "Classification, stratified (3 folds" in proc.stdout
    assert "NeuCube accuracy by subject: sub-01" in proc.stdout
    # Not a terminal: each counted task prints one line when it finishes.
    # 9 folds (6 per subject, 3 pooled) x (model, baseline, shuffled labels, 2 ablations).
    assert "cross-validation: 45/45 fits in" in proc.stderr
    assert "cube adds " in proc.stdout and " over its encoder" in proc.stdout


def test_metrics_validate(reference):
    out, _ = reference
    metrics = json.loads((out / "metrics.json").read_text())
    jsonschema.validate(metrics, METRICS_SCHEMA)
    assert metrics["primary_scheme"] == "per_subject" and list(metrics["schemes"]) == ["per_subject", "stratified"]
    for doc in (metrics, *metrics["schemes"].values()):
        assert {k: v["name"] for k, v in doc["ablations"].items()} == {
            "encoder_only": "neucube (encoder only)", "no_stdp": "neucube (no STDP)"}
        assert [(c["role"], c.get("control")) for c in doc["comparisons"] if c["metric"] == "accuracy"] == [
            ("best_baseline", None), ("ablation", "encoder_only"), ("ablation", "no_stdp")]
        for part in (doc["model"], doc["baselines"]["channel_features_logreg"], *doc["ablations"].values()):
            for key in ("accuracy", "balanced_accuracy", "roc_auc"):
                assert 0.0 <= part[key]["mean"] <= 1.0
        assert doc["class_names"] == ["familiar", "unfamiliar"]
        assert "neucube (shuffled labels)" in doc["control"]
        assert len(doc["early_prediction"]["accuracy"]) == len(doc["early_prediction"]["fractions"]) == 10
    # What the model used (first scheme, first seed): every trial explained once, every model's
    # early curve on the same prefixes.
    imp = metrics["importance"]
    assert imp["n_trials"] == 24 and len(imp["importance"]) == 19 and len(imp["windows_s"]) == 9
    assert set(metrics["early_prediction_all"]["curves"]) == {"neucube", "channel_features_logreg"}
    assert "importance" not in metrics["schemes"]["stratified"]
    assert metrics["n_folds"] == 6 and metrics["schemes"]["stratified"]["n_folds"] == 3
    assert set(metrics["model"]["accuracy_by_subject"]) == {"sub-01", "sub-02"}
    assert len(metrics["folds"]) == 5 * 6  # model, baseline, 2 ablations, control
    folds = pd.read_csv(out / "folds.csv")
    preds = pd.read_csv(out / "predictions.csv")
    assert list(folds.columns[:3]) == ["scheme", "model", "seed"] and len(folds) == 45
    assert len(preds) == 5 * 24 * 2  # every trial once per model and scheme
    primary = folds[(folds.scheme == "per_subject") & (folds.model == "neucube")]
    assert metrics["model"]["accuracy"]["mean"] == pytest.approx(primary.accuracy.mean())


def test_model_and_figures(reference, study_file):
    out, _ = reference
    model = load_model(out / "model.zip")
    trials = load_trials(load_study(study_file))
    pred = model.predict(trials)
    assert pred.shape == (24,) and set(pred) <= {"familiar", "unfamiliar"}
    manifest = json.loads((out / "figures" / "manifest.json").read_text())
    names = {f["name"] for f in manifest["figures"]}
    assert {"cube_connections", "interaction_network_circle", "confusion_matrix", "accuracy_over_time",
            "class_difference_0-200ms", "interaction_familiar_200-400ms", "interaction_unfamiliar_0-200ms",
            "interaction_difference_200-400ms", "importance_channel_time", "importance_topomaps",
            "early_prediction_all"} <= names
    for fig in manifest["figures"]:
        for file in fig["files"].values():
            assert (out / "figures" / file).is_file(), file
    for file in manifest["graphs"]:
        assert (out / file).is_file(), file
    windows = manifest["windows"]
    assert [w["window_s"] for w in windows] == [[0.0, 0.2], [0.2, 0.4]]
    assert windows[0]["contrast"] == ["familiar", "unfamiliar"]
    assert windows[0]["classes"]["familiar"]["n_trials"] == 12
    diff = pd.read_csv(out / "graphs" / "interaction_difference_0-200ms.csv")
    assert list(diff.columns) == ["source", "target", "familiar", "unfamiliar", "difference"]
    assert len(diff) == 19 * 18 // 2
    np.testing.assert_allclose(diff.difference, diff.familiar - diff.unfamiliar, rtol=1e-4, atol=1e-3)  # 6 digits


def test_provenance_study_and_log(reference, study_file):
    out, _ = reference
    study = load_study(study_file)
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["seed"] == 3 and prov["packages"]["brian2"].startswith("2.9")
    assert prov["study_sha256"] == study.digest()
    assert prov["run"]["data_sha256"] == data_fingerprint(load_trials(study))
    assert prov["run"]["command"] == "run" and prov["machine"]["cpu_count"] >= 1
    assert prov["git_commit"] is None or len(prov["git_commit"]) >= 40
    again = parse_study(tomllib.loads((out / "study.toml").read_text()), path=study_file)
    assert again.config == study.config
    log = (out / "run.log").read_text()
    assert "loading data: source=simulate" in log and "fit 45/45 done" in log
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stages_done"] == ["load", "encode", "classify", "final_model", "figures"]
    assert set(summary["stage_times_s"]) == set(summary["stages_done"])


def test_same_study_and_seed_reproduce_exactly(reference, study_file, tmp_path):
    """Two fresh processes give byte-identical metrics.json and identical predictions."""
    ref, _ = reference
    out = tmp_path / "again"
    proc = neucube("run", str(study_file), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    for name in ("metrics.json", "predictions.csv", "encoding.csv", "study.toml"):
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name
    a, b = (pd.read_csv(o / "folds.csv").drop(columns="fit_time_s") for o in (ref, out))
    pd.testing.assert_frame_equal(a, b)
    sa, sb = (json.loads((o / "summary.json").read_text()) for o in (ref, out))
    for s in (sa, sb):
        del s["wall_time_s"], s["stage_times_s"]
    assert sa == sb


def wait_for_log(parent: Path, name: str, text: str, proc: subprocess.Popen, timeout: float = 300) -> None:
    """Wait until the run log in the temporary results folder contains ``text``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for log in parent.glob(f"{TMP_PREFIX}{name}-*/run.log"):
            if text in log.read_text():
                return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    raise AssertionError(f"no {text!r} in the run log within {timeout} s")


@pytest.mark.parametrize("when", ["fit 1/", "NeuCubeClassifier.save: wrote"],
                         ids=["during cross-validation", "during figure export"])
def test_sigterm_leaves_no_folder(study_file, tmp_path, when):
    out = tmp_path / "res"
    proc = start("run", str(study_file), "--out", str(out))
    wait_for_log(tmp_path, "res", when, proc)
    proc.send_signal(signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143, stderr
    assert "terminated (SIGTERM); no results folder was written" in stderr
    assert not out.exists()
    assert not list(tmp_path.glob(f"{TMP_PREFIX}*"))  # the temporary folder was removed too


def test_sigkill_then_resume(reference, study_file, tmp_path):
    ref, _ = reference
    out = tmp_path / "res"
    proc = start("run", str(study_file), "--out", str(out))
    wait_for_log(tmp_path, "res", "fit 3/", proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()  # only hidden leftovers: the unfinished folder and the checkpoints
    resume = tmp_path / f"{RESUME_PREFIX}res"
    done = len(list(resume.glob("*.json"))) - 1
    assert 3 <= done < 45
    again = neucube("run", str(study_file), "--out", str(out), "--resume")
    assert again.returncode == 0, again.stderr
    log = (out / "run.log").read_text()
    assert f"resumed {done} of 45 fits" in log
    # Seeded fits: the resumed run equals an uninterrupted one.
    for name in ("metrics.json", "predictions.csv"):
        assert (out / name).read_bytes() == (ref / name).read_bytes(), name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]  # stale folders cleaned up


def test_data_flag_runs_on_eeg_recordings(tmp_path, study_file):
    from test_study_sources import write_recordings  # tests/ is on sys.path (no package)

    write_recordings(tmp_path / "recs", n_subjects=2, n_events=12)
    text = study_file.read_text().replace('[figures]\nformats = ["svg"]', '[figures]\nenabled = false\nformats = ["svg"]')
    text += "[preprocessing]\ntmin = -0.1\ntmax = 0.6\n"
    (tmp_path / "s.toml").write_text(text)
    out = tmp_path / "res"
    proc = neucube("run", str(tmp_path / "s.toml"), "--data", str(tmp_path / "recs"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "Trials: 24 from 2 subjects (familiar 12, unfamiliar 12); 8 channels at 128 Hz" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == [f for f in FILES if f not in ("figures", "graphs")]
    resolved = tomllib.loads((out / "study.toml").read_text())
    assert resolved["data"]["source"] == "eeg" and resolved["data"]["path"] == str((tmp_path / "recs").resolve())
    jsonschema.validate(json.loads((out / "metrics.json").read_text()), METRICS_SCHEMA)


def test_python_api_with_progress_callback(study_file, tmp_path):
    from neucube_study import run_study

    messages: list[str] = []
    study = load_study(study_file).with_overrides(seed=4)
    result = run_study(study, out=tmp_path / "api", progress=messages.append, figures=False)
    assert result.out_dir == (tmp_path / "api").resolve() and result.summary["seed"] == 4
    assert messages[0] == "loading trials"
    assert "cross-validation: 45/45 fits" in messages
    assert "fitting the final model on all 24 trials" in messages
    assert not (tmp_path / "api" / "figures").exists()
    assert os.listdir(tmp_path) == ["api"]



def run_shipped_study(name: str, edits: dict[str, str], data: Path, tmp_path: Path
                      ) -> tuple[Path, subprocess.CompletedProcess]:
    """Run ``studies/<name>.toml`` with text ``edits`` (each must apply) on ``data``."""
    text = (REPO / "studies" / f"{name}.toml").read_text()
    for old, new in edits.items():
        assert old in text, old
        text = text.replace(old, new)
    (tmp_path / f"{name}.toml").write_text(text)
    out = tmp_path / "res"
    proc = neucube("run", str(tmp_path / f"{name}.toml"), "--out", str(out), "--data", str(data))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc


@pytest.mark.shared_data
def test_shipped_n170_study_runs_through_its_figures(shared_data, tmp_path):
    """The shipped N170 study (4 Muse channels: a sparse cube whose channels' neurons can
    exchange no spikes in a window) writes every figure; it once stopped at the first glass brain
    without edges. Fewer folds and PNG only, to keep it short; the model is the study's."""
    out, proc = run_shipped_study("n170_faces_houses", {
        "n_splits = 5": "n_splits = 2", "control = true": "control = false",
        'formats = ["svg", "pdf", "png"]': 'formats = ["png"]',
        'baselines = ["vectorizer_logreg", "channel_features_logreg", "window_means_logreg",\n'
        '             "lda_window_means", "xdawn_tangent_logreg", "tangent_space_logreg", "riemann_mdm"]':
        'baselines = ["window_means_logreg"]',
        'ablations = ["encoder_only", "no_stdp"]': "ablations = []",
    }, shared_data / "eegnotebooks_muse_N170_subject1", tmp_path)
    manifest = json.loads((out / "figures" / "manifest.json").read_text())
    names = {f["name"] for f in manifest["figures"]}
    windows = ("0-200ms", "200-400ms", "400-800ms")
    assert {f"interaction_glass_{c}_{w}" for c in ("face", "house") for w in windows} <= names
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0.5 < metrics["model"]["roc_auc"]["mean"] <= 1.0
    from neucube_study.jobs import available_cores

    # Once per process (the main one and each worker; n_jobs defaults to every core), not per fold.
    assert proc.stderr.count("from their nearest neuron") <= 1 + available_cores()


@pytest.mark.shared_data
def test_shipped_wrist_study_classifies_well_above_chance(shared_data, tmp_path):
    """The shipped wrist study's model is the benchmark's tuned one (0.95 there); a sanity floor
    far below it catches a study file that drifts back to settings at chance (it once gave 0.39
    through `neucube run`). One seed, PNG figures."""
    out, _ = run_shipped_study("wrist_movement", {
        "n_seeds = 3": "n_seeds = 1", 'formats = ["svg", "pdf", "png"]': 'formats = ["png"]',
        'ablations = ["encoder_only", "no_stdp"]': "ablations = []",
    }, shared_data / "neucube_wrist_movement_eeg", tmp_path)
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["model"]["accuracy"]["mean"] >= 0.8  # chance 0.33
    assert metrics["control"]["neucube (shuffled labels)"]["accuracy"]["mean"] <= 0.6
