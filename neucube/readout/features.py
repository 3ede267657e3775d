"""State features of the cube, so any scikit-learn classifier can read it.

Each transformer turns spike rasters (a :class:`~neucube.cube.raster.SpikeRaster`, a list of
them, or a dense 0/1 array of shape ``(n_trials, n_neurons, n_steps)``) into a 2-D float64
array ``(n_trials, n_features)``:

- :class:`SpikeCountFeatures`: spikes per neuron;
- :class:`BinnedCountFeatures`: spikes per neuron in ``n_bins`` consecutive time bins;
- :class:`FirstSpikeFeatures`: step of each neuron's first spike (latency).

All take an optional ``neurons`` subset (indices or a boolean mask over the cube's neurons),
are stateless apart from the sizes recorded by ``fit``, and require test trials of the length
seen in ``fit``: a count over 50 steps and one over 128 steps are not the same feature.

Examples
--------
>>> import numpy as np
>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.pipeline import make_pipeline
>>> X = np.zeros((4, 2, 6), dtype=np.int8)
>>> X[:2, 0, ::2] = 1      # class 0: neuron 0 fires often
>>> X[2:, 1, ::3] = 1      # class 1: neuron 1 fires
>>> SpikeCountFeatures().fit_transform(X)
array([[3., 0.],
       [3., 0.],
       [0., 2.],
       [0., 2.]])
>>> make_pipeline(SpikeCountFeatures(), LogisticRegression()).fit(X, [0, 0, 1, 1]).score(X,
...     [0, 0, 1, 1])
1.0
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from neucube._validation import check_number
from neucube.cube.raster import SpikeRaster
from neucube.limits import check_limit
from neucube.readout._raster_input import RasterLike, as_raster

__all__ = ["SpikeCountFeatures", "BinnedCountFeatures", "FirstSpikeFeatures"]


class _RasterFeatures(TransformerMixin, BaseEstimator):
    """Shared input handling of the state-feature transformers (not used directly).

    Subclasses implement ``_features(raster)`` (on the selected neurons) and
    ``_feature_suffixes()``.
    """

    def __init__(self, neurons: ArrayLike | None = None) -> None:
        self.neurons = neurons

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = False
        tags.input_tags.allow_nan = False
        tags.transformer_tags.preserves_dtype = []  # always float64
        tags.requires_fit = True
        return tags

    def _check_params(self) -> None:
        """Validate parameters other than ``neurons``."""

    def _resolve_neurons(self, n_neurons: int) -> NDArray[np.intp]:
        name = type(self).__name__
        if self.neurons is None:
            return np.arange(n_neurons)
        sel = np.asarray(self.neurons)
        expected = (f"None, a 1-D array of distinct neuron indices in [0, {n_neurons}) or a "
                    f"boolean mask of length {n_neurons}")
        if sel.ndim != 1 or sel.size == 0:
            raise ValueError(f"The 'neurons' parameter of {name} must be {expected}; got an "
                             f"array of shape {sel.shape}.")
        if sel.dtype.kind == "b":
            if sel.size != n_neurons:
                raise ValueError(f"The 'neurons' parameter of {name} must be {expected}; got a "
                                 f"boolean mask of length {sel.size}.")
            sel = np.flatnonzero(sel)
            if sel.size == 0:
                raise ValueError(f"The 'neurons' parameter of {name} selects no neuron.")
            return sel
        if sel.dtype.kind not in "iu":
            raise ValueError(f"The 'neurons' parameter of {name} must be {expected}; got dtype "
                             f"{sel.dtype}.")
        bad = sel[(sel < 0) | (sel >= n_neurons)]
        if bad.size:
            raise ValueError(f"The 'neurons' parameter of {name} must be {expected}; got "
                             f"out-of-range indices {bad[:5].tolist()}.")
        if np.unique(sel).size != sel.size:
            raise ValueError(f"The 'neurons' parameter of {name} must be {expected}; got "
                             "repeated indices.")
        return sel.astype(np.intp)

    def fit(self, X: RasterLike, y: ArrayLike | None = None) -> _RasterFeatures:
        """Record the number of neurons and steps, and resolve the neuron subset.

        Parameters
        ----------
        X : SpikeRaster, list of SpikeRaster or array-like of shape (n_trials, n_neurons, n_steps)
            Spike rasters (dense input holds only 0 and 1).
        y : None
            Ignored; present for pipelines.

        Returns
        -------
        self
        """
        self._check_params()
        raster = as_raster(self, X, reset=True)
        self.neurons_ = self._resolve_neurons(raster.n_neurons)
        self.n_steps_ = raster.n_steps
        self._check_steps(raster.n_steps)
        return self

    def _check_steps(self, n_steps: int) -> None:
        """Hook for parameters that depend on the trial length (checked in ``fit``)."""

    def transform(self, X: RasterLike) -> NDArray[np.float64]:
        """Features of each trial.

        Parameters
        ----------
        X : SpikeRaster, list of SpikeRaster or array-like of shape (n_trials, n_neurons, n_steps)
            Rasters with the neurons and number of steps seen in ``fit``.

        Returns
        -------
        ndarray of float64, shape (n_trials, n_features_out)
        """
        check_is_fitted(self)
        raster = as_raster(self, X, reset=False)
        if raster.n_steps != self.n_steps_:
            raise ValueError(
                f"X has {raster.n_steps} steps per trial, but {type(self).__name__} was fitted "
                f"on trials of {self.n_steps_} steps."
            )
        return self._features(raster)

    def get_feature_names_out(self, input_features: ArrayLike | None = None) -> NDArray:
        """Names of the output features, e.g. ``"neuron12_count"``.

        Parameters
        ----------
        input_features : None
            Ignored (the inputs are neurons, named by index).

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self)
        suffixes = self._feature_suffixes()
        return np.asarray([f"neuron{j}_{s}" for j in self.neurons_ for s in suffixes],
                          dtype=object)

    def _selected_events(self, raster: SpikeRaster) -> tuple[NDArray, NDArray, NDArray]:
        """``(trial, step, column)`` of the spikes of selected neurons; column indexes neurons_."""
        column = np.full(raster.n_neurons, -1, dtype=np.int64)
        column[self.neurons_] = np.arange(self.neurons_.size)
        col = column[raster.neurons]
        keep = col >= 0
        return raster.trial_of_spike[keep], raster.steps[keep].astype(np.int64), col[keep]

    def _features(self, raster: SpikeRaster) -> NDArray[np.float64]:
        raise NotImplementedError

    def _feature_suffixes(self) -> list[str]:
        raise NotImplementedError


