"""Preprocessing presets by data type, declared once for study files and the web app.

``[preprocessing] preset = "erp"`` in a study file fills the keys the study does not set
(:mod:`neucube_study.schema`), and the web app starts an uploaded recording from the same preset.
This module imports nothing, so reading a preset is free wherever it happens.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

__all__ = ["PREPROCESSING_PRESETS"]

#: ``erp`` (event-related potentials) is the eeg-notebooks N170 reference (NEUCUBE_SPEC.md;
#: studies/n170_faces_houses.toml uses it): 1-30 Hz band-pass, epochs -0.1 to 0.8 s, 75 uV
#: peak-to-peak rejection (in the file's units for CSV), resampled to 128 Hz (halves the steps
#: the cube simulates). No baseline correction: the 1 Hz high-pass already removes slow drift.
PREPROCESSING_PRESETS: MappingProxyType[str, MappingProxyType[str, Any]] = MappingProxyType({
    "erp": MappingProxyType({"tmin": -0.1, "tmax": 0.8, "l_freq": 1.0, "h_freq": 30.0,
                             "reject_uv": 75.0, "resample": 128.0}),
})
