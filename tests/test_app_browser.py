"""The web app end to end in a real browser: ``streamlit run`` driven by Playwright + Chromium.

The test starts ``streamlit run app/streamlit_app/Home.py`` on a free port of 127.0.0.1, then
drives Debian's ``/usr/bin/chromium`` (headless, no background networking) with Playwright's
Python client: it uploads a real EDF recording, maps its events to two classes, switches the
readout selector both ways, runs a small cross-validation, checks that the accuracy appears,
downloads a figure and takes screenshots
(into the test's temporary folder; with ``NEUCUBE_UPDATE_SCREENSHOTS=1`` also into
``docs/screenshots/`` for the README, so an ordinary test run never modifies tracked files).

Playwright's own browser download (``playwright install``) is never used.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
HOME = REPO / "app" / "streamlit_app" / "Home.py"
SCREENSHOTS = REPO / "docs" / "screenshots"
EDF = "eeg_format_samples/mne_testing_data/test_edf_overlapping_annotations.edf"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
VIEWPORT = {"width": 1400, "height": 1000}
#: The streamlit server's process id by its URL (for the walk's CPU times).
SERVER_PID: dict[str, int] = {}

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="Playwright's Python client is not installed (pip install -e '.[test]')",
)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.is_file(),
                       reason=f"Debian's chromium is not installed at {CHROMIUM} "
                              "(scripts/install-system-deps.sh installs it)"),
]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``streamlit run`` on 127.0.0.1 (headless), stopped after the module's tests."""
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {**os.environ, "NEUCUBE_APP_WORKERS": "1"}
    cmd = [sys.executable, "-m", "streamlit", "run", str(HOME),
           "--server.headless", "true", "--server.address", "127.0.0.1",
           "--server.port", str(port), "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"streamlit did not start (exit {proc.poll()}):\n{log.read_text()}")
            time.sleep(0.5)
        SERVER_PID[url] = proc.pid
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def page(server: str) -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                    args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True, viewport=VIEWPORT)
        context.set_default_timeout(60_000)
        pg = context.new_page()
        try:
            yield pg
        finally:
            context.close()
            browser.close()


