"""Supervised selection of channels (voxels) on 3-D trial data, to fit inside cross-validation.

fMRI gives tens of thousands of voxels; a spiking cube wants tens to hundreds of inputs. Picking
voxels with the class labels must happen on the training folds only, otherwise the test score is
optimistic, so the selection is a scikit-learn transformer that goes first in a ``Pipeline``.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_selection import f_classif
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

__all__ = ["VoxelSelector"]


class VoxelSelector(TransformerMixin, BaseEstimator):
    """Keep the ``k`` channels of ``(n_trials, n_channels, n_times)`` data that best split classes.

    2-D input ``(n_trials, n_features)`` is accepted as one time point per channel (then this is
    ``SelectKBest(f_classif)``) and stays 2-D.

    Each channel is scored with the one-way ANOVA F statistic
    (:func:`sklearn.feature_selection.f_classif`) between classes, on the trial mean over time
    (``time_aggregate="mean"``, suited to block designs) or as the largest F over the time points
    (``"max"``, suited to responses at a particular latency).

    Parameters
    ----------
    k : int or "all"
        Number of channels to keep (capped at the number available).
    time_aggregate : {"mean", "max"}
        How a channel's time course enters the score, see above.

    Attributes
    ----------
    scores_ : ndarray of shape (n_channels,)
        F score of each channel (0 for constant channels, whose F is undefined).
    pvalues_ : ndarray of shape (n_channels,)
        p-value of the F test (1 for constant channels; for ``"max"`` the p-value of the best time
        point, not corrected for the number of time points).
    support_ : ndarray of bool, shape (n_channels,)
        Kept channels.
    n_features_in_ : int
        Number of channels seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(20, 50, 4)); y = np.repeat([0, 1], 10)
    >>> X[y == 1, 7] += 3.0
    >>> VoxelSelector(k=1).fit(X, y).get_support(indices=True)
    array([7])
    """

    _parameter_constraints: dict = {
        "k": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"all"})],
        "time_aggregate": [StrOptions({"mean", "max"})],
    }

    def __init__(self, k: int | str = 100, time_aggregate: str = "mean") -> None:
        self.k = k
        self.time_aggregate = time_aggregate

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.target_tags.required = True
        return tags

    def _check_3d(self, X: np.ndarray) -> np.ndarray:
        """View 2-D input as one time point per channel, so the selector also works on features."""
        if X.ndim == 2:
            return X[:, :, None]
        if X.ndim != 3:
            raise ValueError(
                f"{type(self).__name__} expects X of shape (n_trials, n_channels, n_times) or "
                f"(n_trials, n_channels); got a {X.ndim}-D array of shape {X.shape}."
            )
        return X

    def fit(self, X, y) -> VoxelSelector:
        """Score each channel on ``X`` against the labels ``y`` and choose the best ``k``."""
        self._validate_params()
        X, y = validate_data(self, X, y, allow_nd=True, ensure_min_samples=2)
        X = self._check_3d(X)
        if np.unique(y).size < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes in y; got {np.unique(y).size}."
            )
        n_trials, n_channels, n_times = X.shape
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.time_aggregate == "mean":
                scores, pvalues = f_classif(X.mean(axis=2), y)
            else:
                # One F per (channel, time point); keep the best time point of each channel.
                f, p = f_classif(X.reshape(n_trials, n_channels * n_times), y)
                f = np.nan_to_num(f, nan=0.0).reshape(n_channels, n_times)
                p = np.nan_to_num(p, nan=1.0).reshape(n_channels, n_times)
                best = f.argmax(axis=1)
                rows = np.arange(n_channels)
                scores, pvalues = f[rows, best], p[rows, best]
        self.scores_ = np.nan_to_num(scores, nan=0.0, posinf=np.finfo(np.float64).max)
        self.pvalues_ = np.nan_to_num(pvalues, nan=1.0)
        k = n_channels if self.k == "all" else min(int(self.k), n_channels)
        # Stable sort on -score: ties keep the lower channel index, so results are reproducible.
        order = np.argsort(-self.scores_, kind="stable")
        self.support_ = np.zeros(n_channels, dtype=bool)
        self.support_[order[:k]] = True
        return self

    def transform(self, X) -> np.ndarray:
        """Return ``X`` restricted to the selected channels, shape (n_trials, k[, n_times])."""
        check_is_fitted(self)
        X = validate_data(self, X, allow_nd=True, reset=False)
        return self._check_3d(X)[:, self.support_, :].reshape(X.shape[0], -1, *X.shape[2:])

    def get_support(self, indices: bool = False) -> np.ndarray:
        """Boolean mask of the kept channels, or their indices with ``indices=True``."""
        check_is_fitted(self)
        return np.flatnonzero(self.support_) if indices else self.support_.copy()
