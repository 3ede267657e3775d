"""Read what the analysis functions are given: a fitted model, a fitted Reservoir or a network.

Every analysis function takes "the cube" in one of three forms and this module is the one place
that knows how to read them:

- a fitted :class:`~neucube.classifier.NeuCubeClassifier` (anything with a fitted ``reservoir_``):
  its reservoir, channel names (``ch_names_``) and training raster (``train_raster_``) are used;
- a fitted :class:`~neucube.cube.reservoir.Reservoir`: its networks before and after STDP;
- a :class:`~neucube.cube.network.CubeNetwork`: one set of weights (before = after).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from neucube.cube.network import CubeNetwork
from neucube.cube.raster import SpikeRaster

__all__ = ["CubeSource", "resolve_cube", "resolve_raster", "check_names"]


@dataclass(frozen=True)
class CubeSource:
    """The pieces of a cube that the analyses need.

    Attributes
    ----------
    initial, final : CubeNetwork
        The network before and after STDP (the same object for a bare ``CubeNetwork``).
    ch_names : tuple of str
        One name per input channel.
    raster : SpikeRaster or None
        The training raster of a fitted model, else None.
    labels : ndarray or None
        The labels of those training trials, else None.
    is_brain : bool
        Whether neuron positions are MNI coordinates of the brain template.
    """

    initial: CubeNetwork
    final: CubeNetwork
    ch_names: tuple[str, ...]
    raster: SpikeRaster | None
    labels: np.ndarray | None
    is_brain: bool

    @property
    def n_neurons(self) -> int:
        """Number of neurons (input neurons included)."""
        return self.final.n_neurons

    @property
    def n_channels(self) -> int:
        """Number of input channels."""
        return self.final.n_channels


def check_names(ch_names: Sequence[str], n_channels: int, owner: str) -> tuple[str, ...]:
    """Channel names as a tuple of ``n_channels`` unique strings."""
    if isinstance(ch_names, str):
        raise TypeError(f"The 'ch_names' argument of {owner} must be a sequence of "
                        f"{n_channels} names; got the string {ch_names!r}.")
    names = tuple(str(c) for c in ch_names)
    if len(names) != n_channels:
        raise ValueError(f"The 'ch_names' argument of {owner} must have one name per input "
                         f"channel ({n_channels}); got {len(names)}.")
    if len(set(names)) != len(names):
        raise ValueError(f"The 'ch_names' argument of {owner} must hold unique names; got "
                         f"{list(names)}.")
    return names


def resolve_cube(model: Any, *, owner: str, ch_names: Sequence[str] | None = None) -> CubeSource:
    """Read a fitted model, a fitted Reservoir or a CubeNetwork into a :class:`CubeSource`.

    Parameters
    ----------
    model : NeuCubeClassifier, Reservoir or CubeNetwork
        The cube (fitted).
    owner : str
        Name of the calling function, for error messages.
    ch_names : sequence of str, optional
        Channel names; default the model's ``ch_names_``, else ``ch0``, ``ch1``...

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If a model or reservoir is not fitted.
    TypeError
        If ``model`` is none of the accepted types.
    """
    raster = labels = None
    names: Sequence[str] | None = None
    reservoir: Any = model
    # A fitted Reservoir is known by its fitted cube (``network_``), not by its class: the figures
    # that read cubes stay independent of the simulator the Reservoir runs.
    if isinstance(model, BaseEstimator) and not hasattr(model, "network_"):
        check_is_fitted(model, "reservoir_")  # also "not fitted" for an unfitted Reservoir
        reservoir = model.reservoir_
        names = getattr(model, "ch_names_", None)
        raster = getattr(model, "train_raster_", None)
        labels = getattr(model, "train_labels_", None)
    if isinstance(reservoir, CubeNetwork):
        initial = final = reservoir
        is_brain = False
    elif isinstance(reservoir, BaseEstimator) and hasattr(reservoir, "network_"):
        initial, final = reservoir.network_init_, reservoir.network_
        tpl = reservoir.template
        is_brain = isinstance(tpl, str) and tpl == "brain"
    else:
        raise TypeError(
            f"The 'model' argument of {owner} must be a fitted NeuCubeClassifier, a fitted "
            f"Reservoir or a CubeNetwork; got {type(model).__name__}."
        )
    n_channels = final.n_channels
    if ch_names is not None:
        names = ch_names
    if names is None:
        names = tuple(f"ch{i}" for i in range(n_channels))
    return CubeSource(initial=initial, final=final,
                      ch_names=check_names(names, n_channels, owner), raster=raster,
                      labels=None if labels is None else np.asarray(labels), is_brain=is_brain)


def resolve_raster(source: CubeSource, raster: SpikeRaster | None, *, owner: str) -> SpikeRaster:
    """The given raster, else the model's training raster; checked against the cube's size."""
    if raster is None:
        raster = source.raster
    if raster is None:
        raise ValueError(
            f"{owner} needs spikes: pass raster=... (a SpikeRaster of the training trials, e.g. "
            "reservoir.transform(spikes)) or a fitted NeuCubeClassifier, whose training raster "
            "is used."
        )
    if not isinstance(raster, SpikeRaster):
        raise TypeError(f"The 'raster' argument of {owner} must be a SpikeRaster; got "
                        f"{type(raster).__name__}.")
    if raster.n_neurons != source.n_neurons:
        raise ValueError(f"The 'raster' argument of {owner} must have one row per cube neuron "
                         f"({source.n_neurons}); got a raster of {raster.n_neurons} neurons.")
    return raster
