"""data_loaders.discovery and data_loaders.formats: which files a path names."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_loaders.discovery import (
    find_csv_runs,
    find_eeg_recordings,
    find_fmri_runs,
    is_bids_root,
)
from data_loaders.formats import EEG_EXTENSIONS, is_companion, suffix


def test_suffix_reads_double_extensions() -> None:
    assert suffix("Rec.FIF.gz") == ".fif.gz" and suffix("a/b.vhdr") == ".vhdr"
    assert suffix("run.nii.gz") == ".nii.gz" and suffix("x.csv.gz") == ".csv.gz"
    assert suffix("noext") == "" and ".fif.gz" in EEG_EXTENSIONS


def test_find_eeg_recordings_skips_companions_and_names_the_key(tmp_path: Path) -> None:
    for name in ("a.vhdr", "a.vmrk", "a.eeg", "k.eeg", "n.data", "n.head", "x.txt", ".h.edf"):
        (tmp_path / name).write_bytes(b"")
    assert is_companion(tmp_path / "a.eeg") and not is_companion(tmp_path / "k.eeg")
    assert [p.name for p in find_eeg_recordings(tmp_path)] == ["a.vhdr", "k.eeg", "n.data"]
    with pytest.raises(ValueError, match=r'^data\.path: expected EEG recordings in the folder '
                                         r'.* matching "\*\.bdf" \(extensions \.edf, .*\), but '
                                         r"there are none$"):
        find_eeg_recordings(str(tmp_path), "*.bdf", prefix="data.")
    with pytest.raises(ValueError, match=r"^pattern: expected a glob of file names inside"):
        find_eeg_recordings(str(tmp_path), "../*.edf")


def test_find_fmri_runs_pairs_each_run_with_its_events(tmp_path: Path) -> None:
    (tmp_path / "dataset_description.json").write_text("{}")
    assert is_bids_root(tmp_path) and not is_bids_root(tmp_path / "dataset_description.json")
    for name in ("r1_bold.nii.gz", "r1_events.tsv", "r2.nii", "r2.tsv", "brain_mask.nii"):
        (tmp_path / name).write_bytes(b"")
    bolds, events = find_fmri_runs(tmp_path)
    assert [Path(b).name for b in bolds] == ["r1_bold.nii.gz", "r2.nii"]
    assert [Path(e).name for e in events] == ["r1_events.tsv", "r2.tsv"]
    (tmp_path / "r2.tsv").unlink()
    with pytest.raises(ValueError, match=r"^--data: expected a BIDS events file beside .*r2\.nii "
                                         r"\(one of r2_events\.tsv, r2\.tsv\), but none exists$"):
        find_fmri_runs(tmp_path, key="--data")


def test_find_csv_runs_lists_a_folders_csv_files(tmp_path: Path) -> None:
    for name in ("b.csv.gz", "a.csv", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in find_csv_runs(tmp_path)] == ["a.csv", "b.csv.gz"]
    assert find_csv_runs([str(tmp_path / "a.csv")]) == [tmp_path / "a.csv"]
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"^data\.path: expected \.csv or \.csv\.gz files in the "
                                         r"folder .*empty, but there are none$"):
        find_csv_runs(tmp_path / "empty", prefix="data.")
