"""EEG-BIDS datasets to one :class:`neucube.data.TrialSet` across subjects, sessions and runs.

Recordings are found and read with `mne-bids`; the ``trial_type`` column of each
``*_events.tsv`` becomes the annotation descriptions that :func:`data_loaders.eeg.load_eeg`
maps to classes, and every trial keeps its subject, session and run id so models can be
evaluated leave-one-subject-out.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from data_loaders._errors import EventError, FileFormatError, LoaderError
from data_loaders._paths import inside, require_regular_file
from data_loaders.coordinates import DEFAULT_MONTAGE
from data_loaders.eeg import check_recording_files, load_eeg
from data_loaders.eeg._mne import _mne_errors, _mne_verbose
from data_loaders.eeg.events import _check_event_id
from neucube.data import TrialSet

__all__ = ["load_bids", "BIDS_EEG_EXTENSIONS"]

logger = logging.getLogger(__name__)

#: Data-file extensions BIDS allows for EEG (``.fif`` is common in MNE-written datasets too).
BIDS_EEG_EXTENSIONS = (".vhdr", ".edf", ".bdf", ".set", ".fif")


def _as_list(name: str, value: Any) -> list[str] | None:
    if value is None:
        return None
    values = [value] if isinstance(value, str | int) else list(value)
    if not values or not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
        raise ValueError(
            f"The {name!r} parameter of load_bids must be None, an id or a non-empty list of ids; "
            f"got {value!r}."
        )
    return [str(v) for v in values]


def _check_dataset_files(bp: Any, root: Path) -> None:
    """Refuse a run whose files leave the dataset or are not regular files, before mne-bids reads.

    mne-bids reads the recording, the sidecars beside it (``events.tsv``, ``channels.tsv``,
    ``eeg.json`` …), inherited ``.json``/``.tsv`` files in the folders above it and
    ``scans.tsv``; the recording's own companions (BrainVision ``DataFile=``, EEGLAB ``.fdt``)
    are followed by MNE. Each must resolve, after symlinks, inside ``root`` (a DataLad dataset's
    links into its ``.git/annex`` do) and be a regular file.
    """
    fpath = Path(bp.fpath)
    folder = fpath.parent
    candidates = list(folder.iterdir())
    rel = folder.relative_to(root)  # find_matching_paths only returns paths below root
    for parent in [root / q for q in rel.parents]:  # sub-01/, then root/
        candidates += [p for p in parent.iterdir() if p.suffix in (".json", ".tsv")]
    for path in candidates:
        if path.is_dir() and not path.is_symlink():
            continue  # a subfolder (an .mff recording, another datatype) is checked on its own
        if not inside(path, root):
            raise FileFormatError(
                path, f"a file inside the BIDS dataset {root}", "a link that resolves outside it"
            )
        if path.suffix in (".json", ".tsv") or path == fpath:
            require_regular_file(path, "a BIDS file")
    check_recording_files(fpath)


def _trial_types(paths: Sequence[Any], root: Path) -> list[str]:
    """Distinct ``trial_type`` values over the runs' events files, sorted."""
    import pandas as pd

    found: set[str] = set()
    for bp in paths:
        events = Path(bp.copy().update(suffix="events", extension=".tsv").fpath)
        if not events.is_file():
            raise EventError(events, "a BIDS events file beside the recording", "no such file")
        table = pd.read_csv(events, sep="\t", dtype=str, keep_default_na=False)
        if "trial_type" not in table.columns:
            raise EventError(
                events, "a 'trial_type' column naming each event's condition",
                f"columns {list(table.columns)}",
                "Pass event_id to choose the events, or add trial_type to the events files.",
            )
        found.update(t for t in table["trial_type"] if t not in ("", "n/a"))
    if not found:
        raise EventError(
            root, "events with a trial_type", "no trial_type values in any events file"
        )
    return sorted(found)


