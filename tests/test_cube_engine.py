"""The cube simulators: hand-checkable dynamics, Brian2 == NumPy reference, compile-once builds.

Every hand case runs on the NumPy reference and on the compiled Brian2 engine. The Brian2 builds
live in a session-wide cache directory, so each network structure is compiled once per session.
"""

from __future__ import annotations

import json
import logging
import math
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from neucube.cube.connectivity import build_connectivity
from neucube.cube.engine import (
    BuildSpec,
    CompiledCube,
    cache_root,
    compile_count,
    simulate_brian,
)
from neucube.cube.mapping import input_positions, map_channels
from neucube.cube.model import ModelParams
from neucube.cube.network import CubeNetwork
from neucube.cube.reference import simulate_reference
from neucube.cube.template import grid_template

REPO = Path(__file__).resolve().parents[1]
BACKENDS = ["reference", "cpp_standalone"]
N_STEPS = 12  # steps per sample in the hand cases
E1 = math.exp(-1 / 10)  # trace after one step with tau = 10
E2 = math.exp(-2 / 10)


@pytest.fixture(scope="session")
def cube_cache(tmp_path_factory):
    """One build cache for the whole session (the same path in every test_cube_* file)."""
    path = tmp_path_factory.getbasetemp() / "neucube-cube-cache"
    path.mkdir(exist_ok=True)
    return path


# ----------------------------------------------------------------------------- hand network
# Neurons 0..3 on a line 10 mm apart; channel 0 drives neuron 0 (+) and neuron 4 (-, at x=0).
# Candidates within 15 mm, sorted: 0->1, 1->2, 2->1, 2->3, 3->2, 4->1.
CANDIDATES = [(0, 1), (1, 2), (2, 1), (2, 3), (3, 2), (4, 1)]


def hand_net(weights: dict[tuple[int, int], float]) -> CubeNetwork:
    """The line network with the given active synapses (negative weight = inhibitory)."""
    pre, post = np.array(CANDIDATES).T
    w = np.array([weights.get(c, 0.0) for c in CANDIDATES])
    active = np.array([c in weights for c in CANDIDATES])
    positions = np.vstack([grid_template((4, 1, 1), 10.0), [[0.0, 0.0, 0.0]]])
    return CubeNetwork(positions=positions, input_neurons=np.array([[0, 4]]), pre=pre,
                       post=post, active=active, excitatory=w >= 0, weights=w)


def channel(n_trials: int, events: dict[tuple[int, int], int]) -> np.ndarray:
    """One-channel input; ``events[(trial, step)] = +1 or -1``."""
    x = np.zeros((n_trials, 1, N_STEPS), dtype=np.int8)
    for (k, t), sign in events.items():
        x[k, 0, t] = sign
    return x


def run(backend, net, spikes, cache, plastic=False, **params):
    return simulate_brian(net, spikes, ModelParams(**params), plastic=plastic, backend=backend,
                          samples_per_chunk=2, cache_dir=cache)


def events(raster, trial=0):
    steps, neurons = raster.trial(trial)
    return list(zip(steps.tolist(), neurons.tolist(), strict=True))


@pytest.mark.parametrize("backend", BACKENDS)
def test_spike_reaches_the_next_neuron_exactly_one_step_later(backend, cube_cache):
    net = hand_net({(0, 1): 0.6, (1, 2): 0.6, (2, 3): 0.6, (4, 1): 0.6})
    # +1 at step 3, -1 at step 7 (drives neuron 4), +1 at the last step (its effect is lost).
    x = channel(1, {(0, 3): 1, (0, 7): -1, (0, 11): 1})
    res = run(backend, net, x, cube_cache, refractory=0)
    assert events(res.raster) == [(3, 0), (4, 1), (5, 2), (6, 3), (7, 4), (8, 1), (9, 2),
                                  (10, 3), (11, 0)]
    assert np.array_equal(res.weights, net.weights)  # learning off


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("refractory", "expected"),
                         [(6, [1, 8]), (2, [1, 4, 7, 10]), (0, list(range(1, 12)))])
