"""Lab-scale benchmark: the default study on 20 simulated subjects x 64 channels x 200 trials.

The default study (``studies/familiarity.toml``: BSA + cube + state readout, per-subject and
pooled 5-fold, the three baselines, the shuffled-label control, figures) is run by
:func:`neucube_study.run_study` on ``simulate_familiarity`` data with 64 channels of the 10-10
system (the BioSemi-64 sites), 100 trials per class and subject, at 128 Hz and 256 Hz, with
``--n-jobs`` worker processes (default 2). The cube is compiled into a fresh cache, so a run
includes the cold build a new user pays once.

Printed per sampling rate:

- ``stage_s``: wall time per stage of the study (load, encode, classify, final model, figures);
- ``per_fit``: one NeuCube fit (a subject's first training fold, 160 trials) and its scoring,
  repeated in this process after the study (warm build), profiled by stage: ``encode``,
  ``stdp`` (STDP pass), ``frozen`` (frozen passes over training and test trials), ``readout``
  (binning, penalty selection and fit), ``program`` (the compiled simulator, inside stdp and
  frozen) and ``file_io`` (writing its inputs and reading its results), with the bytes of
  temporary files the fit wrote (``temp_bytes``) against the size of the spike rasters its
  readout read (``raster_bytes``: 6 bytes per spike, the neuron and step of each);
- ``reference_fit_s``: the ``vectorizer_logreg`` baseline on the same fold (same process), and
  ``ratio`` = NeuCube fit / reference;
- ``peak_rss_mb``: peak resident memory of this process and its workers together (polled);
- ``n_fits``: cross-validation fits of the study (NeuCube, control and baselines);
- ``fit_time_by_model_s``: the fits' own seconds per model (from ``folds.csv``: wall time in
  the workers, fit only, so shares rather than totals are what compares across loads).

Usage::

    .venv/bin/python bench/bench_study.py                       # 20 subjects, 128 and 256 Hz
    .venv/bin/python bench/bench_study.py --subjects 2 --sfreq 128   # a cheap slice

The last stdout line is one JSON object; its top-level ``wall_s``, ``classify_s``,
``figures_s``, ``per_fit_s``, ``temp_bytes_per_fit``, ``peak_rss_mb`` and ``n_fits`` are those
of the first sampling rate run (all rates are under ``runs``).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import sys
import tempfile
import threading
import time
import tomllib
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: 64 sites of the 10-10 system (the BioSemi 64-channel cap).
CH_NAMES_64 = (
    "Fp1", "AF7", "AF3", "F1", "F3", "F5", "F7", "FT7", "FC5", "FC3", "FC1", "C1", "C3", "C5",
    "T7", "TP7", "CP5", "CP3", "CP1", "P1", "P3", "P5", "P7", "P9", "PO7", "PO3", "O1", "Iz",
    "Oz", "POz", "Pz", "CPz", "Fpz", "Fp2", "AF8", "AF4", "AFz", "Fz", "F2", "F4", "F6", "F8",
    "FT8", "FC6", "FC4", "FC2", "FCz", "Cz", "C2", "C4", "C6", "T8", "TP8", "CP6", "CP4", "CP2",
    "P2", "P4", "P6", "P8", "P10", "PO8", "PO4", "O2",
)


class TreeMemory:
    """Peak resident memory of this process plus all its descendants (polled from /proc), and
    the CPU seconds they used (``cpu_s``).

    CPU time, unlike wall time, hardly depends on what else runs on the machine, so
    ``main_cpu_s + (cpu_s - main_cpu_s) / n_jobs`` estimates the wall time of the same run on
    idle cores: this process's own CPU is taken as serial (loading, encoding, the final model and
    the figures run here; it mostly waits while the workers classify) and the rest as spread
    evenly over the workers. It counts this process and every child it reaped (the
    cross-validation workers and the compiled simulator runs), plus the children still alive at
    the end (joblib keeps its workers for reuse) with the simulator runs they reaped.
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.peak_mb = 0.0
        self.cpu_s = 0.0
        self.main_cpu_s = 0.0
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    @staticmethod
    def _tree_rss_mb() -> float:
        import psutil

        me = psutil.Process()
        total = 0
        for proc in [me, *me.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, self._tree_rss_mb())
            self._stop.wait(self._interval)

    @staticmethod
    def _cpu_s(proc: Any) -> float:
        t = proc.cpu_times()
        return t.user + t.system + t.children_user + t.children_system

    def _tree_cpu_s(self) -> tuple[float, float]:
        """(CPU seconds of the tree, of this process alone)."""
        import psutil

        me = psutil.Process()
        total = self._cpu_s(me)
        for child in me.children(recursive=False):
            try:
                total += self._cpu_s(child)
            except psutil.Error:
                pass
        own = me.cpu_times()
        return total, own.user + own.system

    def __enter__(self) -> TreeMemory:
        self._cpu0 = self._tree_cpu_s()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        cpu, main = self._tree_cpu_s()
        self.cpu_s, self.main_cpu_s = cpu - self._cpu0[0], main - self._cpu0[1]