def _screenshot(page, name: str, out_dir: Path) -> Path:
    """Screenshot of the whole page: the viewport is grown to the app's content height."""
    height = page.evaluate(
        """() => Math.max(...['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]']
              .map(s => document.querySelector(s)).filter(Boolean).map(e => e.scrollHeight),
              document.body.scrollHeight)"""
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": int(min(max(height, 800), 5000))})
    page.wait_for_timeout(1500)  # let charts re-layout
    path = out_dir / f"{name}.png"
    page.screenshot(path=str(path))
    page.set_viewport_size(VIEWPORT)
    if os.environ.get("NEUCUBE_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / path.name)
    return path


def _fill(page, label: str, value: str) -> None:
    """Type ``value`` into the number input ``label`` and commit it (Tab), as a user does."""
    box = page.get_by_role("spinbutton", name=label)
    box.wait_for()
    page.wait_for_timeout(500)  # the upload's rerun resets the inputs to the preset first
    box.fill(value)
    box.press("Tab")
    page.wait_for_timeout(800)


def _upload_mode(page) -> None:
    """Switch the Study page to "Upload recordings" (again if a busy server's rerun lost the
    click) and wait for the file input."""
    for _ in range(6):
        page.get_by_text("Upload recordings").click()
        try:
            page.locator("input[type=file]").first.wait_for(state="attached", timeout=10_000)
            return
        except sync_api.TimeoutError:
            continue
    raise AssertionError("the Study page did not switch to 'Upload recordings'")


def _cpu_seconds(pid: int) -> float:
    """CPU time of process ``pid`` and its finished children (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")  # u, s, cu, cs


class _Laps:
    """Wall time of each part of a walk and the app server's CPU time in it (its compiles and
    simulations included), printed at the end (``pytest -s`` shows it): where a slow walk
    spends its time, whatever the machine's load."""

    def __init__(self, server_pid: int) -> None:
        self.pid = server_pid
        self.start = self.last = time.monotonic()
        self.cpu = _cpu_seconds(self.pid)
        self.parts: list[tuple[str, float, float]] = []

    def __call__(self, part: str) -> None:
        now, cpu = time.monotonic(), _cpu_seconds(self.pid)
        self.parts.append((part, now - self.last, cpu - self.cpu))
        self.last, self.cpu = now, cpu

    def report(self) -> str:
        return "walk (wall / server CPU): " + ", ".join(
            f"{p} {t:.0f}/{c:.0f} s" for p, t, c in self.parts) + (
            f"; total {time.monotonic() - self.start:.0f}/{sum(c for *_, c in self.parts):.0f} s")


def _nav(page, label: str) -> None:
    """Open a page from the sidebar (client-side, so the session and its state are kept)."""
    page.locator('[data-testid="stSidebarNav"] a', has_text=label).click()


@pytest.mark.shared_data
def test_upload_train_and_download_in_a_real_browser(page, server: str, shared_data: Path,
                                                     tmp_path: Path) -> None:
    edf = shared_data / EDF
    page.goto(server + "/")
    page.get_by_role("heading", name="Quick start").wait_for()

    # ---- Study: upload a real EDF recording, rest (T0) vs task (T1 + T2)
    _nav(page, "Study")
    _upload_mode(page)
    page.locator("input[type=file]").first.set_input_files(str(edf))
    # New files start from the ERP preset, whose 75 µV rejection drops every trial of this
    # unfiltered motor-imagery recording: keep them all.
    _fill(page, "Reject above (µV p-p)", "0")
    page.get_by_role("button", name="Read recording").click()
    page.get_by_text("Events → classes", exact=True).wait_for()
    for event, cls in (("T0", "rest"), ("T1", "task"), ("T2", "task")):
        box = page.get_by_role("textbox", name=f"Class of '{event}'")
        box.fill(cls)
        box.press("Enter")
        page.wait_for_timeout(300)
    page.get_by_role("button", name="Load trials").click()
    page.get_by_role("heading", name="Loaded: test_edf_overlapping_annotations.edf").wait_for()
    page.get_by_text("Loaded 37 trials from test_edf_overlapping_annotations.edf").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    _screenshot(page, "study", tmp_path)

    # ---- Train: the readout selector swaps the readout tab's parameters (a rerun outside the
    # form); then the deSNN, 3 folds, no shuffled-label control
    _nav(page, "Train")
    page.get_by_text("State (logistic regression on time-binned spike counts)",
                     exact=True).click()
    page.get_by_role("tab", name="State readout").click()
    assert page.get_by_role("spinbutton", name="Time bins per trial").input_value() == "20"
    assert page.get_by_role("textbox", name="Inverse L2 penalty").input_value() == "auto"
    assert page.get_by_role("tab", name="deSNN readout").count() == 0
    page.get_by_text("deSNN", exact=True).click()
    page.get_by_role("tab", name="deSNN readout").click()
    page.get_by_text("deSNN rank-order modulation").wait_for()
    assert page.get_by_role("spinbutton", name="Time bins per trial").count() == 0
    page.get_by_role("tab", name="Evaluation").click()
    folds = page.get_by_role("spinbutton", name="Folds")
    folds.fill("3")
    folds.press("Tab")
    page.get_by_test_id("stCheckbox").get_by_text("Shuffled-label control").click()
    page.get_by_role("button", name="Run evaluation").click()
    page.get_by_test_id("stProgress").or_(
        page.get_by_test_id("stMetricLabel").filter(has_text="NeuCube accuracy")).first.wait_for()
    label = page.get_by_test_id("stMetricLabel").filter(has_text="NeuCube accuracy")
    label.wait_for(timeout=300_000)
    value = page.get_by_test_id("stMetric").filter(has=label).get_by_test_id("stMetricValue")
    accuracy = float(value.inner_text())
    assert 0.0 <= accuracy <= 1.0
    assert page.get_by_test_id("stMetric").filter(has_text="Chance level").get_by_test_id(
        "stMetricValue").inner_text() == "0.514"
    page.get_by_text("Confusion matrix").wait_for()
    page.get_by_test_id("stImage").first.wait_for()

    # ---- download a figure (the confusion matrix as SVG)
    with page.expect_download() as info:
        page.locator(".st-key-dl-tr-cm-svg button").first.click()  # the confusion matrix's SVG
    download = info.value
    assert download.suggested_filename == "confusion_matrix_neucube.svg"
    svg = tmp_path / download.suggested_filename
    download.save_as(svg)
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and "rest" in text and "task" in text
    shot = _screenshot(page, "train", tmp_path)
    assert shot.stat().st_size > 50_000

    # ---- the trained cube
    _nav(page, "Connectivity")
    page.get_by_role("heading", name="Class difference maps").wait_for(timeout=120_000)
    page.locator(".js-plotly-plot").first.wait_for()
    assert page.get_by_test_id("stException").count() == 0
    _screenshot(page, "connectivity", tmp_path)


# --------------------------------------------------------------------------- a student's walk
def write_muse_like_csv(path: Path, *, n_per_class: int = 20, seed: int = 0) -> Path:
    """A continuous Muse-like CSV: TP9, AF7, AF8, TP10, 'Right AUX' and a Marker0 column at
    256 Hz; class 2 ("face") carries a frontal negativity at 170 ms; a few sample intervals
    are irregular (as in the real eeg-notebooks files), so the loader warns."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    sfreq = 256.0
    n = int(sfreq * (2 + 2 * n_per_class))
    data = rng.normal(scale=4.0, size=(n, 5))
    onsets = (np.arange(2 * n_per_class) * sfreq + sfreq).astype(int)
    codes = np.tile([1, 2], n_per_class)
    t = np.arange(int(0.6 * sfreq)) / sfreq
    bump = 8.0 * np.exp(-(((t - 0.17) / 0.03) ** 2))
    for onset in onsets[codes == 2]:
        data[onset:onset + t.size, 1:3] -= bump[:, None]
    markers = np.zeros(n, dtype=int)
    markers[onsets] = codes
    times = 1000 + np.arange(n) / sfreq
    times[n // 2:] += 0.5 / sfreq * (np.arange(n - n // 2) % 7 == 0)  # jittered clock
    frame = pd.DataFrame(data, columns=["TP9", "AF7", "AF8", "TP10", "Right AUX"])
    frame.insert(0, "timestamps", times)
    frame["Marker0"] = markers
    frame.to_csv(path, index=False, float_format="%.5f")
    return path


def test_student_walk_demo_then_muse_like_upload(page, server: str, tmp_path: Path) -> None:
    """Issue 20: demo study, then an uploaded continuous CSV with an AUX column: channel table,
    ERP preset, reset of the demo's settings, loader warnings, an evaluation and its verdict."""
    csv = write_muse_like_csv(tmp_path / "n170_sam1_.csv")
    lap = _Laps(SERVER_PID[server])
    page.goto(server + "/")
    page.get_by_role("button", name="Load the demo study").click()
    page.get_by_role("heading", name="Loaded: familiarity (shipped study)").wait_for(
        timeout=120_000)
    assert page.get_by_test_id("stToolbar").get_by_text("Deploy").count() == 0
    _screenshot(page, "walk_demo_study", tmp_path)
    lap("demo")

    # ---- upload: the preprocessing starts from the ERP preset of the shipped N170 study
    _upload_mode(page)
    page.locator("input[type=file]").first.set_input_files(str(csv))
    page.get_by_text("Start: the ERP preset of the shipped N170 study").wait_for()
    expected = {"Epoch start (s)": -0.1, "Epoch end (s)": 0.8, "High-pass (Hz)": 1.0,
                "Low-pass (Hz)": 30.0, "Resample to (Hz)": 128.0, "Reject above (µV p-p)": 75.0}
    for label, value in expected.items():
        box = page.get_by_role("spinbutton", name=label)
        assert float(box.input_value()) == pytest.approx(value), label
    page.get_by_role("button", name="Read recording").click()
    page.get_by_text("Events → classes", exact=True).wait_for()
    # ---- loader warnings in the page; the AUX column listed and left out
    warning = page.get_by_test_id("stAlertContentWarning").filter(
        has_text="Warnings while reading the recording")
    warning.get_by_text("Irregular timestamps", exact=False).wait_for()
    page.get_by_text("Left out by the reader: Right AUX (not EEG (by its name)).").wait_for()
    for event, cls in (("1", "house"), ("2", "face")):
        box = page.get_by_role("textbox", name=f"Class of '{event}'")
        box.fill(cls)
        box.press("Enter")
        page.wait_for_timeout(300)
    page.get_by_role("button", name="Load trials").click()
    # File names are shown literally (no Markdown italics from the underscores).
    page.get_by_role("heading", name="Loaded: n170_sam1_.csv").wait_for()
    page.get_by_text("nothing was kept from familiarity (shipped study)").wait_for()
    page.get_by_text("Channel table (4 used)").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    _screenshot(page, "walk_study_upload", tmp_path)
    lap("upload")

    # ---- Train: the classifier's defaults, not the demo study's; a small evaluation
    _nav(page, "Train")
    page.get_by_text("Estimated run time:").wait_for()
    # The classifier's own default encoder, whatever the demo study used.
    from neucube.classifier import NeuCubeClassifier
    from neucube.model_names import encoder_name

    encoder = encoder_name(NeuCubeClassifier().encoder)
    page.get_by_text(f"Encoder: {encoder},", exact=False).first.wait_for()
    page.get_by_role("tab", name="Evaluation").click()
    folds = page.get_by_role("spinbutton", name="Folds")
    folds.fill("2")
    folds.press("Tab")
    # Ablation controls (if offered) each add a cube fit per fold: off, to keep the walk short.
    clear = page.locator(".st-key-tr_ablations").get_by_role("button", name="Clear all")
    if clear.count():
        clear.first.click()
        page.wait_for_timeout(500)
    lap("train page")
    page.get_by_role("button", name="Run evaluation").click()
    # The results, or the page's message that the run failed (then the test says why at once).
    failed = page.get_by_text("The last run failed")
    page.get_by_text("What these results say").or_(failed).first.wait_for(timeout=900_000)
    assert failed.count() == 0, page.get_by_test_id("stAlertContentError").all_inner_texts()
    page.get_by_text("Against chance:").wait_for()
    page.get_by_text("Against the shuffled-label control:").wait_for()
    page.get_by_text("Against the best baseline:").wait_for()
    assert page.get_by_test_id("stException").count() == 0
    lap("evaluation")
    _screenshot(page, "walk_train_verdict", tmp_path)
    # ---- a changed setting marks the results out of date (the other readout than the
    # classifier's default, which the run used)
    other = "deSNN" if NeuCubeClassifier().readout == "state" else (
        "State (logistic regression on time-binned spike counts)")
    page.get_by_text(other, exact=True).click()
    page.get_by_text("These results are out of date").wait_for()
    lap("results")

    # ---- the trained cube and the export, without formula text, jargon or kaleido notes
    _nav(page, "Connectivity")
    page.get_by_role("heading", name="Class difference maps").wait_for(timeout=180_000)
    page.locator(".js-plotly-plot").first.wait_for()
    main = page.get_by_test_id("stMain")
    for jargon in ("I_ab", "L_a^T", "Modularity 0.000", "1 communities"):
        assert main.get_by_text(jargon, exact=False).count() == 0, jargon
    page.get_by_role("button", name="cube_interactive.html").wait_for()
    _screenshot(page, "walk_connectivity", tmp_path)
    lap("connectivity")
    _nav(page, "Export")
    page.get_by_role("button", name="Make the figure set").click()
    page.get_by_text("figures written").wait_for(timeout=300_000)
    lap("figure set")
    for jargon in ("kaleido", "I_ab"):
        assert main.get_by_text(jargon, exact=False).count() == 0, jargon
    page.get_by_role("button", name="Prepare the results folder").click()
    page.get_by_role("button", name="neucube_results.zip").wait_for(timeout=120_000)
    _screenshot(page, "walk_export", tmp_path)
    lap("results folder")
    print(lap.report())


# --------------------------------------------------------------------------- the real recording
MUSE_RUNS = ("eegnotebooks_muse_N170_subject1/data_2017-09-13-15.30.01.csv.gz",
             "eegnotebooks_muse_N170_subject1/data_2017-09-13-15.32.50.csv.gz")


def _slider_values(page, label: str) -> list[float]:
    """The values of the slider labelled ``label`` (the text each thumb shows)."""
    slider = page.get_by_test_id("stSlider").filter(has_text=label)
    return [float(v) for v in slider.get_by_test_id("stSliderThumbValue").all_inner_texts()]


@pytest.mark.shared_data
@pytest.mark.skipif(os.environ.get("NEUCUBE_UPDATE_SCREENSHOTS") != "1",
                    reason="the README's screenshots of a real recording (a few minutes): with "
                           "NEUCUBE_UPDATE_SCREENSHOTS=1 only")
def test_student_walk_with_a_real_muse_recording(page, server: str, shared_data: Path,
                                                 tmp_path: Path) -> None:
    """Issue 20's walk as a student does it, with two runs of the real Muse N170 recording and
    every default: the README's screenshots of the Study, Encode, Train and Connectivity pages,
    and the run's scores (printed; ``pytest -s`` shows them)."""
    import io
    import json
    import re
    import zipfile

    import pandas as pd

    lap = _Laps(SERVER_PID[server])
    page.goto(server + "/")
    page.get_by_role("heading", name="Quick start").wait_for()
    assert page.get_by_test_id("stToolbar").get_by_text("Deploy").count() == 0
    _nav(page, "Study")
    _upload_mode(page)
    page.locator("input[type=file]").first.set_input_files(
        [str(shared_data / run) for run in MUSE_RUNS])
    page.get_by_text("Start: the ERP preset of the shipped N170 study").wait_for()
    assert page.get_by_role("spinbutton", name="Sampling rate (Hz), CSV only").input_value() == ""
    page.get_by_role("button", name="Read recording").click()
    page.get_by_text("Events → classes", exact=True).wait_for(timeout=120_000)
    warnings = page.get_by_test_id("stAlertContentWarning").all_inner_texts()
    assert not any("sfreq" in w for w in warnings), warnings
    for event, cls in (("1", "house"), ("2", "face")):
        box = page.get_by_role("textbox", name=f"Class of '{event}'")
        box.fill(cls)
        box.press("Enter")
        page.wait_for_timeout(300)
    page.get_by_role("button", name="Load trials").click()
    page.get_by_role("heading", name=re.compile(r"^Loaded: ")).wait_for(timeout=120_000)
    page.get_by_text("Channel table (4 used)").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    _screenshot(page, "muse_study", tmp_path)
    lap("study")

    _nav(page, "Encode")
    page.get_by_text("10 dB or more is good").wait_for(timeout=120_000)
    page.get_by_test_id("stImage").first.wait_for()
    page.get_by_text("Bars in the recording's channel order").wait_for()
    page.wait_for_timeout(2000)  # the bar chart's layout, before the page's height is read
    _screenshot(page, "muse_encode", tmp_path)
    lap("encode")

    _nav(page, "Train")
    estimate = page.get_by_text("Estimated run time:")
    estimate.wait_for()
    estimate_text = estimate.inner_text()
    page.get_by_role("button", name="Run evaluation").click()
    failed = page.get_by_text("The last run failed")
    page.get_by_text("What these results say").or_(failed).first.wait_for(timeout=1_800_000)
    assert failed.count() == 0, page.get_by_test_id("stAlertContentError").all_inner_texts()
    assert page.get_by_test_id("stException").count() == 0
    run_caption = page.get_by_text(re.compile(r"run took \d+ s")).inner_text()
    verdict = page.locator("[data-testid^=stAlertContent]").all_inner_texts()
    page.get_by_text("Per-fold scores").wait_for()
    page.get_by_test_id("stImage").nth(1).wait_for()  # the fold scores, the confusion matrix
    page.wait_for_timeout(2000)
    lap("evaluation")
    _screenshot(page, "muse_train", tmp_path)

    _nav(page, "Connectivity")
    page.get_by_role("heading", name="Class difference maps").wait_for(timeout=300_000)
    page.locator(".js-plotly-plot").first.wait_for()
    # Move the window's start by 10 steps; the Export page must start from the same window.
    thumb = page.get_by_test_id("stSlider").filter(has_text="Time window (s)").get_by_role(
        "slider").first
    thumb.focus()
    for _ in range(10):
        thumb.press("ArrowRight")
    page.wait_for_timeout(1500)
    window = _slider_values(page, "Time window (s)")
    page.get_by_test_id("stImage").last.wait_for()
    _screenshot(page, "muse_connectivity", tmp_path)
    lap("connectivity")

    _nav(page, "Export")
    page.get_by_role("button", name="Prepare the results folder").wait_for(timeout=120_000)
    assert _slider_values(page, "Time window of the class difference map (s)") == (
        pytest.approx(window))
    page.get_by_role("button", name="Prepare the results folder").click()
    button = page.get_by_role("button", name="neucube_results.zip")
    button.wait_for(timeout=300_000)
    with page.expect_download() as info:
        button.click()
    assert info.value.suggested_filename == "neucube_results.zip"
    path = tmp_path / "results.zip"
    info.value.save_as(path)
    with zipfile.ZipFile(path) as z:
        name = next(n for n in z.namelist() if n.endswith("folds.csv"))
        folds = pd.read_csv(io.BytesIO(z.read(name)))
    lap("export")
    scores = folds.groupby("model", sort=False)[["accuracy", "roc_auc"]].mean().round(3)

    # ---- the verdict's advice, followed: the N170 study's model settings, run again
    _nav(page, "Train")
    page.get_by_text("Start from a shipped study's model settings").click()
    page.get_by_role("button", name="Use its model settings").click()
    page.get_by_text("settings taken from the n170_faces_houses study").wait_for()
    stale = page.get_by_text("These results are out of date")
    stale.wait_for()  # the first run's results, until the second replaces them
    page.get_by_role("button", name="Run evaluation").click()
    stale.or_(failed).first.wait_for(state="detached", timeout=1_800_000)
    page.get_by_text("What these results say").or_(failed).first.wait_for(timeout=300_000)
    assert failed.count() == 0, page.get_by_test_id("stAlertContentError").all_inner_texts()
    second = page.get_by_test_id("stMetric").filter(has_text="NeuCube accuracy").get_by_test_id(
        "stMetricValue").inner_text()
    lap("n170 settings")
    print(json.dumps({"estimate": estimate_text, "run": run_caption, "window": window,
                      "scores": scores.to_dict(orient="index"), "verdict": verdict,
                      "neucube_with_n170_settings": second,
                      "second_run": page.get_by_text(re.compile(r"run took \d+ s")).inner_text(),
                      "second_verdict": page.locator(
                          "[data-testid^=stAlertContent]").all_inner_texts()}, indent=1))
    print(lap.report())
