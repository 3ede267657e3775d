"""Standard (non-spiking) classifiers run on the same folds as every NeuCube model.

A NeuCube accuracy means little on its own: these baselines say what a plain linear model gets
from the same trials. All are scikit-learn pipelines on ``(n_trials, n_channels, n_times)``
arrays, so they are fitted on the training folds only, like the spiking model.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from mne.decoding import Vectorizer
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.validation import validate_data

__all__ = ["ChannelFeatures", "BASELINES", "make_baseline", "window_means"]


class ChannelFeatures(TransformerMixin, BaseEstimator):
    """Simple per-channel features of each trial: standard deviation, line length and mean.

    Line length (mean absolute first difference) and standard deviation are the features with
    which plain logistic regression reaches ~0.97 on NeuCube's wrist-movement data; the mean
    captures slow ERP shifts. Stateless: ``fit`` only records the channel count.

    Parameters
    ----------
    features : tuple of {"std", "line_length", "mean"}
        Which features to compute, in output order (channel-major within each feature).
    """

    _ALLOWED = ("std", "line_length", "mean")

    def __init__(self, features: tuple[str, ...] = ("std", "line_length", "mean")) -> None:
        self.features = features

    def __sklearn_tags__(self):  # noqa: ANN204
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags

    def fit(self, X, y=None) -> ChannelFeatures:  # noqa: ANN001
        """Check ``X`` and the ``features`` parameter."""
        bad = [f for f in self.features if f not in self._ALLOWED]
        if not self.features or bad:
            raise ValueError(
                f"The 'features' parameter of ChannelFeatures must be a non-empty tuple of "
                f"{', '.join(map(repr, self._ALLOWED))}; got {self.features!r}."
            )
        X = validate_data(self, X, allow_nd=True, ensure_2d=False, reset=True)
        if X.ndim != 3:
            raise ValueError(
                f"X must be a 3-D array (n_trials, n_channels, n_times) for ChannelFeatures; "
                f"got shape {X.shape}."
            )
        return self

    def transform(self, X) -> np.ndarray:  # noqa: ANN001
        """Features of shape ``(n_trials, n_features * n_channels)``."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 3:
            raise ValueError(
                f"X must be a 3-D array (n_trials, n_channels, n_times) for ChannelFeatures; "
                f"got shape {X.shape}."
            )
        compute = {
            "std": lambda a: a.std(axis=-1),
            "line_length": lambda a: np.abs(np.diff(a, axis=-1)).mean(axis=-1),
            "mean": lambda a: a.mean(axis=-1),
        }
        return np.concatenate([compute[f](X) for f in self.features], axis=1)


def _logreg(random_state: int | None) -> LogisticRegression:
    return LogisticRegression(max_iter=2000, C=1.0, random_state=random_state)


def _vectorizer_logreg(random_state: int | None) -> Pipeline:
    # MNE's Vectorizer flattens (trials, channels, times) exactly as mne.decoding pipelines do.
    return make_pipeline(Vectorizer(), StandardScaler(), _logreg(random_state))


def _channel_features_logreg(random_state: int | None) -> Pipeline:
    return make_pipeline(ChannelFeatures(), StandardScaler(), _logreg(random_state))


def window_means(X: np.ndarray, n_windows: int = 10) -> np.ndarray:
    """Mean of each channel in ``n_windows`` equal time windows, flattened per trial.

    The classic ERP decoding feature; shape ``(n_trials, n_channels * n_windows)``.
    """
    X = np.asarray(X, dtype=np.float64)
    edges = np.linspace(0, X.shape[-1], min(n_windows, X.shape[-1]) + 1).astype(int)
    sums = np.add.reduceat(X, edges[:-1], axis=-1)
    return (sums / np.diff(edges)).reshape(len(X), -1)


def _window_means_logreg(random_state: int | None) -> Pipeline:
    return make_pipeline(FunctionTransformer(window_means), StandardScaler(), _logreg(random_state))


#: Baselines by name: a factory taking ``random_state`` and returning an unfitted estimator.
BASELINES: dict[str, Callable[[int | None], BaseEstimator]] = {
    "vectorizer_logreg": _vectorizer_logreg,
    "channel_features_logreg": _channel_features_logreg,
    "window_means_logreg": _window_means_logreg,
}


def make_baseline(name: str, random_state: int | None = None) -> BaseEstimator:
    """Build the baseline ``name`` (one of :data:`BASELINES`)."""
    if name not in BASELINES:
        raise ValueError(
            f"The 'baselines' parameter must name baselines among {', '.join(map(repr, BASELINES))}; "
            f"got {name!r}."
        )
    return BASELINES[name](random_state)
