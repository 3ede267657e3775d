"""One run, one results format: a study run in the app and by ``neucube run`` give the same
``metrics.json``, byte for byte.

The app (driven with Streamlit's ``AppTest``) loads the shipped familiarity study with one
simulated subject, makes the model small on the Train page (20 mm spacing, 2 folds, one
baseline, no control or ablations, a fixed state-readout C; the widgets are keyed by the
classifier's parameter names), runs it and prepares the results folder on the Export page.
The command line then runs the study file the Export page offers, and both ``metrics.json``
files must be identical (and valid against ``metrics.schema.json``).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

AppTest = pytest.importorskip("streamlit.testing.v1").AppTest

REPO = Path(__file__).resolve().parents[1]
HOME = REPO / "app" / "streamlit_app" / "Home.py"


def _no_exception(at) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _run_in_app(at) -> object:
    at.switch_page("pages/3_Train.py").run()
    _no_exception(at)
    at.number_input(key="tr_spacing_mm").set_value(20.0)
    at.text_input(key="tr_state_c").set_value("0.01")
    at.number_input(key="tr_folds").set_value(2)
    at.checkbox(key="tr_control").set_value(False)
    at.multiselect(key="tr_baselines").set_value(["window_means_logreg"])
    at.multiselect(key="tr_ablations").set_value([])
    next(b for b in at.button if b.label == "Run evaluation").click().run()
    _no_exception(at)
    start = time.monotonic()
    while time.monotonic() - start < 600:
        at.run()
        _no_exception(at)
        if at.session_state["job"] is None:
            return at.session_state["result"]
        time.sleep(0.5)
    job = at.session_state["job"]
    raise AssertionError(f"the app's run did not finish: {job.state} {job.stage} {job.log[-5:]}")


@pytest.mark.slow
def test_app_and_cli_write_the_same_metrics(tmp_path: Path) -> None:
    from neucube_study.metrics import METRICS_SCHEMA

    jsonschema = pytest.importorskip("jsonschema")
    at = AppTest.from_file(str(HOME), default_timeout=300).run()
    at.switch_page("pages/1_Study.py").run()
    at.selectbox(key="study_name").set_value("familiarity")
    at.number_input(key="study_subjects").set_value(1).run()
    at.button(key="study_load").click().run()
    _no_exception(at)
    result = _run_in_app(at)
    assert result.settings["evaluation"]["n_splits"] == 2
    # One subject: the Train page offers (and runs) the stratified scheme only; 2 folds x 2 models.
    assert result.settings["evaluation"]["scheme"] == ["stratified"]
    assert any(line.endswith("cross-validation: 4/4 fits") for line in result.log), result.log

    at.switch_page("pages/5_Export.py").run()
    at.button(key="ex_results").click().run()
    _no_exception(at)
    archive = zipfile.ZipFile(io.BytesIO(at.session_state["results_ready"]))
    app_metrics = archive.read("results/metrics.json")
    study_text = next(c.value for c in at.code if c.language == "toml")
    assert archive.read("results/study.toml").decode().rstrip() == study_text.rstrip()

    study = tmp_path / "familiarity.toml"
    study.write_text(study_text, encoding="utf-8")
    exe = Path(sys.executable).with_name("neucube")
    proc = subprocess.run([str(exe), "run", str(study), "--out", str(tmp_path / "cli"),
                           "--no-figures", "--n-jobs", "1"], cwd=REPO, capture_output=True,
                          text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    cli_metrics = (tmp_path / "cli" / "metrics.json").read_bytes()

    assert app_metrics == cli_metrics
    doc = json.loads(app_metrics)
    jsonschema.validate(doc, METRICS_SCHEMA)
    assert doc["study"] == "familiarity" and list(doc["schemes"]) == ["stratified"]
    assert [row["model"] for row in doc["folds"]] == ["neucube"] * 2 + ["window_means_logreg"] * 2
    names = {n.split("/", 1)[1] for n in archive.namelist()}
    assert {p.name for p in (tmp_path / "cli").iterdir()} <= names | {".neucube-results"}
