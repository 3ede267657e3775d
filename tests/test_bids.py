"""BIDS datasets written with mne-bids from a real BDF file, loaded across subjects and runs."""

from __future__ import annotations

from pathlib import Path

import mne
import mne_bids
import numpy as np
import pytest

from data_loaders._errors import EventError, FileFormatError
from data_loaders.bids import load_bids

pytestmark = pytest.mark.shared_data

# The real recording: 3 EEG channels (C3, C4, Cz) at 500 Hz, 9 triggers: 1 x7, 2 x1, 4 x1.
SOURCE = "eeg_format_samples/mne_python_testdata/test_bdf_stim_channel.bdf"
EVENT_ID = {"standard": 1, "target": 2, "novel": 4}
RUNS = [("01", "01"), ("01", "02"), ("02", "01")]  # (subject, run)


def _raw(shared_data: Path) -> mne.io.BaseRaw:
    return mne.io.read_raw_bdf(shared_data / SOURCE, verbose="error")


@pytest.fixture(scope="module")
def bids_root(shared_data, tmp_path_factory) -> Path:
    """A BIDS dataset generated in a temporary folder (never committed)."""
    root = tmp_path_factory.mktemp("bids")
    raw = _raw(shared_data)
    events = mne.find_events(raw, shortest_event=1, verbose="error")
    for subject, run in RUNS:
        bp = mne_bids.BIDSPath(subject=subject, task="oddball", run=run, datatype="eeg", root=root)
        mne_bids.write_raw_bids(raw, bp, events=events, event_id=EVENT_ID, verbose="error")
    return root


def test_all_subjects_and_runs(bids_root):
    ts = load_bids(bids_root, tmin=-0.1, tmax=0.4)
    assert ts.class_names == ("novel", "standard", "target")  # every trial_type, sorted
    assert ts.class_counts() == {"novel": 3, "standard": 21, "target": 3}
    assert ts.ch_names == ("C3", "C4", "Cz") and ts.sfreq == 500.0
    assert ts.coords.shape == (3, 3) and ts.metadata["coordinate_method"] == "template"
    assert ts.subject.tolist() == ["01"] * 18 + ["02"] * 9
    assert ts.run.tolist() == ["01"] * 9 + ["02"] * 9 + ["01"] * 9
    assert set(ts.session) == {"n/a"}
    assert {sid: s.n_trials for sid, s in ts.iter_subjects()} == {"01": 18, "02": 9}
    meta = ts.metadata
    assert meta["format"] == "BIDS" and meta["n_events"] == 27 and meta["n_rejected"] == 0
    assert [(r["subject"], r["run"], r["n_trials"]) for r in meta["runs"]] == [
        ("01", "01", 9), ("01", "02", 9), ("02", "01", 9)
    ]


def test_trials_match_the_source_file(bids_root, shared_data):
    from data_loaders.eeg import load_eeg

    ts = load_bids(bids_root, subjects="02", tmin=-0.1, tmax=0.4)
    direct = load_eeg(shared_data / SOURCE, event_id={"novel": 4, "standard": 1, "target": 2},
                      tmin=-0.1, tmax=0.4)
    np.testing.assert_allclose(ts.X, direct.X)
    np.testing.assert_array_equal(ts.labels, direct.labels)


def test_selection_and_grouped_classes(bids_root):
    ts = load_bids(bids_root, subjects=["01"], runs=2, event_id={"rare": ["target", "novel"],
                                                                 "frequent": "standard"},
                   tmin=0.0, tmax=0.2, space="talairach")
    assert ts.class_names == ("rare", "frequent")
    assert ts.class_counts() == {"rare": 2, "frequent": 7}
    assert set(ts.subject) == {"01"} and set(ts.run) == {"02"}
    assert ts.space == "talairach"


def test_bad_channel_in_one_run_keeps_the_shared_channels(caplog, tmp_path_factory, shared_data):
    root = tmp_path_factory.mktemp("bids_bad")
    raw = _raw(shared_data)
    events = mne.find_events(raw, shortest_event=1, verbose="error")
    for subject in ("01", "02"):
        bp = mne_bids.BIDSPath(subject=subject, task="oddball", datatype="eeg", root=root)
        mne_bids.write_raw_bids(raw, bp, events=events, event_id=EVENT_ID, verbose="error")
    mne_bids.mark_channels(
        mne_bids.BIDSPath(subject="02", task="oddball", datatype="eeg", root=root, suffix="eeg",
                          extension=".bdf"),
        ch_names=["C4"], status="bad", descriptions=["noisy"], verbose="error",
    )
    with caplog.at_level("WARNING", logger="data_loaders.bids"):
        ts = load_bids(root, tmin=0.0, tmax=0.2)
    assert ts.ch_names == ("C3", "Cz")
    assert ts.metadata["dropped_channels"] == ["C4"]
    assert [r["bad_channels"] for r in ts.metadata["runs"]] == [[], ["C4"]]
    assert "channels missing from some runs were left out: ['C4']" in caplog.text


