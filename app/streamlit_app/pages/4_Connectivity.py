"""Connectivity page: what the trained cube learnt (connections, clusters, interactions, maps)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.streamlit_app import ui, widgets

ui.page_setup(
    "Connectivity",
    "The cube trained on all trials: its connections before and after STDP, the neuron "
    "clusters of each input channel, how the channels interact, and where the classes differ.",
    icon=":material/hub:",
)

ds, res = ui.require_result()
model, trials = res.model, ds.trials
brain = res.settings["cube"]["template"] == "brain"
key = id(res)

from neucube import analysis, plotting  # noqa: E402 - after the page's guard
from neucube.cube import describe_activity  # noqa: E402


# --------------------------------------------------------------------------- activity
def activity_section() -> None:
    """How active the trained cube was: a nearly silent cube's figures show wiring, not spread."""
    specs = widgets.model_specs()
    names = {name: f'"{widgets.label_of(specs[name])}"'
             for name in ("weight_scale", "stdp_bound", "homeostasis") if name in specs}
    said = describe_activity(getattr(model, "activity_", None), setting_names=names)
    if said.nearly_silent:
        st.info(f"{said.text} These settings are under **More settings** on the Train page.",
                icon=":material/info:")
    elif said.sentences:
        st.caption(said.text)


# --------------------------------------------------------------------------- 3-D cube
@st.fragment
def cube_section() -> None:
    st.subheader("The cube in 3-D")
    c1, c2 = st.columns([3, 1])
    # A share of the strongest, not a fixed |w|: a calibrated cube's weights can all lie
    # below NeuCube's 0.08 (neucube.defaults.CUBE_PLOT_THRESHOLD).
    share = c2.slider(
        "Show the strongest connections (%)", 0.1, 20.0, 2.5, 0.1, key="cx_threshold",
        help="The strongest 2.5% of each panel's connections is about what NeuCube's fixed "
             "|w| ≥ 0.08 drew of its published wiring. Blue: excitatory, red: inhibitory; "
             "line width ∝ |w|.")
    threshold = f"{100 - share:g}%"
    c2.caption("Use the buttons in the figure to switch between the network **before** and "
               "**after** STDP. Input neurons (orange) carry the channel names. Seen "
               "from above with the nose up; drag to turn it.")
    fig = ui.cached(("cube3d", key, threshold),
                    lambda: plotting.plot_cube_interactive(model, threshold=threshold))
    with c1:
        st.plotly_chart(fig, key="cx_cube", config={"displaylogo": False})
        html = fig.to_html(include_plotlyjs=True, full_html=True)
        st.download_button("cube_interactive.html", data=html, file_name="cube_interactive.html",
                           mime="text/html", key="dl-cube-html", on_click="ignore",
                           icon=":material/download:")


# --------------------------------------------------------------------------- clusters
@st.fragment
def cluster_section() -> None:
    st.subheader("Neuron clusters and proportions")
    c1, c2 = st.columns([1, 3])
    use = c1.radio("Clusters from", ["weights", "communication"], key="cx_use",
                   format_func={"weights": "connection weights |w|",
                                "communication": "spike communication"}.get,
                   help="Label propagation from the input neurons over the trained weights, or "
                        "over the spikes each synapse carried in training.")
    kind = c1.radio("Chart", ["bar", "pie"], horizontal=True, key="cx_kind")
    labels = ui.cached(("clusters", key, use), lambda: analysis.neuron_clusters(model, use=use))
    props = analysis.neuron_proportions(labels, model.ch_names_)
    c1.dataframe(props.rename("share").to_frame(), width="stretch",
                 column_config={"share": st.column_config.ProgressColumn(
                     format="percent", min_value=0.0, max_value=float(props.max()))})
    with c2:
        fig = ui.cached(("props", key, use, kind),
                        lambda: plotting.plot_neuron_proportions(props, kind=kind))
        ui.show_figure(fig, f"neuron_proportions_{use}", "cx-props")


