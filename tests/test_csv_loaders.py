"""NeuCube CSV study folders and continuous CSV files with a marker column."""

from __future__ import annotations

import csv
import gzip
import logging
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from data_loaders._errors import ChannelError, EventError, FileFormatError, LoaderError
from data_loaders.coordinates import channel_positions
from data_loaders.marker_csv import TIMESTAMP_RTOL, load_marker_csv
from data_loaders.neucube_csv import load_neucube_csv
from neucube.data import TrialSet

WRIST = "neucube_wrist_movement_eeg"
N170 = "eegnotebooks_muse_N170_subject1"
MUSE = ["TP9", "AF7", "AF8", "TP10"]


# ============================================================================ NeuCube CSV
def write_study(
    folder: Path,
    X: np.ndarray,
    labels: list,
    *,
    header: list[str] | None = None,
    names: list[str] | None = None,
    mapping: np.ndarray | None = None,
) -> Path:
    """Write X (n, channels, times) as a NeuCube folder: samN_eeg.csv + tar_class_labels.csv."""
    folder.mkdir(parents=True, exist_ok=True)
    for k, trial in enumerate(X, start=1):
        lines = [",".join(header)] if header else []
        lines += [",".join(repr(float(v)) for v in row) for row in trial.T]
        (folder / f"sam{k}_eeg.csv").write_text("\n".join(lines) + "\n")
    (folder / "tar_class_labels.csv").write_text("\n".join(str(v) for v in labels) + "\n")
    if names is not None:
        (folder / "feature_names_eeg.txt").write_text("\n".join(names))
    if mapping is not None:
        (folder / "eeg_mapping.csv").write_text(
            "\n".join(",".join(str(v) for v in row) for row in mapping) + "\n"
        )
    return folder


@pytest.fixture
def study(tmp_path: Path, rng: np.random.Generator) -> tuple[Path, np.ndarray]:
    X = rng.normal(size=(12, 3, 5)).round(3)
    return write_study(tmp_path / "study", X, [1, 2, 3] * 4), X


@pytest.mark.shared_data
def test_wrist_folder(shared_data: Path) -> None:
    folder = shared_data / WRIST
    ts = load_neucube_csv(folder, sfreq=128)
    assert ts.X.shape == (60, 14, 128)
    assert ts.class_counts() == {"1": 20, "2": 20, "3": 20}
    assert ts.sfreq == 128.0 and ts.times[-1] == pytest.approx(127 / 128)
    assert ts.ch_names == tuple("AF3 F7 F3 FC5 T7 P7 O1 O2 P8 T8 FC6 F4 F8 AF4".split())
    # Samples are in numeric order: trial 9 is sam10 (not sam2 as in a lexical sort).
    sam10 = np.loadtxt(folder / "sam10_eeg.csv", delimiter=",")
    np.testing.assert_array_equal(ts.X[9], sam10.T)
    assert ts.metadata["sample_files"][:3] == ["sam1_eeg.csv", "sam2_eeg.csv", "sam3_eeg.csv"]
    # The mapping file is Talairach mm, in feature order.
    assert ts.space == "talairach"
    np.testing.assert_array_equal(ts.coords, np.loadtxt(folder / "eeg_mapping.csv", delimiter=","))
    assert ts.metadata["coordinates_source"] == "eeg_mapping.csv"
    np.testing.assert_array_equal(ts.labels[[0, 19, 20, 59]], ["1", "1", "2", "3"])


@pytest.mark.shared_data
def test_wrist_without_sfreq_counts_samples(shared_data: Path, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="data_loaders"):
        ts = load_neucube_csv(shared_data / WRIST)
    assert ts.sfreq == 1.0 and ts.metadata["sfreq_known"] is False
    assert "stores no sampling rate" in caplog.text


def test_roundtrip_and_numeric_order(study) -> None:
    folder, X = study
    ts = load_neucube_csv(folder, sfreq=50)
    np.testing.assert_array_equal(ts.X, X)  # sam10..sam12 come after sam9
    assert ts.ch_names == ("feature_1", "feature_2", "feature_3")
    assert ts.coords is None and ts.space is None
    assert ts.class_names == ("1", "2", "3")
    assert ts.metadata["sample_files"][9] == "sam10_eeg.csv"


def test_header_names_feature_file_and_mapping(tmp_path: Path, rng) -> None:
    X = rng.normal(size=(2, 3, 4))
    folder = write_study(
        tmp_path / "s", X, ["up", "down"], header=["a", "b", "c"], mapping=np.eye(3) * 10
    )
    ts = load_neucube_csv(folder)
    assert ts.ch_names == ("a", "b", "c") and ts.class_names == ("down", "up")
    np.testing.assert_allclose(ts.X, X)
    np.testing.assert_array_equal(ts.coords, np.eye(3) * 10)
    (folder / "feature_names_x.txt").write_text("a\nb\nzzz\n")
    with pytest.raises(
        FileFormatError, match=r"sam1_eeg\.csv: expected a header matching feature_names_x\.txt"
    ):
        load_neucube_csv(folder)


