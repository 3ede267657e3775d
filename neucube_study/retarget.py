"""``--data PATH``: run a study's analysis on other recordings by replacing its main path.

On ``simulate``, ``eeg`` and ``bids`` studies a BIDS root (a folder with
``dataset_description.json``) is read as ``bids``, anything else as ``eeg``. On ``fmri`` and
``simulate_fmri`` studies it names a NIfTI file or a folder of NIfTI runs, each with its BIDS
``events.tsv`` beside it (:func:`data_loaders.discovery.find_fmri_runs`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from data_loaders.discovery import find_fmri_runs, is_bids_root
from neucube_study._fields import StudyError, show
from neucube_study.sources import SIMULATE_FMRI_ONLY, SOURCES

__all__ = ["retarget"]

logger = logging.getLogger(__name__)


def retarget(
    source: str, raw_args: Mapping[str, Any], data: str | Path
) -> tuple[str, dict[str, Any]]:
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
        target = "bids" if is_bids_root(path) else "eeg"
        primary = SOURCES[target].primary
        old_primary = SOURCES[source].primary
        kept = {k: v for k, v in args.items() if k in SOURCES[target].fields and k != old_primary}
        dropped = sorted(set(args) - set(kept) - {old_primary})
        if dropped:
            logger.info("--data: %s recordings; study keys not used for them: %s", target,
                        ", ".join(f"data.{k}" for k in dropped))
        return target, {**kept, primary: str(path)}
    if source in ("fmri", "simulate_fmri"):
        try:
            bolds, events = find_fmri_runs(path, key="--data")
        except ValueError as exc:
            raise StudyError(str(exc)) from exc
        if source == "simulate_fmri":
            # The study's read-back settings (its defaults included) apply to the user's files.
            defaults = {k: fld.default for k, fld in SOURCES[source].fields.items()
                        if k not in SIMULATE_FMRI_ONLY and fld.default is not None}
            args = {**defaults, **args}
        kept = {k: v for k, v in args.items()
                if k in SOURCES["fmri"].fields and k not in ("bold", "events", "labels")
                and not (source == "simulate_fmri" and k in SIMULATE_FMRI_ONLY)}
        return "fmri", {**kept, "bold": bolds, "events": events}
    primary = SOURCES[source].primary
    assert primary is not None
    return source, {**args, primary: str(path)}
