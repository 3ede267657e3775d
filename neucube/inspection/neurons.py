"""Which parts of the cube the readout uses: permutation importance of groups of neurons.

The test trials run once through the frozen cube. For each group of neighbouring neurons (k-means
on their positions), the group's spike trains are swapped between test trials (all neurons of the
group take their spikes from the same other trial, so the group's own pattern stays intact) and
the readout classifies the modified rasters; the drop in each trial's score is recorded. Only the
readout runs again, so a few dozen groups cost little. Statistics as for channels: mean over
trials, bootstrap interval, sign-flip test, Benjamini-Hochberg FDR.

Neuron importance says what the *readout* relies on; a neuron can matter because its input
channel carries the class difference or because it integrates many channels. Read it with the
channel x time importance, which says what in the *input* the whole model relies on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.cluster import KMeans
from sklearn.utils.validation import check_is_fitted

from neucube._inputs import read_model_input
from neucube._validation import check_int, check_number, check_option, check_random_state
from neucube.cube.raster import SpikeRaster
from neucube.inspection._stats import bootstrap_interval, fdr_bh, sign_flip_pvalues
from neucube.inspection.importance import SCORINGS, _trial_scores

__all__ = ["NeuronImportance", "neuron_importance"]

_OWNER = "neuron_importance"


@dataclass
class NeuronImportance:
    """Importance of groups of cube neurons for the readout.

    Attributes
    ----------
    importance, ci_low, ci_high, p_values, q_values : ndarray of shape (n_groups,)
        Mean score drop per group, its bootstrap interval, sign-flip p-values and BH q-values.
    significant : ndarray of bool, shape (n_groups,)
    group_of_neuron : ndarray of int, shape (n_neurons,)
        Group of every neuron.
    positions : ndarray of shape (n_neurons, 3)
        Neuron positions (the cube's template space, MNI mm for the brain).
    baseline_score : float
    scoring : str
    """

    importance: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_values: np.ndarray
    q_values: np.ndarray
    significant: np.ndarray
    group_of_neuron: np.ndarray
    positions: np.ndarray
    baseline_score: float
    scoring: str
    alpha: float
    n_trials: int

    @property
    def per_neuron(self) -> np.ndarray:
        """Importance of each neuron (its group's), shape (n_neurons,)."""
        return self.importance[self.group_of_neuron]

    @property
    def centres(self) -> np.ndarray:
        """Mean position of each group, shape (n_groups, 3)."""
        n = self.importance.size
        sums = np.zeros((n, 3))
        np.add.at(sums, self.group_of_neuron, self.positions)
        return sums / np.bincount(self.group_of_neuron, minlength=n)[:, None]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: per group its centre, size, importance and significance."""
        sizes = np.bincount(self.group_of_neuron, minlength=self.importance.size)
        return {
            "scoring": self.scoring, "alpha": self.alpha, "n_trials": self.n_trials,
            "baseline_score": round(float(self.baseline_score), 6),
            "groups": [{"centre_mm": [round(float(v), 1) for v in c], "n_neurons": int(s),
                        "importance": round(float(i), 6), "q_value": round(float(q), 6),
                        "significant": bool(g)}
                       for c, s, i, q, g in zip(self.centres, sizes, self.importance,
                                                self.q_values, self.significant, strict=True)],
        }


def _swap_group(raster: SpikeRaster, perms: list[np.ndarray],
                groups: list[int], group_of: np.ndarray) -> SpikeRaster:
    """One raster holding, per listed group, the test trials with that group's spikes swapped."""
    n = raster.n_trials
    trial = raster.trial_of_spike
    steps, neurons = raster.steps, raster.neurons
    parts_t, parts_s, parts_n = [], [], []
    for k, (g, perm) in enumerate(zip(groups, perms, strict=True)):
        in_g = group_of[neurons] == g
        inverse = np.empty(n, dtype=np.int64)
        inverse[perm] = np.arange(n)  # trial perm[i] gives its group spikes to trial i
        new_trial = np.where(in_g, inverse[trial], trial)
        parts_t.append(new_trial + k * n)
        parts_s.append(steps)
        parts_n.append(neurons)
    return SpikeRaster.from_events(np.concatenate(parts_t), np.concatenate(parts_s),
                                   np.concatenate(parts_n), n_trials=n * len(groups),
                                   n_steps=raster.n_steps, n_neurons=raster.n_neurons)


def neuron_importance(
    estimator: Any,
    X: Any,
    y: Any = None,
    *,
    n_groups: int = 48,
    n_repeats: int = 1,
    scoring: str = "probability",
    alpha: float = 0.05,
    level: float = 0.95,
    n_permutations: int = 2000,
    batch_trials: int = 4096,
    random_state: None | int | np.random.Generator = None,
) -> NeuronImportance:
    """Permutation importance of groups of neighbouring cube neurons for the fitted readout.

    Parameters
    ----------
    estimator : NeuCubeClassifier
        A fitted model.
    X, y : test trials and labels (as for :func:`channel_time_importance`).
    n_groups : int, default=48
        Groups of neighbouring neurons (k-means on positions, seeded by ``random_state``).
    n_repeats, scoring, alpha, level, n_permutations, batch_trials, random_state
        As for :func:`~neucube.inspection.channel_time_importance`.

    Returns
    -------
    NeuronImportance
    """
    check_is_fitted(estimator, ["reservoir_", "readout_"])
    check_option("scoring", scoring, SCORINGS, owner=_OWNER)
    n_repeats = check_int("n_repeats", n_repeats, low=1, high=1000, owner=_OWNER)
    alpha = check_number("alpha", alpha, low=0.0, high=1.0, low_inclusive=False, owner=_OWNER)
    positions = np.asarray(estimator.reservoir_.positions_, dtype=np.float64)
    n_groups = check_int("n_groups", n_groups, low=1, high=positions.shape[0], owner=_OWNER)
    rng = check_random_state(random_state)
    data = read_model_input(X, y)
    if data.y is None:
        raise ValueError(f"{_OWNER} 'y': expected labels (pass y, or a TrialSet/mne.Epochs with "
                         "labels); found None.")
    labels = np.asarray(data.y)
    raster = estimator.raster(X)
    readout = estimator.readout_
    classes = np.asarray(readout.classes_)
    order = np.argsort(classes)

    def scores(r: SpikeRaster, lab: np.ndarray) -> np.ndarray:
        return _trial_scores(np.asarray(readout.predict_proba(r))[:, order], classes[order], lab,
                             scoring)

    seed = int(rng.integers(2**31 - 1))
    group_of = KMeans(n_clusters=n_groups, n_init=4, random_state=seed).fit_predict(positions)
    n = raster.n_trials
    baseline = scores(raster, labels)
    tasks = [(r, g) for r in range(n_repeats) for g in range(n_groups)]
    perms = [rng.permutation(n) for _ in tasks]
    drops = np.zeros((n_repeats, n_groups, n))
    per_batch = max(1, batch_trials // n)
    for start in range(0, len(tasks), per_batch):
        chunk = tasks[start:start + per_batch]
        big = _swap_group(raster, perms[start:start + len(chunk)], [g for _, g in chunk],
                          group_of)
        s = scores(big, np.tile(labels, len(chunk)))
        for k, (r, g) in enumerate(chunk):
            drops[r, g] = baseline - s[k * n:(k + 1) * n]
    per_trial = drops.mean(axis=0).T
    low, high = bootstrap_interval(per_trial, n_boot=1000, level=level, rng=rng)
    p = sign_flip_pvalues(per_trial, n_permutations=n_permutations, rng=rng)
    q = fdr_bh(p)
    return NeuronImportance(importance=per_trial.mean(axis=0), ci_low=low, ci_high=high,
                            p_values=p, q_values=q, significant=q <= alpha,
                            group_of_neuron=group_of, positions=positions,
                            baseline_score=float(baseline.mean()), scoring=scoring, alpha=alpha,
                            n_trials=n)