def test_named_mapping_and_coordinate_options(tmp_path: Path, rng) -> None:
    folder = write_study(tmp_path / "s", rng.normal(size=(2, 2, 3)), [0, 1], names=["Cz", "Pz"])
    ts = load_neucube_csv(folder, space="mni")  # no mapping file: standard 10-05 positions
    np.testing.assert_allclose(ts.coords, channel_positions(["Cz", "Pz"], space="mni"))
    assert ts.metadata["coordinates_source"] == "standard 10-05 positions"
    named = tmp_path / "pos.csv"
    named.write_text("name,x,y,z\nPz,1,2,3\nCz,4,5,6\n")
    ts = load_neucube_csv(folder, coordinates=named)
    np.testing.assert_array_equal(ts.coords, [[4, 5, 6], [1, 2, 3]])  # matched by name
    assert ts.space == "talairach"
    ts = load_neucube_csv(folder, coordinates=[[0, 0, 0], [1, 1, 1]], space="grid")
    assert ts.space == "grid"
    assert load_neucube_csv(folder, coordinates=None).coords is None
    named.write_text("Cz,4,5,6\nOz,1,2,3\n")
    with pytest.raises(
        ChannelError, match=r"pos\.csv: expected coordinates for every feature.*none for \['Pz'\]"
    ):
        load_neucube_csv(folder, coordinates=named)
    with pytest.raises(
        ValueError, match=r"'coordinates' parameter of load_neucube_csv must be a finite \(2, 3\)"
    ):
        load_neucube_csv(folder, coordinates=np.zeros((3, 3)))
    with pytest.raises(
        FileFormatError, match=r"nope\.csv: expected a coordinate mapping file; found no such file"
    ):
        load_neucube_csv(folder, coordinates=tmp_path / "nope.csv")


def test_unknown_feature_names_give_no_coordinates(tmp_path: Path, rng) -> None:
    folder = write_study(tmp_path / "s", rng.normal(size=(2, 2, 3)), [0, 1], names=["gsr", "hr"])
    assert load_neucube_csv(folder).coords is None


def test_label_formats(tmp_path: Path, rng) -> None:
    folder = write_study(tmp_path / "s", rng.normal(size=(4, 1, 2)), [10, 2, 2.0, 10])
    ts = load_neucube_csv(folder)
    assert ts.class_names == ("2", "10")  # numeric order, "2.0" is class "2"
    np.testing.assert_array_equal(ts.labels, ["10", "2", "2", "10"])
    (folder / "tar_class_labels.csv").write_text("a,b,b,a\n")  # all on one row
    assert load_neucube_csv(folder).class_counts() == {"a": 2, "b": 2}


@pytest.mark.parametrize(
    ("edit", "error", "match"),
    [
        (
            lambda f: (f / "sam2_eeg.csv").unlink(),
            FileFormatError,
            r"expected samples numbered 1\.\.12 without gaps; found 1 missing: sam2",
        ),
        (
            lambda f: (f / "sam1_eeg.csv").rename(f / "sam0_eeg.csv"),
            FileFormatError,
            r"expected samples numbered from 1.*sam0_eeg\.csv numbered 0",
        ),
        (
            lambda f: (f / "sam01_x.csv").write_text("1,2,3\n"),
            FileFormatError,
            r"one file per sample number; found both sam01_x\.csv and sam1_eeg\.csv",
        ),
        (
            lambda f: (f / "sam3_eeg.csv").write_text("1,2,3\n"),
            FileFormatError,
            r"sam3_eeg\.csv: expected 5 rows \(time points\) x 3 columns \(features\), like "
            r"sam1_eeg\.csv; found 1 x 3",
        ),
        (
            lambda f: (f / "sam4_eeg.csv").write_text("1,2\n" * 5),
            FileFormatError,
            r"sam4_eeg\.csv: expected 5 rows .* found 5 x 2",
        ),
        (
            lambda f: (f / "sam5_eeg.csv").write_text("1,2,3\n1,2\n"),
            FileFormatError,
            r"sam5_eeg\.csv: expected 3 comma-separated columns on every row; found 2 on line 2",
        ),
        (
            lambda f: (f / "sam6_eeg.csv").write_text("1,2,3\n4,x5,6\n"),
            FileFormatError,
            r"sam6_eeg\.csv: expected sample values \(numbers\) in every cell; found 'x5' on line "
            r"2, column 2",
        ),
        (
            lambda f: (f / "sam7_eeg.csv").write_text("1,2,3\n4,,6\n"),
            FileFormatError,
            r"sam7_eeg\.csv: expected sample values \(numbers\).*found '' on line 2, column 2",
        ),
        (
            lambda f: (f / "sam8_eeg.csv").write_text("1,2,3\n4,5,nan\n"),
            FileFormatError,
            r"sam8_eeg\.csv: expected finite sample values; found 'nan' \(NaN/Inf\) on line 2, "
            r"column 3",
        ),
        (
            lambda f: (f / "sam9_eeg.csv").write_text("1,2,-inf\n"),
            FileFormatError,
            r"sam9_eeg\.csv: expected finite sample values; found '-inf'",
        ),
        (
            lambda f: (f / "sam2_eeg.csv").write_text(""),
            FileFormatError,
            r"sam2_eeg\.csv: expected a CSV table of sample values; found an empty file",
        ),
        (
            lambda f: (f / "sam2_eeg.csv").write_text("a,b,c\n"),
            FileFormatError,
            r"sam2_eeg\.csv: expected rows of sample values below the header; found only a header",
        ),
        (
            lambda f: (f / "sam2_eeg.csv").write_bytes(b"\xff\xfe1,2\n"),
            FileFormatError,
            r"sam2_eeg\.csv: expected a UTF-8 text CSV file",
        ),
        (
            lambda f: (f / "tar_class_labels.csv").write_text("1\n2\n"),
            FileFormatError,
            r"tar_class_labels\.csv: expected 12 class labels \(one per sample file\); found 2 "
            r"labels",
        ),
        (
            lambda f: (f / "tar_class_labels.csv").unlink(),
            FileFormatError,
            r"tar_class_labels\.csv: expected the label file tar_class_labels\.csv .*no such file",
        ),
        (
            lambda f: (f / "tar_class_labels.csv").write_text("\n"),
            FileFormatError,
            r"tar_class_labels\.csv: expected 12 class labels, one per sample; found an empty file",
        ),
        (
            lambda f: (f / "tar_class_labels.csv").write_text("1,2\n3,4\n"),
            FileFormatError,
            r"tar_class_labels\.csv: expected one class label per line; found 2 cells on line 1",
        ),
        (
            lambda f: (f / "tar_class_labels.csv").write_text("1,,2\n"),
            FileFormatError,
            r"expected a non-empty label for every sample",
        ),
        (
            lambda f: (f / "tar_class_labels.csv").write_text("1\n\n2\n\n"),
            FileFormatError,
            r"tar_class_labels\.csv: expected no blank line inside the table; found a blank line "
            r"at line 2",
        ),
        (
            lambda f: (f / "sam3_eeg.csv").write_text("1,2,3\n\n4,5,6\n"),
            FileFormatError,
            r"sam3_eeg\.csv: expected no blank line inside the table; found a blank line at line 2",
        ),
        (
            lambda f: (f / "feature_names_eeg.txt").write_text("a\nb\n"),
            FileFormatError,
            r"feature_names_eeg\.txt: expected 3 feature names \(one per column of the sample "
            r"files\); found 2 names",
        ),
        (
            lambda f: (f / "feature_names_eeg.txt").write_text("a\nb\na\n"),
            FileFormatError,
            r"feature_names_eeg\.txt: expected unique feature names; found duplicates \['a'\]",
        ),
        (
            lambda f: [(f / f"feature_names_{k}.txt").write_text("a\nb\nc\n") for k in (1, 2)],
            FileFormatError,
            r"expected at most one feature-name file",
        ),
        (
            lambda f: (f / "eeg_mapping.csv").write_text("1,2,3\n"),
            FileFormatError,
            r"eeg_mapping\.csv: expected 3 rows \(one per feature\) of 3 columns x, y, z in mm; "
            r"found 1 rows of 3 columns",
        ),
        (
            lambda f: [(f / f"{m}_mapping.csv").write_text("1,2,3\n" * 3) for m in ("eeg", "fmri")],
            FileFormatError,
            r"expected at most one coordinate mapping file",
        ),
    ],
)
def test_folder_errors(study, edit, error, match) -> None:
    folder, _ = study
    edit(folder)
    with pytest.raises(error, match=match):
        load_neucube_csv(folder, sfreq=10)


