"""Turn what users pass to a model (arrays, a TrialSet, mne.Epochs) into arrays plus context.

Models accept the three forms so that researchers can go from MNE or from a loader straight to
``fit``; this module is the one place that knows how to read each of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neucube.data import TrialSet
from neucube.spaces import head_to_mni_transform

__all__ = ["ModelInput", "read_model_input", "epochs_positions_mni"]


@dataclass(frozen=True)
class ModelInput:
    """Trials as a float array with what the input said about them (``None`` when unknown)."""

    X: np.ndarray
    y: np.ndarray | None
    coords: np.ndarray | None
    space: str | None
    ch_names: tuple[str, ...] | None
    sfreq: float | None
    tmin: float | None


def _is_epochs(obj: Any) -> bool:
    try:
        import mne
    except ImportError:  # pragma: no cover - mne is a dependency
        return False
    return isinstance(obj, mne.BaseEpochs)


def epochs_positions_mni(info: Any) -> np.ndarray | None:
    """Channel positions of an MNE ``Info`` in MNI mm, or ``None`` when it has none.

    Positions are stored in MNE's head frame; MNE's bundled fsaverage head->MRI transform maps
    them to fsaverage MRI space, which is MNI (no download needed).
    """
    locs = np.array([ch["loc"][:3] for ch in info["chs"]], dtype=float)
    if not np.all(np.isfinite(locs)) or np.allclose(locs, 0):
        return None
    t = head_to_mni_transform()
    return (locs * 1000.0) @ t[:3, :3].T + t[:3, 3]


def read_model_input(X: Any, y: Any = None) -> ModelInput:
    """Read ``X`` (array, TrialSet or mne.Epochs) and ``y`` into a :class:`ModelInput`.

    With a TrialSet or Epochs, ``y`` defaults to their labels (class names).
    """
    if isinstance(X, TrialSet):
        labels = X.labels if y is None else np.asarray(y)
        return ModelInput(np.asarray(X.X, dtype=np.float64), labels, X.coords, X.space,
                          X.ch_names, X.sfreq, X.tmin)
    if _is_epochs(X):
        epochs = X.copy().pick("eeg") if "eeg" in X else X
        data = epochs.get_data()
        if y is None:
            names = {code: name for name, code in epochs.event_id.items()}
            labels = np.array([names[c] for c in epochs.events[:, 2]])
        else:
            labels = np.asarray(y)
        coords = epochs_positions_mni(epochs.info)
        return ModelInput(np.asarray(data, dtype=np.float64), labels, coords,
                          None if coords is None else "mni", tuple(epochs.ch_names),
                          float(epochs.info["sfreq"]), float(epochs.tmin))
    return ModelInput(X, None if y is None else np.asarray(y), None, None, None, None, None)
