"""Benchmark of the cube engine; prints ONE JSON object on stdout.

Workload: the wrist-movement EEG demo (60 samples x 128 steps x 14 channels, TBR-encoded, on the
10 mm MNI brain template) from ``../shared/data/neucube_wrist_movement_eeg``; synthetic spikes
of the same shape when the data are absent.

Measured in one process:
- ``compile_s``: cold C++ build (a fresh cache directory);
- ``stdp_pass_s`` / ``frozen_pass_s``: warm passes over all samples (median of repeats);
- ``numpy_reference_ratio``: NumPy reference time / Brian2 warm time on the same STDP pass, and
  whether both gave identical rasters and weights;
- ``scaling_frozen``: warm frozen time for 1x, 2x and 4x the samples (linear in samples x steps);
- ``scaling_channels`` / ``scaling_neurons``: a warm STDP pass with 14/32/64 channels (synthetic
  spikes at the wrist data's rate, 10 mm template) and on the 10/8/6 mm templates (14 channels),
  each against the NumPy reference simulator on the same input (``ratio`` = reference / Brian2);
- ``peak_rss_mb`` (this process) and ``peak_rss_simulator_mb`` (the compiled program, polled);
- ``minimal_brian2``: a minimal Brian2 standalone network of the same neurons, synapses and input
  spikes (plain Brian2 idioms: leaky neurons with a threshold, a ``SpikeGeneratorGroup`` for the
  input, event-driven pair STDP on every synapse, a spike monitor), all trials in one program
  run; its warm run (the compiled binary started again) is Brian2's own cost for this workload,
  and ``ratio_stdp`` = our warm STDP pass / that run (target <= 2).

``--large``: 64 channels, 1000 trials of 128 steps, 5 mm template (synthetic spikes).
``--ratio-only``: only the warm passes and the minimal Brian2 network (``ratio_stdp``), not the
NumPy reference and the scaling sweeps (a cheap check of the target).

Usage: ``.venv/bin/python bench/bench_cube.py [--large] [--ratio-only] [--repeats N]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from neucube.cube import (  # noqa: E402
    ModelParams,
    brain_template,
    build_connectivity,
    compile_count,
    input_positions,
    map_channels,
    simulate_brian,
    simulate_reference,
)
from neucube.cube.engine import BuildSpec, CompiledCube  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "neucube_wrist_movement_eeg"


def tbr(x: np.ndarray, alpha: float = 0.5) -> np.ndarray:
    """TBR encoding, from neucube.encoding when available, else the spec's rule inline."""
    try:
        from neucube.encoding import TBREncoder

        return TBREncoder(alpha=alpha).fit_transform(x).astype(np.int8)
    except ImportError:
        dx = np.diff(x, axis=2, prepend=x[:, :, :1])
        a = np.abs(dx)
        th = (a.mean(axis=2) + alpha * a.std(axis=2)).mean(axis=0)[None, :, None]
        return (np.where(dx > th, 1, 0) - np.where(dx < -th, 1, 0)).astype(np.int8)


def wrist_workload() -> tuple[np.ndarray, np.ndarray, str]:
    """Encoded spikes (60, 14, 128) and channel coordinates (MNI mm when convertible)."""
    if DATA.is_dir():
        x = np.stack([np.loadtxt(DATA / f"sam{k}_eeg.csv", delimiter=",").T
                      for k in range(1, 61)])
        tal = np.loadtxt(DATA / "eeg_mapping.csv", delimiter=",")
        try:
            from data_loaders.coordinates import talairach_to_mni

            coords, space = talairach_to_mni(tal), "mni (from talairach)"
        except ImportError:
            coords, space = tal, "talairach"
        return tbr(x), coords, f"wrist_movement_eeg, coords {space}"
    rng = np.random.default_rng(0)
    spikes = rng.choice(np.array([-1, 0, 1], dtype=np.int8), p=[0.1, 0.8, 0.1],
                        size=(60, 14, 128))
    return spikes, surface_coords(brain_template(10.0), 14), "synthetic (data absent)"


