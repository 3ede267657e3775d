"""The preprocessing of a study on epoched trials, in MNE's order, as one call."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from neucube._show import show
from neucube.data import TrialSet
from neucube.preprocessing.rejection import reject_amplitude
from neucube.preprocessing.signal import band_pass, baseline_correct, outside_window
from neucube.preprocessing.signal import resample as resample_trials
from neucube.preprocessing.temporal import upsample_trials

__all__ = ["PREPROCESSING_STEPS", "preprocess"]

logger = logging.getLogger(__name__)

#: The steps of :func:`preprocess`, in the order it applies them (its keyword names).
PREPROCESSING_STEPS = ("l_freq", "h_freq", "baseline", "tmin", "tmax", "resample", "upsample",
                       "upsample_kind", "channels", "reject_uv")


def preprocess(
    trials: TrialSet,
    *,
    l_freq: float | None = None,
    h_freq: float | None = None,
    baseline: Sequence[float] | None = None,
    tmin: float | None = None,
    tmax: float | None = None,
    resample: float | None = None,
    upsample: int | None = None,
    upsample_kind: str | None = None,
    channels: Sequence[str] | None = None,
    reject_uv: float | None = None,
) -> TrialSet:
    """Preprocess epoched trials: filter, baseline, window, resample, channels, rejection.

    The order is MNE's: band-pass filter (:func:`~neucube.preprocessing.band_pass`), baseline
    correction (:func:`~neucube.preprocessing.baseline_correct`), time window
    (:meth:`TrialSet.crop`), resampling (:func:`~neucube.preprocessing.resample`), channel
    selection, then amplitude rejection (:func:`~neucube.preprocessing.reject_amplitude`).
    Every step is per trial and learns nothing from the data, so it may run before
    cross-validation. A step whose argument is None (or empty) is skipped.

    Parameters
    ----------
    trials : TrialSet
        The trials.
    l_freq, h_freq : float or None
        Band-pass edges in Hz.
    baseline : (float, float) or None
        Baseline interval in seconds.
    tmin, tmax : float or None
        Time window to keep, in seconds.
    resample : float or None
        New sampling rate in Hz.
    upsample : int or None
        Interpolate each trial onto a grid this many times finer, keeping the original samples
        (:func:`~neucube.preprocessing.temporal.upsample_trials`; for short trials such as
        fMRI blocks). None or 1: no interpolation.
    upsample_kind : {"linear", "cubic", "pchip"} or None
        Interpolant of ``upsample`` (None: linear).
    channels : sequence of str or None
        Channels to keep, in this order.
    reject_uv : float or None
        Peak-to-peak rejection threshold in the units of the trials (microvolts for EEG).

    Returns
    -------
    TrialSet

    Raises
    ------
    ValueError
        A window outside the trials, an unknown channel, or every trial rejected; the message
        starts with the parameter's name.
    """
    steps = []
    if l_freq is not None or h_freq is not None:
        trials = band_pass(trials, l_freq, h_freq)
        steps.append(f"filter {l_freq}-{h_freq} Hz on the trials")
    if baseline is not None:
        trials = baseline_correct(trials, baseline)
        steps.append(f"baseline {baseline[0]:g}..{baseline[1]:g} s")
    if tmin is not None or tmax is not None:
        try:
            trials = trials.crop(tmin, tmax)
        except ValueError as exc:
            raise outside_window("tmin/tmax", trials, f"{tmin}..{tmax}") from exc
        steps.append(f"window {trials.tmin:g}..{trials.tmax:g} s")
    if resample is not None:
        trials = resample_trials(trials, resample)
        steps.append(f"resample to {float(resample):g} Hz")
    if upsample is not None and upsample != 1:
        kind = "linear" if upsample_kind is None else upsample_kind
        try:
            trials = upsample_trials(trials, upsample, kind)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"upsample: {exc}") from exc
        steps.append(f"{kind} interpolation x{upsample} ({trials.sfreq:g} Hz)")
    if channels:
        missing = [c for c in channels if c not in trials.ch_names]
        if missing:
            raise ValueError(f"channels: {', '.join(map(show, missing))} not among the data's "
                             f"channels ({', '.join(trials.ch_names)})")
        trials = trials.select(channels=list(channels))
        steps.append(f"{len(channels)} channels")
    if reject_uv is not None:
        n_before = trials.n_trials
        trials = reject_amplitude(trials, reject_uv)
        steps.append(f"rejected {n_before - trials.n_trials} trials above {reject_uv:g}")
    if steps:
        logger.info("preprocessing on the trials: %s", "; ".join(steps))
    return trials

