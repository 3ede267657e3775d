"""Data sources of a study: what ``[data]`` may say for each ``source``, and how it is loaded.

=================  ==================================================================  ===========
source             reads                                                               main path
=================  ==================================================================  ===========
``simulate``       the built-in familiarity EEG simulator                              -
``eeg``            an EEG file, a list of files or a folder of files, any format       ``path``
                   :func:`data_loaders.load_eeg` reads
``bids``           an EEG-BIDS dataset (:func:`data_loaders.load_bids`)                ``root``
``neucube_csv``    a NeuCube CSV folder (:func:`data_loaders.load_neucube_csv`)        ``folder``
``marker_csv``     continuous CSV with a marker column (:func:`data_loaders.load_marker_csv`)  ``path``
``fmri``           4-D NIfTI runs with events or per-volume labels                     ``bold``
                   (:func:`data_loaders.load_fmri`)
``simulate_fmri``  a simulated block-design session written as NIfTI to a temporary    -
                   folder (:mod:`app.study.simulate_fmri`), then read with ``load_fmri``
=================  ==================================================================  ===========

``--data PATH`` replaces the main path (:func:`retarget`). On ``simulate``, ``eeg`` and ``bids``
studies it runs the same analysis on recordings: a BIDS root (a folder with
``dataset_description.json``) is read as ``bids``, anything else as ``eeg``. On ``fmri`` and
``simulate_fmri`` studies it names a NIfTI file or a folder of NIfTI runs, each with its BIDS
``events.tsv`` beside it.

Preprocessing (``[preprocessing]``) is done by the loader when it can (filtering continuous EEG
before epoching, MNE's epoch window, baseline and rejection), otherwise on the loaded trials
(:func:`apply_preprocessing`). Classes come from ``[events]``: passed to the loader as its
``event_id`` where it has one, otherwise used to rename and select the loaded labels
(:func:`relabel`).
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from app.study import _fields as f
from app.study._fields import Field, StudyError, show
from app.study.patterns import compile_pattern
from app.study.patterns import search as pattern_search
from neucube.data import TrialSet

__all__ = [
    "Source",
    "SOURCES",
    "retarget",
    "load_source",
    "apply_preprocessing",
    "relabel",
    "eeg_files",
    "NATIVE_PREPROCESSING",
]

logger = logging.getLogger(__name__)

_NONE = "none"  # TOML has no null: "none" stands for None where a loader takes it


def _none_or(inner: f.Check) -> f.Check:
    def check(key: str, v: Any) -> Any:
        return None if v == _NONE else inner(key, v)

    return check


def _ids(key: str, v: Any) -> Any:
    """BIDS entity ids: a string or integer, or a list of them."""
    def one(k: str, x: Any) -> str | int:
        if isinstance(x, bool) or not isinstance(x, str | int):
            raise StudyError(f"{k}: expected an id (string or integer), got {show(x)}")
        return x

    return f.one_or_list(one)(key, v)


def _glob(key: str, v: Any) -> str:
    """A glob relative to the data folder: no absolute path, no ``..`` climbing out of it."""
    v = f.string(key, v)
    parts = re.split(r"[\\/]", v)
    if v.startswith(("/", "\\")) or ".." in parts or "\x00" in v:
        raise StudyError(f"{key}: expected a glob of file names inside the data folder (such as "
                         f"\"*.vhdr\" or \"sub-*_eeg.edf\"), got {show(v)}, which leaves it")
    return v


def _regex(key: str, v: Any) -> str:
    """A regular expression: compiled here so a bad one is reported with the study's key."""
    compile_pattern(key, v)
    return v


_COORDS_EEG = Field(_none_or(f.string), "auto", '"auto", "file", "template", "none" or a CSV of name,x,y,z',
                    path="file", keywords=("auto", "file", "template", _NONE))