def surface_coords(template: np.ndarray, n: int) -> np.ndarray:
    """n points on the upper scalp side of a template (extreme along Fibonacci directions)."""
    k = np.arange(n) + 0.5
    z = k / n  # upper hemisphere
    phi = np.pi * (1 + 5 ** 0.5) * k
    r = np.sqrt(1 - z ** 2)
    dirs = np.column_stack([r * np.cos(phi), r * np.sin(phi), z])
    centred = template - template.mean(axis=0)
    picks = np.argsort(-(centred @ dirs.T), axis=0)
    chosen: list[int] = []
    for j in range(n):
        chosen.append(int(next(p for p in picks[:, j] if p not in chosen)))
    return template[chosen] * 1.05


class ChildPeakMonitor:
    """Peak resident memory (VmHWM) of this process's child processes, polled from /proc.

    ``getrusage(RUSAGE_CHILDREN)`` is useless here: a child started by fork/vfork inherits the
    parent's high-water mark before it execs the compiled program. Linux only; stays 0 elsewhere.
    """

    def __init__(self, interval: float = 0.005) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        children = Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children")
        while not self._stop.is_set():
            try:
                pids = children.read_text().split()
            except OSError:
                return
            for pid in pids:
                try:
                    # Before exec a vfork'ed child still shows the parent's memory.
                    if Path(f"/proc/{pid}/comm").read_text().strip() != "main":
                        continue
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak_kb = max(self.peak_kb, int(line.split()[1]))
                except OSError:
                    pass
            time.sleep(self._interval)

    def __enter__(self) -> ChildPeakMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def events(network, raster) -> tuple[int, int]:
    """Synaptic events: spikes x active out-degree, and spikes x candidate out-degree."""
    out_active = np.bincount(network.pre[network.active], minlength=network.n_neurons)
    out_cand = np.bincount(network.pre, minlength=network.n_neurons)
    per_neuron = np.bincount(raster.neurons, minlength=network.n_neurons)
    return int(per_neuron @ out_active), int(per_neuron @ out_cand)


def scaling_point(template: np.ndarray, coords: np.ndarray, spikes: np.ndarray, spacing: float,
                  chunk: int, cache: str) -> dict:
    """One scaling measurement: compile, warm STDP pass (median of 3), NumPy reference pass."""
    mapping = map_channels(coords, template)
    positions, inputs = input_positions(template, mapping)
    network = build_connectivity(positions, inputs, radius_mm=2.5 * spacing, random_state=0)
    params = ModelParams()
    spec = BuildSpec.from_network(network, n_steps=spikes.shape[2], samples_per_chunk=chunk,
                                  neuron_model=params.neuron_model)
    t0 = time.perf_counter()
    CompiledCube.get(spec, cache)
    compile_s = time.perf_counter() - t0
    brian_s, _ = timed(lambda: simulate_brian(network, spikes, params, plastic=True,
                                              samples_per_chunk=chunk, cache_dir=cache,
                                              record=False), 3)
    t0 = time.perf_counter()
    simulate_reference(network, spikes, params, plastic=True)
    ref_s = time.perf_counter() - t0
    return {"n_channels": int(spikes.shape[1]), "n_neurons": network.n_neurons,
            "n_synapses": network.n_synapses, "compile_s": round(compile_s, 2),
            "stdp_pass_s": round(brian_s, 4), "numpy_reference_s": round(ref_s, 3),
            "ratio": round(ref_s / brian_s, 1)}


def scaling_sweeps(spikes: np.ndarray, chunk: int, cache: str) -> dict:
    """Warm STDP pass against the NumPy reference for more channels and more neurons."""
    rng = np.random.default_rng(0)
    rate = float(np.count_nonzero(spikes)) / spikes.size
    template = brain_template(10.0)
    channels = []
    for n_ch in (14, 32, 64):
        sp = rng.choice(np.array([-1, 0, 1], dtype=np.int8), p=[rate / 2, 1 - rate, rate / 2],
                        size=(spikes.shape[0], n_ch, spikes.shape[2]))
        channels.append(scaling_point(template, surface_coords(template, n_ch), sp, 10.0, chunk,
                                      cache))
    neurons = []
    coords = surface_coords(template, spikes.shape[1])
    for spacing in (10.0, 8.0, 6.0):
        neurons.append({"spacing_mm": spacing, **scaling_point(
            brain_template(spacing), coords, spikes, spacing, chunk, cache)})
    return {"scaling_channels": channels, "scaling_neurons": neurons}


