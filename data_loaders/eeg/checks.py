"""Checks made before any reader opens a recording: sizes, and companions that stay beside it.

MNE silently shortens truncated EDF/BDF files and follows the file names a header stores
(BrainVision ``DataFile=``, EEGLAB ``EEG.data``, FIF split files); these checks refuse a
truncated file, or a name that leaves the recording's folder or is not a regular file, first.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import Any

from data_loaders._errors import FileFormatError
from data_loaders._paths import require_regular_file, resolve_companion
from data_loaders.eeg._mne import _extension

# One logger for the package (its name is in users' logs).
logger = logging.getLogger("data_loaders.eeg")


def _check_edf_size(path: Path) -> None:
    """EDF/BDF: the header gives the record count and size, so a truncated file is detectable.

    MNE silently shortens such files to the records present; for research data that is an
    error, not a warning. MNE also picks 16- or 24-bit samples from the extension alone, so a
    BDF file named ``.edf`` (or the reverse) is refused here instead of being misread.
    """
    with path.open("rb") as fid:
        head = fid.read(256)
        if len(head) < 256:
            raise FileFormatError(
                path, "an EDF/BDF header of at least 256 bytes", f"{len(head)} bytes"
            )
        # The version field: BDF starts with byte 0xFF ("\xffBIOSEMI"), EDF with "0".
        ext, version = _extension(path), head[:1]
        if (ext, version) in ((".edf", b"\xff"), (".bdf", b"0")):
            is_bdf = version == b"\xff"
            found, right = ("a BDF header (24-bit samples)", ".bdf") if is_bdf else (
                "an EDF header (16-bit samples)", ".edf")
            raise FileFormatError(
                path,
                f"{'an EDF' if is_bdf else 'a BDF'} file, as its extension says",
                found,
                f"Rename it to {path.stem}{right}.",
            )
        try:
            header_bytes = int(head[184:192].decode("ascii").strip())
            n_records = int(head[236:244].decode("ascii").strip())
            n_channels = int(head[252:256].decode("ascii").strip())
        except ValueError as exc:
            raise FileFormatError(
                path,
                "an EDF/BDF header (numeric header size, record and signal counts)",
                f"non-numeric fields {head[184:192]!r}, {head[236:244]!r}, {head[252:256]!r}",
            ) from exc
        fid.seek(256 + 216 * n_channels)
        raw_ns = fid.read(8 * n_channels)
    try:
        samples = [int(raw_ns[8 * k : 8 * (k + 1)].decode("ascii")) for k in range(n_channels)]
    except ValueError as exc:
        raise FileFormatError(path, "numeric samples-per-record fields", repr(raw_ns[:64])) from exc
    if n_records <= 0:  # -1: recording not closed; MNE infers the count from the size
        return
    width = 3 if head[:1] == b"\xff" else 2  # BDF stores 24-bit samples
    expected = header_bytes + n_records * sum(samples) * width
    size = path.stat().st_size
    if size < expected:
        raise FileFormatError(
            path,
            f"{expected} bytes (its header declares {n_records} data records of "
            f"{sum(samples)} samples)",
            f"{size} bytes: the file is truncated",
        )


def _companion_hint(path: Path, suffix: str) -> str | None:
    """Which files of that kind are beside a BrainVision header, when it names another."""
    others = sorted(p.name for p in path.parent.glob(f"*{suffix}") if p.is_file())
    if not others:
        return None
    return (
        f"Beside it: {', '.join(others[:5])}. A .vhdr names its own data and marker files "
        "(DataFile=, MarkerFile=): use the three files of one recording, or correct those lines."
    )


#: ``DataFile=``/``MarkerFile=`` lines, as configparser (MNE's reader) accepts them: any case,
#: ``=`` or ``:``, in any section.
_BV_COMPANION_RE = re.compile(
    r"^[ \t]*(datafile|markerfile)[ \t]*[=:][ \t]*(.*?)[ \t]*$", re.IGNORECASE | re.MULTILINE
)
#: Largest BrainVision header read (256 channels with positions take about 30 kB).
_MAX_BV_HEADER_BYTES = 16_000_000
_BV_WHAT = {
    "datafile": ("its data file", "DataFile"), "markerfile": ("its marker file", "MarkerFile"),
}


def _brainvision_texts(raw: bytes) -> list[str]:
    """The header below its version line, decoded as MNE does (``Codepage=``) and as Latin-1.

    Companion names are checked in both readings, so no encoding trick hides one from the check
    that MNE would then follow.
    """
    body = raw.split(b"\n", 1)[1] if b"\n" in raw else b""  # MNE skips the version line
    texts = [body.decode("latin-1")]
    m = re.search(rb"Codepage=(.+)", body, re.IGNORECASE)
    codepage = m.group(1).decode("ascii", "ignore").strip() if m else "utf-8"
    try:
        texts.append(body.decode("cp1252" if codepage == "ANSI" else codepage))
    except (UnicodeDecodeError, LookupError):
        pass
    return texts


def _brainvision_companions(path: Path) -> dict[str, list[tuple[str, Path]]]:
    """Every ``DataFile``/``MarkerFile`` value of a header, each checked to stay in its folder.

    Returns ``{"datafile": [(value, path), ...], "markerfile": [...]}``; raises a
    :class:`FileFormatError` for a name that leaves the header's folder or names a file that is
    not a regular file (a pipe, a device, a directory), before MNE opens it.
    """
    import configparser

    found: dict[str, list[tuple[str, Path]]] = {"datafile": [], "markerfile": []}
    values: list[tuple[str, str]] = []
    size = path.stat().st_size
    if size > _MAX_BV_HEADER_BYTES:  # a header is text of a few kB; this one is not a header
        raise FileFormatError(
            path, f"a BrainVision header of at most {_MAX_BV_HEADER_BYTES // 1_000_000} MB",
            f"{size / 1e6:.0f} MB",
        )
    for text in _brainvision_texts(path.read_bytes()):
        values += [(k.lower(), v) for k, v in _BV_COMPANION_RE.findall(text)]
        # configparser joins indented continuation lines to a value: read as MNE reads.
        cfg = configparser.ConfigParser(interpolation=None, strict=False)
        try:
            cfg.read_string(text.split("[Comment]")[0])
        except configparser.Error:
            continue  # MNE reports the malformed header
        for section in cfg.sections():
            values += [(k, cfg.get(section, k)) for k in ("datafile", "markerfile")
                       if cfg.has_option(section, k)]
    for key, value in dict.fromkeys(values):
        value = value.strip()
        if not value:
            continue
        what, field = _BV_WHAT[key]
        target = resolve_companion(path, value, what=what, field=field)
        if target.exists() or target.is_symlink():
            require_regular_file(target, what, source=path)
        if value not in [v for v, _ in found[key]]:
            found[key].append((value, target))
    return found


def _check_brainvision_size(path: Path) -> None:
    """BrainVision: the companions the header names exist, and the data hold whole samples.

    MNE reads a header whose marker file is missing as a recording without events, which
    only surfaces later as "no events"; a header naming files of another recording is the
    usual cause, so both companions are checked here. So is where they are: MNE follows the
    names, so a name leaving the header's folder is refused first (:func:`_brainvision_companions`).
    """
    text = path.read_text(encoding="latin-1")
    fields = dict(re.findall(r"^\s*(\w+)\s*=\s*(.*?)\s*$", text, flags=re.MULTILINE))
    companions = _brainvision_companions(path)
    if not companions["datafile"]:
        return  # let MNE report the malformed header
    data_file, data_path = companions["datafile"][0]
    if not data_path.is_file():
        raise FileFormatError(
            path, f"its data file {data_file!r} beside it", "no such file",
            _companion_hint(path, ".eeg"),
        )
    for marker_file, marker_path in companions["markerfile"][:1]:
        if not marker_path.is_file():
            raise FileFormatError(
                path, f"its marker file {marker_file!r} beside it", "no such file",
                _companion_hint(path, ".vmrk"),
            )
    if data_path.stat().st_size == 0:
        raise FileFormatError(data_path, "EEG samples", "an empty file (0 bytes)")
    width = {"INT_16": 2, "UINT_16": 2, "IEEE_FLOAT_32": 4, "INT_32": 4}.get(
        fields.get("BinaryFormat", "").upper()
    )
    n_ch = int(fields["NumberOfChannels"]) if fields.get("NumberOfChannels", "").isdigit() else 0
    if fields.get("DataFormat", "BINARY").upper() != "BINARY" or not width or not n_ch:
        return
    size = data_path.stat().st_size
    if size % (width * n_ch):
        raise FileFormatError(
            data_path,
            f"a whole number of samples ({n_ch} channels x {width} bytes each)",
            f"{size} bytes, {size % (width * n_ch)} bytes of a partial sample: "
            "the file is truncated, or the header's channel count or format is not its own",
        )


def _eeglab_data_name(path: Path) -> str | None:
    """The data file an EEGLAB ``.set`` names (``EEG.data``), read as MNE reads it; else None.

    None when the samples are in the ``.set`` itself or the file cannot be read (MNE then
    reports it). MNE's own header reader is used so the name checked is the name MNE follows.
    """
    try:
        from mne.io.eeglab.eeglab import _check_load_mat
    except ImportError:  # MNE moved it: read the whole MATLAB file instead
        from pymatreader import read_mat

        def _check_load_mat(fname: str, codec: Any, *, preload: bool) -> Any:
            mat = read_mat(fname)
            return mat.get("EEG", mat)
    try:
        eeg = _check_load_mat(os.path.abspath(path), None, preload=False)
        data = eeg.get("data")
    except Exception:  # noqa: BLE001 - MNE raises on the same file, with the mapped error
        return None
    return data if isinstance(data, str) else None


def _fif_split_files(path: Path) -> None:
    """Each next split file a FIF file names (``FIFF_REF_FILE_NAME``) stays in its folder.

    MNE joins the stored name to the folder and follows it, so an absolute name or one with
    ``..`` would make it read any file; each link of the chain is checked before MNE reads.
    """
    try:
        from mne._fiff.open import _get_next_fname, fiff_open
    except ImportError:  # pragma: no cover - MNE moved them; MNE then reads unchecked
        logger.warning("%s: cannot check the FIF split-file names with this MNE", path)
        return
    current, seen = path, set()
    while current not in seen and len(seen) < 1000:  # a chain, not a loop
        seen.add(current)
        try:
            fid, tree, _ = fiff_open(current, preload=False)
            with fid:
                following = _get_next_fname(fid, current, tree)
        except Exception:  # noqa: BLE001 - MNE reports the unreadable file itself
            return
        if following is None:
            return
        target = resolve_companion(path, os.path.abspath(following), what="its next split file",
                                   field="next split file")
        if not (target.exists() or target.is_symlink()):
            return  # MNE warns and stops at a missing split
        current = require_regular_file(target, "its next split file", source=path)


def check_recording_files(path: str | os.PathLike[str]) -> None:
    """Refuse, before any reader opens them, a recording or companion that is not safe to read.

    The recording must be a regular file (an EGI ``.mff`` a folder); the files it names or reads
    beside it (BrainVision ``DataFile``/``MarkerFile``, EEGLAB ``EEG.data``, FIF split files,
    the Nicolet ``.head``/``.data`` pair) must resolve, after symlinks, inside its folder and be
    regular files. Used by :func:`read_recording` and by :func:`data_loaders.load_bids` (mne-bids
    follows the same names).

    Raises
    ------
    FileFormatError
        Naming the file, what was expected and what was found (a named pipe, a directory, a
        ``DataFile=`` that climbs out of the folder …).
    """
    path = Path(path)
    ext = _extension(path)
    if ext == ".mff":  # EGI: a folder of files
        if not path.is_dir():
            raise FileFormatError(path, "an EGI .mff recording folder", "not a folder")
        return
    require_regular_file(path, "an EEG recording")
    if ext in (".vhdr", ".ahdr"):
        _brainvision_companions(path)
    elif ext == ".set":
        name = _eeglab_data_name(path)
        if name:
            target = resolve_companion(path, name, what="its data file", field="EEG.data")
            if target.exists() or target.is_symlink():
                require_regular_file(target, "its data file", source=path)
    elif ext in (".fif", ".fif.gz"):
        _fif_split_files(path)
    elif ext in (".head", ".data"):  # MNE reads the pair by name
        for sibling in (path.with_suffix(".head"), path.with_suffix(".data")):
            target = resolve_companion(path, sibling.name, what=f"its {sibling.suffix} file")
            if target.exists() or target.is_symlink():
                require_regular_file(target, f"its {sibling.suffix} file", source=path)

