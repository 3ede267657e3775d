"""neucube.preprocessing: per-trial filter, baseline, resampling, rejection and relabelling."""

from __future__ import annotations

import numpy as np
import pytest

from neucube import TrialSet
from neucube.preprocessing import (
    band_pass,
    baseline_correct,
    preprocess,
    reject_amplitude,
    relabel,
    resample,
)


@pytest.fixture
def trials() -> TrialSet:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 3, 64)) + 5.0
    X[0] *= 40  # one trial far larger than the others
    return TrialSet(X, np.array([0, 1, 0, 1, 2, 2]), sfreq=64.0, ch_names=("A", "B", "C"),
                    class_names=("x", "y", "z"), tmin=-0.25, subject=["s1"] * 3 + ["s2"] * 3)


def test_replace_keeps_the_other_fields_and_checks_names(trials: TrialSet) -> None:
    out = trials.replace(X=np.zeros(trials.shape), tmin=0.0)
    assert out.tmin == 0.0 and out.ch_names == trials.ch_names
    np.testing.assert_array_equal(out.subject, trials.subject)
    assert not out.X.any() and trials.X.any()
    with pytest.raises(TypeError, match=r"^TrialSet\.replace: expected fields of a TrialSet; "
                                        r"found colour$"):
        trials.replace(colour="red")


def test_baseline_correct_zeroes_the_window_mean(trials: TrialSet) -> None:
    out = baseline_correct(trials, (-0.25, 0.0))
    window = (out.times >= -0.25) & (out.times <= 0.0)
    np.testing.assert_allclose(out.X[..., window].mean(axis=-1), 0.0, atol=1e-12)
    with pytest.raises(ValueError, match=r"^baseline: expected a window inside the trials "
                                         r"\(-0\.25 to 0\.734375 s\); found \[2\.0, 3\.0\]$"):
        baseline_correct(trials, (2.0, 3.0))


def test_band_pass_and_resample_keep_labels(trials: TrialSet) -> None:
    low = band_pass(trials, None, 10.0)
    assert low.shape == trials.shape and low.class_names == trials.class_names
    # A 10 Hz low-pass removes most of the white noise's power (Nyquist 32 Hz).
    assert np.var(np.diff(low.X, axis=-1)) < 0.5 * np.var(np.diff(trials.X, axis=-1))
    half = resample(trials, 32.0)
    assert half.sfreq == 32.0 and half.n_times == 32 and half.tmin == trials.tmin


def test_reject_amplitude_counts_what_it_drops(trials: TrialSet) -> None:
    out = reject_amplitude(trials, 50.0)
    assert out.n_trials == 5 and out.metadata["n_rejected_amplitude"] == 1
    with pytest.raises(ValueError, match=r"^reject_uv: every trial exceeds 0\.001 peak to peak"):
        reject_amplitude(trials, 0.001)


def test_preprocess_order_and_skipped_steps(trials: TrialSet) -> None:
    assert preprocess(trials) is trials
    out = preprocess(trials, tmin=0.0, tmax=0.5, channels=["C", "A"], reject_uv=50.0)
    assert out.ch_names == ("C", "A") and out.n_trials == 5 and out.tmin == pytest.approx(0.0)
    with pytest.raises(ValueError, match=r"^channels: \"Q\" not among the data's channels"):
        preprocess(trials, channels=["A", "Q"])
    with pytest.raises(ValueError, match=r"^tmin/tmax: expected a window inside the trials"):
        preprocess(trials, tmin=5.0, tmax=6.0)


def test_relabel_selects_merges_and_orders_classes(trials: TrialSet) -> None:
    out = relabel(trials, {"late": ["z"], "early": ["x", "y"]})
    assert out.class_names == ("late", "early") and out.n_trials == 6
    np.testing.assert_array_equal(out.labels == "late", trials.labels == "z")
    only = relabel(trials, {"x": ["x"]})
    assert only.n_trials == 2 and only.class_names == ("x",)
    with pytest.raises(ValueError, match=r'^events\.a: no trial has the label "w"; the '
                                         r'data\'s labels are "x", "y", "z"$'):
        relabel(trials, {"a": ["w"]})
