"""Class-wise activity: mean firing of every cube neuron per class, and differences between classes.

Step ``s`` of a trial is the sample at time ``tmin + s / sfreq`` (encoders keep one spike step
per sample), so a time window in seconds selects the steps whose times fall inside it, both ends
included (as ``TrialSet.select``/``mne.Epochs.crop`` do).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from neucube._validation import check_number
from neucube.cube.raster import SpikeRaster

__all__ = ["ClassActivity", "class_activity", "window_steps"]

#: Tolerance when a window edge falls (up to rounding) on a sample.
_EPS = 1e-9


def window_steps(window: Any, *, sfreq: float, tmin: float, n_steps: int,
                 owner: str = "class_activity") -> tuple[int, int]:
    """Steps ``[start, stop)`` whose times ``tmin + s / sfreq`` lie in ``window = (t0, t1)`` s."""
    try:
        t0, t1 = (float(v) for v in window)
    except (TypeError, ValueError) as err:
        raise ValueError(f"The 'window' argument of {owner} must be a pair (start, stop) in "
                         f"seconds; got {window!r}.") from err
    if not (np.isfinite(t0) and np.isfinite(t1)) or t1 < t0:
        raise ValueError(f"The 'window' argument of {owner} must be finite with start <= stop; "
                         f"got {window!r}.")
    start = max(0, math.ceil((t0 - tmin) * sfreq - _EPS))
    stop = min(n_steps, math.floor((t1 - tmin) * sfreq + _EPS) + 1)
    if stop <= start:
        span = (tmin, tmin + (n_steps - 1) / sfreq)
        raise ValueError(f"The 'window' argument of {owner} must contain at least one sample "
                         f"of the trials, which span {span[0]:.4g} to {span[1]:.4g} s; got "
                         f"{window!r}.")
    return start, stop


@dataclass(frozen=True)
class ClassActivity:
    """Mean firing of every neuron in each class.

    Attributes
    ----------
    classes : tuple
        Class labels, in the row order of ``rates``.
    rates : ndarray of shape (n_classes, n_neurons)
        Mean firing per trial within the window, in ``unit``.
    n_trials : ndarray of int, shape (n_classes,)
        Trials of each class.
    steps : (int, int)
        The steps ``[start, stop)`` counted.
    window : (float, float) or None
        The requested window in seconds.
    unit : str
        ``"Hz"`` when the sampling rate was given, else ``"spikes/step"``.
    """

    classes: tuple[Any, ...]
    rates: np.ndarray
    n_trials: np.ndarray
    steps: tuple[int, int]
    window: tuple[float, float] | None
    unit: str

    def _row(self, label: Any) -> int:
        for k, c in enumerate(self.classes):
            if c == label or str(c) == str(label):
                return k
        raise ValueError(f"ClassActivity: class {label!r} is not one of "
                         f"{[str(c) for c in self.classes]}.")

    def rate(self, label: Any) -> np.ndarray:
        """Mean firing of every neuron in class ``label``, shape (n_neurons,)."""
        return self.rates[self._row(label)]

    def difference(self, a: Any = None, b: Any = None) -> np.ndarray:
        """Per-neuron ``rate(a) - rate(b)``; default the first minus the second class."""
        if a is None or b is None:
            if len(self.classes) < 2:
                raise ValueError("ClassActivity.difference needs two classes; got "
                                 f"{[str(c) for c in self.classes]}.")
            a = self.classes[0] if a is None else a
            b = next(c for c in self.classes if str(c) != str(a)) if b is None else b
        return self.rate(a) - self.rate(b)

    def to_frame(self) -> pd.DataFrame:
        """Rates as a DataFrame, one row per neuron and one column per class."""
        return pd.DataFrame(self.rates.T, columns=[str(c) for c in self.classes],
                            index=pd.RangeIndex(self.rates.shape[1], name="neuron"))


def class_activity(
    raster: SpikeRaster,
    labels: Any,
    *,
    window: tuple[float, float] | None = None,
    sfreq: float | None = None,
    tmin: float | None = None,
    classes: Any = None,
) -> ClassActivity:
    """Mean firing per neuron and class, optionally within a time window.

    Parameters
    ----------
    raster : SpikeRaster
        Spikes of the trials (e.g. ``model.raster(trials)``).
    labels : array-like of shape (n_trials,)
        Class of each trial.
    window : (float, float), optional
        Time window in seconds, e.g. ``(0.15, 0.25)``; needs ``sfreq``. Default the whole trial.
    sfreq : float, optional
        Sampling rate in Hz (rates are then in Hz).
    tmin : float, optional
        Time of step 0 in seconds (the trials' ``tmin``); default 0.
    classes : sequence, optional
        Classes and their order; default the sorted unique labels.

    Returns
    -------
    ClassActivity
        ``rates``, ``difference(a, b)`` and ``to_frame()``.

    Examples
    --------
    >>> act = class_activity(raster, trials.labels, window=(0.15, 0.25), sfreq=trials.sfreq,
    ...                      tmin=trials.tmin)                      # doctest: +SKIP
    >>> diff = act.difference("familiar", "unfamiliar")             # doctest: +SKIP
    """
    owner = "class_activity"
    if not isinstance(raster, SpikeRaster):
        raise TypeError(f"The 'raster' argument of {owner} must be a SpikeRaster; got "
                        f"{type(raster).__name__}.")
    labels = np.asarray(labels)
    if labels.shape != (raster.n_trials,):
        raise ValueError(f"The 'labels' argument of {owner} must hold one label per trial "
                         f"({raster.n_trials}); got shape {labels.shape}.")
    if sfreq is not None:
        sfreq = check_number("sfreq", sfreq, low=0.0, low_inclusive=False, owner=owner)
    tmin = 0.0 if tmin is None else check_number("tmin", tmin, owner=owner)
    if window is not None:
        if sfreq is None:
            raise ValueError(f"{owner} needs sfreq=... (Hz) to read a window in seconds.")
        start, stop = window_steps(window, sfreq=sfreq, tmin=tmin, n_steps=raster.n_steps)
        window = (float(window[0]), float(window[1]))
    else:
        start, stop = 0, raster.n_steps
    classes = tuple(np.unique(labels).tolist()) if classes is None else tuple(classes)
    missing = [c for c in classes if not np.any(labels == c)]
    if missing:
        raise ValueError(f"The 'classes' argument of {owner} lists classes without trials: "
                         f"{missing}.")

    inside = (raster.steps >= start) & (raster.steps < stop)
    key = raster.trial_of_spike[inside] * raster.n_neurons + raster.neurons[inside]
    counts = np.bincount(key, minlength=raster.n_trials * raster.n_neurons)
    counts = counts.reshape(raster.n_trials, raster.n_neurons).astype(np.float64)
    member = np.stack([labels == c for c in classes]).astype(np.float64)
    n_trials = member.sum(axis=1)
    per_step = (member @ counts) / n_trials[:, None] / (stop - start)
    unit = "spikes/step" if sfreq is None else "Hz"
    rates = per_step if sfreq is None else per_step * sfreq
    return ClassActivity(classes=classes, rates=rates, n_trials=n_trials.astype(np.int64),
                         steps=(start, stop), window=window, unit=unit)
