"""Read a NeuCube CSV study folder (``samN_*.csv`` + ``tar_class_labels.csv``) into a TrialSet.

This is the folder layout of NeuCube v1.3 (MATLAB), JNeuCube and NeuCube-Py data sets::

    sam1_eeg.csv ... samN_eeg.csv   one sample (trial) per file: rows = time, columns = features
    tar_class_labels.csv            one class label per sample, in sample order
    feature_names_eeg.txt           optional: one feature (channel) name per line
    eeg_mapping.csv                 optional: x, y, z of each feature in mm, in feature order

Sample files are ordered by their number (``sam2`` before ``sam10``), not by name. The files carry
no sampling rate and no coordinate space: pass ``sfreq`` and, if the mapping file is not in
Talairach mm (the convention of NeuCube's brain template and of its example mapping files),
``space``.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from data_loaders._errors import ChannelError, EventError, FileFormatError
from data_loaders._paths import not_a_file, require_regular_file, resolve_companion
from data_loaders._verbose import verbosity
from neucube._validation import check_number, check_option
from neucube.data import SPACES, TrialSet

__all__ = ["load_neucube_csv", "LABELS_FILE"]

logger = logging.getLogger(__name__)

#: Name of the label file of a NeuCube study folder.
LABELS_FILE = "tar_class_labels.csv"

_SAMPLE_RE = re.compile(r"^sam(\d+)(?:_.*)?\.csv$", re.IGNORECASE)
_FEATURE_NAMES_GLOB = "feature_names*.txt"
_MAPPING_RE = re.compile(r"^(?:.*_)?mapping\.csv$", re.IGNORECASE)
_OWNER = "load_neucube_csv"


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """``(line number, stripped cells)`` of each CSV row of ``path``, minus trailing blank lines."""
    require_regular_file(path, "a CSV file")  # a named pipe would block read_text
    try:
        # utf-8-sig drops the byte-order mark that Excel writes at the start of CSV files.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileFormatError(
            path, "a UTF-8 text CSV file", f"undecodable bytes ({exc.reason})"
        ) from exc
    except OSError as exc:
        raise FileFormatError(path, "a readable file", f"{type(exc).__name__}: {exc}") from exc
    reader = csv.reader(io.StringIO(text))
    rows = []
    try:
        for cells in reader:
            rows.append((reader.line_num, [c.strip() for c in cells]))
    except csv.Error as exc:  # e.g. an unterminated quote or a NUL byte
        raise FileFormatError(
            path, "a well-formed CSV file", f"{exc} (line {reader.line_num})"
        ) from exc
    blank = [not cells or cells == [""] for _, cells in rows]
    while blank and blank[-1]:  # trailing blank lines are harmless
        rows.pop()
        blank.pop()
    if any(blank):
        # A blank line inside the table is a missing time point (or label), not padding.
        line = rows[blank.index(True)][0]
        raise FileFormatError(
            path, "no blank line inside the table", f"a blank line at line {line}"
        )
    return rows


def _read_numeric_csv(
    path: str | os.PathLike[str], *, what: str = "numeric values"
) -> tuple[np.ndarray, list[str] | None]:
    """Read a comma-separated table of numbers, with an optional header row.

    The first row is taken as a header when none of its cells is a number.

    Parameters
    ----------
    path : path-like
        The CSV file.
    what : str
        What the values are, for error messages (for example ``"EEG samples"``).

    Returns
    -------
    values : ndarray of shape (n_rows, n_columns), float64
        The data, all finite.
    header : list of str or None
        The column names when the file has a header row.

    Raises
    ------
    FileFormatError
        If the file is empty, has rows of different lengths, a non-numeric cell (the message gives
        its line and column, both from 1) or NaN/Inf values.
    """
    path = Path(path)
    rows = _read_rows(path)
    if not rows:
        raise FileFormatError(path, f"a CSV table of {what}", "an empty file")
    header = None
    if not any(_is_number(c) for c in rows[0][1]):
        header = rows[0][1]
        rows = rows[1:]
        if not rows:
            raise FileFormatError(path, f"rows of {what} below the header", "only a header row")
    width = len(header) if header is not None else len(rows[0][1])
    for line, cells in rows:
        if len(cells) != width:
            raise FileFormatError(
                path,
                f"{width} comma-separated columns on every row",
                f"{len(cells)} on line {line}",
            )
    lines = np.array([line for line, _ in rows])
    cells = np.array([c for _, c in rows], dtype=str)
    try:
        values = cells.astype(np.float64)
    except ValueError:
        bad = ~np.vectorize(_is_number, otypes=[bool])(cells)
        r, c = np.argwhere(bad)[0]
        raise FileFormatError(
            path,
            f"{what} (numbers) in every cell",
            f"{str(cells[r, c])!r} on line {lines[r]}, column {c + 1} "
            f"({int(bad.sum())} non-numeric cell(s) in all)",
        ) from None
    finite = np.isfinite(values)
    if not finite.all():
        r, c = np.argwhere(~finite)[0]
        raise FileFormatError(
            path,
            f"finite {what}",
            f"{str(cells[r, c])!r} (NaN/Inf) on line {lines[r]}, column {c + 1} "
            f"({int((~finite).sum())} NaN/Inf cell(s) in all)",
        )
    return values, header


def _member(folder: Path, path: Path, what: str) -> Path:
    """A file the loader found in the study folder: inside it after symlinks, and a regular file."""
    resolve_companion(folder, path.name, what=what, folder=folder)
    return require_regular_file(path, what)


def _sample_files(folder: Path) -> list[Path]:
    numbered: dict[int, Path] = {}
    for path in folder.iterdir():
        match = _SAMPLE_RE.match(path.name)
        if match is None:
            continue
        _member(folder, path, "a NeuCube sample file")
        number = int(match.group(1))
        if number in numbered:
            first, second = sorted([numbered[number].name, path.name])
            raise FileFormatError(
                folder,
                "one file per sample number",
                f"both {first} and {second} for sample {number}",
            )
        numbered[number] = path
    if not numbered:
        raise FileFormatError(
            folder,
            "NeuCube sample files sam1_*.csv, sam2_*.csv, ... (rows = time, columns = features)",
            "none",
        )
    numbers = np.array(sorted(numbered))
    if numbers[0] == 0:
        raise FileFormatError(
            folder, "samples numbered from 1 (sam1_*.csv)", f"{numbered[0].name} numbered 0"
        )
    missing = np.setdiff1d(np.arange(1, numbers[-1] + 1), numbers)
    if missing.size:
        shown = ", ".join(f"sam{m}" for m in missing[:5]) + (" ..." if missing.size > 5 else "")
        raise FileFormatError(
            folder,
            f"samples numbered 1..{numbers[-1]} without gaps",
            f"{missing.size} missing: {shown}",
        )
    return [numbered[n] for n in numbers]


def _read_labels(path: Path, n_samples: int) -> tuple[np.ndarray, tuple[str, ...]]:
    if path.exists() or path.is_symlink():
        _member(path.parent, path, f"the label file {LABELS_FILE}")
    if not path.is_file():
        raise FileFormatError(
            path, f"the label file {LABELS_FILE} (one class label per sample)", not_a_file(path)
        )
    rows = _read_rows(path)
    if not rows:
        raise FileFormatError(path, f"{n_samples} class labels, one per sample", "an empty file")
    if len(rows) == 1:
        labels = rows[0][1]  # all labels on one comma-separated row
    else:
        widths = {len(cells) for _, cells in rows}
        if widths != {1}:
            line, cells = next((ln, c) for ln, c in rows if len(c) != 1)
            raise FileFormatError(
                path, "one class label per line", f"{len(cells)} cells on line {line}"
            )
        labels = [cells[0] for _, cells in rows]
    if "" in labels:
        raise FileFormatError(path, "a non-empty label for every sample", "an empty label")
    if len(labels) != n_samples:
        raise FileFormatError(
            path,
            f"{n_samples} class labels (one per sample file)",
            f"{len(labels)} labels",
        )
    if all(_is_number(label) for label in labels):
        numeric = np.array(labels, dtype=np.float64)
        if not np.isfinite(numeric).all():
            raise FileFormatError(path, "finite numeric labels", "NaN/Inf")
        # Codes like "1" and "1.0" are one class; integer codes print without a decimal point.
        as_int = numeric == np.round(numeric)
        names = [str(int(v)) if i else repr(float(v)) for v, i in zip(numeric, as_int, strict=True)]
        order = sorted(set(zip(numeric.tolist(), names, strict=True)))
        class_names = tuple(dict.fromkeys(name for _, name in order))
    else:
        names = labels
        class_names = tuple(sorted(set(names)))
    if len(class_names) < 2:
        # A study folder is a classification data set; one class is a wrong or truncated file.
        raise EventError(
            path,
            "labels of at least two classes (a classifier needs two)",
            f"only class {class_names[0]!r} ({n_samples} labels)",
        )
    return np.asarray(names, dtype=str), class_names


def _read_feature_names(folder: Path, n_channels: int) -> tuple[list[str] | None, Path | None]:
    files = sorted(folder.glob(_FEATURE_NAMES_GLOB))
    files = [_member(folder, p, "a feature-name file") for p in files]
    if not files:
        return None, None
    if len(files) > 1:
        raise FileFormatError(
            folder,
            f"at most one feature-name file ({_FEATURE_NAMES_GLOB})",
            ", ".join(f.name for f in files),
        )
    path = files[0]
    rows = _read_rows(path)
    names = [c for _, cells in rows for c in cells if c]
    if len(names) != n_channels:
        raise FileFormatError(
            path,
            f"{n_channels} feature names (one per column of the sample files)",
            f"{len(names)} names",
        )
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise FileFormatError(path, "unique feature names", f"duplicates {dup}")
    return names, path


def _read_mapping(path: Path, ch_names: Sequence[str]) -> np.ndarray:
    """Coordinates from ``x, y, z`` rows in feature order or ``name, x, y, z`` rows (by name)."""
    rows = _read_rows(path)
    named = any(
        len(cells) == 4 and not _is_number(cells[0]) and all(_is_number(c) for c in cells[1:])
        for _, cells in rows
    )
    if not named:
        values, _ = _read_numeric_csv(path, what="coordinates in mm")
        if values.shape != (len(ch_names), 3):
            raise FileFormatError(
                path,
                f"{len(ch_names)} rows (one per feature) of 3 columns x, y, z in mm",
                f"{values.shape[0]} rows of {values.shape[1]} columns",
            )
        return values
    from data_loaders.coordinates import read_coordinate_file

    lookup = read_coordinate_file(path)
    missing = [c for c in ch_names if c not in lookup]
    if missing:
        raise ChannelError(
            path, f"coordinates for every feature {list(ch_names)}", f"none for {missing}"
        )
    return np.stack([lookup[c] for c in ch_names])


def _positions_from_names(
    ch_names: Sequence[str], space: str, on_unknown: str, source: Path
) -> tuple[list[str], np.ndarray | None, list[str]]:
    """Standard 10-05 positions looked up per feature name.

    Returns the features kept, their positions (``None`` when some feature has none and
    ``on_unknown="ignore"``) and the features without a position.
    """
    from data_loaders.coordinates import locate_for_trials

    loc, coords = locate_for_trials(
        list(ch_names), space, on_unknown=on_unknown, source=str(source)
    )
    if coords is None:
        logger.warning(
            "%s: no standard 10-05 position for the features %s; the trials carry no "
            "coordinates (on_unknown='ignore'; 'drop' leaves these features out)",
            source, list(loc.unknown),
        )
        return list(ch_names), None, list(loc.unknown)
    return list(loc.ch_names), coords, list(loc.unknown)


def load_neucube_csv(
    folder: str | os.PathLike[str],
    *,
    sfreq: float | None = None,
    coordinates: Any = "auto",
    space: str = "talairach",
    on_unknown: str = "ignore",
    exclude_non_eeg: bool = False,
    verbose: bool | str | int | None = None,
) -> TrialSet:
    """Load a NeuCube CSV study folder.

    Parameters
    ----------
    folder : path-like
        Folder with ``sam1_*.csv`` ... ``samN_*.csv`` (rows = time points, columns = features,
        comma-separated, an optional header row of names) and ``tar_class_labels.csv`` (one label
        per sample, one per line or all on one row). Samples are numbered from 1 without gaps and
        sorted numerically. An optional ``feature_names*.txt`` gives one feature name per line; a
        header row in the sample files gives them otherwise; the fallback is ``feature_1 ...``.
    sfreq : float, optional
        Sampling rate in Hz. The files do not store it; without it the time axis counts samples
        (``sfreq=1.0``) and ``metadata["sfreq_known"]`` is False.
    coordinates : "auto", path-like, array-like of shape (n_features, 3) or None
        Feature positions in mm. ``"auto"`` reads the folder's ``*mapping.csv`` file (NeuCube's
        ``eeg_mapping.csv``) if there is exactly one; else, when a names file or header names
        the features, standard 10-05 electrode positions
        (:func:`data_loaders.coordinates.channel_positions`); else no coordinates. A mapping
        file holds either ``x, y, z`` rows in feature order or ``name, x, y, z`` rows matched by
        name (:func:`data_loaders.coordinates.read_coordinate_file`). ``None`` gives none.
    space : {"talairach", "mni", "grid", "native"}
        Space of the coordinates. The default is Talairach because NeuCube's brain template and
        mapping files (such as the wrist-movement ``eeg_mapping.csv``) are in Talairach mm.
        Positions from electrode names are computed in this space ("mni" or "talairach").
    on_unknown : {"ignore", "drop", "raise"}
        When positions come from feature names and some feature has none: keep every feature
        and set no coordinates (logged as a warning; NeuCube folders often hold features that
        are not electrodes), leave those features out (the others keep their positions), or
        raise a :class:`ChannelError` naming them with close 10-05 names.
    exclude_non_eeg : bool
        Leave out features named like auxiliary, EOG/ECG/EMG, trigger or motion channels
        (:func:`data_loaders.coordinates.is_non_eeg_name`).
    verbose : bool, str, int or None
        Logging level for this call (``True`` = INFO, ``False`` = WARNING, or a level name).

    Returns
    -------
    TrialSet
        ``X`` of shape (n_samples, n_features, n_times); classes sorted numerically when all labels
        are numbers, else alphabetically; ``metadata`` records the folder and the files used.

    Raises
    ------
    FileFormatError
        Missing folder, no sample files, a gap in the numbering, samples of unequal length or
        width, non-numeric or NaN/Inf cells (with file, line and column), a missing label file or
        a label count that is not the sample count, a bad feature-name or mapping file.
    EventError
        The labels name a single class.
    ChannelError
        A named mapping file lacks some features; features without a standard position with
        ``on_unknown="raise"``; no feature left.

    Examples
    --------
    >>> ts = load_neucube_csv("neucube_wrist_movement_eeg", sfreq=128)  # doctest: +SKIP
    >>> ts.X.shape, ts.class_counts()  # doctest: +SKIP
    ((60, 14, 128), {'1': 20, '2': 20, '3': 20})
    """
    with verbosity(verbose, owner=_OWNER):
        return _load(Path(folder), sfreq, coordinates, space, on_unknown, exclude_non_eeg)


def _load(
    folder: Path, sfreq: float | None, coordinates: Any, space: str, on_unknown: str,
    exclude_non_eeg: bool,
) -> TrialSet:
    check_option("space", space, SPACES, owner=_OWNER)
    check_option("on_unknown", on_unknown, ("raise", "drop", "ignore"), owner=_OWNER)
    if sfreq is not None:
        sfreq = check_number("sfreq", sfreq, low=0, low_inclusive=False, owner=_OWNER)
    if not folder.is_dir():
        raise FileFormatError(folder, "a NeuCube study folder", "no such directory")
    files = _sample_files(folder)
    y, class_names = _read_labels(folder / LABELS_FILE, len(files))

    arrays, headers = [], []
    for path in files:
        values, header = _read_numeric_csv(path, what="sample values")
        if arrays and values.shape != arrays[0].shape:
            raise FileFormatError(
                path,
                f"{arrays[0].shape[0]} rows (time points) x {arrays[0].shape[1]} columns "
                f"(features), like {files[0].name}",
                f"{values.shape[0]} x {values.shape[1]}",
            )
        arrays.append(values)
        headers.append(header)
    # (samples, time, features) -> (samples, features, time)
    X = np.stack(arrays).transpose(0, 2, 1)
    n_channels = X.shape[1]

    ch_names, names_file = _read_feature_names(folder, n_channels)
    header = next((h for h in headers if h is not None), None)
    for path, h in zip(files, headers, strict=True):
        if h is not None and h != header:
            raise FileFormatError(path, f"the header row of the other samples {header}", f"{h}")
    if header is not None:
        if ch_names is not None and header != ch_names:
            raise FileFormatError(
                files[0], f"a header matching {names_file.name} {ch_names}", f"{header}"
            )
        if len(set(header)) != len(header):
            raise FileFormatError(files[0], "unique column names in the header", f"{header}")
        ch_names = header
    named = ch_names is not None
    if ch_names is None:
        ch_names = [f"feature_{k + 1}" for k in range(n_channels)]

    original = list(ch_names)
    excluded: list[str] = []
    if exclude_non_eeg and named:
        from data_loaders.coordinates import split_non_eeg

        kept, excluded = split_non_eeg(ch_names)
        if not kept:
            raise ChannelError(folder, "at least one EEG feature", f"only non-EEG {ch_names}")
        ch_names = kept
    unknown: list[str] = []
    auto = isinstance(coordinates, str) and coordinates == "auto"
    if named and auto and not _mapping_files(folder) and space in (
        "mni", "talairach"
    ):
        ch_names, coords, unknown = _positions_from_names(ch_names, space, on_unknown, folder)
        coord_source = None if coords is None else "standard 10-05 positions"
    else:
        coords, coord_source = _coordinates(folder, coordinates, ch_names, space, named)
    if ch_names != original:
        X = X[:, [original.index(n) for n in ch_names], :]
    metadata = {
        "source": str(folder),
        "format": "neucube_csv",
        "sample_files": [p.name for p in files],
        "sfreq_known": sfreq is not None,
        "coordinates_source": coord_source,
        "original_ch_names": original,
        "excluded_channels": excluded,
        "unknown_channels": unknown,
    }
    if sfreq is None:
        logger.warning(
            "%s: the NeuCube CSV format stores no sampling rate; time is counted in samples "
            "(sfreq=1.0). Pass sfreq= for a time axis in seconds.",
            folder,
        )
    ts = TrialSet(
        X,
        y,
        sfreq=1.0 if sfreq is None else sfreq,
        ch_names=ch_names,
        coords=coords,
        space=None if coords is None else space,
        class_names=class_names,
        metadata=metadata,
    )
    logger.info("Loaded %r from %s", ts, folder)
    return ts


def _mapping_files(folder: Path) -> list[Path]:
    found = sorted(p for p in folder.iterdir() if _MAPPING_RE.match(p.name) and p.is_file())
    return [_member(folder, p, "a coordinate mapping file") for p in found]


def _coordinates(
    folder: Path, coordinates: Any, ch_names: list[str], space: str, named: bool
) -> tuple[np.ndarray | None, str | None]:
    if coordinates is None:
        return None, None
    if isinstance(coordinates, str) and coordinates == "auto":
        mappings = _mapping_files(folder)
        if len(mappings) > 1:
            raise FileFormatError(
                folder,
                "at most one coordinate mapping file (*mapping.csv) for coordinates='auto'",
                ", ".join(p.name for p in mappings),
                hint="Pass coordinates=<path> to choose one.",
            )
        if mappings:
            return _read_mapping(mappings[0], ch_names), mappings[0].name
        return None, None
    if isinstance(coordinates, str | os.PathLike):
        path = Path(coordinates)
        if not path.is_file():
            raise FileFormatError(path, "a coordinate mapping file", not_a_file(path))
        return _read_mapping(path, ch_names), str(path)
    try:
        coords = np.asarray(coordinates, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"The 'coordinates' parameter of {_OWNER} must be 'auto', None, a path or an "
            f"({len(ch_names)}, 3) array in mm; got {coordinates!r}."
        ) from exc
    if coords.shape != (len(ch_names), 3) or not np.isfinite(coords).all():
        raise ValueError(
            f"The 'coordinates' parameter of {_OWNER} must be a finite ({len(ch_names)}, 3) array "
            f"in mm (one row per feature); got shape {coords.shape}."
        )
    return coords, "array"
