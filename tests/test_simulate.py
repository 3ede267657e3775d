"""Tests of the simulated familiarity study: determinism, montage, ERPs, spectrum, ground truth."""

from __future__ import annotations

import json
import logging
import tomllib
from pathlib import Path

import numpy as np
import pytest
from scipy import signal, stats
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from data_loaders._errors import ChannelError
from data_loaders.simulate import (
    CLASS_NAMES,
    DEFAULT_CH_NAMES,
    FAMILIARITY_COMPONENTS,
    simulate_familiarity,
)

STUDY_FILE = Path(__file__).resolve().parents[1] / "studies" / "familiarity.toml"

# Accuracy of 5-fold CV on 400 balanced trials has a binomial standard error of about 0.025:
# chance must stay within 3 of them, and "clearly above chance" means more than 6 above 0.5.
CHANCE_TOLERANCE = 0.075
ABOVE_CHANCE = 0.65


def _study_args() -> dict:
    with STUDY_FILE.open("rb") as fh:
        data = tomllib.load(fh)["data"]
    return {k: v for k, v in data.items() if k != "source"}


@pytest.fixture(scope="module")
def study():
    """The default study, exactly as ``studies/familiarity.toml`` describes it."""
    return simulate_familiarity(**_study_args())


@pytest.fixture(scope="module")
def null_study():
    """The default study with no familiarity effect."""
    return simulate_familiarity(**{**_study_args(), "effect_size": 0.0})


def _window_means(ts) -> np.ndarray:
    """Per-trial features: the mean of each channel in consecutive 50 ms windows from 0 to 0.8 s."""
    t = ts.times
    starts = np.arange(0.0, 0.8, 0.05)
    feats = [ts.X[:, :, (t >= a) & (t < a + 0.05)].mean(-1) for a in starts]
    return np.stack(feats, -1).reshape(ts.n_trials, -1)


def _cv_accuracy(ts) -> float:
    clf = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    return float(cross_val_score(clf, _window_means(ts), ts.y, cv=cv).mean())


def _effect_window_means(ts) -> np.ndarray:
    gt = ts.metadata["ground_truth"]
    lo, hi = gt["window_s"]
    return ts.select(channels=gt["affected_channels"], tmin=lo, tmax=hi).X.mean(axis=(1, 2))


# ---------------------------------------------------------------------------------- determinism
def test_same_seed_gives_identical_data_and_different_seeds_differ():
    a = simulate_familiarity(n_subjects=2, n_trials_per_class=6, seed=3)
    b = simulate_familiarity(n_subjects=2, n_trials_per_class=6, seed=3)
    c = simulate_familiarity(n_subjects=2, n_trials_per_class=6, seed=4)
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    np.testing.assert_array_equal(a.subject, b.subject)
    assert a.metadata == b.metadata
    assert not np.allclose(a.X, c.X)
    assert a.metadata["simulator"]["seed"] == 3


def test_fewer_subjects_are_a_prefix_of_more():
    three = simulate_familiarity(n_subjects=3, n_trials_per_class=5, seed=11)
    five = simulate_familiarity(n_subjects=5, n_trials_per_class=5, seed=11)
    n = three.n_trials
    np.testing.assert_array_equal(three.X, five.X[:n])
    np.testing.assert_array_equal(three.y, five.y[:n])
    np.testing.assert_array_equal(three.subject, five.subject[:n])
    assert (
        three.metadata["ground_truth"]["subjects"] == five.metadata["ground_truth"]["subjects"][:3]
    )


def test_seed_sequence_and_generator_are_accepted_and_none_records_its_entropy():
    a = simulate_familiarity(n_subjects=1, n_trials_per_class=3, seed=np.random.SeedSequence(5))
    b = simulate_familiarity(n_subjects=1, n_trials_per_class=3, seed=5)
    np.testing.assert_array_equal(a.X, b.X)
    g1 = simulate_familiarity(n_subjects=1, n_trials_per_class=3, seed=np.random.default_rng(9))
    g2 = simulate_familiarity(n_subjects=1, n_trials_per_class=3, seed=np.random.default_rng(9))
    np.testing.assert_array_equal(g1.X, g2.X)
    fresh = simulate_familiarity(n_subjects=1, n_trials_per_class=3, seed=None)
    again = simulate_familiarity(
        n_subjects=1, n_trials_per_class=3, seed=fresh.metadata["simulator"]["seed"]
    )
    np.testing.assert_array_equal(fresh.X, again.X)


