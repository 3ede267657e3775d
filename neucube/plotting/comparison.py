"""The model next to its ablation controls and the baselines, fold by fold."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from neucube.model_names import plain_name
from neucube.plotting.style import MM_PER_INCH, NEUTRAL, OKABE_ITO, figure_style, finish, new_figure

__all__ = ["plot_fold_scores"]

_METRIC_LABELS = {"accuracy": "accuracy", "balanced_accuracy": "balanced accuracy",
                  "roc_auc": "ROC-AUC"}


#: Cross-validation schemes of :data:`neucube.evaluation.SCHEMES` as a title says them.
_SCHEME_WORDS = {"stratified": "stratified folds", "loso": "leave-one-subject-out folds",
                 "per_subject": "stratified folds within each subject"}


def _tick_label(name: str, model_name: str, chars: int) -> str:
    """The plain name of a model column (:func:`neucube.model_names.plain_name`), wrapped to
    lines of about ``chars`` characters so that neighbouring labels do not overlap."""
    return textwrap.fill(plain_name(name, model_name), width=max(chars, 8),
                         break_long_words=False)


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
        # Plain names as tick labels: below the columns, wrapped to a column's width (6.5 pt
        # text: ~1.4 mm a character); when the columns are too narrow for that, the models
        # become rows with their names on the left.
        column_mm = fig.get_figwidth() * MM_PER_INCH * 0.9 / max(len(order), 1)
        rows = column_mm < 12

        def xy(pos: Any, value: Any) -> tuple[Any, Any]:
            return (value, pos) if rows else (pos, value)

        # Each fold keeps one offset in every column, so its line meets its points.
        offset = np.linspace(-0.12, 0.12, len(values)) if len(values) > 1 else np.zeros(1)
        paired = len(order) - len(controls)  # the shuffled-label folds are other splits
        for row, dx in zip(values, offset, strict=True):
            ok = np.isfinite(row[:paired])
            ax.plot(*xy(x[:paired][ok] + dx, row[:paired][ok]), color="0.82", lw=0.5, zorder=1)
        for j, name in enumerate(order):
            col = values[:, j]
            ok = np.isfinite(col)
            ax.scatter(*xy(x[j] + offset[ok], col[ok]), s=12, color=colors[name], zorder=2,
                       edgecolors="white", linewidths=0.3)
            if ok.any():
                mean = float(col[ok].mean())
                ax.plot(*xy([x[j] - 0.28, x[j] + 0.28], [mean, mean]), color="black", lw=1.2,
                        zorder=3)
        if rows:
            ax.axvline(chance, color=NEUTRAL, ls="--", lw=0.8, zorder=0, label="chance")
            ax.set_yticks(x, [_tick_label(m, model, 30) for m in order])
            ax.set_ylim(len(order) - 0.5, -0.5)  # the model on top
            ax.set_xlim(0, 1.02)
            ax.set_xlabel(_METRIC_LABELS[metric])
            ax.legend(loc="best")
        else:
            ax.axhline(chance, color=NEUTRAL, ls="--", lw=0.8, zorder=0, label="chance")
            ax.set_xticks(x, [_tick_label(m, model, int(column_mm / 1.4)) for m in order])
            ax.set_xlim(-0.5, len(order) - 0.5)
            ax.set_ylim(0, 1.02)
            ax.set_ylabel(_METRIC_LABELS[metric])
            ax.legend(loc="lower left")
        n = len(values)
        label = _METRIC_LABELS[metric]
        scheme = _SCHEME_WORDS.get(result.scheme, result.scheme)
        title = title or f"{label[0].upper() + label[1:]} per fold ({n} {scheme})"
        if rows and fig.axes == [ax]:
            fig.suptitle(title, fontsize="medium")  # over the names too, not cut off
        else:
            ax.set_title(title)
    return finish(fig, path, formats, dpi)
