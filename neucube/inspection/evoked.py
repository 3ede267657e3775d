"""Importance maps as MNE objects, so MNE's topographic plots draw them.

:func:`importance_to_evoked` returns an :class:`mne.EvokedArray` with one "sample" per time window
(at the window's centre) and the channel positions of the trials: ``evoked.plot_topomap(
times=..., scalings=1, units=...)`` and ``evoked.plot_joint(...)`` then show where and when the
model's decisions depend on the input. The values are score drops, not voltages: pass
``scalings=1`` and a ``units`` label when plotting.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neucube.spaces import head_to_mni_transform

__all__ = ["importance_to_evoked", "info_from_coords"]

_OWNER = "importance_to_evoked"
_WHICH = ("importance", "ci_low", "ci_high", "significant")


def info_from_coords(ch_names: tuple[str, ...], coords_mni: np.ndarray, sfreq: float) -> Any:
    """An EEG :class:`mne.Info` whose montage places each channel at its MNI position (mm)."""
    import mne

    t = head_to_mni_transform()
    # MNI (mm) -> MNE head frame (m): invert the bundled fsaverage head->MRI transform.
    inv = np.linalg.inv(t)
    head = (np.asarray(coords_mni, dtype=np.float64) @ inv[:3, :3].T + inv[:3, 3]) / 1000.0
    montage = mne.channels.make_dig_montage(
        ch_pos={n: p for n, p in zip(ch_names, head, strict=True)}, coord_frame="head")
    info = mne.create_info(list(ch_names), sfreq=sfreq, ch_types="eeg")
    info.set_montage(montage)
    return info


def importance_to_evoked(result: Any, info: Any = None, *, which: str = "importance") -> Any:
    """Channel x window importance as an :class:`mne.EvokedArray`.

    Parameters
    ----------
    result : ChannelTimeImportance
    info : mne.Info, optional
        Channel information with a montage (e.g. ``epochs.info``); its channels are matched by
        name. Default: built from the result's MNI coordinates.
    which : {"importance", "ci_low", "ci_high", "significant"}, default="importance"
        The values to put in the evoked data.

    Returns
    -------
    mne.EvokedArray
        ``data[c, w]`` is the value of channel ``c`` in window ``w``; ``times`` are the window
        centres in seconds, rounded by MNE to a grid of one window width (so within half a
        window of ``result.centres_s``), so ``plot_topomap(times=evoked.times)`` draws one map
        per window.
    """
    import mne

    if which not in _WHICH:
        raise ValueError(f"{_OWNER} 'which': expected one of {', '.join(map(repr, _WHICH))}; "
                         f"found {which!r}.")
    if not result.sfreq:
        raise ValueError(f"{_OWNER} 'result': expected importance of trials with a known "
                         "sampling rate (a TrialSet or mne.Epochs); found sfreq=None.")
    widths = np.diff(result.windows_s, axis=1).ravel()
    # EvokedArray needs evenly spaced samples: one per window, at the mean window width.
    sfreq = 1.0 / float(widths.mean())
    data = np.asarray(getattr(result, which), dtype=np.float64)
    if info is None:
        if result.coords is None or result.space not in (None, "mni"):
            raise ValueError(f"{_OWNER} 'info': expected an mne.Info with a montage, or a "
                             "result with MNI channel coordinates; found neither.")
        info = info_from_coords(result.ch_names, result.coords, sfreq)
    else:
        missing = [n for n in result.ch_names if n not in info["ch_names"]]
        if missing:
            raise ValueError(f"{_OWNER} 'info': expected the channels {list(result.ch_names)}; "
                             f"found no {missing}.")
        info = mne.pick_info(info, [info["ch_names"].index(n) for n in result.ch_names])
        with info._unlock():
            info["sfreq"] = sfreq
    comment = f"{which} ({result.scoring} drop when shuffled)"
    # MNE keeps times on the 1/sfreq grid: the first centre is rounded to a whole window.
    return mne.EvokedArray(data, info, tmin=float(result.centres_s[0]), comment=comment,
                           nave=result.n_trials, verbose=False)
