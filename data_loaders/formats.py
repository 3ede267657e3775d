"""The one table of file extensions: which files each loader reads, and how uploads group.

Every other module asks this one: :func:`suffix` gives a file's extension (double extensions
such as ``.fif.gz`` included), the tuples say which loader and role an extension has.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

__all__ = [
    "EEG_EXTENSIONS",
    "HEADER_EXTENSIONS",
    "COMPANION_EXTENSIONS",
    "SINGLE_FILE_EXTENSIONS",
    "CSV_EXTENSIONS",
    "NIFTI_EXTENSIONS",
    "ARCHIVE_EXTENSIONS",
    "UPLOAD_TYPES",
    "suffix",
    "is_companion",
]

#: EEG file extensions :func:`data_loaders.read_recording` accepts: those of
#: :func:`mne.io.read_raw` for EEG systems (EDF/EDF+, BDF, GDF, BrainVision, EEGLAB, FIF,
#: Neuroscan/ANT CNT, EGI MFF folders, eXimia, Nihon Kohden ``.eeg``, Persyst ``.lay``) plus
#: Nicolet ``.data``/``.head``.
EEG_EXTENSIONS = (
    ".edf", ".bdf", ".gdf", ".vhdr", ".ahdr", ".set", ".fif", ".fif.gz", ".cnt", ".mff",
    ".nxe", ".eeg", ".lay", ".data", ".head",
)  # fmt: skip
#: Headers whose samples sit in companion files (BrainVision, EEGLAB).
HEADER_EXTENSIONS = (".vhdr", ".ahdr", ".set")
#: Companion files read through their header (markers, samples); a lone ``.eeg`` may also be a
#: Nihon Kohden recording.
COMPANION_EXTENSIONS = (".vmrk", ".amrk", ".eeg", ".fdt")
#: Recordings held in one file.
SINGLE_FILE_EXTENSIONS = (".edf", ".bdf", ".gdf", ".fif", ".fif.gz")
#: Continuous CSV recordings with a marker column (:func:`data_loaders.load_marker_csv`).
CSV_EXTENSIONS = (".csv", ".csv.gz")
#: fMRI volumes (:func:`data_loaders.load_fmri`).
NIFTI_EXTENSIONS = (".nii", ".nii.gz")
#: A NeuCube CSV study folder, uploaded as one archive.
ARCHIVE_EXTENSIONS = (".zip",)
#: Extensions (without the dot, last part only) an upload form accepts.
UPLOAD_TYPES = (
    "edf", "bdf", "vhdr", "vmrk", "eeg", "set", "fdt", "fif", "gz", "csv", "zip",
)  # fmt: skip

_DOUBLE = (".fif.gz", ".csv.gz", ".nii.gz")


def suffix(name: str) -> str:
    """The lower-case extension of a file name, double ones (``.fif.gz``) as one.

    Parameters
    ----------
    name : str
        A file name or path.

    Returns
    -------
    str
        For example ``".vhdr"``, ``".fif.gz"``, or ``""`` without an extension.
    """
    lower = str(name).lower()
    for double in _DOUBLE:
        if lower.endswith(double):
            return double
    return PurePosixPath(lower).suffix


def is_companion(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is read through another file beside it, not on its own.

    A BrainVision ``.eeg`` beside its ``.vhdr`` (or ``.ahdr``), a Nicolet ``.head`` beside its
    ``.data``.
    """
    p = Path(path)
    ext = suffix(p.name)
    if ext == ".eeg":
        return p.with_suffix(".vhdr").exists() or p.with_suffix(".ahdr").exists()
    if ext == ".head":
        return p.with_suffix(".data").exists()
    return False
