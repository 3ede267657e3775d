"""Study page: a shipped study or uploaded recordings -> labelled trials, with a summary."""

from __future__ import annotations

import dataclasses
import hashlib
import re

import pandas as pd
import streamlit as st

from app.streamlit_app import datasets, ui

ui.page_setup(
    "Study",
    "Choose the trials to analyse: a study shipped with neucube, or your own recordings with "
    "events mapped to classes.",
    icon=":material/folder_open:",
)

UPLOAD_HELP = (
    "One recording at a time: EDF/BDF, BrainVision (select the .vhdr, .vmrk and .eeg files "
    "together), EEGLAB .set (with its .fdt if it has one), FIF; or one or more CSV runs with a "
    "marker column; or a NeuCube CSV study folder compressed as a .zip "
    "(sam1_*.csv ... samN_*.csv + tar_class_labels.csv)."
)


# --------------------------------------------------------------------------- shipped studies
def shipped_study() -> None:
    studies = datasets.list_studies()
    if not studies:
        st.info("No study files were found in the repository's studies/ folder.")
        return
    names = list(studies)
    default = names.index("familiarity") if "familiarity" in names else 0
    name = st.selectbox("Study", names, index=default, key="study_name",
                        help="Study files shipped in the repository's studies/ folder.")
    try:
        from neucube_study import load_study

        study = load_study(studies[name])
    except Exception as exc:  # noqa: BLE001 - a broken study file is shown, not raised
        ui.show_error(exc, f"The study file {name}.toml is not valid")
        return
    description = study.config["study"].get("description") or ""
    if description:
        st.markdown(description)
    data = study.config["data"]
    n_subjects = None
    if data["source"] == "simulate":
        full = int(data["args"].get("n_subjects", 5))
        n_subjects = st.number_input(
            "Simulated subjects", min_value=1, max_value=max(full, 20), value=min(2, full),
            step=1, key="study_subjects",
            help=f"The study simulates {full} subjects; fewer make a faster first run.",
        )
        if int(n_subjects) != full:
            st.caption(f"Loads {int(n_subjects)} of the study's {full} simulated subjects (the "
                       f"description above is of all {full}; `neucube run` simulates all).")
    if st.button("Load study", type="primary", icon=":material/play_arrow:", key="study_load"):
        try:
            with st.spinner(f"Loading {name} ..."):
                ds = datasets.load_shipped_study(name, n_subjects=n_subjects)
        except Exception as exc:  # noqa: BLE001
            ui.show_error(exc, f"The study {name} could not be loaded")
        else:
            ui.set_dataset(ds)
            ui.flash_and_rerun(f"Loaded {ds.trials.n_trials} trials from {name}.")


# --------------------------------------------------------------------------- uploads
def _signature(files: list, coords: object) -> str:
    h = hashlib.sha256()
    for f in [*files, *([coords] if coords is not None else [])]:
        h.update(f.name.encode())
        h.update(str(f.size).encode())
        h.update(f.getvalue()[:4096])
    return h.hexdigest()


#: Upload widgets -> RecordingOptions fields they set, reset to the ERP preset for new files.
_PREPROCESSING_KEYS = {"up_tmin": "tmin", "up_tmax": "tmax", "up_lfreq": "l_freq",
                       "up_hfreq": "h_freq", "up_baseline": "baseline",
                       "up_resample": "resample", "up_reject": "reject_uv"}


def _reset_preprocessing(force: bool) -> None:
    """Put the preprocessing widgets at the ERP preset (only unset ones unless ``force``)."""
    defaults = datasets.default_options()
    for key, attr in _PREPROCESSING_KEYS.items():
        if force or key not in st.session_state:
            value = getattr(defaults, attr)
            st.session_state[key] = bool(value) if key == "up_baseline" else float(value or 0.0)


