"""Tests of the cube readouts (neucube.readout): deSNN weights and recalls, early prediction,
state-feature transformers, scikit-learn integration and errors."""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning, NotFittedError, SkipTestWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import (
    check_do_not_raise_errors_in_init_or_set_params,
    check_estimator_repr,
    check_estimator_tags_renamed,
    check_estimators_unfitted,
    check_get_params_invariance,
    check_mixin_order,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_set_params,
    check_transformers_unfitted,
    check_valid_tag_types,
    estimator_checks_generator,
    parametrize_with_checks,
)

from neucube.cube.raster import SpikeRaster
from neucube.readout._raster_input import truncate_raster
from neucube.readout.desnn import DeSNNClassifier
from neucube.readout.features import (
    BinnedCountFeatures,
    FirstSpikeFeatures,
    SpikeCountFeatures,
)
from neucube.readout.state import StateClassifier
from neucube.readout.weights import desnn_weights, first_spike_ranks

TRANSFORMERS = [SpikeCountFeatures, BinnedCountFeatures, FirstSpikeFeatures]


def dense(events: list[tuple[int, int, int]], shape: tuple[int, int, int]) -> np.ndarray:
    """Dense 0/1 raster from ``(trial, neuron, step)`` triples."""
    X = np.zeros(shape, dtype=np.int8)
    for trial, neuron, step in events:
        X[trial, neuron, step] = 1
    return X


