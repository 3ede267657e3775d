"""Temporal interpolation of short trials (neucube.preprocessing.temporal)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from neucube.data import TrialSet
from neucube.preprocessing.temporal import (
    TimeInterpolator,
    interpolate_time,
    n_interpolated,
    upsample_trials,
)


@pytest.fixture
def X() -> np.ndarray:
    return np.random.default_rng(0).standard_normal((3, 2, 8))


@pytest.mark.parametrize("kind", ["linear", "pchip", "cubic"])
def test_keeps_the_original_samples_at_every_factor_th_position(X: np.ndarray, kind: str) -> None:
    out = interpolate_time(X, 4, kind)
    assert out.shape == (3, 2, n_interpolated(8, 4)) == (3, 2, 29)
    np.testing.assert_array_equal(out[..., ::4], X)


def test_linear_puts_new_samples_on_the_straight_line() -> None:
    out = interpolate_time(np.array([[0.0, 4.0, 0.0]]), 4, "linear")
    np.testing.assert_allclose(out, [[0, 1, 2, 3, 4, 3, 2, 1, 0]])


def test_cubic_reproduces_a_cubic_polynomial_and_pchip_does_not_overshoot() -> None:
    t = np.arange(6.0)
    out = interpolate_time((t ** 3)[None], 3, "cubic")
    np.testing.assert_allclose(out[0], (np.arange(16) / 3.0) ** 3, atol=1e-9)
    step = np.array([[0.0, 0.0, 0.0, 1.0, 1.0, 1.0]])
    pchip = interpolate_time(step, 4, "pchip")
    assert pchip.min() >= 0.0 and pchip.max() <= 1.0
    assert interpolate_time(step, 4, "cubic").max() > 1.0  # the spline overshoots a step


def test_each_trial_and_channel_is_interpolated_on_its_own(X: np.ndarray) -> None:
    whole = interpolate_time(X, 2, "cubic")
    alone = interpolate_time(X[1:2, 1:2], 2, "cubic")
    np.testing.assert_allclose(whole[1:2, 1:2], alone)


def test_factor_one_returns_a_float_copy(X: np.ndarray) -> None:
    out = interpolate_time(X, 1)
    np.testing.assert_array_equal(out, X)
    assert out is not X


@pytest.mark.parametrize("factor, error, match", [
    (0, ValueError, r"interpolate_time: factor: expected an integer from 1 to 64; found 0"),
    (65, ValueError, r"expected an integer from 1 to 64; found 65"),
    (2.0, TypeError, r"factor: expected an integer from 1 to 64; found 2\.0"),
    (True, TypeError, r"found True"),
])
def test_bad_factor_is_refused(X: np.ndarray, factor, error, match) -> None:
    with pytest.raises(error, match=match):
        interpolate_time(X, factor)


def test_bad_kind_and_short_or_broken_trials_are_refused(X: np.ndarray) -> None:
    with pytest.raises(ValueError, match=r"kind: expected one of 'linear', 'cubic', 'pchip'; "
                                         r"found 'quadratic'"):
        interpolate_time(X, 2, "quadratic")
    with pytest.raises(ValueError, match=r"X: expected at least 2 samples along the last \(time\) "
                                         r"axis; found shape \(3, 2, 1\)"):
        interpolate_time(X[..., :1], 2, "linear")
    with pytest.raises(ValueError, match=r"at least 4 samples for kind='cubic'.*found 3; use "
                                         r"kind='pchip' or 'linear'"):
        interpolate_time(X[..., :3], 2, "cubic")
    np.testing.assert_array_equal(interpolate_time(X[..., :3], 2, "pchip")[..., ::2], X[..., :3])
    bad = X.copy()
    bad[0, 0, 3] = np.nan
    with pytest.raises(ValueError, match=r"X: expected finite samples; found NaN or infinity"):
        interpolate_time(bad, 2)


def test_upsample_trials_keeps_times_and_records_the_step(X: np.ndarray) -> None:
    ts = TrialSet(X, ["a", "b", "a"], sfreq=0.5, ch_names=["v1", "v2"],
                  coords=[[0.0, 0.0, 0.0], [8.0, 0.0, 0.0]], space="mni", tmin=4.0,
                  run=["1", "1", "2"])
    up = upsample_trials(ts, 4, "pchip")
    assert up.sfreq == 2.0 and up.tmin == 4.0 and up.n_times == 29
    np.testing.assert_allclose(up.times[::4], ts.times)
    assert up.tmax == ts.tmax
    assert list(up.labels) == list(ts.labels) and up.space == "mni"
    np.testing.assert_array_equal(up.coords, ts.coords)
    assert list(up.run) == ["1", "1", "2"]
    assert up.metadata["upsample"] == {"factor": 4, "kind": "pchip", "original_sfreq": 0.5}
    with pytest.raises(TypeError, match=r"upsample_trials: trials: expected a TrialSet; "
                                        r"found ndarray"):
        upsample_trials(X, 4)


def test_transformer_is_stateless_and_checks_the_shape(X: np.ndarray) -> None:
    tf = clone(TimeInterpolator(factor=2, kind="linear"))
    out = tf.fit(X).transform(X)
    np.testing.assert_array_equal(out, interpolate_time(X, 2, "linear"))
    assert (tf.n_channels_in_, tf.n_times_in_) == (2, 8)
    with pytest.raises(ValueError, match=r"TimeInterpolator: X: expected trials of shape "
                                         r"\(2, 8\) as in fit; found \(2, 7\)"):
        tf.transform(X[..., :7])
    with pytest.raises(ValueError, match=r"TimeInterpolator: X: expected a 3-D array"):
        TimeInterpolator().fit(X[0])
    with pytest.raises(ValueError, match=r"TimeInterpolator: kind: expected one of"):
        TimeInterpolator(kind="spline").fit(X)


def test_preprocess_interpolates_after_resampling_and_names_its_key(X: np.ndarray) -> None:
    from neucube.preprocessing import PREPROCESSING_STEPS, preprocess

    ts = TrialSet(X, ["a", "b", "a"], sfreq=0.5, ch_names=["v1", "v2"])
    assert {"upsample", "upsample_kind"} <= set(PREPROCESSING_STEPS)
    up = preprocess(ts, upsample=4)  # kind None: linear
    np.testing.assert_allclose(up.X, interpolate_time(X, 4, "linear"))
    assert preprocess(ts, upsample=1).n_times == 8
    with pytest.raises(ValueError, match=r"^upsample: upsample_trials: factor: expected an "
                                         r"integer from 1 to 64; found 100"):
        preprocess(ts, upsample=100)
    with pytest.raises(ValueError, match=r"^upsample: .*kind: expected one of"):
        preprocess(ts, upsample=2, upsample_kind="nearest")


def test_study_files_name_the_interpolation() -> None:
    from neucube_study.schema import StudyError, parse_study

    raw = {"study": {"name": "s"}, "data": {"source": "simulate"},
           "preprocessing": {"upsample": 4, "upsample_kind": "pchip"}}
    pre = parse_study(raw).config["preprocessing"]
    assert (pre["upsample"], pre["upsample_kind"]) == (4, "pchip")
    raw["preprocessing"] = {"upsample": 0}
    with pytest.raises(StudyError, match=r"preprocessing\.upsample: expected an integer >= 1"):
        parse_study(raw)
    raw["preprocessing"] = {"upsample": 2, "upsample_kind": "spline"}
    with pytest.raises(StudyError, match=r"preprocessing\.upsample_kind: expected"):
        parse_study(raw)
