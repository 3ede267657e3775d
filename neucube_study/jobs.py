"""Cross-validation fit jobs run serially, with joblib workers, or on a Dask cluster.

The jobs are planned by :func:`neucube.evaluation.jobs.plan_evaluation` and each is fitted by
:func:`neucube.evaluation.jobs.run_job`; :func:`run_jobs` runs them (``n_jobs`` joblib workers,
or a Dask cluster through joblib's dask backend when a scheduler address is given; every worker
compiles or reuses its own Brian2 build through the shared build cache), reports each completed
fit and stores it for ``--resume``. :func:`neucube.evaluation.jobs.assemble` turns the results
into an :class:`~neucube.evaluation.EvaluationResult`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed, parallel_config

from neucube.data import TrialSet
from neucube.evaluation.jobs import FitJob, run_job
from neucube_study.checkpoint import Checkpoint
from neucube_study.progress import Progress

__all__ = ["run_jobs", "dask_client", "available_cores"]

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


@contextmanager
def dask_client(address: str | None) -> Iterator[Any]:
    """A ``distributed.Client`` connected to ``address`` (None: no client)."""
    if address is None:
        yield None
        return
    try:
        from distributed import Client
    except ImportError as exc:  # the optional 'dask' extra is not installed
        from neucube_study.extras import missing_extra

        raise RuntimeError(missing_extra("dask") or str(exc)) from exc
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
            yield delayed(run_job)(i, job, trials if job.uses_trials else arrays, groups, classes)

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
                parallel = Parallel(n_jobs=workers, return_as="generator_unordered")
                for i, row, preds, extras in parallel(calls()):
                    results[i] = (row, preds, extras)
                    if checkpoint is not None:
                        checkpoint.save(jobs[i].id, row, preds, extras)
                    done += 1
                    logger.info("fit %d/%d done: %s, %s seed %d fold %d, accuracy %.3f", done,
                                len(jobs), jobs[i].scheme, jobs[i].name, jobs[i].seed,
                                jobs[i].fold, row["accuracy"])
                    progress.advance(TASK)
    finally:
        progress.finish(TASK)
    return results
