"""How much of the cube a set of trials activates: the measurements behind an "active" cube.

A reservoir only computes with the neurons that fire. These numbers say whether the input spikes
spread through the small-world connections or stay at the input neurons:

- ``active_share``: per trial, the share of non-input neurons that fire at least once (mean and
  median over trials);
- ``spikes_per_trial``: all spikes of a trial (input neurons included), mean over trials, and the
  part emitted by input neurons;
- ``max_distance_mm``: per trial, the largest distance from the nearest input neuron at which a
  neuron fires (median over trials; 0 when only input neurons fire);
- ``ever_active_share``: the share of non-input neurons that fire in at least one trial.

:func:`describe_activity` says these numbers of a fitted classifier in plain sentences.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from neucube.cube.network import CubeNetwork
from neucube.cube.raster import SpikeRaster

__all__ = ["NEARLY_SILENT_SHARE", "ActivityDescription", "activity_stats", "describe_activity",
           "distance_to_inputs"]


def distance_to_inputs(network: CubeNetwork) -> np.ndarray:
    """Distance in mm from each neuron to its nearest input neuron, shape ``(n_neurons,)``."""
    inputs = network.positions[network.input_neurons.ravel()]
    d, _ = cKDTree(inputs).query(network.positions, k=1)
    return np.asarray(d, dtype=np.float64)


def activity_stats(raster: SpikeRaster, network: CubeNetwork) -> dict[str, float]:
    """Activity measurements of a raster of ``network`` (see the module docstring).

    Parameters
    ----------
    raster : SpikeRaster
        Spikes of every neuron of ``network`` in each trial.
    network : CubeNetwork
        The cube that produced ``raster``.

    Returns
    -------
    dict
        ``active_share_mean``, ``active_share_median``, ``ever_active_share``,
        ``spikes_per_trial``, ``input_spikes_per_trial``, ``max_distance_mm_median`` and
        ``max_distance_mm_max`` (floats; ``n_trials`` as a float too).
    """
    if raster.n_neurons != network.n_neurons:
        raise ValueError(f"activity_stats: expected a raster of {network.n_neurons} neurons; "
                         f"found {raster.n_neurons}.")
    n_trials = raster.n_trials
    is_input = network.is_input
    n_hidden = max(int(np.count_nonzero(~is_input)), 1)
    dist = distance_to_inputs(network)
    counts = np.asarray(raster.counts())  # (n_trials, n_neurons)
    fired = counts > 0
    active = fired[:, ~is_input].sum(axis=1) / n_hidden if n_trials else np.zeros(0)
    far = np.where(fired, dist[None, :], 0.0).max(axis=1) if n_trials else np.zeros(0)
    per_trial = counts.sum(axis=1) if n_trials else np.zeros(0)
    input_per_trial = counts[:, is_input].sum(axis=1) if n_trials else np.zeros(0)

    def stat(fn, a):  # noqa: ANN001, ANN202 - tiny local helper
        return float(fn(a)) if a.size else 0.0

    return {
        "n_trials": float(n_trials),
        "active_share_mean": stat(np.mean, active),
        "active_share_median": stat(np.median, active),
        "ever_active_share": float(fired[:, ~is_input].any(axis=0).sum() / n_hidden)
        if n_trials else 0.0,
        "spikes_per_trial": stat(np.mean, per_trial),
        "input_spikes_per_trial": stat(np.mean, input_per_trial),
        "max_distance_mm_median": stat(np.median, far),
        "max_distance_mm_max": stat(np.max, far),
    }


#: Below this share of non-input neurons firing in a typical trial, the cube is "nearly silent
#: beyond its inputs": fewer than one in twenty neurons then carries anything but the encoder's
#: spikes. The two kinds of cube lie far on either side: on EEG, NeuCube's wiring after the
#: default STDP round leaves 0.01-0.05% firing (bench/README.md, issue 16 round 2), the active
#: cube (``weight_scale="auto"``, soft-bound STDP, homeostasis) is calibrated to
#: ``target_activity`` (30% by default).
NEARLY_SILENT_SHARE = 0.05

#: How :func:`describe_activity` names the settings of the active cube by default (the
#: classifier's parameters); a front end passes its own labels.
_SETTING_NAMES = {"weight_scale": "weight_scale", "stdp_bound": "stdp_bound",
                  "homeostasis": "homeostasis"}


@dataclass(frozen=True)
class ActivityDescription:
    """Plain sentences about a fitted cube's activity (:func:`describe_activity`).

    Attributes
    ----------
    sentences : list of str
        The sentences, in reading order (empty when nothing was measured).
    nearly_silent : bool or None
        Whether fewer than :data:`NEARLY_SILENT_SHARE` of the non-input neurons fire in a typical
        trial of the trained cube; None when that was not measured.
    """

    sentences: list[str] = field(default_factory=list)
    nearly_silent: bool | None = None

    @property
    def text(self) -> str:
        """The sentences as one paragraph."""
        return " ".join(self.sentences)


def _number(stats: Any, key: str) -> float | None:
    """``stats[key]`` as a finite float, or None (older models lack some measurements)."""
    value = stats.get(key) if isinstance(stats, Mapping) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _percent(share: float) -> str:
    """A share as a percentage with the digits a small share needs (0.0095 -> "0.95%")."""
    pct = 100.0 * share
    return f"{pct:.0f}%" if pct == 0 or pct >= 10 else f"{pct:.2g}%"


def describe_activity(activity: Mapping[str, Any] | None,
                      setting_names: Mapping[str, str] | None = None) -> ActivityDescription:
    """Say in plain sentences how active a fitted cube was.

    Parameters
    ----------
    activity : dict or None
        A fitted :class:`~neucube.NeuCubeClassifier`'s ``activity_``: :func:`activity_stats` of
        the calibration trials ``"before_stdp"`` and ``"after_stdp"``, of every training trial in
        the trained cube (``"train"``), and the ``"weight_scale"`` used. Missing entries (models
        fitted by older versions) are left unsaid.
    setting_names : dict, optional
        How to name the parameters ``"weight_scale"``, ``"stdp_bound"`` and ``"homeostasis"``
        in the advice of a nearly silent cube (default: the parameter names); a front end passes
        the labels its users see.

    Returns
    -------
    ActivityDescription
        The sentences: the share of non-input neurons firing in a typical trial before and after
        STDP, the spikes of a trial and how many come from the input neurons, how far from an
        input neuron activity reaches, and, for a cube nearly silent beyond its inputs (fewer
        than :data:`NEARLY_SILENT_SHARE` of them firing), what the readout and the connectivity
        figures then show and how to make the cube active.

    Examples
    --------
    >>> stats = {"active_share_mean": 0.002, "spikes_per_trial": 1200.0,
    ...          "input_spikes_per_trial": 1180.0, "max_distance_mm_median": 10.0}
    >>> d = describe_activity({"before_stdp": {"active_share_mean": 0.2}, "train": stats})
    >>> d.nearly_silent
    True
    >>> d.sentences[0]
    'Before STDP, 20% of the neurons beyond the input neurons fired in a typical trial; after STDP, 0.2%.'
    """  # noqa: E501 - a doctest line
    activity = activity if isinstance(activity, Mapping) else {}
    names = {**_SETTING_NAMES, **(setting_names or {})}
    before = activity.get("before_stdp")
    # The trained cube on every training trial is what the readout reads; older models only
    # measured the calibration trials after STDP.
    after = activity.get("train") if isinstance(activity.get("train"), Mapping) else (
        activity.get("after_stdp"))
    share_before = _number(before, "active_share_mean")
    share_after = _number(after, "active_share_mean")
    sentences = []
    where = "of the neurons beyond the input neurons fired in a typical trial"
    if share_before is not None and share_after is not None:
        sentences.append(f"Before STDP, {_percent(share_before)} {where}; after STDP, "
                         f"{_percent(share_after)}.")
    elif share_after is not None:
        sentences.append(f"In the trained cube, {_percent(share_after)} {where}.")
    scale = _number(activity, "weight_scale")
    if scale is not None and scale != 1:
        sentences.append(f"The cube's initial weights were scaled by {scale:.3g}.")
    spikes, inputs = _number(after, "spikes_per_trial"), _number(after, "input_spikes_per_trial")
    if spikes is not None and inputs is not None and spikes > 0:
        sentences.append(f"A trial has {spikes:,.0f} spikes; {inputs:,.0f} of them "
                         f"({_percent(inputs / spikes)}) are the input neurons', which repeat "
                         "the encoder's spikes.")
    distance = _number(after, "max_distance_mm_median")
    if distance is not None:
        sentences.append("In a typical trial " + (
            "only the input neurons fire: activity does not leave them." if distance == 0 else
            f"the farthest neuron that fires is {distance:.0f} mm from its nearest input neuron."))
    silent = None if share_after is None else share_after < NEARLY_SILENT_SHARE
    if silent:
        sentences.append(
            f"The cube is nearly silent beyond its input neurons (fewer than "
            f"{_percent(NEARLY_SILENT_SHARE)} of them fire), so the readout reads mostly the "
            "encoder's spikes, and the connectivity figures show the wiring and STDP's weight "
            "changes more than activity spreading through the cube.")
        sentences.append(
            f"The cube's activity can be raised by setting {names['weight_scale']} to auto, "
            f"{names['stdp_bound']} to soft and turning on {names['homeostasis']}: the active "
            "cube, which scored lower on three of the four data sets the defaults were chosen "
            "on.")
    return ActivityDescription(sentences, silent)
