"""Two classes compared in one time window: firing per neuron and feature interaction per trial.

For a window of the trials (e.g. 200-400 ms) and two classes ``a`` and ``b``,
:func:`window_contrast` gives

- the mean firing rate of every neuron per class and its difference ``a - b``
  (:func:`~neucube.analysis.class_activity`);
- each class's feature interaction network in the window: spike communication of that class's
  trials, counted over the window's steps, between the neuron clusters of the input channels
  (clusters from the trained weights, so networks are comparable across classes and windows);
- the interaction matrices per trial and their difference, with the pairs that differ most.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from neucube.analysis.activity import ClassActivity, class_activity, window_steps
from neucube.analysis.clusters import neuron_clusters
from neucube.analysis.interaction import feature_interaction_network
from neucube.cube.raster import SpikeRaster
from neucube.data import TrialSet

__all__ = ["WindowContrast", "window_contrast"]


@dataclass(frozen=True)
class WindowContrast:
    """The comparison of two classes in one window (see :func:`window_contrast`).

    Attributes
    ----------
    window : tuple of float
        The window in seconds.
    steps : tuple of int
        Its simulation steps ``[start, stop)``.
    classes : tuple of str
        The classes ``(a, b)``.
    activity : ClassActivity
        Mean firing per neuron and class in the window.
    difference : ndarray of shape (n_neurons,)
        Firing rate of ``a`` minus ``b`` per neuron.
    graphs : dict of str to networkx.Graph
        Each class's feature interaction network in the window.
    n_trials : dict of str to int
        Trials of each class.
    matrices : dict of str to ndarray of shape (n_channels, n_channels)
        Each class's interaction per trial (its graph's weights divided by its trials).
    names : list of str
        The input channels, in the matrices' order.
    """

    window: tuple[float, float]
    steps: tuple[int, int]
    classes: tuple[str, str]
    activity: ClassActivity
    difference: np.ndarray
    graphs: dict[str, nx.Graph]
    n_trials: dict[str, int]
    matrices: dict[str, np.ndarray]
    names: list[str]

    @property
    def delta(self) -> np.ndarray:
        """Interaction per trial of ``a`` minus ``b``."""
        a, b = self.classes
        return self.matrices[a] - self.matrices[b]

    def pairs(self) -> list[tuple[str, str, float, float, float]]:
        """Every channel pair once: ``(source, target, a, b, a - b)`` interaction per trial."""
        a, b = self.classes
        delta = self.delta
        iu = np.triu_indices(len(self.names), k=1)
        return [(self.names[i], self.names[j], float(self.matrices[a][i, j]),
                 float(self.matrices[b][i, j]), float(delta[i, j]))
                for i, j in zip(*iu, strict=True)]

    def summary(self, n_pairs: int = 5) -> dict[str, Any]:
        """Numbers for a report: per class, neurons more active, the pairs that differ most."""
        a, b = self.classes
        delta = self.delta
        iu = np.triu_indices(len(self.names), k=1)
        order = np.argsort(-np.abs(delta[iu]), kind="stable")[:n_pairs]
        return {
            "window_s": list(self.window),
            "steps": list(self.steps),
            "classes": {c: {"n_trials": self.n_trials[c],
                            "interaction_per_trial": float(np.triu(self.matrices[c], k=1).sum()),
                            "mean_rate_hz": float(self.activity.rate(c).mean())}
                        for c in self.classes},
            "contrast": [a, b],
            "neurons_more_active": {a: int((self.difference > 0).sum()),
                                    b: int((self.difference < 0).sum())},
            "largest_interaction_differences": [
                {"pair": [self.names[iu[0][o]], self.names[iu[1][o]]],
                 "difference": float(delta[iu][o])} for o in order],
        }


def window_contrast(
    model: Any,
    trials: TrialSet,
    window: Sequence[float],
    classes: Sequence[str],
    *,
    raster: SpikeRaster | None = None,
    clusters: Any = None,
) -> WindowContrast:
    """Compare two classes' firing and feature interaction in one window of a fitted model.

    Parameters
    ----------
    model : NeuCubeClassifier
        A fitted model.
    trials : TrialSet
        The trials (the model's training trials when ``raster`` is its training raster).
    window : (float, float)
        Start and end in seconds, inside the trials.
    classes : (str, str)
        The classes ``a`` and ``b``.
    raster : SpikeRaster, optional
        The cube's spikes for ``trials`` (default: ``model.raster(trials)``).
    clusters : array-like, optional
        Neuron clusters of the input channels (default: :func:`neuron_clusters` of the model).

    Returns
    -------
    WindowContrast

    Raises
    ------
    ValueError
        If the window holds no step of the trials.
    """
    a, b = classes
    raster = model.raster(trials) if raster is None else raster
    clusters = neuron_clusters(model) if clusters is None else clusters
    start, stop = window_steps(window, sfreq=trials.sfreq, tmin=trials.tmin, n_steps=raster.n_steps)
    labels = trials.labels
    activity = class_activity(raster, labels, window=tuple(window), sfreq=trials.sfreq,
                              tmin=trials.tmin, classes=[a, b])
    cropped = raster.crop(start, stop)
    names = list(model.ch_names_)
    graphs, n_trials, matrices = {}, {}, {}
    for c in (a, b):
        member = labels == c
        graphs[c] = feature_interaction_network(model, use="communication",
                                                raster=cropped[np.flatnonzero(member)],
                                                labels=clusters)
        n_trials[c] = int(member.sum())
        matrices[c] = nx.to_numpy_array(graphs[c], nodelist=names, weight="weight") / n_trials[c]
    return WindowContrast(window=(window[0], window[1]), steps=(start, stop),
                          classes=(a, b), activity=activity, difference=activity.difference(a, b),
                          graphs=graphs, n_trials=n_trials, matrices=matrices, names=names)
