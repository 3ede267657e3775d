"""Training jobs: run the session's study with :func:`neucube_study.run_study` on a worker thread.

The Train page's settings are a study's sections (:mod:`app.streamlit_app.studyfile`); a job
validates the study file they make and runs it with the function behind ``neucube run``:
cross-validation of the model, its baselines, controls and ablations on identical folds, the
final model on all trials, into a results folder in the session's own folder (without figures:
the Export page draws them). The job runs on a worker thread so the page stays responsive: the
page polls :attr:`TrainingJob.progress` and, when done, keeps :attr:`TrainingJob.result` in the
session.

Progress comes from the run's progress reports (:class:`JobProgress`, an
:class:`neucube_study.progress.Progress`): its steps and its counted tasks (cross-validation fits,
the final model's STDP rounds), never from log text.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neucube.data import TrialSet
from neucube_study.progress import UNITS, Progress

__all__ = [
    "EarlyCurve",
    "TrainingResult",
    "TrainingJob",
    "JobProgress",
    "count_fits",
    "early_prediction",
    "NO_EARLY_NOTE",
    "score_table",
    "ensure_brian2",
    "prepare_job_imports",
]

logger = logging.getLogger(__name__)

#: Shown instead of the accuracy-over-time curve when the readout cannot predict early.
NO_EARLY_NOTE = ("Early prediction (accuracy over time) needs the deSNN readout; this model "
                 "uses the state readout.")


def _predicts_early(settings: dict[str, Any]) -> bool:
    """Whether the study's model predicts from part of a trial (asked of the classifier)."""
    from app.streamlit_app.studyfile import model_value
    from neucube.classifier import NeuCubeClassifier

    readout = model_value(settings, "readout")
    return NeuCubeClassifier(readout=readout).supports_early_prediction


def count_fits(settings: dict[str, Any], trials: TrialSet) -> int:
    """NeuCube fits a run makes: every fold of every seed of every scheme (again for the
    shuffled-label control and for the no-STDP ablation; the encoder-only ablation has no cube),
    plus the final model."""
    ev = settings["evaluation"]
    n_subjects = 1 if trials.subject is None else len(np.unique(trials.subject))
    folds = {"stratified": ev["n_splits"], "loso": n_subjects,
             "per_subject": n_subjects * ev["n_splits"]}
    per_seed = sum(folds[scheme] for scheme in ev["scheme"])
    models = 1 + bool(ev["control"]) + ("no_stdp" in ev["ablations"])
    return ev["n_seeds"] * per_seed * models + 1


@dataclass(frozen=True)
class EarlyCurve:
    """Cross-validated accuracy of predictions from the first part of each test trial.

    Attributes
    ----------
    fractions, accuracy : ndarray
        Fractions of the trial used and the mean accuracy over the test folds at each.
    chance : float
        Majority-class share of the trials.
    n_folds : int
        Test folds averaged.
    """

    fractions: np.ndarray
    accuracy: np.ndarray
    chance: float
    n_folds: int

    def to_dict(self) -> dict[str, Any]:
        return {"fractions": self.fractions.tolist(), "accuracy": self.accuracy.tolist(),
                "chance": self.chance, "n_folds": self.n_folds,
                "label": "NeuCube (early prediction, test folds)"}


def early_prediction(classification: dict[str, Any], settings: dict[str, Any]
                     ) -> tuple[EarlyCurve | None, str]:
    """The early-prediction curve of a run's ``metrics.json`` content, and a note on it."""
    early = classification.get("early_prediction")
    if early is None:
        if not _predicts_early(settings):
            return None, NO_EARLY_NOTE
        return None, "Early prediction is off in this study (evaluation.early_prediction)."
    curve = EarlyCurve(np.asarray(early["fractions"], dtype=float),
                       np.asarray(early["accuracy"], dtype=float),
                       float(classification["chance_level"]), int(early["n_folds"]))
    return curve, (f"Mean over the model's {curve.n_folds} test folds: each test trial predicted "
                   "from its first part by the model trained on the other folds.")


@dataclass
class TrainingResult:
    """What a finished job produced.

    ``settings`` are the sections the run used, ``study`` the validated study and ``folder``
    its results folder (the one ``neucube run`` writes); ``evaluation`` is the headline
    scheme's :class:`~neucube.evaluation.EvaluationResult`.
    """

    settings: dict[str, Any]
    study: Any  # neucube_study.Study
    folder: Path
    evaluation: Any  # neucube.evaluation.EvaluationResult
    model: Any  # NeuCubeClassifier fitted on all trials
    raster: Any  # SpikeRaster of all trials through the final model
    early: EarlyCurve | None
    early_note: str
    dataset_version: int
    compiled: bool
    seconds: float
    log: list[str] = field(default_factory=list)


