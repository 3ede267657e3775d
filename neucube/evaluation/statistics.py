"""Paired comparisons of two models scored on the same cross-validation folds.

Fold scores of repeated k-fold cross-validation are not independent: the training sets overlap,
so the plain paired t-test is overconfident. The corrected resampled t-test of Nadeau & Bengio
(2003, Machine Learning 52:239) inflates the variance of the mean difference of the ``J``
paired fold scores (k folds x r seeds) from ``var / J`` to ``(1 / J + n_test / n_train) * var``
and uses Student's t with ``J - 1`` degrees of freedom (Bouckaert & Frank 2004 for k-fold x r).
The Wilcoxon signed-rank test is the assumption-light companion.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["corrected_resampled_ttest", "wilcoxon_pvalue", "paired_comparison", "chance_test",
           "dominant_class"]

#: Columns that identify one fold across models (the same split of the same repetition).
FOLD_KEYS = ("seed", "fold", "subject")


def corrected_resampled_ttest(
    differences: Sequence[float] | np.ndarray,
    n_train: float,
    n_test: float,
    *,
    confidence: float = 0.95,
) -> dict[str, float]:
    """Mean paired difference, its confidence interval and p-value (Nadeau & Bengio 2003).

    Parameters
    ----------
    differences : sequence of float
        Score of model A minus score of model B on each of the ``J`` folds (all seeds).
    n_train, n_test : float
        Training and test trials per fold (means, when folds differ by a trial).
    confidence : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    dict
        ``mean``, ``ci_low``, ``ci_high``, ``t``, ``dof``, ``p_value`` (two-sided). With a
        single fold, or identical differences, the interval and the test are undefined (NaN),
        except that all-zero differences give ``t = 0`` and ``p = 1``.
    """
    d = np.asarray(differences, dtype=np.float64)
    d = d[np.isfinite(d)]
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence: expected a number in (0, 1); found {confidence!r}")
    if n_train <= 0 or n_test <= 0:
        raise ValueError(f"n_train, n_test: expected positive trial counts; found {n_train!r}, "
                         f"{n_test!r}")
    j = d.size
    nan = float("nan")
    mean = float(d.mean()) if j else nan
    out = {"mean": mean, "ci_low": nan, "ci_high": nan, "t": nan, "dof": j - 1, "p_value": nan}
    if j < 2:
        return out
    var = float(d.var(ddof=1))
    se = math.sqrt((1.0 / j + n_test / n_train) * var)
    if se == 0.0:
        if mean == 0.0:
            out.update(ci_low=0.0, ci_high=0.0, t=0.0, p_value=1.0)
        return out
    t = mean / se
    half = float(stats.t.ppf(0.5 + confidence / 2.0, j - 1)) * se
    out.update(ci_low=mean - half, ci_high=mean + half, t=float(t),
               p_value=float(2.0 * stats.t.sf(abs(t), j - 1)))
    return out


def wilcoxon_pvalue(differences: Sequence[float] | np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value of paired differences (1.0 when all are zero).

    Zero differences are dropped (Wilcox's method); NaN when fewer than one non-zero pair.
    """
    d = np.asarray(differences, dtype=np.float64)
    d = d[np.isfinite(d)]
    if d.size == 0:
        return float("nan")
    if np.all(d == 0):
        return 1.0
    return float(stats.wilcoxon(d, zero_method="wilcox", alternative="two-sided").pvalue)


def paired_comparison(
    folds: pd.DataFrame,
    model: str,
    other: str,
    *,
    metric: str = "accuracy",
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Compare ``model`` with ``other`` on the folds both were scored on.

    Parameters
    ----------
    folds : pandas.DataFrame
        One row per model x seed x fold (:attr:`EvaluationResult.folds`), with ``model``, the
        :data:`FOLD_KEYS`, ``n_train``, ``n_test`` and ``metric`` columns.
    model, other : str
        Model names (``model - other`` is the difference).
    metric : str
        Score column.
    confidence : float
        Coverage of the interval.

    Returns
    -------
    dict
        ``other``, ``metric``, ``n_pairs``, ``mean_difference``, ``ci_low``, ``ci_high``,
        ``confidence``, ``t``, ``dof``, ``p_corrected_t``, ``p_wilcoxon``.
    """
    keys = list(FOLD_KEYS)
    a = folds[folds["model"] == model].set_index(keys)
    b = folds[folds["model"] == other].set_index(keys)
    common = a.index.intersection(b.index)
    if len(common) == 0:
        raise ValueError(f"paired_comparison: {model!r} and {other!r} share no fold")
    diffs = (a.loc[common, metric].to_numpy(float) - b.loc[common, metric].to_numpy(float))
    finite = np.isfinite(diffs)
    n_train = float(a.loc[common, "n_train"].mean())
    n_test = float(a.loc[common, "n_test"].mean())
    t = corrected_resampled_ttest(diffs[finite], n_train, n_test, confidence=confidence)
    return {
        "other": other,
        "metric": metric,
        "n_pairs": int(finite.sum()),
        "mean_difference": t["mean"],
        "ci_low": t["ci_low"],
        "ci_high": t["ci_high"],
        "confidence": confidence,
        "t": t["t"],
        "dof": int(t["dof"]),
        "p_corrected_t": t["p_value"],
        "p_wilcoxon": wilcoxon_pvalue(diffs[finite]),
    }


def chance_test(predictions: pd.DataFrame, model: str) -> dict[str, Any]:
    """Is ``model`` above chance? A one-sided binomial test on its first seed's test trials.

    Each trial is tested once in a seed's folds, so the first seed's predictions are
    independent trials; chance is the share of the largest class among them.

    Parameters
    ----------
    predictions : DataFrame
        Columns ``model``, ``seed``, ``y_true`` and ``y_pred`` (``EvaluationResult.predictions``).
    model : str
        The model's name in ``predictions``.

    Returns
    -------
    dict
        ``correct``, ``n`` (trials tested), ``chance`` and the one-sided ``p_value`` (NaN
        without trials).
    """
    rows = predictions[predictions["model"] == model]
    rows = rows[rows["seed"] == rows["seed"].min()]
    n = len(rows)
    k = int((rows["y_true"].astype(str) == rows["y_pred"].astype(str)).sum())
    chance = float(rows["y_true"].astype(str).value_counts(normalize=True).max()) if n else 0.0
    p = float(stats.binomtest(k, n, chance, alternative="greater").pvalue) if n else float("nan")
    return {"correct": k, "n": n, "chance": chance, "p_value": p}


def dominant_class(predictions: pd.DataFrame) -> dict[str, tuple[str, float]]:
    """The class each model predicts most often, with its share of the model's predictions.

    Parameters
    ----------
    predictions : DataFrame
        Columns ``model`` and ``y_pred`` (``EvaluationResult.predictions``).

    Returns
    -------
    dict of str to (str, float)
        Model -> (class, share), models in their order of appearance.
    """
    out: dict[str, tuple[str, float]] = {}
    for model in dict.fromkeys(predictions["model"]):
        pred = predictions[predictions["model"] == model]["y_pred"].astype(str)
        if len(pred) == 0:
            continue
        counts = pred.value_counts(normalize=True)
        out[model] = (str(counts.index[0]), float(counts.iloc[0]))
    return out
