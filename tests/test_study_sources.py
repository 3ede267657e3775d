"""Data sources of a study: loading, --data, event mapping and preprocessing."""

from __future__ import annotations

import json
from pathlib import Path

import mne
import numpy as np
import pytest

from data_loaders.simulate import simulate_familiarity
from data_loaders.simulate_fmri import CONDITIONS, simulate_block_fmri
from neucube.data import TrialSet
from neucube_study import StudyError, load_study, parse_study
from neucube_study.adapters import apply_preprocessing, eeg_files, relabel
from neucube_study.runner import load_trials

REPO = Path(__file__).resolve().parents[1]
CHANNELS = ["Fz", "Cz", "Pz", "O1", "O2", "P7", "P8", "C3"]


def write_recordings(folder: Path, n_subjects: int = 2, n_events: int = 16, seed: int = 0) -> Path:
    """Continuous FIF recordings with "familiar"/"unfamiliar" annotations, one per subject."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sfreq = 128.0
    for s in range(1, n_subjects + 1):
        n = int((2 + 1.5 * n_events) * sfreq)
        data = rng.normal(scale=10e-6, size=(len(CHANNELS), n))
        onsets = 1.0 + 1.5 * np.arange(n_events)
        labels = ["familiar", "unfamiliar"] * (n_events // 2)
        for onset, label in zip(onsets, labels, strict=True):
            if label == "familiar":  # a parietal positivity at ~350 ms
                t = np.arange(int(0.8 * sfreq)) / sfreq
                start = int(onset * sfreq)
                data[2, start:start + t.size] += 15e-6 * np.exp(-((t - 0.35) / 0.05) ** 2)
        raw = mne.io.RawArray(data, mne.create_info(CHANNELS, sfreq, "eeg"), verbose="error")
        raw.set_annotations(mne.Annotations(onsets, 0.0, labels))
        raw.save(folder / f"sub-{s:02d}_task-logos_raw.fif", verbose="error")
    return folder


def study_text(data: str, extra: str = "") -> str:
    return ('[study]\nname = "t"\n' + data + '\n[events]\nfamiliar = ["familiar"]\nunfamiliar = ["unfamiliar"]\n'
            + extra)


# ----------------------------------------------------------------------------- EEG
def test_eeg_folder_pools_subjects(tmp_path):
    write_recordings(tmp_path / "recs")
    path = tmp_path / "s.toml"
    path.write_text(study_text('[data]\nsource = "eeg"\npath = "recs"\n',
                               "[preprocessing]\ntmin = -0.1\ntmax = 0.8\nbaseline = [-0.1, 0.0]\n"))
    trials = load_trials(load_study(path))
    assert trials.class_names == ("familiar", "unfamiliar")
    assert trials.class_counts() == {"familiar": 16, "unfamiliar": 16}
    assert sorted(set(trials.subject)) == ["01", "02"]
    assert trials.ch_names == tuple(CHANNELS) and trials.space == "mni"
    assert trials.tmin == pytest.approx(-0.1, abs=1 / 128) and trials.tmax == pytest.approx(0.8, abs=1 / 128)
    # Baseline-corrected by the loader: the pre-stimulus mean is ~0.
    window = (trials.times >= -0.1) & (trials.times <= 0)
    assert np.abs(trials.X[..., window].mean(axis=-1)).max() < 1e-6


def test_familiarity_study_with_data_reads_the_folder(tmp_path):
    write_recordings(tmp_path / "recs", n_subjects=3, n_events=8)
    trials = load_trials(load_study(REPO / "studies" / "familiarity.toml", data=tmp_path / "recs"))
    assert trials.n_trials == 24 and sorted(set(trials.subject)) == ["01", "02", "03"]


def test_eeg_event_mapping_that_matches_nothing(tmp_path):
    write_recordings(tmp_path / "recs", n_subjects=1, n_events=4)
    path = tmp_path / "s.toml"
    path.write_text('[study]\nname = "t"\n[data]\nsource = "eeg"\npath = "recs"\n'
                    '[events]\nfamiliar = ["famous"]\nunfamiliar = ["unfamiliar"]\n')
    from data_loaders import EventError

    with pytest.raises(EventError, match="famous"):
        load_trials(load_study(path))


def test_eeg_files_skips_companions(tmp_path):
    for name in ("a.vhdr", "a.vmrk", "a.eeg", "b.set", "b.fdt", "c.edf", "notes.txt", "n.data", "n.head",
                 ".hidden.edf"):
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in eeg_files(str(tmp_path))] == ["a.vhdr", "b.set", "c.edf", "n.data"]
    assert [p.name for p in eeg_files(str(tmp_path), "*.edf")] == ["c.edf"]
    assert [p.name for p in eeg_files([str(tmp_path / "c.edf"), str(tmp_path / "a.vhdr")])] == ["c.edf", "a.vhdr"]
    with pytest.raises(StudyError, match=r'^data\.path: expected EEG recordings in the folder .* matching "\*\.bdf" '
                                         r"\(extensions \.edf, .*\), but there are none$"):
        eeg_files(str(tmp_path), "*.bdf")


@pytest.mark.shared_data
def test_bids_source(shared_data, tmp_path):
    import mne_bids

    raw = mne.io.read_raw_bdf(shared_data / "eeg_format_samples/mne_python_testdata/test_bdf_stim_channel.bdf",
                              verbose="error")
    events = mne.find_events(raw, shortest_event=1, verbose="error")
    root = tmp_path / "bids"
    for subject in ("01", "02"):
        bp = mne_bids.BIDSPath(subject=subject, task="oddball", datatype="eeg", root=root)
        mne_bids.write_raw_bids(raw, bp, events=events, event_id={"standard": 1, "target": 2, "novel": 4},
                                verbose="error")
    raw_study = {"study": {"name": "b"}, "data": {"source": "simulate"},
                 "events": {"frequent": ["standard"], "rare": ["target", "novel"]},
                 "preprocessing": {"tmin": 0.0, "tmax": 0.2}}
    study = parse_study(raw_study, data=root)
    assert study.config["data"]["source"] == "bids"
    trials = load_trials(study)
    assert trials.class_counts() == {"frequent": 14, "rare": 4}
    assert sorted(set(trials.subject)) == ["01", "02"]


# ----------------------------------------------------------------------------- CSV
def write_neucube_folder(folder: Path, rng: np.random.Generator) -> None:
    folder.mkdir()
    for k in range(1, 13):
        rows = rng.normal(size=(20, 3))
        (folder / f"sam{k}_eeg.csv").write_text("\n".join(",".join(f"{v:.4f}" for v in r) for r in rows) + "\n")
    (folder / "tar_class_labels.csv").write_text("\n".join(str(1 + k % 3) for k in range(12)) + "\n")


def test_neucube_csv_labels_renamed_and_selected(tmp_path, rng):
    write_neucube_folder(tmp_path / "csv", rng)
    path = tmp_path / "s.toml"
    path.write_text('[study]\nname = "t"\n[data]\nsource = "neucube_csv"\nfolder = "csv"\nsfreq = 20.0\n'
                    '[events]\nup = [1]\ndown = [3]\n')
    trials = load_trials(load_study(path))
    assert trials.class_names == ("up", "down")
    assert trials.class_counts() == {"up": 4, "down": 4}
    assert trials.sfreq == 20.0


def test_marker_csv_folder(tmp_path, rng):
    import pandas as pd

    folder = tmp_path / "runs"
    folder.mkdir()
    for run in (1, 2):
        data = rng.normal(size=(1200, 2))
        markers = np.zeros(1200, dtype=int)
        markers[100:1100:100] = [1, 2] * 5
        frame = pd.DataFrame(data, columns=["Cz", "Pz"])
        frame["Marker"] = markers
        frame.to_csv(folder / f"run{run}.csv", index=False, float_format="%.5f")
    path = tmp_path / "s.toml"
    path.write_text('[study]\nname = "t"\n[data]\nsource = "marker_csv"\npath = "runs"\nsfreq = 100.0\n'
                    '[events]\nhouse = [1]\nface = [2]\n[preprocessing]\ntmin = 0.0\ntmax = 0.5\n')
    trials = load_trials(load_study(path))
    assert trials.class_counts() == {"house": 10, "face": 10}
    assert sorted(set(trials.run)) == ["1", "2"] and trials.n_times == 51


def test_marker_csv_needs_one_code_per_class(tmp_path, rng):
    (tmp_path / "r.csv").write_text("Cz,Marker\n0.1,0\n0.2,1\n")
    path = tmp_path / "s.toml"
    path.write_text('[study]\nname = "t"\n[data]\nsource = "marker_csv"\npath = "r.csv"\nsfreq = 100.0\n'
                    '[events]\nhouse = [1, 3]\nface = [2]\n')
    with pytest.raises(StudyError, match=r"^events\.house: the marker_csv source takes one integer marker code per "
                                         r"class, got \[1, 3\]$"):
        load_trials(load_study(path))


@pytest.mark.shared_data
def test_wrist_movement_study_loads(shared_data):
    trials = load_trials(load_study(REPO / "studies" / "wrist_movement.toml"))
    assert trials.class_counts() == {"movement_1": 20, "movement_2": 20, "movement_3": 20}
    assert trials.n_channels == 14 and trials.n_times == 128 and trials.sfreq == 128.0
    assert trials.space == "talairach"


@pytest.mark.shared_data
def test_n170_study_loads(shared_data):
    trials = load_trials(load_study(REPO / "studies" / "n170_faces_houses.toml"))
    counts = trials.class_counts()
    assert set(counts) == {"house", "face"} and 1000 < trials.n_trials < 1174  # some rejected at 75 uV
    assert trials.ch_names == ("TP9", "AF7", "AF8", "TP10")
    assert trials.sfreq == 128.0 and trials.n_times == 116


# ----------------------------------------------------------------------------- fMRI
def test_simulated_fmri_files(tmp_path):
    design = simulate_block_fmri(tmp_path, n_runs=2, n_blocks=2, seed=4)
    assert [p.name for p in design.bold] == ["sub-01_task-blocks_run-1_bold.nii.gz",
                                             "sub-01_task-blocks_run-2_bold.nii.gz"]
    import nibabel as nib

    img = nib.load(design.bold[0])
    assert img.shape[3] == 6 + 2 * 2 * (8 + 6) and img.header.get_zooms()[3] == 2.0
    assert int(img.header["sform_code"]) == 4
    events = design.events[0].read_text().splitlines()
    assert events[0] == "onset\tduration\ttrial_type" and len(events) == 1 + 4
    assert sorted(line.split("\t")[2] for line in events[1:]) == sorted(CONDITIONS * 2)
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    assert truth["n_voxels_in_mask"] == design.ground_truth["n_voxels_in_mask"] > 1000
    with pytest.raises(ValueError, match=r"The 'voxel_mm' parameter of simulate_block_fmri must be a multiple of 2 mm"):
        simulate_block_fmri(tmp_path, voxel_mm=5)


def test_fmri_study_simulates_and_reads_user_files(tmp_path):
    study = load_study(REPO / "studies" / "fmri_blocks.toml")
    trials = load_trials(study)
    assert trials.class_counts() == {"picture": 20, "sentence": 20}
    # 8 volumes at TR 2 s, interpolated x4 by the study's [preprocessing] upsample.
    assert trials.n_times == 29 and trials.sfreq == 2.0 and trials.space == "mni"
    assert trials.metadata["upsample"] == {"factor": 4, "kind": "linear", "original_sfreq": 0.5}
    assert trials.metadata["ground_truth"]["conditions"] == list(CONDITIONS)
    # The same study on "a user's" NIfTI runs with their events.tsv, given with --data.
    simulate_block_fmri(tmp_path, n_runs=2, n_blocks=3, seed=9, effect_size=0.6)
    user = load_trials(study, data=tmp_path)
    assert user.class_counts() == {"picture": 6, "sentence": 6}
    # The study's reduce = 2 applies; without a mask file load_fmri computes an EPI mask.
    assert 0.8 * trials.n_channels < user.n_channels <= trials.n_channels * 1.2


# ----------------------------------------------------------------------------- trials
@pytest.fixture(scope="module")
def sim() -> TrialSet:
    return simulate_familiarity(n_subjects=1, n_trials_per_class=5, seed=1)


def test_relabel(sim):
    out = relabel(sim, {"known": ["familiar"], "new": ["unfamiliar"]})
    assert out.class_names == ("known", "new")
    np.testing.assert_array_equal(out.labels == "known", sim.labels == "familiar")
    only = relabel(sim, {"b": ["unfamiliar"], "a": ["familiar"]})
    assert only.class_names == ("b", "a") and only.n_trials == sim.n_trials
    with pytest.raises(StudyError, match=r'^events\.known: no trial has the label "famous"; the data\'s labels are '
                                         r'"familiar", "unfamiliar"$'):
        relabel(sim, {"known": ["famous"], "new": ["unfamiliar"]})
    with pytest.raises(StudyError, match=r'^events\.b: the label "familiar" is also listed under events\.a$'):
        relabel(sim, {"a": ["familiar"], "b": ["familiar"]})


def test_preprocessing_on_trials(sim):
    pre = {"tmin": 0.0, "tmax": 0.5, "baseline": [-0.1, 0.0], "l_freq": None, "h_freq": 30.0,
           "resample": 64.0, "reject_uv": None, "channels": ["Fz", "Pz"]}
    out = apply_preprocessing(sim, pre)
    assert out.ch_names == ("Fz", "Pz") and out.sfreq == 64.0
    assert out.tmin == pytest.approx(0.0) and out.tmax == pytest.approx(0.5, abs=1 / 64)
    assert out.class_names == sim.class_names and out.n_trials == sim.n_trials


def test_preprocessing_baseline_and_reject(sim):
    base = {"tmin": None, "tmax": None, "baseline": [-0.1, 0.0], "l_freq": None, "h_freq": None,
            "resample": None, "reject_uv": None, "channels": []}
    out = apply_preprocessing(sim, base)
    window = (out.times >= -0.1) & (out.times <= 0)  # the first sample is at -0.1016 s
    np.testing.assert_allclose(out.X[..., window].mean(axis=-1), 0.0, atol=1e-9)
    ptp = np.ptp(sim.X, axis=-1).max(axis=-1)
    limit = float(np.median(ptp))
    kept = apply_preprocessing(sim, {**base, "baseline": None, "reject_uv": limit})
    assert kept.n_trials == int((ptp <= limit).sum()) and kept.metadata["n_rejected_amplitude"] == int((ptp > limit).sum())
    with pytest.raises(StudyError, match=r"^preprocessing\.reject_uv: every trial exceeds 0\.001 peak to peak"):
        apply_preprocessing(sim, {**base, "baseline": None, "reject_uv": 0.001})
    with pytest.raises(StudyError, match=r'^preprocessing\.channels: "Xx" not among the data\'s channels'):
        apply_preprocessing(sim, {**base, "baseline": None, "channels": ["Fz", "Xx"]})
    with pytest.raises(StudyError, match=r"^preprocessing\.baseline: expected a window inside the trials"):
        apply_preprocessing(sim, {**base, "baseline": [2.0, 3.0]})
    with pytest.raises(StudyError, match=r"^preprocessing\.tmin/tmax: expected a window inside the trials"):
        apply_preprocessing(sim, {**base, "baseline": None, "tmin": 5.0, "tmax": 6.0})


def test_study_needs_two_classes_in_the_data(tmp_path, rng):
    write_neucube_folder(tmp_path / "csv", rng)
    labels = tmp_path / "csv" / "tar_class_labels.csv"
    labels.write_text("\n".join(["1"] * 11 + ["2"]) + "\n")
    path = tmp_path / "s.toml"
    path.write_text('[study]\nname = "t"\n[data]\nsource = "neucube_csv"\nfolder = "csv"\n')
    trials = load_trials(load_study(path))  # two classes present, even if unbalanced
    assert trials.class_counts() == {"1": 11, "2": 1}
