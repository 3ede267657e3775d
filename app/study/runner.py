"""Run a study end to end and write its results folder atomically.

The runner only orchestrates: every computation is a call into ``data_loaders`` (reading or
simulating the recordings) and ``neucube`` (encoding, and in later stages the cube, readout,
evaluation and figures). Steps so far:

1. load the trials named by ``[data]``;
2. encode them with every encoder in ``encoder.compare`` and report threshold, spike rate and
   reconstruction SNR per channel (a descriptive report of the data, so the encoders are fitted
   on all trials; classification fits them inside each training fold);
3. cross-validate the NeuCube model (encoder, cube with STDP, deSNN readout) and the baselines
   on identical folds, with the label-shuffle control.

The results folder holds ``metrics.json`` (per-model summaries: ``{"model": ..., "baselines":
...}``), ``folds.csv``, ``predictions.csv``, ``summary.json``, ``encoding.csv``, ``study.toml``
(the resolved study), ``provenance.json`` and ``run.log``. It is built in a temporary sibling and renamed into
place only when complete.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.study.provenance import provenance
from app.study.schema import Study, _data_loaders
from neucube import TrialSet
from neucube._atomic import atomic_directory
from neucube.classifier import NeuCubeClassifier
from neucube.evaluation import evaluate
from neucube.encoding import (
    BSAEncoder,
    MovingWindowEncoder,
    StepForwardEncoder,
    TBREncoder,
    snr,
    spike_rate,
)

__all__ = ["StudyResult", "run_study", "load_trials", "make_encoder", "make_classifier"]

logger = logging.getLogger(__name__)

_ENCODERS = {
    "tbr": TBREncoder,
    "step_forward": StepForwardEncoder,
    "moving_window": MovingWindowEncoder,
    "bsa": BSAEncoder,
}


@dataclass(frozen=True)
class StudyResult:
    """What a run produced: the results folder and its ``summary.json`` content."""

    out_dir: Path
    summary: dict[str, Any]


def make_encoder(config: dict[str, Any], kind: str | None = None) -> Any:
    """Build the encoder named by ``kind`` (default ``encoder.kind``) from the study's settings."""
    kind = kind or config["kind"]
    params: dict[str, Any] = {"threshold": config["threshold"]}
    if kind == "tbr":
        params["alpha"] = config["alpha"]
    elif kind == "moving_window":
        params["window"] = config["window"]
    if kind == "bsa" and isinstance(config["threshold"], list):
        params["threshold"] = np.asarray(config["threshold"])
    return _ENCODERS[kind](**params)


def make_classifier(config: dict[str, Any], *, seed: int) -> NeuCubeClassifier:
    """The study's NeuCube model: encoder, cube, STDP and readout sections as parameters."""
    enc, cube, stdp, readout = config["encoder"], config["cube"], config["stdp"], config["readout"]
    encoder: Any = enc["kind"]
    if enc["kind"] == "moving_window" and enc["window"] != 5:
        encoder = make_encoder(enc)  # the window length is not a classifier parameter
    return NeuCubeClassifier(
        encoder=encoder,
        encoder_threshold=enc["threshold"],
        encoder_alpha=enc["alpha"],
        template=cube["template"],
        spacing_mm=cube["spacing_mm"],
        radius=cube["radius"],
        connectivity=cube["connectivity"],
        threshold=cube["threshold"],
        leak=cube["leak"],
        refractory=cube["refractory"],
        neuron_model=cube["neuron_model"],
        backend=cube["backend"],
        stdp_rate=stdp["rate"],
        tau_stdp=stdp["tau"],
        n_rounds=stdp["n_rounds"],
        mod=readout["mod"],
        drift_up=readout["drift_up"],
        drift_down=readout["drift_down"],
        recall=readout["recall"],
        k=readout["k"],
        sigma=readout["sigma"],
        c=readout["c"],
        random_state=seed,
    )


def load_trials(study: Study, *, data: str | Path | None = None) -> TrialSet:
    """Load (or simulate) the study's trials; ``data`` overrides the data path (``--data``)."""
    source = study.config["data"]["source"]
    args = dict(study.config["data"]["args"])
    loader = _data_loaders()[source]
    if source == "simulate":
        if data is not None:
            raise ValueError("--data: the study simulates its data; --data applies to studies that read recordings")
        args.setdefault("seed", study.seed)
    logger.info("loading data: source=%s", source)
    return loader(**args)


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


