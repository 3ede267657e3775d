"""Threshold-based representation (TBR), also called temporal-contrast or address-event encoding.

A spike marks a change between consecutive samples that is larger than the channel's threshold:
``+1`` if ``x(t) - x(t-1) > Th``, ``-1`` if ``x(t) - x(t-1) < -Th``, else 0 (Petro et al. 2020).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neucube.encoding._base import DeltaSpikeEncoder

__all__ = ["TBREncoder"]


class TBREncoder(DeltaSpikeEncoder):
    """Threshold-based representation: spike when the sample-to-sample change exceeds a threshold.

    For one channel with threshold ``Th`` and ``dx(t) = x(t) - x(t-1)``::

        s(1) = 0
        s(t) = +1 if dx(t) > Th, -1 if dx(t) < -Th, else 0

    Fully vectorised over trials, channels and time.

    Parameters
    ----------
    threshold : None, "auto", float or array-like of shape (n_channels,), default=None
        - ``None``: the spec's rule, per channel
          ``Th_c = mean over training trials of (mean_t |dx| + alpha * std_t |dx|)``.
        - ``"auto"``: per channel, the candidate of highest training SNR among 21 log-spaced
          multiples (0.1x to 10x) of the default rule's value (see
          :func:`neucube.encoding.search_threshold`).
        - a positive float: the same threshold for every channel.
        - an array of non-negative values: one threshold per channel (0 silences a channel).
    alpha : float, default=0.5
        Weight of the standard deviation in the default rule (``>= 0``).

    Attributes
    ----------
    threshold_ : ndarray of shape (n_channels,)
        Per-channel thresholds learnt from the training data. Channels with a zero threshold
        (constant within every training trial) emit no spikes; ``fit`` warns about them with
        :class:`~neucube.encoding.FlatChannelWarning`.
    n_features_in_ : int
        Number of channels seen in ``fit``.
    threshold_candidates_, search_snr_ : ndarray of shape (n_candidates, n_channels)
        Only with ``threshold="auto"``: the candidates tried and their training SNR in dB.

    See Also
    --------
    StepForwardEncoder, MovingWindowEncoder, BSAEncoder

    Notes
    -----
    Decoding (``inverse_transform``) is ``x_hat(1) = initial``,
    ``x_hat(t) = x_hat(t-1) + s(t) * Th``. Changes smaller than ``Th`` are lost and each spike
    stands for exactly ``Th``, so the reconstruction drifts; ``threshold="auto"`` picks the
    threshold that best balances the two on the training data.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((1, 1, 6)); X[..., 3:] = 1.0  # one step up
    >>> enc = TBREncoder().fit(X)
    >>> enc.transform(X)
    array([[[0, 0, 0, 1, 0, 0]]], dtype=int8)
    """

    def __init__(
        self,
        threshold: float | str | ArrayLike | None = None,
        alpha: float = 0.5,
    ) -> None:
        self.threshold = threshold
        self.alpha = alpha

    def _encode(self, X: NDArray, threshold: NDArray) -> NDArray:
        th = threshold[:, None]
        dx = np.diff(X, axis=-1)
        # A zero threshold marks a channel that must stay silent (see FlatChannelWarning).
        active = th > 0
        spikes = np.zeros(X.shape, dtype=np.int8)
        spikes[..., 1:] = (dx > th) & active
        spikes[..., 1:] -= ((dx < -th) & active).astype(np.int8)
        return spikes
