"""Turn 4-D fMRI (NIfTI) with a block or event design into a TrialSet of voxel time courses.

A trial is a stretch of consecutive volumes of one condition: a block of equal labels in a
per-volume label file, or one row of a BIDS ``events.tsv``. Each in-mask voxel (or block of
voxels, ``reduce=k``) becomes a channel whose position is its centre in millimetres, computed
from the image affine; ``sfreq`` is ``1 / TR``.

Which space the millimetres are in is read from the NIfTI header: the code of the affine used
(sform if set, else qform) is 4 (MNI152) -> ``"mni"``, 3 (Talairach) -> ``"talairach"``, anything
else -> ``"native"`` (scanner or an unnamed template). Pass ``space="mni"`` for normalised images
whose header does not say so.
"""

from __future__ import annotations

import logging
import os
import warnings
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pandas as pd
import scipy.signal
import scipy.sparse

from data_loaders._errors import EventError, FileFormatError
from data_loaders._paths import not_a_file, require_regular_file, resolve_companion
from data_loaders._verbose import verbosity
from neucube._validation import check_int, check_number, check_option
from neucube.data import SPACES, TrialSet

__all__ = ["load_fmri", "read_volume_labels", "DEFAULT_REST"]

logger = logging.getLogger(__name__)

#: Labels of volumes that belong to no trial (baseline), skipped by default.
DEFAULT_REST = ("rest", "baseline")
_LABEL_COLUMNS = ("labels", "label", "condition", "conditions", "trial_type", "targets", "target")
_RUN_COLUMNS = ("chunks", "chunk", "runs", "run", "sessions", "session")
#: NIfTI xform codes with a named space (3 = NIFTI_XFORM_TALAIRACH, 4 = NIFTI_XFORM_MNI_152).
_XFORM_SPACE = {3: "talairach", 4: "mni"}
_TIME_UNIT = {"sec": 1.0, "msec": 1e-3, "usec": 1e-6}
#: A header TR longer than this (s) is taken as a unit error (e.g. 2000 "sec" meant 2000 ms).
_MAX_PLAUSIBLE_TR = 60.0
_OWNER = "load_fmri"
#: Deflate (gzip) compresses at most about 1032:1, so a ``.gz`` file smaller than its declared
#: data / 1032 cannot hold it (no need to decompress it to know).
_DEFLATE_MAX_RATIO = 1032


# ------------------------------------------------------------------------------ inputs
def _source(obj: Any, k: int | None = None) -> str:
    if isinstance(obj, str | os.PathLike):
        return os.fspath(obj)
    name = getattr(obj, "get_filename", lambda: None)()
    return name or (f"image {k + 1}" if k is not None else "in-memory image")


def _load_img(obj: Any, what: str) -> Any:
    if isinstance(obj, nib.spatialimages.SpatialImage):
        return obj
    if not isinstance(obj, str | os.PathLike):
        raise TypeError(
            f"The {what!r} parameter of {_OWNER} must be a NIfTI file path or a nibabel image; "
            f"got {type(obj).__name__}."
        )
    path = Path(obj)
    if not path.is_file():
        raise FileFormatError(path, "a NIfTI image (.nii or .nii.gz)", not_a_file(path))
    _check_pair(path)
    try:
        return nib.load(path)
    except (nib.filebasedimages.ImageFileError, OSError, EOFError, ValueError) as exc:
        raise FileFormatError(
            path, "a NIfTI image readable by nibabel", f"{type(exc).__name__}: {exc}"
        ) from exc


#: Two-file images (NIfTI pair, Analyze): nibabel opens the other file of the pair by name.
_PAIRS = {".hdr": ".img", ".img": ".hdr", ".hdr.gz": ".img.gz", ".img.gz": ".hdr.gz"}


def _check_pair(path: Path) -> None:
    """The other file of a ``.hdr``/``.img`` pair stays in the folder and is a regular file."""
    name = path.name.lower()
    ext = next((e for e in (".hdr.gz", ".img.gz", ".hdr", ".img") if name.endswith(e)), None)
    if ext is None:
        return
    other = resolve_companion(
        path, path.name[: -len(ext)] + _PAIRS[ext], what=f"its {_PAIRS[ext]} file"
    )
    if other.exists() or other.is_symlink():
        require_regular_file(other, f"its {_PAIRS[ext]} file", source=path)


