"""What the Train page tells a student around a run: before (too few trials, run time),
after (results out of date, the verdict). Drawing only; the numbers come from
:mod:`app.streamlit_app.estimate` and :mod:`app.streamlit_app.verdict`."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from app.streamlit_app import estimate, verdict
from app.streamlit_app.training import count_fits

__all__ = ["before_training", "changed_settings", "estimate_for", "remember_estimate",
           "show_verdict", "stale_results", "too_few_trials"]

#: Trials per class and test fold below which scores are too noisy to read.
MIN_TEST_TRIALS_PER_CLASS = 2

_NAMES = {
    "encoder": "encoder", "encoder_threshold": "encoder threshold", "encoder_alpha": "alpha",
    "spacing_mm": "neuron spacing", "radius": "connection radius", "threshold":
    "firing threshold", "refractory": "refractory steps", "stdp_rate": "STDP amplitudes",
    "tau_stdp": "STDP time constant", "n_rounds": "STDP passes", "n_bins": "time bins",
    "state_c": "state C", "sigma": "σ", "scheme": "cross-validation", "n_splits": "folds",
    "n_seeds": "repetitions", "control": "shuffled-label control",
}  # other keys are named by their key


def too_few_trials(trials: Any, settings: dict[str, Any]) -> str | None:
    """A warning when a class has too few trials for the chosen folds (None when fine)."""
    counts = trials.class_counts()
    if not counts:
        return None
    smallest_class, smallest = min(counts.items(), key=lambda kv: kv[1])
    ev = settings["evaluation"]
    folds = ev["n_splits"] if ev["scheme"][0] != "loso" else 1
    if smallest < folds:
        return (f"**Too few trials to train:** the class '{smallest_class}' has {smallest} "
                f"trial(s), fewer than the {folds} folds, so some test folds hold none of it. "
                "Load more trials (more events, a milder rejection threshold) or use fewer "
                "folds.")
    if smallest < MIN_TEST_TRIALS_PER_CLASS * folds:
        return (f"**Very few trials:** the class '{smallest_class}' has {smallest} trial(s); "
                f"with {folds} folds each test fold holds about {smallest // folds} of it, so "
                "the scores will swing widely from fold to fold. Aim for at least 20 trials "
                "per class.")
    return None


def before_training(trials: Any, settings: dict[str, Any]) -> None:
    """Warn about too few trials and say how long a run of these data should take."""
    warning = too_few_trials(trials, settings)
    if warning:
        st.warning(warning, icon=":material/warning:")
    last = st.session_state.get("result")
    scale = 1.0
    compile_needed = True
    job_estimate = st.session_state.get("_job_estimate")
    if last is not None and job_estimate is not None:
        scale = float(last.seconds) / max(float(job_estimate["seconds"]), 1e-3)
    if last is not None:
        same = all(last.settings["cube"][k] == settings["cube"][k]
                   for k in ("spacing_mm", "radius", "template"))
        ds = st.session_state.get("dataset")
        compile_needed = not (same and ds is not None and last.dataset_version == ds.version)
    est = estimate_for(trials, settings, compile_needed=compile_needed, scale=scale)
    st.session_state["_estimate"] = est
    st.caption(estimate.describe(est) + " Encoders that send more spikes (BSA, a low "
               "threshold) make the cube slower.")


def remember_estimate(trials: Any, settings: dict[str, Any]) -> None:
    """Keep the estimate of the job just started (with the machine's nominal speed), so the
    next estimate is scaled by how long this one really took."""
    last = st.session_state.get("result")
    compile_needed = last is None or (last.settings["cube"]["spacing_mm"]
                                      != settings["cube"]["spacing_mm"])
    st.session_state["_job_estimate"] = estimate_for(trials, settings,
                                                     compile_needed=compile_needed)


def estimate_for(trials: Any, settings: dict[str, Any], *, compile_needed: bool,
                 scale: float = 1.0) -> estimate.RunEstimate:
    """The run-time estimate of ``settings`` on ``trials``."""
    fits = count_fits(settings, trials)
    return estimate.estimate_seconds(
        trials.n_trials, trials.n_channels, trials.n_times, n_fits_cv=fits - 1,
        n_splits=settings["evaluation"]["n_splits"], n_rounds=settings["stdp"]["n_rounds"],
        n_extra_fits=1, compile_needed=compile_needed, scale=scale)


def changed_settings(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Names (in words) of the settings that differ between ``old`` and ``new``."""
    out = []
    for section in new:
        for key, value in new[section].items():
            if old.get(section, {}).get(key) != value:
                out.append(_NAMES.get(key, key.replace("_", " ")))
    return out


def stale_results(result: Any, settings: dict[str, Any]) -> bool:
    """Mark the results out of date when the settings changed since the run."""
    changed = changed_settings(result.settings, settings)
    if changed:
        st.warning(
            "**These results are out of date:** they were computed before these settings "
            f"changed: {', '.join(changed)}. Press **Run evaluation** to update them.",
            icon=":material/update:")
    return bool(changed)


_ICONS = {"good": ":material/check_circle:", "neutral": ":material/info:",
          "warning": ":material/warning:"}


def show_verdict(ev: Any) -> None:
    """The plain-language verdict under the results table."""
    st.markdown("**What these results say**")
    for finding in verdict.verdict(ev):
        box = {"good": st.success, "neutral": st.info, "warning": st.warning}[finding.level]
        box(finding.text, icon=_ICONS[finding.level])
    chance = float(np.nan)
    try:
        chance = ev.to_dict()["chance_level"]
    except (KeyError, AttributeError):
        pass
    if np.isfinite(chance):
        st.caption(f"Chance is {chance:.3f}: the share of the largest class, what always "
                   "guessing that class scores. Intervals are 95% intervals of the paired "
                   "fold-by-fold difference.")
