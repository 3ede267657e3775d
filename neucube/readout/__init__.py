"""Readouts of the cube: the deSNN classifier and state features for any scikit-learn model.

- :class:`DeSNNClassifier`: one rank-order output neuron per training trial, recalled by
  weighted k nearest neighbours (deSNNs) or by PSP threshold (deSNNm), with early prediction.
- :class:`StateClassifier`: L2 logistic regression on time-binned spike counts (the
  liquid-state-machine readout), with its regularisation chosen on the training trials.
- :class:`SpikeCountFeatures`, :class:`BinnedCountFeatures`, :class:`FirstSpikeFeatures`:
  transformers from spike rasters to 2-D feature arrays.
- :func:`desnn_weights`, :func:`first_spike_ranks`: the deSNN weight rule on its own.
- :func:`truncate_raster`: the first steps of every trial of a raster.

All accept a :class:`~neucube.cube.raster.SpikeRaster`, a list of them, or a dense 0/1 array of
shape ``(n_trials, n_neurons, n_steps)``.
"""

from neucube.readout._raster_input import truncate_raster
from neucube.readout.desnn import DEFAULT_FRACTIONS, DeSNNClassifier
from neucube.readout.features import (
    BinnedCountFeatures,
    FirstSpikeFeatures,
    SpikeCountFeatures,
)
from neucube.readout.state import StateClassifier
from neucube.readout.weights import desnn_weights, first_spike_ranks, rank_order_code

__all__ = [
    "DEFAULT_FRACTIONS",
    "BinnedCountFeatures",
    "DeSNNClassifier",
    "FirstSpikeFeatures",
    "SpikeCountFeatures",
    "StateClassifier",
    "desnn_weights",
    "first_spike_ranks",
    "rank_order_code",
    "truncate_raster",
]