_SPACE_EEG = Field(f.choice("mni", "talairach"), "mni", "space of the channel coordinates")
_EEG_COMMON: dict[str, Field] = {
    "bad_channels": Field(f.list_of(f.string), None, "channels to drop"),
    "montage": Field(f.string, "colin27_1005", "template montage for channel names"),
    "on_unknown": Field(f.choice("raise", "drop", "ignore"), "raise", "channels without a position"),
    "exclude_non_eeg": Field(f.boolean, True, "leave out EOG/ECG/EMG/trigger channels"),
    "units": Field(f.choice("uV", "V"), "uV", "units of the trials"),
    "space": _SPACE_EEG,
}


@dataclass(frozen=True)
class Source:
    """One data source: its ``[data]`` keys, main path key, and loader.

    Attributes
    ----------
    fields : dict of str to Field
        Keys ``[data]`` accepts (besides ``source``).
    primary : str or None
        The key ``--data`` replaces (None: the source generates its data).
    loader : str
        Name of the function in :mod:`app.study.sources` that loads it.
    doc : str
        One line for the schema reference.
    """

    fields: dict[str, Field]
    primary: str | None
    loader: str
    doc: str


SOURCES: dict[str, Source] = {
    "simulate": Source({
        "n_subjects": Field(f.integer(1), 5, "simulated subjects"),
        "effect_size": Field(f.number(0), 1.0, "Cohen's d of the familiarity effect at its peak"),
        "seed": Field(f.integer(0), None, "seed of the simulation (default: the study seed)"),
        "n_trials_per_class": Field(f.integer(1), 40, "trials per class and subject"),
        "sfreq": Field(f.number(0, strict=True), 128.0, "sampling rate in Hz"),
        "tmin": Field(f.number(), -0.1, "epoch start in s"),
        "tmax": Field(f.number(), 0.8, "epoch end in s"),
        "ch_names": Field(f.list_of(f.string, min_len=1), None, "10-20 channel names"),
        "noise_uv": Field(f.number(0, strict=True), 10.0, "background EEG SD in uV"),
    }, None, "_load_simulate", "simulated familiarity EEG (data_loaders.simulate_familiarity)"),
    "eeg": Source({
        "path": Field(f.one_or_list(f.string), doc="an EEG file, a list of files or a folder of files",
                      path="any"),
        "pattern": Field(_glob, "", "glob of the files to read in a folder (default: every EEG file)"),
        "subject_pattern": Field(_regex, r"sub-([A-Za-z0-9]+)",
                                 "regular expression whose first group is the subject id in a file name "
                                 "(default BIDS-style sub-XX; the file name without extension otherwise)"),
        "stim_channel": Field(f.string, None, "trigger channel stored as a signal"),
        "events_from": Field(f.choice("auto", "stim", "annotations"), "auto", "where events come from"),
        "coordinates": _COORDS_EEG,
        "on_missing": Field(f.choice("raise", "warn", "ignore"), "raise", "a class matching no event in a file"),
        **_EEG_COMMON,
    }, "path", "_load_eeg", "EEG recordings in any format MNE reads (data_loaders.load_eeg)"),
    "bids": Source({
        "root": Field(f.string, doc="the BIDS root (folder with dataset_description.json)", path="folder"),
        "subjects": Field(_ids, None, "subject ids (without sub-); default all"),
        "sessions": Field(_ids, None, "session ids; default all"),
        "task": Field(_ids, None, "task(s); default all"),
        "runs": Field(_ids, None, "run ids; default all"),
        "coordinates": Field(_none_or(f.string), "template", '"template", "auto", "file", "none" or a CSV',
                             path="file", keywords=("auto", "file", "template", _NONE)),
        **_EEG_COMMON,
    }, "root", "_load_bids", "an EEG-BIDS dataset (data_loaders.load_bids)"),
    "neucube_csv": Source({
        "folder": Field(f.string, doc="folder of sam*_*.csv and tar_class_labels.csv", path="folder"),
        "sfreq": Field(f.number(0, strict=True), None, "sampling rate in Hz (not stored in the files)"),
        "coordinates": Field(_none_or(f.string), "auto", '"auto", "none" or a mapping CSV', path="file",
                             keywords=("auto", _NONE)),
        "space": Field(f.choice("talairach", "mni", "grid", "native"), "talairach", "space of the coordinates"),
        "on_unknown": Field(f.choice("raise", "drop", "ignore"), "ignore",
                            "features without a position (named features, no mapping file)"),
        "exclude_non_eeg": Field(f.boolean, False, "leave out AUX/EOG/ECG/EMG/trigger features"),
    }, "folder", "_load_neucube_csv", "a NeuCube CSV folder (data_loaders.load_neucube_csv)"),
    "marker_csv": Source({
        "path": Field(f.one_or_list(f.string), doc="a CSV file, a list of runs or a folder of .csv/.csv.gz",
                      path="any"),
        "sfreq": Field(f.number(0, strict=True), None, "sampling rate in Hz (default: from timestamps)"),
        "marker_column": Field(f.string, None, "marker column (default: found by name)"),
        "time_column": Field(f.string, None, "time column (default: found by name)"),
        "time_unit": Field(f.choice("s", "ms"), "s", "unit of the time column"),
        "channels": Field(f.list_of(f.string, min_len=1), None, "channel columns to read"),
        "coordinates": Field(_none_or(f.string), "auto", '"auto", "none" or a CSV of name,x,y,z', path="file",
                             keywords=("auto", _NONE)),
        "space": _SPACE_EEG,
        "on_unknown": Field(f.choice("raise", "drop", "ignore"), "raise", "channels without a position"),
        "exclude_non_eeg": Field(f.boolean, True, "leave out AUX/EOG/ECG/EMG/trigger/motion columns"),
        "subject": Field(f.string, None, "subject id of every trial"),
    }, "path", "_load_marker_csv", "continuous CSV with a marker column (data_loaders.load_marker_csv)"),
    "fmri": Source({
        "bold": Field(f.one_or_list(f.string), doc="4-D NIfTI file, or one per run", path="file"),
        "events": Field(f.one_or_list(f.string), None, "BIDS events.tsv, one per run", path="file"),
        "labels": Field(f.one_or_list(f.string), None, "per-volume label file(s), one per run", path="file"),
        "mask": Field(f.string, None, '"epi" (default), "all" or a 3-D mask NIfTI', path="file", keywords=("epi", "all")),
        "tr": Field(f.number(0, strict=True), None, "repetition time in s (default: the header's)"),
        "rest": Field(f.one_or_list(f.string), ["rest", "baseline"], "labels that form no trial"),
        "hrf_shift": Field(f.number(0), 0.0, "seconds added to event onsets for the haemodynamic delay"),
        "trial_volumes": Field(f.integer(1), None, "volumes per trial (default: the shortest trial)"),
        "detrend": Field(f.boolean, False, "remove a linear trend per voxel and run"),
        "standardize": Field(f.boolean, False, "z-score each voxel per run"),
        "reduce": Field(f.integer(1), None, "average k x k x k voxel blocks into one channel"),
        "space": Field(f.choice("auto", "mni", "talairach", "native"), "auto", "space of the voxel coordinates"),
    }, "bold", "_load_fmri", "4-D NIfTI with events or labels (data_loaders.load_fmri)"),
    "simulate_fmri": Source({
        "n_runs": Field(f.integer(1), 4, "runs"),
        "n_blocks": Field(f.integer(1), 5, "blocks of each condition per run"),
        "block_volumes": Field(f.integer(2), 8, "volumes per block"),
        "rest_volumes": Field(f.integer(1), 6, "volumes of rest after each block"),
        "tr": Field(f.number(0, strict=True), 2.0, "repetition time in s"),
        "voxel_mm": Field(f.number(2), 8.0, "voxel size in mm (a multiple of 2)"),
        "effect_size": Field(f.number(0), 1.0, "preferred-condition response in noise SDs"),
        "noise": Field(f.number(0, strict=True), 1.0, "noise SD in percent of the signal"),
        "seed": Field(f.integer(0), None, "seed of the simulation (default: the study seed)"),
        # Reading it back (as for a user's NIfTI with --data):
        "hrf_shift": Field(f.number(0), 4.0, "seconds added to event onsets for the haemodynamic delay"),
        "trial_volumes": Field(f.integer(1), None, "volumes per trial"),
        "detrend": Field(f.boolean, True, "remove a linear trend per voxel and run"),
        "standardize": Field(f.boolean, True, "z-score each voxel per run"),
        "reduce": Field(f.integer(1), 2, "average k x k x k voxel blocks into one channel"),
    }, None, "_load_simulate_fmri", "simulated block-design fMRI NIfTI (app.study.simulate_fmri)"),
}

