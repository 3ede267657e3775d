"""Provenance of a run: package versions, git commit, study hash, seed and machine."""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

__all__ = ["provenance"]

_PACKAGES = (
    "neucube", "brian2", "numpy", "scipy", "mne", "mne-bids", "scikit-learn", "nibabel",
    "nilearn", "networkx", "pandas", "matplotlib", "plotly", "streamlit", "joblib", "dask",
    "distributed", "tqdm",
)


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _git_commit(where: Path) -> str | None:
    try:
        out = subprocess.run(
            ["git", "-C", str(where), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=True,
        )
        dirty = subprocess.run(
            ["git", "-C", str(where), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, timeout=5, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def provenance(
    *, study_digest: str, seed: int, study_path: Path | None, **run: Any
) -> dict[str, Any]:
    """What produced a results folder, as a JSON-serialisable dict.

    Parameters
    ----------
    study_digest : str
        SHA-256 of the resolved study.
    seed : int
        The run's seed.
    study_path : Path or None
        The study file.
    **run
        Further facts of the run (``data_sha256``, ``command``, ``n_jobs``, ``scheduler``,
        ``wall_time_s``), recorded under ``"run"``.

    Notes
    -----
    ``created`` and ``run.wall_time_s`` are the time-dependent fields.
    """
    code_dir = Path(__file__).resolve().parents[2]
    return {
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "study_file": None if study_path is None else str(study_path),
        "study_sha256": study_digest,
        "seed": seed,
        "run": run,
        "git_commit": _git_commit(code_dir),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in _PACKAGES},
        "machine": {
            "hostname": platform.node(),
            "platform": platform.platform(),
            "processor": platform.machine(),
            "cpu_count": os.cpu_count(),
        },
    }
