"""The state readout: logistic regression on time-binned spike counts of the cube."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.preprocessing import StandardScaler

from neucube.classifier import NeuCubeClassifier
from neucube.cube.template import grid_template
from neucube.readout import BinnedCountFeatures, SpikeCountFeatures, StateClassifier


def timing_rasters(rng: np.random.Generator, n_per_class: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Same number of spikes in both classes; only *when* neuron 0 fires differs.

    Class 0 fires a burst of 5 spikes early in the trial, class 1 the same burst late, over
    sparse background spikes on 6 neurons.
    """
    n = 2 * n_per_class
    X = (rng.random((n, 6, 40)) < 0.05).astype(np.int8)
    y = np.repeat([0, 1], n_per_class)
    X[:, 0] = 0
    for i in range(n):
        start = rng.integers(2, 8) if y[i] == 0 else rng.integers(25, 31)
        X[i, 0, start:start + 5] = 1
    return X, y


def test_reads_timing_that_counts_and_desnn_cannot_see(rng):
    X, y = timing_rasters(rng)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    state = cross_val_score(StateClassifier(n_bins=4), X, y, cv=cv).mean()
    counts = cross_val_score(make_count_model(), X, y, cv=cv).mean()
    assert state == 1.0
    assert counts < 0.8  # equal counts: only chance-level differences


def make_count_model():
    from sklearn.pipeline import make_pipeline

    return make_pipeline(SpikeCountFeatures(), LogisticRegression())


def test_equals_logistic_regression_on_standardised_kept_features(rng):
    X, y = timing_rasters(rng)
    X_test, _ = timing_rasters(rng, 5)
    model = StateClassifier(n_bins=8, C=0.1, standardize=True).fit(X, y)
    F = BinnedCountFeatures(8).fit_transform(X)
    keep = F.var(axis=0) > 0
    assert np.array_equal(model.support_, keep)
    scaler = StandardScaler().fit(F[:, keep])
    ref = LogisticRegression(C=0.1, max_iter=5000).fit(scaler.transform(F[:, keep]), y)
    F_test = BinnedCountFeatures(8).fit(X).transform(X_test)[:, keep]
    assert np.allclose(model.predict_proba(X_test), ref.predict_proba(scaler.transform(F_test)))
    assert np.array_equal(model.predict(X_test), ref.predict(scaler.transform(F_test)))
    assert model.C_ == 0.1


def test_centred_counts_keep_their_unit_without_standardisation(rng):
    X, y = timing_rasters(rng)
    X_test, _ = timing_rasters(rng, 5)
    model = StateClassifier(n_bins=8, C=0.1, standardize=False).fit(X, y)
    F = BinnedCountFeatures(8).fit_transform(X)[:, model.support_].astype(float)
    assert np.array_equal(model.scale_, np.ones(F.shape[1]))
    ref = LogisticRegression(C=0.1, max_iter=5000).fit(F - F.mean(axis=0), y)
    F_test = BinnedCountFeatures(8).fit(X).transform(X_test)[:, model.support_]
    assert np.allclose(model.predict_proba(X_test), ref.predict_proba(F_test - F.mean(axis=0)))


@pytest.mark.parametrize("standardize", [True, False])
def test_auto_c_equals_independent_inner_fits(rng, standardize):
    """The warm-started, Gram-matrix path over Cs picks what plain per-C fits would pick."""
    from sklearn.metrics import log_loss
    from sklearn.model_selection import StratifiedKFold

    X = (rng.random((40, 30, 20)) < 0.1).astype(np.int8)  # 300 features > 40 trials
    y = np.repeat([0, 1], 20)
    X[y == 1, :4, 5:10] |= (rng.random((20, 4, 5)) < 0.3).astype(np.int8)
    cs = (1e-3, 1e-2, 1e-1, 1.0)
    model = StateClassifier(n_bins=10, Cs=cs, standardize=standardize).fit(X, y)
    F = BinnedCountFeatures(10).fit_transform(X)[:, model.support_].astype(float)
    Z = (F - model.mean_) / model.scale_
    loss = np.zeros(len(cs))
    for train, val in StratifiedKFold(5).split(Z, y):
        for i, c in enumerate(cs):
            ref = LogisticRegression(C=c, max_iter=5000, tol=1e-10).fit(Z[train], y[train])
            loss[i] += log_loss(y[val], ref.predict_proba(Z[val]))
    assert model.C_ == cs[int(np.argmin(loss))]


def test_auto_c_is_chosen_among_cs_on_training_trials_only(rng):
    X, y = timing_rasters(rng)
    model = StateClassifier(n_bins=4, Cs=(1e-3, 1.0)).fit(X, y)
    assert model.C_ in (1e-3, 1.0)
    # Deterministic: no random choice.
    again = StateClassifier(n_bins=4, Cs=(1e-3, 1.0)).fit(X, y)
    assert again.C_ == model.C_ and np.array_equal(again.coef_, model.coef_)
    # Too few trials for inner folds: the middle candidate.
    tiny = StateClassifier(n_bins=4, Cs=(1e-3, 1e-2, 1e-1)).fit(X[[0, 1, 20]], y[[0, 1, 20]])
    assert tiny.C_ == 1e-2


