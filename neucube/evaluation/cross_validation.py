"""Leakage-safe evaluation: the model and its baselines on the same folds, seeds and metrics.

Everything that learns (encoder thresholds, STDP, readout, baseline scalers) is fitted inside each
training fold, because :func:`evaluate` only ever gives a fold's training trials to ``fit``.
The label-shuffle control (``control=True``) re-runs the model with permuted training *and*
test labels; its accuracy must sit at chance, which is the evidence that nothing leaks. The
ablation controls (``ablations=("encoder_only", "no_stdp")``, :mod:`.controls`) run the model
without its cube and without STDP on the same folds, and the result compares the model with
the best baseline and with each ablation fold by fold (:mod:`.statistics`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, clone
from sklearn.metrics import accuracy_score, balanced_accuracy_score, confusion_matrix, roc_auc_score
from sklearn.model_selection import LeaveOneGroupOut, StratifiedKFold

from neucube.data import TrialSet
from neucube.evaluation.baselines import BASELINES, baseline_skip_reason, make_baseline
from neucube.evaluation.controls import ABLATION_SUFFIX, ablation_skip_reason, make_ablation
from neucube.evaluation.statistics import paired_comparison
from neucube.progress import ProgressCallback
from neucube.progress import no_progress as _no_progress

__all__ = [
    "evaluate",
    "run_fold",
    "cv_splits",
    "applicable_baselines",
    "ablation_models",
    "EvaluationResult",
    "SCHEMES",
    "METRICS",
    "PROGRESS_TASK",
]

logger = logging.getLogger(__name__)

#: Task name of the fits in progress reports (``progress(PROGRESS_TASK, done, total)``).
PROGRESS_TASK = "cross-validation"

#: Cross-validation schemes: stratified k-fold on all trials, leave-one-subject-out, or
#: stratified k-fold within each subject (per-subject accuracy, then the group mean).
SCHEMES = ("stratified", "loso", "per_subject")
#: Metrics computed on every test fold.
METRICS = ("accuracy", "balanced_accuracy", "roc_auc")

#: Name of the label-shuffled control row.
CONTROL_SUFFIX = " (shuffled labels)"


@dataclass
class EvaluationResult:
    """Per-fold scores and per-trial predictions of a model and its baselines.

    Attributes
    ----------
    scheme : str
        The cross-validation scheme.
    model_name : str
        Name of the evaluated model (its rows in the tables).
    class_names : list of str
        Classes, in the column order of probabilities and confusion matrices.
    seeds : list of int
        Repetition seeds (fold shuffling and every ``random_state``).
    folds : pandas.DataFrame
        One row per model x seed x fold: ``model, seed, fold, subject, n_train, n_test,
        fit_time_s`` and the metrics.
    predictions : pandas.DataFrame
        One row per model x seed x test trial: ``model, seed, fold, trial, subject, y_true,
        y_pred`` and ``proba_<class>`` columns.
    baselines : list of str
        Baselines that ran.
    ablations : dict
        Ablation control -> its model name in the tables (e.g. ``"neucube (encoder only)"``).
    skipped : dict
        Baseline or ablation -> why it did not run on these trials.
    """

    scheme: str
    model_name: str
    class_names: list[str]
    seeds: list[int]
    folds: pd.DataFrame
    predictions: pd.DataFrame
    baselines: list[str] = field(default_factory=list)
    ablations: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)

    def confusion(self, model: str | None = None, *, normalize: str | None = None) -> np.ndarray:
        """Confusion matrix of ``model`` summed over folds and seeds (rows: true class)."""
        rows = self.predictions[self.predictions["model"] == (model or self.model_name)]
        return confusion_matrix(
            rows["y_true"], rows["y_pred"], labels=self.class_names, normalize=normalize
        )

    def scores(self, model: str | None = None) -> dict[str, dict[str, float]]:
        """Mean and standard deviation over all folds and seeds of each metric of ``model``."""
        rows = self.folds[self.folds["model"] == (model or self.model_name)]
        out = {}
        for metric in METRICS:
            values = rows[metric].to_numpy(dtype=float)
            finite = values[np.isfinite(values)]
            out[metric] = {
                "mean": float(finite.mean()) if finite.size else float("nan"),
                "std": float(finite.std(ddof=1)) if finite.size > 1 else 0.0,
            }
        seed_means = rows.groupby("seed")["accuracy"].mean()
        out["accuracy"]["std_over_seeds"] = (
            float(seed_means.std(ddof=1)) if len(seed_means) > 1 else 0.0
        )
        if self.scheme == "per_subject":
            out["accuracy_by_subject"] = {
                str(k): float(v) for k, v in rows.groupby("subject")["accuracy"].mean().items()
            }
        return out

    def best_baseline(self, metric: str = "accuracy") -> str | None:
        """The baseline with the highest mean ``metric`` (``None`` without baselines)."""
        means = {b: self.scores(b)[metric]["mean"] for b in self.baselines}
        means = {b: m for b, m in means.items() if np.isfinite(m)}
        return max(means, key=means.get) if means else None

    def comparisons(self, metrics: Sequence[str] = ("accuracy", "roc_auc"),
                    confidence: float = 0.95) -> list[dict[str, Any]]:
        """The model against the best baseline and each ablation, fold by fold.

        One entry per metric (skipped when the model's metric is undefined, e.g. ROC-AUC
        without probabilities) and opponent: :func:`~.statistics.paired_comparison` plus
        ``role`` (``"best_baseline"`` or ``"ablation"``) and, for ablations, ``control``.
        """
        out = []
        mine = self.folds[self.folds["model"] == self.model_name]
        for metric in metrics:
            if not np.isfinite(mine[metric].to_numpy(dtype=float)).any():
                continue
            opponents = [(self.best_baseline(metric), "best_baseline", None)]
            opponents += [(name, "ablation", kind) for kind, name in self.ablations.items()]
            for other, role, kind in opponents:
                if other is None:
                    continue
                row = {"role": role, **paired_comparison(self.folds, self.model_name, other,
                                                          metric=metric, confidence=confidence)}
                if kind is not None:
                    row["control"] = kind
                out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Summary for ``metrics.json``: ``{"model": ..., "baselines": {...}, ...}``."""
        models = list(dict.fromkeys(self.folds["model"]))
        control = [m for m in models if m.endswith(CONTROL_SUFFIX)]
        return {
            "scheme": self.scheme,
            "seeds": list(self.seeds),
            "class_names": list(self.class_names),
            "n_folds": int(self.folds[self.folds["model"] == self.model_name].shape[0]),
            "model": {
                "name": self.model_name,
                **self.scores(),
                "confusion": self.confusion().tolist(),
            },
            "baselines": {
                b: {**self.scores(b), "confusion": self.confusion(b).tolist()}
                for b in self.baselines
            },
            "control": {m: self.scores(m) for m in control},
            "ablations": {k: {"name": m, **self.scores(m)} for k, m in self.ablations.items()},
            "skipped": dict(self.skipped),
            "comparisons": self.comparisons(),
            "chance_level": float(
                self.predictions[self.predictions["model"] == self.model_name]["y_true"]
                .value_counts(normalize=True)
                .max()
            ),
        }


