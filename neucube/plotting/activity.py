"""Class-difference activity map: per-neuron firing difference between two classes, on the brain.

The difference comes from :func:`~neucube.analysis.class_activity` (optionally within a time
window, e.g. familiar minus unfamiliar at 0.15-0.25 s). On the brain template it is drawn on a
glass brain with nilearn's ``plot_markers``; otherwise as a 3-D scatter. Blue is more firing in
the first class, red more in the second; marker size grows with ``|difference|``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neucube._validation import check_number
from neucube.analysis._source import resolve_cube
from neucube.analysis.activity import ClassActivity
from neucube.plotting._common import format_window, glass_brain_ok
from neucube.plotting.style import (
    DIVERGING_CMAP,
    INPUT_COLOR,
    figure_size,
    figure_style,
    finish,
    new_figure,
)

__all__ = ["plot_class_difference"]


def _describe(activity: ClassActivity, a: Any, b: Any) -> str:
    when = "whole trial" if activity.window is None else format_window(*activity.window)
    return f"{a} − {b}, {when}"


def plot_class_difference(
    model: Any,
    activity: ClassActivity,
    *,
    a: Any = None,
    b: Any = None,
    kind: str = "auto",
    threshold: float = 0.0,
    width: str | float | None = None,
    height_mm: float | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """Per-neuron firing difference between two classes, projected on the brain.

    Parameters
    ----------
    model : NeuCubeClassifier, Reservoir or CubeNetwork
        The cube (for neuron positions).
    activity : ClassActivity
        From :func:`~neucube.analysis.class_activity` (its ``window`` appears in the title).
    a, b : class labels, optional
        Draw ``rate(a) - rate(b)``; default the first minus the second class.
    kind : {"auto", "glass", "3d"}, default="auto"
        Glass brain (MNI brain template; "auto" picks it for the brain template) or 3-D scatter.
    threshold : float, default=0.0
        Draw neurons with ``|difference| > threshold`` only.
    width, height_mm, title : figure size and title; the default width is a double column for
        the glass brain and 120 mm for the 3-D view.
    path, formats, dpi : saving (see :func:`~neucube.plotting.save_figure`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    owner = "plot_class_difference"
    if not isinstance(activity, ClassActivity):
        raise TypeError(f"The 'activity' argument of {owner} must be a ClassActivity (from "
                        f"class_activity); got {type(activity).__name__}.")
    threshold = check_number("threshold", threshold, low=0.0, owner=owner)
    source = resolve_cube(model, owner=owner)
    if activity.rates.shape[1] != source.n_neurons:
        raise ValueError(f"The 'activity' argument of {owner} has {activity.rates.shape[1]} "
                         f"neurons but the model's cube has {source.n_neurons}.")
    glass = glass_brain_ok(source, kind, owner)
    if a is None or b is None:
        others = [c for c in activity.classes if str(c) != str(a)]
        a = activity.classes[0] if a is None else a
        b = next(c for c in others if str(c) != str(a)) if b is None else b
    diff = activity.difference(a, b)
    shown = np.flatnonzero(np.abs(diff) > threshold)
    shown = shown[np.argsort(np.abs(diff[shown]), kind="stable")]  # largest drawn on top
    pos = source.final.positions
    vmax = float(np.abs(diff).max()) or 1.0
    label = f"{_describe(activity, a, b)} ({activity.unit})"
    heading = title or f"Firing difference {label}: {shown.size} neurons differ"

    with figure_style():
        if glass:
            from nilearn import plotting as nplt

            fig = Figure(figsize=figure_size(width or "double", height_mm or 62.0),
                         layout="none")
            values = diff[shown]
            sizes = 4.0 + 36.0 * np.abs(values) / vmax
            if shown.size == 0:  # nilearn needs a node; draw the input neurons at 0 instead
                shown = source.final.input_neurons[:, 0]
                values, sizes = np.zeros(shown.size), np.full(shown.size, 4.0)
            nplt.plot_markers(values, pos[shown], node_size=sizes, node_cmap=DIVERGING_CMAP,
                              node_vmin=-vmax, node_vmax=vmax, display_mode="ortho",
                              figure=fig, axes=(0.0, 0.0, 1.0, 0.88), alpha=0.9,
                              colorbar=True, annotate=True,
                              node_kwargs={"edgecolors": "0.3", "linewidths": 0.2})
            fig.suptitle(heading, fontsize=7.0, y=0.99)
        else:
            # Constrained layout leaves a 3-D axes small and off-centre: place it by hand.
            fig = new_figure(width or 120.0, height_mm or 95.0, layout="none")
            ax = fig.add_axes((0.0, 0.02, 0.84, 0.9), projection="3d")
            ax.scatter(*pos.T, s=0.5, c="0.8", alpha=0.3, linewidths=0, depthshade=False)
            art = ax.scatter(*pos[shown].T, c=diff[shown], cmap=DIVERGING_CMAP, vmin=-vmax,
                             vmax=vmax, s=4.0 + 30.0 * np.abs(diff[shown]) / vmax,
                             edgecolors="0.3", linewidths=0.2, depthshade=False)
            inputs = pos[source.final.input_neurons[:, 0]]
            ax.scatter(*inputs.T, s=10, facecolors="none", edgecolors=INPUT_COLOR,
                       linewidths=0.8, depthshade=False)
            ax.set_box_aspect(np.maximum(np.ptp(pos, axis=0), 1e-9), zoom=0.88)
            ax.set_xlabel("x (mm)")
            ax.set_ylabel("y (mm)")
            ax.set_zlabel("z (mm)")
            cbar = fig.colorbar(art, cax=fig.add_axes((0.87, 0.22, 0.015, 0.56)))
            cbar.set_label(f"{a} − {b} ({activity.unit})")
            fig.suptitle(heading, fontsize=7.0, y=0.99)
    return finish(fig, path, formats, dpi)
