"""The app's Train page runs and shows the ablation controls and the paired comparisons."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_app_walk import muse_csv, read

from app.streamlit_app import datasets, labels, studyfile
from app.streamlit_app.training import TrainingJob, count_fits, score_table

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]
#: A tiny run: 2 folds, one baseline, both ablations, no shuffled-label control.
TINY = {"evaluation": {"n_splits": 2, "control": False, "baselines": ["window_means_logreg"],
                       "ablations": ["encoder_only", "no_stdp"]}}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):
    from data_loaders import simulate_familiarity

    trials = simulate_familiarity(n_subjects=1, n_trials_per_class=8, seed=3)
    settings = studyfile.with_changes(studyfile.settings_of(None), TINY)
    ds = datasets.Dataset(trials=trials, name="simulated", source="simulate")
    job = TrainingJob(studyfile.study_for_run(ds, settings), settings, trials, 1,
                      tmp_path_factory.mktemp("controls") / "run")
    # 2 folds of NeuCube and of the no-STDP cube, and the final model.
    assert count_fits(settings, trials) == 2 * 2 + 1
    job.run()
    assert job.state == "done", job.error
    n = len(job.result.evaluation.folds)  # every fit of the cross-validation, one row each
    assert any(re.search(rf"cross-validation: {n}/{n}\b", line) for line in job.log), job.log
    return job.result


def test_training_job_runs_the_ablations_on_the_same_folds(result):
    ev = result.evaluation
    rows = score_table(ev)
    assert [(r["model"], r["role"]) for r in rows] == [
        ("neucube", "NeuCube"), ("window_means_logreg", "baseline"),
        ("neucube (encoder only)", "ablation"), ("neucube (no STDP)", "ablation")]
    p = ev.predictions
    tested = {m: sorted(g["trial"]) for m, g in p.groupby("model")}
    assert all(t == tested["neucube"] for t in tested.values())
    ablations = [c for c in ev.comparisons(metrics=("accuracy",)) if c["role"] == "ablation"]
    assert [c["control"] for c in ablations] == ["encoder_only", "no_stdp"]


def test_settings_take_the_ablations_from_the_study_and_the_schema():
    from neucube_study import load_study
    from neucube_study.schema import SECTIONS

    study = load_study(REPO / "studies" / "familiarity.toml")
    assert studyfile.settings_of(study)["evaluation"]["ablations"] == ["encoder_only", "no_stdp"]
    assert studyfile.settings_of(None)["evaluation"]["ablations"] == list(
        SECTIONS["evaluation"]["ablations"].default)


def test_train_page_shows_the_controls_and_what_the_cube_adds():
    """The demo study's ablations fill the chooser; a real (tiny) run from the page of an
    uploaded 16-trial recording shows the paired comparisons with the best baseline and both
    ablations."""
    from test_app import wait_for_result

    home = REPO / "app" / "streamlit_app" / "Home.py"
    at = AppTest.from_file(str(home), default_timeout=180).run()
    at.button(key="home_demo").click().run()
    at.switch_page("pages/3_Train.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.multiselect(key="tr_ablations").value == ["encoder_only", "no_stdp"]

    at = read(at, "tiny.csv", muse_csv(n_per_class=8))
    at.text_input(key="up_class_1").set_value("house")
    at.text_input(key="up_class_2").set_value("face")
    at.run()
    at.button(key="up_load").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    at.switch_page("pages/3_Train.py").run()
    ev = TINY["evaluation"]
    at.number_input(key="tr_folds").set_value(ev["n_splits"])
    at.checkbox(key="tr_control").set_value(ev["control"])
    at.multiselect(key="tr_baselines").set_value(ev["baselines"])
    at.multiselect(key="tr_ablations").set_value(ev["ablations"])
    next(b for b in at.button if b.label == "Run evaluation").click().run()
    assert not at.exception, [e.message for e in at.exception]
    res = wait_for_result(at)
    assert res.model.n_channels_ == 4 and res.evaluation.baselines == ev["baselines"]
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    texts = [m.value for m in at.markdown]
    # Standard decoders and ablation controls in separate tables, each under its title.
    assert any(t.startswith("**NeuCube against the best standard decoder**") for t in texts)
    assert any(t.startswith("**What the cube and its learning add**") for t in texts), texts
    decoder, ablations = (df.value for df in at.dataframe if "compared with" in df.value.columns)
    assert decoder["compared with"].tolist() == [labels.plain_name(res.evaluation.best_baseline())]
    assert ablations["compared with"].tolist() == [
        "NeuCube, without the cube (encoder only)", "NeuCube, without STDP learning"]
    assert decoder["folds"].tolist() + ablations["folds"].tolist() == [2, 2, 2]
    # The results table names the models in words.
    scores = next(df for df in at.dataframe if "name in files" in df.value.columns)
    assert scores.value["model"].iloc[0] == "NeuCube"
