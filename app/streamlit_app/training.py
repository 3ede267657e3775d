"""Training jobs: cross-validate a NeuCube model in a background thread and report progress.

A job runs :func:`neucube.evaluation.evaluate` (the model and its baselines on identical
folds), then fits the model on all trials (for the connectivity views and the model file), and
finally, with the deSNN readout (the only one that predicts from part of a trial), measures
early prediction on a held-out part of the trials. It runs on a worker thread
so the page stays responsive: the page polls :attr:`TrainingJob.progress` and, when done, keeps
:attr:`TrainingJob.result` in the session.

Progress comes from neucube's own log records, which the cube writes for every fit ("cube: ...",
"STDP round r/n") and for a compilation ("compiling network ..."). A handler on the
``neucube`` logger keeps only the records of the job's own thread, so jobs of several sessions
never mix.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from neucube.data import TrialSet

__all__ = [
    "TrainSettings",
    "EarlyCurve",
    "TrainingResult",
    "TrainingJob",
    "count_fits",
    "parse_state_c",
    "NO_EARLY_NOTE",
    "score_table",
    "ensure_brian2",
    "prepare_job_imports",
]

logger = logging.getLogger(__name__)

_CUBE_RE = re.compile(r"^cube: (\d+) neurons")
_STDP_RE = re.compile(r"^STDP round (\d+)/(\d+)")
_COMPILE_RE = re.compile(r"^compiling network")
_COMPILED_RE = re.compile(r"^compiled network in ([\d.]+) s")

#: Shown instead of the accuracy-over-time curve when the readout cannot predict early.
NO_EARLY_NOTE = ("Early prediction (accuracy over time) needs the deSNN readout; this model "
                 "uses the state readout.")


@dataclass(frozen=True)
class TrainSettings:
    """Everything the Train page sets: the model's parameters and the evaluation scheme.

    The model parameters are those of :class:`neucube.NeuCubeClassifier` of the same names;
    ``stdp_rate`` is one number (A+ = A-) or the pair (A+, A-). The deSNN parameters (``mod``
    ... ``sigma``) only matter with ``readout="desnn"``, ``n_bins`` and ``state_c`` only with
    ``readout="state"``; both sets are kept so that switching the readout loses nothing.
    """

    encoder: str = "tbr"
    encoder_threshold: None | str | float = None
    encoder_alpha: float = 0.5
    template: str = "brain"
    spacing_mm: float = 10.0
    radius: float = 2.5
    threshold: float = 0.5
    leak: float = 0.002
    refractory: int = 6
    stdp_rate: float | tuple[float, float] = 0.001
    tau_stdp: float = 10.0
    n_rounds: int = 1
    mod: float = 0.8
    drift_up: float = 0.005
    drift_down: float = 0.005
    readout: str = "desnn"
    recall: str = "wknn"
    k: int = 3
    sigma: float = 1.0
    n_bins: int = 20
    state_c: str | float = "auto"
    scheme: str = "stratified"
    n_splits: int = 5
    n_seeds: int = 1
    baselines: tuple[str, ...] = ("vectorizer_logreg", "channel_features_logreg")
    control: bool = True
    #: Ablation controls (neucube.evaluation.ABLATIONS) run on the same folds.
    ablations: tuple[str, ...] = ()
    seed: int = 0

    _MODEL_KEYS = (
        "encoder", "encoder_threshold", "encoder_alpha", "template", "spacing_mm", "radius",
        "threshold", "leak", "refractory", "stdp_rate", "tau_stdp", "n_rounds", "mod",
        "drift_up", "drift_down", "readout", "recall", "k", "sigma", "n_bins", "state_c",
    )  # fmt: skip

    @property
    def stdp_pair(self) -> tuple[float, float]:
        """The STDP amplitudes as (A+, A-), also when one number gives both."""
        if isinstance(self.stdp_rate, tuple | list):
            a_plus, a_minus = self.stdp_rate
            return float(a_plus), float(a_minus)
        return float(self.stdp_rate), float(self.stdp_rate)

    @staticmethod
    def stdp_rate_of(a_plus: float, a_minus: float) -> float | tuple[float, float]:
        """``stdp_rate`` for the amplitudes A+ and A-: one number when they are equal."""
        a_plus, a_minus = float(a_plus), float(a_minus)
        return a_plus if a_plus == a_minus else (a_plus, a_minus)

    @property
    def early_prediction(self) -> bool:
        """Whether the readout predicts from part of a trial (only the deSNN does)."""
        return self.make_model(verbose=False).supports_early_prediction

    def model_params(self) -> dict[str, Any]:
        """Keyword arguments of :class:`~neucube.NeuCubeClassifier` (without the seed)."""
        values = asdict(self)
        return {k: values[k] for k in self._MODEL_KEYS}

    def make_model(self, *, verbose: bool = True) -> Any:
        """The unfitted classifier (``verbose`` makes the cube log the progress records)."""
        from neucube.classifier import NeuCubeClassifier

        return NeuCubeClassifier(**self.model_params(), random_state=self.seed, verbose=verbose)

    @property
    def seeds(self) -> list[int]:
        return list(range(self.seed, self.seed + self.n_seeds))

    @classmethod
    def from_study(cls, study: Any) -> TrainSettings:
        """Defaults taken from a study's ``[encoder]``, ``[cube]``, ``[stdp]``, ``[readout]``
        and ``[evaluation]`` sections."""
        c = study.config
        enc, cube, stdp, ro, ev = (c["encoder"], c["cube"], c["stdp"], c["readout"],
                                   c["evaluation"])
        threshold = enc["threshold"]
        rate = stdp["rate"]
        state_c = ro["state_c"]
        scheme = ev["scheme"]
        # A study may list several schemes; the first is its headline, which the app runs.
        scheme = scheme[0] if isinstance(scheme, list | tuple) else scheme
        return cls(
            encoder=enc["kind"],
            encoder_threshold=threshold if threshold in (None, "auto") or isinstance(
                threshold, int | float) else None,
            encoder_alpha=float(enc["alpha"]), template=cube["template"],
            spacing_mm=float(cube["spacing_mm"]), radius=float(cube["radius"]),
            threshold=float(cube["threshold"]), leak=float(cube["leak"]),
            refractory=int(cube["refractory"]),
            stdp_rate=(cls.stdp_rate_of(*rate) if isinstance(rate, list | tuple)
                       else float(rate)),
            tau_stdp=float(stdp["tau"]), n_rounds=int(stdp["n_rounds"]), mod=float(ro["mod"]),
            drift_up=float(ro["drift_up"]), drift_down=float(ro["drift_down"]),
            readout=ro["kind"], recall=ro["recall"], k=int(ro["k"]), sigma=float(ro["sigma"]),
            n_bins=int(ro["n_bins"]),
            state_c=state_c if state_c == "auto" else float(state_c),
            scheme=scheme, n_splits=int(ev["n_splits"]), n_seeds=int(ev["n_seeds"]),
            baselines=tuple(ev["baselines"]), control=bool(ev["control"]),
            ablations=tuple(ev["ablations"]), seed=int(c["study"]["seed"]),
        )

    @classmethod
    def from_classifier(cls, **changes: Any) -> TrainSettings:
        """Model settings from :class:`~neucube.NeuCubeClassifier`'s own defaults and the
        evaluation scheme from :func:`~neucube.evaluation.evaluate`'s, read at run time (the
        app keeps no copy of them), with ``changes``."""
        import inspect

        from neucube.classifier import NeuCubeClassifier
        from neucube.evaluation import evaluate

        params = NeuCubeClassifier().get_params()
        values = {k: params[k] for k in cls._MODEL_KEYS if k in params}
        if isinstance(values.get("stdp_rate"), list):
            values["stdp_rate"] = tuple(values["stdp_rate"])
        ev = inspect.signature(evaluate).parameters
        from app.study.schema import SECTIONS

        values.update(scheme=ev["cv"].default, n_splits=ev["n_splits"].default,
                      baselines=tuple(ev["baselines"].default),
                      # Off in evaluate() for API users; on in studies, as the study default.
                      ablations=tuple(SECTIONS["evaluation"]["ablations"].default))
        return cls(**{**values, **changes})

    def with_(self, **changes: Any) -> TrainSettings:
        """A copy with ``changes``."""
        return replace(self, **changes)


def parse_state_c(text: str) -> str | float:
    """The state readout's C as typed on the Train page: ``"auto"`` or a number > 0.

    Raises
    ------
    ValueError
        Naming the field, what it expects and what was typed.
    """
    value = str(text).strip()
    if value.lower() == "auto":
        return "auto"
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not (np.isfinite(number) and number > 0):
        raise ValueError(f"State C: expected 'auto' or a number > 0 (e.g. 0.01); found {value!r}.")
    return number


def count_fits(settings: TrainSettings, trials: TrialSet) -> int:
    """NeuCube fits a job makes: every fold of every seed (again for the shuffled-label control
    and for the no-STDP ablation; the encoder-only ablation has no cube), plus the final model
    and, with the deSNN readout, the early-prediction model."""
    n_subjects = 1 if trials.subject is None else len(np.unique(trials.subject))
    per_seed = {
        "stratified": settings.n_splits,
        "loso": n_subjects,
        "per_subject": n_subjects * settings.n_splits,
    }[settings.scheme]
    extra = 2 if settings.early_prediction else 1
    models = 1 + bool(settings.control) + ("no_stdp" in settings.ablations)
    return settings.n_seeds * per_seed * models + extra


@dataclass(frozen=True)
class EarlyCurve:
    """Accuracy of predictions from the first part of each held-out trial.

    Attributes
    ----------
    fractions, accuracy : ndarray
        Fractions of the trial used and the accuracy at each.
    chance : float
        Majority-class share of the held-out trials.
    n_train, n_test : int
        Trials used to train and to test.
    """

    fractions: np.ndarray
    accuracy: np.ndarray
    chance: float
    n_train: int
    n_test: int

    def to_dict(self) -> dict[str, Any]:
        return {"fractions": self.fractions.tolist(), "accuracy": self.accuracy.tolist(),
                "chance": self.chance, "n_train": self.n_train, "n_test": self.n_test,
                "label": "NeuCube (early prediction, held-out trials)"}


@dataclass
class TrainingResult:
    """What a finished job produced."""

    settings: TrainSettings
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
        import sklearn.base  # noqa: F401
        import sklearn.model_selection  # noqa: F401

        import neucube.classifier  # noqa: F401
        import neucube.evaluation  # noqa: F401
        import neucube.readout  # noqa: F401
        import pyriemann.estimation  # noqa: F401  (the Riemannian baselines import it lazily)
        import pyriemann.tangentspace  # noqa: F401
        import pyriemann.classification  # noqa: F401
    ensure_brian2()


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


class _ProgressHandler(logging.Handler):
    """Turns the cube's log records of one thread into job progress."""

    def __init__(self, job: TrainingJob, thread_id: int) -> None:
        super().__init__(level=logging.DEBUG)
        self.job = job
        self.thread_id = thread_id

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.thread_id:
            return
        try:
            self.job._on_record(record.getMessage())
        except Exception:  # a progress display must never break the run
            self.handleError(record)


