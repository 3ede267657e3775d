"""The bad-input corpus (``tests/corpus``): every malformed input raises its own, clear error.

Each case of :func:`corpus.make_corpus.build_corpus` is read by its entry point and must raise
exactly the expected exception class with a message naming the input and the problem. The cases
that can be uploaded are also uploaded on the web app's Study page, which must show the error in
an ``st.error`` box and keep working.
"""

from __future__ import annotations

import contextlib
import logging
import re
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from corpus.make_corpus import (  # tests/corpus, importable because tests/ is on sys.path
    CH_NAMES,
    Case,
    build_corpus,
    build_valid,
    readme_table,
    signals,
    write_edf,
)

from data_loaders import FileFormatError, load_eeg
from neucube import TrialSet
from neucube_study import Study

README = Path(__file__).parent / "corpus" / "README.md"


def _case_ids() -> list[str]:
    # Parametrisation needs the ids at collection; the files used are built by the fixture.
    with tempfile.TemporaryDirectory() as tmp:
        return [c.id for c in build_corpus(tmp)]


CASE_IDS = _case_ids()


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    cases = build_corpus(tmp_path_factory.mktemp("corpus"))
    return {c.id: c for c in cases}


def test_the_corpus_covers_every_entry_point_and_family(corpus) -> None:
    assert len(corpus) >= 30
    assert {c.entry for c in corpus.values()} == {
        "data_loaders.load_eeg", "data_loaders.read_recording", "data_loaders.load_neucube_csv",
        "data_loaders.load_marker_csv", "data_loaders.load_fmri", "neucube.TrialSet",
        "NeuCubeClassifier.fit", "neucube_study.load_study", "neucube.load_model", "app.extract_zip",
        "neucube_study.outputs.check_target",
    }  # fmt: skip
    families = {c.family for c in corpus.values() if c.upload is not None}
    assert {"EDF", "BDF", "BrainVision", "EEGLAB", "FIF", "CSV folder", "marker CSV"} <= families


@pytest.mark.parametrize("case_id", CASE_IDS)
def test_bad_input_raises_a_clear_error(corpus, case_id: str) -> None:
    case = corpus[case_id]
    for path in case.files:
        assert path.exists(), f"{case_id}: {path} was not written"
    with pytest.raises(case.error, match=case.match) as info, _deadline(60, case_id):
        case.run()  # named pipes are among the inputs: a reader that opens one would block
    assert type(info.value) is case.error, f"{type(info.value).__name__}: {info.value}"


@contextlib.contextmanager
def _deadline(seconds: float, what: str) -> Iterator[None]:
    """Fail instead of hanging when the body blocks (SIGALRM interrupts a blocking open)."""

    def expire(signum: int, frame: object) -> None:
        raise AssertionError(f"{what}: still running after {seconds} s (blocked on a pipe?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _summary(result: object) -> object:
    if isinstance(result, TrialSet):
        return result.n_trials, result.n_channels, result.class_counts()
    if isinstance(result, Study):
        return result.name
    return type(result).__name__, list(result.classes_)


def test_valid_inputs_load(tmp_path: Path) -> None:
    """The files the corpus breaks are valid before they are broken."""
    eeg = (8, 4, {"T1": 4, "T2": 4})
    codes = (8, 4, {"1": 4, "2": 4})
    expected = {
        "EDF": eeg, "BDF": eeg, "BrainVision": (8, 4, {"Stimulus/S  1": 4, "Stimulus/S  2": 4}),
        "EEGLAB": codes, "FIF": codes, "CSV folder": (4, 3, {"1": 2, "2": 2}),
        "marker CSV": (8, 2, {"1": 4, "2": 4}), "NIfTI": (2, 48, {"a": 1, "b": 1}),
        "study": "corpus", "model": ("NeuCubeClassifier", ["a", "b"]),
        "arrays": (4, 3, {"0": 2, "1": 2}),
    }  # fmt: skip
    found = {v.family: _summary(v.run()) for v in build_valid(tmp_path)}
    assert found == expected


def test_readme_lists_every_case(corpus) -> None:
    text = README.read_text(encoding="utf-8")
    table = readme_table(list(corpus.values()))
    assert table in text, "README.md is out of date: python tests/corpus/make_corpus.py --readme"


# ----------------------------------------------------------------- behaviour behind the cases
def test_a_flat_channel_is_marked_bad_and_left_out_with_a_warning(tmp_path, caplog) -> None:
    data = signals()
    data[2] = 0.0  # Pz disconnected
    path = write_edf(tmp_path / "rec.edf", data)
    with caplog.at_level(logging.WARNING, logger="data_loaders.eeg"):
        ts = load_eeg(path, tmin=-0.1, tmax=0.5)
    assert ts.ch_names == ("Fz", "Cz", "Oz") and ts.coords.shape == (3, 3)
    assert ts.metadata["flat_channels"] == ["Pz"] and "Pz" in ts.metadata["bad_channels"]
    assert set(ts.metadata["coordinate_sources"]) == {"Fz", "Cz", "Oz"}
    message = "flat channels (constant over the whole recording) marked bad and left out: ['Pz']"
    assert message in ts.metadata["warnings"]
    assert f"rec.edf: {message}" in caplog.text


def test_nan_in_epochs_names_the_epoch_channel_and_sample() -> None:
    import mne

    info = mne.create_info(list(CH_NAMES), 100.0, "eeg")
    X = np.random.default_rng(0).normal(0, 1e-5, (3, len(CH_NAMES), 50))
    X[1, 3, 7:] = np.nan
    epochs = mne.EpochsArray(X, info, tmin=-0.1, verbose="error")
    with pytest.raises(
        FileFormatError,
        match=r"EpochsArray object: expected finite EEG samples; found 43 NaN/Inf samples in "
              r"channels \['Oz'\], the first in epoch 1 at sample 7 \(-0\.030 s\) of 'Oz'",
    ):
        load_eeg(epochs)


# ----------------------------------------------------------------- the web app
def _upload_cases(corpus: dict[str, Case], families: set[str]) -> list[Case]:
    return [c for c in corpus.values() if c.upload is not None and c.family in families]


@pytest.mark.parametrize(
    "families",
    [{"EDF", "BDF", "BrainVision"}, {"EEGLAB", "FIF", "CSV folder", "marker CSV"}],
    ids=["edf-bdf-brainvision", "eeglab-fif-csv"],
)
def test_app_shows_each_upload_error_and_keeps_working(corpus, families, tmp_path) -> None:
    """One session uploads every bad file of some families in turn, then a good recording."""
    from test_app import errors, load_classes, new_app, upload

    cases = _upload_cases(corpus, families)
    assert {c.family for c in cases} == families
    at = new_app().run()
    for case in cases:
        upload(at, [(p.name, p.read_bytes()) for p in case.upload], **case.app_options)
        shown = errors(at)
        assert len(shown) == 1, (case.id, shown)
        assert re.search(case.app_match or case.match, shown[0]), (case.id, shown[0])
        assert "neucube-app-" not in shown[0], "server paths are not shown"
        assert "dataset" not in at.session_state or at.session_state["dataset"] is None
    # The session survives: a valid recording is read and cut into trials in the same session.
    good = write_edf(tmp_path / "good.edf", signals())
    upload(at, [(good.name, good.read_bytes())], up_unknown="drop")
    assert not errors(at), errors(at)
    load_classes(at, {"T1": "one", "T2": "two"})
    assert at.session_state["dataset"].trials.class_counts() == {"one": 4, "two": 4}
