"""Fault injection: runs killed at every stage, damaged build caches, concurrent runs.

Killed runs
    A ``neucube run`` is killed (SIGTERM or SIGKILL) inside one stage, at a seeded random delay
    after the log line that starts the stage: a fraction in [0.05, 0.6) of the stage's duration
    in an uninterrupted reference run. ``STAGES`` names each stage by its first and last log line;
    every case checks that its start line was logged and its end line was not, so a kill that
    came too early or too late fails instead of passing silently. The results folder must then be
    absent or complete, the build cache must hold only intact builds, and a following run with
    ``--resume`` on the same cache must give the reference's ``metrics.json`` byte for byte.

Damaged builds
    The binary overwritten (same size: only its checksum tells), truncated (in a new process)
    or missing, the manifest garbage: each is reported, rebuilt, and the simulation equals a
    clean build's. (The program reads its synapses and inputs from each run's files, so a build
    has no ``static_arrays`` to damage.)
    (The build's ``results/`` folder is empty: the program writes to each run's own folder.)

Concurrent runs
    Two runs on a cold cache (one compiles, the other waits for the build), two runs with other
    seeds, and two runs into the same results folder (the second is refused, naming the folder).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from test_study_run import FILES  # tests/ is on sys.path (no package)

from neucube.cube.connectivity import build_connectivity
from neucube.cube.engine import CompiledCube, compile_count, simulate_brian
from neucube.cube.mapping import input_positions, map_channels
from neucube.cube.model import ModelParams
from neucube.cube.template import grid_template
from neucube_study.metrics import METRICS_SCHEMA

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).with_name("neucube")
#: The smallest study with every stage: a compile, 6 cross-validation fits (model, baseline,
#: control on 2 folds), 6 STDP rounds for the final model (long enough to be hit), one figure
#: window in one format.
STUDY = """
[study]
name = "faults"
seed = 3
# The published model (deSNN, unscaled cube): what these tests were written for, and fast.
preset = "published"
[data]
source = "simulate"
n_subjects = 2
n_trials_per_class = 6
seed = 11
[events]
familiar = "familiar"
unfamiliar = "unfamiliar"
[encoder]
kind = "step_forward"
compare = ["step_forward"]
[cube]
template = "grid"
spacing_mm = 20.0
[stdp]
n_rounds = 6
[evaluation]
scheme = ["stratified"]
n_splits = 2
baselines = ["channel_features_logreg"]
# One process, as these tests were written for (the default is every core): the log and the
# signals reach every fit.
n_jobs = 1
ablations = []
[figures]
formats = ["png"]
windows = [[0.0, 0.2]]
"""
#: Stage -> (log line that starts it, log line that ends it).
STAGES = {
    "compile": ("compiling network with", "compiled network in"),
    "folds": ("fit 1/6 done", "fit 6/6 done"),
    "stdp": ("STDP round 1/6", "STDP round 6/6"),
    "figures": ("NeuCubeClassifier.save: wrote", "figures for 0-200 ms"),
}
SIGNALS = {"sigterm": signal.SIGTERM, "sigkill": signal.SIGKILL}
SEED = 20240609


# --------------------------------------------------------------------------- helpers
class Run:
    """A ``neucube -v`` process with its stderr (INFO log lines included) in a file."""

    def __init__(self, args: list[str], *, cache: Path, log: Path) -> None:
        self.log = log
        tmp = log.parent / "tmp"  # the compiled program's per-run folders, kept out of /tmp
        tmp.mkdir(exist_ok=True)
        env = {**os.environ, "NEUCUBE_CACHE_DIR": str(cache), "TMPDIR": str(tmp)}
        with log.open("w") as err:
            # Own process group, so the compiler or simulator a SIGKILLed run leaves behind can
            # be ended too.
            self.proc = subprocess.Popen([str(EXE), "-v", *args], cwd=REPO, env=env, text=True,
                                         stdout=subprocess.PIPE, stderr=err,
                                         start_new_session=True)

    @property
    def stderr(self) -> str:
        return self.log.read_text()

    def wait_for(self, text: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.stderr:
                return
            if self.proc.poll() is not None:
                raise AssertionError(f"exited ({self.proc.returncode}) before {text!r}:\n"
                                     f"{self.stderr[-3000:]}")
            time.sleep(0.01)
        raise AssertionError(f"no {text!r} within {timeout} s:\n{self.stderr[-3000:]}")

    def finish(self, timeout: float = 300) -> int:
        self.stdout, _ = self.proc.communicate(timeout=timeout)
        return self.proc.returncode


def neucube(args: list[str], *, cache: Path, log: Path) -> Run:
    run = Run(args, cache=cache, log=log)
    assert run.finish() == 0, run.stderr[-3000:]
    return run


def log_time(run_log: Path, text: str) -> datetime:
    for line in run_log.read_text().splitlines():
        if text in line:
            return datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
    raise AssertionError(f"no {text!r} in {run_log}")


def assert_absent_or_complete(out: Path) -> bool:
    """The results folder is absent, or has every file and a valid ``metrics.json``."""
    if not out.exists():
        return False
    assert sorted(p.name for p in out.iterdir()) == FILES
    jsonschema.validate(json.loads((out / "metrics.json").read_text()), METRICS_SCHEMA)
    manifest = json.loads((out / "figures" / "manifest.json").read_text())
    for fig in manifest["figures"]:
        for file in fig["files"].values():
            assert (out / "figures" / file).is_file(), file
    return True


def assert_sound_cache(cache: Path, *, killed_build: bool = False) -> list[Path]:
    """Only intact builds (every file matches its manifest); no temporary build folder, unless
    a build was just killed (the engine never reads those; the next build removes them)."""
    root = cache / "brian2"
    temporary = [p for p in root.iterdir() if p.name.startswith(".tmp-")]
    assert len(temporary) <= killed_build, temporary
    builds = [p for p in root.iterdir() if p.is_dir() and p not in temporary]
    for build in builds:
        manifest, problem = CompiledCube._read_manifest(build, build.name)
        assert manifest is not None, f"{build}: {problem}"
    return builds


@pytest.fixture(scope="module")
def study_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("study") / "faults.toml"
    path.write_text(STUDY)
    return path


@pytest.fixture(scope="module")
def reference(study_file, tmp_path_factory) -> dict:
    """An uninterrupted run on a fresh cache: its results, its (warm) cache, stage durations."""
    base = tmp_path_factory.mktemp("reference")
    out, cache = base / "out" / "res", base / "cache"
    neucube(["run", str(study_file), "--out", str(out)], cache=cache, log=base / "stderr.txt")
    assert_absent_or_complete(out)
    durations = {stage: (log_time(out / "run.log", end) - log_time(out / "run.log", start))
                 .total_seconds() for stage, (start, end) in STAGES.items()}
    return {"out": out, "cache": cache, "durations": durations,
            "metrics": (out / "metrics.json").read_bytes()}


# --------------------------------------------------------------------------- killed runs
@pytest.mark.parametrize("stage", list(STAGES))
@pytest.mark.parametrize("sig", list(SIGNALS))
def test_killed_run_leaves_a_complete_folder_or_none_and_a_sound_cache(
        sig, stage, reference, study_file, tmp_path):
    """Kill a run inside ``stage``, then run again with ``--resume``.

    With ``SEED``, the kill comes this fraction of the stage's reference duration after the
    stage's start line (SIGTERM / SIGKILL):

    - compile (0.35 / 0.26): while g++ builds the cube on a fresh cache; SIGTERM takes effect
      when the compiler returns, and the unfinished build must not be committed;
    - folds (0.09 / 0.39): between the first and the last of the 6 cross-validation fits;
    - stdp (0.18 / 0.25): between STDP rounds 1 and 6 of the final model's fit;
    - figures (0.13 / 0.36): between saving ``model.zip`` and the end of the figure window.
    """
    start, end = STAGES[stage]
    cache = tmp_path / "cache" if stage == "compile" else reference["cache"]
    rng = np.random.default_rng([SEED, list(STAGES).index(stage), int(SIGNALS[sig])])
    fraction = rng.uniform(0.05, 0.4)
    delay = fraction * reference["durations"][stage]
    out = tmp_path / "out" / "res"

    # A busier or idler machine than the reference's may finish the stage before the kill: then
    # try again, sooner (the guarantees must hold either way; only the stage would be missed).
    for attempt in range(3):
        shutil.rmtree(out.parent, ignore_errors=True)
        if stage == "compile":
            shutil.rmtree(cache, ignore_errors=True)
        run = Run(["run", str(study_file), "--out", str(out)], cache=cache,
                  log=tmp_path / f"killed-{attempt}.txt")
        try:
            run.wait_for(start)
            time.sleep(delay / 4**attempt)
            run.proc.send_signal(SIGNALS[sig])
            if sig == "sigkill":
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(run.proc.pid, signal.SIGKILL)
            code = run.finish(timeout=120)
        finally:
            if run.proc.poll() is None:
                run.proc.kill()
                run.proc.wait()
        stderr = run.stderr
        if end not in stderr:
            break
        assert_absent_or_complete(out)
    assert end not in stderr, (f"killed after the {stage} stage ended three times (first "
                               f"{delay:.2f} s after {start!r}):\n{stderr[-2000:]}")
    if sig == "sigterm":
        assert code == 143, stderr[-2000:]
        assert "terminated (SIGTERM); no results folder was written" in stderr
        assert not out.exists()
    else:
        assert code == -signal.SIGKILL
        assert not assert_absent_or_complete(out)  # the end line was not reached: no folder
    assert_sound_cache(cache, killed_build=stage == "compile" and sig == "sigkill")

    again = neucube(["run", str(study_file), "--out", str(out), "--resume"], cache=cache,
                    log=tmp_path / "again.txt")
    assert "Removing the" not in again.stderr  # nothing broken was left in the cache
    assert assert_absent_or_complete(out)
    assert (out / "metrics.json").read_bytes() == reference["metrics"]
    # The stale temporary folder, checkpoints and lock of the killed run are gone, and so are
    # the simulator's per-run folders a SIGKILL left in TMPDIR.
    assert sorted(p.name for p in out.parent.iterdir()) == ["res"]
    assert not list((tmp_path / "tmp").glob("neucube-run-*"))
    builds = assert_sound_cache(cache)
    assert len(builds) == 1


# --------------------------------------------------------------------------- damaged builds
def _small_network():
    tpl = grid_template((4, 4, 4), 10.0)
    coords = np.array([[0.0, 0.0, 0.0], [31.0, 28.0, 30.0], [12.0, 29.0, 2.0]])
    positions, inputs = input_positions(tpl, map_channels(coords, tpl))
    net = build_connectivity(positions, inputs, radius_mm=25.0, connection_probability=0.6,
                             random_state=1)
    spikes = np.random.default_rng(1).choice(np.array([-1, 0, 1], dtype=np.int8),
                                             p=[0.15, 0.7, 0.15], size=(5, 3, 40))
    return net, spikes


def _simulate(cache: Path):
    net, spikes = _small_network()
    # Plastic, so the weights depend on every synapse's pre and post.
    return simulate_brian(net, spikes, ModelParams(threshold=0.3, a_plus=0.01), plastic=True,
                          samples_per_chunk=2, cache_dir=cache)


def _garbage_same_size(path: Path) -> None:
    size = path.stat().st_size
    path.write_bytes(np.random.default_rng(0).bytes(size))


def _truncate(path: Path) -> None:
    with path.open("r+b") as fh:
        fh.truncate(path.stat().st_size // 3)


DAMAGE = {
    "binary overwritten": ("main", _garbage_same_size, "the SHA-256 of main differs"),
    "binary missing": ("main", Path.unlink, "main is missing"),
    "manifest garbage": ("neucube_build.json", lambda p: p.write_text('{"key": '),
                         "unreadable manifest neucube_build.json"),
}


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory):
    """A build of the small network and the result it gives."""
    cache = tmp_path_factory.mktemp("clean-cache")
    return cache, _simulate(cache)


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_build_is_detected_and_rebuilt(damage, clean_build, tmp_path, caplog):
    """Damage a build this process is using: the next simulation notices, rebuilds, and
    matches the clean build. (Truncation is checked in a new process below.)"""
    clean_cache, clean = clean_build
    cache = tmp_path / "cache"
    shutil.copytree(clean_cache, cache)
    first = _simulate(cache)  # this process now uses (and remembers) the copied build
    np.testing.assert_array_equal(first.weights, clean.weights)
    name, corrupt, message = DAMAGE[damage]
    [build] = assert_sound_cache(cache)
    corrupt(build / name)

    before = compile_count()
    with caplog.at_level(logging.INFO, logger="neucube.cube.engine"):
        res = _simulate(cache)
    assert compile_count() == before + 1
    assert f"Removing the corrupted build {build} (" in caplog.text
    assert message in caplog.text
    np.testing.assert_array_equal(res.weights, clean.weights)
    assert res.raster == clean.raster
    assert assert_sound_cache(cache) == [build]


_WORKER = """
import json, logging, sys
sys.path.insert(0, {tests!r})
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
logging.getLogger("brian2").setLevel(logging.WARNING)
from pathlib import Path
from test_faults import _simulate
from neucube.cube.engine import compile_count
res = _simulate(Path({cache!r}))
print(json.dumps({{"compiled": compile_count(), "w": res.weights.tolist()}}))
"""


def test_new_process_rebuilds_a_truncated_binary(clean_build, tmp_path):
    """A fresh process checks a build before its first run: a truncated file the program reads
    (a static array, in builds that had them, used to run without an error and give other
    weights; the program now reads only its binary) is found and rebuilt."""
    clean_cache, clean = clean_build
    cache = tmp_path / "cache"
    shutil.copytree(clean_cache, cache)
    [build] = assert_sound_cache(cache)
    _truncate(build / "main")
    code = _WORKER.format(tests=str(REPO / "tests"), cache=str(cache))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert proc.returncode == 0, proc.stderr
    assert "WARNING neucube.cube.engine: Removing the corrupted build" in proc.stderr
    assert "main has " in proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["compiled"] == 1 and out["w"] == clean.weights.tolist()
    assert_sound_cache(cache)


# --------------------------------------------------------------------------- concurrent runs
def test_concurrent_runs_on_a_cold_cache_match_their_serial_runs(reference, study_file, tmp_path):
    """Three runs at once into three folders on one cold cache, two with the reference's seed
    and one with another: one compiles while the others wait for its build; same seed gives
    byte-identical results, the other seed those of its own serial run."""
    cache = tmp_path / "cache"
    seeds = {"a": "3", "b": "3", "c": "4"}
    runs = [Run(["run", str(study_file), "--out", str(tmp_path / name / "res"), "--seed", seed],
                cache=cache, log=tmp_path / f"{name}.txt") for name, seed in seeds.items()]
    for run in runs:
        assert run.finish() == 0, run.stderr[-3000:]
    assert sum("compiling network with" in run.stderr for run in runs) == 1
    assert len(assert_sound_cache(cache)) == 1
    metrics = {}
    for name in seeds:
        out = tmp_path / name / "res"
        assert assert_absent_or_complete(out)
        metrics[name] = (out / "metrics.json").read_bytes()
    assert metrics["a"] == metrics["b"] == reference["metrics"]
    serial = tmp_path / "serial" / "res"
    neucube(["run", str(study_file), "--out", str(serial), "--seed", "4"], cache=cache,
            log=tmp_path / "serial.txt")
    assert metrics["c"] == (serial / "metrics.json").read_bytes() != metrics["a"]


def test_two_runs_into_one_folder_the_second_is_refused(reference, study_file, tmp_path):
    """Both start at once; the one that takes the folder's lock runs, the other stops at once
    instead of later replacing the winner's results (and discarding its checkpoints)."""
    out = tmp_path / "out" / "res"
    runs = [Run(["run", str(study_file), "--out", str(out)], cache=reference["cache"],
                log=tmp_path / f"{name}.txt") for name in ("a", "b")]
    codes = sorted(run.finish() for run in runs)
    assert codes == [0, 1], [run.stderr[-2000:] for run in runs]
    loser, winner = sorted(runs, key=lambda run: -run.proc.returncode)
    # The pid is missing only if the winner had not written it yet.
    assert re.search(rf"neucube run: error: {re.escape(str(out))}: another neucube run"
                     rf"( \(pid {winner.proc.pid}\))? is writing this results folder; wait for it "
                     "to finish or choose another output folder", loser.stderr), loser.stderr
    assert "loading data" not in loser.stderr  # refused before doing anything
    assert assert_absent_or_complete(out)
    assert (out / "metrics.json").read_bytes() == reference["metrics"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["res"]  # the lock is removed too
