"""How faithfully a fitted spike encoder represents trials: per-channel threshold, rate and SNR.

The report describes data, so it is computed on the trials the encoder was fitted on; a
classifier fits its encoder inside each training fold instead. It uses the encoder's own round
trip (:meth:`~neucube.encoding.BaseSpikeEncoder.reconstruct`) and the metrics of
:mod:`neucube.encoding.metrics`, so the study runner's ``encoding.csv`` and the app's Encode
page report the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from neucube.data import TrialSet
from neucube.encoding._base import MAX_SNR_DB, BaseSpikeEncoder
from neucube.encoding.metrics import snr, spike_rate

__all__ = ["EncodingReport", "encoding_report"]


@dataclass(frozen=True)
class EncodingReport:
    """Per-channel and overall description of an encoding.

    Attributes
    ----------
    ch_names : tuple of str
        Channel names.
    threshold : ndarray of shape (n_channels,)
        The encoder's fitted thresholds.
    spike_rate : ndarray of shape (n_channels,)
        Fraction of samples with a spike, per channel.
    snr_db : ndarray of shape (n_channels,)
        Reconstruction SNR in dB per channel, pooling trials and samples.
    mean_snr_db : float
        Mean of ``snr_db`` with each channel capped at ``MAX_SNR_DB`` (an exactly
        reconstructed channel would make it infinite).
    overall_spike_rate : float
        Fraction of all samples with a spike.
    spike_rate_by_class : dict of str to float
        The same per class (classes with trials only).
    """

    ch_names: tuple[str, ...]
    threshold: NDArray[np.float64]
    spike_rate: NDArray[np.float64]
    snr_db: NDArray[np.float64]
    mean_snr_db: float
    overall_spike_rate: float
    spike_rate_by_class: dict[str, float]

    def rows(self) -> list[dict[str, Any]]:
        """One dict per channel: ``channel``, ``threshold``, ``spike_rate``, ``snr_db``."""
        return [{"channel": name, "threshold": float(self.threshold[c]),
                 "spike_rate": float(self.spike_rate[c]), "snr_db": float(self.snr_db[c])}
                for c, name in enumerate(self.ch_names)]


def encoding_report(
    encoder: BaseSpikeEncoder,
    X: TrialSet | ArrayLike,
    y: ArrayLike | None = None,
    *,
    centre: bool = True,
) -> EncodingReport:
    """Describe how a fitted encoder represents ``X``.

    Parameters
    ----------
    encoder : BaseSpikeEncoder
        A fitted spike encoder.
    X : TrialSet or array-like of shape (n_trials, n_channels, n_times)
        The trials (a :class:`~neucube.data.TrialSet` also gives channel and class names).
    y : array-like of shape (n_trials,), optional
        Class codes, for the spike rate per class (taken from ``X`` when it is a TrialSet).
    centre : bool
        Compare the signal and its reconstruction after removing each trial's mean: a DC
        offset counts as signal in the SNR and would inflate it without telling anything
        about how well the dynamics are represented.

    Returns
    -------
    EncodingReport
    """
    if isinstance(X, TrialSet):
        ch_names, class_names = X.ch_names, X.class_names
        y = X.y if y is None else y
        data = np.asarray(X.X, dtype=np.float64)
    else:
        data = np.asarray(X, dtype=np.float64)
        ch_names = tuple(f"ch{c}" for c in range(data.shape[1]))
        class_names = () if y is None else tuple(str(v) for v in np.unique(np.asarray(y)))
    spikes = encoder.transform(data)
    recon = encoder.reconstruct(data)
    if centre:
        data = data - data.mean(axis=-1, keepdims=True)
        recon = recon - recon.mean(axis=-1, keepdims=True)
    ch_snr = np.asarray(snr(data, recon, axis=(0, 2)), dtype=np.float64)
    by_class: dict[str, float] = {}
    if y is not None:
        labels = np.asarray(y)
        codes = range(len(class_names)) if isinstance(X, TrialSet) else np.unique(labels)
        for name, code in zip(class_names, codes, strict=True):
            if np.any(labels == code):
                by_class[name] = float(spike_rate(spikes[labels == code]))
    return EncodingReport(
        ch_names=tuple(ch_names),
        threshold=np.asarray(encoder.threshold_, dtype=np.float64),
        spike_rate=np.asarray(spike_rate(spikes, axis=(0, 2)), dtype=np.float64),
        snr_db=ch_snr,
        mean_snr_db=float(np.mean(np.minimum(ch_snr, MAX_SNR_DB))),
        overall_spike_rate=float(spike_rate(spikes)),
        spike_rate_by_class=by_class,
    )
