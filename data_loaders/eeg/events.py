"""Events of a recording (trigger channel or annotations) and the class each one belongs to."""

from __future__ import annotations

import fnmatch
import logging
import numbers
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from data_loaders._errors import EventError

# One logger for the package (its name is in users' logs).
logger = logging.getLogger("data_loaders.eeg")

# BrainVision marker descriptions: "Stimulus/S253", "Stimulus/S  1", "Response/R255".
_BV_CODE_RE = re.compile(r"^(?:Stimulus|Response)/[SR]\s*(\d+)$")
# MNE's annotations that mark data, not trials: "BAD_blink", "BAD", "EDGE boundary".
_NOT_TRIAL_RE = re.compile(r"^(?:BAD|EDGE)(?:[ _]|$)", re.IGNORECASE)


def _check_event_id(event_id: Any) -> dict[str, list[int | str]] | None:
    """Normalise the class mapping to ``{class name: [codes or descriptions]}``."""
    if event_id is None:
        return None
    if isinstance(event_id, Mapping):
        items = list(event_id.items())
    elif isinstance(event_id, Sequence) and not isinstance(event_id, str):
        items = [(str(v), v) for v in event_id]
    else:
        raise TypeError(
            "The 'event_id' parameter must be a mapping {class name: code(s) or description(s)} "
            f"or a sequence of codes/descriptions; got {event_id!r}."
        )
    if not items:
        raise ValueError(
            "The 'event_id' parameter must name at least one class; got an empty mapping."
        )
    out: dict[str, list[int | str]] = {}
    for name, values in items:
        vals = [values] if isinstance(values, str | numbers.Integral) else values
        ok = isinstance(vals, Sequence) and len(vals) > 0 and all(
            isinstance(v, str) or (isinstance(v, numbers.Integral) and not isinstance(v, bool))
            for v in vals
        )
        if not ok:
            raise ValueError(
                "The 'event_id' parameter must map each class to an int code, a description, or a "
                f"non-empty list of them; got {values!r} for class {name!r}."
            )
        out[str(name)] = [v if isinstance(v, str) else int(v) for v in vals]
    return out


def _matches(value: int | str, codes: np.ndarray, descs: np.ndarray) -> np.ndarray:
    """Which events a class value selects.

    An int matches the event code; a string matches the description exactly, as a glob
    (``"Stimulus/*"``) or by MNE's ``/``-tag rule (``"left"`` selects ``"auditory/left"``).
    """
    if not isinstance(value, str):
        return codes == value
    tags = set(value.split("/"))
    has_glob = any(c in value for c in "*?[")
    # Decide once per distinct description, then broadcast to the events.
    uniq, inverse = np.unique(descs.astype(str), return_inverse=True)
    hit = np.array(
        [
            d == value
            or (has_glob and fnmatch.fnmatchcase(d, value))
            or (d != "" and tags <= set(d.split("/")))
            for d in uniq
        ],
        dtype=bool,
    )
    return hit[inverse] if len(uniq) else np.zeros(len(descs), dtype=bool)


def _annotation_code(desc: str) -> int:
    m = _BV_CODE_RE.match(desc)
    if m:
        return int(m.group(1))
    return int(desc) if _is_int(desc) else -1


