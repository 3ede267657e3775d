"""Block-design fMRI: the default NeuCubeClassifier() with temporal interpolation of the blocks.

Prints ONE JSON object. The protocol (candidates, development data, selection rule, report) is
the "Issue 16, item 3" section of ``bench/README.md``, written before the runs.

- ``--dev``: the selection. Each candidate interpolation (``none``, ``linear_x4``, ``pchip_x4``,
  ``cubic_x4``, ``cubic_x8``; :mod:`neucube.preprocessing.temporal`) applied to the simulation
  of ``studies/fmri_blocks.toml`` with simulation seed 100; the default model's stratified
  5-fold ROC-AUC; the candidate chosen by the declared rule.
- default (report): on the study's own data (simulation seed 0), for each of ``--candidates``
  (default ``none`` and the study's ``[preprocessing] upsample``): the default model, every
  applicable standard baseline on the same trials, the ``encoder_only`` and ``no_stdp``
  ablations, the shuffled-label control, the ratio to the best baseline, the paired 95%
  intervals, and the cube's activity on the first training fold's trials.

Usage::

    nice -n 10 .venv/bin/python bench/bench_fmri.py --dev
    nice -n 10 .venv/bin/python bench/bench_fmri.py [--candidates none,cubic_x4]
    nice -n 10 .venv/bin/python bench/bench_fmri.py --sim-seed 1 --effect-size 0.3
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from neucube.classifier import NeuCubeClassifier  # noqa: E402
from neucube.data import TrialSet  # noqa: E402
from neucube.evaluation import evaluate  # noqa: E402
from neucube.evaluation.baselines import BASELINES  # noqa: E402
from neucube.evaluation.controls import ABLATION_SUFFIX  # noqa: E402
from neucube.evaluation.statistics import paired_comparison  # noqa: E402
from neucube.preprocessing.temporal import INTERPOLATIONS, upsample_trials  # noqa: E402

STUDY = REPO / "studies" / "fmri_blocks.toml"
#: The protocol's candidates: name -> (kind, factor); ``none`` is the study without interpolation.
CANDIDATES = {"none": (None, 1), "linear_x4": ("linear", 4), "pchip_x4": ("pchip", 4),
              "cubic_x4": ("cubic", 4), "cubic_x8": ("cubic", 8)}
#: Study keys of the interpolation (stripped when loading, so every candidate starts from the
#: same trials).
_UPSAMPLE_KEYS = ("upsample", "upsample_kind")
DEV_SEED = 100
METRIC = "roc_auc"
N_SPLITS = 5
TIE = 0.01


def load(seed: int | None, effect_size: float | None = None,
         n_runs: int | None = None) -> tuple[TrialSet, dict[str, Any]]:
    """The study's trials (simulation ``seed``; None: the study's) without interpolation;
    ``effect_size`` and ``n_runs`` replace the study's simulated effect and number of runs."""
    from neucube_study.schema import load_study
    try:  # the study's data sources moved from sources.py to adapters.py (issue 17)
        from neucube_study.adapters import load_source
    except ImportError:
        from neucube_study.sources import load_source

    study = load_study(STUDY)
    pre = dict(study.config["preprocessing"])
    chosen = {k: pre.pop(k) for k in _UPSAMPLE_KEYS if k in pre}
    args = dict(study.config["data"]["args"])
    if effect_size is not None:
        args["effect_size"] = effect_size
    if n_runs is not None:
        args["n_runs"] = n_runs
    trials = load_source(study.config["data"]["source"], args,
                         preprocessing=pre, events=study.config["events"],
                         seed=study.seed if seed is None else seed)
    return trials, chosen


def candidate_trials(trials: TrialSet, name: str) -> TrialSet:
    kind, factor = CANDIDATES[name]
    return trials if kind is None else upsample_trials(trials, factor, kind)


def choose(scores: dict[str, float]) -> str:
    """The protocol's rule: best score; ties (within TIE) to the smaller factor, simpler kind;
    interpolation only if it beats ``none`` by more than TIE."""
    best = max(scores.values())
    tied = [n for n, s in scores.items() if s >= best - TIE and n != "none"]
    order = {k: i for i, k in enumerate(INTERPOLATIONS)}
    tied.sort(key=lambda n: (CANDIDATES[n][1], order[CANDIDATES[n][0]]))
    if not tied or scores[tied[0]] <= scores["none"] + TIE:
        return "none"
    return tied[0]