# --------------------------------------------------------------------------- helpers
def _set_seed(estimator: BaseEstimator, seed: int) -> BaseEstimator:
    """Set every ``random_state`` parameter (also nested ones, as in pipelines) to ``seed``."""
    params = estimator.get_params(deep=True)
    updates = {k: seed for k in params if k == "random_state" or k.endswith("__random_state")}
    return estimator.set_params(**updates) if updates else estimator


def cv_splits(
    scheme: str | int | Any, y: np.ndarray, groups: np.ndarray | None, n_splits: int, seed: int
) -> list[tuple[np.ndarray, np.ndarray, str]]:
    """``(train, test, subject_tag)`` index triples of one repetition of scheme ``scheme``."""
    idx = np.arange(len(y))
    if scheme == "stratified":
        cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
        return [(tr, te, "all") for tr, te in cv.split(idx, y)]
    if scheme == "loso":
        if groups is None:
            raise ValueError("cv='loso' needs per-trial subject ids (TrialSet.subject or groups=).")
        return [(tr, te, str(groups[te[0]])) for tr, te in LeaveOneGroupOut().split(idx, y, groups)]
    if scheme == "per_subject":
        if groups is None:
            raise ValueError(
                "cv='per_subject' needs per-trial subject ids (TrialSet.subject or groups=)."
            )
        out = []
        for subject in np.unique(groups):
            members = idx[groups == subject]
            cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
            out += [
                (members[tr], members[te], str(subject)) for tr, te in cv.split(members, y[members])
            ]
        return out
    # Any scikit-learn splitter.
    return [(tr, te, "all") for tr, te in scheme.split(idx, y, groups)]


