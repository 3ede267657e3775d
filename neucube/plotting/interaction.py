"""Figures of channel-level results: the interaction network as a circular graph, neuron shares."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from neucube._validation import check_int, check_number, check_option
from neucube.analysis.interaction import feature_interaction_network
from neucube.plotting.style import (
    COMMUNITY_COLORS,
    NEUTRAL,
    OKABE_ITO,
    POSITIVE,
    STRENGTH_CMAP,
    figure_style,
    finish,
    new_figure,
)

__all__ = ["plot_interaction_circle", "plot_neuron_proportions", "PROPORTION_KINDS"]

#: Chart types of :func:`plot_neuron_proportions`.
PROPORTION_KINDS = ("bar", "pie")


def plot_interaction_circle(
    graph: Any,
    *,
    weight: str = "weight",
    max_linewidth: float = 5.0,
    min_fraction: float = 0.0,
    ax: Any = None,
    width: str | float = "single",
    height_mm: float | None = None,
    title: str | None = "Feature interaction network",
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """The feature interaction network as a circular graph, edge width proportional to ``I``.

    Parameters
    ----------
    graph : networkx.Graph, NeuCubeClassifier or Reservoir
        From :func:`~neucube.analysis.feature_interaction_network` (or a model to compute it
        from). Nodes are drawn in graph order (the channel order) clockwise from the top.
    weight : str, default="weight"
        Edge attribute for the width and colour.
    max_linewidth : float, default=5.0
        Width (points) of the strongest edge; widths are ``∝`` the interaction.
    min_fraction : float, default=0.0
        Leave out edges weaker than this fraction of the strongest, in [0, 1).
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.
    width, height_mm : figure size (journal column or mm, and mm); default square.
    title : str or None
        Axes title.
    path, formats, dpi : saving (see :func:`~neucube.plotting.save_figure`).

    Returns
    -------
    matplotlib.figure.Figure
        Node colour shows the community, node area the share of neurons.
    """
    owner = "plot_interaction_circle"
    max_linewidth = check_number("max_linewidth", max_linewidth, low=0.0, low_inclusive=False,
                                 owner=owner)
    min_fraction = check_number("min_fraction", min_fraction, low=0.0, high=1.0,
                                high_inclusive=False, owner=owner)
    if not isinstance(graph, nx.Graph):
        graph = feature_interaction_network(graph)
    nodes = list(graph.nodes)
    if not nodes:
        raise ValueError(f"The 'graph' argument of {owner} has no nodes.")
    n = len(nodes)
    angle = np.pi / 2 - 2 * np.pi * np.arange(n) / n  # clockwise from the top
    xy = np.column_stack([np.cos(angle), np.sin(angle)])
    where = {node: k for k, node in enumerate(nodes)}
    edges = [(where[u], where[v], float(d.get(weight, 0.0)))
             for u, v, d in graph.edges(data=True)]
    values = np.array([e[2] for e in edges]) if edges else np.zeros(0)
    w_max = float(values.max()) if values.size and values.max() > 0 else 1.0
    keep = np.flatnonzero(values >= min_fraction * w_max) if values.size else values.astype(int)
    keep = keep[np.argsort(values[keep], kind="stable")]  # strongest drawn last

    with figure_style():
        if ax is None:
            fig = new_figure(width, height_mm, aspect=1.0)
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        if keep.size:
            seg = np.stack([[xy[edges[k][0]], xy[edges[k][1]]] for k in keep])
            strength = values[keep] / w_max
            ax.add_collection(LineCollection(seg, linewidths=max_linewidth * strength,
                                             colors=STRENGTH_CMAP(strength), alpha=0.85,
                                             capstyle="round", zorder=1))
        community = [int(graph.nodes[v].get("community", 0)) for v in nodes]
        colour, legend = _community_colours(community)
        share = np.array([graph.nodes[v].get("proportion", 1.0 / n) for v in nodes], dtype=float)
        area = 12.0 + 110.0 * share / max(float(share.max()), 1e-12)
        ax.scatter(xy[:, 0], xy[:, 1], s=area, zorder=2, edgecolors="black", linewidths=0.4,
                   c=[colour[c] for c in community])
        # A light box, not a stroke path effect (which would turn the text into outlines).
        halo = {"boxstyle": "round,pad=0.05", "fc": "white", "ec": "none", "alpha": 0.7}
        for x, y, name in zip(xy[:, 0], xy[:, 1], nodes, strict=True):
            # Horizontal labels just outside the circle, anchored on the side facing it.
            ha = "left" if x > 0.2 else ("right" if x < -0.2 else "center")
            va = "bottom" if y > 0.2 else ("top" if y < -0.2 else "center")
            ax.text(1.12 * x, 1.12 * y, str(name), ha=ha, va=va, fontsize=6,
                    bbox=halo)
        ax.set_xlim(-1.4, 1.4)
        ax.set_ylim(-1.4, 1.32)
        ax.set_aspect("equal")
        ax.axis("off")
        what = graph.graph.get("weight", weight) if weight == "weight" else weight
        note = f"line width ∝ {what} interaction (max {w_max:.3g})"
        handles = [Line2D([], [], ls="none", marker="o", ms=4, mec="black", mew=0.4, mfc=fc,
                          label=label) for label, fc in legend]
        # Below the circle, outside it: in the corner the legend covered nodes and labels.
        ax.legend(handles=handles if len(set(community)) > 1 else [], title=note,
                  title_fontsize=5.5, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                  ncols=min(2, max(1, len(handles))), fontsize=5.5, handletextpad=0.2,
                  columnspacing=1.0, borderaxespad=0, frameon=False)
        if title:
            ax.set_title(title)
    return finish(fig, path, formats, dpi)


def _community_colours(community: Sequence[int]) -> tuple[dict[int, str], list[tuple[str, str]]]:
    """A colour per community and the legend's (label, colour) rows.

    Communities of two or more channels get the palette's colours in the order of their
    numbers (``community + 1`` in the legend); a palette colour is never reused (two
    communities in one colour read as one), so communities beyond the palette, and channels
    alone in their community, are grey, in one legend row.
    """
    sizes = pd.Series(community).value_counts(sort=False)
    groups = sorted(int(c) for c in sizes.index if sizes[c] > 1)
    colour = {int(c): NEUTRAL for c in sizes.index}
    legend = []
    for k, c in enumerate(groups[:len(COMMUNITY_COLORS)]):
        colour[c] = COMMUNITY_COLORS[k]
        legend.append((f"community {c + 1} ({sizes[c]} channels)", COMMUNITY_COLORS[k]))
    rest = len(groups) - len(COMMUNITY_COLORS)
    alone = int((sizes == 1).sum())
    grey = [f"{rest} more communities"] if rest > 0 else []
    grey += [f"{alone} channel{'s' if alone != 1 else ''} alone"] if alone else []
    if grey:
        legend.append((", ".join(grey), NEUTRAL))
    return colour, legend


#: Largest number of bars in the neuron-proportion chart (fits a journal page at 3.6 mm a bar).
_MAX_BARS = 60


def plot_neuron_proportions(
    proportions: Any,
    *,
    kind: str = "bar",
    max_slices: int = 7,
    sort: bool = True,
    ax: Any = None,
    width: str | float = "single",
    height_mm: float | None = None,
    title: str | None = "Neurons per input cluster",
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """Share of cube neurons in each input channel's cluster, as a bar or pie chart.

    Parameters
    ----------
    proportions : pandas.Series or mapping
        Channel name to share, e.g. from :func:`~neucube.analysis.neuron_proportions`.
    kind : {"bar", "pie"}, default="bar"
        A bar chart reads well for many channels; a pie (NeuCube's original chart) shows the
        ``max_slices`` largest clusters and groups the rest as "other".
    max_slices : int, default=7
        Largest clusters shown as pie slices (the colour-blind-safe palette has 7 + grey).
    sort : bool, default=True
        Order bars by share (largest on top); otherwise in the given order.
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.
    width, height_mm, title : figure size and title.
    path, formats, dpi : saving (see :func:`~neucube.plotting.save_figure`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    owner = "plot_neuron_proportions"
    check_option("kind", kind, PROPORTION_KINDS, owner=owner)
    max_slices = check_int("max_slices", max_slices, low=1, owner=owner)
    share = pd.Series(proportions, dtype=np.float64)
    if share.empty or not np.all(np.isfinite(share.to_numpy())) or (share < 0).any():
        raise ValueError(f"The 'proportions' argument of {owner} must be non-empty, finite and "
                         "non-negative shares per channel.")
    if kind == "bar" and len(share) > _MAX_BARS:
        # Many inputs (e.g. fMRI voxels): a page-high chart of the largest clusters, the rest
        # summed.
        ranked = share.sort_values(ascending=False)
        rest = ranked.iloc[_MAX_BARS - 1:]
        share = pd.concat([ranked.iloc[: _MAX_BARS - 1],
                           pd.Series({f"{len(rest)} others": float(rest.sum())})])
    with figure_style():
        if ax is None:
            if height_mm is None:
                height_mm = max(45.0, 3.6 * len(share) + 14.0) if kind == "bar" else 70.0
            fig = new_figure(width, height_mm)
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        if kind == "bar":
            data = share.sort_values(ascending=True) if sort else share.iloc[::-1]
            y = np.arange(len(data))
            ax.barh(y, 100 * data.to_numpy(), color=POSITIVE, height=0.72)
            ax.set_yticks(y, [str(i) for i in data.index])
            ax.set_xlabel("neurons in cluster (%)")
            ax.set_ylim(-0.6, len(data) - 0.4)
            for yi, v in zip(y, data.to_numpy(), strict=True):
                ax.text(100 * v, yi, f" {100 * v:.1f}", va="center", fontsize=5.5)
            ax.set_xlim(0, 100 * float(data.max()) * 1.18 if data.max() > 0 else 1)
            ax.tick_params(axis="y", length=0)
        else:
            data = share.sort_values(ascending=False)
            head = data.iloc[:max_slices]
            rest = float(data.iloc[max_slices:].sum())
            labels = [str(i) for i in head.index]
            values = list(head.to_numpy())
            palette = [OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "orange",
                                              "reddish_purple", "sky_blue", "yellow")]
            colors = [palette[k % len(palette)] for k in range(len(values))]
            if rest > 0:
                labels.append(f"other ({len(data) - max_slices})")
                values.append(rest)
                colors.append(NEUTRAL)
            ax.pie(values, labels=labels, colors=colors, autopct="%1.0f%%", pctdistance=0.75,
                   startangle=90, counterclock=False,
                   wedgeprops={"linewidth": 0.6, "edgecolor": "white"},
                   textprops={"fontsize": 6})
            ax.set_aspect("equal")
        if title:
            ax.set_title(title)
    return finish(fig, path, formats, dpi)