def _options() -> datasets.RecordingOptions:
    _reset_preprocessing(force=False)
    st.markdown("**Epochs and filters**")
    d = datasets.default_options()
    st.caption(
        f"Start: the ERP preset of the shipped N170 study — {d.l_freq:g}–{d.h_freq:g} Hz "
        f"band-pass, epochs {d.tmin:g} to {d.tmax:g} s, trials above {d.reject_uv:g} µV "
        f"peak-to-peak rejected, resampled to {d.resample:g} Hz. New files start from it again."
    )
    c1, c2, c3, c4 = st.columns(4)
    tmin = c1.number_input("Epoch start (s)", step=0.05, format="%.3f",
                           key="up_tmin", help="Trial window start, relative to each event.")
    tmax = c2.number_input("Epoch end (s)", step=0.05, format="%.3f",
                           key="up_tmax", help="Trial window end, relative to each event.")
    l_freq = c3.number_input("High-pass (Hz)", min_value=0.0, step=0.5,
                             key="up_lfreq", help="0 = no high-pass filter.")
    h_freq = c4.number_input("Low-pass (Hz)", min_value=0.0, step=1.0,
                             key="up_hfreq", help="0 = no low-pass filter.")
    c1, c2, c3, c4 = st.columns(4)
    baseline = c1.checkbox("Baseline correction", key="up_baseline",
                           help="Subtract each trial's mean from the epoch start to 0 s.")
    resample = c2.number_input("Resample to (Hz)", min_value=0.0, step=16.0,
                               key="up_resample",
                               help="0 = keep the recording's rate. Fewer samples per trial "
                                    "make the cube's simulation faster.")
    reject = c3.number_input("Reject above (µV p-p)", min_value=0.0, step=10.0,
                             key="up_reject",
                             help="Drop trials whose peak-to-peak amplitude exceeds this on any "
                                  "channel (CSV: in the file's units). 0 = keep all.")
    # Empty unless the student types a rate: a "0.00" box read as a rate of zero.
    sfreq = c4.number_input("Sampling rate (Hz), CSV only", min_value=0.0, value=None,
                            step=1.0, format="%g", key="up_sfreq", placeholder="from the file",
                            help="For CSV files only; other formats store their rate. Leave it "
                                 "empty to take the rate from the time column (a continuous "
                                 "CSV with timestamps); type it when the file has no time "
                                 "column or its timestamps are irregular.")
    events = st.text_input(
        "Events to read (optional)", value="", key="up_event_list",
        help="Comma-separated trigger codes or annotation texts, e.g. '1, 2' or 'T1, T2'. "
             "Empty reads every event; list them when the file also holds annotations that are "
             "not trials.")
    c1, c2, c3 = st.columns([1, 1, 2])
    stim = c1.text_input("Trigger channel", value="", key="up_stim",
                         help="EDF files that store triggers as a signal, e.g. 'DIG DTRIG'. "
                              "Leave empty to use the file's annotations or stim channel.")
    subject = c2.text_input("Subject id", value="", key="up_subject",
                            help="Stored with every trial (optional).")
    unknown = c3.radio("Channels without a known position", ["drop", "raise"], horizontal=True,
                       key="up_unknown",
                       format_func=lambda v: {"drop": "leave them out",
                                              "raise": "stop with an error"}[v],
                       help="Channel names are looked up in the standard 10-05 positions; an "
                            "electrode position file (below) gives the others.")
    return datasets.RecordingOptions(
        tmin=float(tmin), tmax=float(tmax), l_freq=l_freq or None, h_freq=h_freq or None,
        baseline=bool(baseline), resample=resample or None, reject_uv=reject or None,
        stim_channel=stim.strip() or None, sfreq=sfreq or None, on_unknown=unknown,
        subject=subject.strip() or None,
        events=tuple(e.strip() for e in events.split(",") if e.strip()),
    )