def order_task(
    rng: np.random.Generator, n_per_class: int = 30, n_neurons: int = 24, n_steps: int = 40
) -> tuple[np.ndarray, np.ndarray]:
    """Two classes that fire the same neurons equally often, in opposite orders.

    Neuron ``j`` first fires at about ``j`` (class 0) or ``n_neurons - 1 - j`` (class 1) times
    ``0.6 * n_steps / n_neurons`` steps, with +-1 step of jitter, then exactly twice more at
    random later steps. Every neuron fires 3 times in every trial, so spike counts carry no
    class information at all.
    """
    n = 2 * n_per_class
    y = np.repeat([0, 1], n_per_class)
    rank = np.where(y[:, None] == 0, np.arange(n_neurons), np.arange(n_neurons)[::-1])
    first = rank * (int(0.6 * n_steps) // n_neurons) + rng.integers(-1, 2, size=(n, n_neurons))
    first = np.clip(first, 0, n_steps - 3)
    t = np.arange(n_steps)
    # Two later steps per neuron: the two smallest random keys among the steps after `first`.
    keys = np.where(t > first[..., None], rng.random((n, n_neurons, n_steps)), np.inf)
    later = np.argpartition(keys, 2, axis=-1)[..., :2]
    X = (t == first[..., None]).astype(np.int8)
    np.put_along_axis(X, later, 1, axis=-1)
    return X, y


def late_order_task(rng: np.random.Generator, n_per_class: int = 20) -> tuple[np.ndarray,
                                                                           np.ndarray]:
    """40-step trials whose class shows only in the second half.

    Steps 0-19: neurons 0-11 fire in the same order in every trial (class 0 of
    :func:`order_task`). Steps 20-39: neurons 12-23 fire in the class's order.
    """
    n = 2 * n_per_class
    early = order_task(rng, n, n_neurons=12, n_steps=20)[0][:n]  # all in the class-0 order
    late, y = order_task(rng, n_per_class, n_neurons=12, n_steps=20)
    X = np.zeros((n, 24, 40), dtype=np.int8)
    X[:, :12, :20] = early
    X[:, 12:, 20:] = late
    return X, y


# --------------------------------------------------------------------------------------------
# Naive references written from the spec, one trial and one neuron at a time.
# --------------------------------------------------------------------------------------------
def ref_weights(x: np.ndarray, alpha: float, mod: float, up: float, down: float) -> list[float]:
    """deSNN weights of one dense trial (n_neurons, n_steps), walking through time."""
    n_neurons, n_steps = x.shape
    firsts = sorted({int(np.argmax(x[j])) for j in range(n_neurons) if x[j].any()})
    w = []
    for j in range(n_neurons):
        if not x[j].any():
            w.append(0.0)
            continue
        f = int(np.argmax(x[j]))
        value = alpha * mod ** firsts.index(f)
        for t in range(f + 1, n_steps):
            value += up if x[j, t] else -down
        w.append(value)
    return w


def ref_psp_winner(test: np.ndarray, train: np.ndarray, labels: list, mod: float,
                   c: float) -> object:
    """deSNNm recall of one trial by stepping through time (drift-free weights)."""
    def code(x):
        w = ref_weights(x, 1.0, mod, 0.0, 0.0)
        return np.array(w), np.array([v if v else 0.0 for v in w])  # modulation = w here

    out_w = [code(x)[0] for x in train]
    thresholds = [c * float(np.dot(w, w)) for w in out_w]  # own PSP: sum mod**r * mod**r
    test_mod = code(test)[1]
    first = [int(np.argmax(test[j])) if test[j].any() else -1 for j in range(test.shape[0])]
    psp = [0.0] * len(train)
    for t in range(test.shape[1]):
        for j, f in enumerate(first):
            if f == t:
                for i, w in enumerate(out_w):
                    psp[i] += test_mod[j] * w[j]
        ratios = [p / th if th > 0 else -math.inf for p, th in zip(psp, thresholds, strict=True)]
        if max(ratios) >= 1:
            break
    return labels[int(np.argmax(ratios))]


# --------------------------------------------------------------------------------------------
# Weights: ranks, ties, drift.
# --------------------------------------------------------------------------------------------
HAND = dense(
    [(0, 0, 2), (0, 0, 3), (0, 0, 5), (0, 1, 0), (0, 2, 2), (0, 4, 4), (0, 4, 5)]
    + [(2, j, 0) for j in range(5)],
    (3, 5, 6),
)  # trial 1 is silent; in trial 2 every neuron fires at step 0 only


def test_dense_ranks_ties_share_a_rank_and_the_next_step_gets_the_next_integer():
    first = SpikeRaster.from_dense(HAND).first_spike_times()
    np.testing.assert_array_equal(first, [[2, 0, 2, -1, 4], [-1] * 5, [0] * 5])
    np.testing.assert_array_equal(first_spike_ranks(first, 6),
                                  [[1, 0, 1, -1, 2], [-1] * 5, [0] * 5])


def test_weights_by_hand():
    w = desnn_weights(SpikeRaster.from_dense(HAND), alpha=1.0, mod=0.5, drift_up=0.1,
                      drift_down=0.01)
    # Trial 0, n_steps = 6:
    #   n0: rank 1 -> 0.5; later spikes at 3, 5 -> +0.2; silent after first: 4 -> -0.01
    #   n1: rank 0 -> 1;   silent 1..5 -> -0.05
    #   n2: rank 1 (tied with n0) -> 0.5; silent 3..5 -> -0.03
    #   n3: silent -> 0
    #   n4: rank 2 (dense; competition ranking would give 3) -> 0.25; spike at 5 -> +0.1
    np.testing.assert_allclose(w[0], [0.69, 0.95, 0.47, 0.0, 0.35])
    np.testing.assert_array_equal(w[1], np.zeros(5))
    np.testing.assert_allclose(w[2], np.full(5, 1.0 - 5 * 0.01))


def test_truncated_window_keeps_early_ranks_and_recomputes_drift():
    r = truncate_raster(SpikeRaster.from_dense(HAND), 3)
    assert (r.n_trials, r.n_neurons, r.n_steps) == (3, 5, 3)
    assert r == SpikeRaster.from_dense(HAND[..., :3])
    w = desnn_weights(r, alpha=1.0, mod=0.5, drift_up=0.1, drift_down=0.01)
    # Over steps 0..2: n0 and n2 fire first at step 2 (rank 1, no step left for drift),
    # n1 fires at 0 and stays silent for 2 steps; n4 has not fired yet.
    np.testing.assert_allclose(w[0], [0.5, 0.98, 0.5, 0.0, 0.0])
    assert truncate_raster(r, 3) is r


def test_vectorised_weights_match_the_naive_walk(rng):
    X = (rng.random((7, 13, 17)) < 0.12).astype(np.int8)
    X[0] = 0
    w = desnn_weights(SpikeRaster.from_dense(X), alpha=0.9, mod=0.7, drift_up=0.02,
                      drift_down=0.003)
    expected = [ref_weights(x, 0.9, 0.7, 0.02, 0.003) for x in X]
    np.testing.assert_allclose(w, expected, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------------------------
# wknn recall by hand.
# --------------------------------------------------------------------------------------------
# Three neurons, mod 0.5, no drift: the weight of a neuron is 0.5 ** rank.
WK_TRAIN = dense(
    [(0, 0, 0), (0, 1, 1), (0, 2, 2),  # (1, 0.5, 0.25)  class a
     (1, 0, 0), (1, 1, 1),             # (1, 0.5, 0)     class a
     (2, 2, 0), (2, 1, 1), (2, 0, 2),  # (0.25, 0.5, 1)  class b
     (3, 1, 0), (3, 0, 1)],            # (0.5, 1, 0)     class b
    (4, 3, 4),
)
WK_Y = np.array(["a", "a", "b", "b"])
WK_TEST = dense([(0, 0, 0), (0, 2, 1), (0, 1, 3)], (1, 3, 4))  # (1, 0.25, 0.5)
NO_DRIFT = dict(mod=0.5, drift_up=0.0, drift_down=0.0)


def test_wknn_scores_by_hand():
    clf = DeSNNClassifier(k=3, sigma=1.0, **NO_DRIFT).fit(WK_TRAIN, WK_Y)
    np.testing.assert_allclose(clf.weights_, [[1, 0.5, 0.25], [1, 0.5, 0], [0.25, 0.5, 1],
                                              [0.5, 1, 0]])
    # Squared distances from (1, 0.25, 0.5): 2/16, 5/16, 14/16, 17/16. The 4th is the
    # reference, so the normalised distances of the 3 nearest are sqrt(2/17), sqrt(5/17),
    # sqrt(14/17) and each adds exp(-D / 2) to its class.
    a = math.exp(-math.sqrt(2 / 17) / 2) + math.exp(-math.sqrt(5 / 17) / 2)
    b = math.exp(-math.sqrt(14 / 17) / 2)
    np.testing.assert_allclose(clf.predict_proba(WK_TEST), [[a / (a + b), b / (a + b)]])
    assert clf.predict(WK_TEST).tolist() == ["a"]
    # sigma narrows the kernel: sigma = 0.5 gives exp(-2 D).
    clf.set_params(sigma=0.5).fit(WK_TRAIN, WK_Y)
    a2 = math.exp(-2 * math.sqrt(2 / 17)) + math.exp(-2 * math.sqrt(5 / 17))
    b2 = math.exp(-2 * math.sqrt(14 / 17))
    np.testing.assert_allclose(clf.predict_proba(WK_TEST)[0, 1], b2 / (a2 + b2))


def test_wknn_k1_uses_the_second_nearest_as_reference():
    clf = DeSNNClassifier(k=1, **NO_DRIFT).fit(WK_TRAIN, WK_Y)
    # Only the nearest (class a) votes: probability exactly 1 for a.
    np.testing.assert_array_equal(clf.predict_proba(WK_TEST), [[1.0, 0.0]])


def test_wknn_reference_distance_zero_counts_every_neighbour_fully():
    train = np.concatenate([WK_TRAIN[[0, 0, 0]], WK_TRAIN[[2]]])
    clf = DeSNNClassifier(k=2, **NO_DRIFT).fit(train, ["a", "a", "a", "b"])
    # The 3 nearest are identical to the test trial: D_(k+1) = 0, so both neighbours count 1.
    proba = clf.predict_proba(WK_TRAIN[[0]])
    np.testing.assert_array_equal(proba, [[1.0, 0.0]])
    # Distances are recomputed exactly, so a replayed training trial is at distance 0 even
    # with large weights (no cancellation error in ||a||^2 + ||b||^2 - 2ab).
    clf = DeSNNClassifier(k=2, alpha=1e4, **NO_DRIFT).fit(train, ["a", "a", "a", "b"])
    np.testing.assert_array_equal(clf.predict_proba(WK_TRAIN[[0]]), [[1.0, 0.0]])


def test_wknn_ties_in_distance_and_score_are_deterministic():
    # Test (1, 1, 0) is at distance 0.5 from (1, 0.5, 0) [a] and (0.5, 1, 0) [b], and 1 from
    # (1, 0, 0) [a] and (0, 1, 0) [b]: with k = 2 the two 0.5s vote equally, a tie in score.
    train = dense([(0, 0, 0), (0, 1, 1), (1, 0, 0), (2, 1, 0), (2, 0, 1), (3, 1, 0)], (4, 3, 3))
    test = dense([(0, 0, 0), (0, 1, 0)], (1, 3, 3))
    clf = DeSNNClassifier(k=2, **NO_DRIFT).fit(train, ["a", "a", "b", "b"])
    np.testing.assert_allclose(clf.predict_proba(test), [[0.5, 0.5]])
    assert clf.predict(test).tolist() == ["a"]  # score ties go to the first class


def test_wknn_with_fewer_training_trials_than_k_plus_one():
    with pytest.warns(UserWarning, match=r"k=3 needs at least k \+ 1 = 4 training trials, "
                                         r"but there are 2; using k = 1"):
        clf = DeSNNClassifier(k=3, **NO_DRIFT).fit(WK_TRAIN[[1, 3]], ["a", "b"])
    # Nearest (1, 0.5, 0) [a] at sqrt(5)/4; reference (0.5, 1, 0) at sqrt(17)/4.
    np.testing.assert_array_equal(clf.predict_proba(WK_TEST), [[1.0, 0.0]])
    with pytest.warns(UserWarning, match="using k = 1"):
        single = DeSNNClassifier(k=3).fit(WK_TRAIN[[2]], ["b"])
    assert single.predict(WK_TEST).tolist() == ["b"]
    np.testing.assert_array_equal(single.predict_proba(WK_TEST), [[1.0]])


# --------------------------------------------------------------------------------------------
# psp recall by hand.
# --------------------------------------------------------------------------------------------
def test_psp_winner_and_scores_by_hand():
    train = WK_TRAIN[[0, 2]]  # a: w = (1, 0.5, 0.25); b: w = (0.25, 0.5, 1)
    test = dense([(0, 2, 0), (0, 0, 1), (0, 1, 2)], (1, 3, 4))  # ranks n2: 0, n0: 1, n1: 2
    clf = DeSNNClassifier(recall="psp", c=0.7, **NO_DRIFT).fit(train, ["a", "b"])
    # Own-trial PSP: 1*1 + 0.5*0.5 + 0.25*0.25 = 1.3125 for both; threshold 0.91875.
    np.testing.assert_allclose(clf.psp_max_, [1.3125, 1.3125])
    # PSP_a: 0.25, 0.75, 0.875; PSP_b: 1, 1.125, 1.25. b fires at step 0, where the
    # threshold-normalised PSPs are 0.25/0.91875 and 1/0.91875: scores in ratio 1 : 4.
    np.testing.assert_allclose(clf.predict_proba(test), [[0.2, 0.8]])
    assert clf.predict(test).tolist() == ["b"]
    # With c = 1 nobody reaches the threshold 1.3125; the end-of-trial PSPs 0.875 and 1.25
    # decide.
    clf.set_params(c=1.0).fit(train, ["a", "b"])
    np.testing.assert_allclose(clf.predict_proba(test), [[0.875 / 2.125, 1.25 / 2.125]])


def test_psp_first_to_fire_wins_over_a_larger_final_psp():
    # a: trained on n0 alone, w = (1, 0, 0), threshold 0.25 * 1.
    # b: trained on n2 then n1, w = (0, 0.5, 1), threshold 0.25 * 1.25 = 0.3125.
    train = dense([(0, 0, 0), (1, 2, 0), (1, 1, 1)], (2, 3, 3))
    test = dense([(0, 1, 0), (0, 0, 1)], (1, 3, 3))  # n1 at rank 0, n0 at rank 1
    clf = DeSNNClassifier(recall="psp", c=0.25, **NO_DRIFT).fit(train, ["a", "b"])
    # Step 0: PSP_b = 0.5 >= 0.3125 fires (ratio 1.6); PSP_a = 0. Step 1: PSP_a = 0.5, ratio
    # 2 > 1.6, but b already fired.
    np.testing.assert_array_equal(clf.predict_proba(test), [[0.0, 1.0]])
    assert clf.predict(test).tolist() == ["b"]
    assert ref_psp_winner(test[0], train, ["a", "b"], 0.5, 0.25) == "b"


def test_psp_without_evidence_returns_the_class_prior():
    clf = DeSNNClassifier(recall="psp", **NO_DRIFT).fit(WK_TRAIN[[0, 1, 2]], ["a", "a", "b"])
    silent = np.zeros((2, 3, 4), dtype=np.int8)
    np.testing.assert_allclose(clf.predict_proba(silent), [[2 / 3, 1 / 3]] * 2)
    assert clf.predict(silent).tolist() == ["a", "a"]
    np.testing.assert_allclose(clf.class_prior_, [2 / 3, 1 / 3])


def test_psp_silent_training_trials_never_fire():
    train = np.concatenate([np.zeros((1, 3, 4), np.int8), WK_TRAIN[[2]]])
    clf = DeSNNClassifier(recall="psp", **NO_DRIFT).fit(train, ["silent", "b"])
    assert clf.psp_max_[0] == 0.0
    assert clf.classes_.tolist() == ["b", "silent"]
    np.testing.assert_array_equal(clf.predict_proba(WK_TEST), [[1.0, 0.0]])


def test_psp_matches_the_naive_time_stepped_recall(rng):
    X = (rng.random((30, 10, 12)) < 0.1).astype(np.int8)
    y = rng.integers(0, 3, size=30)
    clf = DeSNNClassifier(recall="psp", c=0.6, **NO_DRIFT).fit(X[:20], y[:20])
    expected = [ref_psp_winner(x, X[:20], list(y[:20]), 0.5, 0.6) for x in X[20:]]
    proba = clf.predict_proba(X[20:])
    informative = proba.max(axis=1) > 0  # the reference has no prior fallback
    assert informative.all()
    np.testing.assert_array_equal(clf.predict(X[20:]), expected)


# --------------------------------------------------------------------------------------------
# Learning behaviour, probabilities, early prediction.
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("recall", ["wknn", "psp"])
def test_firing_order_task_is_learnt_and_shuffled_labels_are_at_chance(rng, recall):
    X, y = order_task(rng)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    clf = DeSNNClassifier(recall=recall)
    assert cross_val_score(clf, X, y, cv=cv).min() == 1.0
    # Every neuron fires 3 times in every trial, so a count readout cannot do better than
    # chance: the deSNN's accuracy comes from the firing order.
    assert np.all(SpikeCountFeatures().fit_transform(X) == 3)
    # 60 balanced trials: chance accuracy has a standard deviation of about 0.065, so
    # [0.25, 0.75] is about 4 standard deviations on each side of 0.5.
    shuffled = np.random.default_rng(1).permutation(y)
    assert 0.25 <= cross_val_score(clf, X, shuffled, cv=cv).mean() <= 0.75


@pytest.mark.parametrize("recall", ["wknn", "psp"])
def test_predict_proba_rows_sum_to_one_and_argmax_is_predict(rng, recall):
    X = (rng.random((40, 15, 20)) < 0.08).astype(np.int8)
    y = rng.choice(["x", "y", "z"], size=40)
    clf = DeSNNClassifier(recall=recall).fit(X[:30], y[:30])
    for stop in (None, 5):
        proba = clf.predict_proba(X[30:], stop=stop)
        assert proba.shape == (10, 3)
        assert np.all(proba >= 0)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)],
                                      clf.predict(X[30:], stop=stop))
    assert clf.classes_.tolist() == ["x", "y", "z"]