def test_missing_root_and_no_matching_recording(bids_root, tmp_path):
    with pytest.raises(
        FileFormatError,
        match="nowhere: expected a BIDS dataset folder; found no such directory",
    ):
        load_bids(tmp_path / "nowhere")
    with pytest.raises(
        FileFormatError,
        match=r"expected EEG recordings .* matching subjects=\['07'\].*; found none; the dataset "
              r"has subjects \['01', '02'\]",
    ):
        load_bids(bids_root, subjects="07")


def test_class_matching_no_event(bids_root):
    with pytest.raises(
        EventError,
        match=r"expected events for every class of event_id in at least one run; found no trials "
              r"of \['oddity'\] in 3 runs",
    ):
        load_bids(bids_root, event_id={"oddity": "odd", "standard": "standard"})


def test_missing_events_file(shared_data, tmp_path):
    bp = mne_bids.BIDSPath(subject="01", task="rest", datatype="eeg", root=tmp_path)
    mne_bids.write_raw_bids(_raw(shared_data), bp, verbose="error")  # no events given
    with pytest.raises(
        EventError,
        match=r"sub-01_task-rest_events.tsv: expected a BIDS events file beside the recording; "
              r"found no such file",
    ):
        load_bids(tmp_path)


def test_invalid_selection_parameter(bids_root):
    with pytest.raises(
        ValueError,
        match=r"The 'subjects' parameter of load_bids must be None, an id or a non-empty list of "
              r"ids; got \[\]",
    ):
        load_bids(bids_root, subjects=[])


# ------------------------------------------------------------------ files that leave the dataset
@pytest.fixture
def one_run(shared_data, tmp_path) -> tuple[Path, Path]:
    """A one-run dataset in ``tmp_path/ds`` and the run's ``eeg/`` folder."""
    root = tmp_path / "ds"
    raw = _raw(shared_data)
    events = mne.find_events(raw, shortest_event=1, verbose="error")
    bp = mne_bids.BIDSPath(subject="01", task="oddball", datatype="eeg", root=root)
    mne_bids.write_raw_bids(raw, bp, events=events, event_id=EVENT_ID, verbose="error")
    return root, root / "sub-01" / "eeg"


def _move_out(path: Path, outside: Path) -> None:
    """Replace ``path`` by a symlink to its content moved to ``outside``."""
    path.replace(outside)
    path.symlink_to(outside)


@pytest.mark.parametrize("name", ["sub-01_task-oddball_eeg.bdf", "sub-01_task-oddball_events.tsv",
                                  "sub-01_task-oddball_channels.tsv"])
def test_a_run_file_linked_outside_the_dataset_is_refused(one_run, tmp_path, name):
    root, eeg = one_run
    _move_out(eeg / name, tmp_path / name)
    with pytest.raises(
        FileFormatError,
        match=f"{name}: expected a file inside the BIDS dataset .*ds; found a link that resolves "
              "outside it",
    ):
        load_bids(root)


def test_an_inherited_sidecar_linked_outside_is_refused(one_run, tmp_path):
    root, _ = one_run
    _move_out(root / "participants.tsv", tmp_path / "participants.tsv")
    with pytest.raises(FileFormatError, match="participants.tsv: expected a file inside the BIDS "
                                              "dataset"):
        load_bids(root)


def test_a_sidecar_that_is_a_named_pipe_is_refused_without_blocking(one_run):
    import os

    root, eeg = one_run
    events = eeg / "sub-01_task-oddball_events.tsv"
    events.unlink()
    os.mkfifo(events)
    with pytest.raises(
        FileFormatError,
        match=r"sub-01_task-oddball_events.tsv: expected a BIDS file \(a regular file\); found a "
              r"named pipe \(FIFO\)",
    ):
        load_bids(root)


def test_links_inside_the_dataset_are_followed(one_run, tmp_path):
    """DataLad datasets link every file into the dataset's own annex: those are inside it."""
    root, eeg = one_run
    annex = root / ".git" / "annex" / "objects"
    annex.mkdir(parents=True)
    name = "sub-01_task-oddball_eeg.bdf"
    _move_out(eeg / name, annex / "KEY-bdf")
    assert load_bids(root, tmin=-0.1, tmax=0.4).n_trials == 9
