"""Why does the default NeuCubeClassifier() lose on real ERP data? (issue 16, session 3)

N170 subject 1 loaded as ``studies/n170_faces_houses.toml`` loads it (all runs, the ERP preset),
stratified 3-fold with shuffle seed 100 (the selection protocol's development folds). Per fold:
the default, its ``encoder_only`` (BSA spikes, no cube) and ``no_stdp`` ablations, the study's
pinned model and its ``encoder_only`` (step-forward spikes, no cube), and two standard
baselines; ROC-AUC, accuracy, the share of test predictions in the most predicted class and the
state readout's chosen C. Then the encoders themselves on the first training fold: spikes per
trial and channel, BSA's normalisation range against the signal's spread, and how much of the
class difference survives in the binned spike counts (the best single-feature ROC-AUC and the
share of features with a training-fold |t| > 3). Finally the default's fitted cube re-read with
each fixed C (the same rasters), to separate the readout's C choice from what the cube carries.

Prints ONE JSON object (also written to ``--out``).
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

from sklearn.base import clone  # noqa: E402
from sklearn.metrics import accuracy_score, roc_auc_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from neucube.classifier import NeuCubeClassifier  # noqa: E402
from neucube.evaluation.baselines import make_baseline  # noqa: E402
from neucube.evaluation.controls import encoder_raster, make_ablation  # noqa: E402
from neucube.readout.features import BinnedCountFeatures  # noqa: E402
from neucube.readout.state import DEFAULT_CS, StateClassifier  # noqa: E402

DEV_SEED = 100


def load_n170(data: str | None) -> tuple[Any, NeuCubeClassifier]:
    from neucube_study.runner import load_trials
    from neucube_study.schema import load_study, make_model

    study = load_study(REPO / "studies" / "n170_faces_houses.toml", data=data)
    return load_trials(study), make_model(study.config, seed=0)


def _scores(y: np.ndarray, proba: np.ndarray, classes: np.ndarray) -> dict[str, float]:
    pred = classes[np.argmax(proba, axis=1)]
    _, counts = np.unique(pred, return_counts=True)
    return {"roc_auc": float(roc_auc_score(y == classes[1], proba[:, 1])),
            "accuracy": float(accuracy_score(y, pred)),
            "majority_share": float(counts.max() / pred.size)}


def _separability(F: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Univariate class separation of the features (training fold only)."""
    keep = F.var(axis=0) > 0
    F = F[:, keep]
    if F.shape[1] == 0:
        return {"n_features": 0}
    pos = y == np.unique(y)[1]
    a, b = F[pos], F[~pos]
    t = (a.mean(0) - b.mean(0)) / np.sqrt(a.var(0, ddof=1) / len(a) + b.var(0, ddof=1) / len(b))
    aucs = np.array([roc_auc_score(pos, F[:, j]) for j in range(F.shape[1])])
    return {"n_features": int(F.shape[1]), "best_auc": float(np.max(np.abs(aucs - 0.5)) + 0.5),
            "share_abs_t_gt_3": float(np.mean(np.abs(t) > 3)),
            "max_abs_t": float(np.max(np.abs(t)))}


