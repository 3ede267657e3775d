"""Neuron clusters: which input channel each cube neuron belongs to, by label propagation.

The NeuCube procedure (after Zhou et al. 2004, "Learning with local and global consistency"):

1. ``W = |w|`` (or the spike communication ``SC``), symmetrised as ``(W + W^T) / 2``;
2. ``S = D^-1/2 W D^-1/2`` with ``D`` the diagonal of row sums of ``W``;
3. ``F = (I - alpha S)^-1 Y`` with ``alpha = 0.99`` and ``Y`` one-hot on the input neurons;
4. each neuron's label is the argmax of its row of ``F``.

Decisions made here
-------------------
- **One label per channel.** A channel drives two input neurons (one for positive and one for
  negative spikes, at the same place); both are seeds of the channel's label, so ``Y`` has one
  column per channel with two ones.
- ``I - alpha S`` is symmetric positive definite for ``0 < alpha < 1`` (the eigenvalues of ``S``
  lie in ``[-1, 1]``), so ``F`` is solved exactly with one sparse LU factorisation for all
  channels, never by forming the inverse.
- Neurons with no path to any input neuron (isolated neurons, or components without an input)
  get the label ``-1``; so do neurons whose ``D`` is 0 (``D^-1/2`` is taken as 0 there).
- Ties in a row of ``F`` go to the lower channel index (``numpy.argmax``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import splu

from neucube._validation import check_number, check_option
from neucube.analysis._source import check_names, resolve_cube, resolve_raster
from neucube.analysis.communication import spike_communication
from neucube.cube.raster import SpikeRaster

__all__ = ["label_propagation", "neuron_clusters", "neuron_proportions", "CLUSTER_SOURCES"]

#: What ``neuron_clusters`` propagates over: synaptic weights or spike communication.
CLUSTER_SOURCES = ("weights", "communication")


def _as_square(adjacency: Any, owner: str) -> sp.csr_array:
    a = sp.csr_array(adjacency, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"The 'adjacency' argument of {owner} must be a square matrix; got "
                         f"shape {a.shape}.")
    if not np.all(np.isfinite(a.data)):
        raise ValueError(f"The 'adjacency' argument of {owner} must be finite.")
    return a


def label_propagation(
    adjacency: Any,
    seeds: Sequence[Sequence[int]],
    *,
    alpha: float = 0.99,
) -> tuple[np.ndarray, np.ndarray]:
    """Propagate labels from seed nodes over a weighted graph (Zhou et al. 2004).

    Parameters
    ----------
    adjacency : array-like or sparse matrix of shape (n, n)
        Edge weights; absolute values are used and the matrix is symmetrised as
        ``(|A| + |A|^T) / 2``.
    seeds : sequence of sequences of int
        ``seeds[k]`` lists the nodes labelled ``k`` (one or more each, disjoint).
    alpha : float, default=0.99
        Propagation strength in (0, 1): the share of a node's score that comes from its
        neighbours rather than its own seed label.

    Returns
    -------
    labels : ndarray of int64, shape (n,)
        The argmax of each row of ``F``; -1 for nodes that no seed reaches.
    scores : ndarray of float64, shape (n, n_labels)
        ``F = (I - alpha S)^-1 Y``.

    Examples
    --------
    >>> import numpy as np
    >>> chain = np.array([[0, 1, 0, 0], [1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0]])
    >>> label_propagation(chain, [[0], [3]])[0]
    array([0, 0, 1, 1])
    """
    owner = "label_propagation"
    alpha = check_number("alpha", alpha, low=0.0, high=1.0, low_inclusive=False,
                         high_inclusive=False, owner=owner)
    a = abs(_as_square(adjacency, owner))
    n = a.shape[0]
    groups = [np.atleast_1d(np.asarray(s)) for s in seeds]
    if not groups or any(g.size == 0 or g.dtype.kind not in "iu" for g in groups):
        raise ValueError(f"The 'seeds' argument of {owner} must be a non-empty sequence of "
                         "non-empty integer index lists, one per label.")
    flat = np.concatenate(groups)
    if flat.min() < 0 or flat.max() >= n:
        raise ValueError(f"The 'seeds' argument of {owner} must hold node indices in [0, {n}); "
                         f"got values in [{flat.min()}, {flat.max()}].")
    if np.unique(flat).size != flat.size:
        raise ValueError(f"The 'seeds' argument of {owner} must not give a node two labels.")

    w = ((a + a.T) * 0.5).tocsr()
    degree = np.asarray(w.sum(axis=1)).ravel()
    inv_sqrt = np.zeros(n)
    np.divide(1.0, np.sqrt(degree), out=inv_sqrt, where=degree > 0)
    d = sp.diags_array(inv_sqrt)
    s = (d @ w @ d).tocsc()
    y = np.zeros((n, len(groups)))
    y[flat, np.repeat(np.arange(len(groups)), [g.size for g in groups])] = 1.0
    system = (sp.identity(n, format="csc") - alpha * s).tocsc()
    scores = splu(system).solve(y)

    labels = np.argmax(scores, axis=1).astype(np.int64)
    # Reachability is structural: a node is labelled iff its component contains a seed.
    _, component = connected_components(w, directed=False)
    reached = np.isin(component, component[flat])
    labels[~reached] = -1
    return labels, scores


def neuron_clusters(
    model: Any,
    *,
    use: str = "weights",
    raster: SpikeRaster | None = None,
    alpha: float = 0.99,
    initial: bool = False,
    return_scores: bool = False,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Assign every cube neuron to an input channel by label propagation from the input neurons.

    Parameters
    ----------
    model : NeuCubeClassifier, Reservoir or CubeNetwork
        The fitted cube.
    use : {"weights", "communication"}, default="weights"
        Propagate over ``|w|`` or over the spike communication of ``raster``
        (:func:`~neucube.analysis.spike_communication`).
    raster : SpikeRaster, optional
        Training spikes for ``use="communication"`` (a model's training raster by default).
    alpha : float, default=0.99
        Propagation strength in (0, 1).
    initial : bool, default=False
        With ``use="weights"``, the weights before STDP instead of after.
    return_scores : bool, default=False
        Also return ``F``.

    Returns
    -------
    labels : ndarray of int64, shape (n_neurons,)
        Channel index of each neuron's cluster (both input neurons of channel ``c`` are in
        cluster ``c``); -1 for neurons no input reaches.
    scores : ndarray of shape (n_neurons, n_channels)
        Only with ``return_scores=True``.

    See Also
    --------
    label_propagation : the algorithm on any graph.
    neuron_proportions : share of neurons per channel.
    """
    owner = "neuron_clusters"
    check_option("use", use, CLUSTER_SOURCES, owner=owner)
    src = resolve_cube(model, owner=owner)
    if use == "weights":
        adjacency = (src.initial if initial else src.final).weight_matrix()
    else:
        adjacency = spike_communication(model, resolve_raster(src, raster, owner=owner))
    seeds = list(src.final.input_neurons)
    labels, scores = label_propagation(adjacency, seeds, alpha=alpha)
    return (labels, scores) if return_scores else labels


