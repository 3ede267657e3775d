"""Epoch continuous CSV recordings that carry a marker (trigger) column into a TrialSet.

The layout is the one written by consumer headsets and LSL recorders (for example NeuroTechX
eeg-notebooks' Muse files)::

    timestamps,TP9,AF7,AF8,TP10,Right AUX,Marker0
    149958.124,34.668,32.715,29.297,14.160,12.695,0
    ...

One row per sample, a header naming the columns, a marker column that is 0 where nothing happens
and an integer event code at stimulus onsets, an optional time column, every other column a
channel. Each file is one run: it becomes an :class:`mne.io.RawArray`, is filtered and epoched with
MNE on its own (epochs never straddle two runs), and the runs' epochs are stacked.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import mne
import numpy as np
import pandas as pd

from data_loaders._errors import ChannelError, EventError, FileFormatError
from data_loaders._paths import not_a_file
from data_loaders._verbose import verbosity
from data_loaders._window import check_epoch_window, check_filter_length, epoch_samples
from neucube._validation import check_number, check_option
from neucube.data import TrialSet
from neucube.limits import MAX_TIMES

__all__ = ["load_marker_csv", "TIMESTAMP_RTOL"]

logger = logging.getLogger(__name__)

#: Sample intervals that differ from ``1 / sfreq`` by more than this fraction make the
#: timestamps "irregular" (a warning is issued when ``sfreq`` is inferred from them).
TIMESTAMP_RTOL = 0.1
#: Per-run rates inferred from timestamps must agree with the first run's within this fraction.
_RUN_RATE_RTOL = 0.01

_MARKER_RE = re.compile(r"^(markers?|stim|triggers?|events?)[ _]?\d*$", re.IGNORECASE)
_TIME_NAMES = ("timestamps", "timestamp", "time", "times", "t")
_TIME_UNITS = {"s": 1.0, "ms": 1e-3}
_OWNER = "load_marker_csv"


def _line(index: int) -> int:
    """File line of data row ``index`` (line 1 is the header)."""
    return int(index) + 2


def _read_run(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise FileFormatError(path, "a CSV recording", not_a_file(path))
    try:
        frame = pd.read_csv(path, skipinitialspace=True)
    except pd.errors.EmptyDataError as exc:
        raise FileFormatError(path, "a CSV recording with a header row", "an empty file") from exc
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, EOFError, ValueError) as exc:
        raise FileFormatError(
            path, "a readable comma-separated file", f"{type(exc).__name__}: {exc}"
        ) from exc
    names = [str(c).strip() for c in frame.columns]
    if all(_is_number(n) for n in names):
        raise FileFormatError(
            path, "a header row naming the columns (time, channels, marker)", f"numbers {names[:5]}"
        )
    unnamed = [n for n in names if n.startswith("Unnamed:") or n == ""]
    if unnamed:
        raise FileFormatError(
            path, "a name for every column in the header row", f"unnamed columns ({len(unnamed)})"
        )
    frame.columns = names
    # pandas renames a repeated name ("Cz", "Cz.1"), so repeats are found in the header as written.
    header = pd.read_csv(
        path, header=None, nrows=1, dtype=str, keep_default_na=False, skipinitialspace=True
    ).iloc[0]
    written = [str(n).strip() for n in header]
    dup = sorted({n for n in written if written.count(n) > 1})
    if dup:
        raise ChannelError(path, "unique column names", f"duplicates {dup}")
    if len(frame) == 0:
        raise FileFormatError(path, "at least one data row below the header", "none")
    return frame


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _numeric(path: Path, frame: pd.DataFrame, columns: Sequence[str], what: str) -> np.ndarray:
    """The given columns as a finite float array, or an error naming the first bad cell."""
    sub = frame[list(columns)]
    values = sub.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64)
    bad_text = np.isnan(values) & sub.notna().to_numpy()
    if bad_text.any():
        r, c = np.argwhere(bad_text)[0]
        raise FileFormatError(
            path,
            f"numbers in the {what} column {columns[c]!r}",
            f"{sub.iat[r, c]!r} on line {_line(r)}",
        )
    finite = np.isfinite(values)
    if not finite.all():
        r, c = np.argwhere(~finite)[0]
        raise FileFormatError(
            path,
            f"finite values in the {what} column {columns[c]!r}",
            f"{int((~finite).sum())} empty/NaN/Inf cell(s), the first on line {_line(r)}",
        )
    return values


def _pick_column(
    path: Path, names: list[str], given: str | None, role: str, auto: Any
) -> str | None:
    if given is not None:
        if given not in names:
            raise ChannelError(path, f"a {role} column named {given!r}", f"columns {names}")
        return given
    found = [n for n in names if auto(n)]
    if len(found) > 1:
        raise ChannelError(
            path, f"one {role} column", f"several candidates {found}", hint=f"Pass {role}_column=."
        )
    return found[0] if found else None


def _onsets(path: Path, markers: np.ndarray) -> np.ndarray:
    """MNE events ``(sample, 0, code)`` at each change of the marker column to a non-zero code."""
    codes = markers[:, 0]
    if not np.array_equal(codes, np.round(codes)):
        r = int(np.flatnonzero(codes != np.round(codes))[0])
        raise EventError(
            path,
            "integer event codes in the marker column",
            f"{float(codes[r]):g} on line {_line(r)}",
        )
    codes = codes.astype(np.int64)
    previous = np.concatenate([[0], codes[:-1]])
    # A code held for several rows is one event, at its first row.
    onset = np.flatnonzero((codes != 0) & (codes != previous))
    return np.column_stack([onset, np.zeros_like(onset), codes[onset]])


def _warn(message: str, said: list[str], stacklevel: int) -> None:
    """Issue a UserWarning and keep its text for ``metadata["warnings"]`` (a caller such as a
    web server may not see Python warnings of its worker threads)."""
    said.append(message)
    warnings.warn(message, UserWarning, stacklevel=stacklevel + 1)


def _infer_sfreq(runs: list[dict[str, Any]], time_scale: float, said: list[str]) -> float:
    spans, steps = [], []
    for run in runs:
        t = run["times"] * time_scale
        if t.size < 2 or not t[-1] > t[0]:
            raise FileFormatError(
                run["path"],
                "increasing timestamps spanning more than one sample to infer sfreq",
                f"{t.size} row(s) from {float(t[0]):g} to {float(t[-1]):g}",
                hint="Pass sfreq=.",
            )
        spans.append(t[-1] - t[0])
        steps.append(t.size - 1)
    # The rate over the whole span is robust to jitter; a median interval is not (the Muse files
    # jitter between 1 and 16 ms around 3.9 ms, and their median interval reads as 250 Hz).
    sfreq = float(np.sum(steps) / np.sum(spans))
    reference = steps[0] / spans[0]
    for run, span, step in zip(runs[1:], spans[1:], steps[1:], strict=True):
        rate = step / span
        if abs(rate - reference) > _RUN_RATE_RTOL * reference:
            raise FileFormatError(
                run["path"],
                f"the sampling rate of {runs[0]['path'].name} ({reference:.6g} Hz within "
                f"{_RUN_RATE_RTOL:.0%})",
                f"{rate:.6g} Hz from its timestamps",
                hint="Pass sfreq= to set the rate yourself.",
            )
    dt = np.concatenate([np.diff(run["times"] * time_scale) for run in runs])
    off = np.abs(dt * sfreq - 1.0) > TIMESTAMP_RTOL
    if off.any():
        # Timestamps going backwards or repeating are said in words: "intervals from -16 ms"
        # reads like a bug of the loader, and they are why the rows' order is kept.
        back, same = int(np.sum(dt < 0)), int(np.sum(dt == 0))
        odd = [f"go backwards {back} time(s) (by up to {-dt.min() * 1e3:.4g} ms)"] if back else []
        odd += [f"repeat {same} time(s)"] if same else []
        odd_text = f"; the timestamps {' and '.join(odd)}" if odd else ""
        _warn(
            f"Irregular timestamps: {off.mean():.1%} of the sample intervals in {len(runs)} "
            f"file(s) "
            f"differ from 1/sfreq = {1e3 / sfreq:.4g} ms by more than {TIMESTAMP_RTOL:.0%}"
            f"{odd_text}; the intervals range from {dt.min() * 1e3:.4g} to "
            f"{dt.max() * 1e3:.4g} ms. sfreq was inferred from the time span as {sfreq:.6g} Hz; "
            f"the samples were kept in the files' row order and treated as equally spaced; pass "
            f"sfreq= to set the rate yourself.",
            said,
            stacklevel=4,
        )
    return sfreq


def _check_event_id(event_id: Any, found: set[int]) -> dict[str, int]:
    if event_id is None:
        if not found:
            return {}
        return {str(code): code for code in sorted(found)}
    if not isinstance(event_id, Mapping) or not event_id:
        raise TypeError(
            f"The 'event_id' parameter of {_OWNER} must be a non-empty mapping of class name to "
            f"marker code (e.g. {{'house': 1, 'face': 2}}) or None; got {event_id!r}."
        )
    out: dict[str, int] = {}
    for name, code in event_id.items():
        is_int = isinstance(code, int | np.integer) and not isinstance(code, bool)
        if not isinstance(name, str) or not is_int:
            raise TypeError(
                f"The 'event_id' parameter of {_OWNER} must map str names to int codes; got "
                f"{name!r}: {code!r}."
            )
        if code == 0:
            raise ValueError(
                f"The 'event_id' parameter of {_OWNER} cannot use code 0 (no event); "
                f"got {name!r}: 0."
            )
        out[name] = int(code)
    if len(set(out.values())) != len(out):
        raise ValueError(
            f"The 'event_id' parameter of {_OWNER} must give distinct codes; got {event_id!r}."
        )
    return out


def load_marker_csv(
    path: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    event_id: Mapping[str, int] | None = None,
    tmin: float = -0.2,
    tmax: float = 0.5,
    *,
    sfreq: float | None = None,
    marker_column: str | None = None,
    time_column: str | None = None,
    time_unit: str = "s",
    channels: Sequence[str] | None = None,
    baseline: tuple[float | None, float | None] | None = None,
    l_freq: float | None = None,
    h_freq: float | None = None,
    reject: float | None = None,
    coordinates: Any = "auto",
    space: str = "mni",
    on_unknown: str = "raise",
    exclude_non_eeg: bool = True,
    subject: str | None = None,
    verbose: bool | str | int | None = None,
) -> TrialSet:
    """Read continuous CSV recording(s) with a marker column and cut them into labelled epochs.

    Parameters
    ----------
    path : path-like or sequence of path-like
        One CSV file (``.csv`` or compressed ``.csv.gz``) or several runs of one session. Each
        file has a header row; all must have the same channel columns.
    event_id : mapping of str to int, optional
        Class name -> marker code, e.g. ``{"house": 1, "face": 2}``. Markers with other codes are
        ignored. ``None`` uses every non-zero code found, named by its number.
    tmin, tmax : float
        Epoch window in seconds relative to each marker onset (both included, as in MNE).
    sfreq : float, optional
        Sampling rate in Hz. When given, timestamps are not used. When ``None`` it is inferred
        from the time column as (rows - 1) / time span, pooled over runs; a ``UserWarning`` is
        issued if any sample interval differs from ``1 / sfreq`` by more than
        :data:`TIMESTAMP_RTOL` (10 %), and every run's own rate must agree with the pooled rate
        within 1 %.
    marker_column : str, optional
        Name of the marker column. ``None`` finds the one column named like ``Marker``,
        ``Marker0``, ``markers``, ``stim``, ``trigger`` or ``event``. Event onsets are the rows
        where the marker changes to a non-zero code (a code held for several rows is one event).
    time_column : str, optional
        Name of the time column. ``None`` finds a column named ``timestamps``, ``timestamp``,
        ``time``, ``times`` or ``t`` (any case), if there is one.
    time_unit : {"s", "ms"}
        Unit of the time column.
    channels : sequence of str, optional
        Channel columns to keep, in this order. ``None`` keeps every column other than the time
        and marker columns, minus non-EEG ones when ``exclude_non_eeg`` is set.
    baseline : tuple of (float or None, float or None), optional
        Baseline window for :class:`mne.Epochs` (``None`` = no baseline correction).
    l_freq, h_freq : float, optional
        Band-pass edges in Hz, applied to each continuous run with :meth:`mne.io.Raw.filter`
        (MNE's default FIR filter) before epoching.
    reject : float, optional
        Drop epochs whose peak-to-peak amplitude on any channel exceeds this value, in the units
        of the file (microvolts for Muse/eeg-notebooks files: the data are given to MNE as they
        are, unscaled).
    coordinates : "auto", path-like, mapping, array-like of shape (n_channels, 3) or None
        Channel positions in mm. ``"auto"`` looks each channel name up in MNE's standard 10-05
        positions (:func:`data_loaders.coordinates.locate_channels`); names without one are
        handled by ``on_unknown``. A ``name,x,y,z`` file
        (:func:`data_loaders.coordinates.read_coordinate_file`) or a mapping name -> (x, y, z)
        gives user positions in ``space`` (standard positions fill in the other names). An
        array gives one row per channel column (all of them, or those left after
        ``exclude_non_eeg``). ``None`` gives no coordinates.
    space : {"mni", "talairach"}
        Space of the coordinates (MNE's standard positions are converted to Talairach with
        Lancaster's icbm2tal when asked).
    on_unknown : {"raise", "drop", "ignore"}
        Channels without a position: raise a :class:`ChannelError` naming them with close
        10-05 names, leave them out of the trials, or keep them and set no coordinates at all
        (a ``UserWarning`` says so). The channels with a position keep it in the first two cases.
    exclude_non_eeg : bool
        Leave out columns named like auxiliary, EOG/ECG/EMG, trigger/marker or motion channels
        (``"Right AUX"``, ``"ACC_X"``; :func:`data_loaders.coordinates.is_non_eeg_name`) when
        ``channels`` is None; listed ``channels`` are always read.
    subject : str, optional
        Subject id stored for every trial.
    verbose : bool, str, int or None
        Logging level of this loader and of the MNE calls (``None``: MNE warnings only).

    Returns
    -------
    TrialSet
        Trials of all runs in file order, ``run`` = 1-based file index (as str), classes in the
        order of their codes. ``X`` is in the units of the file. ``metadata`` holds the files, the
        event counts (``"n_events"``, ``"n_events_per_class"``, before any drop), the epochs
        dropped by amplitude (``"n_rejected"``) or because the window left the recording
        (``"n_out_of_bounds"``), and the channel columns read (``"original_ch_names"``), left out
        as non-EEG (``"excluded_channels"``) or without a position (``"unknown_channels"``)
        with where each kept position came from (``"coordinate_sources"``), and the texts of
        the warnings issued (``"warnings"``), for callers that do not see Python warnings.

    Raises
    ------
    FileFormatError
        Missing, empty or unreadable file, no header row, non-numeric or NaN/Inf cells (with
        file, column and line), unusable timestamps, runs with different sampling rates.
    ChannelError
        Unknown or ambiguous marker/time/channel columns, runs with different channels, channels
        without a position (``on_unknown="raise"``), no EEG column left.
    EventError
        No events, event codes that are not integers, an ``event_id`` code found in no file, or
        every epoch dropped.

    Examples
    --------
    >>> files = sorted(Path("eegnotebooks_muse_N170_subject1").glob("*.csv.gz"))  # doctest: +SKIP
    >>> ts = load_marker_csv(files, {"house": 1, "face": 2}, -0.1, 0.8, sfreq=256,
    ...                      channels=["TP9", "AF7", "AF8", "TP10"], l_freq=1, h_freq=30,
    ...                      reject=75)  # doctest: +SKIP
    """
    with verbosity(verbose, owner=_OWNER):
        return _load(
            path, event_id, tmin, tmax, sfreq, marker_column, time_column, time_unit, channels,
            baseline, l_freq, h_freq, reject, coordinates, space, on_unknown, exclude_non_eeg,
            subject, verbose,
        )


def _load(
    path, event_id, tmin, tmax, sfreq, marker_column, time_column, time_unit, channels,
    baseline, l_freq, h_freq, reject, coordinates, space, on_unknown, exclude_non_eeg,
    subject, verbose,
) -> TrialSet:
    tmin = check_number("tmin", tmin, owner=_OWNER)
    tmax = check_number("tmax", tmax, owner=_OWNER)
    if tmax <= tmin:
        raise ValueError(
            f"The 'tmax' parameter of {_OWNER} must be greater than tmin={tmin!r}; got {tmax!r}."
        )
    if sfreq is not None:
        sfreq = check_number("sfreq", sfreq, low=0, low_inclusive=False, owner=_OWNER)
    check_option("time_unit", time_unit, _TIME_UNITS, owner=_OWNER)
    check_option("space", space, ("mni", "talairach"), owner=_OWNER)
    check_option("on_unknown", on_unknown, ("raise", "drop", "ignore"), owner=_OWNER)
    for name, value in (("l_freq", l_freq), ("h_freq", h_freq), ("reject", reject)):
        if value is not None:
            check_number(name, value, low=0, low_inclusive=False, owner=_OWNER)
    if l_freq is not None and h_freq is not None and not l_freq < h_freq:
        raise ValueError(
            f"The 'h_freq' parameter of {_OWNER} must be greater than l_freq={l_freq!r}; "
            f"got {h_freq!r}."
        )
    if channels is not None and (
        isinstance(channels, str) or not all(isinstance(c, str) for c in channels)
    ):
        raise TypeError(
            f"The 'channels' parameter of {_OWNER} must be a sequence of str; got {channels!r}."
        )
    mne_verbose = "warning" if verbose is None else verbose

    paths = [Path(path)] if isinstance(path, str | os.PathLike) else [Path(p) for p in path]
    if not paths:
        raise ValueError(
            f"The 'path' parameter of {_OWNER} must name at least one file; got {path!r}."
        )

    said: list[str] = []  # the warnings issued, also kept in metadata["warnings"]
    runs = [_parse_run(p, marker_column, time_column, channels) for p in paths]
    ch_names = runs[0]["channels"]
    for run in runs[1:]:
        if run["channels"] != ch_names:
            raise ChannelError(
                run["path"], f"the channels of {paths[0].name} {ch_names}", f"{run['channels']}"
            )
    # Channels are settled before any filtering, so left-out columns cost nothing.
    desc = paths[0] if len(paths) == 1 else f"{len(paths)} files ({paths[0].name}, ...)"
    all_names = list(ch_names)
    ch_names, coords, chan_meta = _channels(
        coordinates, all_names, space, on_unknown, exclude_non_eeg and channels is None, desc,
        said,
    )
    if ch_names != all_names:
        keep = [all_names.index(n) for n in ch_names]
        for run in runs:
            run["data"] = run["data"][:, keep]

    sfreq_inferred = sfreq is None
    if sfreq is None:
        if any(run["times"] is None for run in runs):
            missing = next(run["path"] for run in runs if run["times"] is None)
            raise FileFormatError(
                missing,
                "a time column to infer the sampling rate",
                "none",
                hint="Pass sfreq= or time_column=.",
            )
        sfreq = _infer_sfreq(runs, _TIME_UNITS[time_unit], said)
        # Garbled timestamps (a stray 1e-10 in the last row) infer rates of 1e11 Hz and more.
        check_epoch_window(
            desc, tmin, tmax, sfreq, rate=f"{sfreq:.6g} Hz inferred from the timestamps",
            hint="Check the time column and time_unit=, or pass sfreq=.",
        )
    elif epoch_samples(tmin, tmax, sfreq) > MAX_TIMES:
        raise ValueError(
            f"The 'sfreq' parameter of {_OWNER} must give an epoch window tmin..tmax of at most "
            f"{MAX_TIMES:,} samples (each becomes a simulation step); got sfreq={sfreq:g}, "
            f"{epoch_samples(tmin, tmax, sfreq):.3g} samples from {tmin:g} to {tmax:g} s."
        )
    if h_freq is not None and h_freq >= sfreq / 2:
        raise ValueError(
            f"The 'h_freq' parameter of {_OWNER} must be below the Nyquist frequency "
            f"{sfreq / 2:g} Hz; got {h_freq!r}."
        )

    check_filter_length(l_freq, h_freq, sfreq, owner=_OWNER)

    found = set()
    for run in runs:
        found.update(int(c) for c in np.unique(run["events"][:, 2]))
    event_id = _check_event_id(event_id, found)
    if not event_id:
        raise EventError(
            paths[0] if len(paths) == 1 else f"{len(paths)} files ({paths[0].name}, ...)",
            f"non-zero codes in the marker column {runs[0]['marker']!r}",
            "only zeros",
        )
    absent = {name: code for name, code in event_id.items() if code not in found}
    if absent:
        raise EventError(
            paths[0] if len(paths) == 1 else f"{len(paths)} files ({paths[0].name}, ...)",
            f"markers for every event_id entry {event_id}",
            f"none for {absent} (codes present: {sorted(found)})",
        )
    by_code = sorted(event_id.items(), key=lambda item: item[1])
    class_names = [name for name, _ in by_code]
    code_to_class = {code: k for k, (_, code) in enumerate(by_code)}

    info = mne.create_info(list(ch_names), sfreq, ch_types="eeg")
    X_parts, y_parts, run_parts = [], [], []
    n_events = n_rejected = n_out = 0
    per_class = dict.fromkeys(class_names, 0)
    epochs_tmin = None
    for k, run in enumerate(runs, start=1):
        events = run["events"][np.isin(run["events"][:, 2], list(event_id.values()))]
        n_events += len(events)
        for name, code in by_code:
            per_class[name] += int(np.sum(events[:, 2] == code))
        if not len(events):
            logger.info("%s: no marker of event_id %s", run["path"], event_id)
            continue
        raw = mne.io.RawArray(np.array(run["data"].T, order="C"), info, verbose=mne_verbose)
        if l_freq is not None or h_freq is not None:
            raw.filter(l_freq, h_freq, verbose=mne_verbose)
        with warnings.catch_warnings():
            # An empty run is reported below with the counts of why; MNE's own warning adds nothing.
            warnings.filterwarnings(
                "ignore", message="All epochs were dropped", category=RuntimeWarning
            )
            epochs = _epochs(raw, events, event_id, tmin, tmax, baseline, reject, mne_verbose)
        reasons = [r for r in epochs.drop_log if r]
        n_out += sum(1 for r in reasons if set(r) & {"NO_DATA", "TOO_SHORT"})
        n_rejected += sum(1 for r in reasons if not set(r) & {"NO_DATA", "TOO_SHORT", "IGNORED"})
        epochs_tmin = epochs.tmin
        if len(epochs):
            X_parts.append(epochs.get_data(copy=False))
            y_parts.append(
                np.array([code_to_class[c] for c in epochs.events[:, 2]], dtype=np.int64)
            )
            run_parts.append(np.full(len(epochs), str(k)))
    if not X_parts:
        raise EventError(
            paths[0] if len(paths) == 1 else f"{len(paths)} files ({paths[0].name}, ...)",
            "at least one epoch kept",
            f"all {n_events} dropped ({n_rejected} by reject={reject}, {n_out} with the window "
            f"{tmin}..{tmax} s outside the recording)",
        )
    y = np.concatenate(y_parts)
    metadata = {
        "source": [str(p) for p in paths],
        "format": "marker_csv",
        "runs": {str(k): str(p) for k, p in enumerate(paths, start=1)},
        "event_id": dict(by_code),
        "marker_column": runs[0]["marker"],
        "sfreq_inferred": sfreq_inferred,
        "n_events": n_events,
        "n_events_per_class": per_class,
        "n_rejected": n_rejected,
        "n_out_of_bounds": n_out,
        "filter": (l_freq, h_freq),
        "baseline": baseline,
        "reject": reject,
        **chan_meta,
        "warnings": list(said),
    }
    ts = TrialSet(
        np.concatenate(X_parts),
        y,
        sfreq=sfreq,
        ch_names=ch_names,
        coords=coords,
        space=None if coords is None else space,
        class_names=class_names,
        tmin=float(epochs_tmin),
        subject=None if subject is None else np.full(len(y), str(subject)),
        run=np.concatenate(run_parts),
        metadata=metadata,
    )
    logger.info(
        "Loaded %r (%d events, %d rejected, %d out of bounds)", ts, n_events, n_rejected, n_out
    )
    return ts


def _epochs(raw, events, event_id, tmin, tmax, baseline, reject, verbose) -> mne.Epochs:
    return mne.Epochs(
        raw,
        events,
        event_id={name: code for name, code in event_id.items() if code in events[:, 2]},
        tmin=tmin,
        tmax=tmax,
        baseline=baseline,
        reject=None if reject is None else {"eeg": reject},
        preload=True,
        verbose=verbose,
    )


def _parse_run(
    path: Path, marker_column: str | None, time_column: str | None, channels: Sequence[str] | None
) -> dict[str, Any]:
    frame = _read_run(path)
    names = list(frame.columns)
    marker = _pick_column(path, names, marker_column, "marker", lambda n: _MARKER_RE.match(n))
    if marker is None:
        raise ChannelError(
            path,
            "a marker column (named like 'Marker', 'stim' or 'trigger')",
            f"columns {names}",
            hint="Pass marker_column=.",
        )
    tcol = _pick_column(path, names, time_column, "time", lambda n: n.lower() in _TIME_NAMES)
    if channels is None:
        chans = [n for n in names if n not in (marker, tcol)]
    else:
        unknown = [c for c in channels if c not in names]
        if unknown:
            raise ChannelError(
                path,
                f"columns for channels {list(channels)}",
                f"no column {unknown}; columns {names}",
            )
        clash = [c for c in channels if c in (marker, tcol)]
        if clash:
            raise ChannelError(path, "channels other than the marker and time columns", f"{clash}")
        if len(set(channels)) != len(channels):
            raise ChannelError(path, "distinct channel names", f"{list(channels)}")
        chans = list(channels)
    if not chans:
        raise ChannelError(
            path, "at least one channel column besides marker and time", f"columns {names}"
        )
    data = _numeric(path, frame, chans, "channel")
    markers = _numeric(path, frame, [marker], "marker")
    times = None if tcol is None else _numeric(path, frame, [tcol], "time")[:, 0]
    return {
        "path": path,
        "channels": chans,
        "marker": marker,
        "data": data,
        "times": times,
        "events": _onsets(path, markers),
    }


def _channels(
    coordinates: Any,
    ch_names: list[str],
    space: str,
    on_unknown: str,
    exclude_non_eeg: bool,
    source: Any,
    said: list[str],
) -> tuple[list[str], np.ndarray | None, dict[str, Any]]:
    """The channels to read, their positions (or None) and what the metadata says of them."""
    from data_loaders.coordinates import locate_for_trials, read_coordinate_file, split_non_eeg

    names, excluded = split_non_eeg(ch_names, exclude_non_eeg)
    if not names:
        raise ChannelError(
            source,
            "at least one EEG channel column",
            f"only non-EEG columns {ch_names}",
            hint="Pass channels= to name the columns to read.",
        )
    if excluded:
        logger.info("%s: non-EEG columns left out: %s", source, excluded)
    meta: dict[str, Any] = {
        "original_ch_names": list(ch_names),
        "excluded_channels": excluded,
        "unknown_channels": [],
        "coordinate_sources": None,
    }
    if coordinates is None:
        return names, None, meta
    positions = None
    if isinstance(coordinates, Mapping):
        positions = coordinates
    elif isinstance(coordinates, str | os.PathLike) and not (
        isinstance(coordinates, str) and coordinates == "auto"
    ):
        positions = read_coordinate_file(coordinates)
    elif not isinstance(coordinates, str):
        return names, _array_coordinates(coordinates, ch_names, names), meta
    loc, coords = locate_for_trials(
        names, space, positions=positions, positions_space=space, on_unknown=on_unknown,
        source=str(source),
    )
    meta["unknown_channels"] = list(loc.unknown)
    if coords is None:
        _warn(
            f"No channel coordinates set: no standard 10-05 position for {list(loc.unknown)} "
            "(on_unknown='ignore'). Pass on_unknown='drop' to leave them out, or coordinates= "
            "to give their positions.",
            said,
            stacklevel=5,
        )
        return names, None, meta
    meta["coordinate_sources"] = dict(zip(loc.ch_names, loc.sources, strict=True))
    return list(loc.ch_names), coords, meta


def _array_coordinates(coordinates: Any, all_names: list[str], names: list[str]) -> np.ndarray:
    try:
        coords = np.asarray(coordinates, dtype=np.float64)
    except (TypeError, ValueError):
        coords = np.empty((0,))
    if coords.ndim == 2 and len(coords) == len(all_names) != len(names):
        coords = coords[[all_names.index(n) for n in names]]
    if coords.shape != (len(names), 3) or not np.isfinite(coords).all():
        raise ValueError(
            f"The 'coordinates' parameter of {_OWNER} must be 'auto', None, a name,x,y,z file, a "
            f"mapping or a finite ({len(names)}, 3) array in mm; "
            f"got shape {np.shape(coordinates)}."
        )
    return coords
