"""The Streamlit app, driven page by page with Streamlit's ``AppTest`` (no browser).

The app's helper modules (uploads, study files, training jobs) are also tested directly, so every
message a user can see is pinned.
"""

from __future__ import annotations

import io
import json
import re
import time
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from app.streamlit_app import datasets, studyfile
from app.streamlit_app.datasets import (
    RecordingOptions,
    UploadError,
    UploadPlan,
    event_mapping,
    extract_zip,
    plan_upload,
    safe_name,
    save_uploads,
)
from app.streamlit_app.training import NO_EARLY_NOTE, count_fits
from neucube.defaults import DEFAULTS

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest

REPO = Path(__file__).resolve().parents[1]
HOME = REPO / "app" / "streamlit_app" / "Home.py"
EDF = "eeg_format_samples/mne_testing_data/test_edf_overlapping_annotations.edf"
BRAINVISION = "eeg_format_samples/mne_python_testdata/test"
WRIST = "neucube_wrist_movement_eeg"
OCTET = "application/octet-stream"


# --------------------------------------------------------------------------- helpers
def new_app() -> AppTest:
    return AppTest.from_file(str(HOME), default_timeout=180)


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no metric {label!r}; metrics: {[m.label for m in at.metric]}"
    return values[0]


def open_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(page).run()
    no_exception(at)
    return at


def upload(at: AppTest, files: list[tuple[str, bytes]], **options) -> AppTest:
    """Upload ``files`` on the Study page, set ``options`` and press "Read recording".

    New files start from the ERP preset; its 75 µV rejection would drop every trial of the
    MNE/PhysioNet test recordings these tests read, so they keep all trials unless told.
    """
    open_page(at, "pages/1_Study.py")
    at.radio(key="study_source").set_value("Upload recordings").run()
    uploader = at.file_uploader(key="up_files")
    uploader.set_value([(name, data, OCTET) for name, data in files])
    at.run()
    for key, value in {"up_reject": 0.0, **options}.items():
        widget = next(w for w in at.main if getattr(w, "key", None) == key)
        widget.set_value(value)
    at.run()
    at.button(key="up_read").click().run()
    no_exception(at)
    return at


def load_classes(at: AppTest, classes: dict[str, str]) -> AppTest:
    """Choose the events (keys) and their class names (values), then press "Load trials"."""
    at.multiselect(key="up_events").set_value(list(classes)).run()
    for event, cls in classes.items():
        at.text_input(key=f"up_class_{event}").set_value(cls)
    at.run()
    at.button(key="up_load").click().run()
    no_exception(at)
    assert not errors(at), errors(at)
    return at


