"""EEG recordings (any format MNE reads) to labelled trials with 3-D channel coordinates.

:func:`load_eeg` reads a file (EDF/EDF+, BDF, BrainVision, EEGLAB, FIF, Nicolet, GDF, CNT …),
or takes an :class:`mne.io.Raw`/:class:`mne.Epochs` object, finds the events (stim channel or
annotations), maps them to class labels, epochs, filters, resamples and rejects with MNE, and
returns a :class:`neucube.data.TrialSet` whose channels carry MNI (or Talairach) coordinates.

Every problem with the input is raised as a :mod:`data_loaders._errors` exception that names the
file and what was wrong, with MNE's own exception chained (``raise ... from exc``). Warnings MNE
emits while reading (for example annotations outside the data) are logged and kept in
``TrialSet.metadata["warnings"]``; rejected trials are counted in ``metadata["n_rejected"]`` and
summarised by reason in ``metadata["drop_log"]``. Channels that are constant over the whole
recording (flat: disconnected or zeroed electrodes) are marked bad and left out with a warning,
as MNE users would mark them by hand; a recording whose channels are all flat is an error.
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import numbers
import os
import re
import warnings
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from data_loaders._errors import ChannelError, EventError, FileFormatError, LoaderError
from data_loaders._paths import require_regular_file, resolve_companion
from data_loaders.coordinates import (
    DEFAULT_MONTAGE,
    is_non_eeg_name,
    locate_channels,
    normalize_channel_name,
    read_coordinate_file,
)
from neucube._validation import check_number, check_option
from neucube.data import TrialSet

__all__ = ["load_eeg", "read_recording", "check_recording_files", "SUPPORTED_EXTENSIONS"]

logger = logging.getLogger(__name__)

#: EEG file extensions :func:`read_recording` accepts: those of :func:`mne.io.read_raw` for EEG
#: systems (EDF/EDF+, BDF, GDF, BrainVision, EEGLAB, FIF, Neuroscan/ANT CNT, EGI MFF folders,
#: eXimia, Nihon Kohden ``.eeg``, Persyst ``.lay``) plus Nicolet ``.data``/``.head``.
SUPPORTED_EXTENSIONS = (
    ".edf", ".bdf", ".gdf", ".vhdr", ".ahdr", ".set", ".fif", ".fif.gz", ".cnt", ".mff",
    ".nxe", ".eeg", ".lay", ".data", ".head",
)  # fmt: skip

_EPOCHS_SUFFIXES = ("-epo.fif", "_epo.fif", "-epo.fif.gz", "_epo.fif.gz")
# BrainVision marker descriptions: "Stimulus/S253", "Stimulus/S  1", "Response/R255".
_BV_CODE_RE = re.compile(r"^(?:Stimulus|Response)/[SR]\s*(\d+)$")
_UNITS = {"uV": 1e6, "V": 1.0}
# MNE's annotations that mark data, not trials: "BAD_blink", "BAD", "EDGE boundary".
_NOT_TRIAL_RE = re.compile(r"^(?:BAD|EDGE)(?:[ _]|$)", re.IGNORECASE)
_DEFAULT_WINDOW = (-0.2, 0.8)


# ---------------------------------------------------------------------------------- helpers
def _describe(source: Any) -> str:
    """A short name for an input, to start error messages."""
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    filenames = [f for f in getattr(source, "filenames", ()) or () if f is not None]
    kind = type(source).__name__
    return f"{kind} of {os.fspath(filenames[0])}" if filenames else f"{kind} object"


#: MNE's FIF reader warns "Invalid tag with only 4/16 bytes at position …" where a file ends.
_FIF_TRUNCATED_RE = re.compile(r"Invalid tag with only \d+/\d+ bytes at position (\d+)")


def _truncation_hint(messages: Sequence[str]) -> str | None:
    """A sentence saying the file is truncated, when MNE's warnings show it."""
    for msg in messages:
        m = _FIF_TRUNCATED_RE.search(msg)
        if m:
            return f"The file ends inside a FIF tag at byte {m.group(1)}: it is truncated."
    return None


@contextlib.contextmanager
def _mne_errors(
    source: str,
    expected: str,
    caught: list[str],
    kind: type[LoaderError] = FileFormatError,
    hint: str | None = None,
) -> Iterator[None]:
    """Turn MNE exceptions into ``kind`` (a :class:`LoaderError`) and record MNE's warnings.

    The error's hint is ``hint``, else a sentence on truncation when MNE's warnings show one.
    """
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        try:
            yield
        except LoaderError:
            raise
        except Exception as exc:  # MNE raises ValueError, RuntimeError, OSError, struct.error …
            hint = hint or _truncation_hint([str(r.message) for r in records])
            raise kind(source, expected, f"{type(exc).__name__}: {exc}", hint) from exc
        finally:
            for rec in records:
                if issubclass(rec.category, DeprecationWarning | PendingDeprecationWarning):
                    continue
                msg = str(rec.message)
                logger.warning("%s: %s", source, msg)
                caught.append(msg)


def _mne_verbose(verbose: Any) -> Any:
    # MNE only emits Python warnings at log level <= WARNING; keep at least that so nothing
    # MNE notices (truncation, dropped annotations) goes unseen.
    return "warning" if verbose in (None, False) else verbose


def _extension(path: Path) -> str:
    name = path.name.lower()
    return ".fif.gz" if name.endswith(".fif.gz") else path.suffix.lower()


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


