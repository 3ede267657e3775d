"""Train page: set the cube, STDP and readout; cross-validate next to baselines; see results."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.streamlit_app import datasets, guidance, labels, ui
from app.streamlit_app.training import parse_state_c, score_table

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
s = ui.get_settings()
subjects = datasets.subjects_of(trials)
min_class = min(trials.class_counts().values()) if trials.n_trials else 0

error = st.session_state.pop("job_error", None)
if error:
    st.error(f"**The last run failed.**\n\n{error}", icon=":material/error:")

enc_label = {"tbr": "TBR", "step_forward": "step-forward", "moving_window": "moving-window",
             "bsa": "BSA"}[s.encoder]
if s.encoder_threshold is None:
    thr_label = "default threshold rule"
elif s.encoder_threshold == "auto":
    thr_label = "auto threshold (SNR search)"
else:
    thr_label = f"threshold {s.encoder_threshold:g}"
st.markdown(f"**Encoder:** {enc_label}, {thr_label}"
            + (f", alpha {s.encoder_alpha:g}" if s.encoder != "bsa" else "")
            + " — change it on the Encode page.")

# Outside the form: a form only reruns on submit, and the readout tab shows the chosen
# readout's own parameters.
kind = st.radio(
    "Readout", list(READOUTS), index=list(READOUTS).index(s.readout) if s.readout in READOUTS
    else 0, format_func=READOUTS.get, horizontal=True, key="tr_readout",
    help="deSNN: NeuCube's spiking readout (rank order of first spikes, then drift); it also "
         "predicts from the first part of a trial (accuracy over time). State: L2 logistic "
         "regression on every neuron's spike counts in consecutive time bins, so it sees when "
         "neurons fire, which event-related data need.")
if kind != s.readout:
    s = s.with_(readout=kind)
    ui.set_settings(s)
duration = trials.n_times / trials.sfreq if trials.sfreq else 0.0

with st.form("train_form", border=True):
    cube, stdp, readout, evaluation = st.tabs([
        "Cube", "STDP learning", "deSNN readout" if kind == "desnn" else "State readout",
        "Evaluation"])
    with cube:
        c = st.columns(3)
        spacing = c[0].select_slider(
            "Neuron spacing (mm)", options=[6.0, 8.0, 10.0, 12.0, 15.0, 20.0],
            value=s.spacing_mm if s.spacing_mm in (6.0, 8.0, 10.0, 12.0, 15.0, 20.0) else 10.0,
            key="tr_spacing",
            help="Distance between neurons of the MNI152 brain template. 10 mm gives about "
                 "1,900 neurons (NeuCube's classic cube); smaller is finer but slower.")
        radius = c[1].number_input(
            "Connection radius (× spacing)", min_value=1.0, max_value=5.0, value=s.radius,
            step=0.5, key="tr_radius",
            help="Neurons closer than this connect (small-world): 2.5 × 10 mm = 25 mm.")
        threshold = c[2].number_input(
            "Firing threshold", min_value=0.01, max_value=5.0, value=s.threshold, step=0.05,
            key="tr_threshold", help="Membrane potential at which a neuron spikes.")
        c = st.columns(3)
        leak = c[0].number_input("Leak per step", min_value=0.0, max_value=1.0, value=s.leak,
                                 step=0.001, format="%.4f", key="tr_leak",
                                 help="Potential lost at each time step without input.")
        refractory = c[1].number_input("Refractory steps", min_value=0, max_value=50,
                                       value=s.refractory, step=1, key="tr_refractory",
                                       help="Steps a neuron stays silent after a spike.")
    with stdp:
        c = st.columns(4)
        a_plus, a_minus = s.stdp_pair
        rate_max = max(0.1, a_plus, a_minus)  # a study may set more than the usual range
        rate_plus = c[0].number_input(
            "STDP A+ (potentiation)", min_value=0.0, max_value=rate_max, value=a_plus, step=0.0005,
            format="%.4f", key="tr_rate_plus",
            help="Weight increase when a neuron fires just after its input. A+ = A− = 0 "
                 "disables learning.")
        rate_minus = c[1].number_input(
            "STDP A− (depression)", min_value=0.0, max_value=rate_max, value=a_minus, step=0.0005,
            format="%.4f", key="tr_rate_minus",
            help="Weight decrease when a neuron fires just before its input. A− above A+ keeps "
                 "the cube's activity bounded.")
        tau = c[2].number_input("STDP time constant (steps)", min_value=0.5, max_value=100.0,
                                value=s.tau_stdp, step=1.0, key="tr_tau",
                                help="How fast the pairing effect decays with the spike-time "
                                     "difference.")
        rounds = c[3].number_input("STDP passes", min_value=0, max_value=10, value=s.n_rounds,
                                   step=1, key="tr_rounds",
                                   help="Passes over the training trials of each fold (never "
                                        "over test trials). 0 = no learning.")
    with readout:
        if kind == "desnn":
            c = st.columns(3)
            mod = c[0].slider("Rank-order modulation (mod)", 0.05, 1.0, float(s.mod), 0.05,
                              key="tr_mod",
                              help="Initial weight of a neuron is mod^(rank of its first spike).")
            drift_up = c[1].number_input("Drift up", min_value=0.0, max_value=0.1,
                                         value=s.drift_up, step=0.001, format="%.4f",
                                         key="tr_drift_up",
                                         help="Added to a weight for each later spike.")
            drift_down = c[2].number_input("Drift down", min_value=0.0, max_value=0.1,
                                           value=s.drift_down, step=0.001, format="%.4f",
                                           key="tr_drift_down",
                                           help="Removed from a weight for each silent step.")
            c = st.columns(3)
            recall = c[0].radio("Recall", ["wknn", "psp"], index=["wknn", "psp"].index(s.recall),
                                horizontal=True, key="tr_recall",
                                format_func={"wknn": "weighted k-NN", "psp": "PSP race"}.get,
                                help="Weighted k-NN over training samples (NeuCube "
                                     "software) or the first output neuron to reach a PSP "
                                     "fraction (paper).")
            k = c[1].number_input("Neighbours k", min_value=1, max_value=25, value=s.k, step=1,
                                  key="tr_k", help="Weighted k-NN: neighbours that vote.")
            sigma = c[2].number_input("Kernel width σ", min_value=0.05, max_value=10.0,
                                      value=s.sigma, step=0.1, key="tr_sigma",
                                      help="Weighted k-NN: width of the distance kernel.")
        else:
            c = st.columns(3)
            n_bins = c[0].number_input(
                "Time bins", min_value=1, max_value=max(200, int(s.n_bins)), value=int(s.n_bins),
                step=1, key="tr_bins",
                help=f"Spike counts of every neuron in this many consecutive bins per trial "
                     f"({s.n_bins} bins of these {duration:.2f} s trials are "
                     f"{1000 * duration / max(s.n_bins, 1):.0f} ms each).")
            state_c = c[1].text_input(
                "State C", value=str(s.state_c) if s.state_c == "auto" else f"{s.state_c:g}",
                key="tr_state_c",
                help="Inverse L2 penalty of the logistic regression: 'auto' chooses it by "
                     "cross-validation on each fold's training trials only; or a number > 0 "
                     "(smaller = stronger penalty).")
    with evaluation:
        schemes = ["stratified"] + (["loso", "per_subject"] if len(subjects) > 1 else [])
        c = st.columns(3)
        scheme = c[0].radio("Cross-validation", schemes,
                            index=schemes.index(s.scheme) if s.scheme in schemes else 0,
                            format_func=SCHEMES.get, key="tr_scheme",
                            help="Subjects: " + (", ".join(subjects) if subjects else "none"))
        n_splits = c[1].number_input(
            "Folds", min_value=2, max_value=max(2, min(10, min_class)),
            value=int(min(max(2, s.n_splits), max(2, min(10, min_class)))), step=1,
            key="tr_folds", help=f"Stratified folds (the smallest class has {min_class} trials).")
        n_seeds = c[2].number_input("Repetitions (seeds)", min_value=1, max_value=10,
                                    value=s.n_seeds, step=1, key="tr_seeds",
                                    help="Repeat with other fold shuffles and cube seeds.")
        baselines = st.multiselect("Baselines", list(BASELINES),
                                     default=[b for b in s.baselines if b in BASELINES],
                                     format_func=labels.plain_name,
                                     key="tr_baselines",
                                     help="Standard classifiers trained on the same folds. "
                                          + labels.technical_note(", ".join(BASELINES)))
        c = st.columns(3)
        control = c[0].checkbox("Shuffled-label control", value=s.control, key="tr_control",
                                help="Also train with permuted labels: its accuracy must be at "
                                     "chance, evidence that nothing leaks. Doubles the time.")
        seed = c[1].number_input("Seed", min_value=0, value=s.seed, step=1, key="tr_seed",
                                 help="Seed of the folds and of the cube's connections.")
        ablations = st.multiselect(
            "Ablation controls", list(ABLATIONS),
            default=[a for a in s.ablations if a in ABLATIONS], format_func=ABLATIONS.get,
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
    if kind == "desnn":
        readout_changes = {"mod": float(mod), "drift_up": float(drift_up),
                           "drift_down": float(drift_down), "recall": recall, "k": int(k),
                           "sigma": float(sigma)}
    else:
        try:
            readout_changes = {"n_bins": int(n_bins), "state_c": parse_state_c(state_c)}
        except ValueError as exc:
            readout_changes = None
            st.error(str(exc), icon=":material/error:")
    new = None if readout_changes is None else s.with_(
        spacing_mm=float(spacing), radius=float(radius), threshold=float(threshold),
        leak=float(leak), refractory=int(refractory),
        stdp_rate=s.stdp_rate_of(rate_plus, rate_minus), tau_stdp=float(tau),
        n_rounds=int(rounds), readout=kind, **readout_changes,
        scheme=scheme, n_splits=int(n_splits), n_seeds=int(n_seeds),
        baselines=tuple(baselines), control=bool(control), ablations=tuple(ablations),
        seed=int(seed),
    )
    if new is not None:  # else the readout's parameters were refused (the error is above)
        ui.set_settings(new)
        if running:
            st.warning("A run is already in progress in this session; wait for it to finish.")
        elif trials.n_classes < 2:
            st.error("Classification needs at least two classes; load trials of two or more "
                     "classes on the Study page.")
        else:
            ui.start_job(ds, new)
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
st.dataframe(shown, hide_index=True, width="stretch",
             column_config={c: st.column_config.NumberColumn(format="%.3f")
                            for c in ("accuracy", "accuracy SD", "balanced accuracy",
                                      "ROC-AUC")})
st.caption(
    f"{'deSNN' if res.settings.readout == 'desnn' else 'State'} readout; "
    f"{SCHEMES.get(res.settings.scheme, res.settings.scheme)}, {res.settings.n_splits} folds, "
    f"{res.settings.n_seeds} seed(s); run took {res.seconds:.0f} s"
    + ("; the cube was compiled for this structure." if res.compiled
       else "; the compiled cube was reused.")
)

guidance.show_verdict(ev)

for name, reason in getattr(ev, "skipped", {}).items():
    st.caption(f"Skipped {ABLATIONS.get(name, BASELINES.get(name, name))}: {reason}.")
comparisons = ev.comparisons(metrics=("accuracy",)) if hasattr(ev, "comparisons") else []
if comparisons:
    st.markdown("**What the cube adds** (paired per fold: NeuCube minus the other model)")
    st.dataframe(pd.DataFrame([{
        "compared with": labels.plain_name(c["other"], ev.model_name),
        "difference": c["mean_difference"],
        "95% CI low": c["ci_low"],
        "95% CI high": c["ci_high"],
        "Wilcoxon p": c["p_wilcoxon"],
        "folds": c["n_pairs"],
    } for c in comparisons]), hide_index=True, width="stretch",
        column_config={c: st.column_config.NumberColumn(format="%+.3f")
                       for c in ("difference", "95% CI low", "95% CI high")})
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
