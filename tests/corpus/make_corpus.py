"""Generate the bad-input corpus: malformed inputs for every entry point, with their errors.

Every input is written from scratch (numpy, MNE, nibabel and neucube's own writers), first as a
valid file and then broken in one way, so that the error a loader gives can only come from that
one defect. Nothing is copied from ``../shared``; nothing generated is committed.

Usage::

    python tests/corpus/make_corpus.py OUT      # writes OUT/<case id>/..., prints the table

or, from tests, ``build_corpus(tmp_path)`` returns the :class:`Case` list (see
``tests/test_corpus.py``). ``README.md`` beside this file lists the cases; ``python
tests/corpus/make_corpus.py --readme`` prints that table.

EDF/BDF, BrainVision and EEGLAB files are written by the small writers below because MNE's
exporters need packages (edfio, pybv, eeglabio) this project does not depend on; each writer's
output is checked to load (``build_valid`` and ``test_valid_inputs_load``).
"""

from __future__ import annotations

import argparse
import importlib
import json
import pickle
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from data_loaders._errors import ChannelError, EventError, FileFormatError  # noqa: E402
from neucube.persistence import ModelFileError  # noqa: E402
from neucube_study import StudyError  # noqa: E402

__all__ = ["Case", "Valid", "ENTRY_POINTS", "build_corpus", "build_valid", "readme_table"]

SFREQ = 100.0
N_TIMES = 1001  # 10.01 s: not a multiple of small channel counts (see bv_channel_count_mismatch)
CH_NAMES = ("Fz", "Cz", "Pz", "Oz")
#: Event sample and class of the 8 trials in every recording.
EVENTS = tuple((100 + 100 * k, 1 + k % 2) for k in range(8))


# =============================================================================== entry points
def _fit(X: Any, y: Any) -> Any:
    from neucube import NeuCubeClassifier
    from neucube.cube.template import grid_template

    # A 64-neuron grid and the pure-NumPy simulator: the input checks run before anything costly.
    clf = NeuCubeClassifier(backend="reference", template=grid_template((4, 4, 4)), random_state=0)
    return clf.fit(X, y)


def _imported(dotted: str) -> Callable[..., Any]:
    """``module.name`` imported when called (the corpus module itself stays light)."""
    module, name = dotted.rsplit(".", 1)

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    return call


#: Entry point name (as shown in the README) -> the function it calls.
ENTRY_POINTS: dict[str, Callable[..., Any]] = {
    **{name: _imported(name) for name in (
        "data_loaders.load_eeg", "data_loaders.read_recording", "data_loaders.load_neucube_csv",
        "data_loaders.load_marker_csv", "data_loaders.load_fmri", "neucube.TrialSet",
        "neucube_study.load_study", "neucube.load_model", "neucube_study.outputs.check_target")},
    "NeuCubeClassifier.fit": _fit,
    "app.extract_zip": lambda *args, **kwargs: _extract_zip(*args, **kwargs),
}


@dataclass(frozen=True)
class Case:
    """One malformed input and the error it must raise.

    Attributes
    ----------
    id : str
        Unique name; the case's files are in ``<out_dir>/<id>/``.
    family : str
        Kind of input: ``"EDF"``, ``"BDF"``, ``"BrainVision"``, ``"EEGLAB"``, ``"FIF"``,
        ``"CSV folder"``, ``"marker CSV"``, ``"NIfTI"``, ``"study"``, ``"model"``, ``"arrays"``.
    entry : str
        Key of :data:`ENTRY_POINTS`: the function that reads the input.
    problem : str
        What is wrong with the input (one line, for the README).
    error : type
        The exact exception class expected.
    match : str
        Regular expression the message must match (``re.search``); it names the input (file,
        folder, study key or parameter) and the problem.
    args, kwargs
        Arguments of the entry point.
    files : tuple of Path
        The files (or folders) of the case.
    upload : tuple of Path or None
        Files to upload on the app's Study page (a CSV folder as a ``.zip``), or ``None`` when
        the input cannot be uploaded there (studies and models are not uploaded).
    app_options : dict
        Study-page widgets to set before reading (widget key -> value).
    app_match : str or None
        Regular expression for the app's error box when it differs from ``match``.
    """

    id: str
    family: str
    entry: str
    problem: str
    error: type[BaseException]
    match: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    files: tuple[Path, ...] = ()
    upload: tuple[Path, ...] | None = None
    app_options: dict[str, Any] = field(default_factory=dict)
    app_match: str | None = None

    def run(self) -> Any:
        """Call the entry point on the input (raises the expected error when all is well)."""
        return ENTRY_POINTS[self.entry](*self.args, **self.kwargs)

    @property
    def expected(self) -> str:
        return f"{self.error.__name__}: /{self.match}/"


@dataclass(frozen=True)
class Valid:
    """An unbroken input of one family: it must load (the corpus breaks copies of these)."""

    family: str
    entry: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def run(self) -> Any:
        return ENTRY_POINTS[self.entry](*self.args, **self.kwargs)


# =============================================================================== writers
def signals(seed: int = 0, n_channels: int = len(CH_NAMES)) -> np.ndarray:
    """EEG-like noise in volts (20 uV SD), shape (n_channels, N_TIMES)."""
    return np.random.default_rng(seed).normal(0.0, 20e-6, (n_channels, N_TIMES))