def _check_declared_size(img: Any, source: str) -> None:
    """Refuse a header that declares more data than its file can hold, before any allocation.

    nibabel allocates (and zero-fills) the declared size before it reads, so a 1 kB file whose
    header says 400**4 voxels would cost 100 GB or a bare ``MemoryError``.
    """
    filename = getattr(getattr(img, "file_map", {}).get("image"), "filename", None)
    offset = getattr(img.dataobj, "offset", None)
    if not isinstance(filename, str) or offset is None or not os.path.isfile(filename):
        return  # an in-memory image: its data exist already
    n_values = int(np.prod(img.shape, dtype=object))
    declared = int(offset) + n_values * img.get_data_dtype().itemsize
    size = os.path.getsize(filename)
    gzipped = filename.lower().endswith(".gz")
    if declared > (size * _DEFLATE_MAX_RATIO if gzipped else size):
        raise FileFormatError(
            source,
            f"the {n_values:,} voxel values its header declares (shape {img.shape}, "
            f"{declared:,} bytes)",
            f"a {'gzip ' if gzipped else ''}file of {size:,} bytes"
            + (f", which cannot expand beyond {_DEFLATE_MAX_RATIO}x" if gzipped else ""),
            "The file is truncated or its header is damaged.",
        )


def _volumes(img: Any, source: str, dtype: type = np.float32) -> np.ndarray:
    """The image's voxel data; nibabel reads lazily, so a short file fails here, not at load."""
    try:
        return np.asarray(img.get_fdata(dtype=dtype))
    except MemoryError as exc:
        raise FileFormatError(
            source,
            f"{int(np.prod(img.shape, dtype=object)):,} voxel values (shape {img.shape}) that fit "
            "in memory",
            f"MemoryError: {exc}".rstrip(": "),
            "Load fewer runs at once, or crop the images.",
        ) from exc
    except (OSError, EOFError, ValueError, zlib.error) as exc:
        raise FileFormatError(
            source,
            f"the {int(np.prod(img.shape))} voxel values its header declares (shape {img.shape})",
            f"{type(exc).__name__}: {exc}".replace("\n", " "),
            "The file is truncated or damaged.",
        ) from exc


def _header_tr(img: Any, source: str) -> float | None:
    header = img.header
    zooms = header.get_zooms()
    if len(zooms) < 4 or not zooms[3] > 0:
        return None
    try:
        unit = header.get_xyzt_units()[1]
    except (AttributeError, KeyError):  # not a NIfTI header
        return None
    if unit not in _TIME_UNIT:
        return None  # unknown unit: the pixdim[4] number cannot be trusted as seconds
    tr = float(zooms[3]) * _TIME_UNIT[unit]
    if tr > _MAX_PLAUSIBLE_TR:
        logger.warning(
            "%s: ignoring the header TR of %g s (implausible; probably milliseconds stored as "
            "seconds). Pass tr=.",
            source,
            tr,
        )
        return None
    return tr


def _space_of(img: Any) -> tuple[str, str]:
    header = img.header
    try:
        sform_code = int(header["sform_code"])
        qform_code = int(header["qform_code"])
    except (KeyError, ValueError):
        return "native", "no NIfTI xform code"
    # nibabel's img.affine is the sform when its code is set, else the qform when set.
    which, code = ("sform", sform_code) if sform_code > 0 else ("qform", qform_code)
    return _XFORM_SPACE.get(code, "native"), f"{which}_code {code}"