def test_effect_size_changes_only_familiar_trials_and_only_by_the_effect():
    kw = dict(n_subjects=2, n_trials_per_class=8, seed=21)
    null = simulate_familiarity(effect_size=0.0, **kw)
    on = simulate_familiarity(effect_size=1.0, **kw)
    np.testing.assert_array_equal(null.y, on.y)
    unfamiliar = null.y == CLASS_NAMES.index("unfamiliar")
    np.testing.assert_array_equal(null.X[unfamiliar], on.X[unfamiliar])
    diff = on.X[~unfamiliar] - null.X[~unfamiliar]
    assert np.all(diff > -1e-9), "the familiarity effect is a positivity"
    # Nothing happens before stimulus onset (the effect starts after ~150 ms).
    assert np.abs(diff[:, :, on.times < 0.0]).max() < 0.05


def test_effect_size_is_cohens_d_at_the_peak():
    """The isolated effect, averaged over many familiar trials, peaks at effect_size * noise_uv."""
    kw = dict(n_subjects=1, n_trials_per_class=400, seed=5, sfreq=512.0, noise_uv=8.0)
    on = simulate_familiarity(effect_size=0.7, **kw)
    null = simulate_familiarity(effect_size=0.0, **kw)
    gt = on.metadata["ground_truth"]
    familiar = on.y == 0
    effect = (on.X[familiar] - null.X[familiar]).mean(0)  # (n_channels, n_times), uV
    ch, t = np.unravel_index(effect.argmax(), effect.shape)
    assert on.ch_names[ch] == gt["peak_channel"] == "Fz"
    subject = gt["subjects"][0]
    expected = 0.7 * 8.0 * subject["erp_gain"]  # the subject's gain scales its ERPs
    # 400 trials with lognormal amplitude (sd 0.3) and jittered latency: ~2 % sampling error.
    assert effect[ch, t] == pytest.approx(expected, rel=0.06)
    assert on.times[t] == pytest.approx(gt["peak_time_s"] + subject["latency_shift_s"], abs=0.02)
    assert subject["expected_peak_d"] == pytest.approx(
        0.7 * subject["erp_gain"] / subject["noise_gain"], rel=1e-4
    )


# ---------------------------------------------------------------------------- shape and montage
def test_default_shapes_channels_and_times(study):
    assert study.X.shape == (5 * 80, 19, 116)
    assert study.sfreq == 128.0
    assert study.ch_names == DEFAULT_CH_NAMES
    assert study.class_names == CLASS_NAMES == ("familiar", "unfamiliar")
    assert study.class_counts() == {"familiar": 200, "unfamiliar": 200}
    # tmin/tmax are rounded to samples as in MNE, so that stimulus onset is a sample.
    assert study.tmin == pytest.approx(-13 / 128)
    assert np.any(study.times == 0.0)
    assert study.tmax == pytest.approx(102 / 128)
    subjects, counts = np.unique(study.subject, return_counts=True)
    assert subjects.tolist() == [f"sub-0{k}" for k in range(1, 6)]
    assert counts.tolist() == [80] * 5
    for _, ts in study.iter_subjects():
        assert ts.class_counts() == {"familiar": 40, "unfamiliar": 40}
    assert study.metadata["unit"] == "uV"
    assert study.metadata["source"] == "simulate"


def test_coordinates_are_mni_with_cz_on_top(study):
    assert study.space == "mni"
    coords = dict(zip(study.ch_names, study.coords, strict=True))
    x, y, z = coords["Cz"]
    assert abs(x) < 5 and abs(y) < 20 and 90 < z < 110
    assert z == study.coords[:, 2].max()
    assert coords["O1"][1] < -90 and coords["Fp1"][1] > 70  # occipital back, frontal pole front
    assert coords["T7"][0] < -70 < 70 < coords["T8"][0]  # left is negative x in MNI