@pytest.mark.parametrize("recall", ["wknn", "psp"])
def test_early_prediction_uses_the_same_window_for_training_and_test(rng, recall):
    X, y = order_task(rng, n_per_class=12)
    train, test = np.r_[0:8, 12:20], np.r_[8:12, 20:24]
    clf = DeSNNClassifier(recall=recall).fit(X[train], y[train])
    for stop in (3, 17, 40):
        # Same as a classifier fitted and tested on the first `stop` steps only.
        short = clone(clf).fit(X[train, :, :stop], y[train])
        np.testing.assert_allclose(clf.predict_proba(X[test], stop=stop),
                                   short.predict_proba(X[test, :, :stop]))
        # A test raster shorter than the training trials is an early observation.
        np.testing.assert_allclose(clf.predict_proba(X[test, :, :stop]),
                                   short.predict_proba(X[test, :, :stop]))


@pytest.mark.parametrize("recall", ["wknn", "psp"])
def test_early_predict_curve(rng, recall):
    X, y = order_task(rng, n_per_class=20)
    clf = DeSNNClassifier(recall=recall).fit(X[::2], y[::2])
    fractions = [0.1, 0.25, 0.5, 1.0]
    curve = clf.early_predict_curve(X[1::2], y[1::2], fractions=fractions)
    assert curve.shape == (4,)
    assert curve[-1] == clf.score(X[1::2], y[1::2]) == 1.0
    # The opposite orders show from the first steps: a quarter of the trial (10 steps, the
    # first ~6 neurons) already separates the classes.
    assert curve[1] == 1.0
    # stop = ceil(f * n_steps): 0.1 of 40 steps is 4 steps.
    assert curve[0] == np.mean(clf.predict(X[1::2], stop=4) == y[1::2])
    assert clf.early_predict_curve(X[1::2], y[1::2]).shape == (10,)


