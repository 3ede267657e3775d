"""Spike raster of one trial: every spike of every (active) neuron, input neurons marked."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neucube._validation import check_option
from neucube.analysis._source import resolve_cube
from neucube.cube.raster import SpikeRaster
from neucube.plotting._common import time_axis
from neucube.plotting.style import INPUT_COLOR, figure_style, finish, new_figure

__all__ = ["plot_spike_raster", "RASTER_ORDERS"]

#: How neurons are ordered on the y axis.
RASTER_ORDERS = ("first_spike", "position", "cluster", "index")

_ORDER_LABEL = {
    "first_spike": "sorted by first spike",
    "position": "sorted posterior to anterior",
    "cluster": "sorted by input cluster",
    "index": "by index",
}


def _neuron_order(raster: SpikeRaster, trial: int, order: str, positions: np.ndarray | None,
                  clusters: np.ndarray | None, owner: str) -> np.ndarray:
    first = raster[trial].first_spike_times()[0].astype(np.float64)
    first[first < 0] = np.inf  # silent neurons last
    idx = np.arange(raster.n_neurons)
    if order == "first_spike":
        return np.lexsort((idx, first))
    if order == "position":
        if positions is None:
            raise ValueError(f"{owner}: order='position' needs model=... (neuron positions).")
        return np.lexsort((idx, positions[:, 0], positions[:, 2], positions[:, 1]))
    if order == "cluster":
        if clusters is None:
            raise ValueError(f"{owner}: order='cluster' needs clusters=... (labels from "
                             "neuron_clusters).")
        clusters = np.asarray(clusters)
        if clusters.shape != (raster.n_neurons,):
            raise ValueError(f"The 'clusters' argument of {owner} must hold one label per "
                             f"neuron ({raster.n_neurons}); got shape {clusters.shape}.")
        return np.lexsort((idx, first, np.where(clusters < 0, np.iinfo(np.int64).max, clusters)))
    return idx


def plot_spike_raster(
    raster: SpikeRaster,
    trial: int = 0,
    *,
    model: Any = None,
    order: str = "first_spike",
    clusters: Any = None,
    active_only: bool = True,
    sfreq: float | None = None,
    tmin: float | None = None,
    ax: Any = None,
    width: str | float = "single",
    height_mm: float | None = 70.0,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """Spike raster of one trial of the cube.

    Parameters
    ----------
    raster : SpikeRaster
        Spikes (e.g. ``model.raster(trials)``).
    trial : int, default=0
        The trial to draw.
    model : NeuCubeClassifier, Reservoir or CubeNetwork, optional
        The cube: marks input neurons (orange, drawn at the top) and gives positions for
        ``order="position"``; a model also supplies ``sfreq``/``tmin``.
    order : {"first_spike", "position", "cluster", "index"}, default="first_spike"
        Order of the non-input neurons: by their first spike in the trial, posterior to
        anterior (MNI y), by ``clusters`` (then first spike), or by index.
    clusters : array-like of int, shape (n_neurons,), optional
        Cluster labels for ``order="cluster"``.
    active_only : bool, default=True
        Leave out neurons that do not spike in this trial (their rows would be empty).
    sfreq, tmin : float, optional
        Sampling rate (Hz) and time of step 0 (s), for a time axis in seconds.
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.
    width, height_mm, title : figure size and title.
    path, formats, dpi : saving (see :func:`~neucube.plotting.save_figure`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    owner = "plot_spike_raster"
    if not isinstance(raster, SpikeRaster):
        raise TypeError(f"The 'raster' argument of {owner} must be a SpikeRaster; got "
                        f"{type(raster).__name__}.")
    check_option("order", order, RASTER_ORDERS, owner=owner)
    steps, neurons = raster.trial(trial)  # raises IndexError for a trial out of range
    trial = int(trial) % raster.n_trials
    positions = inputs = None
    if model is not None:
        source = resolve_cube(model, owner=owner)
        if source.n_neurons != raster.n_neurons:
            raise ValueError(f"The 'raster' argument of {owner} has {raster.n_neurons} neurons "
                             f"but the model's cube has {source.n_neurons}.")
        positions = source.final.positions
        inputs = source.final.input_neurons.ravel()
        sfreq = getattr(model, "sfreq_", None) if sfreq is None else sfreq
        tmin = getattr(model, "tmin_", None) if tmin is None else tmin

    rank = _neuron_order(raster, trial, order, positions, clusters, owner)
    is_input = np.zeros(raster.n_neurons, dtype=bool)
    if inputs is not None:
        is_input[inputs] = True
        # Input neurons first (top rows), in channel order (+ then -), then the rest.
        rank = np.concatenate([inputs, rank[~is_input[rank]]])
    if active_only:
        active = np.zeros(raster.n_neurons, dtype=bool)
        active[neurons] = True
        active |= is_input
        rank = rank[active[rank]]
    row = np.full(raster.n_neurons, -1, dtype=np.int64)
    row[rank] = np.arange(rank.size)
    times, xlabel = time_axis(raster.n_steps, sfreq, tmin)
    dt = times[1] - times[0] if times.size > 1 else 1.0

    with figure_style():
        if ax is None:
            fig = new_figure(width, height_mm)
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        shown = row[neurons] >= 0
        t, r = times[steps[shown]], row[neurons[shown]]
        inp = is_input[neurons[shown]]
        ax.scatter(t[~inp], r[~inp], s=0.6, marker="s", c="black", linewidths=0,
                   rasterized=False)
        if np.any(inp):
            ax.scatter(t[inp], r[inp], s=0.9, marker="s", c=INPUT_COLOR, linewidths=0,
                       label="input neurons")
        n_inputs = int(is_input.sum())
        if n_inputs:
            ax.axhspan(-0.5, n_inputs - 0.5, color=INPUT_COLOR, alpha=0.12, linewidth=0)
            ax.text(times[-1] + dt, (n_inputs - 1) / 2, " inputs", color="black", va="center",
                    ha="left", fontsize=5.5, clip_on=False)
        if sfreq is not None and tmin is not None and times[0] < 0 < times[-1]:
            ax.axvline(0.0, color="0.5", lw=0.6, ls="--", zorder=0)
        ax.set_xlim(times[0] - dt / 2, times[-1] + dt / 2)
        ax.set_ylim(rank.size - 0.5, -0.5)  # first row at the top
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"neuron ({_ORDER_LABEL[order]})")
        ax.set_title(title or f"Spike raster, trial {trial}: {int(shown.sum())} spikes of "
                              f"{rank.size} neurons")
    return finish(fig, path, formats, dpi)