def test_custom_montage_and_sampling_rate():
    ch_names = ["Fz", "Cz", "Pz", "Oz", "P7", "P8", "PO7", "PO8", "FC1", "FC2", "CP1", "CP2"]
    ts = simulate_familiarity(
        n_subjects=2, n_trials_per_class=4, seed=0, ch_names=ch_names, sfreq=256.0,
        tmin=-0.25, tmax=0.75,
    )  # fmt: skip
    assert ts.X.shape == (16, 12, 257)  # samples -64..192 at 256 Hz
    assert ts.ch_names == tuple(ch_names)
    assert ts.tmin == -0.25 and ts.tmax == 0.75
    assert ts.metadata["ground_truth"]["peak_channel"] in ch_names


# ------------------------------------------------------------------------ ERPs and the effect
def test_visual_erp_components_in_the_grand_average(study):
    erp = study.X.mean(0)
    t = study.times

    def at(ch: str, lo: float, hi: float) -> np.ndarray:
        return erp[study.ch_names.index(ch), (t >= lo) & (t <= hi)]

    for ch in ("O1", "O2"):  # P1: occipital positivity around 100 ms
        p1 = at(ch, 0.06, 0.14)
        assert p1.max() > 1.5
        assert 0.08 <= t[(t >= 0.06) & (t <= 0.14)][p1.argmax()] <= 0.125
    for ch in ("P7", "P8"):  # N170: occipito-temporal negativity around 170 ms
        n170 = at(ch, 0.13, 0.22)
        assert n170.min() < -2.5
        assert 0.15 <= t[(t >= 0.13) & (t <= 0.22)][n170.argmin()] <= 0.20
    assert at("P8", 0.13, 0.22).min() < at("P7", 0.13, 0.22).min()  # right-lateralised
    assert at("Pz", 0.3, 0.45).mean() > 3.0  # P300-like parietal positivity
    assert abs(at("Cz", -0.1, 0.0).mean()) < 1.0  # flat baseline before the stimulus


def test_class_difference_is_where_the_ground_truth_says(study):
    gt = study.metadata["ground_truth"]
    assert gt["peak_channel"] == "Fz"
    assert {"Fz", "F3", "F4", "Pz"} <= set(gt["affected_channels"])
    assert not {"T7", "T8"} & set(gt["affected_channels"])
    lo, hi = gt["window_s"]
    assert 0.19 <= lo <= 0.23 and 0.38 <= hi <= 0.42
    w = _effect_window_means(study)
    t = stats.ttest_ind(w[study.y == 0], w[study.y == 1], equal_var=False).statistic
    assert t > 6.0  # measured 9.96 for this study
    # Temporal sites, outside the documented channels, differ far less.
    lateral = study.select(channels=["T7", "T8"], tmin=lo, tmax=hi).X.mean(axis=(1, 2))
    t_lat = stats.ttest_ind(lateral[study.y == 0], lateral[study.y == 1]).statistic
    assert t_lat < t / 2
    # Before 150 ms the classes do not differ.
    early = study.select(tmin=-0.1, tmax=0.15).X.mean(axis=(1, 2))
    assert abs(stats.ttest_ind(early[study.y == 0], early[study.y == 1]).statistic) < 3.0


def test_no_class_difference_with_effect_size_zero(null_study):
    w = _effect_window_means(null_study)
    t = stats.ttest_ind(w[null_study.y == 0], w[null_study.y == 1], equal_var=False).statistic
    assert abs(t) < 3.0
    assert abs(_cv_accuracy(null_study) - 0.5) <= CHANCE_TOLERANCE
    assert null_study.metadata["ground_truth"]["peak_difference_uv"] == 0.0


def test_default_study_is_decodable_above_chance(study):
    assert _cv_accuracy(study) >= ABOVE_CHANCE  # measured 0.738


