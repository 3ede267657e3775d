"""Activity of the cube on real and simulated EEG: does input spread beyond the input neurons?

Prints ONE JSON object: for each dataset and cube setting, the activity measurements of
:func:`neucube.cube.activity.activity_stats` on every trial (STDP, where on, runs over the same
trials: this is a measurement of the dynamics, not of accuracy), plus the weight statistics that
explain them.

Datasets: ``n170`` (shared N170 subject 1, 4 Muse channels, as ``studies/n170_faces_houses.toml``)
and ``familiarity`` (simulated, 19 channels, seed 101: not a benchmark seed).

Usage: ``.venv/bin/python bench/bench_activity.py [--datasets n170,familiarity] [--max-trials N]``
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="n170,familiarity")
    ap.add_argument("--max-trials", type=int, default=300)
    ap.add_argument("--settings", default=",".join(SETTINGS),
                    help="comma-separated names of SETTINGS to measure")
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
        spikes = enc.transform(X)
        result[key] = {"n_trials": int(X.shape[0]), "n_channels": int(X.shape[1]),
                       "n_steps": int(X.shape[2]),
                       "encoder": type(enc).__name__,
                       "settings": measure(spikes, np.asarray(trials.coords),
                                           {k: SETTINGS[k] for k in args.settings.split(",")})}
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
