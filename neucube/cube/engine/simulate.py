"""The engine's entry point: run the cube on encoded spikes, chunk by chunk."""

from __future__ import annotations

import os

import numpy as np

from neucube._validation import check_int, check_option
from neucube.cube.engine.build import BuildSpec, CompiledCube
from neucube.cube.engine.equations import scalar_values
from neucube.cube.engine.fallback import run_runtime
from neucube.cube.model import NEURON_MODELS, ModelParams
from neucube.cube.network import CubeNetwork
from neucube.cube.raster import SpikeRaster
from neucube.cube.reference import simulate_reference
from neucube.cube.simulation import (
    SimulationResult,
    check_spikes,
    check_weights,
    input_columns,
)

#: Simulation backends accepted by :func:`simulate_brian`.
BACKENDS = ("cpp_standalone", "cython", "numpy", "reference")


def simulate_brian(
    network: CubeNetwork,
    spikes: np.ndarray,
    params: ModelParams | None = None,
    *,
    plastic: bool = False,
    backend: str = "cpp_standalone",
    samples_per_chunk: int = 64,
    cache_dir: str | os.PathLike[str] | None = None,
    record: bool = True,
) -> SimulationResult:
    """Run the cube on encoded spikes with Brian2 (or the NumPy reference).

    Parameters
    ----------
    network : CubeNetwork
        Positions, input neurons and candidate synapses with their weights.
    spikes : array-like of shape (n_trials, n_channels, n_steps)
        Encoded input in {-1, 0, 1}.
    params : ModelParams, optional
        Neuron and STDP parameters (defaults if omitted).
    plastic : bool
        Whether STDP changes the weights (trials in order, weights carried over).
    backend : {"cpp_standalone", "cython", "numpy", "reference"}
        Simulator (see the module docstring).
    samples_per_chunk : int
        Samples per run of the compiled program (at most; part of the build key; a last,
        shorter chunk runs only its own steps).
    cache_dir : path-like, optional
        Cache root instead of ``$NEUCUBE_CACHE_DIR`` / ``~/.cache/neucube``.
    record : bool
        Whether to return the spike raster (``False`` saves memory when only the learnt
        weights are needed, e.g. during STDP training).

    Returns
    -------
    SimulationResult
        The raster of every neuron in every trial and the final candidate weights.
    """
    params = ModelParams() if params is None else params
    check_option("backend", backend, BACKENDS, owner="simulate_brian")
    samples_per_chunk = check_int("samples_per_chunk", samples_per_chunk, low=1,
                                  owner="simulate_brian")
    check_option("neuron_model", params.neuron_model, NEURON_MODELS, owner="simulate_brian")
    spikes = check_spikes(spikes, network.n_channels)
    check_weights(network.weights, params.w_clip)
    if backend == "reference":
        return simulate_reference(network, spikes, params, plastic=plastic, record=record)
    n_trials, _, n_steps = spikes.shape
    spec = BuildSpec.from_network(network, n_steps=n_steps, samples_per_chunk=samples_per_chunk,
                                  neuron_model=params.neuron_model)
    cols = network.input_columns()
    inp = np.where(cols < 0, spec.n_columns, cols).astype(np.int32)  # last column is silent
    # Only the active candidates are simulated: an inactive one has weight 0 and STDP never
    # changes it (its updates are multiplied by ``active`` = 0), so it adds exactly 0 to its
    # target's input, and leaving it out changes no spike and no other weight; its weight stays
    # 0. The order of the others, and so Brian2's propagation order, is kept.
    active = network.active
    pre, post = network.pre[active], network.post[active]
    exc = network.excitatory[active].astype(np.int32)
    scalars = scalar_values(params, plastic)
    program = CompiledCube.get(spec, cache_dir) if backend == "cpp_standalone" else None

    w = network.weights[active].copy()
    rasters: list[SpikeRaster] = []
    n_spikes = 0
    for start in range(0, n_trials, samples_per_chunk):
        chunk = spikes[start:start + samples_per_chunk]
        n_chunk = chunk.shape[0]
        columns = input_columns(chunk).reshape(n_chunk * n_steps, spec.n_columns)
        if program is not None:
            count, neuron, step, w = program.run(columns, w, exc, pre, post, inp, scalars,
                                                 record=record)
        else:
            stim = np.zeros((n_chunk * n_steps, spec.n_columns + 1))
            stim[:, : spec.n_columns] = columns
            neuron, step, w = run_runtime(spec, backend, stim, w, exc, pre, post, inp, scalars)
            count = int(neuron.size)
        n_spikes += count
        if record:
            # Per chunk, so that sorting temporaries stay small.
            rasters.append(SpikeRaster.from_events(
                step // n_steps, step % n_steps, neuron, n_trials=n_chunk, n_steps=n_steps,
                n_neurons=network.n_neurons))
    raster = SpikeRaster.concatenate(rasters) if record else None
    weights = network.weights.copy()
    weights[active] = w
    return SimulationResult(raster=raster, weights=weights, n_spikes=n_spikes)
