"""Throughput of the spike encoders, printed as one JSON object (a benchmark, not a test).

For each encoder (default threshold rule) and each workload, ``(n_trials, n_channels, n_times)``
= 60 x 14 x 128 (the NeuCube wrist-movement demo's size) and 1000 x 64 x 256:

- ``fit_s``: time of ``fit`` (threshold rule, BSA normalisation and filter);
- ``transform_s`` and ``samples_per_s``: time and throughput of ``transform`` (encoding);
- ``reconstruct_samples_per_s``: throughput of encode + decode.

On the small workload, a naive pure-Python loop (one trial, one channel, one sample at a time,
written from the spec) encodes the same data with the fitted thresholds in the same process:
``naive_samples_per_s``, ``speedup_vs_naive`` (vectorised / naive throughput) and
``matches_naive`` (identical spikes). ``auto_fit_s`` times ``threshold="auto"`` on the small
workload. Times are the best of ``--repeat`` runs.

Usage::

    .venv/bin/python bench/bench_encoders.py [--repeat 3] [--seed 0] [--skip-large]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable

import numpy as np

from neucube.encoding import (
    BSAEncoder,
    MovingWindowEncoder,
    StepForwardEncoder,
    TBREncoder,
)
from neucube.encoding._base import BaseSpikeEncoder
from neucube.encoding.reference import (
    reference_bsa,
    reference_moving_window,
    reference_step_forward,
    reference_tbr,
)

WORKLOADS = {"small_60x14x128": (60, 14, 128), "large_1000x64x256": (1000, 64, 256)}


def make_data(shape: tuple[int, int, int], seed: int) -> np.ndarray:
    """EEG-like trials: a random walk (1/f^2 background) plus a 10 Hz rhythm and white noise."""
    rng = np.random.default_rng(seed)
    n_trials, n_channels, n_times = shape
    t = np.arange(n_times) / 128.0
    walk = np.cumsum(rng.normal(size=shape), axis=-1)
    phase = rng.uniform(0, 2 * np.pi, (n_trials, n_channels, 1))
    rhythm = 5.0 * np.sin(2 * np.pi * 10.0 * t + phase)
    return walk + rhythm + rng.normal(size=shape)


# ------------------------------------------------------------------ naive references
# The pure-Python loops of neucube.encoding.reference, applied trial by trial.
def naive_transform(enc: BaseSpikeEncoder, X: np.ndarray) -> np.ndarray:
    """Encode ``X`` trial by trial, channel by channel, with the fitted state of ``enc``."""
    out = np.zeros(X.shape, dtype=np.int8)
    for i in range(X.shape[0]):
        for c in range(X.shape[1]):
            th = float(enc.threshold_[c])
            x = X[i, c].tolist()
            if isinstance(enc, TBREncoder):
                s = reference_tbr(x, th)
            elif isinstance(enc, StepForwardEncoder):
                s = reference_step_forward(x, th)
            elif isinstance(enc, MovingWindowEncoder):
                s = reference_moving_window(x, th, enc.window)
            else:
                lo, hi = enc.data_min_[c], enc.data_max_[c]
                u = [0.0] * len(x) if hi == lo else [min(max((v - lo) / (hi - lo), 0.0), 1.0)
                                                      for v in x]
                s = reference_bsa(u, th, enc.filter_.tolist())
            out[i, c] = s
    return out


def best_time(func: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (best is kept)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    parser.add_argument("--skip-large", action="store_true", help="only the small workload")
    args = parser.parse_args()

    encoders = {
        "TBR": TBREncoder,
        "StepForward": StepForwardEncoder,
        "MovingWindow": MovingWindowEncoder,
        "BSA": BSAEncoder,
    }
    workloads = {
        name: shape
        for name, shape in WORKLOADS.items()
        if not (args.skip_large and name != "small_60x14x128")
    }
    data = {name: make_data(shape, args.seed) for name, shape in workloads.items()}
    result: dict[str, object] = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "machine": platform.machine(),
        "repeat": args.repeat,
        "seed": args.seed,
        "encoders": {},
    }
    for enc_name, cls in encoders.items():
        entry: dict[str, object] = {}
        for wl_name, X in data.items():
            n_samples = X.size
            fit_s = best_time(lambda: cls().fit(X), args.repeat)  # noqa: B023
            enc = cls().fit(X)
            transform_s = best_time(lambda: enc.transform(X), args.repeat)  # noqa: B023
            reconstruct_s = best_time(lambda: enc.reconstruct(X), args.repeat)  # noqa: B023
            wl: dict[str, object] = {
                "shape": list(X.shape),
                "fit_s": fit_s,
                "transform_s": transform_s,
                "samples_per_s": n_samples / transform_s,
                "reconstruct_samples_per_s": n_samples / reconstruct_s,
            }
            if wl_name == "small_60x14x128":
                naive_s = best_time(lambda: naive_transform(enc, X), 1)  # noqa: B023
                wl["naive_samples_per_s"] = n_samples / naive_s
                wl["speedup_vs_naive"] = naive_s / transform_s
                wl["matches_naive"] = bool(
                    np.array_equal(naive_transform(enc, X), enc.transform(X))
                )
                wl["auto_fit_s"] = best_time(
                    lambda: cls(threshold="auto").fit(X), args.repeat  # noqa: B023
                )
            entry[wl_name] = wl
        result["encoders"][enc_name] = entry
    print(json.dumps(result))  # one line: run_all.py reads the last stdout line


if __name__ == "__main__":
    main()
