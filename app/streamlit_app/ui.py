"""Streamlit plumbing shared by the pages: session state, the job runner, figures, errors.

Per-session state lives in ``st.session_state`` (the loaded :class:`Dataset`, the running
:class:`TrainingJob`, the finished :class:`TrainingResult`, the settings: a study's sections,
see :mod:`~app.streamlit_app.studyfile`) and every file the
session writes goes to its own temporary folder, removed when the session is discarded. The
only object shared between sessions is the worker pool (``st.cache_resource``), which is
thread-safe; compiled networks are shared by neucube's engine cache, also thread- and
process-safe. Drawing takes :data:`DRAW_LOCK`, because matplotlib's style settings are
process-global.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import streamlit as st

from app.streamlit_app import studyfile
from app.streamlit_app.datasets import Dataset
from app.streamlit_app.training import TrainingJob, TrainingResult, prepare_job_imports

__all__ = [
    "PAGES",
    "page_setup",
    "flash_and_rerun",
    "workdir",
    "get_dataset",
    "set_dataset",
    "require_dataset",
    "get_result",
    "require_result",
    "get_settings",
    "set_settings",
    "executor",
    "start_job",
    "adopt_finished_job",
    "job_panel",
    "cached",
    "DRAW_LOCK",
    "show_figure",
    "figure_downloads",
    "show_error",
    "channel_map",
    "settings_note",
    "md_escape",
    "hide_paths",
]

logger = logging.getLogger(__name__)

PAGES = {
    "home": "Home.py",
    "study": "pages/1_Study.py",
    "encode": "pages/2_Encode.py",
    "train": "pages/3_Train.py",
    "connectivity": "pages/4_Connectivity.py",
    "export": "pages/5_Export.py",
}
_CACHE_LIMIT = 32


# --------------------------------------------------------------------------- page frame
def page_setup(title: str, intro: str, *, icon: str = ":material/neurology:") -> None:
    """Configure the page, draw its title and the session summary in the sidebar."""
    st.set_page_config(page_title=f"{title} · NeuCube", page_icon=icon, layout="wide")
    adopt_finished_job()
    st.title(title)
    st.caption(intro)
    _sidebar()
    message = st.session_state.pop("_flash", None)
    if message:
        st.success(message, icon=":material/check_circle:")
    settings_note()


def flash_and_rerun(message: str) -> None:
    """Show ``message`` at the top of the page after a rerun (which refreshes the sidebar)."""
    st.session_state["_flash"] = message
    st.rerun()


def _sidebar() -> None:
    with st.sidebar:
        st.markdown("**This session**")
        ds = get_dataset()
        if ds is None:
            st.caption("No trials loaded yet.")
        else:
            t = ds.trials
            st.caption(f"**Data:** {ds.name}  \n{t.n_trials} trials · {t.n_classes} classes · "
                       f"{t.n_channels} channels · {t.sfreq:g} Hz")
        job = st.session_state.get("job")
        if job is not None and job.state in ("queued", "running"):
            st.caption(f"**Training:** {job.stage} ({100 * job.progress:.0f} %)")
        res = get_result()
        if res is not None:
            acc = res.evaluation.scores()["accuracy"]["mean"]
            ev = res.settings["evaluation"]
            st.caption(f"**Result:** NeuCube accuracy {acc:.3f} ({res.evaluation.scheme}, "
                       f"{ev['n_splits']} folds)")


# --------------------------------------------------------------------------- session state
def workdir() -> Path:
    """The session's own temporary folder (removed when the session object is discarded)."""
    holder = st.session_state.get("_workdir")
    if holder is None or not Path(holder.name).is_dir():
        holder = tempfile.TemporaryDirectory(prefix="neucube-app-")
        st.session_state["_workdir"] = holder
    return Path(holder.name)


def get_dataset() -> Dataset | None:
    return st.session_state.get("dataset")


#: Widget keys of the analysis pages (encoder, model, views): reset with new data.
_ANALYSIS_KEYS = ("enc_", "tr_", "cx_", "ex_")


def set_dataset(dataset: Dataset) -> None:
    """Make ``dataset`` current; results and analysis settings of other data are dropped.

    A shipped study brings its own settings; other data start from the classifier's defaults
    (:func:`~app.streamlit_app.studyfile.settings_of`), never from the previous data's. When
    data were loaded before, :func:`settings_note` says so on the next page.
    """
    previous = get_dataset()
    st.session_state["dataset"] = dataset
    for key in ("result", "export_manifest", "results_ready", "_cache", "chosen_window",
                "_job_estimate"):
        st.session_state.pop(key, None)
    for key in [k for k in st.session_state if str(k).startswith(_ANALYSIS_KEYS)]:
        st.session_state.pop(key, None)
    st.session_state["settings"] = studyfile.settings_of(dataset.study)
    if dataset.study is not None:
        origin = f"the study file's settings ({dataset.study.config['study']['name']})"
    else:
        origin = "NeuCube's default settings"
    if previous is not None:
        st.session_state["_settings_note"] = (
            f"New data: the encoder, cube, STDP, readout and evaluation settings were reset to "
            f"{origin}; nothing was kept from {previous.name}."
        )


