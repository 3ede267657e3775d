"""Data sources of a study: what ``[data]`` may say for each ``source``, and how it is loaded.

=================  ==================================================================  ===========
source             reads                                                               main path
=================  ==================================================================  ===========
``simulate``       the built-in familiarity EEG simulator                              -
``eeg``            an EEG file, a list of files or a folder of files, any format       ``path``
                   :func:`data_loaders.load_eeg` reads
``bids``           an EEG-BIDS dataset (:func:`data_loaders.load_bids`)                ``root``
``neucube_csv``    a NeuCube CSV folder (:func:`data_loaders.load_neucube_csv`)        ``folder``
``marker_csv``     continuous CSV with a marker column                                 ``path``
                   (:func:`data_loaders.load_marker_csv`)
``fmri``           4-D NIfTI runs with events or per-volume labels                     ``bold``
                   (:func:`data_loaders.load_fmri`)
``simulate_fmri``  a simulated block-design session written as NIfTI to a temporary    -
                   folder (:mod:`data_loaders.simulate_fmri`), then read with ``load_fmri``
=================  ==================================================================  ===========

``--data PATH`` replaces the main path (:func:`neucube_study.retarget.retarget`). On ``simulate``,
``eeg`` and ``bids`` studies it runs the same analysis on recordings: a BIDS root (a folder with
``dataset_description.json``) is read as ``bids``, anything else as ``eeg``. On ``fmri`` and
``simulate_fmri`` studies it names a NIfTI file or a folder of NIfTI runs, each with its BIDS
``events.tsv`` beside it.

Preprocessing (``[preprocessing]``) is done by the loader when it can (filtering continuous EEG
before epoching, MNE's epoch window, baseline and rejection), otherwise on the loaded trials
(:func:`neucube.preprocessing.preprocess`). Classes come from ``[events]``: passed to the loader as
its ``event_id`` where it has one, otherwise used to rename and select the loaded labels
(:func:`neucube.preprocessing.relabel`). Loading is :func:`neucube_study.adapters.load_source`.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from data_loaders.bids import load_bids
from data_loaders.discovery import check_glob
from data_loaders.eeg import load_eeg
from data_loaders.fmri import load_fmri
from data_loaders.marker_csv import load_marker_csv
from data_loaders.neucube_csv import load_neucube_csv
from data_loaders.simulate import simulate_familiarity
from data_loaders.simulate_fmri import simulate_block_fmri
from neucube_study import _fields as f
from neucube_study._fields import Field, StudyError, show
from neucube_study.patterns import compile_pattern

__all__ = ["Source", "SOURCES", "NATIVE_PREPROCESSING", "SIMULATE_FMRI_ONLY", "NONE"]

NONE = "none"  # TOML has no null: "none" stands for None where a loader takes it


class _LoaderDefault:
    def __repr__(self) -> str:
        return "LOADER"


#: Default of a ``[data]`` key that is the loader's own default for that parameter (read from
#: its signature by :func:`_source`, so it is declared once, in the loader).
LOADER: Any = _LoaderDefault()


def _none_or(inner: f.Check) -> f.Check:
    def check(key: str, v: Any) -> Any:
        return None if v == NONE else inner(key, v)

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
    try:
        return check_glob(f.string(key, v), key=key)
    except StudyError:
        raise
    except ValueError as exc:
        raise StudyError(str(exc)) from exc


def _regex(key: str, v: Any) -> str:
    """A regular expression: compiled here so a bad one is reported with the study's key."""
    compile_pattern(key, v)
    return v


_COORDS_EEG = Field(_none_or(f.string), LOADER,
                    '"auto", "file", "template", "none" or a CSV of name,x,y,z', path="file",
                    keywords=("auto", "file", "template", NONE))
