"""Which channels become the trials' channels: EEG type, not bad, not flat, with a position."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from data_loaders._errors import ChannelError, FileFormatError
from data_loaders.coordinates import (
    locate_for_trials,
    normalize_channel_name,
    read_coordinate_file,
    split_non_eeg,
)
from data_loaders.eeg._mne import _mne_errors

# One logger for the package (its name is in users' logs).
logger = logging.getLogger("data_loaders.eeg")


def _resolve_bads(inst: Any, bad_channels: Sequence[str] | None, source: str) -> list[str]:
    bads = list(inst.info["bads"])
    if bad_channels is None:
        return bads
    if isinstance(bad_channels, str):
        bad_channels = [bad_channels]
    names = inst.ch_names
    by_norm = {normalize_channel_name(n).lower(): n for n in names}
    for b in bad_channels:
        if b in names:
            hit = b
        else:
            hit = by_norm.get(normalize_channel_name(b).lower())
        if hit is None:
            import difflib

            close = difflib.get_close_matches(normalize_channel_name(b).lower(), list(by_norm), n=3)
            close = [by_norm[c] for c in close]
            raise ChannelError(
                source,
                "bad_channels that exist in the recording",
                f"{b!r}" + (f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""),
            )
        if hit not in bads:
            bads.append(hit)
    return bads


def _coordinate_args(coordinates: Any) -> tuple[str, dict | None]:
    """Split ``coordinates`` into a mode and optional user positions."""
    if coordinates is None:
        return "none", None
    if isinstance(coordinates, str) and coordinates in ("auto", "file", "template"):
        return coordinates, None
    if isinstance(coordinates, Mapping):
        return "user", dict(coordinates)
    if isinstance(coordinates, str | os.PathLike):
        return "user", read_coordinate_file(coordinates)
    raise TypeError(
        "The 'coordinates' parameter must be 'auto', 'file', 'template', None, a path to a "
        f"name,x,y,z CSV file or a mapping of channel name to (x, y, z); got {coordinates!r}."
    )


@dataclass
class ChannelSelection:
    """The channels kept for the trials (``names``) and why the others were left out."""

    names: list[str]
    bads: list[str]
    excluded: list[str]
    loc: Any | None
    coords: np.ndarray | None
    space: str | None
    sources: list[str] | None
    flat: list[str]


def select_channels(
    inst: Any, *, bad_channels: Sequence[str] | None, exclude_non_eeg: bool, coord_mode: str,
    user_positions: dict | None, space: str, montage: str, on_unknown: str, desc: str,
) -> ChannelSelection:
    """EEG channels, minus bads, minus non-EEG names, minus unknown (``on_unknown="drop"``)."""
    import mne

    bads = _resolve_bads(inst, bad_channels, desc)
    eeg = [inst.ch_names[i] for i in mne.pick_types(inst.info, eeg=True, exclude=[])]
    candidates, excluded = split_non_eeg([n for n in eeg if n not in bads], exclude_non_eeg)
    if not candidates:
        raise ChannelError(
            desc,
            "at least one EEG channel",
            f"none among {inst.ch_names[:12]}{' …' if len(inst.ch_names) > 12 else ''} "
            f"(types {sorted(set(inst.get_channel_types()))}, bad {bads}, non-EEG {excluded})",
        )
    coords = coord_space = None
    loc = None
    if coord_mode == "file" and not _has_stored_positions(inst.info, candidates):
        raise ChannelError(
            desc,
            "electrode positions stored in the file (coordinates='file')",
            "none",
            "Use coordinates='auto' or 'template'.",
        )
    if coord_mode != "none":
        loc, coords = locate_for_trials(
            candidates,
            space,
            montage=montage,
            positions=user_positions,
            positions_space=space,
            info=inst.info if coord_mode in ("auto", "file") else None,
            on_unknown=on_unknown,
            exclude_non_eeg=False,  # done above, with the recording's own types
            source=desc,
        )
        candidates = list(loc.ch_names)
        if coords is None:
            logger.warning(
                "%s: no position for %s; the trials carry no coordinates (on_unknown='ignore')",
                desc, list(loc.unknown),
            )
        else:
            coord_space = space
    sources = None if loc is None else list(loc.sources)
    return ChannelSelection(candidates, bads, excluded, loc, coords, coord_space, sources, [])


def drop_unusable_channels(inst: Any, sel: ChannelSelection, desc: str,
                           caught: list[str]) -> None:
    """Refuse NaN/Inf samples; mark flat (constant) channels bad and leave them out of ``sel``.

    The samples must be finite before any filtering spreads a NaN. Flat channels carry
    nothing: they are marked bad and left out, as MNE users expect.
    """
    candidates, coords, sources = sel.names, sel.coords, sel.sources
    with _mne_errors(desc, "readable samples", caught):
        data = inst.get_data(picks=candidates)
    finite = np.isfinite(data)
    if not finite.all():
        axis = tuple(a for a in range(data.ndim) if a != data.ndim - 2)
        bad_ch = [candidates[i] for i in np.flatnonzero(~finite.all(axis=axis))]
        raise FileFormatError(
            desc,
            "finite EEG samples",
            f"{int((~finite).sum())} NaN/Inf samples in channels {bad_ch}, "
            + _first_non_finite(~finite, candidates, inst),
        )
    flat = [candidates[i] for i in _flat_channels(data)]
    del data
    degenerate = [n for n in _degenerate_range_channels(inst) if n in candidates and n not in flat]
    if degenerate:  # MNE reads them with a made-up range of 1: samples of no known scale
        msg = ("channels whose header declares an empty range (physical_min == physical_max or "
               f"digital_min == digital_max; their samples have no scale) marked bad and left "
               f"out: {degenerate}")
        logger.warning("%s: %s", desc, msg)
        caught.append(msg)
        flat = flat + degenerate
    if flat and len(flat) == len(candidates):
        raise ChannelError(
            desc,
            "at least one EEG channel whose samples vary",
            f"all {len(flat)} channels flat (constant over the whole recording"
            f"{' or with an empty header range' if degenerate else ''}): {flat}",
            "Check that the electrodes were connected and the file's scaling is right.",
        )
    if len(flat) > len(degenerate):
        msg = ("flat channels (constant over the whole recording) marked bad and left out: "
               f"{[n for n in flat if n not in degenerate]}")
        logger.warning("%s: %s", desc, msg)
        caught.append(msg)
    if flat:
        keep = [i for i, n in enumerate(candidates) if n not in flat]
        candidates = [candidates[i] for i in keep]
        coords = None if coords is None else coords[keep]
        sources = None if sources is None else [sources[i] for i in keep]
        sel.bads = sel.bads + flat
    sel.names, sel.coords, sel.sources, sel.flat = candidates, coords, sources, flat


def _first_non_finite(bad: np.ndarray, names: Sequence[str], inst: Any) -> str:
    """Where the first NaN/Inf sample is: ``"the first at sample 120 (0.469 s) of 'Cz'"``."""
    if bad.ndim == 2:  # continuous: (channels, times); the earliest sample in time
        t = int(np.flatnonzero(bad.any(axis=0))[0])
        ch = names[int(np.flatnonzero(bad[:, t])[0])]
        return f"the first at sample {t} ({float(inst.times[t]):.3f} s) of {ch!r}"
    e, c, t = (int(i) for i in np.argwhere(bad)[0])  # epochs: (epochs, channels, times)
    return f"the first in epoch {e} at sample {t} ({float(inst.times[t]):.3f} s) of {names[c]!r}"


def _degenerate_range_channels(inst: Any) -> list[str]:
    """EDF/BDF/GDF channels whose header range is empty (their samples cannot be scaled).

    MNE's EDF reader keeps the header's ranges in ``_raw_extras`` (one per file) and replaces an
    empty range by 1 with a warning, which turns the samples into numbers of no known unit.
    """
    out: list[str] = []
    for extras in getattr(inst, "_raw_extras", None) or []:
        if not isinstance(extras, dict) or "physical_min" not in extras:
            continue
        names = list(extras.get("ch_names", []))
        ranges = [np.asarray(extras.get(k, []), dtype=float) for k in
                  ("physical_min", "physical_max", "digital_min", "digital_max")]
        if not names or any(r.shape != (len(names),) for r in ranges):
            continue
        pmin, pmax, dmin, dmax = ranges
        empty = (pmax == pmin) | (dmax == dmin) | ~np.isfinite(pmax - pmin + dmax - dmin)
        out += [names[i] for i in np.flatnonzero(empty) if names[i] not in out]
    return out


def _flat_channels(data: np.ndarray) -> list[int]:
    """Indices of channels whose samples never change (axis -2 is the channel axis)."""
    per_channel = np.moveaxis(data, -2, 0).reshape(data.shape[-2], -1)
    return [int(i) for i in np.flatnonzero(np.ptp(per_channel, axis=1) == 0)]


def _has_stored_positions(info: Any, names: Sequence[str]) -> bool:
    """Whether any of ``names`` has a position (a set, finite ``loc``) in ``info``."""
    wanted = set(names)
    locs = np.array([ch["loc"][:3] for ch in info["chs"] if ch["ch_name"] in wanted], dtype=float)
    return bool(len(locs) and (np.isfinite(locs).all(axis=1) & locs.any(axis=1)).any())


def _method(loc: Any) -> str:
    """How the returned coordinates were obtained, for provenance."""
    if "file" in loc.sources:
        return loc.method
    return "user" if "user" in loc.sources else "template"