def applicable_baselines(
    baselines: Iterable[str], arrays: np.ndarray, labels: np.ndarray,
    groups: np.ndarray | None, scheme: Any,
) -> tuple[list[str], dict[str, str]]:
    """The baselines that apply to these trials, and why each of the others is skipped.

    The smallest class is counted within each subject for the per-subject scheme (its folds
    see one subject's trials), else over all trials.
    """
    n_channels, n_times = arrays.shape[1], arrays.shape[2]
    if scheme == "per_subject" and groups is not None:
        counts = pd.crosstab(groups, labels).to_numpy()
        min_class = int(counts[counts > 0].min())
    else:
        min_class = int(pd.Series(labels).value_counts().min())
    run, skipped = [], {}
    for b in baselines:
        reason = baseline_skip_reason(b, n_channels, n_times, min_class)
        if reason is None:
            run.append(b)
        else:
            skipped[b] = reason
            logger.warning("baseline %s skipped: %s", b, reason)
    return run, skipped


def _proba(estimator: Any, X: Any, classes: list[str]) -> np.ndarray:
    """Class probabilities aligned to ``classes`` (NaN when the model has none)."""
    out = np.full((len(X), len(classes)), np.nan)
    model_classes = [str(c) for c in getattr(estimator, "classes_", [])]
    if hasattr(estimator, "predict_proba"):
        p = estimator.predict_proba(X)
    elif hasattr(estimator, "decision_function") and len(classes) == 2:
        d = np.asarray(estimator.decision_function(X), dtype=float)
        p = np.column_stack([-d, d])
    else:
        return out
    for j, c in enumerate(model_classes):
        if c in classes:
            out[:, classes.index(c)] = p[:, j]
    return out


def _roc_auc(y_true: np.ndarray, proba: np.ndarray, classes: list[str]) -> float:
    present = np.unique(y_true)
    if len(present) < 2 or not np.isfinite(proba).all():
        return float("nan")  # undefined on a one-class fold
    if len(classes) == 2:
        return float(roc_auc_score(y_true == classes[1], proba[:, 1]))
    p = proba / proba.sum(axis=1, keepdims=True)
    return float(roc_auc_score(y_true, p, multi_class="ovr", labels=classes))


