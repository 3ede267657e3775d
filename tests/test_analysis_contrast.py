"""neucube.analysis.window_contrast: two classes compared in one window of a fitted model."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from neucube.analysis import class_activity, window_steps
from neucube.analysis.contrast import window_contrast


@pytest.fixture(scope="module")
def fitted():
    from data_loaders.simulate import simulate_familiarity
    from neucube.classifier import NeuCubeClassifier

    trials = simulate_familiarity(n_subjects=1, n_trials_per_class=4, seed=1, sfreq=64.0,
                                  ch_names=["Fz", "Cz", "Pz", "O1"])
    return NeuCubeClassifier(backend="reference", spacing_mm=25, random_state=0).fit(trials), trials


def test_window_contrast_matches_its_parts(fitted) -> None:
    model, trials = fitted
    a, b = trials.class_names
    wc = window_contrast(model, trials, (0.0, 0.3), (a, b))
    raster = model.raster(trials)
    assert wc.steps == window_steps((0.0, 0.3), sfreq=trials.sfreq, tmin=trials.tmin,
                                    n_steps=raster.n_steps)
    activity = class_activity(raster, trials.labels, window=(0.0, 0.3), sfreq=trials.sfreq,
                              tmin=trials.tmin, classes=[a, b])
    np.testing.assert_array_equal(wc.difference, activity.difference(a, b))
    for c in (a, b):
        assert wc.n_trials[c] == 4
        np.testing.assert_allclose(
            wc.matrices[c], nx.to_numpy_array(wc.graphs[c], nodelist=wc.names) / 4)
    pairs = wc.pairs()
    assert len(pairs) == 6 and all(p[4] == pytest.approx(p[2] - p[3]) for p in pairs)
    summary = wc.summary(n_pairs=2)
    assert summary["contrast"] == [a, b] and len(summary["largest_interaction_differences"]) == 2
    assert summary["window_s"] == [0.0, 0.3] and summary["steps"] == list(wc.steps)
    with pytest.raises(ValueError, match="window"):
        window_contrast(model, trials, (0.5, 0.1), (a, b))