def read_recording(
    path: str | os.PathLike[str],
    *,
    stim_channel: str | None = None,
    verbose: Any = None,
) -> Any:
    """Read an EEG file with MNE, with clear errors for missing, empty, truncated or corrupt files.

    Parameters
    ----------
    path : str or path-like
        A recording in any format :func:`mne.io.read_raw` reads (see
        :data:`SUPPORTED_EXTENSIONS`), a Nicolet ``.head``/``.data`` pair, an EEGLAB ``.set``
        holding epochs, or an MNE ``-epo.fif`` file.
    stim_channel : str, optional
        Name of a trigger channel stored as an ordinary signal (EDF files often do: ``DIG DTRIG``).
        EDF/BDF/GDF readers are told about it, so its values stay integer codes; for other
        formats it is retyped as ``stim``. Matched case-insensitively.
    verbose : bool, str, int or None
        MNE's verbosity for the reading calls.

    Returns
    -------
    mne.io.BaseRaw or mne.BaseEpochs
        Preloaded data. Warnings MNE raised while reading are logged (:func:`load_eeg` also
        keeps them in ``metadata["warnings"]``).
    """
    raw, _ = _read(path, stim_channel=stim_channel, verbose=verbose)
    return raw


def _read(
    path: str | os.PathLike[str], *, stim_channel: str | None, verbose: Any
) -> tuple[Any, list[str]]:
    import mne

    path = Path(path)
    caught: list[str] = []
    if not path.exists():
        raise FileFormatError(path, "an existing EEG recording", "no such file or directory")
    ext = _extension(path)
    if ext not in SUPPORTED_EXTENSIONS:
        raise FileFormatError(
            path,
            f"an EEG file with one of the extensions {', '.join(SUPPORTED_EXTENSIONS)}",
            f"extension {ext or '(none)'!r}",
        )
    check_recording_files(path)
    if path.is_file() and path.stat().st_size == 0:
        raise FileFormatError(path, "EEG data", "an empty file (0 bytes)")
    if ext in (".edf", ".bdf"):
        _check_edf_size(path)
    elif ext in (".vhdr", ".ahdr"):
        _check_brainvision_size(path)

    verb = _mne_verbose(verbose)
    fmt = ext.lstrip(".").upper()
    expected, hint = f"a readable {fmt} recording", None
    if ext == ".eeg":
        # MNE reads a bare .eeg as Nihon Kohden; a BrainVision .eeg only holds the samples.
        expected = "a Nihon Kohden .eeg recording (the only kind read from a bare .eeg file)"
        vhdr = [p.name for p in path.parent.glob("*.vhdr") if p.stem == path.stem]
        hint = (
            f"A BrainVision .eeg file is read through its header: open {vhdr[0]} instead."
            if vhdr
            else "If it is BrainVision data, open its .vhdr header (with the .vmrk and .eeg "
            "beside it) instead."
        )
    with _mne_errors(os.fspath(path), expected, caught, hint=hint):
        if path.name.lower().endswith(_EPOCHS_SUFFIXES):
            inst = mne.read_epochs(path, preload=True, verbose=verb)
        elif ext in (".head", ".data"):
            data = path.with_suffix(".data")
            inst = mne.io.read_raw_nicolet(data, ch_type="eeg", preload=True, verbose=verb)
        elif ext == ".set":
            inst = _read_eeglab(path, verb)
        elif ext in (".edf", ".bdf", ".gdf") and stim_channel is not None:
            # These readers must be told the trigger channel: they then read it unscaled
            # (as integer codes) instead of as a signal in volts.
            header = mne.io.read_raw(path, preload=False, verbose=verb)
            stim_channel = _match_channel(header.ch_names, stim_channel, os.fspath(path))
            inst = mne.io.read_raw(path, preload=True, stim_channel=stim_channel, verbose=verb)
        else:
            inst = mne.io.read_raw(path, preload=True, verbose=verb)
    truncated = _truncation_hint(caught)
    if truncated:  # MNE read what was there and only warned
        raise FileFormatError(path, f"a complete {fmt} file", "a file that ends early", truncated)
    if stim_channel is not None:
        _set_stim(inst, stim_channel, os.fspath(path))
    return inst, caught


def _read_eeglab(path: Path, verbose: Any) -> Any:
    """An EEGLAB ``.set`` file (continuous or epoched), with clear errors for its ``.fdt``."""
    import mne

    expected = "a readable SET recording"
    try:
        try:
            return mne.io.read_raw_eeglab(path, preload=True, verbose=verbose)
        except TypeError as exc:
            if "number of trials" not in str(exc):
                raise
            # An EEGLAB file holding epochs rather than a continuous recording.
            return mne.io.read_epochs_eeglab(path, verbose=verbose)
    except FileNotFoundError as exc:
        # MNE: "File …/x.fdt not found." or "Could not find the .fdt data file, tried a and b."
        names = list(dict.fromkeys(Path(n).name for n in re.findall(r"[^\s,]+\.fdt", str(exc))))
        if not names:
            raise
        raise FileFormatError(
            path,
            f"its data file {names[-1]!r} beside it",
            "no such file",
            "An EEGLAB .set that keeps its samples in a .fdt file needs both files.",
        ) from exc
    except RuntimeError as exc:
        m = re.search(r"Incorrect number of samples \((\d+) != (\d+)\)", str(exc))
        if m is None:
            raise
        raise FileFormatError(
            path,
            expected,
            f"{type(exc).__name__}: {exc}",
            f"Its data file holds fewer samples than the header declares (MNE read "
            f"{m.group(1)} values where it expected {m.group(2)}): the .fdt file is truncated "
            "or belongs to another recording.",
        ) from exc
    except OSError as exc:
        if "could not read bytes" not in str(exc):
            raise
        # scipy.io.loadmat at the end of the data: the .set (MATLAB) file is cut short.
        raise FileFormatError(
            path, expected, f"{type(exc).__name__}: {exc}",
            "The MATLAB file ends early: it is truncated.",
        ) from exc
    except (AttributeError, KeyError) as exc:
        # A MATLAB file without the EEG structure's fields (MNE reads them as attributes).
        raise FileFormatError(
            path, expected, f"{type(exc).__name__}: {exc}",
            "It holds no complete EEGLAB EEG structure: the file is truncated or not an "
            "EEGLAB dataset.",
        ) from exc