def test_early_predict_curve_rises_when_the_class_information_arrives(rng):
    X, y = late_order_task(rng)
    # mod = 0.95 so that the late neurons (ranks 12-24) keep some rank-order weight.
    clf = DeSNNClassifier(mod=0.95).fit(X[::2], y[::2])
    curve = clf.early_predict_curve(X[1::2], y[1::2], fractions=[0.25, 0.5, 0.75, 1.0])
    # Up to step 20 every trial follows the same pattern: 20 test trials at chance have a
    # standard deviation of about 0.11, so 0.75 is more than 2 standard deviations above 0.5.
    assert curve[0] <= 0.75 and curve[1] <= 0.75
    # By step 30 the late neurons have fired in their class's order.
    assert curve[2] == curve[3] == 1.0


@pytest.mark.parametrize("recall", ["wknn", "psp"])
def test_raster_and_dense_inputs_agree_and_rasters_work_in_cross_validation(rng, recall):
    X, y = order_task(rng, n_per_class=10)
    raster = SpikeRaster.from_dense(X)
    clf = DeSNNClassifier(recall=recall).fit(raster, y)
    np.testing.assert_array_equal(clf.predict_proba(raster), clf.predict_proba(X))
    np.testing.assert_array_equal(clf.predict_proba([raster[:5], raster[5:]]),
                                  clf.predict_proba(X))
    assert clf.n_features_in_ == 24 and clf.n_steps_ == 40
    cv = StratifiedKFold(4, shuffle=True, random_state=0)
    np.testing.assert_array_equal(cross_val_score(clf, raster, y, cv=cv),
                                  cross_val_score(clf, X, y, cv=cv))