def wait_for_result(at: AppTest, timeout: float = 400.0) -> object:
    """Rerun the Train page until the session's job has finished; return the result."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        at.run()
        no_exception(at)
        job = at.session_state["job"] if "job" in at.session_state else None
        if job is None:
            assert not errors(at), errors(at)
            return at.session_state["result"]
        time.sleep(0.5)
    job = at.session_state["job"]
    raise AssertionError(f"training did not finish within {timeout} s: state {job.state!r}, "
                         f"stage {job.stage!r}, log {job.log[-5:]}")


def run_evaluation(at: AppTest, *, folds: int, control: bool, readout: str | None = None,
                   state_c: str | None = None) -> object:
    open_page(at, "pages/3_Train.py")
    if readout is not None:
        at.radio(key="tr_readout").set_value(readout).run()
        no_exception(at)
    if state_c is not None:
        at.text_input(key="tr_state_c").set_value(state_c)
    at.number_input(key="tr_folds").set_value(folds)
    at.checkbox(key="tr_control").set_value(control)
    next(b for b in at.button if b.label == "Run evaluation").click().run()
    no_exception(at)
    return wait_for_result(at)


@pytest.fixture
def edf_bytes(shared_data: Path) -> tuple[str, bytes]:
    path = shared_data / EDF
    return path.name, path.read_bytes()


# --------------------------------------------------------------------------- pages
def test_home_page_introduces_the_workflow() -> None:
    at = new_app().run()
    no_exception(at)
    assert at.title[0].value == "NeuCube"
    assert at.button(key="home_demo").label == "Load the demo study"
    assert "No trials loaded yet." in [c.value for c in at.sidebar.caption]


@pytest.mark.parametrize("page", ["pages/2_Encode.py", "pages/3_Train.py",
                                  "pages/4_Connectivity.py", "pages/5_Export.py"])
def test_pages_without_trials_point_to_the_study_page(page: str) -> None:
    at = open_page(new_app().run(), page)
    assert any("Study page" in i.value for i in at.info), [i.value for i in at.info]


def test_demo_button_loads_the_familiarity_study() -> None:
    at = new_app().run()
    at.button(key="home_demo").click().run()
    no_exception(at)
    ds = at.session_state["dataset"]
    assert ds.source == "study" and ds.trials.n_trials == 160
    assert [s.value for s in at.success] == ["Loaded 160 trials from familiarity."]
    assert metric(at, "Subjects") == "2"
    # The study's own settings become the Train page's defaults.
    s = at.session_state["settings"]
    assert s == studyfile.settings_of(ds.study)
    assert (s["encoder"]["encoder"], s["stdp"]["stdp_rate"], s["readout"]["readout"],
            s["readout"]["n_bins"], s["readout"]["state_c"]) == (
        "bsa", [0.001, 0.002], "state", 20, "auto")
    # per subject and stratified (the study's schemes, as neucube run), control, no-STDP
    # ablation, final model
    assert count_fits(s, ds.trials) == (2 * 5 + 5) * 3 + 1


def test_train_page_readout_selector_switches_the_parameters() -> None:
    at = new_app().run()
    at.button(key="home_demo").click().run()
    open_page(at, "pages/3_Train.py")
    # The demo study's readout: the state readout's parameters, not the deSNN's.
    assert at.radio(key="tr_readout").value == "state"
    assert at.radio(key="tr_readout").options == [
        "deSNN", "State (logistic regression on time-binned spike counts)"]
    assert [t.label for t in at.tabs] == ["Cube", "STDP learning", "State readout", "Evaluation"]
    assert at.number_input(key="tr_n_bins").value == 20
    assert at.text_input(key="tr_state_c").value == "auto"
    keys = {getattr(w, "key", None) for w in at.main}
    assert not keys & {"tr_mod", "tr_drift_up", "tr_drift_down", "tr_recall", "tr_k", "tr_sigma"}
    # The study's [A+, A-] pair fills the two STDP inputs.
    assert (at.number_input(key="tr_stdp_rate_plus").value,
            at.number_input(key="tr_stdp_rate_minus").value) == (0.001, 0.002)

    # deSNN: its parameters appear, the state readout's go, the choice is kept in the session.
    at.radio(key="tr_readout").set_value("desnn").run()
    no_exception(at)
    assert [t.label for t in at.tabs][2] == "deSNN readout"
    assert at.number_input(key="tr_mod").value == 0.8
    assert at.radio(key="tr_recall").value == "wknn"
    keys = {getattr(w, "key", None) for w in at.main}
    assert not keys & {"tr_n_bins", "tr_state_c"}
    assert at.session_state["settings"]["readout"]["readout"] == "desnn"

    # Back to the state readout: a C that is neither 'auto' nor a positive number is refused
    # with the field's name, and no run starts.
    at.radio(key="tr_readout").set_value("state").run()
    at.text_input(key="tr_state_c").set_value("strong")
    at.number_input(key="tr_n_bins").set_value(12)
    next(b for b in at.button if b.label == "Run evaluation").click().run()
    no_exception(at)
    assert errors(at) == ['Inverse L2 penalty (state_c): expected "auto" or a positive number; '
                          "found 'strong'"]
    assert ("job" not in at.session_state) or at.session_state["job"] is None
    s = at.session_state["settings"]["readout"]
    assert (s["readout"], s["n_bins"], s["state_c"]) == ("state", 20, "auto")


def test_train_page_stdp_amplitudes_are_equal_for_one_rate() -> None:
    at = new_app().run()
    at.button(key="home_demo").click().run()
    at.session_state["settings"] = studyfile.with_changes(
        at.session_state["settings"], {"stdp": {"stdp_rate": 0.0015},
                                       "readout": {"readout": "desnn"}})
    open_page(at, "pages/3_Train.py")
    assert at.radio(key="tr_readout").value == "desnn"
    assert (at.number_input(key="tr_stdp_rate_plus").value,
            at.number_input(key="tr_stdp_rate_minus").value) == (0.0015, 0.0015)
    assert [t.label for t in at.tabs][2] == "deSNN readout"


def test_shipped_study_summary_shows_classes_channels_and_the_brain() -> None:
    at = open_page(new_app().run(), "pages/1_Study.py")
    assert at.selectbox(key="study_name").value == "familiarity"
    at.number_input(key="study_subjects").set_value(1).run()
    at.button(key="study_load").click().run()
    no_exception(at)
    assert metric(at, "Trials") == "80"
    assert metric(at, "Channels") == "19"
    assert metric(at, "Sampling rate") == "128 Hz"
    classes = at.dataframe[0].value
    assert classes["class"].tolist() == ["familiar", "unfamiliar"]
    assert classes["trials"].tolist() == [40, 40]
    (chart,) = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    channels = next(t for t in spec["data"] if t["name"] == "channels")
    assert len(channels["text"]) == 19 and "Fz" in channels["text"]
    # The sidebar of every page now describes the session's data.
    assert any("80 trials" in c.value for c in at.sidebar.caption)


@pytest.mark.shared_data
def test_upload_real_edf_maps_and_merges_events_into_classes(edf_bytes) -> None:
    at = upload(new_app().run(), [edf_bytes])
    events = at.dataframe[0].value
    assert dict(zip(events["event"], events["trials"], strict=True)) == {"T0": 18, "T1": 10,
                                                                          "T2": 9}
    assert at.multiselect(key="up_events").value == ["T0", "T1", "T2"]
    load_classes(at, {"T0": "rest", "T1": "task", "T2": "task"})
    ds = at.session_state["dataset"]
    assert ds.trials.class_counts() == {"rest": 18, "task": 19}
    assert ds.events == {"rest": ["T0"], "task": ["T1", "T2"]}
    assert ds.trials.n_channels == 64 and ds.trials.space == "mni"
    assert metric(at, "Trials") == "37"
    assert at.get("plotly_chart"), "the channels are drawn on the brain"


@pytest.mark.shared_data
def test_upload_brainvision_reads_its_three_files_together(shared_data: Path) -> None:
    stem = shared_data / BRAINVISION
    files = [(stem.with_suffix(s).name, stem.with_suffix(s).read_bytes())
             for s in (".vhdr", ".vmrk", ".eeg")]
    at = upload(new_app().run(), files)
    events = at.dataframe[0].value
    assert {"Stimulus/S253", "Stimulus/S255"} <= set(events["event"])
    load_classes(at, {"Stimulus/S253": "S253", "Stimulus/S255": "S255"})
    ds = at.session_state["dataset"]
    assert ds.source == "eeg" and set(ds.trials.class_names) == {"S253", "S255"}
    assert ds.files == ("test.vhdr", "test.vmrk", "test.eeg")


@pytest.mark.shared_data
def test_upload_listed_events_and_trigger_channel(shared_data: Path) -> None:
    path = shared_data / "eeg_format_samples/mne_python_testdata/test_edf_stim_channel.edf"
    at = upload(new_app().run(), [(path.name, path.read_bytes())],
                up_stim="DIG DTRIG", up_event_list="100")
    events = at.dataframe[0].value
    assert events.to_dict("list") == {"event": ["100"], "trials": [12]}
    load_classes(at, {"100": "stimulus"})
    ds = at.session_state["dataset"]
    assert ds.events == {"stimulus": [100]}  # a trigger code goes back to the loader as int
    assert ds.trials.class_counts() == {"stimulus": 12}


@pytest.mark.shared_data
def test_neucube_csv_zip_upload(shared_data: Path) -> None:
    folder = shared_data / WRIST
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for p in sorted(folder.iterdir()):
            if p.suffix in (".csv", ".txt"):
                zf.write(p, f"wrist/{p.name}")
    at = upload(new_app().run(), [("wrist.zip", buffer.getvalue())], up_sfreq=128.0)
    assert not errors(at), errors(at)
    ds = at.session_state["dataset"]
    assert ds.source == "neucube_csv" and ds.trials.n_trials == 60
    assert ds.trials.class_counts() == {"1": 20, "2": 20, "3": 20}
    assert ds.loader_args == {"folder": "wrist", "sfreq": 128.0, "on_unknown": "drop",
                              "exclude_non_eeg": True}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.shared_data
@pytest.mark.parametrize(
    ("files", "message"),
    [
        ([("broken.edf", b"0" * 300)], r"broken\.edf: expected a readable EDF recording"),
        ([("notes.gz", b"hello")], r"expected EDF/BDF, BrainVision .*; found notes\.gz"),
        ([("table.csv", b"a,b\n1,2\n3,4\n")],
         r"table\.csv: expected a marker column .*; found columns \['a', 'b'\]"),
        ("vhdr-only", r"test\.vhdr: expected its data file 'test\.eeg' beside it; found no such"),
        ("no-trials", r"MB0400FU\.EDF: expected one class per event time"),
        ([("evil.zip", _zip({"../evil.csv": b"1,2"}))],
         r"evil\.zip: expected files inside the archive's own folder; found '\.\./evil\.csv'"),
        ("label-mismatch", r"tar_class_labels\.csv: expected"),
    ],
    ids=["corrupt", "wrong-format", "no-marker-column", "missing-companion", "no-events",
         "zip-traversal", "label-mismatch"],
)
def test_bad_uploads_show_the_loaders_error_and_the_app_keeps_working(
    shared_data: Path, files, message
) -> None:
    if files == "vhdr-only":
        p = shared_data / BRAINVISION
        files = [("test.vhdr", p.with_suffix(".vhdr").read_bytes())]
    elif files == "no-trials":
        p = shared_data / "eeg_format_samples/mne_testing_data/MB0400FU.EDF"
        files = [(p.name, p.read_bytes())]
    elif files == "label-mismatch":
        folder = shared_data / WRIST
        members = {f"sam{i}_eeg.csv": (folder / f"sam{i}_eeg.csv").read_bytes() for i in (1, 2)}
        members["tar_class_labels.csv"] = (folder / "tar_class_labels.csv").read_bytes()
        files = [("wrist.zip", _zip(members))]
    at = upload(new_app().run(), files)
    (error,) = errors(at)
    assert re.search(message, error), error
    assert "neucube-app-" not in error, "server paths are not shown"
    assert "dataset" not in at.session_state or at.session_state["dataset"] is None
    # The app survives: a shipped study still loads in the same session.
    at.radio(key="study_source").set_value("Shipped study").run()
    at.button(key="study_load").click().run()
    no_exception(at)
    assert at.session_state["dataset"].trials.n_trials == 160


def test_encode_page_previews_spikes_and_reconstruction_snr() -> None:
    at = new_app().run()
    at.button(key="home_demo").click().run()
    open_page(at, "pages/2_Encode.py")
    assert at.image, "the encoder preview figure is shown"
    table = at.dataframe[0].value
    assert len(table) == 19 and list(table.columns) == ["channel", "threshold", "SNR (dB)",
                                                        "spike rate"]
    assert metric(at, "Mean SNR").endswith(" dB")
    at.selectbox(key="enc_kind").set_value("step_forward").run()
    at.radio(key="enc_mode").set_value("auto").run()
    no_exception(at)
    s = at.session_state["settings"]["encoder"]
    assert (s["encoder"], s["encoder_threshold"]) == ("step_forward", "auto")
    at.radio(key="enc_mode").set_value("fixed").run()
    at.number_input(key="enc_value").set_value(2.5).run()
    at.selectbox(key="enc_channel").set_value("Pz").run()
    no_exception(at)
    assert at.session_state["settings"]["encoder"]["encoder_threshold"] == 2.5
    np.testing.assert_allclose(at.dataframe[0].value["threshold"], 2.5)


def test_sessions_do_not_share_data_or_folders() -> None:
    first = new_app().run()
    first.button(key="home_demo").click().run()
    second = new_app().run()
    assert "dataset" in first.session_state
    assert "dataset" not in second.session_state
    assert "No trials loaded yet." in [c.value for c in second.sidebar.caption]
    # Uploads go to each session's own folder.
    upload(first, [("a.edf", b"0" * 300)])
    upload(second, [("a.edf", b"1" * 300)])
    one, two = (Path(at.session_state["_workdir"].name) for at in (first, second))
    assert one != two and one.is_dir() and two.is_dir()
    assert [p.read_bytes()[:1] for p in sorted(one.rglob("a.edf"))] == [b"0"]
    assert [p.read_bytes()[:1] for p in sorted(two.rglob("a.edf"))] == [b"1"]
    assert first.session_state["dataset"].trials.n_trials == 160


@pytest.mark.slow
@pytest.mark.shared_data
@pytest.mark.parametrize("readout", ["desnn", "state"])
def test_upload_train_connectivity_export_end_to_end(edf_bytes, tmp_path: Path,
                                                     readout: str) -> None:
    from neucube.persistence import load_model

    at = upload(new_app().run(), [edf_bytes])
    load_classes(at, {"T0": "rest", "T1": "task", "T2": "task"})
    trials = at.session_state["dataset"].trials
    desnn = readout == "desnn"

    # ---- Train: 3 folds, no control, the default baselines. The state readout gets a fixed C
    # (typed as text): choosing it by inner CV on 64 channels' ~20k binned counts takes
    # minutes per fit.
    res = run_evaluation(at, folds=3, control=False, readout=readout,
                         state_c=None if desnn else "0.001")
    ev, ro = res.settings["evaluation"], res.settings["readout"]
    assert ev["n_splits"] == 3 and not ev["control"]
    assert (ro["readout"], ro["state_c"]) == (readout, "auto" if desnn else 0.001)
    accuracy = float(metric(at, "NeuCube accuracy"))
    assert 0.0 <= accuracy <= 1.0
    assert accuracy == pytest.approx(res.evaluation.scores()["accuracy"]["mean"], abs=5e-4)
    assert float(metric(at, "Chance level")) == pytest.approx(19 / 37, abs=5e-4)
    scores = at.dataframe[0].value
    # Plain names on the page, the technical ones beside them (the ablations come by default).
    assert scores["name in files"].tolist()[:3] == ["neucube", "vectorizer_logreg",
                                                    "channel_features_logreg"]
    assert scores["model"].tolist()[:2] == ["NeuCube", "Logistic regression on the whole epoch"]
    if desnn:
        assert len(at.image) == 3, "scores per fold, confusion matrix and accuracy over time"
        assert res.early is not None and res.early.n_folds == 3
        assert any(re.search(r"cross-validation: (\d+)/\1 fits", line) for line in res.log)
        assert NO_EARLY_NOTE not in [i.value for i in at.info]
    else:
        assert len(at.image) == 2, "scores per fold and the confusion matrix; no early prediction"
        assert res.early is None
        assert NO_EARLY_NOTE in [i.value for i in at.info]
        assert any(re.search(r"cross-validation: (\d+)/\1 fits", line) for line in res.log)
    assert any(c.value.startswith(f"{'deSNN' if desnn else 'State'} readout; Stratified k-fold")
               for c in at.caption)

    # ---- the same structure again (with the control): the compiled cube is reused
    again = run_evaluation(at, folds=3, control=True)
    assert again is not res and again.settings["evaluation"]["control"]
    assert again.settings["readout"]["readout"] == readout
    assert not again.compiled, again.log
    assert any("the compiled cube was reused" in c.value for c in at.caption)
    assert "neucube (shuffled labels)" in at.dataframe[0].value["name in files"].tolist()

    # ---- Connectivity
    open_page(at, "pages/4_Connectivity.py")
    assert len(at.get("plotly_chart")) == 1
    captions = " ".join(c.value for c in at.caption)
    assert len(at.image) == 5, "proportions, circle, 2 glass brains, class difference"
    assert "Mean firing rate of every neuron for rest minus task" in captions
    at.slider(key="cx_threshold").set_value(0.2).run()
    at.slider(key="cx_window").set_value((0.1, 0.3)).run()
    at.radio(key="cx_use").set_value("communication").run()
    no_exception(at)
    assert not errors(at), errors(at)

    # ---- Export
    open_page(at, "pages/5_Export.py")
    at.button(key="ex_figures").click().run()
    no_exception(at)
    manifest = at.session_state["export_manifest"]
    names = {f["name"] for f in manifest["figures"]}
    assert {"cube_connections", "confusion_matrix", "class_difference",
            "glass_brain_connections"} <= names
    assert ("accuracy_over_time" in names) == desnn
    assert [i.value for i in at.info] == ([] if desnn else [
        f"No accuracy-over-time figure: {NO_EARLY_NOTE}"])
    at.button(key="ex_results").click().run()
    no_exception(at)
    archive = zipfile.ZipFile(io.BytesIO(at.session_state["results_ready"]))
    listed = set(archive.namelist())
    assert {"results/metrics.json", "results/model.zip", "results/study.toml",
            "results/folds.csv", "results/predictions.csv", "results/provenance.json",
            "results/figures/confusion_matrix.svg"} <= listed
    # The folder neucube run writes: the early-prediction curve is in metrics.json.
    metrics = json.loads(archive.read("results/metrics.json"))
    assert ("early_prediction" in metrics) == desnn
    assert (again.early is not None) == desnn
    assert desnn or again.early_note == NO_EARLY_NOTE
    assert metrics["model"]["accuracy"]["mean"] == pytest.approx(
        again.evaluation.scores()["accuracy"]["mean"])
    (tmp_path / "model.zip").write_bytes(archive.read("results/model.zip"))
    model = load_model(tmp_path / "model.zip")
    np.testing.assert_array_equal(model.predict(trials), again.model.predict(trials))
    study = tomllib.loads(archive.read("results/study.toml").decode())
    assert study["data"] == {"source": "eeg", "path": edf_bytes[0], "on_unknown": "drop"}
    assert study["events"] == {"rest": ["T0"], "task": ["T1", "T2"]}
    # The upload started from the ERP preset (the shipped ERP study's preprocessing).
    assert {k: study["preprocessing"][k] for k in ("tmin", "tmax", "l_freq", "h_freq",
                                                   "resample")} == {
        "tmin": -0.1, "tmax": 0.8, "l_freq": 1.0, "h_freq": 30.0, "resample": 128.0}
    assert study["evaluation"]["n_splits"] == 3
    assert (study["readout"]["readout"], study["readout"]["state_c"]) == (
        readout, "auto" if desnn else 0.001)
    assert not at.warning, [w.value for w in at.warning]  # `neucube run` accepts the study


# --------------------------------------------------------------------------- helpers, directly
def test_safe_name_keeps_only_the_file_name() -> None:
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\data\\rec 1.edf") == "rec 1.edf"
    assert safe_name("a;b|c.edf") == "a_b_c.edf"
    with pytest.raises(UploadError, match=r"Uploaded file name '\.\./\.hidden': expected a plain"):
        safe_name("../.hidden")


def test_save_uploads_refuses_duplicates_and_oversize(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match=r"expected distinct names; found \['a\.edf'\] twice"):
        save_uploads([("a.edf", b"1"), ("x/a.edf", b"2")], tmp_path, max_bytes=100)
    with pytest.raises(UploadError, match=r"expected at most 0 MB in total; found 0\.0 MB"):
        save_uploads([("a.edf", b"123")], tmp_path, max_bytes=2)
    with pytest.raises(UploadError, match="No file uploaded"):
        save_uploads([], tmp_path, max_bytes=2)
    (path,) = save_uploads([("../a.edf", b"123")], tmp_path / "in", max_bytes=10)
    assert path == tmp_path / "in" / "a.edf" and path.read_bytes() == b"123"


def test_plan_upload_picks_the_loader(tmp_path: Path) -> None:
    def paths(*names: str) -> list[Path]:
        return [tmp_path / n for n in names]

    assert plan_upload(paths("r.vmrk", "r.vhdr", "r.eeg")) == UploadPlan(
        "eeg", (tmp_path / "r.vhdr",), (tmp_path / "r.vmrk", tmp_path / "r.eeg"))
    assert plan_upload(paths("s.set", "s.fdt")).paths == (tmp_path / "s.set",)
    assert plan_upload(paths("x.fif.gz")).kind == "eeg"
    assert plan_upload(paths("run2.csv.gz", "run1.csv")) == UploadPlan(
        "marker_csv", (tmp_path / "run1.csv", tmp_path / "run2.csv.gz"))
    assert plan_upload(paths("study.zip")).kind == "neucube_csv"
    with pytest.raises(UploadError,
                       match=r"Upload one recording at a time; found 2: a\.edf, b\.bdf"):
        plan_upload(paths("a.edf", "b.bdf"))
    with pytest.raises(UploadError, match=r"one \.zip archive of its folder; found 2 files"):
        plan_upload(paths("a.zip", "b.csv"))
    with pytest.raises(UploadError, match=r"found other files too: a\.edf"):
        plan_upload(paths("a.csv", "a.edf"))
    with pytest.raises(UploadError,
                       match=r"expected the recording's header .*; found only r\.vmrk"):
        plan_upload(paths("r.vmrk"))
    with pytest.raises(UploadError, match=r"a\.edf is read on its own; the other files \(r\.fdt\)"):
        plan_upload(paths("a.edf", "r.fdt"))
    with pytest.raises(UploadError, match="No recording uploaded"):
        plan_upload([])


def test_extract_zip_checks_members_and_size(tmp_path: Path) -> None:
    good = tmp_path / "good.zip"
    good.write_bytes(_zip({"top/sam1_x.csv": b"1,2\n", "top/tar_class_labels.csv": b"a\n"}))
    assert extract_zip(good, tmp_path / "out", max_bytes=1000) == (tmp_path / "out/top").resolve()
    flat = tmp_path / "flat.zip"
    flat.write_bytes(_zip({"sam1_x.csv": b"1,2\n"}))
    assert extract_zip(flat, tmp_path / "flat", max_bytes=1000) == (tmp_path / "flat").resolve()
    with pytest.raises(UploadError, match=r"good\.zip: expected at most 0 MB uncompressed"):
        extract_zip(good, tmp_path / "small", max_bytes=3)
    absolute = tmp_path / "abs.zip"
    absolute.write_bytes(_zip({"/etc/x": b"1"}))
    with pytest.raises(UploadError, match=r"abs\.zip: expected files inside .*; found '/etc/x'"):
        extract_zip(absolute, tmp_path / "abs", max_bytes=1000)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK not really")
    with pytest.raises(UploadError, match=r"broken\.zip: expected a zip archive"):
        extract_zip(broken, tmp_path / "broken", max_bytes=1000)


def test_event_mapping_codes_text_and_merges() -> None:
    assert event_mapping({"1": "a", "2": "a", "4": "b"}, kind="eeg", events_from="stim") == {
        "a": [1, 2], "b": [4]}
    assert event_mapping({"T1": "left", "7": "x"}, kind="eeg", events_from="annotations") == {
        "left": ["T1"], "x": ["7"]}
    with pytest.raises(UploadError, match=r"CSV markers: expected one marker code per class; "
                                          r"found 'a' <- \[1, 2\]"):
        event_mapping({"1": "a", "2": "a"}, kind="marker_csv", events_from=None)
    with pytest.raises(UploadError, match=r"Event 'T1': expected a class name; found an empty"):
        event_mapping({"T1": " "}, kind="eeg", events_from="annotations")
    with pytest.raises(UploadError, match="Choose at least one event type"):
        event_mapping({}, kind="eeg", events_from="annotations")


def test_recording_options_event_list() -> None:
    assert RecordingOptions().event_list("eeg") is None
    assert RecordingOptions(events=("1", "T2")).event_list("eeg") == [1, "T2"]
    assert RecordingOptions(events=("1", "2")).event_list("marker_csv") == {"1": 1, "2": 2}
    with pytest.raises(UploadError, match=r"CSV markers: expected integer codes; found \['x'\]"):
        RecordingOptions(events=("x",)).event_list("marker_csv")


def test_list_and_load_only_shipped_studies(tmp_path: Path) -> None:
    assert "familiarity" in datasets.list_studies()
    assert datasets.list_studies(tmp_path / "absent") == {}
    with pytest.raises(ValueError, match=r"Unknown study '\.\./secret'; the shipped studies are"):
        datasets.load_shipped_study("../secret")


def settings_with(changes: dict) -> dict:
    """The settings of a study that sets nothing (the defaults), with ``changes``."""
    return studyfile.with_changes(studyfile.settings_of(None), changes)


def make_job(trials, changes: dict, folder: Path, version: int = 1):
    """A training job of ``trials`` with the default settings and ``changes``."""
    from app.streamlit_app.training import TrainingJob

    settings = settings_with(changes)
    ds = datasets.Dataset(trials=trials, name="simulated", source="simulate")
    return TrainingJob(studyfile.study_for_run(ds, settings), settings, trials, version, folder)


def test_count_fits_follows_the_scheme() -> None:
    from data_loaders import simulate_familiarity

    trials = simulate_familiarity(n_subjects=2, n_trials_per_class=5, seed=0)
    s = settings_with({"evaluation": {"n_splits": 5, "n_seeds": 2, "control": True,
                                      "ablations": []}})
    assert count_fits(s, trials) == 2 * 5 * 2 + 1
    loso = {"scheme": ["loso"], "control": False}
    assert count_fits(studyfile.with_changes(s, {"evaluation": loso}), trials) == 2 * 2 + 1
    per_subject = {"scheme": ["per_subject"], "n_seeds": 1}
    assert count_fits(studyfile.with_changes(s, {"evaluation": per_subject}), trials) == (
        2 * 5 * 2 + 1)
    # Every scheme of the study runs; the no-STDP ablation fits the cube again.
    both = {"scheme": ["loso", "stratified"], "n_seeds": 1, "control": False,
            "ablations": ["encoder_only", "no_stdp"]}
    assert count_fits(studyfile.with_changes(s, {"evaluation": both}), trials) == (
        (2 + 5) * 2 + 1)


def test_settings_are_the_study_sections_with_the_classifiers_defaults() -> None:
    from neucube.classifier import NeuCubeClassifier
    from neucube_study import parse_study

    s = studyfile.settings_of(None)
    defaults = NeuCubeClassifier().get_params()
    for name, spec in studyfile.model_specs().items():
        value = s[spec.section][name]
        assert value == (list(defaults[name]) if isinstance(defaults[name], tuple)
                         else defaults[name]), name
    raw = {"study": {"name": "x"}, "data": {"source": "simulate"},
           "stdp": {"stdp_rate": [0.001, 0.003]},
           "readout": {"readout": "state", "n_bins": 12, "state_c": 0.5}}
    s = studyfile.settings_of(parse_study(raw))
    assert s["stdp"]["stdp_rate"] == [0.001, 0.003]
    assert (s["readout"]["readout"], s["readout"]["n_bins"], s["readout"]["state_c"]) == (
        "state", 12, 0.5)
    assert studyfile.model_value(s, "n_bins") == 12
    assert s["readout"]["readout"] == "state" and DEFAULTS["readout"] in ("state", "desnn")


def test_widget_values_are_checked_by_the_declarations() -> None:
    from app.streamlit_app.widgets import label_of, parse_param

    specs = studyfile.model_specs()
    assert parse_param(specs["state_c"], " Auto ") == "auto"
    assert parse_param(specs["state_c"], "0.01") == 0.01
    assert parse_param(specs["state_c"], "1e-3") == 0.001
    for text in ("0", "-1", "nan", "", "x"):
        with pytest.raises(ValueError, match=rf'^Inverse L2 penalty \(state_c\): expected "auto" '
                                             rf"or a positive number; found '{text}'$"):
            parse_param(specs["state_c"], text)
    # Equal amplitudes give one rate (A+ = A-), different ones the pair.
    assert parse_param(specs["stdp_rate"], [0.002, 0.002]) == 0.002
    assert parse_param(specs["stdp_rate"], [0.001, 0.002]) == [0.001, 0.002]
    with pytest.raises(ValueError, match=r"^Leak per step \(leak\): expected a number >= 0; "):
        parse_param(specs["leak"], -1.0)
    assert label_of(specs["recall"]) == "deSNN recall"  # a name keeps its case
    # A declaration's own label where its doc does not start with one.
    assert label_of(specs["stdp_bound"]) == "STDP weight bound"


def test_study_file_of_a_shipped_study_is_accepted_by_the_schema() -> None:
    from neucube_study import parse_study

    ds = datasets.load_shipped_study("familiarity", n_subjects=2)
    settings = studyfile.with_changes(studyfile.settings_of(ds.study), {
        "encoder": {"encoder": "bsa"}, "evaluation": {"n_splits": 3}, "study": {"seed": 7}})
    text, problem = studyfile.study_toml(ds, settings)
    assert problem is None
    raw = tomllib.loads(text)
    assert raw["data"]["n_subjects"] == 2
    assert (raw["encoder"]["encoder"], raw["evaluation"]["n_splits"], raw["study"]["seed"]) == (
        "bsa", 3, 7)
    study = parse_study(raw, path=ds.study.path)
    assert study.config["encoder"]["encoder"] == "bsa"
    assert (raw["stdp"]["stdp_rate"], raw["readout"]["readout"], raw["readout"]["n_bins"],
            raw["readout"]["state_c"]) == ([0.001, 0.002], "state", 20, "auto")
    assert studyfile.settings_of(study) == settings
    # The deSNN readout with one STDP rate and a numeric C round-trips too.
    other = studyfile.with_changes(settings, {"stdp": {"stdp_rate": 0.003}, "readout": {
        "readout": "desnn", "state_c": 0.1, "n_bins": 8}})
    text, problem = studyfile.study_toml(ds, other)
    assert problem is None
    raw = tomllib.loads(text)
    assert (raw["stdp"]["stdp_rate"], raw["readout"]["readout"], raw["readout"]["state_c"]) == (
        0.003, "desnn", 0.1)
    assert studyfile.settings_of(parse_study(raw, path=ds.study.path)) == other
    assert studyfile.study_for_run(ds, other).config == parse_study(raw, path=ds.study.path).config


def test_to_toml_quotes_keys_and_refuses_unknown_values() -> None:
    text = studyfile.to_toml({"events": {"Stimulus/S 1": [1, "a"], "b": None},
                              "x": {"flag": True, "t": (0.5, 1)}}, header="hi\n\nthere")
    assert tomllib.loads(text) == {"events": {"Stimulus/S 1": [1, "a"]},
                                   "x": {"flag": True, "t": [0.5, 1]}}
    assert text.startswith("# hi\n#\n# there\n")
    with pytest.raises(TypeError, match=r"x\.obj: cannot write object"):
        studyfile.to_toml({"x": {"obj": object()}})


@pytest.mark.shared_data
def test_train_page_refuses_a_single_class(edf_bytes) -> None:
    at = upload(new_app().run(), [edf_bytes])
    load_classes(at, {"T0": "rest"})
    open_page(at, "pages/3_Train.py")
    next(b for b in at.button if b.label == "Run evaluation").click().run()
    assert errors(at) == ["Classification needs at least two classes; load trials of two or "
                          "more classes on the Study page."]
    assert at.session_state["job"] is None if "job" in at.session_state else True


def test_training_job_reports_progress_and_its_result(tmp_path: Path) -> None:
    from app.streamlit_app.training import score_table
    from data_loaders import simulate_familiarity

    trials = simulate_familiarity(n_subjects=1, n_trials_per_class=8, seed=3)
    job = make_job(trials, {"readout": {"readout": "desnn"}, "evaluation": {
        "n_splits": 2, "control": False, "baselines": ["window_means_logreg"], "ablations": []}},
        tmp_path / "run", version=42)
    assert (job.state, job.progress) == ("queued", 0.0)
    job.run()
    assert job.state == "done" and job.error is None and job.progress == 1.0
    res = job.result
    assert res.dataset_version == 42 and res.settings == job.settings
    fits = [m.group() for line in res.log if (m := re.search(r"cross-validation: \d+/\d+", line))]
    assert fits == [f"cross-validation: {k}/4" for k in range(1, 5)]  # 2 folds x 2 models
    assert any(line.endswith("STDP rounds: 1/1 rounds") for line in res.log), res.log
    assert [r["model"] for r in score_table(res.evaluation)] == ["neucube", "window_means_logreg"]
    assert res.early is not None and res.early.n_folds == 2
    assert res.early.accuracy.shape == res.early.fractions.shape == (10,)
    assert res.raster.n_trials == trials.n_trials
    np.testing.assert_array_equal(res.model.classes_, ["familiar", "unfamiliar"])
    # The results folder is the one neucube run writes.
    assert res.folder == (tmp_path / "run").resolve()
    assert {"metrics.json", "folds.csv", "predictions.csv", "model.zip", "summary.json",
            "study.toml", "provenance.json"} <= {p.name for p in res.folder.iterdir()}


def test_training_job_with_the_state_readout_reports_accuracy_without_early_prediction(
        tmp_path: Path) -> None:
    from app.streamlit_app.training import score_table
    from data_loaders import simulate_familiarity
    from neucube.readout import StateClassifier

    trials = simulate_familiarity(n_subjects=1, n_trials_per_class=8, seed=3)
    job = make_job(trials, {
        "encoder": {"encoder": "bsa"}, "stdp": {"stdp_rate": [0.001, 0.002]},
        "readout": {"readout": "state", "n_bins": 10},
        "evaluation": {"n_splits": 2, "control": False, "baselines": ["window_means_logreg"],
                       "ablations": []}}, tmp_path / "run", version=7)
    job.run()
    assert job.state == "done" and job.error is None and job.progress == 1.0
    res = job.result
    fits = [m.group() for line in res.log if (m := re.search(r"cross-validation: \d+/\d+", line))]
    assert fits == [f"cross-validation: {k}/4" for k in range(1, 5)]
    assert res.early is None and res.early_note == NO_EARLY_NOTE
    rows = score_table(res.evaluation)
    assert [r["model"] for r in rows] == ["neucube", "window_means_logreg"]
    assert rows[0]["accuracy"] == res.evaluation.scores()["accuracy"]["mean"]
    assert 0.0 <= rows[0]["accuracy"] <= 1.0
    assert isinstance(res.model.readout_, StateClassifier)
    assert res.model.readout_.features_.n_bins == 10
    assert tuple(res.model.get_params()["stdp_rate"]) == (0.001, 0.002)
    assert res.model.predict(trials).shape == (trials.n_trials,)
    with pytest.raises(TypeError, match=r"Early prediction .* needs readout='desnn'"):
        res.model.early_predict_curve(trials)


def test_training_job_failure_is_reported_not_raised(tmp_path: Path) -> None:
    from data_loaders import simulate_familiarity

    trials = simulate_familiarity(n_subjects=1, n_trials_per_class=3, seed=3)
    job = make_job(trials, {"evaluation": {"n_splits": 5, "control": False}}, tmp_path / "run")
    job.run()
    assert job.state == "failed" and job.result is None
    assert "n_splits=5 cannot be greater than the number of members in each class" in job.error
    assert job.log[-1].endswith(f"Failed: {job.error}")
    assert not (tmp_path / "run").exists()  # no half-written results folder


def test_training_job_whose_imports_fail_ends_failed_not_running(monkeypatch,
                                                                 tmp_path: Path) -> None:
    """A job that cannot import Brian2 (seen in CI: a concurrent import in the page thread gave
    SymPy a half-initialised mpmath) must end "failed" with the message; it once raised out of
    ``run`` and stayed "running" forever, so the page waited for ever."""
    from app.streamlit_app import training
    from data_loaders import simulate_familiarity

    def broken_imports() -> None:
        raise ImportError("Some required dependencies are missing:\nsympy")

    monkeypatch.setattr(training, "prepare_job_imports", broken_imports)
    trials = simulate_familiarity(n_subjects=1, n_trials_per_class=3, seed=3)
    job = make_job(trials, {"evaluation": {"n_splits": 2, "control": False}}, tmp_path / "run")
    job.run()
    assert job.state == "failed" and job.result is None
    assert job.error == "ImportError: Some required dependencies are missing:\nsympy"


def test_prepare_job_imports_leaves_nothing_for_the_worker_to_import(tmp_path: Path) -> None:
    """After ``prepare_job_imports`` on the page's thread, a job (either readout, baselines,
    the shuffled control, an ablation, early prediction) imports no module on its worker."""
    import subprocess
    import sys

    code = (
        "import sys, threading\n"
        "from pathlib import Path\n"
        "from app.streamlit_app import datasets, studyfile\n"
        "from app.streamlit_app.training import TrainingJob, prepare_job_imports\n"
        "from data_loaders import simulate_familiarity\n"
        "trials = simulate_familiarity(n_subjects=1, n_trials_per_class=4, seed=3)\n"
        "ds = datasets.Dataset(trials=trials, name='sim', source='simulate')\n"
        "prepare_job_imports()\n"
        "before = set(sys.modules)\n"
        "for readout in ('desnn', 'state'):\n"
        "    settings = studyfile.with_changes(studyfile.settings_of(None), {\n"
        "        'readout': {'readout': readout, 'n_bins': 4}, 'evaluation': {'n_splits': 2,\n"
        "        'baselines': ['window_means_logreg'], 'ablations': ['no_stdp']}})\n"
        "    job = TrainingJob(studyfile.study_for_run(ds, settings), settings, trials, 1,\n"
        f"                      Path({str(tmp_path)!r}) / readout)\n"
        "    t = threading.Thread(target=job.run); t.start(); t.join()\n"
        "    assert job.state == 'done', job.error\n"
        "print(sorted(set(sys.modules) - before))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_streamlit_config_sets_headless_local_server_and_upload_limit() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["headless"] is True
    assert config["server"]["address"] == "127.0.0.1"
    assert config["server"]["maxUploadSize"] == 200
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["toolbarMode"] == "minimal"  # no Deploy button


@pytest.mark.slow
@pytest.mark.shared_data
def test_two_sessions_train_at_the_same_time_without_mixing(edf_bytes, monkeypatch,
                                                            tmp_path: Path) -> None:
    from app.streamlit_app import ui

    # Two workers, so both jobs really run at once (each logs only to its own job).
    monkeypatch.setenv("NEUCUBE_APP_WORKERS", "2")
    ui.executor.clear()
    try:
        eeg = upload(new_app().run(), [edf_bytes])
        load_classes(eeg, {"T1": "T1", "T2": "T2"})
        sim = open_page(new_app().run(), "pages/1_Study.py")
        sim.number_input(key="study_subjects").set_value(1).run()
        sim.button(key="study_load").click().run()
        for at in (eeg, sim):
            open_page(at, "pages/3_Train.py")
            at.number_input(key="tr_folds").set_value(2)
            at.checkbox(key="tr_control").set_value(False)
            next(b for b in at.button if b.label == "Run evaluation").click().run()
        jobs = [at.session_state["job"] for at in (eeg, sim)]
        assert all(job is not None for job in jobs)
        results = [wait_for_result(at) for at in (eeg, sim)]
    finally:
        ui.executor.clear()
    for at, res, _job in zip((eeg, sim), results, jobs, strict=True):
        ds = at.session_state["dataset"]
        assert res.dataset_version == ds.version
        assert res.model.n_channels_ == ds.trials.n_channels
        assert res.raster.n_trials == ds.trials.n_trials
        n = len(res.evaluation.folds)  # one scheme: every fit of the run
        assert res.log[-1].endswith("Done") and any(
            line.endswith(f"cross-validation: {n}/{n} fits") for line in res.log), res.log
    # An upload trains the classifier's default readout; the familiarity study its state
    # readout. Each job counted its own fits (checked above), ablations included.
    assert [r.settings["readout"]["readout"] for r in results] == [DEFAULTS["readout"], "state"]
    assert results[0].model.n_channels_ == 64 and results[1].model.n_channels_ == 19
    # Each session's scores and model equal a direct serial run of its settings on its data.
    from neucube_study import run_study

    for k, (at, res) in enumerate(zip((eeg, sim), results, strict=True)):
        trials = at.session_state["dataset"].trials
        direct = run_study(res.study, out=tmp_path / f"serial{k}", trials=trials, n_jobs=1,
                           figures=False)
        serial = direct.evaluations[res.study.schemes[0]]
        assert (direct.out_dir / "metrics.json").read_bytes() == (
            res.folder / "metrics.json").read_bytes()
        for table in ("folds", "predictions"):
            ours, ref = (getattr(r, table).drop(columns="fit_time_s", errors="ignore")
                         for r in (res.evaluation, serial))
            pd.testing.assert_frame_equal(ours, ref)
        np.testing.assert_array_equal(res.model.predict_proba(trials),
                                      direct.model.predict_proba(trials))