#: Keys of the generator of ``simulate_fmri`` (dropped when ``--data`` names real files).
_SIMULATE_FMRI_ONLY = ("n_runs", "n_blocks", "block_volumes", "rest_volumes", "tr", "voxel_mm",
                       "effect_size", "noise", "seed")

#: ``[preprocessing]`` keys each loader applies itself (the others are applied to the trials).
NATIVE_PREPROCESSING: dict[str, tuple[str, ...]] = {
    "eeg": ("tmin", "tmax", "baseline", "l_freq", "h_freq", "resample", "reject_uv"),
    "bids": ("tmin", "tmax", "baseline", "l_freq", "h_freq", "resample", "reject_uv"),
    "marker_csv": ("tmin", "tmax", "baseline", "l_freq", "h_freq", "reject_uv"),
}


# ------------------------------------------------------------------------------ --data
def _bids_root(path: Path) -> bool:
    return path.is_dir() and (path / "dataset_description.json").is_file()


def _fmri_companions(data: Path) -> tuple[list[str], list[str]]:
    """NIfTI runs named by ``--data`` and the BIDS events file beside each (inside its folder)."""
    from data_loaders._paths import inside

    if data.is_dir():
        bolds = sorted(p for p in data.iterdir() if p.name.endswith((".nii", ".nii.gz"))
                       and "_mask" not in p.name)
        if not bolds:
            raise StudyError(f"--data: expected a NIfTI file or a folder of NIfTI runs, got {data} "
                             "(no .nii or .nii.gz file in it)")
    else:
        bolds = [data]
    events = []
    for bold in bolds:
        stem = bold.name[: -len(".nii.gz")] if bold.name.endswith(".nii.gz") else bold.stem
        base = stem[: -len("_bold")] if stem.endswith("_bold") else stem
        candidates = [bold.with_name(f"{base}_events.tsv"), bold.with_name(f"{stem}_events.tsv"),
                      bold.with_name(f"{stem}.tsv")]
        found = next((c for c in candidates if c.is_file()), None)
        if found is not None and not inside(found, bold.parent):
            raise StudyError(f"--data: expected the events file {found.name} inside the folder of "
                             f"{bold.name}; found a link that resolves outside it")
        if found is None:
            raise StudyError(
                f"--data: expected a BIDS events file beside {bold} (one of "
                f"{', '.join(c.name for c in dict.fromkeys(candidates))}), but none exists"
            )
        events.append(str(found))
    return [str(b) for b in bolds], events


