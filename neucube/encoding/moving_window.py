"""Moving-window (MW) encoding: spike when a sample leaves a band around the recent mean.

The baseline is the mean of the previous ``window`` samples; spikes do not move it
(Petro et al. 2020). The original NeuCube code always used a window of 3 whatever was asked;
here ``window`` is honoured and defaults to 5.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neucube.encoding._base import DeltaSpikeEncoder
from neucube.params import ParamSpec

__all__ = ["MovingWindowEncoder"]


class MovingWindowEncoder(DeltaSpikeEncoder):
    """Moving-window encoding: compare each sample with the mean of the previous samples.

    For one channel with threshold ``Th`` and window ``w``::

        B(t) = mean(x(t-w), ..., x(t-1))
        s(t) = +1 if x(t) > B(t) + Th, -1 if x(t) < B(t) - Th, else 0

    Start of a trial: ``s(1) = 0`` (there is no previous sample), and for ``1 < t <= w`` the
    baseline is the mean of the ``t - 1`` samples available so far, i.e. the window grows until
    it is full. Since spikes do not feed back into ``B``, the encoding is fully vectorised.

    Parameters
    ----------
    threshold : None, "auto", float or array-like of shape (n_channels,), default=None
        - ``None``: the same data-driven rule as TBR, per channel
          ``Th_c = mean over training trials of (mean_t |dx| + alpha * std_t |dx|)``. Decoding
          adds ``+/-Th`` per spike, so a threshold of the size of a typical sample-to-sample
          change makes the decoded slope match the signal's (on a ramp of slope ``d`` the
          window lag is ``d (w + 1) / 2 > d``, so every sample spikes and ``x_hat`` rises by ``d``
          per sample).
        - ``"auto"``: per channel, the candidate of highest training SNR among 21 log-spaced
          multiples (0.1x to 10x) of the default rule's value.
        - a positive float: the same threshold for every channel.
        - an array of non-negative values: one threshold per channel (0 silences a channel).
    alpha : float, default=0.5
        Weight of the standard deviation in the default rule (``>= 0``).
    window : int, default=5
        Number of previous samples averaged into the baseline (``>= 1``).

    Attributes
    ----------
    threshold_ : ndarray of shape (n_channels,)
        Per-channel thresholds learnt from the training data. Channels with a zero threshold
        emit no spikes; ``fit`` warns about them with :class:`~neucube.encoding.FlatChannelWarning`.
    n_features_in_ : int
        Number of channels seen in ``fit``.
    threshold_candidates_, search_snr_ : ndarray of shape (n_candidates, n_channels)
        Only with ``threshold="auto"``: the candidates tried and their training SNR in dB.

    See Also
    --------
    TBREncoder, StepForwardEncoder, BSAEncoder

    Notes
    -----
    Decoding is the delta rule shared with TBR and SF, ``x_hat(t) = x_hat(t-1) + s(t) * Th``.
    It is only an approximation for MW: a sustained deviation from the window mean keeps
    spiking after the signal has stopped moving, so MW reconstructs less faithfully than SF.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(8.0).reshape(1, 1, 8)  # a ramp: x - B = (t + 1) / 2 while the window fills
    >>> MovingWindowEncoder(threshold=2.0, window=5).fit(X).transform(X)
    array([[[0, 0, 0, 0, 1, 1, 1, 1]]], dtype=int8)
    """

    def __init__(
        self,
        threshold: float | str | ArrayLike | None = None,
        alpha: float = 0.5,
        window: int = 5,
    ) -> None:
        self.threshold = threshold
        self.alpha = alpha
        self.window = window

    _parameter_constraints: dict[str, ParamSpec] = {
        **DeltaSpikeEncoder._parameter_constraints,
        "window": ParamSpec("int", limit="window", doc="moving-window length in samples"),
    }

    def _baseline(self, X: NDArray) -> NDArray:
        """``B(t)`` for ``t = 2..T`` (shape ``X.shape[:-1] + (T - 1,)``)."""
        n_times = X.shape[-1]
        w = self.window
        x0 = X[..., :1]
        # Running sums of x - x(1): exact zeros on constant stretches, and no loss of precision
        # to a large DC offset (EEG amplifiers often add thousands of microvolts).
        csum = np.cumsum(X - x0, axis=-1)  # csum[k] = sum of x(0..k) - x(0), 0-based
        # Sum of the previous min(t, w) samples for t = 1..T-1: csum[t-1] - csum[t-1-w]
        # (the second term only once the window is full). Slices, in place: no gathers; NumPy
        # buffers overlapping in-place operands, so reading csum while writing it is safe.
        sums = csum[..., :-1]
        if n_times - 1 > w:
            sums[..., w:] -= csum[..., : n_times - 1 - w]
        count = np.minimum(np.arange(1, n_times), w)
        sums /= count
        sums += x0
        return sums
    def _encode(self, X: NDArray, threshold: NDArray) -> NDArray:
        th = threshold[:, None]
        deviation = X[..., 1:] - self._baseline(X)
        # A zero threshold marks a channel that must stay silent (see FlatChannelWarning).
        active = th > 0
        spikes = np.zeros(X.shape, dtype=np.int8)
        spikes[..., 1:] = (deviation > th) & active
        spikes[..., 1:] -= ((deviation < -th) & active).astype(np.int8)
        return spikes