def test_folder_level_errors(tmp_path: Path) -> None:
    with pytest.raises(
        FileFormatError, match=r"missing: expected a NeuCube study folder; found no such directory"
    ):
        load_neucube_csv(tmp_path / "missing")
    with pytest.raises(
        FileFormatError, match=r"expected NeuCube sample files sam1_\*\.csv.*; found none"
    ):
        load_neucube_csv(tmp_path)
    with pytest.raises(
        TypeError, match=r"'sfreq' parameter of load_neucube_csv must be a finite real number"
    ):
        load_neucube_csv(tmp_path, sfreq="128")
    with pytest.raises(
        ValueError,
        match=r"'sfreq' parameter of load_neucube_csv must be in the range \(0, inf\); got -1",
    ):
        load_neucube_csv(tmp_path, sfreq=-1)
    with pytest.raises(ValueError, match=r"'space' parameter of load_neucube_csv must be one of"):
        load_neucube_csv(tmp_path, space="head")
    with pytest.raises(
        ValueError, match=r"The 'verbose' parameter of load_neucube_csv must be None, a bool, an int or one of 'DEBUG'"
    ):
        load_neucube_csv(tmp_path, verbose="chatty")


_number = st.one_of(st.integers(-9, 9).map(str), st.floats(-1e6, 1e6, width=32).map(repr))
_junk = st.sampled_from(["", "x", " 2 ", "nan", "-inf", "inf", "1e400", "1,5", '"3"', "1e3"])
_cell = st.one_of(_number, _number, _number, _junk)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_neucube_folder(data) -> None:
    """Random folders either load as a consistent TrialSet or raise a documented LoaderError."""
    n_samples = data.draw(st.integers(0, 4), label="n_samples")
    n_times = data.draw(st.integers(1, 4), label="n_times")
    n_channels = data.draw(st.integers(1, 3), label="n_channels")
    # Half the examples are clean (numbers only), so the success path is exercised too.
    value = data.draw(st.sampled_from([_number, _cell]), label="cell strategy")
    cells = st.lists(value, min_size=n_channels, max_size=n_channels)
    # Mostly well-shaped samples with random cells, sometimes a row of another width.
    row = st.one_of(cells, cells, cells, cells, cells, st.lists(value, min_size=1, max_size=4))
    samples = data.draw(
        st.lists(
            st.lists(row, min_size=n_times, max_size=n_times),
            min_size=n_samples,
            max_size=n_samples,
        ),
        label="samples",
    )
    label = st.sampled_from(["1", "2", "a", "", "1.0", " b "])
    labels = data.draw(
        st.one_of(
            st.lists(label, min_size=n_samples, max_size=n_samples), st.lists(label, max_size=5)
        ),
        label="labels",
    )
    drop = data.draw(st.one_of(st.none(), st.integers(1, 4)), label="drop")
    header = data.draw(st.booleans(), label="header")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for k, rows in enumerate(samples, start=1):
            if k == drop:
                continue
            head = [",".join(f"c{c}" for c in range(n_channels))] if header else []
            (folder / f"sam{k}_eeg.csv").write_text("\n".join(head + [",".join(r) for r in rows]))
        (folder / "tar_class_labels.csv").write_text("\n".join(labels))
        try:
            ts = load_neucube_csv(folder, sfreq=100)
        except LoaderError as exc:
            event(f"{type(exc).__name__}: {exc.expected}")
            return
        event("loaded")
        while labels and labels[-1] == "":  # trailing blank lines are not labels
            labels = labels[:-1]
        assert isinstance(ts, TrialSet)
        # Dropping the last sample file leaves a consistent folder of the others.
        written = [rows for k, rows in enumerate(samples, start=1) if k != drop]
        assert ts.n_trials == len(written) == len(labels) and ts.n_times == n_times
        # The loader reads CSV, so a quoted cell ('"3"') is the number inside the quotes.
        parsed = [[next(csv.reader([",".join(r)])) for r in rows] for rows in written]
        expected = np.array([[[float(v) for v in r] for r in rows] for rows in parsed])
        np.testing.assert_array_equal(ts.X, expected.transpose(0, 2, 1))  # also all finite
        stripped = [lab.strip() for lab in labels]
        if all(lab in ("1", "2", "1.0") for lab in stripped):  # numeric codes: "1.0" is class "1"
            stripped = [str(int(float(lab))) for lab in stripped]
        np.testing.assert_array_equal(ts.labels, stripped)


