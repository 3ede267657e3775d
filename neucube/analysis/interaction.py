"""The feature interaction network: how strongly the clusters of two input channels are connected.

With ``L`` the one-hot cluster membership (``n_neurons x n_channels``, from
:func:`~neucube.analysis.neuron_clusters`) and ``W`` the cube's ``|w|`` (or spike
communication), the directed interaction is ``M = L^T W L``: ``M[a, b]`` sums the weights of
every synapse from a neuron of cluster ``a`` to a neuron of cluster ``b``. The undirected network
between channels has

- ``total`` interaction ``I_ab = M[a, b] + M[b, a]`` (both directions), and
- ``average`` interaction ``I_ab / (n_a n_b)``, normalised by the cluster sizes, which compares
  channels whose clusters differ in size.

Standard networkx measures are attached to the nodes (strength, degree, betweenness and
closeness with distance ``1 / weight``, PageRank, greedy-modularity community) and to the graph
(modularity, number of communities).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp

from neucube._validation import check_int, check_option
from neucube.analysis._source import check_names, resolve_cube, resolve_raster
from neucube.analysis.clusters import CLUSTER_SOURCES, neuron_clusters
from neucube.analysis.communication import spike_communication
from neucube.cube.raster import SpikeRaster

__all__ = [
    "interaction_matrix",
    "interaction_graph",
    "feature_interaction_network",
    "INTERACTION_WEIGHTS",
]

logger = logging.getLogger(__name__)

#: Which interaction becomes the ``weight`` used by the network measures.
INTERACTION_WEIGHTS = ("total", "average")


def interaction_matrix(adjacency: Any, labels: Any, n_clusters: int) -> np.ndarray:
    """Directed interaction between clusters, ``M = L^T |W| L``.

    Parameters
    ----------
    adjacency : array-like or sparse matrix of shape (n, n)
        ``W[i, j]``: weight of the connection from node ``i`` to node ``j`` (absolute values
        are used).
    labels : array-like of int, shape (n,)
        Cluster of each node in ``[0, n_clusters)``; -1 leaves a node out.
    n_clusters : int
        Number of clusters.

    Returns
    -------
    ndarray of float64, shape (n_clusters, n_clusters)
        ``M[a, b]``: summed ``|W|`` from cluster ``a`` to cluster ``b`` (the diagonal holds
        connections within a cluster).

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[0, 2, 0], [0, 0, -3], [1, 0, 0]])
    >>> interaction_matrix(w, [0, 0, 1], 2)
    array([[2., 3.],
           [1., 0.]])
    """
    owner = "interaction_matrix"
    n_clusters = check_int("n_clusters", n_clusters, low=1, owner=owner)
    w = abs(sp.csr_array(adjacency, dtype=np.float64))
    if w.ndim != 2 or w.shape[0] != w.shape[1]:
        raise ValueError(f"The 'adjacency' argument of {owner} must be a square matrix; got "
                         f"shape {w.shape}.")
    labels = np.asarray(labels)
    if labels.shape != (w.shape[0],) or labels.dtype.kind not in "iu":
        raise ValueError(f"The 'labels' argument of {owner} must be {w.shape[0]} integers, one "
                         f"per node; got shape {labels.shape} and dtype {labels.dtype}.")
    if labels.size and (labels.min() < -1 or labels.max() >= n_clusters):
        raise ValueError(f"The 'labels' argument of {owner} must hold values in "
                         f"[0, {n_clusters}) or -1; got values in [{labels.min()}, "
                         f"{labels.max()}].")
    member = np.flatnonzero(labels >= 0)
    one_hot = sp.csr_array((np.ones(member.size), (member, labels[member])),
                           shape=(w.shape[0], n_clusters))
    return np.asarray((one_hot.T @ w @ one_hot).todense(), dtype=np.float64)


def _communities(graph: nx.Graph) -> tuple[dict[Any, int], float]:
    """Greedy-modularity communities (deterministic) and the partition's modularity."""
    if graph.number_of_edges() == 0:
        return {node: i for i, node in enumerate(graph)}, 0.0
    parts = nx.community.greedy_modularity_communities(graph, weight="weight")
    # Number communities by their first node in graph order so the ids are stable.
    order = {node: i for i, node in enumerate(graph)}
    parts = sorted(parts, key=lambda p: min(order[n] for n in p))
    membership = {node: k for k, part in enumerate(parts) for node in part}
    return membership, float(nx.community.modularity(graph, parts, weight="weight"))