def test_cross_val_score_and_gridsearch_over_mod_and_drift_up(rng):
    X, y = order_task(rng, n_per_class=15)
    grid = GridSearchCV(DeSNNClassifier(), {"mod": [0.6, 0.9], "drift_up": [0.0, 0.01]},
                        cv=StratifiedKFold(3, shuffle=True, random_state=0))
    grid.fit(X, y)
    assert grid.cv_results_["mean_test_score"].shape == (4,)
    assert grid.best_score_ == 1.0
    assert grid.best_estimator_.mod in (0.6, 0.9)
    pipe = make_pipeline(BinnedCountFeatures(n_bins=4), LogisticRegression())
    assert cross_val_score(pipe, X, y, cv=3).mean() > 0.9


@pytest.mark.parametrize("recall", ["wknn", "psp"])
def test_generic_estimator_behaviour_on_3d_input(rng, recall):
    """3-D counterparts of scikit-learn's data checks, which only feed 2-D data."""
    X = (rng.random((24, 9, 15)) < 0.15).astype(np.int8)
    y = rng.integers(0, 2, size=24)
    clf = DeSNNClassifier(recall=recall, k=2)
    params = clf.get_params()
    assert clf.fit(X, y) is clf
    assert clf.get_params() == params
    public = {k for k in vars(clf) if not k.startswith("_") and not k.endswith("_")}
    assert public == set(params)
    expected = clf.predict_proba(X)
    # dtype, layout and read-only input do not matter.
    for variant in (X.astype(bool), X.astype(np.float32), X.astype(np.int64),
                    np.asfortranarray(X), X.tolist()):
        np.testing.assert_array_equal(clf.predict_proba(variant), expected)
    ro = X.copy()
    ro.setflags(write=False)
    np.testing.assert_array_equal(clone(clf).fit(ro, y).predict_proba(ro), expected)
    # Batch and order invariance, idempotent fit, pickling.
    np.testing.assert_array_equal(np.concatenate([clf.predict_proba(X[:7]),
                                                  clf.predict_proba(X[7:])]), expected)
    perm = rng.permutation(24)
    np.testing.assert_array_equal(clf.predict_proba(X[perm]), expected[perm])
    np.testing.assert_array_equal(clf.fit(X, y).predict_proba(X), expected)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).predict_proba(X), expected)
    # One class: every trial gets it.
    assert set(clone(clf).fit(X, np.ones(24)).predict(X)) == {1.0}
    with pytest.warns(DataConversionWarning):
        clone(clf).fit(X, y[:, None])


