"""Activity of the cube on real and simulated EEG: does input spread beyond the input neurons?

Prints ONE JSON object: for each dataset and cube setting, the activity measurements of
:func:`neucube.cube.activity.activity_stats` on every trial (STDP, where on, runs over the same
trials: this is a measurement of the dynamics, not of accuracy), plus the weight statistics that
explain them.

Datasets: ``n170`` (shared N170 subject 1, 4 Muse channels, as ``studies/n170_faces_houses.toml``)
and ``familiarity`` (simulated, 19 channels, seed 101: not a benchmark seed).

With ``--default-model``, the classifier's defaults instead (``NeuCubeClassifier()``, its own
BSA encoder) with 1, 3 and 5 STDP rounds on every trial: the activity before and after STDP
(``activity_``), and, as the studies compute them, the feature interaction networks of each
class in each time window of the study (spike communication between the input channels' neuron
clusters): edges with a non-zero weight and interaction per trial. Windows: 0-200, 200-400 and
400-800 ms (``studies/n170_faces_houses.toml`` and ``studies/familiarity.toml``).

Usage: ``.venv/bin/python bench/bench_activity.py [--datasets n170,familiarity] [--max-trials N]
[--default-model]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from neucube.cube.activity import activity_stats  # noqa: E402
from neucube.cube.reservoir import Reservoir  # noqa: E402
from neucube.encoding import StepForwardEncoder, TBREncoder  # noqa: E402

#: Cube settings measured (name -> Reservoir parameters). "published" is NeuCube's 2014 defaults.
SETTINGS: dict[str, dict[str, Any]] = {
    "published_th0.5_r0": {"threshold": 0.5, "n_rounds": 0},
    "published_th0.5_r1": {"threshold": 0.5, "n_rounds": 1},
    "th0.5_r1_dep": {"threshold": 0.5, "n_rounds": 1, "stdp_rate": (0.001, 0.002)},
    "th0.1_r0": {"threshold": 0.1, "n_rounds": 0},
    "th0.1_r1_dep": {"threshold": 0.1, "n_rounds": 1, "stdp_rate": (0.001, 0.002)},
    # The active cube: calibrated scale, soft-bound STDP, homeostasis (1, 3 and 5 rounds).
    **{f"active_r{r}": {"weight_scale": "auto", "target_activity": 0.3, "stdp_bound": "soft",
                        "homeostasis": True, "n_rounds": r} for r in (1, 3, 5)},
    "active_hard_equal_r1": {"weight_scale": "auto", "target_activity": 0.3, "n_rounds": 1},
}


def _weights(res: Reservoir) -> dict[str, float]:
    net = res.network_init_
    a = net.active
    from_input = net.is_input[net.pre] & a
    rec = a & ~net.is_input[net.pre]
    out_deg = np.bincount(net.pre[from_input], minlength=net.n_neurons)[net.input_neurons.ravel()]
    return {
        "n_neurons": int(net.n_neurons),
        "n_synapses": int(net.n_synapses),
        "mean_abs_w_recurrent": float(np.abs(net.weights[rec]).mean()),
        "max_abs_w_recurrent": float(np.abs(net.weights[rec]).max()),
        "mean_w_from_input": float(net.weights[from_input].mean()),
        "max_w_from_input": float(net.weights[from_input].max()),
        "synapses_per_input_neuron": float(out_deg.mean()),
        "excitatory_share": float(net.excitatory[a].mean()),
        # Summed excitatory input a neuron receives when every presynaptic neuron fires once:
        # with a threshold of 0.5, below 1 means neighbours alone can hardly make it fire.
        "mean_total_exc_in": float(np.bincount(net.post[rec & net.excitatory],
                                               weights=net.weights[rec & net.excitatory],
                                               minlength=net.n_neurons)[~net.is_input].mean()),
        "mean_total_inh_in": float(np.bincount(net.post[rec & ~net.excitatory],
                                               weights=net.weights[rec & ~net.excitatory],
                                               minlength=net.n_neurons)[~net.is_input].mean()),
    }


def measure(spikes: np.ndarray, coords: np.ndarray, settings: dict[str, dict[str, Any]],
            seed: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, params in settings.items():
        res = Reservoir(coords=coords, random_state=seed, **params).fit(spikes)
        before = activity_stats(res._simulate(res.network_init_, spikes, plastic=False).raster,
                                res.network_init_)
        after = activity_stats(res.transform(spikes), res.network_)
        row = {"params": {k: list(v) if isinstance(v, tuple) else v for k, v in params.items()},
               "before_stdp": {k: round(v, 4) for k, v in before.items()},
               "after_stdp": {k: round(v, 4) for k, v in after.items()},
               "weights": {k: round(v, 5) for k, v in _weights(res).items()}}
        extra = getattr(res, "activity_", None)
        if extra is not None:
            row["fitted_activity"] = extra
        out[name] = row
    return out


#: The studies' connectivity windows (s).
WINDOWS = ((0.0, 0.2), (0.2, 0.4), (0.4, 0.8))


def measure_default(trials: Any, rounds: tuple[int, ...] = (1, 3, 5),
                    seed: int = 0) -> dict[str, Any]:
    """Activity and per-window interaction networks of ``NeuCubeClassifier()`` on ``trials``."""
    import networkx as nx

    from neucube.analysis import feature_interaction_network, neuron_clusters, window_steps
    from neucube.classifier import NeuCubeClassifier

    labels = np.asarray(trials.labels)
    out: dict[str, Any] = {}
    for r in rounds:
        clf = NeuCubeClassifier(random_state=seed, n_rounds=r).fit(trials, labels)
        row: dict[str, Any] = {
            "weight_scale": clf.reservoir_.weight_scale_,
            "round_scales": clf.reservoir_.round_scales_,
            "calibration_runs": [len(t) for t in clf.reservoir_.calibration_trace_],
            "fit_seconds": clf.reservoir_.fit_seconds_,
            **{k: ({kk: round(vv, 4) for kk, vv in v.items()} if isinstance(v, dict) else v)
               for k, v in clf.activity_.items()}}
        if r == rounds[0]:
            raster, clusters = clf.train_raster_, neuron_clusters(clf)
            names = list(clf.ch_names_)
            windows = {}
            for window in WINDOWS:
                start, stop = window_steps(window, sfreq=trials.sfreq, tmin=trials.tmin,
                                           n_steps=raster.n_steps)
                cropped = raster.crop(start, stop)
                per_class = {}
                for c in dict.fromkeys(labels):
                    member = np.flatnonzero(labels == c)
                    graph = feature_interaction_network(clf, use="communication",
                                                        raster=cropped[member], labels=clusters)
                    m = nx.to_numpy_array(graph, nodelist=names, weight="weight") / member.size
                    upper = np.triu(m, k=1)
                    per_class[str(c)] = {"edges": int(np.count_nonzero(upper)),
                                         "possible_edges": len(names) * (len(names) - 1) // 2,
                                         "interaction_per_trial": round(float(upper.sum()), 3)}
                windows[f"{window[0]:g}-{window[1]:g} s"] = per_class
            row["interaction_windows"] = windows
        out[f"rounds_{r}"] = row
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="n170,familiarity")
    ap.add_argument("--max-trials", type=int, default=300)
    ap.add_argument("--settings", default=",".join(SETTINGS),
                    help="comma-separated names of SETTINGS to measure")
    ap.add_argument("--default-model", action="store_true",
                    help="measure NeuCubeClassifier()'s defaults (see the module docstring)")
    ap.add_argument("--data", default=os.environ.get("NEUCUBE_DATA",
                                                     str(REPO.parent / "shared" / "data")))
    args = ap.parse_args()
    import bench_accuracy as ba

    result: dict[str, Any] = {}
    for key in args.datasets.split(","):
        if key == "n170":
            trials = ba.load_n170(Path(args.data))
            X = np.asarray(trials.X)[: args.max_trials]
            enc = StepForwardEncoder(alpha=0.0).fit(X)
        elif key == "familiarity":
            from data_loaders.simulate import simulate_familiarity

            trials = simulate_familiarity(n_subjects=2, effect_size=1.0, seed=101)
            X = np.asarray(trials.X)[: args.max_trials]
            enc = TBREncoder().fit(X)
        else:
            raise SystemExit(f"--datasets: expected n170 or familiarity; found {key!r}")
        if args.default_model:
            result[key] = {"n_trials": int(X.shape[0]), "n_channels": int(X.shape[1]),
                           "model": "NeuCubeClassifier()",
                           "rounds": measure_default(trials[: args.max_trials])}
            print(key, json.dumps(result[key], default=str), file=sys.stderr, flush=True)
            continue
        spikes = enc.transform(X)
        result[key] = {"n_trials": int(X.shape[0]), "n_channels": int(X.shape[1]),
                       "n_steps": int(X.shape[2]),
                       "encoder": type(enc).__name__,
                       "settings": measure(spikes, np.asarray(trials.coords),
                                           {k: SETTINGS[k] for k in args.settings.split(",")})}
    print(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
