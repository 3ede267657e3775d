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

__all__ = ["LEAN", "ONE_CLASS_SHARE", "Finding", "one_class_models", "verdict"]

#: A model predicting one class for at least this share of its test trials is flagged as
#: predicting one class.
ONE_CLASS_SHARE = 0.9
#: A model predicting a class for a share of its test trials at least this much above that
#: class's share of those trials is flagged as leaning to it (77% 'house' predictions on
#: trials half 'house' is a lean of 0.27).
LEAN = 0.25
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


def one_class_models(ev: Any, share: float = ONE_CLASS_SHARE, lean: float = LEAN
                     ) -> dict[str, tuple[str, float, float]]:
    """Models whose test predictions are at least ``share`` one class, or lean to a class (its
    share of the predictions at least ``lean`` above its share of the test trials):
    model -> (class, share of the predictions, share of the test trials), NeuCube first. The
    shuffled-label control is left out (leaning is what a model without labels may do)."""
    from neucube.evaluation.statistics import dominant_class

    out = {}
    predictions = ev.predictions
    top = dominant_class(predictions)
    for model in sorted(top, key=lambda m: m != ev.model_name):
        if model.endswith(_CONTROL_SUFFIX):
            continue
        cls, predicted = top[model]
        truth = predictions.loc[predictions["model"] == model, "y_true"].astype(str)
        actual = float((truth == cls).mean()) if len(truth) else float("nan")
        if predicted >= share or predicted - actual >= lean:
            out[model] = (cls, predicted, actual)
    return out


def _who(ev: Any, model: str) -> str:
    """``model`` in words, with its role: NeuCube itself, a baseline or an ablation control."""
    name = plain_name(model, ev.model_name)
    if model == ev.model_name:
        return "NeuCube (the model evaluated)"
    if model in ev.baselines:
        return f"The baseline '{name}'"
    if model in getattr(ev, "ablations", {}).values():
        return f"The ablation control '{name}'"
    return name


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
    for model, (cls, share, actual) in one_class_models(ev).items():
        what = "predicts one class" if share >= ONE_CLASS_SHARE else "leans to one class"
        findings.append(Finding(
            "warning",
            f"**{_who(ev, model)} {what}:** {100 * share:.0f}% of its test predictions are "
            f"'{cls}', while {100 * actual:.0f}% of its test trials are. Its accuracy then "
            "reflects the class balance more than what it learnt; look at its balanced "
            "accuracy and its confusion matrix."))
    advice = _advice(ev, findings)
    if advice:
        findings.append(advice)
    return findings


def _advice(ev: Any, findings: list[Finding]) -> Finding | None:
    """What a student can do when NeuCube is not above chance (report the standard decoder
    that is, try other settings) or not clearly above its shuffled-label control (narrow the
    interval; claim nothing yet)."""
    from neucube.evaluation.statistics import chance_test

    def warned(prefix: str) -> bool:
        return any(f.level == "warning" and f.text.startswith(prefix) for f in findings)

    at_chance, noisy = warned("**Against chance:**"), warned("**Against the shuffled")
    if not (at_chance or noisy):
        return None
    best = ev.best_baseline() if ev.baselines else None
    decoder = None
    if best is not None:
        test = chance_test(ev.predictions, best)
        if test["n"] and test["p_value"] < ALPHA:
            decoder = (f"the standard decoder '{plain_name(best)}' "
                       f"({test['correct'] / test['n']:.3f}, above chance: binomial p = "
                       f"{test['p_value']:.2g})")
    if not at_chance:
        return Finding("neutral", (
            "**What you can do:** NeuCube is above chance but not clearly above its "
            "shuffled-label control, so the difference may be noise. More repetitions "
            "(Evaluation tab) can narrow the interval. Report NeuCube's score next to "
            "its control's" + (f" and {decoder}" if decoder else "") + "; claim that NeuCube "
            "learnt the classes only once the interval lies above 0."))
    text = "**What you can do:** NeuCube with these settings did not beat guessing on these data. "
    if decoder:
        text += (f"Report {decoder} as what these data support, and NeuCube's score as a "
                 "negative result, with its controls. ")
    text += ("NeuCube's defaults are tuned to no data set. If these data are event-related "
             "potentials, try the model settings of the shipped N170 study "
             "(n170_faces_houses, under \"Start from a shipped study's model settings\" above) "
             "and compare again with the same controls; report how many settings you tried.")
    return Finding("neutral", text)