def retarget(source: str, raw_args: Mapping[str, Any], data: str | Path) -> tuple[str, dict[str, Any]]:
    """The source and raw ``[data]`` arguments with ``--data`` replacing the main path.

    Parameters
    ----------
    source : str
        The study's data source.
    raw_args : mapping
        Its ``[data]`` keys (not yet validated).
    data : path-like
        The ``--data`` path (relative to the current folder).

    Returns
    -------
    (str, dict)
        The source to use and its raw arguments, with the path absolute. Arguments of the study
        that do not apply to the new source (e.g. simulation settings) are left out.

    Raises
    ------
    StudyError
        If ``data`` does not exist or lacks a companion file.
    """
    path = Path(data).expanduser().resolve()
    if not path.exists():
        raise StudyError(f"--data: expected an existing file or folder, got {show(str(data))} "
                         f"(resolved to {path})")
    args = dict(raw_args)
    if source in ("simulate", "eeg", "bids"):
        target = "bids" if _bids_root(path) else "eeg"
        primary = SOURCES[target].primary
        old_primary = SOURCES[source].primary
        kept = {k: v for k, v in args.items() if k in SOURCES[target].fields and k != old_primary}
        dropped = sorted(set(args) - set(kept) - {old_primary})
        if dropped:
            logger.info("--data: %s recordings; study keys not used for them: %s", target,
                        ", ".join(f"data.{k}" for k in dropped))
        return target, {**kept, primary: str(path)}
    if source in ("fmri", "simulate_fmri"):
        bolds, events = _fmri_companions(path)
        if source == "simulate_fmri":
            # The study's read-back settings (its defaults included) apply to the user's files.
            defaults = {k: fld.default for k, fld in SOURCES[source].fields.items()
                        if k not in _SIMULATE_FMRI_ONLY and fld.default is not None}
            args = {**defaults, **args}
        kept = {k: v for k, v in args.items()
                if k in SOURCES["fmri"].fields and k not in ("bold", "events", "labels")
                and not (source == "simulate_fmri" and k in _SIMULATE_FMRI_ONLY)}
        return "fmri", {**kept, "bold": bolds, "events": events}
    primary = SOURCES[source].primary
    assert primary is not None
    return source, {**args, primary: str(path)}


