"""Evaluation: same folds for model and baselines, leakage control, schemes and metrics."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from data_loaders import simulate_familiarity
from neucube.evaluation import ChannelFeatures, evaluate, make_baseline, window_means


@pytest.fixture(scope="module")
def trials():
    return simulate_familiarity(n_subjects=3, n_trials_per_class=20, seed=1)


@pytest.fixture(scope="module")
def null_trials():
    return simulate_familiarity(n_subjects=3, n_trials_per_class=20, seed=1, effect_size=0.0)


def fast_model():
    return make_baseline("window_means_logreg")


def test_model_and_baselines_share_folds(trials):
    res = evaluate(fast_model(), trials, seeds=[0, 1], baselines=["channel_features_logreg"])
    folds = res.folds
    assert set(folds["model"]) == {"neucube", "channel_features_logreg"}
    assert len(folds) == 2 * 2 * 5
    # Identical test trials per (seed, fold) for both models.
    p = res.predictions
    for _, group in p.groupby(["seed", "fold"]):
        by_model = {m: sorted(g["trial"]) for m, g in group.groupby("model")}
        assert by_model["neucube"] == by_model["channel_features_logreg"]
    # Every trial is tested exactly once per seed and model.
    counts = p.groupby(["model", "seed"])["trial"].apply(lambda t: sorted(t) == list(range(trials.n_trials)))
    assert counts.all()


def test_effect_is_found_and_control_is_at_chance(trials):
    res = evaluate(fast_model(), trials, seeds=[0, 1, 2], baselines=[], control=True)
    summary = res.to_dict()
    assert summary["model"]["accuracy"]["mean"] > 0.65
    control = summary["control"]["neucube (shuffled labels)"]["accuracy"]["mean"]
    # 3 seeds x 120 trials: the standard error of a chance accuracy is ~0.026.
    assert abs(control - 0.5) < 0.1
    assert summary["chance_level"] == 0.5


def test_no_effect_gives_chance(null_trials):
    res = evaluate(fast_model(), null_trials, seeds=[0, 1, 2], baselines=[])
    assert abs(res.scores()["accuracy"]["mean"] - 0.5) < 0.1


def test_loso_and_per_subject(trials):
    loso = evaluate(fast_model(), trials, cv="loso", baselines=[])
    assert sorted(loso.folds["subject"]) == ["sub-01", "sub-02", "sub-03"]
    assert (loso.folds["n_test"] == 40).all()
    per = evaluate(fast_model(), trials, cv="per_subject", n_splits=4, baselines=[])
    by_subject = per.scores()["accuracy_by_subject"]
    assert sorted(by_subject) == ["sub-01", "sub-02", "sub-03"]
    # Training never mixes subjects in the per-subject scheme.
    p = per.predictions
    assert (p.groupby(["seed", "fold"])["subject"].nunique() == 1).all()


def test_metrics_and_confusion(trials):
    res = evaluate(DummyClassifier(strategy="most_frequent"), trials, baselines=[])
    s = res.scores()
    assert s["accuracy"]["mean"] == pytest.approx(0.5)
    assert s["roc_auc"]["mean"] == pytest.approx(0.5)
    cm = res.confusion()
    assert cm.sum() == trials.n_trials and cm.shape == (2, 2)


def test_multiclass_auc_is_one_vs_rest(rng):
    X = rng.normal(size=(90, 2, 10))
    y = np.repeat(["a", "b", "c"], 30)
    X[y == "b", 0] += 2.0
    X[y == "c", 1] += 2.0
    res = evaluate(make_pipeline(ChannelFeatures(("mean",)), LogisticRegression()), X, y, baselines=[])
    assert res.scores()["roc_auc"]["mean"] > 0.9
    assert res.class_names == ["a", "b", "c"]


def test_parallel_equals_serial(trials):
    a = evaluate(fast_model(), trials, seeds=[3], baselines=["channel_features_logreg"], n_jobs=1)
    b = evaluate(fast_model(), trials, seeds=[3], baselines=["channel_features_logreg"], n_jobs=2)
    assert a.folds.drop(columns="fit_time_s").equals(b.folds.drop(columns="fit_time_s"))
    assert a.predictions.equals(b.predictions)


def test_window_means_and_channel_features(rng):
    X = rng.normal(size=(4, 3, 20))
    wm = window_means(X, n_windows=4)
    np.testing.assert_allclose(wm.reshape(4, 3, 4)[..., 0], X[..., :5].mean(-1))
    feats = ChannelFeatures().fit(X).transform(X)
    np.testing.assert_allclose(feats[:, :3], X.std(-1))
    np.testing.assert_allclose(feats[:, 3:6], np.abs(np.diff(X, axis=-1)).mean(-1))


def test_errors(trials, rng):
    with pytest.raises(ValueError, match=r"The 'cv' parameter must be one of 'stratified', 'loso', 'per_subject'"):
        evaluate(fast_model(), trials, cv="bootstrap")
    with pytest.raises(ValueError, match=r"The 'baselines' parameter must name baselines among"):
        evaluate(fast_model(), trials, baselines=["svm"])
    with pytest.raises(ValueError, match=r"y is required when X is an array"):
        evaluate(fast_model(), rng.normal(size=(4, 2, 5)))
    with pytest.raises(ValueError, match=r"evaluate needs at least 2 classes in y; got \['a'\]"):
        evaluate(fast_model(), rng.normal(size=(4, 2, 5)), ["a"] * 4)
    with pytest.raises(ValueError, match=r"cv='loso' needs per-trial subject ids"):
        evaluate(fast_model(), rng.normal(size=(4, 2, 5)), ["a", "b"] * 2, cv="loso")
    with pytest.raises(ValueError, match=r"The 'features' parameter of ChannelFeatures"):
        ChannelFeatures(("max",)).fit(rng.normal(size=(2, 2, 3)))
