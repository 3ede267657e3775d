"""Run-time estimate of a training job from the size of the data actually loaded.

The cube simulates every trial step by step, so a job's time grows with the trials simulated
(training trials once per STDP pass and once for the readout, test trials once) times their
samples; the network (about 1,900 neurons at 10 mm) makes the per-sample cost, and a new network
structure is compiled once (:func:`estimate_seconds`). The constants are measurements:
``NeuCubeClassifier()`` with the defaults of issue 16's round 2 (BSA encoder, published wiring,
state readout, 10 mm brain cube) on random 4-channel trials of 116 samples, on the 2-core
development machine while other jobs ran (load ~7; warm network):

======================  ========  =========
trials x samples        fit (s)   predict (s)
======================  ========  =========
40 x 116                0.87      0.10
80 x 116                1.06      0.22
======================  ========  =========

(the earlier defaults, TBR and deSNN with the active cube, took 2.15 / 0.88 and 3.60 / 1.46 s:
with them the estimate said "about 4 min" for a walk's run that now takes 38-85 s), and
compiling the network took 6.6 s more on the first fit. After a run, the page scales the
estimate by the ratio of the measured to the estimated time of the session's last run, so a
faster or busier machine and a denser encoder (more spikes cost more) are taken into account.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RunEstimate", "estimate_seconds"]

#: Seconds per training trial and sample in a fit (STDP pass plus readout), and per test
#: trial and sample in a prediction (slopes of the table in the module docstring).
FIT_SECONDS_PER_TRIAL_SAMPLE = (1.06 - 0.87) / (40 * 116)
PREDICT_SECONDS_PER_TRIAL_SAMPLE = (0.22 - 0.10) / (40 * 116)
#: Fixed cost of a fit (simulator launch, readout), the intercept of the same table.
SECONDS_PER_FIT = 0.87 - 40 * 116 * FIT_SECONDS_PER_TRIAL_SAMPLE
#: Compiling a network of a new structure (first fit minus a warm fit, same data).
COMPILE_SECONDS = 8.80 - 2.15


class RunEstimate(dict):
    """``seconds`` and the quantities it was computed from (for the page's help text)."""


def estimate_seconds(
    n_trials: int, n_channels: int, n_times: int, *, n_fits_cv: int, n_splits: int,
    n_rounds: int, n_extra_fits: int, compile_needed: bool, scale: float = 1.0,
) -> RunEstimate:
    """Estimated seconds of a job.

    Parameters
    ----------
    n_trials, n_channels, n_times : int
        Size of the loaded trials (channels change the input layer only, so they barely
        matter; they are reported, not used).
    n_fits_cv : int
        Cross-validation fits (folds x seeds, doubled by the shuffled-label control).
    n_splits : int
        Folds: each fit trains on ``(k - 1) / k`` of the trials and tests on the rest.
    n_rounds : int
        STDP passes over the training trials.
    n_extra_fits : int
        Fits on all trials after the evaluation (final model, early prediction).
    compile_needed : bool
        Whether this network structure still has to be compiled.
    scale : float
        Measured / estimated time of this session's last run (1 before any run).
    """
    k = max(int(n_splits), 2)
    passes = max(int(n_rounds), 0) + 1  # STDP passes plus the readout's pass
    train = n_trials * (k - 1) / k
    test = n_trials / k
    per_cv_fit = (SECONDS_PER_FIT + FIT_SECONDS_PER_TRIAL_SAMPLE * train * n_times * passes / 2
                  + PREDICT_SECONDS_PER_TRIAL_SAMPLE * test * n_times)
    per_full_fit = (SECONDS_PER_FIT
                    + FIT_SECONDS_PER_TRIAL_SAMPLE * n_trials * n_times * passes / 2
                    + PREDICT_SECONDS_PER_TRIAL_SAMPLE * n_trials * n_times)
    seconds = (n_fits_cv * per_cv_fit + n_extra_fits * per_full_fit) * max(scale, 0.05)
    seconds += COMPILE_SECONDS if compile_needed else 0.0
    return RunEstimate(seconds=float(seconds), n_trials=n_trials, n_channels=n_channels,
                       n_times=n_times, n_fits=n_fits_cv + n_extra_fits, scale=scale)


def describe(estimate: Any) -> str:
    """One sentence: the estimate and what it is based on."""
    s = float(estimate["seconds"])
    when = f"about {s:.0f} s" if s < 90 else f"about {s / 60:.0f} min"
    basis = (f"{estimate['n_fits']} cube fits on {estimate['n_trials']} trials × "
             f"{estimate['n_channels']} channels × {estimate['n_times']} samples")
    calib = (" (scaled by this session's last run)" if estimate["scale"] != 1.0
             else " (from a measurement on a 2-core machine; the first run calibrates it)")
    return f"Estimated run time: {when} — {basis}{calib}."