def test_refractory_period_blocks_input_and_spikes(backend, refractory, expected, cube_cache):
    net = hand_net({(0, 1): 0.6})
    x = channel(1, {(0, t): 1 for t in range(N_STEPS)})  # input at every step
    res = run(backend, net, x, cube_cache, refractory=refractory)
    assert [t for t, n in events(res.raster) if n == 1] == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_leak_empties_and_floors_the_potential(backend, cube_cache):
    net = hand_net({(0, 1): 0.3})
    two = channel(1, {(0, 0): 1, (0, 4): 1})
    # Without leak the two inputs add up to 0.6 >= 0.5 at step 5.
    assert (5, 1) in events(run(backend, net, two, cube_cache, leak=0.0).raster)
    # With leak 0.1 the first input has leaked away by then.
    assert [e for e in events(run(backend, net, two, cube_cache, leak=0.1).raster)
            if e[1] == 1] == []
    # The potential is floored at 0, so a long wait does not make it negative: two inputs
    # at steps 6 and 7 give 0.2 + 0.3 >= 0.45 at step 8.
    late = channel(1, {(0, 0): 1, (0, 6): 1, (0, 7): 1})
    res = run(backend, net, late, cube_cache, leak=0.1, threshold=0.45)
    assert [e for e in events(res.raster) if e[1] == 1] == [(8, 1)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_state_resets_at_each_sample(backend, cube_cache):
    net = hand_net({(0, 1): 0.3})
    # Within a sample two inputs one step apart make neuron 1 spike...
    control = run(backend, net, channel(1, {(0, 5): 1, (0, 6): 1}), cube_cache)
    assert (7, 1) in events(control.raster)
    # ...but not across a sample boundary (trial 0 ends with 0.3, trial 1 starts at 0), and the
    # input of the last step of trial 1 is lost. Three trials use two padded chunks of two.
    x = channel(3, {(0, 10): 1, (1, 0): 1, (1, 11): 1, (2, 1): 1, (2, 2): 1})
    res = run(backend, net, x, cube_cache)
    assert events(res.raster, 0) == [(10, 0)]
    assert events(res.raster, 1) == [(0, 0), (11, 0)]
    assert events(res.raster, 2) == [(1, 0), (2, 0), (3, 1)]


@pytest.mark.parametrize("backend", BACKENDS)
def test_stdp_pre_before_post_strengthens_post_before_pre_weakens(backend, cube_cache):
    net = hand_net({(0, 1): 0.6, (1, 2): 0.6, (2, 1): 0.1})
    x = channel(1, {(0, 3): 1})  # spikes: 0 at 3, 1 at 4, 2 at 5
    res = run(backend, net, x, cube_cache, plastic=True, a_plus=0.01, a_minus=0.02)
    assert events(res.raster) == [(3, 0), (4, 1), (5, 2)]
    expected = [0.6 + 0.01 * E1,  # 0->1: pre 3, post 4
                0.6 + 0.01 * E1,  # 1->2: pre 4, post 5
                0.1 - 0.02 * E1,  # 2->1: pre 5 after post 4
                0.0, 0.0, 0.0]    # inactive candidates never change
    assert res.weights.tolist() == pytest.approx(expected, rel=1e-12, abs=0)
    frozen = run(backend, net, x, cube_cache, plastic=False, a_plus=0.01, a_minus=0.02)
    assert np.array_equal(frozen.weights, net.weights)


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_active_synapse_at_zero_weight_can_grow_and_inactive_ones_stay_zero(backend,
                                                                             cube_cache):
    # The engine simulates only the active candidates: 0->1 exists at weight 0 and must learn;
    # the inactive 2->1 must stay exactly 0 (the engine leaves it out of the program).
    net = hand_net({(0, 1): 0.0, (4, 1): 0.6})
    x = channel(1, {(0, 3): 1, (0, 5): -1})  # 0 at 3; 4 at 5 makes 1 spike at 6
    res = run(backend, net, x, cube_cache, plastic=True, a_plus=0.01)
    assert (6, 1) in events(res.raster)
    assert res.weights[0] == pytest.approx(0.01 * math.exp(-3 / 10), rel=1e-12)
    assert res.weights[CANDIDATES.index((2, 1))] == 0.0
    # With no active synapse at all, only the input neurons fire.
    empty = run(backend, hand_net({}), x, cube_cache, plastic=True, a_plus=0.01)
    assert events(empty.raster) == [(3, 0), (5, 4)]
    assert np.array_equal(empty.weights, np.zeros(len(CANDIDATES)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_stdp_pairs_all_earlier_spikes_through_the_trace(backend, cube_cache):
    net = hand_net({(0, 1): 0.3})
    x = channel(1, {(0, 2): 1, (0, 3): 1})  # neuron 1 spikes at 4 after two pre spikes
    res = run(backend, net, x, cube_cache, plastic=True, a_plus=0.01, tau_plus=10.0)
    assert (4, 1) in events(res.raster)
    assert res.weights[0] == pytest.approx(0.3 + 0.01 * (E1 + E2), rel=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_stdp_keeps_signs_and_clips(backend, cube_cache):
    # 0->1 inhibitory, 4->1 excitatory: +1 at step 2 and -1 at step 3 make 1 spike at 4.
    # 2->1 excitatory and tiny: 1 drives 2 (1->2), whose spike at 5 depresses 2->1 below 0.
    net = hand_net({(0, 1): -0.0005, (4, 1): 0.6, (1, 2): 0.6, (2, 1): 0.001})
    x = channel(1, {(0, 2): 1, (0, 3): -1})
    res = run(backend, net, x, cube_cache, plastic=True, a_plus=0.01, a_minus=0.02,
              w_clip=0.605)
    assert events(res.raster) == [(2, 0), (3, 4), (4, 1), (5, 2)]
    w = dict(zip(CANDIDATES, res.weights.tolist(), strict=True))
    assert w[(0, 1)] == 0.0  # inhibitory, potentiated by 0.01*e^-0.2 > 0.0005: stops at 0
    assert w[(4, 1)] == 0.605  # excitatory, 0.6 + 0.01*e^-0.1 clipped at w_clip
    assert w[(1, 2)] == 0.605
    assert w[(2, 1)] == 0.0  # excitatory, 0.001 - 0.02*e^-0.1 stops at 0
    # An inhibitory synapse depressed (post before pre) grows in magnitude, down to -w_clip.
    net = hand_net({(0, 1): 0.6, (1, 2): 0.6, (2, 1): -0.6})
    res = run(backend, net, channel(1, {(0, 3): 1}), cube_cache, plastic=True, a_minus=0.5,
              w_clip=0.62)
    assert res.weights[2] == -0.62


def test_lif_decays_exponentially_and_may_go_negative():
    net = hand_net({(0, 1): 0.3, (4, 1): -0.4})
    pair = channel(1, {(0, 0): 1, (0, 1): 1})
    lif = {"neuron_model": "lif", "threshold": 0.5}
    # 0.3 e^-0.1 + 0.3 = 0.57 >= 0.5 with tau 10 steps; 0.3 e^-1 + 0.3 = 0.41 with tau 1.
    assert (2, 1) in events(simulate_reference(net, pair, ModelParams(tau_mem=10, **lif)).raster)
    assert (2, 1) not in events(simulate_reference(net, pair, ModelParams(tau_mem=1,
                                                                          **lif)).raster)
    # Inhibition drives the potential below 0, which the SLIF floor would forbid.
    x = channel(1, {(0, 0): -1, (0, 1): 1, (0, 2): 1})
    with_floor = simulate_reference(net, x, ModelParams(threshold=0.55, leak=0.0)).raster
    without = simulate_reference(net, x, ModelParams(tau_mem=1e9, threshold=0.55, **{
        "neuron_model": "lif"})).raster
    assert (3, 1) in events(with_floor)
    assert (3, 1) not in events(without)


# ----------------------------------------------------------------------------- Brian2 == NumPy
def grid_net(seed: int, rule: str = "small_world") -> CubeNetwork:
    """4x4x4 grid with 3 channels: one structure for every seed and rule."""
    tpl = grid_template((4, 4, 4), 10.0)
    coords = np.array([[0.0, 0.0, 0.0], [31.0, 28.0, 30.0], [12.0, 29.0, 2.0]])
    positions, inputs = input_positions(tpl, map_channels(coords, tpl))
    return build_connectivity(positions, inputs, radius_mm=25.0, rule=rule,
                              connection_probability=0.6, random_state=seed)


def grid_spikes(seed: int, n_trials: int = 5, n_steps: int = 40) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1, 0, 1], dtype=np.int8), p=[0.15, 0.7, 0.15],
                      size=(n_trials, 3, n_steps))


CONFIGS = [
    (0, "small_world", False, {}),
    (1, "small_world", True, {"threshold": 0.3, "a_plus": 0.01, "a_minus": 0.012}),
    (2, "gaussian", True, {"threshold": 0.4, "refractory": 2, "a_plus": 0.02, "tau_plus": 5.0}),
    (3, "small_world", True, {"threshold": 0.25, "leak": 0.02, "a_plus": 0.03, "a_minus": 0.01,
                              "w_clip": 0.21}),  # many weights end clipped at w_clip
    (4, "small_world", True, {"neuron_model": "lif", "tau_mem": 15.0, "threshold": 0.3,
                              "a_plus": 0.01}),
    (5, "small_world", False, {"neuron_model": "lif", "tau_mem": 30.0, "threshold": 0.4}),
    # Soft-bound STDP, with a small w_clip so the weight-dependent factors matter.
    (6, "small_world", True, {"threshold": 0.3, "a_plus": 0.05, "a_minus": 0.04, "w_clip": 0.25,
                              "soft_bound": True}),
    (7, "gaussian", True, {"neuron_model": "lif", "threshold": 0.3, "a_plus": 0.02,
                           "a_minus": 0.03, "w_clip": 0.3, "soft_bound": True}),
]


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "rule", "plastic", "params"), CONFIGS)
def test_brian_matches_reference(seed, rule, plastic, params, cube_cache):
    net = grid_net(seed, rule)
    x = grid_spikes(seed)
    p = ModelParams(**params)
    ref = simulate_reference(net, x, p, plastic=plastic)
    out = simulate_brian(net, x, p, plastic=plastic, samples_per_chunk=2, cache_dir=cube_cache)
    # Non-trivial: the reservoir (not just the inputs) spikes, and STDP moves weights.
    assert np.count_nonzero(~net.is_input[ref.raster.neurons]) > 50
    if plastic:
        assert np.count_nonzero(ref.weights != net.weights) > 20
    assert out.raster == ref.raster
    np.testing.assert_allclose(out.weights, ref.weights, rtol=0, atol=1e-12)


