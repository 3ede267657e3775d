"""Where the app's trials come from: shipped studies and uploaded recordings.

The server only ever reads two kinds of paths:

- study files in the repository's ``studies/`` folder, chosen by name from a list;
- files the user uploaded, saved under the session's own folder with sanitised names (no path
  parts, no hidden names). A zip archive is checked member by member before it is extracted.

Nothing here computes. An upload is read as ``neucube run`` reads a study: its ``[data]`` and
``[preprocessing]`` sections go through :func:`neucube_study.adapters.load_source`, once; mapping
events to classes afterwards relabels those trials (:func:`neucube_study.adapters.relabel`). Upload
checks are :mod:`data_loaders.uploads`. Errors (:class:`data_loaders.LoaderError`,
:class:`neucube_study.StudyError`) reach the page unchanged, so the user sees the loader's message.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import itertools
import logging
import re
import threading
import warnings
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from data_loaders.formats import UPLOAD_TYPES
from data_loaders.uploads import (
    MAX_EXTRACT_BYTES,
    UploadError,
    UploadPlan,
    extract_zip,
    plan_upload,
    safe_name,
    save_uploads,
)
from neucube.data import TrialSet
from neucube.presets import PREPROCESSING_PRESETS

__all__ = [
    "STUDIES_DIR",
    "UPLOAD_TYPES",
    "Dataset",
    "RecordingOptions",
    "UploadError",
    "UploadPlan",
    "list_studies",
    "load_shipped_study",
    "safe_name",
    "save_uploads",
    "plan_upload",
    "extract_zip",
    "discover_events",
    "event_mapping",
    "load_upload",
    "unknown_channels_report",
    "class_table",
    "subjects_of",
    "default_options",
    "channel_table",
    "captured_warnings",
]

#: Shipped studies: ``<repository>/studies/*.toml``.
STUDIES_DIR = Path(__file__).resolve().parents[2] / "studies"

_counter = itertools.count(1)
_ERP = PREPROCESSING_PRESETS["erp"]


@dataclass(frozen=True)
class Dataset:
    """Trials loaded in a session, with what is needed to describe and re-run the analysis.

    Attributes
    ----------
    trials : TrialSet
        The labelled trials.
    name : str
        Short description shown in the app (study name or file names).
    source : {"study", "eeg", "marker_csv", "neucube_csv"}
        Where the trials came from.
    loader_args : dict
        The study file's ``[data]`` keys: the loader's arguments, file paths as bare names.
    preprocessing : dict
        The study file's ``[preprocessing]`` keys (epoch window, filters, rejection).
    events : dict or None
        Class name -> event codes/descriptions used to cut the trials.
    study : neucube_study.Study or None
        The shipped study (with the overrides chosen in the app).
    files : tuple of str
        Uploaded file names.
    folder : Path or None
        Folder the file names in ``loader_args`` are relative to (uploads only).
    version : int
        Unique id within the server process; results remember the dataset they belong to.
    warnings : tuple of str
        Warnings the loader gave (warnings and log records), shown on the page.
    """

    trials: TrialSet
    name: str
    source: str
    loader_args: dict[str, Any] = field(default_factory=dict)
    preprocessing: dict[str, Any] = field(default_factory=dict)
    events: dict[str, list[Any]] | None = None
    study: Any = None
    files: tuple[str, ...] = ()
    folder: Path | None = None
    version: int = field(default_factory=lambda: next(_counter))
    warnings: tuple[str, ...] = ()


# --------------------------------------------------------------------------- shipped studies
def list_studies(folder: Path = STUDIES_DIR) -> dict[str, Path]:
    """Shipped study files by name (file stem), sorted; empty when the folder is absent."""
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.toml")) if p.is_file()}


def load_shipped_study(
    name: str, *, n_subjects: int | None = None, folder: Path = STUDIES_DIR
) -> Dataset:
    """Load the trials of the shipped study ``name`` (a key of :func:`list_studies`).

    Parameters
    ----------
    name : str
        Study name; any other value is refused, so no arbitrary path is ever read.
    n_subjects : int, optional
        For simulated studies: how many subjects to simulate instead of the study's number (a
        smaller study runs faster).
    folder : Path
        Folder of the study files.

    Returns
    -------
    Dataset
    """
    from neucube_study import load_study
    from neucube_study.runner import load_trials
    from neucube_study.schema import Study

    studies = list_studies(folder)
    if name not in studies:
        raise ValueError(
            f"Unknown study {name!r}; the shipped studies are {', '.join(studies) or '(none)'}."
        )
    study = load_study(studies[name])
    if n_subjects is not None and study.config["data"]["source"] == "simulate":
        config = copy.deepcopy(study.config)
        config["data"]["args"]["n_subjects"] = int(n_subjects)
        study = Study(study.path, config)
    trials = load_trials(study)
    return Dataset(
        trials=trials,
        name=f"{name} (shipped study)",
        source="study",
        loader_args=dict(study.config["data"]["args"]),
        events=study.config.get("events"),
        study=study,
    )


# --------------------------------------------------------------------------- uploads
# --------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class RecordingOptions:
    """Epoching and reading options chosen in the app (units as shown there). The epoch,
    filter, resampling and rejection settings start from the ``erp`` preprocessing preset
    (:data:`neucube.presets.PREPROCESSING_PRESETS`, the shipped N170 study's settings).

    Attributes
    ----------
    tmin, tmax : float
        Trial window around each event, in seconds.
    l_freq, h_freq : float or None
        Band-pass edges in Hz.
    baseline : bool
        Subtract the mean of the pre-stimulus part (``tmin`` to 0 s).
    resample : float or None
        New sampling rate in Hz (EEG files only).
    reject_uv : float or None
        Peak-to-peak rejection threshold: microvolts for EEG files, the file's units for CSV.
    stim_channel : str or None
        Trigger channel stored as a signal (EDF files).
    sfreq : float or None
        Sampling rate for CSV files (NeuCube folders store none; marker CSV may infer it).
    on_unknown : {"drop", "raise"}
        Channels without a known position: leave them out, or stop with the loader's error.
    subject : str or None
        Subject id stored with every trial.
    events : tuple of str
        Events to read before classes are mapped (empty: every event in the file).
    leave_out : tuple of str
        Channels the user left out (the others are kept, in the recording's order).
    """

    tmin: float = _ERP["tmin"]
    tmax: float = _ERP["tmax"]
    l_freq: float | None = _ERP.get("l_freq")
    h_freq: float | None = _ERP.get("h_freq")
    baseline: bool = _ERP.get("baseline") is not None
    resample: float | None = _ERP.get("resample")
    reject_uv: float | None = _ERP.get("reject_uv")
    stim_channel: str | None = None
    sfreq: float | None = None
    on_unknown: str = "drop"
    subject: str | None = None
    events: tuple[str, ...] = ()
    leave_out: tuple[str, ...] = ()

    def event_list(self, kind: str) -> Any:
        """The events to read when none are mapped yet: all (None), or the listed ones.

        Numbers are trigger codes (also matched against numeric annotation texts), other
        entries annotation texts; each becomes its own class.
        """
        if not self.events:
            return None
        values = [int(e) if re.fullmatch(r"-?\d+", e) else e for e in self.events]
        if kind == "marker_csv":
            bad = [v for v in values if isinstance(v, str)]
            if bad:
                raise UploadError(f"CSV markers: expected integer codes; found {bad}.")
            return {str(v): v for v in values}
        return values


def _sections(
    plan: UploadPlan, options: RecordingOptions, coordinates: Path | None, workdir: Path
) -> tuple[dict[str, Any], dict[str, Any], Path]:
    """The study file's ``[data]`` keys (file names relative to the returned folder) and
    ``[preprocessing]`` keys for reading the upload with ``options``, and that folder."""
    if plan.kind == "neucube_csv":
        root = workdir / "extracted"
        folder = extract_zip(plan.paths[0], root, max_bytes=MAX_EXTRACT_BYTES)
        rel = folder.relative_to(root.resolve()).as_posix()
        # The folder's own mapping file (Talairach, as NeuCube writes it) places the channels.
        return {"folder": rel or ".", "sfreq": options.sfreq, "on_unknown": options.on_unknown,
                "exclude_non_eeg": True}, {}, root
    # (tmin, 0) rather than MNE's (None, 0): the same interval, and it can be written to TOML.
    baseline = (options.tmin, 0.0) if options.baseline and options.tmin < 0 else None
    pre = {"tmin": options.tmin, "tmax": options.tmax, "baseline": baseline,
           "l_freq": options.l_freq, "h_freq": options.h_freq, "reject_uv": options.reject_uv}
    coords = {"coordinates": coordinates.name} if coordinates is not None else {}
    if plan.kind == "marker_csv":
        if options.resample:
            pre["resample"] = options.resample
        return {"path": [p.name for p in plan.paths], "sfreq": options.sfreq,
                "subject": options.subject, "on_unknown": options.on_unknown,
                **coords}, pre, plan.paths[0].parent
    return {"path": plan.paths[0].name, "stim_channel": options.stim_channel or None,
            "on_unknown": options.on_unknown, **coords}, {**pre, "resample": options.resample}, \
        plan.paths[0].parent


def _read(
    plan: UploadPlan,
    options: RecordingOptions,
    events: Mapping[str, list[int | str]] | None,
    coordinates: Path | None,
    workdir: Path,
) -> tuple[TrialSet, dict[str, Any], dict[str, Any], Path]:
    """Read the upload as ``neucube run`` reads the study file written for it.

    The ``[data]`` and ``[preprocessing]`` sections of :func:`_sections` go through
    :func:`neucube_study.adapters.load_source`, the study runner's own loader; the channels the
    user left out are then dropped as its ``preprocessing.channels``. Returns the trials, the two
    sections (channels included) and the folder the section's file names are relative to.
    """
    from neucube_study.adapters import load_source
    from neucube_study.sources import SOURCES

    data, pre, folder = _sections(plan, options, coordinates, workdir)
    args = {k: f.default for k, f in SOURCES[plan.kind].fields.items()
            if not f.required and f.default is not None}
    args.update({k: v for k, v in data.items() if v is not None})
    primary = SOURCES[plan.kind].primary
    args[primary] = ([str(folder / n) for n in data[primary]] if isinstance(data[primary], list)
                     else str(folder / data[primary]))
    if coordinates is not None:
        args["coordinates"] = str(coordinates)
    trials = load_source(plan.kind, args, preprocessing=pre, events=events, seed=0)
    if options.subject is not None and plan.kind == "eeg":
        trials = trials.replace(subject=[options.subject] * trials.n_trials)
    elif plan.kind == "eeg":
        trials = trials.replace(subject=None)  # the file name is no subject id here
    trials, pre = _leave_out(trials, options, pre)
    return trials, data, pre, folder


def _leave_out(
    trials: TrialSet, options: RecordingOptions, pre: dict[str, Any]
) -> tuple[TrialSet, dict[str, Any]]:
    """Drop the channels the user left out, as the study's ``preprocessing.channels``."""
    from neucube_study.adapters import apply_preprocessing

    if options.leave_out:
        keep = [c for c in trials.ch_names if c not in set(options.leave_out)]
        if not keep:
            raise UploadError(
                f"Channels: expected at least one channel kept; found all {len(trials.ch_names)} "
                "left out."
            )
        if len(keep) < trials.n_channels:
            trials = apply_preprocessing(trials, {"channels": keep}, done=tuple(pre))
            pre = {**pre, "channels": keep}
    return trials, pre


def _map_events(
    found: TrialSet,
    plan: UploadPlan,
    options: RecordingOptions,
    events: Mapping[str, list[int | str]],
    coordinates: Path | None,
    workdir: Path,
) -> tuple[TrialSet, dict[str, Any], dict[str, Any], Path]:
    """The trials of :func:`discover_events` with ``events`` mapped to classes, as :func:`_read`
    returns them, without reading the files again.

    Every event was epoched on its own, so mapping selects and renames those trials
    (:func:`neucube_study.adapters.relabel`); the trials left out are counted in the drop log.
    """
    from neucube_study.adapters import relabel

    data, pre, folder = _sections(plan, options, coordinates, workdir)
    trials = relabel(found, events)
    meta = {k: v for k, v in found.metadata.items() if k not in ("load_warnings", "read_with")}
    unmapped = found.n_trials - trials.n_trials
    if unmapped:
        meta["drop_log"] = {**(meta.get("drop_log") or {}), "IGNORED": unmapped}
    trials = trials.replace(metadata={**meta, "event_id": {k: list(v) for k, v in events.items()}})
    trials, pre = _leave_out(trials, options, pre)
    return trials, data, pre, folder


def discover_events(
    plan: UploadPlan, options: RecordingOptions, *, workdir: Path,
    coordinates: Path | None = None,
) -> TrialSet:
    """Read the upload with every distinct event (or each listed one) as its own class.

    The class names and counts of the returned trials are the events the user can map to
    classes.
    """
    with captured_warnings() as caught:
        listed = options.event_list(plan.kind)
        if listed is not None:  # each listed event its own class, as [events] spells it
            listed = {str(v): [v] for v in (listed.values() if isinstance(listed, dict)
                                              else listed)}
        trials, _, _, _ = _read(plan, options, listed, coordinates, workdir)
    return trials.with_metadata(load_warnings=_merge_warnings(trials, caught),
                                read_with=dataclasses.replace(options, leave_out=()))


def event_mapping(
    assignments: Mapping[str, str], *, kind: str, events_from: str | None
) -> dict[str, list[int | str]]:
    """Class name -> event values from ``{event label: class name}`` chosen in the app.

    Event labels read from a trigger channel or CSV markers are codes, given back to the
    loader as integers; annotation labels stay text. Several events may share a class, except
    for CSV markers (one code per class).
    """
    numeric = kind == "marker_csv" or events_from == "stim"
    out: dict[str, list[int | str]] = {}
    for event, cls in assignments.items():
        cls = str(cls).strip()
        if not cls:
            raise UploadError(f"Event {event!r}: expected a class name; found an empty name.")
        value: int | str = int(event) if numeric and re.fullmatch(r"-?\d+", event) else event
        out.setdefault(cls, []).append(value)
    if not out:
        raise UploadError("Choose at least one event type to cut trials from.")
    if kind == "marker_csv":
        merged = {c: v for c, v in out.items() if len(v) > 1}
        if merged:
            raise UploadError(
                "CSV markers: expected one marker code per class; found "
                + "; ".join(f"{c!r} <- {v}" for c, v in merged.items())
                + ". Give each code its own class name."
            )
    return out


def load_upload(
    plan: UploadPlan,
    options: RecordingOptions,
    events: Mapping[str, list[int | str]] | None,
    *,
    workdir: Path,
    coordinates: Path | None = None,
    discovered: TrialSet | None = None,
) -> Dataset:
    """Load the uploaded recording as labelled trials, with ``events`` mapped to classes.

    ``discovered``: the trials :func:`discover_events` read. When they were read with these
    ``options`` (the channels left out aside), the events are mapped on them and the files are
    not read again; otherwise the files are read with the new options.
    """
    same = (discovered is not None and events is not None
            and discovered.metadata.get("read_with") == dataclasses.replace(options, leave_out=()))
    with captured_warnings() as caught:
        if same:
            assert discovered is not None and events is not None
            trials, args, pre, folder = _map_events(discovered, plan, options, events,
                                                    coordinates, workdir)
            caught.extend(discovered.metadata.get("load_warnings") or [])
        else:
            trials, args, pre, folder = _read(plan, options, events, coordinates, workdir)
    if plan.kind == "neucube_csv":
        events = None
    return Dataset(
        trials=trials,
        name=", ".join(plan.names[:3]) + (" …" if len(plan.names) > 3 else ""),
        source=plan.kind,
        loader_args=args,
        preprocessing=pre,
        events=None if events is None else {k: list(v) for k, v in events.items()},
        files=plan.names + ((coordinates.name,) if coordinates is not None else ()),
        folder=folder,
        warnings=tuple(_merge_warnings(trials, caught)),
    )


def unknown_channels_report(trials: TrialSet) -> str | None:
    """The loader's message on channels without a position (with suggested names), if any."""
    from data_loaders import ChannelError, locate_channels

    unknown = list(trials.metadata.get("unknown_channels") or [])
    if not unknown:
        return None
    try:
        locate_channels(unknown, on_unknown="raise", source="this recording")
    except ChannelError as exc:
        return str(exc)
    return None


def class_table(trials: TrialSet) -> list[dict[str, Any]]:
    """Trials per class, for display."""
    counts = trials.class_counts()
    n = max(trials.n_trials, 1)
    return [{"class": c, "trials": int(k), "share": f"{100 * k / n:.0f} %"}
            for c, k in counts.items()]


def subjects_of(trials: TrialSet) -> list[str]:
    """Distinct subject ids (empty when the trials carry none)."""
    return [] if trials.subject is None else [str(s) for s in np.unique(trials.subject)]


# --------------------------------------------------------------------------- defaults
def default_options(**changes: Any) -> RecordingOptions:
    """Reading options an uploaded recording starts from (the ``erp`` preset), with
    ``changes``."""
    return RecordingOptions(**changes)


# --------------------------------------------------------------------------- warnings
#: Loggers whose WARNING records a load shows on the page. ``py.warnings`` receives Python
#: warnings once :func:`logging.captureWarnings` is on (Brian2 turns it on when imported).
_WARNING_LOGGERS = ("data_loaders", "mne", "neucube_study", "py.warnings")
_PY_WARNING_RE = re.compile(r"^.*?:\d+: \w*Warning: (.*?)(?:\n  .*)?$", re.DOTALL)


@contextlib.contextmanager
def captured_warnings() -> Iterator[list[str]]:
    """Collect the warnings and WARNING log records a load raises in this thread.

    Log records are filtered by thread, so sessions loading at the same time keep their own.
    Python's ``warnings`` filters are process-global: a warning another session raises at the
    same moment may land in this list too (it is only shown, never acted on).
    """
    out: list[str] = []
    thread = threading.get_ident()

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.thread == thread:
                text = str(record.getMessage()).rstrip()
                if record.name == "py.warnings":
                    match = _PY_WARNING_RE.match(text)
                    text = match.group(1) if match else text
                out.append(text)

    handler = _Collect(logging.WARNING)
    loggers = [logging.getLogger(name) for name in _WARNING_LOGGERS]
    for lg in loggers:
        lg.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield out
    finally:
        for lg in loggers:
            lg.removeHandler(handler)
    out.extend(str(w.message) for w in caught)


def _merge_warnings(trials: TrialSet, caught: Iterable[str]) -> list[str]:
    """The loader's own warning list and the caught ones, each once, in order."""
    seen: dict[str, None] = {}
    for text in [*(trials.metadata.get("warnings") or []), *caught]:
        text = " ".join(str(text).split())
        if text:
            seen.setdefault(text, None)
    return list(seen)


# --------------------------------------------------------------------------- channels
def channel_table(trials: TrialSet) -> list[dict[str, Any]]:
    """One row per channel of the recording: used or not, why, and where its position is from.

    Rows: the channels in the trials (``use`` True), then those the loader left out as
    non-EEG, without a known position (with close 10-05 names) or marked bad.
    """
    from data_loaders import suggest_channel_names

    meta = trials.metadata
    sources = meta.get("coordinate_sources") or {}
    coords = trials.coords
    rows: list[dict[str, Any]] = []
    for k, name in enumerate(trials.ch_names):
        where = {"template": "standard 10-05 position", "file": "stored in the file",
                 "user": "your position file"}.get(sources.get(name), "")
        if coords is None:
            where = "no position (inputs spread over the cube)"
        xyz = "" if coords is None else ", ".join(f"{v:.0f}" for v in coords[k])
        rows.append({"use": True, "channel": name, "kind": "EEG", "position": where,
                     "x, y, z (mm)": xyz, "note": ""})
    listed = set(trials.ch_names)
    for name in meta.get("excluded_channels") or []:
        if name not in listed:
            listed.add(name)
            rows.append({"use": False, "channel": name, "kind": "not EEG (by its name)",
                         "position": "", "x, y, z (mm)": "",
                         "note": "auxiliary, eye, heart, muscle, trigger or motion signal"})
    for name in meta.get("unknown_channels") or []:
        if name not in listed:
            listed.add(name)
            sug = suggest_channel_names(name)
            rows.append({"use": False, "channel": name, "kind": "no known position",
                         "position": "", "x, y, z (mm)": "",
                         "note": (f"did you mean {' or '.join(sug)}?" if sug
                                  else "give its position in an electrode position file")})
    for name in meta.get("bad_channels") or []:
        if name not in listed:
            listed.add(name)
            rows.append({"use": False, "channel": name, "kind": "marked bad", "position": "",
                         "x, y, z (mm)": "", "note": "bad or flat in the recording"})
    return rows
