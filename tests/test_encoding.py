"""Tests of the spike encoders (neucube.encoding): semantics, round trips, leakage, API, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.signal import firwin
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from neucube.encoding import (
    BSAEncoder,
    FlatChannelWarning,
    MovingWindowEncoder,
    StepForwardEncoder,
    TBREncoder,
    rmse,
    search_threshold,
    snr,
    spike_rate,
)
from neucube.encoding._base import MAX_SNR_DB
from neucube.encoding.reference import (
    reference_bsa,
    reference_moving_window,
    reference_step_forward,
    reference_tbr,
)

ENCODERS = [TBREncoder, StepForwardEncoder, MovingWindowEncoder, BSAEncoder]
DELTA_ENCODERS = [TBREncoder, StepForwardEncoder, MovingWindowEncoder]


def noisy_sines(
    rng: np.random.Generator, n_trials: int = 10, noise: float = 0.05
) -> np.ndarray:
    """Sines of 1, 2 and 3 Hz (one per channel) at 128 Hz, random phase, white noise; 1 s trials."""
    t = np.arange(128) / 128.0
    freqs = np.array([1.0, 2.0, 3.0])[None, :, None]
    phase = rng.uniform(0.0, 2 * np.pi, size=(n_trials, 3, 1))
    return np.sin(2 * np.pi * freqs * t + phase) + noise * rng.normal(size=(n_trials, 3, 128))


def flatten(X: np.ndarray) -> np.ndarray:
    return X.reshape(len(X), -1)


# --------------------------------------------------------------------------------------------
# Hand-checkable cases
# --------------------------------------------------------------------------------------------
def test_tbr_single_step_gives_exactly_one_spike():
    X = np.zeros((1, 1, 6))
    X[..., 3:] = 1.0
    enc = TBREncoder().fit(X)
    # |dx| = [0, 0, 1, 0, 0]: mean 0.2, std 0.4, so Th = 0.2 + 0.5 * 0.4.
    np.testing.assert_allclose(enc.threshold_, [0.4])
    np.testing.assert_array_equal(enc.transform(X), [[[0, 0, 0, 1, 0, 0]]])
    np.testing.assert_array_equal(enc.transform(-X), [[[0, 0, 0, -1, 0, 0]]])
    np.testing.assert_allclose(enc.reconstruct(X), [[[0, 0, 0, 0.4, 0.4, 0.4]]])


def test_tbr_default_rule_is_mean_over_trials_of_mean_plus_alpha_std(rng):
    X = rng.normal(size=(4, 3, 50))
    enc = TBREncoder(alpha=0.7).fit(X)
    expected = [
        np.mean([np.mean(np.abs(np.diff(X[i, c]))) + 0.7 * np.std(np.abs(np.diff(X[i, c])))
                 for i in range(4)])
        for c in range(3)
    ]
    np.testing.assert_allclose(enc.threshold_, expected)
    # SF and MW use the same data-driven rule.
    np.testing.assert_allclose(StepForwardEncoder(alpha=0.7).fit(X).threshold_, expected)
    np.testing.assert_allclose(MovingWindowEncoder(alpha=0.7).fit(X).threshold_, expected)


def test_tbr_strict_inequality_and_sign():
    X = np.array([[[0.0, 1.0, 2.5, 2.5, 1.0, 0.9]]])
    # dx = [1, 1.5, 0, -1.5, -0.1]; a change of exactly Th does not spike.
    spikes = TBREncoder(threshold=1.0).fit(X).transform(X)
    np.testing.assert_array_equal(spikes, [[[0, 0, 1, 0, -1, 0]]])


def test_sf_on_a_ramp_spikes_regularly_and_decodes_to_a_staircase():
    X = np.arange(20.0).reshape(1, 1, 20)
    enc = StepForwardEncoder(threshold=3.0).fit(X)
    spikes = enc.transform(X)[0, 0]
    assert np.flatnonzero(spikes).tolist() == [3, 6, 9, 12, 15, 18]
    assert set(spikes.tolist()) == {0, 1}
    np.testing.assert_array_equal(enc.reconstruct(X)[0, 0], 3.0 * (np.arange(20) // 3))
    down = enc.transform(-X)[0, 0]
    assert np.flatnonzero(down).tolist() == [3, 6, 9, 12, 15, 18]
    assert set(down.tolist()) == {0, -1}


def test_sf_emits_at_most_one_spike_per_sample_and_lags_a_steep_step():
    X = np.array([[[0.0, 10.0, 10.0, 10.0, 10.0]]])
    enc = StepForwardEncoder(threshold=3.0).fit(X)
    np.testing.assert_array_equal(enc.transform(X), [[[0, 1, 1, 1, 0]]])
    np.testing.assert_array_equal(enc.reconstruct(X), [[[0.0, 3.0, 6.0, 9.0, 9.0]]])


@settings(max_examples=40, deadline=None)
@given(
    steps=arrays(np.float64, (2, 3, 30), elements=st.floats(-1.0, 1.0)),
    start=st.floats(-1e3, 1e3),
)
def test_sf_tracks_within_one_threshold_without_slope_overload(steps, start):
    # If no sample-to-sample change exceeds Th, the baseline (= decoded signal) stays within Th.
    X = start + np.cumsum(steps, axis=-1)
    enc = StepForwardEncoder(threshold=1.0).fit(X)
    assert np.all(np.abs(X - enc.reconstruct(X)) < 1.0 + 1e-9)


def test_mw_ramp_with_growing_window_at_trial_start():
    X = np.arange(8.0).reshape(1, 1, 8)
    # Window fills up: x - B = 1, 1.5, 2, 2.5, then 3 once 5 previous samples exist.
    spikes = MovingWindowEncoder(threshold=2.0, window=5).fit(X).transform(X)
    np.testing.assert_array_equal(spikes, [[[0, 0, 0, 0, 1, 1, 1, 1]]])


def test_mw_honours_the_window_instead_of_the_original_hardcoded_3():
    X = np.arange(12.0).reshape(1, 1, 12)
    # On a unit ramp x - B = (w + 1) / 2 once the window is full: 2 for w=3, 3 for w=5.
    w3 = MovingWindowEncoder(threshold=2.5, window=3).fit(X).transform(X)[0, 0]
    w5 = MovingWindowEncoder(threshold=2.5, window=5).fit(X).transform(X)[0, 0]
    assert w3.sum() == 0
    np.testing.assert_array_equal(np.flatnonzero(w5), np.arange(5, 12))


def test_mw_spikes_do_not_move_the_baseline():
    # A sustained jump keeps spiking until the window has caught up (w samples later).
    X = np.array([[[0.0] * 5 + [10.0] * 8]])
    spikes = MovingWindowEncoder(threshold=1.0, window=3).fit(X).transform(X)[0, 0]
    # B after the jump: 0, 10/3, 20/3, then 10 -> three +1 spikes, then silence.
    np.testing.assert_array_equal(spikes, [0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0])


def _unit_range_training(n_channels: int = 2, n_times: int = 40) -> np.ndarray:
    """Training data whose per-channel min/max are 0 and 1, so normalisation is the identity."""
    X = np.zeros((2, n_channels, n_times))
    X[1] = 1.0
    return X


def test_bsa_constant_at_the_top_spikes_every_sample_and_decodes_to_it():
    enc = BSAEncoder().fit(_unit_range_training())
    h = enc.filter_
    X = np.ones((1, 2, 40))
    spikes = enc.transform(X)
    # Wherever the whole filter fits in the trial, each spike lowers the error by sum(h) = 1.
    full = 40 - h.size + 1
    assert np.all(spikes[..., :full] == 1)
    # Near the end only the first taps count, so the gain drops below 0.5 and spikes stop.
    assert spikes[0, 0, -1] == 0
    # Causal decoding ramps up over the filter length, then holds the value exactly.
    x_hat = enc.reconstruct(X)[0, 0]
    np.testing.assert_allclose(x_hat[: h.size], np.cumsum(h))
    np.testing.assert_allclose(x_hat[h.size - 1 : full], 1.0)


def test_bsa_constant_at_the_bottom_never_spikes_and_test_data_are_clipped():
    enc = BSAEncoder().fit(_unit_range_training())
    assert enc.transform(np.zeros((1, 2, 40))).sum() == 0
    # Outside the training range: clipped to [0, 1], so same spikes as at the bounds.
    np.testing.assert_array_equal(
        enc.transform(np.full((1, 2, 40), 5.0)), enc.transform(np.ones((1, 2, 40)))
    )
    assert enc.transform(np.full((1, 2, 40), -5.0)).sum() == 0


def test_bsa_filter_and_single_spike_decoding():
    X = 3.0 + 2.0 * _unit_range_training(n_channels=1)  # range [3, 5]
    enc = BSAEncoder(filter_length=7, cutoff=0.3).fit(X)
    np.testing.assert_allclose(enc.filter_, firwin(7, 0.3))
    np.testing.assert_allclose(enc.filter_.sum(), 1.0)
    np.testing.assert_allclose(enc.data_min_, [3.0])
    np.testing.assert_allclose(enc.data_max_, [5.0])
    spikes = np.zeros((1, 1, 12), dtype=np.int8)
    spikes[0, 0, 2] = 1
    expected = np.full(12, 3.0)
    expected[2:9] += 2.0 * enc.filter_
    np.testing.assert_allclose(enc.inverse_transform(spikes)[0, 0], expected)


# --------------------------------------------------------------------------------------------
# Vectorised code equals the naive loops of the spec
# --------------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::neucube.encoding.FlatChannelWarning")
@pytest.mark.parametrize("window", [1, 3, 5, 50])
def test_vectorised_encoders_match_naive_loops(rng, window):
    X = np.cumsum(rng.normal(size=(3, 4, 40)), axis=-1) + 100.0
    th = np.array([0.5, 1.0, 0.0, 2.0])  # includes a silenced channel
    tbr = TBREncoder(threshold=th).fit(X).transform(X)
    sf = StepForwardEncoder(threshold=th).fit(X).transform(X)
    mw = MovingWindowEncoder(threshold=th, window=window).fit(X).transform(X)
    for i in range(3):
        for c in range(4):
            x = X[i, c].tolist()
            assert tbr[i, c].tolist() == reference_tbr(x, th[c])
            assert sf[i, c].tolist() == reference_step_forward(x, th[c])
            assert mw[i, c].tolist() == reference_moving_window(x, th[c], window)


def test_bsa_matches_naive_loop(rng):
    X_train = rng.uniform(-2.0, 3.0, size=(4, 3, 30))
    X = rng.uniform(-2.5, 3.5, size=(3, 3, 25))  # partly outside the training range
    th = np.array([0.5, 0.2, 0.8])
    enc = BSAEncoder(threshold=th, filter_length=8, cutoff=0.25).fit(X_train)
    spikes = enc.transform(X)
    lo, hi = X_train.min(axis=(0, 2)), X_train.max(axis=(0, 2))
    for i in range(3):
        for c in range(3):
            u = np.clip((X[i, c] - lo[c]) / (hi[c] - lo[c]), 0.0, 1.0).tolist()
            assert spikes[i, c].tolist() == reference_bsa(u, th[c], enc.filter_.tolist())
    # Decoding is the causal convolution with h, de-normalised.
    u_hat = np.array(
        [[np.convolve(spikes[i, c], enc.filter_)[:25] for c in range(3)] for i in range(3)]
    )
    np.testing.assert_allclose(
        enc.inverse_transform(spikes), u_hat * (hi - lo)[:, None] + lo[:, None]
    )


@pytest.mark.parametrize("cls", [StepForwardEncoder, TBREncoder, MovingWindowEncoder])
def test_delta_decoding_is_the_running_sum_of_threshold_steps(rng, cls):
    X = rng.normal(size=(2, 3, 30))
    enc = cls().fit(X)
    spikes = enc.transform(X)
    start = X[..., 0]
    expected = start[..., None] + np.cumsum(spikes * enc.threshold_[:, None], axis=-1)
    np.testing.assert_allclose(enc.inverse_transform(spikes, initial=start), expected)
    # Default initial is 0; a scalar broadcasts.
    np.testing.assert_allclose(enc.inverse_transform(spikes), expected - start[..., None])
    np.testing.assert_allclose(
        enc.inverse_transform(spikes, initial=1.5), expected - start[..., None] + 1.5
    )
    np.testing.assert_allclose(enc.reconstruct(X), expected)


def test_sf_decoding_reproduces_the_encoder_baseline_exactly(rng):
    X = np.cumsum(rng.normal(size=(2, 2, 200)), axis=-1) * 1e3 + 4321.123
    enc = StepForwardEncoder(threshold=[700.0, 300.0]).fit(X)
    x_hat = enc.reconstruct(X)
    # The baseline of ref_sf, rebuilt from its own additions: bit-for-bit equal.
    for i in range(2):
        for c in range(2):
            base, traj = X[i, c, 0], [X[i, c, 0]]
            for s in reference_step_forward(X[i, c].tolist(), enc.threshold_[c])[1:]:
                base = base + s * enc.threshold_[c]
                traj.append(base)
            assert x_hat[i, c].tolist() == traj


# --------------------------------------------------------------------------------------------
# Round trips on noisy sines
# --------------------------------------------------------------------------------------------
# Held-out SNR (dB) lower bounds, every channel, on 1-3 Hz sines with 5% noise and 10 training
# trials. Each bound is below the worst channel over 30 random seeds (seed 42, used here, sits
# 1-3 dB above it). TBR is intrinsically poor at reconstruction (each spike stands for exactly Th
# and sub-threshold changes are lost); MW's delta decoding is approximate; SF tracks well.
SNR_BOUNDS = {
    (TBREncoder, None): -1.0,
    (TBREncoder, "auto"): 0.0,
    (StepForwardEncoder, None): 14.0,
    (StepForwardEncoder, "auto"): 15.0,
    (MovingWindowEncoder, None): 0.0,
    (MovingWindowEncoder, "auto"): 6.0,
    (BSAEncoder, None): 5.0,
    (BSAEncoder, "auto"): 5.5,
}


@pytest.mark.parametrize(("cls", "threshold"), list(SNR_BOUNDS))
def test_round_trip_snr_on_held_out_noisy_sines(rng, cls, threshold):
    X_train, X_test = noisy_sines(rng), noisy_sines(rng)
    enc = cls(threshold=threshold).fit(X_train)
    X_hat = enc.reconstruct(X_test)
    assert X_hat.shape == X_test.shape
    per_channel = snr(X_test, X_hat, axis=(0, 2))
    assert per_channel.shape == (3,)
    assert np.all(per_channel > SNR_BOUNDS[cls, threshold])
    assert enc.score(X_test) == pytest.approx(per_channel.mean())


@pytest.mark.parametrize("cls", ENCODERS)
def test_auto_threshold_is_at_least_as_good_as_the_default_on_training_data(rng, cls):
    X = noisy_sines(rng, noise=0.1)
    default = cls().fit(X)
    auto = cls(threshold="auto").fit(X)
    per_default = snr(X, default.reconstruct(X), axis=(0, 2))
    per_auto = snr(X, auto.reconstruct(X), axis=(0, 2))
    assert np.all(per_auto >= per_default - 1e-9)
    assert auto.score(X) >= default.score(X) - 1e-9
    # The search table is stored and its best entries are the reconstructions' SNR.
    assert auto.threshold_candidates_.shape == auto.search_snr_.shape
    assert auto.search_snr_.shape[1] == 3
    np.testing.assert_allclose(auto.search_snr_.max(axis=0), per_auto)
    assert not hasattr(default, "search_snr_")


@pytest.mark.parametrize("cls", ENCODERS)
def test_search_threshold_matches_auto_and_leaves_the_encoder_alone(rng, cls):
    X = noisy_sines(rng, n_trials=5)
    enc = cls()
    best, table = search_threshold(enc, X)
    assert not hasattr(enc, "threshold_")
    grid = enc.threshold_grid(X)
    assert table.shape == grid.shape
    auto = cls(threshold="auto").fit(X)
    np.testing.assert_allclose(best, auto.threshold_)
    np.testing.assert_allclose(grid, auto.threshold_candidates_)
    # Each best threshold is a candidate with the column's maximum SNR.
    for c in range(3):
        assert table[grid[:, c] == best[c], c].max() == table[:, c].max()


def test_search_threshold_with_explicit_candidates(rng):
    X = noisy_sines(rng, n_trials=5)
    best, table = search_threshold(StepForwardEncoder(), X, candidates=[0.02, 0.05, 0.5])
    assert table.shape == (3, 3)
    assert set(best.tolist()) <= {0.02, 0.05, 0.5}
    per_channel = np.array([[0.01, 0.02, 0.03], [0.5, 0.6, 0.7]])
    best2, table2 = search_threshold(StepForwardEncoder(), X, candidates=per_channel)
    assert table2.shape == (2, 3)
    assert all(best2[c] in per_channel[:, c] for c in range(3))


def test_search_ties_go_to_the_larger_threshold():
    X = np.zeros((2, 1, 10))
    X[:, :, 5:] = 1.0
    # Thresholds >= 1 give no spike on a unit step, so both candidates decode the same flat
    # line with the same SNR: the larger threshold (fewer spikes) wins the tie.
    best, table = search_threshold(TBREncoder(), X, candidates=[2.0, 3.0])
    assert table[0, 0] == table[1, 0]
    assert best.tolist() == [3.0]


# --------------------------------------------------------------------------------------------
# No leakage: thresholds come from training data only
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ENCODERS)
@pytest.mark.parametrize("threshold", [None, "auto"])
def test_thresholds_do_not_depend_on_test_data(rng, cls, threshold):
    X_train, X_test = noisy_sines(rng), noisy_sines(rng, noise=0.3)
    enc = cls(threshold=threshold).fit(X_train)
    fitted = enc.threshold_.copy()
    state = {k: np.copy(v) for k, v in vars(enc).items() if k.endswith("_")}
    spikes = enc.transform(X_test)
    enc.transform(5.0 * X_test)
    enc.score(X_test)
    for key, value in state.items():
        np.testing.assert_array_equal(getattr(enc, key), value)
    # Transforming test data uses the training thresholds: same spikes as an encoder given
    # those thresholds explicitly, and different from one fitted on the test data.
    same = cls(threshold=fitted)
    if cls is BSAEncoder:
        same.fit(X_train)  # min/max normalisation is also learnt from training data only
    else:
        same.fit(X_test)
    np.testing.assert_array_equal(same.transform(X_test), spikes)
    refit = clone(enc).fit(X_test)
    if cls is BSAEncoder:
        assert not np.array_equal(refit.data_max_, enc.data_max_)
    else:
        assert not np.array_equal(refit.threshold_, fitted)


@pytest.mark.parametrize("cls", ENCODERS)
def test_cross_validation_scores_each_fold_with_its_training_thresholds(rng, cls):
    X = noisy_sines(rng, n_trials=12)
    X[6:] *= 3.0  # the second half is much larger: a leak would change the fold thresholds
    cv = KFold(n_splits=2)
    result = cross_validate(cls(), X, cv=cv, return_estimator=True)
    for (train, test), enc, score in zip(
        cv.split(X), result["estimator"], result["test_score"], strict=True
    ):
        own = cls().fit(X[train])
        np.testing.assert_array_equal(enc.threshold_, own.threshold_)
        assert score == pytest.approx(own.score(X[test]))
    if cls is BSAEncoder:
        a, b = (e.data_max_ for e in result["estimator"])
    else:
        a, b = (e.threshold_ for e in result["estimator"])
    assert np.all(np.abs(a - b) > 0.1 * np.minimum(a, b))


# --------------------------------------------------------------------------------------------
# Flat channels
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ENCODERS)
def test_flat_channels_warn_with_their_indices_and_never_spike(rng, cls):
    X = rng.normal(size=(4, 4, 30))
    X[:, 1] = 2.0
    X[:, 3] = -7.0
    with pytest.warns(FlatChannelWarning, match=r"channel\(s\) at indices \[1, 3\]"):
        enc = cls().fit(X)
    X_test = rng.normal(size=(3, 4, 30))  # the flat channels move in the test data
    spikes = enc.transform(X_test)
    assert np.all(spikes[:, [1, 3]] == 0)
    assert np.any(spikes[:, [0, 2]] != 0)
    assert np.all(np.isfinite(enc.reconstruct(X_test)))
    with pytest.warns(FlatChannelWarning):
        auto = cls(threshold="auto").fit(X)
    assert np.all(auto.transform(X_test)[:, [1, 3]] == 0)


def test_zero_per_channel_threshold_silences_sf_instead_of_spiking_every_step(rng):
    X = np.cumsum(rng.normal(size=(2, 2, 50)), axis=-1)
    with pytest.warns(FlatChannelWarning, match=r"indices \[0\] have a zero threshold"):
        enc = StepForwardEncoder(threshold=[0.0, 1.0]).fit(X)
    spikes = enc.transform(X)
    assert np.all(spikes[:, 0] == 0)
    assert np.any(spikes[:, 1] != 0)


def test_no_warning_without_flat_channels(rng):
    X = rng.normal(size=(3, 2, 20))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for cls in ENCODERS:
            cls().fit(X)


# --------------------------------------------------------------------------------------------
# Property tests
# --------------------------------------------------------------------------------------------
finite_trials = arrays(
    np.float64,
    st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(2, 16)),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)


@pytest.mark.parametrize("cls", ENCODERS)
@pytest.mark.parametrize("threshold", [None, "auto"])
@settings(max_examples=25, deadline=None)
@given(X=finite_trials)
def test_property_spikes_and_reconstructions_are_well_formed(cls, threshold, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FlatChannelWarning)
        enc = cls(threshold=threshold).fit(X)
    spikes = enc.transform(X)
    assert spikes.shape == X.shape
    assert spikes.dtype == np.int8
    assert set(np.unique(spikes).tolist()) <= set(cls.spike_values)
    assert enc.threshold_.shape == (X.shape[1],)
    assert np.all(enc.threshold_ >= 0)
    X_hat = enc.reconstruct(X)
    assert X_hat.shape == X.shape
    assert not np.any(np.isnan(X_hat))
    assert np.all(np.isfinite(X_hat))
    assert not np.isnan(enc.score(X))
    if cls is not BSAEncoder:
        assert np.all(spikes[..., 0] == 0)


@settings(max_examples=50, deadline=None)
@given(
    x=arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e3, 1e3)),
    x_hat=arrays(np.float64, st.integers(1, 20), elements=st.floats(-1e3, 1e3)),
)
def test_property_metrics(x, x_hat):
    n = min(x.size, x_hat.size)
    x, x_hat = x[:n], x_hat[:n]
    value = snr(x, x_hat)
    assert not np.isnan(value)
    assert snr(x, x) == np.inf
    assert rmse(x, x) == 0.0
    assert rmse(x, x_hat) >= 0.0
    np.testing.assert_allclose(rmse(x, x_hat), np.sqrt(np.mean((x - x_hat) ** 2)), atol=1e-9)


# --------------------------------------------------------------------------------------------
# Metrics
# --------------------------------------------------------------------------------------------
def test_snr_rmse_spike_rate_known_values():
    assert snr([1.0, 2.0, 3.0], [1.0, 2.0, 2.0]) == pytest.approx(10 * np.log10(14.0))
    assert snr([1.0, 2.0], [1.0, 2.0]) == np.inf
    assert snr([0.0, 0.0], [0.0, 0.0]) == np.inf
    assert snr([0.0, 0.0], [1.0, 0.0]) == -np.inf
    x = np.array([[[1.0, 1.0], [2.0, 2.0]]])
    x_hat = np.array([[[1.0, 0.0], [2.0, 2.0]]])
    np.testing.assert_allclose(snr(x, x_hat, axis=(0, 2)), [10 * np.log10(2.0), np.inf])
    assert rmse([0.0, 0.0], [3.0, 4.0]) == pytest.approx(np.sqrt(12.5))
    np.testing.assert_allclose(rmse(x, x_hat, axis=(0, 2)), [np.sqrt(0.5), 0.0])
    assert spike_rate([[-1, 0], [1, 0]]) == 0.5
    np.testing.assert_allclose(spike_rate([[-1, 0], [1, 1]], axis=1), [0.5, 1.0])


def test_snr_does_not_overflow_near_the_float_limit():
    x = np.array([1e200, -1e200, 3e200])
    assert snr(x, x * 0.5) == pytest.approx(10 * np.log10(4.0))
    assert rmse(x, 0.5 * x) == pytest.approx(0.5 * np.sqrt(np.mean((x / 1e200) ** 2)) * 1e200)


def test_score_caps_exact_channels():
    X = np.zeros((2, 2, 10))
    X[:, 1, 5:] = 1.0
    enc = StepForwardEncoder(threshold=1.0).fit(X)  # both channels reconstructed exactly
    assert enc.score(X) == MAX_SNR_DB


def test_metric_errors():
    with pytest.raises(ValueError, match=r"snr: 'x' and 'x_hat' must have the same shape; "
                                         r"got \(2,\) and \(3,\)"):
        snr([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"rmse: 'x' and 'x_hat' must not be empty"):
        rmse([], [])
    with pytest.raises(ValueError, match=r"spike_rate: 'spikes' must not be empty"):
        spike_rate([])


# --------------------------------------------------------------------------------------------
# scikit-learn integration
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ENCODERS)
def test_clone_params_and_tags(rng, cls):
    enc = cls(threshold="auto")
    cloned = clone(enc)
    assert cloned.get_params() == enc.get_params()
    array_param = cls(threshold=np.array([0.1, 0.2, 0.3]))
    assert np.array_equal(clone(array_param).threshold, [0.1, 0.2, 0.3])
    tags = enc.__sklearn_tags__()
    assert tags.input_tags.three_d_array is True
    assert tags.input_tags.two_d_array is False
    assert tags.input_tags.allow_nan is False
    assert tags.transformer_tags.preserves_dtype == []
    fitted = cls().fit(noisy_sines(rng, n_trials=3))
    assert fitted.n_features_in_ == 3
    assert not hasattr(clone(fitted), "threshold_")


@pytest.mark.parametrize("cls", ENCODERS)
def test_fit_transform_equals_fit_then_transform(rng, cls):
    X = noisy_sines(rng, n_trials=4)
    np.testing.assert_array_equal(cls().fit_transform(X), cls().fit(X).transform(X))


def test_transform_accepts_other_trial_lengths_and_lists(rng):
    X = noisy_sines(rng, n_trials=4)
    for cls in ENCODERS:
        enc = cls().fit(X)
        assert enc.transform(X[..., :50]).shape == (4, 3, 50)
        np.testing.assert_array_equal(enc.transform(X[:1].tolist()), enc.transform(X[:1]))
        assert enc.transform(X.astype(np.float32)).dtype == np.int8


def test_gridsearch_on_encoder_alone_selects_by_held_out_snr(rng):
    X = noisy_sines(rng, n_trials=12)
    search = GridSearchCV(
        StepForwardEncoder(), {"threshold": [None, "auto", 0.02, 0.5]}, cv=3
    ).fit(X)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    # 0.02 is far below the sines' per-sample change (slope overload) and 0.5 far above it
    # (coarse steps): the data-driven rule and the search must both beat them.
    assert search.best_params_["threshold"] in (None, "auto")
    assert min(scores[0], scores[1]) > max(scores[2], scores[3])


def test_pipeline_and_gridsearch_over_alpha(rng):
    X = np.concatenate([noisy_sines(rng, n_trials=12), 3.0 * noisy_sines(rng, n_trials=12)])
    y = np.repeat([0, 1], 12)
    pipe = make_pipeline(
        TBREncoder(), FunctionTransformer(flatten), LogisticRegression(max_iter=500)
    )
    search = GridSearchCV(pipe, {"tbrencoder__alpha": [0.0, 0.5, 1.0]}, cv=3).fit(X, y)
    assert search.best_params_["tbrencoder__alpha"] in (0.0, 0.5, 1.0)
    assert len(search.cv_results_["mean_test_score"]) == 3
    scores = cross_val_score(
        make_pipeline(BSAEncoder(), FunctionTransformer(flatten), LogisticRegression(max_iter=500)),
        X, y, cv=3,
    )
    assert scores.shape == (3,)


def test_pipeline_inverse_transform_without_initial(rng):
    X = noisy_sines(rng, n_trials=3)
    pipe = make_pipeline(StepForwardEncoder()).fit(X)
    spikes = pipe.transform(X)
    np.testing.assert_allclose(pipe.inverse_transform(spikes) + X[..., :1],
                               pipe[0].reconstruct(X))


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ENCODERS)
def test_input_errors(cls):
    name = cls.__name__
    with pytest.raises(ValueError, match=rf"X must be a 3-D array of shape \(n_trials, n_channels, "
                                         rf"n_times\) for {name}; got an array with 2 dimension"):
        cls().fit(np.zeros((4, 5)))
    with pytest.raises(ValueError, match=r"got an array with 1 dimension\(s\) of shape \(5,\)"):
        cls().fit(np.zeros(5))
    with pytest.raises(ValueError, match=r"got a ragged sequence"):
        cls().fit([[[1.0, 2.0]], [[1.0]]])
    bad = np.zeros((2, 2, 5))
    bad[0, 1, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        cls().fit(bad)
    bad[0, 1, 2] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        cls().fit(bad)
    for n_times in (0, 1):
        with pytest.raises(ValueError, match=rf"X must have at least 2 time samples \(axis 2\) "
                                             rf"for {name}.*got n_times={n_times}"):
            cls().fit(np.zeros((2, 2, n_times)))
    with pytest.raises(ValueError, match=r"at least 1 channel \(axis 1\)"):
        cls().fit(np.zeros((2, 0, 5)))
    with pytest.raises(ValueError, match="Found array with 0 sample"):
        cls().fit(np.zeros((0, 2, 5)))
    with pytest.raises(NotFittedError):
        cls().transform(np.ones((2, 2, 5)))
    enc = cls(threshold=1.0).fit(np.arange(20.0).reshape(1, 2, 10))
    with pytest.raises(ValueError, match=rf"X has 3 channels \(axis 1\), but {name} was fitted "
                                         r"on 2 channels"):
        enc.transform(np.zeros((1, 3, 10)))
    with pytest.raises(ValueError, match="Input X contains NaN"):
        enc.transform(np.full((1, 2, 10), np.nan))
    with pytest.raises(ValueError, match=r"at least 2 time samples"):
        enc.reconstruct(np.zeros((1, 2, 1)))


@pytest.mark.parametrize("cls", ENCODERS)
def test_threshold_parameter_errors(cls):
    name = cls.__name__
    X = np.arange(30.0).reshape(1, 3, 10)
    with pytest.raises(ValueError, match=rf"The 'threshold' parameter of {name} must be None, "
                                         r"'auto', .* or an array of n_channels=3 finite "
                                         r"non-negative values; got 'best'"):
        cls(threshold="best").fit(X)
    with pytest.raises(ValueError, match=rf"The 'threshold' parameter of {name} must be in the "
                                         r"range [\[(]0, inf\); got -1.0"):
        cls(threshold=-1.0).fit(X)
    with pytest.raises(TypeError, match=rf"The 'threshold' parameter of {name} must be a finite "
                                        r"real number; got nan"):
        cls(threshold=float("nan")).fit(X)
    with pytest.raises(ValueError, match=r"got an array of shape \(2,\)"):
        cls(threshold=np.array([1.0, 2.0])).fit(X)
    with pytest.raises(ValueError, match=r"got values \[-2.0\]"):
        cls(threshold=[1.0, -2.0, 1.0]).fit(X)
    with pytest.raises(ValueError, match=r"got values \[inf\]"):
        cls(threshold=[1.0, np.inf, 1.0]).fit(X)
    with pytest.raises(ValueError, match=r"got \['a', 'b', 'c'\]"):
        cls(threshold=["a", "b", "c"]).fit(X)


def test_zero_scalar_threshold_is_rejected_except_for_bsa():
    X = np.arange(30.0).reshape(1, 3, 10)
    for cls in DELTA_ENCODERS:
        with pytest.raises(ValueError, match=r"must be in the range \(0, inf\); got 0.0"):
            cls(threshold=0.0).fit(X)
    # For BSA, 0 means "spike whenever it lowers the error".
    assert np.all(BSAEncoder(threshold=0.0).fit(X).threshold_ == 0.0)


def test_other_parameter_errors():
    X = np.arange(30.0).reshape(1, 3, 10)
    for cls in DELTA_ENCODERS:
        with pytest.raises(ValueError, match=rf"The 'alpha' parameter of {cls.__name__} must be "
                                             r"in the range \[0, inf\); got -1.0"):
            cls(alpha=-1.0).fit(X)
        with pytest.raises(TypeError, match=r"The 'alpha' parameter .* must be a finite real"):
            cls(alpha="big").fit(X)
    with pytest.raises(ValueError, match=r"The 'window' parameter of MovingWindowEncoder must be "
                                         r"an integer in \[1, 100000\] \(.*\); got 0"):
        MovingWindowEncoder(window=0).fit(X)
    with pytest.raises(TypeError, match=r"The 'window' parameter of MovingWindowEncoder must be "
                                        r"an integer.*; got 2.5"):
        MovingWindowEncoder(window=2.5).fit(X)
    with pytest.raises(ValueError, match=r"The 'filter_length' parameter of BSAEncoder must be an "
                                         r"integer in \[1, 10000\] \(.*\); got 0"):
        BSAEncoder(filter_length=0).fit(X)
    for cutoff in (0.0, 1.0):
        with pytest.raises(ValueError, match=r"The 'cutoff' parameter of BSAEncoder must be in "
                                             r"the range \(0, 1\)"):
            BSAEncoder(cutoff=cutoff).fit(X)


def test_inverse_transform_errors(rng):
    X = noisy_sines(rng, n_trials=2)
    tbr = TBREncoder().fit(X)
    bsa = BSAEncoder().fit(X)
    with pytest.raises(NotFittedError):
        TBREncoder().inverse_transform(np.zeros((1, 3, 5)))
    with pytest.raises(ValueError, match=r"spikes for TBREncoder.inverse_transform must contain "
                                         r"only -1, 0, \+1; found \[2\]"):
        tbr.inverse_transform(np.full((1, 3, 5), 2))
    with pytest.raises(ValueError, match=r"spikes for BSAEncoder.inverse_transform must contain "
                                         r"only 0, \+1; found \[-1\]"):
        bsa.inverse_transform(-np.ones((1, 3, 5)))
    with pytest.raises(ValueError, match=r"spikes must be a 3-D array .* for "
                                         r"TBREncoder.inverse_transform; got an array with 2"):
        tbr.inverse_transform(np.zeros((3, 5)))
    with pytest.raises(ValueError, match=r"spikes has 2 channels \(axis 1\), but TBREncoder was "
                                         r"fitted on 3 channels"):
        tbr.inverse_transform(np.zeros((1, 2, 5)))
    with pytest.raises(ValueError, match=r"The 'initial' argument of TBREncoder.inverse_transform "
                                         r"must be a number or an array broadcastable to "
                                         r"\(n_trials, n_channels\) = \(1, 3\); got an array of "
                                         r"shape \(2,\)"):
        tbr.inverse_transform(np.zeros((1, 3, 5)), initial=np.zeros(2))
    with pytest.raises(ValueError, match=r"The 'initial' argument .* must be finite"):
        tbr.inverse_transform(np.zeros((1, 3, 5)), initial=np.nan)


def test_search_threshold_errors(rng):
    X = noisy_sines(rng, n_trials=2)
    with pytest.raises(TypeError, match=r"The 'encoder' argument of search_threshold must be a "
                                        r"neucube spike encoder .*; got LogisticRegression"):
        search_threshold(LogisticRegression(), X)
    with pytest.raises(ValueError, match=r"The 'candidates' argument of search_threshold must be "
                                         r"an array of shape \(n_candidates,\) or \(n_candidates, "
                                         r"n_channels=3\).*got an array of shape \(2, 2\)"):
        search_threshold(TBREncoder(), X, candidates=np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"got NaN, infinite or negative values"):
        search_threshold(TBREncoder(), X, candidates=[0.1, -0.1])
    with pytest.raises(ValueError, match=r"got an array of shape \(0,\)"):
        search_threshold(TBREncoder(), X, candidates=[])
    with pytest.raises(ValueError, match=r"got 'many'"):
        search_threshold(TBREncoder(), X, candidates="many")
    with pytest.raises(ValueError, match=r"The 'alpha' parameter of TBREncoder"):
        search_threshold(TBREncoder(alpha=-1.0), X)


# --------------------------------------------------------------------------------------------
# Real recordings
# --------------------------------------------------------------------------------------------
@pytest.mark.shared_data
def test_encoders_on_real_wrist_movement_eeg(shared_data):
    folder = shared_data / "neucube_wrist_movement_eeg"
    # 60 trials x 128 samples x 14 Emotiv channels; 30 trials are enough here.
    X = np.stack(
        [np.loadtxt(folder / f"sam{i}_eeg.csv", delimiter=",").T for i in range(1, 61, 2)]
    )
    assert X.shape == (30, 14, 128)
    X = X - X.mean(axis=-1, keepdims=True)  # remove the ~4000 uV offset: SNR is not offset-free
    X_train, X_test = X[:20], X[20:]
    for cls in ENCODERS:
        enc = cls().fit(X_train)
        spikes = enc.transform(X_test)
        assert 0.05 < spike_rate(spikes) < 0.95
        assert np.all(np.isfinite(enc.reconstruct(X_test)))
    # Step-forward follows EEG well (~6 dB held out measured on this split).
    assert StepForwardEncoder().fit(X_train).score(X_test) > 4.0
