"""Builds of the cube's Brian2 program: what is compiled, where it is cached, and its checks.

Programs live in ``<cache>/brian2/<hash>``, where ``<cache>`` is ``$NEUCUBE_CACHE_DIR`` or
``~/.cache/neucube`` and ``<hash>`` is a SHA-256 of everything that was compiled
(:class:`BuildSpec`, engine version, Brian2 version, compiler flags, platform). A build is made in
a temporary directory under a file lock and renamed into place with a manifest written last; the
manifest records the size and SHA-256 of every file the program reads at run time, checked when a
process first uses the build (see :mod:`neucube.cube.engine`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import platform
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from neucube.cube.engine.equations import (
    BRIAN_LOCK,
    ENV_PLASTIC,
    ENV_RECORD,
    ENV_SPIKES,
    ENV_STEPS,
    ENV_STIM,
    ENV_SYNAPSES,
    NEURON_SCALARS,
    SYNAPSE_SCALARS,
    make_network,
    quiet_brian,
)
from neucube.cube.engine.protocol import (
    BINARY,
    PROTOCOL,
    run_program,
    stim_file,
    synapse_file,
)
from neucube.cube.network import CubeNetwork

# One logger for the whole package: its name appears in users' logs and progress handlers.
logger = logging.getLogger("neucube.cube.engine")

#: Bump when the generated model changes, so old builds are not reused.
ENGINE_VERSION = "5"

#: GCC flags: Brian2's defaults minus ``-ffast-math`` and ``-march=native``, plus
#: ``-ffp-contract=off``, so arithmetic is plain IEEE double (bit-identical to the NumPy
#: reference) and a cached binary runs on any CPU of the same architecture.
COMPILE_ARGS = ("-w", "-O3", "-ffp-contract=off", "-std=c++11")

_MANIFEST = "neucube_build.json"
#: Folder of the arrays the program reads at start-up (e.g. the synapses' pre and post indices).
_STATIC_ARRAYS = "static_arrays"
_NO_MANIFEST = "no manifest"
_NO_CHECKSUMS = f"{_MANIFEST} has no file checksums (made by an older neucube)"
_LAST_COMPILE = "last_compile_seconds.txt"

_COMPILE_COUNT = 0
_PROGRAMS: dict[tuple[str, str], CompiledCube] = {}


def compile_count() -> int:
    """Number of C++ builds made by this process (cache hits do not count)."""
    return _COMPILE_COUNT


def cache_root(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    """Root of neucube's cache.

    ``cache_dir`` if given, else ``$NEUCUBE_CACHE_DIR``, else ``~/.cache/neucube``
    (``$XDG_CACHE_HOME`` replaces ``~/.cache`` when set).
    """
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    env = os.environ.get("NEUCUBE_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "neucube"


@dataclass(frozen=True, eq=False)
class BuildSpec:
    """Everything the compiled program depends on.

    Parameters
    ----------
    n_neurons : int
        Number of neurons.
    pre, post : ndarray of int32
        Candidate synapses, sorted by ``(pre, post)``. The program reads the synapses of each
        run from a file (the active candidates); the candidates are hashed into the key so
        that a build serves one montage.
    n_columns : int
        Number of input columns (2 per channel).
    n_steps : int
        Steps per sample.
    samples_per_chunk : int
        Samples per run of the program (at most; a run lasts the steps it is given).
    neuron_model : {"slif", "lif"}
        Neuron model.
    """

    n_neurons: int
    pre: np.ndarray
    post: np.ndarray
    n_columns: int
    n_steps: int
    samples_per_chunk: int
    neuron_model: str

    @classmethod
    def from_network(cls, network: CubeNetwork, *, n_steps: int, samples_per_chunk: int,
                     neuron_model: str) -> BuildSpec:
        """The build a network needs for samples of ``n_steps`` steps."""
        return cls(network.n_neurons, network.pre, network.post, 2 * network.n_channels,
                   n_steps, samples_per_chunk, neuron_model)

    @property
    def n_candidates(self) -> int:
        """Number of candidate synapses."""
        return int(self.pre.shape[0])

    @property
    def chunk_steps(self) -> int:
        """Steps simulated by one run."""
        return self.n_steps * self.samples_per_chunk

    def key(self) -> str:
        """Hex SHA-256 (first 24 characters) of everything that is compiled."""
        h = hashlib.sha256()
        header = {
            "engine": ENGINE_VERSION,
            "protocol": PROTOCOL,
            "brian2": version("brian2"),
            "compile_args": list(COMPILE_ARGS),
            "platform": [sys.platform, platform.machine(), platform.python_implementation()],
            "n_neurons": self.n_neurons,
            "n_columns": self.n_columns,
            "n_steps": self.n_steps,
            "samples_per_chunk": self.samples_per_chunk,
            "neuron_model": self.neuron_model,
            "n_candidates": self.n_candidates,
        }
        h.update(json.dumps(header, sort_keys=True).encode())
        h.update(np.ascontiguousarray(self.pre, dtype=np.int32).tobytes())
        h.update(np.ascontiguousarray(self.post, dtype=np.int32).tobytes())
        return h.hexdigest()[:24]


def _estimate_compile_seconds(root: Path) -> float:
    with contextlib.suppress(OSError, ValueError):
        return float((root / _LAST_COMPILE).read_text().strip())
    return 10.0


def _runtime_files(directory: Path) -> list[str]:
    """Files of a build that its program reads at run time, relative to ``directory``."""
    arrays = directory / _STATIC_ARRAYS
    names = sorted(p.relative_to(directory).as_posix() for p in arrays.rglob("*") if p.is_file())
    return [BINARY, *names]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _stat_signature(directory: Path, names: list[str]) -> tuple[tuple[str, int, int], ...] | None:
    """Size and modification time of each file (None if one is missing): a cheap re-check."""
    try:
        stats = [(name, (directory / name).stat()) for name in [_MANIFEST, *names]]
    except OSError:
        return None
    return tuple((name, st.st_size, st.st_mtime_ns) for name, st in stats)


def _write_only(objects_cpp: Path, keep: set[str]) -> None:
    """Make the generated program write only the result files named in ``keep``.

    Brian2's standalone program ends by writing every array of the network to its results
    folder (synapse indices, delays, neuron state, ...: megabytes per run for a 64-channel
    cube), of which a run reads back only the spikes and the weights. Each array is written
    by one block of ``_write_arrays()`` in ``objects.cpp`` that starts with its ``ofstream``
    declaration and names its file; the blocks of other arrays are removed before compiling.
    """
    text = objects_cpp.read_text()
    start = text.find("void _write_arrays()")
    end = text.find("\n}\n", start)
    if start < 0 or end < 0:
        raise RuntimeError(f"{objects_cpp}: expected Brian2's _write_arrays() function; found "
                           "none (unsupported Brian2 version?)")
    body = text[start:end]
    blocks = body.split("\n    ofstream ")
    kept = [blocks[0]] + [b for b in blocks[1:] if "last_run_info" in b
                          or any(f'"{name}"' in b for name in keep)]
    found = {name for name in keep if any(f'"{name}"' in b for b in kept)}
    if found != keep or len(kept) == len(blocks):
        raise RuntimeError(f"{objects_cpp}: could not select the result files {sorted(keep)} in "
                           "_write_arrays() (unsupported Brian2 version?)")
    objects_cpp.write_text(text[:start] + "\n    ofstream ".join(kept) + text[end:])


# Inserted into main() before the network runs: the run's length in steps, from the environment
# (at most the compiled chunk; ``dt`` is one second, so steps are seconds).
_STEPS_CPP = """
double _nc_steps = %(chunk)d;
{
    const char* _nc_text = std::getenv("%(env)s");
    if (_nc_text) _nc_steps = std::atof(_nc_text);
    if (!(_nc_steps >= 0 && _nc_steps <= %(chunk)d)) {
        std::cout << "Error: %(env)s must be a number of steps in [0, %(chunk)d]" << std::endl;
        return 3;
    }
}
"""
# Inserted after the run: the number of spikes (int64), then, if $NEUCUBE_RECORD is "1", the spikes
# as int32 neurons and int32 steps (8 bytes a spike instead of Brian2's 12; an STDP pass needs
# only the count and the weights).
_SPIKES_CPP = """
{
    const char* _nc_path = std::getenv("%(env)s");
    const char* _nc_record = std::getenv("%(record)s");
    if (_nc_path) {
        const size_t _nc_n = %(i)s.size();
        const int64_t _nc_count = (int64_t)_nc_n;
        std::ofstream _nc_file(_nc_path, std::ios::binary | std::ios::out);
        _nc_file.write(reinterpret_cast<const char*>(&_nc_count), sizeof(int64_t));
        if (_nc_record && _nc_record[0] == '1' && _nc_n) {
            std::vector<int32_t> _nc_out(2 * _nc_n);
            for (size_t _k = 0; _k < _nc_n; _k++) {
                _nc_out[_k] = %(i)s[_k];
                _nc_out[_nc_n + _k] = (int32_t)(%(t)s[_k] + 0.5);
            }
            _nc_file.write(reinterpret_cast<const char*>(&_nc_out[0]),
                           2 * _nc_n * sizeof(int32_t));
        }
        _nc_file.close();
        if (!_nc_file) {
            std::cout << "Error: cannot write the spikes to " << _nc_path << std::endl;
            return 3;
        }
    }
}
"""


def _run_for_steps(main_cpp: Path, chunk_steps: int) -> None:
    """Make the program's run last ``_nc_steps`` (see ``_STEPS_CPP``) instead of the compiled
    chunk, so that a last, partial chunk is not simulated with silent padding."""
    text = main_cpp.read_text()
    call = f"cube_network.run({float(chunk_steps)!r},"
    if text.count(call) != 1 or "double _nc_steps" not in text:
        raise RuntimeError(f"{main_cpp}: expected one call {call} after the inserted run "
                           "length; found none (unsupported Brian2 version?)")
    main_cpp.write_text(text.replace(call, "cube_network.run(_nc_steps,"))


def _compile(spec: BuildSpec, directory: Path) -> dict[str, Any]:
    """Generate and compile the program into ``directory``; return its manifest."""
    with BRIAN_LOCK, quiet_brian():
        import brian2 as b2
        from brian2.devices.device import get_device, reset_device, set_device

        set_device("cpp_standalone", build_on_run=False)
        device = get_device()
        device.reinit()
        device.activate(build_on_run=False)
        saved = {
            "codegen.cpp.extra_compile_args_gcc": b2.prefs["codegen.cpp.extra_compile_args_gcc"],
            "devices.cpp_standalone.extra_make_args_unix":
                b2.prefs["devices.cpp_standalone.extra_make_args_unix"],
        }
        b2.prefs["codegen.cpp.extra_compile_args_gcc"] = list(COMPILE_ARGS)
        # make's output goes to a log file, not to our stdout (Brian2 calls os.system).
        b2.prefs["devices.cpp_standalone.extra_make_args_unix"] = ["-j", ">make.log", "2>&1"]
        try:
            objs = make_network(b2, spec)
            g, s, m = objs["neurons"], objs["synapses"], objs["monitor"]
            device.insert_code("main", _STEPS_CPP % {"env": ENV_STEPS,
                                                     "chunk": spec.chunk_steps})
            objs["net"].run(spec.chunk_steps * b2.second, namespace={})
            device.insert_code("main", _SPIKES_CPP % {
                "env": ENV_SPIKES, "record": ENV_RECORD,
                "i": device.get_array_name(m.variables["i"], access_data=False),
                "t": device.get_array_name(m.variables["t"], access_data=False)})
            device.build(directory=str(directory), compile=False, run=False)
            _run_for_steps(directory / "main.cpp", spec.chunk_steps)
            outputs = {"w": device.get_array_filename(s.variables["w"])}
            _write_only(directory / "objects.cpp", set(outputs.values()))
            from brian2.codegen.cpp_prefs import get_compiler_and_args

            device.compile_source(str(directory), get_compiler_and_args()[0], debug=False,
                                  clean=False)

            def arg(var: Any) -> dict[str, Any]:
                return {"name": f"{var.owner.name}.{var.name}", "dtype": np.dtype(var.dtype).str}

            manifest = {
                "key": spec.key(),
                "inputs": {
                    "w": arg(s.variables["w"]),
                    "w_frozen": arg(objs["frozen"].variables["w"]),
                    "active": arg(s.variables["active"]),
                    "exc": arg(s.variables["exc"]),
                    "inp": arg(g.variables["inp"]),
                    **{k: arg(g.variables[k]) for k in NEURON_SCALARS},
                    **{k: arg(s.variables[k]) for k in SYNAPSE_SCALARS},
                },
                "run_files": {"synapses": ENV_SYNAPSES, "stim": ENV_STIM,
                              "plastic": ENV_PLASTIC, "steps": ENV_STEPS,
                              "spikes": ENV_SPIKES, "record": ENV_RECORD},
                "outputs": outputs,
                "environment": {
                    **{k: str(v) for k, v in
                       b2.prefs["devices.cpp_standalone.run_environment_variables"].items()},
                    **{k: str(v) for k, v in device.run_environment_variables.items()},
                },
                "spec": {"n_neurons": spec.n_neurons, "n_candidates": spec.n_candidates,
                         "n_columns": spec.n_columns, "n_steps": spec.n_steps,
                         "samples_per_chunk": spec.samples_per_chunk,
                         "neuron_model": spec.neuron_model},
                "brian2": b2.__version__,
                "files": {name: {"size": (directory / name).stat().st_size,
                                 "sha256": _sha256(directory / name)}
                          for name in _runtime_files(directory)},
            }
        finally:
            for k, v in saved.items():
                b2.prefs[k] = v
            device.reinit()
            reset_device()
    return manifest


class CompiledCube:
    """A compiled standalone program for one :class:`BuildSpec`, shared through the cache.

    Use :meth:`get` rather than the constructor: it returns the cached build or compiles it.
    """

    def __init__(self, spec: BuildSpec, directory: Path, manifest: dict[str, Any]) -> None:
        self.spec = spec
        self.directory = directory
        self.manifest = manifest
        self._signature = _stat_signature(directory, list(manifest.get("files", {})))

    @classmethod
    def get(cls, spec: BuildSpec, cache_dir: str | os.PathLike[str] | None = None
            ) -> CompiledCube:
        """The program for ``spec``: from this process, from the disk cache, or compiled now."""
        global _COMPILE_COUNT
        root = cache_root(cache_dir) / "brian2"
        key = spec.key()
        memo = (str(root.resolve() if root.exists() else root), key)
        prog = _PROGRAMS.get(memo)
        # Checked in full when first used by this process; later only sizes and times, which
        # any rewrite or truncation changes.
        if prog is not None and prog._signature is not None and prog._signature == \
                _stat_signature(prog.directory, list(prog.manifest["files"])):
            return prog
        final = root / key
        manifest, problem = cls._read_manifest(final, key)
        if manifest is None:
            with quiet_brian():
                from brian2.utils.filelock import FileLock

            root.mkdir(parents=True, exist_ok=True)
            with FileLock(str(root / f"{key}.lock")):
                # Another process may have built it.
                manifest, problem = cls._read_manifest(final, key)
                if manifest is None:
                    if final.exists():
                        kind = {_NO_MANIFEST: "incomplete",
                                _NO_CHECKSUMS: "outdated"}.get(problem, "corrupted")
                        logger.warning("Removing the %s build %s (%s) and rebuilding it.", kind,
                                       final, problem)
                        shutil.rmtree(final)
                    # Left by a build that was killed: builds of this key only run under the lock.
                    for stale in root.glob(f".tmp-{key}-*"):
                        shutil.rmtree(stale, ignore_errors=True)
                    estimate = _estimate_compile_seconds(root)
                    logger.info(
                        "compiling network with %d neurons and %d candidate synapses "
                        "(one-time, ~%.0f s) into %s", spec.n_neurons, spec.n_candidates,
                        estimate, final,
                    )
                    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{key}-", dir=root))
                    start = time.perf_counter()
                    try:
                        manifest = _compile(spec, tmp)
                        (tmp / _MANIFEST).write_text(json.dumps(manifest, indent=1))
                        os.replace(tmp, final)
                    except BaseException:
                        shutil.rmtree(tmp, ignore_errors=True)
                        raise
                    elapsed = time.perf_counter() - start
                    _COMPILE_COUNT += 1
                    with contextlib.suppress(OSError):
                        (root / _LAST_COMPILE).write_text(f"{elapsed:.1f}\n")
                    logger.info("compiled network in %.1f s", elapsed)
        prog = cls(spec, final, manifest)
        _PROGRAMS[memo] = prog
        return prog

    @staticmethod
    def _read_manifest(directory: Path, key: str) -> tuple[dict[str, Any] | None, str | None]:
        """The build's manifest if the build is complete and intact, else ``(None, problem)``."""
        path = directory / _MANIFEST
        if not path.is_file():
            return None, _NO_MANIFEST
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            return None, f"unreadable manifest {_MANIFEST}: {exc}"
        if not isinstance(manifest, dict) or manifest.get("key") != key:
            return None, f"{_MANIFEST} is not the manifest of build {key}"
        files = manifest.get("files")
        if not isinstance(files, dict) or BINARY not in files:
            return None, _NO_CHECKSUMS
        for name, expected in files.items():
            file = directory / name
            try:
                size = file.stat().st_size
            except OSError:
                return None, f"{name} is missing"
            if size != expected.get("size"):
                return None, f"{name} has {size} bytes; the manifest says {expected.get('size')}"
            if _sha256(file) != expected.get("sha256"):
                return None, f"the SHA-256 of {name} differs from the manifest"
        if not os.access(directory / BINARY, os.X_OK):
            return None, f"{BINARY} is not executable"
        return manifest, None

    def run(
        self,
        columns: np.ndarray,
        weights: np.ndarray,
        excitatory: np.ndarray,
        pre: np.ndarray,
        post: np.ndarray,
        inp: np.ndarray,
        scalars: dict[str, float | int],
        *,
        record: bool = True,
    ) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
        """Run one chunk on the given synapses.

        Parameters
        ----------
        columns : ndarray of bool, shape (n_rows, n_columns)
            Input spikes per step and column, ``n_rows <= chunk_steps`` (the run lasts
            ``n_rows`` steps).
        weights, excitatory, pre, post : ndarray of shape (n_synapses,)
            The synapses that exist (the active candidates), sorted by ``(pre, post)``.
        inp : ndarray of shape (n_neurons,)
            Column that drives each neuron (``n_columns`` for none).
        scalars : dict
            Values of the shared parameters.
        record : bool
            Whether the program writes its spikes (else they come back empty).

        Returns
        -------
        spike_count : int
            Number of spikes.
        spike_neuron, spike_step : ndarray
            Spikes in time order (steps counted from the start of the chunk; empty unless
            ``record``).
        weights : ndarray
            Final weights.
        """
        spec = self.spec
        n_rows = columns.shape[0]
        if columns.shape != (n_rows, spec.n_columns) or n_rows > spec.chunk_steps:
            raise ValueError(f"Run input: expected at most {spec.chunk_steps} steps of "
                             f"{spec.n_columns} columns; found shape {columns.shape}.")
        n_syn = int(weights.shape[0])
        plastic = bool(scalars["plastic"])
        arrays = {"inp": (inp, spec.n_neurons)}
        scalars = dict(scalars)
        # Brian2 cannot read an empty array file: no synapse, no argument.
        if n_syn and plastic:
            arrays.update(w=(weights, n_syn), exc=(excitatory, n_syn))
            # Every synapse of the run exists: ``active`` (kept for Brian2's runtime targets,
            # which take the same equations) is 1 throughout.
            scalars["active"] = 1
        elif n_syn:
            arrays["w_frozen"] = (weights, n_syn)
        files = {"synapses": synapse_file(spec.n_neurons, pre, post),
                 "stim": stim_file(columns)}
        count, neuron, step, w = run_program(self.directory, self.manifest, arrays, scalars,
                                             files, steps=n_rows, plastic=plastic,
                                             record=record)
        if not plastic:  # frozen: the weights are unchanged (the program does not write them)
            w = np.asarray(weights, dtype=np.float64)
        if w.size != n_syn:
            raise RuntimeError(f"The compiled network in {self.directory} wrote incomplete "
                               f"results ({w.size} weights for {n_syn} synapses).")
        return count, neuron, step.astype(np.int64), w
