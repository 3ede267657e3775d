"""Completed cross-validation fits kept on disk, so an interrupted run can be resumed.

Each fit's scores and predictions are written, atomically, to a hidden folder beside the results
folder (``.neucube-resume-<name>``) as soon as it completes. ``neucube run --resume`` reuses the
fits of an interrupted run whose *run key* matches (same resolved study, seed, data and neucube
version), and computes only the rest; because every fit is seeded, the results are identical to
an uninterrupted run. The folder is removed when the run completes; a run without ``--resume``
starts afresh and discards it.

The files are JSON (never pickle), so a checkpoint folder cannot execute code when read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from neucube._atomic import atomic_write_text

__all__ = ["Checkpoint", "RESUME_PREFIX"]

logger = logging.getLogger(__name__)

#: Prefix of checkpoint folders beside a results folder.
RESUME_PREFIX = ".neucube-resume-"


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


class Checkpoint:
    """The checkpoint folder of one results folder.

    Parameters
    ----------
    out_dir : Path
        The results folder.
    run_key : str
        Identity of the run (see :meth:`run_key`); fits of another run are never reused.
    resume : bool
        Reuse the fits of a matching interrupted run; otherwise discard any.
    """

    def __init__(self, out_dir: Path, run_key: str, *, resume: bool) -> None:
        self.folder = out_dir.parent / f"{RESUME_PREFIX}{out_dir.name}"
        self.run_key = run_key
        stamp = self.folder / "run.json"
        previous = None
        with contextlib.suppress(OSError, ValueError):
            previous = json.loads(stamp.read_text(encoding="utf-8")).get("run_key")
        if self.folder.exists() and (not resume or previous != run_key):
            if resume:
                logger.warning("--resume: the interrupted run in %s used another study, seed, data "
                               "or neucube version; starting afresh", self.folder)
            shutil.rmtree(self.folder, ignore_errors=True)
        elif resume and not self.folder.exists():
            logger.info("--resume: no interrupted run to resume beside %s; running every fit",
                        out_dir)
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(stamp, json.dumps({"run_key": run_key}) + "\n")

    @staticmethod
    def run_key(parts: dict[str, Any]) -> str:
        """SHA-256 of the JSON of ``parts`` (study config, seed, data fingerprint, versions)."""
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()

    @staticmethod
    def job_key(job_id: tuple[Any, ...]) -> str:
        return hashlib.sha256(json.dumps([str(x) for x in job_id]).encode()).hexdigest()[:24]

    def load(
        self, job_id: tuple[Any, ...]
    ) -> tuple[dict[str, Any], pd.DataFrame, dict[str, Any]] | None:
        """The stored result of a fit, or None."""
        path = self.folder / f"{self.job_key(job_id)}.json"
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if doc.get("job") != [str(x) for x in job_id]:
            return None
        preds = pd.DataFrame(doc["predictions"]["columns"])
        for column, dtype in doc["predictions"]["dtypes"].items():
            preds[column] = preds[column].astype(dtype)
        return doc["row"], preds[list(doc["predictions"]["columns"])], doc["extras"]

    def save(self, job_id: tuple[Any, ...], row: dict[str, Any], preds: pd.DataFrame,
             extras: dict[str, Any]) -> None:
        """Store a completed fit (atomically: a file is complete or absent)."""
        doc = {
            "job": [str(x) for x in job_id],
            "row": _plain(row),
            "predictions": {
                "columns": {c: _plain(preds[c].tolist()) for c in preds.columns},
                "dtypes": {c: str(preds[c].dtype) for c in preds.columns},
            },
            "extras": _plain(extras),
        }
        try:
            # Recreated if a concurrent run of the same study removed it: losing a checkpoint only
            # costs a refit on --resume, so it never stops the run.
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.folder / f"{self.job_key(job_id)}.json", json.dumps(doc))
        except OSError as exc:
            logger.warning(
                "could not keep a completed fit for --resume in %s: %s", self.folder, exc
            )

    def count(self) -> int:
        """Number of stored fits."""
        return sum(1 for p in self.folder.glob("*.json") if p.name != "run.json")

    def remove(self) -> None:
        """Delete the folder (the run completed)."""
        shutil.rmtree(self.folder, ignore_errors=True)
