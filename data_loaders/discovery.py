"""Recording discovery: which files a path names, and the companions a recording needs.

- :func:`find_eeg_recordings`: the EEG recordings named by a file, a list of files or a folder
  (companion files skipped, an optional glob that may not leave the folder).
- :func:`find_csv_runs`: continuous CSV runs named by files or folders.
- :func:`is_bids_root`: whether a folder is an EEG-BIDS dataset.
- :func:`find_fmri_runs`: NIfTI runs named by a file or folder, with the BIDS ``events.tsv``
  beside each (inside its folder).

Errors are :class:`ValueError` whose message starts with the name of the argument at fault,
prefixed by ``prefix`` (a caller reading a ``[data]`` section passes ``"data."``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from data_loaders._paths import inside
from data_loaders.formats import (
    CSV_EXTENSIONS,
    EEG_EXTENSIONS,
    NIFTI_EXTENSIONS,
    is_companion,
    suffix,
)
from neucube._show import show

__all__ = ["check_glob", "find_eeg_recordings", "find_csv_runs", "is_bids_root", "find_fmri_runs"]


def check_glob(pattern: str, *, key: str = "pattern") -> str:
    """``pattern`` if it is a glob of names inside a folder, else a :class:`ValueError`.

    An absolute pattern, one with ``..`` or a NUL byte could read outside the folder.
    """
    parts = re.split(r"[\\/]", pattern)
    if pattern.startswith(("/", "\\")) or ".." in parts or "\x00" in pattern:
        raise ValueError(f"{key}: expected a glob of file names inside the data folder (such as "
                         f"\"*.vhdr\" or \"sub-*_eeg.edf\"), got {show(pattern)}, which leaves it")
    return pattern


def find_eeg_recordings(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    pattern: str = "",
    *,
    prefix: str = "",
) -> list[Path]:
    """The EEG recordings named by ``path``: a file, a list of files, or the recordings in a folder.

    Parameters
    ----------
    path : path-like or sequence of path-like
        Files are kept as given; a folder (other than an EGI ``.mff`` folder) contributes every
        file with an extension of :data:`~data_loaders.formats.EEG_EXTENSIONS`, in name order,
        except hidden files and companions (a BrainVision ``.eeg`` beside its ``.vhdr``, a
        Nicolet ``.head`` beside its ``.data``).
    pattern : str
        A glob the files of a folder must match (``"*.vhdr"``); it may not leave the folder.
    prefix : str
        Put before the argument names in error messages (e.g. ``"data."``).

    Returns
    -------
    list of Path

    Raises
    ------
    ValueError
        If ``pattern`` leaves the folder, or a folder holds no recording.
    """
    if pattern:
        check_glob(pattern, key=f"{prefix}pattern")
    return _files_named_by(
        path,
        lambda q: suffix(q.name) in EEG_EXTENSIONS and not q.name.startswith(".")
        and not is_companion(q),
        lambda p: f"{prefix}path: expected EEG recordings in the folder {p}"
        + (f" matching {show(pattern)}" if pattern else "")
        + f" (extensions {', '.join(EEG_EXTENSIONS)}), but there are none",
        pattern=pattern,
        opaque=(".mff",),
    )


def find_csv_runs(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *, prefix: str = ""
) -> list[Path]:
    """The continuous CSV runs named by ``path``: files as given, a folder's ``.csv``/``.csv.gz``.

    Parameters
    ----------
    path : path-like or sequence of path-like
        Files, or folders whose CSV files (in name order) are the runs.
    prefix : str
        Put before the argument's name in error messages (e.g. ``"data."``).

    Returns
    -------
    list of Path

    Raises
    ------
    ValueError
        If a folder holds no CSV file.
    """
    return _files_named_by(
        path,
        lambda q: suffix(q.name) in CSV_EXTENSIONS,
        lambda p: f"{prefix}path: expected .csv or .csv.gz files in the folder {p}, but there "
        "are none",
    )


def _files_named_by(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    wanted: Callable[[Path], bool],
    missing: Callable[[Path], str],
    *,
    pattern: str = "",
    opaque: tuple[str, ...] = (),
) -> list[Path]:
    """Files as given, and for each folder its entries that are ``wanted``, in name order.

    ``pattern`` (already checked) globs a folder's entries; a folder whose suffix is in
    ``opaque`` (an EGI ``.mff``) is one recording, kept as given. A folder with no wanted entry
    raises ``ValueError(missing(folder))``.
    """
    out: list[Path] = []
    for item in [path] if isinstance(path, str | os.PathLike) else list(path):
        p = Path(item)
        if not p.is_dir() or p.suffix.lower() in opaque:
            out.append(p)
            continue
        found = [q for q in sorted(p.glob(pattern) if pattern else p.iterdir()) if wanted(q)]
        if not found:
            raise ValueError(missing(p))
        out += found
    return out


def is_bids_root(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a BIDS dataset: a folder holding ``dataset_description.json``."""
    p = Path(path)
    return p.is_dir() and (p / "dataset_description.json").is_file()


def find_fmri_runs(
    data: str | os.PathLike[str], *, key: str = "path"
) -> tuple[list[str], list[str]]:
    """NIfTI runs named by ``data`` and the BIDS events file beside each (inside its folder).

    Parameters
    ----------
    data : path-like
        A NIfTI file, or a folder whose ``.nii``/``.nii.gz`` files (masks excepted) are the runs.
    key : str
        The argument's name in error messages (e.g. ``"--data"``).

    Returns
    -------
    (list of str, list of str)
        The runs and their events files, in the same order. A run ``x_bold.nii.gz`` takes
        ``x_events.tsv``, ``x_bold_events.tsv`` or ``x_bold.tsv``.

    Raises
    ------
    ValueError
        If the folder holds no NIfTI file, an events file is missing, or it is a link that
        resolves outside the run's folder.
    """
    data = Path(data)
    if data.is_dir():
        bolds = sorted(p for p in data.iterdir() if p.name.endswith(NIFTI_EXTENSIONS)
                       and "_mask" not in p.name)
        if not bolds:
            raise ValueError(f"{key}: expected a NIfTI file or a folder of NIfTI runs, got {data} "
                             "(no .nii or .nii.gz file in it)")
    else:
        bolds = [data]
    events = []
    for bold in bolds:
        stem = bold.name[: len(bold.name) - len(suffix(bold.name))]
        base = stem[: -len("_bold")] if stem.endswith("_bold") else stem
        candidates = [bold.with_name(f"{base}_events.tsv"), bold.with_name(f"{stem}_events.tsv"),
                      bold.with_name(f"{stem}.tsv")]
        found = next((c for c in candidates if c.is_file()), None)
        if found is not None and not inside(found, bold.parent):
            raise ValueError(f"{key}: expected the events file {found.name} inside the folder of "
                             f"{bold.name}; found a link that resolves outside it")
        if found is None:
            raise ValueError(
                f"{key}: expected a BIDS events file beside {bold} (one of "
                f"{', '.join(c.name for c in dict.fromkeys(candidates))}), but none exists"
            )
        events.append(str(found))
    return [str(b) for b in bolds], events