@pytest.mark.slow
def test_brian_runtime_target_matches_reference(cube_cache):
    net, x = grid_net(1), grid_spikes(1, n_trials=3)
    p = ModelParams(threshold=0.3, a_plus=0.01, w_clip=0.3, soft_bound=True)
    ref = simulate_reference(net, x, p, plastic=True)
    out = simulate_brian(net, x, p, plastic=True, backend="numpy", samples_per_chunk=2)
    assert out.raster == ref.raster
    np.testing.assert_allclose(out.weights, ref.weights, rtol=0, atol=1e-12)


@pytest.mark.slow
def test_other_seeds_and_chunk_counts_reuse_the_build(cube_cache):
    net0 = grid_net(0)
    simulate_brian(net0, grid_spikes(0), samples_per_chunk=2, cache_dir=cube_cache)
    before = compile_count()
    for seed in (10, 11):
        for n_trials in (1, 2, 7):
            simulate_brian(grid_net(seed, "gaussian" if seed == 11 else "small_world"),
                           grid_spikes(seed, n_trials=n_trials), plastic=True,
                           samples_per_chunk=2, cache_dir=cube_cache)
    assert compile_count() == before
    spec = BuildSpec.from_network(net0, n_steps=40, samples_per_chunk=2, neuron_model="slif")
    assert (cube_cache / "brian2" / spec.key() / "neucube_build.json").is_file()


