"""Uploads read once, through the study runner's loader (app.streamlit_app.datasets)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from test_study_sources import write_recordings  # tests/ is on sys.path (no package)

from app.streamlit_app import datasets


@pytest.fixture
def upload(tmp_path: Path) -> tuple[datasets.UploadPlan, Path]:
    folder = write_recordings(tmp_path / "in", n_subjects=1, n_events=12)
    recording = next(folder.iterdir())
    paths = datasets.save_uploads([(recording.name, recording.read_bytes())], tmp_path / "up",
                                  max_bytes=10**8)
    return datasets.plan_upload(paths), tmp_path / "up"


def test_mapping_events_on_the_discovered_trials_equals_reading_again(upload) -> None:
    plan, folder = upload
    options = datasets.default_options(reject_uv=None, resample=64.0, leave_out=())
    found = datasets.discover_events(plan, options, workdir=folder)
    assert found.class_counts() == {"familiar": 6, "unfamiliar": 6}
    events = {"known": ["familiar"]}
    chosen = dataclasses.replace(options, leave_out=("O2",))
    once = datasets.load_upload(plan, chosen, events, workdir=folder, discovered=found)
    again = datasets.load_upload(plan, chosen, events, workdir=folder)
    a, b = once.trials, again.trials
    assert a.class_names == b.class_names == ("known",)
    assert a.ch_names == b.ch_names and "O2" not in a.ch_names
    np.testing.assert_array_equal(a.X, b.X)
    np.testing.assert_array_equal(a.y, b.y)
    assert a.sfreq == b.sfreq == 64.0 and a.tmin == b.tmin
    assert once.loader_args == again.loader_args and once.preprocessing == again.preprocessing
    assert once.trials.metadata["drop_log"]["IGNORED"] == 6
    assert once.trials.metadata["event_id"] == {"known": ["familiar"]}


def test_new_options_after_discovery_read_the_files_again(upload) -> None:
    plan, folder = upload
    options = datasets.default_options(reject_uv=None)
    found = datasets.discover_events(plan, options, workdir=folder)
    shorter = dataclasses.replace(options, tmax=0.4)
    ds = datasets.load_upload(plan, shorter, {"a": ["familiar"], "b": ["unfamiliar"]},
                              workdir=folder, discovered=found)
    assert ds.trials.tmax == pytest.approx(0.4, abs=1 / ds.trials.sfreq)
    assert found.tmax > 0.7
