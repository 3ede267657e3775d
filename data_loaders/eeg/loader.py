"""`load_eeg`: a recording (or MNE object) to labelled trials with channel coordinates."""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from typing import Any

from data_loaders.coordinates import DEFAULT_MONTAGE, normalize_channel_name
from data_loaders.eeg._mne import _describe, _mne_verbose
from data_loaders.eeg.channels import (
    _coordinate_args,
    _method,
    drop_unusable_channels,
    select_channels,
)
from data_loaders.eeg.epoching import make_epochs
from data_loaders.eeg.events import _check_event_id
from data_loaders.eeg.readers import open_source
from neucube._validation import check_number, check_option
from neucube.data import TrialSet

_UNITS = {"uV": 1e6, "V": 1.0}


def load_eeg(
    source: str | os.PathLike[str] | Any,
    event_id: Mapping[str, Any] | Sequence[int | str] | None = None,
    tmin: float | None = None,
    tmax: float | None = None,
    *,
    baseline: tuple[float | None, float | None] | None = None,
    l_freq: float | None = None,
    h_freq: float | None = None,
    resample: float | None = None,
    reject: float | Mapping[str, float] | None = None,
    bad_channels: Sequence[str] | None = None,
    stim_channel: str | None = None,
    events_from: str = "auto",
    coordinates: Any = "auto",
    space: str = "mni",
    montage: str = DEFAULT_MONTAGE,
    on_unknown: str = "raise",
    exclude_non_eeg: bool = True,
    units: str = "uV",
    subject: str | None = None,
    session: str | None = None,
    run: str | None = None,
    verbose: Any = None,
    on_missing: str = "raise",
) -> TrialSet:
    """Load labelled EEG trials from a recording, with channel coordinates.

    Parameters
    ----------
    source : path-like, mne.io.Raw or mne.Epochs
        A file in any format :func:`read_recording` reads, or an MNE object (a copy is used;
        the object is not modified).
    event_id : mapping or sequence, optional
        Class labels: ``{"familiar": [1], "unfamiliar": [2, 3]}``. Values are trigger codes
        (int) or annotation/event descriptions (str; exact, glob such as ``"Stimulus/*"``, or
        MNE ``/`` tags). A sequence ``["T1", "T2"]`` uses each value as its own class. ``None``
        makes every distinct event a class (except ``BAD``/``EDGE`` annotations). Every class
        must match at least one event.
    tmin, tmax : float, optional
        Trial window around each event, in seconds. Defaults: -0.2 and 0.8 for continuous
        recordings; the epochs' own window for epoched input (which is cropped otherwise).
    baseline : (float or None, float or None), optional
        Baseline correction interval (MNE semantics); ``None`` applies none.
    l_freq, h_freq : float, optional
        Band-pass edges in Hz (MNE FIR filter), applied to the continuous data before epoching.
    resample : float, optional
        New sampling rate in Hz, applied to the epochs (MNE's anti-aliased resampling).
    reject : float or dict, optional
        Peak-to-peak amplitude rejection in **volts** (MNE convention), for example ``100e-6``;
        a float applies to EEG channels; a dict is passed to MNE as is.
    bad_channels : sequence of str, optional
        Channels to drop, in addition to those the file marks as bad (``info["bads"]``).
    stim_channel : str, optional
        Trigger channel to read events from when the file stores it as an ordinary signal.
    events_from : {"auto", "stim", "annotations"}
        Where events come from. ``"auto"`` uses the stim channel(s) when they have events and
        ``event_id`` has no string value, else the annotations.
    coordinates : {"auto", "file", "template"}, path, mapping or None
        Channel positions: ``"auto"`` uses positions stored in the file (digitisation or
        montage, taken to MNI as described in :mod:`data_loaders.coordinates`) when present and
        the template montage for the other channels; ``"file"`` is the same but raises when the
        file stores no positions; ``"template"`` ignores stored positions; a path (CSV
        ``name,x,y,z``) or mapping gives your own, in ``space``, before the template; ``None``
        gives no coordinates.
    space : {"mni", "talairach"}
        Space of the returned coordinates.
    montage : str
        Template montage for channel names (see :mod:`data_loaders.coordinates`).
    on_unknown : {"raise", "drop", "ignore"}
        Channels without a position: raise, drop them from the trials, or keep them and return
        no coordinates at all.
    exclude_non_eeg : bool
        Leave out channels named like EOG/ECG/EMG/trigger/status/reference (EDF files type them
        as EEG); channels MNE types as non-EEG are always left out.
    units : {"uV", "V"}
        Units of ``X``.
    subject, session, run : str, optional
        Ids stored for every trial.
    verbose : bool, str, int or None
        MNE's verbosity.
    on_missing : {"raise", "warn", "ignore"}
        What to do when an ``event_id`` class matches no event (as in :class:`mne.Epochs`);
        the class is kept in ``class_names`` either way, so runs can be concatenated.

    Returns
    -------
    TrialSet
        ``metadata`` holds ``source``, ``events_from``, ``n_events``, ``n_rejected``,
        ``drop_log`` (reason -> count, amplitude rejections as ``"amplitude"``),
        ``rejected_by_channel`` (channel -> trials it exceeded ``reject`` in), ``rejected_events``
        (indices into the matched events, in time order),
        ``bad_channels`` (including flat ones), ``flat_channels``, ``excluded_channels``,
        ``unknown_channels``, ``original_ch_names``,
        ``coordinate_sources``, ``coordinate_method``, ``units``, ``filter``, ``original_sfreq``
        and ``warnings``.

    Raises
    ------
    FileFormatError
        Missing, empty, truncated or corrupt file, unsupported extension, NaN/Inf samples.
    EventError
        No events, or an ``event_id`` class that matches none.
    ChannelError
        Unknown channel names (with ``on_unknown="raise"``), unknown ``bad_channels`` or
        ``stim_channel``, no EEG channel left, every channel flat.
    LoaderError
        MNE could not filter, epoch, crop or resample the data (MNE's error chained).
    """
    reject, mapping, coord_mode, user_positions = _check_arguments(
        events_from=events_from, space=space, on_unknown=on_unknown, units=units,
        on_missing=on_missing, l_freq=l_freq, h_freq=h_freq, resample=resample, tmin=tmin,
        tmax=tmax, reject=reject, event_id=event_id, coordinates=coordinates,
    )
    desc = _describe(source)
    verb = _mne_verbose(verbose)
    inst, caught = open_source(source, stim_channel=stim_channel, verbose=verbose)
    sel = select_channels(
        inst, bad_channels=bad_channels, exclude_non_eeg=exclude_non_eeg, coord_mode=coord_mode,
        user_positions=user_positions, space=space, montage=montage, on_unknown=on_unknown,
        desc=desc,
    )
    drop_unusable_channels(inst, sel, desc, caught)
    original_sfreq = float(inst.info["sfreq"])
    epochs, class_names, report = make_epochs(
        inst, mapping, tmin, tmax, events_from=events_from, candidates=sel.names, bads=sel.bads,
        baseline=baseline, l_freq=l_freq, h_freq=h_freq, reject=reject, resample=resample,
        desc=desc, caught=caught, verb=verb, on_missing=on_missing,
    )

    candidates, bads, flat, excluded = sel.names, sel.bads, sel.flat, sel.excluded
    loc, coords, coord_space, sources = sel.loc, sel.coords, sel.space, sel.sources
    n_events, dropped, reasons = report["n_events"], report["dropped"], report["reasons"]
    X = epochs.get_data(picks=candidates) * _UNITS[units]
    y = epochs.events[:, 2] - 1  # event codes were set to class index + 1
    canon = [normalize_channel_name(n, montage=montage) for n in candidates]
    out_names = canon if loc is not None and len(set(canon)) == len(canon) else list(candidates)
    meta = {
        "source": desc,
        "format": type(inst).__name__,
        "events_from": report["origin"],
        "event_id": None if mapping is None else {k: list(v) for k, v in mapping.items()},
        "n_events": int(n_events),
        "n_rejected": len(dropped),
        "rejected_events": dropped,
        "drop_log": reasons,
        "rejected_by_channel": report["channels"],
        "bad_channels": list(bads),
        "flat_channels": flat,
        "excluded_channels": excluded,
        "unknown_channels": [] if loc is None else list(loc.unknown),
        "original_ch_names": list(candidates),
        "coordinate_sources": (
            None if coords is None else dict(zip(out_names, sources, strict=True))
        ),
        "coordinate_method": None if coords is None else _method(loc),
        "montage": montage if coords is not None else None,
        "units": units,
        "filter": {"l_freq": l_freq, "h_freq": h_freq},
        "baseline": None if baseline is None else list(baseline),
        "original_sfreq": original_sfreq,
        "warnings": list(caught),
    }
    n = len(epochs)
    return TrialSet(
        X,
        y,
        sfreq=float(epochs.info["sfreq"]),
        ch_names=out_names,
        coords=coords,
        space=coord_space,
        class_names=class_names,
        tmin=float(epochs.tmin),
        subject=None if subject is None else [str(subject)] * n,
        session=None if session is None else [str(session)] * n,
        run=None if run is None else [str(run)] * n,
        metadata=meta,
    )


