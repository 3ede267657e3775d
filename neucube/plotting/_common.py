"""Small helpers shared by the plotting modules (not public)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neucube._validation import check_number
from neucube.analysis._source import CubeSource
from neucube.cube.network import CubeNetwork

__all__ = ["Connections", "strong_connections", "time_axis", "glass_brain_ok",
           "format_window"]


@dataclass(frozen=True)
class Connections:
    """Synapses of one network state whose ``|w|`` reaches a threshold, strongest last."""

    pre: np.ndarray
    post: np.ndarray
    weights: np.ndarray

    @property
    def n_positive(self) -> int:
        """Number of excitatory connections drawn."""
        return int(np.count_nonzero(self.weights > 0))

    @property
    def n_negative(self) -> int:
        """Number of inhibitory connections drawn."""
        return int(np.count_nonzero(self.weights < 0))


def strong_connections(net: CubeNetwork, threshold: float, owner: str) -> Connections:
    """Active synapses of ``net`` with ``|w| >= threshold``, sorted by ``|w|`` (strongest last)."""
    threshold = check_number("threshold", threshold, low=0.0, owner=owner)
    a = net.active
    w = net.weights[a]
    keep = (np.abs(w) >= threshold) & (w != 0)
    order = np.argsort(np.abs(w[keep]), kind="stable")
    return Connections(pre=net.pre[a][keep][order], post=net.post[a][keep][order],
                       weights=w[keep][order])


def time_axis(n_steps: int, sfreq: float | None, tmin: float | None) -> tuple[np.ndarray, str]:
    """Times of the steps (s) and the axis label; steps themselves when ``sfreq`` is unknown."""
    if sfreq is None:
        return np.arange(n_steps, dtype=np.float64), "time (steps)"
    return (tmin or 0.0) + np.arange(n_steps) / float(sfreq), "time (s)"


def glass_brain_ok(source: CubeSource, kind: str, owner: str) -> bool:
    """Resolve ``kind`` ("auto", "glass" or "3d") to whether a glass brain is drawn."""
    if kind not in ("auto", "glass", "3d"):
        raise ValueError(f"The 'kind' argument of {owner} must be one of 'auto', 'glass', '3d'; "
                         f"got {kind!r}.")
    return source.is_brain if kind == "auto" else kind == "glass"


def input_labels(source: CubeSource) -> list[tuple[str, Any]]:
    """(channel name, position) of each channel's input neurons."""
    pos = source.final.positions[source.final.input_neurons[:, 0]]
    return list(zip(source.ch_names, pos, strict=True))


def format_window(start: float, stop: float) -> str:
    """A time window in seconds as a title reads it: ``"0–800 ms"`` (whole milliseconds), or
    ``"2–5.5 s"`` from 10 s on (``0.800781`` is a sample time, not a number to print).

    Examples
    --------
    >>> format_window(0.0, 0.800781)
    '0–801 ms'
    >>> format_window(-0.1015625, 0.2)
    '-102–200 ms'
    """
    if max(abs(start), abs(stop)) < 10:
        return f"{round(start * 1000):d}–{round(stop * 1000):d} ms"
    return f"{start:.3g}–{stop:.3g} s"
