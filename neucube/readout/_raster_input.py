"""Turn what readouts accept into a :class:`~neucube.cube.raster.SpikeRaster`; cut rasters short.

Readouts take the cube's output in three forms:

- a :class:`SpikeRaster` (what the cube returns);
- a sequence of :class:`SpikeRaster` objects, which are concatenated. This is what
  scikit-learn's ``_safe_indexing`` makes of a raster when ``cross_val_score`` or
  ``GridSearchCV`` select trials from it, so rasters work in model selection unchanged;
- a dense array of shape ``(n_trials, n_neurons, n_steps)`` holding only 0 and 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import validate_data

from neucube._validation import check_int
from neucube.cube.raster import SpikeRaster

__all__ = ["RasterLike", "as_raster", "truncate_raster"]

#: What readout estimators accept as ``X``.
RasterLike = SpikeRaster | Sequence[SpikeRaster] | np.ndarray

_SHAPE = "(n_trials, n_neurons, n_steps)"


def _expected(owner: str) -> str:
    return (
        f"X must be a SpikeRaster, a list of SpikeRaster or a 3-D array of shape {_SHAPE} "
        f"for {owner}"
    )


def _repeated_events(raster: SpikeRaster) -> bool:
    """Whether some neuron spikes twice in the same step of the same trial.

    Events are sorted by trial, step and neuron, so repeats are adjacent.
    """
    if raster.n_spikes < 2:
        return False
    same = (np.diff(raster.steps) == 0) & (np.diff(raster.neurons) == 0)
    if not same.any():
        return False
    trial = raster.trial_of_spike
    return bool(np.any(same & (np.diff(trial) == 0)))


def as_raster(estimator: BaseEstimator, X: Any, *, reset: bool) -> SpikeRaster:
    """Check ``X`` and return it as a :class:`SpikeRaster`.

    Parameters
    ----------
    estimator : BaseEstimator
        The estimator asking; its class name goes into error messages. With ``reset=True`` its
        ``n_features_in_`` is set to the number of neurons; with ``reset=False`` the number of
        neurons of ``X`` is checked against it.
    X : SpikeRaster, sequence of SpikeRaster or array-like of shape (n_trials, n_neurons, n_steps)
        Dense input must be finite and hold only 0 and 1 (any numeric or bool dtype).
    reset : bool
        True in ``fit``, False afterwards.

    Returns
    -------
    SpikeRaster

    Raises
    ------
    ValueError
        If ``X`` has the wrong dimensionality, no trials, neurons or steps, values other than
        0 and 1, repeated spike events, or a number of neurons that differs from ``fit``.
    """
    owner = type(estimator).__name__
    if isinstance(X, list | tuple) and X and all(isinstance(r, SpikeRaster) for r in X):
        raster = SpikeRaster.concatenate(list(X))
    elif isinstance(X, SpikeRaster):
        raster = X
    else:
        try:
            ndim = np.ndim(X)
        except ValueError as err:  # ragged nested sequences
            raise ValueError(f"{_expected(owner)}; got a ragged sequence ({err}).") from err
        if ndim != 3:
            raise ValueError(
                f"{_expected(owner)}; got {type(X).__name__} with {ndim} dimension(s) of shape "
                f"{np.shape(X)}."
            )
        _check_sizes(estimator, np.shape(X), reset=reset)
        # validate_data rejects NaN, infinity, complex data and strings with scikit-learn's
        # own messages, converts object arrays of numbers, and records or checks
        # n_features_in_ (axis 1, the neurons).
        dense = validate_data(estimator, X, reset=reset, allow_nd=True, dtype="numeric")
        if dense.dtype.kind != "b":
            bad = (dense != 0) & (dense != 1)
            if bad.any():
                values = np.unique(dense[bad])[:5]
                raise ValueError(
                    f"X must hold only 0 (no spike) and 1 (spike) for {owner}; found values "
                    f"{[float(v) for v in values]}."
                )
        return SpikeRaster.from_dense(dense)
    _check_sizes(estimator, (raster.n_trials, raster.n_neurons, raster.n_steps), reset=reset)
    if _repeated_events(raster):
        raise ValueError(
            f"X for {owner} has a neuron spiking more than once in the same step of a trial; a "
            "spike raster holds at most one spike per neuron and step."
        )
    if reset:
        estimator.n_features_in_ = raster.n_neurons
    return raster


def _check_sizes(estimator: BaseEstimator, shape: tuple[int, ...], *, reset: bool) -> None:
    owner = type(estimator).__name__
    n_trials, n_neurons, n_steps = shape
    if n_trials < 1:
        raise ValueError(f"X must contain at least 1 trial for {owner}; got 0.")
    if n_neurons < 1:
        raise ValueError(f"X must contain at least 1 neuron (axis 1) for {owner}; got 0.")
    if n_steps < 1:
        raise ValueError(f"X must contain at least 1 step (axis 2) for {owner}; got 0.")
    if not reset and hasattr(estimator, "n_features_in_") and n_neurons != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_neurons} neurons (axis 1), but {owner} was fitted on "
            f"{estimator.n_features_in_} neurons."
        )


def truncate_raster(raster: SpikeRaster, stop: int) -> SpikeRaster:
    """The first ``stop`` steps of every trial of ``raster``.

    Parameters
    ----------
    raster : SpikeRaster
    stop : int
        Number of steps to keep, in ``[1, raster.n_steps]``.

    Returns
    -------
    SpikeRaster
        Same trials and neurons, ``n_steps == stop``; ``raster`` itself when nothing is cut.
    """
    stop = check_int("stop", stop, low=1, high=raster.n_steps, owner="truncate_raster")
    if stop == raster.n_steps:
        return raster
    keep = raster.steps < stop
    kept_before = np.concatenate(([0], np.cumsum(keep, dtype=np.int64)))
    # Events stay grouped by trial, so the kept events before each trial boundary give indptr.
    indptr = kept_before[raster.indptr]
    return SpikeRaster(indptr, raster.steps[keep], raster.neurons[keep], n_steps=stop,
                       n_neurons=raster.n_neurons)