def run_fold(
    name: str,
    estimator: BaseEstimator,
    data: TrialSet | np.ndarray,
    y: np.ndarray,
    groups: np.ndarray | None,
    train: np.ndarray,
    test: np.ndarray,
    seed: int,
    fold: int,
    subject: str,
    classes: list[str],
    *,
    return_model: bool = False,
) -> tuple[dict[str, Any], pd.DataFrame] | tuple[dict[str, Any], pd.DataFrame, BaseEstimator]:
    """Fit a clone of ``estimator`` on ``train`` and score it on ``test``: one fold.

    Returns the fold's row (metrics, sizes, fit time) and its per-trial predictions, plus the
    fitted model when ``return_model`` (kept in the worker by callers that need it, e.g. for an
    early-prediction curve, instead of shipping every fitted cube back).
    """
    model = _set_seed(clone(estimator), seed)
    X_train, X_test = data[train], data[test]
    t0 = time.perf_counter()
    # The model gets the labels given here (shuffled for the control), never the TrialSet's own.
    model.fit(X_train, y[train])
    fit_time = time.perf_counter() - t0
    y_pred = np.asarray(model.predict(X_test)).astype(str)
    proba = _proba(model, X_test, classes)
    y_true = y[test]
    row = {
        "model": name, "seed": seed, "fold": fold, "subject": subject,
        "n_train": int(len(train)), "n_test": int(len(test)), "fit_time_s": round(fit_time, 4),
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "roc_auc": _roc_auc(y_true, proba, classes),
    }
    preds = pd.DataFrame({
        "model": name, "seed": seed, "fold": fold, "trial": test,
        "subject": groups[test] if groups is not None else subject,
        "y_true": y_true, "y_pred": y_pred,
        **{f"proba_{c}": proba[:, k] for k, c in enumerate(classes)},
    })
    return (row, preds, model) if return_model else (row, preds)


