"""What every spike encoder shares: input checks, threshold choice, flat channels and scoring.

An encoder is a scikit-learn transformer on ``(n_trials, n_channels, n_times)`` arrays. ``fit``
learns one threshold per channel from the training trials only (so cross-validation does not
leak), ``transform`` turns samples into int8 spikes and ``inverse_transform`` decodes them.

Two classes live here:

- :class:`BaseSpikeEncoder`, the contract and the parts common to all encoders;
- :class:`DeltaSpikeEncoder`, the parts common to the encoders that emit ``-1/0/+1`` and decode
  by accumulating ``+/-threshold`` steps (TBR, step-forward and moving-window).
"""

from __future__ import annotations

import logging
import numbers
import warnings
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from neucube._validation import check_number
from neucube.encoding.metrics import snr
from neucube.params import ParamSpec, check_params

__all__ = ["BaseSpikeEncoder", "DeltaSpikeEncoder", "FlatChannelWarning", "MAX_SNR_DB"]

logger = logging.getLogger(__name__)

#: Cap of the per-channel SNR used by ``score``. float64 resolves relative errors down to about
#: 1e-16, i.e. about 320 dB, so a larger SNR only says "exact"; capping keeps one exactly
#: reconstructed (for example flat) channel from making the mean SNR infinite.
MAX_SNR_DB = 300.0

#: Multiples of the default threshold tried by ``threshold="auto"`` for TBR, SF and MW:
#: 21 log-spaced factors from 0.1 to 10, with exactly 1 in the middle so the search always
#: considers the default rule's value (and can only do better than it on the training data).
_DELTA_FACTORS = 10.0 ** np.linspace(-1.0, 1.0, 21)
_DELTA_FACTORS[10] = 1.0


class FlatChannelWarning(UserWarning):
    """Some channels cannot spike: zero threshold, or constant in the training data."""


