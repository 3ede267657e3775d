"""Encoder preview: one channel's signal, its spikes and the reconstruction from them."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from sklearn.utils.validation import check_is_fitted

from neucube.data import TrialSet
from neucube.encoding.metrics import snr
from neucube.model_names import encoder_name
from neucube.plotting._common import time_axis
from neucube.plotting.style import (
    MM_PER_INCH,
    NEGATIVE,
    POSITIVE,
    figure_style,
    finish,
    new_figure,
)

__all__ = ["plot_encoder_preview"]


def _channel_index(channel: int | str, names: Sequence[str] | None, n: int, owner: str) -> int:
    if isinstance(channel, str):
        if names is None or channel not in names:
            raise ValueError(f"The 'channel' argument of {owner} must be one of the channel "
                             f"names {list(names or [])}; got {channel!r}.")
        return list(names).index(channel)
    if isinstance(channel, bool) or not isinstance(channel, (int, np.integer)) \
            or not -n <= channel < n:
        raise ValueError(f"The 'channel' argument of {owner} must be a channel index in "
                         f"[0, {n}) or a channel name; got {channel!r}.")
    return int(channel) % n


def plot_encoder_preview(
    encoder: Any,
    X: Any,
    *,
    channel: int | str = 0,
    trial: int = 0,
    sfreq: float | None = None,
    tmin: float | None = None,
    ch_names: Sequence[str] | None = None,
    unit: str | None = None,
    ax: Any = None,
    width: str | float = "single",
    height_mm: float | None = 62.0,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """A channel's signal with its reconstruction (top) and its spikes (bottom).

    Parameters
    ----------
    encoder : fitted spike encoder
        E.g. a fitted :class:`~neucube.encoding.TBREncoder` (or a model's ``encoder_``).
    X : TrialSet or array-like of shape (n_trials, n_channels, n_times)
        Trials; a TrialSet also gives sampling rate, start time, channel names and unit.
    channel : int or str, default=0
        Channel index or name.
    trial : int, default=0
        Trial index.
    sfreq, tmin : float, optional
        Sampling rate (Hz) and start time (s) for a time axis in seconds.
    ch_names : sequence of str, optional
        Channel names (for array input).
    unit : str, optional
        Signal unit for the y label (a TrialSet's ``metadata["unit"]`` by default).
    ax : matplotlib Axes, optional
        Upper axes to draw the signal in (the spikes are then drawn as ticks on a twin axis).
    width, height_mm, title : figure size and title (the title gives the channel's SNR over
        all trials of ``X``, which a per-channel table shows, and this trial's).
    path, formats, dpi : saving (see :func:`~neucube.plotting.save_figure`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    owner = "plot_encoder_preview"
    check_is_fitted(encoder)
    if isinstance(X, TrialSet):
        sfreq = X.sfreq if sfreq is None else sfreq
        tmin = X.tmin if tmin is None else tmin
        ch_names = X.ch_names if ch_names is None else ch_names
        unit = X.metadata.get("unit") if unit is None else unit
        X = X.X
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 3:
        raise ValueError(f"The 'X' argument of {owner} must be a TrialSet or an array of shape "
                         f"(n_trials, n_channels, n_times); got shape {X.shape}.")
    if not -X.shape[0] <= trial < X.shape[0]:
        raise ValueError(f"The 'trial' argument of {owner} must be in [0, {X.shape[0]}); got "
                         f"{trial!r}.")
    c = _channel_index(channel, ch_names, X.shape[1], owner)
    sample = X[[trial]]
    spikes = np.asarray(encoder.transform(sample))[0, c]
    every = np.asarray(encoder.reconstruct(X))[:, c]  # for the channel's SNR over all trials
    recon = every[trial]
    signal = sample[0, c]
    times, xlabel = time_axis(signal.size, sfreq, tmin)
    name = ch_names[c] if ch_names is not None else f"channel {c}"
    # The channel's SNR pools all trials, as a per-channel table does (the one trial's SNR
    # differs from it and is given second); what 0 dB means, for a reader new to the measure.
    # No-break spaces keep a number with its unit when the title wraps ("trial\n0" read badly).
    nb = "\u00a0"
    label = (f"{encoder_name(encoder)}, {name}, trial{nb}{trial % X.shape[0]}\n"
             f"SNR {float(snr(X[:, c], every)):.1f}{nb}dB over {X.shape[0]}{nb}trials, "
             f"{float(snr(signal, recon)):.1f}{nb}dB this trial")
    meaning = f"SNR: 0{nb}dB, the error is as large as the signal; each +10{nb}dB, 10× less error"

    with figure_style():
        if ax is None:
            fig = new_figure(width, height_mm)
            top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(2.2, 1.0))
        else:
            fig, top, bottom = ax.figure, ax, ax.twinx()
        top.plot(times, signal, color="black", lw=0.8, label="signal")
        top.plot(times, recon, color=POSITIVE, lw=0.9, ls="-", alpha=0.9,
                 drawstyle="steps-post", label="reconstruction")
        unit = {"uV": "µV", "uv": "µV"}.get(unit, unit) if unit else unit
        top.set_ylabel(f"amplitude ({unit})" if unit else "amplitude")
        top.legend(loc="best", ncols=2, handlelength=1.5, frameon=True, framealpha=0.85,
                   edgecolor="none")
        # Wrapped to the figure's width (7.5 pt title text: ~1.5 mm a character,
        # over axes narrower than the figure).
        chars = int(fig.get_figwidth() * MM_PER_INCH / 1.8)
        if ax is not None:  # inside someone else's figure: the meaning goes in the title
            label = f"{label}\n({meaning})"
        top.set_title(title or "\n".join(textwrap.fill(part, chars, break_long_words=False)
                                         for part in label.split("\n")))
        pos, neg = spikes > 0, spikes < 0
        bottom.vlines(times[pos], 0, spikes[pos], color=POSITIVE, lw=0.8, label="+1")
        bottom.vlines(times[neg], 0, spikes[neg], color=NEGATIVE, lw=0.8, label="−1")
        bottom.axhline(0, color="0.6", lw=0.4)
        bottom.set_ylim(-1.3 if np.any(neg) or spikes.min(initial=0) < 0 else -0.1, 1.3)
        bottom.set_yticks([-1, 0, 1] if np.any(neg) else [0, 1])
        bottom.set_ylabel("spikes")
        if ax is None:
            bottom.set_xlabel(xlabel)
            # What an SNR value means, once, under the axes (the title stays two lines).
            fig.supxlabel(textwrap.fill(meaning, int(chars * 1.8), break_long_words=False),
                          fontsize="x-small", color="0.3")
            bottom.set_xlim(times[0], times[-1])
    return finish(fig, path, formats, dpi)
