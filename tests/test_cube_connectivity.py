"""Small-world and Gaussian connectivity, and the CubeNetwork container."""

from __future__ import annotations

import numpy as np
import pytest

from neucube.cube.connectivity import build_connectivity, template_spacing
from neucube.cube.mapping import input_positions, map_channels
from neucube.cube.network import CubeNetwork
from neucube.cube.template import brain_template, grid_template


@pytest.fixture(scope="module")
def brain_cube():
    """The 10 mm brain template with 14 channels spread over it."""
    tpl = brain_template(10.0)
    rng = np.random.default_rng(3)
    coords = tpl[rng.choice(tpl.shape[0], 14, replace=False)] + rng.uniform(-3, 3, (14, 3))
    positions, inputs = input_positions(tpl, map_channels(coords, tpl))
    return positions, inputs


def test_small_world_properties(brain_cube):
    positions, inputs = brain_cube
    net = build_connectivity(positions, inputs, radius_mm=25.0, random_state=0)
    pre, post, act = net.pre, net.post, net.active
    is_input = net.is_input
    # No self-connections, nothing into input neurons, distance bound.
    assert not np.any(pre == post)
    assert not np.any(is_input[post])
    d = np.linalg.norm(positions[pre] - positions[post], axis=1)
    assert np.allclose(d, net.distance)
    assert d.max() <= 25.0 + 1e-9 and d.min() > 0
    # Exactly one direction per pair among non-input neurons.
    a, b = pre[act], post[act]
    fwd = set(zip(a.tolist(), b.tolist(), strict=True))
    assert not any((j, i) in fwd for i, j in fwd)
    both = ~is_input[pre] & ~is_input[post]
    pairs = {tuple(sorted(p)) for p in zip(pre[both].tolist(), post[both].tolist(), strict=True)}
    assert act[both].sum() == len(pairs)
    # Input neurons drive every neighbour within the radius.
    assert np.all(act[is_input[pre]])
    # ~80% excitatory, ~60 candidate neighbours and ~45k synapses per 1471 neurons.
    assert 0.78 < net.excitatory[act & ~is_input[pre]].mean() < 0.82
    assert 55 < np.bincount(np.concatenate([pre, post])).mean() / 2 < 70
    assert 0.9 < net.n_synapses / (45_000 * net.n_neurons / 1471) < 1.5
    # Weights: sign by type, |w| <= g(d) <= 0.1 (x2 out of inputs), 1/d min-max scaled.
    w = net.weights
    assert np.all(w[net.excitatory] >= 0) and np.all(w[~net.excitatory] <= 0)
    assert np.all(w[~act] == 0)
    inv = 1 / d
    g = 0.1 * (inv - inv.min()) / (inv.max() - inv.min())
    gain = np.where(is_input[pre], 2.0, 1.0)
    assert np.all(np.abs(w) <= g * gain + 1e-15)
    assert np.abs(w[is_input[pre]]).max() > 0.15  # some input weights above 0.1
    assert np.abs(w[~is_input[pre]]).max() <= 0.1
    # Mean |w| / g(d) is E[U2] = 1/2.
    keep = act & (g > 0.01)
    assert 0.47 < np.mean(np.abs(w[keep]) / (g[keep] * gain[keep])) < 0.53


def test_candidates_do_not_depend_on_seed_and_seed_reproduces(brain_cube):
    positions, inputs = brain_cube
    a = build_connectivity(positions, inputs, radius_mm=25.0, random_state=1)
    b = build_connectivity(positions, inputs, radius_mm=25.0, random_state=1)
    c = build_connectivity(positions, inputs, radius_mm=25.0, random_state=2)
    assert np.array_equal(a.pre, c.pre) and np.array_equal(a.post, c.post)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.active, b.active)
    assert not np.array_equal(a.active, c.active)
    gen = build_connectivity(positions, inputs, radius_mm=25.0,
                             random_state=np.random.default_rng(1))
    assert np.array_equal(gen.weights, a.weights)


def test_gaussian_rule_probability():
    tpl = grid_template((12, 12, 12), 10.0)
    positions, inputs = input_positions(tpl, map_channels(np.zeros((1, 3)), tpl))
    net = build_connectivity(positions, inputs, radius_mm=30.0, rule="gaussian",
                             connection_probability=0.5, length_scale_mm=20.0, random_state=0)
    for dist in (10.0, np.sqrt(2) * 10, 20.0, 30.0):
        sel = np.isclose(net.distance, dist)
        expected = 0.5 * np.exp(-((dist / 20.0) ** 2))
        assert net.active[sel].mean() == pytest.approx(expected, abs=0.03)
    # Both directions of a pair may exist under this rule.
    fwd = set(zip(net.pre[net.active].tolist(), net.post[net.active].tolist(), strict=True))
    assert any((j, i) in fwd for i, j in fwd)