# ------------------------------------------------------------------------------ loading
def eeg_files(path: str | list[str], pattern: str = "") -> list[Path]:
    """The EEG recordings named by ``path``: a file, a list of files, or every recording in a folder.

    In a folder, companion files are skipped: a BrainVision ``.eeg`` beside its ``.vhdr``, a
    Nicolet ``.head`` beside its ``.data``. ``pattern`` may not leave the folder (``..``).
    """
    from data_loaders.eeg import SUPPORTED_EXTENSIONS

    if pattern:
        _glob("data.pattern", pattern)

    out: list[Path] = []
    for item in [path] if isinstance(path, str) else path:
        p = Path(item)
        if not p.is_dir() or p.suffix.lower() == ".mff":
            out.append(p)
            continue
        entries = sorted(p.glob(pattern) if pattern else p.iterdir())
        for q in entries:
            name = q.name.lower()
            ext = ".fif.gz" if name.endswith(".fif.gz") else q.suffix.lower()
            if ext not in SUPPORTED_EXTENSIONS or q.name.startswith("."):
                continue
            if ext == ".eeg" and (q.with_suffix(".vhdr").exists() or q.with_suffix(".ahdr").exists()):
                continue
            if ext == ".head" and q.with_suffix(".data").exists():
                continue
            out.append(q)
        if not any(o.parent == p for o in out):
            raise StudyError(
                f"data.path: expected EEG recordings in the folder {p}"
                + (f" matching {show(pattern)}" if pattern else "")
                + f" (extensions {', '.join(SUPPORTED_EXTENSIONS)}), but there are none"
            )
    return out


def _subject_of(path: Path, pattern: str) -> str:
    """The subject id in a file name: ``data.subject_pattern``'s first group (bounded match)."""
    match = pattern_search("data.subject_pattern", pattern, path.name) if pattern else None
    if match:
        return match.group(1) if match.groups() else match.group(0)
    name = path.name
    for ext in (".fif.gz", path.suffix):
        if ext and name.lower().endswith(ext.lower()):
            return name[: -len(ext)]
    return name


def _loader_preprocessing(pre: Mapping[str, Any], source: str) -> dict[str, Any]:
    """``[preprocessing]`` keys as the loader's own arguments."""
    out: dict[str, Any] = {}
    native = NATIVE_PREPROCESSING.get(source, ())
    for key in native:
        value = pre.get(key)
        if value is None:
            continue
        if key == "reject_uv":
            # load_eeg/load_bids take MNE's volts; marker CSV files are in their own units (uV).
            out["reject"] = value * 1e-6 if source in ("eeg", "bids") else value
        elif key == "baseline":
            out["baseline"] = tuple(value)
        else:
            out[key] = value
    return out