def evaluate(
    model: BaseEstimator,
    X: TrialSet | np.ndarray,
    y: Sequence[Any] | np.ndarray | None = None,
    *,
    groups: Sequence[Any] | np.ndarray | None = None,
    cv: str | int | Any = "stratified",
    n_splits: int = 5,
    seeds: Iterable[int] = (0,),
    baselines: Iterable[str] = ("vectorizer_logreg", "channel_features_logreg"),
    control: bool = False,
    ablations: Iterable[str] = (),
    model_name: str = "neucube",
    n_jobs: int | None = 1,
    verbose: bool = False,
    progress: ProgressCallback | None = None,
) -> EvaluationResult:
    """Cross-validate ``model`` and the baselines on identical folds, for several seeds.

    Parameters
    ----------
    model : estimator
        A scikit-learn classifier. It receives the fold's :class:`TrialSet` (so it can read
        coordinates) when ``X`` is a TrialSet, else arrays.
    X : TrialSet or ndarray of shape (n_trials, n_channels, n_times)
        Trials. With a TrialSet, ``y`` defaults to its class names and ``groups`` to its
        subject ids.
    y, groups : array-like, optional
        Labels and per-trial subject ids for array input.
    cv : {"stratified", "loso", "per_subject"}, int or splitter
        Scheme (see :data:`SCHEMES`); an int means stratified with that many folds; any
        scikit-learn splitter is used as is (then ``seeds`` only seed the models).
    n_splits : int
        Folds of the stratified schemes.
    seeds : iterable of int
        One repetition per seed: fold shuffling and every ``random_state`` of the model and
        baselines use it.
    baselines : iterable of str
        Names from :data:`~neucube.evaluation.baselines.BASELINES`; those that do not apply
        to the trials are skipped, with the reason in ``EvaluationResult.skipped``.
    control : bool
        Also run the model with labels permuted (per seed) before splitting: its accuracy
        must be at chance.
    ablations : iterable of {"encoder_only", "no_stdp"}
        Ablation controls of the model (:mod:`neucube.evaluation.controls`) run on the same
        folds; skipped with the reason when the model cannot be ablated.
    model_name : str
        Label of the model in the result tables.
    n_jobs : int or None
        Folds run in parallel with joblib (``-1``: all cores). Each worker process keeps its
        own compiled networks.
    verbose : bool
        Log one line per fold at INFO level.
    progress : callable, optional
        ``progress(task, done, total)`` (:data:`ProgressCallback`), called with ``done = 0``
        before the first fit and after each completed fit, with task :data:`PROGRESS_TASK`.

    Returns
    -------
    EvaluationResult
    """
    if isinstance(cv, int) and not isinstance(cv, bool):
        cv, n_splits = "stratified", cv
    if isinstance(cv, str) and cv not in SCHEMES:
        raise ValueError(
            f"The 'cv' parameter must be one of {', '.join(map(repr, SCHEMES))}, an int or a "
            f"splitter; got {cv!r}."
        )
    if isinstance(X, TrialSet):
        labels = X.labels if y is None else np.asarray(y)
        groups_arr = X.subject if groups is None else np.asarray(groups)
        data: TrialSet | np.ndarray = X
        arrays = np.asarray(X.X)
    else:
        if y is None:
            raise ValueError(
                "y is required when X is an array (give a TrialSet to use its labels)."
            )
        labels, data, arrays = np.asarray(y), np.asarray(X), np.asarray(X)
        groups_arr = None if groups is None else np.asarray(groups)
    labels = labels.astype(str)
    if len(labels) != len(arrays):
        raise ValueError(f"y has {len(labels)} labels but X has {len(arrays)} trials.")
    classes = sorted(np.unique(labels).tolist())
    if len(classes) < 2:
        raise ValueError(f"evaluate needs at least 2 classes in y; got {classes}.")
    baselines = list(baselines)
    for b in baselines:
        if b not in BASELINES:
            make_baseline(b)  # raises the uniform error
    baselines, skipped = applicable_baselines(baselines, arrays, labels, groups_arr, cv)
    controls = ablation_models(ablations, model, model_name, skipped)
    seeds = [int(s) for s in seeds]

    tasks = []
    for seed in seeds:
        runs = [(model_name, model, data, labels)]
        runs += [(b, make_baseline(b), arrays, labels) for b in baselines]
        runs += [(name, est, data, labels) for name, est in controls.values()]
        if control:
            shuffled = np.random.default_rng(seed).permutation(labels)
            runs.append((model_name + CONTROL_SUFFIX, model, data, shuffled))
        for name, est, d, lab in runs:
            for fold, (train, test, subject) in enumerate(
                cv_splits(cv, lab, groups_arr, n_splits, seed)
            ):
                tasks.append((name, est, d, lab, train, test, seed, fold, subject))
    logger.log(
        logging.INFO if verbose else logging.DEBUG,
        "evaluating %d fits (%s, seeds %s)",
        len(tasks),
        cv,
        seeds,
    )
    report = progress or _no_progress
    report(PROGRESS_TASK, 0, len(tasks))
    results = []
    # In task order (as completed): the fits' order never changes the result tables.
    for result in Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(run_fold)(name, est, d, lab, groups_arr, tr, te, seed, fold, subject, classes)
        for name, est, d, lab, tr, te, seed, fold, subject in tasks
    ):
        results.append(result)
        report(PROGRESS_TASK, len(results), len(tasks))
    folds = pd.DataFrame([r for r, _ in results])
    predictions = pd.concat([p for _, p in results], ignore_index=True)
    for _, row in folds[folds["model"] == model_name].iterrows():
        logger.log(
            logging.INFO if verbose else logging.DEBUG,
            "seed %d fold %d: accuracy %.3f",
            row["seed"],
            row["fold"],
            row["accuracy"],
        )
    return EvaluationResult(
        scheme=cv if isinstance(cv, str) else type(cv).__name__,
        model_name=model_name,
        class_names=classes,
        seeds=seeds,
        folds=folds,
        predictions=predictions,
        baselines=baselines,
        ablations={k: name for k, (name, _) in controls.items()},
        skipped=skipped,
    )


def ablation_models(ablations: Iterable[str], model: BaseEstimator, model_name: str,
                     skipped: dict[str, str]) -> dict[str, tuple[str, BaseEstimator]]:
    """Ablation -> (row name, unfitted control) for those that apply.

    The others are added to ``skipped`` with the reason.
    """
    out = {}
    for kind in ablations:
        reason = ablation_skip_reason(kind, model)
        if reason is None:
            out[kind] = (model_name + ABLATION_SUFFIX[kind], make_ablation(kind, model))
        else:
            skipped[kind] = reason
            logger.warning("control %s skipped: %s", kind, reason)
    return out
