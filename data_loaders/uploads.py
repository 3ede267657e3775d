"""Upload checks: safe names, size limits, which loader reads a set of files, safe zip extraction.

A web form hands the server file names and bytes chosen by someone else. Nothing here trusts
them: :func:`safe_name` keeps only a plain last path component, :func:`save_uploads` bounds the
total size, :func:`plan_upload` decides from the extensions
(:mod:`data_loaders.formats`) which loader reads the files or explains why none can, and
:func:`extract_zip` checks every member of an archive (inside the folder, no link, bounded size
and expansion) before anything is extracted.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from data_loaders.formats import (
    ARCHIVE_EXTENSIONS,
    COMPANION_EXTENSIONS,
    CSV_EXTENSIONS,
    HEADER_EXTENSIONS,
    SINGLE_FILE_EXTENSIONS,
    suffix,
)

__all__ = [
    "MAX_EXTRACT_BYTES",
    "UploadError",
    "UploadPlan",
    "extract_zip",
    "plan_upload",
    "safe_name",
    "save_uploads",
]

_NAME_RE = re.compile(r"[^\w .()+\-\[\],@]")


class UploadError(ValueError):
    """The uploaded files do not form one recording the app can read (names what is wrong)."""


def safe_name(name: str) -> str:
    """A file name without any path part or unusual character, or an :class:`UploadError`.

    Browsers send bare names, but a crafted request could send ``../../etc/passwd``: only the
    last path component is kept, and hidden or empty names are refused.
    """
    base = re.split(r"[\\/]", str(name))[-1].strip()
    base = _NAME_RE.sub("_", base)
    if not base or base.startswith(".") or base in {".", ".."}:
        raise UploadError(f"Uploaded file name {name!r}: expected a plain file name; found none.")
    return base


def save_uploads(
    files: Iterable[tuple[str, bytes]], dest: Path, *, max_bytes: int
) -> list[Path]:
    """Write uploaded ``(name, content)`` pairs into ``dest`` (created), with safe names.

    Raises
    ------
    UploadError
        Duplicate names, or more than ``max_bytes`` in total.
    """
    dest.mkdir(parents=True, exist_ok=True)
    items = [(safe_name(n), bytes(data)) for n, data in files]
    if not items:
        raise UploadError("No file uploaded: choose a recording first.")
    names = [n for n, _ in items]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise UploadError(f"Uploaded files: expected distinct names; found {dupes} twice.")
    total = sum(len(d) for _, d in items)
    if total > max_bytes:
        raise UploadError(
            f"Uploaded files: expected at most {max_bytes / 1e6:.0f} MB in total; found "
            f"{total / 1e6:.1f} MB."
        )
    paths = []
    for name, data in items:
        path = dest / name
        path.write_bytes(data)
        paths.append(path)
    return paths


@dataclass(frozen=True)
class UploadPlan:
    """How a set of uploaded files is read.

    Attributes
    ----------
    kind : {"eeg", "marker_csv", "neucube_csv"}
        The loader.
    paths : tuple of Path
        The file(s) given to the loader: the recording (header file for BrainVision/EEGLAB), the
        CSV runs, or the zip archive of a NeuCube study folder.
    companions : tuple of Path
        Files read through the main one (BrainVision ``.vmrk``/``.eeg``, EEGLAB ``.fdt``).
    """

    kind: str
    paths: tuple[Path, ...]
    companions: tuple[Path, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in (*self.paths, *self.companions))


def plan_upload(paths: Sequence[Path], *, coordinates: Path | None = None) -> UploadPlan:
    """Decide which loader reads the uploaded files, or explain why they cannot be read.

    Parameters
    ----------
    paths : sequence of Path
        The saved uploads.
    coordinates : Path, optional
        An electrode position file, excluded from the recording files.
    """
    files = [p for p in paths if coordinates is None or p != coordinates]
    if not files:
        raise UploadError("No recording uploaded: add the recording's file(s).")
    by_ext: dict[str, list[Path]] = {}
    for p in files:
        by_ext.setdefault(suffix(p.name), []).append(p)
    zips = by_ext.get(ARCHIVE_EXTENSIONS[0], [])
    if zips:
        if len(files) > 1:
            raise UploadError(
                "A NeuCube CSV study is uploaded as one .zip archive of its folder; found "
                f"{len(files)} files: {', '.join(p.name for p in files)}."
            )
        return UploadPlan("neucube_csv", (zips[0],))
    csvs = [p for ext in CSV_EXTENSIONS for p in by_ext.get(ext, [])]
    if csvs:
        others = [p for p in files if p not in csvs]
        if others:
            raise UploadError(
                "CSV recordings (one file per run, with a marker column) are uploaded on their "
                f"own; found other files too: {', '.join(p.name for p in others)}."
            )
        return UploadPlan("marker_csv", tuple(sorted(csvs)))
    heads = [p for ext in HEADER_EXTENSIONS for p in by_ext.get(ext, [])]
    singles = [p for ext in SINGLE_FILE_EXTENSIONS for p in by_ext.get(ext, [])]
    companions = [p for ext in COMPANION_EXTENSIONS for p in by_ext.get(ext, [])]
    known = set(HEADER_EXTENSIONS) | set(SINGLE_FILE_EXTENSIONS) | set(COMPANION_EXTENSIONS)
    unknown = [p for p in files if suffix(p.name) not in known]
    if unknown:
        raise UploadError(
            "Uploaded files: expected EDF/BDF, BrainVision (.vhdr + .vmrk + .eeg), EEGLAB (.set "
            "[+ .fdt]), FIF, CSV with a marker column, or a NeuCube CSV folder as .zip; found "
            f"{', '.join(p.name for p in unknown)}."
        )
    mains = heads + singles
    if not mains:
        # A lone .eeg may be a Nihon Kohden recording, read on its own.
        if len(companions) == 1 and suffix(companions[0].name) == ".eeg":
            return UploadPlan("eeg", (companions[0],))
        raise UploadError(
            "Uploaded files: expected the recording's header (.vhdr for BrainVision, .set for "
            f"EEGLAB) with its data files; found only {', '.join(p.name for p in companions)}."
        )
    if len(mains) > 1:
        raise UploadError(
            "Upload one recording at a time; found "
            f"{len(mains)}: {', '.join(p.name for p in mains)}."
        )
    main = mains[0]
    if main in singles and companions:
        raise UploadError(
            f"{main.name} is read on its own; the other files "
            f"({', '.join(p.name for p in companions)}) belong to another recording."
        )
    return UploadPlan("eeg", (main,), tuple(companions))


def extract_zip(
    archive: Path, dest: Path, *, max_bytes: int, max_members: int = 20_000
) -> Path:
    """Extract a NeuCube CSV study archive safely and return its study folder.

    Every member must be a regular file or folder with a relative path inside ``dest`` (no
    ``..``, no absolute path, no link), and the uncompressed total must stay below
    ``max_bytes``; past :data:`_RATIO_FROM` bytes it may also expand at most
    :data:`_MAX_RATIO` times (a zip bomb expands a thousand times). All of it is checked from
    the archive's directory before anything is extracted; the sizes declared there bound what
    extraction writes (Python's zipfile stops at them). The study folder is the one holding
    ``tar_class_labels.csv``; when none does, the extraction root is returned and the loader
    explains what is missing.
    """
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UploadError(f"{archive.name}: expected a zip archive; found {exc}.") from exc
    with zf:
        members = zf.infolist()
        if len(members) > max_members:
            raise UploadError(
                f"{archive.name}: expected at most {max_members} files; found {len(members)}."
            )
        total = sum(m.file_size for m in members)
        if total > max_bytes:
            raise UploadError(
                f"{archive.name}: expected at most {max_bytes / 1e6:.0f} MB uncompressed; found "
                f"{total / 1e6:.1f} MB."
            )
        packed = sum(m.compress_size for m in members)
        if total > _RATIO_FROM and total > _MAX_RATIO * max(packed, 1):
            raise UploadError(
                f"{archive.name}: expected an archive that expands at most {_MAX_RATIO} times; "
                f"found {packed / 1e6:.2f} MB that expand to {total / 1e6:.0f} MB "
                f"({total / max(packed, 1):.0f} times)."
            )
        root = dest.resolve()
        for m in members:
            name = PurePosixPath(m.filename.replace("\\", "/"))
            is_link = (m.external_attr >> 16) & 0o170000 == 0o120000
            target = (root / name).resolve()
            if name.is_absolute() or ".." in name.parts or is_link or not (
                target == root or root in target.parents
            ):
                raise UploadError(
                    f"{archive.name}: expected files inside the archive's own folder; found "
                    f"{m.filename!r}."
                )
        root.mkdir(parents=True, exist_ok=True)
        try:
            zf.extractall(root)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise UploadError(f"{archive.name}: the archive is damaged ({exc}).") from exc
    labels = sorted(
        (p for p in root.rglob("tar_class_labels.csv") if "__MACOSX" not in p.parts),
        key=lambda p: len(p.parts),
    )
    return labels[0].parent if labels else root


#: Largest uncompressed size of an uploaded zip archive (NeuCube's wrist study is 0.8 MB).
MAX_EXTRACT_BYTES = 500_000_000
#: Largest expansion (uncompressed / compressed) of an archive larger than ``_RATIO_FROM`` bytes
#: uncompressed: numeric CSV compresses 3-10 times, an all-zero one about 300, a zip bomb 1000.
_MAX_RATIO = 100
_RATIO_FROM = 50_000_000
