"""How well a model classifies: confusion matrix, and accuracy over time from early prediction."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neucube.model_names import plain_name
from neucube.plotting.style import (
    CATEGORICAL,
    MM_PER_INCH,
    NEUTRAL,
    OKABE_ITO,
    figure_style,
    finish,
    new_figure,
)

__all__ = ["plot_confusion_matrix", "plot_accuracy_over_time", "early_times"]


def plot_confusion_matrix(
    result: Any,
    class_names: Sequence[str] | None = None,
    *,
    model: str | None = None,
    normalize: bool = True,
    ax: Any = None,
    width: str | float = "single",
    height_mm: float | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """Confusion matrix, rows = true class, with counts and row percentages.

    Parameters
    ----------
    result : EvaluationResult or array-like of shape (n_classes, n_classes)
        An :class:`~neucube.evaluation.EvaluationResult` (the matrix of ``model``, summed over
        folds and seeds) or a matrix of counts.
    class_names : sequence of str, optional
        Class names (taken from the result by default).
    model : str, optional
        Which model of the result (default its main model; a baseline name also works).
    normalize : bool, default=True
        Colour by row share (recall); counts are printed either way.
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.
    width, height_mm, title : figure size and title.
    path, formats, dpi : saving (see :func:`~neucube.plotting.save_figure`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    owner = "plot_confusion_matrix"
    name = None
    if hasattr(result, "confusion") and hasattr(result, "class_names"):
        name = model or result.model_name
        matrix = np.asarray(result.confusion(name), dtype=np.float64)
        class_names = list(result.class_names) if class_names is None else class_names
    else:
        matrix = np.asarray(result, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or matrix.shape[0] < 1 \
            or not np.all(np.isfinite(matrix)) or np.any(matrix < 0):
        raise ValueError(f"The 'result' argument of {owner} must be an EvaluationResult or a "
                         f"square matrix of non-negative counts; got shape {matrix.shape}.")
    k = matrix.shape[0]
    names = [str(c) for c in (class_names if class_names is not None else range(k))]
    if len(names) != k:
        raise ValueError(f"The 'class_names' argument of {owner} must have {k} names; got "
                         f"{len(names)}.")
    rows = matrix.sum(axis=1, keepdims=True)
    share = np.divide(matrix, rows, out=np.zeros_like(matrix), where=rows > 0)
    shown = share if normalize else matrix
    with figure_style():
        if ax is None:
            fig = new_figure(width, height_mm if height_mm is not None else
                             min(150.0, 38.0 + 12.0 * k))
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalize else None)
        for i in range(k):
            for j in range(k):
                dark = shown[i, j] > (0.55 if normalize else 0.55 * shown.max())
                ax.text(j, i, f"{int(round(matrix[i, j]))}\n{100 * share[i, j]:.0f}%",
                        ha="center", va="center", fontsize=6,
                        color="white" if dark else "black")
        ax.set_xticks(range(k), names, rotation=30 if max(map(len, names)) > 6 else 0,
                      ha="right" if max(map(len, names)) > 6 else "center")
        ax.set_yticks(range(k), names)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        ax.spines[:].set_visible(False)
        ax.tick_params(length=0)
        cbar = fig.colorbar(image, ax=ax, shrink=0.8, aspect=15)
        cbar.set_label("share of true class" if normalize else "trials")
        cbar.outline.set_linewidth(0.4)
        accuracy = np.trace(matrix) / matrix.sum() if matrix.sum() else float("nan")
        if title is None:
            # The model in words (a baseline's can be long: wrapped to the figure's width).
            title = f"accuracy {100 * accuracy:.1f}% (n = {int(matrix.sum())})"
            if name:
                chars = max(int(fig.get_figwidth() * MM_PER_INCH / 1.8), 20)
                title = textwrap.fill(f"{plain_name(name, result.model_name)}: {title}", chars,
                                      break_long_words=False)
        ax.set_title(title)
    return finish(fig, path, formats, dpi)


def early_times(fractions: Any, n_steps: int, sfreq: float, tmin: float = 0.0) -> np.ndarray:
    """Time (s) of the last sample each early-prediction fraction uses.

    A fraction ``f`` uses ``stop = ceil(f * n_steps)`` steps (at least 1), i.e. samples up to
    ``tmin + (stop - 1) / sfreq``, as in :meth:`DeSNNClassifier.early_predict_curve`.
    """
    fractions = np.asarray(fractions, dtype=np.float64)
    stops = np.maximum(1, np.ceil(np.round(fractions * n_steps, 9))).astype(int)
    return tmin + (stops - 1) / float(sfreq)


def plot_accuracy_over_time(
    fractions: Any,
    accuracy: Any,
    *,
    n_steps: int | None = None,
    sfreq: float | None = None,
    tmin: float = 0.0,
    chance: float | None = None,
    baselines: Mapping[str, Any] | None = None,
    label: str = "NeuCube (early prediction)",
    ax: Any = None,
    width: str | float = "single",
    height_mm: float | None = 85.0,
    title: str | None = "Accuracy over time",
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """Accuracy of predictions made from the first part of each trial.

    Parameters
    ----------
    fractions : array-like of shape (n_points,)
        Fractions of the trial in (0, 1], as given to ``early_predict_curve``.
    accuracy : array-like of shape (n_points,) or (n_repeats, n_points)
        Accuracy at each fraction; several rows (folds, seeds) are drawn as mean ± SD.
    n_steps, sfreq, tmin : optional
        Steps per trial, sampling rate (Hz) and start time (s): with all of them the x axis is
        the time of the last sample used (see :func:`early_times`), else the trial fraction.
    chance : float, optional
        Chance level (dashed grey line), e.g. the majority-class share.
    baselines : mapping of str to float or array-like, optional
        Other models: a number is drawn as a horizontal line (its full-trial accuracy), an
        array of ``n_points`` values as a curve.
    label : str
        Legend label of ``accuracy``.
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.
    width, height_mm, title : figure size and title.
    path, formats, dpi : saving (see :func:`~neucube.plotting.save_figure`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    owner = "plot_accuracy_over_time"
    f = np.asarray(fractions, dtype=np.float64)
    acc = np.asarray(accuracy, dtype=np.float64)
    if f.ndim != 1 or f.size == 0 or np.any((f <= 0) | (f > 1)):
        raise ValueError(f"The 'fractions' argument of {owner} must be a non-empty 1-D array "
                         f"of values in (0, 1]; got {np.asarray(fractions).tolist()!r}.")
    if acc.ndim not in (1, 2) or acc.shape[-1] != f.size:
        raise ValueError(f"The 'accuracy' argument of {owner} must have shape ({f.size},) or "
                         f"(n_repeats, {f.size}); got {acc.shape}.")
    if sfreq is not None and n_steps is not None:
        x = early_times(f, int(n_steps), sfreq, tmin)
        xlabel = "end of the data used (s)"
    else:
        x = 100 * f
        xlabel = "part of the trial used (%)"
    mean = acc if acc.ndim == 1 else acc.mean(axis=0)
    with figure_style():
        if ax is None:
            fig = new_figure(width, height_mm)
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        ax.plot(x, mean, color=OKABE_ITO["blue"], marker="o", ms=2.5, lw=1.2, label=label,
                zorder=3)
        if acc.ndim == 2 and acc.shape[0] > 1:
            sd = acc.std(axis=0, ddof=1)
            ax.fill_between(x, mean - sd, mean + sd, color=OKABE_ITO["blue"], alpha=0.2,
                            linewidth=0, label="± SD")
        palette = [c for c in CATEGORICAL if c != OKABE_ITO["blue"]]
        for k, (name, value) in enumerate((baselines or {}).items()):
            color = palette[k % len(palette)]
            v = np.asarray(value, dtype=np.float64)
            if v.ndim == 0:
                ax.axhline(float(v), color=color, lw=0.9, ls="-.", label=f"{name} (full trial)")
            elif v.shape == (f.size,):
                ax.plot(x, v, color=color, marker="s", ms=2, lw=0.9, label=name)
            else:
                raise ValueError(f"Baseline {name!r} of {owner} must be a number or {f.size} "
                                 f"values; got shape {v.shape}.")
        if chance is not None:
            ax.axhline(float(chance), color=NEUTRAL, ls="--", lw=0.9, label="chance")
        if sfreq is not None and n_steps is not None and x[0] < 0 < x[-1]:
            ax.axvline(0.0, color="0.75", lw=0.5, ls=":", zorder=0)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("accuracy")
        # Below the axes: inside, the legend covered the curve it explains.
        handles, labels = ax.get_legend_handles_labels()
        if fig.get_layout_engine() is not None and ax is fig.axes[0] and len(fig.axes) == 1:
            # Two columns on a wide figure, so the legend does not take half its height.
            wide = fig.get_figwidth() * MM_PER_INCH > 120
            fig.legend(handles, labels, loc="outside lower center", ncol=2 if wide else 1,
                       frameon=False)
        else:
            ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.22), ncol=1, frameon=False)
        if title:
            ax.set_title(title)
    return finish(fig, path, formats, dpi)