@pytest.mark.parametrize("cls", TRANSFORMERS)
def test_transformers_generic_behaviour_on_3d_input(rng, cls):
    X = (rng.random((10, 6, 8)) < 0.2).astype(np.int8)
    tr = cls()
    assert tr.fit(X) is tr
    out = tr.transform(X)
    assert out.dtype == np.float64 and out.ndim == 2 and out.shape[0] == 10
    np.testing.assert_array_equal(tr.transform(SpikeRaster.from_dense(X)), out)
    np.testing.assert_array_equal(tr.transform(X.astype(bool)), out)
    np.testing.assert_array_equal(cls().fit_transform(X), out)
    np.testing.assert_array_equal(tr.transform(X[3:5]), out[3:5])
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(tr)).transform(X), out)
    assert tr.get_feature_names_out().shape == (out.shape[1],)
    assert tr.n_features_in_ == 6


# --------------------------------------------------------------------------------------------
# State-feature transformers.
# --------------------------------------------------------------------------------------------
def test_spike_counts_by_hand_and_neuron_subsets():
    out = SpikeCountFeatures().fit_transform(HAND)
    np.testing.assert_array_equal(out, [[3, 1, 1, 0, 2], [0] * 5, [1] * 5])
    by_index = SpikeCountFeatures(neurons=[4, 0]).fit(HAND)
    np.testing.assert_array_equal(by_index.transform(HAND), [[2, 3], [0, 0], [1, 1]])
    assert by_index.get_feature_names_out().tolist() == ["neuron4_count", "neuron0_count"]
    mask = np.array([True, False, False, False, True])
    np.testing.assert_array_equal(SpikeCountFeatures(neurons=mask).fit_transform(HAND),
                                  [[3, 2], [0, 0], [1, 1]])


def test_binned_counts_by_hand():
    tr = BinnedCountFeatures(n_bins=3).fit(HAND)  # bins: steps 0-1, 2-3, 4-5
    np.testing.assert_array_equal(tr.bin_edges_, [0, 2, 4, 6])
    np.testing.assert_array_equal(tr.transform(HAND)[0],
                                  [0, 2, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 2])
    np.testing.assert_array_equal(tr.transform(HAND)[2], [1, 0, 0] * 5)
    assert tr.get_feature_names_out()[:4].tolist() == [
        "neuron0_bin0", "neuron0_bin1", "neuron0_bin2", "neuron1_bin0"]
    # Uneven bins: 5 steps in 2 bins -> floor(2t / 5) puts steps 0-2 in bin 0, 3-4 in bin 1.
    X = dense([(0, 0, 2), (0, 0, 3), (0, 1, 4)], (1, 2, 5))
    uneven = BinnedCountFeatures(n_bins=2, neurons=[1, 0]).fit(X)
    np.testing.assert_array_equal(uneven.bin_edges_, [0, 3, 5])
    np.testing.assert_array_equal(uneven.transform(X), [[0, 1, 1, 1]])
    # The bins of every neuron add up to its spike count.
    full = BinnedCountFeatures(n_bins=6).fit_transform(HAND).reshape(3, 5, 6).sum(axis=2)
    np.testing.assert_array_equal(full, SpikeCountFeatures().fit_transform(HAND))


def test_first_spike_latencies_by_hand():
    np.testing.assert_array_equal(FirstSpikeFeatures().fit_transform(HAND),
                                  [[2, 0, 2, 6, 4], [6] * 5, [0] * 5])
    tr = FirstSpikeFeatures(fill=-1.0, neurons=[3, 4]).fit(HAND)
    assert tr.fill_ == -1.0
    np.testing.assert_array_equal(tr.transform(HAND), [[-1, 4], [-1, -1], [0, 0]])


def test_first_spike_features_read_the_order_task(rng):
    X, y = order_task(rng, n_per_class=15)
    pipe = make_pipeline(FirstSpikeFeatures(), LogisticRegression())
    assert cross_val_score(pipe, X, y, cv=3).mean() == 1.0


# --------------------------------------------------------------------------------------------
# scikit-learn's own checks.
# --------------------------------------------------------------------------------------------
# scikit-learn's data checks feed 2-D arrays, which these estimators reject since a 2-D array
# is no spike raster. Their tags say so (three_d_array, not two_d_array), and scikit-learn then
# runs only `check_estimator_cloneable` through `parametrize_with_checks` (with a
# SkipTestWarning). The other checks that do not depend on the input format run explicitly
# below; the data checks have 3-D counterparts above (test_generic_estimator_behaviour_on_3d_input
# and test_transformers_generic_behaviour_on_3d_input).
ESTIMATORS = [DeSNNClassifier(), DeSNNClassifier(recall="psp"), SpikeCountFeatures(),
              BinnedCountFeatures(n_bins=2), FirstSpikeFeatures(fill=-1.0),
              StateClassifier(n_bins=2)]
API_CHECKS = [
    check_estimator_repr,
    check_estimator_tags_renamed,
    check_valid_tag_types,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
    check_get_params_invariance,
    check_set_params,
    check_do_not_raise_errors_in_init_or_set_params,
    check_mixin_order,
]

with warnings.catch_warnings():
    warnings.simplefilter("ignore", SkipTestWarning)
    _sklearn_checks = parametrize_with_checks(ESTIMATORS)


@_sklearn_checks
def test_sklearn_parametrize_with_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
@pytest.mark.parametrize("check", API_CHECKS, ids=lambda c: c.__name__)
def test_sklearn_api_checks(estimator, check):
    check(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=repr)