def test_ground_truth_is_json_serialisable_and_complete(study):
    gt = json.loads(json.dumps(study.metadata))["ground_truth"]
    assert gt["effect_size"] == 1.0
    assert gt["peak_difference_uv"] == pytest.approx(10.0)
    assert gt["expected_peak_difference_uv"]["Fz"] == pytest.approx(10.0)
    assert max(gt["expected_peak_difference_uv"].values()) == pytest.approx(10.0)
    assert [c["name"] for c in gt["erp_components"]] == ["P1", "N170", "VPP", "P300"]
    assert len(gt["familiarity_components"]) == len(FAMILIARITY_COMPONENTS)
    assert [c["centres"] for c in gt["familiarity_components"]] == [
        dict(c["centres"]) for c in FAMILIARITY_COMPONENTS
    ]
    assert [s["subject"] for s in gt["subjects"]] == [f"sub-0{k}" for k in range(1, 6)]


# ---------------------------------------------------------------------------------- background
@pytest.fixture(scope="module")
def baseline():
    """Long pre-stimulus epochs: background EEG only (the ERPs start after 50 ms)."""
    return simulate_familiarity(
        n_subjects=3, n_trials_per_class=30, seed=8, tmin=-2.0, tmax=-0.05, effect_size=0.0
    )


def test_background_sd_matches_noise_uv(baseline):
    gains = {s["subject"]: s["noise_gain"] for s in baseline.metadata["ground_truth"]["subjects"]}
    for sid, ts in baseline.iter_subjects():
        sd = ts.X.std(axis=(0, 2))  # per channel
        np.testing.assert_allclose(sd, 10.0 * gains[sid], rtol=0.15)
        assert sd.mean() == pytest.approx(10.0 * gains[sid], rel=0.07)


def test_spectrum_is_one_over_f_with_a_posterior_alpha_peak(baseline):
    f, psd = signal.welch(baseline.X, fs=baseline.sfreq, nperseg=128, axis=-1)
    psd = psd.mean(0)  # (n_channels, n_freqs)
    fit_band = ((f >= 2) & (f <= 6)) | ((f >= 15) & (f <= 40))
    alpha = (f >= 9) & (f <= 11)
    for ch in ("O1", "O2", "Pz"):
        logp = np.log10(psd[baseline.ch_names.index(ch)])
        slope, icpt = np.polyfit(np.log10(f[fit_band]), logp[fit_band], 1)
        assert -3.0 < slope < -0.8  # aperiodic exponent of EEG
        excess = logp[alpha].max() - (icpt + slope * np.log10(10.0))
        assert excess > np.log10(2.0)  # alpha peak at least twice the 1/f fit
    def alpha_ratio(ch: str) -> float:
        p = psd[baseline.ch_names.index(ch)]
        return p[alpha].mean() / p[(f >= 15) & (f <= 20)].mean()

    assert alpha_ratio("O1") > 1.5 * alpha_ratio("Fp1")  # posterior emphasis


def test_background_is_spatially_correlated_by_distance(baseline):
    X = baseline.X.transpose(1, 0, 2).reshape(baseline.n_channels, -1)
    corr = np.corrcoef(X)
    ix = {c: i for i, c in enumerate(baseline.ch_names)}
    assert corr[ix["O1"], ix["O2"]] > 0.6  # neighbours (~60 mm)
    assert corr[ix["Fz"], ix["Cz"]] > corr[ix["Fz"], ix["Pz"]] > corr[ix["Fp1"], ix["O2"]]
    assert corr[ix["Fp1"], ix["O2"]] < 0.3


# ------------------------------------------------------------------------------- the study file
def test_study_file_is_valid_and_runs():
    with STUDY_FILE.open("rb") as fh:
        cfg = tomllib.load(fh)
    assert {"study", "data", "events", "encoder", "cube", "stdp", "readout", "evaluation"} <= set(cfg)
    assert cfg["study"]["name"] == "familiarity"
    assert cfg["data"]["source"] == "simulate"
    assert set(cfg["events"]) == set(CLASS_NAMES)
    assert cfg["encoder"]["encoder"] == "bsa" and cfg["readout"]["readout"] == "state"
    ts = simulate_familiarity(**{**_study_args(), "n_subjects": 1, "n_trials_per_class": 2})
    assert ts.metadata["simulator"]["seed"] == cfg["data"]["seed"]


