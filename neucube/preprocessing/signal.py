"""Signal steps on epoched trials: band-pass filter, baseline correction, resampling.

Each takes a :class:`~neucube.data.TrialSet` and returns a new one; none changes the labels.
Filtering and resampling use MNE (FIR filter, FFT resampling) along the time axis of each trial.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from neucube._show import show
from neucube.data import TrialSet

__all__ = ["band_pass", "baseline_correct", "resample"]


def band_pass(trials: TrialSet, l_freq: float | None, h_freq: float | None) -> TrialSet:
    """Band-pass (or high-/low-pass) filter each trial with MNE's FIR filter.

    Parameters
    ----------
    trials : TrialSet
        The trials.
    l_freq, h_freq : float or None
        Lower and upper pass-band edges in Hz; None leaves that side open.

    Returns
    -------
    TrialSet
        The filtered trials (float64). Each trial is filtered on its own: for low cut-offs,
        filter the continuous recording before epoching instead (the EEG loaders do).
    """
    import mne

    X = np.asarray(trials.X, dtype=np.float64)
    X = mne.filter.filter_data(X, trials.sfreq, l_freq, h_freq, verbose="error")
    return trials.replace(X=X)


def baseline_correct(trials: TrialSet, window: Sequence[float]) -> TrialSet:
    """Subtract each channel's mean over ``window`` (seconds, inclusive) from every trial.

    Parameters
    ----------
    trials : TrialSet
        The trials.
    window : (float, float)
        Start and end of the baseline interval in seconds, on the trials' time axis.

    Returns
    -------
    TrialSet

    Raises
    ------
    ValueError
        If no sample of the trials falls inside ``window``.
    """
    t0, t1 = window
    inside = (trials.times >= t0 - 1e-9) & (trials.times <= t1 + 1e-9)
    if not inside.any():
        raise outside_window("baseline", trials, show(list(window)))
    X = np.asarray(trials.X, dtype=np.float64)
    return trials.replace(X=X - X[..., inside].mean(axis=-1, keepdims=True))


def outside_window(name: str, trials: TrialSet, found: str) -> ValueError:
    """The error of a window step (baseline, tmin/tmax) whose window misses the trials."""
    return ValueError(f"{name}: expected a window inside the trials ({trials.tmin:g} to "
                      f"{trials.tmax:g} s); found {found}")


def resample(trials: TrialSet, sfreq: float) -> TrialSet:
    """Resample every trial to ``sfreq`` Hz (MNE's FFT resampling along time).

    Parameters
    ----------
    trials : TrialSet
        The trials.
    sfreq : float
        The new sampling rate in Hz.

    Returns
    -------
    TrialSet
    """
    import mne

    new = float(sfreq)
    X = mne.filter.resample(np.asarray(trials.X, dtype=np.float64), up=new, down=trials.sfreq,
                            axis=-1, verbose="error")
    return trials.replace(X=X, sfreq=new)
