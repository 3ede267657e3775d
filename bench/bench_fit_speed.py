"""Fit time of the default NeuCubeClassifier() against NeuCubeClassifier.published().

Prints ONE JSON object: for each dataset, the wall time of one fit of each model on the same
training trials in this process (the published model first, as the reference), their ratio,
where the default's fit time goes (the Reservoir's ``fit_seconds_``: weight-scale searches,
STDP, activity measurements; the rest is encoding, the frozen pass over the training trials and
the readout), the runs of the compiled program and the calibration searches' lengths.

Datasets: ``familiarity`` (the simulated data of ``studies/familiarity.toml``: 5 subjects,
seed 2018; the first 320 trials, the size of a pooled 5-fold training set), ``familiarity_subject``
(its first subject's first 64 trials: a within-subject training fold), ``n170`` (shared N170
subject 1 as in ``bench/bench_accuracy.py``; the first 890 epochs, a 5-fold training set).
Both models build the same cube (same seed and structure): the compiled program is shared, and
it is compiled (or read from the cache) before the timed fits.

Usage: ``nice -n 10 .venv/bin/python bench/bench_fit_speed.py [--datasets familiarity,n170]``
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from neucube.classifier import NeuCubeClassifier  # noqa: E402
from neucube.cube import engine  # noqa: E402


def load(key: str, root: Path) -> Any:
    if key.startswith("familiarity"):
        from data_loaders.simulate import simulate_familiarity

        ts = simulate_familiarity(n_subjects=5, effect_size=1.0, seed=2018,
                                  n_trials_per_class=40)
        if key == "familiarity_subject":
            first = np.flatnonzero(np.asarray(ts.subject) == np.asarray(ts.subject)[0])
            return ts[first[:64]]
        return ts[:320]
    if key == "n170":
        import bench_accuracy as ba

        return ba.load_n170(root)[:890]
    raise SystemExit(f"--datasets: expected familiarity, familiarity_subject or n170; "
                     f"found {key!r}")


def timed_fit(model: NeuCubeClassifier, trials: Any) -> dict[str, Any]:
    runs = engine.run_stats()["runs"]
    start = time.perf_counter()
    model.fit(trials, np.asarray(trials.labels))
    seconds = time.perf_counter() - start
    res = model.reservoir_
    return {"seconds": round(seconds, 2),
            "reservoir": {k: round(v, 2) for k, v in res.fit_seconds_.items()},
            "program_runs": int(engine.run_stats()["runs"] - runs),
            "calibration_runs": [len(t) for t in res.calibration_trace_],
            "weight_scale": round(res.weight_scale_, 4),
            "round_scales": [round(s, 4) for s in res.round_scales_],
            "active_share_before_after": [
                round(model.activity_["before_stdp"]["active_share_mean"], 4),
                round(model.activity_["after_stdp"]["active_share_mean"], 4)],
            "stdp_spike_ratio": model.activity_["stdp_spike_ratio"]}


def bench(trials: Any) -> dict[str, Any]:
    # Compile (or load) the cube's program outside the timed fits.
    NeuCubeClassifier.published(random_state=0, n_rounds=0).fit(trials[:2],
                                                               np.asarray(trials.labels)[:2])
    pub = timed_fit(NeuCubeClassifier.published(random_state=0), trials)
    default = timed_fit(NeuCubeClassifier(random_state=0), trials)
    return {"n_trials": len(trials), "published": pub, "default": default,
            "ratio_default_to_published": round(default["seconds"] / pub["seconds"], 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="familiarity_subject,familiarity,n170")
    ap.add_argument("--data", default=os.environ.get("NEUCUBE_DATA",
                                                     str(REPO.parent / "shared" / "data")))
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore")
    out: dict[str, Any] = {}
    for key in args.datasets.split(","):
        out[key] = bench(load(key, Path(args.data)))
        print(key, json.dumps(out[key]), file=sys.stderr, flush=True)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
