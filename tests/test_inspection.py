"""Channel x time importance, neuron importance, MNE conversion and early prediction."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from mne.decoding import Vectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from neucube.classifier import NeuCubeClassifier
from neucube.cube.template import grid_template
from neucube.data import TrialSet
from neucube.evaluation.early_prediction import early_prediction_curve, prefix_stops
from neucube.inspection import (
    ChannelTimeImportance,
    channel_time_importance,
    importance_to_evoked,
    neuron_importance,
)
from neucube.inspection._stats import fdr_bh, sign_flip_pvalues

COORDS = np.array([[0.0, 0.0, 0.0], [30.0, 30.0, 30.0], [0.0, 30.0, 10.0]])
N_TIMES = 40


def fast(**params) -> NeuCubeClassifier:
    """NeuCube's published settings (fixed, whatever the defaults become) with the state readout,
    on a small grid cube with the NumPy reference simulator."""
    return NeuCubeClassifier.published(**{
        "backend": "reference", "template": grid_template((4, 4, 4)), "random_state": 0,
        "readout": "state", "n_bins": 4, **params})


def one_channel_task(rng: np.random.Generator, n_per_class: int, start: int, stop: int
                     ) -> TrialSet:
    """Noise on 3 channels; class "b" adds a fast burst on channel c0 in [start, stop) only."""
    n = 2 * n_per_class
    X = rng.normal(size=(n, 3, N_TIMES))
    y = np.tile(["a", "b"], n_per_class)
    X[y == "b", 0, start:stop] += 3.0 * np.sin(np.pi / 2 * np.arange(stop - start))
    return TrialSet(X, y, sfreq=100.0, ch_names=["c0", "c1", "c2"], coords=COORDS, space="grid")


def test_fdr_bh_matches_the_definition():
    p = np.array([0.01, 0.04, 0.03, 0.2])
    # sorted 0.01, 0.03, 0.04, 0.2 -> 0.04, 0.06, 0.0533, 0.2 -> cumulative min from the top
    assert np.allclose(fdr_bh(p), [0.04, 0.0533333, 0.0533333, 0.2])
    assert fdr_bh(p.reshape(2, 2)).shape == (2, 2)


def test_sign_flip_pvalues_null_and_effect(rng):
    values = np.column_stack([rng.normal(size=60), rng.normal(1.0, 1.0, size=60)])
    p = sign_flip_pvalues(values, n_permutations=999, rng=rng)
    assert p[0] > 0.01 and p[1] == pytest.approx(1 / 1000)


def test_the_only_signal_channel_is_the_most_important_and_significant(rng):
    train = one_channel_task(rng, 20, 20, 30)
    test = one_channel_task(rng, 20, 20, 30)
    clf = fast().fit(train)
    assert clf.score(test) > 0.8
    res = channel_time_importance(clf, test, n_windows=4, n_permutations=999, random_state=0)
    assert res.method == "spikes" and res.importance.shape == (3, 4)
    # Windows of 10 samples: the burst fills window 2 of channel c0.
    c, w = np.unravel_index(np.argmax(res.importance), res.importance.shape)
    assert (c, w) == (0, 2)
    assert res.significant[0, 2] and res.ci_low[0, 2] > 0
    assert not res.significant[2].any()  # pure noise
    assert res.peak()["channel"] == "c0"
    assert np.allclose(res.windows_s[2], [0.2, 0.3])
    assert res.to_dict()["n_significant"] == int(res.significant.sum())
    # Pooling two halves recomputes the statistics over all trials.
    pooled = ChannelTimeImportance.pool([res, res], random_state=0)
    assert pooled.n_trials == 2 * res.n_trials
    assert np.allclose(pooled.importance, res.importance)
    # Neuron groups: the readout relies on some part of the cube.
    ni = neuron_importance(clf, test, n_groups=8, n_permutations=499, random_state=0)
    assert ni.per_neuron.shape == (clf.reservoir_.n_neurons_,)
    assert ni.importance.max() > 0 and len(ni.to_dict()["groups"]) == 8


def test_importance_of_any_classifier_shuffles_the_signal(rng):
    train = one_channel_task(rng, 20, 20, 30)
    test = one_channel_task(rng, 20, 20, 30)
    model = make_pipeline(Vectorizer(), LogisticRegression(max_iter=1000)).fit(train.X,
                                                                               train.labels)
    res = channel_time_importance(model, test, n_windows=4, random_state=0)
    assert res.method == "signal"
    assert np.unravel_index(np.argmax(res.importance), (3, 4)) == (0, 2)


def test_importance_errors(rng):
    test = one_channel_task(rng, 4, 20, 30)
    with pytest.raises(TypeError, match="expected a fitted classifier"):
        channel_time_importance(LogisticRegression(), test)
    with pytest.raises(ValueError, match="The 'scoring' parameter"):
        channel_time_importance(fast(), test, scoring="f1")


def test_early_prediction_of_a_late_signal_stays_at_chance_early(rng):
    train = one_channel_task(rng, 20, 30, 40)
    test = one_channel_task(rng, 30, 30, 40)
    clf = fast().fit(train)
    curve = early_prediction_curve(clf, test, test.labels, train, fractions=(0.25, 0.5, 1.0),
                                   random_state=0)
    assert curve["stops"] == [10, 20, 40]
    assert curve["accuracy"][0] < 0.7 and curve["accuracy"][1] < 0.7
    assert curve["accuracy"][2] > 0.8
    baseline = make_pipeline(Vectorizer(), LogisticRegression(max_iter=1000)).fit(train.X,
                                                                                  train.labels)
    base = early_prediction_curve(baseline, test, test.labels, train,
                                  fractions=(0.25, 1.0), random_state=0)
    assert base["accuracy"][0] < 0.7 < base["accuracy"][1]
    with pytest.raises(ValueError, match=r"'fractions': expected a non-empty list of numbers"):
        prefix_stops([0.0, 0.5], 40)


def test_importance_converts_to_an_evoked_that_mne_plots(rng):
    from data_loaders import simulate_familiarity

    ts = simulate_familiarity(n_subjects=1, n_trials_per_class=10, seed=3, effect_size=2.0)
    model = make_pipeline(Vectorizer(), LogisticRegression(max_iter=1000)).fit(ts.X, ts.labels)
    res = channel_time_importance(model, ts, n_windows=3, n_permutations=99, n_boot=99,
                                  random_state=0)
    evoked = importance_to_evoked(res)
    assert evoked.data.shape == (19, 3) and evoked.ch_names == list(ts.ch_names)
    width = np.diff(res.windows_s, axis=1).mean()
    assert np.allclose(evoked.times, res.centres_s, atol=width / 2 + 1e-9)
    fig = evoked.plot_topomap(times=evoked.times, scalings=1, units="drop", show=False)
    assert len(fig.axes) >= 3
    import matplotlib.pyplot as plt

    plt.close(fig)  # MNE registers its figures with pyplot
    assert res.to_evoked(evoked.info).data.shape == (19, 3)
    with pytest.raises(ValueError, match="'which': expected one of"):
        importance_to_evoked(res, which="bad")
