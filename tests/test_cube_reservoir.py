"""The Reservoir transformer: fit (build + STDP), transform (frozen run), reproducibility."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from neucube.cube import Reservoir, SpikeRaster, compile_count, grid_template
from neucube.cube.reference import simulate_reference

REPO = Path(__file__).resolve().parents[1]
COORDS = np.array([[0.0, 0.0, 0.0], [31.0, 28.0, 30.0], [12.0, 29.0, 2.0]])


@pytest.fixture(scope="session")
def cube_cache(tmp_path_factory):
    """One build cache for the whole session (the same path in every test_cube_* file)."""
    path = tmp_path_factory.getbasetemp() / "neucube-cube-cache"
    path.mkdir(exist_ok=True)
    return path


def make_spikes(seed: int, n_trials: int = 6, n_steps: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1, 0, 1], dtype=np.int8), p=[0.15, 0.7, 0.15],
                      size=(n_trials, 3, n_steps))


def make_cube(cache, **kwargs) -> Reservoir:
    params = {"template": grid_template((4, 4, 4), 10.0), "coords": COORDS, "threshold": 0.3,
              "stdp_rate": 0.01, "samples_per_chunk": 2, "cache_dir": cache, "random_state": 0}
    params.update(kwargs)
    return Reservoir(**params)


def digest(raster: SpikeRaster, weights: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in (raster.indptr, raster.steps, raster.neurons, weights):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def fitted(cube_cache):
    x = make_spikes(0)
    return make_cube(cube_cache, n_rounds=2).fit(x[:4]), x


@pytest.mark.slow
def test_fit_builds_trains_and_freezes(fitted):
    cube, _ = fitted
    assert cube.n_neurons_ == 67 and cube.positions_.shape == (67, 3)
    assert cube.n_features_in_ == 3 and cube.n_steps_ == 40 and cube.spacing_mm_ == 10.0
    assert cube.input_neurons_.tolist() == [[0, 64], [63, 65], [28, 66]]
    assert np.array_equal(cube.positions_[64], cube.positions_[0])
    assert cube.collisions_ == ()
    n = cube.network_.n_synapses
    for name in ("pre_", "post_", "excitatory_", "weights_init_", "weights_"):
        assert getattr(cube, name).shape == (n,)
    assert np.count_nonzero(cube.weights_ != cube.weights_init_) > 100
    assert np.all(cube.weights_[cube.excitatory_] >= 0)
    assert np.all(cube.weights_[~cube.excitatory_] <= 0)
    w = cube.weight_matrix()
    assert w.shape == (67, 67) and w.nnz <= n
    assert cube.weight_matrix(initial=True)[cube.pre_[0], cube.post_[0]] == cube.weights_init_[0]


@pytest.mark.slow
def test_transform_is_frozen_deterministic_and_matches_the_reference(fitted):
    cube, x = fitted
    w_before = cube.weights_.copy()
    raster = cube.transform(x)
    assert isinstance(raster, SpikeRaster)
    assert (raster.n_trials, raster.n_steps, raster.n_neurons) == (6, 40, 67)
    assert np.array_equal(cube.weights_, w_before)
    assert cube.transform(x) == raster
    assert cube.transform(x[4:]) == raster[4:]  # trials are independent once frozen
    ref = simulate_reference(cube.network_, x, cube.params_)
    assert raster == ref.raster
    # STDP with two rounds is the reference's two plastic passes.
    net = cube.network_init_
    for _ in range(2):
        net = net.with_weights(simulate_reference(net, x[:4], cube.params_,
                                                  plastic=True).weights)
    np.testing.assert_allclose(net.weights, cube.network_.weights, rtol=0, atol=1e-12)


@pytest.mark.slow
def test_other_seed_reuses_the_build_and_gives_other_weights(fitted, cube_cache):
    cube, x = fitted
    before = compile_count()
    other = make_cube(cube_cache, n_rounds=1, random_state=1).fit(x[:4])
    assert compile_count() == before
    assert not np.array_equal(other.network_.active, cube.network_.active)
    assert np.array_equal(other.network_.pre, cube.network_.pre)  # same structure


@pytest.mark.slow
def test_reference_backend_gives_the_same_result(fitted, cube_cache):
    cube, x = fitted
    ref = make_cube(cube_cache, n_rounds=2, backend="reference").fit(x[:4])
    assert np.array_equal(ref.weights_, cube.weights_)
    assert ref.transform(x) == cube.transform(x)


_WORKER = textwrap.dedent("""
    import hashlib, json, sys
    import numpy as np
    sys.path.insert(0, {tests!r})
    from test_cube_reservoir import digest, make_cube, make_spikes
    cube = make_cube(None, n_rounds=1, random_state=7)
    x = make_spikes(7)
    raster = cube.fit(x[:4]).transform(x)
    print(json.dumps({{"digest": digest(raster, cube.weights_), "spikes": raster.n_spikes}}))