def settings_note() -> None:
    """Say once, after new data replaced old ones, that the analysis settings were reset."""
    note = st.session_state.pop("_settings_note", None)
    if note:
        st.info(note, icon=":material/restart_alt:")


def require_dataset() -> Dataset:
    """The current dataset, or a pointer to the Study page (and the page stops)."""
    ds = get_dataset()
    if ds is None:
        st.info("No trials loaded in this session yet. Choose a shipped study or upload a "
                "recording on the Study page.")
        st.page_link(PAGES["study"], label="Go to the Study page", icon=":material/folder_open:")
        st.stop()
    return ds


def get_result() -> TrainingResult | None:
    res = st.session_state.get("result")
    ds = get_dataset()
    if res is None or ds is None or res.dataset_version != ds.version:
        return None
    return res


def require_result() -> tuple[Dataset, TrainingResult]:
    ds = require_dataset()
    res = get_result()
    if res is None:
        job = st.session_state.get("job")
        if job is not None and job.state in ("queued", "running"):
            st.info("Training is running; this page fills in when it is done.")
            job_panel()
        else:
            st.info("Train a model first: set it up and run the evaluation on the Train page.")
        st.page_link(PAGES["train"], label="Go to the Train page", icon=":material/model_training:")
        st.stop()
    return ds, res


def get_settings() -> dict[str, dict[str, Any]]:
    """The session's settings: ``{section: {key: value}}`` of a study (see ``studyfile``)."""
    s = st.session_state.get("settings")
    if s is None:
        ds = get_dataset()
        s = studyfile.settings_of(None if ds is None else ds.study)
        st.session_state["settings"] = s
    return s


def set_settings(settings: dict[str, dict[str, Any]]) -> None:
    st.session_state["settings"] = settings


#: neucube's figure style is applied through matplotlib's process-global rcParams, so
#: sessions draw (and render figures to bytes) one at a time.
DRAW_LOCK = threading.RLock()


def cached(key: Hashable, build: Callable[[], Any]) -> Any:
    """Per-session memo of ``build()`` under ``key`` (cleared when data or results change).

    ``build`` runs under :data:`DRAW_LOCK`, as it usually draws a figure.
    """
    store: dict[Hashable, Any] = st.session_state.setdefault("_cache", {})
    if key not in store:
        if len(store) >= _CACHE_LIMIT:
            store.pop(next(iter(store)))
        with DRAW_LOCK:
            store[key] = build()
    return store[key]


def _figure_bytes(fig: Any, fmt: str, dpi: float = 300) -> bytes:
    from neucube.plotting.style import figure_bytes

    with DRAW_LOCK:
        return figure_bytes(fig, fmt, dpi=dpi)


