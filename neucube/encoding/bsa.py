"""Ben's Spiker Algorithm (BSA): positive spikes whose filtered sum reconstructs the signal.

Schrauwen & Van Campenhout (2003), in the form of Petro et al. (2020): the signal is normalised
to [0, 1]; at each sample a spike is emitted if subtracting the FIR filter ``h`` from the coming
samples lowers their absolute error by at least the threshold, and then ``h`` is subtracted.
Decoding convolves the spikes with ``h``.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.signal import firwin, lfilter

from neucube.encoding._base import BaseSpikeEncoder
from neucube.params import ParamSpec

__all__ = ["BSAEncoder"]

#: The spec's default BSA threshold.
_DEFAULT_THRESHOLD = 0.5


class BSAEncoder(BaseSpikeEncoder):
    """Ben's Spiker Algorithm: positive spikes, decoded by filtering with an FIR kernel.

    Per channel:

    1. Normalise: ``u = (x - min) / (max - min)`` with ``min``/``max`` learnt on the training
       data (all trials and samples of the channel); test data are clipped to [0, 1].
    2. Filter: ``h = scipy.signal.firwin(filter_length, cutoff)`` (Hamming-windowed low-pass,
       unit DC gain so ``sum(h) = 1``: a spike on every sample decodes to 1, the top of the
       range).
    3. For ``t = 1..T``, with ``L = min(F, T - t + 1)`` samples left in the trial::

           spike if  sum_k |u(t+k) - h(k)| <= sum_k |u(t+k)| - Th    (k = 0..L-1)
           and then  u(t..t+L-1) -= h(0..L-1)

       Near the end of a trial only the samples that exist are compared (the filter is cut).
    4. Decode: ``u_hat = causal_conv(s, h)`` (``u_hat(t) = sum_k s(t-k) h(k)``), then
       ``x_hat = u_hat * (max - min) + min``.

    The encoder looks ahead ``F - 1`` samples, so a spike precedes the rise it stands for and
    the causal decoding lines up with the signal. Since no spike exists before a trial starts,
    the first ``F - 1`` decoded samples ramp up from ``min`` (a start-up transient that costs
    some SNR on short trials). Vectorised over trials and channels; the loop
    runs over time only (each spike changes the residual seen by the next samples).

    Parameters
    ----------
    threshold : None, "auto", float or array-like of shape (n_channels,), default=None
        Error reduction a spike must achieve, in normalised units (the best possible reduction
        is ``sum(|h|)``, about 1).

        - ``None``: the spec's default, 0.5 for every channel.
        - ``"auto"``: per channel, the candidate of highest training SNR among
          ``0, 0.05, ..., 0.95`` times ``sum(|h|)`` plus 0.5.
        - a float ``>= 0``: the same threshold for every channel.
        - an array of non-negative values: one threshold per channel.
    filter_length : int, default=10
        Number of FIR taps ``F`` (``>= 1``), i.e. how many samples one spike covers.
    cutoff : float, default=0.2
        Low-pass cutoff of ``h`` relative to the Nyquist frequency, in (0, 1) (as
        ``scipy.signal.firwin`` without ``fs``): 0.2 is ``sfreq / 10``, 12.8 Hz at 128 Hz.
        Faster components of the signal are not represented. The defaults (10 taps, 0.2)
        reconstructed both noisy 1-10 Hz sines and the 128 Hz wrist-movement EEG better than
        longer, narrower filters (20-30 taps, cutoff 0.05-0.1) in our comparison, because a
        short kernel follows fast changes while still spanning several samples.

    Attributes
    ----------
    threshold_ : ndarray of shape (n_channels,)
        Per-channel thresholds.
    filter_ : ndarray of shape (filter_length,)
        The FIR kernel ``h``.
    data_min_, data_max_ : ndarray of shape (n_channels,)
        Per-channel range of the training data used for normalisation. Channels with
        ``data_min_ == data_max_`` emit no spikes; ``fit`` warns about them with
        :class:`~neucube.encoding.FlatChannelWarning`.
    n_features_in_ : int
        Number of channels seen in ``fit``.
    threshold_candidates_, search_snr_ : ndarray of shape (n_candidates, n_channels)
        Only with ``threshold="auto"``: the candidates tried and their training SNR in dB.

    See Also
    --------
    TBREncoder, StepForwardEncoder, MovingWindowEncoder

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(256)
    >>> X = np.sin(2 * np.pi * t / 128)[None, None, :]
    >>> enc = BSAEncoder().fit(X)
    >>> spikes = enc.transform(X)
    >>> sorted(np.unique(spikes).tolist())
    [0, 1]
    """

    spike_values = (0, 1)
    _zero_threshold_allowed = True
    _threshold_kind = "a real number >= 0"

    def __init__(
        self,
        threshold: float | str | ArrayLike | None = None,
        filter_length: int = 10,
        cutoff: float = 0.2,
    ) -> None:
        self.threshold = threshold
        self.filter_length = filter_length
        self.cutoff = cutoff

    _parameter_constraints: dict[str, ParamSpec] = {
        "threshold": dataclasses.replace(BaseSpikeEncoder._parameter_constraints["threshold"],
                                         low_inclusive=True),
        "filter_length": ParamSpec("int", limit="filter_length", doc="FIR taps of the filter"),
        "cutoff": ParamSpec("float", low=0.0, high=1.0, low_inclusive=False,
                            high_inclusive=False,
                            doc="low-pass cutoff of the filter, relative to Nyquist"),
    }

    def _fit_state(self, X: NDArray) -> None:
        self.filter_ = firwin(self.filter_length, self.cutoff)
        self.data_min_ = X.min(axis=(0, 2))
        self.data_max_ = X.max(axis=(0, 2))

    def _default_threshold(self, X: NDArray) -> NDArray:
        return np.full(X.shape[1], _DEFAULT_THRESHOLD)

    def _threshold_grid(self, X: NDArray) -> NDArray:
        best_gain = np.sum(np.abs(self.filter_))
        values = np.union1d(np.linspace(0.0, 0.95, 20) * best_gain, [_DEFAULT_THRESHOLD])
        return np.repeat(values[:, None], X.shape[1], axis=1)

    def _flat_channels(self) -> NDArray:
        return self.data_max_ == self.data_min_

    def _flat_message(self, indices: list[int]) -> str:
        return (
            f"{type(self).__name__}: the channel(s) at indices {indices} are constant in the "
            "training data (zero range, nothing to normalise); they will emit no spikes."
        )

    def _normalise(self, X: NDArray) -> NDArray:
        span = self.data_max_ - self.data_min_
        safe = np.where(span > 0, span, 1.0)[:, None]
        u = (X - self.data_min_[:, None]) / safe
        # Flat training channels stay at 0, where no spike can lower the error.
        u[:, span == 0, :] = 0.0
        return np.clip(u, 0.0, 1.0, out=u)

    def _encode(self, X: NDArray, threshold: NDArray) -> NDArray:
        h = self.filter_[:, None, None]
        # Time-major residual: the window of each step is one contiguous block.
        residual = np.moveaxis(self._normalise(X), -1, 0).copy()
        n_times = residual.shape[0]
        spikes = np.zeros(residual.shape, dtype=np.int8)
        for t in range(n_times):
            n = min(h.shape[0], n_times - t)
            window = residual[t : t + n]
            # err_without - err_with: how much a spike here would lower the absolute error.
            gain = np.abs(window).sum(axis=0) - np.abs(window - h[:n]).sum(axis=0)
            fire = gain >= threshold
            window -= fire * h[:n]
            spikes[t] = fire
        return np.ascontiguousarray(np.moveaxis(spikes, 0, -1))

    def _decode(self, spikes: NDArray, threshold: NDArray, initial: NDArray) -> NDArray:
        u_hat = lfilter(self.filter_, [1.0], spikes.astype(np.float64), axis=-1)
        span = (self.data_max_ - self.data_min_)[:, None]
        return u_hat * span + self.data_min_[:, None]

    def inverse_transform(self, spikes: ArrayLike) -> NDArray:
        """Decode spike trains: causal convolution with ``filter_``, then de-normalisation.

        Parameters
        ----------
        spikes : array-like of shape (n_trials, n_channels, n_times)
            Values in {0, 1}.

        Returns
        -------
        X_hat : ndarray of float64, shape (n_trials, n_channels, n_times)
            In the units of the training data; a flat channel decodes to its training value.
        """
        spikes = self._validate_spikes(spikes)
        return self._decode(spikes, self.threshold_, np.zeros(spikes.shape[:2]))