def _check_arguments(
    *, events_from: str, space: str, on_unknown: str, units: str, on_missing: str,
    l_freq: float | None, h_freq: float | None, resample: float | None, tmin: float | None,
    tmax: float | None, reject: Any, event_id: Any, coordinates: Any,
) -> tuple[dict | None, dict[str, list[int | str]] | None, str, dict | None]:
    """Check :func:`load_eeg`'s arguments; return ``reject`` as a dict, the class mapping and
    the coordinate mode with the user's positions."""
    check_option("events_from", events_from, ("auto", "stim", "annotations"), owner="load_eeg")
    check_option("space", space, ("mni", "talairach"), owner="load_eeg")
    check_option("on_unknown", on_unknown, ("raise", "drop", "ignore"), owner="load_eeg")
    check_option("units", units, tuple(_UNITS), owner="load_eeg")
    check_option("on_missing", on_missing, ("raise", "warn", "ignore"), owner="load_eeg")
    for name, val in (("l_freq", l_freq), ("h_freq", h_freq), ("resample", resample)):
        if val is not None:
            check_number(name, val, low=0, low_inclusive=False, owner="load_eeg")
    if l_freq is not None and h_freq is not None and l_freq >= h_freq:
        raise ValueError(
            f"The 'l_freq' parameter of load_eeg must be below h_freq={h_freq!r}; got {l_freq!r}."
        )
    for name, val in (("tmin", tmin), ("tmax", tmax)):
        if val is not None:
            check_number(name, val, owner="load_eeg")
    if tmin is not None and tmax is not None and tmin >= tmax:
        raise ValueError(
            f"The 'tmin' parameter of load_eeg must be below tmax={tmax!r}; got {tmin!r}."
        )
    if isinstance(reject, numbers.Real) and not isinstance(reject, bool):
        check_number("reject", reject, low=0, low_inclusive=False, owner="load_eeg")
        reject = {"eeg": float(reject)}
    elif reject is not None and not isinstance(reject, Mapping):
        raise TypeError(
            f"The 'reject' parameter of load_eeg must be None, a peak-to-peak threshold in volts "
            f"or a dict such as {{'eeg': 100e-6}}; got {reject!r}."
        )
    mapping = _check_event_id(event_id)
    coord_mode, user_positions = _coordinate_args(coordinates)
    return reject, mapping, coord_mode, user_positions
