"""Choose NeuCubeClassifier's defaults by the protocol of bench/README.md (issue 16 section).

Runs every candidate on the four development datasets (simulated familiarity seed 100, wrist,
N170 subject 1, simulated fMRI seed 100; folds shuffled with seed 100, which the benchmark does
not use), ranks them per dataset and applies the declared rule. Results are written after every
dataset to ``--out`` (default ``bench/results/select_defaults.json``) and printed as ONE JSON
object at the end.

Usage: ``.venv/bin/python bench/select_defaults.py [--round 2]
[--datasets n170,fmri,familiarity,wrist]``
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

from scipy.stats import rankdata  # noqa: E402
from sklearn.metrics import accuracy_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from neucube.classifier import NeuCubeClassifier  # noqa: E402
from neucube.data import TrialSet  # noqa: E402

DEV_SEED = 100
ACTIVE = {"weight_scale": "auto", "target_activity": 0.3, "stdp_bound": "soft",
          "homeostasis": True, "stdp_rate": 0.001, "n_rounds": 1}
STATE = {"readout": "state", "n_bins": 20, "state_c": "auto"}
SF0 = {"encoder": "step_forward", "encoder_alpha": 0.0}

#: The candidates of the protocol, in declaration order (overrides of ``published()``).
CANDIDATES: dict[str, dict[str, Any]] = {
    "published": {},
    "passive_sf_state": {**SF0, "stdp_rate": (0.001, 0.002), **STATE},
    "active_sf_state": {**SF0, **ACTIVE, **STATE},
    "active_sf_state_t10": {**SF0, **ACTIVE, "target_activity": 0.1, **STATE},
    "active_bsa_state": {"encoder": "bsa", **ACTIVE, **STATE},
    "active_tbr_state": {"encoder": "tbr", "encoder_alpha": 0.5, **ACTIVE, **STATE},
}

#: Round 2 (session 3, bench/README.md "round 2" amendment): the current default, the two
#: step-forward models, and two candidates from the diagnosis of the default on N170
#: (``bench/diagnose_erp.py``: the active cube dilutes the encoder's spikes in the state readout).
ROUND2: dict[str, dict[str, Any]] = {
    "active_bsa_state": CANDIDATES["active_bsa_state"],
    "active_sf_state": CANDIDATES["active_sf_state"],
    "passive_sf_state": CANDIDATES["passive_sf_state"],
    "passive_bsa_state": {"encoder": "bsa", "stdp_rate": (0.001, 0.002), **STATE},
    "active_bsa_state_t05": {"encoder": "bsa", **ACTIVE, "target_activity": 0.05, **STATE},
}
ROUNDS = {1: CANDIDATES, 2: ROUND2}

#: Dataset -> (metric, number of folds).
PLAN = {"fmri": ("roc_auc", 3), "wrist": ("accuracy", 5), "familiarity": ("roc_auc", 3),
        "n170": ("roc_auc", 3)}


def load(key: str, root: Path, round_: int = 1) -> TrialSet:
    import bench_accuracy as ba

    if key == "wrist":
        return ba.load_wrist(root)
    if key == "n170" and round_ >= 2:  # as the N170 study loads it (all runs, the ERP preset)
        from neucube_study.runner import load_trials
        from neucube_study.schema import load_study

        return load_trials(load_study(REPO / "studies" / "n170_faces_houses.toml",
                                      data=root / "eegnotebooks_muse_N170_subject1"))
    if key == "n170":
        return ba.load_n170(root)
    if key == "familiarity":
        from data_loaders.simulate import simulate_familiarity

        return simulate_familiarity(n_subjects=3, effect_size=1.0, seed=DEV_SEED)
    if key == "fmri":
        from neucube_study.adapters import load_source
        from neucube_study.schema import load_study

        study = load_study(REPO / "studies" / "fmri_blocks.toml")
        args = {**study.config["data"]["args"], "seed": DEV_SEED}
        return load_source(study.config["data"]["source"], args,
                           preprocessing=study.config["preprocessing"],
                           events=study.config["events"], seed=DEV_SEED)
    raise SystemExit(f"--datasets: expected one of {', '.join(PLAN)}; found {key!r}")


def score(metric: str, y: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> float:
    if metric == "roc_auc":
        return float(roc_auc_score(y == classes[1], proba[:, 1]))
    return float(accuracy_score(y, classes[np.argmax(proba, axis=1)]))


def run_dataset(key: str, trials: TrialSet, candidates: dict[str, dict[str, Any]]
                ) -> dict[str, Any]:
    metric, n_splits = PLAN[key]
    y = np.asarray(trials.labels)
    folds = list(StratifiedKFold(n_splits, shuffle=True, random_state=DEV_SEED).split(y, y))
    out: dict[str, Any] = {"metric": metric, "n_splits": n_splits, "n_trials": int(y.size),
                           "shape": list(np.shape(trials.X)), "candidates": {}}
    for name, params in candidates.items():
        start = time.perf_counter()
        scores, activity = [], None
        for k, (tr, te) in enumerate(folds):
            clf = NeuCubeClassifier.published(random_state=0, **params)
            clf.fit(trials[tr], y[tr])
            scores.append(score(metric, y[te], clf.predict_proba(trials[te]), clf.classes_))
            if k == 0:
                a = clf.activity_
                activity = {
                    "weight_scale": round(a["weight_scale"], 4),
                    "share_before": round(a["before_stdp"]["active_share_mean"], 4),
                    "share_after": round(a["after_stdp"]["active_share_mean"], 4),
                    "spikes_before": round(a["before_stdp"]["spikes_per_trial"], 1),
                    "spikes_after": round(a["after_stdp"]["spikes_per_trial"], 1),
                    "distance_mm_after": round(a["after_stdp"]["max_distance_mm_median"], 1),
                    "share_train": round(a["train"]["active_share_mean"], 4),
                }
        out["candidates"][name] = {"mean": round(float(np.mean(scores)), 4),
                                   "folds": [round(s, 4) for s in scores],
                                   "seconds": round(time.perf_counter() - start, 1),
                                   "activity": activity}
        print(f"{key} {name}: {np.mean(scores):.4f} {activity}", file=sys.stderr, flush=True)
    return out


def select(results: dict[str, Any], candidates: dict[str, dict[str, Any]] = CANDIDATES
           ) -> dict[str, Any]:
    """The declared rule: lowest mean rank; ties by the best worst relative score."""
    names = list(candidates)
    done = [k for k in results if set(results[k].get("candidates", {})) >= set(names)]
    ranks = {n: [] for n in names}
    rel = {n: [] for n in names}
    for key in done:
        means = np.array([results[key]["candidates"][n]["mean"] for n in names])
        for n, r in zip(names, rankdata(-means), strict=True):
            ranks[n].append(float(r))
        for n, m in zip(names, means, strict=True):
            rel[n].append(float(m / means.max()))
    if not done:  # a process that ran part of the candidates: nothing to rank yet
        return {"datasets": [], "winner": None}
    mean_rank = {n: float(np.mean(ranks[n])) for n in names}
    worst_rel = {n: float(np.min(rel[n])) for n in names}
    winner = min(names, key=lambda n: (mean_rank[n], -worst_rel[n]))
    return {"datasets": done, "mean_rank": mean_rank, "worst_relative": worst_rel,
            "winner": winner, "winner_params": candidates[winner]}


def _write(out_path: Path, results: dict[str, Any], candidates: dict[str, dict[str, Any]]
           ) -> None:
    report = {"protocol": "bench/README.md, issue 16 section", "results": results,
              "selection": select(results, candidates)}
    out_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_path.with_suffix(".tmp")
    tmp.write_text(json.dumps(report, indent=1, default=list))
    os.replace(tmp, out_path)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="fmri,wrist,familiarity,n170")
    ap.add_argument("--data", default=os.environ.get("NEUCUBE_DATA",
                                                     str(REPO.parent / "shared" / "data")))
    ap.add_argument("--round", type=int, choices=sorted(ROUNDS), default=1,
                    help="the protocol's round: 1 (session 1) or 2 (session 3 amendment)")
    ap.add_argument("--out", default=None,
                    help="default: bench/results/select_defaults.json (round 1), "
                         "select_defaults_round2.json (round 2)")
    ap.add_argument("--candidates", default=None,
                    help="a subset of the candidates (to split a dataset over processes; "
                         "merge the results with --merge)")
    ap.add_argument("--merge", nargs="*", default=[],
                    help="result files whose datasets' candidates are merged into --out")
    args = ap.parse_args()
    candidates = ROUNDS[args.round]
    chosen = {k: candidates[k] for k in (args.candidates or ",".join(candidates)).split(",")}
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore")
    suffix = "" if args.round == 1 else f"_round{args.round}"
    out_path = Path(args.out or REPO / "bench" / "results" / f"select_defaults{suffix}.json")
    results: dict[str, Any] = {}
    if out_path.exists():  # resume: datasets already done are kept
        results = json.loads(out_path.read_text()).get("results", {})
    for other in args.merge:
        for key, res in json.loads(Path(other).read_text()).get("results", {}).items():
            if key in results:
                results[key]["candidates"].update(res["candidates"])
            else:
                results[key] = res
    for key in args.datasets.split(",") if args.datasets else []:
        if key in results:
            continue
        results[key] = run_dataset(key, load(key, Path(args.data), args.round), chosen)
        _write(out_path, results, candidates)
    if args.merge:
        _write(out_path, results, candidates)
    print(json.dumps({"results": results, "selection": select(results, candidates)},
                     default=list))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
