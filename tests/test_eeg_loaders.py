"""EEG loading on real files of every format, preprocessing, and clear errors for bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import mne
import numpy as np
import pytest

from data_loaders._errors import ChannelError, EventError, FileFormatError, LoaderError
from data_loaders.coordinates import channel_positions, mni_to_talairach
from data_loaders.eeg import load_eeg, read_recording

pytestmark = pytest.mark.shared_data

PY = "eeg_format_samples/mne_python_testdata"
TD = "eeg_format_samples/mne_testing_data"
EEGLAB = "eeglab_tutorial_visual_attention"


@pytest.fixture(scope="module")
def data(shared_data) -> Path:
    return shared_data


# ---------------------------------------------------------------------------------- every format
# (file, load_eeg arguments, channels, sampling rate, class counts, events matched). Trigger
# counts are those in SOURCE.txt and MNE's reference files; channel counts are the EEG channels
# left after non-EEG ones (EOG, ECG, trigger, Nihon Kohden POL) are excluded.
FORMATS = [
    pytest.param(
        f"{PY}/test_edf_stim_channel.edf",
        dict(stim_channel="DIG DTRIG", tmin=-0.1, tmax=0.3),
        19, 128.0, {"100": 12}, 12, id="EDF-stim-channel",
    ),
    pytest.param(
        f"{PY}/test.edf",
        dict(event_id=["type A", "type B"], tmin=0.0, tmax=0.5, coordinates=None),
        138, 512.0, {"type A": 3, "type B": 1}, 4, id="EDF+-annotations",
    ),
    pytest.param(
        f"{PY}/test_bdf_stim_channel.bdf",
        dict(event_id={"one": 1, "two": 2, "four": 4}, tmin=-0.1, tmax=0.5),
        3, 500.0, {"one": 7, "two": 1, "four": 1}, 9, id="BDF-stim",
    ),
    pytest.param(
        f"{PY}/test.bdf",
        dict(tmin=-0.05, tmax=0.1),
        66, 2048.0, {"128": 1}, 1, id="BDF-10-10-names",
    ),
    pytest.param(
        f"{PY}/test.vhdr",
        dict(event_id={"s253": "Stimulus/S253", "s255": "Stimulus/S255"}, tmin=-0.1, tmax=0.2),
        26, 1000.0, {"s253": 2, "s255": 5}, 7, id="BrainVision",
    ),
    pytest.param(
        f"{PY}/test_bin_raw.fif",
        dict(tmin=-0.1, tmax=0.2, coordinates=None),
        32, 1000.0, {"253": 2, "254": 3, "255": 5}, 10, id="FIF-stim",
    ),
    pytest.param(
        f"{TD}/test_edf_overlapping_annotations.edf",
        dict(event_id={"rest": "T0", "task1": "T1", "task2": "T2"}, tmin=0.0, tmax=1.0),
        64, 128.0, {"rest": 19, "task1": 10, "task2": 9}, 38, id="EDF+-BCI2000-names",
    ),
    pytest.param(
        f"{TD}/MB0400FU.EDF",
        dict(event_id={"off": "A1+A2 OFF"}, tmin=0.0, tmax=0.5),
        21, 200.0, {"off": 1}, 1, id="EDF-NihonKohden",
    ),
    pytest.param(
        f"{TD}/bv_dig_raw.fif",
        dict(event_id={"segment": "New Segment/"}, tmin=0.0, tmax=0.1),
        64, 5000.0, {"segment": 1}, 1, id="FIF-digitised",
    ),
    pytest.param(
        f"{EEGLAB}/eeglab_data.set",
        dict(event_id={"square": "square", "rt": "rt"}, tmin=-0.2, tmax=0.8),
        30, 128.0, {"square": 80, "rt": 74}, 154, id="EEGLAB-continuous",
    ),
    pytest.param(
        f"{EEGLAB}/eeglab_data_epochs_ica.set",
        dict(event_id={"square": "square"}),
        30, 128.0, {"square": 80}, 80, id="EEGLAB-epochs",
    ),
]


@pytest.mark.parametrize(("rel", "kwargs", "n_channels", "sfreq", "counts", "n_events"), FORMATS)
def test_every_format_loads_into_trials(data, rel, kwargs, n_channels, sfreq, counts, n_events):
    ts = load_eeg(data / rel, **kwargs)
    meta = ts.metadata
    assert ts.n_channels == n_channels
    assert ts.sfreq == sfreq
    assert meta["n_events"] == n_events
    # Nothing is dropped silently: kept + rejected = matched events, per class too.
    assert ts.n_trials + meta["n_rejected"] == n_events
    assert sum(counts.values()) == n_events
    assert all(ts.class_counts()[c] <= n for c, n in counts.items())
    if meta["n_rejected"] == 0:
        assert ts.class_counts() == counts
    assert np.isfinite(ts.X).all()
    if kwargs.get("coordinates", "auto") is None:
        assert ts.coords is None
    else:
        assert ts.coords.shape == (n_channels, 3) and ts.space == "mni"


def test_edf_trigger_channel_and_old_names(data):
    path = data / PY / "test_edf_stim_channel.edf"
    ts = load_eeg(path, stim_channel="DIG DTRIG", tmin=0, tmax=0.2)
    assert ts.metadata["events_from"] == "stim"
    assert ts.metadata["excluded_channels"] == [
        "EOG VEOG_I", "EOG VEOG_II", "REF_EEG REF_EEG", "ECG ECG1", "ECG ECG2"
    ]
    # 'EEG T3' .. 'EEG T6' become T7/T8/P7/P8 with their positions.
    assert {"T7", "T8", "P7", "P8"} <= set(ts.ch_names)
    assert "EEG T3" in ts.metadata["original_ch_names"]
    np.testing.assert_allclose(ts.coords[ts.ch_names.index("T7")], channel_positions(["T7"])[0])


def test_odd_channel_names_normalise(data):
    nk = load_eeg(data / TD / "MB0400FU.EDF", event_id={"off": "A1+A2 OFF"}, tmin=0, tmax=0.5)
    assert nk.ch_names[:3] == ("Fp2", "Fp1", "F4")  # from 'EEG Fp2-Ref', ...
    assert all(n.startswith("POL") for n in nk.metadata["excluded_channels"])
    bci = load_eeg(
        data / TD / "test_edf_overlapping_annotations.edf", event_id=["T1"], tmin=0, tmax=0.5
    )
    assert bci.ch_names[:4] == ("FC5", "FC3", "FC1", "FCz")  # from 'Fc5.', 'Fc3.', ...
    assert bci.metadata["original_ch_names"][:2] == ["Fc5.", "Fc3."]
    left = [i for i, n in enumerate(bci.ch_names) if n[-1] in "1357"]
    assert (bci.coords[left, 0] < 0).all()


def test_eeglab_montage_gives_coordinates_with_cz_on_top(data):
    path = data / EEGLAB / "eeglab_data.set"
    ts = load_eeg(path, event_id={"square": "square"}, tmin=-0.2, tmax=0.8)
    assert ts.metadata["excluded_channels"] == ["EOG1", "EOG2"]
    assert set(ts.metadata["coordinate_sources"].values()) == {"file"}
    assert ts.metadata["coordinate_method"].startswith("affine fit on 30 colin27_1005 anchors")
    cz = ts.coords[ts.ch_names.index("Cz")]
    assert abs(cz[0]) < 5 and cz[2] > 90 and cz[2] == ts.coords[:, 2].max()
    assert ts.n_times == 129 and ts.tmin == pytest.approx(-26 / 128)  # MNE snaps to samples


def test_digitised_positions_are_used_and_template_can_be_forced(data):
    path = data / TD / "bv_dig_raw.fif"
    kw = dict(event_id={"segment": "New Segment/"}, tmin=0.0, tmax=0.01)
    dig = load_eeg(path, **kw)
    tpl = load_eeg(path, coordinates="template", **kw)
    assert dig.metadata["coordinate_method"].startswith("affine fit on 64")
    assert tpl.metadata["coordinate_method"] == "template"
    np.testing.assert_allclose(tpl.coords, channel_positions(tpl.ch_names))
    shift = np.linalg.norm(dig.coords - tpl.coords, axis=1)
    assert 0 < np.median(shift) < 10  # a real head, registered to the template


def test_coordinates_file_mode_requires_stored_positions(data):
    with pytest.raises(
        ChannelError,
        match=r"test_bin_raw.fif: expected electrode positions stored in the file "
              r"\(coordinates='file'\); found none\. Use coordinates='auto' or 'template'",
    ):
        load_eeg(data / PY / "test_bin_raw.fif", coordinates="file")


def test_user_coordinates_and_talairach(data, tmp_path):
    csv = tmp_path / "cap.csv"
    csv.write_text("name,x,y,z\nC3,-50,-10,60\nC4,50,-10,60\nCz,0,-10,80\n")
    path = data / PY / "test_bdf_stim_channel.bdf"
    ts = load_eeg(path, tmin=0, tmax=0.1, coordinates=csv, space="talairach")
    assert ts.space == "talairach"
    np.testing.assert_allclose(ts.coords[ts.ch_names.index("Cz")], [0, -10, 80], atol=1e-9)
    tal = load_eeg(path, tmin=0, tmax=0.1, space="talairach")
    np.testing.assert_allclose(tal.coords, mni_to_talairach(channel_positions(["C3", "C4", "Cz"])))


def test_unknown_channels_raise_drop_or_ignore(data):
    path = data / PY / "test.edf"  # BioSemi labels A1..D32, no 10-05 names
    kw = dict(event_id=["type A"], tmin=0, tmax=0.1)
    with pytest.raises(
        ChannelError,
        match=r"test.edf: expected channel names with a known position .*; found 118 unknown: 'A3' "
              r"\(did you mean 'AF3'.*, … and 108 more\.",
    ):
        load_eeg(path, **kw)
    ignored = load_eeg(path, on_unknown="ignore", **kw)
    assert ignored.coords is None and ignored.n_channels == 138
    dropped = load_eeg(path, on_unknown="drop", **kw)
    assert 0 < dropped.n_channels < 138 and "A3" in dropped.metadata["unknown_channels"]


# ---------------------------------------------------------------------------------- MNE objects
def test_raw_and_epochs_objects_give_the_same_trials(data):
    path = data / PY / "test_bdf_stim_channel.bdf"
    raw = mne.io.read_raw(path, preload=True, verbose="error")
    before = raw.get_data().copy()
    kw = dict(event_id={"one": 1, "other": [2, 4]}, tmin=-0.1, tmax=0.3)
    from_path = load_eeg(path, l_freq=1.0, **kw)
    from_raw = load_eeg(raw, l_freq=1.0, **kw)
    np.testing.assert_array_equal(raw.get_data(), before)  # the caller's object is untouched
    np.testing.assert_allclose(from_raw.X, from_path.X)
    assert from_raw.metadata["source"].startswith("RawBDF of ")

    events = mne.find_events(raw, shortest_event=1, verbose="error")
    epochs = mne.Epochs(raw, events, {"a": 1, "b": 2, "c": 4}, tmin=-0.2, tmax=0.3,
                        baseline=None, preload=True, verbose="error")
    ts = load_eeg(epochs, event_id={"one": "a", "other": ["b", 4]}, tmin=-0.1, tmax=0.3)
    from_raw = load_eeg(raw, **kw)
    assert ts.class_counts() == from_raw.class_counts() == {"one": 7, "other": 2}
    assert ts.tmin == pytest.approx(-0.1) and ts.n_times == 201
    np.testing.assert_allclose(ts.X, from_raw.X)
    assert ts.metadata["events_from"] == "epochs"


# ---------------------------------------------------------------------------------- preprocessing
def test_filter_resample_and_amplitude_rejection_are_reported(data, caplog):
    path = data / TD / "test_edf_overlapping_annotations.edf"
    with caplog.at_level("INFO", logger="data_loaders.eeg"):
        ts = load_eeg(path, event_id={"left": "T1", "right": "T2"}, tmin=0.0, tmax=1.0,
                      l_freq=1.0, h_freq=30.0, resample=64.0, reject=850e-6)
    meta = ts.metadata
    assert ts.sfreq == 64.0 and ts.n_times == 64 and meta["original_sfreq"] == 128.0
    assert meta["n_events"] == 19 and meta["n_rejected"] > 0
    assert ts.n_trials + meta["n_rejected"] == 19
    assert meta["drop_log"] == {"amplitude": meta["n_rejected"]}
    assert len(meta["rejected_events"]) == meta["n_rejected"]
    assert max(meta["rejected_by_channel"].values()) <= meta["n_rejected"]
    assert f"rejected {meta['n_rejected']} of 19 trials" in caplog.text
    assert meta["filter"] == {"l_freq": 1.0, "h_freq": 30.0}
    # Survivors respect the threshold (checked at the original rate, so allow resampling slack).
    assert np.ptp(ts.X, axis=2).max() < 850 * 1.1


def test_events_outside_the_recording_are_counted(data):
    ts = load_eeg(data / PY / "test_bdf_stim_channel.bdf", tmin=-0.1, tmax=1.0)
    assert ts.metadata["drop_log"] == {"TOO_SHORT": 1} or ts.metadata["drop_log"] == {"NO_DATA": 1}
    assert ts.n_trials == 8


def test_baseline_bad_channels_and_units(data):
    path = data / PY / "test_edf_stim_channel.edf"
    kw = dict(stim_channel="DIG DTRIG", tmin=-0.2, tmax=0.3)
    ts = load_eeg(path, baseline=(None, 0.0), bad_channels=["Fp1", "EEG O2"], **kw)
    base = ts.X[:, :, ts.times <= 0]
    np.testing.assert_allclose(base.mean(axis=2), 0, atol=1e-9)
    assert "Fp1" not in ts.ch_names and "O2" not in ts.ch_names and ts.n_channels == 17
    assert ts.metadata["bad_channels"] == ["EEG Fp1", "EEG O2"]
    volts = load_eeg(path, units="V", **kw)
    micro = load_eeg(path, **kw)
    np.testing.assert_allclose(micro.X, volts.X * 1e6)
    with pytest.raises(
        ChannelError,
        match=r"expected bad_channels that exist in the recording; found 'Fq1' \(did you mean",
    ):
        load_eeg(path, bad_channels=["Fq1"], **kw)


def test_subject_session_run_ids(data):
    ts = load_eeg(data / PY / "test_bdf_stim_channel.bdf", tmin=0, tmax=0.1, subject="s01", run=2)
    assert set(ts.subject) == {"s01"} and set(ts.run) == {"2"} and ts.session is None


# ---------------------------------------------------------------------------------- bad input
def _copy(src: Path, dst_dir: Path, name: str | None = None, n_bytes: int | None = None) -> Path:
    dst = dst_dir / (name or src.name)
    if n_bytes is None:
        shutil.copyfile(src, dst)
    else:
        dst.write_bytes(src.read_bytes()[:n_bytes])
    return dst


def test_missing_empty_and_wrong_extension(data, tmp_path):
    with pytest.raises(
        FileFormatError,
        match="nope.edf: expected an existing EEG recording; found no such file",
    ):
        load_eeg(tmp_path / "nope.edf")
    (tmp_path / "empty.edf").write_bytes(b"")
    with pytest.raises(
        FileFormatError,
        match=r"empty.edf: expected EEG data; found an empty file \(0 bytes\)",
    ):
        load_eeg(tmp_path / "empty.edf")
    odd = _copy(data / PY / "test_bdf_stim_channel.bdf", tmp_path, "rec.xyz")
    with pytest.raises(
        FileFormatError,
        match=r"rec.xyz: expected an EEG file with one of the extensions .*found extension '.xyz'",
    ):
        load_eeg(odd)


@pytest.mark.parametrize(
    ("src", "n_bytes", "message"),
    [
        (
            f"{PY}/test_edf_stim_channel.edf",
            30000,
            r"expected 68056 bytes \(its header declares 1 data records of 30700 samples\); "
            r"found 30000 bytes: the file is truncated",
        ),
        # MNE itself would load this one silently, shortened to the records present.
        (
            f"{PY}/test_bdf_stim_channel.bdf",
            40000,
            r"expected 61280 bytes \(its header declares 10 data records of 2000 samples\); "
            r"found 40000 bytes: the file is truncated",
        ),
        (
            f"{PY}/test_bdf_stim_channel.bdf",
            100,
            "expected an EDF/BDF header of at least 256 bytes; found 100 bytes",
        ),
        (f"{PY}/test_bin_raw.fif", 100000, "expected a readable FIF recording; found ValueError"),
    ],
)
def test_truncated_files(data, tmp_path, src, n_bytes, message):
    bad = _copy(data / src, tmp_path, n_bytes=n_bytes)
    with pytest.raises(FileFormatError, match=message) as err:
        load_eeg(bad)
    assert str(err.value).startswith(str(bad))
    if "ValueError" in message:
        assert err.value.__cause__ is not None  # MNE's exception is chained, not lost


def test_corrupt_edf_header(tmp_path):
    bad = tmp_path / "garbage.edf"
    bad.write_bytes(b"0       " + b"x" * 300)
    with pytest.raises(
        FileFormatError,
        match="garbage.edf: expected an EDF/BDF header .*; found non-numeric fields",
    ):
        load_eeg(bad)


def test_truncated_brainvision(data, tmp_path):
    for ext in (".vhdr", ".vmrk"):
        _copy(data / PY / f"test{ext}", tmp_path)
    _copy(data / PY / "test.eeg", tmp_path, n_bytes=1000)
    with pytest.raises(
        FileFormatError,
        match=r"test.eeg: expected a whole number of samples \(32 channels x 2 bytes each\); found "
              r"1000 bytes",
    ):
        load_eeg(tmp_path / "test.vhdr")
    (tmp_path / "test.eeg").unlink()
    with pytest.raises(
        FileFormatError,
        match="test.vhdr: expected its data file 'test.eeg' beside it; found no such file",
    ):
        load_eeg(tmp_path / "test.vhdr")


def test_truncated_eeglab(data, tmp_path):
    _copy(data / EEGLAB / "eeglab_data.set", tmp_path)
    _copy(data / EEGLAB / "eeglab_data.fdt", tmp_path, n_bytes=10000)
    with pytest.raises(
        FileFormatError,
        match="eeglab_data.set: expected a readable SET recording; found RuntimeError",
    ):
        load_eeg(tmp_path / "eeglab_data.set")


def test_nan_samples_are_rejected_with_the_channel(data, tmp_path):
    raw = mne.io.read_raw(data / PY / "test_bdf_stim_channel.bdf", preload=True, verbose="error")
    raw.apply_function(lambda x: np.where(np.arange(x.size) % 100 == 0, np.nan, x), picks=["C4"])
    with pytest.raises(
        FileFormatError,
        match=r"RawBDF of .*: expected finite EEG samples; found 50 NaN/Inf samples in channels "
              r"\['C4'\]",
    ):
        load_eeg(raw)
    path = tmp_path / "nan_raw.fif"
    raw.save(path, verbose="error")
    with pytest.raises(FileFormatError, match=r"nan_raw.fif: expected finite EEG samples"):
        load_eeg(path)


def test_event_errors(data, caplog):
    bdf = data / PY / "test_bdf_stim_channel.bdf"
    with pytest.raises(
        EventError,
        match=r"expected events for class 'x' \(event_id values \[99\]\); found none; the file has "
              r"code 1 x7, code 2 x1, code 4 x1",
    ):
        load_eeg(bdf, event_id={"one": 1, "x": 99})
    with pytest.raises(
        EventError,
        match=r"expected each event in at most one class \(event_id\); found 7 events in both 'a' "
              r"and 'b'",
    ):
        load_eeg(bdf, event_id={"a": 1, "b": [1, 2]})
    with pytest.raises(
        EventError,
        match=r"expected events for class 'word' .* found none; the file has code 1 x7",
    ):
        load_eeg(bdf, event_id={"word": "word"}, events_from="stim")
    with pytest.raises(
        EventError,
        match=r"expected at least one trial left after epoching and rejection; found all 9 trials "
              r"rejected \(\{'amplitude': ",
    ):
        load_eeg(bdf, reject=1e-12)
    # A class absent from one recording (on_missing) stays in class_names, so runs concatenate.
    with caplog.at_level("WARNING", logger="data_loaders.eeg"):
        ts = load_eeg(bdf, event_id={"one": 1, "x": 99}, on_missing="warn", tmin=0, tmax=0.1)
    assert ts.class_names == ("one", "x") and ts.class_counts() == {"one": 7, "x": 0}
    assert "expected events for class 'x'" in caplog.text


def test_no_events(data):
    nicolet = data / PY / "test_nicolet_raw.head"
    assert read_recording(nicolet).info["nchan"] == 29
    with pytest.raises(
        EventError,
        match=r"test_nicolet_raw.head: expected events to cut trials from \(a trigger channel or "
              r"annotations\); found no events: no stim channel and no annotations",
    ):
        load_eeg(nicolet, on_unknown="drop")
    edf = data / PY / "test_edf_stim_channel.edf"  # the trigger is stored as a signal
    with pytest.raises(EventError, match="test_edf_stim_channel.edf: expected a trigger"):
        load_eeg(edf, events_from="stim")


def test_annotation_mapping_that_matches_nothing_lists_the_annotations(data):
    with pytest.raises(
        EventError,
        match=r"expected events for class 'go' \(event_id values \['T5'\]\); found none; the file "
              r"has 'T0' x19, 'T1' x10, 'T2' x9",
    ):
        load_eeg(data / TD / "test_edf_overlapping_annotations.edf", event_id={"go": "T5"})


def test_wrong_stim_channel_name(data):
    with pytest.raises(
        ChannelError,
        match=r"expected a trigger channel named 'DIG TRIG' \(stim_channel\); found channels .* "
              r"Did you mean 'DIG DTRIG'",
    ):
        load_eeg(data / PY / "test_edf_stim_channel.edf", stim_channel="DIG TRIG")


_L = "The '{}' parameter of load_eeg must "


@pytest.mark.parametrize(
    ("kwargs", "err", "message"),
    [
        (
            dict(l_freq=40.0, h_freq=10.0),
            ValueError,
            _L.format("l_freq") + "be below h_freq=10.0; got 40.0",
        ),
        (dict(tmin=0.5, tmax=0.1), ValueError, _L.format("tmin") + "be below tmax=0.1; got 0.5"),
        (
            dict(resample=-1),
            ValueError,
            _L.format("resample") + r"be in the range \(0, inf\); got -1",
        ),
        (dict(units="mV"), ValueError, _L.format("units") + "be one of 'uV', 'V'; got 'mV'"),
        (
            dict(events_from="tsv"),
            ValueError,
            _L.format("events_from") + "be one of 'auto', 'stim', 'annotations'; got 'tsv'",
        ),
        (
            dict(reject="big"),
            TypeError,
            _L.format("reject") + "be None, a peak-to-peak threshold in volts",
        ),
        (dict(event_id=5), TypeError, "The 'event_id' parameter must be a mapping"),
        (
            dict(event_id={"a": []}),
            ValueError,
            r"The 'event_id' parameter must map each class to an int code, a description, or a "
            r"non-empty list of them; got \[\] for class 'a'",
        ),
        (
            dict(coordinates=3),
            TypeError,
            "The 'coordinates' parameter must be 'auto', 'file', 'template', None",
        ),
    ],
)
def test_invalid_parameters(data, kwargs, err, message):
    with pytest.raises(err, match=message):
        load_eeg(data / PY / "test_bdf_stim_channel.bdf", **kwargs)


def test_invalid_source_type():
    with pytest.raises(
        TypeError,
        match="The 'source' parameter of load_eeg must be a path, an mne.io.Raw or an mne.Epochs; "
              "got ndarray",
    ):
        load_eeg(np.zeros((2, 3)))


def test_errors_are_value_errors_naming_the_file(data, tmp_path):
    (tmp_path / "empty.bdf").write_bytes(b"")
    with pytest.raises(ValueError) as err:
        load_eeg(tmp_path / "empty.bdf")
    assert isinstance(err.value, LoaderError)
    assert err.value.source == str(tmp_path / "empty.bdf")
    assert err.value.found == "an empty file (0 bytes)"