def _plain(args: Mapping[str, Any]) -> dict[str, Any]:
    """Arguments with the study's ``"none"`` spelled as None."""
    return {k: (None if v == _NONE else v) for k, v in args.items()}


def _load_simulate(args: dict[str, Any], pre: Mapping[str, Any], events: Any, seed: int,
                   progress: Callable[[int, int], None]) -> TrialSet:
    from data_loaders.simulate import simulate_familiarity

    args = {k: v for k, v in args.items() if v is not None or k != "seed"}
    args.setdefault("seed", seed)
    return simulate_familiarity(**args)


def _load_eeg(args: dict[str, Any], pre: Mapping[str, Any], events: Any, seed: int,
              progress: Callable[[int, int], None]) -> TrialSet:
    from data_loaders.eeg import load_eeg

    args = _plain(args)
    files = eeg_files(args.pop("path"), args.pop("pattern") or "")
    subject_pattern = args.pop("subject_pattern")
    extra = _loader_preprocessing(pre, "eeg")
    sets = []
    for k, file in enumerate(files):
        logger.info("reading %s", file)
        sets.append(load_eeg(str(file), event_id=events, subject=_subject_of(file, subject_pattern),
                             **extra, **args))
        progress(k + 1, len(files))
    if len(sets) == 1:
        return sets[0]
    try:
        return TrialSet.concatenate(sets)
    except ValueError as exc:
        raise StudyError(f"data.path: the {len(files)} recordings cannot be pooled into one set "
                         f"of trials: {exc}") from exc


def _load_bids(args: dict[str, Any], pre: Mapping[str, Any], events: Any, seed: int,
               progress: Callable[[int, int], None]) -> TrialSet:
    from data_loaders.bids import load_bids

    args = _plain(args)
    return load_bids(args.pop("root"), event_id=events, **_loader_preprocessing(pre, "bids"), **args)


def _load_neucube_csv(args: dict[str, Any], pre: Mapping[str, Any], events: Any, seed: int,
                      progress: Callable[[int, int], None]) -> TrialSet:
    from data_loaders.neucube_csv import load_neucube_csv

    args = _plain(args)
    return load_neucube_csv(args.pop("folder"), **args)


def _load_marker_csv(args: dict[str, Any], pre: Mapping[str, Any], events: Any, seed: int,
                     progress: Callable[[int, int], None]) -> TrialSet:
    from data_loaders.marker_csv import load_marker_csv

    args = _plain(args)
    paths: list[str] = []
    for item in [args.pop("path")] if isinstance(args.get("path"), str) else args.pop("path"):
        p = Path(item)
        if p.is_dir():
            found = sorted(str(q) for q in p.iterdir() if q.name.lower().endswith((".csv", ".csv.gz")))
            if not found:
                raise StudyError(f"data.path: expected .csv or .csv.gz files in the folder {p}, "
                                 "but there are none")
            paths += found
        else:
            paths.append(str(p))
    event_id = None
    if events is not None:
        event_id = {}
        for name, codes in events.items():
            if len(codes) != 1 or isinstance(codes[0], str):
                raise StudyError(f"events.{name}: the marker_csv source takes one integer marker "
                                 f"code per class, got {show(codes)}")
            event_id[name] = codes[0]
    return load_marker_csv(paths if len(paths) > 1 else paths[0], event_id=event_id,
                           **_loader_preprocessing(pre, "marker_csv"), **args)


def _load_fmri(args: dict[str, Any], pre: Mapping[str, Any], events: Any, seed: int,
               progress: Callable[[int, int], None]) -> TrialSet:
    from data_loaders.fmri import load_fmri

    args = _plain(args)
    if (args.get("events") is None) == (args.get("labels") is None):
        raise StudyError("data: the fmri source needs exactly one of data.events (BIDS events.tsv) "
                         "and data.labels (per-volume labels)")
    bold = args.pop("bold")
    return load_fmri(bold, **args)


