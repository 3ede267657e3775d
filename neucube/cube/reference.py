"""Plain NumPy simulator of the cube: the specification in code, for small networks.

It follows the step sequence of :mod:`neucube.cube.model` literally, one step at a time, and is
what the Brian2 engine is tested against. Within a step, synaptic input to a neuron is summed in
increasing synapse order (synapses are sorted by ``(pre, post)``), the order in which Brian2's
C++ code adds it, so both give bit-identical potentials and therefore identical rasters.
"""

from __future__ import annotations

import numpy as np

from neucube.cube.model import ModelParams
from neucube.cube.network import CubeNetwork
from neucube.cube.raster import SpikeRaster
from neucube.cube.simulation import (
    SimulationResult,
    check_spikes,
    check_weights,
    input_columns,
)

__all__ = ["simulate_reference"]


def _gather(ptr: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Concatenate ``arange(ptr[n], ptr[n + 1])`` for the given nodes, without a Python loop."""
    starts = ptr[nodes]
    counts = ptr[nodes + 1] - starts
    ends = np.cumsum(counts)
    return np.repeat(starts - (ends - counts), counts) + np.arange(ends[-1] if ends.size else 0)


def simulate_reference(
    network: CubeNetwork,
    spikes: np.ndarray,
    params: ModelParams | None = None,
    *,
    plastic: bool = False,
    record: bool = True,
) -> SimulationResult:
    """Run the cube on encoded spikes with NumPy.

    Parameters
    ----------
    network : CubeNetwork
        Positions, input neurons and candidate synapses with their weights.
    spikes : array-like of shape (n_trials, n_channels, n_steps)
        Encoded input in {-1, 0, 1}; one step of input is one simulation step.
    params : ModelParams, optional
        Neuron and STDP parameters (defaults if omitted).
    plastic : bool
        Whether STDP changes the weights. Trials are run in order and the weights carry over
        from trial to trial; potentials, refractory counters and traces reset at each trial.
    record : bool
        Whether to return the spike raster (``False`` saves memory when only the learnt
        weights are needed).

    Returns
    -------
    SimulationResult
        The spike raster of all neurons and the final candidate weights.
    """
    params = ModelParams() if params is None else params
    spikes = check_spikes(spikes, network.n_channels)
    check_weights(network.weights, params.w_clip)
    n_trials, _, n_steps = spikes.shape
    n = network.n_neurons
    pre = network.pre.astype(np.int64)
    post = network.post.astype(np.int64)
    active = network.active
    exc = network.excitatory.astype(np.int64)
    w = network.weights.copy()
    # Same expressions as the engine: bounds [0, w_clip] or [-w_clip, 0].
    lo = params.w_clip * (exc - 1)
    hi = params.w_clip * exc
    out_ptr = np.searchsorted(pre, np.arange(n + 1))
    in_order = np.argsort(post, kind="stable")
    in_ptr = np.searchsorted(post[in_order], np.arange(n + 1))
    pos_in, neg_in = network.input_neurons[:, 0], network.input_neurons[:, 1]
    cols = input_columns(spikes)
    nch = network.n_channels
    theta, leak, refractory = params.threshold, params.leak, params.refractory
    dp, dm, dmem = params.decay_plus, params.decay_minus, params.decay_mem
    slif = params.neuron_model == "slif"
    soft, winv = params.soft_bound, 1.0 / params.w_clip

    ev_trial: list[np.ndarray] = []
    ev_step: list[np.ndarray] = []
    ev_neuron: list[np.ndarray] = []
    for k in range(n_trials):
        # 1. sample boundary
        v = np.zeros(n)
        inp = np.zeros(n)
        ref = np.zeros(n, dtype=np.int64)
        x = np.zeros(n)
        y = np.zeros(n)
        for t in range(n_steps):
            # 2. trace decay
            x = x * dp
            y = y * dm
            # 3. integration
            integrating = ref <= 0
            v = np.where(integrating, v + inp, v)
            ref = ref - (~integrating)
            # 4. threshold
            fired = integrating & (v >= theta)
            fired[pos_in] = cols[k, t, :nch]
            fired[neg_in] = cols[k, t, nch:]
            nf = np.flatnonzero(fired)
            if nf.size:
                # 5. propagation (weights before this step's updates), then depression
                syn = _gather(out_ptr, nf)
                inp = np.bincount(post[syn], weights=w[syn], minlength=n)
                if plastic:
                    s = syn[active[syn]]
                    f = (w[s] - lo[s]) * winv if soft else 1.0
                    w[s] = np.clip(w[s] - params.a_minus * y[post[s]] * f, lo[s], hi[s])
                    # 6. potentiation
                    s = in_order[_gather(in_ptr, nf)]
                    s = s[active[s]]
                    f = (hi[s] - w[s]) * winv if soft else 1.0
                    w[s] = np.clip(w[s] + params.a_plus * x[pre[s]] * f, lo[s], hi[s])
                # 7. reset
                v[nf] = 0.0
                ref[nf] = refractory
                x[nf] += 1.0
                y[nf] += 1.0
                ev_trial.append(np.full(nf.size, k))
                ev_step.append(np.full(nf.size, t))
                ev_neuron.append(nf)
            else:
                inp = np.zeros(n)
            # 8. leak
            v = np.maximum(v - leak, 0.0) if slif else v * dmem

    def cat(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    n_spikes = sum(e.size for e in ev_neuron)
    raster = SpikeRaster.from_events(cat(ev_trial), cat(ev_step), cat(ev_neuron),
                                     n_trials=n_trials, n_steps=n_steps,
                                     n_neurons=n) if record else None
    return SimulationResult(raster=raster, weights=w, n_spikes=n_spikes)