# --------------------------------------------------------------------------- interaction
@st.fragment
def interaction_section() -> None:
    st.subheader("Feature interaction network")
    c1, c2 = st.columns([2, 3])
    min_fraction = c1.slider("Hide edges below (fraction of the strongest)", 0.0, 0.9, 0.0,
                             0.05, key="cx_minfrac")
    graph = ui.cached(("graph", key), lambda: analysis.feature_interaction_network(model))
    with c1:
        fig = ui.cached(("circle", key, min_fraction),
                        lambda: plotting.plot_interaction_circle(graph, min_fraction=min_fraction))
        ui.show_figure(fig, "interaction_network_circle", "cx-circle")
    nodes = pd.DataFrame.from_dict(dict(graph.nodes(data=True)), orient="index")
    words = {"n_neurons": "neurons", "proportion": "share", "strength": "interaction",
             "community": "community"}
    columns = [c for c in words if c in nodes]
    with c2:
        st.markdown("Each line joins two input channels; its width is the total strength "
                    "(sum of |w|) of the trained connections between the neurons of one "
                    "channel's cluster and those of the other's.")
        n_groups = int(graph.graph.get("n_communities") or 0)
        modularity = float(graph.graph.get("modularity") or 0.0)
        if n_groups > 1 and modularity > 0:
            st.caption(f"The channels fall into {n_groups} communities: groups that interact more "
                       f"within than between (modularity {modularity:.2f}; 0 = no such grouping).")
        else:
            st.caption("The channels form no separate groups: they all interact alike.")
        table = (nodes[columns].sort_values(columns[0], ascending=False).rename(columns=words)
                 if columns else nodes)
        if "community" in table and (n_groups <= 1 or modularity <= 0):
            table = table.drop(columns="community")
        elif "community" in table:  # numbered from 1, as in the figure's legend
            table = table.assign(community=table["community"].astype(int) + 1)
        st.dataframe(table, width="stretch", column_config={
            "share": st.column_config.NumberColumn(format="percent"),
            "interaction": st.column_config.NumberColumn(format="%.3g")})
        if brain:
            fig = ui.cached(("glass-int", key),
                            lambda: plotting.plot_glass_interaction(graph))
            ui.show_figure(fig, "interaction_network_glass_brain", "cx-glass-int")


# --------------------------------------------------------------------------- glass brain
@st.fragment
def glass_section() -> None:
    st.subheader("Glass-brain connectome")
    if not brain:
        st.info("The glass brain needs the MNI brain template (the cube here is a grid).")
        return
    c1, c2 = st.columns([1, 3])
    n = c1.slider("Strongest connections", 20, 1000, 200, 20, key="cx_nstrong")
    before = c1.toggle("Before STDP", value=False, key="cx_before",
                       help="Show the initial (random small-world) weights instead.")
    with c2:
        fig = ui.cached(("glass", key, n, before),
                        lambda: plotting.plot_glass_connections(model, n_strongest=n,
                                                                initial=before))
        ui.show_figure(fig, f"glass_brain_connections_{'before' if before else 'after'}",
                       "cx-glass")