# ============================================================================ marker CSV
def write_recording(
    path: Path,
    data: np.ndarray,
    markers: np.ndarray,
    *,
    sfreq: float = 100.0,
    names: tuple[str, ...] = ("Cz", "Pz"),
    time: str | None = "timestamps",
    marker: str = "Marker",
    t0: float = 1000.0,
) -> Path:
    frame = pd.DataFrame(data, columns=list(names))
    if time is not None:
        frame.insert(0, time, t0 + np.arange(len(data)) / sfreq)
    frame[marker] = markers
    frame.to_csv(path, index=False, float_format="%.6f")
    return path


@pytest.fixture
def recording(tmp_path: Path, rng) -> tuple[Path, np.ndarray, np.ndarray]:
    data = rng.normal(size=(1000, 2)).round(4)
    markers = np.zeros(1000, dtype=int)
    markers[[100, 300, 500, 700]] = [1, 2, 1, 2]
    return write_recording(tmp_path / "rec.csv", data, markers), data, markers


@pytest.mark.shared_data
def test_n170_counts_and_coordinates(shared_data: Path) -> None:
    files = sorted((shared_data / N170).glob("*.csv.gz"))
    assert len(files) == 6
    ts = load_marker_csv(files, {"house": 1, "face": 2}, -0.1, 0.8, sfreq=256, channels=MUSE)
    assert ts.class_counts() == {"house": 591, "face": 583}
    assert ts.n_channels == 4 and ts.n_times == 232 and ts.sfreq == 256
    assert ts.tmin == pytest.approx(-0.1, abs=1 / 256)
    np.testing.assert_allclose(ts.coords, channel_positions(MUSE, space="mni"))
    assert ts.space == "mni" and sorted(set(ts.run)) == ["1", "2", "3", "4", "5", "6"]
    assert ts.metadata["marker_column"] == "Marker0" and ts.metadata["n_rejected"] == 0
    assert ts.metadata["n_events_per_class"] == {"house": 591, "face": 583}


@pytest.mark.shared_data
def test_n170_filter_reject_and_inferred_rate(shared_data: Path) -> None:
    files = sorted((shared_data / N170).glob("*.csv.gz"))
    with pytest.warns(
        UserWarning,
        match=(
            r"Irregular timestamps: .*% of the sample intervals in 6 file\(s\) differ from "
            r"1/sfreq .* by more than 10%"
        ),
    ):
        ts = load_marker_csv(
            files, {"house": 1, "face": 2}, -0.1, 0.8, channels=MUSE, l_freq=1, h_freq=30, reject=75
        )
    assert ts.sfreq == pytest.approx(256, rel=1e-3) and ts.metadata["sfreq_inferred"]
    assert ts.metadata["warnings"][0].startswith("Irregular timestamps: ")
    # SOURCE.txt: 1-30 Hz, -0.1..0.8 s, reject 75 uV keeps 1113 of 1174 epochs.
    assert ts.n_trials == 1113 and ts.metadata["n_rejected"] == 1174 - 1113
    assert ts.metadata["n_events"] == 1174


@pytest.mark.shared_data
def test_n170_aux_channel_left_out_by_default(shared_data: Path) -> None:
    path = sorted((shared_data / N170).glob("*.csv.gz"))[0]
    ts = load_marker_csv(path, sfreq=256)
    assert ts.ch_names == tuple(MUSE) and ts.metadata["excluded_channels"] == ["Right AUX"]
    np.testing.assert_allclose(ts.coords, channel_positions(MUSE))
    assert ts.class_names == ("1", "2")