def test_simulate_brian_errors(cube_cache):
    net = hand_net({(0, 1): 0.6})
    with pytest.raises(ValueError, match=r"'backend' parameter of simulate_brian must be one of "
                                         r"'cpp_standalone', 'cython', 'numpy', 'reference'; "
                                         r"got 'gpu'"):
        simulate_brian(net, channel(1, {}), backend="gpu")
    with pytest.raises(ValueError, match=r"'spikes': expected 1 channels \(axis 1\); found 2"):
        simulate_brian(net, np.zeros((1, 2, 5), dtype=np.int8))
    with pytest.raises(ValueError, match=r"'spikes': expected values in \{-1, 0, 1\}; found "
                                         r"\[2\]"):
        simulate_brian(net, np.full((1, 1, 5), 2, dtype=np.int8))
    with pytest.raises(ValueError, match=r"'spikes': expected encoded spikes of shape "
                                         r"\(n_trials, n_channels, n_steps\); found shape \(5,\)"):
        simulate_reference(net, np.zeros(5))
    with pytest.raises(ValueError, match=r"Network weights must lie in \[-w_clip, w_clip\] = "
                                         r"\[-0.5, 0.5\]; found \|w\| up to 0.6"):
        simulate_brian(net, channel(1, {}), ModelParams(w_clip=0.5))
    with pytest.raises(ValueError, match=r"'samples_per_chunk' parameter of simulate_brian must "
                                         r"be an integer in \[1, inf\]; got 0"):
        simulate_brian(net, channel(1, {}), samples_per_chunk=0)


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"threshold": 0.0}, ValueError, r"'threshold' parameter of ModelParams must be in the "
                                         r"range \(0, inf\); got 0.0"),
        ({"refractory": 1.5}, TypeError, r"'refractory' parameter of ModelParams must be an "
                                         r"integer; got 1.5"),
        ({"neuron_model": "izhikevich"}, ValueError, r"'neuron_model' parameter of ModelParams "
                                                     r"must be one of 'slif', 'lif'"),
        ({"a_minus": -1.0}, ValueError, r"'a_minus' parameter of ModelParams must be in the "
                                        r"range \[0, inf\); got -1.0"),
    ],
)
def test_model_params_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        ModelParams(**kwargs)