def test_sklearn_unfitted_checks_and_input_tags(estimator):
    name = type(estimator).__name__
    if isinstance(estimator, (DeSNNClassifier, StateClassifier)):
        check_estimators_unfitted(name, estimator)
    else:
        check_transformers_unfitted(name, estimator)
    tags = estimator.__sklearn_tags__()
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array
    with pytest.warns(SkipTestWarning, match=f"Can't test estimator {name}"):
        generated = list(estimator_checks_generator(estimator, legacy=True, mark=None))
    assert [check.func.__name__ for _, check in generated] == ["check_estimator_cloneable"]


# --------------------------------------------------------------------------------------------
# Errors.
# --------------------------------------------------------------------------------------------
SHAPE_MSG = (r"X must be a SpikeRaster, a list of SpikeRaster or a 3-D array of shape "
             r"\(n_trials, n_neurons, n_steps\) for {}; got ")


@pytest.mark.parametrize("cls", [DeSNNClassifier, *TRANSFORMERS])
def test_input_errors(cls):
    name = cls.__name__
    y = [0, 1, 0]
    est = cls(k=1) if cls is DeSNNClassifier else cls()
    with pytest.raises(ValueError, match=SHAPE_MSG.format(name)
                       + r"ndarray with 2 dimension\(s\) of shape \(3, 4\)\."):
        est.fit(np.zeros((3, 4)), y)
    with pytest.raises(ValueError, match=SHAPE_MSG.format(name) + r"ndarray with 4 dimension"):
        est.fit(np.zeros((3, 4, 5, 6)), y)
    with pytest.raises(ValueError, match=SHAPE_MSG.format(name) + "a ragged sequence"):
        est.fit([[[0, 1]], [[0]]], y)
    with pytest.raises(ValueError, match=rf"X must hold only 0 \(no spike\) and 1 \(spike\) "
                                         rf"for {name}; found values \[-1.0, 0.5\]"):
        est.fit(np.array([[[0, 1, -1]], [[0.5, 1, 0]], [[0, 0, 0]]]), y)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.fit(np.array([[[0, np.nan]], [[0, 1]], [[1, 1]]]), y)
    with pytest.raises(ValueError, match="Complex data not supported"):
        est.fit(np.zeros((3, 2, 2), dtype=complex), y)
    with pytest.raises(ValueError, match="could not convert string to float: 'a'"):
        est.fit(np.full((3, 2, 2), "a", dtype=object), y)
    with pytest.raises(ValueError, match=f"X must contain at least 1 trial for {name}; got 0"):
        est.fit(np.zeros((0, 3, 4)), [])
    with pytest.raises(ValueError, match=rf"X must contain at least 1 neuron \(axis 1\) for "
                                         rf"{name}; got 0"):
        est.fit(np.zeros((3, 0, 4)), y)
    with pytest.raises(ValueError, match=rf"at least 1 step \(axis 2\) for {name}; got 0"):
        est.fit(np.zeros((3, 4, 0)), y)
    repeated = SpikeRaster(np.array([0, 2, 2, 2]), np.array([1, 1]), np.array([0, 0]),
                           n_steps=3, n_neurons=2)
    with pytest.raises(ValueError, match=f"X for {name} has a neuron spiking more than once "
                                         "in the same step of a trial"):
        est.fit(repeated, y)
    X = np.zeros((3, 4, 5), dtype=np.int8)
    X[:, 0, 0] = 1
    est.fit(X, y)
    method = est.predict if cls is DeSNNClassifier else est.transform
    with pytest.raises(ValueError, match=rf"X has 3 neurons \(axis 1\), but {name} was fitted "
                                         "on 4 neurons"):
        method(X[:, :3])
    with pytest.raises(ValueError, match=rf"X has 3 neurons \(axis 1\), but {name} was fitted "
                                         "on 4 neurons"):
        method(SpikeRaster.from_dense(X[:, :3]))
    with pytest.raises(NotFittedError):
        (cls().predict if cls is DeSNNClassifier else cls().transform)(X)


def test_classifier_call_errors():
    X = np.zeros((3, 4, 5), dtype=np.int8)
    X[:, 0, 0] = 1
    with pytest.raises(ValueError, match="y must have one label per trial for DeSNNClassifier: "
                                         "X has 3 trials but y has 2 labels"):
        DeSNNClassifier().fit(X, [0, 1])
    with pytest.raises(ValueError, match="Unknown label type: continuous"):
        DeSNNClassifier().fit(X, [0.5, 1.5, 2.25])
    clf = DeSNNClassifier(k=2).fit(X, [0, 1, 1])
    with pytest.raises(ValueError, match=r"X has 6 steps per trial, but DeSNNClassifier was "
                                         r"fitted on trials of 5 steps; pass stop <= 5"):
        clf.predict(np.zeros((2, 4, 6)))
    for bad in (0, 6):
        with pytest.raises(ValueError, match=r"The 'stop' parameter of DeSNNClassifier must be "
                                             rf"an integer in \[1, 5\]; got {bad}\."):
            clf.predict(X, stop=bad)
    with pytest.raises(ValueError, match=r"'stop' parameter of DeSNNClassifier must be an "
                                         r"integer in \[1, 3\]; got 4"):
        clf.predict(X[..., :3], stop=4)
    with pytest.raises(TypeError, match="The 'stop' parameter of DeSNNClassifier must be an "
                                        "integer; got 2.5"):
        clf.predict_proba(X, stop=2.5)
    for fractions in ([0.0, 0.5], [1.5], []):
        with pytest.raises(ValueError, match=r"The 'fractions' parameter of DeSNNClassifier."
                                             r"early_predict_curve must be a non-empty 1-D "
                                             r"sequence of values in \(0, 1\]"):
            clf.early_predict_curve(X, [0, 1, 1], fractions=fractions)


