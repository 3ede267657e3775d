"""Automatic weight scale of the cube: the scale at which input spreads to a target share of it.

With NeuCube's published wiring (weights up to 0.1, twice that out of input neurons, against a
firing threshold of 0.5), the summed excitatory input a neuron can receive from all its
neighbours is about 0.3: only the neurons next to busy input neurons ever reach the threshold,
and the cube beyond them stays silent (``bench/bench_activity.py``). Multiplying every weight by
one factor ``s`` is equivalent to dividing the threshold (and the SLIF leak) by ``s``;
:func:`calibrate_weight_scale` chooses ``s`` so that, on the trials it is given, a target share of
the non-input neurons fires in a typical trial.

The search runs the frozen cube (no STDP) on at most ``max_trials`` of the given trials, evenly
spaced, and reuses one compiled program (weights are run-time arguments). Give it training trials
only: the scale is learnt from them like any other parameter.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from neucube.cube.activity import activity_stats
from neucube.cube.network import CubeNetwork
from neucube.cube.raster import SpikeRaster

__all__ = ["calibrate_weight_scale", "calibration_trials", "homeostasis_start"]

#: Smallest factor tried: below it the cube is silent whatever the input.
_MIN_SCALE = 1e-4


def calibration_trials(n_trials: int, max_trials: int) -> np.ndarray:
    """Indices of at most ``max_trials`` trials, evenly spaced over ``n_trials`` (deterministic)."""
    if n_trials <= max_trials:
        return np.arange(n_trials)
    return np.unique(np.linspace(0, n_trials - 1, max_trials).round().astype(np.int64))


def homeostasis_start(before: CubeNetwork, after: CubeNetwork) -> float:
    """First factor for homeostasis after an STDP round: the one restoring the summed ``|w|``.

    ``before`` was at the target activity; if STDP scaled every weight alike, this factor would
    restore it exactly. STDP reshapes the weights too, so it is only the search's start (it
    saves the bracketing runs from 1 when STDP grew or shrank the weights many times over).
    """
    w_before = float(np.abs(before.weights[before.active]).sum())
    w_after = float(np.abs(after.weights[after.active]).sum())
    if not (w_before > 0.0 and w_after > 0.0):
        return 1.0
    return w_before / w_after


def calibrate_weight_scale(
    network: CubeNetwork,
    run: Callable[[CubeNetwork], SpikeRaster],
    *,
    target: float,
    max_scale: float,
    start: float = 1.0,
    rtol: float = 0.1,
    n_steps: int = 8,
) -> tuple[float, dict[str, float], list[tuple[float, float]]]:
    """Factor for every weight of ``network`` that brings the active share to ``target``.

    The active share rises with the scale, steeply near the point where activity starts to
    spread. The search brackets the target from ``start`` with steps that double in log scale
    (x2, x4, x16, ...), then narrows the bracket by interpolation in log scale (regula falsi,
    Illinois variant, kept away from the bracket's ends), and stops at the first scale whose
    share lies within ``rtol * target`` of the target. The share can jump near the scale where
    activity starts to spread (after STDP, from 13% to 34% for a 20% larger scale on the
    familiarity data), so a tolerance saves the runs that would chase the target on the cliff;
    the bisection this replaces used 12-20 runs, this search 2-7.

    Parameters
    ----------
    network : CubeNetwork
        The cube with its unscaled weights.
    run : callable
        Runs a network (same structure, other weights) on the calibration trials and returns
        the raster.
    target : float
        Wanted mean share, over trials, of the non-input neurons that fire in a trial, in (0, 1).
    max_scale : float
        Largest factor allowed (e.g. ``w_clip / max |w|``).
    start : float
        First factor tried (clipped to ``max_scale``).
    rtol : float
        Accepted distance from the target, relative to it (0.1: 27% to 33% for a target of
        30%).
    n_steps : int
        Most interpolation steps after the target is bracketed.

    Returns
    -------
    scale : float
        The first factor found whose share is within the tolerance; if none is after
        ``n_steps``, the smallest found above it; ``max_scale`` if even that stays below the
        target (or the smallest factor tried if every one exceeds it).
    stats : dict
        :func:`~neucube.cube.activity.activity_stats` of the run at ``scale``.
    trace : list of (scale, share)
        Every evaluation, in order (for the run summary).
    """
    if not 0.0 < target < 1.0:
        raise ValueError(f"calibrate_weight_scale: expected a target in (0, 1); found {target!r}.")
    if not (math.isfinite(start) and start > 0.0):
        raise ValueError(f"calibrate_weight_scale: expected a start > 0; found {start!r}.")
    trace: list[tuple[float, float]] = []
    stats: dict[float, dict[str, float]] = {}
    lower, upper = target * (1.0 - rtol), target * (1.0 + rtol)

    def share(scale: float) -> float:
        raster = run(network.with_weights(network.weights * scale))
        stats[scale] = activity_stats(raster, network)
        trace.append((float(scale), stats[scale]["active_share_mean"]))
        return trace[-1][1]

    def done(scale: float) -> tuple[float, dict[str, float], list[tuple[float, float]]]:
        return float(scale), stats[scale], trace

    # Bracket: lo below the accepted band, hi above it; steps of x2, x4, x16, ... from start.
    scale = min(start, max_scale)
    value = share(scale)
    if lower <= value <= upper:
        return done(scale)
    step = 2.0
    if value > upper:
        hi, f_hi = scale, value
        while True:
            scale = max(scale / step, _MIN_SCALE)
            value = share(scale)
            if lower <= value <= upper:
                return done(scale)
            if value < lower:
                lo, f_lo = scale, value
                break
            hi, f_hi = scale, value
            if scale <= _MIN_SCALE:
                return done(scale)
            step *= step
    else:
        lo, f_lo = scale, value
        while True:
            if scale >= max_scale:
                return done(scale)
            scale = min(scale * step, max_scale)
            value = share(scale)
            if lower <= value <= upper:
                return done(scale)
            if value > upper:
                hi, f_hi = scale, value
                break
            lo, f_lo = scale, value
            step *= step
    # Narrow: interpolate log(scale) linearly in the share, at least 10% inside the bracket.
    side = 0
    for _ in range(n_steps):
        u_lo, u_hi = math.log(lo), math.log(hi)
        if u_hi - u_lo < 1e-3:
            break
        frac = (target - f_lo) / (f_hi - f_lo) if f_hi > f_lo else 0.5
        frac = min(max(frac, 0.1), 0.9)
        scale = math.exp(u_lo + frac * (u_hi - u_lo))
        value = share(scale)
        if lower <= value <= upper:
            return done(scale)
        if value > upper:
            hi, f_hi = scale, value
            if side == 1:  # Illinois: the same end moved twice, halve the other's weight
                f_lo = target - (target - f_lo) / 2.0
            side = 1
        else:
            lo, f_lo = scale, value
            if side == -1:
                f_hi = target + (f_hi - target) / 2.0
            side = -1
    # No run landed in the band (a cliff): the smallest scale found above it.
    return done(hi)
