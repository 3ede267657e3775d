"""Encode page: choose the spike encoder and threshold, preview spikes and reconstruction."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app.streamlit_app import labels, studyfile, ui

ui.page_setup(
    "Encode",
    "Spike encoders turn each channel into +1/-1 spikes. Choose one and its threshold, then "
    "check how faithfully the spikes reconstruct the signal.",
    icon=":material/graphic_eq:",
)

ENCODERS = {
    "tbr": "Threshold-based representation (TBR): a spike when the sample-to-sample change "
           "exceeds the threshold.",
    "step_forward": "Step-forward: a spike each time the signal moves one threshold away from a "
                    "running baseline, which then follows it.",
    "moving_window": "Moving-window: a spike when the signal leaves the band around the mean of "
                     "the previous 5 samples.",
    "bsa": "Ben's Spiker Algorithm (BSA): positive spikes only, from an FIR filter fit.",
}
MODES = {"rule": "Default rule", "auto": "Auto (SNR search)", "fixed": "Fixed value"}

ds = ui.require_dataset()
trials = ds.trials
settings = ui.get_settings()["encoder"]  # the study's [encoder] section

left, right = st.columns([1, 2])
with left:
    kind = st.selectbox("Encoder", list(ENCODERS), index=list(ENCODERS).index(settings["encoder"]),
                        format_func=labels.encoder_name, key="enc_kind")
    st.caption(ENCODERS[kind])
    thr = settings["encoder_threshold"]
    current_mode = "auto" if thr == "auto" else ("rule" if thr is None else "fixed")
    mode = st.radio(
        "Threshold", list(MODES), index=list(MODES).index(current_mode), format_func=MODES.get,
        key="enc_mode",
        help="Default rule: per channel, mean |Δx| + alpha × SD |Δx| over the training trials "
             "(BSA: 0.5 on normalised signals). Auto: per channel, the candidate with the best "
             "reconstruction SNR on the training trials. Fixed: one value for every channel.",
    )
    value = None
    if mode == "fixed":
        value = st.number_input(
            "Threshold value", min_value=0.0001, value=float(thr) if isinstance(thr, float)
            else 1.0, step=0.1, format="%.4f", key="enc_value",
            help="In the units of the data (µV for EEG); BSA uses normalised [0, 1] signals.")
    alpha = settings["encoder_alpha"]
    if kind != "bsa":
        alpha = st.slider("alpha (default rule)", 0.0, 3.0, float(settings["encoder_alpha"]),
                          0.05, key="enc_alpha", disabled=mode != "rule",
                          help="Weight of the standard deviation in the default rule.")
    threshold = {"rule": None, "auto": "auto", "fixed": value}[mode]
    ui.set_settings(studyfile.with_changes(ui.get_settings(), {"encoder": {
        "encoder": kind, "encoder_threshold": threshold, "encoder_alpha": float(alpha)}}))
    st.caption("The Train page uses this encoder. There, thresholds are learnt inside each "
               "training fold only; here they are fitted on all trials to describe the data.")


def fit_encoder():
    from neucube.classifier import ENCODERS as CLASSES

    params = {"threshold": threshold}
    if kind != "bsa":
        params["alpha"] = float(alpha)
    encoder = CLASSES[kind](**params).fit(trials.X)
    return encoder


try:
    encoder = ui.cached(("encoder", ds.version, kind, threshold, float(alpha)), fit_encoder)
except Exception as exc:  # noqa: BLE001 - e.g. an invalid threshold; shown, not raised
    ui.show_error(exc, "The encoder could not be fitted")
    st.stop()


def channel_table() -> pd.DataFrame:
    from neucube.encoding import encoding_report

    report = encoding_report(encoder, trials, centre=False)
    return pd.DataFrame({"channel": list(report.ch_names), "threshold": report.threshold,
                         "SNR (dB)": report.snr_db, "spike rate": report.spike_rate})


table = ui.cached(("enc-table", ds.version, kind, threshold, float(alpha)), channel_table)

with right:
    c1, c2 = st.columns(2)
    trial = c1.number_input("Trial", min_value=0, max_value=trials.n_trials - 1, value=0,
                            step=1, key="enc_trial",
                            help="Index of the trial to preview (0 = first).")
    channel = c2.selectbox("Channel", list(trials.ch_names), key="enc_channel")
    st.caption(f"Trial {int(trial)} is of class **{trials.labels[int(trial)]}**.")
    from neucube.plotting import plot_encoder_preview

    with ui.DRAW_LOCK:
        fig = plot_encoder_preview(encoder, trials, channel=channel, trial=int(trial),
                                   width="double", height_mm=80)
    ui.show_figure(fig, f"encoder_preview_{kind}_{channel}_trial{int(trial)}", "enc-preview")

st.subheader("Reconstruction quality per channel")
m = st.columns(3)
finite = table["SNR (dB)"].replace([np.inf, -np.inf], np.nan)
m[0].metric("Mean SNR", f"{finite.mean():.1f} dB",
            help="10·log10(Σx² / Σ(x − x̂)²) per channel over all trials, averaged.")
m[1].metric("Spike rate", f"{table['spike rate'].mean():.3f}",
            help="Fraction of samples that carry a spike.")
m[2].metric("Channels", len(table))
st.markdown(
    "**SNR** (signal-to-noise ratio, in dB) says how closely the signal rebuilt from the spikes "
    "follows the recorded one: **10 dB or more is good** (the error's power is under a tenth "
    "of the signal's); **0 dB** means the error is as large as the signal; **below 0 dB** the "
    "rebuilt signal has lost the shape (common for encoders whose reconstruction drifts, such "
    "as TBR), though the spikes may still mark when the signal changes.")
st.caption(
    "Here the SNR pools all trials of a channel, as the first SNR in the preview's title does "
    "(the second there is its one trial's). Use it to compare encoders and thresholds on the "
    "same data: a higher SNR keeps more of the signal's shape, though not necessarily what "
    "separates the classes, so a low SNR alone does not mean poor classification.")
c1, c2 = st.columns([1, 1])
c1.dataframe(table, hide_index=True, width="stretch",
             column_config={"threshold": st.column_config.NumberColumn(format="%.4g"),
                            "SNR (dB)": st.column_config.NumberColumn(
                                format="%.1f", help="Over all trials of the channel"),
                            "spike rate": st.column_config.NumberColumn(format="%.3f")})
c2.bar_chart(table.set_index("channel")["SNR (dB)"], y_label="SNR (dB)", height=360,
             sort=False)
c2.caption("Bars in the recording's channel order, as in the table.")

st.page_link(ui.PAGES["train"], label="Next: train and evaluate the model",
             icon=":material/arrow_forward:")
