"""Export page: figures, the results folder, the model file and the study file."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.streamlit_app import exporting, studyfile, ui

ui.page_setup(
    "Export",
    "Take the analysis with you: publication figures, the whole results folder, the trained "
    "model and a study file that re-runs everything from the command line.",
    icon=":material/download:",
)

ds, res = ui.require_result()
folder = ui.workdir() / "export"
figures_dir = folder / "figures"


def _file_button(path: Path, label: str, key: str) -> None:
    ext = path.suffix.lstrip(".").lower()
    st.download_button(label, data=lambda p=path: p.read_bytes(), file_name=path.name,
                       mime=exporting.MIME.get(ext, "application/octet-stream"), key=key,
                       on_click="ignore", icon=":material/download:")


# --------------------------------------------------------------------------- figures
st.subheader("Figures")
st.caption("The publication set of the trained model (neucube.plotting.export_figures): SVG "
           "and PDF with editable text, PNG at 300 dpi, the interactive cube as HTML and the "
           "interaction network for Gephi.")
t0, t1 = float(ds.trials.tmin), float(ds.trials.tmax)
# The window chosen on the Connectivity page, if any, so both pages draw the same map.
chosen = st.session_state.get("chosen_window")
window = st.slider("Time window of the class difference map (s)", t0, t1,
                   tuple(chosen) if chosen else (max(t0, 0.0), t1) if t0 < 0 < t1 else (t0, t1),
                   max(round(1.0 / ds.trials.sfreq, 4), 0.001), key="ex_window",
                   help="Starts at the window chosen on the Connectivity page.")
if st.button("Make the figure set", type="primary", icon=":material/image:", key="ex_figures"):
    try:
        with st.status("Drawing the figures ...", expanded=False) as status:
            with ui.DRAW_LOCK:
                manifest = exporting.write_figures(res, ds, figures_dir, window=tuple(window),
                                                   session_dir=ui.workdir())
            status.update(label=f"{len(manifest['figures'])} figures written", state="complete")
    except Exception as exc:  # noqa: BLE001 - shown, the app keeps working
        ui.show_error(exc, "The figures could not be made")
    else:
        st.session_state["export_manifest"] = manifest
manifest = st.session_state.get("export_manifest")
if manifest:
    for k, entry in enumerate(manifest["figures"]):
        with st.container(border=True):
            c0, c1, c2 = st.columns([1, 3, 2], vertical_alignment="center")
            png = entry["files"].get("png")
            if png:
                c0.image(str(figures_dir / png), width=140)
            c1.markdown(f"**{entry['name']}**  \n{entry.get('description', '')}")
            with c2.container(horizontal=True, gap="small"):
                for fmt, rel in entry["files"].items():
                    _file_button(figures_dir / rel, fmt.upper(), f"ex-fig-{k}-{fmt}")
    for skipped in manifest.get("skipped", []):
        if skipped["name"] == "cube_interactive (static)":
            continue  # the HTML cube is the interactive one; cube_connections is its print
        st.caption(f"Skipped {skipped['name']}: {skipped['reason']}")
if res.early is None:
    # No accuracy-over-time figure: the readout cannot predict early, or too few trials.
    st.info(f"No accuracy-over-time figure: {res.early_note}", icon=":material/info:")

st.divider()

# --------------------------------------------------------------------------- study and model
study_text, problem = studyfile.study_toml(ds, res.settings)
left, right = st.columns(2)
with left:
    st.subheader("Study file")
    st.caption("Re-run this analysis with `neucube run study.toml`.")
    if problem:
        st.warning(f"`neucube run` does not accept this study file as it is yet: {problem}",
                   icon=":material/info:")
    st.download_button("study.toml", data=study_text, file_name="study.toml",
                       mime="application/toml", key="ex-study", on_click="ignore",
                       icon=":material/download:")
    with st.expander("Show the study file"):
        st.code(study_text, language="toml")
with right:
    st.subheader("Model file")
    st.caption("The NeuCube model fitted on all trials: NumPy arrays and JSON in a zip, read "
               "back with `neucube.load_model`.")
    st.download_button("neucube_model.zip", data=lambda: (res.folder / "model.zip").read_bytes(),
                       file_name="neucube_model.zip",
                       mime="application/zip", key="ex-model", on_click="ignore",
                       icon=":material/download:")

st.divider()

# --------------------------------------------------------------------------- results folder
st.subheader("Results folder")
st.caption("The folder `neucube run` writes for this study (metrics.json, folds.csv, "
           "predictions.csv, model.zip, summary.json, encoding.csv, study.toml, "
           "provenance.json, run.log) and the figures (when made above), as one zip.")
results_dir = folder / "results"
if st.button("Prepare the results folder", icon=":material/folder_zip:", key="ex_results"):
    try:
        with st.spinner("Writing the results folder ..."):
            exporting.write_results(results_dir, res, study_text=study_text,
                                    session_dir=ui.workdir(),
                                    figures_dir=figures_dir if manifest else None)
            st.session_state["results_ready"] = exporting.zip_folder(results_dir)
    except Exception as exc:  # noqa: BLE001
        ui.show_error(exc, "The results folder could not be written")
ready = st.session_state.get("results_ready")
if ready:
    files = sorted(p.relative_to(results_dir).as_posix() for p in results_dir.rglob("*")
                   if p.is_file())
    st.success(f"Results folder ready: {len(files)} files, {len(ready) / 1e6:.1f} MB.")
    st.download_button("neucube_results.zip", data=ready, file_name="neucube_results.zip",
                       mime="application/zip", key="ex-results-zip", on_click="ignore",
                       type="primary", icon=":material/download:")
    with st.expander("Files"):
        st.text("\n".join(files))