def encoder_stats(model: NeuCubeClassifier, X: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    enc = clone(model)._make_encoder().fit(X)
    spikes = enc.transform(X)
    out: dict[str, Any] = {
        "positive_spikes_per_trial_channel": np.round((spikes > 0).sum(-1).mean(0), 1).tolist(),
        "negative_spikes_per_trial_channel": np.round((spikes < 0).sum(-1).mean(0), 1).tolist(),
        "samples_per_trial": int(X.shape[-1]),
    }
    if hasattr(enc, "data_min_"):  # BSA: normalisation range against the signal's spread
        span = enc.data_max_ - enc.data_min_
        sd = X.std(axis=(0, 2))
        q = np.percentile(X, [1, 99], axis=(0, 2))
        u = (X - enc.data_min_[:, None]) / span[:, None]
        erp = X[y == np.unique(y)[1]].mean(0) - X[y == np.unique(y)[0]].mean(0)
        out |= {"range_uV": np.round(span, 1).tolist(), "sd_uV": np.round(sd, 2).tolist(),
                "p1_p99_span_uV": np.round(q[1] - q[0], 1).tolist(),
                "mean_u": np.round(u.mean(axis=(0, 2)), 3).tolist(),
                "sd_u": np.round(u.std(axis=(0, 2)), 4).tolist(),
                "class_diff_peak_uV": np.round(np.abs(erp).max(-1), 2).tolist(),
                "class_diff_peak_u": np.round(np.abs(erp).max(-1) / span, 4).tolist()}
    counts = BinnedCountFeatures(20).fit(encoder_raster(spikes)).transform(encoder_raster(spikes))
    out["binned_counts"] = _separability(counts, y)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", default=None, help="replaces the study's data folder")
    ap.add_argument("--out", default=str(REPO / "bench" / "results" / "diagnose_erp.json"))
    ap.add_argument("--folds", type=int, default=3, help="how many of the 3 folds to run")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    warnings.filterwarnings("ignore")
    trials, pinned = load_n170(args.data)
    X = np.asarray(trials.X, dtype=np.float64)
    y = np.asarray(trials.labels)
    default = NeuCubeClassifier(random_state=0)
    models = {
        "default": default,
        "default_encoder_only": make_ablation("encoder_only", default),
        "default_no_stdp": make_ablation("no_stdp", default),
        "pinned": pinned,
        "pinned_encoder_only": make_ablation("encoder_only", pinned),
        "vectorizer_logreg": make_baseline("vectorizer_logreg", 0),
        "xdawn_tangent_logreg": make_baseline("xdawn_tangent_logreg", 0),
    }
    out: dict[str, Any] = {"data": {"n_trials": int(y.size), "shape": list(X.shape),
                                    "sfreq": trials.sfreq,
                                    "class_counts": trials.class_counts()},
                           "folds": "stratified 3-fold, shuffle seed 100", "models": {}}
    folds = list(StratifiedKFold(3, shuffle=True, random_state=DEV_SEED).split(y, y))
    folds = folds[: args.folds]
    tr0 = folds[0][0]
    out["encoders_fold0"] = {"bsa (default)": encoder_stats(default, X[tr0], y[tr0]),
                             "step_forward alpha 0 (pinned)": encoder_stats(pinned, X[tr0], y[tr0])}
    print(json.dumps(out["encoders_fold0"]), file=sys.stderr, flush=True)
    for name, template in models.items():
        rows = []
        for k, (tr, te) in enumerate(folds):
            start = time.perf_counter()
            est = clone(template)
            baseline = name in ("vectorizer_logreg", "xdawn_tangent_logreg")
            est.fit(X[tr] if baseline else trials[tr], y[tr])
            row = _scores(y[te], est.predict_proba(X[te] if baseline else trials[te]),
                          est.classes_)
            row["seconds"] = round(time.perf_counter() - start, 1)
            readout = getattr(est, "readout_", None)
            if isinstance(readout, StateClassifier):
                row["C"] = readout.C_
                row["n_features"] = int(readout.support_.sum())
            if isinstance(est, NeuCubeClassifier) and k == 0:
                a = est.activity_
                row["activity"] = {"weight_scale": a["weight_scale"],
                                   "share_after": a["after_stdp"]["active_share_mean"],
                                   "spikes_after": a["after_stdp"]["spikes_per_trial"]}
                F = BinnedCountFeatures(20).fit(est.train_raster_).transform(est.train_raster_)
                row["cube_binned_counts"] = _separability(F, y[tr])
            if name == "default":  # the same cube's rasters, read with each fixed C
                test_raster = est.reservoir_.transform(est.encoder_.transform(
                    np.asarray(trials[te].X, dtype=np.float64)))
                row["fixed_C"] = {}
                for c in DEFAULT_CS:
                    r = StateClassifier(n_bins=20, C=c).fit(est.train_raster_, y[tr])
                    row["fixed_C"][str(c)] = _scores(y[te], r.predict_proba(test_raster),
                                                     r.classes_)
            rows.append(row)
            print(name, k, json.dumps(row, default=float), file=sys.stderr, flush=True)
        out["models"][name] = {
            "roc_auc": round(float(np.mean([r["roc_auc"] for r in rows])), 4),
            "accuracy": round(float(np.mean([r["accuracy"] for r in rows])), 4),
            "majority_share": round(float(np.mean([r["majority_share"] for r in rows])), 3),
            "folds": rows}
        tmp = Path(args.out).with_suffix(".tmp")
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(out, indent=1, default=float))
        os.replace(tmp, args.out)
    print(json.dumps(out, default=float))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