def test_template_spacing():
    assert template_spacing(grid_template((3, 3, 3), 7.0)) == pytest.approx(7.0)
    with pytest.raises(ValueError, match=r"expected at least 2 neuron positions; found 1"):
        template_spacing(np.zeros((1, 3)))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"radius_mm": 0.0}, r"'radius_mm' parameter of build_connectivity must be in the range "
                             r"\(0, inf\); got 0.0"),
        ({"rule": "random"}, r"'rule' parameter of build_connectivity must be one of "
                             r"'small_world', 'gaussian'; got 'random'"),
        ({"p_inhibitory": 1.5}, r"'p_inhibitory' parameter of build_connectivity must be in the "
                                r"range \[0, 1\]; got 1.5"),
        ({"connection_probability": -0.1}, r"'connection_probability' parameter of "
                                           r"build_connectivity must be in the range \[0, 1\]"),
    ],
)
def test_build_connectivity_errors(kwargs, match):
    tpl = grid_template((2, 2, 2), 10.0)
    positions, inputs = input_positions(tpl, map_channels(np.zeros((1, 3)), tpl))
    kwargs = {"radius_mm": 15.0, **kwargs}
    with pytest.raises(ValueError, match=match):
        build_connectivity(positions, inputs, **kwargs)


# ----------------------------------------------------------------------------- CubeNetwork
def _line_network(**overrides):
    # 0 and 3 are the inputs of one channel; 0->1 and 3->2 excitatory, 1->2 inactive, 2->1
    # inhibitory.
    fields = {
        "positions": grid_template((4, 1, 1), 10.0),
        "input_neurons": np.array([[0, 3]]),
        "pre": np.array([0, 1, 2, 3]),
        "post": np.array([1, 2, 1, 2]),
        "active": np.array([True, False, True, True]),
        "excitatory": np.array([True, True, False, True]),
        "weights": np.array([0.5, 0.0, -0.2, 0.1]),
    }
    fields.update(overrides)
    return CubeNetwork(**fields)


def test_cube_network_accessors_are_readonly_copies():
    w = np.array([0.5, 0.0, -0.2, 0.1])
    net = _line_network(weights=w)
    w[0] = 9.0
    assert net.weights[0] == 0.5
    assert not net.weights.flags.writeable
    assert (net.n_neurons, net.n_channels, net.n_candidates, net.n_synapses) == (4, 1, 4, 3)
    assert net.input_columns().tolist() == [0, -1, -1, 1]
    assert net.is_input.tolist() == [True, False, False, True]
    assert np.allclose(net.distance, [10.0, 10.0, 10.0, 10.0])
    m = net.weight_matrix().toarray()
    assert (m[0, 1], m[2, 1], m[3, 2], m[1, 2]) == (0.5, -0.2, 0.1, 0.0)
    assert net.with_weights([0.1, 0.0, -0.1, 0.0]).weights.tolist() == [0.1, 0.0, -0.1, 0.0]


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ({"positions": np.zeros((4, 2))}, r"'positions': expected finite coordinates of shape "
                                          r"\(n_neurons, 3\); found shape \(4, 2\)"),
        ({"input_neurons": np.array([0, 2])}, r"'input_neurons': expected integers of shape "
                                              r"\(n_channels, 2\)"),
        ({"input_neurons": np.array([[0, 5]])}, r"'input_neurons': expected indices in \[0, 4\)"),
        ({"input_neurons": np.array([[0, 0]])}, r"'input_neurons': expected distinct neurons"),
        ({"weights": np.array([0.5, 0.0])}, r"'weights': expected shape \(4,\) like 'pre'; "
                                            r"found shape \(2,\)"),
        ({"post": np.array([1, 1, 2, 2])}, r"expected no self-connections"),
        ({"pre": np.array([2, 1, 0, 3])}, r"expected unique synapses sorted by \(pre, post\)"),
        ({"post": np.array([1, 2, 1, 0])}, r"expected no synapse into an input neuron"),
        ({"weights": np.array([0.5, 0.1, -0.2, 0.1])}, r"expected 0 for inactive synapses"),
        ({"weights": np.array([-0.5, 0.0, -0.2, 0.1])}, r"expected >= 0 for excitatory and <= 0 "
                                                        r"for inhibitory synapses"),
        ({"weights": np.array([np.nan, 0.0, -0.2, 0.1])}, r"'weights': expected finite values"),
    ],
)
def test_cube_network_validation(overrides, match):
    with pytest.raises(ValueError, match=r"CubeNetwork field.*" + match):
        _line_network(**overrides)
