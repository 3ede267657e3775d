"""Early prediction for any classifier: accuracy from growing prefixes of each test trial.

A model is trained on full trials and then asked to classify each test trial knowing only its
first ``fraction`` of samples. So that every model -- the deSNN, the state readout, any raster
classifier and the non-spiking baselines -- sees the same input shape, the unseen remainder of a
test trial is filled with the same samples of a randomly drawn *training* trial, chosen without
looking at labels ("label-blind completion"): the completion has realistic statistics but carries
no information about the test trial's class, so the accuracy can only come from the prefix. The
class probabilities are averaged over ``n_draws`` completions. At fraction 1 this is the ordinary
test accuracy.

The deSNN's own early prediction (:meth:`~neucube.NeuCubeClassifier.early_predict_curve`) cuts
the cube's raster instead; it exists only for that readout.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from neucube._validation import check_int, check_random_state

__all__ = ["DEFAULT_PREFIXES", "prefix_stops", "early_prediction_curve", "summarise_curves"]

_OWNER = "early_prediction_curve"

#: Default prefixes, as fractions of the trial.
DEFAULT_PREFIXES: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


def prefix_stops(fractions: Sequence[float], n_times: int) -> np.ndarray:
    """Samples used at each fraction: ``ceil(fraction * n_times)``, at least 1."""
    f = np.asarray(fractions, dtype=np.float64)
    if f.ndim != 1 or f.size == 0 or np.any(~np.isfinite(f)) or np.any(f <= 0) or np.any(f > 1):
        raise ValueError(f"{_OWNER} 'fractions': expected a non-empty list of numbers in (0, 1]; "
                         f"found {list(np.atleast_1d(f))}.")
    return np.clip(np.ceil(f * n_times - 1e-9).astype(np.int64), 1, n_times)


def _proba(estimator: Any, X: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Probabilities with columns in ``classes`` order (one-hot predictions without proba)."""
    model_classes = np.asarray(estimator.classes_).astype(str)
    if hasattr(estimator, "predict_proba"):
        p = np.asarray(estimator.predict_proba(X), dtype=np.float64)
    else:
        pred = np.asarray(estimator.predict(X)).astype(str)
        p = (pred[:, None] == model_classes[None, :]).astype(np.float64)
    out = np.zeros((len(X), classes.size))
    for j, c in enumerate(model_classes):
        out[:, np.flatnonzero(classes == c)] = p[:, [j]]
    return out


def early_prediction_curve(
    estimator: Any,
    X_test: Any,
    y_test: Any,
    X_reference: Any,
    *,
    fractions: Sequence[float] = DEFAULT_PREFIXES,
    n_draws: int = 2,
    batch_trials: int = 2048,
    random_state: None | int | np.random.Generator = None,
) -> dict[str, Any]:
    """Accuracy of a fitted classifier from the first ``fraction`` of each test trial.

    Parameters
    ----------
    estimator : fitted classifier
        Any classifier on ``(n_trials, n_channels, n_times)`` arrays (a
        :class:`~neucube.NeuCubeClassifier` with any readout, a pipeline, a baseline).
    X_test : array-like of shape (n_trials, n_channels, n_times)
        Test trials (a TrialSet gives its ``X``).
    y_test : array-like of shape (n_trials,)
        Their labels.
    X_reference : array-like of shape (n_reference, n_channels, n_times)
        Trials whose samples complete the unseen part (the training trials of the fold).
    fractions : sequence of float in (0, 1]
        Prefixes, as fractions of the trial.
    n_draws : int, default=2
        Completions per test trial and prefix; probabilities are averaged over them.
    batch_trials : int, default=2048
        Trials per call of the model (bounds memory).
    random_state : None, int or Generator
        Seeds the draws.

    Returns
    -------
    dict
        ``{"fractions", "stops", "accuracy"}``: the samples used and the accuracy per prefix.
    """
    X = np.asarray(getattr(X_test, "X", X_test), dtype=np.float64)
    ref = np.asarray(getattr(X_reference, "X", X_reference), dtype=np.float64)
    y = np.asarray(y_test).astype(str)
    if X.ndim != 3 or ref.ndim != 3 or X.shape[1:] != ref.shape[1:]:
        raise ValueError(f"{_OWNER} 'X_test'/'X_reference': expected 3-D arrays of equal "
                         f"(n_channels, n_times); found shapes {X.shape} and {ref.shape}.")
    if y.shape != (X.shape[0],):
        raise ValueError(f"{_OWNER} 'y_test': expected {X.shape[0]} labels; found shape {y.shape}.")
    n_draws = check_int("n_draws", n_draws, low=1, high=100, owner=_OWNER)
    rng = check_random_state(random_state)
    n, _, n_times = X.shape
    stops = prefix_stops(fractions, n_times)
    classes = np.unique(np.concatenate([np.asarray(estimator.classes_).astype(str), y]))
    variants = [(k, d) for k in range(stops.size) for d in range(n_draws)]
    donors = [rng.integers(0, ref.shape[0], size=n) for _ in variants]
    proba = np.zeros((stops.size, n, classes.size))
    per_batch = max(1, batch_trials // n)
    for start in range(0, len(variants), per_batch):
        chunk = variants[start:start + per_batch]
        batch = np.repeat(X[None], len(chunk), axis=0)
        for j, (k, _) in enumerate(chunk):
            stop = stops[k]
            batch[j, :, :, stop:] = ref[donors[start + j], :, stop:]
        p = _proba(estimator, batch.reshape(-1, *X.shape[1:]), classes)
        for j, (k, _) in enumerate(chunk):
            proba[k] += p[j * n:(j + 1) * n] / n_draws
    pred = classes[np.argmax(proba, axis=2)]
    accuracy = (pred == y[None, :]).mean(axis=1)
    return {"fractions": [float(f) for f in fractions], "stops": [int(s) for s in stops],
            "accuracy": [float(a) for a in accuracy]}


def summarise_curves(curves: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Mean and SD over folds of curves from :func:`early_prediction_curve` (same fractions)."""
    if not curves:
        raise ValueError("summarise_curves 'curves': expected at least one curve; found none.")
    acc = np.array([c["accuracy"] for c in curves], dtype=np.float64)
    return {
        "fractions": list(curves[0]["fractions"]),
        "accuracy": acc.mean(axis=0).tolist(),
        "accuracy_std": (acc.std(axis=0, ddof=1) if len(acc) > 1
                         else np.zeros(acc.shape[1])).tolist(),
        "n_folds": len(curves),
    }
