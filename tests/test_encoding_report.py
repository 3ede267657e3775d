"""neucube.encoding.encoding_report: the encoder's own round trip, per channel and class."""

from __future__ import annotations

import numpy as np
import pytest

from neucube import TrialSet
from neucube.encoding import BSAEncoder, TBREncoder, encoding_report, snr


@pytest.fixture
def trials() -> TrialSet:
    rng = np.random.default_rng(3)
    X = np.cumsum(rng.normal(size=(8, 2, 40)), axis=-1) + 100.0  # a large DC offset
    return TrialSet(X, np.array([0, 1] * 4), sfreq=100.0, ch_names=("Fz", "Pz"),
                    class_names=("a", "b"))


@pytest.mark.parametrize("encoder", [TBREncoder(), BSAEncoder()])
def test_report_uses_the_encoders_round_trip(trials: TrialSet, encoder) -> None:
    encoder = encoder.fit(trials.X)
    report = encoding_report(encoder, trials)
    X = np.asarray(trials.X)
    recon = encoder.reconstruct(X)
    centred = snr(X - X.mean(-1, keepdims=True), recon - recon.mean(-1, keepdims=True),
                  axis=(0, 2))
    np.testing.assert_array_equal(report.snr_db, centred)
    raw = encoding_report(encoder, trials, centre=False)
    np.testing.assert_array_equal(raw.snr_db, snr(X, recon, axis=(0, 2)))
    assert (raw.snr_db > report.snr_db).all()  # the DC offset counts as signal when kept
    spikes = encoder.transform(X)
    np.testing.assert_array_equal(report.spike_rate, (spikes != 0).mean(axis=(0, 2)))
    assert set(report.spike_rate_by_class) == {"a", "b"}
    assert report.spike_rate_by_class["a"] == pytest.approx((spikes[::2] != 0).mean())
    assert [r["channel"] for r in report.rows()] == ["Fz", "Pz"]
    np.testing.assert_array_equal(report.threshold, encoder.threshold_)


def test_report_on_arrays_names_channels_and_classes(trials: TrialSet) -> None:
    encoder = TBREncoder().fit(trials.X)
    report = encoding_report(encoder, np.asarray(trials.X), np.array(["x", "y"] * 4))
    assert report.ch_names == ("ch0", "ch1") and set(report.spike_rate_by_class) == {"x", "y"}
    assert encoding_report(encoder, np.asarray(trials.X)).spike_rate_by_class == {}
