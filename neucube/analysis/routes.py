"""Information routes: how the spikes of each input channel spread through the cube.

For every channel, a breadth-first spread starts at its two input neurons (level 0) and follows
excitatory synapses for ``depth`` levels. A neuron joins the route at the first level that
reaches it. Each synapse ``i -> j`` is weighted by the **share of spikes passed on**,
``p_ij = T_ij / N_i``: ``T_ij`` counts spikes of ``i`` followed by a spike of ``j`` one step later
(the cube's synaptic delay; :func:`~neucube.analysis.spike_transmission`) and ``N_i`` is the
number of spikes of ``i``. The **flow** of the channel's spikes is then

- ``flow(source) = N_source`` at level 0 (the channel's own input spikes),
- ``flow(i -> j) = flow(i) * p_ij`` on every route edge and ``flow(j)`` = the sum over its
  incoming route edges,

i.e. the expected number of the channel's spikes that reach ``j`` along the route. Inhibitory
synapses never make their target spike, so they are not followed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np

from neucube._validation import check_int, check_number
from neucube.analysis._source import resolve_cube, resolve_raster
from neucube.analysis.communication import neuron_spike_counts, spike_transmission
from neucube.cube.raster import SpikeRaster

__all__ = ["information_routes"]


def information_routes(
    model: Any,
    raster: SpikeRaster | None = None,
    depth: int = 3,
    *,
    min_share: float = 0.0,
    ch_names: Sequence[str] | None = None,
) -> dict[str, nx.DiGraph]:
    """Breadth-first spread of each channel's spikes, weighted by the share of spikes passed on.

    Parameters
    ----------
    model : NeuCubeClassifier, Reservoir or CubeNetwork
        The fitted cube (synapses after STDP). A model's training raster is used when
        ``raster`` is None.
    raster : SpikeRaster, optional
        Spikes of the trials to analyse, normally the training trials.
    depth : int, default=3
        Number of levels (synapses) to follow from the input neurons.
    min_share : float, default=0.0
        Follow only synapses whose share of spikes passed on is above this value, in [0, 1).
    ch_names : sequence of str, optional
        Channel names; default the model's ``ch_names_``, else ``ch0``, ``ch1``...

    Returns
    -------
    dict of str to networkx.DiGraph
        One route per channel, keyed by channel name. Nodes are neuron indices with ``level``
        (0 for the input neurons), ``flow`` and ``x``, ``y``, ``z``; edges carry ``share``
        (``p_ij``), ``passed`` (``T_ij``) and ``flow``. Graph attributes: ``channel``,
        ``depth``, ``source_spikes`` and ``reached`` (neurons reached beyond level 0).
    """
    owner = "information_routes"
    depth = check_int("depth", depth, low=1, owner=owner)
    min_share = check_number("min_share", min_share, low=0.0, high=1.0, high_inclusive=False,
                             owner=owner)
    src = resolve_cube(model, owner=owner, ch_names=ch_names)
    raster = resolve_raster(src, raster, owner=owner)
    net = src.final
    keep = net.active & (net.weights > 0)
    pre, post = net.pre[keep].astype(np.int64), net.post[keep].astype(np.int64)
    passed = np.asarray(spike_transmission(net, raster)[pre, post], dtype=np.float64).ravel()
    spikes = neuron_spike_counts(raster).astype(np.float64)
    share = np.divide(passed, spikes[pre], out=np.zeros_like(passed), where=spikes[pre] > 0)
    usable = share > min_share
    pre, post, share, passed = pre[usable], post[usable], share[usable], passed[usable]
    xyz = net.positions

    routes: dict[str, nx.DiGraph] = {}
    n = src.n_neurons
    for c, name in enumerate(src.ch_names):
        sources = net.input_neurons[c]
        flow = np.zeros(n)
        flow[sources] = spikes[sources]
        level = np.full(n, -1, dtype=np.int64)
        level[sources] = 0
        frontier = np.zeros(n, dtype=bool)
        frontier[sources] = True
        edges = []
        for k in range(1, depth + 1):
            step = frontier[pre] & (level[post] < 0)
            if not np.any(step):
                break
            edge_flow = flow[pre[step]] * share[step]
            targets = post[step]
            flow += np.bincount(targets, weights=edge_flow, minlength=n)
            level[targets] = k
            frontier = np.zeros(n, dtype=bool)
            frontier[targets] = True
            edges.append((pre[step], targets, share[step], passed[step], edge_flow))

        route = nx.DiGraph(channel=name, depth=depth, source_spikes=float(spikes[sources].sum()),
                           reached=int(np.count_nonzero(level > 0)))
        nodes = np.flatnonzero(level >= 0)
        route.add_nodes_from(
            (i, {"level": lv, "flow": f, "x": p[0], "y": p[1], "z": p[2]})
            for i, lv, f, p in zip(nodes.tolist(), level[nodes].tolist(), flow[nodes].tolist(),
                                   xyz[nodes].tolist(), strict=True)
        )
        for i, j, s, t, f in edges:
            route.add_edges_from(
                (a, b, {"share": sa, "passed": ta, "flow": fa})
                for a, b, sa, ta, fa in zip(i.tolist(), j.tolist(), s.tolist(), t.tolist(),
                                            f.tolist(), strict=True)
            )
        routes[name] = route
    return routes
