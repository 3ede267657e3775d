"""Preprocessing of trials before spike encoding (pure per-trial operations and transformers)."""

from neucube.preprocessing.labels import relabel
from neucube.preprocessing.pipeline import PREPROCESSING_STEPS, preprocess
from neucube.preprocessing.rejection import reject_amplitude
from neucube.preprocessing.signal import band_pass, baseline_correct, resample
from neucube.preprocessing.temporal import (
    INTERPOLATIONS,
    TimeInterpolator,
    interpolate_time,
    upsample_trials,
)

__all__ = [
    "INTERPOLATIONS",
    "PREPROCESSING_STEPS",
    "TimeInterpolator",
    "band_pass",
    "baseline_correct",
    "preprocess",
    "reject_amplitude",
    "relabel",
    "resample",
    "interpolate_time",
    "upsample_trials",
]
