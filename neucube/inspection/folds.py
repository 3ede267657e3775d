"""What the model used, fold by fold: per-fold importance and early curves, pooled.

Computed inside the cross-validation fit jobs (:func:`neucube.evaluation.jobs.run_job`) on each
test fold of the primary scheme's first seed, so every trial is explained once by a model that
never saw it:

- the NeuCube model's channel x time permutation importance
  (:func:`neucube.inspection.channel_time_importance`), per-trial drops kept for pooling;
- early prediction of the model and of every baseline on the same prefixes
  (:func:`neucube.evaluation.early_prediction.early_prediction_curve`).

:func:`inspection_metrics` pools them for ``metrics.json``; :func:`pooled_importance` rebuilds
the pooled :class:`~neucube.inspection.ChannelTimeImportance` for the figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["fold_inspection", "pooled_importance", "early_curves", "inspection_metrics",
           "N_WINDOWS"]

#: Time windows of the importance maps (100 ms for the shipped -0.1..0.8 s epochs).
N_WINDOWS = 9


def fold_inspection(name: str, fitted: Any, trials: Any, train: np.ndarray, test: np.ndarray,
                    labels: np.ndarray, seed: int, *, importance: bool) -> dict[str, Any]:
    """Early curve (any model) and, for the NeuCube model, importance on one test fold."""
    from neucube.evaluation.early_prediction import early_prediction_curve

    X = np.asarray(getattr(trials, "X", trials))
    curve = early_prediction_curve(fitted, X[test], labels[test], X[train], random_state=seed)
    out: dict[str, Any] = {"early_all": {"model": name, **curve}}
    if importance:
        from neucube.inspection import channel_time_importance

        res = channel_time_importance(fitted, trials[test], labels[test],
                                      n_windows=min(N_WINDOWS, X.shape[2]), random_state=seed)
        out["importance"] = {
            "per_trial": res.per_trial.round(6).tolist(),
            "baseline_score": res.baseline_score,
            "window_edges": res.window_edges.tolist(),
        }
    return out


def pooled_importance(extras: Sequence[Mapping[str, Any]], trials: Any, seed: int) -> Any:
    """The importance pooled over the folds that computed it (None when none did)."""
    from neucube.inspection import ChannelTimeImportance
    from neucube.inspection.importance import _summarise

    parts = [e["importance"] for e in extras if "importance" in e]
    if not parts:
        return None
    per_trial = np.concatenate([np.asarray(p["per_trial"], dtype=np.float64) for p in parts])
    weights = [len(p["per_trial"]) for p in parts]
    stats = _summarise(per_trial, alpha=0.05, level=0.95, n_permutations=2000, n_boot=1000,
                       rng=np.random.default_rng(seed))
    return ChannelTimeImportance(
        per_trial=per_trial,
        baseline_score=float(np.average([p["baseline_score"] for p in parts], weights=weights)),
        window_edges=np.asarray(parts[0]["window_edges"]), ch_names=tuple(trials.ch_names),
        sfreq=trials.sfreq, tmin=trials.tmin, coords=trials.coords, space=trials.space,
        **stats)


def early_curves(extras: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Mean over folds of each model's early curve: ``{"fractions", "curves", "n_folds"}``."""
    from neucube.evaluation.early_prediction import summarise_curves

    by_model: dict[str, list] = {}
    for e in extras:
        if "early_all" in e:
            by_model.setdefault(e["early_all"]["model"], []).append(e["early_all"])
    if not by_model:
        return None
    summaries = {m: summarise_curves(c) for m, c in by_model.items()}
    first = next(iter(summaries.values()))
    return {"fractions": first["fractions"],
            "method": "label-blind completion from a random training trial (2 draws)",
            "curves": {m: s["accuracy"] for m, s in summaries.items()},
            "curves_std": {m: s["accuracy_std"] for m, s in summaries.items()},
            "n_folds": {m: s["n_folds"] for m, s in summaries.items()}}


def inspection_metrics(extras: Sequence[Mapping[str, Any]], trials: Any, seed: int
                       ) -> dict[str, Any]:
    """``metrics.json`` keys: ``early_prediction_all`` and ``importance`` (when computed)."""
    out: dict[str, Any] = {}
    curves = early_curves(extras)
    if curves is not None:
        out["early_prediction_all"] = curves
    res = pooled_importance(extras, trials, seed)
    if res is not None:
        out["importance"] = res.to_dict()
    return out
