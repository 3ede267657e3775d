"""The model next to its ablation controls and the baselines, fold by fold."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neucube.plotting.style import NEUTRAL, OKABE_ITO, figure_style, finish, new_figure

__all__ = ["plot_fold_scores"]

_METRIC_LABELS = {"accuracy": "accuracy", "balanced_accuracy": "balanced accuracy",
                  "roc_auc": "ROC-AUC"}


def _short(name: str, model_name: str) -> str:
    """Model rows without the model's name in front (``"neucube (no STDP)"`` -> ``"no STDP"``)."""
    if name == model_name:
        return "NeuCube" if name == "neucube" else name
    prefix = model_name + " ("
    return name[len(prefix):-1] if name.startswith(prefix) and name.endswith(")") else name


def plot_fold_scores(
    result: Any,
    *,
    metric: str = "accuracy",
    chance: float | None = None,
    ax: Any = None,
    width: str | float = "double",
    height_mm: float | None = 70.0,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """Per-fold scores of the model, its ablation controls and the baselines, paired by fold.

    One column per model: the NeuCube model, its ablations (encoder only, no STDP), the
    baselines and the shuffled-label control. Each fold (seed x fold) is a grey line through
    its scores, so a comparison fold by fold reads as the slope between two columns (the
    shuffled-label control, split after permuting the labels, is not joined); the mean over
    folds is a black bar.

    Parameters
    ----------
    result : EvaluationResult
        From :func:`neucube.evaluation.evaluate` (or a study run).
    metric : {"accuracy", "balanced_accuracy", "roc_auc"}
        Score drawn.
    chance : float, optional
        Chance level (dashed line); default the majority-class share of the test trials for
        accuracy, 0.5 for ROC-AUC and balanced accuracy.
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.
    width, height_mm, title : figure size and title.
    path, formats, dpi : saving (see :func:`~neucube.plotting.save_figure`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    owner = "plot_fold_scores"
    if metric not in _METRIC_LABELS:
        raise ValueError(f"The 'metric' argument of {owner} must be one of "
                         f"{', '.join(map(repr, _METRIC_LABELS))}; got {metric!r}.")
    if not hasattr(result, "folds") or not hasattr(result, "model_name"):
        raise TypeError(f"The 'result' argument of {owner} must be an EvaluationResult; got "
                        f"{type(result).__name__}.")
    folds = result.folds
    model = result.model_name
    ablations = list(getattr(result, "ablations", {}).values())
    present = list(dict.fromkeys(folds["model"]))
    controls = [m for m in present if m not in (model, *ablations, *result.baselines)]
    order = [m for m in (model, *ablations, *result.baselines, *controls) if m in present]
    keys = ["seed", "fold", "subject"]
    table = folds.pivot_table(index=keys, columns="model", values=metric, aggfunc="first")
    table = table.reindex(columns=order)
    colors = {model: OKABE_ITO["blue"]}
    colors.update({a: c for a, c in zip(ablations, (OKABE_ITO["vermillion"],
                                                     OKABE_ITO["bluish_green"]), strict=False)})
    colors.update({b: OKABE_ITO["orange"] for b in result.baselines})
    colors.update({c: NEUTRAL for c in controls})
    if chance is None:
        if metric == "accuracy":
            mine = result.predictions[result.predictions["model"] == model]["y_true"]
            chance = float(mine.value_counts(normalize=True).max())
        else:
            chance = 0.5
    x = np.arange(len(order))
    values = table.to_numpy(dtype=np.float64)
    with figure_style():
        if ax is None:
            fig = new_figure(width, height_mm)
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        # Each fold keeps one horizontal offset in every column, so its line meets its points.
        offset = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else np.zeros(1)
        paired = len(order) - len(controls)  # the shuffled-label folds are other splits
        for row, dx in zip(values, offset, strict=True):
            ok = np.isfinite(row[:paired])
            ax.plot(x[:paired][ok] + dx, row[:paired][ok], color="0.82", lw=0.5, zorder=1)
        for j, name in enumerate(order):
            col = values[:, j]
            ok = np.isfinite(col)
            ax.scatter(x[j] + offset[ok], col[ok], s=12, color=colors[name], zorder=2,
                       edgecolors="white", linewidths=0.3)
            if ok.any():
                mean = float(col[ok].mean())
                ax.plot([x[j] - 0.28, x[j] + 0.28], [mean, mean], color="black", lw=1.2,
                        zorder=3)
        ax.axhline(chance, color=NEUTRAL, ls="--", lw=0.8, zorder=0, label="chance")
        labels = [_short(m, model) for m in order]
        ax.set_xticks(x, labels, rotation=30, ha="right")
        ax.set_xlim(-0.5, len(order) - 0.5)
        ax.set_ylim(0, 1.02)
        ax.set_ylabel(_METRIC_LABELS[metric])
        ax.legend(loc="lower left")
        n = len(values)
        label = _METRIC_LABELS[metric]
        ax.set_title(title or f"{label[0].upper() + label[1:]} per fold ({n} folds, "
                              f"{result.scheme}): model, ablations, baselines, control")
    return finish(fig, path, formats, dpi)
