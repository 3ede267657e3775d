"""Temporal interpolation of short trials onto a finer time grid (e.g. fMRI blocks).

A block of fMRI volumes is a handful of samples (8 volumes at TR 2 s): spike encoders, which
compare consecutive samples or slide a filter over them, and a cube that needs time steps to
carry activity from its inputs, have almost nothing to work with. Interpolating each trial by an
integer ``factor`` puts ``factor - 1`` new samples between every two volumes; the original
samples are kept exactly, so nothing is invented beyond a smooth path between measurements.

The operation is per trial and per channel and learns nothing from the data, so it may be done
before cross-validation (it is the same for training and test trials). It is available as a
function on arrays (:func:`interpolate_time`), on a :class:`~neucube.data.TrialSet`
(:func:`upsample_trials`, the study files' ``[preprocessing] upsample``), and as a
scikit-learn transformer for pipelines (:class:`TimeInterpolator`).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.base import BaseEstimator, TransformerMixin

from neucube.data import TrialSet
from neucube.limits import MAX_TIMES

__all__ = ["INTERPOLATIONS", "interpolate_time", "upsample_trials", "TimeInterpolator"]

#: Interpolation kinds: straight lines between samples, a not-a-knot cubic spline (smooth,
#: may overshoot between samples), or PCHIP (piecewise cubic that never overshoots).
INTERPOLATIONS = ("linear", "cubic", "pchip")
#: Largest accepted factor (a TR of 2 s at factor 64 is already a 31 ms step).
MAX_FACTOR = 64


def _check_factor(factor: Any, owner: str) -> int:
    if isinstance(factor, bool) or not isinstance(factor, numbers.Integral):
        raise TypeError(f"{owner}: factor: expected an integer from 1 to {MAX_FACTOR}; "
                        f"found {factor!r}")
    if not 1 <= int(factor) <= MAX_FACTOR:
        raise ValueError(f"{owner}: factor: expected an integer from 1 to {MAX_FACTOR}; "
                         f"found {factor!r}")
    return int(factor)


def _check_kind(kind: Any, owner: str) -> str:
    if kind not in INTERPOLATIONS:
        raise ValueError(f"{owner}: kind: expected one of {', '.join(map(repr, INTERPOLATIONS))}; "
                         f"found {kind!r}")
    return kind


def n_interpolated(n_times: int, factor: int) -> int:
    """Samples after interpolation: the originals plus ``factor - 1`` between each pair."""
    return (n_times - 1) * factor + 1


def interpolate_time(X: Any, factor: int = 4, kind: str = "linear") -> NDArray[np.float64]:
    """Interpolate trials along their last (time) axis by an integer factor.

    Parameters
    ----------
    X : array-like of shape (..., n_times)
        Finite samples; usually ``(n_trials, n_channels, n_times)``. ``n_times`` must be at least
        2 (at least 4 for ``"cubic"``, whose not-a-knot spline needs 4 points; use ``"pchip"``
        or ``"linear"`` for shorter trials).
    factor : int, default=4
        New samples per original interval; 1 returns a float copy. The result has
        ``(n_times - 1) * factor + 1`` samples and the original samples at every
        ``factor``-th position.
    kind : {"linear", "cubic", "pchip"}, default="linear"
        Interpolant between samples (:data:`INTERPOLATIONS`). Linear is the default: on the
        simulated fMRI study's development data every kind scored alike (``bench/README.md``,
        issue 16 item 3), and the protocol's tie rule prefers the simplest.

    Returns
    -------
    ndarray of float64, shape (..., (n_times - 1) * factor + 1)
    """
    return _interpolate(X, factor, kind, "interpolate_time")


def _interpolate(X: Any, factor: Any, kind: Any, owner: str) -> NDArray[np.float64]:
    """:func:`interpolate_time`, with errors that name the public function called."""
    factor = _check_factor(factor, owner)
    kind = _check_kind(kind, owner)
    X = np.asarray(X, dtype=np.float64)
    if X.ndim < 1 or X.shape[-1] < 2:
        raise ValueError(f"{owner}: X: expected at least 2 samples along the last (time) axis; "
                         f"found shape {X.shape}")
    if kind == "cubic" and X.shape[-1] < 4:
        raise ValueError(f"{owner}: X: expected at least 4 samples for kind='cubic' (a not-a-knot "
                         f"spline); found {X.shape[-1]}; use kind='pchip' or 'linear'")
    n_out = n_interpolated(X.shape[-1], factor)
    if n_out > MAX_TIMES:
        raise ValueError(f"{owner}: factor: expected at most {MAX_TIMES} samples after "
                         f"interpolation; found {n_out} ({X.shape[-1]} samples x {factor})")
    if not np.isfinite(X).all():
        raise ValueError(f"{owner}: X: expected finite samples; found NaN or infinity")
    if factor == 1:
        return X.copy()
    old = np.arange(X.shape[-1], dtype=np.float64)
    new = np.arange(n_out, dtype=np.float64) / factor
    if kind == "linear":
        # Weights of the left and right sample of each new point (vectorised over trials).
        left = np.minimum(np.floor(new).astype(int), X.shape[-1] - 2)
        w = new - left
        out = X[..., left] * (1.0 - w) + X[..., left + 1] * w
    else:
        from scipy.interpolate import CubicSpline, PchipInterpolator

        spline = CubicSpline if kind == "cubic" else PchipInterpolator
        out = spline(old, X, axis=-1)(new)
    out[..., ::factor] = X  # exact originals (no rounding drift)
    return np.ascontiguousarray(out)


def upsample_trials(trials: TrialSet, factor: int = 4, kind: str = "linear") -> TrialSet:
    """A :class:`~neucube.data.TrialSet` interpolated onto a grid ``factor`` times finer.

    ``sfreq`` is multiplied by ``factor`` and ``tmin`` is kept, so every original sample stays at
    its time; ``metadata["upsample"]`` records the factor and kind. See :func:`interpolate_time`.

    Parameters
    ----------
    trials : TrialSet
    factor : int, default=4
    kind : {"linear", "cubic", "pchip"}, default="linear"

    Returns
    -------
    TrialSet
    """
    if not isinstance(trials, TrialSet):
        raise TypeError(f"upsample_trials: trials: expected a TrialSet; "
                        f"found {type(trials).__name__}")
    X = _interpolate(trials.X, factor, kind, "upsample_trials")
    meta = {**trials.metadata, "upsample": {"factor": int(factor), "kind": kind,
                                            "original_sfreq": trials.sfreq}}
    return TrialSet(X, trials.y, sfreq=trials.sfreq * factor, ch_names=trials.ch_names,
                    coords=trials.coords, space=trials.space, class_names=trials.class_names,
                    tmin=trials.tmin, subject=trials.subject, session=trials.session,
                    run=trials.run, metadata=meta)


class TimeInterpolator(TransformerMixin, BaseEstimator):
    """Scikit-learn transformer form of :func:`interpolate_time` (stateless).

    For pipelines on arrays of shape ``(n_trials, n_channels, n_times)``, e.g.
    ``make_pipeline(TimeInterpolator(4), NeuCubeClassifier())``. ``fit`` learns nothing but the
    input shape, so training and test trials are treated alike.

    Parameters
    ----------
    factor : int, default=4
        New samples per original interval.
    kind : {"linear", "cubic", "pchip"}, default="linear"
        Interpolant.

    Attributes
    ----------
    n_channels_in_, n_times_in_ : int
        Shape of the trials seen in ``fit``.
    """

    def __init__(self, factor: int = 4, kind: str = "linear") -> None:
        self.factor = factor
        self.kind = kind

    def __sklearn_tags__(self):  # noqa: ANN204 - sklearn.utils.Tags
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags

    def _check(self, X: Any) -> NDArray[np.float64]:
        name = type(self).__name__
        _check_factor(self.factor, name)
        _check_kind(self.kind, name)
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 3:
            raise ValueError(f"{name}: X: expected a 3-D array (n_trials, n_channels, n_times); "
                             f"found shape {X.shape}")
        return X

    def fit(self, X: Any, y: Any = None) -> TimeInterpolator:
        """Check the parameters and remember the trials' shape; learns nothing from values."""
        X = self._check(X)
        self.n_channels_in_, self.n_times_in_ = int(X.shape[1]), int(X.shape[2])
        return self

    def transform(self, X: Any) -> NDArray[np.float64]:
        """Interpolate every trial: ``(n_trials, n_channels, (n_times - 1) * factor + 1)``."""
        X = self._check(X)
        if hasattr(self, "n_channels_in_") and X.shape[1:] != (self.n_channels_in_,
                                                              self.n_times_in_):
            raise ValueError(f"{type(self).__name__}: X: expected trials of shape "
                             f"({self.n_channels_in_}, {self.n_times_in_}) as in fit; "
                             f"found {X.shape[1:]}")
        return _interpolate(X, self.factor, self.kind, type(self).__name__)
