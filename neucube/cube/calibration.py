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

__all__ = ["calibrate_weight_scale", "calibration_trials"]


def calibration_trials(n_trials: int, max_trials: int) -> np.ndarray:
    """Indices of at most ``max_trials`` trials, evenly spaced over ``n_trials`` (deterministic)."""
    if n_trials <= max_trials:
        return np.arange(n_trials)
    return np.unique(np.linspace(0, n_trials - 1, max_trials).round().astype(np.int64))


def calibrate_weight_scale(
    network: CubeNetwork,
    run: Callable[[CubeNetwork], SpikeRaster],
    *,
    target: float,
    max_scale: float,
    n_steps: int = 10,
) -> tuple[float, float, list[tuple[float, float]]]:
    """Factor for every weight of ``network`` that brings the active share to ``target``.

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
    n_steps : int
        Bisection steps on ``log(scale)`` after the target is bracketed.

    Returns
    -------
    scale : float
        The factor; ``max_scale`` if even that stays below the target.
    share : float
        The active share measured at ``scale``.
    trace : list of (scale, share)
        Every evaluation, in order (for the run summary).
    """
    if not 0.0 < target < 1.0:
        raise ValueError(f"calibrate_weight_scale: expected a target in (0, 1); found {target!r}.")
    trace: list[tuple[float, float]] = []

    def share(scale: float) -> float:
        raster = run(network.with_weights(network.weights * scale))
        value = activity_stats(raster, network)["active_share_mean"]
        trace.append((float(scale), float(value)))
        return value

    # Bracket: double (or halve) from 1 until the target lies between lo and hi.
    lo, hi = None, None
    scale = min(1.0, max_scale)
    value = share(scale)
    if value >= target:
        hi = scale
        while value >= target and scale > 1e-4:
            scale /= 2.0
            value = share(scale)
        if value >= target:
            return scale, value, trace
        lo = scale
    else:
        lo = scale
        while value < target and scale < max_scale:
            scale = min(2.0 * scale, max_scale)
            value = share(scale)
        if value < target:
            return scale, value, trace
        hi = scale
    best = (hi, trace[-1][1] if trace[-1][0] == hi else share(hi))
    for _ in range(n_steps):
        mid = math.sqrt(lo * hi)
        value = share(mid)
        if value >= target:
            hi, best = mid, (mid, value)
        else:
            lo = mid
    # The smallest scale found that reaches the target (activity rises steeply near it).
    return best[0], best[1], trace