# --------------------------------------------------------------------------- class maps
@st.fragment
def class_section() -> None:
    st.subheader("Class difference maps")
    classes = [str(c) for c in model.classes_]
    if len(classes) < 2:
        st.info("Class difference maps need two classes.")
        return
    c1, c2 = st.columns([1, 3])
    t0, t1 = float(trials.tmin), float(trials.tmax)
    default = (max(t0, 0.0), t1) if t0 < 0 < t1 else (t0, t1)
    step = max(round(1.0 / trials.sfreq, 4), 0.001)
    window = c1.slider("Time window (s)", t0, t1, st.session_state.get("chosen_window", default),
                       step, key="cx_window",
                       help="Mean firing of each neuron per class within this window.")
    # Kept outside the widget (Streamlit forgets a widget's value on other pages) so the
    # Export page draws the same window.
    st.session_state["chosen_window"] = tuple(window)
    a = c1.selectbox("Class A", classes, index=0, key="cx_a")
    b = c1.selectbox("minus class B", [c for c in classes if c != a], index=0, key="cx_b")
    threshold = c1.slider("Hide |difference| below", 0.0, 5.0, 0.0, 0.1, key="cx_diffthr",
                          help="In the unit of the rates (Hz).")

    def build():
        act = analysis.class_activity(res.raster, trials.labels, window=tuple(window),
                                      sfreq=trials.sfreq, tmin=trials.tmin, classes=classes)
        return plotting.plot_class_difference(model, act, a=a, b=b, threshold=threshold)

    with c2:
        try:
            fig = ui.cached(("classdiff", key, tuple(window), a, b, threshold), build)
        except ValueError as exc:
            ui.show_error(exc, "No map for this window")
            return
        ms = f"{round(window[0] * 1000)}-{round(window[1] * 1000)}ms"
        ui.show_figure(fig, f"class_difference_{a}_minus_{b}_{ms}", "cx-classdiff")
        st.caption(f"Mean firing rate of every neuron for {a} minus {b}, over the training "
                   f"trials, {round(window[0] * 1000)}–{round(window[1] * 1000)} ms.")


# --------------------------------------------------------------------------- what was used
@st.fragment
def used_section() -> None:
    st.subheader("What the model used")
    st.markdown(
        "Which input channels, in which time windows, the classifier's decisions rely on. A "
        "copy of the model is trained on 75% of the trials; on the other 25% each channel's "
        "input in each time window is shuffled across trials and the drop in the probability "
        "of the true class is measured through the frozen cube and readout. Dots mark cells "
        "significant after false-discovery-rate control (Benjamini-Hochberg, 5%). This shows "
        "what the *model* uses, not where the brain differs: a channel the model ignores can "
        "still carry a difference. `neucube run` reports the cross-validated version.")
    from neucube import inspection

    ikey = ("used", key)
    if ikey not in st.session_state.get("_cache", {}) and not st.button(
            "Compute (fits one more model and classifies many shuffled trials)",
            key="cx_used_go", icon=":material/query_stats:"):
        return
    try:
        with st.spinner("Training on 75% of the trials and shuffling the held-out 25%..."):
            result = ui.cached(ikey, lambda: inspection.held_out_inspection(
                model, trials, neurons=brain, random_state=0))
    except ValueError as exc:
        ui.show_error(exc, "No importance for these trials")
        return
    imp = result.importance
    peak = imp.peak()
    st.caption(f"Held-out accuracy {result.test_accuracy:.2f} ({result.n_test} trials; model "
               f"trained on {result.n_train}). Most important: {peak['channel']} at "
               f"{peak['window_s'][0]:.2f}-{peak['window_s'][1]:.2f} s; "
               f"{int(imp.significant.sum())} of {imp.importance.size} cells significant.")
    c1, c2 = st.columns([2, 3])
    with c1:
        fig = ui.cached(("used-map", key), lambda: plotting.plot_importance_map(imp))
        ui.show_figure(fig, "importance_channel_time", "cx-used-map")
    with c2:
        if imp.coords is not None and imp.space in (None, "mni"):
            fig = ui.cached(("used-topo", key), lambda: plotting.plot_importance_topomaps(imp))
            ui.show_figure(fig, "importance_topomaps", "cx-used-topo")
        else:
            st.info("Scalp maps need channel positions in MNI space.")
        if result.neurons is not None:
            fig = ui.cached(("used-neurons", key),
                            lambda: plotting.plot_neuron_importance(result.neurons))
            ui.show_figure(fig, "importance_neurons", "cx-used-neurons")


activity_section()
cube_section()
st.divider()
cluster_section()
st.divider()
interaction_section()
st.divider()
glass_section()
st.divider()
class_section()
st.divider()
used_section()
st.page_link(ui.PAGES["export"], label="Next: export figures, model and study file",
             icon=":material/arrow_forward:")
