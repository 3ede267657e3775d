"""Trials from events: filter, epoch (or crop given epochs), reject and resample with MNE."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from data_loaders._errors import EventError, LoaderError
from data_loaders._window import check_epoch_window, check_filter_length
from data_loaders.eeg._mne import _mne_errors
from data_loaders.eeg.events import _assign_classes, _raw_events

# One logger for the package (its name is in users' logs).
logger = logging.getLogger("data_loaders.eeg")

_DEFAULT_WINDOW = (-0.2, 0.8)


def make_epochs(
    inst: Any, mapping: dict | None, tmin: float | None, tmax: float | None, *,
    events_from: str, candidates: list[str], bads: list[str], baseline: Any,
    l_freq: float | None, h_freq: float | None, reject: Any, resample: float | None, desc: str,
    caught: list[str], verb: Any, on_missing: str,
) -> tuple[Any, tuple[str, ...], dict[str, Any]]:
    """The labelled epochs of a Raw or Epochs, their class names and a rejection report.

    Event codes of the epochs are class index + 1. The report holds ``n_events``, ``dropped``
    (indices into the matched events), ``reasons``, ``channels`` and ``origin``.
    """
    import mne

    is_epochs = isinstance(inst, mne.BaseEpochs)
    check_filter_length(l_freq, h_freq, float(inst.info["sfreq"]), owner="load_eeg")
    # Keep channels a reject= key needs (e.g. EOG) in the epochs, not in the trials.
    extra_types = set(reject or {}) - {"eeg"}
    extra = [
        n
        for n, t in zip(inst.ch_names, inst.get_channel_types(), strict=True)
        if t in extra_types and n not in candidates and n not in bads
    ]
    run_args = dict(
        picks=candidates + extra, baseline=baseline, l_freq=l_freq, h_freq=h_freq, reject=reject,
        source=desc, caught=caught, verbose=verb, on_missing=on_missing,
    )
    if is_epochs:
        epochs, class_names, report = _epochs_from_epochs(inst, mapping, tmin, tmax, **run_args)
    else:
        epochs, class_names, report = _epochs_from_raw(
            inst, mapping, tmin, tmax, events_from=events_from, **run_args
        )
    n_events, dropped, reasons = report["n_events"], report["dropped"], report["reasons"]
    if dropped:
        logger.info("%s: rejected %d of %d trials: %s", desc, len(dropped), n_events, reasons)
    if len(epochs) == 0:
        raise EventError(
            desc,
            "at least one trial left after epoching and rejection",
            f"all {n_events} trials rejected ({reasons})",
            "Loosen reject=, or check tmin/tmax against the recording's length.",
        )
    if resample is not None and resample != epochs.info["sfreq"]:
        check_epoch_window(
            desc, epochs.tmin, epochs.tmax, resample, rate=f"resample={resample:g} Hz",
            hint="Pass a lower resample=.", kind=LoaderError,
        )
        expected = f"data that can be resampled to {resample} Hz"
        with _mne_errors(desc, expected, caught, LoaderError):
            epochs.resample(resample, verbose=verb)
    return epochs, class_names, report


def _drop_report(
    before: Sequence[tuple], after: Sequence[tuple], ch_names: Sequence[str]
) -> tuple[list[int], dict[str, int], dict[str, int]]:
    """Trials dropped between two MNE drop logs.

    Returns the dropped indices, a reason -> count summary (amplitude rejections are counted
    as ``"amplitude"``) and, for those, channel -> count of trials it exceeded the threshold in.
    """
    dropped = [i for i, (b, a) in enumerate(zip(before, after, strict=True)) if a and not b]
    names = set(ch_names)
    reasons: Counter[str] = Counter()
    channels: Counter[str] = Counter()
    for i in dropped:
        chans = [r for r in after[i] if r in names]
        other = [r for r in after[i] if r not in names]
        if chans:
            reasons["amplitude"] += 1
            channels.update(chans)
        for r in other:
            reasons[r] += 1
    return dropped, dict(reasons), dict(channels.most_common())


def _epochs_from_raw(
    raw: Any, mapping: dict | None, tmin: float | None, tmax: float | None, *, events_from: str,
    picks: list[str], baseline: Any, l_freq: float | None, h_freq: float | None, reject: Any,
    source: str, caught: list[str], verbose: Any, on_missing: str,
) -> tuple[Any, tuple[str, ...], dict[str, Any]]:
    import mne

    samples, codes, descs, origin = _raw_events(raw, mapping, events_from, source, verbose)
    y, class_names = _assign_classes(codes, descs, mapping, source, on_missing=on_missing)
    keep = y >= 0
    samples, y = samples[keep], y[keep]
    order = np.argsort(samples, kind="stable")
    samples, y = samples[order], y[order]
    # Two events at one sample: harmless when they agree on the class, ambiguous otherwise.
    same = np.flatnonzero(np.diff(samples) == 0)
    if same.size:
        conflict = same[y[same] != y[same + 1]]
        if conflict.size:
            k = int(conflict[0])
            raise EventError(
                source,
                "one class per event time",
                f"{conflict.size} times with events of two classes (first at sample "
                f"{int(samples[k])}: {class_names[y[k]]!r} and {class_names[y[k + 1]]!r})",
                "Pass event_id to choose which events are trials.",
            )
        first = np.ones(len(samples), dtype=bool)
        first[same + 1] = False
        logger.info("%s: merged %d duplicate events", source, int((~first).sum()))
        samples, y = samples[first], y[first]
    events = np.column_stack([samples, np.zeros_like(samples), y + 1]).astype(np.int64)
    event_id = {class_names[k]: k + 1 for k in np.unique(y)}
    tmin = _DEFAULT_WINDOW[0] if tmin is None else tmin
    tmax = _DEFAULT_WINDOW[1] if tmax is None else tmax
    # The rate is the header's: a garbled one must not make MNE allocate a 10**10-sample epoch.
    sfreq = float(raw.info["sfreq"])
    check_epoch_window(
        source, tmin, tmax, sfreq, rate=f"the recording's {sfreq:g} Hz",
        hint="Check tmin/tmax and the file's sampling rate.",
    )
    with _mne_errors(source, "data that can be filtered and epoched", caught, LoaderError):
        if l_freq is not None or h_freq is not None:
            raw.filter(l_freq, h_freq, picks=picks, verbose=verbose)
        epochs = mne.Epochs(
            raw, events, event_id=event_id, tmin=tmin, tmax=tmax, baseline=baseline,
            picks=picks, reject=reject, preload=True, reject_by_annotation=True,
            on_missing="ignore", verbose=verbose,
        )
    dropped, reasons, channels = _drop_report([()] * len(events), epochs.drop_log, raw.ch_names)
    return epochs, class_names, {
        "n_events": len(events), "dropped": dropped, "reasons": reasons, "channels": channels,
        "origin": origin,
    }


def _epochs_from_epochs(
    epochs: Any, mapping: dict | None, tmin: float | None, tmax: float | None, *,
    picks: list[str], baseline: Any, l_freq: float | None, h_freq: float | None, reject: Any,
    source: str, caught: list[str], verbose: Any, on_missing: str,
) -> tuple[Any, tuple[str, ...], dict[str, Any]]:
    code_to_name = {code: name for name, code in epochs.event_id.items()}
    codes = epochs.events[:, 2].astype(np.int64)
    descs = np.asarray([code_to_name.get(c, "") for c in codes], dtype=object)
    y, class_names = _assign_classes(codes, descs, mapping, source, on_missing=on_missing)
    keep = np.flatnonzero(y >= 0)
    with _mne_errors(
        source, "epochs that can be filtered, cropped and rejected", caught, LoaderError
    ):
        sub = epochs[keep].pick(picks)
        sub.events[:, 2] = y[keep] + 1
        sub.event_id = {class_names[k]: k + 1 for k in np.unique(y[keep])}
        if l_freq is not None or h_freq is not None:
            sub.filter(l_freq, h_freq, verbose=verbose)
        if baseline is not None:
            sub.apply_baseline(baseline, verbose=verbose)
        if tmin is not None or tmax is not None:
            sub.crop(tmin, tmax, verbose=verbose)
        before = list(sub.drop_log)
        if reject is not None:
            sub.drop_bad(reject=reject, verbose=verbose)
    # MNE's drop_log indexes the events the epochs were first made from (``selection``);
    # report positions among the epochs selected here instead.
    dropped_all, reasons, channels = _drop_report(before, sub.drop_log, epochs.ch_names)
    position = {int(epochs.selection[k]): i for i, k in enumerate(keep)}
    dropped = [position[i] for i in dropped_all if i in position]
    return sub, class_names, {
        "n_events": len(keep), "dropped": dropped, "reasons": reasons, "channels": channels,
        "origin": "epochs",
    }
