"""What every simulator of the cube shares: input checks, the input columns and the result type."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neucube.cube.raster import SpikeRaster

__all__ = ["SimulationResult", "check_spikes", "check_weights", "input_columns"]


@dataclass(frozen=True)
class SimulationResult:
    """Output of a simulation run.

    Attributes
    ----------
    raster : SpikeRaster or None
        Spikes of every neuron (input neurons included) in every trial; ``None`` when the run
        was made with ``record=False``.
    weights : ndarray of shape (n_candidates,)
        Candidate weights at the end of the run (unchanged when learning is off).
    n_spikes : int
        Number of spikes in the run (also without recording).
    """

    raster: SpikeRaster | None
    weights: np.ndarray
    n_spikes: int


def check_spikes(spikes: np.ndarray, n_channels: int, *, name: str = "spikes") -> np.ndarray:
    """Return encoded spikes as an int8 array ``(n_trials, n_channels, n_steps)`` in {-1, 0, 1}."""
    arr = np.asarray(spikes)
    if arr.ndim != 3:
        raise ValueError(f"{name!r}: expected encoded spikes of shape (n_trials, n_channels, "
                         f"n_steps); found shape {arr.shape}.")
    if arr.shape[1] != n_channels:
        raise ValueError(f"{name!r}: expected {n_channels} channels (axis 1); found "
                         f"{arr.shape[1]}.")
    if arr.shape[0] < 1 or arr.shape[2] < 1:
        raise ValueError(f"{name!r}: expected at least one trial and one time step; found "
                         f"shape {arr.shape}.")
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name!r}: expected numbers in {{-1, 0, 1}}; found dtype {arr.dtype}.")
    bad = (arr != -1) & (arr != 0) & (arr != 1)
    if np.any(bad):
        raise ValueError(f"{name!r}: expected values in {{-1, 0, 1}}; found "
                         f"{np.unique(arr[bad])[:5].tolist()}.")
    return arr.astype(np.int8, copy=False)


def check_weights(weights: np.ndarray, w_clip: float) -> None:
    """Refuse weights outside ``[-w_clip, w_clip]``: STDP's clipping would move them silently."""
    largest = float(np.abs(weights).max(initial=0.0))
    if largest > w_clip:
        raise ValueError(f"Network weights must lie in [-w_clip, w_clip] = [-{w_clip:g}, "
                         f"{w_clip:g}]; found |w| up to {largest:g}.")


def input_columns(spikes: np.ndarray) -> np.ndarray:
    """Input columns per step, shape (n_trials, n_steps, 2 * n_channels), bool.

    Column ``c`` is the positive spikes of channel ``c``, column ``n_channels + c`` its negative
    spikes (the convention of :meth:`CubeNetwork.input_columns`).
    """
    s = np.swapaxes(spikes, 1, 2)
    return np.concatenate([s == 1, s == -1], axis=2)
