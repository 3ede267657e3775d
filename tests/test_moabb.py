"""NeuCube and the baselines as MOABB pipelines (P300 paradigm) on MOABB's offline FakeDataset.

MOABB is an optional dependency (``neucube[moabb]``): without it these tests are skipped.
``FakeDataset`` generates its recordings in memory (its ``data_path`` does nothing), and every
folder MOABB or MNE could write to is pointed at the test's temporary folder, which is checked
to hold no downloaded file afterwards.
"""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("moabb", reason="MOABB is optional: pip install 'neucube[moabb]'")

from data_loaders import channel_positions  # noqa: E402
from neucube.evaluation.moabb import VOLTS_TO_MICROVOLTS, moabb_pipelines  # noqa: E402

CHANNELS = ("Fz", "Cz", "Pz", "Oz")


@pytest.fixture
def offline(tmp_path, monkeypatch):
    """MNE's and MOABB's data folders inside tmp_path; yields the results folder."""
    monkeypatch.setenv("MNE_DATA", str(tmp_path / "mne_data"))
    monkeypatch.setenv("MNE_DATASETS_FAKEDATASET_PATH", str(tmp_path / "fake"))
    (tmp_path / "fake").mkdir()
    yield tmp_path / "results"
    downloaded = [p for p in (tmp_path / "mne_data").rglob("*") if p.is_file()] \
        if (tmp_path / "mne_data").exists() else []
    assert downloaded == [], f"MOABB wrote data files: {downloaded}"
    assert list((tmp_path / "fake").iterdir()) == []


def _fake_p300(n_subjects: int):
    from moabb.datasets.fake import FakeDataset
    from moabb.paradigms import P300

    dataset = FakeDataset(event_list=["Target", "NonTarget"], paradigm="p300",
                          n_subjects=n_subjects, n_sessions=1, n_runs=1, channels=CHANNELS,
                          duration=60, n_events=40, seed=0, sfreq=128)
    return dataset, P300(tmin=0.0, tmax=0.5)


def test_pipelines_convert_volts_and_keep_their_names():
    pipes = moabb_pipelines(coords=np.zeros((4, 3)), baselines=["vectorizer_logreg"],
                            random_state=3)
    assert list(pipes) == ["NeuCube", "vectorizer_logreg"]
    model = pipes["NeuCube"].named_steps["model"]
    assert model.random_state == 3 and model.readout == "state" and model.coords.shape == (4, 3)
    X = np.full((1, 4, 2), 2e-6)
    assert np.allclose(pipes["NeuCube"].named_steps["microvolts"].transform(X),
                       2e-6 * VOLTS_TO_MICROVOLTS)


@pytest.mark.slow
def test_within_session_and_cross_subject_evaluation(offline):
    from moabb.evaluations import CrossSubjectEvaluation, WithinSessionEvaluation

    dataset, paradigm = _fake_p300(n_subjects=2)
    epochs, labels, _ = paradigm.get_data(dataset, subjects=[1], return_epochs=True)
    assert sorted(set(labels)) == ["NonTarget", "Target"]
    coords = channel_positions(epochs.ch_names)  # MNI mm, one row per channel
    pipes = moabb_pipelines(coords=coords, baselines=["vectorizer_logreg"],
                            neucube_params={"encoder": "bsa", "stdp_rate": (0.001, 0.002),
                                            "readout": "state", "spacing_mm": 20.0})

    within = WithinSessionEvaluation(paradigm=paradigm, datasets=[dataset], overwrite=True,
                                     hdf5_path=str(offline), random_state=0, n_jobs=1)
    res = within.process(pipes)
    assert sorted(res["pipeline"].unique()) == ["NeuCube", "vectorizer_logreg"]
    assert len(res) == 2 * 2  # 2 subjects x 1 session x 2 pipelines
    assert res["score"].between(0, 1).all() and (res["samples"] == len(labels)).all()

    cross = CrossSubjectEvaluation(paradigm=paradigm, datasets=[dataset], overwrite=True,
                                   hdf5_path=str(offline), random_state=0, n_jobs=1)
    res = cross.process({"NeuCube": pipes["NeuCube"]})
    assert sorted(res["subject"].astype(str)) == ["1", "2"]  # each subject held out once
    assert res["score"].between(0, 1).all()