def upload() -> None:
    files = st.file_uploader("Recording files", type=list(datasets.UPLOAD_TYPES),
                             accept_multiple_files=True, key="up_files", help=UPLOAD_HELP)
    coords = st.file_uploader(
        "Electrode positions (optional)", type=["csv", "txt"], key="up_coords",
        help="A CSV file with rows name,x,y,z in MNI mm, for channels whose names are not in "
             "the 10-05 system.",
    )
    if files:
        signature = _signature(files, coords)
        if st.session_state.get("up_options_for") != signature:
            # New files: preprocessing back to the preset, not the previous upload's values.
            _reset_preprocessing(force=True)
            st.session_state["up_options_for"] = signature
    options = _options()
    if not files:
        st.caption(ui.md_escape(UPLOAD_HELP))
        return
    if st.button("Read recording", type="primary", icon=":material/upload_file:",
                 key="up_read"):
        st.session_state.pop("discovery", None)
        try:
            folder = ui.workdir() / "uploads" / signature[:16]
            limit = int(st.get_option("server.maxUploadSize")) * 1_000_000
            paths = datasets.save_uploads(((f.name, f.getvalue()) for f in files), folder,
                                          max_bytes=limit)
            coord_path = None
            if coords is not None:
                coord_path = datasets.save_uploads([(coords.name, coords.getvalue())],
                                                   folder / "positions", max_bytes=limit)[0]
            plan = datasets.plan_upload(paths)
            with st.spinner(f"Reading {', '.join(plan.names)} ..."):
                if plan.kind == "neucube_csv":
                    ds = datasets.load_upload(plan, options, None, workdir=folder,
                                              coordinates=None)
                    ui.set_dataset(ds)
                    ui.flash_and_rerun(f"Loaded {ds.trials.n_trials} trials from {ds.name}.")
                found = datasets.discover_events(plan, options, workdir=folder,
                                                 coordinates=coord_path)
        except Exception as exc:  # noqa: BLE001 - the loader's message, the app keeps working
            ui.show_error(exc, "The upload could not be read", words=in_page_words)
            return
        st.session_state["discovery"] = {
            "signature": signature, "plan": plan, "folder": folder, "coords": coord_path,
            "trials": found, "counts": found.class_counts(),
            "events_from": found.metadata.get("events_from"),
            "channels": datasets.channel_table(found),
            "warnings": found.metadata.get("load_warnings") or [],
        }
    found = st.session_state.get("discovery")
    if found is None or found["signature"] != signature:
        st.caption("Press **Read recording** to list its events.")
        return
    _classes(found, options)


def _channels(found: dict) -> tuple[str, ...]:
    """The recording's channels with a keep/leave-out checkbox; returns those left out."""
    rows = found["channels"]
    st.markdown("**Channels**")
    st.caption(
        "Untick a channel to leave it out. Channels that are not EEG (auxiliary, eye, heart, "
        "trigger or motion signals) or have no known position are left out; an electrode "
        "position file (above) places channels whose names are not 10-05 names."
    )
    edited = st.data_editor(
        pd.DataFrame(rows), hide_index=True, width="stretch",
        key=f"up_channels_{found['signature'][:12]}",
        disabled=[k for k in (rows[0] if rows else {}) if k != "use"],
        column_config={"use": st.column_config.CheckboxColumn(
            "use", help="Feed this channel to the cube.")},
    )
    usable = {r["channel"] for r in rows if r["kind"] == "EEG"}
    out = [f"{r['channel']} ({r['kind']})" for r in rows if r["kind"] != "EEG"]
    if out:
        st.caption("Left out by the reader: " + ", ".join(out) + ".")
    records = edited.to_dict("records")
    ticked = [r["channel"] for r in records if r["use"] and r["channel"] not in usable]
    if ticked:
        st.caption("Not usable as inputs (not EEG, or no position): " + ", ".join(ticked))
    return tuple(r["channel"] for r in records if not r["use"] and r["channel"] in usable)


#: The loaders' advice to a programmer ("pass sfreq="), in the words of this page.
_IN_PAGE_WORDS = (
    (re.compile(r"[;,.]? ?[Pp]ass sfreq=[^.]*\.?"),
     ". To set the rate yourself, type it in 'Sampling rate (Hz), CSV only' above and read the "
     "recording again."),
    (re.compile(r"1/sfreq"), "one sample interval"),
    (re.compile(r"\(sfreq=([\d.]+)\)"), r"(a rate of \1)"),
    (re.compile(r"\bsfreq was"), "The sampling rate was"),
    (re.compile(r"\bsfreq\b"), "the sampling rate"),
)


