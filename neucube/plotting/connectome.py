"""Glass-brain connectomes (nilearn): the cube's strongest connections, or the interaction network.

Both draw on nilearn's bundled glass-brain outlines in MNI space (nothing is downloaded), with
``nilearn.plotting.plot_connectome`` into a pyplot-free figure. nilearn colours each edge by its
value and widens it with ``|value|`` (``1 + 2 |value| / max`` points).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
from matplotlib.figure import Figure

from neucube._validation import check_int
from neucube.analysis._source import resolve_cube
from neucube.analysis.interaction import feature_interaction_network
from neucube.plotting.style import (
    COMMUNITY_COLORS,
    DIVERGING_CMAP,
    INPUT_COLOR,
    NEUTRAL,
    STRENGTH_CMAP,
    figure_size,
    figure_style,
    finish,
)

__all__ = ["plot_glass_connections", "plot_glass_interaction"]

logger = logging.getLogger(__name__)

#: Figure area of nilearn's display, below the title: (left, bottom, width, height).
_GLASS_RECT = (0.0, 0.0, 1.0, 0.86)

_DISPLAY_MODES = ("ortho", "x", "y", "z", "l", "r", "lzr", "lyr", "lzry", "lyrz")


def _glass_figure(width: str | float, height_mm: float | None, display_mode: str,
                  owner: str) -> Figure:
    if display_mode not in _DISPLAY_MODES:
        raise ValueError(f"The 'display_mode' argument of {owner} must be one of "
                         f"{', '.join(map(repr, _DISPLAY_MODES))}; got {display_mode!r}.")
    n_views = 1 if len(display_mode) == 1 else (3 if display_mode == "ortho" else
                                                  len(display_mode))
    if height_mm is None:
        height_mm = 62.0 if n_views > 1 else 70.0
    # nilearn lays out its own axes, so the figure does not use constrained layout.
    return Figure(figsize=figure_size(width, height_mm), layout="none")


def _label_axial(display: Any, names: Sequence[str], coords: np.ndarray) -> None:
    """Write node names in the axial ("z") view, where the axes' data units are MNI x/y mm."""
    axes = getattr(display, "axes", {})
    if "z" not in axes:
        return
    ax = axes["z"].ax
    # A light box rather than a stroke path effect: path effects turn text into outlines,
    # which would no longer be editable in the SVG/PDF.
    halo = {"boxstyle": "round,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.6}
    for name, (x, y, _) in zip(names, coords, strict=True):
        ax.annotate(name, (x, y), xytext=(0, 3.5), textcoords="offset points", fontsize=4.5,
                    ha="center", va="bottom", zorder=200, bbox=halo)


def _edges_drawn(matrix: np.ndarray, edge_threshold: str | float, owner: str) -> int:
    """Number of edges nilearn's ``plot_connectome`` draws for a symmetric ``matrix``.

    Its rule: the threshold is a value, or a percentile of the absolute values below the
    diagonal; edges under it, and zeros, are not drawn.
    """
    lower = np.abs(matrix[np.tril_indices_from(matrix, k=-1)])
    if isinstance(edge_threshold, str):
        text = edge_threshold.strip()
        try:
            percent = float(text[:-1]) if text.endswith("%") else None
        except ValueError:
            percent = None
        if percent is None or not 0.0 <= percent <= 100.0:
            raise ValueError(f"The 'edge_threshold' argument of {owner} must be a number or a "
                             f"percentile such as '75%'; got {edge_threshold!r}.")
        threshold = float(np.percentile(lower, percent)) if lower.size else 0.0
    else:
        threshold = float(edge_threshold)
    return int(np.count_nonzero((lower >= threshold) & (lower != 0)))


def plot_glass_connections(
    model: Any,
    *,
    n_strongest: int = 200,
    initial: bool = False,
    display_mode: str = "ortho",
    width: str | float = "double",
    height_mm: float | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """Glass brain of the cube's strongest connections (MNI brain template only).

    Parameters
    ----------
    model : NeuCubeClassifier or Reservoir
        A cube on the brain template (positions in MNI mm).
    n_strongest : int, default=200
        Number of connections (largest ``|w|``) to draw.
    initial : bool, default=False
        The weights before STDP instead of after.
    display_mode : str, default="ortho"
        nilearn display mode ("ortho", "x", "y", "z", "lzr", "lyrz"...).
    width, height_mm : figure size (journal column or mm, and mm).
    title : str, optional
        Title; default describes what is drawn.
    path, formats, dpi : saving (see :func:`~neucube.plotting.save_figure`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    from nilearn import plotting as nplt

    owner = "plot_glass_connections"
    n_strongest = check_int("n_strongest", n_strongest, low=1, owner=owner)
    source = resolve_cube(model, owner=owner)
    if not source.is_brain:
        logger.warning("%s: the cube is not on the MNI brain template; positions are drawn as "
                       "if they were MNI coordinates.", owner)
    net = source.initial if initial else source.final
    a = net.active
    pre, post, w = net.pre[a], net.post[a], net.weights[a]
    top = np.argsort(-np.abs(w), kind="stable")[:n_strongest]
    top = top[w[top] != 0]
    nodes, index = np.unique(np.concatenate([pre[top], post[top]]), return_inverse=True)
    k = top.size
    adjacency = np.zeros((nodes.size, nodes.size))
    # One direction per pair exists in the cube, so the symmetric matrix loses nothing.
    adjacency[index[:k], index[k:]] = w[top]
    adjacency[index[k:], index[:k]] = w[top]
    is_input = np.isin(nodes, net.input_neurons)
    colors = [INPUT_COLOR if flag else NEUTRAL for flag in is_input]
    sizes = np.where(is_input, 12.0, 3.0)
    vmax = float(np.abs(w[top]).max()) if k else 1.0
    state = "before" if initial else "after"
    with figure_style():
        fig = _glass_figure(width, height_mm, display_mode, owner)
        nplt.plot_connectome(
            adjacency, net.positions[nodes], node_color=colors, node_size=sizes,
            edge_cmap=DIVERGING_CMAP, edge_vmin=-vmax, edge_vmax=vmax,
            display_mode=display_mode, figure=fig, axes=_GLASS_RECT, colorbar=k > 0,
            alpha=0.8, title=None, annotate=True,
        )
        fig.suptitle(title or f"{k} strongest connections {state} STDP\n"
                              "blue: positive weight, red: negative weight; orange: input neuron",
                     fontsize=7.0, y=0.99)
    return finish(fig, path, formats, dpi)


def plot_glass_interaction(
    graph: Any,
    *,
    edge_threshold: str | float = "75%",
    weight: str = "weight",
    label_nodes: bool = True,
    display_mode: str = "ortho",
    width: str | float = "double",
    height_mm: float | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """Glass brain of the feature interaction network between input channels.

    Parameters
    ----------
    graph : networkx.Graph, NeuCubeClassifier or Reservoir
        A graph from :func:`~neucube.analysis.feature_interaction_network` (nodes with ``x``,
        ``y``, ``z`` in MNI mm), or a fitted model/reservoir to compute it from.
    edge_threshold : str or float, default="75%"
        Draw edges above this value, or above this percentile of the absolute values of the
        channel-by-channel matrix (nilearn's rule; absent edges count as 0).
    weight : str, default="weight"
        Edge attribute to draw.
    label_nodes : bool, default=True
        Write channel names in the axial view.
    display_mode, width, height_mm, title, path, formats, dpi
        As in :func:`plot_glass_connections`.

    Returns
    -------
    matplotlib.figure.Figure
        Node colour shows the community, node size the share of neurons, edge colour and width
        the interaction.
    """
    from nilearn import plotting as nplt

    owner = "plot_glass_interaction"
    if not isinstance(graph, nx.Graph):
        graph = feature_interaction_network(graph)
    nodes = list(graph.nodes)
    missing = [n for n in nodes if not {"x", "y", "z"} <= set(graph.nodes[n])]
    if not nodes or missing:
        raise ValueError(f"The 'graph' argument of {owner} must have nodes with 'x', 'y', 'z' "
                         f"coordinates (as from feature_interaction_network); missing for "
                         f"{missing[:5] or 'an empty graph'}.")
    coords = np.array([[graph.nodes[n][c] for c in "xyz"] for n in nodes], dtype=np.float64)
    matrix = nx.to_numpy_array(graph, nodelist=nodes, weight=weight, nonedge=0.0)
    community = [graph.nodes[n].get("community", 0) for n in nodes]
    colors = [COMMUNITY_COLORS[int(c) % len(COMMUNITY_COLORS)] for c in community]
    share = np.array([graph.nodes[n].get("proportion", 1.0 / len(nodes)) for n in nodes])
    sizes = 10.0 + 90.0 * share / max(float(share.max()), 1e-12)
    vmax = float(matrix.max()) if matrix.size and matrix.max() > 0 else 1.0
    drawn = _edges_drawn(matrix, edge_threshold, owner)
    with figure_style():
        fig = _glass_figure(width, height_mm, display_mode, owner)
        display = nplt.plot_connectome(
            matrix if drawn else np.zeros_like(matrix), coords, node_color=colors,
            node_size=sizes, edge_cmap=STRENGTH_CMAP, edge_vmin=0.0, edge_vmax=vmax,
            edge_threshold=edge_threshold if drawn else None,
            display_mode=display_mode, figure=fig, axes=_GLASS_RECT,
            # nilearn's colour bar needs at least one drawn edge (it fails without one).
            colorbar=drawn > 0, alpha=0.9, annotate=True,
        )
        if label_nodes:
            _label_axial(display, nodes, coords)
        kept = f"strongest edges (> {edge_threshold})" if isinstance(edge_threshold, str) \
            else f"edges > {edge_threshold:g}"
        if drawn == 0:
            kept = ("no edges: no spikes passed between the channels' neurons"
                    if not np.any(matrix) else f"no edge reaches the threshold {edge_threshold}")
        if title and drawn == 0:  # a caller's title must not hide why the brain is empty
            title = f"{title}\n({kept})"
        fig.suptitle(title or f"Feature interaction network, {kept}\n"
                              "edge colour and width: interaction; node colour: community; "
                              "node size: share of neurons", fontsize=7.0, y=0.99)
    return finish(fig, path, formats, dpi)
