"""Issue 20, a student's first hour: an uploaded continuous CSV with an AUX column, the ERP
preset, the reset of analysis settings, the channel table, the warnings and the verdict.

Tiny generated recordings (no shared data); the browser version of the walk is in
``tests/test_app_browser.py``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mne.decoding import Vectorizer
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from app.streamlit_app import datasets, estimate, labels, studyfile, verdict
from data_loaders import channel_positions
from neucube.classifier import NeuCubeClassifier
from neucube.evaluation import evaluate
from neucube.presets import PREPROCESSING_PRESETS

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest
HOME = Path(__file__).resolve().parents[1] / "app" / "streamlit_app" / "Home.py"
MUSE = ["TP9", "AF7", "AF8", "TP10"]


def muse_csv(columns=(*MUSE, "Right AUX"), n_per_class: int = 12, jitter: bool = False,
             seed: int = 0) -> bytes:
    """A continuous Muse-like CSV at 256 Hz: channels, a timestamps and a Marker0 column."""
    rng = np.random.default_rng(seed)
    sfreq = 256.0
    n = int(sfreq * (2 + 2 * n_per_class))
    data = rng.normal(scale=4.0, size=(n, len(columns)))
    markers = np.zeros(n, dtype=int)
    markers[(np.arange(2 * n_per_class) * sfreq + sfreq).astype(int)] = np.tile([1, 2],
                                                                                 n_per_class)
    times = 1000 + np.arange(n) / sfreq
    if jitter:
        times[n // 2:] += 0.5 / sfreq * (np.arange(n - n // 2) % 7 == 0)
    frame = pd.DataFrame(data, columns=list(columns))
    frame.insert(0, "timestamps", times)
    frame["Marker0"] = markers
    return frame.to_csv(index=False, float_format="%.4f").encode()


def read(at: AppTest, name: str, content: bytes, **options) -> AppTest:
    at.switch_page("pages/1_Study.py").run()
    at.radio(key="study_source").set_value("Upload recordings").run()
    at.file_uploader(key="up_files").set_value([(name, content, "text/csv")])
    at.run()
    for key, value in options.items():
        next(w for w in at.main if getattr(w, "key", None) == key).set_value(value)
    at.run()
    at.button(key="up_read").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.mark.slow  # simulates the demo study first (~10 s)
def test_upload_after_demo_starts_from_the_erp_preset_and_classifier_defaults() -> None:
    at = AppTest.from_file(str(HOME), default_timeout=180).run()
    at.button(key="home_demo").click().run()
    demo = at.session_state["settings"]
    at.switch_page("pages/1_Study.py").run()  # the demo's description is of all 5 subjects
    assert any(c.value.startswith("Loads 2 of the study's 5 simulated subjects")
               for c in at.caption), [c.value for c in at.caption]
    at = read(at, "n170_sam1_.csv", muse_csv(jitter=True))
    preset = PREPROCESSING_PRESETS["erp"]
    for key, field in (("up_tmin", "tmin"), ("up_tmax", "tmax"), ("up_lfreq", "l_freq"),
                       ("up_hfreq", "h_freq"), ("up_resample", "resample"),
                       ("up_reject", "reject_uv")):
        assert at.number_input(key=key).value == pytest.approx(preset[field]), key
    # The loader's warning is in the page, not only in the terminal, in the page's words.
    irregular = next(w.value for w in at.warning if "Irregular timestamps" in w.value)
    assert "sfreq" not in irregular
    assert "type it in 'Sampling rate \\(Hz\\), CSV only'" in irregular
    assert at.number_input(key="up_sfreq").value is None  # empty: the rate comes from the file
    channels = at.dataframe[1].value  # events, then the channel table
    assert channels["channel"].tolist() == [*MUSE, "Right AUX"]
    assert channels["use"].tolist() == [True, True, True, True, False]
    assert channels["kind"].tolist()[-1] == "not EEG (by its name)"
    at.text_input(key="up_class_1").set_value("house")
    at.text_input(key="up_class_2").set_value("face")
    at.run()
    at.button(key="up_load").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    ds = at.session_state["dataset"]
    assert ds.trials.ch_names == tuple(MUSE) and ds.trials.sfreq == preset["resample"]
    np.testing.assert_allclose(ds.trials.coords, channel_positions(MUSE))
    assert ds.preprocessing["l_freq"] == preset["l_freq"]
    assert ds.loader_args["on_unknown"] == "drop"
    # Settings: the classifier's defaults, not the demo study's (said in the page).
    settings = at.session_state["settings"]
    assert settings == studyfile.settings_of(None) and settings != demo
    defaults = NeuCubeClassifier().get_params()
    assert settings["encoder"]["encoder"] == defaults["encoder"]
    assert settings["readout"]["readout"] == defaults["readout"]
    assert any("nothing was kept from familiarity" in i.value for i in at.info)


def test_stop_with_an_error_names_the_unknown_channel_with_a_suggestion() -> None:
    at = AppTest.from_file(str(HOME), default_timeout=180).run()
    content = muse_csv(columns=("TP9", "AF7", "TP09x"))
    at = read(at, "r.csv", content, up_unknown="raise")
    assert any("1 unknown: 'TP09x' (did you mean 'TP9'" in e.value for e in at.error)
    at = read(at, "r.csv", content, up_unknown="drop")
    channels = at.dataframe[1].value
    row = channels[channels["channel"] == "TP09x"].iloc[0]
    assert not row["use"] and row["kind"] == "no known position"
    assert row["note"].startswith("did you mean TP9")


def test_left_out_channels_are_dropped_and_written_to_the_study_file(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_bytes(muse_csv())
    plan = datasets.plan_upload([tmp_path / "r.csv"])
    options = datasets.default_options(leave_out=("AF8",))
    ds = datasets.load_upload(plan, options, {"house": [1], "face": [2]}, workdir=tmp_path)
    assert ds.trials.ch_names == ("TP9", "AF7", "TP10")
    assert ds.preprocessing["channels"] == ["TP9", "AF7", "TP10"]
    assert ds.preprocessing["resample"] == PREPROCESSING_PRESETS["erp"]["resample"]
    with pytest.raises(datasets.UploadError, match=r"^Channels: expected at least one channel "
                                                   r"kept; found all 4 left out\.$"):
        datasets.load_upload(plan, dataclasses.replace(options, leave_out=tuple(MUSE)),
                             {"house": [1], "face": [2]}, workdir=tmp_path)


# --------------------------------------------------------------------------- verdict
def _evaluation(model, *, effect: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.repeat(["a", "b"], 20)
    X = rng.normal(size=(40, 2, 10))
    X[y == "b", 0, 2:8] += effect
    return evaluate(model, X, y, n_splits=4, baselines=["vectorizer_logreg"], control=True)


def test_verdict_against_chance_control_and_baseline() -> None:
    ev = _evaluation(make_pipeline(Vectorizer(), LogisticRegression()), effect=2.0)
    findings = verdict.verdict(ev)
    text = " ".join(f.text for f in findings)
    assert findings[0].level == "good" and "above chance (binomial test" in findings[0].text
    assert "**Against the shuffled-label control:**" in text
    assert "**Against the best baseline:** NeuCube" in text
    assert not verdict.one_class_models(ev, share=0.9).get(ev.model_name)


def test_verdict_flags_a_model_predicting_one_class() -> None:
    ev = _evaluation(make_pipeline(Vectorizer(), DummyClassifier(strategy="most_frequent")),
                     effect=0.0)
    flagged = verdict.one_class_models(ev)
    assert ev.model_name in flagged and flagged[ev.model_name][1] >= 0.9
    texts = [f.text for f in verdict.verdict(ev)]
    assert any(t.startswith("**NeuCube (the model evaluated) predicts one class:**")
               for t in texts)
    assert verdict.verdict(ev)[0].level == "warning"  # not above chance


def _leaning_result(correct: dict[str, list[float]] | None = None):
    """NeuCube 77% 'house' on half-'house' trials at chance, the encoder-only ablation 94%
    'house', a baseline above chance, a shuffled-label control all 'house' (the real Muse
    walk's pattern); or, with ``correct``, models right with these chances in each of the four
    folds."""
    from neucube.evaluation import EvaluationResult

    y = np.repeat(["house", "face"], 100)
    rng = np.random.default_rng(0)
    house = {"neucube": 154, "neucube (encoder only)": 188, "neucube (shuffled labels)": 200}
    correct = {"lda_window_means": [0.7] * 4, **(correct or {})}
    preds, rows = [], []
    fold = np.arange(200) % 4
    for model in ["neucube", "neucube (encoder only)", "lda_window_means",
                  "neucube (shuffled labels)"]:
        if model in correct:  # right with the fold's chance, balanced
            right = rng.random(200) < np.asarray(correct[model])[fold]
            pred = np.where(right, y, np.where(y == "house", "face", "house"))
        else:  # the leaning share of 'house', spread at random over the trials
            pred = np.array(["face"] * 200, dtype=object)
            pred[rng.permutation(200)[:house[model]]] = "house"
        preds.append(pd.DataFrame({"model": model, "seed": 0, "fold": fold, "y_true": y,
                                   "y_pred": pred}))
        for f in range(4):
            acc = float(np.mean(pred[fold == f] == y[fold == f]))
            rows.append({"model": model, "seed": 0, "fold": f, "subject": "all", "n_train": 150,
                         "n_test": 50, "accuracy": acc, "balanced_accuracy": acc,
                         "roc_auc": 0.5})
    return EvaluationResult("stratified", "neucube", ["face", "house"], [0], pd.DataFrame(rows),
                            pd.concat(preds, ignore_index=True),
                            baselines=["lda_window_means"],
                            ablations={"encoder_only": "neucube (encoder only)"})


def test_verdict_flags_a_lean_naming_the_model_and_says_what_to_do() -> None:
    ev = _leaning_result()
    flagged = verdict.one_class_models(ev)
    # NeuCube first; its 77% is a lean (27 points above the 50% of 'house' trials); the
    # shuffled-label control is not flagged.
    assert list(flagged) == ["neucube", "neucube (encoder only)"]
    assert flagged["neucube"] == ("house", 0.77, 0.5)
    texts = [f.text for f in verdict.verdict(ev)]
    assert ("**NeuCube (the model evaluated) leans to one class:** 77% of its test predictions "
            "are 'house', while 50% of its test trials are.") in " ".join(texts)
    assert ("**The ablation control 'NeuCube, without the cube (encoder only)' predicts one "
            "class:** 94%") in " ".join(texts)
    advice = texts[-1]
    assert advice.startswith("**What you can do:** NeuCube with these settings did not beat "
                             "guessing")
    assert "Report the standard decoder 'Shrinkage LDA on time-window means (classic ERP "\
           "decoder)' (0." in advice and "above chance: binomial p = " in advice
    assert "n170_faces_houses" in advice
    assert (Path(__file__).resolve().parents[1] / "studies" / "n170_faces_houses.toml").is_file()
    # Above chance but a noisy shuffled-label control (the real Muse walk with the defaults of
    # issue 16's round 2): no claim, no advice to report NeuCube as negative.
    noisy = _leaning_result({"neucube": [0.63] * 4, "neucube (encoder only)": [0.6] * 4,
                             "neucube (shuffled labels)": [0.3, 0.8, 0.35, 0.75]})
    findings = verdict.verdict(noisy)
    assert findings[0].level == "good" and findings[1].level == "warning"
    assert findings[-1].text.startswith("**What you can do:** NeuCube is above chance but not "
                                        "clearly above its shuffled-label control")
    assert "negative result" not in findings[-1].text
    # A model above chance and above its control gets no advice.
    good = _evaluation(make_pipeline(Vectorizer(), LogisticRegression()), effect=2.0)
    assert not any(f.text.startswith("**What you can do:**") for f in verdict.verdict(good))


def test_plain_model_names_keep_the_technical_name_for_tooltips() -> None:
    assert labels.plain_name("vectorizer_logreg") == "Logistic regression on the whole epoch"
    assert labels.plain_name("neucube (shuffled labels)") == "NeuCube, shuffled-label control"
    assert "vectorizer_logreg" in labels.technical_note("vectorizer_logreg")


def test_run_time_estimate_grows_with_the_data_size() -> None:
    def est(n_trials: int, n_times: int, compile_needed: bool = False) -> float:
        return estimate.estimate_seconds(n_trials, 4, n_times, n_fits_cv=10, n_splits=5,
                                         n_rounds=1, n_extra_fits=2,
                                         compile_needed=compile_needed)["seconds"]

    assert est(40, 116) < est(80, 116) < est(80, 232)
    assert est(40, 116, True) == pytest.approx(est(40, 116) + estimate.COMPILE_SECONDS)
    text = estimate.describe(estimate.estimate_seconds(
        1113, 4, 116, n_fits_cv=10, n_splits=5, n_rounds=1, n_extra_fits=2,
        compile_needed=True))
    assert "12 cube fits on 1113 trials × 4 channels × 116 samples" in text


def test_loader_warnings_are_captured_also_when_logging_captures_warnings() -> None:
    """Brian2 turns on logging.captureWarnings when imported; the page still gets the text."""
    import logging
    import warnings

    handlers = list(logging.getLogger("py.warnings").handlers)
    before = warnings.showwarning
    try:
        with datasets.captured_warnings() as out:
            logging.captureWarnings(True)
            warnings.warn("Irregular timestamps: 16.5% of the intervals", UserWarning,
                          stacklevel=1)
    finally:
        if warnings.showwarning is not before:  # leave the process as it was
            logging.captureWarnings(False)
    assert out == ["Irregular timestamps: 16.5% of the intervals"]
    assert logging.getLogger("py.warnings").handlers == handlers


def test_train_page_takes_a_shipped_studys_model_settings() -> None:
    """The verdict's advice can be followed in the page: the N170 study's encoder, cube, STDP
    and readout sections replace the defaults; data and evaluation settings stay."""
    from neucube_study import load_study

    at = AppTest.from_file(str(HOME), default_timeout=180).run()
    at = read(at, "r.csv", muse_csv(n_per_class=6))
    at.text_input(key="up_class_1").set_value("house")
    at.text_input(key="up_class_2").set_value("face")
    at.run()
    at.button(key="up_load").click().run()
    at.switch_page("pages/3_Train.py").run()
    before = at.session_state["settings"]
    assert at.selectbox(key="tr_from_study").value == "n170_faces_houses"
    at.button(key="tr_from_study_go").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    n170 = studyfile.settings_of(load_study(datasets.list_studies()["n170_faces_houses"]))
    after = at.session_state["settings"]
    for section in ("encoder", "cube", "stdp", "readout"):
        assert after[section] == n170[section], section
    assert after["evaluation"] == before["evaluation"]
    assert at.radio(key="tr_readout").value == n170["readout"]["readout"]
    assert any("taken from the n170_faces_houses study" in s.value for s in at.success)


def test_loader_errors_on_the_study_page_name_its_controls_not_parameters() -> None:
    """A CSV whose timestamps do not increase: the error says to type the rate in the page's
    box, not to 'pass sfreq='."""
    frame = pd.read_csv(__import__("io").BytesIO(muse_csv(n_per_class=3)))
    frame["timestamps"] = 1000.0
    at = AppTest.from_file(str(HOME), default_timeout=180).run()
    at = read(at, "flat.csv", frame.to_csv(index=False).encode())
    errors = [e.value for e in at.error]
    assert any("type it in 'Sampling rate (Hz), CSV only'" in e for e in errors), errors
    assert not any("sfreq" in e for e in errors), errors