def _describe(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _threshold_checked_in_fit(name: str, value: Any, *, owner: str | None = None) -> None:
    """``threshold`` is checked by ``_resolve_threshold_param``, which knows the channels."""


class BaseSpikeEncoder(TransformerMixin, BaseEstimator):
    """Base class of the spike encoders (not meant to be used directly).

    Subclasses implement ``_check_params``, ``_fit_state`` (optional), ``_default_threshold``,
    ``_threshold_grid``, ``_encode``, ``_decode`` and a public ``inverse_transform``.

    Attributes set by ``fit``
    -------------------------
    threshold_ : ndarray of shape (n_channels,)
        The threshold of each channel, learnt from (or given for) the training data.
    n_features_in_ : int
        Number of channels seen during ``fit``.
    threshold_candidates_ : ndarray of shape (n_candidates, n_channels)
        Only with ``threshold="auto"``: the thresholds that were tried.
    search_snr_ : ndarray of shape (n_candidates, n_channels)
        Only with ``threshold="auto"``: training SNR (dB) of each candidate for each channel.
    """

    #: Values ``transform`` may emit.
    spike_values: tuple[int, ...] = (-1, 0, 1)
    #: Whether a single threshold of 0 makes sense (for BSA it does; for the others it would
    #: silence every channel).
    _zero_threshold_allowed: bool = False
    _threshold_kind: str = "a positive real number"

    #: Every parameter declared once (:mod:`neucube.params`); subclasses add theirs.
    _parameter_constraints: dict[str, ParamSpec] = {
        "threshold": ParamSpec(
            "threshold", low=0.0, low_inclusive=False, keywords=("auto",),
            checker=_threshold_checked_in_fit,
            doc="None (the default rule), 'auto' (SNR search), a number or one per channel"),
    }

    # ------------------------------------------------------------------ hooks for subclasses
    def _check_params(self) -> None:
        """Validate the declared parameters (called at the start of ``fit``); ``threshold``
        is checked when it is resolved, knowing the channel count."""
        check_params(self)

    def _fit_state(self, X: NDArray) -> None:
        """Learn the fitted state other than thresholds (BSA's normalisation and filter)."""

    def _default_threshold(self, X: NDArray) -> NDArray:
        """Per-channel thresholds of the default rule (``threshold=None``)."""
        raise NotImplementedError

    def _threshold_grid(self, X: NDArray) -> NDArray:
        """Candidates for ``threshold="auto"``, shape ``(n_candidates, n_channels)``."""
        raise NotImplementedError

    def _encode(self, X: NDArray, threshold: NDArray) -> NDArray:
        """Spikes (int8, same shape as ``X``) for validated ``X`` and per-channel thresholds."""
        raise NotImplementedError

    def _decode(self, spikes: NDArray, threshold: NDArray, initial: NDArray) -> NDArray:
        """Reconstruction (float64) from spikes; ``initial`` has shape (n_trials, n_channels)."""
        raise NotImplementedError

    def _flat_channels(self) -> NDArray:
        """Boolean mask of the channels that emit no spikes whatever the test data."""
        return self.threshold_ == 0

    def _flat_message(self, indices: list[int]) -> str:
        return (
            f"{type(self).__name__}: the channel(s) at indices {indices} have a zero threshold "
            "(for example because they are constant within every training trial); they will "
            "emit no spikes."
        )

    # ------------------------------------------------------------------ input checks
    def _validate_X(self, X: ArrayLike, *, reset: bool) -> NDArray:
        """Return ``X`` as a finite float64 3-D array with at least 2 time samples.

        ``reset=True`` records ``n_features_in_`` (in ``fit``); ``reset=False`` checks the
        number of channels against it.
        """
        name = type(self).__name__
        try:
            ndim = np.ndim(X)
        except ValueError as err:  # ragged nested sequences
            raise ValueError(
                f"X must be a 3-D array of shape (n_trials, n_channels, n_times) for {name}; "
                f"got a ragged sequence ({err})."
            ) from err
        if ndim != 3:
            raise ValueError(
                f"X must be a 3-D array of shape (n_trials, n_channels, n_times) for {name}; "
                f"got an array with {ndim} dimension(s) of shape {np.shape(X)}."
            )
        X = validate_data(self, X, reset=reset, allow_nd=True, ensure_2d=False, dtype=np.float64)
        _, n_channels, n_times = X.shape
        if n_channels < 1:
            raise ValueError(f"X must have at least 1 channel (axis 1) for {name}; got 0.")
        if n_times < 2:
            raise ValueError(
                f"X must have at least 2 time samples (axis 2) for {name}, because spikes encode "
                f"changes between samples; got n_times={n_times}."
            )
        if not reset and n_channels != self.n_features_in_:
            raise ValueError(
                f"X has {n_channels} channels (axis 1), but {name} was fitted on "
                f"{self.n_features_in_} channels."
            )
        if reset:
            # validate_data records n_features_in_ only for 2-D checks; X.shape[1] is the
            # channel count here, which is what sklearn's n_features_in_ check compares.
            validate_data(self, X, reset=True, skip_check_array=True)
        return X

    def _validate_spikes(self, spikes: ArrayLike) -> NDArray:
        """Return ``spikes`` as a 3-D int8 array of allowed values with the fitted channels."""
        check_is_fitted(self)
        name = type(self).__name__
        ndim = np.ndim(spikes)
        if ndim != 3:
            raise ValueError(
                f"spikes must be a 3-D array of shape (n_trials, n_channels, n_times) for "
                f"{name}.inverse_transform; got an array with {ndim} dimension(s)."
            )
        spikes = check_array(
            spikes, allow_nd=True, ensure_2d=False, dtype=None, estimator=self, input_name="spikes"
        )
        if spikes.shape[1] != self.n_features_in_:
            raise ValueError(
                f"spikes has {spikes.shape[1]} channels (axis 1), but {name} was fitted on "
                f"{self.n_features_in_} channels."
            )
        bad = np.setdiff1d(np.unique(spikes), self.spike_values)
        if bad.size:
            allowed = ", ".join(f"{v:+d}" if v else "0" for v in self.spike_values)
            raise ValueError(
                f"spikes for {name}.inverse_transform must contain only {allowed}; found "
                f"[{', '.join(f'{v:g}' for v in bad[:5])}]."
            )
        return spikes.astype(np.int8, copy=False)

    def _resolve_threshold_param(self, n_channels: int) -> NDArray | Literal["auto"] | None:
        """Check ``threshold`` and return None, "auto" or a per-channel float array."""
        name = type(self).__name__
        th = self.threshold
        if th is None:
            return None
        expected = (
            f"None, 'auto', {self._threshold_kind} or an array of n_channels={n_channels} "
            "finite non-negative values"
        )
        if isinstance(th, str):
            if th == "auto":
                return "auto"
            raise ValueError(f"The 'threshold' parameter of {name} must be {expected}; got {th!r}.")
        if isinstance(th, numbers.Real) and not isinstance(th, bool):
            value = check_number(
                "threshold", th, low=0.0, low_inclusive=self._zero_threshold_allowed, owner=name
            )
            return np.full(n_channels, value)
        arr = np.asarray(th) if not isinstance(th, bool) else np.asarray(None)
        if arr.dtype.kind not in "iuf" or arr.shape != (n_channels,):
            raise ValueError(
                f"The 'threshold' parameter of {name} must be {expected}; got {_describe(th)}."
            )
        arr = arr.astype(np.float64)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(
                f"The 'threshold' parameter of {name} must be {expected}; got values "
                f"{arr[~np.isfinite(arr) | (arr < 0)][:5].tolist()}."
            )
        return arr

    def _check_initial(self, initial: ArrayLike | None, shape: tuple[int, int]) -> NDArray:
        if initial is None:
            return np.zeros(shape)
        name = type(self).__name__
        try:
            arr = np.asarray(initial, dtype=np.float64)
            arr = np.broadcast_to(arr, shape)
        except (ValueError, TypeError) as err:
            raise ValueError(
                f"The 'initial' argument of {name}.inverse_transform must be a number or an "
                f"array broadcastable to (n_trials, n_channels) = {shape}; got "
                f"{_describe(initial)}."
            ) from err
        if not np.all(np.isfinite(arr)):
            raise ValueError(
                f"The 'initial' argument of {name}.inverse_transform must be finite; got NaN or "
                "infinite values."
            )
        return arr

    # ------------------------------------------------------------------ scikit-learn API
    def __sklearn_tags__(self):
        """3-D input only, no NaN, and int8 output (scikit-learn's estimator tags)."""
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = False
        tags.input_tags.allow_nan = False
        # transform returns int8 spikes whatever the input dtype.
        tags.transformer_tags.preserves_dtype = []
        return tags

    def fit(self, X: ArrayLike, y: ArrayLike | None = None) -> BaseSpikeEncoder:
        """Learn the per-channel thresholds (and any other state) from training trials.

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_times)
            Training trials; finite, with at least 2 time samples.
        y : None
            Ignored; present for scikit-learn pipelines.

        Returns
        -------
        self
        """
        X = self._validate_X(X, reset=True)
        self._check_params()
        spec = self._resolve_threshold_param(X.shape[1])
        for attr in ("threshold_candidates_", "search_snr_"):
            if hasattr(self, attr):
                delattr(self, attr)
        self._fit_state(X)
        if spec is None:
            threshold = self._default_threshold(X)
        elif isinstance(spec, str):
            grid = self._threshold_grid(X)
            table = _snr_table(self, X, grid)
            threshold = _best_thresholds(grid, table)
            self.threshold_candidates_ = grid
            self.search_snr_ = table
            logger.debug("%s: 'auto' thresholds %s", type(self).__name__, threshold)
        else:
            threshold = spec
        self.threshold_ = np.asarray(threshold, dtype=np.float64)
        flat = np.flatnonzero(self._flat_channels())
        if flat.size:
            warnings.warn(self._flat_message(flat.tolist()), FlatChannelWarning, stacklevel=2)
        return self

    def transform(self, X: ArrayLike) -> NDArray:
        """Encode trials as spike trains with the thresholds learnt by ``fit``.

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_times)
            Trials with the channels seen in ``fit``; the number of time samples may differ.

        Returns
        -------
        spikes : ndarray of int8, shape (n_trials, n_channels, n_times)
            Values in ``spike_values``.
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        return self._encode(X, self.threshold_)

    def reconstruct(self, X: ArrayLike) -> NDArray:
        """Encode ``X`` and decode the spikes again (the round trip behind ``score``).

        Delta encoders start the decoding at each trial's first sample, ``X[..., 0]``.

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_times)

        Returns
        -------
        X_hat : ndarray of float64, shape (n_trials, n_channels, n_times)
        """
        check_is_fitted(self)
        return self._round_trip(self._validate_X(X, reset=False))

    def _round_trip(self, X: NDArray) -> NDArray:
        """Encode then decode validated ``X``, decoding from each trial's first sample."""
        return self._decode(self._encode(X, self.threshold_), self.threshold_, X[..., 0])

    def score(self, X: ArrayLike, y: ArrayLike | None = None) -> float:
        """Mean over channels of the reconstruction SNR in dB (higher is better).

        Each channel's SNR pools its trials and samples; it is capped to
        ``[-MAX_SNR_DB, MAX_SNR_DB]`` (300 dB) so an exactly reconstructed channel does not make
        the mean infinite. This makes ``GridSearchCV`` on an encoder alone pick thresholds by
        held-out reconstruction quality.

        The SNR (``sum x^2 / sum (x - x_hat)^2``) counts a DC offset as signal: on raw EEG with
        an amplifier offset of thousands of microvolts every encoder scores about 50 dB. Remove
        each trial's mean (or baseline) first to compare encoders; the choice of threshold is
        unaffected, since the offset only adds a constant to each channel's SNR numerator.

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_times)
        y : None
            Ignored.

        Returns
        -------
        float
        """
        check_is_fitted(self)
        X = self._validate_X(X, reset=False)
        per_channel = np.clip(snr(X, self._round_trip(X), axis=(0, 2)), -MAX_SNR_DB, MAX_SNR_DB)
        return float(np.mean(per_channel))

    def threshold_grid(self, X: ArrayLike) -> NDArray:
        """The candidate thresholds ``threshold="auto"`` would try on training data ``X``.

        Does not modify the encoder. Row ``i`` matches row ``i`` of the SNR table of
        :func:`neucube.encoding.search_threshold` with ``candidates=None``.

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_times)

        Returns
        -------
        ndarray of shape (n_candidates, n_channels)
        """
        work = clone(self)
        X = work._validate_X(X, reset=True)
        work._check_params()
        work._fit_state(X)
        return work._threshold_grid(X)


