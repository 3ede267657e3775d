"""What the model used: channel x time importance maps, topographies and neuron importance."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neucube.plotting.style import (
    SEQUENTIAL_CMAP,
    figure_size,
    figure_style,
    finish,
    new_figure,
)

__all__ = ["plot_importance_map", "plot_importance_topomaps", "plot_neuron_importance",
           "importance_label"]


def importance_label(result: Any) -> str:
    """Axis/colour-bar label of an importance result (what the numbers are)."""
    what = "p(true class)" if result.scoring == "probability" else "accuracy"
    return f"drop in {what} when shuffled"


def _check_result(result: Any, owner: str) -> None:
    if not all(hasattr(result, a) for a in ("importance", "significant", "windows_s")):
        raise TypeError(f"{owner} 'result': expected a ChannelTimeImportance; found "
                        f"{type(result).__name__}.")


def plot_importance_map(
    result: Any,
    *,
    ax: Any = None,
    width: str | float = "single",
    height_mm: float | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """Channel x time heat map of importance; FDR-significant cells are marked with a dot.

    Parameters
    ----------
    result : ChannelTimeImportance
    ax : matplotlib Axes, optional
    width, height_mm, title : figure size and title.
    path, formats, dpi : saving (see :func:`~neucube.plotting.save_figure`).
    """
    owner = "plot_importance_map"
    _check_result(result, owner)
    imp = np.asarray(result.importance)
    edges = np.concatenate([result.windows_s[:, 0], result.windows_s[-1:, 1]])
    unit = "s" if result.sfreq else "samples"
    vmax = float(max(np.abs(imp).max(), 1e-12))
    with figure_style():
        if ax is None:
            fig = new_figure(width, height_mm or max(45.0, 12.0 + 4.2 * result.n_channels))
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        mesh = ax.pcolormesh(edges, np.arange(result.n_channels + 1), imp, cmap="RdBu_r",
                             vmin=-vmax, vmax=vmax, shading="flat")
        rows, cols = np.nonzero(result.significant)
        centres = result.centres_s
        ax.scatter(centres[cols], rows + 0.5, s=6, c="k", marker="o", linewidths=0,
                   label=f"q <= {result.alpha:g} (BH)")
        ax.set_yticks(np.arange(result.n_channels) + 0.5)
        ax.set_yticklabels(result.ch_names, fontsize=5.5 if result.n_channels > 12 else 6.5)
        ax.invert_yaxis()
        ax.set_xlabel(f"time window ({unit})")
        cbar = fig.colorbar(mesh, ax=ax, shrink=0.9)
        cbar.set_label(importance_label(result))
        n_sig = int(result.significant.sum())
        ax.set_title(title or f"What the model used ({result.n_trials} test trials)\n"
                              f"dots: {n_sig} of {imp.size} cells significant (FDR "
                              f"{result.alpha:g})",
                     fontsize=6.5)
    return finish(fig, path, formats, dpi)


def plot_importance_topomaps(
    result: Any,
    info: Any = None,
    *,
    windows: Sequence[int] | None = None,
    width: str | float = "double",
    height_mm: float | None = 40.0,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """Scalp maps of importance, one per time window (MNE's ``plot_topomap``).

    Significant channels are marked. Needs channel positions: ``info`` with a montage, or
    MNI coordinates in the result.
    """
    import mne

    owner = "plot_importance_topomaps"
    _check_result(result, owner)
    evoked = result.to_evoked(info)
    idx = list(range(result.n_windows)) if windows is None else [int(w) for w in windows]
    vmax = float(max(np.abs(result.importance).max(), 1e-12))
    with figure_style():
        fig = Figure(figsize=figure_size(width, height_mm), layout="constrained")
        axes = fig.subplots(1, len(idx) + 1, gridspec_kw={"width_ratios": [1] * len(idx) + [0.08]})
        im = None
        for ax, w in zip(axes[:-1], idx, strict=True):
            mask = np.asarray(result.significant[:, w])
            im, _ = mne.viz.plot_topomap(
                result.importance[:, w], evoked.info, axes=ax, show=False, cmap="RdBu_r",
                vlim=(-vmax, vmax), mask=mask, contours=0, sensors=True,
                mask_params=dict(marker="o", markerfacecolor="k", markeredgecolor="k",
                                 markersize=3))
            start, stop = result.windows_s[w]
            ax.set_title(f"{1000 * start:.0f}-{1000 * stop:.0f} ms", fontsize=6)
        cbar = fig.colorbar(im, cax=axes[-1])
        cbar.set_label(importance_label(result), fontsize=5.5)
        fig.suptitle(title or "Importance per time window (black: FDR-significant channel)",
                     fontsize=7)
    return finish(fig, path, formats, dpi)


def plot_neuron_importance(
    result: Any,
    *,
    display_mode: str = "ortho",
    width: str | float = "double",
    height_mm: float | None = 62.0,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """Glass brain of the importance of groups of cube neurons for the readout (MNI cube only).

    One marker per group at its mean position; colour and size grow with importance.
    """
    from nilearn import plotting as nplt

    if not hasattr(result, "centres"):
        raise TypeError("plot_neuron_importance 'result': expected a NeuronImportance; found "
                        f"{type(result).__name__}.")
    values = np.asarray(result.importance, dtype=np.float64)
    vmax = float(max(values.max(), 1e-12))
    sizes = 4.0 + 40.0 * np.clip(values, 0, None) / vmax
    with figure_style():
        fig = Figure(figsize=figure_size(width, height_mm), layout="none")
        nplt.plot_markers(values, result.centres, node_size=sizes, node_cmap=SEQUENTIAL_CMAP,
                          node_vmin=min(0.0, float(values.min())), node_vmax=vmax,
                          display_mode=display_mode, figure=fig, axes=(0.0, 0.05, 0.9, 0.8),
                          colorbar=True, title=None, annotate=True)
        n_sig = int(result.significant.sum())
        fig.suptitle(title or f"Neuron groups the readout relies on ({values.size} groups, "
                              f"{n_sig} FDR-significant)\ndrop in p(true class) when a group's "
                              "spikes are swapped between test trials", fontsize=6.5, y=0.99)
    return finish(fig, path, formats, dpi)