_SPACE_EEG = Field(f.choice("mni", "talairach"), LOADER, "space of the channel coordinates")
_EEG_COMMON: dict[str, Field] = {
    "bad_channels": Field(f.list_of(f.string), None, "channels to drop"),
    "montage": Field(f.string, LOADER, "template montage for channel names"),
    "on_unknown": Field(f.choice("raise", "drop", "ignore"), LOADER, "channels without a position"),
    "exclude_non_eeg": Field(f.boolean, LOADER, "leave out EOG/ECG/EMG/trigger channels"),
    "units": Field(f.choice("uV", "V"), LOADER, "units of the trials"),
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
        Name of the function in :mod:`neucube_study.adapters` that loads it.
    doc : str
        One line for the schema reference.
    """

    fields: dict[str, Field]
    primary: str | None
    loader: str
    doc: str


def _source(reads: Callable[..., Any], fields: dict[str, Field], primary: str | None, loader: str,
            doc: str) -> Source:
    """A :class:`Source` whose fields with the default :data:`LOADER` take ``reads``'s default."""
    params = inspect.signature(reads).parameters
    return Source({k: dataclasses.replace(fld, default=params[k].default)
                   if fld.default is LOADER else fld for k, fld in fields.items()},
                  primary, loader, doc)


SOURCES: dict[str, Source] = {
    "simulate": _source(simulate_familiarity, {
        "n_subjects": Field(f.integer(1), LOADER, "simulated subjects"),
        "effect_size": Field(f.number(0), LOADER,
                             "Cohen's d of the familiarity effect at its peak"),
        "seed": Field(f.integer(0), None, "seed of the simulation (default: the study seed)"),
        "n_trials_per_class": Field(f.integer(1), LOADER, "trials per class and subject"),
        "sfreq": Field(f.number(0, strict=True), LOADER, "sampling rate in Hz"),
        "tmin": Field(f.number(), LOADER, "epoch start in s"),
        "tmax": Field(f.number(), LOADER, "epoch end in s"),
        "ch_names": Field(f.list_of(f.string, min_len=1), None, "10-20 channel names"),
        "noise_uv": Field(f.number(0, strict=True), LOADER, "background EEG SD in uV"),
    }, None, "_load_simulate", "simulated familiarity EEG (data_loaders.simulate_familiarity)"),
    "eeg": _source(load_eeg, {
        "path": Field(f.one_or_list(f.string),
                      doc="an EEG file, a list of files or a folder of files", path="any"),
        "pattern": Field(_glob, "",
                         "glob of the files to read in a folder (default: every EEG file)"),
        "subject_pattern": Field(
            _regex, r"sub-([A-Za-z0-9]+)",
            "regular expression whose first group is the subject id in a file name "
            "(default BIDS-style sub-XX; the file name without extension otherwise)"),
        "stim_channel": Field(f.string, None, "trigger channel stored as a signal"),
        "events_from": Field(f.choice("auto", "stim", "annotations"), LOADER,
                             "where events come from"),
        "coordinates": _COORDS_EEG,
        "on_missing": Field(f.choice("raise", "warn", "ignore"), LOADER,
                            "a class matching no event in a file"),
        **_EEG_COMMON,
    }, "path", "_load_eeg", "EEG recordings in any format MNE reads (data_loaders.load_eeg)"),
    "bids": _source(load_bids, {
        "root": Field(f.string, doc="the BIDS root (folder with dataset_description.json)",
                      path="folder"),
        "subjects": Field(_ids, None, "subject ids (without sub-); default all"),
        "sessions": Field(_ids, None, "session ids; default all"),
        "task": Field(_ids, None, "task(s); default all"),
        "runs": Field(_ids, None, "run ids; default all"),
        "coordinates": Field(_none_or(f.string), LOADER,
                             '"template", "auto", "file", "none" or a CSV', path="file",
                             keywords=("auto", "file", "template", NONE)),
        **_EEG_COMMON,
    }, "root", "_load_bids", "an EEG-BIDS dataset (data_loaders.load_bids)"),
    "neucube_csv": _source(load_neucube_csv, {
        "folder": Field(f.string, doc="folder of sam*_*.csv and tar_class_labels.csv",
                        path="folder"),
        "sfreq": Field(f.number(0, strict=True), None,
                       "sampling rate in Hz (not stored in the files)"),
        "coordinates": Field(_none_or(f.string), LOADER, '"auto", "none" or a mapping CSV',
                             path="file", keywords=("auto", NONE)),
        "space": Field(f.choice("talairach", "mni", "grid", "native"), LOADER,
                       "space of the coordinates"),
        "on_unknown": Field(f.choice("raise", "drop", "ignore"), LOADER,
                            "features without a position (named features, no mapping file)"),
        "exclude_non_eeg": Field(f.boolean, LOADER, "leave out AUX/EOG/ECG/EMG/trigger features"),
    }, "folder", "_load_neucube_csv", "a NeuCube CSV folder (data_loaders.load_neucube_csv)"),
    "marker_csv": _source(load_marker_csv, {
        "path": Field(f.one_or_list(f.string),
                      doc="a CSV file, a list of runs or a folder of .csv/.csv.gz", path="any"),
        "sfreq": Field(f.number(0, strict=True), None,
                       "sampling rate in Hz (default: from timestamps)"),
        "marker_column": Field(f.string, None, "marker column (default: found by name)"),
        "time_column": Field(f.string, None, "time column (default: found by name)"),
        "time_unit": Field(f.choice("s", "ms"), LOADER, "unit of the time column"),
        "channels": Field(f.list_of(f.string, min_len=1), None, "channel columns to read"),
        "coordinates": Field(_none_or(f.string), LOADER,
                             '"auto", "none" or a CSV of name,x,y,z', path="file",
                             keywords=("auto", NONE)),
        "space": _SPACE_EEG,
        "on_unknown": Field(f.choice("raise", "drop", "ignore"), LOADER,
                            "channels without a position"),
        "exclude_non_eeg": Field(f.boolean, LOADER,
                                 "leave out AUX/EOG/ECG/EMG/trigger/motion columns"),
        "subject": Field(f.string, None, "subject id of every trial"),
    }, "path", "_load_marker_csv",
        "continuous CSV with a marker column (data_loaders.load_marker_csv)"),
    "fmri": _source(load_fmri, {
        "bold": Field(f.one_or_list(f.string), doc="4-D NIfTI file, or one per run", path="file"),
        "events": Field(f.one_or_list(f.string), None, "BIDS events.tsv, one per run", path="file"),
        "labels": Field(f.one_or_list(f.string), None, "per-volume label file(s), one per run",
                        path="file"),
        "mask": Field(f.string, None, '"epi" (default), "all" or a 3-D mask NIfTI', path="file",
                      keywords=("epi", "all")),
        "tr": Field(f.number(0, strict=True), None, "repetition time in s (default: the header's)"),
        "rest": Field(f.one_or_list(f.string), ["rest", "baseline"], "labels that form no trial"),
        "hrf_shift": Field(f.number(0), LOADER,
                           "seconds added to event onsets for the haemodynamic delay"),
        "trial_volumes": Field(f.integer(1), None,
                               "volumes per trial (default: the shortest trial)"),
        "detrend": Field(f.boolean, LOADER, "remove a linear trend per voxel and run"),
        "standardize": Field(f.boolean, LOADER, "z-score each voxel per run"),
        "reduce": Field(f.integer(1), None, "average k x k x k voxel blocks into one channel"),
        "space": Field(f.choice("auto", "mni", "talairach", "native"), LOADER,
                       "space of the voxel coordinates"),
    }, "bold", "_load_fmri", "4-D NIfTI with events or labels (data_loaders.load_fmri)"),
    "simulate_fmri": _source(simulate_block_fmri, {
        "n_runs": Field(f.integer(1), LOADER, "runs"),
        "n_blocks": Field(f.integer(1), LOADER, "blocks of each condition per run"),
        "block_volumes": Field(f.integer(2), LOADER, "volumes per block"),
        "rest_volumes": Field(f.integer(1), LOADER, "volumes of rest after each block"),
        "tr": Field(f.number(0, strict=True), LOADER, "repetition time in s"),
        "voxel_mm": Field(f.number(2), LOADER, "voxel size in mm (a multiple of 2)"),
        "effect_size": Field(f.number(0), LOADER, "preferred-condition response in noise SDs"),
        "noise": Field(f.number(0, strict=True), LOADER, "noise SD in percent of the signal"),
        "seed": Field(f.integer(0), None, "seed of the simulation (default: the study seed)"),
        # Reading it back (as for a user's NIfTI with --data):
        "hrf_shift": Field(f.number(0), 4.0,
                           "seconds added to event onsets for the haemodynamic delay"),
        "trial_volumes": Field(f.integer(1), None, "volumes per trial"),
        "detrend": Field(f.boolean, True, "remove a linear trend per voxel and run"),
        "standardize": Field(f.boolean, True, "z-score each voxel per run"),
        "reduce": Field(f.integer(1), 2, "average k x k x k voxel blocks into one channel"),
    }, None, "_load_simulate_fmri",
        "simulated block-design fMRI NIfTI (data_loaders.simulate_fmri)"),
}

#: Keys of the generator of ``simulate_fmri`` (dropped when ``--data`` names real files).
SIMULATE_FMRI_ONLY = ("n_runs", "n_blocks", "block_volumes", "rest_volumes", "tr", "voxel_mm",
                       "effect_size", "noise", "seed")

#: ``[preprocessing]`` keys each loader applies itself (the others are applied to the trials).
NATIVE_PREPROCESSING: dict[str, tuple[str, ...]] = {
    "eeg": ("tmin", "tmax", "baseline", "l_freq", "h_freq", "resample", "reject_uv"),
    "bids": ("tmin", "tmax", "baseline", "l_freq", "h_freq", "resample", "reject_uv"),
    "marker_csv": ("tmin", "tmax", "baseline", "l_freq", "h_freq", "reject_uv"),
}
