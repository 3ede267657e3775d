"""``NeuCubeClassifier.published()``: NeuCube's 2014 settings, exactly as the old defaults gave."""

from __future__ import annotations

import hashlib
import logging

import numpy as np
import pytest

from neucube.classifier import PUBLISHED_PARAMS, NeuCubeClassifier

COORDS = np.array([[0.0, 0.0, 0.0], [30.0, 30.0, 30.0], [0.0, 30.0, 10.0]])

#: Computed at commit 58b2553 (before the defaults were chosen by measurement) with
#: ``NeuCubeClassifier(template="grid", coords=COORDS, coords_space="grid", backend="reference",
#: random_state=3)`` on the case below.
OLD_PROBA_CLASS1 = [0.329561914477, 0.686958134775, 1.0, 1.0, 0.676808978915, 0.663497647427,
                    0.327813519264, 0.335154585813, 0.672113084097, 0.324302041119,
                    0.6832981296, 0.340180618791]
OLD_WEIGHTS_SHA = "1b36107e3b08f559"
OLD_TRAIN_SPIKES = 1888


def small_case():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((24, 3, 60)).cumsum(axis=2)
    y = np.repeat([0, 1], 12)
    X[y == 1, 0, 20:40] += 3.0
    return X, y


def test_published_reproduces_the_old_defaults_exactly(caplog):
    X, y = small_case()
    caplog.set_level(logging.ERROR)
    clf = NeuCubeClassifier.published(template="grid", coords=COORDS, coords_space="grid",
                                      backend="reference", random_state=3)
    clf.fit(X[::2], y[::2])
    proba = clf.predict_proba(X[1::2])
    np.testing.assert_allclose(proba[:, 1], OLD_PROBA_CLASS1, rtol=0, atol=1e-11)
    digest = hashlib.sha256(np.ascontiguousarray(clf.reservoir_.weights_).tobytes()).hexdigest()
    assert digest[:16] == OLD_WEIGHTS_SHA
    assert clf.train_raster_.n_spikes == OLD_TRAIN_SPIKES
    assert clf.activity_["weight_scale"] == 1.0


def test_published_takes_overrides_and_names_the_2014_values():
    clf = NeuCubeClassifier.published(random_state=1, n_rounds=0)
    params = clf.get_params()
    assert params["random_state"] == 1 and params["n_rounds"] == 0
    for key, value in PUBLISHED_PARAMS.items():
        if key != "n_rounds":
            assert params[key] == value, key
    assert PUBLISHED_PARAMS["encoder"] == "tbr" and PUBLISHED_PARAMS["stdp_rate"] == 0.001
    assert PUBLISHED_PARAMS["readout"] == "desnn" and PUBLISHED_PARAMS["weight_scale"] == 1.0


@pytest.mark.parametrize(("kwargs", "err", "match"), [
    ({"weight_scale": "max"}, ValueError, r"'weight_scale' parameter of NeuCubeClassifier must "
                                          r"be one of 'auto'; got 'max'"),
    ({"stdp_bound": "elastic"}, ValueError, r"'stdp_bound' parameter of NeuCubeClassifier"),
    ({"target_activity": 0.0}, ValueError, r"target_activity"),
    ({"homeostasis": 1}, TypeError, r"'homeostasis' parameter of NeuCubeClassifier must be a "
                                    r"bool; got 1"),
])
def test_new_parameter_errors(kwargs, err, match):
    X, y = small_case()
    with pytest.raises(err, match=match):
        NeuCubeClassifier(template="grid", coords=COORDS, coords_space="grid",
                          backend="reference", **kwargs).fit(X, y)


def test_defaults_come_from_neucube_defaults_and_activity_is_measured(caplog):
    from neucube.defaults import DEFAULTS

    params = NeuCubeClassifier().get_params()
    for key, value in DEFAULTS.items():
        assert params[key] == value, key
    X, y = small_case()
    caplog.set_level(logging.ERROR)
    clf = NeuCubeClassifier(template="grid", coords=COORDS, coords_space="grid",
                            backend="reference", random_state=3, weight_scale="auto",
                            stdp_bound="soft", homeostasis=True).fit(X, y)
    act = clf.activity_
    assert set(act) >= {"before_stdp", "after_stdp", "stdp_spike_ratio", "train", "weight_scale"}
    assert act["weight_scale"] == clf.reservoir_.weight_scale_ > 0
    assert act["train"]["active_share_mean"] >= 0.2
    assert act["train"]["n_trials"] == 24
