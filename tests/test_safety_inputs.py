"""Hostile inputs (issue 14): files named inside files stay in their folder, only regular files are
opened, zip uploads and user regular expressions are bounded.

Every input is generated here (the corpus writers of ``tests/corpus``); nothing reads
``../shared``. Tests that could block on a named pipe run under a deadline (SIGALRM interrupts a
blocking ``open``), so a regression fails instead of hanging the suite. The corpus
(``tests/corpus``) has one case per class of hostile input; these tests cover the variants and the
paths around them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import signal
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from corpus.make_corpus import (  # tests/corpus, importable because tests/ is on sys.path
    neucube_trials,
    signals,
    write_brainvision,
    write_edf,
    write_eeglab,
    write_neucube_folder,
)

from app.streamlit_app.datasets import UploadError, extract_zip
from data_loaders import FileFormatError, load_eeg, load_fmri, load_marker_csv, load_neucube_csv
from data_loaders._paths import inside, require_regular_file, resolve_companion
from data_loaders.coordinates import read_coordinate_file
from data_loaders.eeg import check_recording_files, read_recording
from data_loaders.fmri import read_volume_labels
from neucube_study import StudyError
from neucube_study.adapters import _subject_of, eeg_files, load_source
from neucube_study.patterns import MAX_TEXT_CHARS, compile_pattern, search

EEG_KW = dict(tmin=-0.1, tmax=0.5)
FIFO = r"found a named pipe \(FIFO\)"


@contextlib.contextmanager
def deadline(seconds: float = 30.0) -> Iterator[None]:
    """Fail (instead of hanging) when the body blocks, e.g. opening a named pipe for reading."""

    def expire(signum: int, frame: object) -> None:
        raise AssertionError(f"still running after {seconds} s: blocked on a named pipe?")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def never_opened(fifo: Path) -> bool:
    """True when no process holds ``fifo`` open for reading (opening it to write would fail)."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        return exc.errno == errno.ENXIO
    os.close(fd)
    return False