# A continuous Muse-like recording: four 10-05 electrodes, an auxiliary input, a marker column.
MUSE_COLUMNS = ("TP9", "AF7", "AF8", "TP10", "Right AUX")


@pytest.fixture
def muse_like(tmp_path: Path, rng) -> Path:
    markers = np.zeros(600, dtype=int)
    markers[[100, 200, 300, 400]] = [1, 2, 1, 2]
    data = rng.normal(size=(600, 5)).round(3)
    return write_recording(tmp_path / "muse.csv", data, markers, names=MUSE_COLUMNS,
                           marker="Marker0", sfreq=256.0)


def test_non_eeg_columns_left_out_and_positions_kept(muse_like: Path) -> None:
    ts = load_marker_csv(muse_like, {"house": 1, "face": 2}, -0.1, 0.3)
    assert ts.ch_names == tuple(MUSE)
    np.testing.assert_allclose(ts.coords, channel_positions(MUSE))
    meta = ts.metadata
    assert meta["excluded_channels"] == ["Right AUX"] and meta["unknown_channels"] == []
    assert meta["original_ch_names"] == list(MUSE_COLUMNS)
    assert set(meta["coordinate_sources"].values()) == {"template"}


def test_unknown_channel_raises_with_suggestion(tmp_path: Path, rng) -> None:
    markers = np.zeros(300, dtype=int)
    markers[[100, 200]] = [1, 2]
    path = write_recording(tmp_path / "r.csv", rng.normal(size=(300, 3)), markers,
                           names=("TP9", "TP09x", "AF8"))
    with pytest.raises(ChannelError, match=r"1 unknown: 'TP09x' \(did you mean 'TP9'"):
        load_marker_csv(path, None, 0, 0.2)
    # "drop": the known channels keep their positions, the unknown one is listed.
    ts = load_marker_csv(path, None, 0, 0.2, on_unknown="drop")
    assert ts.ch_names == ("TP9", "AF8") and ts.metadata["unknown_channels"] == ["TP09x"]
    np.testing.assert_allclose(ts.coords, channel_positions(["TP9", "AF8"]))
    # "ignore": every channel is read, none has a position.
    with pytest.warns(UserWarning, match=r"No channel coordinates set: no standard 10-05 "
                                         r"position for \['TP09x'\]"):
        ts = load_marker_csv(path, None, 0, 0.2, on_unknown="ignore")
    assert ts.n_channels == 3 and ts.coords is None


def test_non_eeg_kept_when_asked(muse_like: Path) -> None:
    with pytest.raises(ChannelError, match=r"1 unknown: 'Right AUX'.*look like non-EEG"):
        load_marker_csv(muse_like, None, 0, 0.2, exclude_non_eeg=False)
    ts = load_marker_csv(muse_like, None, 0, 0.2, channels=["AF7", "Right AUX"],
                         on_unknown="drop")
    assert ts.ch_names == ("AF7",) and ts.metadata["unknown_channels"] == ["Right AUX"]
    frame = pd.read_csv(muse_like)[["timestamps", "Right AUX", "Marker0"]]
    frame.to_csv(muse_like, index=False)
    with pytest.raises(ChannelError, match=r"expected at least one EEG channel column; found "
                                           r"only non-EEG columns \['Right AUX'\]"):
        load_marker_csv(muse_like, None, 0, 0.2, coordinates=None)


def test_epochs_are_exact_slices(recording) -> None:
    path, data, markers = recording
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # regular timestamps: no warning
        ts = load_marker_csv(path, {"a": 1, "b": 2}, -0.1, 0.2)
    assert ts.sfreq == pytest.approx(100.0) and ts.n_times == 31
    np.testing.assert_array_equal(ts.labels, ["a", "b", "a", "b"])
    onsets = np.flatnonzero(markers)
    expected = np.stack([data[o - 10 : o + 21].T for o in onsets])
    np.testing.assert_allclose(ts.X, expected)
    np.testing.assert_allclose(ts.coords, channel_positions(["Cz", "Pz"]))
    assert ts.metadata["n_out_of_bounds"] == 0 and list(ts.run) == ["1"] * 4


def test_runs_gzip_held_markers_and_counts(tmp_path: Path, rng) -> None:
    data = rng.normal(size=(400, 2))
    markers = np.zeros(400, dtype=int)
    markers[5:9] = 3  # held for 4 rows = one event, too close to the start for tmin=-0.1
    markers[200] = 3
    markers[300] = 4
    data[300:310] += 1e3  # a large artefact: rejected
    plain = write_recording(tmp_path / "r1.csv", data, markers)
    packed = tmp_path / "r2.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    ts = load_marker_csv([plain, packed], None, -0.1, 0.1, sfreq=100, reject=50)
    assert ts.class_names == ("3", "4")
    assert ts.class_counts() == {"3": 2, "4": 0}
    assert list(ts.run) == ["1", "2"]
    md = ts.metadata
    assert (md["n_events"], md["n_out_of_bounds"], md["n_rejected"]) == (6, 2, 2)


def test_time_unit_ms_and_options(tmp_path: Path, rng) -> None:
    data = rng.normal(size=(500, 2))
    markers = np.zeros(500, dtype=int)
    markers[250] = 7
    path = write_recording(
        tmp_path / "ms.csv", data, markers, sfreq=0.25, time="time", marker="stim"
    )
    ts = load_marker_csv(path, {"go": 7}, 0, 0.1, time_unit="ms", coordinates=None, subject="s01")
    assert ts.sfreq == pytest.approx(250.0) and ts.n_times == 26
    assert list(ts.subject) == ["s01"] and ts.coords is None
    ts = load_marker_csv(
        path, {"go": 7}, 0, 0.1, sfreq=250, coordinates={"Cz": [1, 2, 3]}, space="talairach"
    )
    np.testing.assert_allclose(ts.coords[0], [1, 2, 3])
    assert ts.space == "talairach"


