"""The deSNN weight rule: rank-order initial weights plus spike-driven drift.

For one trial observed over ``n_steps`` steps, neuron ``j`` with first spike at step ``f_j``
and ``n_j`` spikes in total gets::

    w_j = alpha * mod ** rank_j
          + drift_up   * (n_j - 1)                         # later spikes
          - drift_down * ((n_steps - f_j - 1) - (n_j - 1)) # silent steps after the first spike

and a silent neuron gets ``w_j = 0`` (Kasabov et al. 2013, Neural Networks 41). Weights are
not clipped, so a neuron that fires once early in a long trial can end below zero.

Ranks are *dense*: neurons whose first spike falls in the same step share a rank, and the next
step in which some neuron fires for the first time gets the next integer, whatever the size of
the tie before it. The rank of a neuron is therefore the number of distinct earlier steps in
which some neuron fired first, starting at 0 for the earliest. Two reasons:

- Rank order is an order of *arrival*; in a time-stepped cube, neurons that fire in the same
  step arrive together, so one arrival event is one rank. Counting a tie of ``m`` neurons as
  ``m`` ranks (competition ranking) would impose an order the data do not have.
- Competition ranking makes weights vanish: a cube of a thousand neurons often has dozens of
  neurons firing in the same step, and ``0.8 ** 50`` is about 1e-5, so every neuron after the
  first busy step would carry no rank information at all. Dense ranks keep the code spread over
  the whole sequence of arrival steps.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from neucube.cube.raster import SpikeRaster

__all__ = ["first_spike_ranks", "desnn_weights", "rank_order_code"]


def first_spike_ranks(first: NDArray[np.integer], n_steps: int) -> NDArray[np.int32]:
    """Dense rank of every neuron's first spike within each trial.

    Parameters
    ----------
    first : ndarray of int, shape (n_trials, n_neurons)
        Step of each neuron's first spike, -1 for a silent neuron (as returned by
        :meth:`SpikeRaster.first_spike_times`).
    n_steps : int
        Number of steps per trial; every first spike must be below it.

    Returns
    -------
    ndarray of int32, shape (n_trials, n_neurons)
        0 for the neurons firing first, 1 for the next step with a first spike, and so on;
        -1 for silent neurons.

    Examples
    --------
    >>> first_spike_ranks(np.array([[3, 0, 3, -1, 7]]), n_steps=10)
    array([[ 1,  0,  1, -1,  2]], dtype=int32)
    """
    first = np.asarray(first)
    if first.ndim != 2 or first.dtype.kind not in "iu":
        raise ValueError("first_spike_ranks: expected 'first' to be a 2-D integer array "
                         f"(n_trials, n_neurons); got {first.dtype} of shape {first.shape}.")
    n_trials = first.shape[0]
    fired = first >= 0
    if fired.any() and first.max() >= n_steps:
        raise ValueError(f"first_spike_ranks: expected first spikes below n_steps={n_steps}; "
                         f"found step {first.max()}.")
    # occupied[k, t]: some neuron of trial k fires for the first time at step t.
    occupied = np.zeros((n_trials, n_steps), dtype=bool)
    rows = np.broadcast_to(np.arange(n_trials)[:, None], first.shape)
    occupied[rows[fired], first[fired]] = True
    rank_at_step = np.cumsum(occupied, axis=1, dtype=np.int32) - 1
    ranks = np.full(first.shape, -1, dtype=np.int32)
    ranks[fired] = rank_at_step[rows[fired], first[fired]]
    return ranks


def desnn_weights(
    raster: SpikeRaster,
    *,
    alpha: float = 1.0,
    mod: float = 0.8,
    drift_up: float = 0.005,
    drift_down: float = 0.005,
) -> NDArray[np.float64]:
    """deSNN weight vector of every trial of ``raster`` (rank order plus drift).

    The rule is given in the module docstring. The trial length used for the drift is
    ``raster.n_steps``; to weigh only the first ``stop`` steps, truncate the raster first.

    Parameters
    ----------
    raster : SpikeRaster
        At most one spike per neuron and step.
    alpha : float
        Weight of the neurons of rank 0.
    mod : float
        Modulation factor: each later rank multiplies the initial weight by ``mod``.
    drift_up, drift_down : float
        Weight added per later spike and removed per silent step after the first spike.

    Returns
    -------
    ndarray of float64, shape (n_trials, n_neurons)
    """
    return rank_order_code(raster, alpha=alpha, mod=mod, drift_up=drift_up,
                           drift_down=drift_down)[0]


def rank_order_code(
    raster: SpikeRaster,
    *,
    alpha: float,
    mod: float,
    drift_up: float,
    drift_down: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int32]]:
    """deSNN weights together with the rank-order modulation and first-spike steps.

    Parameters
    ----------
    raster : SpikeRaster
    alpha, mod, drift_up, drift_down : float
        As in :func:`desnn_weights`.

    Returns
    -------
    weights : ndarray of float64, shape (n_trials, n_neurons)
        As returned by :func:`desnn_weights`.
    modulation : ndarray of float64, shape (n_trials, n_neurons)
        ``mod ** rank`` of each neuron's first spike, 0 for silent neurons: what a neuron's
        first spike contributes, per unit weight, to the PSP of a deSNN output neuron.
    first : ndarray of int32, shape (n_trials, n_neurons)
        Step of each neuron's first spike, -1 when silent.
    """
    first = raster.first_spike_times()
    fired = first >= 0
    ranks = first_spike_ranks(first, raster.n_steps)
    modulation = np.zeros(first.shape, dtype=np.float64)
    modulation[fired] = np.power(mod, ranks[fired], dtype=np.float64)
    later_spikes = raster.counts()[fired] - 1
    silent_after = (raster.n_steps - first[fired] - 1) - later_spikes
    weights = np.zeros(first.shape, dtype=np.float64)
    weights[fired] = (
        alpha * modulation[fired] + drift_up * later_spikes - drift_down * silent_after
    )
    return weights, modulation, first
