"""The epoch window in samples, bounded before MNE allocates it.

``mne.Epochs`` builds its time axis as ``np.arange(round(tmin * sfreq), round(tmax * sfreq) + 1)``
and then one array per epoch of that length. The rate comes from a file (a header's sampling
interval, a CSV's timestamps), so a hostile or garbled file can ask for 10**10 samples per epoch:
NumPy then fails with a bare ``ValueError: Maximum allowed size exceeded`` or ``MemoryError``, or,
worse, succeeds after allocating gigabytes. Every loader that epochs checks the window here first,
against :data:`neucube.limits.MAX_TIMES` (each sample later becomes a simulation step).

MNE's band-pass filter has the same trap: its default FIR length is ``3.3 / transition band *
sfreq`` taps, and the transition band shrinks with ``l_freq`` (and with ``sfreq / 2 - h_freq``),
so ``l_freq=1e-6`` asks for a 3e8-tap filter (2.5 GiB) at 100 Hz. :func:`check_filter_length`
bounds the taps by the same limit before MNE builds the filter.
"""

from __future__ import annotations

import math
import os

from data_loaders._errors import FileFormatError, LoaderError
from neucube.limits import MAX_TIMES

__all__ = ["epoch_samples", "check_epoch_window", "filter_taps", "check_filter_length"]

#: MNE's FIR length factor for its default window (``hamming``) and design (``firwin``).
_HAMMING_LENGTH = 3.3


def epoch_samples(tmin: float, tmax: float, sfreq: float) -> float:
    """Samples of the window ``tmin..tmax`` s at ``sfreq`` Hz, both ends included, as MNE counts.

    A float (``inf`` or ``nan`` for a non-finite rate) so that a huge count never overflows.
    """
    first, last = float(tmin) * float(sfreq), float(tmax) * float(sfreq)
    if not (math.isfinite(first) and math.isfinite(last)):
        return math.inf
    return float(round(last) - round(first) + 1)


def check_epoch_window(
    source: str | os.PathLike[str],
    tmin: float,
    tmax: float,
    sfreq: float,
    *,
    rate: str,
    hint: str | None = None,
    kind: type[LoaderError] = FileFormatError,
) -> int:
    """The samples per epoch, or a ``kind`` error naming ``source`` if above :data:`MAX_TIMES`.

    Parameters
    ----------
    source : str or path-like
        The file (or description) the rate came from; it starts the message.
    tmin, tmax : float
        The epoch window in seconds.
    sfreq : float
        The sampling rate in Hz.
    rate : str
        Where the rate came from, for the message (``"the header's 1e+12 Hz"``).
    hint : str, optional
        One sentence on how to fix it.
    kind : type of LoaderError
        The error class.

    Raises
    ------
    LoaderError
        ``"rec.csv: expected an epoch window of at most 1,000,000 samples; found -0.2..0.5 s at
        4.25e+11 Hz inferred from the timestamps = 2.98e+11 samples."``
    """
    n = epoch_samples(tmin, tmax, sfreq)
    if not n <= MAX_TIMES:  # also catches nan
        raise kind(
            source,
            f"an epoch window of at most {MAX_TIMES:,} samples (each becomes a simulation step)",
            f"{tmin:g}..{tmax:g} s at {rate} = {n:.3g} samples",
            hint,
        )
    return int(n)


def filter_taps(l_freq: float | None, h_freq: float | None, sfreq: float) -> tuple[float, str]:
    """Taps of MNE's default FIR band-pass at ``sfreq`` and the edge that sets them.

    MNE's ``"auto"`` transition bands are ``min(max(l_freq / 4, 2), l_freq)`` and
    ``min(max(h_freq / 4, 2), sfreq / 2 - h_freq)``; the length is 3.3 / the narrower one
    (:func:`mne.filter.create_filter`).
    """
    bands = {}
    if l_freq is not None:
        bands["l_freq"] = min(max(0.25 * l_freq, 2.0), l_freq)
    if h_freq is not None and h_freq < sfreq / 2.0:  # above Nyquist: MNE's own error says so
        bands["h_freq"] = min(max(0.25 * h_freq, 2.0), sfreq / 2.0 - h_freq)
    bands = {edge: band for edge, band in bands.items() if band > 0}
    if not bands:
        return 0.0, ""
    edge = min(bands, key=bands.__getitem__)
    return _HAMMING_LENGTH / bands[edge] * float(sfreq), edge


def check_filter_length(
    l_freq: float | None, h_freq: float | None, sfreq: float, *, owner: str
) -> None:
    """Raise a ``ValueError`` naming the band edge if MNE's filter would exceed MAX_TIMES taps.

    Raises
    ------
    ValueError
        ``"The 'l_freq' parameter of load_eeg must give an FIR filter of at most 1,000,000
        taps at 100 Hz ...; got 1e-06 Hz: 3.3e+08 taps."``
    """
    taps, edge = filter_taps(l_freq, h_freq, sfreq)
    if taps > MAX_TIMES:
        value = l_freq if edge == "l_freq" else h_freq
        band = (
            "min(max(l_freq / 4, 2), l_freq)" if edge == "l_freq"
            else "min(max(h_freq / 4, 2), sfreq / 2 - h_freq)"
        )
        raise ValueError(
            f"The {edge!r} parameter of {owner} must give an FIR filter of at most "
            f"{MAX_TIMES:,} taps at {sfreq:g} Hz (MNE's length is 3.3 / transition band * sfreq, "
            f"the transition band {band} Hz); got {value:g} Hz: {taps:.3g} taps."
        )