def test_jitter_within_tolerance_is_silent(tmp_path: Path, rng) -> None:
    data = rng.normal(size=(600, 2))
    markers = np.zeros(600, dtype=int)
    markers[300] = 1
    path = write_recording(tmp_path / "j.csv", data, markers)
    frame = pd.read_csv(path)
    frame["timestamps"] += rng.uniform(-0.4, 0.4, size=600) * TIMESTAMP_RTOL / 100
    frame.to_csv(path, index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_marker_csv(path, tmin=0, tmax=0.1).sfreq == pytest.approx(100, rel=1e-3)
    frame.loc[100, "timestamps"] += 0.002  # one 20% late sample
    frame.to_csv(path, index=False)
    with pytest.warns(
        UserWarning, match=r"Irregular timestamps: 0\.\d% of the sample intervals in 1 file"
    ):
        load_marker_csv(path, tmin=0, tmax=0.1)
    # A timestamp going backwards (as in the Muse recordings) is said in words, with what the
    # loader did about it.
    frame.loc[200, "timestamps"] = frame.loc[198, "timestamps"]
    frame.to_csv(path, index=False)
    with pytest.warns(UserWarning, match=r"10%; the timestamps go backwards 1 time\(s\) \(by "
                      r"up to \d+(\.\d+)? ms\); the intervals range from -\d+(\.\d+)? to "
                      r"\d+(\.\d+)? ms\. sfreq was inferred from the time span as [\d.]+ Hz; "
                      r"the samples were kept in the files' row order and treated as equally "
                      r"spaced; pass sfreq= to set the rate yourself\.$"):
        load_marker_csv(path, tmin=0, tmax=0.1)


def _edit_csv(path: Path, fn) -> None:
    fn(pd.read_csv(path)).to_csv(path, index=False)


def _set_cell(path: Path, row: int, column: str, text: str) -> None:
    frame = pd.read_csv(path).astype({column: object})
    frame.loc[row, column] = text
    frame.to_csv(path, index=False)


@pytest.mark.parametrize(
    ("edit", "kwargs", "error", "match"),
    [
        (
            lambda p: p.write_text(""),
            {},
            FileFormatError,
            r"rec\.csv: expected a CSV recording with a header row; found an empty file",
        ),
        (
            lambda p: p.write_text("timestamps,Cz,Marker\n"),
            {},
            FileFormatError,
            r"rec\.csv: expected at least one data row below the header; found none",
        ),
        (
            lambda p: p.write_text("1,2,3\n4,5,6\n"),
            {},
            FileFormatError,
            r"rec\.csv: expected a header row naming the columns",
        ),
        (
            lambda p: p.write_text("t,Cz,,Marker\n1,2,3,0\n"),
            {},
            FileFormatError,
            r"rec\.csv: expected a name for every column",
        ),
        (
            lambda p: _set_cell(p, 7, "Pz", "oops"),
            {},
            FileFormatError,
            r"rec\.csv: expected numbers in the channel column 'Pz'; found 'oops' on line 9",
        ),
        (
            lambda p: _set_cell(p, 3, "Cz", ""),
            {},
            FileFormatError,
            r"rec\.csv: expected finite values in the channel column 'Cz'; found 1 empty/NaN/Inf "
            r"cell\(s\), the first on line 5",
        ),
        (
            lambda p: _edit_csv(p, lambda f: f.rename(columns={"Marker": "code"})),
            {},
            ChannelError,
            r"rec\.csv: expected a marker column .*; found columns \['timestamps', 'Cz', 'Pz', "
            r"'code'\]",
        ),
        (
            lambda p: _edit_csv(p, lambda f: f.assign(trigger=0)),
            {},
            ChannelError,
            r"rec\.csv: expected one marker column; found several candidates \['Marker', "
            r"'trigger'\]",
        ),
        (
            lambda p: None,
            {"marker_column": "M"},
            ChannelError,
            r"rec\.csv: expected a marker column named 'M'",
        ),
        (
            lambda p: None,
            {"channels": ["Cz", "Oz"]},
            ChannelError,
            r"rec\.csv: expected columns for channels \['Cz', 'Oz'\]; found no column \['Oz'\]",
        ),
        (
            lambda p: None,
            {"channels": ["Cz", "Marker"]},
            ChannelError,
            r"expected channels other than the marker and time columns; found \['Marker'\]",
        ),
        (
            lambda p: _edit_csv(p, lambda f: f.assign(Marker=f["Marker"] * 0.5)),
            {"event_id": None},
            EventError,
            r"rec\.csv: expected integer event codes in the marker column; found 0\.5 on line 102",
        ),
        (
            lambda p: _edit_csv(p, lambda f: f.assign(Marker=0)),
            {"event_id": None},
            EventError,
            r"rec\.csv: expected non-zero codes in the marker column 'Marker'; found only zeros",
        ),
        (
            lambda p: None,
            {"event_id": {"a": 1, "c": 9}},
            EventError,
            r"rec\.csv: expected markers for every event_id entry .*; found none for \{'c': 9\} "
            r"\(codes present: \[1, 2\]\)",
        ),
        (
            lambda p: None,
            {"tmin": 0, "tmax": 50},
            EventError,
            r"rec\.csv: expected at least one epoch kept; found all 4 dropped \(0 by reject=None, "
            r"4 with the window 0\.0\.\.50\.0 s outside",
        ),
        (lambda p: None, {"reject": 1e-3}, EventError, r"found all 4 dropped \(4 by reject=0\.001"),
        (
            lambda p: _edit_csv(p, lambda f: f.drop(columns="timestamps")),
            {},
            FileFormatError,
            r"rec\.csv: expected a time column to infer the sampling rate; found none\. Pass "
            r"sfreq=",
        ),
        (
            lambda p: _edit_csv(p, lambda f: f.assign(timestamps=5.0)),
            {},
            FileFormatError,
            r"rec\.csv: expected increasing timestamps spanning more than one sample",
        ),
        (
            lambda p: None,
            {"h_freq": 60},
            ValueError,
            r"'h_freq' parameter of load_marker_csv must be below the Nyquist frequency 50 Hz; "
            r"got 60",
        ),
        (
            lambda p: None,
            {"l_freq": 1e-6},
            ValueError,
            r"'l_freq' parameter of load_marker_csv must give an FIR filter of at most 1,000,000 "
            r"taps at 100 Hz .*; got 1e-06 Hz: 3\.3e\+08 taps",
        ),
        (
            lambda p: None,
            {"h_freq": 49.9999},
            ValueError,
            r"'h_freq' parameter of load_marker_csv must give an FIR filter .*transition band "
            r"min\(max\(h_freq / 4, 2\), sfreq / 2 - h_freq\) Hz\); got 49\.9999 Hz: 3\.3e\+06 taps",
        ),
        (
            lambda p: None,
            {"tmin": 0.5, "tmax": 0.1},
            ValueError,
            r"'tmax' parameter of load_marker_csv must be greater than tmin=0\.5; got 0\.1",
        ),
        (
            lambda p: None,
            {"l_freq": 10, "h_freq": 5},
            ValueError,
            r"'h_freq' parameter of load_marker_csv must be greater than l_freq=10",
        ),
        (
            lambda p: None,
            {"event_id": {"a": "1"}},
            TypeError,
            r"'event_id' parameter of load_marker_csv must map str names to int codes; got 'a': "
            r"'1'",
        ),
        (lambda p: None, {"event_id": {"a": 0}}, ValueError, r"cannot use code 0"),
        (lambda p: None, {"event_id": {"a": 1, "b": 1}}, ValueError, r"must give distinct codes"),
        (
            lambda p: None,
            {"event_id": [1, 2]},
            TypeError,
            r"'event_id' parameter of load_marker_csv must be a non-empty mapping",
        ),
        (
            lambda p: None,
            {"time_unit": "min"},
            ValueError,
            r"'time_unit' parameter of load_marker_csv must be one of 's', 'ms'",
        ),
        (
            lambda p: None,
            {"channels": "Cz"},
            TypeError,
            r"'channels' parameter of load_marker_csv must be a sequence of str",
        ),
        (
            lambda p: None,
            {"coordinates": np.zeros((2, 2))},
            ValueError,
            r"'coordinates' parameter of load_marker_csv must be 'auto', None.*got shape \(2, 2\)",
        ),
        (
            lambda p: p.unlink(),
            {},
            FileFormatError,
            r"rec\.csv: expected a CSV recording; found no such file",
        ),
    ],
)
def test_marker_errors(recording, edit, kwargs, error, match) -> None:
    path = recording[0]
    edit(path)
    kwargs = {"event_id": {"a": 1, "b": 2}, "tmin": -0.1, "tmax": 0.2} | kwargs
    with pytest.raises(error, match=match):
        load_marker_csv(path, **kwargs)


def test_runs_must_agree(tmp_path: Path, rng) -> None:
    data = rng.normal(size=(300, 2))
    markers = np.zeros(300, dtype=int)
    markers[150] = 1
    a = write_recording(tmp_path / "a.csv", data, markers)
    b = write_recording(tmp_path / "b.csv", data, markers, names=("Cz", "Oz"))
    c = write_recording(tmp_path / "c.csv", data, markers, sfreq=110)
    with pytest.raises(
        ChannelError,
        match=r"b\.csv: expected the channels of a\.csv \['Cz', 'Pz'\]; found \['Cz', 'Oz'\]",
    ):
        load_marker_csv([a, b])
    with pytest.raises(
        FileFormatError,
        match=r"c\.csv: expected the sampling rate of a\.csv \(100 Hz within 1%\); found 110 Hz",
    ):
        load_marker_csv([a, c])
    with pytest.raises(
        ValueError, match=r"'path' parameter of load_marker_csv must name at least one file"
    ):
        load_marker_csv([])


def _garbled_clock(path: Path, header: str = "timestamps,Cz,Marker") -> Path:
    """The input test_fuzz_marker_csv once drew: 41 rows at 50 Hz, the last row's time cell a
    stray 9.413109874900627e-11 and its marker 1, so the rate inferred over the span is 4e11 Hz."""
    rows = [f"{r / 50:.4f},{r % 3},0" for r in range(40)] + ["9.413109874900627e-11,1,1"]
    if header.count(",") == 4:  # the drawn header: every column written twice but the marker
        rows = [f"{r.split(',')[1]},{r.split(',')[1]},{r.split(',')[2]},{r.split(',')[0]},"
                f"{r.split(',')[0]}" for r in rows]
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_marker_garbled_timestamps_bounded(tmp_path: Path) -> None:
    """Regression: a stray tiny timestamp inferred sfreq = 4.25e11 Hz and MNE asked NumPy for a
    4e10-sample epoch ("ValueError: Maximum allowed size exceeded" or a MemoryError)."""
    path = _garbled_clock(tmp_path / "rec.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Irregular timestamps", said before
        with pytest.raises(
            FileFormatError,
            match=r"rec\.csv: expected an epoch window of at most 1,000,000 samples \(each "
            r"becomes a simulation step\); found 0\.\.0\.1 s at 4\.24939e\+11 Hz inferred from the "
            r"timestamps = 4\.25e\+10 samples\. Check the time column and time_unit=, or pass "
            r"sfreq=\.",
        ):
            load_marker_csv(path, None, 0.0, 0.1, coordinates=None)
    # The same rows with the rate given load as one 6-sample epoch at the last row ... which
    # leaves the recording, and a rate given as a parameter is bounded the same way.
    with pytest.raises(EventError, match=r"found all 1 dropped \(0 by reject=None, 1 with"):
        load_marker_csv(path, None, 0.0, 0.1, sfreq=50.0, coordinates=None)
    with pytest.raises(
        ValueError,
        match=r"'sfreq' parameter of load_marker_csv must give an epoch window tmin\.\.tmax of "
        r"at most 1,000,000 samples .*; got sfreq=1e\+12, 1e\+11 samples from 0 to 0\.1 s",
    ):
        load_marker_csv(path, None, 0.0, 0.1, sfreq=1e12, coordinates=None)


def test_marker_repeated_header_names(tmp_path: Path) -> None:
    """Regression: the drawn header repeated 'Cz' and 'timestamps'; pandas renamed the repeats
    ('Cz.1', 'timestamps.1'), so the second time column was read as a channel."""
    path = _garbled_clock(tmp_path / "rec.csv", "Cz,Cz,Marker,timestamps,timestamps")
    with pytest.raises(
        ChannelError,
        match=r"rec\.csv: expected unique column names; found duplicates \['Cz', 'timestamps'\]",
    ):
        load_marker_csv(path, None, 0.0, 0.1, coordinates=None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzz_marker_csv(data) -> None:
    """Random small CSV files either load as a TrialSet or raise a documented LoaderError."""
    n_rows = data.draw(st.integers(1, 60), label="n_rows")
    header = data.draw(
        st.one_of(
            st.just(["timestamps", "Cz", "Pz", "Marker"]),
            st.just(["Cz", "Marker"]),
            st.lists(
                st.sampled_from(["timestamps", "Cz", "Marker", "x", "", "1", "stim"]),
                min_size=1,
                max_size=5,
            ),
        ),
        label="header",
    )
    clean = data.draw(st.booleans(), label="clean")
    value = _number if clean else _cell
    marker = st.sampled_from(["0"] * 8 + ["1", "2"] + ([] if clean else ["0.5", "", "a"]))
    rows = []
    for r in range(n_rows):
        row = []
        for name in header:
            if name == "timestamps":
                row.append(
                    data.draw(st.one_of(st.just(f"{r / 50:.4f}"), st.just(f"{r / 50:.4f}"), value))
                )
            elif name in ("Marker", "stim"):
                row.append(data.draw(marker))
            else:
                row.append(data.draw(value))
        rows.append(row)
    tmin = data.draw(st.floats(-0.2, 0.1), label="tmin")
    sfreq = data.draw(st.one_of(st.none(), st.just(50.0)), label="sfreq")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rec.csv"
        path.write_text("\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\n")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            try:
                ts = load_marker_csv(path, None, tmin, tmin + 0.1, sfreq=sfreq, coordinates=None)
            except LoaderError as exc:
                event(f"{type(exc).__name__}: {exc.expected}")
                assert str(exc).startswith(f"{path}: expected ")
                return
        event("loaded")
        assert isinstance(ts, TrialSet) and np.isfinite(ts.X).all()
        assert ts.n_trials <= ts.metadata["n_events"]
        assert set(ts.class_names) <= {"1", "2"}


def test_neucube_named_features_positions_per_feature(tmp_path: Path, rng) -> None:
    folder = write_study(tmp_path / "s", rng.normal(size=(2, 3, 4)), [0, 1],
                         names=["Cz", "Right AUX", "Pz"])
    ts = load_neucube_csv(folder, space="mni", sfreq=10)  # default: keep all, no positions
    assert ts.n_channels == 3 and ts.coords is None
    assert ts.metadata["unknown_channels"] == ["Right AUX"]
    ts = load_neucube_csv(folder, space="mni", sfreq=10, on_unknown="drop")
    assert ts.ch_names == ("Cz", "Pz")
    np.testing.assert_allclose(ts.coords, channel_positions(["Cz", "Pz"]))
    ts = load_neucube_csv(folder, space="mni", sfreq=10, exclude_non_eeg=True,
                          on_unknown="raise")
    assert ts.ch_names == ("Cz", "Pz") and ts.metadata["excluded_channels"] == ["Right AUX"]
    with pytest.raises(ChannelError, match=r"1 unknown: 'Right AUX'.*look like non-EEG"):
        load_neucube_csv(folder, space="mni", sfreq=10, on_unknown="raise")