def dev(names: list[str]) -> dict[str, Any]:
    trials, _ = load(DEV_SEED)
    out: dict[str, Any] = {"data": f"simulation seed {DEV_SEED}, {trials.n_trials} trials x "
                                   f"{trials.n_channels} channels x {trials.n_times} volumes",
                           "cv": f"stratified {N_SPLITS}-fold, seed 0", "metric": METRIC,
                           "candidates": {}}
    for name in names:
        start = time.perf_counter()
        ts = candidate_trials(trials, name)
        res = evaluate(NeuCubeClassifier(), ts, cv="stratified", n_splits=N_SPLITS, seeds=(0,),
                       baselines=(), control=False, model_name="default")
        folds = [round(float(v), 4) for v in res.folds[METRIC]]
        out["candidates"][name] = {"score": round(float(np.mean(folds)), 4), "folds": folds,
                                   "n_times": ts.n_times,
                                   "seconds": round(time.perf_counter() - start, 1)}
        print(json.dumps({name: out["candidates"][name]}), file=sys.stderr, flush=True)
    if "none" in out["candidates"]:
        out["chosen"] = choose({n: c["score"] for n, c in out["candidates"].items()})
    return out


def report(name: str, trials: TrialSet) -> dict[str, Any]:
    start = time.perf_counter()
    ts = candidate_trials(trials, name)
    res = evaluate(NeuCubeClassifier(), ts, cv="stratified", n_splits=N_SPLITS, seeds=(0,),
                   baselines=tuple(BASELINES), control=True,
                   ablations=("encoder_only", "no_stdp"), model_name="default")
    folds = res.folds
    scores = {m: round(float(folds[folds["model"] == m][METRIC].mean()), 4)
              for m in dict.fromkeys(folds["model"])}
    base = {m: s for m, s in scores.items() if m in BASELINES}
    best = max(base, key=base.get)
    out: dict[str, Any] = {"n_times": ts.n_times, "scores": scores,
                           "skipped": getattr(res, "skipped", None), "best_baseline": best,
                           "ratio_to_best_baseline": round(scores["default"] / base[best], 3),
                           "paired": {}}
    for label, other in {"best_baseline": best,
                         **{a: "default" + ABLATION_SUFFIX[a]
                            for a in ("encoder_only", "no_stdp")}}.items():
        if other in scores:
            p = paired_comparison(folds, "default", other, metric=METRIC)
            out["paired"][label] = {k: (round(v, 4) if isinstance(v, float) else v)
                                    for k, v in p.items()}
    n_train = (4 * ts.n_trials) // 5
    clf = NeuCubeClassifier(random_state=0).fit(ts[:n_train], ts.labels[:n_train])
    act = clf.activity_
    out["activity"] = {k: act[k] for k in ("stdp_spike_ratio", "weight_scale") if k in act}
    out["activity"].update({f"{k}_after_stdp": act["after_stdp"][k] for k in
                            ("active_share_mean", "spikes_per_trial", "input_spikes_per_trial",
                             "max_distance_mm_median") if k in act.get("after_stdp", {})})
    out["seconds"] = round(time.perf_counter() - start, 1)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dev", action="store_true", help="run the selection on seed 100")
    ap.add_argument("--candidates", default=None,
                    help=f"comma-separated subset of {', '.join(CANDIDATES)}")
    ap.add_argument("--sim-seed", type=int, default=None,
                    help="report mode: simulation seed (default: the study's, 0)")
    ap.add_argument("--effect-size", type=float, default=None,
                    help="report mode: simulated effect size (default: the study's, 0.6)")
    ap.add_argument("--n-runs", type=int, default=None,
                    help="report mode: simulated runs, 10 blocks each (default: the study's, 4)")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    logging.disable(logging.WARNING)
    names = args.candidates.split(",") if args.candidates else None
    unknown = sorted(set(names or ()) - set(CANDIDATES))
    if unknown:
        raise SystemExit(f"--candidates: expected names from {', '.join(CANDIDATES)}; "
                         f"found {', '.join(unknown)}")
    if args.dev:
        result = dev(names or list(CANDIDATES))
    else:
        trials, chosen = load(args.sim_seed, args.effect_size, args.n_runs)
        if names is None:
            names = ["none"]
            if chosen.get("upsample", 1) > 1:
                kind = chosen.get("upsample_kind", "cubic")
                names.append(f"{kind}_x{chosen['upsample']}")
        seed = "0, the study's" if args.sim_seed is None else args.sim_seed
        effect = "the study's 0.6" if args.effect_size is None else args.effect_size
        runs = "the study's 4" if args.n_runs is None else args.n_runs
        result = {"data": f"study simulation (seed {seed}, effect size {effect}, runs {runs}), "
                          f"{trials.n_trials} trials x "
                          f"{trials.n_channels} channels x {trials.n_times} volumes",
                  "cv": f"stratified {N_SPLITS}-fold, seed 0", "metric": METRIC,
                  "study_upsample": chosen, "candidates": {}}
        for name in names:
            if name not in CANDIDATES:
                raise SystemExit(f"study [preprocessing]: expected an interpolation among the "
                                 f"candidates {', '.join(CANDIDATES)}; found {name!r}")
            result["candidates"][name] = report(name, trials)
            print(json.dumps({name: result["candidates"][name]}, default=str), file=sys.stderr,
                  flush=True)
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