def test_multiclass_probabilities_sum_to_one(rng):
    X = (rng.random((30, 4, 12)) < 0.2).astype(np.int8)
    y = np.repeat(["a", "b", "c"], 10)
    for i, label in enumerate("abc"):
        X[y == label, i, 4 * i:4 * i + 3] = 1
    model = StateClassifier(n_bins=3).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (30, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert model.score(X, y) == 1.0 and list(model.classes_) == ["a", "b", "c"]


@pytest.mark.parametrize(
    "params, match",
    [
        ({"C": "best"}, r"The 'C' parameter of StateClassifier must be 'auto' or a positive "
                        r"float; got 'best'"),
        ({"C": 0.0}, r"The 'C' parameter of StateClassifier must be 'auto' or a positive float; "
                     r"got 0\.0"),
        ({"Cs": ()}, r"The 'Cs' parameter of StateClassifier must be a non-empty sequence of "
                     r"positive floats; got \(\)"),
        ({"n_bins": 0}, r"The 'n_bins' parameter of StateClassifier must be an integer in "
                        r"\[1, 10000\] \(.*\); got 0"),
        ({"cv": 1}, r"The 'cv' parameter of StateClassifier must be an integer in \[2, 100\] .*; "
                    r"got 1"),
        ({"standardize": "yes"}, r"The 'standardize' parameter of StateClassifier must be True "
                                 r"or False; got 'yes'"),
    ],
)
def test_bad_parameters(rng, params, match):
    X, y = timing_rasters(rng, 5)
    with pytest.raises(ValueError, match=match):
        StateClassifier(**params).fit(X, y)


def test_one_class_and_length_mismatch(rng):
    X, y = timing_rasters(rng, 5)
    with pytest.raises(ValueError, match=r"StateClassifier needs trials of at least 2 classes in "
                                         r"y; got 1 class: \[0\]"):
        StateClassifier(n_bins=4).fit(X, np.zeros(len(X), int))
    with pytest.raises(ValueError, match=r"X has 10 trials but y has 9 labels"):
        StateClassifier(n_bins=4).fit(X, y[:-1])
    model = StateClassifier(n_bins=4).fit(X, y)
    assert StateClassifier(n_bins=50).fit(X, y).features_.n_bins == 40  # one bin per step
    with pytest.raises(ValueError, match=r"X has 20 steps per trial, but BinnedCountFeatures was "
                                         r"fitted on trials of 40 steps"):
        model.predict(X[:, :, :20])


def test_neucube_state_readout_reads_erp_timing_where_desnn_is_at_chance():
    """Two classes with the same transient at different latencies on one channel.

    Spike counts over the trial are the same for both classes, so the deSNN (rank order +
    counts) is near chance, while the state readout sees in which bin the cube fires.
    """
    rng = np.random.default_rng(0)
    n, n_ch, n_t = 60, 3, 60
    X = rng.normal(scale=0.3, size=(n, n_ch, n_t))
    y = np.repeat(["early", "late"], n // 2)
    bump = 4.0 * np.hanning(10)
    for i in range(n):
        start = 8 if y[i] == "early" else 38
        X[i, 0, start:start + 10] += bump
    coords = np.array([[0.0, 0.0, 0.0], [20.0, 0.0, 0.0], [0.0, 20.0, 0.0]])
    common = {"backend": "reference", "template": grid_template((4, 4, 2)),
              "coords": coords, "coords_space": "grid", "encoder": "bsa", "random_state": 0}
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    state = cross_val_score(NeuCubeClassifier(readout="state", n_bins=6, **common), X, y, cv=cv)
    desnn = cross_val_score(NeuCubeClassifier.published(**common), X, y, cv=cv)
    assert state.mean() == 1.0
    assert desnn.mean() <= 0.7
    model = NeuCubeClassifier(readout="state", n_bins=6, **common).fit(X, y)
    assert isinstance(model.readout_, StateClassifier) and model.readout_.n_bins == 6
    proba = model.predict_proba(X)
    assert proba.shape == (n, 2) and np.allclose(proba.sum(axis=1), 1.0)


def test_wide_features_are_fitted_in_the_row_space_with_the_same_result(rng):
    """Many more neuron-bins than trials: the SVD shortcut gives sklearn's own model."""
    X = (rng.random((24, 60, 40)) < 0.1).astype(np.int8)
    y = np.repeat([0, 1], 12)
    X[y == 1, :5, 10:20] |= (rng.random((12, 5, 10)) < 0.3).astype(np.int8)
    model = StateClassifier(n_bins=10, C=0.05, standardize=True).fit(X, y)
    F = BinnedCountFeatures(10).fit_transform(X)[:, model.support_]
    assert F.shape[1] > F.shape[0]
    Z = (F - F.mean(axis=0)) / F.std(axis=0)
    ref = LogisticRegression(C=0.05, max_iter=5000, tol=1e-10).fit(Z, y)
    assert np.allclose(model.coef_, ref.coef_, atol=1e-4)
    assert np.allclose(model.predict_proba(X), ref.predict_proba(Z), atol=1e-4)
    three = np.repeat([0, 1, 2], 8)
    multi = StateClassifier(n_bins=10, C=0.05, standardize=True).fit(X, three)
    ref3 = LogisticRegression(C=0.05, max_iter=5000, tol=1e-10).fit(Z, three)
    assert np.allclose(multi.predict_proba(X), ref3.predict_proba(Z), atol=1e-4)
