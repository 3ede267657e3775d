"""Cross-validation as independent fit jobs, run serially, with joblib, or on a Dask cluster.

Subjects x folds x seeds x models (and, for ``neucube search``, the parameter settings inside
each fit) are independent. :func:`plan_evaluation` lists them with exactly the folds, seeds,
baselines and label-shuffle control of :func:`neucube.evaluation.evaluate`;
:func:`run_jobs` runs them (``n_jobs`` joblib workers, or a Dask cluster through joblib's dask
backend when a scheduler address is given; every worker compiles or reuses its own Brian2 build
through the shared build cache), reports each completed fit and stores it for ``--resume``;
:func:`assemble` turns the results into an :class:`~neucube.evaluation.EvaluationResult`, equal
to what ``evaluate`` returns for the same arguments.

Running the jobs here rather than inside ``evaluate`` is what allows a progress bar over fits,
one worker pool for several schemes, resuming, and keeping what a fit learnt besides its
predictions (the early-prediction curve, the parameters a nested search chose).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, parallel_config
from sklearn.base import BaseEstimator

from app.study.checkpoint import Checkpoint
from app.study.progress import Progress
from neucube.data import TrialSet
from neucube.evaluation.baselines import make_baseline

# The folds and the per-fold fit/score of neucube.evaluation, reused so that results are
# identical to evaluate() (tests/test_study_jobs.py checks it).
from neucube.evaluation.cross_validation import (
    CONTROL_SUFFIX,
    EvaluationResult,
    ablation_models,
    applicable_baselines,
    cv_splits,
    run_fold,
)

__all__ = ["FitJob", "Plan", "plan_evaluation", "run_jobs", "assemble", "dask_client",
           "available_cores"]

logger = logging.getLogger(__name__)

#: Task name of the fits in progress reports.
TASK = "cross-validation"


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity; all cores where that is unknown).

    The default number of parallel fits: the fits are independent and each worker is one
    single-threaded simulator, so one worker per core uses the machine without oversubscribing.
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


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
        (:mod:`app.study.inspection`).
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
    seed, every model's early curve and the model's importance (:mod:`app.study.inspection`).
    """
    labels = trials.labels.astype(str)
    groups = trials.subject
    classes = sorted(np.unique(labels).tolist())
    if len(classes) < 2:
        raise ValueError(f"The evaluation needs at least 2 classes; the trials have {classes}.")
    run_baselines, skipped = applicable_baselines(baselines, np.asarray(trials.X), labels, groups, scheme)
    controls = ablation_models(ablations, model, model_name, skipped)
    plan = Plan(scheme, model_name, classes, [int(s) for s in seeds], run_baselines,
                ablations={k: name for k, (name, _) in controls.items()}, skipped=skipped)
    for seed in plan.seeds:
        runs: list[tuple[str, BaseEstimator, bool, np.ndarray, bool]] = [(model_name, model, True, labels, early)]
        runs += [(b, make_baseline(b), False, labels, False) for b in run_baselines]
        runs += [(name, est, True, labels, False) for name, est in controls.values()]
        if control:
            shuffled = np.random.default_rng(seed).permutation(labels)
            runs.append((model_name + CONTROL_SUFFIX, model, True, shuffled, False))
        for name, est, uses_trials, lab, with_early in runs:
            for fold, (train, test, subject) in enumerate(cv_splits(scheme, lab, groups, n_splits, seed)):
                what = ("" if not inspect or seed != plan.seeds[0] or name.endswith(CONTROL_SUFFIX)
                        or name in plan.ablations.values() else
                        "importance" if name == model_name else "early")
                plan.jobs.append(FitJob(scheme, name, est, uses_trials, lab, train, test, seed, fold,
                                        subject, early=with_early,
                                        search=search and name == model_name, inspect=what))
    return plan


def _plain_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in params.items()}


def _execute(index: int, job: FitJob, data: Any, groups: np.ndarray | None,
             classes: list[str]) -> tuple[int, dict[str, Any], pd.DataFrame, dict[str, Any]]:
    """Fit and score one job (in a worker); the row and predictions are those of ``evaluate``."""
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
        from app.study.inspection import fold_inspection

        extras.update(fold_inspection(job.name, fitted, data, job.train, job.test, job.labels,
                                      job.seed, importance=job.inspect == "importance"))
    if job.search:
        extras["best_params"] = _plain_params(model.best_params_)
        extras["inner_best_score"] = float(model.best_score_)
    return index, row, preds, extras


