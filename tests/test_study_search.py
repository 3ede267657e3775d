"""`neucube search`: grid/randomised search nested inside the evaluation."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

from neucube_study import StudyError, load_study, parse_study
from neucube_study.metrics import METRICS_SCHEMA
from neucube_study.search import MODEL_NAME, make_search, param_space, tuned_config

REPO = Path(__file__).resolve().parents[1]
STUDY = """
[study]
name = "tiny"
seed = 2
[data]
source = "simulate"
n_subjects = 1
n_trials_per_class = 9
seed = 5
[events]
familiar = "familiar"
unfamiliar = "unfamiliar"
[encoder]
compare = ["tbr"]
[cube]
template = "grid"
spacing_mm = 20.0
[evaluation]
scheme = ["stratified", "per_subject"]
n_splits = 3
baselines = ["channel_features_logreg"]
control = false
[search]
inner_splits = 2
scoring = "accuracy"
[search.grid]
"readout.mod" = [0.7, 0.9]
"""


def test_param_space_and_searchers():
    study = parse_study({"study": {"name": "s"}, "data": {"source": "simulate"},
                         "search": {"grid": {"encoder.alpha": [0.3, 0.5], "stdp.rate": [0.001]}}})
    search = make_search(study)
    assert isinstance(search, GridSearchCV)
    assert search.param_grid == {"encoder_alpha": [0.3, 0.5], "stdp_rate": [0.001]}
    assert search.cv.n_splits == 3 and search.cv.random_state == 0 and search.n_jobs == 1
    space = param_space({"readout.drift_up": {"distribution": "loguniform", "low": 0.001, "high": 0.02},
                         "readout.k": {"distribution": "randint", "low": 1, "high": 5}})
    assert isinstance(space["drift_up"].dist, type(stats.loguniform(0.001, 0.02).dist))
    assert space["k"].rvs(size=200, random_state=0).max() == 5
    random = make_search(parse_study({"study": {"name": "s", "seed": 4}, "data": {"source": "simulate"},
                                      "search": {"method": "random", "n_iter": 3,
                                                 "grid": {"stdp.rate": {"distribution": "uniform", "low": 0.0, "high": 0.01}}}}))
    assert isinstance(random, RandomizedSearchCV) and random.n_iter == 3 and random.random_state == 4


def test_search_needs_a_grid():
    study = parse_study({"study": {"name": "s"}, "data": {"source": "simulate"}})
    with pytest.raises(StudyError, match=r"^search\.grid: expected at least one parameter to tune"):
        make_search(study)


def test_tuned_config():
    study = parse_study({"study": {"name": "s"}, "data": {"source": "simulate"},
                         "search": {"grid": {"readout.mod": [0.7, 0.9], "cube.spacing_mm": [10.0, 20.0]}}})
    config = tuned_config(study, {"mod": np.float64(0.9), "spacing_mm": 20.0})
    assert config["readout"]["mod"] == 0.9 and type(config["readout"]["mod"]) is float
    assert config["cube"]["spacing_mm"] == 20.0 and config["search"]["grid"] == {}


@pytest.mark.slow
def test_nested_search_end_to_end(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(STUDY)
    exe = Path(sys.executable).with_name("neucube")
    proc = subprocess.run([str(exe), "search", str(path), "--n-jobs", "2"], cwd=REPO, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "results" / "tiny-search"
    assert f"Results: {out}" in proc.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        ".neucube-results", "best_params.json", "folds.csv", "metrics.json", "predictions.csv", "provenance.json", "run.log",
        "search_all_trials.csv", "search_folds.csv", "study.toml", "summary.json", "tuned_study.toml",
    ]
    metrics = json.loads((out / "metrics.json").read_text())
    jsonschema.validate(metrics, METRICS_SCHEMA)
    assert metrics["model"]["name"] == MODEL_NAME and list(metrics["schemes"]) == ["stratified"]
    chosen = metrics["search"]["chosen"]
    assert [(c["seed"], c["fold"]) for c in chosen] == [(2, 0), (2, 1), (2, 2)]
    assert all(c["best_params"]["mod"] in (0.7, 0.9) for c in chosen)
    folds = pd.read_csv(out / "search_folds.csv")
    assert list(folds.columns) == ["scheme", "seed", "fold", "subject", "outer_accuracy", "inner_best_score", "mod"]
    # Nested: outer fold 0's choice is that of a search on its 12 training trials alone.
    from sklearn.model_selection import StratifiedKFold

    from neucube_study.runner import load_trials

    study = load_study(path)
    trials = load_trials(study)
    train, _ = next(StratifiedKFold(3, shuffle=True, random_state=2).split(trials.X, trials.labels))
    alone = make_search(study).fit(trials[train], trials.labels[train])
    assert alone.best_params_ == chosen[0]["best_params"]
    assert alone.best_score_ == pytest.approx(chosen[0]["inner_best_score"])
    final = pd.read_csv(out / "search_all_trials.csv")
    assert len(final) == 2 and not any(c.endswith("_time") for c in final.columns)
    best = json.loads((out / "best_params.json").read_text())
    assert best["best_params"]["mod"] in (0.7, 0.9) and best["scoring"] == "accuracy"
    tuned = tomllib.loads((out / "tuned_study.toml").read_text())
    assert tuned["readout"]["mod"] == best["best_params"]["mod"]
    assert load_study(path).config["readout"]["mod"] == 0.8  # the study file itself is unchanged
    assert "Parameters chosen on all trials (inner accuracy" in proc.stdout
    prov = json.loads((out / "provenance.json").read_text())
    assert prov["run"]["command"] == "search" and prov["run"]["n_jobs"] == 2