def _match_channel(names: Sequence[str], wanted: str, source: str) -> str:
    """The recording's name for ``wanted`` (exact, else case-insensitive), or a ChannelError."""
    if wanted in names:
        return wanted
    matches = [n for n in names if n.lower() == wanted.lower()]
    if matches:
        return matches[0]
    import difflib

    close = difflib.get_close_matches(wanted, list(names), n=3)
    shown = list(names[:12]) + (["…"] if len(names) > 12 else [])
    raise ChannelError(
        source,
        f"a trigger channel named {wanted!r} (stim_channel)",
        f"channels {shown}",
        f"Did you mean {' or '.join(map(repr, close))}?" if close else None,
    )


def _set_stim(inst: Any, stim_channel: str, source: str) -> None:
    stim_channel = _match_channel(inst.ch_names, stim_channel, source)
    if inst.get_channel_types([stim_channel])[0] != "stim":
        inst.set_channel_types({stim_channel: "stim"}, on_unit_change="ignore", verbose=False)


# ---------------------------------------------------------------------------------- events
def _check_event_id(event_id: Any) -> dict[str, list[int | str]] | None:
    """Normalise the class mapping to ``{class name: [codes or descriptions]}``."""
    if event_id is None:
        return None
    if isinstance(event_id, Mapping):
        items = list(event_id.items())
    elif isinstance(event_id, Sequence) and not isinstance(event_id, str):
        items = [(str(v), v) for v in event_id]
    else:
        raise TypeError(
            "The 'event_id' parameter must be a mapping {class name: code(s) or description(s)} "
            f"or a sequence of codes/descriptions; got {event_id!r}."
        )
    if not items:
        raise ValueError(
            "The 'event_id' parameter must name at least one class; got an empty mapping."
        )
    out: dict[str, list[int | str]] = {}
    for name, values in items:
        vals = [values] if isinstance(values, str | numbers.Integral) else values
        ok = isinstance(vals, Sequence) and len(vals) > 0 and all(
            isinstance(v, str) or (isinstance(v, numbers.Integral) and not isinstance(v, bool))
            for v in vals
        )
        if not ok:
            raise ValueError(
                "The 'event_id' parameter must map each class to an int code, a description, or a "
                f"non-empty list of them; got {values!r} for class {name!r}."
            )
        out[str(name)] = [v if isinstance(v, str) else int(v) for v in vals]
    return out


def _matches(value: int | str, codes: np.ndarray, descs: np.ndarray) -> np.ndarray:
    """Which events a class value selects.

    An int matches the event code; a string matches the description exactly, as a glob
    (``"Stimulus/*"``) or by MNE's ``/``-tag rule (``"left"`` selects ``"auditory/left"``).
    """
    if not isinstance(value, str):
        return codes == value
    tags = set(value.split("/"))
    has_glob = any(c in value for c in "*?[")
    # Decide once per distinct description, then broadcast to the events.
    uniq, inverse = np.unique(descs.astype(str), return_inverse=True)
    hit = np.array(
        [
            d == value
            or (has_glob and fnmatch.fnmatchcase(d, value))
            or (d != "" and tags <= set(d.split("/")))
            for d in uniq
        ],
        dtype=bool,
    )
    return hit[inverse] if len(uniq) else np.zeros(len(descs), dtype=bool)


def _annotation_code(desc: str) -> int:
    m = _BV_CODE_RE.match(desc)
    if m:
        return int(m.group(1))
    return int(desc) if _is_int(desc) else -1


