"""What a fitted model used: channel x time importance, neuron importance, MNE conversion.

- :func:`channel_time_importance`: permutation importance of every input channel in every time
  window of the test trials, through the frozen cube and readout (or any classifier), with
  bootstrap intervals, a sign-flip permutation test and FDR control
  (:class:`ChannelTimeImportance`, poolable over cross-validation folds).
- :func:`neuron_importance`: the same for groups of neighbouring cube neurons, for the readout.
- :func:`held_out_inspection`: all of it (and early prediction) from one held-out split.
- :func:`importance_to_evoked`: the channel x time map as an :class:`mne.EvokedArray`, for
  ``plot_topomap``/``plot_joint``.
"""

from neucube.inspection.evoked import importance_to_evoked, info_from_coords
from neucube.inspection.holdout import HeldOutInspection, held_out_inspection
from neucube.inspection.importance import (
    SCORINGS,
    ChannelTimeImportance,
    channel_time_importance,
    time_windows,
)
from neucube.inspection.neurons import NeuronImportance, neuron_importance

__all__ = [
    "SCORINGS",
    "ChannelTimeImportance",
    "HeldOutInspection",
    "NeuronImportance",
    "channel_time_importance",
    "held_out_inspection",
    "importance_to_evoked",
    "info_from_coords",
    "neuron_importance",
    "time_windows",
]
