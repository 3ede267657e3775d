"""Reading a recording with MNE: any EEG format, a Nicolet pair, EEGLAB epochs, MNE epochs."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from data_loaders._errors import ChannelError, FileFormatError
from data_loaders.eeg._mne import (
    _describe,
    _extension,
    _mne_errors,
    _mne_verbose,
    _truncation_hint,
)
from data_loaders.eeg.checks import (
    _check_brainvision_size,
    _check_edf_size,
    check_recording_files,
)
from data_loaders.formats import EEG_EXTENSIONS

#: EEG file extensions :func:`read_recording` accepts: those of :func:`mne.io.read_raw` for EEG
#: systems (EDF/EDF+, BDF, GDF, BrainVision, EEGLAB, FIF, Neuroscan/ANT CNT, EGI MFF folders,
#: eXimia, Nihon Kohden ``.eeg``, Persyst ``.lay``) plus Nicolet ``.data``/``.head``.
SUPPORTED_EXTENSIONS = EEG_EXTENSIONS

_EPOCHS_SUFFIXES = ("-epo.fif", "_epo.fif", "-epo.fif.gz", "_epo.fif.gz")


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



def open_source(source: Any, *, stim_channel: str | None, verbose: Any) -> tuple[Any, list[str]]:
    """The preloaded MNE object of a path or (a copy of) an MNE object, and MNE's warnings."""
    import mne

    desc = _describe(source)
    caught: list[str] = []
    if isinstance(source, str | os.PathLike):
        return _read(source, stim_channel=stim_channel, verbose=verbose)
    if isinstance(source, mne.io.BaseRaw | mne.BaseEpochs):
        with _mne_errors(desc, "an MNE object whose data can be loaded", caught):
            inst = source.copy()
            inst.load_data()
        if stim_channel is not None:
            _set_stim(inst, stim_channel, desc)
        return inst, caught
    raise TypeError(
        "The 'source' parameter of load_eeg must be a path, an mne.io.Raw or an mne.Epochs; "
        f"got {type(source).__name__}."
    )
