"""Run every benchmark script in ``bench/`` and write one JSON summary (``make bench``).

Each ``bench_*.py`` prints one JSON object on its last stdout line; this collects them, with the
machine they ran on, into ``bench/results/latest.json`` (written atomically). A script that fails
is recorded with its error instead of stopping the others.

Usage::

    python bench/run_all.py [--quick] [--only encoders,cube,accuracy]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from neucube._atomic import atomic_write_text  # noqa: E402

#: Benchmarks in run order, with the arguments of a quick run.
BENCHES = {
    "encoders": ("bench_encoders.py", []),
    "cube": ("bench_cube.py", []),
    "accuracy": ("bench_accuracy.py", ["--quick"]),
    "explain": ("bench_explain.py", ["--seeds", "11", "--effect-sizes", "0", "1"]),
}


def _machine() -> dict[str, object]:
    mem_gb = None
    try:
        with open("/proc/meminfo") as fh:
            mem_gb = round(int(fh.readline().split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return {
        "platform": platform.platform(),
        "processor": platform.machine(),
        "cpu_count": os.cpu_count(),
        "memory_gb": mem_gb,
        "python": platform.python_version(),
    }


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, dict) or k not in d:
            return None
        d = d[k]
    return d


def _accuracy_headline(acc: dict[str, Any]) -> dict[str, Any]:
    """Per dataset: each NeuCube model's metric, the best baseline's, and their ratio."""
    out: dict[str, Any] = {}
    datasets = {"wrist": _get(acc, "wrist"), "n170": _get(acc, "n170"),
                "familiarity_effect_1": _get(acc, "familiarity", "effect_size_1"),
                "familiarity_effect_0": _get(acc, "familiarity", "effect_size_0")}
    for key, res in datasets.items():
        if not isinstance(res, dict) or "models" not in res:
            continue
        metric = res["metric"]
        base = {m: v[metric]["mean"] for m, v in res["baselines"].items()}
        best = max(base, key=base.get) if base else None
        row: dict[str, Any] = {"metric": metric, "best_baseline": best,
                               "best_baseline_value": base.get(best)}
        for model, v in res["models"].items():
            value = v[metric]["mean"]
            row[model] = {"value": value,
                          "ratio_to_best_baseline": round(value / base[best], 3) if best else None,
                          "target_met": _get(res, "target", "met", model)}
        out[key] = row
    return out


def headline(results: dict[str, Any]) -> dict[str, Any]:
    """The figures the issue asks for, each with its same-run reference and ratio."""
    enc = _get(results, "encoders", "encoders") or {}
    cube = results.get("cube") or {}
    speed = _get(results, "accuracy", "wrist", "speed") or {}
    out: dict[str, Any] = {
        "encoder_throughput": {
            name: {"samples_per_s": round(_get(v, "small_60x14x128", "samples_per_s") or 0),
                   "ratio_to_naive_loop": round(_get(v, "small_60x14x128",
                                                     "speedup_vs_naive") or 0, 1)}
            for name, v in enc.items()},
        "cube": {k: cube.get(k) for k in (
            "n_neurons", "n_synapses", "compile_s", "stdp_pass_s", "frozen_pass_s",
            "numpy_reference_s", "numpy_reference_ratio", "reference_identical_raster",
            "peak_rss_mb", "peak_rss_simulator_mb")},
        "scaling": {
            "samples_frozen_s": cube.get("scaling_frozen"),
            "channels": [{k: p[k] for k in ("n_channels", "stdp_pass_s", "ratio")}
                         for p in cube.get("scaling_channels", [])],
            "neurons": [{k: p[k] for k in ("n_neurons", "stdp_pass_s", "ratio")}
                        for p in cube.get("scaling_neurons", [])],
        },
        "cv_wrist_10fold_warm_s": speed.get("warm_10fold_cv_s"),
        "cv_wrist_cube_s": speed.get("cube_s"),
        "accuracy": _accuracy_headline(results.get("accuracy") or {}),
    }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds/repeats where supported")
    parser.add_argument("--only", help="comma-separated subset of: " + ", ".join(BENCHES))
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(BENCHES)
    results: dict[str, object] = {}
    for name in names:
        if name not in BENCHES:
            parser.error(f"--only: unknown benchmark {name!r}; expected among {', '.join(BENCHES)}")
        script, quick_args = BENCHES[name]
        path = HERE / script
        if not path.exists():
            results[name] = {"error": f"{script} not found"}
            continue
        cmd = [sys.executable, str(path), *(quick_args if args.quick else [])]
        print(f"running {script} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE.parent)
        wall = round(time.perf_counter() - start, 2)
        if proc.returncode != 0:
            results[name] = {
                "error": proc.stderr.strip().splitlines()[-1:] or ["failed"],
                "wall_s": wall,
            }
            continue
        last = [line for line in proc.stdout.strip().splitlines() if line.strip()][-1:]
        try:
            results[name] = {**json.loads(last[0]), "wall_s": wall}
        except (IndexError, json.JSONDecodeError, TypeError):
            results[name] = {"error": "no JSON on the last stdout line", "wall_s": wall}
    summary = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "quick": bool(args.quick),
        "summary": headline(results),
        "results": results,
    }
    out = HERE / "results" / "latest.json"
    atomic_write_text(out, json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"written {out}", file=sys.stderr)
    return 0 if all("error" not in r for r in results.values() if isinstance(r, dict)) else 1


if __name__ == "__main__":
    sys.exit(main())