def _load_simulate_fmri(args: dict[str, Any], pre: Mapping[str, Any], events: Any, seed: int,
                        progress: Callable[[int, int], None]) -> TrialSet:
    from app.study.simulate_fmri import simulate_block_fmri
    from data_loaders.fmri import load_fmri

    gen = {k: args[k] for k in _SIMULATE_FMRI_ONLY if k in args}
    if gen.get("seed") is None:
        gen["seed"] = seed
    read = {k: v for k, v in args.items() if k not in _SIMULATE_FMRI_ONLY}
    # The NIfTI files only live while they are read: the trials are in memory afterwards.
    with tempfile.TemporaryDirectory(prefix="neucube-fmri-") as folder:
        design = simulate_block_fmri(folder, **gen)
        logger.info("simulated %d fMRI runs (%d voxels in the mask) in %s", len(design.bold),
                    design.ground_truth["n_voxels_in_mask"], folder)
        trials = load_fmri([str(p) for p in design.bold], events=[str(p) for p in design.events],
                           mask=str(design.mask), tr=design.tr, **read)
    return trials.with_metadata(ground_truth=design.ground_truth)


def load_source(
    source: str,
    args: Mapping[str, Any],
    *,
    preprocessing: Mapping[str, Any],
    events: Mapping[str, list[int | str]] | None,
    seed: int,
    progress: Callable[[int, int], None] | None = None,
) -> TrialSet:
    """Load a validated data source, apply the preprocessing and the event mapping.

    Parameters
    ----------
    source : str
        A key of :data:`SOURCES`.
    args : mapping
        Its validated ``[data]`` arguments.
    preprocessing : mapping
        The validated ``[preprocessing]`` section.
    events : mapping or None
        The ``[events]`` mapping (class -> codes or descriptions).
    seed : int
        The study seed (the simulators' default seed).
    progress : callable, optional
        ``progress(done, total)`` after each file of a multi-file source.

    Returns
    -------
    TrialSet
    """
    loader = globals()[SOURCES[source].loader]
    native = source in NATIVE_PREPROCESSING
    trials = loader(dict(args), preprocessing, events if native else None, seed,
                    progress or (lambda done, total: None))
    if not native and events is not None:
        trials = relabel(trials, events)
    return apply_preprocessing(trials, preprocessing, done=NATIVE_PREPROCESSING.get(source, ()))


# ------------------------------------------------------------------------------ trials
def relabel(trials: TrialSet, events: Mapping[str, list[int | str]]) -> TrialSet:
    """Rename and select classes: class ``name`` gets every trial whose label is one of its codes.

    Trials whose label no class lists are dropped. Codes are compared as text, so ``1`` matches
    the label ``"1"`` of a NeuCube CSV folder.

    Raises
    ------
    StudyError
        If a code matches no trial, or two classes claim the same label.
    """
    labels = trials.labels
    present = sorted(set(labels.tolist()))
    owner: dict[str, str] = {}
    for name, codes in events.items():
        for code in codes:
            text = str(code)
            if text in owner:
                raise StudyError(f"events.{name}: the label {show(text)} is also listed under "
                                 f"events.{owner[text]}")
            if text not in present:
                raise StudyError(f"events.{name}: no trial has the label {show(text)}; the data's "
                                 f"labels are {', '.join(map(show, present))}")
            owner[text] = name
    keep = np.isin(labels, list(owner))
    if not keep.all():
        logger.info("events: %d trials with labels not in [events] are left out (%s)",
                    int((~keep).sum()), ", ".join(sorted(set(labels[~keep].tolist()))))
    kept = trials.select(trials=keep)
    names = list(events)
    y = np.array([names.index(owner[lab]) for lab in kept.labels], dtype=np.int64)
    return _rebuild(kept, kept.X, y=y, class_names=names)