def _encoding_report(trials: TrialSet, config: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Fit each compared encoder on all trials; return the summary and a per-channel CSV."""
    rows: list[dict[str, Any]] = []
    summary: dict[str, Any] = {}
    X = np.asarray(trials.X, dtype=np.float64)
    for kind in config["compare"]:
        encoder = make_encoder(config, kind).fit(X)
        spikes = encoder.transform(X)
        recon = encoder.inverse_transform(spikes) if kind == "bsa" else encoder.inverse_transform(
            spikes, initial=X[..., 0]
        )
        # SNR of the zero-mean signal: a DC offset would inflate the ratio without telling
        # anything about how well the dynamics are represented.
        centred = X - X.mean(axis=-1, keepdims=True)
        recon_c = recon - recon.mean(axis=-1, keepdims=True)
        ch_snr = snr(centred, recon_c, axis=(0, 2))
        ch_rate = (spikes != 0).mean(axis=(0, 2))
        by_class = {
            name: float(spike_rate(spikes[trials.y == k])) for k, name in enumerate(trials.class_names)
            if np.any(trials.y == k)
        }
        summary[kind] = {
            "mean_snr_db": float(np.mean(np.minimum(ch_snr, 300.0))),
            "spike_rate": float(spike_rate(spikes)),
            "spike_rate_by_class": by_class,
        }
        for c, name in enumerate(trials.ch_names):
            rows.append({
                "encoder": kind,
                "channel": name,
                "threshold": float(encoder.threshold_[c]),
                "spike_rate": float(ch_rate[c]),
                "snr_db": float(ch_snr[c]),
            })
        logger.info("encoder %-13s SNR %6.2f dB, spike rate %.3f", kind, summary[kind]["mean_snr_db"], summary[kind]["spike_rate"])
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    return summary, buf.getvalue()


def run_study(
    study: Study,
    *,
    out: str | Path | None = None,
    data: str | Path | None = None,
    n_jobs: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> StudyResult:
    """Run ``study`` and write its results folder.

    Parameters
    ----------
    study : Study
        A validated study (see :func:`app.study.load_study`).
    out : path-like, optional
        Results folder; default ``output.dir`` of the study.
    data : path-like, optional
        Recordings to use instead of the study's own data path.
    n_jobs : int, optional
        Parallel folds; default ``evaluation.n_jobs`` of the study.
    progress : callable, optional
        Called with a short description at the start of each step (the CLI shows it).

    Returns
    -------
    StudyResult
    """
    out_dir = Path(out).resolve() if out is not None else study.output_dir()
    step = progress or (lambda msg: logger.info(msg))
    t0 = time.perf_counter()
    with atomic_directory(out_dir) as tmp:
        handler = logging.FileHandler(tmp / "run.log", encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.setLevel(logging.INFO)
        root = logging.getLogger()
        root.addHandler(handler)
        previous_level = root.level
        # The run log always records INFO, whatever the caller's terminal verbosity.
        root.setLevel(min(previous_level or logging.INFO, logging.INFO))
        try:
            step("loading trials")
            trials = load_trials(study, data=data)
            logger.info("%r", trials)
            step("encoding spikes")
            encoding, encoding_csv = _encoding_report(trials, study.config["encoder"])
            ev = study.config["evaluation"]
            step(f"classifying: NeuCube and baselines, {ev['scheme']} cross-validation "
                 "(the first fold compiles the cube once)")
            result = evaluate(
                make_classifier(study.config, seed=study.seed),
                trials,
                cv=ev["scheme"],
                n_splits=ev["n_splits"],
                seeds=range(study.seed, study.seed + ev["n_seeds"]),
                baselines=ev["baselines"],
                control=ev["control"],
                n_jobs=n_jobs or ev["n_jobs"],
            )
            metrics = result.to_dict()
            (tmp / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
            result.predictions.to_csv(tmp / "predictions.csv", index=False, float_format="%.6g")
            result.folds.to_csv(tmp / "folds.csv", index=False, float_format="%.6g")
            summary = {
                "study": study.name,
                "seed": study.seed,
                "data": _trials_summary(trials),
                "encoding": {"primary": study.config["encoder"]["kind"], "encoders": encoding},
                "classification": metrics,
                "stages_done": ["load", "encode", "classify"],
                "wall_time_s": round(time.perf_counter() - t0, 3),
            }
            (tmp / "summary.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
            (tmp / "encoding.csv").write_text(encoding_csv, encoding="utf-8")
            (tmp / "study.toml").write_text(study.to_toml(), encoding="utf-8")
            prov = provenance(study_digest=study.digest(), seed=study.seed, study_path=study.path)
            (tmp / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n", encoding="utf-8")
        finally:
            root.removeHandler(handler)
            root.setLevel(previous_level)
            handler.close()
    return StudyResult(out_dir, summary)
