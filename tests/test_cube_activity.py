"""An active cube: activity measurements, calibrated weight scale, soft-bound STDP, homeostasis."""

from __future__ import annotations

import numpy as np
import pytest

from neucube.cube import Reservoir, SpikeRaster, grid_template
from neucube.cube.activity import activity_stats, distance_to_inputs
from neucube.cube.calibration import calibrate_weight_scale, calibration_trials
from neucube.cube.model import ModelParams
from neucube.cube.reference import simulate_reference

#: Three inputs in corners of a 6x6x6 grid (10 mm), so activity has room to spread.
COORDS = np.array([[0.0, 0.0, 0.0], [50.0, 50.0, 50.0], [0.0, 50.0, 0.0]])
TEMPLATE = grid_template((6, 6, 6), 10.0)


def spikes(seed: int, n_trials: int = 8, p: float = 0.1, n_steps: int = 50) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1, 0, 1], dtype=np.int8), p=[p, 1 - 2 * p, p],
                      size=(n_trials, 3, n_steps))


def cube(**kwargs) -> Reservoir:
    return Reservoir(template=TEMPLATE, coords=COORDS, backend="reference", random_state=0,
                     **kwargs)


def test_activity_stats_on_a_hand_raster():
    net = cube(n_rounds=0).fit(spikes(0, n_trials=2)).network_init_
    dist = distance_to_inputs(net)
    hidden = np.flatnonzero(~net.is_input)
    far, near = hidden[np.argmax(dist[hidden])], hidden[np.argmin(dist[hidden])]
    inp = int(net.input_neurons[0, 0])
    # trial 0: one input spike, two spikes of the nearest hidden neuron; trial 1: the farthest.
    raster = SpikeRaster.from_events(np.array([0, 0, 0, 1]), np.array([1, 3, 5, 2]),
                                     np.array([inp, near, near, far]), n_trials=2, n_steps=10,
                                     n_neurons=net.n_neurons)
    stats = activity_stats(raster, net)
    n_hidden = hidden.size
    assert stats["active_share_mean"] == pytest.approx(1 / n_hidden)
    assert stats["ever_active_share"] == pytest.approx(2 / n_hidden)
    assert stats["spikes_per_trial"] == 2.0
    assert stats["input_spikes_per_trial"] == 0.5
    assert stats["max_distance_mm_max"] == pytest.approx(dist[far])
    with pytest.raises(ValueError, match=r"activity_stats: expected a raster of 219 neurons; "
                                         r"found 5"):
        activity_stats(SpikeRaster.from_dense(np.zeros((1, 5, 3), dtype=np.int8)), net)


def test_calibrated_scale_makes_activity_propagate():
    x = spikes(0)
    published = cube(n_rounds=0).fit(x)
    active = cube(n_rounds=0, weight_scale="auto", target_activity=0.3).fit(x)
    before, after = published.activity_["before_stdp"], active.activity_["before_stdp"]
    # NeuCube's published wiring: activity stays next to the inputs.
    assert published.weight_scale_ == 1.0
    assert before["active_share_mean"] < 0.1
    # Calibrated: about the target share fires per trial, and much farther from the inputs.
    assert active.weight_scale_ > 1.5
    assert 0.27 <= after["active_share_mean"] < 0.6  # within 10% of the target, or above
    assert after["max_distance_mm_median"] > 2 * before["max_distance_mm_median"]
    np.testing.assert_allclose(active.network_init_.weights,
                               published.network_init_.weights * active.weight_scale_)


def test_calibration_search_is_short_and_its_activity_is_the_cubes():
    x = spikes(0)
    res = cube(n_rounds=0, weight_scale="auto", target_activity=0.3).fit(x)
    (trace,) = res.calibration_trace_
    assert len(trace) <= 8  # the bisection it replaced used 12-20 runs
    assert abs(trace[-1][1] - 0.3) <= 0.03 and trace[-1][0] == res.weight_scale_
    # The activity reported is that of the calibrated cube (the search's last run, not rerun).
    again = activity_stats(res.transform(x), res.network_init_)
    assert res.activity_["before_stdp"] == again
    # Started at the scale it found, the search accepts it in one run.
    scale, stats, warm = calibrate_weight_scale(
        res.network_init_.with_weights(res.network_init_.weights / res.weight_scale_),
        lambda net: simulate_reference(net, x, res.params_).raster, target=0.3,
        max_scale=10.0, start=res.weight_scale_)
    assert warm == [trace[-1]] and scale == res.weight_scale_ and stats == again