# --------------------------------------------------------------------------- jobs
@st.cache_resource(show_spinner=False)
def executor() -> ThreadPoolExecutor:
    """Worker threads shared by all sessions (jobs queue when all are busy).

    ``NEUCUBE_APP_WORKERS`` sets their number; the default, half the CPUs, leaves room for
    the web server and other sessions' pages.
    """
    n = int(os.environ.get("NEUCUBE_APP_WORKERS", max(1, (os.cpu_count() or 2) // 2)))
    return ThreadPoolExecutor(max_workers=max(1, n), thread_name_prefix="neucube-job")


def start_job(dataset: Dataset, settings: dict[str, dict[str, Any]]) -> TrainingJob:
    """Queue a run of the study these settings make, into the session's results folder ``run``
    (its imports are done here, see :func:`~app.streamlit_app.training.prepare_job_imports`).

    Raises
    ------
    neucube_study.StudyError
        When the settings make an invalid study (naming the key).
    """
    study = studyfile.study_for_run(dataset, settings)
    with st.spinner("Loading the simulator…"):  # seconds on the first run, then instant
        prepare_job_imports()
    job = TrainingJob(study, settings, dataset.trials, dataset.version, workdir() / "run")
    st.session_state["job"] = job
    executor().submit(job.run)
    return job


def adopt_finished_job() -> None:
    """Move a finished job's result into the session (called at the top of every page)."""
    job = st.session_state.get("job")
    if job is None or job.state not in ("done", "failed"):
        return
    if job.state == "done" and job.result is not None:
        st.session_state["result"] = job.result
        for key in ("export_manifest", "results_ready", "_cache"):
            st.session_state.pop(key, None)
        st.session_state["job"] = None
    elif job.state == "failed":
        st.session_state["job_error"] = job.error
        st.session_state["job"] = None


def job_panel() -> None:
    """Progress of the session's job, refreshed every two seconds while it runs."""
    job = st.session_state.get("job")
    active = job is not None and job.state in ("queued", "running")

    # Each refresh costs about 0.25 CPU-s of the server; every second it took more CPU than a
    # small job itself (measured in the browser walk), and on a busy machine it slows the job.
    @st.fragment(run_every=2.0 if active else None)
    def panel() -> None:
        job = st.session_state.get("job")
        if job is None:
            return
        if job.state in ("done", "failed"):
            st.rerun(scope="app")
        st.progress(job.progress, text=f"{job.stage} · {job.elapsed:.0f} s")
        if job.log:
            st.code("\n".join(job.log[-8:]), language=None)

    panel()


# --------------------------------------------------------------------------- figures
def figure_downloads(fig: Any, stem: str, key: str) -> None:
    """SVG/PDF/PNG download buttons for a matplotlib figure (rendered when clicked)."""
    from app.streamlit_app.exporting import FORMATS, MIME

    row = st.container(horizontal=True, gap="small")
    for fmt in FORMATS:
        row.download_button(
            fmt.upper(), data=lambda f=fig, x=fmt: _figure_bytes(f, x), file_name=f"{stem}.{fmt}",
            mime=MIME[fmt], key=f"dl-{key}-{fmt}", on_click="ignore",
            icon=":material/download:", help=f"Download this figure as {fmt.upper()}",
        )


def show_figure(fig: Any, stem: str, key: str, *, caption: str | None = None) -> None:
    """Show a matplotlib figure at its journal size, with download buttons."""
    from neucube.plotting.style import MM_PER_INCH

    png = _figure_bytes(fig, "png", dpi=200)
    width_mm = float(fig.get_size_inches()[0] * MM_PER_INCH)
    # Journal figures are 85-180 mm wide; ~4.5 px per mm fills a wide column without blurring.
    st.image(png, caption=caption, width=int(min(max(width_mm * 4.5, 380), 1000)))
    figure_downloads(fig, stem, key)


def md_escape(text: str) -> str:
    """``text`` shown literally in Markdown (file names such as ``sam1_.csv ... samN_.csv``)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", str(text))


def hide_paths(text: str) -> str:
    """``text`` with this session's folder removed from paths (uploads named by their names)."""
    holder = st.session_state.get("_workdir")
    if holder is not None:
        text = re.sub(re.escape(str(holder.name)) + r"[^\s:'\"]*/", "", str(text))
    return str(text)


def show_error(exc: BaseException, what: str, words: Any = None) -> None:
    """An error box with the message of a loader/model error (the app keeps working);
    ``words`` (str -> str), if given, rewrites the message in the page's terms."""
    if isinstance(exc, OSError) and exc.errno is not None:
        from app.oserrors import describe_os_error

        # An operating-system error (full disk, read-only, ...): the path, what happened and
        # what to do, instead of Python's "[Errno 28] ...".
        message = describe_os_error(exc)
    else:
        message = str(exc) or type(exc).__name__
    # Name uploaded files by their own names, not by where this server keeps them.
    holder = st.session_state.get("_workdir")
    if holder is not None:
        message = re.sub(re.escape(str(holder.name)) + r"[^\s:'\"]*/", "", message)
    if words is not None:
        message = words(message)
    st.error(f"**{what}**\n\n{message}", icon=":material/error:")
    logger.info("%s: %s: %s", what, type(exc).__name__, message)


# --------------------------------------------------------------------------- channels
def channel_map(trials: Any) -> Any:
    """Plotly 3-D view of the channel positions over the MNI brain template's neurons."""
    import numpy as np
    import plotly.graph_objects as go

    from neucube.cube import brain_template
    from neucube.spaces import convert_coords

    coords = np.asarray(trials.coords, dtype=float)
    fig = go.Figure()
    space = trials.space
    if space in ("mni", "talairach"):
        if space == "talairach":
            coords = convert_coords(coords, "talairach", "mni")
        brain = brain_template(10.0)
        fig.add_trace(go.Scatter3d(
            x=brain[:, 0], y=brain[:, 1], z=brain[:, 2], mode="markers", name="brain (MNI152)",
            marker={"size": 2, "color": "#9a9a9a", "opacity": 0.35}, hoverinfo="skip",
        ))
    fig.add_trace(go.Scatter3d(
        x=coords[:, 0], y=coords[:, 1], z=coords[:, 2], mode="markers+text",
        text=list(trials.ch_names), textposition="top center", name="channels",
        textfont={"size": 14 if len(coords) <= 20 else 10, "color": "#111111"},
        marker={"size": 5, "color": "#E69F00", "line": {"width": 1, "color": "#333"}},
        hovertemplate="%{text}<br>x %{x:.0f} mm, y %{y:.0f} mm, z %{z:.0f} mm<extra></extra>",
    ))
    label = "MNI" if space in ("mni", "talairach") else (space or "")
    # Seen from above, nose up: scalp electrodes lie above or beside the brain, so none hides
    # behind its neurons (from the side, the far hemisphere's channels did, e.g. TP10).
    fig.update_layout(
        height=520, margin={"l": 0, "r": 0, "t": 10, "b": 0}, showlegend=True,
        legend={"orientation": "h", "y": 1.02},
        scene={"aspectmode": "data", "xaxis_title": f"x {label} (mm)",
               "yaxis_title": f"y {label} (mm)", "zaxis_title": f"z {label} (mm)",
               "camera": {"eye": {"x": 0.0, "y": -0.25, "z": 1.9},
                          "up": {"x": 0.0, "y": 1.0, "z": 0.0}}},
    )
    return fig
