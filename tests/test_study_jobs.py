"""Cross-validation as fit jobs: the same results as neucube.evaluation.evaluate, resumable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data_loaders.simulate import simulate_familiarity
from neucube.evaluation import evaluate, make_baseline
from neucube.evaluation.jobs import assemble, plan_evaluation
from neucube_study.checkpoint import RESUME_PREFIX, Checkpoint
from neucube_study.jobs import run_jobs
from neucube_study.metrics import early_summary, scheme_metrics
from neucube_study.progress import CallbackProgress


@pytest.fixture(scope="module")
def trials():
    return simulate_familiarity(n_subjects=3, n_trials_per_class=8, seed=5)


def model():
    # A fast stand-in for the NeuCube model: the jobs machinery does not depend on the model.
    return make_baseline("window_means_logreg")


def run_plan(trials, scheme, **kwargs):
    plan = plan_evaluation(model(), trials, scheme=scheme, n_splits=3, seeds=[1, 2],
                           baselines=["channel_features_logreg"], control=True)
    result, extras = assemble(plan, run_jobs(plan.jobs, trials, **kwargs))
    return plan, result, extras


@pytest.mark.parametrize("scheme", ["stratified", "loso", "per_subject"])
def test_jobs_equal_evaluate(trials, scheme):
    _, result, _ = run_plan(trials, scheme)
    expected = evaluate(model(), trials, cv=scheme, n_splits=3, seeds=[1, 2],
                        baselines=["channel_features_logreg"], control=True)
    timing = ["fit_time_s"]
    pd.testing.assert_frame_equal(result.folds.drop(columns=timing), expected.folds.drop(columns=timing))
    pd.testing.assert_frame_equal(result.predictions, expected.predictions)
    assert result.to_dict() == expected.to_dict()


def test_parallel_equals_serial(trials):
    _, serial, _ = run_plan(trials, "stratified")
    _, parallel, _ = run_plan(trials, "stratified", n_jobs=2)
    pd.testing.assert_frame_equal(serial.predictions, parallel.predictions)
    assert serial.to_dict() == parallel.to_dict()


def test_progress_counts_every_fit(trials):
    messages = []
    plan = plan_evaluation(model(), trials, scheme="stratified", n_splits=3, seeds=[1],
                           baselines=[], control=False)
    run_jobs(plan.jobs, trials, progress=CallbackProgress(messages.append))
    assert messages == [f"cross-validation: {k}/3 fits" for k in (1, 2, 3)]


def test_checkpoint_resume_gives_identical_results(trials, tmp_path):
    out = tmp_path / "results"
    plan = plan_evaluation(model(), trials, scheme="per_subject", n_splits=3, seeds=[1],
                           baselines=["channel_features_logreg"], control=True)
    full, _ = assemble(plan, run_jobs(plan.jobs, trials))
    # An "interrupted" run completed the first half of the fits.
    first = Checkpoint(out, "key-1", resume=False)
    half = plan.jobs[: len(plan.jobs) // 2]
    run_jobs(half, trials, checkpoint=first)
    assert len(list(first.folder.glob("*.json"))) == len(half) + 1  # + run.json
    assert first.folder.name == f"{RESUME_PREFIX}results"
    resumed, _ = assemble(plan, run_jobs(plan.jobs, trials, checkpoint=Checkpoint(out, "key-1", resume=True)))
    pd.testing.assert_frame_equal(resumed.predictions, full.predictions)
    pd.testing.assert_frame_equal(resumed.folds.drop(columns="fit_time_s"), full.folds.drop(columns="fit_time_s"))
    assert resumed.to_dict() == full.to_dict()


def test_checkpoint_of_another_run_is_discarded(trials, tmp_path, caplog):
    out = tmp_path / "results"
    plan = plan_evaluation(model(), trials, scheme="stratified", n_splits=3, seeds=[1], baselines=[], control=False)
    run_jobs(plan.jobs, trials, checkpoint=Checkpoint(out, "old", resume=False))
    with caplog.at_level("WARNING"):
        again = Checkpoint(out, "new", resume=True)
    assert "used another study, seed, data or neucube version; starting afresh" in caplog.text
    assert all(again.load(job.id) is None for job in plan.jobs)
    # Without --resume, earlier fits are never reused.
    run_jobs(plan.jobs, trials, checkpoint=again)
    fresh = Checkpoint(out, "new", resume=False)
    assert all(fresh.load(job.id) is None for job in plan.jobs)
    fresh.remove()
    assert not fresh.folder.exists()


def test_scheme_metrics_have_folds_and_no_times(trials):
    _, result, extras = run_plan(trials, "stratified")
    doc = scheme_metrics(result, extras)
    assert len(doc["folds"]) == len(result.folds)
    assert "fit_time_s" not in doc["folds"][0]
    assert doc["model"]["accuracy"]["mean"] == pytest.approx(result.scores()["accuracy"]["mean"])
    assert "early_prediction" not in doc  # the stand-in model has no early prediction


def test_early_summary():
    extras = [{"early": {"fractions": [0.5, 1.0], "accuracy": [0.5, 1.0]}},
              {"early": {"fractions": [0.5, 1.0], "accuracy": [0.7, 0.8]}}, {}]
    summary = early_summary(extras)
    assert summary["fractions"] == [0.5, 1.0]
    np.testing.assert_allclose(summary["accuracy"], [0.6, 0.9])
    np.testing.assert_allclose(summary["accuracy_std"], [np.std([0.5, 0.7], ddof=1), np.std([1.0, 0.8], ddof=1)])
    assert summary["n_folds"] == 2
    assert early_summary([{}]) is None