def _header(vhdr: Path, old: str, new: str) -> Path:
    vhdr.write_text(vhdr.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return vhdr


# ------------------------------------------------------------------ the shared helpers
def test_resolve_companion_accepts_subfolders_and_refuses_what_leaves(tmp_path: Path) -> None:
    header = tmp_path / "rec.vhdr"
    header.write_text("")
    assert resolve_companion(header, "rec.eeg") == tmp_path / "rec.eeg"
    assert resolve_companion(header, "raw/rec.eeg") == tmp_path / "raw" / "rec.eeg"
    assert resolve_companion(header, "raw/../rec.eeg") == tmp_path / "raw/../rec.eeg"
    for value in ("../rec.eeg", "/etc/passwd", "raw/../../rec.eeg", str(tmp_path.parent / "x")):
        with pytest.raises(
            FileFormatError,
            match=re.escape(f"rec.vhdr: expected its data file inside the folder of rec.vhdr; "
                            f"found DataFile={value}, which resolves outside it."),
        ):
            resolve_companion(header, value, field="DataFile")
    with pytest.raises(FileFormatError, match="with a NUL byte"):
        resolve_companion(header, "rec\x00.eeg")


def test_a_header_in_a_symlinked_folder_is_inside_its_folder(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    p = write_brainvision(real / "rec.vhdr", signals())
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert inside(link / "rec.eeg", link) and inside(p, link)
    ts = load_eeg(link / "rec.vhdr", **EEG_KW)  # a folder reached through a link is fine
    assert ts.n_trials == 8


def test_require_regular_file_names_what_is_there(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "file").write_text("x")
    assert require_regular_file(tmp_path / "file") == tmp_path / "file"
    for name, found in (("pipe", FIFO), ("dir", "found a directory"),
                        ("dangling", "found no such file"), ("absent", "found no such file")):
        with pytest.raises(FileFormatError, match=f"{name}: expected a recording "
                                                  rf"\(a regular file\); {found}"):
            require_regular_file(tmp_path / name, "a recording")
    with pytest.raises(FileFormatError, match="found a character device"):
        require_regular_file("/dev/zero", "a recording")


# ------------------------------------------------------------------ BrainVision
@pytest.mark.parametrize(
    ("old", "new", "shown"),
    [
        ("DataFile=rec.eeg", "DataFile=/etc/passwd", "DataFile=/etc/passwd"),
        ("DataFile=rec.eeg", "DataFile = ../rec.eeg", "DataFile=../rec.eeg"),
        ("DataFile=rec.eeg", "DATAFILE:../rec.eeg", "DataFile=../rec.eeg"),
        # configparser (MNE's reader) joins an indented continuation line to the value
        ("DataFile=rec.eeg", "DataFile=\n  ../../rec.eeg", "DataFile=../../rec.eeg"),
        # a benign first DataFile does not hide a hostile one later in the header
        ("[Binary Infos]", "[Extra]\nDataFile=../rec.eeg\n\n[Binary Infos]",
         "DataFile=../rec.eeg"),
        ("MarkerFile=rec.vmrk", "MarkerFile=/proc/self/environ", "MarkerFile=/proc/self/environ"),
    ],
    ids=["absolute", "parent-spaces", "upper-case-colon", "continuation-line", "second-key",
         "marker-absolute"],
)
def test_brainvision_companions_outside_the_folder_are_refused(tmp_path, old, new, shown) -> None:
    (tmp_path / "in").mkdir()
    p = _header(write_brainvision(tmp_path / "in" / "rec.vhdr", signals()), old, new)
    write_brainvision(tmp_path / "rec.vhdr", signals())  # what ../rec.eeg would read
    what = "marker" if shown.startswith("Marker") else "data"
    with pytest.raises(
        FileFormatError,
        match=re.escape(f"rec.vhdr: expected its {what} file inside the folder of rec.vhdr; "
                        f"found {shown}, which resolves outside it."),
    ):
        read_recording(p)


def test_brainvision_companion_symlinked_outside_is_refused(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    p = write_brainvision(tmp_path / "in" / "rec.vhdr", signals())
    (tmp_path / "in" / "rec.vmrk").replace(tmp_path / "secret.vmrk")
    (tmp_path / "in" / "rec.vmrk").symlink_to(tmp_path / "secret.vmrk")
    with pytest.raises(FileFormatError, match=re.escape(
            "expected its marker file inside the folder of rec.vhdr; found MarkerFile=rec.vmrk, "
            "which resolves outside it.")):
        load_eeg(p, **EEG_KW)


def test_brainvision_companion_symlinked_inside_is_read(tmp_path: Path) -> None:
    p = write_brainvision(tmp_path / "rec.vhdr", signals())
    (tmp_path / "data").mkdir()
    (tmp_path / "rec.eeg").replace(tmp_path / "data" / "samples.bin")
    (tmp_path / "rec.eeg").symlink_to(tmp_path / "data" / "samples.bin")
    assert load_eeg(p, **EEG_KW).n_trials == 8


def test_named_pipes_as_recording_or_companion_fail_at_once(tmp_path: Path) -> None:
    for name in ("rec.edf", "rec.vhdr", "rec.set", "rec_raw.fif"):
        os.mkfifo(tmp_path / name)
        expected = f"{name}: expected an EEG recording " + r"\(a regular file\); " + FIFO
        with deadline(), pytest.raises(FileFormatError, match=expected):
            load_eeg(tmp_path / name, **EEG_KW)
    d = tmp_path / "bv"
    d.mkdir()
    p = write_brainvision(d / "rec.vhdr", signals())
    (d / "rec.vmrk").unlink()
    os.mkfifo(d / "rec.vmrk")
    with deadline(), pytest.raises(FileFormatError, match=re.escape(
            "rec.vhdr: expected its marker file (a regular file); found rec.vmrk, which is a "
            "named pipe (FIFO).")):
        read_recording(p)
    assert never_opened(d / "rec.vmrk")


@pytest.mark.parametrize("name", ["rec.edf", "rec.vhdr", "rec.set", "rec.fif"])
def test_a_directory_named_like_a_recording_is_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / name).mkdir()
    with pytest.raises(FileFormatError, match=re.escape(
            f"{name}: expected an EEG recording (a regular file); found a directory.")):
        read_recording(tmp_path / name)


def test_a_device_as_recording_is_refused(tmp_path: Path) -> None:
    (tmp_path / "zero.edf").symlink_to("/dev/zero")
    with deadline(), pytest.raises(FileFormatError, match=re.escape(
            "zero.edf: expected an EEG recording (a regular file); found a character device.")):
        read_recording(tmp_path / "zero.edf")


# ------------------------------------------------------------------ EEGLAB, Nicolet
def test_eeglab_data_file_outside_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    write_eeglab(tmp_path / "rec.set", signals())
    absolute = str(tmp_path / "rec.fdt")
    p = write_eeglab(tmp_path / "in" / "rec.set", signals(), data_file=absolute)
    with pytest.raises(FileFormatError, match=re.escape(
            f"rec.set: expected its data file inside the folder of rec.set; found "
            f"EEG.data={absolute}, which resolves outside it.")):
        load_eeg(p, **EEG_KW)
    ok = write_eeglab(tmp_path / "in" / "ok.set", signals())
    assert load_eeg(ok, **EEG_KW).n_trials == 8


def test_eeglab_data_file_as_named_pipe_is_refused(tmp_path: Path) -> None:
    p = write_eeglab(tmp_path / "rec.set", signals())
    (tmp_path / "rec.fdt").unlink()
    os.mkfifo(tmp_path / "rec.fdt")
    with deadline(), pytest.raises(FileFormatError, match=re.escape(
            "rec.set: expected its data file (a regular file); found rec.fdt, which is a named "
            "pipe (FIFO).")):
        load_eeg(p, **EEG_KW)


def test_nicolet_pair_symlinked_outside_is_refused(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "rec.head").write_text("num_channels=1\n")
    (tmp_path / "secret.data").write_bytes(b"\x00" * 64)
    (tmp_path / "in" / "rec.data").symlink_to(tmp_path / "secret.data")
    with pytest.raises(FileFormatError, match=re.escape(
            "rec.head: expected its .data file inside the folder of rec.head; found 'rec.data', "
            "which resolves outside it.")):
        check_recording_files(tmp_path / "in" / "rec.head")


# ------------------------------------------------------------------ CSV, NIfTI, coordinates
def test_neucube_folder_members_that_are_not_regular_files(tmp_path: Path) -> None:
    f = write_neucube_folder(tmp_path / "pipe", neucube_trials(), [1, 2, 1, 2])
    (f / "sam3_eeg.csv").unlink()
    os.mkfifo(f / "sam3_eeg.csv")
    with deadline(), pytest.raises(FileFormatError, match=re.escape(
            "sam3_eeg.csv: expected a NeuCube sample file (a regular file); found a named pipe "
            "(FIFO).")):
        load_neucube_csv(f, sfreq=100.0)
    f = write_neucube_folder(tmp_path / "dir", neucube_trials(), [1, 2, 1, 2])
    (f / "sam4_eeg.csv").unlink()
    (f / "sam4_eeg.csv").mkdir()
    with pytest.raises(FileFormatError, match=re.escape(
            "sam4_eeg.csv: expected a NeuCube sample file (a regular file); found a directory.")):
        load_neucube_csv(f, sfreq=100.0)


def test_neucube_feature_names_symlinked_outside_are_refused(tmp_path: Path) -> None:
    f = write_neucube_folder(tmp_path / "study", neucube_trials(), [1, 2, 1, 2])
    (tmp_path / "names.txt").write_text("a\nb\nc\n")
    (f / "feature_names_eeg.txt").symlink_to(tmp_path / "names.txt")
    with pytest.raises(FileFormatError, match=re.escape(
            "study: expected a feature-name file inside this folder; found "
            "'feature_names_eeg.txt', which resolves outside it.")):
        load_neucube_csv(f, sfreq=100.0)


def test_named_pipes_as_csv_nifti_labels_events_and_coordinates(tmp_path: Path) -> None:
    for name in ("rec.csv", "bold.nii.gz", "labels.txt", "events.tsv", "positions.csv"):
        os.mkfifo(tmp_path / name)
    calls = [
        (lambda: load_marker_csv(tmp_path / "rec.csv", **EEG_KW),
         "rec.csv: expected a CSV recording; "),
        (lambda: load_fmri(tmp_path / "bold.nii.gz", labels=["a"]),
         r"bold.nii.gz: expected a NIfTI image \(.nii or .nii.gz\); "),
        (lambda: read_volume_labels(tmp_path / "labels.txt"),
         "labels.txt: expected a text file of one label per volume; "),
        (lambda: read_coordinate_file(tmp_path / "positions.csv"),
         "positions.csv: expected a CSV file of name,x,y,z rows; "),
    ]
    for call, match in calls:
        with deadline(), pytest.raises(FileFormatError, match=match + FIFO):
            call()
    for name in ("rec.csv", "bold.nii.gz", "labels.txt", "events.tsv", "positions.csv"):
        assert never_opened(tmp_path / name), name


def test_nifti_pair_with_its_image_outside_is_refused(tmp_path: Path) -> None:
    import nibabel as nib

    (tmp_path / "in").mkdir()
    img = nib.Nifti1Pair(np.ones((2, 2, 2, 4), np.float32), np.eye(4))
    nib.save(img, tmp_path / "bold.img")
    (tmp_path / "bold.hdr").replace(tmp_path / "in" / "bold.hdr")
    (tmp_path / "in" / "bold.img").symlink_to(tmp_path / "bold.img")
    with pytest.raises(FileFormatError, match=re.escape(
            "bold.hdr: expected its .img file inside the folder of bold.hdr; found 'bold.img', "
            "which resolves outside it.")):
        load_fmri(tmp_path / "in" / "bold.hdr", labels=["a", "a", "b", "b"], mask="all")


# ------------------------------------------------------------------ zip uploads
def test_zip_bounds_are_checked_before_anything_is_extracted(tmp_path: Path) -> None:
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("s/sam1_eeg.csv", "1,2\n" * 1000)
        zf.writestr("s/tar_class_labels.csv", "1\n")
    with pytest.raises(UploadError, match=re.escape(
            "big.zip: expected at most 0 MB uncompressed; found 0.0 MB.")):
        extract_zip(archive, tmp_path / "out", max_bytes=100)
    assert not (tmp_path / "out").exists()
    with pytest.raises(UploadError, match=re.escape("big.zip: expected at most 1 files; found 2.")):
        extract_zip(archive, tmp_path / "out", max_bytes=10**6, max_members=1)
    # A small archive that compresses very well (all-zero samples) is not a bomb: it is read.
    folder = extract_zip(archive, tmp_path / "out", max_bytes=10**6)
    assert (folder / "sam1_eeg.csv").stat().st_size == 4000


@pytest.mark.parametrize("member", ["/abs/sam1_eeg.csv", "s/../../sam1_eeg.csv",
                                    "..\\sam1_eeg.csv"])
def test_zip_members_leaving_the_folder_are_refused(tmp_path: Path, member: str) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(member, "1,2\n")
    with pytest.raises(UploadError, match=re.escape(
            f"evil.zip: expected files inside the archive's own folder; found {member!r}.")):
        extract_zip(archive, tmp_path / "out", max_bytes=10**6)
    assert not list(tmp_path.rglob("sam1_eeg.csv"))


def test_zip_symlink_member_is_refused(tmp_path: Path) -> None:
    archive = tmp_path / "link.zip"
    info = zipfile.ZipInfo("s/sam1_eeg.csv")
    info.external_attr = (0o120777 << 16)  # a symlink, as `zip --symlinks` stores it
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(UploadError, match="link.zip: expected files inside the archive's own "
                                          "folder; found 's/sam1_eeg.csv'"):
        extract_zip(archive, tmp_path / "out", max_bytes=10**6)


# ------------------------------------------------------------------ regular expressions
def test_invalid_and_overlong_patterns_name_the_key() -> None:
    with pytest.raises(StudyError, match=re.escape(
            'data.subject_pattern: expected a valid regular expression, got "[a-" (unterminated '
            "character set at position 3)")):
        compile_pattern("data.subject_pattern", "[a-")
    with pytest.raises(StudyError, match="expected a regular expression of at most 256 "):
        compile_pattern("data.subject_pattern", "x" * 257)
    with pytest.raises(StudyError, match=r"expected a regular expression \(a string\), got 3"):
        compile_pattern("data.subject_pattern", 3)
    with pytest.raises(StudyError, match=f"expected at most {MAX_TEXT_CHARS} to match"):
        search("data.subject_pattern", "a", "a" * (MAX_TEXT_CHARS + 1))


def test_a_catastrophic_pattern_ends_quickly_with_a_clear_error() -> None:
    name = "a" * 100 + "!.edf"  # Python's re would backtrack on this for longer than a lifetime
    start = time.monotonic()
    with deadline(60), pytest.raises(StudyError) as info:
        _subject_of(Path(name), r"(a|aa)+$")
    assert time.monotonic() - start < 30
    assert str(info.value) == (
        'data.subject_pattern: expected a regular expression that matches a name quickly, got '
        f'"(a|aa)+$", which ran over 0.5 s on "{name}" (nested repetition such as (a+)+ or '
        "(a|aa)+ backtracks without end); simplify it"
    )


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a*)*b", r"^(a|a?)+$", r"(\w|\d)+z",
                                     r"(.*a){12}", r"(x+x+)+y", r"^(([a-z])+.)+[A-Z]([a-z])+$"])
