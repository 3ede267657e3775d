"""Cross-validation planned as independent fit jobs: plan, run each fit, assemble.

Subjects x folds x seeds x models are independent fits. :func:`plan_evaluation` lists them with
exactly the folds, seeds, baselines, ablations and label-shuffle control of
:func:`neucube.evaluation.evaluate`; :func:`run_job` fits and scores one (anywhere: in this
process, a joblib worker or a Dask worker); :func:`assemble` turns the results into an
:class:`~neucube.evaluation.EvaluationResult`, equal to what ``evaluate`` returns for the same
arguments. Running the jobs as a list rather than inside ``evaluate`` allows a progress report
per fit, one worker pool for several schemes, resuming, and keeping what a fit learnt besides
its predictions (the early-prediction curve, the parameters a nested search chose).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from neucube.data import TrialSet
from neucube.evaluation.baselines import make_baseline
from neucube.evaluation.cross_validation import (
    CONTROL_SUFFIX,
    EvaluationResult,
    ablation_models,
    applicable_baselines,
    cv_splits,
    run_fold,
)

__all__ = ["FitJob", "Plan", "plan_evaluation", "run_job", "assemble"]


@dataclass(frozen=True, eq=False)
class FitJob:
    """One fit: a model trained on a fold's training trials and scored on its test trials.

    Attributes
    ----------
    scheme : str
        Evaluation scheme the fold belongs to.
    name : str
        Model name in the result tables (the model, a baseline, or the shuffled control).
    estimator : estimator
        Unfitted; cloned and seeded for the fit.
    uses_trials : bool
        Fit on the TrialSet (the NeuCube model reads coordinates) rather than the plain array.
    labels : ndarray of str
        Labels of all trials as this job sees them (permuted for the control).
    train, test : ndarray of int
        Trial indices.
    seed, fold : int
        Repetition seed and fold number.
    subject : str
        The fold's subject (``"all"`` for pooled folds).
    early : bool
        Also compute the early-prediction curve on the test trials.
    search : bool
        The estimator is a parameter search; keep the chosen parameters.
    inspect : {"", "early", "importance"}
        Also compute the early curve on the same prefixes as every model (``"early"``), plus
        the channel x time importance (``"importance"``, the model) on the test fold
        (:mod:`neucube.inspection.folds`).
    """

    scheme: str
    name: str
    estimator: BaseEstimator
    uses_trials: bool
    labels: np.ndarray
    train: np.ndarray
    test: np.ndarray
    seed: int
    fold: int
    subject: str
    early: bool = False
    search: bool = False
    inspect: str = ""

    @property
    def id(self) -> tuple[Any, ...]:
        """Identity of the job within a run (for checkpoints)."""
        return (self.scheme, self.name, self.seed, self.fold)


@dataclass
class Plan:
    """The fit jobs of one evaluation scheme and what :func:`assemble` needs besides them."""

    scheme: str
    model_name: str
    classes: list[str]
    seeds: list[int]
    baselines: list[str]
    jobs: list[FitJob] = field(default_factory=list)
    ablations: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


def plan_evaluation(
    model: BaseEstimator,
    trials: TrialSet,
    *,
    scheme: str,
    n_splits: int,
    seeds: Sequence[int],
    baselines: Sequence[str],
    control: bool,
    early: bool = False,
    search: bool = False,
    model_name: str = "neucube",
    ablations: Sequence[str] = (),
    inspect: bool = False,
) -> Plan:
    """List the fits of one scheme, in the order :func:`neucube.evaluation.evaluate` runs them.

    Parameters mirror ``evaluate``; ``early`` adds the early-prediction curve of the model's
    fits, ``search`` marks the model as a parameter search. Baselines and ablations that do not
    apply are left out, with the reason in ``Plan.skipped``. ``inspect`` adds, on the first
    seed, every model's early curve and the model's importance (:mod:`neucube.inspection.folds`).
    """
    labels = trials.labels.astype(str)
    groups = trials.subject
    classes = sorted(np.unique(labels).tolist())
    if len(classes) < 2:
        raise ValueError(f"The evaluation needs at least 2 classes; the trials have {classes}.")
    run_baselines, skipped = applicable_baselines(baselines, np.asarray(trials.X), labels, groups,
                                                  scheme)
    controls = ablation_models(ablations, model, model_name, skipped)
    plan = Plan(scheme, model_name, classes, [int(s) for s in seeds], run_baselines,
                ablations={k: name for k, (name, _) in controls.items()}, skipped=skipped)
    for seed in plan.seeds:
        runs: list[tuple[str, BaseEstimator, bool, np.ndarray, bool]] = [
            (model_name, model, True, labels, early)]
        runs += [(b, make_baseline(b), False, labels, False) for b in run_baselines]
        runs += [(name, est, True, labels, False) for name, est in controls.values()]
        if control:
            shuffled = np.random.default_rng(seed).permutation(labels)
            runs.append((model_name + CONTROL_SUFFIX, model, True, shuffled, False))
        for name, est, uses_trials, lab, with_early in runs:
            splits = cv_splits(scheme, lab, groups, n_splits, seed)
            for fold, (train, test, subject) in enumerate(splits):
                what = ("" if not inspect or seed != plan.seeds[0] or name.endswith(CONTROL_SUFFIX)
                        or name in plan.ablations.values() else
                        "importance" if name == model_name else "early")
                plan.jobs.append(FitJob(scheme, name, est, uses_trials, lab, train, test, seed,
                                        fold, subject, early=with_early,
                                        search=search and name == model_name, inspect=what))
    return plan


def _plain_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}


def run_job(index: int, job: FitJob, data: Any, groups: np.ndarray | None,
            classes: list[str]) -> tuple[int, dict[str, Any], pd.DataFrame, dict[str, Any]]:
    """Fit and score one job; the row and predictions are those of ``evaluate``.

    Parameters
    ----------
    index : int
        Returned as is (results of parallel workers arrive in any order).
    job : FitJob
        The fit.
    data : TrialSet or ndarray
        All trials (the TrialSet when ``job.uses_trials``).
    groups : ndarray or None
        Subject of each trial.
    classes : list of str
        The classes of the run.

    Returns
    -------
    (int, dict, DataFrame, dict)
        ``index``, the fold's row, its predictions, and extras (early curve, inspection,
        the parameters a search chose).
    """
    row, preds, model = run_fold(
        job.name, job.estimator, data, job.labels, groups, job.train, job.test, job.seed,
        job.fold, job.subject, classes, return_model=True,
    )
    X_test, y_true = data[job.test], job.labels[job.test]
    extras: dict[str, Any] = {}
    fitted = model.best_estimator_ if job.search else model
    # Early prediction is a property of the deSNN readout (rank-order code), not of every model.
    if job.early and getattr(fitted, "supports_early_prediction", False):
        from neucube.readout import DEFAULT_FRACTIONS

        curve = fitted.early_predict_curve(X_test, y_true, fractions=DEFAULT_FRACTIONS)
        extras["early"] = {"fractions": [float(x) for x in DEFAULT_FRACTIONS],
                           "accuracy": [float(a) for a in curve]}
    if job.inspect:
        from neucube.inspection.folds import fold_inspection

        extras.update(fold_inspection(job.name, fitted, data, job.train, job.test, job.labels,
                                      job.seed, importance=job.inspect == "importance"))
    if job.search:
        extras["best_params"] = _plain_params(model.best_params_)
        extras["inner_best_score"] = float(model.best_score_)
    return index, row, preds, extras


def assemble(plan: Plan, results: Sequence[tuple[dict[str, Any], pd.DataFrame, dict[str, Any]]]
             ) -> tuple[EvaluationResult, list[dict[str, Any]]]:
    """The :class:`EvaluationResult` of a plan's jobs, and each job's extras (in job order).

    ``results`` are the ``(row, predictions, extras)`` of :func:`run_job`, in job order.
    """
    folds = pd.DataFrame([r for r, _, _ in results])
    predictions = pd.concat([p for _, p, _ in results], ignore_index=True)
    result = EvaluationResult(
        scheme=plan.scheme, model_name=plan.model_name, class_names=plan.classes, seeds=plan.seeds,
        folds=folds, predictions=predictions, baselines=plan.baselines,
        ablations=dict(plan.ablations), skipped=dict(plan.skipped),
    )
    return result, [e for _, _, e in results]