def in_page_words(message: str) -> str:
    """``message`` with the loader's parameter names replaced by this page's controls."""
    for pattern, words in _IN_PAGE_WORDS:
        message = pattern.sub(words, message)
    return message


def show_warnings(messages: list[str], where: str) -> None:
    """The loader's warnings, in the page (each once)."""
    if messages:
        st.warning(f"**{where}**\n\n" + "\n".join(
            f"- {ui.md_escape(ui.hide_paths(in_page_words(m)))}" for m in messages),
            icon=":material/warning:")


def _classes(found: dict, options: datasets.RecordingOptions) -> None:
    counts: dict[str, int] = found["counts"]
    show_warnings(found.get("warnings") or [], "Warnings while reading the recording")
    st.markdown("**Events → classes**")
    st.caption(
        f"Events found in {ui.md_escape(', '.join(found['plan'].names))} (from its "
        f"{found['events_from'] or 'markers'}), with the trials each gives in the current "
        "window. Choose the events that start a trial and name their class; events given the "
        "same class name are merged."
    )
    st.dataframe([{"event": e, "trials": n} for e, n in counts.items()], hide_index=True,
                 width="content")
    usable = [e for e, n in counts.items() if n > 0]
    chosen = st.multiselect("Events that start a trial", list(counts), default=usable,
                            key="up_events")
    assignments = {}
    cols = st.columns(min(max(len(chosen), 1), 4))
    for i, event in enumerate(chosen):
        assignments[event] = cols[i % len(cols)].text_input(
            f"Class of '{event}'", value=event, key=f"up_class_{event}")
    options = dataclasses.replace(options, leave_out=_channels(found))
    if st.button("Load trials", type="primary", icon=":material/check:", key="up_load",
                 disabled=not chosen):
        try:
            mapping = datasets.event_mapping(assignments, kind=found["plan"].kind,
                                             events_from=found["events_from"])
            with st.spinner("Epoching ..."):
                ds = datasets.load_upload(found["plan"], options, mapping,
                                          workdir=found["folder"], coordinates=found["coords"],
                                          discovered=found["trials"])
        except Exception as exc:  # noqa: BLE001
            ui.show_error(exc, "The trials could not be loaded", words=in_page_words)
            return
        ui.set_dataset(ds)
        ui.flash_and_rerun(f"Loaded {ds.trials.n_trials} trials from {ds.name}.")


# --------------------------------------------------------------------------- summary
def summary(ds: datasets.Dataset) -> None:
    t = ds.trials
    meta = t.metadata
    st.subheader(f"Loaded: {ui.md_escape(ds.name)}")
    c = st.columns([1, 1, 1, 1.4, 2, 1])
    c[0].metric("Trials", t.n_trials)
    c[1].metric("Classes", t.n_classes)
    c[2].metric("Channels", t.n_channels)
    c[3].metric("Sampling rate", f"{t.sfreq:g} Hz")
    c[4].metric("Epoch (s)", f"{t.tmin:.2f}–{t.tmax:.2f}",
                help=f"Trial window: {t.n_times} samples from {t.tmin:g} to {t.tmax:g} s.")
    subjects = datasets.subjects_of(t)
    c[5].metric("Subjects", len(subjects) if subjects else "—")
    left, right = st.columns([1, 2])
    with left:
        st.markdown("**Trials per class**")
        st.dataframe(datasets.class_table(t), hide_index=True, width="stretch")
        dropped = drop_summary(meta)
        if dropped:
            st.markdown("**Trials dropped:** " + dropped)
        few_trials_warning(t)
    with right:
        st.markdown("**Channels on the brain**")
        with st.expander(f"Channel table ({t.n_channels} used)", expanded=True):
            table = pd.DataFrame(datasets.channel_table(t))
            st.dataframe(table[["use", "channel", "kind", "x, y, z (mm)"]], hide_index=True,
                         width="stretch", column_config={"use": st.column_config.CheckboxColumn(
                             "use", help="Fed to the cube as an input")})
        if t.coords is None:
            st.info("These trials carry no channel positions; the cube spreads the inputs "
                    "evenly over the brain template.")
        else:
            space = {"mni": "MNI", "talairach": "Talairach, shown in MNI"}.get(t.space, t.space)
            st.plotly_chart(ui.channel_map(t), key="channel_map")
            st.caption(f"{t.n_channels} channels ({space}) over the neurons of the MNI152 "
                       "brain template (10 mm grid), seen from above with the nose up; drag "
                       "to turn it.")
    report = datasets.unknown_channels_report(t)
    if report:
        st.warning(
            "**Channels without a known position were left out.**\n\n" + report
            + "\n\nTo keep them, upload an electrode position file (name,x,y,z in MNI mm) "
              "or rename the channels in the recording.",
            icon=":material/warning:",
        )
    found = st.session_state.get("discovery") or {}
    shown = set(found.get("warnings") or []) if ds.source != "study" else set()
    show_warnings([w for w in (ds.warnings or meta.get("warnings") or []) if w not in shown],
                  "Warnings while loading these trials")
    ground = meta.get("ground_truth")
    if ground:
        with st.expander("Simulation ground truth (what the simulator put in the data)"):
            st.dataframe(pd.DataFrame(ground_truth_rows(ground)), hide_index=True,
                         width="stretch")