def write_edf(
    path: Path,
    data: np.ndarray,
    ch_names: Sequence[str] = CH_NAMES,
    *,
    sfreq: float = SFREQ,
    bdf: bool = False,
    events: Sequence[tuple[int, int]] = EVENTS,
) -> Path:
    """Write an EDF+ (16-bit) or BDF+ (24-bit) file with events as ``T<code>`` annotations.

    Samples are in volts and stored in microvolts over a fixed +-1000 uV range, in 1-s data
    records (the samples after the last whole second are not written).
    """
    n_ch, n_times = data.shape
    spr = int(round(sfreq))
    n_rec = n_times // spr
    width = 3 if bdf else 2
    dmax = 2**23 - 1 if bdf else 2**15 - 1
    dmin, pmin, pmax = -dmax - 1, -1000.0, 1000.0
    tal_spr = -(-120 // width)  # 120 bytes of annotations per record
    labels = [*ch_names, "BDF Annotations" if bdf else "EDF Annotations"]
    annot = [lab.endswith("Annotations") for lab in labels]

    def fld(value: Any, n: int) -> bytes:
        raw = str(value).encode("ascii")
        if len(raw) > n:
            raise ValueError(f"EDF header field {value!r} is longer than {n} bytes")
        return raw.ljust(n)

    head = (b"\xffBIOSEMI" if bdf else fld("0", 8)) + fld("X X X X", 80)
    head += fld("Startdate 01-JAN-2020 X X X", 80) + fld("01.01.20", 8) + fld("00.00.00", 8)
    head += fld(256 * (len(labels) + 1), 8) + fld("BDF+C" if bdf else "EDF+C", 44)
    head += fld(n_rec, 8) + fld(1, 8) + fld(len(labels), 4)
    columns: list[list[Any]] = [
        [lab for lab in labels],
        [""] * len(labels),
        ["" if a else "uV" for a in annot],
        [-1 if a else int(pmin) for a in annot],
        [1 if a else int(pmax) for a in annot],
        [dmin] * len(labels),
        [dmax] * len(labels),
        [""] * len(labels),
        [tal_spr if a else spr for a in annot],
        [""] * len(labels),
    ]
    widths = (16, 80, 8, 8, 8, 8, 8, 80, 8, 32)
    for values, n in zip(columns, widths, strict=True):
        head += b"".join(fld(v, n) for v in values)
    scaled = (data * 1e6 - pmin) / (pmax - pmin) * (dmax - dmin) + dmin
    digital = np.clip(np.round(scaled), dmin, dmax).astype(np.int64)
    body = bytearray()
    for r in range(n_rec):
        for c in range(n_ch):
            seg = digital[c, r * spr : (r + 1) * spr]
            if bdf:  # 24-bit little-endian two's complement
                u = seg & 0xFFFFFF
                body += np.stack([u & 0xFF, (u >> 8) & 0xFF, u >> 16], 1).astype(np.uint8).tobytes()
            else:
                body += seg.astype("<i2").tobytes()
        tal = f"+{r}\x14\x14\x00".encode()  # the record's time stamp
        for sample, code in events:
            if r * spr <= sample < (r + 1) * spr:
                tal += f"+{sample / sfreq:g}\x14T{code}\x14\x00".encode()
        body += tal.ljust(tal_spr * width, b"\x00")
    path.write_bytes(head + bytes(body))
    return path


def write_brainvision(
    vhdr: Path,
    data: np.ndarray,
    ch_names: Sequence[str] = CH_NAMES,
    *,
    sfreq: float = SFREQ,
    events: Sequence[tuple[int, int]] = EVENTS,
) -> Path:
    """Write a BrainVision recording (``.vhdr`` + ``.vmrk`` + float32 ``.eeg``) in microvolts."""
    eeg, vmrk = vhdr.with_suffix(".eeg"), vhdr.with_suffix(".vmrk")
    chans = "\n".join(f"Ch{i + 1}={n},,1,µV" for i, n in enumerate(ch_names))
    vhdr.write_text(
        "Brain Vision Data Exchange Header File Version 1.0\n\n[Common Infos]\nCodepage=UTF-8\n"
        f"DataFile={eeg.name}\nMarkerFile={vmrk.name}\nDataFormat=BINARY\n"
        f"DataOrientation=MULTIPLEXED\nNumberOfChannels={len(ch_names)}\n"
        f"SamplingInterval={1e6 / sfreq:g}\n\n[Binary Infos]\nBinaryFormat=IEEE_FLOAT_32\n\n"
        f"[Channel Infos]\n{chans}\n",
        encoding="utf-8",
    )
    markers = ["Mk1=New Segment,,1,1,0"] + [
        f"Mk{i + 2}=Stimulus,S{code:3d},{sample + 1},1,0" for i, (sample, code) in enumerate(events)
    ]
    vmrk.write_text(
        "Brain Vision Data Exchange Marker File, Version 1.0\n\n[Common Infos]\nCodepage=UTF-8\n"
        f"DataFile={eeg.name}\n\n[Marker Infos]\n" + "\n".join(markers) + "\n",
        encoding="utf-8",
    )
    eeg.write_bytes(np.ascontiguousarray((data * 1e6).T, dtype="<f4").tobytes())
    return vhdr


def write_eeglab(
    path: Path,
    data: np.ndarray,
    ch_names: Sequence[str] = CH_NAMES,
    *,
    sfreq: float = SFREQ,
    events: Sequence[tuple[int, int]] = EVENTS,
    data_file: str | None = None,
) -> Path:
    """Write a continuous EEGLAB dataset: ``.set`` (MATLAB struct) + ``.fdt`` (float32 samples).

    ``data_file`` replaces the ``.fdt`` name stored in ``EEG.data`` (the samples are still
    written beside the ``.set``).
    """
    import scipy.io

    n_ch, n_times = data.shape
    chanlocs = np.zeros(n_ch, dtype=[("labels", object)])
    chanlocs["labels"] = list(ch_names)
    event = np.zeros(len(events), dtype=[("type", object), ("latency", object)])
    for i, (sample, code) in enumerate(events):
        event[i] = (str(code), float(sample + 1))  # EEGLAB latencies count from 1
    fdt = path.with_suffix(".fdt")
    fdt.write_bytes((data * 1e6).astype("<f4").tobytes(order="F"))
    eeg = {
        "setname": "corpus", "nbchan": float(n_ch), "trials": 1.0, "pnts": float(n_times),
        "srate": float(sfreq), "xmin": 0.0, "xmax": (n_times - 1) / sfreq,
        "data": data_file or fdt.name, "datfile": data_file or fdt.name, "chanlocs": chanlocs,
        "event": event, "ref": "common",
        "epoch": np.zeros((0, 0)), "icawinv": np.zeros((0, 0)),
    }  # fmt: skip
    scipy.io.savemat(path, {"EEG": eeg}, appendmat=False, oned_as="row")
    return path


def write_fif(
    path: Path,
    data: np.ndarray,
    ch_names: Sequence[str] = CH_NAMES,
    *,
    sfreq: float = SFREQ,
    events: Sequence[tuple[int, int]] = EVENTS,
) -> Path:
    """Write a raw FIF file with MNE, events on a ``STI 014`` trigger channel."""
    import mne

    stim = np.zeros((1, data.shape[1]))
    for sample, code in events:
        stim[0, sample] = code
    info = mne.create_info([*ch_names, "STI 014"], sfreq, ["eeg"] * len(ch_names) + ["stim"])
    raw = mne.io.RawArray(np.vstack([data, stim]), info, verbose="error")
    raw.save(path, overwrite=True, verbose="error")
    return path


def fif_data_offset(path: Path, data: np.ndarray) -> int:
    """Byte offset of the first data buffer's tag in a FIF file written by :func:`write_fif`.

    Found by searching for the first buffer's samples (big-endian float32, 1-s buffers), so no
    private MNE API is needed.
    """
    first = np.vstack([data[:, : int(SFREQ)], np.zeros((1, int(SFREQ)))])
    pos = path.read_bytes().find(first.T.astype(">f4").tobytes())
    if pos < 16:
        raise RuntimeError(f"{path}: first data buffer not found")
    return pos - 16  # the tag header (kind, type, size, next) precedes the samples


def write_neucube_folder(
    folder: Path,
    X: np.ndarray,
    labels: Sequence[Any],
) -> Path:
    """Write trials (n, channels, times) as samN_eeg.csv files + tar_class_labels.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    for k, trial in enumerate(X, start=1):
        rows = [",".join(f"{v:.4f}" for v in row) for row in trial.T]
        (folder / f"sam{k}_eeg.csv").write_text("\n".join(rows) + "\n")
    (folder / "tar_class_labels.csv").write_text("\n".join(str(v) for v in labels) + "\n")
    return folder


def neucube_trials(seed: int = 0, n: int = 4) -> np.ndarray:
    """``n`` trials of 3 features x 20 time points."""
    return np.random.default_rng(seed).normal(0.0, 1.0, (n, 3, 20))


def zip_folder(folder: Path, archive: Path) -> Path:
    """The folder as a zip archive whose members sit under the folder's own name."""
    with zipfile.ZipFile(archive, "w") as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(folder.parent).as_posix())
    return archive


