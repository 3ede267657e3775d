"""Spikes on synapses: how much each connection carried while the cube ran.

Two counts, both as sparse ``(n_neurons, n_neurons)`` matrices indexed ``[pre, post]`` with
entries only at synapses that exist:

- :func:`spike_communication`, NeuCube's *spike communication*: ``SC_ij`` is the number of spikes
  neuron ``i`` emitted (over the trials of the raster), counted on every synapse ``i -> j``.
  Every spike of ``i`` travels along all of ``i``'s outgoing synapses, so this is the number of
  spikes each synapse transmitted.
- :func:`spike_transmission`, the stricter count used for information routes: ``T_ij`` is the
  number of spikes of ``i`` at step ``t`` followed by a spike of ``j`` at step ``t + 1`` of the
  same trial. The cube has a synaptic delay of exactly one step (see :mod:`neucube.cube.model`),
  so these are the spikes of ``i`` that ``j`` may have passed on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from neucube._validation import check_int
from neucube.analysis._source import resolve_cube, resolve_raster
from neucube.cube.raster import SpikeRaster

__all__ = ["spike_communication", "spike_transmission", "neuron_spike_counts"]


def neuron_spike_counts(raster: SpikeRaster) -> np.ndarray:
    """Total spikes of every neuron over all trials of ``raster``, shape (n_neurons,), int64."""
    return np.bincount(raster.neurons, minlength=raster.n_neurons).astype(np.int64)


def spike_communication(model: Any, raster: SpikeRaster | None = None) -> sp.csr_array:
    """Spike communication ``SC_ij``: spikes emitted by ``i``, counted over each synapse ``i -> j``.

    Parameters
    ----------
    model : NeuCubeClassifier, Reservoir or CubeNetwork
        The fitted cube. A model's training raster is used when ``raster`` is None.
    raster : SpikeRaster, optional
        Spikes of the trials to count, normally the training trials run through the frozen
        cube (``reservoir.transform(train_spikes)``).

    Returns
    -------
    scipy.sparse.csr_array of shape (n_neurons, n_neurons), float64
        ``SC[i, j]`` for every synapse ``i -> j`` whose presynaptic neuron spiked.
    """
    owner = "spike_communication"
    src = resolve_cube(model, owner=owner)
    raster = resolve_raster(src, raster, owner=owner)
    net = src.final  # STDP changes weights, never which synapses exist
    pre, post = net.pre[net.active], net.post[net.active]
    counts = neuron_spike_counts(raster).astype(np.float64)
    sc = sp.csr_array((counts[pre], (pre, post)), shape=(src.n_neurons,) * 2)
    sc.eliminate_zeros()
    return sc


def _next_step_counts(raster: SpikeRaster, pre: np.ndarray, post: np.ndarray,
                      trials_per_chunk: int) -> np.ndarray:
    """For each synapse, the number of (trial, t) with ``pre`` spiking at t and ``post`` at t+1."""
    out = np.zeros(pre.size, dtype=np.float64)
    n, steps = raster.n_neurons, raster.n_steps
    for start in range(0, raster.n_trials, trials_per_chunk):
        chunk = raster[start:start + trials_per_chunk]
        if chunk.n_spikes == 0:
            continue
        # One column per (trial, step): spikes at t in `now`, spikes at t + 1 in `nxt` (shifted
        # back one column; spikes at step 0 have no predecessor in their trial).
        col = chunk.trial_of_spike * steps + chunk.steps
        n_cols = chunk.n_trials * steps
        ones = np.ones(col.size)
        now = sp.csr_array((ones, (chunk.neurons, col)), shape=(n, n_cols))
        later = chunk.steps > 0
        nxt = sp.csr_array((ones[later], (chunk.neurons[later], col[later] - 1)),
                           shape=(n, n_cols))
        # now @ nxt.T counts co-occurrences for every pair of neurons that fired in successive
        # steps; reading it only at the synapses keeps the result per synapse.
        pairs = (now @ nxt.T).tocsr()
        out += np.asarray(pairs[pre, post]).ravel()
    return out


def spike_transmission(
    model: Any,
    raster: SpikeRaster | None = None,
    *,
    trials_per_chunk: int = 32,
) -> sp.csr_array:
    """Spikes passed on: spikes of ``i`` at step ``t`` followed by a spike of ``j`` at ``t + 1``.

    Counted only over synapses ``i -> j`` that exist, summed over the trials of ``raster``.
    ``T_ij / (spikes of i)`` is the share of ``i``'s spikes that ``j`` passed on (used by
    :func:`~neucube.analysis.information_routes`).

    Parameters
    ----------
    model : NeuCubeClassifier, Reservoir or CubeNetwork
        The fitted cube (the synapses after STDP). A model's training raster is used when
        ``raster`` is None.
    raster : SpikeRaster, optional
        Spikes of the trials to count.
    trials_per_chunk : int, default=32
        Trials processed together (bounds the memory of the intermediate pair counts).

    Returns
    -------
    scipy.sparse.csr_array of shape (n_neurons, n_neurons), float64
        Non-zero only at synapses.
    """
    owner = "spike_transmission"
    trials_per_chunk = check_int("trials_per_chunk", trials_per_chunk, low=1, owner=owner)
    src = resolve_cube(model, owner=owner)
    raster = resolve_raster(src, raster, owner=owner)
    net = src.final
    pre, post = net.pre[net.active], net.post[net.active]
    passed = _next_step_counts(raster, pre, post, trials_per_chunk)
    t = sp.csr_array((passed, (pre, post)), shape=(src.n_neurons,) * 2)
    t.eliminate_zeros()
    return t