def make_study(n_subjects: int, sfreq: float, n_trials: int, n_jobs: int, figures: bool) -> Any:
    """The default study with the lab-scale simulated data."""
    from neucube_study.schema import parse_study

    raw = tomllib.loads((REPO / "studies" / "familiarity.toml").read_text())
    raw["study"]["name"] = f"lab_scale_{n_subjects}x64_{int(sfreq)}hz"
    raw["data"].update(n_subjects=n_subjects, sfreq=float(sfreq), ch_names=list(CH_NAMES_64),
                       n_trials_per_class=n_trials // 2)
    raw["evaluation"]["n_jobs"] = n_jobs
    raw.setdefault("figures", {})["enabled"] = figures
    return parse_study(raw)


def _cum(stats: pstats.Stats, file_suffix: str, names: tuple[str, ...]) -> float:
    """Cumulative seconds of the functions ``names`` defined in a file ending ``file_suffix``."""
    total = 0.0
    for (file, _line, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if file.replace(os.sep, "/").endswith(file_suffix) and name in names:
            total += row[3]
    return total


def profile_fit(study: Any, trials: Any) -> dict[str, Any]:
    """One NeuCube fit + scoring on the first subject's first per-subject fold, by stage."""
    from neucube.cube.engine import run_stats
    from neucube.evaluation.baselines import make_baseline
    from neucube.evaluation.cross_validation import cv_splits
    from neucube_study.schema import make_model

    labels = trials.labels.astype(str)
    train, test, _ = next(iter(cv_splits("per_subject", labels, trials.subject, 5, study.seed)))
    model = make_model(study.config, seed=study.seed)
    model.fit(trials[train])  # warm-up: the build is in the cache, this loads it
    before = run_stats()
    prof = cProfile.Profile()
    t0 = time.perf_counter()
    prof.enable()
    model.fit(trials[train])
    proba = model.predict_proba(trials[test])
    prof.disable()
    fit_s = time.perf_counter() - t0
    after = run_stats()
    stats = pstats.Stats(prof)
    n_spikes = int(model.train_raster_.n_spikes) + int(model.raster(trials[test]).n_spikes)
    ref = make_baseline("vectorizer_logreg")
    X = np.asarray(trials.X)
    t1 = time.perf_counter()
    ref.fit(X[train], labels[train]).predict_proba(X[test])
    ref_s = time.perf_counter() - t1
    temp = int(after["temp_bytes"] - before["temp_bytes"])
    raster_bytes = 6 * n_spikes
    return {
        "fit_s": round(fit_s, 3),
        "encode_s": round(_cum(stats, "neucube/encoding/_base.py", ("transform",)), 3),
        "stdp_s": round(_cum(stats, "neucube/cube/reservoir.py", ("fit",)), 3),
        "frozen_s": round(_cum(stats, "neucube/cube/reservoir.py", ("transform",)), 3),
        "readout_s": round(_cum(stats, "neucube/readout/state.py", ("fit", "predict_proba"))
                           + _cum(stats, "neucube/readout/desnn.py", ("fit", "predict_proba")), 3),
        "program_s": round(after["program_s"] - before["program_s"], 3),
        "file_io_s": round(after["io_s"] - before["io_s"], 3),
        "program_runs": int(after["runs"] - before["runs"]),
        "temp_bytes": temp,
        "raster_bytes": raster_bytes,
        "temp_over_raster": round(temp / max(raster_bytes, 1), 2),
        "n_train": int(train.size),
        "n_test": int(test.size),
        "mean_proba_first_class": round(float(proba[:, 0].mean()), 6),
        "reference_fit_s": round(ref_s, 3),
        "ratio": round(fit_s / ref_s, 1) if ref_s > 0 else None,
        "top_own_time": _top(stats, 8),
    }


def _top(stats: pstats.Stats, n: int) -> list[list[Any]]:
    """The ``n`` functions with the most own time (excluding callees): [file:line name, s]."""
    rows = sorted(stats.stats.items(), key=lambda kv: kv[1][2], reverse=True)  # type: ignore[attr-defined]
    return [[f"{Path(file).name}:{line} {name}", round(row[2], 3)]
            for (file, line, name), row in rows[:n]]


def run_one(n_subjects: int, sfreq: float, n_trials: int, n_jobs: int, figures: bool) -> dict:
    """Run the study once into a temporary folder; return its measurements."""
    from neucube_study import run_study
    from neucube_study.runner import load_trials

    study = make_study(n_subjects, sfreq, n_trials, n_jobs, figures)
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="neucube-bench-study-") as tmp:
        os.environ["NEUCUBE_CACHE_DIR"] = str(Path(tmp) / "cache")  # cold build, inherited
        t0 = time.perf_counter()
        with TreeMemory() as memory:
            result = run_study(study, out=Path(tmp) / "results", n_jobs=n_jobs)
        wall = time.perf_counter() - t0
        folds = _read_folds(Path(tmp) / "results" / "folds.csv")
        n_fits = len(folds)
        summary = result.summary
        trials = load_trials(study)
        per_fit = profile_fit(study, trials)
    stages = summary["stage_times_s"]
    cls = summary["classification"]
    schemes = cls.get("schemes", {cls.get("scheme"): cls})
    return {
        "n_subjects": n_subjects, "n_channels": len(CH_NAMES_64), "n_trials_per_subject": n_trials,
        "sfreq": sfreq, "n_steps": int(summary["data"]["n_times"]), "n_jobs": n_jobs,
        "figures": figures,
        "wall_s": round(wall, 1),
        "cpu_s": round(memory.cpu_s, 1),
        "main_cpu_s": round(memory.main_cpu_s, 1),
        "idle_wall_estimate_s": round(
            memory.main_cpu_s + (memory.cpu_s - memory.main_cpu_s) / n_jobs, 1),
        "load_avg_start": load_start,
        "stage_s": stages,
        "classify_s": stages.get("classify"),
        "figures_s": stages.get("figures"),
        "n_fits": n_fits,
        "classify_s_per_fit_per_worker": round(stages["classify"] * n_jobs / n_fits, 3),
        "fit_time_by_model_s": _by_model(folds),
        "per_fit": per_fit,
        "per_fit_s": per_fit["fit_s"],
        "temp_bytes_per_fit": per_fit["temp_bytes"],
        "peak_rss_mb": round(memory.peak_mb, 1),
        "accuracy": _headline(schemes),
    }


def _read_folds(path: Path) -> list[dict[str, str]]:
    """The rows of the study's ``folds.csv``."""
    import csv

    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def _by_model(folds: list[dict[str, str]]) -> dict[str, dict[str, float]]:
    """Fit seconds per model (wall time in the workers, fit only, from ``folds.csv``): total,
    number of fits and share of all fits' time, largest first."""
    totals: dict[str, list[float]] = {}
    for row in folds:
        totals.setdefault(row["model"], []).append(float(row["fit_time_s"]))
    grand = sum(sum(v) for v in totals.values()) or 1.0
    ranked = sorted(totals.items(), key=lambda kv: -sum(kv[1]))
    return {m: {"total_s": round(sum(v), 1), "n": len(v), "share": round(sum(v) / grand, 3)}
            for m, v in ranked}


def _headline(schemes: Any) -> Any:
    """Mean accuracy per scheme: NeuCube, each baseline, ablation and control (the summary's
    layout, as ``neucube_study/report.py`` reads it)."""
    try:
        out = {}
        for scheme, cls in schemes.items():
            models = {"neucube": cls["model"], **cls["baselines"],
                      **{s["name"]: s for s in cls.get("ablations", {}).values()},
                      **cls["control"]}
            out[scheme] = {m: round(float(v["accuracy"]["mean"]), 4) for m, v in models.items()}
        return out
    except (KeyError, TypeError, AttributeError):
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=20)
    parser.add_argument("--sfreq", type=float, nargs="+", default=[128.0, 256.0])
    parser.add_argument("--trials", type=int, default=200, help="trials per subject")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--no-figures", action="store_true")
    args = parser.parse_args(argv)
    runs = []
    for sfreq in args.sfreq:
        run = run_one(args.subjects, sfreq, args.trials, args.n_jobs, not args.no_figures)
        print(json.dumps(run), file=sys.stderr, flush=True)
        runs.append(run)
    import brian2

    first = runs[0]
    out = {k: first[k] for k in ("wall_s", "classify_s", "figures_s", "per_fit_s",
                                 "temp_bytes_per_fit", "peak_rss_mb", "n_fits")}
    out.update(runs=runs, python=platform.python_version(), brian2=brian2.__version__,
               numpy=np.__version__, cpus=os.cpu_count(), load_avg_end=os.getloadavg())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