def _raw_events(
    raw: Any, mapping: dict[str, list] | None, events_from: str, source: str, verbose: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """All candidate events of a Raw as (samples, codes, descriptions, origin)."""
    import mne

    stim_picks = mne.pick_types(raw.info, stim=True, exclude=[])
    stim = None
    if events_from in ("auto", "stim") and len(stim_picks):
        stim_names = [raw.ch_names[i] for i in stim_picks]
        try:
            ev = mne.find_events(
                raw, stim_channel=stim_names, shortest_event=1, initial_event=True, verbose=verbose
            )
        except ValueError as exc:  # e.g. events shorter than one sample on every channel
            raise EventError(source, f"readable trigger events on {stim_names}", str(exc)) from exc
        stim = ev
    if events_from == "stim":
        if stim is None:
            raise EventError(
                source,
                "a trigger (stim) channel (events_from='stim')",
                "none",
                "Name the trigger channel with stim_channel=.",
            )
        return stim[:, 0], stim[:, 2], np.full(len(stim), "", dtype=object), "stim"
    wants_text = mapping is not None and any(
        isinstance(v, str) for vals in mapping.values() for v in vals
    )
    if events_from == "auto" and stim is not None and len(stim) and not wants_text:
        return stim[:, 0], stim[:, 2], np.full(len(stim), "", dtype=object), "stim"
    ann = raw.annotations
    if len(ann):
        descs = np.asarray(ann.description, dtype=object)
        samples = _annotation_samples(raw)
        codes = np.array([_annotation_code(d) for d in descs], dtype=np.int64)
        return samples, codes, descs, "annotations"
    if stim is not None and len(stim):
        return stim[:, 0], stim[:, 2], np.full(len(stim), "", dtype=object), "stim"
    raise EventError(
        source,
        "events to cut trials from (a trigger channel or annotations)",
        "no events: "
        + ("the stim channel never changes and " if stim is not None else "no stim channel and ")
        + "no annotations",
        "Name the trigger channel with stim_channel=, or check the file's markers.",
    )


def _annotation_samples(raw: Any) -> np.ndarray:
    """Absolute sample index of each annotation onset."""
    # The same arithmetic as mne.events_from_annotations: onsets count from orig_time when set.
    ann = raw.annotations
    idx = raw.time_as_index(ann.onset, use_rounding=True, origin=ann.orig_time)
    return np.asarray(idx, dtype=np.int64) + raw.first_samp


def _assign_classes(
    codes: np.ndarray,
    descs: np.ndarray,
    mapping: dict[str, list] | None,
    source: str,
    *,
    on_missing: str = "raise",
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class index per event (-1 when unmapped) and the class names, in mapping order."""
    if mapping is None:
        # Every distinct event becomes a class; MNE's BAD_/EDGE annotations are not trials.
        labels = [d if d != "" else str(c) for c, d in zip(codes, descs, strict=True)]
        uniq = {lab for lab in labels if not _NOT_TRIAL_RE.match(lab)}
        numeric = sorted((u for u in uniq if _is_int(u)), key=int)
        mapping = {u: [u] for u in numeric + sorted(uniq - set(numeric))}
        codes = np.where(np.asarray(descs) == "", codes, -1)
        descs = np.asarray(labels, dtype=object)
    names = tuple(mapping)
    y = np.full(len(codes), -1, dtype=np.int64)
    for k, (name, values) in enumerate(mapping.items()):
        hit = np.zeros(len(codes), dtype=bool)
        for v in values:
            hit |= _matches(v, codes, descs)
        clash = hit & (y >= 0) & (y != k)
        if clash.any():
            other = names[int(y[np.argmax(clash)])]
            raise EventError(
                source,
                "each event in at most one class (event_id)",
                f"{int(clash.sum())} events in both {other!r} and {name!r}",
            )
        if not hit.any() and on_missing != "ignore":
            err = EventError(
                source,
                f"events for class {name!r} (event_id values {values})",
                f"none; the file has {_event_summary(codes, descs)}",
            )
            if on_missing == "raise":
                raise err
            logger.warning("%s", err)
        y[hit] = k
    if (y < 0).all():
        raise EventError(
            source,
            f"events matching event_id {dict(mapping)}",
            f"none; the file has {_event_summary(codes, descs)}",
        )
    return y, names


def _is_int(text: str) -> bool:
    return text.strip().lstrip("-").isdigit()


def _event_summary(codes: np.ndarray, descs: np.ndarray, limit: int = 12) -> str:
    """``'T0' x19, code 1 x7, …``: what events a recording has, for error messages."""
    keys = [
        f"code {c}" if d == "" else f"{d!r}" + (f" (code {c})" if c >= 0 and d != str(c) else "")
        for c, d in zip(codes, descs, strict=True)
    ]
    counts = sorted(Counter(keys).items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [f"{k} x{n}" for k, n in counts[:limit]]
    more = f", … ({len(counts) - limit} more kinds)" if len(counts) > limit else ""
    return ", ".join(parts) + more if parts else "no events"


# ---------------------------------------------------------------------------------- channels
def _resolve_bads(inst: Any, bad_channels: Sequence[str] | None, source: str) -> list[str]:
    bads = list(inst.info["bads"])
    if bad_channels is None:
        return bads
    if isinstance(bad_channels, str):
        bad_channels = [bad_channels]
    names = inst.ch_names
    by_norm = {normalize_channel_name(n).lower(): n for n in names}
    for b in bad_channels:
        if b in names:
            hit = b
        else:
            hit = by_norm.get(normalize_channel_name(b).lower())
        if hit is None:
            import difflib

            close = difflib.get_close_matches(normalize_channel_name(b).lower(), list(by_norm), n=3)
            close = [by_norm[c] for c in close]
            raise ChannelError(
                source,
                "bad_channels that exist in the recording",
                f"{b!r}" + (f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""),
            )
        if hit not in bads:
            bads.append(hit)
    return bads


def _coordinate_args(coordinates: Any) -> tuple[str, dict | None]:
    """Split ``coordinates`` into a mode and optional user positions."""
    if coordinates is None:
        return "none", None
    if isinstance(coordinates, str) and coordinates in ("auto", "file", "template"):
        return coordinates, None
    if isinstance(coordinates, Mapping):
        return "user", dict(coordinates)
    if isinstance(coordinates, str | os.PathLike):
        return "user", read_coordinate_file(coordinates)
    raise TypeError(
        "The 'coordinates' parameter must be 'auto', 'file', 'template', None, a path to a "
        f"name,x,y,z CSV file or a mapping of channel name to (x, y, z); got {coordinates!r}."
    )


# ---------------------------------------------------------------------------------- main API
def load_eeg(
    source: str | os.PathLike[str] | Any,
    event_id: Mapping[str, Any] | Sequence[int | str] | None = None,
    tmin: float | None = None,
    tmax: float | None = None,
    *,
    baseline: tuple[float | None, float | None] | None = None,
    l_freq: float | None = None,
    h_freq: float | None = None,
    resample: float | None = None,
    reject: float | Mapping[str, float] | None = None,
    bad_channels: Sequence[str] | None = None,
    stim_channel: str | None = None,
    events_from: str = "auto",
    coordinates: Any = "auto",
    space: str = "mni",
    montage: str = DEFAULT_MONTAGE,
    on_unknown: str = "raise",
    exclude_non_eeg: bool = True,
    units: str = "uV",
    subject: str | None = None,
    session: str | None = None,
    run: str | None = None,
    verbose: Any = None,
    on_missing: str = "raise",
) -> TrialSet:
    """Load labelled EEG trials from a recording, with channel coordinates.

    Parameters
    ----------
    source : path-like, mne.io.Raw or mne.Epochs
        A file in any format :func:`read_recording` reads, or an MNE object (a copy is used;
        the object is not modified).
    event_id : mapping or sequence, optional
        Class labels: ``{"familiar": [1], "unfamiliar": [2, 3]}``. Values are trigger codes
        (int) or annotation/event descriptions (str; exact, glob such as ``"Stimulus/*"``, or
        MNE ``/`` tags). A sequence ``["T1", "T2"]`` uses each value as its own class. ``None``
        makes every distinct event a class (except ``BAD``/``EDGE`` annotations). Every class
        must match at least one event.
    tmin, tmax : float, optional
        Trial window around each event, in seconds. Defaults: -0.2 and 0.8 for continuous
        recordings; the epochs' own window for epoched input (which is cropped otherwise).
    baseline : (float or None, float or None), optional
        Baseline correction interval (MNE semantics); ``None`` applies none.
    l_freq, h_freq : float, optional
        Band-pass edges in Hz (MNE FIR filter), applied to the continuous data before epoching.
    resample : float, optional
        New sampling rate in Hz, applied to the epochs (MNE's anti-aliased resampling).
    reject : float or dict, optional
        Peak-to-peak amplitude rejection in **volts** (MNE convention), for example ``100e-6``;
        a float applies to EEG channels; a dict is passed to MNE as is.
    bad_channels : sequence of str, optional
        Channels to drop, in addition to those the file marks as bad (``info["bads"]``).
    stim_channel : str, optional
        Trigger channel to read events from when the file stores it as an ordinary signal.
    events_from : {"auto", "stim", "annotations"}
        Where events come from. ``"auto"`` uses the stim channel(s) when they have events and
        ``event_id`` has no string value, else the annotations.
    coordinates : {"auto", "file", "template"}, path, mapping or None
        Channel positions: ``"auto"`` uses positions stored in the file (digitisation or
        montage, taken to MNI as described in :mod:`data_loaders.coordinates`) when present and
        the template montage for the other channels; ``"file"`` is the same but raises when the
        file stores no positions; ``"template"`` ignores stored positions; a path (CSV
        ``name,x,y,z``) or mapping gives your own, in ``space``, before the template; ``None``
        gives no coordinates.
    space : {"mni", "talairach"}
        Space of the returned coordinates.
    montage : str
        Template montage for channel names (see :mod:`data_loaders.coordinates`).
    on_unknown : {"raise", "drop", "ignore"}
        Channels without a position: raise, drop them from the trials, or keep them and return
        no coordinates at all.
    exclude_non_eeg : bool
        Leave out channels named like EOG/ECG/EMG/trigger/status/reference (EDF files type them
        as EEG); channels MNE types as non-EEG are always left out.
    units : {"uV", "V"}
        Units of ``X``.
    subject, session, run : str, optional
        Ids stored for every trial.
    verbose : bool, str, int or None
        MNE's verbosity.
    on_missing : {"raise", "warn", "ignore"}
        What to do when an ``event_id`` class matches no event (as in :class:`mne.Epochs`);
        the class is kept in ``class_names`` either way, so runs can be concatenated.

    Returns
    -------
    TrialSet
        ``metadata`` holds ``source``, ``events_from``, ``n_events``, ``n_rejected``,
        ``drop_log`` (reason -> count, amplitude rejections as ``"amplitude"``),
        ``rejected_by_channel`` (channel -> trials it exceeded ``reject`` in), ``rejected_events``
        (indices into the matched events, in time order),
        ``bad_channels`` (including flat ones), ``flat_channels``, ``excluded_channels``,
        ``unknown_channels``, ``original_ch_names``,
        ``coordinate_sources``, ``coordinate_method``, ``units``, ``filter``, ``original_sfreq``
        and ``warnings``.

    Raises
    ------
    FileFormatError
        Missing, empty, truncated or corrupt file, unsupported extension, NaN/Inf samples.
    EventError
        No events, or an ``event_id`` class that matches none.
    ChannelError
        Unknown channel names (with ``on_unknown="raise"``), unknown ``bad_channels`` or
        ``stim_channel``, no EEG channel left, every channel flat.
    LoaderError
        MNE could not filter, epoch, crop or resample the data (MNE's error chained).
    """
    import mne

    check_option("events_from", events_from, ("auto", "stim", "annotations"), owner="load_eeg")
    check_option("space", space, ("mni", "talairach"), owner="load_eeg")
    check_option("on_unknown", on_unknown, ("raise", "drop", "ignore"), owner="load_eeg")
    check_option("units", units, tuple(_UNITS), owner="load_eeg")
    check_option("on_missing", on_missing, ("raise", "warn", "ignore"), owner="load_eeg")
    for name, val in (("l_freq", l_freq), ("h_freq", h_freq), ("resample", resample)):
        if val is not None:
            check_number(name, val, low=0, low_inclusive=False, owner="load_eeg")
    if l_freq is not None and h_freq is not None and l_freq >= h_freq:
        raise ValueError(
            f"The 'l_freq' parameter of load_eeg must be below h_freq={h_freq!r}; got {l_freq!r}."
        )
    for name, val in (("tmin", tmin), ("tmax", tmax)):
        if val is not None:
            check_number(name, val, owner="load_eeg")
    if tmin is not None and tmax is not None and tmin >= tmax:
        raise ValueError(
            f"The 'tmin' parameter of load_eeg must be below tmax={tmax!r}; got {tmin!r}."
        )
    if isinstance(reject, numbers.Real) and not isinstance(reject, bool):
        check_number("reject", reject, low=0, low_inclusive=False, owner="load_eeg")
        reject = {"eeg": float(reject)}
    elif reject is not None and not isinstance(reject, Mapping):
        raise TypeError(
            f"The 'reject' parameter of load_eeg must be None, a peak-to-peak threshold in volts "
            f"or a dict such as {{'eeg': 100e-6}}; got {reject!r}."
        )
    mapping = _check_event_id(event_id)
    coord_mode, user_positions = _coordinate_args(coordinates)

    desc = _describe(source)
    caught: list[str] = []
    verb = _mne_verbose(verbose)
    if isinstance(source, str | os.PathLike):
        inst, caught = _read(source, stim_channel=stim_channel, verbose=verbose)
    elif isinstance(source, mne.io.BaseRaw | mne.BaseEpochs):
        with _mne_errors(desc, "an MNE object whose data can be loaded", caught):
            inst = source.copy()
            inst.load_data()
        if stim_channel is not None:
            _set_stim(inst, stim_channel, desc)
    else:
        raise TypeError(
            "The 'source' parameter of load_eeg must be a path, an mne.io.Raw or an mne.Epochs; "
            f"got {type(source).__name__}."
        )
    is_epochs = isinstance(inst, mne.BaseEpochs)

    # ---- channels: EEG type, minus bads, minus non-EEG names, minus unknown (on_unknown="drop")
    bads = _resolve_bads(inst, bad_channels, desc)
    eeg = [inst.ch_names[i] for i in mne.pick_types(inst.info, eeg=True, exclude=[])]
    candidates = [n for n in eeg if n not in bads]
    excluded = [n for n in candidates if exclude_non_eeg and is_non_eeg_name(n)]
    candidates = [n for n in candidates if n not in excluded]
    if not candidates:
        raise ChannelError(
            desc,
            "at least one EEG channel",
            f"none among {inst.ch_names[:12]}{' …' if len(inst.ch_names) > 12 else ''} "
            f"(types {sorted(set(inst.get_channel_types()))}, bad {bads}, non-EEG {excluded})",
        )
    coords = coord_space = None
    loc = None
    if coord_mode == "file" and not _has_stored_positions(inst.info, candidates):
        raise ChannelError(
            desc,
            "electrode positions stored in the file (coordinates='file')",
            "none",
            "Use coordinates='auto' or 'template'.",
        )
    if coord_mode != "none":
        loc = locate_channels(
            candidates,
            space,
            montage=montage,
            positions=user_positions,
            positions_space=space,
            info=inst.info if coord_mode in ("auto", "file") else None,
            on_unknown=on_unknown,
            exclude_non_eeg=False,  # done above, with the recording's own types
            source=desc,
        )
        candidates = list(loc.ch_names)
        if loc.unknown and on_unknown == "ignore":
            logger.warning(
                "%s: no position for %s; the trials carry no coordinates (on_unknown='ignore')",
                desc, list(loc.unknown),
            )
        else:
            coords, coord_space = loc.coords, space

    # ---- samples must be finite before any filtering spreads a NaN
    with _mne_errors(desc, "readable samples", caught):
        data = inst.get_data(picks=candidates)
    finite = np.isfinite(data)
    if not finite.all():
        axis = tuple(a for a in range(data.ndim) if a != data.ndim - 2)
        bad_ch = [candidates[i] for i in np.flatnonzero(~finite.all(axis=axis))]
        raise FileFormatError(
            desc,
            "finite EEG samples",
            f"{int((~finite).sum())} NaN/Inf samples in channels {bad_ch}, "
            + _first_non_finite(~finite, candidates, inst),
        )
    # ---- flat (constant) channels carry nothing: marked bad and left out, as MNE users expect
    sources = None if loc is None else list(loc.sources)
    flat = [candidates[i] for i in _flat_channels(data)]
    del data
    degenerate = [n for n in _degenerate_range_channels(inst) if n in candidates and n not in flat]
    if degenerate:  # MNE reads them with a made-up range of 1: samples of no known scale
        msg = ("channels whose header declares an empty range (physical_min == physical_max or "
               f"digital_min == digital_max; their samples have no scale) marked bad and left "
               f"out: {degenerate}")
        logger.warning("%s: %s", desc, msg)
        caught.append(msg)
        flat = flat + degenerate
    if flat and len(flat) == len(candidates):
        raise ChannelError(
            desc,
            "at least one EEG channel whose samples vary",
            f"all {len(flat)} channels flat (constant over the whole recording"
            f"{' or with an empty header range' if degenerate else ''}): {flat}",
            "Check that the electrodes were connected and the file's scaling is right.",
        )
    if len(flat) > len(degenerate):
        msg = ("flat channels (constant over the whole recording) marked bad and left out: "
               f"{[n for n in flat if n not in degenerate]}")
        logger.warning("%s: %s", desc, msg)
        caught.append(msg)
    if flat:
        keep = [i for i, n in enumerate(candidates) if n not in flat]
        candidates = [candidates[i] for i in keep]
        coords = None if coords is None else coords[keep]
        sources = None if sources is None else [sources[i] for i in keep]
        bads = bads + flat

    original_sfreq = float(inst.info["sfreq"])
    # Keep channels a reject= key needs (e.g. EOG) in the epochs, not in the trials.
    extra_types = set(reject or {}) - {"eeg"}
    extra = [
        n
        for n, t in zip(inst.ch_names, inst.get_channel_types(), strict=True)
        if t in extra_types and n not in candidates and n not in bads
    ]
    run_args = dict(
        picks=candidates + extra, baseline=baseline, l_freq=l_freq, h_freq=h_freq, reject=reject,
        source=desc, caught=caught, verbose=verb, on_missing=on_missing,
    )
    if is_epochs:
        epochs, class_names, report = _epochs_from_epochs(inst, mapping, tmin, tmax, **run_args)
    else:
        epochs, class_names, report = _epochs_from_raw(
            inst, mapping, tmin, tmax, events_from=events_from, **run_args
        )
    n_events, dropped, reasons = report["n_events"], report["dropped"], report["reasons"]
    if dropped:
        logger.info("%s: rejected %d of %d trials: %s", desc, len(dropped), n_events, reasons)
    if len(epochs) == 0:
        raise EventError(
            desc,
            "at least one trial left after epoching and rejection",
            f"all {n_events} trials rejected ({reasons})",
            "Loosen reject=, or check tmin/tmax against the recording's length.",
        )
    if resample is not None and resample != epochs.info["sfreq"]:
        expected = f"data that can be resampled to {resample} Hz"
        with _mne_errors(desc, expected, caught, LoaderError):
            epochs.resample(resample, verbose=verb)

    X = epochs.get_data(picks=candidates) * _UNITS[units]
    y = epochs.events[:, 2] - 1  # event codes were set to class index + 1
    canon = [normalize_channel_name(n, montage=montage) for n in candidates]
    out_names = canon if loc is not None and len(set(canon)) == len(canon) else list(candidates)
    meta = {
        "source": desc,
        "format": type(inst).__name__,
        "events_from": report["origin"],
        "event_id": None if mapping is None else {k: list(v) for k, v in mapping.items()},
        "n_events": int(n_events),
        "n_rejected": len(dropped),
        "rejected_events": dropped,
        "drop_log": reasons,
        "rejected_by_channel": report["channels"],
        "bad_channels": list(bads),
        "flat_channels": flat,
        "excluded_channels": excluded,
        "unknown_channels": [] if loc is None else list(loc.unknown),
        "original_ch_names": list(candidates),
        "coordinate_sources": (
            None if coords is None else dict(zip(out_names, sources, strict=True))
        ),
        "coordinate_method": None if coords is None else _method(loc),
        "montage": montage if coords is not None else None,
        "units": units,
        "filter": {"l_freq": l_freq, "h_freq": h_freq},
        "baseline": None if baseline is None else list(baseline),
        "original_sfreq": original_sfreq,
        "warnings": list(caught),
    }
    n = len(epochs)
    return TrialSet(
        X,
        y,
        sfreq=float(epochs.info["sfreq"]),
        ch_names=out_names,
        coords=coords,
        space=coord_space,
        class_names=class_names,
        tmin=float(epochs.tmin),
        subject=None if subject is None else [str(subject)] * n,
        session=None if session is None else [str(session)] * n,
        run=None if run is None else [str(run)] * n,
        metadata=meta,
    )


def _first_non_finite(bad: np.ndarray, names: Sequence[str], inst: Any) -> str:
    """Where the first NaN/Inf sample is: ``"the first at sample 120 (0.469 s) of 'Cz'"``."""
    if bad.ndim == 2:  # continuous: (channels, times); the earliest sample in time
        t = int(np.flatnonzero(bad.any(axis=0))[0])
        ch = names[int(np.flatnonzero(bad[:, t])[0])]
        return f"the first at sample {t} ({float(inst.times[t]):.3f} s) of {ch!r}"
    e, c, t = (int(i) for i in np.argwhere(bad)[0])  # epochs: (epochs, channels, times)
    return f"the first in epoch {e} at sample {t} ({float(inst.times[t]):.3f} s) of {names[c]!r}"


def _degenerate_range_channels(inst: Any) -> list[str]:
    """EDF/BDF/GDF channels whose header range is empty (their samples cannot be scaled).

    MNE's EDF reader keeps the header's ranges in ``_raw_extras`` (one per file) and replaces an
    empty range by 1 with a warning, which turns the samples into numbers of no known unit.
    """
    out: list[str] = []
    for extras in getattr(inst, "_raw_extras", None) or []:
        if not isinstance(extras, dict) or "physical_min" not in extras:
            continue
        names = list(extras.get("ch_names", []))
        ranges = [np.asarray(extras.get(k, []), dtype=float) for k in
                  ("physical_min", "physical_max", "digital_min", "digital_max")]
        if not names or any(r.shape != (len(names),) for r in ranges):
            continue
        pmin, pmax, dmin, dmax = ranges
        empty = (pmax == pmin) | (dmax == dmin) | ~np.isfinite(pmax - pmin + dmax - dmin)
        out += [names[i] for i in np.flatnonzero(empty) if names[i] not in out]
    return out


def _flat_channels(data: np.ndarray) -> list[int]:
    """Indices of channels whose samples never change (axis -2 is the channel axis)."""
    per_channel = np.moveaxis(data, -2, 0).reshape(data.shape[-2], -1)
    return [int(i) for i in np.flatnonzero(np.ptp(per_channel, axis=1) == 0)]


def _has_stored_positions(info: Any, names: Sequence[str]) -> bool:
    """Whether any of ``names`` has a position (a set, finite ``loc``) in ``info``."""
    wanted = set(names)
    locs = np.array([ch["loc"][:3] for ch in info["chs"] if ch["ch_name"] in wanted], dtype=float)
    return bool(len(locs) and (np.isfinite(locs).all(axis=1) & locs.any(axis=1)).any())


def _method(loc: Any) -> str:
    """How the returned coordinates were obtained, for provenance."""
    if "file" in loc.sources:
        return loc.method
    return "user" if "user" in loc.sources else "template"


def _drop_report(
    before: Sequence[tuple], after: Sequence[tuple], ch_names: Sequence[str]
) -> tuple[list[int], dict[str, int], dict[str, int]]:
    """Trials dropped between two MNE drop logs.

    Returns the dropped indices, a reason -> count summary (amplitude rejections are counted
    as ``"amplitude"``) and, for those, channel -> count of trials it exceeded the threshold in.
    """
    dropped = [i for i, (b, a) in enumerate(zip(before, after, strict=True)) if a and not b]
    names = set(ch_names)
    reasons: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    for i in dropped:
        chans = [r for r in after[i] if r in names]
        other = [r for r in after[i] if r not in names]
        if chans:
            reasons["amplitude"] += 1
            channels.update(chans)
        for r in other:
            reasons[r] += 1
    return dropped, dict(reasons), dict(channels.most_common())


def _epochs_from_raw(
    raw: Any, mapping: dict | None, tmin: float | None, tmax: float | None, *, events_from: str,
    picks: list[str], baseline: Any, l_freq: float | None, h_freq: float | None, reject: Any,
    source: str, caught: list[str], verbose: Any, on_missing: str,
) -> tuple[Any, tuple[str, ...], dict[str, Any]]:
    import mne

    samples, codes, descs, origin = _raw_events(raw, mapping, events_from, source, verbose)
    y, class_names = _assign_classes(codes, descs, mapping, source, on_missing=on_missing)
    keep = y >= 0
    samples, y = samples[keep], y[keep]
    order = np.argsort(samples, kind="stable")
    samples, y = samples[order], y[order]
    # Two events at one sample: harmless when they agree on the class, ambiguous otherwise.
    same = np.flatnonzero(np.diff(samples) == 0)
    if same.size:
        conflict = same[y[same] != y[same + 1]]
        if conflict.size:
            k = int(conflict[0])
            raise EventError(
                source,
                "one class per event time",
                f"{conflict.size} times with events of two classes (first at sample "
                f"{int(samples[k])}: {class_names[y[k]]!r} and {class_names[y[k + 1]]!r})",
                "Pass event_id to choose which events are trials.",
            )
        first = np.ones(len(samples), dtype=bool)
        first[same + 1] = False
        logger.info("%s: merged %d duplicate events", source, int((~first).sum()))
        samples, y = samples[first], y[first]
    events = np.column_stack([samples, np.zeros_like(samples), y + 1]).astype(np.int64)
    event_id = {class_names[k]: k + 1 for k in np.unique(y)}
    tmin = _DEFAULT_WINDOW[0] if tmin is None else tmin
    tmax = _DEFAULT_WINDOW[1] if tmax is None else tmax
    with _mne_errors(source, "data that can be filtered and epoched", caught, LoaderError):
        if l_freq is not None or h_freq is not None:
            raw.filter(l_freq, h_freq, picks=picks, verbose=verbose)
        epochs = mne.Epochs(
            raw, events, event_id=event_id, tmin=tmin, tmax=tmax, baseline=baseline,
            picks=picks, reject=reject, preload=True, reject_by_annotation=True,
            on_missing="ignore", verbose=verbose,
        )
    dropped, reasons, channels = _drop_report([()] * len(events), epochs.drop_log, raw.ch_names)
    return epochs, class_names, {
        "n_events": len(events), "dropped": dropped, "reasons": reasons, "channels": channels,
        "origin": origin,
    }


def _epochs_from_epochs(
    epochs: Any, mapping: dict | None, tmin: float | None, tmax: float | None, *,
    picks: list[str], baseline: Any, l_freq: float | None, h_freq: float | None, reject: Any,
    source: str, caught: list[str], verbose: Any, on_missing: str,
) -> tuple[Any, tuple[str, ...], dict[str, Any]]:
    code_to_name = {code: name for name, code in epochs.event_id.items()}
    codes = epochs.events[:, 2].astype(np.int64)
    descs = np.asarray([code_to_name.get(c, "") for c in codes], dtype=object)
    y, class_names = _assign_classes(codes, descs, mapping, source, on_missing=on_missing)
    keep = np.flatnonzero(y >= 0)
    with _mne_errors(
        source, "epochs that can be filtered, cropped and rejected", caught, LoaderError
    ):
        sub = epochs[keep].pick(picks)
        sub.events[:, 2] = y[keep] + 1
        sub.event_id = {class_names[k]: k + 1 for k in np.unique(y[keep])}
        if l_freq is not None or h_freq is not None:
            sub.filter(l_freq, h_freq, verbose=verbose)
        if baseline is not None:
            sub.apply_baseline(baseline, verbose=verbose)
        if tmin is not None or tmax is not None:
            sub.crop(tmin, tmax, verbose=verbose)
        before = list(sub.drop_log)
        if reject is not None:
            sub.drop_bad(reject=reject, verbose=verbose)
    # MNE's drop_log indexes the events the epochs were first made from (``selection``);
    # report positions among the epochs selected here instead.
    dropped_all, reasons, channels = _drop_report(before, sub.drop_log, epochs.ch_names)
    position = {int(epochs.selection[k]): i for i, k in enumerate(keep)}
    dropped = [position[i] for i in dropped_all if i in position]
    return sub, class_names, {
        "n_events": len(keep), "dropped": dropped, "reasons": reasons, "channels": channels,
        "origin": "epochs",
    }