class TrainingJob:
    """One evaluation run, executed by :meth:`run` on a worker thread.

    Read :attr:`state`, :attr:`progress`, :attr:`stage` and :attr:`log` from any thread; when
    :attr:`state` is ``"done"``, :attr:`result` holds the :class:`TrainingResult`; when it is
    ``"failed"``, :attr:`error` holds the message.
    """

    def __init__(self, trials: TrialSet, settings: TrainSettings, dataset_version: int) -> None:
        self.trials = trials
        self.settings = settings
        self.dataset_version = dataset_version
        self.total_fits = count_fits(settings, trials)
        self.state = "queued"
        self.stage = "Waiting for a free worker (another session is training)"
        self.fits = 0
        self.round_fraction = 0.0
        self.compiling = False
        self.compiled = False
        self.log: list[str] = []
        self.result: TrainingResult | None = None
        self.error: str | None = None
        self.started: float | None = None
        self.finished: float | None = None
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ progress
    @property
    def progress(self) -> float:
        """Fraction done, in [0, 1]."""
        if self.state == "done":
            return 1.0
        done = max(self.fits - 1, 0) + (self.round_fraction if self.fits else 0.0)
        return float(min(max(done / self.total_fits, 0.0), 0.99))

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

    def _on_record(self, message: str) -> None:
        if _COMPILE_RE.match(message):
            self.compiling = self.compiled = True
            self._note("Compiling the cube (one-time for this network structure) ...")
        elif m := _COMPILED_RE.match(message):
            self.compiling = False
            self._note(f"Compiled the cube in {float(m.group(1)):.1f} s")
        elif _CUBE_RE.match(message):
            self.fits += 1
            self.round_fraction = 0.0
            self._note(f"NeuCube fit {self.fits}/{self.total_fits}: {message}")
        elif m := _STDP_RE.match(message):
            self.round_fraction = int(m.group(1)) / max(int(m.group(2)), 1)

    # ------------------------------------------------------------------ work
    def run(self) -> None:
        """Do the work (call on a worker thread); never raises."""
        from sklearn.base import clone
        from sklearn.model_selection import train_test_split

        from neucube.evaluation import evaluate
        from neucube.readout import DEFAULT_FRACTIONS

        self.state = "running"
        self.started = time.perf_counter()
        handler = _ProgressHandler(self, threading.get_ident())
        package_logger = logging.getLogger("neucube")
        if package_logger.level == logging.NOTSET or package_logger.level > logging.INFO:
            # The cube's progress records are INFO; without this they are never created.
            package_logger.setLevel(logging.INFO)
        package_logger.addHandler(handler)
        s, trials = self.settings, self.trials
        try:
            # Inside the try: a failed import must end the job as "failed", not leave it
            # "running" forever (the executor would swallow the exception).
            prepare_job_imports()
            model = s.make_model()
            self._set_stage(
                f"Cross-validation: {s.scheme}, {s.n_splits} folds, {s.n_seeds} seed(s), "
                f"{len(s.baselines)} baseline(s){', shuffled-label control' if s.control else ''}"
                + "".join(f", ablation {a}" for a in s.ablations)
            )
            evaluation = evaluate(
                model, trials, cv=s.scheme, n_splits=s.n_splits, seeds=s.seeds,
                baselines=list(s.baselines), control=s.control, ablations=list(s.ablations),
                n_jobs=1,
            )
            self._set_stage("Training the final model on all trials")
            final = clone(model).fit(trials)
            raster = final.raster(trials)
            if s.early_prediction:
                self._set_stage("Early prediction on held-out trials")
                early, note = self._early_curve(clone(model), trials, train_test_split,
                                                DEFAULT_FRACTIONS)
            else:
                early, note = None, NO_EARLY_NOTE
            self.finished = time.perf_counter()
            self.result = TrainingResult(
                settings=s, evaluation=evaluation, model=final, raster=raster, early=early,
                early_note=note, dataset_version=self.dataset_version, compiled=self.compiled,
                seconds=self.elapsed, log=self.log,
            )
            self._note("Done")
            self.state = "done"
        except Exception as exc:  # shown in the page; the app keeps working
            logger.exception("training job failed")
            self.finished = time.perf_counter()
            self.error = f"{type(exc).__name__}: {exc}"
            self._note(f"Failed: {self.error}")
            self.state = "failed"
        finally:
            package_logger.removeHandler(handler)

    def _early_curve(self, model: Any, trials: TrialSet, splitter: Any,
                     fractions: tuple[float, ...]) -> tuple[EarlyCurve | None, str]:
        """Train on 75 % of the trials (stratified) and predict the rest from partial trials."""
        labels = np.asarray(trials.labels)
        try:
            train, test = splitter(np.arange(trials.n_trials), test_size=0.25, stratify=labels,
                                   random_state=self.settings.seed)
        except ValueError as exc:
            return None, f"Not enough trials per class for a held-out split ({exc})."
        model.fit(trials[train])
        accuracy = model.early_predict_curve(trials[test], fractions=fractions)
        _, counts = np.unique(labels[test], return_counts=True)
        curve = EarlyCurve(np.asarray(fractions, dtype=float), np.asarray(accuracy, dtype=float),
                           float(counts.max() / counts.sum()), len(train), len(test))
        return curve, (f"Model trained on {len(train)} trials (stratified 75 %), early predictions "
                       f"on the {len(test)} held-out trials.")