def score_table(evaluation: Any) -> list[dict[str, Any]]:
    """One row per model (NeuCube, baselines, ablations, shuffled-label control) with mean ± SD
    scores."""
    models = list(dict.fromkeys(evaluation.folds["model"]))
    rows = []
    for name in models:
        s = evaluation.scores(name)
        if name == evaluation.model_name:
            role = "NeuCube"
        elif name in evaluation.baselines:
            role = "baseline"
        elif name in getattr(evaluation, "ablations", {}).values():
            role = "ablation"
        else:
            role = "control"
        rows.append({
            "model": name,
            "role": role,
            "accuracy": s["accuracy"]["mean"],
            "accuracy SD": s["accuracy"]["std"],
            "balanced accuracy": s["balanced_accuracy"]["mean"],
            "ROC-AUC": s["roc_auc"]["mean"],
        })
    return rows


_IMPORT_LOCK = threading.Lock()


def prepare_job_imports() -> None:
    """Import everything a training job imports, on the calling thread.

    Call it on the thread that starts a job (:func:`~app.streamlit_app.ui.start_job` does) so
    the worker thread imports nothing: Brian2 pulls in ~900 modules (SymPy, mpmath, ...), and
    when another thread imports modules of the same dependency graph at the same time (a page
    rerun importing networkx or matplotlib), CPython's import deadlock avoidance can hand one
    thread a partially initialised module -- seen as "SymPy now depends on mpmath" from
    Brian2. Cheap after the first call.
    """
    with _IMPORT_LOCK:
        import nilearn.datasets  # noqa: F401  (the brain template's loader)
        import pyriemann.classification  # noqa: F401
        import pyriemann.estimation  # noqa: F401  (the Riemannian baselines import it lazily)
        import pyriemann.tangentspace  # noqa: F401
        import sklearn.base  # noqa: F401
        import sklearn.model_selection  # noqa: F401

        import neucube.classifier  # noqa: F401
        import neucube.evaluation  # noqa: F401
        import neucube.readout  # noqa: F401
        import neucube_study.runner  # noqa: F401  (the run itself: jobs, metrics, provenance)
        _warm_lazy_imports()
    ensure_brian2()


def _warm_lazy_imports() -> None:
    """Trigger the submodules pandas and scikit-learn import on first use (narwhals for
    feature names, pandas' CSV writer, ``to_dict``), which a run uses."""
    import io

    import numpy as np
    import pandas as pd
    from sklearn.utils.validation import _get_feature_names

    frame = pd.DataFrame({"a": [0.5], "b": ["x"]})
    for data in (np.zeros((1, 1)), frame):
        _get_feature_names(data)
    frame.to_csv(io.StringIO(), index=False, float_format="%.6g")
    frame.to_dict(orient="records")


def ensure_brian2() -> None:
    """Import Brian2 safely from any thread.

    Brian2's ``__init__`` installs a Ctrl+C handler with :func:`signal.signal`, which Python only
    allows on the main thread, and Streamlit runs pages and jobs on other threads. Off the main
    thread the handler is skipped (the app runs compiled networks as subprocesses, and Ctrl+C
    reaches the server, not a simulation).
    """
    import signal
    import sys
    import warnings

    if "brian2" in sys.modules:
        return
    with _IMPORT_LOCK, warnings.catch_warnings():
        # Brian2 2.9 uses pyparsing names deprecated in pyparsing 3.3 (not actionable here).
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"brian2(\.|$)")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pyparsing(\.|$)")
        if "brian2" in sys.modules:
            return
        if threading.current_thread() is threading.main_thread():
            import brian2  # noqa: F401
            return
        original = signal.signal

        def install_if_possible(signum: Any, handler: Any) -> Any:
            try:
                return original(signum, handler)
            except ValueError:  # "signal only works in main thread"
                return signal.getsignal(signum)

        signal.signal = install_if_possible
        try:
            import brian2  # noqa: F401
        finally:
            signal.signal = original


