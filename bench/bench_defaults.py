"""The default NeuCubeClassifier() against every standard baseline and its own ablations.

Prints ONE JSON object. For each dataset (benchmark seeds and folds, see ``bench/README.md``):
the default model, ``NeuCubeClassifier.published()``, every applicable baseline of
:mod:`neucube.evaluation.baselines` (xDAWN and Riemannian ones included), the default model's
``encoder_only`` and ``no_stdp`` ablations and its shuffled-label control, all on identical folds
through :func:`neucube.evaluation.evaluate`; the paired differences (corrected resampled t
interval) of the default against the best baseline and against each ablation; the ratio to the
best baseline; and the cube's activity on the training trials of the first fold.

Datasets: ``wrist`` (10-fold, seed 0), ``n170`` (as ``studies/n170_faces_houses.toml`` loads
it, 5-fold, seed 0; ``n170_2runs``: the same with the 2 runs of the app's walk),
``familiarity`` (simulated, 3 subjects, seed 0, effect 1 and effect 0, within-subject 5-fold),
``fmri`` (the simulated study of ``studies/fmri_blocks.toml``, its seed 0, 5-fold).

Usage: ``.venv/bin/python bench/bench_defaults.py [--datasets fmri,wrist,familiarity,n170]``
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
from neucube.evaluation import evaluate  # noqa: E402
from neucube.evaluation.baselines import BASELINES  # noqa: E402
from neucube.evaluation.controls import ABLATION_SUFFIX  # noqa: E402
from neucube.evaluation.statistics import paired_comparison  # noqa: E402

#: dataset -> (metric, cv, n_splits)
PLAN = {"fmri": ("roc_auc", "stratified", 5), "wrist": ("accuracy", "stratified", 10),
        "familiarity": ("accuracy", "per_subject", 5),
        "familiarity_effect0": ("accuracy", "per_subject", 5),
        "n170": ("roc_auc", "stratified", 5), "n170_2runs": ("roc_auc", "stratified", 5)}

#: The two runs of the app's real-recording walk (tests/test_app_walk.py, issue 20).
APP_WALK_RUNS = ("data_2017-09-13-15.30.01.csv.gz", "data_2017-09-13-15.32.50.csv.gz")


def load(key: str, root: Path) -> Any:
    import bench_accuracy as ba

    if key == "wrist":
        return ba.load_wrist(root)
    if key in ("n170", "n170_2runs"):  # as the N170 study (and the app's ERP preset) loads it
        import tempfile

        from neucube_study.runner import load_trials
        from neucube_study.schema import load_study

        folder = root / "eegnotebooks_muse_N170_subject1"
        if key == "n170":  # all 6 runs
            return load_trials(load_study(REPO / "studies" / "n170_faces_houses.toml",
                                          data=folder))
        with tempfile.TemporaryDirectory() as tmp:  # links to the app walk's 2 runs
            for name in APP_WALK_RUNS:
                (Path(tmp) / name).symlink_to(folder / name)
            return load_trials(load_study(REPO / "studies" / "n170_faces_houses.toml",
                                          data=tmp))
    if key == "familiarity":
        return ba.load_familiarity(1.0)
    if key == "familiarity_effect0":
        return ba.load_familiarity(0.0)
    if key == "fmri":
        from neucube_study.adapters import load_source
        from neucube_study.schema import load_study

        study = load_study(REPO / "studies" / "fmri_blocks.toml")
        return load_source(study.config["data"]["source"], study.config["data"]["args"],
                           preprocessing=study.config["preprocessing"],
                           events=study.config["events"], seed=study.seed)
    raise SystemExit(f"--datasets: expected one of {', '.join(PLAN)}; found {key!r}")


def bench(key: str, trials: Any, published: bool = True) -> dict[str, Any]:
    metric, cv, n_splits = PLAN[key]
    start = time.perf_counter()
    res = evaluate(NeuCubeClassifier(), trials, cv=cv, n_splits=n_splits, seeds=(0,),
                   baselines=tuple(BASELINES), control=True,
                   ablations=("encoder_only", "no_stdp"), model_name="default")
    folds = res.folds
    scores = {name: round(float(folds[folds["model"] == name][metric].mean()), 4)
              for name in dict.fromkeys(folds["model"])}
    if published:
        pub = evaluate(NeuCubeClassifier.published(), trials, cv=cv, n_splits=n_splits,
                       seeds=(0,), baselines=(), control=False, model_name="published")
        scores["published"] = round(float(pub.folds[metric].mean()), 4)
    base = {n: s for n, s in scores.items() if n in BASELINES}
    best = max(base, key=base.get) if base else None
    out: dict[str, Any] = {"metric": metric, "cv": f"{cv} {n_splits}-fold, seed 0",
                           "scores": scores, "skipped": getattr(res, "skipped", None)}
    if best is not None:
        out["best_baseline"] = best
        out["ratio_to_best_baseline"] = round(scores["default"] / base[best], 3)
        comparisons = {"best_baseline": best,
                       **{a: "default" + ABLATION_SUFFIX[a] for a in ("encoder_only", "no_stdp")}}
        out["paired"] = {}
        for label, other in comparisons.items():
            if other in scores:
                p = paired_comparison(folds, "default", other, metric=metric)
                out["paired"][label] = {k: (round(v, 4) if isinstance(v, float) else v)
                                        for k, v in p.items()}
    # Activity of the default cube on one training fold's trials (what the readout reads).
    y = np.asarray(trials.labels)
    clf = NeuCubeClassifier(random_state=0).fit(trials[: max(2, (4 * y.size) // 5)],
                                                y[: max(2, (4 * y.size) // 5)])
    out["activity"] = {k: ({kk: round(vv, 4) for kk, vv in v.items()} if isinstance(v, dict)
                           else v) for k, v in clf.activity_.items()}
    out["seconds"] = round(time.perf_counter() - start, 1)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="fmri,wrist,familiarity,familiarity_effect0,n170")
    ap.add_argument("--data", default=os.environ.get("NEUCUBE_DATA",
                                                     str(REPO.parent / "shared" / "data")))
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "bench_defaults.json"))
    ap.add_argument("--no-published", action="store_true",
                    help="skip NeuCubeClassifier.published() (its runaway STDP is slow)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore")
    out_path = Path(args.out)
    results: dict[str, Any] = {}
    if out_path.exists():
        results = json.loads(out_path.read_text())
    for key in args.datasets.split(","):
        if key in results:
            continue
        results[key] = bench(key, load(key, Path(args.data)), not args.no_published)
        print(key, json.dumps(results[key]["scores"]), file=sys.stderr, flush=True)
        tmp = out_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(results, indent=1, default=str))
        os.replace(tmp, out_path)
    print(json.dumps(results, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
