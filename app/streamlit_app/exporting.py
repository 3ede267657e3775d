"""The session's results folder: the one ``neucube run`` writes, with the figures drawn here.

A training job runs the study with :func:`neucube_study.run_study`, which writes the results folder
(``metrics.json``, ``folds.csv``, ``predictions.csv``, ``model.zip``, ``summary.json``,
``provenance.json``, ...: :mod:`neucube_study.runner`) into the session's folder. The export copies
it, adds the figures made on the Export page (:func:`neucube.plotting.export_figures`) and the
study file offered for download (its data named as the user knows them). Everything is written
under the session's own folder, so sessions never share files: a folder elsewhere is refused
before anything is written (:func:`session_folder`), and the results folder is built beside its
target and moved into place only when complete.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path
from typing import Any

from app.streamlit_app.datasets import Dataset
from app.streamlit_app.training import TrainingResult
from neucube._atomic import atomic_directory

__all__ = ["FORMATS", "MIME", "session_folder", "write_figures", "write_results", "zip_folder"]

#: Static figure formats offered for download.
FORMATS = ("svg", "pdf", "png")
#: MIME types of the files offered for download, by extension.
MIME = {
    "svg": "image/svg+xml", "pdf": "application/pdf", "png": "image/png",
    "html": "text/html", "graphml": "application/xml", "gexf": "application/xml",
    "zip": "application/zip", "toml": "application/toml", "json": "application/json",
    "csv": "text/csv",
}  # fmt: skip


def session_folder(folder: Path, session_dir: Path) -> Path:
    """``folder``, resolved, if it lies inside the session's folder ``session_dir`` (not equal).

    Raises
    ------
    ValueError
        Naming the folder, if it is elsewhere (the export never writes outside its session).
    """
    folder, root = Path(folder).resolve(), Path(session_dir).resolve()
    if not folder.is_relative_to(root) or folder == root:
        raise ValueError(f"export folder '{folder}': expected a folder inside this session's "
                         f"folder {root}; found a path outside it, where the export never writes")
    return folder


def write_figures(result: TrainingResult, dataset: Dataset, out_dir: Path, *,
                  session_dir: Path, window: tuple[float, float] | None = None) -> dict[str, Any]:
    """Write the publication figure set of the trained model (see ``export_figures``) into
    ``out_dir``, a folder inside ``session_dir``."""
    from app.streamlit_app.training import ensure_brian2
    from neucube.plotting import export_figures

    out_dir = session_folder(out_dir, session_dir)

    ensure_brian2()  # the figures run the trials through the cube again

    early = None
    if result.early is not None:
        early = result.early.to_dict()
    return export_figures(
        result.model, dataset.trials, out_dir, formats=FORMATS, evaluation=result.evaluation,
        early_curve=early, window=window,
    )


def write_results(
    folder: Path,
    result: TrainingResult,
    *,
    study_text: str,
    session_dir: Path,
    figures_dir: Path | None = None,
) -> Path:
    """Write (or refresh) the results folder, a folder inside ``session_dir``, and return it.

    It is the run's results folder (:attr:`TrainingResult.folder`, as ``neucube run`` writes
    it), with ``study.toml`` the study file of the download and, when they were made, the
    figures in ``figures/``. It is built beside ``folder`` and replaces it only when complete,
    so a failure (a full disk) leaves the previous one as it was.
    """
    final = session_folder(folder, session_dir)
    run = session_folder(result.folder, session_dir)
    with atomic_directory(final) as tmp:
        shutil.copytree(run, tmp, dirs_exist_ok=True)
        (tmp / "study.toml").write_text(study_text, encoding="utf-8")
        if figures_dir is not None and figures_dir.is_dir():
            shutil.copytree(figures_dir, tmp / "figures", dirs_exist_ok=True)
    return final


def zip_folder(folder: Path) -> bytes:
    """The folder as zip bytes, with paths relative to its parent (one top-level folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder.parent).as_posix())
    return buffer.getvalue()
