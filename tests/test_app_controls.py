"""The app's Train page runs and shows the ablation controls and the paired comparisons."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.streamlit_app.training import TrainingJob, TrainSettings, count_fits, score_table

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def result():
    from data_loaders import simulate_familiarity

    trials = simulate_familiarity(n_subjects=1, n_trials_per_class=8, seed=3)
    settings = TrainSettings(n_splits=2, control=False, baselines=("window_means_logreg",),
                             ablations=("encoder_only", "no_stdp"))
    job = TrainingJob(trials, settings, dataset_version=1)
    # 2 folds of NeuCube and of the no-STDP cube, the final and the early-prediction model.
    assert job.total_fits == count_fits(settings, trials) == 2 * 2 + 2
    job.run()
    assert job.state == "done", job.error
    fits = [m.group() for line in job.log if (m := re.search(r"NeuCube fit \d+/\d+", line))]
    assert fits[-1] == "NeuCube fit 6/6"
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
    from app.study import load_study
    from app.study.schema import SECTIONS

    study = load_study(REPO / "studies" / "familiarity.toml")
    assert TrainSettings.from_study(study).ablations == ("encoder_only", "no_stdp")
    assert TrainSettings.from_classifier().ablations == tuple(
        SECTIONS["evaluation"]["ablations"].default)


@pytest.mark.xfail(reason="the Train page no longer shows a result put into session_state by "
                   "hand (results are now tied to the loaded data); the test must run a real job "
                   "(issue 20 follow-up)", strict=False)
def test_train_page_shows_the_controls_and_what_the_cube_adds(result):
    home = REPO / "app" / "streamlit_app" / "Home.py"
    at = AppTest.from_file(str(home), default_timeout=180).run()
    at.button(key="home_demo").click().run()
    at.switch_page("pages/3_Train.py").run()
    assert not at.exception, [e.message for e in at.exception]
    chooser = at.multiselect(key="tr_ablations")
    assert chooser.value == ["encoder_only", "no_stdp"]
    at.session_state["result"] = result
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("**What the cube adds**") for t in texts), texts
    table = next(df.value for df in at.dataframe if "compared with" in df.value.columns)
    assert len(table) == 3  # the best baseline and both ablations
    assert table["folds"].tolist() == [2, 2, 2]