def minimal_brian2(network, spikes: np.ndarray, repeats: int) -> dict:
    """Warm run time of a minimal Brian2 standalone network of the same size and input."""
    import subprocess

    import brian2 as b2
    from brian2.devices.device import get_device, reset_device, set_device

    n_trials, n_channels, n_steps = spikes.shape
    trial, channel, step = np.nonzero(spikes)
    column = 2 * channel + (spikes[trial, channel, step] < 0)  # one input per sign, as the cube
    times = (trial * n_steps + step).astype(float)
    order = np.lexsort((column, times))
    cols = network.input_columns()
    drive_post = np.flatnonzero(cols >= 0)  # input neurons, each driven by its column
    drive_pre = cols[drive_post]
    directory = tempfile.mkdtemp(prefix="neucube-bench-minimal-")
    try:
        set_device("cpp_standalone", directory=directory, build_on_run=False)
        device = get_device()
        device.reinit()
        device.activate(build_on_run=False)
        b2.prefs["codegen.cpp.extra_compile_args_gcc"] = ["-w", "-O3", "-std=c++11"]
        second = b2.second
        inputs = b2.SpikeGeneratorGroup(2 * n_channels, column[order], times[order] * second,
                                        dt=1 * second)
        neurons = b2.NeuronGroup(network.n_neurons, "dv/dt = -v / (50 * second) : 1",
                                 threshold="v > 0.5", reset="v = 0", refractory=6 * second,
                                 method="exact", dt=1 * second)
        drive = b2.Synapses(inputs, neurons, on_pre="v_post += 1", dt=1 * second)
        drive.connect(i=drive_pre.astype(np.int32), j=drive_post.astype(np.int32))
        active = np.flatnonzero(network.active)
        syn = b2.Synapses(neurons, neurons, """w : 1
            dapre/dt = -apre / (10 * second) : 1 (event-driven)
            dapost/dt = -apost / (10 * second) : 1 (event-driven)""",
                          on_pre="v_post += w\napre += 1\nw = clip(w - 0.002 * apost, -0.1, 0.1)",
                          on_post="apost += 1\nw = clip(w + 0.001 * apre, -0.1, 0.1)",
                          dt=1 * second)
        syn.connect(i=network.pre[active].astype(np.int32),
                    j=network.post[active].astype(np.int32))
        syn.w = network.weights[active]
        monitor = b2.SpikeMonitor(neurons)
        b2.run(n_trials * n_steps * second)
        t0 = time.perf_counter()
        device.build(directory=directory, compile=True, run=True, with_output=False)
        first_s = time.perf_counter() - t0
        n_spikes = int(monitor.num_spikes)
        warm_s, _ = timed(lambda: subprocess.run([str(Path(directory) / "main")], cwd=directory,
                                                  check=True, capture_output=True), repeats)
    finally:
        device.reinit()
        reset_device()
        shutil.rmtree(directory, ignore_errors=True)
    return {"n_neurons": network.n_neurons, "n_synapses": int(active.size),
            "n_input_synapses": int(drive_pre.size), "n_spikes": n_spikes,
            "build_and_first_run_s": round(first_s, 2), "warm_run_s": round(warm_s, 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--large", action="store_true", help="64 ch x 1000 trials, 5 mm template")
    ap.add_argument("--ratio-only", action="store_true",
                    help="warm passes and the minimal Brian2 network only")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--chunk", type=int, default=64, help="samples per compiled run")
    args = ap.parse_args()

    if args.large:
        template = brain_template(5.0)
        rng = np.random.default_rng(0)
        spikes = rng.choice(np.array([-1, 0, 1], dtype=np.int8), p=[0.05, 0.9, 0.05],
                            size=(1000, 64, 128))
        coords, source, spacing = surface_coords(template, 64), "synthetic 64 ch", 5.0
    else:
        template = brain_template(10.0)
        spikes, coords, source = wrist_workload()
        spacing = 10.0
    mapping = map_channels(coords, template)
    positions, inputs = input_positions(template, mapping)
    t0 = time.perf_counter()
    network = build_connectivity(positions, inputs, radius_mm=2.5 * spacing, random_state=0)
    connectivity_s = time.perf_counter() - t0
    params = ModelParams()
    cache = tempfile.mkdtemp(prefix="neucube-bench-cache-")  # cold compile, removed at the end
    try:
        print(json.dumps(measure(args, network, spikes, params, cache, source, connectivity_s)))
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def measure(args: argparse.Namespace, network, spikes: np.ndarray, params: ModelParams,
            cache: str, source: str, connectivity_s: float) -> dict:
    """Run the measurements of the module docstring and return them."""
    n_trials, _, n_steps = spikes.shape

    spec = BuildSpec.from_network(network, n_steps=n_steps, samples_per_chunk=args.chunk,
                                  neuron_model=params.neuron_model)
    t0 = time.perf_counter()
    CompiledCube.get(spec, cache)
    compile_s = time.perf_counter() - t0

    def run(sp, plastic, record=True):
        return simulate_brian(network, sp, params, plastic=plastic, samples_per_chunk=args.chunk,
                              cache_dir=cache, record=record)

    reps = 1 if args.large else args.repeats
    with ChildPeakMonitor() as child:
        # STDP passes keep no raster (as Reservoir.fit does); frozen passes record it.
        stdp_s, stdp_res = timed(lambda: run(spikes, True, record=False), reps)
        frozen_s, frozen_res = timed(lambda: run(spikes, False), reps)
    ev_active, ev_cand = events(network, frozen_res.raster)
    result = {
        "workload": source,
        "n_trials": n_trials,
        "n_steps": n_steps,
        "n_channels": int(spikes.shape[1]),
        "input_spikes": int(np.count_nonzero(spikes)),
        "n_neurons": network.n_neurons,
        "n_synapses": network.n_synapses,
        "n_candidates": network.n_candidates,
        "samples_per_chunk": args.chunk,
        "connectivity_s": round(connectivity_s, 4),
        "compile_s": round(compile_s, 2),
        "stdp_pass_s": round(stdp_s, 4),
        "frozen_pass_s": round(frozen_s, 4),
        "n_spikes_frozen": frozen_res.raster.n_spikes,
        "n_spikes_stdp": stdp_res.n_spikes,
        "synaptic_events_per_s": round(ev_active / frozen_s),
        "candidate_events_per_s": round(ev_cand / frozen_s),
        "steps_per_s": round(n_trials * n_steps / frozen_s),
    }
    if not (args.large or args.ratio_only):
        t0 = time.perf_counter()
        ref = simulate_reference(network, spikes, params, plastic=True)
        ref_s = time.perf_counter() - t0
        result["numpy_reference_s"] = round(ref_s, 3)
        result["numpy_reference_ratio"] = round(ref_s / stdp_s, 1)
        same = run(spikes, True)
        result["reference_identical_raster"] = bool(ref.raster == same.raster)
        result["reference_max_weight_diff"] = float(np.abs(ref.weights - stdp_res.weights).max())
        scaling = {}
        for factor in (1, 2, 4):
            sp = np.concatenate([spikes] * factor)
            scaling[f"{factor * n_trials}_samples_s"] = round(timed(lambda sp=sp: run(sp, False),
                                                                    3)[0], 4)
        result["scaling_frozen"] = scaling
        result.update(scaling_sweeps(spikes, args.chunk, cache))
    result["minimal_brian2"] = minimal_brian2(network, spikes, reps)
    result["minimal_brian2"]["ratio_stdp"] = round(
        stdp_s / result["minimal_brian2"]["warm_run_s"], 2)
    result["compile_count"] = compile_count()
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    result["peak_rss_simulator_mb"] = round(child.peak_kb / 1024, 1)
    result["python"] = platform.python_version()
    result["machine"] = platform.machine()
    return result


if __name__ == "__main__":
    main()
