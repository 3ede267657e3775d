"""Amplitude rejection of trials: drop those whose peak-to-peak range is too large."""

from __future__ import annotations

import numpy as np

from neucube.data import TrialSet

__all__ = ["reject_amplitude"]


def reject_amplitude(trials: TrialSet, threshold: float) -> TrialSet:
    """Keep the trials whose peak-to-peak amplitude is at most ``threshold`` on every channel.

    Parameters
    ----------
    trials : TrialSet
        The trials.
    threshold : float
        Largest peak-to-peak range allowed, in the units of the trials (microvolts for EEG).

    Returns
    -------
    TrialSet
        The kept trials; ``metadata["n_rejected_amplitude"]`` counts the dropped ones.

    Raises
    ------
    ValueError
        If every trial exceeds the threshold.
    """
    ptp = np.ptp(np.asarray(trials.X), axis=-1).max(axis=-1)
    keep = ptp <= threshold
    if not keep.any():
        raise ValueError(f"reject_uv: every trial exceeds {threshold:g} peak to peak "
                         f"(smallest: {ptp.min():.3g})")
    return trials.select(trials=keep).with_metadata(n_rejected_amplitude=int((~keep).sum()))
