"""Tests of the TrialSet data model: validation messages, selection and concatenation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from neucube import TrialSet


def make(n_trials: int = 6, n_channels: int = 3, n_times: int = 20, **kw) -> TrialSet:
    rng = np.random.default_rng(0)
    args = dict(
        sfreq=100.0,
        ch_names=[f"ch{i}" for i in range(n_channels)],
        coords=rng.normal(size=(n_channels, 3)),
        space="mni",
        subject=np.repeat(["s1", "s2"], n_trials // 2),
        tmin=-0.05,
    )
    args.update(kw)
    y = kw.pop("y", None) if "y" in kw else ["a", "b"] * (n_trials // 2)
    args.pop("y", None)
    return TrialSet(rng.normal(size=(n_trials, n_channels, n_times)), y, **args)


class TestValidation:
    def test_valid_roundtrip(self):
        ts = make()
        assert ts.X.shape == (6, 3, 20)
        assert ts.class_names == ("a", "b")
        assert ts.y.tolist() == [0, 1] * 3
        assert ts.labels.tolist() == ["a", "b"] * 3
        assert ts.n_classes == 2 and len(ts) == 6
        assert ts.times[0] == pytest.approx(-0.05)
        assert ts.tmax == pytest.approx(-0.05 + 19 / 100)

    def test_arrays_are_read_only(self):
        ts = make()
        with pytest.raises(ValueError, match="read-only"):
            ts.X[0, 0, 0] = 1.0
        with pytest.raises(ValueError, match="read-only"):
            ts.y[0] = 1

    def test_caller_array_stays_writable(self):
        X = np.zeros((2, 1, 5))
        TrialSet(X, [0, 1], sfreq=1.0, ch_names=["a"])
        X[0, 0, 0] = 1.0  # the caller's array is untouched by the read-only view

    def test_integer_X_becomes_float(self):
        ts = TrialSet(np.ones((2, 1, 3), dtype=np.int16), [0, 1], sfreq=1.0, ch_names=["a"])
        assert ts.X.dtype == np.float64

    def test_float32_kept(self):
        ts = TrialSet(np.ones((2, 1, 3), dtype=np.float32), [0, 1], sfreq=1.0, ch_names=["a"])
        assert ts.X.dtype == np.float32

    @pytest.mark.parametrize(
        "X, match",
        [
            (np.zeros((3, 4)), r"field 'X': expected a 3-D array .*found 2-D array of shape \(3, 4\)"),
            (np.zeros((0, 2, 3)), r"field 'X': expected at least one trial.*found shape \(0, 2, 3\)"),
            (np.zeros((2, 1, 0)), r"field 'X': .*found shape \(2, 1, 0\)"),
            (np.array([[["a"]], [["b"]]]), r"field 'X': expected a real-valued numeric array; found dtype <U1"),
        ],
    )
    def test_bad_X(self, X, match):
        with pytest.raises(ValueError, match=match):
            TrialSet(X, [0, 1], sfreq=1.0, ch_names=[f"c{i}" for i in range(max(X.shape[1], 1))])

    def test_nan_is_located(self):
        X = np.zeros((2, 2, 4))
        X[1, 0, 3] = np.nan
        X[1, 1, 2] = np.inf
        with pytest.raises(
            ValueError,
            match=r"field 'X': expected finite values; found 2 NaN/Inf samples "
            r"\(first at trial 1, channel 0, sample 3\)",
        ):
            TrialSet(X, [0, 1], sfreq=1.0, ch_names=["a", "b"])

    def test_label_count(self):
        with pytest.raises(ValueError, match=r"field 'y': expected 3 labels \(one per trial in X\); found 2 labels"):
            TrialSet(np.zeros((3, 1, 2)), ["a", "b"], sfreq=1.0, ch_names=["c"])

    def test_label_dims(self):
        with pytest.raises(ValueError, match=r"field 'y': expected a 1-D array of 2 labels; found 2-D"):
            TrialSet(np.zeros((2, 1, 2)), [[0], [1]], sfreq=1.0, ch_names=["c"])

    def test_label_codes_out_of_range(self):
        with pytest.raises(ValueError, match=r"field 'y': expected integer codes in \[0, 1\].*codes from 0 to 2"):
            TrialSet(np.zeros((2, 1, 2)), [0, 2], sfreq=1.0, ch_names=["c"], class_names=["a", "b"])

    def test_unknown_label_name(self):
        with pytest.raises(ValueError, match=r"field 'y': expected labels among class_names \['a', 'b'\]; found \['z'\]"):
            TrialSet(np.zeros((2, 1, 2)), ["a", "z"], sfreq=1.0, ch_names=["c"], class_names=["a", "b"])

    def test_float_labels_rejected(self):
        with pytest.raises(ValueError, match=r"field 'y': expected class names \(str\) or integer codes; found dtype float64"):
            TrialSet(np.zeros((2, 1, 2)), [0.5, 1.5], sfreq=1.0, ch_names=["c"])

    def test_duplicate_class_names(self):
        with pytest.raises(ValueError, match=r"field 'class_names': expected unique names"):
            TrialSet(np.zeros((2, 1, 2)), [0, 1], sfreq=1.0, ch_names=["c"], class_names=["a", "a"])

    @pytest.mark.parametrize("sfreq", [0, -1.0, np.nan, "128", True])
    def test_bad_sfreq(self, sfreq):
        with pytest.raises(ValueError, match=r"field 'sfreq': expected a positive finite number \(Hz\)"):
            TrialSet(np.zeros((2, 1, 2)), [0, 1], sfreq=sfreq, ch_names=["c"])

    def test_channel_count(self):
        with pytest.raises(ValueError, match=r"field 'ch_names': expected 2 names \(one per channel in X\); found 1 names"):
            TrialSet(np.zeros((2, 2, 2)), [0, 1], sfreq=1.0, ch_names=["c"])

    def test_channel_names_string_rejected(self):
        with pytest.raises(ValueError, match=r"field 'ch_names': expected a sequence of 2 str; found 'ab'"):
            TrialSet(np.zeros((2, 2, 2)), [0, 1], sfreq=1.0, ch_names="ab")

    def test_duplicate_channels(self):
        with pytest.raises(ValueError, match=r"field 'ch_names': expected unique names; found duplicates \['Cz'\]"):
            TrialSet(np.zeros((2, 2, 2)), [0, 1], sfreq=1.0, ch_names=["Cz", "Cz"])

    def test_coords_shape(self):
        with pytest.raises(ValueError, match=r"field 'coords': expected shape \(2, 3\) .*found shape \(2, 2\)"):
            TrialSet(np.zeros((2, 2, 2)), [0, 1], sfreq=1.0, ch_names=["a", "b"], coords=np.zeros((2, 2)), space="mni")

    def test_coords_need_space(self):
        with pytest.raises(ValueError, match=r"field 'space': expected one of \['mni', 'talairach', 'grid', 'native'\] when coords are given; found None"):
            TrialSet(np.zeros((2, 1, 2)), [0, 1], sfreq=1.0, ch_names=["a"], coords=np.zeros((1, 3)))

    def test_space_needs_coords(self):
        with pytest.raises(ValueError, match=r"field 'coords': expected an \(n_channels, 3\) array because space='mni'; found None"):
            TrialSet(np.zeros((2, 1, 2)), [0, 1], sfreq=1.0, ch_names=["a"], space="mni")

    def test_coords_finite(self):
        with pytest.raises(ValueError, match=r"field 'coords': expected finite values; found NaN/Inf"):
            TrialSet(np.zeros((2, 1, 2)), [0, 1], sfreq=1.0, ch_names=["a"], coords=[[0, np.nan, 0]], space="mni")

    def test_subject_length(self):
        with pytest.raises(ValueError, match=r"field 'subject': expected one id per trial, shape \(2,\); found shape \(3,\)"):
            TrialSet(np.zeros((2, 1, 2)), [0, 1], sfreq=1.0, ch_names=["a"], subject=[1, 2, 3])

    def test_metadata_must_be_mapping(self):
        with pytest.raises(ValueError, match=r"field 'metadata': expected a mapping \(dict\); found list"):
            TrialSet(np.zeros((2, 1, 2)), [0, 1], sfreq=1.0, ch_names=["a"], metadata=[1])

    def test_ragged_X(self):
        with pytest.raises(ValueError, match=r"field 'X': expected a numeric array"):
            TrialSet([[[1.0, 2.0]], [[1.0]]], [0, 1], sfreq=1.0, ch_names=["a"])


class TestSelection:
    def test_select_trials_channels_window(self):
        ts = make()
        sub = ts.select(trials=[1, 3], channels=["ch2", "ch0"], tmin=0.0, tmax=0.1)
        assert sub.n_trials == 2
        assert sub.ch_names == ("ch2", "ch0")
        np.testing.assert_array_equal(sub.coords, ts.coords[[2, 0]])
        assert sub.times[0] == pytest.approx(0.0)
        assert sub.times[-1] == pytest.approx(0.1)
        np.testing.assert_array_equal(sub.X, ts.X[[1, 3]][:, [2, 0]][:, :, 5:16])
        assert sub.subject.tolist() == ["s1", "s2"]
        assert sub.class_names == ts.class_names

    def test_boolean_mask_and_getitem(self):
        ts = make()
        assert ts[ts.y == 1].labels.tolist() == ["b"] * 3
        assert ts[:2].n_trials == 2
        assert ts[np.array([5])].n_trials == 1

    def test_keeps_empty_class(self):
        ts = make()
        only_a = ts[ts.y == 0]
        assert only_a.class_counts() == {"a": 3, "b": 0}

    def test_bad_mask_shape(self):
        with pytest.raises(ValueError, match=r"field 'trials': expected a boolean mask of shape \(6,\); found shape \(2,\)"):
            make()[np.array([True, False])]

    def test_out_of_range_trial(self):
        with pytest.raises(ValueError, match=r"field 'trials': expected indices in \[-6, 5\]; found 0\.\.9"):
            make()[[0, 9]]

    def test_unknown_channel(self):
        with pytest.raises(ValueError, match=r"field 'channels': expected names among .*; found 'Fz'"):
            make().pick_channels(["Fz"])

    def test_empty_window(self):
        with pytest.raises(ValueError, match=r"field 'tmin/tmax': expected a window overlapping"):
            make().crop(5.0, 6.0)

    def test_iter_subjects(self):
        parts = dict(make().iter_subjects())
        assert sorted(parts) == ["s1", "s2"]
        assert all(p.n_trials == 3 for p in parts.values())

    def test_iter_subjects_requires_ids(self):
        ts = TrialSet(np.zeros((2, 1, 2)), [0, 1], sfreq=1.0, ch_names=["a"])
        with pytest.raises(ValueError, match="field 'subject': expected per-trial subject ids"):
            list(ts.iter_subjects())

    def test_concatenate_roundtrip(self):
        ts = make()
        parts = [p for _, p in ts.iter_subjects()]
        back = TrialSet.concatenate(parts)
        np.testing.assert_array_equal(back.X, ts.X)
        np.testing.assert_array_equal(back.y, ts.y)
        assert back.subject.tolist() == ts.subject.tolist()

    def test_concatenate_mismatch(self):
        a = make()
        b = make(sfreq=200.0)
        with pytest.raises(ValueError, match=r"field 'trial_sets\[1\]\.sfreq': expected 100\.0 \(as in trial_sets\[0\]\); found 200\.0"):
            TrialSet.concatenate([a, b])

    def test_with_coords_and_metadata(self):
        ts = make().with_coords(np.ones((3, 3)), "talairach").with_metadata(note="x")
        assert ts.space == "talairach" and ts.metadata["note"] == "x"

    def test_repr(self):
        assert repr(make()) == (
            "<TrialSet | 6 trials (a: 3, b: 3), 2 subjects, 3 channels, 20 samples at 100 Hz "
            "(-0.05 to 0.14 s), coords in mni>"
        )


@settings(max_examples=60, deadline=None)
@given(
    X=hnp.arrays(
        dtype=hnp.floating_dtypes(sizes=(32, 64)) | hnp.integer_dtypes(sizes=(8, 16)),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=5),
    ),
    n_labels=st.integers(0, 6),
)
def test_construction_fuzz(X, n_labels):
    """Any input either builds a consistent TrialSet or raises a ValueError naming a field."""
    n_ch = X.shape[1] if X.ndim >= 2 else 1
    try:
        ts = TrialSet(X, [i % 2 for i in range(n_labels)], sfreq=10.0, ch_names=[f"c{i}" for i in range(n_ch)])
    except ValueError as exc:
        assert str(exc).startswith("TrialSet field '")
        return
    assert ts.X.ndim == 3 and np.isfinite(ts.X).all()
    assert ts.y.shape == (ts.n_trials,) == (n_labels,)


def test_to_space_roundtrip():
    ts = make()
    tal = ts.to_space("talairach")
    assert tal.space == "talairach"
    assert not np.allclose(tal.coords, ts.coords)
    np.testing.assert_allclose(tal.to_space("mni").coords, ts.coords, atol=1e-9)
    assert ts.to_space("mni") is ts


def test_to_space_errors():
    with pytest.raises(ValueError, match=r"Cannot convert coordinates from space 'mni' to 'grid'"):
        make().to_space("grid")
    bare = TrialSet(np.zeros((2, 1, 2)), [0, 1], sfreq=1.0, ch_names=["a"])
    with pytest.raises(ValueError, match=r"field 'coords': expected coordinates to convert to space 'mni'; found None"):
        bare.to_space("mni")
