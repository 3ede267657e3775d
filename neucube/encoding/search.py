"""Threshold search: per channel, the candidate threshold that maximises training SNR.

Petro et al. (2020) recommend choosing an encoder's threshold by the SNR of its reconstruction
on the training data. Encoders treat channels independently, so one encoding pass per candidate
scores every channel at once.
"""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import ArrayLike, NDArray
from sklearn.base import clone

from neucube.encoding._base import BaseSpikeEncoder, _best_thresholds, _snr_table

__all__ = ["search_threshold"]

logger = logging.getLogger(__name__)


def _check_candidates(candidates: ArrayLike, n_channels: int) -> NDArray:
    expected = (
        "an array of shape (n_candidates,) or (n_candidates, n_channels="
        f"{n_channels}) of finite non-negative values"
    )
    arr = np.asarray(candidates)
    if arr.dtype.kind not in "iuf" or arr.ndim not in (1, 2) or arr.shape[0] == 0:
        found = f"an array of shape {arr.shape}" if arr.dtype.kind in "iufb" else repr(candidates)
        raise ValueError(
            f"The 'candidates' argument of search_threshold must be {expected}; got {found}."
        )
    if arr.ndim == 2 and arr.shape[1] != n_channels:
        raise ValueError(
            f"The 'candidates' argument of search_threshold must be {expected}; got an array of "
            f"shape {arr.shape}."
        )
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise ValueError(
            f"The 'candidates' argument of search_threshold must be {expected}; got NaN, "
            "infinite or negative values."
        )
    if arr.ndim == 1:
        arr = np.repeat(arr[:, None], n_channels, axis=1)
    return arr


def search_threshold(
    encoder: BaseSpikeEncoder, X: ArrayLike, candidates: ArrayLike | None = None
) -> tuple[NDArray, NDArray]:
    """Per channel, the threshold among ``candidates`` whose reconstruction of ``X`` is best.

    For every candidate, ``X`` is encoded and decoded (as ``encoder.reconstruct`` does, other
    parameters of ``encoder`` unchanged) and the SNR of each channel, pooled over trials and
    samples, is recorded. ``encoder`` itself is not modified. This is what
    ``threshold="auto"`` runs inside ``fit``; pass training data only.

    Parameters
    ----------
    encoder : BaseSpikeEncoder
        A (fitted or unfitted) encoder: ``TBREncoder``, ``StepForwardEncoder``,
        ``MovingWindowEncoder`` or ``BSAEncoder``.
    X : array-like of shape (n_trials, n_channels, n_times)
        Training trials.
    candidates : array-like of shape (n_candidates,) or (n_candidates, n_channels), optional
        Thresholds to try, the same for all channels (1-D) or per channel (2-D), ``>= 0``.
        Defaults to the encoder's own grid, ``encoder.threshold_grid(X)``.

    Returns
    -------
    best : ndarray of shape (n_channels,)
        Per channel, the candidate of highest SNR; ties go to the larger threshold (fewer
        spikes for the same quality).
    snr_table : ndarray of shape (n_candidates, n_channels)
        SNR in dB of each candidate (row) for each channel (column); ``+inf`` means exact.

    Examples
    --------
    >>> import numpy as np
    >>> from neucube.encoding import TBREncoder, search_threshold
    >>> rng = np.random.default_rng(0)
    >>> X = np.cumsum(rng.normal(size=(5, 3, 100)), axis=-1)
    >>> best, table = search_threshold(TBREncoder(), X, candidates=[0.5, 1.0, 2.0])
    >>> best.shape, table.shape
    ((3,), (3, 3))
    """
    if not isinstance(encoder, BaseSpikeEncoder):
        raise TypeError(
            "The 'encoder' argument of search_threshold must be a neucube spike encoder "
            f"(TBREncoder, StepForwardEncoder, MovingWindowEncoder or BSAEncoder); got "
            f"{type(encoder).__name__}."
        )
    work = clone(encoder)
    X = work._validate_X(X, reset=True)
    work._check_params()
    work._fit_state(X)
    n_channels = X.shape[1]
    grid = (
        work._threshold_grid(X) if candidates is None else _check_candidates(candidates, n_channels)
    )
    table = _snr_table(work, X, grid)
    best = _best_thresholds(grid, table)
    logger.debug("search_threshold(%s): best thresholds %s", type(encoder).__name__, best)
    return best, table