""")


@pytest.mark.slow
def test_same_seed_in_fresh_processes_gives_identical_results(cube_cache):
    code = _WORKER.format(tests=str(REPO / "tests"))
    env = {**os.environ, "PYTHONPATH": str(REPO), "NEUCUBE_CACHE_DIR": str(cube_cache)}
    outs = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
        outs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert outs[0] == outs[1]
    assert outs[0]["spikes"] > 0
    cube = make_cube(cube_cache, n_rounds=1, random_state=7)
    x = make_spikes(7)
    raster = cube.fit(x[:4]).transform(x)
    assert digest(raster, cube.weights_) == outs[0]["digest"]


def test_no_rounds_means_no_learning_and_verbose_logs(cube_cache, caplog):
    x = make_spikes(1, n_trials=2, n_steps=10)
    with caplog.at_level(logging.INFO, logger="neucube.cube.reservoir"):
        cube = make_cube(cube_cache, n_rounds=0, backend="reference", verbose=True).fit(x)
    assert np.array_equal(cube.weights_, cube.weights_init_)
    assert "cube: 67 neurons" in caplog.text
    with caplog.at_level(logging.INFO, logger="neucube.cube.reservoir"):
        make_cube(cube_cache, n_rounds=1, backend="reference", verbose=True).fit(x)
    assert "STDP round 1/1" in caplog.text


def test_coords_from_fit_and_collisions(cube_cache):
    x = make_spikes(2, n_trials=1, n_steps=10)
    cube = make_cube(cube_cache, coords=None, n_rounds=0, backend="reference")
    same = np.array([[0.0, 0, 0], [1.0, 0, 0], [30.0, 30, 30]])
    cube.fit(x, coords=same)
    assert len(cube.collisions_) == 1 and cube.collisions_[0].channel == 1
    assert len(np.unique(cube.input_neurons_)) == 6


def test_far_coordinates_warn_once_naming_the_channels(cube_cache, caplog, monkeypatch):
    from neucube.cube import reservoir

    monkeypatch.setattr(reservoir, "_FAR_WARNED", set())
    x = make_spikes(2, n_trials=1, n_steps=10)
    with caplog.at_level(logging.WARNING, logger="neucube.cube.reservoir"):
        for _ in range(2):  # e.g. two cross-validation folds on one montage
            make_cube(cube_cache, coords=COORDS + [500.0, 0, 0], n_rounds=0,
                      backend="reference").fit(x)
    far = [r.getMessage() for r in caplog.records if "from their nearest neuron" in r.getMessage()]
    assert len(far) == 1, far
    assert far[0].startswith("3 channel(s) are more than 30 mm from their nearest neuron "
                             "(channel index and distance: 0 (")


def test_template_from_csv(cube_cache, tmp_path):
    path = tmp_path / "grid.csv"
    np.savetxt(path, grid_template((4, 4, 4), 10.0), delimiter=",", header="x,y,z",
               comments="")
    x = make_spikes(3, n_trials=2, n_steps=10)
    a = make_cube(cube_cache, template=str(path), backend="reference").fit(x)
    b = make_cube(cube_cache, backend="reference").fit(x)
    assert np.array_equal(a.weights_, b.weights_)


def test_brain_template_with_real_coordinates(shared_data, cube_cache):
    tal = np.loadtxt(shared_data / "neucube_wrist_movement_eeg" / "eeg_mapping.csv",
                     delimiter=",")
    x = make_spikes(4, n_trials=1, n_steps=6)
    x = np.concatenate([x] * 5, axis=1)[:, :14]
    cube = Reservoir(coords=tal, n_rounds=0, backend="reference", random_state=0).fit(x)
    assert cube.n_neurons_ == 1885 + 14
    assert cube.collisions_ == ()
    assert 0.8 * 45_000 < cube.network_.n_synapses * 1471 / 1885 < 1.4 * 45_000
    assert np.all(cube.mapping_.distances <= 10.0)  # within one spacing


def test_sklearn_conventions():
    cube = Reservoir(radius=3.0, random_state=5)
    params = cube.get_params()
    assert params["radius"] == 3.0 and params["template"] == "brain"
    assert clone(cube).get_params() == params
    assert Reservoir().__sklearn_tags__().input_tags.three_d_array
    with pytest.raises(NotFittedError):
        cube.transform(np.zeros((1, 3, 5), dtype=np.int8))


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"radius": 0}, ValueError, r"'radius' parameter of Reservoir must be in the range "
                                    r"\(0, inf\); got 0"),
        ({"connectivity": "full"}, ValueError, r"'connectivity' parameter of Reservoir must be "
                                               r"one of 'small_world', 'gaussian'; got 'full'"),
        ({"backend": "gpu"}, ValueError, r"'backend' parameter of Reservoir must be one of "
                                         r"'cpp_standalone', 'cython', 'numpy', 'reference'"),
        ({"n_rounds": -1}, ValueError, r"'n_rounds' parameter of Reservoir must be an integer in "
                                       r"\[0, 1000\] \(each round .*\); got -1"),
        ({"threshold": -0.5}, ValueError, r"'threshold' parameter of Reservoir must be in the "
                                          r"range \(0, inf\); got -0.5"),
        ({"neuron_model": "hh"}, ValueError, r"'neuron_model' parameter of Reservoir must be one "
                                             r"of 'slif', 'lif'; got 'hh'"),
        ({"stdp_rate": (0.1, 0.2, 0.3)}, TypeError, r"'stdp_rate' parameter of Reservoir must be "
                                                    r"a number or a pair of numbers"),
        ({"tau_stdp": (10.0, 0.0)}, ValueError, r"'tau_stdp' parameter of Reservoir must be in "
                                                r"the range \(0, inf\); got 0.0"),
        ({"w_clip": 0.1}, ValueError, r"'w_clip' parameter of Reservoir must be at least the "
                                      r"largest initial weight 0.1\d+; got 0.1"),
        ({"coords": None}, ValueError, r"Reservoir needs channel coordinates: pass "
                                       r"coords=\.\.\. of shape \(3, 3\) in mm"),
        ({"coords": np.zeros((2, 3))}, ValueError, r"'coords' of Reservoir must be finite "
                                                   r"coordinates of shape \(3, 3\), one row per "
                                                   r"channel of X; got shape \(2, 3\)"),
        ({"template": np.zeros((4, 2))}, ValueError, r"'template' parameter of Reservoir must be "
                                                     r"'brain', a path to a CSV file or finite "
                                                     r"positions of shape \(n_neurons >= 2, 3\)"),
        ({"spacing_mm": 0.0}, ValueError, r"'spacing_mm' parameter of Reservoir must be in the "
                                          r"range \(0, inf\); got 0.0"),
    ],
)
def test_parameter_errors(kwargs, err, match, cube_cache):
    x = make_spikes(5, n_trials=1, n_steps=10)
    with pytest.raises(err, match=match):
        make_cube(cube_cache, **{"backend": "reference", **kwargs}).fit(x)


def test_input_errors(cube_cache):
    cube = make_cube(cube_cache, backend="reference", n_rounds=0)
    with pytest.raises(ValueError, match=r"'X': expected values in \{-1, 0, 1\}; found \[2\]"):
        cube.fit(np.full((1, 3, 5), 2, dtype=np.int8))
    with pytest.raises(ValueError, match=r"'X': expected encoded spikes of shape \(n_trials, "
                                         r"n_channels, n_steps\); found shape \(3, 5\)"):
        cube.fit(np.zeros((3, 5), dtype=np.int8))
    cube.fit(make_spikes(6, n_trials=1, n_steps=10))
    with pytest.raises(ValueError, match=r"X has 2 features, but Reservoir is expecting 3"):
        cube.transform(np.zeros((1, 2, 10), dtype=np.int8))