def _rebuild(trials: TrialSet, X: np.ndarray, **changes: Any) -> TrialSet:
    fields: dict[str, Any] = dict(
        y=trials.y, sfreq=trials.sfreq, ch_names=trials.ch_names, coords=trials.coords,
        space=trials.space, class_names=trials.class_names, tmin=trials.tmin,
        subject=trials.subject, session=trials.session, run=trials.run, metadata=trials.metadata,
    )
    fields.update(changes)
    y = fields.pop("y")
    return TrialSet(X, y, **fields)


def apply_preprocessing(trials: TrialSet, pre: Mapping[str, Any], *, done: tuple[str, ...] = ()) -> TrialSet:
    """Apply the ``[preprocessing]`` steps the loader did not do, in MNE's order.

    Band-pass filter (MNE FIR, on each trial: prefer a continuous-data source for low cut-offs),
    baseline correction, time window, resampling, channel selection, then amplitude rejection
    (peak-to-peak in the units of the trials, microvolts for EEG).
    """
    X = np.asarray(trials.X, dtype=np.float64)
    steps = []
    l_freq = None if "l_freq" in done else pre.get("l_freq")
    h_freq = None if "h_freq" in done else pre.get("h_freq")
    if l_freq is not None or h_freq is not None:
        import mne

        X = mne.filter.filter_data(X, trials.sfreq, l_freq, h_freq, verbose="error")
        trials = _rebuild(trials, X)
        steps.append(f"filter {l_freq}-{h_freq} Hz on the trials")
    if pre.get("baseline") is not None and "baseline" not in done:
        t0, t1 = pre["baseline"]
        window = (trials.times >= t0 - 1e-9) & (trials.times <= t1 + 1e-9)
        if not window.any():
            raise StudyError(f"preprocessing.baseline: expected a window inside the trials "
                             f"({trials.tmin:g} to {trials.tmax:g} s), got {show(pre['baseline'])}")
        X = np.asarray(trials.X, dtype=np.float64)
        trials = _rebuild(trials, X - X[..., window].mean(axis=-1, keepdims=True))
        steps.append(f"baseline {t0:g}..{t1:g} s")
    tmin = None if "tmin" in done else pre.get("tmin")
    tmax = None if "tmax" in done else pre.get("tmax")
    if tmin is not None or tmax is not None:
        try:
            trials = trials.crop(tmin, tmax)
        except ValueError as exc:
            raise StudyError(f"preprocessing.tmin/tmax: expected a window inside the trials "
                             f"({trials.tmin:g} to {trials.tmax:g} s), got {tmin}..{tmax}") from exc
        steps.append(f"window {trials.tmin:g}..{trials.tmax:g} s")
    if pre.get("resample") is not None and "resample" not in done:
        import mne

        new = float(pre["resample"])
        X = mne.filter.resample(np.asarray(trials.X, dtype=np.float64), up=new, down=trials.sfreq,
                                axis=-1, verbose="error")
        trials = _rebuild(trials, X, sfreq=new)
        steps.append(f"resample to {new:g} Hz")
    if pre.get("channels"):
        missing = [c for c in pre["channels"] if c not in trials.ch_names]
        if missing:
            raise StudyError(f"preprocessing.channels: {', '.join(map(show, missing))} not among the "
                             f"data's channels ({', '.join(trials.ch_names)})")
        trials = trials.select(channels=pre["channels"])
        steps.append(f"{len(pre['channels'])} channels")
    if pre.get("reject_uv") is not None and "reject_uv" not in done:
        ptp = np.ptp(np.asarray(trials.X), axis=-1).max(axis=-1)
        keep = ptp <= pre["reject_uv"]
        if not keep.any():
            raise StudyError(f"preprocessing.reject_uv: every trial exceeds {pre['reject_uv']:g} "
                             f"peak to peak (smallest: {ptp.min():.3g})")
        trials = trials.select(trials=keep).with_metadata(
            n_rejected_amplitude=int((~keep).sum()))
        steps.append(f"rejected {int((~keep).sum())} trials above {pre['reject_uv']:g}")
    if steps:
        logger.info("preprocessing on the trials: %s", "; ".join(steps))
    return trials
