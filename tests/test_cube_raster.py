"""SpikeRaster: sparse per-trial spike events and what readouts derive from them."""

from __future__ import annotations

import numpy as np
import pytest

from neucube.cube.raster import SpikeRaster


@pytest.fixture
def dense(rng):
    d = (rng.random((4, 6, 9)) < 0.2).astype(np.int8)
    d[2] = 0  # a silent trial
    return d


def test_round_trip_and_summaries(dense):
    r = SpikeRaster.from_dense(dense)
    assert (r.n_trials, r.n_neurons, r.n_steps, r.n_spikes) == (4, 6, 9, int(dense.sum()))
    assert len(r) == 4
    for k in range(4):
        assert np.array_equal(r.to_dense(k), dense[k])
        assert np.array_equal(r.to_sparse(k).toarray(), dense[k])
    assert np.array_equal(r.counts(), dense.sum(axis=2))
    first = r.first_spike_times()
    expected = np.where(dense.any(axis=2), dense.argmax(axis=2), -1)
    assert np.array_equal(first, expected)
    assert np.all(first[2] == -1)
    steps, neurons = r.trial(1)
    assert np.all(np.diff(steps) >= 0)
    assert np.array_equal(r.trial_of_spike, np.repeat(np.arange(4), dense.sum(axis=(1, 2))))
    assert repr(r) == f"SpikeRaster(n_trials=4, n_steps=9, n_neurons=6, n_spikes={r.n_spikes})"


def test_from_events_sorts_any_order(dense, rng):
    trial, neuron, step = np.nonzero(dense)
    perm = rng.permutation(trial.size)
    r = SpikeRaster.from_events(trial[perm], step[perm], neuron[perm], n_trials=4, n_steps=9,
                                n_neurons=6)
    assert r == SpikeRaster.from_dense(dense)
    assert r != SpikeRaster.from_dense(dense[::-1])


def test_subsets_and_concatenate(dense):
    r = SpikeRaster.from_dense(dense)
    assert r[1] == SpikeRaster.from_dense(dense[1:2])
    assert r[[3, 0]] == SpikeRaster.from_dense(dense[[3, 0]])
    assert r[1:3] == SpikeRaster.from_dense(dense[1:3])
    assert r[np.array([True, False, True, False])] == SpikeRaster.from_dense(dense[[0, 2]])
    assert SpikeRaster.concatenate([r[:1], r[1:]]) == r
    assert r.to_dense(-1).shape == (6, 9)


def test_arrays_are_readonly(dense):
    r = SpikeRaster.from_dense(dense)
    with pytest.raises(ValueError, match="read-only"):
        r.steps[0] = 3


def test_errors(dense):
    r = SpikeRaster.from_dense(dense)
    with pytest.raises(IndexError, match=r"SpikeRaster: trial 4 is out of range for 4 trials"):
        r.trial(4)
    with pytest.raises(ValueError, match=r"SpikeRaster 'steps': expected values in \[0, 3\); "
                                         r"found \[0, 5\]"):
        SpikeRaster([0, 2], [0, 5], [1, 1], n_steps=3, n_neurons=2)
    with pytest.raises(ValueError, match=r"SpikeRaster 'neurons': expected values in \[0, 2\)"):
        SpikeRaster([0, 1], [0], [2], n_steps=3, n_neurons=2)
    with pytest.raises(ValueError, match=r"SpikeRaster 'steps'/'neurons': expected two 1-D "
                                         r"arrays of length indptr\[-1\] = 3"):
        SpikeRaster([0, 3], [0, 1], [0, 1], n_steps=3, n_neurons=2)
    with pytest.raises(ValueError, match=r"SpikeRaster 'indptr': expected a non-decreasing 1-D "
                                         r"array starting at 0"):
        SpikeRaster([1, 2], [0], [0], n_steps=3, n_neurons=2)
    with pytest.raises(ValueError, match=r"SpikeRaster 'trial': expected values in \[0, 1\)"):
        SpikeRaster.from_events([1], [0], [0], n_trials=1, n_steps=3, n_neurons=2)
    with pytest.raises(ValueError, match=r"SpikeRaster.from_dense: expected a 3-D array"):
        SpikeRaster.from_dense(np.zeros((2, 2)))
    with pytest.raises(ValueError, match=r"SpikeRaster.concatenate: expected at least one"):
        SpikeRaster.concatenate([])
    other = SpikeRaster.from_dense(np.zeros((1, 7, 9)))
    with pytest.raises(ValueError, match=r"expected equal \(n_steps, n_neurons\); found "
                                         r"\(9, 6\) and \(9, 7\)"):
        SpikeRaster.concatenate([r, other])


def test_crop_keeps_the_window_and_shifts_its_steps() -> None:
    raster = SpikeRaster.from_events(np.array([0, 0, 1, 1]), np.array([1, 5, 2, 9]),
                                     np.array([3, 0, 1, 2]), n_trials=2, n_steps=10, n_neurons=4)
    out = raster.crop(2, 6)
    assert (out.n_trials, out.n_steps, out.n_neurons) == (2, 4, 4)
    assert [tuple(map(list, out.trial(k))) for k in range(2)] == [([3], [0]), ([0], [1])]
    with pytest.raises(ValueError, match=r"^SpikeRaster\.crop: expected 0 <= start < stop <= 10; "
                                         r"found start=6, stop=6$"):
        raster.crop(6, 6)