class JobProgress(Progress):
    """A run's progress reports, kept by its :class:`TrainingJob`: steps become the stage and
    log lines, counted tasks the fraction done."""

    def __init__(self, job: TrainingJob) -> None:
        self.job = job
        self.tasks: dict[str, list[int]] = {}

    def step(self, message: str) -> None:
        self.job._set_stage(message[:1].upper() + message[1:])

    def start(self, task: str, total: int, unit: str = "") -> None:
        self.tasks[task] = [0, int(total)]

    def advance(self, task: str, n: int = 1) -> None:
        if task in self.tasks:
            state = self.tasks[task]
            state[0] += n
            self.job._note(f"{task}: {state[0]}/{state[1]} {UNITS.get(task, '')}".rstrip())

    def fraction(self, task: str) -> float:
        done, total = self.tasks.get(task, (0, 0))
        return done / total if total else 0.0


class TrainingJob:
    """One run of the session's study, executed by :meth:`run` on a worker thread.

    Read :attr:`state`, :attr:`progress`, :attr:`stage` and :attr:`log` from any thread; when
    :attr:`state` is ``"done"``, :attr:`result` holds the :class:`TrainingResult`; when it is
    ``"failed"``, :attr:`error` holds the message.

    Parameters
    ----------
    study : neucube_study.Study
        The validated study (:func:`app.streamlit_app.studyfile.study_for_run`).
    settings : dict
        The app's settings it was made from (kept with the result).
    trials : TrialSet
        The study's trials, as loaded on the Study page.
    dataset_version : int
        Id of the session's dataset (results remember the data they belong to).
    folder : Path
        The results folder to write (inside the session's folder).
    """

    def __init__(self, study: Any, settings: dict[str, Any], trials: TrialSet,
                 dataset_version: int, folder: Path) -> None:
        self.study = study
        self.settings = settings
        self.trials = trials
        self.dataset_version = dataset_version
        self.folder = Path(folder)
        self.state = "queued"
        self.stage = "Waiting for a free worker (another session is training)"
        self.log: list[str] = []
        self.result: TrainingResult | None = None
        self.error: str | None = None
        self.started: float | None = None
        self.finished: float | None = None
        self.reports = JobProgress(self)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ progress
    @property
    def progress(self) -> float:
        """Fraction done, in [0, 1]: the cross-validation fits, then the final model's STDP
        rounds (one fit's worth)."""
        if self.state == "done":
            return 1.0
        n = max(self.reports.tasks.get("cross-validation", (0, 0))[1], 1)
        done = self.reports.fraction("cross-validation") * n + self.reports.fraction("STDP rounds")
        return float(min(max(done / (n + 1), 0.0), 0.99))

    @property
    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.perf_counter()) - self.started

    def _note(self, text: str) -> None:
        with self._lock:
            self.log.append(f"{self.elapsed:6.1f} s  {text}")

    def _set_stage(self, text: str) -> None:
        self.stage = text
        self._note(text)

    # ------------------------------------------------------------------ work
    def run(self) -> None:
        """Do the work (call on a worker thread); never raises."""
        self.state = "running"
        self.started = time.perf_counter()
        try:
            # Inside the try: a failed import must end the job as "failed", not leave it
            # "running" forever (the executor would swallow the exception).
            prepare_job_imports()
            from neucube.cube import compile_count
            from neucube_study.runner import run_study

            compiles = compile_count()
            # n_jobs=1: the fits run on this thread, one at a time (other sessions share the
            # machine); the study's figures are drawn on the Export page.
            run = run_study(self.study, out=self.folder, trials=self.trials, n_jobs=1,
                            figures=False, progress=self.reports, overwrite=True)
            compiled = compile_count() > compiles
            classification = run.summary["classification"]
            early, note = early_prediction(classification, self.settings)
            self.finished = time.perf_counter()
            self.result = TrainingResult(
                settings=self.settings, study=self.study, folder=run.out_dir,
                evaluation=run.evaluations[self.study.schemes[0]], model=run.model,
                raster=run.model.raster(self.trials), early=early, early_note=note,
                dataset_version=self.dataset_version, compiled=compiled, seconds=self.elapsed,
                log=self.log,
            )
            self._note("Done")
            self.state = "done"
        except Exception as exc:  # shown in the page; the app keeps working
            logger.exception("training job failed")
            self.finished = time.perf_counter()
            self.error = f"{type(exc).__name__}: {exc}"
            self._note(f"Failed: {self.error}")
            self.state = "failed"
