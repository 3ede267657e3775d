"""Train page: set the cube, STDP and readout; cross-validate next to baselines; see results."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.streamlit_app import datasets, guidance, labels, studyfile, ui, widgets
from app.streamlit_app.training import score_table

ui.page_setup(
    "Train",
    "Set up the NeuCube model and evaluate it with cross-validation, next to standard "
    "classifiers on the same folds and a shuffled-label control that must sit at chance.",
    icon=":material/model_training:",
)

BASELINES = {
    "vectorizer_logreg": "Logistic regression on all samples",
    "channel_features_logreg": "Logistic regression on per-channel SD, line length and mean",
    "window_means_logreg": "Logistic regression on 10 window means per channel",
    "lda_window_means": "Shrinkage LDA on 10 window means per channel (classic ERP decoder)",
    "xdawn_tangent_logreg": "xDAWN covariances + tangent space + logistic regression (MOABB's ERP "
                            "reference)",
    "tangent_space_logreg": "Channel covariances in the tangent space + logistic regression "
                            "(oscillatory data)",
    "riemann_mdm": "Channel covariances, minimum distance to the Riemannian class means",
}
ABLATIONS = {
    "encoder_only": "Encoder only: the readout on the input spikes, without the cube",
    "no_stdp": "No STDP: the cube with its initial weights",
}
READOUTS = {
    "desnn": "deSNN",
    "state": "State (logistic regression on time-binned spike counts)",
}
SCHEMES = {
    "stratified": "Stratified k-fold (all trials)",
    "loso": "Leave one subject out",
    "per_subject": "k-fold within each subject",
}

ds = ui.require_dataset()
trials = ds.trials
s = ui.get_settings()  # the study's sections: s["cube"]["leak"] is the study key cube.leak
ev = s["evaluation"]
SPECS = widgets.model_specs()  # the classifier's parameters, declared in neucube
subjects = datasets.subjects_of(trials)
min_class = min(trials.class_counts().values()) if trials.n_trials else 0

error = st.session_state.pop("job_error", None)
if error:
    st.error(f"**The last run failed.**\n\n{error}", icon=":material/error:")

encoder, thr, alpha = (widgets.model_value(s, n)
                       for n in ("encoder", "encoder_threshold", "encoder_alpha"))
enc_label = labels.encoder_name(encoder)
if thr is None:
    thr_label = "default threshold rule"
elif thr == "auto":
    thr_label = "auto threshold (SNR search)"
elif isinstance(thr, list):
    thr_label = "a threshold per channel"
else:
    thr_label = f"threshold {thr:g}"
st.markdown(f"**Encoder:** {enc_label}, {thr_label}"
            + (f", alpha {alpha:g}" if encoder != "bsa" else "")
            + " — change it on the Encode page.")

MODEL_SECTIONS = ("encoder", "cube", "stdp", "readout")
with st.expander("Start from a shipped study's model settings"):
    st.caption("NeuCube's defaults are tuned to no data set. A shipped study pins the encoder, "
               "cube, STDP and readout settings its results use (its file says how and on "
               "which data they were chosen). Taking them keeps your data and evaluation "
               "settings; compare again with the same controls.")
    studies = datasets.list_studies()
    c = st.columns([2, 1], vertical_alignment="bottom")
    names = list(studies)
    source = c[0].selectbox("Study", names, key="tr_from_study",
                            index=names.index("n170_faces_houses")
                            if "n170_faces_houses" in names else 0)
    if source and c[1].button("Use its model settings", key="tr_from_study_go"):
        try:
            from neucube_study import load_study

            taken = studyfile.settings_of(load_study(studies[source]))
        except Exception as exc:  # noqa: BLE001 - a broken study file is shown, not raised
            ui.show_error(exc, f"The study file {source}.toml could not be read")
        else:
            ui.set_settings(studyfile.with_changes(s, {k: taken[k] for k in MODEL_SECTIONS}))
            # The widgets show the new settings, not what they held.
            for key in [k for k in st.session_state if str(k).startswith(("tr_", "enc_"))
                        and not str(k).startswith("tr_from_study")]:
                del st.session_state[key]
            ui.flash_and_rerun(f"Encoder, cube, STDP and readout settings taken from the "
                               f"{source} study.")

# Outside the form: a form only reruns on submit, and the readout tab shows the chosen
# readout's own parameters.
kind = widgets.param_widget(SPECS["readout"], widgets.model_value(s, "readout"),
                            key="tr_readout", format_func=lambda k: READOUTS.get(k, k))
if kind != widgets.model_value(s, "readout"):
    s = studyfile.with_changes(s, {SPECS["readout"].section: {"readout": kind}})
    ui.set_settings(s)
current = {name: widgets.model_value(s, name) for name in SPECS}


def draw_section(section: str) -> dict[str, object]:
    """The widgets of the classifier's parameters in ``section`` that apply to these settings:
    those a search may tune first, the others under "More settings"."""
    specs = [p for p in SPECS.values() if p.section == section and p.name != "readout"
             and p.applies(current)]
    raw: dict[str, object] = {}
    for group, box in ((True, st.container()), (False, None)):
        chosen = [p for p in specs if p.searchable == group]
        if not chosen:
            continue
        box = box or st.expander("More settings")
        grid = box.columns(3)
        for i, spec in enumerate(p for p in chosen if p.kind != "number_or_pair"):
            raw[spec.name] = widgets.param_widget(spec, current[spec.name], key=f"tr_{spec.name}",
                                                  container=grid[i % 3])
        for spec in (p for p in chosen if p.kind == "number_or_pair"):
            raw[spec.name] = widgets.param_widget(spec, current[spec.name], key=f"tr_{spec.name}",
                                                  container=box)
    return raw


duration = trials.n_times / trials.sfreq if trials.sfreq else 0.0
with st.form("train_form", border=True):
    tabs = st.tabs(["Cube", "STDP learning",
                    "deSNN readout" if kind == "desnn" else "State readout", "Evaluation"])
    model_raw: dict[str, object] = {}
    for tab, section in zip(tabs[:3], ("cube", "stdp", "readout"), strict=True):
        with tab:
            model_raw.update(drawn := draw_section(section))
            if "n_bins" in drawn:
                n_bins = int(current["n_bins"])
                st.caption(f"{n_bins} time bins of these {duration:.2f} s trials are "
                           f"{1000 * duration / max(n_bins, 1):.0f} ms each.")
    with tabs[3]:
        schemes = ["stratified"] + (["loso", "per_subject"] if len(subjects) > 1 else [])
        c = st.columns(3)
        scheme = c[0].radio("Cross-validation", schemes,
                            index=schemes.index(ev["scheme"][0]) if ev["scheme"][0] in schemes
                            else 0,
                            format_func=SCHEMES.get, key="tr_scheme",
                            help="Subjects: " + (", ".join(subjects) if subjects else "none"))
        n_splits = c[1].number_input(
            "Folds", min_value=2, max_value=max(2, min(10, min_class)),
            value=int(min(max(2, ev["n_splits"]), max(2, min(10, min_class)))), step=1,
            key="tr_folds", help=f"Stratified folds (the smallest class has {min_class} trials).")
        n_seeds = c[2].number_input("Repetitions (seeds)", min_value=1, max_value=10,
                                    value=int(ev["n_seeds"]), step=1, key="tr_seeds",
                                    help="Repeat with other fold shuffles and cube seeds.")
        baselines = st.multiselect("Baselines", list(BASELINES),
                                     default=[b for b in ev["baselines"] if b in BASELINES],
                                     format_func=labels.plain_name,
                                     key="tr_baselines",
                                     help="Standard classifiers trained on the same folds. "
                                          + labels.technical_note(", ".join(BASELINES)))
        c = st.columns(3)
        control = c[0].checkbox("Shuffled-label control", value=ev["control"], key="tr_control",
                                help="Also train with permuted labels: its accuracy must be at "
                                     "chance, evidence that nothing leaks. Doubles the time.")
        seed = c[1].number_input("Seed", min_value=0, value=int(s["study"]["seed"]), step=1,
                                 key="tr_seed",
                                 help="Seed of the folds and of the cube's connections.")
        ablations = st.multiselect(
            "Ablation controls", list(ABLATIONS),
            default=[a for a in ev["ablations"] if a in ABLATIONS], format_func=ABLATIONS.get,
            key="tr_ablations",
            help="What the cube and its learning add: the same readout, on the same folds, "
                 "without the cube and without STDP; the results compare NeuCube with each fold "
                 "by fold. 'No STDP' adds one cube fit per fold.")
    submitted = st.form_submit_button("Run evaluation", type="primary",
                                      icon=":material/play_arrow:")

job = st.session_state.get("job")
running = job is not None and job.state in ("queued", "running")
if not running:
    guidance.before_training(trials, s)
if submitted:
    model_changes: dict[str, dict[str, object]] = {}
    refused = []
    for name, raw in model_raw.items():
        try:
            model_changes.setdefault(SPECS[name].section, {})[name] = widgets.parse_param(
                SPECS[name], raw)
        except ValueError as exc:
            refused.append(str(exc))
    for message in refused:
        st.error(message, icon=":material/error:")
    # The headline scheme first; the study's other schemes are kept (they run too).
    new = None if refused else studyfile.with_changes(s, {
        **model_changes,
        "evaluation": {"scheme": [scheme] + [x for x in ev["scheme"]
                                             if x != scheme and x in schemes],
                       "n_splits": int(n_splits), "n_seeds": int(n_seeds),
                       "baselines": list(baselines), "control": bool(control),
                       "ablations": list(ablations)},
        "study": {"seed": int(seed)},
    })
    if new is not None:  # else a parameter was refused (the error is above)
        ui.set_settings(new)
        if running:
            st.warning("A run is already in progress in this session; wait for it to finish.")
        elif trials.n_classes < 2:
            st.error("Classification needs at least two classes; load trials of two or more "
                     "classes on the Study page.")
        else:
            try:
                ui.start_job(ds, new)
            except ValueError as exc:  # the settings make an invalid study (StudyError)
                st.error(str(exc), icon=":material/error:")
            else:
                guidance.remember_estimate(trials, new)
                running = True

if running:
    st.subheader("Running")
    ui.job_panel()
    st.caption("You can open other pages meanwhile; the results appear here when the run "
               "ends. Networks are compiled once per structure (channels, spacing, radius) and "
               "reused by later runs and other sessions.")

res = ui.get_result()
if res is None:
    if not running:
        st.info("Set the parameters and press **Run evaluation**.")
    st.stop()

ev = res.evaluation
st.subheader("Results")
guidance.stale_results(res, ui.get_settings())
scores = ev.scores()
rows = pd.DataFrame(score_table(ev))
chance = ev.to_dict()["chance_level"]
base = rows[rows["role"] == "baseline"]
ctrl = rows[rows["role"] == "control"]
m = st.columns(4)
m[0].metric("NeuCube accuracy", f"{scores['accuracy']['mean']:.3f}",
            help=f"Mean over {len(ev.folds[ev.folds['model'] == ev.model_name])} test folds; "
                 f"SD {scores['accuracy']['std']:.3f}.")
m[1].metric("Chance level", f"{chance:.3f}", help="Share of the largest class.")
if len(base):
    best = base.loc[base["accuracy"].idxmax()]
    m[2].metric("Best baseline", f"{best['accuracy']:.3f}",
                help=f"{labels.plain_name(str(best['model']))}. "
                     + labels.technical_note(str(best["model"])))
if len(ctrl):
    m[3].metric("Shuffled-label control", f"{ctrl['accuracy'].iloc[0]:.3f}",
                help="Must be near chance.")
shown = rows.assign(model=[labels.plain_name(m, ev.model_name) for m in rows["model"]],
                    **{"name in files": rows["model"]})
# Every row and every whole name: the height fits the rows (35 px each, as Streamlit draws
# them) and the widths (px) fit the longest plain name and technical name in a 900 px page.
_NUMBERS = {"accuracy": ("accuracy", 75), "accuracy SD": ("SD", 55),
            "balanced accuracy": ("balanced", 75), "ROC-AUC": ("ROC-AUC", 70)}
st.dataframe(shown, hide_index=True, width="stretch", height=35 * (len(shown) + 1) + 3,
             column_config={
                 "model": st.column_config.TextColumn("model", width=370),
                 "role": st.column_config.TextColumn("role", width=70),
                 "name in files": st.column_config.TextColumn("name in files", width=185),
                 **{c: st.column_config.NumberColumn(
                     label, format="%.3f", width=w,
                     help={"SD": "Standard deviation of the accuracy over the test folds",
                           "balanced": "Balanced accuracy: the mean of the per-class "
                                       "accuracies (chance: 1 / number of classes)"}.get(label))
                    for c, (label, w) in _NUMBERS.items()}})
run_ev = res.settings["evaluation"]
st.caption(
    f"{'deSNN' if widgets.model_value(res.settings, 'readout') == 'desnn' else 'State'} readout; "
    f"{SCHEMES.get(ev.scheme, ev.scheme)}, {run_ev['n_splits']} folds, "
    f"{run_ev['n_seeds']} seed(s); run took {res.seconds:.0f} s"
    + ("; the cube was compiled for this structure." if res.compiled
       else "; the compiled cube was reused.")
)

guidance.show_verdict(ev)

for name, reason in getattr(ev, "skipped", {}).items():
    st.caption(f"Skipped {ABLATIONS.get(name, BASELINES.get(name, name))}: {reason}.")
comparisons = ev.comparisons(metrics=("accuracy",)) if hasattr(ev, "comparisons") else []
if comparisons:
    # Two questions, two tables: is NeuCube better than a standard decoder, and what do its
    # cube and STDP add (the ablations: NeuCube with a part removed)?
    groups = (("**NeuCube against the best standard decoder** (paired per fold: NeuCube minus "
               "the decoder)", [c for c in comparisons if c["other"] in ev.baselines]),
              ("**What the cube and its learning add** (ablation controls, paired per fold: "
               "NeuCube minus NeuCube with that part removed)",
               [c for c in comparisons if c["other"] not in ev.baselines]))
    for title, chosen in groups:
        if not chosen:
            continue
        st.markdown(title)
        st.dataframe(pd.DataFrame([{
            "compared with": labels.plain_name(c["other"], ev.model_name),
            "difference": c["mean_difference"],
            "95% CI low": c["ci_low"],
            "95% CI high": c["ci_high"],
            "Wilcoxon p": c["p_wilcoxon"],
            "folds": c["n_pairs"],
        } for c in chosen]), hide_index=True, width="stretch",
            column_config={"compared with": st.column_config.TextColumn(width="large"),
                           **{c: st.column_config.NumberColumn(format="%+.3f")
                              for c in ("difference", "95% CI low", "95% CI high")}})
    st.caption("Interval: corrected resampled t-test (Nadeau & Bengio 2003), which accounts for "
               "the overlap of training folds; an interval that contains 0 means no difference "
               "was shown on these trials.")

from neucube.plotting import (  # noqa: E402
    plot_accuracy_over_time,
    plot_confusion_matrix,
    plot_fold_scores,
)

st.markdown("**Per fold**: NeuCube, its ablation controls, the baselines and the control")
ui.show_figure(ui.cached(("folds", id(res)), lambda: plot_fold_scores(ev)), "fold_scores",
               "tr-folds")

left, right = st.columns(2)
with left:
    st.markdown("**Confusion matrix** (all test folds)")
    which = st.selectbox("Model", [ev.model_name, *ev.baselines], key="tr_cm_model",
                         format_func=lambda m: labels.plain_name(m, ev.model_name))
    fig = ui.cached(("cm", id(res), which), lambda: plot_confusion_matrix(ev, model=which))
    ui.show_figure(fig, f"confusion_matrix_{which}", "tr-cm")
with right:
    st.markdown("**Accuracy over time** (early prediction)")
    if res.early is None:
        st.info(res.early_note)
    else:
        e = res.early

        def curve():
            return plot_accuracy_over_time(
                e.fractions, e.accuracy, n_steps=trials.n_times, sfreq=trials.sfreq,
                tmin=trials.tmin, chance=e.chance,
                baselines={labels.plain_name(b): ev.scores(b)["accuracy"]["mean"]
                           for b in ev.baselines})

        fig = ui.cached(("curve", id(res)), curve)
        ui.show_figure(fig, "accuracy_over_time", "tr-curve", caption=res.early_note)

with st.expander("Per-fold scores"):
    st.dataframe(ev.folds, hide_index=True, width="stretch")
with st.expander("Run log"):
    st.code("\n".join(res.log), language=None)

st.page_link(ui.PAGES["connectivity"], label="Next: explore the trained cube",
             icon=":material/arrow_forward:")
