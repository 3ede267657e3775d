"""Run a study end to end and write its results folder atomically.

The runner only orchestrates: every computation is a call into ``data_loaders`` (reading or
simulating the recordings) and ``neucube`` (encoding, cube, readout, evaluation, figures).
Steps:

1. load the trials named by ``[data]`` (``--data`` replaces them), with ``[events]`` and
   ``[preprocessing]`` (:mod:`neucube_study.adapters`);
2. encode them with every encoder in ``encoder.compare`` and report threshold, spike rate and
   reconstruction SNR per channel (a description of the data, so the encoders are fitted on all
   trials; classification fits them inside each training fold);
3. cross-validate the NeuCube model and the baselines on identical folds, with the
   label-shuffle control, for every scheme of ``evaluation.scheme`` (e.g. per subject and
   pooled), as independent fit jobs run serially, on joblib workers or on a Dask cluster
   (:mod:`neucube_study.jobs`); completed fits are kept for ``--resume``;
4. fit the final model on all trials and save it (``model.zip``, no pickle);
5. figures and graph exports of the final model (:mod:`neucube_study.figures`).

The results folder holds ``metrics.json`` (see :mod:`neucube_study.metrics`), ``folds.csv``,
``predictions.csv``, ``model.zip``, ``figures/``, ``graphs/``, ``encoding.csv``,
``summary.json`` (including run times), ``study.toml`` (the resolved study),
``provenance.json`` and ``run.log``. It is built in a hidden temporary sibling and renamed
into place only when complete: an interrupted run leaves no results folder. The target must be
absent, empty or a neucube results folder (or ``overwrite=True``), and only one run at a time
may write a folder or one nested in it (:mod:`neucube_study.outputs`).
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from neucube import TrialSet
from neucube._version import __version__
from neucube.classifier import ENCODERS
from neucube.encoding import encoding_report
from neucube.evaluation.jobs import Plan, assemble, plan_evaluation
from neucube.inspection.folds import inspection_metrics, pooled_importance
from neucube_study.adapters import load_source
from neucube_study.checkpoint import Checkpoint
from neucube_study.jobs import available_cores, run_jobs
from neucube_study.metrics import dumps, metrics_document, scheme_metrics, without_folds
from neucube_study.outputs import protected_paths, results_folder
from neucube_study.progress import Progress, as_callback, as_progress
from neucube_study.provenance import provenance
from neucube_study.schema import Study, StudyError, make_model

__all__ = [
    "StudyResult",
    "run_study",
    "load_trials",
    "make_encoder",
    "data_fingerprint",
    "results_folder",
    "cross_validate",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StudyResult:
    """What a run produced: the results folder and its ``summary.json`` content.

    ``evaluations`` (scheme -> :class:`~neucube.evaluation.EvaluationResult`) and ``model`` (the
    final model) are the run's objects in memory, for a front end that shows them (the web app).
    """

    out_dir: Path
    summary: dict[str, Any]
    evaluations: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    model: Any = field(default=None, compare=False, repr=False)


def make_encoder(config: dict[str, Any], kind: str | None = None) -> Any:
    """Build the encoder named by ``kind`` (default the study's encoder) from its ``[encoder]``."""
    kind = kind or config["encoder"]
    params: dict[str, Any] = {"threshold": config["encoder_threshold"]}
    if kind == "tbr":
        params["alpha"] = config["encoder_alpha"]
    elif kind == "moving_window":
        params["window"] = config["window"]
    if kind == "bsa" and isinstance(config["encoder_threshold"], list):
        params["threshold"] = np.asarray(config["encoder_threshold"])
    return ENCODERS[kind](**params)


def load_trials(
    study: Study,
    *,
    data: str | Path | None = None,
    progress: Progress | Callable[[str], None] | None = None,
) -> TrialSet:
    """Load (or simulate) the study's trials, with its event mapping and preprocessing.

    Parameters
    ----------
    study : Study
        A validated study.
    data : path-like, optional
        Recordings that replace the study's own data (``--data``).
    progress : Progress or callable, optional
        Told about each file read.
    """
    if data is not None:
        study = study.with_overrides(data=data)
    progress = as_progress(progress)
    source = study.config["data"]["source"]
    logger.info("loading data: source=%s", source)
    task = "reading files"

    def files_done(done: int, total: int) -> None:
        if done == 1:
            progress.start(task, total, "files")
        progress.advance(task)
        if done == total:
            progress.finish(task)

    trials = load_source(source, study.config["data"]["args"],
                         preprocessing=study.config["preprocessing"], events=study.config["events"],
                         seed=study.seed, progress=files_done)
    present = [c for c, n in trials.class_counts().items() if n > 0]
    if len(present) < 2:
        raise StudyError(f"events: the data hold trials of {len(present)} class(es) "
                         f"({', '.join(present) or 'none'}); a study needs at least two")
    return trials


def data_fingerprint(trials: TrialSet) -> str:
    """SHA-256 of the trials' samples, labels, channels and subjects (provenance, resume)."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(trials.X).tobytes())
    h.update(json.dumps([trials.labels.tolist(), list(trials.ch_names), trials.sfreq, trials.tmin,
                         None if trials.subject is None else trials.subject.tolist()]).encode())
    return h.hexdigest()


def _trials_summary(trials: TrialSet) -> dict[str, Any]:
    meta = trials.metadata
    return {
        "n_trials": trials.n_trials,
        "class_counts": trials.class_counts(),
        "n_subjects": None if trials.subject is None else int(len(np.unique(trials.subject))),
        "n_channels": trials.n_channels,
        "ch_names": list(trials.ch_names),
        "sfreq": trials.sfreq,
        "tmin": trials.tmin,
        "tmax": trials.tmax,
        "n_times": trials.n_times,
        "space": trials.space,
        "ground_truth": meta.get("ground_truth"),
    }


def _encoding_report(
    trials: TrialSet, config: dict[str, Any], progress: Progress
) -> tuple[dict[str, Any], str]:
    """Fit each compared encoder on all trials; return the summary and a per-channel CSV."""
    rows: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    X = np.asarray(trials.X, dtype=np.float64)
    task = "encoding"
    progress.start(task, len(config["compare"]), "encoders")
    for kind in config["compare"]:
        encoder = make_encoder(config, kind).fit(X)
        # SNR of the zero-mean signal (centre=True): a DC offset would inflate the ratio.
        report = encoding_report(encoder, trials)
        summary[kind] = {
            "mean_snr_db": report.mean_snr_db,
            "spike_rate": report.overall_spike_rate,
            "spike_rate_by_class": report.spike_rate_by_class,
        }
        rows += [{"encoder": kind, **row} for row in report.rows()]
        logger.info("encoder %-13s SNR %6.2f dB, spike rate %.3f", kind,
                    summary[kind]["mean_snr_db"], summary[kind]["spike_rate"])
        progress.advance(task)
    progress.finish(task)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    return summary, buf.getvalue()


def _run_key(study: Study, trials: TrialSet, command: str) -> str:
    config = {k: v for k, v in study.config.items() if k not in ("output", "figures")}
    config["evaluation"] = {k: v for k, v in config["evaluation"].items() if k != "n_jobs"}
    return Checkpoint.run_key({"command": command, "config": config,
                               "data": data_fingerprint(trials), "neucube": __version__})


def cross_validate(
    study: Study,
    trials: TrialSet,
    model: Any,
    *,
    model_name: str = "neucube",
    search: bool = False,
    n_jobs: int = 1,
    scheduler: str | None = None,
    progress: Progress | None = None,
    checkpoint: Checkpoint | None = None,
    schemes: list[str] | None = None,
) -> dict[str, tuple[Any, list[dict[str, Any]]]]:
    """Cross-validate ``model`` and the baselines for every scheme of the study (or ``schemes``).

    Returns
    -------
    dict
        ``scheme -> (EvaluationResult, extras per job)``, in the study's scheme order.
    """
    ev = study.config["evaluation"]
    plans: list[Plan] = []
    for scheme in schemes or study.schemes:
        try:
            plans.append(plan_evaluation(
                model, trials, scheme=scheme, n_splits=ev["n_splits"],
                seeds=range(study.seed, study.seed + ev["n_seeds"]), baselines=ev["baselines"],
                control=ev["control"], early=ev["early_prediction"], search=search,
                model_name=model_name,
                inspect=ev["importance"] and scheme == (schemes or study.schemes)[0],
                ablations=ev["ablations"],
            ))
        except ValueError as exc:
            raise StudyError(
                f"evaluation.scheme: {scheme!r} cannot split these trials: {exc}"
            ) from exc
    jobs = [job for plan in plans for job in plan.jobs]
    logger.info("cross-validation: %d fits (%s; seeds %s; n_jobs %s%s)", len(jobs),
                ", ".join(p.scheme for p in plans), plans[0].seeds, n_jobs,
                f"; scheduler {scheduler}" if scheduler else "")
    results = run_jobs(jobs, trials, n_jobs=n_jobs, scheduler=scheduler, progress=progress,
                       checkpoint=checkpoint)
    out, start = {}, 0
    for plan in plans:
        out[plan.scheme] = assemble(plan, results[start:start + len(plan.jobs)])
        start += len(plan.jobs)
    return out


def _frames(evaluations: dict[str, tuple[Any, list]]) -> tuple[Any, Any]:
    import pandas as pd

    folds = pd.concat([r.folds.assign(scheme=s) for s, (r, _) in evaluations.items()],
                      ignore_index=True)
    preds = pd.concat([r.predictions.assign(scheme=s) for s, (r, _) in evaluations.items()],
                      ignore_index=True)
    first = ["scheme"]
    return (folds[first + [c for c in folds.columns if c not in first]],
            preds[first + [c for c in preds.columns if c not in first]])


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def run_study(
    study: Study,
    *,
    out: str | Path | None = None,
    data: str | Path | None = None,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    progress: Progress | Callable[[str], None] | None = None,
    resume: bool = False,
    figures: bool | None = None,
    overwrite: bool = False,
    trials: TrialSet | None = None,
) -> StudyResult:
    """Run ``study`` and write its results folder.

    Parameters
    ----------
    study : Study
        A validated study (see :func:`neucube_study.load_study`).
    out : path-like, optional
        Results folder; default ``output.dir`` of the study.
    data : path-like, optional
        Recordings to use instead of the study's own data (``--data``).
    n_jobs : int, optional
        Parallel fits (joblib processes); default ``evaluation.n_jobs`` of the study, else
        every core this process may use (:func:`neucube_study.jobs.available_cores`).
    scheduler : str, optional
        Dask scheduler address (``tcp://host:port``); the fits then run on its workers.
    progress : Progress or callable, optional
        Progress receiver (:mod:`neucube_study.progress`); a ``callable(message)`` gets one line per
        step and per completed item.
    resume : bool, default=False
        Reuse the fits an interrupted run of the same study, seed and data completed.
    figures : bool, optional
        Write figures (default ``figures.enabled``).
    overwrite : bool, default=False
        Replace a folder at ``out`` that is not a neucube results folder (``--overwrite``). An
        absent folder, an empty one or a neucube results folder is written without it; a file,
        the study file and its data are never replaced (see :mod:`neucube_study.outputs`).
    trials : TrialSet, optional
        The study's trials, already loaded by :func:`load_trials` (the web app loads them
        when the study is chosen); default: load them.

    Returns
    -------
    StudyResult
    """
    if data is not None:
        study = study.with_overrides(data=data)
    out_dir = Path(out).resolve() if out is not None else study.output_dir()
    progress = as_progress(progress)
    ev = study.config["evaluation"]
    n_jobs = n_jobs or ev["n_jobs"] or available_cores()
    want_figures = study.config["figures"]["enabled"] if figures is None else figures
    t0 = time.perf_counter()
    times: dict[str, float] = {}

    def lap(stage: str, since: float) -> float:
        now = time.perf_counter()
        times[stage] = round(now - since, 3)
        return now

    with results_folder(out_dir, overwrite=overwrite, protected=protected_paths(study),
                        study=study.name) as tmp, contextlib.ExitStack() as stack:
        progress.step("loading trials")
        if trials is None:
            trials = load_trials(study, progress=progress)
        logger.info("%r", trials)
        t = lap("load", t0)
        progress.step("encoding spikes (encoder comparison)")
        encoding, encoding_csv = _encoding_report(trials, study.config["encoder"], progress)
        t = lap("encode", t)

        checkpoint = Checkpoint(out_dir, _run_key(study, trials, "run"), resume=resume)
        stack.callback(_keep_fits_hint, checkpoint)
        progress.step(f"classifying: NeuCube and baselines, {' and '.join(study.schemes)} "
                      "cross-validation (each worker compiles the cube once)")
        evaluations = cross_validate(study, trials, make_model(study.config, seed=study.seed),
                                     n_jobs=n_jobs, scheduler=scheduler, progress=progress,
                                     checkpoint=checkpoint)
        schemes = {s: scheme_metrics(r, extras) for s, (r, extras) in evaluations.items()}
        # What the model used (neucube.inspection.folds): primary scheme, first seed.
        first_scheme = study.schemes[0]
        schemes[first_scheme].update(
            inspection_metrics(evaluations[first_scheme][1], trials, study.seed))
        metrics = metrics_document(study.name, study.seed, schemes)
        _write(tmp / "metrics.json", dumps(metrics))
        folds, preds = _frames(evaluations)
        folds.to_csv(tmp / "folds.csv", index=False, float_format="%.6g")
        preds.to_csv(tmp / "predictions.csv", index=False, float_format="%.6g")
        t = lap("classify", t)

        progress.step(f"fitting the final model on all {trials.n_trials} trials")
        model = make_model(study.config, seed=study.seed).set_params(verbose=True)
        model.fit(trials, progress=as_callback(progress))
        model.set_params(verbose=False)
        model.save(tmp / "model.zip")
        t = lap("final_model", t)
        stages = ["load", "encode", "classify", "final_model"]

        manifest = None
        if want_figures:
            progress.step("figures and graph exports")
            primary, _ = evaluations[study.schemes[0]]
            manifest = _figures(model, trials, tmp, study, primary,
                                metrics.get("early_prediction"), progress,
                                importance=pooled_importance(evaluations[study.schemes[0]][1],
                                                             trials, study.seed),
                                early_curves=metrics.get("early_prediction_all"))
            t = lap("figures", t)
            stages.append("figures")

        summary = {
            "study": study.name,
            "seed": study.seed,
            "data": _trials_summary(trials),
            "encoding": {"primary": study.config["encoder"]["encoder"], "encoders": encoding},
            "classification": without_folds(metrics),
            "final_model": {"file": "model.zip", "n_neurons": int(model.reservoir_.n_neurons_),
                            "n_synapses": int(model.reservoir_.pre_.size),
                            # How much of the cube the trials activate (share of non-input
                            # neurons firing per trial, spikes per trial before/after STDP,
                            # farthest firing distance from an input).
                            "activity": model.activity_},
            "figures": None if manifest is None else {
                "manifest": "figures/manifest.json",
                "n_figures": len(manifest["figures"]),
                "skipped": manifest.get("skipped", []),
                "windows": manifest.get("windows", []),
            },
            "stages_done": stages,
            "stage_times_s": times,
            "wall_time_s": round(time.perf_counter() - t0, 3),
            "n_jobs": n_jobs,
            "scheduler": scheduler,
        }
        _write(tmp / "summary.json", json.dumps(summary, indent=2, default=str) + "\n")
        _write(tmp / "encoding.csv", encoding_csv)
        _write(tmp / "study.toml", study.to_toml())
        prov = provenance(study_digest=study.digest(), seed=study.seed, study_path=study.path,
                          data_sha256=data_fingerprint(trials), command="run", n_jobs=n_jobs,
                          scheduler=scheduler, wall_time_s=summary["wall_time_s"])
        _write(tmp / "provenance.json", json.dumps(prov, indent=2) + "\n")
        stack.pop_all()
    checkpoint.remove()
    return StudyResult(out_dir, summary, {s: r for s, (r, _) in evaluations.items()}, model)


def _keep_fits_hint(checkpoint: Checkpoint) -> None:
    """On a failed run, say that its completed fits are kept for ``--resume``."""
    n = checkpoint.count()
    if n:
        logger.warning("the run stopped; its %d completed cross-validation fits are kept in %s: "
                       "run it again with --resume to reuse them", n, checkpoint.folder)


def _figures(model: Any, trials: TrialSet, tmp: Path, study: Study, evaluation: Any,
             early: dict[str, Any] | None, progress: Progress, *, importance: Any = None,
             early_curves: dict[str, Any] | None = None) -> dict[str, Any]:
    from neucube_study.figures import write_figures

    return write_figures(model, trials, tmp, study.config["figures"], evaluation=evaluation,
                         early=early, progress=progress, importance=importance,
                         early_curves=early_curves)