@pytest.mark.parametrize(
    ("params", "err", "msg"),
    [
        ({"alpha": 0}, ValueError, r"The 'alpha' parameter of DeSNNClassifier must be in the "
                                   r"range \(0, inf\); got 0.0"),
        ({"mod": 1.5}, ValueError, r"'mod' parameter of DeSNNClassifier must be in the range "
                                   r"\(0, 1\]; got 1.5"),
        ({"mod": 0}, ValueError, r"'mod' .* range \(0, 1\]; got 0.0"),
        ({"drift_up": -1}, ValueError, r"'drift_up' .* range \[0, inf\); got -1.0"),
        ({"drift_down": np.nan}, TypeError, "'drift_down' .* must be a finite real number"),
        ({"recall": "knn"}, ValueError, "The 'recall' parameter of DeSNNClassifier must be one "
                                        "of 'wknn', 'psp'; got 'knn'"),
        ({"k": 0}, ValueError, r"'k' parameter of DeSNNClassifier must be an integer in "
                               r"\[1, 10000\] \(.*\); got 0"),
        ({"k": 2.0}, TypeError, "'k' parameter of DeSNNClassifier must be an integer.*; got 2.0"),
        ({"sigma": 0}, ValueError, r"'sigma' .* range \(0, inf\); got 0.0"),
        ({"c": 1.2}, ValueError, r"'c' .* range \(0, 1\]; got 1.2"),
    ],
)
def test_classifier_parameter_errors(params, err, msg):
    X = np.zeros((3, 2, 4), dtype=np.int8)
    with pytest.raises(err, match=msg):
        DeSNNClassifier(**params).fit(X, [0, 1, 0])


def test_transformer_parameter_and_call_errors():
    X = HAND
    with pytest.raises(ValueError, match=r"The 'n_bins' parameter of BinnedCountFeatures must "
                                         r"be at most the number of steps per trial \(6\); "
                                         r"got 7"):
        BinnedCountFeatures(n_bins=7).fit(X)
    with pytest.raises(ValueError, match=r"'n_bins' parameter of BinnedCountFeatures must be "
                                         r"an integer in \[1, 10000\] \(.*\); got 0"):
        BinnedCountFeatures(n_bins=0).fit(X)
    with pytest.raises(TypeError, match="'fill' parameter of FirstSpikeFeatures must be a "
                                        "finite real number; got 'x'"):
        FirstSpikeFeatures(fill="x").fit(X)
    expected = (r"The 'neurons' parameter of SpikeCountFeatures must be None, a 1-D array of "
                r"distinct neuron indices in \[0, 5\) or a boolean mask of length 5; got ")
    for neurons, found in (([0, 5], r"out-of-range indices \[5\]"),
                           ([1, 1], "repeated indices"),
                           ([True, False], "a boolean mask of length 2"),
                           ([[0, 1]], r"an array of shape \(1, 2\)"),
                           ([0.5], "dtype float64")):
        with pytest.raises(ValueError, match=expected + found):
            SpikeCountFeatures(neurons=neurons).fit(X)
    with pytest.raises(ValueError, match="The 'neurons' parameter of SpikeCountFeatures "
                                         "selects no neuron"):
        SpikeCountFeatures(neurons=np.zeros(5, dtype=bool)).fit(X)
    tr = SpikeCountFeatures().fit(X)
    with pytest.raises(ValueError, match=r"X has 5 steps per trial, but SpikeCountFeatures was "
                                         r"fitted on trials of 6 steps"):
        tr.transform(X[..., :5])
    with pytest.raises(ValueError, match=r"The 'stop' parameter of truncate_raster must be an "
                                         r"integer in \[1, 6\]; got 0"):
        truncate_raster(SpikeRaster.from_dense(X), 0)
    with pytest.raises(TypeError, match="'stop' parameter of truncate_raster must be an "
                                        "integer; got 2.5"):
        truncate_raster(SpikeRaster.from_dense(X), 2.5)
    with pytest.raises(ValueError, match=r"first_spike_ranks: expected first spikes below "
                                         r"n_steps=4; found step 5"):
        first_spike_ranks(np.array([[0, 5]]), 4)
    with pytest.raises(ValueError, match=r"first_spike_ranks: expected 'first' to be a 2-D "
                                         r"integer array \(n_trials, n_neurons\); got float64"):
        first_spike_ranks(np.array([[0.0, 1.0]]), 4)


def test_no_warnings_in_normal_use(rng):
    X, y = order_task(rng, n_per_class=6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for recall in ("wknn", "psp"):
            DeSNNClassifier(recall=recall).fit(X, y).early_predict_curve(X, y)
        for cls in TRANSFORMERS:
            cls().fit_transform(X)