def test_calibration_learns_from_the_fit_trials_only():
    train, test = spikes(1, p=0.05), spikes(2, n_trials=8, p=0.3)
    res = cube(n_rounds=0, weight_scale="auto").fit(train)
    scale, weights = res.weight_scale_, res.network_.weights.copy()
    res.transform(test)
    assert res.weight_scale_ == scale
    np.testing.assert_array_equal(res.network_.weights, weights)
    # Had it seen the (much busier) test trials, it would have chosen another scale.
    seen = cube(n_rounds=0, weight_scale="auto").fit(np.concatenate([train, test]))
    assert seen.weight_scale_ < 0.9 * scale
    assert calibration_trials(10, 4).tolist() == [0, 3, 6, 9]
    assert calibration_trials(3, 4).tolist() == [0, 1, 2]


def test_soft_bound_stdp_stays_bounded_and_converges_over_many_rounds():
    x = spikes(3)
    # A fixed scale at which ~30% of the non-input neurons fire on x (what "auto" finds), so
    # that this test of the STDP rule does not depend on the calibration's search.
    net = cube(n_rounds=0, weight_scale=3.65).fit(x).network_init_
    out = {}
    for soft in (False, True):
        params = ModelParams(a_plus=0.02, a_minus=0.02, w_clip=1.0, soft_bound=soft)
        n, means, changes = net, [], []
        for _ in range(30):
            w = simulate_reference(n, x, params, plastic=True, record=False).weights
            changes.append(np.abs(w - n.weights)[n.active].mean())
            n = n.with_weights(w)
            means.append(np.abs(w[n.active]).mean())
        out[soft] = (np.abs(n.weights[n.active]), means, changes)
    w_soft, means_soft, changes_soft = out[True]
    w_hard, means_hard, _ = out[False]
    # Soft bounds: no weight reaches the upper bound, none is driven to 0 (those at 0 started
    # there: 1/d is scaled to 0 at the radius), the mean weight settles, the mean change of
    # a weight per round shrinks.
    assert np.all((w_soft >= 0) & (w_soft < 1.0))
    assert np.count_nonzero(w_soft == 0) <= np.count_nonzero(net.weights[net.active] == 0)
    assert abs(means_soft[-1] - means_soft[-10]) < 0.005
    assert max(changes_soft[-5:]) < 0.5 * max(changes_soft[:5])
    # The additive rule under the same pairing piles weights up at the clip and keeps drifting.
    assert np.mean(w_hard >= 1.0) > 0.05
    assert abs(means_hard[-1] - means_hard[-10]) > 2 * abs(means_soft[-1] - means_soft[-10])


@pytest.mark.parametrize("n_rounds", [1, 3, 5])
def test_homeostasis_keeps_activity_within_a_factor_2_of_before_stdp(n_rounds):
    x = spikes(4)
    res = cube(n_rounds=n_rounds, weight_scale="auto", stdp_bound="soft", homeostasis=True,
               w_clip=1.0, stdp_rate=0.02).fit(x)
    assert len(res.round_scales_) == n_rounds
    assert 0.5 <= res.activity_["stdp_spike_ratio"] <= 2.0
    assert res.activity_["after_stdp"]["active_share_mean"] >= 0.25
    assert np.all(np.abs(res.weights_) <= 1.0)


@pytest.mark.parametrize(("kwargs", "err", "match"), [
    ({"weight_scale": "max"}, ValueError, r"'weight_scale' parameter of Reservoir must be one "
                                          r"of 'auto'; got 'max'"),
    ({"weight_scale": -1.0}, ValueError, r"weight_scale"),
    ({"target_activity": 1.0}, ValueError, r"target_activity"),
    ({"stdp_bound": "elastic"}, ValueError, r"'stdp_bound' parameter of Reservoir must be one "
                                            r"of 'hard', 'soft'; got 'elastic'"),
    ({"homeostasis": "yes"}, TypeError, r"'homeostasis' parameter of Reservoir must be a "
                                        r"bool; got 'yes'"),
    ({"weight_scale": 30.0}, ValueError, r"must be at least the largest initial weight"),
])
def test_parameter_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        cube(**kwargs).fit(spikes(0, n_trials=2))