class SpikeCountFeatures(_RasterFeatures):
    """Number of spikes of each neuron in each trial.

    Parameters
    ----------
    neurons : array-like of int or bool, optional
        Neurons to keep (indices, or a mask over all neurons). Default: all.

    Attributes
    ----------
    neurons_ : ndarray of int
        Indices of the kept neurons; output column ``i`` is neuron ``neurons_[i]``.
    n_features_in_ : int
        Number of neurons seen in ``fit``.
    n_steps_ : int
        Steps per trial seen in ``fit``.
    """

    def _features(self, raster: SpikeRaster) -> NDArray[np.float64]:
        return raster.counts()[:, self.neurons_].astype(np.float64)

    def _feature_suffixes(self) -> list[str]:
        return ["count"]


class BinnedCountFeatures(_RasterFeatures):
    """Number of spikes of each neuron in consecutive time bins.

    Step ``t`` of a trial of ``n_steps`` steps falls in bin ``floor(t * n_bins / n_steps)``,
    so the bins tile the trial and their sizes differ by at most one step.

    Parameters
    ----------
    n_bins : int, default=4
        Number of bins, in ``[1, n_steps]``.
    neurons : array-like of int or bool, optional
        Neurons to keep (indices, or a mask over all neurons). Default: all.

    Attributes
    ----------
    neurons_ : ndarray of int
        Indices of the kept neurons.
    bin_edges_ : ndarray of int, shape (n_bins + 1,)
        Bin ``b`` covers steps ``bin_edges_[b]`` to ``bin_edges_[b + 1] - 1``.
    n_features_in_ : int
        Number of neurons seen in ``fit``.
    n_steps_ : int
        Steps per trial seen in ``fit``.

    Notes
    -----
    The output is neuron-major: column ``i * n_bins + b`` is bin ``b`` of neuron
    ``neurons_[i]``, i.e. the ``(n_trials, n_neurons, n_bins)`` counts reshaped to 2-D.
    """

    def __init__(self, n_bins: int = 4, neurons: ArrayLike | None = None) -> None:
        self.n_bins = n_bins
        self.neurons = neurons

    def _check_params(self) -> None:
        check_limit("n_bins", self.n_bins, owner=type(self).__name__)

    def _check_steps(self, n_steps: int) -> None:
        if self.n_bins > n_steps:
            raise ValueError(
                f"The 'n_bins' parameter of {type(self).__name__} must be at most the number of "
                f"steps per trial ({n_steps}); got {self.n_bins}."
            )
        # First step t with floor(t * n_bins / n_steps) >= b is ceil(b * n_steps / n_bins).
        b = np.arange(self.n_bins + 1)
        self.bin_edges_ = -((-b * n_steps) // self.n_bins)

    def _features(self, raster: SpikeRaster) -> NDArray[np.float64]:
        trial, step, col = self._selected_events(raster)
        n_sel = self.neurons_.size
        key = (trial * n_sel + col) * self.n_bins + step * self.n_bins // raster.n_steps
        flat = np.bincount(key, minlength=raster.n_trials * n_sel * self.n_bins)
        return flat.reshape(raster.n_trials, n_sel * self.n_bins).astype(np.float64)

    def _feature_suffixes(self) -> list[str]:
        return [f"bin{b}" for b in range(self.n_bins)]


class FirstSpikeFeatures(_RasterFeatures):
    """Step of each neuron's first spike in each trial (its latency).

    Parameters
    ----------
    fill : float, optional
        Value for neurons that stay silent. Default: ``n_steps``, one step past the end of the
        trial, so that "silent" sorts as later than any spike and a linear model sees a
        latency scale without a gap.
    neurons : array-like of int or bool, optional
        Neurons to keep (indices, or a mask over all neurons). Default: all.

    Attributes
    ----------
    neurons_ : ndarray of int
        Indices of the kept neurons.
    fill_ : float
        The value used for silent neurons.
    n_features_in_ : int
        Number of neurons seen in ``fit``.
    n_steps_ : int
        Steps per trial seen in ``fit``.
    """

    def __init__(self, fill: float | None = None, neurons: ArrayLike | None = None) -> None:
        self.fill = fill
        self.neurons = neurons

    def _check_params(self) -> None:
        if self.fill is not None:
            check_number("fill", self.fill, owner=type(self).__name__)

    def _check_steps(self, n_steps: int) -> None:
        self.fill_ = float(n_steps) if self.fill is None else float(self.fill)

    def _features(self, raster: SpikeRaster) -> NDArray[np.float64]:
        first = raster.first_spike_times()[:, self.neurons_].astype(np.float64)
        first[first < 0] = self.fill_
        return first

    def _feature_suffixes(self) -> list[str]:
        return ["first"]
