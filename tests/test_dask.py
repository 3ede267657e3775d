"""Scaling out: fits on a Dask cluster (joblib's dask backend) give exactly the serial results."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from neucube_study import load_study, run_study

distributed = pytest.importorskip("distributed", reason="--scheduler needs dask[distributed]")

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
STUDY = """
[study]
name = "dask"
seed = 1
[data]
source = "simulate"
n_subjects = 2
n_trials_per_class = 6
seed = 21
[events]
familiar = "familiar"
unfamiliar = "unfamiliar"
[encoder]
compare = ["tbr"]
[cube]
template = "grid"
spacing_mm = 20.0
[evaluation]
scheme = ["per_subject", "stratified"]
n_splits = 3
baselines = ["channel_features_logreg"]
[figures]
enabled = false
"""


@pytest.fixture(scope="module")
def cluster():
    # Worker processes (not threads): each has its own Brian2 device and compiles or reuses its
    # own build through the shared cache, as on a real cluster.
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=logging.ERROR) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    path = tmp_path_factory.mktemp("dask") / "study.toml"
    path.write_text(STUDY)
    return load_study(path)


@pytest.fixture(scope="module")
def serial(study, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("serial") / "res"
    run_study(study, out=out)
    return out


def test_dask_equals_serial(cluster, study, serial, tmp_path):
    out = tmp_path / "res"
    result = run_study(study, out=out, scheduler=cluster.scheduler_address)
    assert result.summary["scheduler"] == cluster.scheduler_address
    for name in ("metrics.json", "predictions.csv"):
        assert (out / name).read_bytes() == (serial / name).read_bytes(), name
    log = (out / "run.log").read_text()
    assert f"scheduler {cluster.scheduler_address}" in log
    # Each worker process loaded its own compiled cube (built once, or reused from the cache).
    with distributed.Client(cluster) as client:
        loaded = client.run(lambda: len(__import__("neucube.cube.engine.build", fromlist=["_"])._PROGRAMS))
    assert len(loaded) == 2 and all(n >= 1 for n in loaded.values()), loaded


def test_cli_scheduler_flag(cluster, study, serial, tmp_path):
    exe = Path(sys.executable).with_name("neucube")
    out = tmp_path / "cli"
    proc = subprocess.run([str(exe), "run", str(study.path), "--out", str(out), "--scheduler",
                           cluster.scheduler_address], cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    assert (out / "metrics.json").read_bytes() == (serial / "metrics.json").read_bytes()


def test_joblib_workers_equal_serial(study, serial, tmp_path):
    out = tmp_path / "jobs"
    run_study(study, out=out, n_jobs=2)
    for name in ("metrics.json", "predictions.csv"):
        assert (out / name).read_bytes() == (serial / name).read_bytes(), name


def test_unreachable_scheduler(study, tmp_path):
    with pytest.raises(ValueError, match=r"^--scheduler: could not connect to a Dask scheduler at "
                                         r"'tcp://127\.0\.0\.1:9'"):
        run_study(study, out=tmp_path / "x", scheduler="tcp://127.0.0.1:9")
    assert not (tmp_path / "x").exists()
