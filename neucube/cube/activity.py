"""How much of the cube a set of trials activates: the measurements behind an "active" cube.

A reservoir only computes with the neurons that fire. These numbers say whether the input spikes
spread through the small-world connections or stay at the input neurons:

- ``active_share``: per trial, the share of non-input neurons that fire at least once (mean and
  median over trials);
- ``spikes_per_trial``: all spikes of a trial (input neurons included), mean over trials, and the
  part emitted by input neurons;
- ``max_distance_mm``: per trial, the largest distance from the nearest input neuron at which a
  neuron fires (median over trials; 0 when only input neurons fire);
- ``ever_active_share``: the share of non-input neurons that fire in at least one trial.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from neucube.cube.network import CubeNetwork
from neucube.cube.raster import SpikeRaster

__all__ = ["activity_stats", "distance_to_inputs"]


def distance_to_inputs(network: CubeNetwork) -> np.ndarray:
    """Distance in mm from each neuron to its nearest input neuron, shape ``(n_neurons,)``."""
    inputs = network.positions[network.input_neurons.ravel()]
    d, _ = cKDTree(inputs).query(network.positions, k=1)
    return np.asarray(d, dtype=np.float64)


def activity_stats(raster: SpikeRaster, network: CubeNetwork) -> dict[str, float]:
    """Activity measurements of a raster of ``network`` (see the module docstring).

    Parameters
    ----------
    raster : SpikeRaster
        Spikes of every neuron of ``network`` in each trial.
    network : CubeNetwork
        The cube that produced ``raster``.

    Returns
    -------
    dict
        ``active_share_mean``, ``active_share_median``, ``ever_active_share``,
        ``spikes_per_trial``, ``input_spikes_per_trial``, ``max_distance_mm_median`` and
        ``max_distance_mm_max`` (floats; ``n_trials`` as a float too).
    """
    if raster.n_neurons != network.n_neurons:
        raise ValueError(f"activity_stats: expected a raster of {network.n_neurons} neurons; "
                         f"found {raster.n_neurons}.")
    n_trials = raster.n_trials
    is_input = network.is_input
    n_hidden = max(int(np.count_nonzero(~is_input)), 1)
    dist = distance_to_inputs(network)
    counts = np.asarray(raster.counts())  # (n_trials, n_neurons)
    fired = counts > 0
    active = fired[:, ~is_input].sum(axis=1) / n_hidden if n_trials else np.zeros(0)
    far = np.where(fired, dist[None, :], 0.0).max(axis=1) if n_trials else np.zeros(0)
    per_trial = counts.sum(axis=1) if n_trials else np.zeros(0)
    input_per_trial = counts[:, is_input].sum(axis=1) if n_trials else np.zeros(0)

    def stat(fn, a):  # noqa: ANN001, ANN202 - tiny local helper
        return float(fn(a)) if a.size else 0.0

    return {
        "n_trials": float(n_trials),
        "active_share_mean": stat(np.mean, active),
        "active_share_median": stat(np.median, active),
        "ever_active_share": float(fired[:, ~is_input].any(axis=0).sum() / n_hidden)
        if n_trials else 0.0,
        "spikes_per_trial": stat(np.mean, per_trial),
        "input_spikes_per_trial": stat(np.mean, input_per_trial),
        "max_distance_mm_median": stat(np.median, far),
        "max_distance_mm_max": stat(np.max, far),
    }
