"""The session's results folder: metrics, predictions, figures, model file and study file.

Everything is written under the session's own folder, so sessions never share files: a folder
elsewhere is refused before anything is written (:func:`session_folder`), and the results
folder is built beside its target and moved into place only when complete. The figures come
from :func:`neucube.plotting.export_figures`, the model file from
:meth:`neucube.NeuCubeClassifier.save`.
"""

from __future__ import annotations

import io
import json
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
    dataset: Dataset,
    result: TrainingResult,
    *,
    study_text: str,
    session_dir: Path,
    figures_dir: Path | None = None,
) -> Path:
    """Write (or refresh) the results folder, a folder inside ``session_dir``, and return it.

    It holds ``metrics.json`` (the evaluation summary), ``folds.csv``, ``predictions.csv``,
    ``early_prediction.json``, ``model.zip``, ``study.toml``, ``provenance.json`` and, when
    they were made, the figures in ``figures/``. It is built beside ``folder`` and replaces it
    only when complete, so a failure (a full disk) leaves the previous one as it was.
    """
    final = session_folder(folder, session_dir)
    with atomic_directory(final) as tmp:
        _write_results(tmp, dataset, result, study_text=study_text, figures_dir=figures_dir)
    return final


def _write_results(folder: Path, dataset: Dataset, result: TrainingResult, *, study_text: str,
                   figures_dir: Path | None) -> None:
    from app.study.provenance import provenance

    ev = result.evaluation
    (folder / "metrics.json").write_text(json.dumps(ev.to_dict(), indent=2) + "\n",
                                         encoding="utf-8")
    ev.folds.to_csv(folder / "folds.csv", index=False, float_format="%.6g")
    ev.predictions.to_csv(folder / "predictions.csv", index=False, float_format="%.6g")
    early = {"note": result.early_note,
             **(result.early.to_dict() if result.early is not None else {})}
    (folder / "early_prediction.json").write_text(json.dumps(early, indent=2) + "\n",
                                                  encoding="utf-8")
    result.model.save(folder / "model.zip")
    (folder / "study.toml").write_text(study_text, encoding="utf-8")
    digest = dataset.study.digest() if dataset.study is not None else ""
    prov = provenance(study_digest=digest, seed=result.settings.seed,
                      study_path=None if dataset.study is None else dataset.study.path)
    prov["app"] = {"dataset": dataset.name, "source": dataset.source,
                   "files": list(dataset.files), "settings": result.settings.model_params(),
                   "trials": repr(dataset.trials)}
    (folder / "provenance.json").write_text(json.dumps(prov, indent=2, default=str) + "\n",
                                            encoding="utf-8")
    if figures_dir is not None and figures_dir.is_dir():
        shutil.copytree(figures_dir, folder / "figures")


def zip_folder(folder: Path) -> bytes:
    """The folder as zip bytes, with paths relative to its parent (one top-level folder)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(folder.parent).as_posix())
    return buffer.getvalue()
