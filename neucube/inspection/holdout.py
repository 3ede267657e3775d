"""What a model used, from one fit: train on part of the trials, explain on the held-out rest.

Importance measured on training trials says what the model memorised; it has to be measured on
trials the model never saw. :func:`held_out_inspection` fits a clone of the model on a stratified
part of the trials and computes, on the held-out part, the channel x time importance, the
neuron-group importance (brain or grid cube) and the early-prediction curve. Cross-validated
importance (every trial held out once) is what ``neucube run`` reports; this single split is
the quick look of the app.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import train_test_split

from neucube._validation import check_number
from neucube.evaluation.early_prediction import early_prediction_curve
from neucube.inspection.importance import ChannelTimeImportance, channel_time_importance
from neucube.inspection.neurons import NeuronImportance, neuron_importance

__all__ = ["HeldOutInspection", "held_out_inspection"]


@dataclass
class HeldOutInspection:
    """Importance and early prediction of a model fitted on ``n_train`` trials, on ``n_test``."""

    importance: ChannelTimeImportance
    neurons: NeuronImportance | None
    early: dict[str, Any]
    test_accuracy: float
    n_train: int
    n_test: int


def held_out_inspection(estimator: Any, trials: Any, *, test_size: float = 0.25,
                        n_windows: int = 9, neurons: bool = True,
                        random_state: int | None = 0) -> HeldOutInspection:
    """Fit a clone of ``estimator`` on a stratified split of ``trials``; explain the rest.

    Parameters
    ----------
    estimator : NeuCubeClassifier
        The model (fitted or not: a clone is fitted).
    trials : TrialSet
        Labelled trials.
    test_size : float, default=0.25
        Share of held-out trials.
    n_windows : int, default=9
        Time windows of the importance.
    neurons : bool, default=True
        Also compute the neuron-group importance.
    random_state : int or None, default=0
        Seeds the split, the model and the shuffles.
    """
    test_size = check_number("test_size", test_size, low=0.05, high=0.9,
                             owner="held_out_inspection")
    labels = np.asarray(trials.labels)
    train, test = train_test_split(np.arange(len(labels)), test_size=test_size,
                                   stratify=labels, random_state=random_state)
    model = clone(estimator)
    if "random_state" in model.get_params():
        model.set_params(random_state=random_state)
    model.fit(trials[train])
    held_out = trials[test]
    accuracy = float(model.score(held_out))
    imp = channel_time_importance(model, held_out, n_windows=min(n_windows, trials.n_times),
                                  random_state=random_state)
    groups = None
    if neurons:
        groups = neuron_importance(model, held_out, n_groups=min(48, model.reservoir_.n_neurons_),
                                   random_state=random_state)
    early = early_prediction_curve(model, held_out.X, labels[test], trials[train].X,
                                   random_state=random_state)
    return HeldOutInspection(imp, groups, early, accuracy, int(train.size), int(test.size))
