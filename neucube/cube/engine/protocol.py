"""The run-time file protocol of the compiled program (what a run writes, calls and reads back).

Runs call the compiled binary directly with the command-line protocol that Brian2's own
``device.run(run_args=...)`` uses (``--results_dir`` and ``<group>.<variable>=<file>``), with the
file names recorded in the build's manifest. The cached program is never written to at run time:
every run passes its arguments as files in its own temporary folder
(:func:`~neucube.cube.engine.tempdirs.run_folder`) and writes its results there, so any number of
processes can share one build.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from neucube.cube.engine.tempdirs import run_folder, sweep_stale_run_folders

#: Version of the run-time file protocol (what the program reads and writes), part of the key.
#: 2: the program writes only the arrays read back (spikes and weights), not all 40 or so.
#: 3: the synapses that exist (not every candidate) and the input as a bit table are run-time
#: files; the run lasts as many steps as it is given (no padding); spikes as int32 neurons and
#: steps, written only when recorded.
PROTOCOL = "3"

#: The compiled program's file name in its build folder.
BINARY = "main.exe" if sys.platform == "win32" else "main"

#: Totals of this process's runs of compiled programs (read by the benchmarks): bytes of the
#: files each run wrote (its arguments and the program's results) and seconds spent in that
#: file protocol and in the program itself.
_RUN_STATS: dict[str, float] = {"runs": 0, "temp_bytes": 0, "io_s": 0.0, "program_s": 0.0}


def run_stats() -> dict[str, float]:
    """Totals of this process's compiled-program runs: ``runs``, ``temp_bytes`` (bytes of the
    temporary files they wrote), ``io_s`` (writing and reading them) and ``program_s``."""
    return dict(_RUN_STATS)


def synapse_file(n_neurons: int, pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    """The synapse file: int32 ``n_neurons``, ``n_synapses``, the ``n_neurons + 1`` offsets of
    each source's targets, then the targets (``pre`` sorted, targets sorted per source)."""
    pre = np.asarray(pre, dtype=np.int32)
    offsets = np.zeros(n_neurons + 1, dtype=np.int32)
    np.cumsum(np.bincount(pre, minlength=n_neurons), out=offsets[1:])
    return np.concatenate([np.array([n_neurons, pre.size], dtype=np.int32), offsets,
                           np.asarray(post, dtype=np.int32)])


def stim_file(columns: np.ndarray) -> np.ndarray:
    """The input file: int32 ``n_rows``, ``n_columns``, then ``columns`` (bool, rows of steps)
    packed row-major, 8 values a byte, least significant bit first."""
    head = np.array(columns.shape, dtype=np.int32).view(np.uint8)
    return np.concatenate([head, np.packbits(columns, axis=None, bitorder="little")])


def run_program(
    directory: Path,
    manifest: dict[str, Any],
    arrays: dict[str, tuple[np.ndarray, int]],
    scalars: dict[str, float | int],
    files: dict[str, np.ndarray],
    *,
    steps: int,
    plastic: bool,
    record: bool = True,
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """Run the program built in ``directory`` once.

    Parameters
    ----------
    directory : Path
        The build folder (the program's working directory).
    manifest : dict
        The build's manifest: the Brian2 names and dtypes of the inputs and the result files.
    arrays : dict
        Array arguments by input name: ``(values, expected number of values)``.
    scalars : dict
        Values of the shared parameters by input name.
    files : dict
        Contents of the run's other input files by name (``"synapses"``, ``"stim"``: see
        :func:`synapse_file` and :func:`stim_file`), passed in environment variables.
    steps : int
        Steps to simulate.
    plastic : bool
        Whether the synapses are made in the plastic group (and the weights read back).
    record : bool
        Whether the program writes its spikes.

    Returns
    -------
    spike_count : int
        Number of spikes.
    spike_neuron, spike_step : ndarray of int32
        Spikes in time order (neurons and steps; empty unless ``record``).
    weights : ndarray
        Final weights, as written (empty unless ``plastic``).
    """
    inputs = manifest["inputs"]
    env_names = manifest["run_files"]
    sweep_stale_run_folders()
    t_io = time.perf_counter()
    with run_folder() as workdir:
        args = []
        for name, (value, size) in arrays.items():
            info = inputs[name]
            arr = np.ascontiguousarray(value, dtype=np.dtype(info["dtype"]))
            if arr.size != size:
                raise ValueError(f"Run argument {name!r}: expected {size} values; found "
                                 f"{arr.size}.")
            path = workdir / f"{name}.bin"
            arr.tofile(path)
            args.append(f"{info['name']}={path}")
        for name, value in scalars.items():
            info = inputs[name]
            text = repr(int(value)) if np.dtype(info["dtype"]).kind in "iu" else \
                repr(float(value))
            args.append(f"{info['name']}={text}")
        env = {**os.environ, **manifest.get("environment", {}), env_names["steps"]: str(steps),
               env_names["plastic"]: "1" if plastic else "0"}
        for name, content in files.items():
            path = workdir / f"{name}.bin"
            content.tofile(path)
            env[env_names[name]] = str(path)
        results = workdir / "results"
        results.mkdir()
        spikes = workdir / "spikes.bin"
        env[env_names["spikes"]] = str(spikes)
        env[env_names["record"]] = "1" if record else "0"
        t_program = time.perf_counter()
        try:
            proc = subprocess.run(
                [str(directory / BINARY), "--results_dir", f"{results}{os.sep}",
                 *args], cwd=directory, capture_output=True, text=True, env=env,
                check=False,
            )
        except OSError as exc:  # e.g. "Exec format error": the binary was damaged
            raise RuntimeError(f"The compiled network in {directory} could not be "
                               f"started: {exc}") from exc
        # The program reports unreadable argument files on stderr but does not fail.
        if proc.returncode != 0 or "Error" in proc.stderr or "Error" in proc.stdout:
            raise RuntimeError(
                f"The compiled network in {directory} failed (exit code "
                f"{proc.returncode}): {(proc.stderr or proc.stdout).strip()[-2000:]}"
            )
        t_read = time.perf_counter()
        w = np.fromfile(results / manifest["outputs"]["w"], dtype=np.float64) if plastic \
            else np.zeros(0)
        raw = np.fromfile(spikes, dtype=np.uint8)
        count = int(raw[:8].view(np.int64)[0]) if raw.size >= 8 else -1
        events = raw[8:].view(np.int32)
        if count < 0 or events.size != (2 * count if record else 0):
            raise RuntimeError(f"The compiled network in {directory} wrote an incomplete "
                               f"spike file ({raw.size} bytes).")
        neuron, step = events[:count], events[count:]
        _RUN_STATS["temp_bytes"] += sum(p.stat().st_size for p in workdir.rglob("*")
                                        if p.is_file())
        _RUN_STATS["runs"] += 1
        _RUN_STATS["program_s"] += t_read - t_program
        _RUN_STATS["io_s"] += (t_program - t_io) + (time.perf_counter() - t_read)
    return count, neuron, step, w
