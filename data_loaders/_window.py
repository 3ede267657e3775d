"""The epoch window in samples, bounded before MNE allocates it.

``mne.Epochs`` builds its time axis as ``np.arange(round(tmin * sfreq), round(tmax * sfreq) + 1)``
and then one array per epoch of that length. The rate comes from a file (a header's sampling
interval, a CSV's timestamps), so a hostile or garbled file can ask for 10**10 samples per epoch:
NumPy then fails with a bare ``ValueError: Maximum allowed size exceeded`` or ``MemoryError``, or,
worse, succeeds after allocating gigabytes. Every loader that epochs checks the window here first,
against :data:`neucube.limits.MAX_TIMES` (each sample later becomes a simulation step).
"""

from __future__ import annotations

import math
import os

from data_loaders._errors import FileFormatError, LoaderError
from neucube.limits import MAX_TIMES

__all__ = ["epoch_samples", "check_epoch_window"]


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
