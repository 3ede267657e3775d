"""Distance-based connectivity of the cube (NeuCube v1.3 small-world rule, or a Gaussian rule).

Candidates
    Every ordered pair ``i -> j`` of distinct neurons at most ``radius_mm`` apart, except pairs
    into an input neuron (input neurons receive nothing) and pairs at distance 0 (a channel's
    positive and negative input neurons share a position).

``rule="small_world"`` (NeuCube v1.3)
    Each unordered pair ``{i, j}`` is connected in one direction, drawn at random with
    probability 1/2. When one of the two neurons is an input neuron, the only allowed direction
    (out of the input neuron) is used, so an input neuron drives all its neighbours.

``rule="gaussian"`` (liquid-state-machine style)
    Each candidate ``i -> j`` exists independently with probability
    ``connection_probability * exp(-(d_ij / length_scale_mm)**2)`` (both directions may exist).
    Only candidates within ``radius_mm`` are considered, so choose the radius large enough for
    the tail you want (e.g. ``3 * length_scale_mm``).

Weights
    ``w_ij = sign * U2 * g(d_ij)``: ``g(d) = 1/d`` min-max scaled over the candidates to
    ``[0, w_max]``; the synapse is inhibitory (``sign = -1``) when ``U1 < p_inhibitory``
    (default 0.2, so 80% are excitatory); ``U1, U2 ~ U(0, 1)``. Synapses out of input neurons are
    excitatory with weight ``input_gain * |w|`` (default 2).

Random numbers are drawn from one generator in a fixed order (pair directions, then ``U1``,
``U2`` and, for the Gaussian rule, the existence draws, each over the candidates sorted by
``(pre, post)``), so a seed fully determines the network.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from neucube._validation import check_number, check_option, check_random_state
from neucube.cube.network import CubeNetwork

__all__ = ["build_connectivity", "template_spacing", "CONNECTIVITY_RULES"]

#: Connection rules understood by :func:`build_connectivity`.
CONNECTIVITY_RULES = ("small_world", "gaussian")


def template_spacing(positions: np.ndarray) -> float:
    """Typical neuron spacing of a template: the median nearest-neighbour distance in mm."""
    positions = np.asarray(positions, dtype=np.float64)
    if positions.shape[0] < 2:
        raise ValueError(f"template_spacing: expected at least 2 neuron positions; found "
                         f"{positions.shape[0]}.")
    d, _ = cKDTree(positions).query(positions, k=2)
    return float(np.median(d[:, 1]))


def build_connectivity(
    positions: np.ndarray,
    input_neurons: np.ndarray,
    *,
    radius_mm: float,
    rule: str = "small_world",
    p_inhibitory: float = 0.2,
    w_max: float = 0.1,
    input_gain: float = 2.0,
    connection_probability: float = 0.3,
    length_scale_mm: float = 20.0,
    random_state: None | int | np.random.Generator = None,
) -> CubeNetwork:
    """Draw the synapses of a cube (see the module docstring for the rules).

    Parameters
    ----------
    positions : array-like of shape (n_neurons, 3)
        Neuron coordinates in mm (template plus negative input neurons).
    input_neurons : array-like of int, shape (n_channels, 2)
        Positive and negative input neuron of each channel.
    radius_mm : float
        Largest connection length in mm.
    rule : {"small_world", "gaussian"}
        Connection rule.
    p_inhibitory : float
        Probability that a synapse is inhibitory, in [0, 1].
    w_max : float
        Largest weight before the input gain (``g`` is scaled to ``[0, w_max]``).
    input_gain : float
        Factor applied to the weights of synapses out of input neurons.
    connection_probability : float
        Peak probability ``C`` of the Gaussian rule.
    length_scale_mm : float
        Length ``lambda`` of the Gaussian rule, in mm.
    random_state : None, int or numpy.random.Generator
        Seed of every random choice.

    Returns
    -------
    CubeNetwork
        With all candidates, the drawn ``active`` mask, signs and weights.
    """
    owner = "build_connectivity"
    positions = np.asarray(positions, dtype=np.float64)
    input_neurons = np.asarray(input_neurons, dtype=np.int64)
    radius_mm = check_number("radius_mm", radius_mm, low=0.0, low_inclusive=False, owner=owner)
    check_option("rule", rule, CONNECTIVITY_RULES, owner=owner)
    p_inhibitory = check_number("p_inhibitory", p_inhibitory, low=0.0, high=1.0, owner=owner)
    w_max = check_number("w_max", w_max, low=0.0, low_inclusive=False, owner=owner)
    input_gain = check_number("input_gain", input_gain, low=0.0, owner=owner)
    connection_probability = check_number("connection_probability", connection_probability,
                                          low=0.0, high=1.0, owner=owner)
    length_scale_mm = check_number("length_scale_mm", length_scale_mm, low=0.0,
                                   low_inclusive=False, owner=owner)
    rng = check_random_state(random_state)

    n = positions.shape[0]
    is_input = np.zeros(n, dtype=bool)
    is_input[input_neurons.ravel()] = True

    # Unordered pairs within the radius (a tiny relative tolerance keeps lattice points that
    # sit exactly on the radius), sorted so the random draws are reproducible.
    pairs = cKDTree(positions).query_pairs(r=radius_mm * (1 + 1e-9), output_type="ndarray")
    pairs = pairs.astype(np.int64).reshape(-1, 2)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    a, b = pairs[:, 0], pairs[:, 1]
    d_pair = np.linalg.norm(positions[a] - positions[b], axis=1)
    keep = d_pair > 0
    a, b, d_pair = a[keep], b[keep], d_pair[keep]
    u_dir = rng.random(a.size)

    allowed_f = ~is_input[b]  # a -> b
    allowed_b = ~is_input[a]  # b -> a
    choose_f = u_dir < 0.5
    pre = np.concatenate([a[allowed_f], b[allowed_b]])
    post = np.concatenate([b[allowed_f], a[allowed_b]])
    dist = np.concatenate([d_pair[allowed_f], d_pair[allowed_b]])
    sw_active = np.concatenate([
        (choose_f | ~allowed_b)[allowed_f],
        (~choose_f | ~allowed_f)[allowed_b],
    ])
    order = np.lexsort((post, pre))
    pre, post, dist, sw_active = pre[order], post[order], dist[order], sw_active[order]

    m = pre.size
    u1 = rng.random(m)
    u2 = rng.random(m)
    if rule == "small_world":
        active = sw_active
    else:
        active = rng.random(m) < connection_probability * np.exp(-((dist / length_scale_mm) ** 2))

    if m:
        inv = 1.0 / dist
        lo, hi = inv.min(), inv.max()
        g = w_max * (inv - lo) / (hi - lo) if hi > lo else np.full(m, w_max)
    else:
        g = np.zeros(0)
    from_input = is_input[pre]
    excitatory = (u1 >= p_inhibitory) | from_input
    magnitude = u2 * g * np.where(from_input, input_gain, 1.0)
    weights = np.where(active, np.where(excitatory, magnitude, -magnitude), 0.0)
    return CubeNetwork(
        positions=positions,
        input_neurons=input_neurons,
        pre=pre,
        post=post,
        active=active,
        excitatory=excitatory,
        weights=weights,
        distance=dist,
    )