class DeltaSpikeEncoder(BaseSpikeEncoder):
    """Base of the encoders that emit ``-1/0/+1`` and decode by accumulating threshold steps.

    Default threshold rule (``threshold=None``), the TBR rule of the spec applied per channel::

        Th_c = mean over training trials of ( mean_t |dx| + alpha * std_t |dx| )

    with ``dx(t) = x(t) - x(t-1)`` and the population standard deviation. A channel that never
    changes within a training trial gets ``Th_c = 0`` and emits no spikes.

    Decoding: ``x_hat(1) = initial``, ``x_hat(t) = x_hat(t-1) + s(t) * Th``. Encoders never emit
    at the first sample, and a spike given there to ``inverse_transform`` is ignored.
    """

    _parameter_constraints: dict[str, ParamSpec] = {
        **BaseSpikeEncoder._parameter_constraints,
        "alpha": ParamSpec("float", low=0.0, label="Threshold alpha",
                           doc="weight of the standard deviation in the "
                           "default threshold rule: mean|dx| + alpha * std|dx|"),
    }

    def _default_threshold(self, X: NDArray) -> NDArray:
        adx = np.abs(np.diff(X, axis=-1))
        per_trial = adx.mean(axis=-1) + self.alpha * adx.std(axis=-1)
        return per_trial.mean(axis=0)

    def _threshold_grid(self, X: NDArray) -> NDArray:
        return _DELTA_FACTORS[:, None] * self._default_threshold(X)[None, :]

    def _decode(self, spikes: NDArray, threshold: NDArray, initial: NDArray) -> NDArray:
        steps = spikes * threshold[:, None]
        # Put the start value in the first slot and sum left to right: this is the same
        # sequence of additions as the step-forward baseline, so SF decodes bit-exactly.
        steps[..., 0] = initial
        return np.cumsum(steps, axis=-1)

    def inverse_transform(self, spikes: ArrayLike, initial: ArrayLike | None = None) -> NDArray:
        """Decode spike trains: ``x_hat(1) = initial``, ``x_hat(t) = x_hat(t-1) + s(t) * Th``.

        Parameters
        ----------
        spikes : array-like of shape (n_trials, n_channels, n_times)
            Values in {-1, 0, +1}; the first sample's spike is ignored.
        initial : float or array-like broadcastable to (n_trials, n_channels), optional
            First value of each trial and channel, typically ``X[..., 0]``. Defaults to 0, which
            recovers the signal up to each trial's offset.

        Returns
        -------
        X_hat : ndarray of float64, shape (n_trials, n_channels, n_times)
        """
        spikes = self._validate_spikes(spikes)
        initial = self._check_initial(initial, spikes.shape[:2])
        return self._decode(spikes, self.threshold_, initial)


def _snr_table(encoder: BaseSpikeEncoder, X: NDArray, grid: NDArray) -> NDArray:
    """Training SNR (dB) of every candidate row of ``grid`` for every channel.

    ``encoder`` must have its parameters checked and ``_fit_state`` done; ``X`` is validated.
    Channels are encoded independently, so one pass per candidate row scores all channels.
    """
    table = np.empty(grid.shape)
    for i, row in enumerate(grid):
        X_hat = encoder._decode(encoder._encode(X, row), row, X[..., 0])
        table[i] = snr(X, X_hat, axis=(0, 2))
    return table


def _best_thresholds(grid: NDArray, table: NDArray) -> NDArray:
    """Per channel, the candidate of highest SNR; ties go to the larger threshold (fewer spikes)."""
    n_candidates, n_channels = grid.shape
    order = np.argsort(grid, axis=0, kind="stable")[::-1]  # largest threshold first
    sorted_table = np.take_along_axis(table, order, axis=0)
    best_rank = np.argmax(sorted_table, axis=0)
    best_row = order[best_rank, np.arange(n_channels)]
    return grid[best_row, np.arange(n_channels)]
