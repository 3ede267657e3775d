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

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from neucube._atomic import atomic_write_text  # noqa: E402

#: Benchmarks in run order, with the arguments of a quick run.
BENCHES = {
    "encoders": ("bench_encoders.py", []),
    "cube": ("bench_cube.py", []),
    "accuracy": ("bench_accuracy.py", ["--quick"]),
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
            results[name] = {"error": proc.stderr.strip().splitlines()[-1:] or ["failed"], "wall_s": wall}
            continue
        last = [line for line in proc.stdout.strip().splitlines() if line.strip()][-1:]
        try:
            results[name] = {**json.loads(last[0]), "wall_s": wall}
        except (IndexError, json.JSONDecodeError):
            results[name] = {"error": "no JSON on the last stdout line", "wall_s": wall}
    summary = {
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "results": results,
    }
    out = HERE / "results" / "latest.json"
    atomic_write_text(out, json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))
    print(f"written {out}", file=sys.stderr)
    return 0 if all("error" not in r for r in results.values() if isinstance(r, dict)) else 1


if __name__ == "__main__":
    sys.exit(main())
