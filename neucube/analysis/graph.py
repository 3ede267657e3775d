"""The cube as a directed networkx graph, for analysis and for Gephi.

Nodes are neurons with their coordinates and input role; edges are the synapses with their
weights before and after STDP. Every attribute is a plain ``bool``, ``int``, ``float`` or
``str``, so the graph writes to GraphML and GEXF unchanged (:func:`~neucube.analysis.export_graph`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np

from neucube._validation import check_number
from neucube.analysis._source import resolve_cube

__all__ = ["network_graph"]

_OWNER = "network_graph"


def network_graph(
    model: Any,
    ch_names: Sequence[str] | None = None,
    *,
    threshold: float = 0.0,
) -> nx.DiGraph:
    """Neurons and synapses of a cube as a directed graph.

    Parameters
    ----------
    model : NeuCubeClassifier, Reservoir or CubeNetwork
        The fitted cube.
    ch_names : sequence of str, optional
        Channel names; default the model's ``ch_names_``, else ``ch0``, ``ch1``...
    threshold : float, default=0.0
        Keep only synapses with ``|weight| >= threshold`` before *or* after training (so a
        before/after comparison sees the same edges). 0 keeps every synapse.

    Returns
    -------
    networkx.DiGraph
        Node ``i`` is neuron ``i``, with attributes ``x``, ``y``, ``z`` (mm; MNI for the brain
        template) and ``is_input``; input neurons also carry ``channel`` (the channel name) and
        ``sign`` (``"+"`` for the neuron driven by positive spikes, ``"-"`` for negative ones).
        Edge ``i -> j`` is the synapse from ``i`` to ``j`` with ``weight`` (after STDP),
        ``weight_init`` (before), ``delta`` (``weight - weight_init``), ``excitatory`` and
        ``distance_mm``. Graph attributes: ``n_neurons``, ``n_channels``, ``threshold`` and
        ``space`` (``"mni"`` for the brain template, else ``"unknown"``).

    Examples
    --------
    >>> g = network_graph(model)                        # doctest: +SKIP
    >>> strongest = max(g.edges(data=True), key=lambda e: abs(e[2]["weight"]))  # doctest: +SKIP
    """
    threshold = check_number("threshold", threshold, low=0.0, owner=_OWNER)
    src = resolve_cube(model, owner=_OWNER, ch_names=ch_names)
    net0, net = src.initial, src.final
    active = net.active
    pre, post = net.pre[active], net.post[active]
    w0, w = net0.weights[active], net.weights[active]
    keep = (np.abs(w0) >= threshold) | (np.abs(w) >= threshold)

    graph = nx.DiGraph(n_neurons=src.n_neurons, n_channels=src.n_channels,
                       threshold=threshold, space="mni" if src.is_brain else "unknown")
    xyz = net.positions.tolist()
    graph.add_nodes_from(
        (i, {"x": p[0], "y": p[1], "z": p[2], "is_input": False}) for i, p in enumerate(xyz)
    )
    for c, (pos, neg) in enumerate(net.input_neurons.tolist()):
        graph.nodes[pos].update(is_input=True, channel=src.ch_names[c], sign="+")
        graph.nodes[neg].update(is_input=True, channel=src.ch_names[c], sign="-")
    columns = zip(pre[keep].tolist(), post[keep].tolist(), w[keep].tolist(), w0[keep].tolist(),
                  (w - w0)[keep].tolist(), net.excitatory[active][keep].tolist(),
                  net.distance[active][keep].tolist(), strict=True)
    graph.add_edges_from(
        (i, j, {"weight": wa, "weight_init": wb, "delta": d, "excitatory": e, "distance_mm": m})
        for i, j, wa, wb, d, e, m in columns
    )
    return graph