#: Why MNE dropped a trial, in words (its drop-log codes).
_DROP_REASONS = {"TOO_SHORT": "window runs past the recording's end",
                 "NO_DATA": "window runs past the recording's end",
                 "amplitude": "amplitude above the rejection threshold",
                 "IGNORED": "event not mapped to a class"}


def drop_summary(meta: dict) -> str:
    """Dropped trials by reason, in words ("" when none were dropped)."""
    reasons: dict[str, int] = {}
    for code, n in (meta.get("drop_log") or {}).items():
        text = _DROP_REASONS.get(code, f"bad channel {code}" if code else "other")
        reasons[text] = reasons.get(text, 0) + int(n)
    if not reasons:
        if meta.get("n_rejected"):
            reasons[_DROP_REASONS["amplitude"]] = int(meta["n_rejected"])
        if meta.get("n_out_of_bounds"):
            reasons[_DROP_REASONS["TOO_SHORT"]] = int(meta["n_out_of_bounds"])
    return "; ".join(f"{n} ({why})" for why, n in reasons.items() if n)


def few_trials_warning(trials) -> None:
    """Warn when the smallest class is too small for the default cross-validation."""
    counts = trials.class_counts()
    folds = ui.get_settings()["evaluation"]["n_splits"]
    smallest = min(counts.values()) if counts else 0
    if smallest < 2 * folds:
        st.warning(
            f"**Few trials.** The smallest class has {smallest} trial(s). {folds}-fold "
            f"cross-validation tests on about {max(smallest // folds, 0)} trial(s) of it per "
            "fold, so every score will be very noisy"
            + (" — too few to train at all" if smallest < 2 else "")
            + ". Aim for at least 20 trials per class (more events, a longer recording or "
              "a milder rejection threshold).",
            icon=":material/warning:")


def ground_truth_rows(ground: dict) -> list[dict]:
    """The simulator's ground truth as rows of (what, value), nested keys joined by '/'."""
    rows: list[dict] = []

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix} / {k}" if prefix else str(k), v)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, v in enumerate(value, start=1):
                walk(f"{prefix} {i}", v)
        else:
            if isinstance(value, float):
                text = f"{value:.3g}"
            elif isinstance(value, list):
                text = ", ".join(f"{v:.3g}" if isinstance(v, float) else str(v) for v in value)
            else:
                text = str(value)
            rows.append({"what": prefix.replace("_", " "), "value": text})

    walk("", ground)
    return rows


source = st.radio("Trials from", ["Shipped study", "Upload recordings"], horizontal=True,
                  key="study_source")
with st.container(border=True):
    if source == "Shipped study":
        shipped_study()
    else:
        upload()

current = ui.get_dataset()
if current is not None:
    st.divider()
    summary(current)
    st.page_link(ui.PAGES["encode"], label="Next: encode the trials as spikes",
                 icon=":material/arrow_forward:")
