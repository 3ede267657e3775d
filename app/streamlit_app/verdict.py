"""What a cross-validation result means, in plain language, for the Train page.

Every statement is computed from the :class:`~neucube.evaluation.EvaluationResult` (nothing is
hard-coded): NeuCube against chance (a one-sided binomial test on the first seed's test trials,
each tested once), against its shuffled-label control and against the best baseline (the
paired fold-by-fold interval of :func:`neucube.evaluation.paired_comparison` when the
evaluation provides it, else the means and fold SDs), and a flag for models that predict one
class for nearly every trial.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from app.streamlit_app.labels import plain_name

__all__ = ["ONE_CLASS_SHARE", "Finding", "one_class_models", "verdict"]

#: A model predicting one class for at least this share of the test trials is flagged.
ONE_CLASS_SHARE = 0.9
#: Significance level of the statements (two-sided intervals at 1 - ALPHA).
ALPHA = 0.05
_CONTROL_SUFFIX = " (shuffled labels)"
#: An interval of an accuracy difference wider than this decides nothing.
WIDE_INTERVAL = 0.3


@dataclass(frozen=True)
class Finding:
    """One sentence of the verdict: ``level`` is "good", "neutral" or "warning"."""

    level: str
    text: str


def one_class_models(ev: Any, share: float = ONE_CLASS_SHARE) -> dict[str, tuple[str, float]]:
    """Models whose test predictions are at least ``share`` one class: model -> (class, share)."""
    from neucube.evaluation.statistics import dominant_class

    return {m: top for m, top in dominant_class(ev.predictions).items() if top[1] >= share}


def _paired(ev: Any, other: str) -> dict[str, Any] | None:
    """The paired fold-by-fold comparison of NeuCube with ``other`` (accuracy), if available."""
    from neucube.evaluation import paired_comparison

    try:
        return paired_comparison(ev.folds, ev.model_name, other, metric="accuracy",
                                 confidence=1 - ALPHA)
    except (ValueError, KeyError):
        return None


def _difference(ev: Any, other: str, words: str) -> tuple[str, float | None, float | None]:
    """Text of NeuCube minus ``other`` and its interval (None, None without one)."""
    mine = ev.scores()["accuracy"]["mean"]
    theirs = ev.scores(other)["accuracy"]["mean"]
    cmp = _paired(ev, other)
    if cmp is not None and np.isfinite(cmp.get("ci_low", np.nan)):
        lo, hi = float(cmp["ci_low"]), float(cmp["ci_high"])
        return (f"NeuCube {mine:.3f} vs {words} {theirs:.3f}: difference "
                f"{mine - theirs:+.3f}, {100 * (1 - ALPHA):.0f}% interval [{lo:+.3f}, {hi:+.3f}] "
                f"(paired over {cmp['n_pairs']} folds, corrected for their overlap)", lo, hi)
    return f"NeuCube {mine:.3f} vs {words} {theirs:.3f} (difference {mine - theirs:+.3f})", \
        None, None


def verdict(ev: Any) -> list[Finding]:
    """Plain-language findings about ``ev``, most important first."""
    findings: list[Finding] = []
    from neucube.evaluation.statistics import chance_test

    test = chance_test(ev.predictions, ev.model_name)
    k, n, chance, p = test["correct"], test["n"], test["chance"], test["p_value"]
    acc = ev.scores()["accuracy"]
    if n:
        above = p < ALPHA
        findings.append(Finding(
            "good" if above else "warning",
            f"**Against chance:** NeuCube classified {k} of {n} test trials correctly "
            f"({k / n:.3f}; chance, the largest class's share, is {chance:.3f}). "
            + (f"That is above chance (binomial test, p = {p:.2g})." if above else
               f"That is **not** distinguishable from guessing (binomial test, p = {p:.2g}).")))
    controls = [m for m in dict.fromkeys(ev.folds["model"]) if m.endswith(_CONTROL_SUFFIX)
                and m.startswith(ev.model_name)]
    if controls:
        control = controls[0]
        text, lo, hi = _difference(ev, control, "its shuffled-label control")
        ctrl_acc = ev.scores(control)["accuracy"]["mean"]
        if lo is not None:
            good = lo > 0
        else:
            good = acc["mean"] - ctrl_acc > 2 * max(acc["std"], 1e-9) / np.sqrt(
                max(len(ev.folds[ev.folds["model"] == ev.model_name]), 1))
        findings.append(Finding(
            "good" if good else "warning",
            "**Against the shuffled-label control:** " + text + ". "
            + ("NeuCube learnt something the labels carry." if good else
               "NeuCube is not clearly better than a model trained on shuffled labels, so its "
               "score may be noise.")))
        if ctrl_acc > chance + 0.1:
            findings.append(Finding(
                "warning",
                f"The shuffled-label control scored {ctrl_acc:.3f}, well above chance "
                f"({chance:.3f}): check for information that leaks across trials (such as "
                "trials cut from overlapping windows)."))
    best = ev.best_baseline() if ev.baselines else None
    if best is not None:
        text, lo, hi = _difference(ev, best, f"the best baseline ({plain_name(best)})")
        if lo is not None:
            if hi < 0:
                tail = "The baseline is clearly better on these data."
            elif lo > 0:
                tail = "NeuCube is clearly better on these data."
            elif hi - lo > WIDE_INTERVAL:
                tail = ("The interval is too wide to tell which is better: use more folds or "
                        "repetitions.")
            else:
                tail = "The two are within noise of each other."
            level = "warning" if hi < 0 else ("good" if lo > 0 else "neutral")
        else:
            tail = "Run more folds or seeds for an interval of this difference."
            level = "neutral"
        findings.append(Finding(level, "**Against the best baseline:** " + text + ". " + tail))
    for model, (cls, share) in one_class_models(ev).items():
        findings.append(Finding(
            "warning",
            f"**{plain_name(model, ev.model_name)} predicts one class:** {100 * share:.0f}% of "
            f"its test predictions are '{cls}'. Its accuracy then mostly reflects the class "
            "balance, not what it learnt; look at the balanced accuracy and the confusion "
            "matrix."))
    return findings