def test_classic_redos_patterns_are_bounded(pattern: str) -> None:
    """Each ends within the bound: matched (the regex engine avoids some blow-ups) or refused."""
    name = "a" * 60 + "x" * 60 + "1" * 60 + "!.edf"
    start = time.monotonic()
    with deadline(60):
        try:
            _subject_of(Path(name), pattern)
        except StudyError as exc:
            assert "matches a name quickly" in str(exc)
    assert time.monotonic() - start < 30


def test_subject_pattern_still_extracts_subject_ids() -> None:
    assert _subject_of(Path("sub-07_task-x_eeg.edf"), r"sub-([A-Za-z0-9]+)") == "07"
    assert _subject_of(Path("P12.edf"), r"P\d+") == "P12"
    assert _subject_of(Path("rec.edf"), r"sub-(\d+)") == "rec"


def test_a_study_with_a_catastrophic_subject_pattern_stops_with_a_study_error(tmp_path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    write_edf(folder / ("a" * 100 + "!.edf"), signals())
    args = {"path": str(folder), "pattern": "", "subject_pattern": r"(a|aa)+$",
            "stim_channel": None, "events_from": "auto", "coordinates": "template",
            "on_missing": "raise", "bad_channels": None, "montage": "colin27_1005",
            "on_unknown": "raise", "exclude_non_eeg": True, "units": "uV", "space": "mni"}
    with deadline(60), pytest.raises(StudyError, match="data.subject_pattern: expected a "
                                                       "regular expression that matches a name"):
        load_source("eeg", args, preprocessing={}, events=None, seed=0)


def test_data_pattern_may_not_climb_out_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    write_edf(tmp_path / "outside.edf", signals())
    with pytest.raises(StudyError, match=re.escape(
            'data.pattern: expected a glob of file names inside the data folder (such as "*.vhdr" '
            'or "sub-*_eeg.edf"), got "../*.edf", which leaves it')):
        eeg_files(str(tmp_path / "data"), "../*.edf")


# ------------------------------------------------------------------ the web app (AppTest)
def test_app_refuses_an_uploaded_header_naming_a_server_file(tmp_path: Path) -> None:
    """The uploaded .vhdr names a server file (a pipe here): st.error, and nothing opened it."""
    from test_app import errors, new_app, upload

    secret = tmp_path / "server_secret.eeg"
    os.mkfifo(secret)  # opening it to read would block the page: the deadline catches that
    d = tmp_path / "up"
    d.mkdir()
    p = _header(write_brainvision(d / "rec.vhdr", signals()), "DataFile=rec.eeg",
                f"DataFile={secret}")
    at = new_app().run()
    with deadline(120):
        upload(at, [(q.name, q.read_bytes()) for q in (p, d / "rec.vmrk", d / "rec.eeg")])
    shown = errors(at)
    assert len(shown) == 1, shown
    assert (f"rec.vhdr: expected its data file inside the folder of rec.vhdr; found "
            f"DataFile={secret}, which resolves outside it.") in shown[0]
    assert "neucube-app-" not in shown[0], "the server's own upload folder is not shown"
    assert "discovery" not in at.session_state or at.session_state["discovery"] is None
    assert never_opened(secret)


def test_fif_next_split_file_outside_the_folder_is_refused(tmp_path: Path) -> None:
    import mne

    (tmp_path / "in").mkdir()
    info = mne.create_info(4, 100.0, "eeg")
    data = np.random.default_rng(0).normal(0, 1e-5, (4, 200_000))
    p = tmp_path / "in" / "rec_raw.fif"
    mne.io.RawArray(data, info, verbose="error").save(p, split_size="2MB", verbose="error")
    assert (tmp_path / "in" / "rec_raw-1.fif").is_file()
    assert read_recording(p).n_times == 200_000  # a split recording inside its folder is read
    (tmp_path / "in" / "rec_raw-1.fif").replace(tmp_path / "_raw-1.fif")
    # The first file names its successor: same length, one folder up (MNE alone follows it).
    p.write_bytes(p.read_bytes().replace(b"rec_raw-1.fif", b"../_raw-1.fif"))
    with pytest.raises(FileFormatError, match=re.escape(
            f"rec_raw.fif: expected its next split file inside the folder of rec_raw.fif; found "
            f"next split file={tmp_path / '_raw-1.fif'}, which resolves outside it.")):
        read_recording(p)


def test_an_oversized_brainvision_header_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    p = write_brainvision(tmp_path / "rec.vhdr", signals())
    with p.open("a") as fid:
        fid.truncate(20_000_000)  # sparse: a 20 MB "header"
    with pytest.raises(FileFormatError, match=re.escape(
            "rec.vhdr: expected a BrainVision header of at most 16 MB; found 20 MB.")):
        read_recording(p)