@contextmanager
def dask_client(address: str | None) -> Iterator[Any]:
    """A ``distributed.Client`` connected to ``address`` (None: no client)."""
    if address is None:
        yield None
        return
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise RuntimeError("--scheduler needs the 'distributed' package (pip install "
                           "'dask[distributed]')") from exc
    try:
        client = Client(address, timeout="30s", set_as_default=False)
    except OSError as exc:
        raise ValueError(f"--scheduler: could not connect to a Dask scheduler at {address!r} "
                         f"({exc})") from exc
    try:
        yield client
    finally:
        client.close()


def run_jobs(
    jobs: Sequence[FitJob],
    trials: TrialSet,
    *,
    n_jobs: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    checkpoint: Checkpoint | None = None,
) -> list[tuple[dict[str, Any], pd.DataFrame, dict[str, Any]]]:
    """Run fit jobs and return ``(row, predictions, extras)`` per job, in job order.

    Parameters
    ----------
    jobs : sequence of FitJob
        From :func:`plan_evaluation` (any number of plans).
    trials : TrialSet
        The trials every job indexes.
    n_jobs : int
        joblib workers (processes) when no scheduler is given.
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:port``): the jobs run on its workers through
        joblib's dask backend.
    progress : Progress, optional
        Told about each completed fit (task :data:`TASK`).
    checkpoint : Checkpoint, optional
        Stores each completed fit, and supplies fits already completed by an interrupted run.
    """
    progress = progress or Progress()
    results: list[Any] = [None] * len(jobs)
    if checkpoint is not None:
        for i, job in enumerate(jobs):
            results[i] = checkpoint.load(job.id)
    pending = [i for i, r in enumerate(results) if r is None]
    reused = len(jobs) - len(pending)
    if reused:
        logger.info("resumed %d of %d fits from %s", reused, len(jobs), checkpoint.folder)
    arrays = np.asarray(trials.X)
    groups = trials.subject
    # Every job of a run has the same classes (the control only permutes the labels).
    classes = sorted(np.unique(jobs[0].labels).tolist()) if jobs else []
    progress.start(TASK, len(jobs), "fits")
    if reused:
        progress.advance(TASK, reused)

    def calls() -> Iterator[Any]:
        for i in pending:
            job = jobs[i]
            yield delayed(_execute)(i, job, trials if job.uses_trials else arrays, groups, classes)

    done = reused
    try:
        with dask_client(scheduler) as client:
            if client is not None:
                # Scatter the trials once; every task refers to the same data on the workers.
                config = parallel_config(backend="dask", client=client, scatter=[trials, arrays],
                                         wait_for_workers_timeout=60)
                workers = -1
            else:
                config = parallel_config(n_jobs=n_jobs)
                workers = n_jobs
            with config:
                for i, row, preds, extras in Parallel(n_jobs=workers, return_as="generator_unordered")(calls()):
                    results[i] = (row, preds, extras)
                    if checkpoint is not None:
                        checkpoint.save(jobs[i].id, row, preds, extras)
                    done += 1
                    logger.info("fit %d/%d done: %s, %s seed %d fold %d, accuracy %.3f", done, len(jobs),
                                jobs[i].scheme, jobs[i].name, jobs[i].seed, jobs[i].fold, row["accuracy"])
                    progress.advance(TASK)
    finally:
        progress.finish(TASK)
    return results


def assemble(plan: Plan, results: Sequence[tuple[dict[str, Any], pd.DataFrame, dict[str, Any]]]
             ) -> tuple[EvaluationResult, list[dict[str, Any]]]:
    """The :class:`EvaluationResult` of a plan's jobs, and each job's extras (in job order)."""
    folds = pd.DataFrame([r for r, _, _ in results])
    predictions = pd.concat([p for _, p, _ in results], ignore_index=True)
    result = EvaluationResult(
        scheme=plan.scheme, model_name=plan.model_name, class_names=plan.classes, seeds=plan.seeds,
        folds=folds, predictions=predictions, baselines=plan.baselines,
        ablations=dict(plan.ablations), skipped=dict(plan.skipped),
    )
    return result, [e for _, _, e in results]
