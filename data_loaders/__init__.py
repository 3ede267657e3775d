"""Loaders: recordings (EEG, NeuCube CSV, fMRI) and the built-in simulator to
:class:`neucube.TrialSet`.

This layer reads files with MNE and nibabel and maps channels to 3-D brain coordinates. It imports
only neucube's data model (``neucube.data``), never the modelling code.

Public names are loaded lazily (PEP 562), so ``import data_loaders`` does not import MNE or
nibabel until a loader is used.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> module that defines it.
_EXPORTS = {
    # recordings -> TrialSet
    "load_eeg": "data_loaders.eeg",
    "read_recording": "data_loaders.eeg",
    "load_bids": "data_loaders.bids",
    "load_neucube_csv": "data_loaders.neucube_csv",
    "load_marker_csv": "data_loaders.marker_csv",
    "load_fmri": "data_loaders.fmri",
    "read_volume_labels": "data_loaders.fmri",
    "simulate_familiarity": "data_loaders.simulate",
    # channel coordinates
    "channel_positions": "data_loaders.coordinates",
    "locate_channels": "data_loaders.coordinates",
    "ChannelLocations": "data_loaders.coordinates",
    "normalize_channel_name": "data_loaders.coordinates",
    "is_non_eeg_name": "data_loaders.coordinates",
    "suggest_channel_names": "data_loaders.coordinates",
    "montage_positions": "data_loaders.coordinates",
    "info_positions": "data_loaders.coordinates",
    "mni_to_talairach": "data_loaders.coordinates",
    "talairach_to_mni": "data_loaders.coordinates",
    "read_coordinate_file": "data_loaders.coordinates",
    # errors
    "LoaderError": "data_loaders._errors",
    "FileFormatError": "data_loaders._errors",
    "EventError": "data_loaders._errors",
    "ChannelError": "data_loaders._errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # cache: later lookups skip this hook
        return value
    raise AttributeError(f"module 'data_loaders' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