def write_marker_csv(path: Path, data: np.ndarray, *, events: Sequence = EVENTS) -> Path:
    """A continuous CSV recording (timestamps, Cz, Pz, Marker) in microvolts, as LSL tools write."""
    markers = np.zeros(data.shape[1], dtype=int)
    for sample, code in events:
        markers[sample] = code
    lines = ["timestamps,Cz,Pz,Marker"] + [
        f"{1000 + t / SFREQ:.4f},{a:.3f},{b:.3f},{m}"
        for t, (a, b, m) in enumerate(zip(data[0] * 1e6, data[1] * 1e6, markers, strict=True))
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def write_bold(path: Path, data: np.ndarray, tr: float = 2.0) -> Path:
    """A NIfTI image with 3-mm voxels and ``tr`` in pixdim[4] (seconds)."""
    import nibabel as nib

    img = nib.Nifti1Image(data.astype(np.float32), np.diag([3.0, 3.0, 3.0, 1.0]))
    img.header.set_xyzt_units("mm", "sec")
    if data.ndim == 4:
        img.header["pixdim"][4] = tr
    nib.save(img, path)
    return path


def bold_data(seed: int = 0) -> np.ndarray:
    """A 4 x 4 x 3 grid, 12 volumes."""
    return np.random.default_rng(seed).normal(100.0, 5.0, (4, 4, 3, 12))


VOLUME_LABELS = ["rest"] * 2 + ["a"] * 3 + ["rest"] * 2 + ["b"] * 3 + ["rest"] * 2

STUDY = """\
[study]
name = "corpus"

[data]
source = "neucube_csv"
folder = "data"
sfreq = 100.0

[encoder]
encoder = "tbr"
encoder_alpha = 0.5
"""


def write_study(folder: Path, text: str = STUDY) -> Path:
    """A study file with a valid NeuCube folder ``data/`` beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    write_neucube_folder(folder / "data", neucube_trials(), [1, 2, 1, 2])
    path = folder / "study.toml"
    path.write_text(text)
    return path


def write_model(path: Path) -> Path:
    """A fitted NeuCubeClassifier (64-neuron grid, 3 channels) saved with ``save``."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 3, 20))
    _fit(X, np.repeat(["a", "b"], 4)).save(path)
    return path


def _rewrite_zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as zf:
        content = {n: zf.read(n) for n in zf.namelist()}
    content.update(members)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in content.items():
            zf.writestr(name, data)


def _truncate(path: Path, n_bytes: int) -> Path:
    path.write_bytes(path.read_bytes()[:n_bytes])
    return path


class _Payload:
    """Pickled in place of ``arrays.npz``; loading it would only build a harmless tuple."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (tuple, ((),))


# =============================================================================== the corpus
def _e(text: str) -> str:
    return re.escape(text)


def build_valid(out_dir: str | Path) -> list[Valid]:
    """Write one unbroken input per family into ``out_dir/valid`` (each must load)."""
    d = Path(out_dir) / "valid"
    d.mkdir(parents=True, exist_ok=True)
    x = signals()
    for sub in ("bv", "set"):
        (d / sub).mkdir(exist_ok=True)
    write_neucube_folder(d / "csv", neucube_trials(), [1, 2, 1, 2])
    (d / "labels.txt").write_text("\n".join(VOLUME_LABELS) + "\n")
    eeg = dict(tmin=-0.1, tmax=0.5)
    return [
        Valid("EDF", "data_loaders.load_eeg", (write_edf(d / "rec.edf", x),), eeg),
        Valid("BDF", "data_loaders.load_eeg", (write_edf(d / "rec.bdf", x, bdf=True),), eeg),
        Valid("BrainVision", "data_loaders.load_eeg",
              (write_brainvision(d / "bv" / "rec.vhdr", x),), eeg),
        Valid("EEGLAB", "data_loaders.load_eeg", (write_eeglab(d / "set" / "rec.set", x),), eeg),
        Valid("FIF", "data_loaders.load_eeg", (write_fif(d / "rec_raw.fif", x),), eeg),
        Valid("CSV folder", "data_loaders.load_neucube_csv", (d / "csv",), {"sfreq": 100.0}),
        Valid("marker CSV", "data_loaders.load_marker_csv",
              (write_marker_csv(d / "rec.csv", x),), {"tmin": -0.1, "tmax": 0.5}),
        Valid("NIfTI", "data_loaders.load_fmri",
              (write_bold(d / "bold.nii.gz", bold_data()), d / "labels.txt"), {"mask": "all"}),
        Valid("study", "neucube_study.load_study", (write_study(d / "study"),)),
        Valid("model", "neucube.load_model", (write_model(d / "model.zip"),)),
        Valid("arrays", "neucube.TrialSet", (neucube_trials(), [0, 1, 0, 1]),
              {"sfreq": 100.0, "ch_names": ["a", "b", "c"]}),
    ]  # fmt: skip


def build_corpus(out_dir: str | Path) -> list[Case]:
    """Write every malformed input into ``out_dir/<case id>/`` and return the cases.

    Parameters
    ----------
    out_dir : path-like
        An empty (or new) folder.

    Returns
    -------
    list of Case
        In README order; ids are unique.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    x = signals()
    eeg_kw = dict(tmin=-0.1, tmax=0.5)

    def folder(case_id: str) -> Path:
        d = out / case_id
        d.mkdir(parents=True, exist_ok=False)
        return d

    def add(case_id: str, family: str, entry: str, problem: str, error: type[BaseException],
            match: str, *args: Any, upload: Sequence[Path] | None = None, **kwargs: Any) -> None:
        options = kwargs.pop("app_options", {})
        app_match = kwargs.pop("app_match", None)
        files = tuple(a for a in (*args, *kwargs.values()) if isinstance(a, Path))
        cases.append(Case(case_id, family, entry, problem, error, match, tuple(args), kwargs,
                          files, None if upload is None else tuple(upload), options, app_match))

    # ------------------------------------------------------------------ EDF / BDF
    eeg = "data_loaders.load_eeg"
    truncated = r"expected \d+ bytes \(its header declares 10 data records of \d+ samples\); "
    for fmt, bdf in (("EDF", False), ("BDF", True)):
        ext = fmt.lower()
        d = folder(f"{ext}_truncated")
        p = write_edf(d / f"rec.{ext}", x, bdf=bdf)
        _truncate(p, p.stat().st_size * 2 // 3)
        add(d.name, fmt, eeg, "cut off in the middle of its data records", FileFormatError,
            _e(f"rec.{ext}: ") + truncated + r"found \d+ bytes: the file is truncated", p,
            upload=[p], **eeg_kw)
        d = folder(f"{ext}_header_only")
        p = write_edf(d / f"rec.{ext}", x, bdf=bdf)
        _truncate(p, 256 * (len(CH_NAMES) + 2))
        add(d.name, fmt, eeg, "the header alone, no data record", FileFormatError,
            _e(f"rec.{ext}: ") + truncated + f"found {256 * 6} bytes: the file is truncated", p,
            **eeg_kw)
        d = folder(f"{ext}_zero_length")
        p = d / f"rec.{ext}"
        p.write_bytes(b"")
        add(d.name, fmt, eeg, "an empty file (0 bytes)", FileFormatError,
            _e(f"rec.{ext}: expected EEG data; found an empty file (0 bytes)"), p, **eeg_kw)
    d = folder("edf_short_header")
    p = _truncate(write_edf(d / "rec.edf", x), 100)
    add(d.name, "EDF", "data_loaders.read_recording", "shorter than the 256-byte fixed header",
        FileFormatError,
        _e("rec.edf: expected an EDF/BDF header of at least 256 bytes; found 100 bytes"), p)
    d = folder("edf_named_bdf")
    p = write_edf(d / "rec.bdf", x)
    add(d.name, "EDF", "data_loaders.read_recording",
        "wrong extension: an EDF file (16-bit) named .bdf", FileFormatError,
        _e("rec.bdf: expected a BDF file, as its extension says; found an EDF header (16-bit "
           "samples). Rename it to rec.edf."), p, upload=[p])
    d = folder("bdf_named_edf")
    p = write_edf(d / "rec.edf", x, bdf=True)
    add(d.name, "BDF", eeg, "wrong extension: a BDF file (24-bit) named .edf", FileFormatError,
        _e("rec.edf: expected an EDF file, as its extension says; found a BDF header (24-bit "
           "samples). Rename it to rec.bdf."), p, upload=[p], **eeg_kw)
    d = folder("edf_wrong_extension")
    p = write_edf(d / "rec.txt", x)
    add(d.name, "EDF", eeg, "wrong extension: an EDF file named .txt", FileFormatError,
        _e("rec.txt: expected an EEG file with one of the extensions .edf, .bdf") + r".*"
        + _e("found extension '.txt'"), p, **eeg_kw)
    d = folder("edf_flat_channels")
    p = write_edf(d / "rec.edf", np.zeros_like(x))
    add(d.name, "EDF", eeg, "flat channels: every EEG channel is constant (all zeros)",
        ChannelError,
        _e("rec.edf: expected at least one EEG channel whose samples vary; found all 4 channels "
           "flat (constant over the whole recording): ['Fz', 'Cz', 'Pz', 'Oz']"), p,
        upload=[p], **eeg_kw)
    d = folder("edf_unknown_channels")
    p = write_edf(d / "rec.edf", x, ["Fz", "Foo1", "Bar2", "Qq"])
    add(d.name, "EDF", eeg, "unknown channels: names with no 10-05 position", ChannelError,
        _e("rec.edf: expected channel names with a known position") + r".*"
        + _e("found 3 unknown: 'Foo1'") + r".*'Bar2'.*'Qq'", p,
        upload=[p], app_options={"up_unknown": "raise"}, **eeg_kw)

    # ------------------------------------------------------------------ BrainVision
    d = folder("bv_truncated")
    p = write_brainvision(d / "rec.vhdr", x)
    _truncate(d / "rec.eeg", 1000 * 16 + 5)
    add(d.name, "BrainVision", eeg, "the .eeg data file cut off inside a sample", FileFormatError,
        _e("rec.eeg: expected a whole number of samples (4 channels x 4 bytes each); found 16005 "
           "bytes, 5 bytes of a partial sample: the file is truncated"), p, **eeg_kw)
    d = folder("bv_header_only")
    p = write_brainvision(d / "rec.vhdr", x)
    (d / "rec.eeg").unlink()
    (d / "rec.vmrk").unlink()
    add(d.name, "BrainVision", eeg, "header-only: the .vhdr without its .eeg and .vmrk",
        FileFormatError,
        _e("rec.vhdr: expected its data file 'rec.eeg' beside it; found no such file."), p,
        upload=[p], **eeg_kw)
    d = folder("bv_zero_length")
    p = write_brainvision(d / "rec.vhdr", x)
    (d / "rec.eeg").write_bytes(b"")
    add(d.name, "BrainVision", eeg, "a zero-length .eeg data file", FileFormatError,
        _e("rec.eeg: expected EEG samples; found an empty file (0 bytes)"), p, **eeg_kw)
    d = folder("bv_missing_vmrk")
    p = write_brainvision(d / "rec.vhdr", x)
    (d / "rec.vmrk").unlink()
    add(d.name, "BrainVision", eeg, "the .vmrk marker file named by the header is missing",
        FileFormatError,
        _e("rec.vhdr: expected its marker file 'rec.vmrk' beside it; found no such file."), p,
        **eeg_kw)
    d = folder("bv_mismatched_companions")
    write_brainvision(d / "other.vhdr", x)
    (d / "other.vhdr").rename(d / "rec.vhdr")  # still names other.eeg/other.vmrk ...
    p = write_brainvision(d / "rec.vhdr", x)
    for ext in (".eeg", ".vmrk"):  # ... but only those of another recording are there
        (d / f"rec{ext}").rename(d / f"other{ext}")
    add(d.name, "BrainVision", eeg,
        "mismatched companions: rec.vhdr names rec.eeg/rec.vmrk, beside it are other.eeg/.vmrk",
        FileFormatError,
        _e("rec.vhdr: expected its data file 'rec.eeg' beside it; found no such file. Beside it: "
           "other.eeg."), p,
        upload=[p, d / "other.vmrk", d / "other.eeg"], **eeg_kw)
    d = folder("bv_channel_count_mismatch")
    p = write_brainvision(d / "rec.vhdr", x[:3], CH_NAMES[:3])
    write_brainvision(d / "four.vhdr", x)
    (d / "four.eeg").replace(d / "rec.eeg")
    add(d.name, "BrainVision", eeg,
        "mismatched companions: a 3-channel header with the .eeg of a 4-channel recording",
        FileFormatError,
        _e(f"rec.eeg: expected a whole number of samples (3 channels x 4 bytes each); found "
           f"{4 * 4 * N_TIMES} bytes") + r".*" + _e("or the header's channel count or format "
                                                    "is not its own"), p, **eeg_kw)
    d = folder("bv_eeg_opened")
    write_brainvision(d / "rec.vhdr", x)
    p = d / "rec.eeg"
    add(d.name, "BrainVision", "data_loaders.read_recording",
        "the BrainVision .eeg opened instead of its .vhdr (MNE reads it as Nihon Kohden)",
        FileFormatError,
        _e("rec.eeg: expected a Nihon Kohden .eeg recording (the only kind read from a bare .eeg "
           "file); found UnicodeDecodeError") + r".*" + _e("open rec.vhdr instead."), p,
        upload=[p],
        app_match=_e("rec.eeg: expected a Nihon Kohden .eeg recording") + r".*"
        + _e("If it is BrainVision data, open its .vhdr header"))
    d = folder("bv_truncated_header")
    p = write_brainvision(d / "rec.vhdr", x)
    p.write_text(p.read_text(encoding="utf-8").split("[Binary Infos]")[0], encoding="utf-8")
    add(d.name, "BrainVision", eeg, "the .vhdr text cut off before [Binary Infos]",
        FileFormatError,
        _e("rec.vhdr: expected a readable VHDR recording; found NoSectionError: No section: "
           "'Binary Infos'"), p, **eeg_kw)
    d = folder("bv_nan_run")
    bad = x.copy()
    bad[2, 300:320] = np.nan
    p = write_brainvision(d / "rec.vhdr", bad)
    add(d.name, "BrainVision", eeg, "NaN run: 20 NaN samples in Pz from sample 300",
        FileFormatError,
        _e("rec.vhdr: expected finite EEG samples; found 20 NaN/Inf samples in channels ['Pz'], "
           "the first at sample 300 (3.000 s) of 'Pz'"), p,
        upload=[p, d / "rec.vmrk", d / "rec.eeg"], **eeg_kw)

    # ------------------------------------------------------------------ EEGLAB
    d = folder("set_missing_fdt")
    p = write_eeglab(d / "rec.set", x)
    (d / "rec.fdt").unlink()
    add(d.name, "EEGLAB", eeg, "missing .fdt: the .set names rec.fdt, which is absent",
        FileFormatError,
        _e("rec.set: expected its data file 'rec.fdt' beside it; found no such file."), p,
        upload=[p], **eeg_kw)
    d = folder("set_truncated_fdt")
    p = write_eeglab(d / "rec.set", x)
    _truncate(d / "rec.fdt", 4 * len(CH_NAMES) * 250)
    add(d.name, "EEGLAB", eeg, "the .fdt data file cut to 250 of 1001 samples", FileFormatError,
        _e("rec.set: expected a readable SET recording; found RuntimeError") + r".*"
        + _e("Its data file holds fewer samples than the header declares (MNE read ") + r"\d+"
        + _e(" values where it expected ") + r"\d+" + _e("): the .fdt file is truncated"), p,
        **eeg_kw)
    d = folder("set_truncated")
    p = write_eeglab(d / "rec.set", x)
    _truncate(p, p.stat().st_size // 2)
    add(d.name, "EEGLAB", eeg, "the .set (MATLAB) file cut in half", FileFormatError,
        _e("rec.set: expected a readable SET recording; found OSError: could not read bytes. "
           "The MATLAB file ends early: it is truncated."), p, **eeg_kw)
    d = folder("set_header_only")
    p = write_eeglab(d / "rec.set", x)
    _truncate(p, 128)
    add(d.name, "EEGLAB", eeg, "header-only: the 128-byte MATLAB header, no EEG structure",
        FileFormatError,
        _e("rec.set: expected a readable SET recording; found AttributeError") + r".*"
        + _e("It holds no complete EEGLAB EEG structure: the file is truncated or not an EEGLAB "
             "dataset."), p, **eeg_kw)
    d = folder("set_zero_length")
    p = d / "rec.set"
    p.write_bytes(b"")
    add(d.name, "EEGLAB", eeg, "an empty .set file", FileFormatError,
        _e("rec.set: expected EEG data; found an empty file (0 bytes)"), p, **eeg_kw)
    d = folder("set_inf_sample")
    bad = x.copy()
    bad[1, 500] = np.inf
    p = write_eeglab(d / "rec.set", bad)
    add(d.name, "EEGLAB", eeg, "an Inf sample in Cz", FileFormatError,
        _e("rec.set: expected finite EEG samples; found 1 NaN/Inf samples in channels ['Cz'], "
           "the first at sample 500 (5.000 s) of 'Cz'"), p,
        upload=[p, d / "rec.fdt"], **eeg_kw)

    # ------------------------------------------------------------------ FIF
    d = folder("fif_truncated")
    p = write_fif(d / "rec_raw.fif", x)
    _truncate(p, p.stat().st_size // 2)
    add(d.name, "FIF", eeg, "cut in half, inside a data buffer", FileFormatError,
        _e("rec_raw.fif: expected a readable FIF recording; found ValueError") + r".*"
        + r"The file ends inside a FIF tag at byte \d+: it is truncated\.", p,
        upload=[p], **eeg_kw)
    d = folder("fif_tail_truncated")
    p = write_fif(d / "rec_raw.fif", x)
    _truncate(p, p.stat().st_size - 10)
    add(d.name, "FIF", eeg, "the last 10 bytes missing (MNE alone only warns)", FileFormatError,
        _e("rec_raw.fif: expected a complete FIF file; found a file that ends early. The file "
           "ends inside a FIF tag at byte") + r" \d+: it is truncated\.", p, **eeg_kw)
    d = folder("fif_header_only")
    p = write_fif(d / "rec_raw.fif", x)
    _truncate(p, fif_data_offset(p, x))
    add(d.name, "FIF", eeg, "header-only: the measurement info without any data buffer",
        FileFormatError,
        _e("rec_raw.fif: expected a readable FIF recording; found ") + r"\w+Error", p, **eeg_kw)
    d = folder("fif_zero_length")
    p = d / "rec_raw.fif"
    p.write_bytes(b"")
    add(d.name, "FIF", eeg, "an empty file", FileFormatError,
        _e("rec_raw.fif: expected EEG data; found an empty file (0 bytes)"), p, **eeg_kw)
    d = folder("fif_nan_run")
    bad = x.copy()
    bad[0, 600:650] = np.nan
    bad[3, 700] = np.nan
    p = write_fif(d / "rec_raw.fif", bad)
    add(d.name, "FIF", eeg, "NaN run: 50 NaN samples in Fz from sample 600, one in Oz",
        FileFormatError,
        _e("rec_raw.fif: expected finite EEG samples; found 51 NaN/Inf samples in channels "
           "['Fz', 'Oz'], the first at sample 600 (6.000 s) of 'Fz'"), p, upload=[p], **eeg_kw)
    d = folder("fif_unknown_channels_dropped")
    p = write_fif(d / "rec_raw.fif", x, ["Foo1", "Bar2", "Baz3", "Qq"])
    add(d.name, "FIF", eeg, "unknown channels: no channel has a position (on_unknown='drop')",
        ChannelError,
        _e("rec_raw.fif: expected at least one EEG channel with a position; found none of "
           "['Foo1', 'Bar2', 'Baz3', 'Qq'] (excluded or unknown)"), p, on_unknown="drop",
        **eeg_kw)

    # ------------------------------------------------------------------ NeuCube CSV folders
    csv = "data_loaders.load_neucube_csv"

    def csv_case(case_id: str, problem: str, error: type[BaseException], match: str,
                 edit: Callable[[Path], None], *, n: int = 4, labels: Sequence[Any] = (1, 2, 1, 2),
                 app: bool = False) -> None:
        d = folder(case_id)
        f = write_neucube_folder(d / case_id, neucube_trials(n=n), labels)
        edit(f)
        upload = [zip_folder(f, d / f"{case_id}.zip")] if app else None
        add(case_id, "CSV folder", csv, problem, error, match, f, upload=upload, sfreq=100.0)

    csv_case("csv_missing_sample", "a missing sample: sam3_eeg.csv of 4 is absent",
             FileFormatError,
             _e("csv_missing_sample: expected samples numbered 1..4 without gaps; found 1 "
                "missing: sam3"),
             lambda f: (f / "sam3_eeg.csv").unlink(), app=True)
    csv_case("csv_ragged_rows", "ragged rows: line 5 of sam2_eeg.csv has 2 of 3 cells",
             FileFormatError,
             _e("sam2_eeg.csv: expected 3 comma-separated columns on every row; found 2 on "
                "line 5"),
             lambda f: _edit_line(f / "sam2_eeg.csv", 5, lambda ln: ln.rsplit(",", 1)[0]),
             app=True)
    csv_case("csv_text_cell", "a text cell: 'abc' on line 3, column 2 of sam1_eeg.csv",
             FileFormatError,
             _e("sam1_eeg.csv: expected sample values (numbers) in every cell; found 'abc' on line "
                "3, column 2 (1 non-numeric cell(s) in all)"),
             lambda f: _edit_cell(f / "sam1_eeg.csv", 3, 2, "abc"))
    csv_case("csv_label_count_mismatch", "label count mismatch: 3 labels for 4 samples",
             FileFormatError,
             _e("tar_class_labels.csv: expected 4 class labels (one per sample file); found 3 "
                "labels"),
             lambda f: None, labels=(1, 2, 1), app=True)
    csv_case("csv_one_class", "labels with one class: every label is 1", EventError,
             _e("tar_class_labels.csv: expected labels of at least two classes (a classifier "
                "needs two); found only class '1' (4 labels)"),
             lambda f: None, labels=(1, 1, 1, 1), app=True)
    csv_case("csv_nan_run", "NaN run: feature 1 of sam2_eeg.csv is 'nan' on lines 4-9",
             FileFormatError,
             _e("sam2_eeg.csv: expected finite sample values; found 'nan' (NaN/Inf) on line 4, "
                "column 1 (6 NaN/Inf cell(s) in all)"),
             lambda f: [_edit_cell(f / "sam2_eeg.csv", ln, 1, "nan") for ln in range(4, 10)])
    csv_case("csv_inf_cell", "an 'inf' cell on line 7, column 3 of sam4_eeg.csv",
             FileFormatError,
             _e("sam4_eeg.csv: expected finite sample values; found 'inf' (NaN/Inf) on line 7, "
                "column 3"),
             lambda f: _edit_cell(f / "sam4_eeg.csv", 7, 3, "inf"))
    csv_case("csv_missing_labels", "no tar_class_labels.csv", FileFormatError,
             _e("tar_class_labels.csv: expected the label file tar_class_labels.csv (one class "
                "label per sample); found no such file"),
             lambda f: (f / "tar_class_labels.csv").unlink())
    csv_case("csv_zero_length_sample", "a zero-length sample file sam1_eeg.csv", FileFormatError,
             _e("sam1_eeg.csv: expected a CSV table of sample values; found an empty file"),
             lambda f: (f / "sam1_eeg.csv").write_bytes(b""))
    csv_case("csv_unequal_samples", "sam3_eeg.csv has 15 time points, the others 20",
             FileFormatError,
             _e("sam3_eeg.csv: expected 20 rows (time points) x 3 columns (features), like "
                "sam1_eeg.csv; found 15 x 3"),
             lambda f: _keep_lines(f / "sam3_eeg.csv", 15))
    csv_case("csv_binary_sample", "sam2_eeg.csv holds binary bytes (not UTF-8 text)",
             FileFormatError,
             _e("sam2_eeg.csv: expected a UTF-8 text CSV file; found undecodable bytes"),
             lambda f: (f / "sam2_eeg.csv").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00"))

    # ------------------------------------------------------------------ marker CSV
    marker = "data_loaders.load_marker_csv"
    mk_kw = dict(tmin=-0.1, tmax=0.5)
    d = folder("marker_nan_run")
    p = write_marker_csv(d / "rec.csv", x)
    for row in range(50, 60):
        _edit_cell(p, row + 2, 3, "nan")
    add(d.name, "marker CSV", marker, "NaN run: Pz is 'nan' in 10 rows from line 52",
        FileFormatError,
        _e("rec.csv: expected finite values in the channel column 'Pz'; found 10 empty/NaN/Inf "
           "cell(s), the first on line 52"), p, upload=[p], **mk_kw)
    d = folder("marker_text_cell")
    p = write_marker_csv(d / "rec.csv", x)
    _edit_cell(p, 30, 2, "n/a?")
    add(d.name, "marker CSV", marker, "a text cell in the Cz column", FileFormatError,
        _e("rec.csv: expected numbers in the channel column 'Cz'; found 'n/a?' on line 30"), p,
        **mk_kw)
    d = folder("marker_no_marker_column")
    p = write_marker_csv(d / "rec.csv", x)
    p.write_text(p.read_text().replace("Marker", "Label", 1))
    add(d.name, "marker CSV", marker, "no marker column (named 'Label')", ChannelError,
        _e("rec.csv: expected a marker column (named like 'Marker', 'stim' or 'trigger'); found "
           "columns ['timestamps', 'Cz', 'Pz', 'Label']"), p, **mk_kw)
    d = folder("marker_zero_length")
    p = d / "rec.csv"
    p.write_bytes(b"")
    add(d.name, "marker CSV", marker, "an empty file", FileFormatError,
        _e("rec.csv: expected a CSV recording with a header row; found an empty file"), p,
        upload=[p], **mk_kw)
    d = folder("marker_unknown_channel")
    p = write_marker_csv(d / "rec.csv", x)
    add(d.name, "marker CSV", marker, "unknown channel: channels=['Cz', 'Oz'], no Oz column",
        ChannelError,
        _e("rec.csv: expected columns for channels ['Cz', 'Oz']; found no column ['Oz']"), p,
        channels=["Cz", "Oz"], **mk_kw)

    # ------------------------------------------------------------------ NIfTI
    fmri = "data_loaders.load_fmri"

    def fmri_case(case_id: str, problem: str, error: type[BaseException], match: str,
                  data: np.ndarray | None = None, *, labels: Sequence[str] = VOLUME_LABELS,
                  edit: Callable[[Path, Path], Path] | None = None,
                  mask_shape: tuple[int, ...] | None = None) -> None:
        d = folder(case_id)
        label_file = d / "labels.txt"
        label_file.write_text("\n".join(labels) + "\n")
        bold = write_bold(d / "bold.nii.gz", bold_data() if data is None else data)
        if edit is not None:
            bold = edit(d, bold)
        mask: Path | str = "all"
        if mask_shape is not None:
            mask = write_bold(d / "mask.nii.gz", np.ones(mask_shape))
        add(case_id, "NIfTI", fmri, problem, error, match, bold, label_file, mask=mask)

    fmri_case("nifti_3d", "3-D instead of 4-D: one volume, no time axis", FileFormatError,
              _e("bold.nii.gz: expected a 4-D image (x, y, z, time) of BOLD volumes; found a 3-D "
                 "image of shape (4, 4, 3)"), bold_data()[..., 0])

    fmri_case("nifti_mask_shape_mismatch", "mask shape mismatch: a 4x4x4 mask for a 4x4x3 grid",
              FileFormatError,
              _e("mask.nii.gz: expected a 3-D mask of shape (4, 4, 3) (the grid of ") + r".*"
              + _e("bold.nii.gz); found shape (4, 4, 4)"), mask_shape=(4, 4, 4))
    nan = bold_data()
    nan[1, 2, 0, 5:7] = np.nan
    fmri_case("nifti_nan_volumes", "NaN volumes: a voxel is NaN in volumes 5 and 6",
              FileFormatError,
              _e("bold.nii.gz: expected finite values in every volume; found NaN/Inf in 2 "
                 "volume(s), the first is volume 5 (from 0)"), nan)
    fmri_case("nifti_truncated", "the .nii.gz cut in half", FileFormatError,
              _e("bold.nii.gz: expected the 576 voxel values its header declares (shape (4, 4, 3, "
                 "12)); found EOFError") + r".*" + _e("The file is truncated or damaged."),
              edit=lambda d, b: _truncate(b, b.stat().st_size // 2))

    def header_only(d: Path, bold: Path) -> Path:
        import nibabel as nib

        img = nib.load(bold)
        out_path = d / "bold.nii"
        nib.save(img, out_path)
        bold.unlink()
        return _truncate(out_path, 352)  # the NIfTI-1 header and extension flag, no voxels

    fmri_case("nifti_header_only", "header-only: the 352-byte NIfTI header of an .nii, no voxels",
              FileFormatError,
              _e("bold.nii: expected the 576 voxel values its header declares (shape (4, 4, 3, 12)"
                 ", 2,656 bytes); found a file of 352 bytes. The file is truncated or its header "
                 "is damaged."), edit=header_only)

    def zero(d: Path, bold: Path) -> Path:
        bold.write_bytes(b"")
        return bold

    fmri_case("nifti_zero_length", "an empty .nii.gz", FileFormatError,
              _e("bold.nii.gz: expected a NIfTI image readable by nibabel; found ImageFileError: "
                 "Empty file"), edit=zero)
    fmri_case("nifti_label_count_mismatch", "10 labels for 12 volumes", FileFormatError,
              _e("labels.txt: expected 12 labels (one per volume of ") + r".*"
              + _e("bold.nii.gz); found 10 labels"), labels=VOLUME_LABELS[:10])

    # ------------------------------------------------------------------ study files
    study = "neucube_study.load_study"

    def study_case(case_id: str, problem: str, match: str, text: str | bytes) -> None:
        p = write_study(folder(case_id))
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text)
        add(case_id, "study", study, problem, StudyError, match, p)

    study_case("study_unknown_key", "unknown key: encoder.encoder_alpah (typo of encoder_alpha)",
               _e("encoder.encoder_alpah: unknown key; expected one of encoder, "
                  "encoder_threshold, encoder_alpha"),
               STUDY.replace("encoder_alpha = 0.5", "encoder_alpah = 0.5"))
    study_case("study_unknown_section", "unknown section [encoding]",
               _e("encoding: unknown section; expected one of cube, data, encoder"),
               STUDY.replace("[encoder]", "[encoding]"))
    study_case("study_wrong_type", "wrong type: encoder.encoder_alpha = \"half\"",
               _e('encoder.encoder_alpha: expected a number >= 0, got "half"'),
               STUDY.replace("encoder_alpha = 0.5", 'encoder_alpha = "half"'))
    study_case("study_wrong_type_table", "wrong type: the [data] table given as a number",
               _e("data: expected a table, got 3"),
               'data = 3\n[study]\nname = "corpus"\n')
    study_case("study_path_outside", 'a path outside the study folder: folder = "../data"',
               _e('data.folder: expected a path inside the study folder') + r" .*"
               + _e('study_path_outside, got "../data"'),
               STUDY.replace('folder = "data"', 'folder = "../data"'))
    study_case("study_empty", "an empty file",
               _e("study.toml: expected a study with at least [study] and [data] tables, got an "
                  "empty file"), "")
    study_case("study_not_toml", "not TOML (an INI-style line)",
               _e("study.toml: expected valid TOML; "), STUDY + "encoder.kind: tbr\n")
    study_case("study_not_utf8", "binary bytes, not UTF-8 text",
               _e("study.toml: expected valid TOML; 'utf-8' codec can't decode"),
               b"\xff\xfe[study]\x00")

    # ------------------------------------------------------------------ model files
    model = "neucube.load_model"

    def model_case(case_id: str, problem: str, match: str,
                   edit: Callable[[Path], None]) -> None:
        p = write_model(folder(case_id) / "model.zip")
        edit(p)
        add(case_id, "model", model, problem, ModelFileError, match, p)

    model_case("model_truncated", "the zip cut in half",
               _e("model.zip is not a valid zip file (truncated or corrupted?)"),
               lambda p: _truncate(p, p.stat().st_size // 2))
    model_case("model_zero_length", "an empty file",
               _e("model.zip is not a valid zip file (truncated or corrupted?)"),
               lambda p: p.write_bytes(b""))

    def schema(version: Any) -> Callable[[Path], None]:
        def edit(p: Path) -> None:
            with zipfile.ZipFile(p) as zf:
                meta = json.loads(zf.read("model.json"))
            meta["schema_version"] = version
            _rewrite_zip(p, {"model.json": json.dumps(meta).encode()})

        return edit

    model_case("model_wrong_schema_version", "wrong schema version: schema_version = 99",
               _e("model.zip has schema_version 99, but this neucube") + r".*"
               + _e("reads model files up to schema_version 1"), schema(99))
    model_case("model_schema_version_text", 'wrong schema version type: schema_version = "1"',
               _e("model.zip: field 'schema_version' should be a positive integer; found '1'"),
               schema("1"))
    model_case("model_pickle_as_npz", "a pickle disguised as arrays.npz (never unpickled)",
               _e("model.zip: arrays.npz is not a NumPy .npz archive (no zip signature; it looks "
                  "like pickled data). Model files never contain pickled data"),
               lambda p: _rewrite_zip(p, {"arrays.npz": pickle.dumps(_Payload())}))
    model_case("model_not_a_model", "model.json of something else (format 'other')",
               _e("model.zip: model.json is not a neucube model (field 'format' should be "
                  "'neucube-model'; found 'other')"),
               lambda p: _rewrite_zip(p, {"model.json": b'{"format": "other"}'}))

    # ------------------------------------------------------------------ arrays (TrialSet, fit)
    ts_kw = {"sfreq": 100.0, "ch_names": ["a", "b", "c"]}
    X = neucube_trials()
    nan = X.copy()
    nan[2, 1, 5:9] = np.nan
    add("trialset_nan_run", "arrays", "neucube.TrialSet", "NaN run: 4 NaN samples in trial 2",
        ValueError,
        _e("TrialSet field 'X': expected finite values; found 4 NaN/Inf samples (first at trial "
           "2, channel 1, sample 5)"), nan, [0, 1, 0, 1], **ts_kw)
    inf = X.copy()
    inf[0, 0, 0] = -np.inf
    add("trialset_inf", "arrays", "neucube.TrialSet", "an -Inf sample", ValueError,
        _e("TrialSet field 'X': expected finite values; found 1 NaN/Inf samples (first at trial "
           "0, channel 0, sample 0)"), inf, [0, 1, 0, 1], **ts_kw)
    add("trialset_label_count", "arrays", "neucube.TrialSet", "3 labels for 4 trials",
        ValueError,
        _e("TrialSet field 'y': expected 4 labels (one per trial in X); found 3 labels"),
        X, [0, 1, 0], **ts_kw)
    add("trialset_duplicate_channels", "arrays", "neucube.TrialSet",
        "channel names ['a', 'b', 'a']", ValueError,
        _e("TrialSet field 'ch_names': expected unique names; found duplicates ['a']"),
        X, [0, 1, 0, 1], sfreq=100.0, ch_names=["a", "b", "a"])
    add("fit_nan", "arrays", "NeuCubeClassifier.fit", "NaN run in the X array given to fit",
        ValueError, _e("Input X contains NaN."), nan, np.repeat(["a", "b"], 2))
    add("fit_inf", "arrays", "NeuCubeClassifier.fit", "an Inf sample in the X array given to fit",
        ValueError, _e("Input X contains infinity"), inf, np.repeat(["a", "b"], 2))

    # ------------------------------------------------------------------ files named inside files,
    # special files, archives and regular expressions (issue 14: hostile input, bounded work)
    _hostile_cases(folder, add, x, eeg_kw)
    _bounded_cases(folder, add, x, eeg_kw)
    _output_cases(folder, add)

    ids = [c.id for c in cases]
    if len(set(ids)) != len(ids):
        raise RuntimeError(f"duplicate case ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    return cases


def _hostile_cases(folder: Callable[[str], Path], add: Callable[..., None], x: np.ndarray,
                   eeg_kw: dict[str, Any]) -> None:
    """Companions that leave their folder, pipes and folders as files, zip bombs, bad regexes."""
    import os

    from app.streamlit_app.datasets import UploadError

    eeg = "data_loaders.load_eeg"
    outside = _e(", which resolves outside it.")

    def bv_case(case_id: str, problem: str, old: str, new: str, match: str,
                eeg_up: bool = False) -> None:
        d = folder(case_id)
        (d / "in").mkdir()
        p = write_brainvision(d / "in" / "rec.vhdr", x)
        p.write_text(p.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        data = d / "in" / "rec.eeg"
        if eeg_up:  # where the header points: MNE alone would read it
            data = data.replace(d / "rec.eeg")
        add(case_id, "BrainVision", eeg, problem, FileFormatError, match, p,
            upload=[p, d / "in" / "rec.vmrk", data], **eeg_kw)

    bv_case("bv_datafile_absolute", "DataFile=/etc/passwd: an absolute path outside its folder",
            "DataFile=rec.eeg", "DataFile=/etc/passwd",
            _e("rec.vhdr: expected its data file inside the folder of rec.vhdr; found "
               "DataFile=/etc/passwd") + outside)
    bv_case("bv_datafile_parent", "DataFile=../rec.eeg: climbs out (a valid .eeg is there)",
            "DataFile=rec.eeg", "DataFile=../rec.eeg",
            _e("rec.vhdr: expected its data file inside the folder of rec.vhdr; found "
               "DataFile=../rec.eeg") + outside, eeg_up=True)
    bv_case("bv_markerfile_parent", "markerfile: ../../x.vmrk (lower case, ':' as configparser "
            "reads it) climbs out", "MarkerFile=rec.vmrk", "markerfile: ../../x.vmrk",
            _e("rec.vhdr: expected its marker file inside the folder of rec.vhdr; found "
               "MarkerFile=../../x.vmrk") + outside)
    d = folder("bv_symlinked_eeg")
    (d / "in").mkdir()
    p = write_brainvision(d / "in" / "rec.vhdr", x)
    (d / "in" / "rec.eeg").replace(d / "secret.eeg")
    (d / "in" / "rec.eeg").symlink_to(d / "secret.eeg")
    add(d.name, "BrainVision", eeg, "rec.eeg is a symlink to a file outside the header's folder",
        FileFormatError,
        _e("rec.vhdr: expected its data file inside the folder of rec.vhdr; found "
           "DataFile=rec.eeg") + outside, p, **eeg_kw)
    d = folder("bv_eeg_fifo")
    p = write_brainvision(d / "rec.vhdr", x)
    (d / "rec.eeg").unlink()
    os.mkfifo(d / "rec.eeg")
    add(d.name, "BrainVision", eeg, "the .eeg data file is a named pipe (reading it would block)",
        FileFormatError,
        _e("rec.vhdr: expected its data file (a regular file); found rec.eeg, which is a named "
           "pipe (FIFO)."), p, **eeg_kw)
    d = folder("set_data_outside")
    (d / "in").mkdir()
    write_eeglab(d / "rec.set", x)
    p = write_eeglab(d / "in" / "rec.set", x, data_file="../rec.fdt")
    (d / "in" / "rec.fdt").unlink()
    add(d.name, "EEGLAB", eeg, "EEG.data names ../rec.fdt, outside the .set's folder",
        FileFormatError,
        _e("rec.set: expected its data file inside the folder of rec.set; found "
           "EEG.data=../rec.fdt") + outside, p, upload=[p], **eeg_kw)
    d = folder("edf_fifo")
    os.mkfifo(d / "rec.edf")
    add(d.name, "EDF", "data_loaders.read_recording", "a named pipe given as the recording",
        FileFormatError,
        _e("rec.edf: expected an EEG recording (a regular file); found a named pipe (FIFO)."),
        d / "rec.edf")
    d = folder("edf_directory")
    (d / "rec.edf").mkdir()
    add(d.name, "EDF", eeg, "a directory named rec.edf", FileFormatError,
        _e("rec.edf: expected an EEG recording (a regular file); found a directory."),
        d / "rec.edf", **eeg_kw)

    csv = "data_loaders.load_neucube_csv"
    d = folder("csv_sample_symlink_outside")
    f = write_neucube_folder(d / "study", neucube_trials(), [1, 2, 1, 2])
    (f / "sam2_eeg.csv").replace(d / "elsewhere.csv")
    (f / "sam2_eeg.csv").symlink_to(d / "elsewhere.csv")
    add(d.name, "CSV folder", csv, "sam2_eeg.csv is a symlink to a file outside the folder",
        FileFormatError,
        _e("study: expected a NeuCube sample file inside this folder; found 'sam2_eeg.csv'")
        + outside, f, sfreq=100.0)
    d = folder("csv_labels_fifo")
    f = write_neucube_folder(d / "study", neucube_trials(), [1, 2, 1, 2])
    (f / "tar_class_labels.csv").unlink()
    os.mkfifo(f / "tar_class_labels.csv")
    add(d.name, "CSV folder", csv, "tar_class_labels.csv is a named pipe", FileFormatError,
        _e("tar_class_labels.csv: expected the label file tar_class_labels.csv (a regular file); "
           "found a named pipe (FIFO)."), f, sfreq=100.0)
    extract = "app.extract_zip"
    d = folder("zip_bomb")
    p = d / "study.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("study/tar_class_labels.csv", "1\n2\n")
        with zf.open("study/sam1_eeg.csv", "w") as member:
            for _ in range(60):  # 60 MB of one character: 58 kB compressed
                member.write(b"0" * 1_000_000)
    add(d.name, "CSV folder", extract, "zip bomb: 58 kB that expand to 60 MB (1000 times)",
        UploadError,
        _e("study.zip: expected an archive that expands at most 100 times; found 0.06 MB that "
           "expand to 60 MB (") + r"\d+" + _e(" times)."), p, str(d / "out"), upload=[p])
    d = folder("zip_parent_member")
    p = d / "study.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("study/tar_class_labels.csv", "1\n2\n")
        zf.writestr("../sam1_eeg.csv", "1,2\n")
    add(d.name, "CSV folder", extract, "a zip member named ../sam1_eeg.csv (extracts outside)",
        UploadError,
        _e("study.zip: expected files inside the archive's own folder; found '../sam1_eeg.csv'."),
        p, str(d / "out"), upload=[p])

    marker = "data_loaders.load_marker_csv"
    d = folder("marker_fifo")
    os.mkfifo(d / "rec.csv")
    add(d.name, "marker CSV", marker, "a named pipe given as the CSV recording", FileFormatError,
        _e("rec.csv: expected a CSV recording; found a named pipe (FIFO)."), d / "rec.csv",
        tmin=-0.1, tmax=0.5)

    eeg_study = STUDY.replace('source = "neucube_csv"\nfolder = "data"\nsfreq = 100.0',
                              'source = "eeg"\npath = "data"')
    for case_id, problem, line, match in (
        ("study_regex_invalid", 'an invalid regular expression: subject_pattern = "sub-("',
         'subject_pattern = "sub-("',
         _e('data.subject_pattern: expected a valid regular expression, got "sub-(" (missing ) '
            "at position 5)")),
        ("study_regex_too_long", "a 300-character subject_pattern",
         f'subject_pattern = "{"a" * 300}"',
         _e("data.subject_pattern: expected a regular expression of at most 256 characters, got "
            "300 characters")),
        ("study_glob_climbs_out", 'data.pattern = "../*.edf" leaves the data folder',
         'pattern = "../*.edf"',
         _e('data.pattern: expected a glob of file names inside the data folder (such as "*.vhdr" '
            'or "sub-*_eeg.edf"), got "../*.edf", which leaves it')),
    ):
        p = write_study(folder(case_id), eeg_study.replace('path = "data"',
                                                           f'path = "data"\n{line}'))
        add(case_id, "study", "neucube_study.load_study", problem, StudyError, match, p)


def _bounded_cases(folder: Callable[[str], Path], add: Callable[..., None], x: np.ndarray,
                   eeg_kw: dict[str, Any]) -> None:
    """Bounded work and hostile model files (issue 14, principle 3), blank class names and
    channels without a scale (principle 4)."""
    import io

    for case_id, problem, section, match in (
        ("study_spacing_tiny", "cube.spacing_mm = 0.1 (a brain of ~1.9e9 neurons)",
         "[cube]\nspacing_mm = 0.1",
         _e("cube.spacing_mm: cube.spacing_mm = 0.1 makes a cube of about 1,885,000,000 neurons; "
            "expected at most 100,000")),
        ("study_n_seeds_huge", "evaluation.n_seeds = 100000000000",
         "[evaluation]\nn_seeds = 100000000000",
         _e("evaluation.n_seeds: expected an integer in [1, 1000] (each seed repeats the whole "
            "cross-validation), got 100000000000")),
        ("study_n_rounds_huge", "stdp.n_rounds = 1e9 (as a TOML float)", "[stdp]\nn_rounds = 1e9",
         _e("stdp.n_rounds: expected an integer in [0, 1000] (each round is one STDP pass over "
            "every training trial, so the fit time grows with it), got 1000000000.0")),
    ):
        p = write_study(folder(case_id), STUDY + "\n" + section + "\n")
        add(case_id, "study", "neucube_study.load_study", problem, StudyError, match, p)

    def npy(arr: np.ndarray | None = None, header: dict[str, Any] | None = None) -> bytes:
        buf = io.BytesIO()
        if header is not None:
            np.lib.format.write_array_header_1_0(buf, header)
            buf.write(b"\0" * 8)
        else:
            np.lib.format.write_array(buf, arr)
        return buf.getvalue()

    def edit_npz(p: Path, change: Callable[[dict[str, bytes]], None]) -> None:
        with zipfile.ZipFile(p) as zf, zipfile.ZipFile(io.BytesIO(zf.read("arrays.npz"))) as npz:
            members = {n: npz.read(n) for n in npz.namelist()}
        change(members)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as npz:
            for name, data in members.items():
                npz.writestr(name, data)
        _rewrite_zip(p, {"arrays.npz": buf.getvalue()})

    def edit_meta(p: Path, change: Callable[[dict[str, Any]], str | None]) -> None:
        with zipfile.ZipFile(p) as zf:
            meta = json.loads(zf.read("model.json"))
        text = change(meta)
        _rewrite_zip(p, {"model.json": (text or json.dumps(meta)).encode()})

    weights = "model.reservoir_.weights_.npy"

    def huge(m: dict[str, bytes]) -> None:
        m[weights] = npy(header={"descr": "<f8", "fortran_order": False,
                                 "shape": (10**6, 10**6)})

    def nan(m: dict[str, bytes]) -> None:
        w = np.lib.format.read_array(io.BytesIO(m[weights]))
        w[0] = np.nan
        m[weights] = npy(w)

    def bomb(m: dict[str, bytes]) -> None:
        m["bomb.npy"] = bytes(32 * 1024**2)

    def wrong_type(meta: dict[str, Any]) -> None:
        meta["model"]["params"]["n_rounds"] = "five"

    def deep(meta: dict[str, Any]) -> str:
        return json.dumps(meta)[:-1] + ', "extra": ' + "[" * 100_000 + "]" * 100_000 + "}"

    model = "neucube.load_model"
    for case_id, problem, edit, match in (
        ("model_npy_huge_header", "an .npy header declaring 10^12 float64 (8 TB) over 8 bytes",
         lambda p: edit_npz(p, huge),
         _e("model.zip: array 'model.reservoir_.weights_' in arrays.npz: expected at most "
            "2,147,483,648 bytes per array; its header declares shape (1000000, 1000000) of "
            "float64 (8,000,000,000,000 bytes). It was not read.")),
        ("model_npz_bomb", "a 32 MB member of zeros compressed ~1000-fold inside arrays.npz",
         lambda p: edit_npz(p, bomb),
         _e("model.zip: arrays.npz: member 'bomb.npy': expected a compression ratio of at most "
            "200; found ") + r".*" + _e(" bytes expanding to 33,554,432): not a file neucube "
                                        "writes.")),
        ("model_nan_weights", "a NaN among the cube's weights",
         lambda p: edit_npz(p, nan),
         _e("model.zip: expected finite numbers in every array; found NaN or infinity in "
            "model.reservoir_.weights_.")),
        ("model_json_wrong_type", 'a parameter of the wrong type: n_rounds = "five"',
         lambda p: edit_meta(p, wrong_type),
         _e("model.zip: model.json, key 'model.params': The 'n_rounds' parameter of "
            "NeuCubeClassifier must be an integer in [0, 1000]")),
        ("model_json_deep", "model.json nested 100 000 levels deep",
         lambda p: edit_meta(p, deep),
         _e("model.zip: model.json: expected JSON nested at most 64 levels deep; found deeper "
            "nesting (not a file neucube writes).")),
    ):
        p = write_model(folder(case_id) / "model.zip")
        edit(p)
        add(case_id, "model", model, problem, ModelFileError, match, p)

    add("trialset_blank_class_name", "arrays", "neucube.TrialSet",
        "class_names ['a', ' '] (a blank name)", ValueError,
        _e("TrialSet field 'class_names': expected non-empty names (not only spaces); found "
           "[' '] at position(s) [1]."),
        neucube_trials(), [0, 1, 0, 1], class_names=["a", " "], sfreq=100.0,
        ch_names=["a", "b", "c"])

    d = folder("edf_empty_physical_range")
    p = write_edf(d / "rec.edf", x)
    raw = bytearray(p.read_bytes())
    n = len(CH_NAMES) + 1  # + the annotation channel
    phys_min = 256 + n * (16 + 80 + 8)
    raw[phys_min + 8 * n:phys_min + 8 * n + 8 * len(CH_NAMES)] = \
        raw[phys_min:phys_min + 8 * len(CH_NAMES)]  # physical max = min for every EEG channel
    p.write_bytes(bytes(raw))
    add(d.name, "EDF", "data_loaders.load_eeg",
        "every EEG channel's header declares physical_min == physical_max (no scale)",
        ChannelError,
        _e("rec.edf: expected at least one EEG channel whose samples vary; found all 4 channels "
           "flat (constant over the whole recording or with an empty header range): "
           "['Fz', 'Cz', 'Pz', 'Oz']"), p, upload=[p], **eeg_kw)


def _output_cases(folder: Callable[[str], Path], add: Callable[..., None]) -> None:
    """Results folders and the names that make them (issue 14, principle 1): nothing a run did
    not create is replaced, and a study cannot aim its results at itself or its data."""
    from neucube_study.outputs import MARKER, ResultsFolderError

    name = 'name = "corpus"'
    for case_id, problem, old, new, match in (
        ("study_name_dotdot", '[study] name = ".." (the results folder would be the study\'s)',
         name, 'name = ".."',
         _e('study.name: expected a name not starting with "." (".", ".." and hidden names '
            'cannot name a results folder), got ".."')),
        ("study_name_empty", '[study] name = ""', name, 'name = ""',
         _e('study.name: expected a non-empty name (it names the results folder), got ""')),
        ("study_name_separator", '[study] name = "a/b"', name, 'name = "a/b"',
         _e("study.name: expected a name without the path separators / and \\ (it names the "
            'results folder), got "a/b"')),
        ("study_name_nul", "[study] name with a NUL character", name, 'name = "a\\u0000b"',
         _e("study.name: expected a name without control characters such as NUL or newline (it "
            'names the results folder), got "a\\u0000b"')),
        ("study_name_too_long", "[study] name of 300 characters", name, f'name = "{"n" * 300}"',
         _e("study.name: expected a name of at most 100 bytes (UTF-8) (it names the results "
            "folder), got one of 300 bytes")),
        ("study_output_outside", 'output.dir = "../elsewhere" climbs out of the study folder',
         "[encoder]", '[output]\ndir = "../elsewhere"\n[encoder]',
         _e("output.dir: expected a path inside the study folder ") + r".*"
         + _e('study_output_outside, got "../elsewhere"')),
        ("study_output_is_study_folder", 'output.dir = "." (the study folder itself)',
         "[encoder]", '[output]\ndir = "."\n[encoder]',
         _e("output.dir: expected a results folder inside the study folder ") + r".*"
         + _e('study_output_is_study_folder, got "." (the study folder itself)')),
    ):
        p = write_study(folder(case_id), STUDY.replace(old, new))
        add(case_id, "study", "neucube_study.load_study", problem, StudyError, match, p)

    check = "neucube_study.outputs.check_target"
    d = folder("results_user_folder")
    out = d / "my_recordings"
    write_neucube_folder(out, neucube_trials(), [1, 2, 1, 2])
    add(d.name, "results folder", check, "--out names a folder of the user's recordings",
        ResultsFolderError,
        _e("results folder '") + r".*" + _e(
            "my_recordings': expected an absent folder or a neucube results folder; "
            "found a folder with 5 entries that neucube did not write (e.g. sam1_eeg.csv, "
            "sam2_eeg.csv, sam3_eeg.csv). Choose another --out or pass --overwrite."), out)
    d = folder("results_regular_file")
    out = d / "report.pdf"
    out.write_bytes(b"%PDF-1.4\n")
    add(d.name, "results folder", check, "--out names a regular file, with --overwrite",
        ResultsFolderError,
        _e("results folder '") + r".*" + _e(
            "report.pdf': expected an absent folder or a neucube results folder; found a "
            "regular file (9 bytes), which neucube never replaces (not even with "
            "--overwrite). Choose another --out."), out, overwrite=True)
    d = folder("results_user_file_added")
    out = d / "res"
    out.mkdir()
    (out / "metrics.json").write_text("{}")
    (out / MARKER).write_text(json.dumps({"format": "neucube-results", "version": 1,
                                          "files": ["metrics.json"]}))
    (out / "my_notes.txt").write_text("mine")
    add(d.name, "results folder", check,
        "a neucube results folder into which the user put a file of their own",
        ResultsFolderError,
        _e("results folder '") + r".*" + _e(
            "res': expected an absent folder or a neucube results folder; "
            "found a neucube results folder with 1 file that neucube did not write "
            "(my_notes.txt). Choose another --out or pass --overwrite."), out)
    d = folder("results_inside_data")
    data = d / "data"
    write_neucube_folder(data, neucube_trials(), [1, 2, 1, 2])
    (data / "results").mkdir()  # empty: only where it lies is wrong
    add(d.name, "results folder", check, "the results folder inside the study's data folder",
        ResultsFolderError,
        _e("results folder '") + r".*" + _e(
            "/data/results': expected a folder apart from the study file and its data; found that "
            "it lies inside data.folder '") + r".*" + _e(
            "/data'. Choose another --out (--overwrite does not change this)."),
        data / "results", overwrite=True, protected={"data.folder": data})


def _extract_zip(archive: Path, dest: str) -> Path:
    """The app's extraction of an uploaded NeuCube CSV zip (into ``dest``), with its limits."""
    from app.streamlit_app import datasets

    return datasets.extract_zip(archive, Path(dest), max_bytes=datasets.MAX_EXTRACT_BYTES)


def _edit_line(path: Path, line: int, change: Callable[[str], str]) -> None:
    """Replace line ``line`` (from 1) of a text file by ``change(line)``."""
    lines = path.read_text().splitlines()
    lines[line - 1] = change(lines[line - 1])
    path.write_text("\n".join(lines) + "\n")


def _edit_cell(path: Path, line: int, column: int, value: str) -> None:
    """Set the cell at ``line``, ``column`` (both from 1) of a CSV file."""

    def change(text: str) -> str:
        cells = text.split(",")
        cells[column - 1] = value
        return ",".join(cells)

    _edit_line(path, line, change)


def _keep_lines(path: Path, n: int) -> None:
    path.write_text("\n".join(path.read_text().splitlines()[:n]) + "\n")


# =============================================================================== README
def readable(pattern: str) -> str:
    """A message pattern as text: escapes removed, wildcards shown as ``…``/``N``."""
    text = pattern.replace(".*", " … ").replace(r"\d+", "N").replace(r"\w+", "…")
    return re.sub(r"\\(.)", r"\1", text).replace("  ", " ")


def readme_table(cases: Sequence[Case]) -> str:
    """The Markdown table of ``README.md``: id, entry point, what is wrong, expected error."""
    rows = ["| id | entry point | what is wrong | expected error | app |",
            "|---|---|---|---|---|"]
    for c in cases:
        app = "upload" if c.upload is not None else ""
        expected = f"`{c.error.__name__}`: {readable(c.match)}".replace("|", "\\|")
        problem = c.problem.replace("|", "\\|")
        rows.append(f"| `{c.id}` | `{c.entry}` | {problem} | {expected} | {app} |")
    return "\n".join(rows) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, help="folder to write the corpus into")
    parser.add_argument("--readme", action="store_true",
                        help="print the README table (the corpus is built in a temporary folder)")
    args = parser.parse_args(argv)
    if args.readme or args.out is None:
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            cases = build_corpus(tmp)
            print(readme_table(cases), end="")
        return 0
    cases = build_corpus(args.out)
    build_valid(args.out)
    width = max(len(c.id) for c in cases)
    for c in cases:
        print(f"{c.id:<{width}}  {c.entry:<30}  {c.error.__name__}")
    print(f"{len(cases)} cases in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
