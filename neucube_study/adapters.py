"""Loader adapters: a validated ``[data]`` section (:mod:`neucube_study.sources`) to trials.

Each ``_load_<source>`` turns the study's keys into the loader's arguments; :func:`load_source`
runs it, maps ``[events]`` to classes and applies the ``[preprocessing]`` steps the loader did not
do itself. The science is below: recording discovery in :mod:`data_loaders.discovery`,
relabelling and preprocessing in :mod:`neucube.preprocessing`.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import neucube.preprocessing as core
from data_loaders import LoaderError
from data_loaders.discovery import find_csv_runs, find_eeg_recordings
from data_loaders.formats import suffix
from neucube.data import TrialSet
from neucube_study._fields import StudyError, show
from neucube_study.patterns import search as pattern_search
from neucube_study.sources import NATIVE_PREPROCESSING, NONE, SIMULATE_FMRI_ONLY, SOURCES

__all__ = ["load_source", "apply_preprocessing", "relabel", "eeg_files"]

logger = logging.getLogger(__name__)


# ------------------------------------------------------------------------------ loading
def eeg_files(path: str | list[str], pattern: str = "") -> list[Path]:
    """:func:`data_loaders.discovery.find_eeg_recordings` for ``[data]`` (errors name the keys)."""
    with _study_errors():
        return find_eeg_recordings(path, pattern, prefix="data.")


def _subject_of(path: Path, pattern: str) -> str:
    """The subject id in a file name: ``data.subject_pattern``'s first group (bounded match)."""
    match = pattern_search("data.subject_pattern", pattern, path.name) if pattern else None
    if match:
        return match.group(1) if match.groups() else match.group(0)
    return path.name[: len(path.name) - len(suffix(path.name))]  # without its extension


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
    return {k: (None if v == NONE else v) for k, v in args.items()}


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
    return load_bids(args.pop("root"), event_id=events, **_loader_preprocessing(pre, "bids"),
                     **args)


def _load_neucube_csv(args: dict[str, Any], pre: Mapping[str, Any], events: Any, seed: int,
                      progress: Callable[[int, int], None]) -> TrialSet:
    from data_loaders.neucube_csv import load_neucube_csv

    args = _plain(args)
    return load_neucube_csv(args.pop("folder"), **args)


def _load_marker_csv(args: dict[str, Any], pre: Mapping[str, Any], events: Any, seed: int,
                     progress: Callable[[int, int], None]) -> TrialSet:
    from data_loaders.marker_csv import load_marker_csv

    args = _plain(args)
    with _study_errors():
        paths = [str(p) for p in find_csv_runs(args.pop("path"), prefix="data.")]
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
    from data_loaders.fmri import load_fmri
    from data_loaders.simulate_fmri import simulate_block_fmri

    gen = {k: args[k] for k in SIMULATE_FMRI_ONLY if k in args}
    if gen.get("seed") is None:
        gen["seed"] = seed
    read = {k: v for k, v in args.items() if k not in SIMULATE_FMRI_ONLY}
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
    """:func:`neucube.preprocessing.relabel` with the ``[events]`` mapping of a study."""
    with _study_errors():
        return core.relabel(trials, events)


def apply_preprocessing(
    trials: TrialSet, pre: Mapping[str, Any], *, done: tuple[str, ...] = ()
) -> TrialSet:
    """:func:`neucube.preprocessing.preprocess` with the ``[preprocessing]`` steps the loader
    did not do (``done``); errors name the study's keys."""
    steps = {k: pre.get(k) for k in core.PREPROCESSING_STEPS if k not in done or k == "channels"}
    with _study_errors("preprocessing."):
        return core.preprocess(trials, **steps)


@contextlib.contextmanager
def _study_errors(prefix: str = "") -> Iterator[None]:
    """Re-raise the core's :class:`ValueError` as a :class:`StudyError` (``prefix`` + message)."""
    try:
        yield
    except StudyError:
        raise
    except ValueError as exc:
        if isinstance(exc, LoaderError):
            raise
        raise StudyError(f"{prefix}{exc}") from exc