def neuron_proportions(
    labels: Any, ch_names: Sequence[str], *, include_unassigned: bool = False
) -> pd.Series:
    """Share of neurons in each channel's cluster.

    Parameters
    ----------
    labels : array-like of int, shape (n_neurons,)
        Cluster labels from :func:`neuron_clusters` (channel indices, -1 for unassigned).
    ch_names : sequence of str
        Name of each channel (label ``c`` is ``ch_names[c]``).
    include_unassigned : bool, default=False
        Add an ``"unassigned"`` entry; shares are then of all neurons. By default they are of
        the assigned neurons only, so they sum to 1.

    Returns
    -------
    pandas.Series
        Indexed by channel name, named ``"proportion"``; ``attrs["counts"]`` holds the neuron
        counts.
    """
    owner = "neuron_proportions"
    arr = np.asarray(labels)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise ValueError(f"The 'labels' argument of {owner} must be a 1-D integer array; got "
                         f"shape {arr.shape} and dtype {arr.dtype}.")
    names = check_names(ch_names, len(ch_names) if not isinstance(ch_names, str) else 0, owner)
    if arr.size and (arr.min() < -1 or arr.max() >= len(names)):
        raise ValueError(f"The 'labels' argument of {owner} must hold channel indices in "
                         f"[0, {len(names)}) or -1; got values in [{arr.min()}, {arr.max()}].")
    counts = np.bincount(arr[arr >= 0], minlength=len(names))
    index = list(names)
    if include_unassigned:
        counts = np.append(counts, np.count_nonzero(arr < 0))
        index.append("unassigned")
    total = counts.sum()
    share = counts / total if total else np.zeros(counts.size)
    out = pd.Series(share, index=pd.Index(index, name="channel"), name="proportion")
    out.attrs["counts"] = dict(zip(index, counts.tolist(), strict=True))
    return out
