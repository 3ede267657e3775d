"""Accuracy benchmark of the NeuCube model against plain baselines; prints ONE JSON object.

Datasets (read from ``../shared/data``, ``$NEUCUBE_DATA`` or ``--data``; a dataset whose files
are missing is skipped with the reason in the JSON):

- ``wrist``: NeuCube's wrist-movement EEG (60 trials, 3 classes, 14 channels, 128 Hz).
  Stratified 10-fold, 5 seeds (``--quick``: 2). Metric: accuracy. Target >= 0.95.
- ``n170``: NeuroTechX eeg-notebooks N170, subject 1, faces vs houses (4 Muse channels): 1-30 Hz,
  epochs -0.1..0.8 s, 75 uV rejection (1113 epochs), resampled to 128 Hz as in
  ``studies/n170_faces_houses.toml``. Stratified 5-fold, 1 seed. Metric: ROC-AUC. Target >= 0.69.
- ``familiarity``: :func:`data_loaders.simulate_familiarity`, 3 subjects x 80 trials, within-subject
  stratified 5-fold, 3 seeds (``--quick``: 1), with ``effect_size=1`` and with ``effect_size=0``
  (must sit at chance). Metric: accuracy.
- ``fmri``: the simulated block-design fMRI of ``studies/fmri_blocks.toml`` (NIfTI written and
  read back as the study does: 40 blocks, ~110 region channels, 8 volumes). Stratified 5-fold,
  3 seeds (``--quick``: 1). Metric: accuracy.

Every dataset also runs the standard baselines of :mod:`neucube.evaluation.baselines` (shrinkage
LDA on window means, xDAWN + tangent space, tangent space and MDM on covariances; a baseline
that does not apply is listed under ``skipped`` with the reason) and, for the fixed models
``neucube`` and ``neucube_state``, the ablation controls ``encoder_only`` and ``no_stdp`` with
the paired comparisons (corrected resampled t-test interval, Wilcoxon p) under ``comparisons``.

Models, all run by :func:`neucube.evaluation.evaluate` on the same folds as the baselines, with the
label-shuffle control:

- ``neucube``: :class:`~neucube.classifier.NeuCubeClassifier` with the fixed parameters
  :data:`RECOMMENDED` (TBR encoder, depression-dominated STDP, rate-regime deSNN).
- ``neucube_state``: the fixed model of the default familiarity study, :data:`STATE_MODEL`
  (BSA encoder, depression-dominated STDP, state readout), chosen on development data.
- ``neucube_selected``: :class:`InnerCVNeuCube`, which picks the encoder and the readout among
  :data:`CANDIDATE_ENCODERS` x :func:`candidate_readouts` by cross-validation inside each
  training fold (nested CV: the outer test fold is never seen).
- ``neucube_spec_defaults`` (wrist and familiarity only): ``NeuCubeClassifier()`` as it is.

``speed`` (wrist): cold C++ build of the cube in a fresh cache directory, and the warm 10-fold CV
of ``neucube`` (fit + predict of every fold, compile excluded), with the part spent in the cube.

The protocol (what was chosen on which data) is in ``bench/README.md``.

Usage: ``.venv/bin/python bench/bench_accuracy.py [--quick] [--datasets wrist,n170,familiarity,fmri]
[--models neucube,neucube_state] [--no-speed]``
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sklearn.base import BaseEstimator, ClassifierMixin, clone  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402

from neucube.classifier import NeuCubeClassifier  # noqa: E402
from neucube.cube.raster import SpikeRaster  # noqa: E402
from neucube.data import TrialSet  # noqa: E402
from neucube.evaluation.baselines import BASELINES as ALL_BASELINES  # noqa: E402
from neucube.evaluation.baselines import make_baseline  # noqa: E402
from neucube.evaluation.cross_validation import evaluate  # noqa: E402
from neucube.readout.desnn import DeSNNClassifier  # noqa: E402
from neucube.readout.state import StateClassifier  # noqa: E402

#: Fixed parameters of the ``neucube`` model (see bench/README.md for where each comes from).
RECOMMENDED: dict[str, Any] = {
    "encoder": "tbr",
    "stdp_rate": (0.001, 0.002),  # A+, A-: depression-dominated pair STDP (activity stays bounded)
    "mod": 0.99,                  # rank order nearly flat: first-spike order carried no class info
    "drift_up": 0.1,              # spike counts dominate the deSNN weight (rate regime)
    "drift_down": 0.005,
    "k": 5,
}

#: Fixed parameters of ``neucube_state`` (= studies/familiarity.toml's model).
STATE_MODEL: dict[str, Any] = {
    "encoder": "bsa",
    "stdp_rate": (0.001, 0.002),
    "readout": "state",           # logistic regression on 20 time bins, C by inner CV
}

#: Parameters every model shares with ``neucube`` (the cube and STDP).
CUBE: dict[str, Any] = {"stdp_rate": RECOMMENDED["stdp_rate"]}

#: Encoders among which ``neucube_selected`` chooses: name -> NeuCubeClassifier parameters.
#: Step-forward with ``alpha=0`` (threshold = mean |dx|, 0.73x the default on N170): a finer
#: step beat the default alpha 0.5 on the development data (protocol step 6).
CANDIDATE_ENCODERS: dict[str, dict[str, Any]] = {
    "tbr": {"encoder": "tbr"},
    "bsa": {"encoder": "bsa"},
    "step_forward": {"encoder": "step_forward", "encoder_alpha": 0.0},
}

TARGETS = {"wrist": ("accuracy", 0.95), "n170": ("roc_auc", 0.69)}
BASELINES = tuple(ALL_BASELINES)
#: Ablation controls run for the fixed models (``--no-ablations`` turns them off).
ABLATIONS = ("encoder_only", "no_stdp")
#: Every model of a dataset, in run order (``--models`` picks a subset).
MODELS = ("neucube", "neucube_state", "neucube_selected", "neucube_spec_defaults")


def candidate_readouts() -> list[tuple[str, BaseEstimator]]:
    """Readouts among which ``neucube_selected`` chooses, in tie-breaking order."""
    return [
        ("desnn_rank", DeSNNClassifier()),  # the literature defaults: mod 0.8, drift 0.005, k 3
        ("desnn_rate", DeSNNClassifier(mod=RECOMMENDED["mod"], drift_up=RECOMMENDED["drift_up"],
                                       drift_down=RECOMMENDED["drift_down"], k=RECOMMENDED["k"])),
        # Logistic regression on centred spike counts per neuron (one bin) and in 10 and 20
        # time bins, each with its penalty chosen by its own inner CV on the training part.
        ("state_counts", StateClassifier(n_bins=1)),
        ("state_10_bins", StateClassifier(n_bins=10)),
        ("state_20_bins", StateClassifier(n_bins=20)),
    ]


class InnerCVNeuCube(ClassifierMixin, BaseEstimator):
    """NeuCube whose encoder and readout are chosen by cross-validation on the training trials.

    For each encoder, one cube is built and trained with STDP on all training trials (STDP is
    unsupervised, so it never sees a label), and its frozen training raster is split into
    ``n_inner`` stratified folds on which every candidate readout is scored. The pair with the
    best mean inner accuracy (the first declared on ties) is refitted on the whole training
    raster. Only the trials given to ``fit`` are ever used, so inside an outer cross-validation
    this is nested model selection.

    Parameters
    ----------
    encoders : dict, optional
        Candidate name -> encoder parameters of :class:`~neucube.classifier.NeuCubeClassifier`
        (default :data:`CANDIDATE_ENCODERS`).
    n_inner : int
        Inner folds.
    cube_params : dict, optional
        Further :class:`NeuCubeClassifier` parameters (default :data:`CUBE`).
    random_state : int, optional
        Seed of the cube and of the inner folds.

    Attributes
    ----------
    choice_ : tuple of (str, str)
        Chosen encoder and readout.
    inner_scores_ : dict
        Mean inner accuracy of every ``"encoder/readout"`` pair.
    model_, readout_ : fitted estimators
        The chosen cube (its own readout unused) and readout.
    """

    def __init__(self, encoders: dict[str, dict[str, Any]] | None = None, n_inner: int = 5,
                 cube_params: dict[str, Any] | None = None,
                 random_state: int | None = None) -> None:
        self.encoders = encoders
        self.n_inner = n_inner
        self.cube_params = cube_params
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> InnerCVNeuCube:
        y = np.asarray(y)
        readouts = candidate_readouts()
        inner = StratifiedKFold(self.n_inner, shuffle=True, random_state=self.random_state)
        splits = list(inner.split(np.zeros(len(y)), y))
        params = dict(CUBE if self.cube_params is None else self.cube_params)
        scores: dict[tuple[str, str], float] = {}
        models = {}
        encoders = CANDIDATE_ENCODERS if self.encoders is None else self.encoders
        for enc, enc_params in encoders.items():
            model = NeuCubeClassifier(random_state=self.random_state, **enc_params, **params)
            model.fit(X, y)
            models[enc] = model
            raster = model.train_raster_
            for name, est in readouts:
                acc = [np.mean(clone(est).fit(raster[tr], y[tr]).predict(raster[va]) == y[va])
                       for tr, va in splits]
                scores[enc, name] = float(np.mean(acc))
        best = max(scores, key=lambda key: scores[key])  # first maximum = first declared
        self.choice_ = best
        self.inner_scores_ = {f"{e}/{r}": round(s, 4) for (e, r), s in scores.items()}
        self.model_ = models[best[0]]
        self.readout_ = clone(dict(readouts)[best[1]]).fit(self.model_.train_raster_, y)
        self.classes_ = self.readout_.classes_
        self._last: tuple[Any, Any] | None = None
        CHOICE_LOG.append("/".join(best))
        return self

    def _raster(self, X: Any) -> SpikeRaster:
        # evaluate() calls predict and then predict_proba on the same test trials: run the
        # frozen cube once for both.
        if self._last is None or self._last[0] is not X:
            self._last = (X, self.model_.raster(X))
        return self._last[1]

    def predict_proba(self, X: Any) -> np.ndarray:
        return self.readout_.predict_proba(self._raster(X))

    def predict(self, X: Any) -> np.ndarray:
        return self.readout_.predict(self._raster(X))


#: "encoder/readout" chosen by every InnerCVNeuCube fit of this process, in fit order
#: (evaluate clones the model, so the fitted instances are not returned to us).
CHOICE_LOG: list[str] = []


# --------------------------------------------------------------------------- datasets
def load_wrist(root: Path) -> TrialSet:
    from data_loaders.neucube_csv import load_neucube_csv

    return load_neucube_csv(root / "neucube_wrist_movement_eeg", sfreq=128)


def load_n170(root: Path) -> TrialSet:
    import mne

    from data_loaders.marker_csv import load_marker_csv

    files = sorted((root / "eegnotebooks_muse_N170_subject1").glob("*.csv.gz"))
    ts = load_marker_csv(files, {"house": 1, "face": 2}, -0.1, 0.8, sfreq=256,
                         channels=["TP9", "AF7", "AF8", "TP10"], l_freq=1.0, h_freq=30.0,
                         reject=75.0)
    X = mne.filter.resample(np.asarray(ts.X, dtype=np.float64), up=128.0, down=ts.sfreq, axis=-1,
                            verbose="error")
    return TrialSet(X, ts.y, class_names=ts.class_names, sfreq=128.0, ch_names=ts.ch_names,
                    coords=ts.coords, space=ts.space, tmin=ts.tmin, subject=ts.subject,
                    session=ts.session, run=ts.run, metadata=ts.metadata)


def load_familiarity(effect_size: float) -> TrialSet:
    from data_loaders.simulate import simulate_familiarity

    return simulate_familiarity(n_subjects=3, effect_size=effect_size, seed=0)


# --------------------------------------------------------------------------- helpers
def load_fmri() -> TrialSet:
    # The study's own simulation and reader (NIfTI + events.tsv through data_loaders.load_fmri).
    from neucube_study import load_study
    from neucube_study.runner import load_trials

    return load_trials(load_study(REPO / "studies" / "fmri_blocks.toml"))


def _summary(result: Any, metric: str) -> dict[str, Any]:
    """Mean/std of ``metric`` (and accuracy) for every model of an EvaluationResult."""
    out = {}
    for name in dict.fromkeys(result.folds["model"]):
        s = result.scores(name)
        out[name] = {
            metric: {k: round(v, 4) for k, v in s[metric].items()},
            **({"accuracy": {k: round(v, 4) for k, v in s["accuracy"].items()}}
               if metric != "accuracy" else {}),
            "fit_time_s": round(float(result.folds[result.folds["model"] == name]
                                      ["fit_time_s"].mean()), 3),
        }
    return out


def _run(name: str, model: BaseEstimator, trials: TrialSet, metric: str, *, cv: str,
         n_splits: int, seeds: list[int], baselines: tuple[str, ...],
         ablations: tuple[str, ...] = ()) -> tuple[dict, float, Any]:
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = evaluate(model, trials, cv=cv, n_splits=n_splits, seeds=seeds,
                          baselines=baselines, control=True, ablations=ablations,
                          model_name=name)
    summary, wall = _summary(result, metric), time.perf_counter() - start
    if ablations or baselines:
        metrics = (metric,) if metric == "accuracy" else (metric, "accuracy")
        summary[name]["comparisons"] = [
            {k: (round(v, 4) if isinstance(v, float) else v) for k, v in c.items()}
            for c in result.comparisons(metrics=metrics)]
    if result.skipped:
        summary[name]["skipped"] = dict(result.skipped)
    # Progress on stderr, so that a run stopped part-way still reports what it measured.
    print(f"{name} ({wall:.0f} s): {json.dumps(summary)}", file=sys.stderr, flush=True)
    return summary, wall, result


def bench_dataset(key: str, trials: TrialSet, metric: str, *, cv: str, n_splits: int,
                  seeds: list[int], spec_defaults: bool, selected: bool = True,
                  run: tuple[str, ...] = MODELS, ablations: tuple[str, ...] = ABLATIONS
                  ) -> dict[str, Any]:
    """Every model (of ``run``) and baseline on ``trials``; one JSON-ready dict.

    The baselines run with the first model; ``ablations`` with each fixed model (``neucube``,
    ``neucube_state``), on the same folds.
    """
    start = time.perf_counter()
    models: dict[str, Any] = {}
    wall: dict[str, float] = {}
    pending = BASELINES
    for name, params in (("neucube", RECOMMENDED), ("neucube_state", STATE_MODEL)):
        if name in run:
            summary, wall[name], _ = _run(name, NeuCubeClassifier(**params), trials, metric,
                                          cv=cv, n_splits=n_splits, seeds=seeds,
                                          baselines=pending, ablations=ablations)
            models.update(summary)
            pending = ()
    selected = selected and "neucube_selected" in run
    spec_defaults = spec_defaults and "neucube_spec_defaults" in run
    if selected:
        CHOICE_LOG.clear()
        summary, wall["neucube_selected"], result = _run(
            "neucube_selected", InnerCVNeuCube(), trials, metric, cv=cv, n_splits=n_splits,
            seeds=seeds, baselines=pending)
        pending = ()
        models.update(summary)
        # evaluate runs, per seed, the model's folds and then the shuffled control's folds.
        per_seed = result.folds[result.folds["model"] == "neucube_selected"].groupby("seed").size()
        real, pos = [], 0
        for seed in seeds:
            n = int(per_seed[seed])
            real += CHOICE_LOG[pos:pos + n]
            pos += 2 * n
        models["neucube_selected"]["inner_choices"] = dict(Counter(real).most_common())
    if spec_defaults:
        summary, wall["neucube_spec_defaults"], _ = _run(
            "neucube_spec_defaults", NeuCubeClassifier(), trials, metric, cv=cv,
            n_splits=n_splits, seeds=seeds, baselines=pending)
        models.update(summary)
    control = {m: v for m, v in models.items() if m.endswith("(shuffled labels)")}
    ablated = {m: v for m, v in models.items()
               if m.endswith(" (encoder only)") or m.endswith(" (no STDP)")}
    baselines = {m: v for m, v in models.items() if m in BASELINES}
    main = {m: v for m, v in models.items()
            if m not in control and m not in baselines and m not in ablated}
    counts = np.bincount(np.asarray(trials.y))
    out: dict[str, Any] = {
        "metric": metric,
        "cv": f"{cv} {n_splits}-fold",
        "seeds": seeds,
        "n_trials": int(trials.n_trials),
        "shape": list(trials.shape),
        "chance_level": round(float(counts.max() / counts.sum()), 4),
        "models": main,
        "baselines": baselines,
        "ablations": ablated,
        "control": control,
        "wall_s": {k: round(v, 1) for k, v in wall.items()},
    }
    if key in TARGETS:
        t_metric, target = TARGETS[key]
        out["target"] = {"metric": t_metric, "value": target,
                         "met": {m: bool(v[t_metric]["mean"] >= target) for m, v in main.items()}}
    out["total_wall_s"] = round(time.perf_counter() - start, 1)
    return out


def bench_speed(trials: TrialSet) -> dict[str, Any]:
    """Cold build, then a warm 10-fold CV (fit + predict) of ``neucube`` on the wrist data."""
    params = dict(RECOMMENDED, random_state=0)
    cold = time.perf_counter()
    NeuCubeClassifier(**params).fit(trials, trials.labels)
    compile_s = time.perf_counter() - cold
    y = trials.labels
    folds = list(StratifiedKFold(10, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
    fitted, predict_s, correct = [], 0.0, 0
    start = time.perf_counter()
    for tr, te in folds:
        model = NeuCubeClassifier(**params).fit(trials[tr], y[tr])
        raster = model.raster(trials[te])
        t0 = time.perf_counter()
        correct += int(np.sum(model.readout_.predict(raster) == y[te]))
        predict_s += time.perf_counter() - t0
        fitted.append((model, y[tr]))
    total = time.perf_counter() - start
    # The readout's share of fit, measured after the CV by refitting it on the same rasters.
    t0 = time.perf_counter()
    for model, y_train in fitted:
        clone(model.readout_).fit(model.train_raster_, y_train)
    readout_s = time.perf_counter() - t0 + predict_s
    # Same-run reference: the plain baselines' 10-fold CV on the same folds.
    X = np.asarray(trials.X)
    baseline_s = {}
    for name in BASELINES:
        t0 = time.perf_counter()
        for tr, te in folds:
            make_baseline(name, random_state=0).fit(X[tr], y[tr]).predict(X[te])
        baseline_s[name] = round(time.perf_counter() - t0, 3)
    return {
        "baseline_10fold_cv_s": baseline_s,
        "ratio_to_vectorizer_logreg": round(total / baseline_s["vectorizer_logreg"], 1),
        "compile_s": round(compile_s, 2),
        "warm_10fold_cv_s": round(total, 2),
        "cube_s": round(total - readout_s, 2),
        "readout_s": round(readout_s, 3),
        "target_s": 3.0,
        "met": bool(total <= 3.0),
        "accuracy_seed0": round(correct / len(y), 4),
        "what": "10 x (encoder + STDP pass + frozen train pass + deSNN fit, frozen test pass + "
                "predict); cube_s is everything but the readout; compile_s is a cold C++ build "
                "in a fresh cache directory",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds (a few minutes)")
    parser.add_argument("--datasets", default="wrist,n170,familiarity,fmri",
                        help="comma-separated subset of wrist, n170, familiarity, fmri")
    parser.add_argument("--models", default=",".join(MODELS),
                        help=f"comma-separated subset of {', '.join(MODELS)}")
    parser.add_argument("--no-ablations", action="store_true",
                        help="skip the encoder_only and no_stdp controls")
    parser.add_argument("--no-speed", action="store_true",
                        help="skip the wrist speed measurement (e.g. on a busy machine)")
    parser.add_argument("--data", type=Path, default=None,
                        help="shared data folder (default $NEUCUBE_DATA or ../shared/data)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    root = args.data or Path(os.environ.get("NEUCUBE_DATA", REPO.parent / "shared" / "data"))
    wanted = [d.strip() for d in args.datasets.split(",") if d.strip()]
    unknown = sorted(set(wanted) - {"wrist", "n170", "familiarity", "fmri"})
    if unknown:
        parser.error(f"--datasets: unknown {unknown}; expected among wrist, n170, familiarity, "
                     "fmri")
    run = tuple(m.strip() for m in args.models.split(",") if m.strip())
    if not run or set(run) - set(MODELS):
        parser.error(f"--models: expected a subset of {', '.join(MODELS)}; found {args.models!r}")
    ablations = () if args.no_ablations else ABLATIONS
    common = {"run": run, "ablations": ablations}
    start = time.perf_counter()
    out: dict[str, Any] = {
        "benchmark": "accuracy",
        "quick": bool(args.quick),
        "models_run": list(run),
        "ablations": list(ablations),
        "protocol": "bench/README.md#accuracy-protocol",
        "recommended": {k: list(v) if isinstance(v, tuple) else v for k, v in RECOMMENDED.items()},
        "state_model": {k: list(v) if isinstance(v, tuple) else v for k, v in STATE_MODEL.items()},
        "selected_candidates": {
            "encoders": CANDIDATE_ENCODERS,
            "readouts": [name for name, _ in candidate_readouts()],
            "inner_cv": "stratified 5-fold on the training raster of each outer training fold",
        },
    }
    # A fresh cache: every structure is compiled once here, so the speed numbers are honest.
    with tempfile.TemporaryDirectory(prefix="neucube-bench-") as cache:
        os.environ["NEUCUBE_CACHE_DIR"] = cache
        if "wrist" in wanted:
            folder = root / "neucube_wrist_movement_eeg"
            if not folder.is_dir():
                out["wrist"] = {"skipped": f"wrist-movement data not found: no folder {folder}"}
            else:
                wrist = load_wrist(root)
                out["wrist"] = {} if args.no_speed else {"speed": bench_speed(wrist)}
                seeds = [0, 1] if args.quick else [0, 1, 2, 3, 4]
                out["wrist"].update(bench_dataset("wrist", wrist, "accuracy", cv="stratified",
                                                  n_splits=10, seeds=seeds, spec_defaults=True,
                                                  **common))
        if "n170" in wanted:
            folder = root / "eegnotebooks_muse_N170_subject1"
            if not any(folder.glob("*.csv.gz")):
                out["n170"] = {"skipped": f"N170 data not found: no *.csv.gz in {folder}"}
            else:
                # The nested selection on ~900 trials takes most of an hour: full runs only.
                out["n170"] = bench_dataset("n170", load_n170(root), "roc_auc", cv="stratified",
                                            n_splits=5, seeds=[0], spec_defaults=False,
                                            selected=not args.quick, **common)
        if "familiarity" in wanted:
            seeds = [0] if args.quick else [0, 1, 2]
            fam = {"simulation": "simulate_familiarity(n_subjects=3, effect_size, seed=0), "
                                 "80 trials per subject"}
            for effect in (1.0, 0.0):
                res = bench_dataset("familiarity", load_familiarity(effect), "accuracy",
                                    cv="per_subject", n_splits=5, seeds=seeds,
                                    spec_defaults=True, **common)
                fam[f"effect_size_{effect:g}"] = res
            out["familiarity"] = fam
        if "fmri" in wanted:
            seeds = [0] if args.quick else [0, 1, 2]
            out["fmri"] = bench_dataset("fmri", load_fmri(), "accuracy", cv="stratified",
                                        n_splits=5, seeds=seeds, spec_defaults=True, **common)
    out["wall_s"] = round(time.perf_counter() - start, 1)
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