def _raw_events(
    raw: Any, mapping: dict[str, list] | None, events_from: str, source: str, verbose: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray, str]:
    """All candidate events of a Raw as (samples, codes, descriptions, origin)."""
    import mne

    stim_picks = mne.pick_types(raw.info, stim=True, exclude=[])
    stim = None
    if events_from in ("auto", "stim") and len(stim_picks):
        stim_names = [raw.ch_names[i] for i in stim_picks]
        try:
            ev = mne.find_events(
                raw, stim_channel=stim_names, shortest_event=1, initial_event=True, verbose=verbose
            )
        except ValueError as exc:  # e.g. events shorter than one sample on every channel
            raise EventError(source, f"readable trigger events on {stim_names}", str(exc)) from exc
        stim = ev
    if events_from == "stim":
        if stim is None:
            raise EventError(
                source,
                "a trigger (stim) channel (events_from='stim')",
                "none",
                "Name the trigger channel with stim_channel=.",
            )
        return stim[:, 0], stim[:, 2], np.full(len(stim), "", dtype=object), "stim"
    wants_text = mapping is not None and any(
        isinstance(v, str) for vals in mapping.values() for v in vals
    )
    if events_from == "auto" and stim is not None and len(stim) and not wants_text:
        return stim[:, 0], stim[:, 2], np.full(len(stim), "", dtype=object), "stim"
    ann = raw.annotations
    if len(ann):
        descs = np.asarray(ann.description, dtype=object)
        samples = _annotation_samples(raw)
        codes = np.array([_annotation_code(d) for d in descs], dtype=np.int64)
        return samples, codes, descs, "annotations"
    if stim is not None and len(stim):
        return stim[:, 0], stim[:, 2], np.full(len(stim), "", dtype=object), "stim"
    raise EventError(
        source,
        "events to cut trials from (a trigger channel or annotations)",
        "no events: "
        + ("the stim channel never changes and " if stim is not None else "no stim channel and ")
        + "no annotations",
        "Name the trigger channel with stim_channel=, or check the file's markers.",
    )


def _annotation_samples(raw: Any) -> np.ndarray:
    """Absolute sample index of each annotation onset."""
    # The same arithmetic as mne.events_from_annotations: onsets count from orig_time when set.
    ann = raw.annotations
    idx = raw.time_as_index(ann.onset, use_rounding=True, origin=ann.orig_time)
    return np.asarray(idx, dtype=np.int64) + raw.first_samp


def _assign_classes(
    codes: np.ndarray,
    descs: np.ndarray,
    mapping: dict[str, list] | None,
    source: str,
    *,
    on_missing: str = "raise",
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Class index per event (-1 when unmapped) and the class names, in mapping order."""
    if mapping is None:
        # Every distinct event becomes a class; MNE's BAD_/EDGE annotations are not trials.
        labels = [d if d != "" else str(c) for c, d in zip(codes, descs, strict=True)]
        uniq = {lab for lab in labels if not _NOT_TRIAL_RE.match(lab)}
        numeric = sorted((u for u in uniq if _is_int(u)), key=int)
        mapping = {u: [u] for u in numeric + sorted(uniq - set(numeric))}
        codes = np.where(np.asarray(descs) == "", codes, -1)
        descs = np.asarray(labels, dtype=object)
    names = tuple(mapping)
    y = np.full(len(codes), -1, dtype=np.int64)
    for k, (name, values) in enumerate(mapping.items()):
        hit = np.zeros(len(codes), dtype=bool)
        for v in values:
            hit |= _matches(v, codes, descs)
        clash = hit & (y >= 0) & (y != k)
        if clash.any():
            other = names[int(y[np.argmax(clash)])]
            raise EventError(
                source,
                "each event in at most one class (event_id)",
                f"{int(clash.sum())} events in both {other!r} and {name!r}",
            )
        if not hit.any() and on_missing != "ignore":
            err = EventError(
                source,
                f"events for class {name!r} (event_id values {values})",
                f"none; the file has {_event_summary(codes, descs)}",
            )
            if on_missing == "raise":
                raise err
            logger.warning("%s", err)
        y[hit] = k
    if (y < 0).all():
        raise EventError(
            source,
            f"events matching event_id {dict(mapping)}",
            f"none; the file has {_event_summary(codes, descs)}",
        )
    return y, names


def _is_int(text: str) -> bool:
    return text.strip().lstrip("-").isdigit()


def _event_summary(codes: np.ndarray, descs: np.ndarray, limit: int = 12) -> str:
    """``'T0' x19, code 1 x7, …``: what events a recording has, for error messages."""
    keys = [
        f"code {c}" if d == "" else f"{d!r}" + (f" (code {c})" if c >= 0 and d != str(c) else "")
        for c, d in zip(codes, descs, strict=True)
    ]
    counts = sorted(Counter(keys).items(), key=lambda kv: (-kv[1], kv[0]))
    parts = [f"{k} x{n}" for k, n in counts[:limit]]
    more = f", … ({len(counts) - limit} more kinds)" if len(counts) > limit else ""
    return ", ".join(parts) + more if parts else "no events"

