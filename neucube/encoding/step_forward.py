"""Step-forward (SF) encoding: a baseline follows the signal in steps of one threshold.

The baseline starts at the first sample and moves up (``+1`` spike) or down (``-1`` spike) by the
threshold whenever the signal is at least one threshold away from it (Petro et al. 2020).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neucube.encoding._base import DeltaSpikeEncoder

__all__ = ["StepForwardEncoder"]


class StepForwardEncoder(DeltaSpikeEncoder):
    """Step-forward encoding: spike when the signal leaves a band around a moving baseline.

    For one channel with threshold ``Th``, starting with ``B = x(1)`` and ``s(1) = 0``::

        if x(t) >= B + Th:  s(t) = +1, B = B + Th
        elif x(t) <= B - Th: s(t) = -1, B = B - Th
        else: s(t) = 0

    At most one spike per sample, so a change faster than ``Th`` per sample is followed with a
    lag (slope overload). The baseline ``B`` *is* the decoded signal: ``inverse_transform`` with
    ``initial=X[..., 0]`` returns exactly the baseline trajectory.

    Vectorised over trials and channels; the loop runs over time only (the baseline is state).

    Parameters
    ----------
    threshold : None, "auto", float or array-like of shape (n_channels,), default=None
        - ``None``: the same data-driven rule as TBR, per channel
          ``Th_c = mean over training trials of (mean_t |dx| + alpha * std_t |dx|)``: a step of
          about one typical sample-to-sample change, so the baseline can keep up with most of
          the signal's movements.
        - ``"auto"``: per channel, the candidate of highest training SNR among 21 log-spaced
          multiples (0.1x to 10x) of the default rule's value.
        - a positive float: the same threshold for every channel.
        - an array of non-negative values: one threshold per channel (0 silences a channel).
    alpha : float, default=0.5
        Weight of the standard deviation in the default rule (``>= 0``).

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
    TBREncoder, MovingWindowEncoder, BSAEncoder

    Examples
    --------
    >>> import numpy as np
    >>> X = np.arange(10.0).reshape(1, 1, 10)  # a ramp
    >>> StepForwardEncoder(threshold=3.0).fit(X).transform(X)
    array([[[0, 0, 0, 1, 0, 0, 1, 0, 0, 1]]], dtype=int8)
    """

    def __init__(
        self,
        threshold: float | str | ArrayLike | None = None,
        alpha: float = 0.5,
    ) -> None:
        self.threshold = threshold
        self.alpha = alpha

    def _encode(self, X: NDArray, threshold: NDArray) -> NDArray:
        # Time-major copy: each step then reads one contiguous (n_trials, n_channels) block.
        x_by_time = np.moveaxis(X, -1, 0).copy()
        # A zero threshold marks a channel that must stay silent (see FlatChannelWarning).
        active = threshold > 0
        spikes = np.zeros(x_by_time.shape, dtype=np.int8)
        baseline = x_by_time[0].copy()
        for t in range(1, x_by_time.shape[0]):
            x = x_by_time[t]
            up = x >= baseline + threshold
            up &= active
            # With Th > 0 both conditions cannot hold at once, so no "elif" is needed.
            down = x <= baseline - threshold
            down &= active
            step = up.view(np.int8) - down.view(np.int8)
            spikes[t] = step
            # step * Th is exactly +Th, -Th or 0: the same additions as the decoder's running
            # sum, so decoding reproduces the baseline bit for bit.
            baseline += step * threshold
        return np.ascontiguousarray(np.moveaxis(spikes, 0, -1))