def interaction_graph(
    matrix: Any,
    names: Sequence[str],
    *,
    sizes: Any = None,
    coords: Any = None,
    weight: str = "total",
) -> nx.Graph:
    """Undirected interaction network from a directed cluster interaction matrix.

    Parameters
    ----------
    matrix : array-like of shape (n, n)
        Directed interaction ``M`` from :func:`interaction_matrix`.
    names : sequence of str
        Node names (channels), in matrix order.
    sizes : array-like of int, shape (n,), optional
        Cluster sizes; needed for ``average``. Without them ``average`` equals ``total``.
    coords : array-like of shape (n, 3), optional
        Node positions in mm, stored as ``x``, ``y``, ``z``.
    weight : {"total", "average"}, default="total"
        Which interaction is copied to the ``weight`` attribute used by the measures.

    Returns
    -------
    networkx.Graph
        Nodes are ``names``, with ``n_neurons``, ``proportion``, ``internal`` (``M[a, a]``),
        ``x``/``y``/``z`` when ``coords`` is given, and the measures ``strength``, ``degree``,
        ``betweenness``, ``closeness``, ``pagerank`` and ``community``. Edges (only where the
        total interaction is positive) carry ``total``, ``average`` and ``weight``. Graph
        attributes: ``weight``, ``modularity``, ``n_communities``, ``total_interaction``.
    """
    owner = "interaction_graph"
    check_option("weight", weight, INTERACTION_WEIGHTS, owner=owner)
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim != 2 or m.shape[0] != m.shape[1] or not np.all(np.isfinite(m)) or np.any(m < 0):
        raise ValueError(f"The 'matrix' argument of {owner} must be a square, finite, "
                         f"non-negative matrix; got shape {m.shape}.")
    n = m.shape[0]
    names = check_names(names, n, owner)
    size = np.ones(n) if sizes is None else np.asarray(sizes, dtype=np.float64)
    if size.shape != (n,):
        raise ValueError(f"The 'sizes' argument of {owner} must have shape ({n},); got "
                         f"{size.shape}.")
    xyz = None if coords is None else np.asarray(coords, dtype=np.float64)
    if xyz is not None and xyz.shape != (n, 3):
        raise ValueError(f"The 'coords' argument of {owner} must have shape ({n}, 3); got "
                         f"{xyz.shape}.")

    total = m + m.T
    pair = np.outer(size, size)
    average = np.divide(total, pair, out=np.zeros_like(total), where=pair > 0)
    graph = nx.Graph(weight=weight)
    share = size / size.sum() if size.sum() > 0 else np.zeros(n)
    for a, name in enumerate(names):
        attrs: dict[str, Any] = {"n_neurons": int(size[a]), "proportion": float(share[a]),
                                 "internal": float(m[a, a])}
        if xyz is not None:
            attrs.update(x=float(xyz[a, 0]), y=float(xyz[a, 1]), z=float(xyz[a, 2]))
        graph.add_node(name, **attrs)
    rows, cols = np.nonzero(np.triu(total, k=1) > 0)
    for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
        values = {"total": float(total[a, b]), "average": float(average[a, b])}
        graph.add_edge(names[a], names[b], **values, weight=values[weight])

    strength = dict(graph.degree(weight="weight"))
    # Shortest-path measures need lengths: a strong interaction is a short distance.
    def distance(u: Any, v: Any, d: dict[str, Any]) -> float:
        return 1.0 / d["weight"] if d["weight"] > 0 else float("inf")

    betweenness = nx.betweenness_centrality(graph, weight=distance)
    closeness = nx.closeness_centrality(graph, distance=distance)
    pagerank = nx.pagerank(graph, weight="weight") if graph.number_of_edges() else \
        {node: 1.0 / n for node in graph}
    community, modularity = _communities(graph)
    for node in graph:
        graph.nodes[node].update(
            strength=float(strength[node]), degree=int(graph.degree(node)),
            betweenness=float(betweenness[node]), closeness=float(closeness[node]),
            pagerank=float(pagerank[node]), community=int(community[node]),
        )
    graph.graph.update(modularity=modularity, n_communities=len(set(community.values())),
                       total_interaction=float(np.triu(total, k=1).sum()))
    return graph