# ----------------------------------------------------------------------------- build cache
def test_cache_root_resolution(monkeypatch, tmp_path):
    monkeypatch.delenv("NEUCUBE_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache_root() == Path.home() / ".cache" / "neucube"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_root() == tmp_path / "xdg" / "neucube"
    monkeypatch.setenv("NEUCUBE_CACHE_DIR", str(tmp_path / "nc"))
    assert cache_root() == tmp_path / "nc"
    assert cache_root(tmp_path / "explicit") == tmp_path / "explicit"


def test_build_key_depends_only_on_structure():
    a, b = grid_net(0), grid_net(1, "gaussian")
    spec = {"n_steps": 40, "samples_per_chunk": 2, "neuron_model": "slif"}
    key = BuildSpec.from_network(a, **spec).key()
    assert BuildSpec.from_network(b, **spec).key() == key  # seeds and rules: values only
    assert BuildSpec.from_network(a, **{**spec, "n_steps": 41}).key() != key
    assert BuildSpec.from_network(a, **{**spec, "samples_per_chunk": 3}).key() != key
    assert BuildSpec.from_network(a, **{**spec, "neuron_model": "lif"}).key() != key
    assert BuildSpec.from_network(hand_net({}), **spec).key() != key


_WORKER = textwrap.dedent("""
    import json, sys
    import numpy as np
    sys.path.insert(0, {tests!r})
    from test_cube_engine import channel, hand_net
    from neucube.cube.engine import compile_count, simulate_brian
    net = hand_net({{(0, 1): 0.6, (1, 2): 0.6, (2, 1): 0.1}})
    x = channel(3, {{(0, 3): 1, (1, 5): -1, (2, 0): 1}})
    res = simulate_brian(net, x, plastic=True, samples_per_chunk=2, cache_dir={cache!r})
    print(json.dumps({{"compiled": compile_count(), "w": res.weights.tolist(),
                      "steps": res.raster.steps.tolist(), "neurons": res.raster.neurons.tolist()}}))
""")


@pytest.mark.slow
def test_parallel_processes_share_one_build_and_broken_builds_are_redone(tmp_path, caplog):
    cache = tmp_path / "fresh-cache"
    code = _WORKER.format(tests=str(REPO / "tests"), cache=str(cache))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env=env) for _ in range(2)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        outs.append(json.loads(out.strip().splitlines()[-1]))
    # One process compiled while the other waited on the lock, then both ran the same program.
    assert sorted(o["compiled"] for o in outs) == [0, 1]
    assert outs[0]["w"] == outs[1]["w"] and outs[0]["steps"] == outs[1]["steps"]
    assert outs[0]["neurons"] == outs[1]["neurons"]
    builds = [d for d in (cache / "brian2").iterdir() if d.is_dir()]
    assert len(builds) == 1  # no temporary directories left behind

    # A build without its manifest (interrupted) is detected, removed and compiled again.
    (builds[0] / "neucube_build.json").unlink()
    net = hand_net({(0, 1): 0.6})
    spec = BuildSpec.from_network(net, n_steps=N_STEPS, samples_per_chunk=2,
                                  neuron_model="slif")
    before = compile_count()
    with caplog.at_level(logging.INFO, logger="neucube.cube.engine"):
        CompiledCube.get(spec, cache)
    assert compile_count() == before + 1
    assert "Removing the incomplete build" in caplog.text
    assert "compiling network with 5 neurons and 6 candidate synapses (one-time, ~" in caplog.text
    res = simulate_brian(net, channel(1, {(0, 3): 1}), samples_per_chunk=2, cache_dir=cache)
    assert events(res.raster) == [(3, 0), (4, 1)]

    # A build of an older neucube (manifest without file checksums) is called outdated, not
    # corrupted, and rebuilt.
    manifest_path = builds[0] / "neucube_build.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["files"]
    manifest_path.write_text(json.dumps(manifest))
    from neucube.cube.engine import build

    build._PROGRAMS.clear()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="neucube.cube.engine"):
        CompiledCube.get(spec, cache)
    assert compile_count() == before + 2
    assert (f"Removing the outdated build {builds[0]} (neucube_build.json has no file checksums "
            "(made by an older neucube)) and rebuilding it.") in caplog.text