def load_bids(
    root: str | os.PathLike[str],
    *,
    subjects: str | Sequence[str] | None = None,
    sessions: str | Sequence[str] | None = None,
    task: str | Sequence[str] | None = None,
    runs: str | int | Sequence[str | int] | None = None,
    event_id: Mapping[str, Any] | Sequence[str] | None = None,
    tmin: float | None = None,
    tmax: float | None = None,
    baseline: tuple[float | None, float | None] | None = None,
    l_freq: float | None = None,
    h_freq: float | None = None,
    resample: float | None = None,
    reject: float | Mapping[str, float] | None = None,
    bad_channels: Sequence[str] | None = None,
    coordinates: Any = "template",
    space: str = "mni",
    montage: str = DEFAULT_MONTAGE,
    on_unknown: str = "raise",
    exclude_non_eeg: bool = True,
    units: str = "uV",
    verbose: Any = None,
) -> TrialSet:
    """Load labelled EEG trials from a BIDS dataset, for one or several subjects.

    Parameters
    ----------
    root : path-like
        The BIDS root (the folder with ``dataset_description.json``).
    subjects, sessions, task, runs : id or list of ids, optional
        Which recordings to load (BIDS entities without their ``sub-``/``ses-``… prefix);
        ``None`` takes all. ``derivatives/`` and ``sourcedata/`` are never searched.
    event_id : mapping or sequence, optional
        Classes as ``trial_type`` values (exact, glob or ``/`` tags, see
        :func:`~data_loaders.eeg.load_eeg`): ``{"familiar": ["famous", "known"]}``. ``None``
        makes every ``trial_type`` found in the events files a class.
    tmin, tmax, baseline, l_freq, h_freq, resample, reject, bad_channels, space, montage, \
on_unknown, exclude_non_eeg, units, verbose
        As in :func:`~data_loaders.eeg.load_eeg`, applied to every run.
    coordinates : {"template", "auto", "file"}, path, mapping or None
        As in :func:`~data_loaders.eeg.load_eeg`. The default is the template montage because one
        ``TrialSet`` holds one set of coordinates: per-subject ``electrodes.tsv`` positions
        differ between subjects and cannot be concatenated.

    Returns
    -------
    TrialSet
        Trials of all runs, in BIDS path order, with per-trial ``subject``, ``session`` and
        ``run`` ids (missing entities as ``"n/a"``). Only channels present in every run are
        kept. ``metadata["runs"]`` lists each run's file, trial and rejection counts;
        ``metadata["n_rejected"]`` is their total.

    Raises
    ------
    FileFormatError
        ``root`` is missing or holds no EEG recording matching the selection.
    EventError
        Missing events files or ``trial_type`` column, or classes matching no event at all.
    LoaderError
        Runs that cannot be stacked (different sampling rates or coordinates).
    """
    import mne_bids

    root = Path(root)
    if not root.is_dir():
        raise FileFormatError(root, "a BIDS dataset folder", "no such directory")
    subj = _as_list("subjects", subjects)
    sess = _as_list("sessions", sessions)
    tasks = _as_list("task", task)
    run_ids = _as_list("runs", runs)
    if run_ids is not None:
        # BIDS run labels are often zero-padded ("01"); let runs=2 or "2" select "run-02".
        labels = mne_bids.get_entity_vals(root, "run")
        run_ids = [
            next((lab for lab in labels if lab.isdigit() and r.isdigit() and int(lab) == int(r)), r)
            if r not in labels else r
            for r in run_ids
        ]
    paths = mne_bids.find_matching_paths(
        root, subjects=subj, sessions=sess, tasks=tasks, runs=run_ids, datatypes="eeg",
        suffixes="eeg", extensions=list(BIDS_EEG_EXTENSIONS),
    )
    paths = [
        p for p in paths
        if Path(p.fpath).relative_to(root).parts[0] not in ("derivatives", "sourcedata")
    ]
    if not paths:
        available = {
            key: mne_bids.get_entity_vals(root, key)
            for key in ("subject", "session", "task", "run")
        }
        raise FileFormatError(
            root,
            f"EEG recordings ({', '.join(BIDS_EEG_EXTENSIONS)}) matching subjects={subj}, "
            f"sessions={sess}, task={tasks}, runs={run_ids}",
            f"none; the dataset has {', '.join(f'{k}s {v}' for k, v in available.items())}",
        )
    for bp in paths:
        _check_dataset_files(bp, root)
    if event_id is None:
        types = _trial_types(paths, root)
        event_id = {t: [t] for t in types}

    sets: list[TrialSet] = []
    run_meta: list[dict[str, Any]] = []
    for bp in paths:
        caught: list[str] = []
        with _mne_errors(os.fspath(bp.fpath), "a BIDS recording mne-bids can read", caught):
            raw = mne_bids.read_raw_bids(bp, verbose=_mne_verbose(verbose))
        ts = load_eeg(
            raw, event_id, tmin, tmax, baseline=baseline, l_freq=l_freq, h_freq=h_freq,
            resample=resample, reject=reject, bad_channels=bad_channels,
            events_from="annotations", coordinates=coordinates, space=space, montage=montage,
            on_unknown=on_unknown, exclude_non_eeg=exclude_non_eeg, units=units,
            subject=bp.subject or "n/a", session=bp.session or "n/a", run=bp.run or "n/a",
            verbose=verbose, on_missing="ignore",
        )
        sets.append(ts)
        meta = ts.metadata
        run_meta.append({
            "file": os.fspath(bp.fpath), "subject": bp.subject, "session": bp.session,
            "task": bp.task, "run": bp.run, "n_trials": ts.n_trials,
            "class_counts": ts.class_counts(), "n_rejected": meta["n_rejected"],
            "drop_log": meta["drop_log"], "bad_channels": meta["bad_channels"],
            "excluded_channels": meta["excluded_channels"],
            "unknown_channels": meta["unknown_channels"], "warnings": caught + meta["warnings"],
        })
        logger.info("%s: %d trials %s", bp.basename, ts.n_trials, ts.class_counts())

    counts = np.sum([list(ts.class_counts().values()) for ts in sets], axis=0)
    empty = [name for name, n in zip(sets[0].class_names, counts, strict=True) if n == 0]
    if empty:
        raise EventError(
            root, "events for every class of event_id in at least one run",
            f"no trials of {empty} in {len(paths)} runs",
        )
    # One TrialSet holds one channel list: keep the channels every run has, in the first order.
    common = [c for c in sets[0].ch_names if all(c in ts.ch_names for ts in sets[1:])]
    if not common:
        raise LoaderError(root, "channels shared by every run", "none")
    dropped = sorted({c for ts in sets for c in ts.ch_names} - set(common))
    if dropped:
        logger.warning("%s: channels missing from some runs were left out: %s", root, dropped)
        sets = [ts.select(channels=common) for ts in sets]
    try:
        merged = TrialSet.concatenate(sets)
    except ValueError as exc:
        raise LoaderError(
            root, "runs with the same sampling rate, window and coordinates", str(exc),
            "Pass resample= to equalise sampling rates, or coordinates='template'.",
        ) from exc
    meta = {
        **{k: v for k, v in merged.metadata.items() if k not in _PER_RUN_KEYS},
        "source": os.fspath(root),
        "format": "BIDS",
        "event_id": _check_event_id(event_id),
        "runs": run_meta,
        "n_events": int(sum(ts.metadata["n_events"] for ts in sets)),
        "n_rejected": int(sum(m["n_rejected"] for m in run_meta)),
        "dropped_channels": dropped,
    }
    return TrialSet(
        merged.X, merged.y, sfreq=merged.sfreq, ch_names=merged.ch_names, coords=merged.coords,
        space=merged.space, class_names=merged.class_names, tmin=merged.tmin,
        subject=merged.subject, session=merged.session, run=merged.run, metadata=meta,
    )


# Metadata that describes a single run; kept per run in metadata["runs"], not at the top level.
_PER_RUN_KEYS = frozenset({
    "source", "format", "events_from", "n_events", "n_rejected", "drop_log", "rejected_events",
    "rejected_by_channel", "bad_channels", "excluded_channels", "unknown_channels",
    "original_ch_names", "coordinate_sources", "warnings",
})