# --------------------------------------------------------------------------------- logging
def test_verbose_sets_the_level_for_one_call(caplog):
    # The package logger is configured quiet (verbose acts on "data_loaders", like MNE's "mne");
    # the capturing handler itself lets everything through.
    caplog.set_level(logging.WARNING, logger="data_loaders")
    caplog.handler.setLevel(logging.DEBUG)
    simulate_familiarity(n_subjects=1, n_trials_per_class=2, seed=0)
    assert caplog.text == ""
    simulate_familiarity(n_subjects=1, n_trials_per_class=2, seed=0, verbose=True)
    assert "Simulated 1 subjects x 2 trials per class, 19 channels" in caplog.text
    assert "sub-01" not in caplog.text  # per-subject details are DEBUG
    simulate_familiarity(n_subjects=1, n_trials_per_class=2, seed=0, verbose="DEBUG")
    assert "Simulated sub-01: {'erp_gain'" in caplog.text
    assert logging.getLogger("data_loaders").level == logging.WARNING  # restored
    caplog.clear()
    caplog.set_level(logging.DEBUG, logger="data_loaders")
    simulate_familiarity(n_subjects=1, n_trials_per_class=2, seed=0, verbose=False)
    assert caplog.text == ""


# ---------------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        (dict(n_subjects=0), ValueError,
         r"The 'n_subjects' parameter of simulate_familiarity must be an integer in "
         r"\[1, 1000\]; got 0"),
        (dict(n_subjects=2.0), TypeError,
         r"The 'n_subjects' parameter of simulate_familiarity must be an integer; got 2.0"),
        (dict(effect_size=-0.5), ValueError,
         r"The 'effect_size' parameter of simulate_familiarity must be in the range \[0, 20\]; "
         r"got -0.5"),
        (dict(effect_size=float("nan")), TypeError,
         r"The 'effect_size' parameter of simulate_familiarity must be a finite real number"),
        (dict(n_trials_per_class=0), ValueError,
         r"The 'n_trials_per_class' parameter of simulate_familiarity must be an integer in "
         r"\[1, inf\]; got 0"),
        (dict(sfreq=32.0), ValueError,
         r"The 'sfreq' parameter of simulate_familiarity must be in the range \[64, 10000\]; "
         r"got 32.0"),
        (dict(noise_uv=0.0), ValueError,
         r"The 'noise_uv' parameter of simulate_familiarity must be in the range \(0, inf\); "
         r"got 0.0"),
        (dict(tmin=0.5, tmax=0.5), ValueError,
         r"The 'tmax' parameter of simulate_familiarity must be at least one sample "
         r"\(1/sfreq = 0.0078125 s\) after 'tmin'; got tmin=0.5, tmax=0.5"),
        (dict(ch_names="Cz"), TypeError,
         r"The 'ch_names' parameter of simulate_familiarity must be None or a sequence of "
         r"channel names \(str\); got 'Cz'"),
        (dict(ch_names=["Cz", 3]), TypeError,
         r"The 'ch_names' parameter of simulate_familiarity must contain only str; got 3"),
        (dict(ch_names=[]), ValueError,
         r"The 'ch_names' parameter of simulate_familiarity must name at least one channel"),
        (dict(ch_names=["Cz", "Pz", "Cz"]), ValueError,
         r"The 'ch_names' parameter of simulate_familiarity must hold unique names; "
         r"got duplicates \['Cz'\]"),
        (dict(ch_names=["Cz", "Foo"]), ChannelError, r"found 1 unknown: 'Foo'"),
        (dict(seed="abc"), TypeError,
         r"The 'seed' parameter of simulate_familiarity must be None, a non-negative int, a "
         r"numpy.random.SeedSequence or a numpy.random.Generator; got 'abc'"),
        (dict(seed=-1), ValueError,
         r"The 'seed' parameter of simulate_familiarity must be an integer in \[0, inf\]; got -1"),
        (dict(verbose="loud"), ValueError,
         r"The 'verbose' parameter of simulate_familiarity must be None, a bool, an int or one "
         r"of 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'; got 'loud'"),
        (dict(verbose=1.5), TypeError,
         r"The 'verbose' parameter of simulate_familiarity must be None, a bool, an int or one "
         r"of 'DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'; got 1.5"),
    ],
)  # fmt: skip
def test_bad_parameters_raise_pinned_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        simulate_familiarity(**{"n_subjects": 1, "n_trials_per_class": 2, **kwargs})