def test_stale_run_folders_of_dead_processes_are_swept(monkeypatch, tmp_path, caplog):
    """A SIGKILLed run cannot remove its per-run folder; the next process does. Liveness comes
    from the folder's owner lock (held by a real process here), so a live run of another pid
    namespace is never taken for dead; folders without a lock need a dead pid and an hour."""
    from neucube.cube.engine import tempdirs

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    folders = {
        "locked_by_dead": tmp_path / "neucube-run-999999999-aaa",  # lock free: owner ended
        "locked_by_live": tmp_path / f"neucube-run-{dead_pid}-bbb",  # pid looks dead; lock held
        "old_unlocked": tmp_path / f"neucube-run-{dead_pid}-ccc",
        "new_unlocked": tmp_path / f"neucube-run-{dead_pid}-ddd",
        "live_pid": tmp_path / f"neucube-run-{os.getppid()}-eee",
        "mine": tmp_path / f"neucube-run-{os.getpid()}-fff",
        "not_a_pid": tmp_path / "neucube-run-notapid-x",
    }
    for folder in folders.values():
        (folder / "results").mkdir(parents=True)
        (folder / "w.bin").write_bytes(b"\0" * 16)
    (folders["locked_by_dead"] / ".owner").touch()
    two_hours_ago = time.time() - 7200
    for key in ("old_unlocked", "live_pid"):
        os.utime(folders[key], (two_hours_ago, two_hours_ago))
    # A live process in its own right holds the lock, as a run does.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_CREAT | "
         "os.O_RDWR); fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); "
         "sys.stdin.read()", str(folders["locked_by_live"] / ".owner")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        monkeypatch.setattr(tempdirs.tempfile, "tempdir", str(tmp_path))
        monkeypatch.setattr(tempdirs, "_swept", False)
        with caplog.at_level(logging.DEBUG, logger="neucube.cube.engine"):
            tempdirs.sweep_stale_run_folders()
    finally:
        holder.communicate("")
    gone = {key for key, folder in folders.items() if not folder.exists()}
    assert gone == {"locked_by_dead", "old_unlocked"}
    assert f"Removed {folders['old_unlocked']}, left by a process that no longer runs" \
        in caplog.text
    # Once per process: a folder left later is not looked for again.
    (folders["old_unlocked"] / "results").mkdir(parents=True)
    os.utime(folders["old_unlocked"], (two_hours_ago, two_hours_ago))
    tempdirs.sweep_stale_run_folders()
    assert folders["old_unlocked"].exists()


def test_a_run_holds_its_folders_owner_lock_until_it_ends(tmp_path):
    """While the compiled program runs, its folder's owner lock is taken (the sweep of another
    process leaves it alone); when the lock is let go the owner counts as gone."""
    from neucube.cube.engine import tempdirs

    workdir = tmp_path / "neucube-run-1-x"
    workdir.mkdir()
    fd = tempdirs._hold_owner_lock(workdir)
    try:
        # Locked before it got its name: no sweep can see it unlocked while the run lives.
        assert not (workdir / ".owner.new").exists()
        assert tempdirs._owner_is_gone(workdir) is False
    finally:
        os.close(fd)
    assert tempdirs._owner_is_gone(workdir) is True
    assert tempdirs._owner_is_gone(tmp_path) is None  # no owner file