def feature_interaction_network(
    model: Any,
    *,
    use: str = "weights",
    weight: str = "total",
    raster: SpikeRaster | None = None,
    labels: Any = None,
    alpha: float = 0.99,
    initial: bool = False,
    ch_names: Sequence[str] | None = None,
) -> nx.Graph:
    """The feature interaction network between a model's input channels.

    Parameters
    ----------
    model : NeuCubeClassifier, Reservoir or CubeNetwork
        The fitted cube.
    use : {"weights", "communication"}, default="weights"
        Interaction through ``|w|`` or through the spike communication of ``raster``; the same
        choice is used for the clusters when ``labels`` is None.
    weight : {"total", "average"}, default="total"
        The interaction used as edge ``weight`` for the network measures.
    raster : SpikeRaster, optional
        Training spikes for ``use="communication"`` (a model's training raster by default).
    labels : array-like of int, shape (n_neurons,), optional
        Neuron clusters; default :func:`~neucube.analysis.neuron_clusters` with ``use``,
        ``alpha`` and ``initial``.
    alpha : float, default=0.99
        Label propagation strength (when ``labels`` is None).
    initial : bool, default=False
        With ``use="weights"``, the network before STDP instead of after.
    ch_names : sequence of str, optional
        Channel names; default the model's ``ch_names_``, else ``ch0``, ``ch1``...

    Returns
    -------
    networkx.Graph
        One node per channel (named by channel, positioned at its positive input neuron, in
        mm), attributes as in :func:`interaction_graph`; the graph also records ``use``.

    Examples
    --------
    >>> from neucube.analysis import feature_interaction_network       # doctest: +SKIP
    >>> g = feature_interaction_network(model)                          # doctest: +SKIP
    >>> sorted(g.nodes, key=lambda c: -g.nodes[c]["strength"])[:3]      # doctest: +SKIP
    """
    owner = "feature_interaction_network"
    check_option("use", use, CLUSTER_SOURCES, owner=owner)
    check_option("weight", weight, INTERACTION_WEIGHTS, owner=owner)
    src = resolve_cube(model, owner=owner, ch_names=ch_names)
    net = src.initial if initial else src.final
    if use == "weights":
        adjacency = net.weight_matrix()
    else:
        raster = resolve_raster(src, raster, owner=owner)
        adjacency = spike_communication(model, raster)
    if labels is None:
        labels = neuron_clusters(model, use=use, raster=raster, alpha=alpha, initial=initial)
    labels = np.asarray(labels)
    matrix = interaction_matrix(adjacency, labels, src.n_channels)
    sizes = np.bincount(labels[labels >= 0], minlength=src.n_channels)
    coords = net.positions[net.input_neurons[:, 0]]
    graph = interaction_graph(matrix, src.ch_names, sizes=sizes, coords=coords, weight=weight)
    graph.graph["use"] = use
    graph.graph["space"] = "mni" if src.is_brain else "unknown"
    return graph
