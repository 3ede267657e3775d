"""NeuCube web app: entry page (``streamlit run app/streamlit_app/Home.py``, or ``neucube app``)."""

from __future__ import annotations

import streamlit as st

from app.streamlit_app import datasets, ui

ui.page_setup(
    "NeuCube",
    "Spiking neural networks for spatiotemporal brain data: load EEG trials, encode them as "
    "spikes, train a brain-shaped NeuCube reservoir with STDP and a deSNN or state readout, "
    "and explore what it learnt.",
)

st.markdown(
    """
The app walks through one analysis, page by page (the sidebar lists them):

1. **Study** — pick a shipped study or upload recordings (EDF/BDF, BrainVision, EEGLAB, FIF,
   NeuCube CSV as a zip, CSV with a marker column); map events to classes and set the epochs.
2. **Encode** — choose a spike encoder and its threshold; look at a trial's spikes and how well
   they reconstruct the signal.
3. **Train** — set the cube, STDP and readout, then cross-validate NeuCube next to standard
   baselines and a shuffled-label control.
4. **Connectivity** — the trained cube in 3-D, neuron clusters, the feature interaction network,
   glass-brain views and class difference maps.
5. **Export** — figures (SVG/PDF/PNG), the results folder, the model file and a study file to
   re-run everything with `neucube run`.
"""
)

cols = st.columns(5)
for col, (page, label, icon) in zip(cols, [
    ("study", "Study", ":material/folder_open:"),
    ("encode", "Encode", ":material/graphic_eq:"),
    ("train", "Train", ":material/model_training:"),
    ("connectivity", "Connectivity", ":material/hub:"),
    ("export", "Export", ":material/download:"),
], strict=True):
    with col:
        st.page_link(ui.PAGES[page], label=label, icon=icon)

st.divider()
st.subheader("Quick start")
studies = datasets.list_studies()
if "familiarity" in studies:
    st.markdown(
        "Load the built-in **familiarity** study (simulated periperceptual familiarity EEG, 19 "
        "channels at 128 Hz) with 2 subjects — 160 trials, small enough to evaluate in about a "
        "minute — then go to **Train**."
    )
    if st.button("Load the demo study", type="primary", icon=":material/play_arrow:",
                 key="home_demo"):
        try:
            with st.spinner("Simulating the familiarity study ..."):
                ds = datasets.load_shipped_study("familiarity", n_subjects=2)
        except Exception as exc:  # noqa: BLE001 - shown to the user, the app keeps working
            ui.show_error(exc, "The demo study could not be loaded")
        else:
            ui.set_dataset(ds)
            st.session_state["_flash"] = f"Loaded {ds.trials.n_trials} trials from familiarity."
            st.switch_page(ui.PAGES["study"])
else:
    st.info("No shipped studies were found next to the app; upload a recording on the Study "
            "page.")

st.caption(
    "Every computation is done by the `neucube` and `data_loaders` packages; the app only "
    "calls them. Each browser session has its own data, results and files."
)