def read_volume_labels(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray | None]:
    """Read one condition label per fMRI volume, with an optional run (chunk) column.

    Accepted layouts (blank lines ignored; tab-, comma- or whitespace-separated):

    - one label per line, optionally under a header such as ``labels``;
    - two columns ``label run`` without a header (for example ``face 0``);
    - a header naming the columns, of which one is the label column (``labels``, ``label``,
      ``condition``, ``trial_type``, ``targets``) and optionally one the run column (``chunks``,
      ``run``, ``session``), as in the Haxby data set's ``labels.txt`` (``labels chunks``).

    Returns
    -------
    labels : ndarray of str, shape (n_volumes,)
    runs : ndarray of str, shape (n_volumes,) or None
    """
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(path, "a text file of one label per volume", not_a_file(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(path, "a UTF-8 text file of labels", str(exc)) from exc
    numbered = [(n, ln.strip()) for n, ln in enumerate(text.splitlines(), start=1) if ln.strip()]
    if not numbered:
        raise FileFormatError(path, "one label per volume", "an empty file")
    sep = "\t" if "\t" in text else "," if "," in text else None
    rows = [[c.strip() for c in (ln.split(sep) if sep else ln.split())] for _, ln in numbered]
    width = len(rows[0])
    for (line, _), row in zip(numbered, rows, strict=True):
        if len(row) != width:
            raise FileFormatError(
                path, f"{width} column(s) on every line", f"{len(row)} on line {line}"
            )
    lowered = [c.lower() for c in rows[0]]
    has_header = any(c in _LABEL_COLUMNS for c in lowered)
    if has_header:
        label_col = next(i for i, c in enumerate(lowered) if c in _LABEL_COLUMNS)
        run_col = next((i for i, c in enumerate(lowered) if c in _RUN_COLUMNS), None)
        rows = rows[1:]
        if not rows:
            raise FileFormatError(path, "labels below the header", "only a header")
    elif width <= 2:
        label_col, run_col = 0, (1 if width == 2 else None)
    else:
        raise FileFormatError(
            path,
            "1 column (label) or 2 (label, run), or a header naming a 'labels' column",
            f"{width} columns without a recognised header",
        )
    table = np.array(rows, dtype=str)
    labels = table[:, label_col]
    if (labels == "").any():
        line = numbered[int(np.flatnonzero(labels == "")[0]) + int(has_header)][0]
        raise FileFormatError(path, "a label on every line", f"an empty label on line {line}")
    runs = None if run_col is None else table[:, run_col]
    return labels, runs


def _volume_labels(
    source: Any, n_volumes: int, bold_name: str
) -> tuple[np.ndarray, np.ndarray | None, str]:
    if isinstance(source, str | os.PathLike):
        labels, runs = read_volume_labels(source)
        where = os.fspath(source)
    else:
        labels = np.asarray(source)
        if labels.ndim != 1:
            raise ValueError(
                f"The 'labels' parameter of {_OWNER} must be a file or a 1-D sequence of one label "
                f"per volume; got shape {labels.shape}."
            )
        labels, runs, where = labels.astype(str), None, "labels"
    if labels.shape[0] != n_volumes:
        raise FileFormatError(
            where,
            f"{n_volumes} labels (one per volume of {bold_name})",
            f"{labels.shape[0]} labels",
        )
    return labels, runs, where


def _read_events(source: Any) -> tuple[pd.DataFrame, str]:
    if isinstance(source, pd.DataFrame):
        frame, where = source.copy(), "events table"
    else:
        path = Path(source)
        where = os.fspath(path)
        if not path.is_file():
            raise FileFormatError(path, "a BIDS events.tsv file", not_a_file(path))
        try:
            frame = pd.read_csv(path, sep="\t", na_values=["n/a"], keep_default_na=True)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise FileFormatError(
                path, "a tab-separated BIDS events file", f"{type(exc).__name__}: {exc}"
            ) from exc
    missing = [c for c in ("onset", "duration", "trial_type") if c not in frame.columns]
    if missing:
        raise EventError(
            where,
            "BIDS event columns onset, duration and trial_type",
            f"no {missing} among {list(frame.columns)}",
        )
    for col in ("onset", "duration"):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(dtype=float))
        if bad.any():
            r = int(np.flatnonzero(bad)[0])
            raise EventError(
                where,
                f"finite numbers in column {col!r}",
                f"{str(frame[col].iloc[r])!r} in event row {r + 1}",
            )
        frame[col] = values.astype(float)
    if (frame["duration"] < 0).any():
        r = int(np.flatnonzero(frame["duration"].to_numpy() < 0)[0])
        raise EventError(
            where, "durations >= 0", f"{float(frame['duration'].iloc[r]):g} in event row {r + 1}"
        )
    if frame["trial_type"].isna().any():
        r = int(np.flatnonzero(frame["trial_type"].isna().to_numpy())[0])
        raise EventError(where, "a trial_type for every event", f"n/a in event row {r + 1}")
    frame["trial_type"] = frame["trial_type"].astype(str).str.strip()
    return frame.reset_index(drop=True), where


# ------------------------------------------------------------------------------ trials
def _blocks(labels: np.ndarray, runs: np.ndarray, rest: set[str]) -> list[tuple[int, int, str]]:
    """(start, length, label) of each run of equal, non-rest labels within one run id."""
    change = np.ones(labels.shape[0], dtype=bool)
    change[1:] = (labels[1:] != labels[:-1]) | (runs[1:] != runs[:-1])
    starts = np.flatnonzero(change)
    lengths = np.diff(np.append(starts, labels.shape[0]))
    return [
        (int(s), int(n), str(labels[s]))
        for s, n in zip(starts, lengths, strict=True)
        if labels[s] not in rest
    ]


def _event_trials(
    frame: pd.DataFrame, where: str, n_volumes: int, tr: float, shift: float, rest: set[str]
) -> tuple[list[tuple[int, int, str]], int]:
    """(start, length, label) of each event: volumes whose onset time (k * TR) is in the event.

    An event shorter than one TR still gets the first volume at or after its onset.
    """
    frame = frame[~frame["trial_type"].isin(rest)]
    onset = frame["onset"].to_numpy() + shift
    start = np.ceil(onset / tr - 1e-9).astype(np.int64)
    stop = np.ceil((onset + frame["duration"].to_numpy()) / tr - 1e-9).astype(np.int64)
    stop = np.maximum(stop, start + 1)
    inside = (start >= 0) & (start < n_volumes)
    stop = np.minimum(stop, n_volumes)
    order = np.argsort(start, kind="stable")
    s, e = start[order][inside[order]], stop[order][inside[order]]
    if s.size > 1 and (s[1:] < e[:-1]).any():
        k = int(np.flatnonzero(s[1:] < e[:-1])[0])
        rows = frame.index.to_numpy()[order][inside[order]]
        raise EventError(
            where,
            "events that do not overlap in time",
            f"event rows {rows[k] + 1} and {rows[k + 1] + 1} share volume {s[k + 1]}",
        )
    labels = frame["trial_type"].to_numpy()[order][inside[order]]
    trials = [(int(a), int(b - a), str(lab)) for a, b, lab in zip(s, e, labels, strict=True)]
    return trials, int((~inside).sum())


def _clean(data: np.ndarray, runs: np.ndarray, detrend: bool, standardize: bool) -> np.ndarray:
    """Linear detrending and z-scoring of each voxel over the volumes of each run."""
    for run in np.unique(runs):
        cols = np.flatnonzero(runs == run)
        block = data[:, cols]
        if detrend and cols.size > 1:
            block = scipy.signal.detrend(block, axis=1, type="linear")
        if standardize:
            block = block - block.mean(axis=1, keepdims=True)
            std = block.std(axis=1, keepdims=True)
            # A constant voxel stays 0 rather than becoming NaN.
            block = np.divide(block, std, out=np.zeros_like(block), where=std > 0)
        data[:, cols] = block
    return data


# ------------------------------------------------------------------------------ main
def load_fmri(
    bold: Any,
    labels: Any = None,
    mask: Any = None,
    tr: float | None = None,
    *,
    events: Any = None,
    rest: str | Sequence[str] | None = DEFAULT_REST,
    hrf_shift: float = 0.0,
    trial_volumes: int | None = None,
    detrend: bool = False,
    standardize: bool = False,
    reduce: int | None = None,
    space: str = "auto",
    verbose: bool | str | int | None = None,
) -> TrialSet:
    """Load 4-D fMRI with per-volume labels or BIDS events as trials of voxel time courses.

    Parameters
    ----------
    bold : path-like, nibabel image, or sequence of them
        A 4-D NIfTI image (x, y, z, time), or one per run (same grid and affine).
    labels : path-like or sequence, optional
        One label per volume: a file (see :func:`read_volume_labels`; its run/chunk column
        splits the series into runs) or a sequence of labels. With several runs, one such file or
        sequence per run. Each block of consecutive volumes with one non-rest label, within one
        run, is a trial. Give ``labels`` or ``events``, not both.
    mask : path-like, nibabel image, "epi", "all" or None
        Voxels to keep: a 3-D mask image on the grid of ``bold`` (non-zero = kept; a region of
        interest works the same way), ``"epi"`` (the default when ``None``) to compute a brain
        mask from the mean image with :func:`nilearn.masking.compute_epi_mask` (no download), or
        ``"all"`` for every voxel.
    tr : float, optional
        Repetition time in seconds. Defaults to the header's (pixdim[4]) when its time unit is
        set and the value is plausible (<= 60 s). Required with ``events``.
    events : path-like, DataFrame, or sequence of them, optional
        BIDS ``events.tsv`` (tab-separated ``onset``, ``duration``, ``trial_type`` in seconds
        from the first volume), one per run. Each event is a trial: the volumes acquired (at
        ``k * TR``) from ``onset + hrf_shift`` until ``onset + hrf_shift + duration``, at least one.
    rest : str or sequence of str or None
        Labels (or trial types) that are baseline and form no trial.
    hrf_shift : float
        Seconds added to event onsets for the haemodynamic delay (typically 4-6 s); events only.
    trial_volumes : int, optional
        Volumes per trial. ``None`` crops every trial to the shortest one (trials must have one
        length); a number crops to it and drops shorter trials (counted in
        ``metadata["n_short_trials_dropped"]``).
    detrend, standardize : bool
        Remove a linear trend, then z-score, each voxel over all volumes of each run (before the
        trials are cut).
    reduce : int, optional
        Average the in-mask voxels of each ``k x k x k`` block of the grid into one channel,
        positioned at their centroid; cuts the channel count by up to ``k**3``.
    space : {"auto", "mni", "talairach", "native"}
        Space of the voxel coordinates; ``"auto"`` reads the NIfTI xform code (4 = MNI152,
        3 = Talairach, else native).
    verbose : bool, str, int or None
        Logging level for this call.

    Returns
    -------
    TrialSet
        ``X`` (float32) of shape (n_trials, n_voxels, n_volumes), ``sfreq = 1 / TR`` (1.0 when the
        TR is unknown, with ``metadata["tr_known"] = False``), ``ch_names`` ``"v{i}_{j}_{k}"``
        (voxel indices) or ``"b{i}_{j}_{k}"`` (block indices with ``reduce``), coordinates in mm,
        ``run`` ids, and in ``metadata`` the affine, mask size, trial onsets (volume index) and
        lengths.

    Raises
    ------
    FileFormatError
        A missing or unreadable image, an image that is not 4-D, runs on different grids, a mask
        of another shape or affine, or empty, NaN/Inf volumes, a label count that is not the
        volume count.
    EventError
        Missing BIDS columns, bad onsets/durations, overlapping events, a TR missing with events,
        or no trial at all.
    """
    with verbosity(verbose, owner=_OWNER):
        return _load(
            bold, labels, mask, tr, events, rest, hrf_shift, trial_volumes, detrend,
            standardize, reduce, space,
        )


def _as_list(obj: Any) -> list[Any]:
    if isinstance(obj, str | os.PathLike | pd.DataFrame | nib.spatialimages.SpatialImage):
        return [obj]
    return list(obj)


def _load(
    bold, labels, mask, tr, events, rest, hrf_shift, trial_volumes, detrend, standardize,
    reduce, space,
) -> TrialSet:
    check_option("space", space, ("auto", *SPACES), owner=_OWNER)
    hrf_shift = check_number("hrf_shift", hrf_shift, owner=_OWNER)
    if tr is not None:
        tr = check_number("tr", tr, low=0, low_inclusive=False, owner=_OWNER)
    if trial_volumes is not None:
        trial_volumes = check_int("trial_volumes", trial_volumes, low=1, owner=_OWNER)
    if reduce is not None:
        reduce = check_int("reduce", reduce, low=1, owner=_OWNER)
    for name, flag in (("detrend", detrend), ("standardize", standardize)):
        if not isinstance(flag, bool | np.bool_):
            raise TypeError(f"The {name!r} parameter of {_OWNER} must be a bool; got {flag!r}.")
    if (labels is None) == (events is None):
        raise ValueError(
            f"Exactly one of the 'labels' and 'events' parameters of {_OWNER} must be given; got "
            f"{'neither' if labels is None else 'both'}."
        )
    rest_set = (set() if rest is None else {rest} if isinstance(rest, str)
                else {str(r) for r in rest})

    multi = not isinstance(bold, str | os.PathLike | nib.spatialimages.SpatialImage)
    imgs = [_load_img(b, "bold") for b in _as_list(bold)]
    if not imgs:
        raise ValueError(
            f"The 'bold' parameter of {_OWNER} must name at least one image; got {bold!r}."
        )
    sources = [_source(b, k) for k, b in enumerate(_as_list(bold))]
    design = labels if events is None else events
    designs = _as_list(design) if multi else [design]
    if len(designs) != len(imgs):
        raise ValueError(
            f"The '{'labels' if events is None else 'events'}' parameter of {_OWNER} must give one "
            f"entry per run of 'bold' ({len(imgs)}); got {len(designs)}."
        )

    first = imgs[0]
    for img, src in zip(imgs, sources, strict=True):
        _check_declared_size(img, src)
        if len(img.shape) != 4:
            raise FileFormatError(
                src,
                "a 4-D image (x, y, z, time) of BOLD volumes",
                f"a {len(img.shape)}-D image of shape {img.shape}",
            )
        if img.shape[:3] != first.shape[:3] or not np.allclose(img.affine, first.affine, atol=1e-3):
            raise FileFormatError(
                src,
                f"the grid of {sources[0]} (shape {first.shape[:3]}, same affine)",
                f"shape {img.shape[:3]}"
                + ("" if img.shape[:3] != first.shape[:3] else " with another affine"),
            )

    if tr is None:
        tr = _header_tr(first, sources[0])
        tr_known = tr is not None
        if events is not None and tr is None:
            raise EventError(
                sources[0],
                "a repetition time to place events.tsv onsets on volumes",
                "no usable TR in the header",
                hint="Pass tr= (seconds).",
            )
    else:
        tr_known = True
        header_tr = _header_tr(first, sources[0])
        if header_tr is not None and not np.isclose(header_tr, tr, rtol=1e-3):
            logger.info("%s: using tr=%g s instead of the header's %g s", sources[0], tr, header_tr)

    mask_arr, mask_desc = _mask(mask, imgs, sources)
    n_vox = int(mask_arr.sum())

    parts, vol_runs, trials, n_out = [], [], [], 0
    offset = 0
    for r, (img, src, des) in enumerate(zip(imgs, sources, designs, strict=True)):
        data = _volumes(img, src)
        n_vol = data.shape[3]
        bad = ~np.isfinite(data).all(axis=(0, 1, 2))
        if bad.any():
            vols = np.flatnonzero(bad)
            raise FileFormatError(
                src,
                "finite values in every volume",
                f"NaN/Inf in {vols.size} volume(s), the first is volume {vols[0]} (from 0)",
            )
        masked = data[mask_arr]  # (n_vox, n_vol)
        del data
        run_id = str(r + 1) if multi else "1"
        if events is None:
            vol_labels, chunk, _ = _volume_labels(des, n_vol, src)
            runs_here = (
                np.full(n_vol, run_id)
                if chunk is None
                else (np.char.add(f"{run_id}:", chunk) if multi else chunk)
            )
            run_trials = _blocks(vol_labels, runs_here, rest_set)
        else:
            frame, where = _read_events(des)
            run_trials, out = _event_trials(frame, where, n_vol, tr, hrf_shift, rest_set)
            n_out += out
            runs_here = np.full(n_vol, run_id)
        parts.append(masked)
        vol_runs.append(runs_here)
        trials.extend((offset + s, n, lab) for s, n, lab in run_trials)
        offset += n_vol

    data = np.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
    vol_runs = np.concatenate(vol_runs)
    if detrend or standardize:
        data = _clean(data.astype(np.float64), vol_runs, detrend, standardize)

    if not trials:
        raise EventError(
            sources[0] if len(sources) == 1 else f"{len(sources)} runs ({sources[0]}, ...)",
            "at least one trial (a block or event with a non-rest label)",
            "none" + (f" ({n_out} events after the end of the scan)" if n_out else ""),
        )
    starts = np.array([s for s, _, _ in trials])
    lengths = np.array([n for _, n, _ in trials])
    names = np.array([lab for _, _, lab in trials])
    if trial_volumes is None:
        length = int(lengths.min())
        keep = np.ones(len(trials), dtype=bool)
        if (lengths != length).any():
            logger.info(
                "Trials of %d..%d volumes cropped to the shortest, %d",
                lengths.min(),
                lengths.max(),
                length,
            )
    else:
        length = trial_volumes
        keep = lengths >= length
        if not keep.any():
            raise EventError(
                sources[0],
                f"trials of at least trial_volumes={length} volumes",
                f"trials of at most {lengths.max()} volumes",
            )

    # Voxel positions (and block reduction) on the masked grid.
    ijk = np.argwhere(mask_arr)
    if reduce is not None and reduce > 1:
        data, ijk_centre, ch_names = _reduce_blocks(data, ijk, reduce)
    else:
        ijk_centre = ijk.astype(np.float64)
        ch_names = [f"v{i}_{j}_{k}" for i, j, k in ijk]
    coords = nib.affines.apply_affine(first.affine, ijk_centre)
    space_auto, space_source = _space_of(first)
    out_space = space_auto if space == "auto" else space

    index = starts[keep][:, None] + np.arange(length)[None, :]
    # (n_channels, n_trials, length) -> trials first; float32 halves the memory of big images.
    X = data[:, index].transpose(1, 0, 2).astype(np.float32, copy=False)
    class_names = tuple(sorted(set(names[keep].tolist())))
    metadata = {
        "source": sources if multi else sources[0],
        "format": "fmri",
        "tr": tr,
        "tr_known": tr_known,
        "mask": mask_desc,
        "n_voxels_in_mask": n_vox,
        "reduce": reduce,
        "space_source": space_source if space == "auto" else "given",
        "affine": np.asarray(first.affine).tolist(),
        "trial_onsets_volume": starts[keep].tolist(),
        "trial_lengths": lengths[keep].tolist(),
        "n_short_trials_dropped": int((~keep).sum()),
        "n_events_out_of_scan": n_out,
        "detrend": bool(detrend),
        "standardize": bool(standardize),
        "hrf_shift": hrf_shift,
    }
    if not tr_known:
        logger.warning(
            "%s: TR unknown; time is counted in volumes (sfreq=1.0). Pass tr=.", sources[0]
        )
    ts = TrialSet(
        X,
        names[keep],
        sfreq=1.0 / tr if tr_known else 1.0,
        ch_names=ch_names,
        coords=coords,
        space=out_space,
        class_names=class_names,
        run=vol_runs[starts[keep]],
        metadata=metadata,
    )
    logger.info("Loaded %r", ts)
    return ts


def _mask(mask: Any, imgs: list[Any], sources: list[str]) -> tuple[np.ndarray, str]:
    shape = imgs[0].shape[:3]
    if isinstance(mask, str) and mask == "all":
        return np.ones(shape, dtype=bool), "all voxels"
    if mask is None or (isinstance(mask, str) and mask == "epi"):
        from nilearn.masking import compute_epi_mask, compute_multi_epi_mask

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an empty mask is reported below, with the file
            img = compute_epi_mask(imgs[0]) if len(imgs) == 1 else compute_multi_epi_mask(imgs)
        arr = np.asarray(img.get_fdata()) > 0
        if not arr.any():
            raise FileFormatError(
                sources[0],
                "a brain in the image for the EPI mask (nilearn compute_epi_mask)",
                "an empty computed mask",
                hint="Pass mask=<mask image> or mask='all'.",
            )
        return arr, "epi (nilearn compute_epi_mask)"
    img = _load_img(mask, "mask")
    src = _source(mask)
    _check_declared_size(img, src)
    data = _volumes(img, src, np.float64)
    if data.ndim == 4 and data.shape[3] == 1:
        data = data[..., 0]
    if data.shape != shape:
        raise FileFormatError(
            src, f"a 3-D mask of shape {shape} (the grid of {sources[0]})", f"shape {data.shape}"
        )
    if not np.allclose(img.affine, imgs[0].affine, atol=1e-3):
        raise FileFormatError(
            src, f"the affine of {sources[0]}", "another affine (resample the mask first)"
        )
    arr = np.nan_to_num(data.astype(np.float64)) != 0
    if not arr.any():
        raise FileFormatError(src, "at least one non-zero voxel in the mask", "an all-zero mask")
    return arr, src


def _reduce_blocks(
    data: np.ndarray, ijk: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Average the voxels of each k x k x k block (in-mask voxels only)."""
    blocks = ijk // k
    uniq, inverse, counts = np.unique(blocks, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.ravel()
    weights = scipy.sparse.csr_matrix(
        (
            1.0 / counts[inverse], (inverse, np.arange(ijk.shape[0]))
        ), shape=(uniq.shape[0], ijk.shape[0])
    )
    reduced = np.asarray(weights @ data)
    centre = np.asarray(weights @ ijk.astype(np.float64))
    names = [f"b{i}_{j}_{k}" for i, j, k in uniq]
    return reduced, centre, names

