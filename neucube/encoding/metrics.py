"""How well a spike train represents its signal: SNR and RMSE of the reconstruction, spike rate.

These are the comparison measures of Petro et al. (2020, IEEE TNNLS 31:358):
``SNR = 10 log10(sum x^2 / sum (x - x_hat)^2)`` in dB, the root-mean-square error and the fraction
of samples that carry a spike. Every function takes an ``axis`` argument, so per-channel values
of a ``(n_trials, n_channels, n_times)`` array are ``snr(X, X_hat, axis=(0, 2))``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["snr", "rmse", "spike_rate"]

Axis = int | tuple[int, ...] | None


def _as_pair(x: ArrayLike, x_hat: ArrayLike, func: str) -> tuple[NDArray, NDArray]:
    x = np.asarray(x, dtype=np.float64)
    x_hat = np.asarray(x_hat, dtype=np.float64)
    if x.shape != x_hat.shape:
        raise ValueError(
            f"{func}: 'x' and 'x_hat' must have the same shape; got {x.shape} and {x_hat.shape}."
        )
    if x.size == 0:
        raise ValueError(f"{func}: 'x' and 'x_hat' must not be empty; got shape {x.shape}.")
    return x, x_hat


def _scale(*arrays: NDArray, axis: Axis) -> NDArray:
    """Largest magnitude along ``axis`` (kept as a broadcastable array; 1 where everything is 0).

    Dividing by it before squaring keeps sums of squares finite for values near the float64 limit
    and leaves every ratio of sums unchanged.
    """
    scale = np.max([np.max(np.abs(a), axis=axis, keepdims=True) for a in arrays], axis=0)
    return np.where(scale > 0, scale, 1.0)


def _unwrap(value: NDArray) -> float | NDArray:
    return float(value) if np.ndim(value) == 0 else value


def snr(x: ArrayLike, x_hat: ArrayLike, axis: Axis = None) -> float | NDArray:
    """Signal-to-noise ratio of a reconstruction, in dB.

    ``10 * log10(sum(x**2) / sum((x - x_hat)**2))``, the sums running over ``axis``.

    Parameters
    ----------
    x : array-like
        The original signal.
    x_hat : array-like, same shape as ``x``
        Its reconstruction (for example ``encoder.reconstruct(X)``).
    axis : int or tuple of int, optional
        Axes to sum over; all of them by default. ``axis=(0, 2)`` on
        ``(n_trials, n_channels, n_times)`` arrays gives one SNR per channel.

    Returns
    -------
    float or ndarray
        The SNR in dB: ``+inf`` for an exact reconstruction (including an all-zero signal
        reconstructed as zeros) and ``-inf`` for an all-zero signal reconstructed with an error.

    Examples
    --------
    >>> round(snr([1.0, 2.0, 3.0], [1.0, 2.0, 2.0]), 2)  # 10 log10(14 / 1)
    11.46
    """
    x, x_hat = _as_pair(x, x_hat, "snr")
    err = x - x_hat
    scale = _scale(x, err, axis=axis)
    power = np.sum((x / scale) ** 2, axis=axis)
    noise = np.sum((err / scale) ** 2, axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(noise > 0, power / np.where(noise > 0, noise, 1.0), np.inf)
        return _unwrap(10.0 * np.log10(ratio))


def rmse(x: ArrayLike, x_hat: ArrayLike, axis: Axis = None) -> float | NDArray:
    """Root-mean-square error ``sqrt(mean((x - x_hat)**2))`` over ``axis``, in the units of ``x``.

    Parameters
    ----------
    x : array-like
        The original signal.
    x_hat : array-like, same shape as ``x``
        Its reconstruction.
    axis : int or tuple of int, optional
        Axes to average over; all of them by default.

    Returns
    -------
    float or ndarray
    """
    x, x_hat = _as_pair(x, x_hat, "rmse")
    err = x - x_hat
    scale = _scale(err, axis=axis)
    value = np.sqrt(np.mean((err / scale) ** 2, axis=axis, keepdims=True)) * scale
    if axis is None:
        return float(value.reshape(()))
    return _unwrap(np.squeeze(value, axis=axis))


def spike_rate(spikes: ArrayLike, axis: Axis = None) -> float | NDArray:
    """Fraction of samples that carry a spike (any non-zero value, so ``-1`` spikes count).

    Parameters
    ----------
    spikes : array-like
        Spike trains, for example the output of an encoder's ``transform``.
    axis : int or tuple of int, optional
        Axes to average over; all of them by default.

    Returns
    -------
    float or ndarray
        Values in [0, 1].
    """
    spikes = np.asarray(spikes)
    if spikes.size == 0:
        raise ValueError(f"spike_rate: 'spikes' must not be empty; got shape {spikes.shape}.")
    return _unwrap(np.mean(spikes != 0, axis=axis))
