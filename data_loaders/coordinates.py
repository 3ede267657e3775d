"""EEG channel names to 3-D brain coordinates (MNI or Talairach, millimetres).

Sources of positions, in the order they are used:

1. **User coordinates** — a mapping or a CSV file (:func:`read_coordinate_file`).
2. **Positions stored in the recording** — a montage/digitisation in an :class:`mne.Info`
   (:func:`info_positions`). MNE keeps them in the *head* frame (defined by nasion and
   preauricular points); they are taken to the fsaverage MRI frame (= MNI) with MNE's bundled
   ``fsaverage-trans.fif`` (the same ``trans='fsaverage'`` MNE uses for template source imaging).
   Heads differ in size and spherical "template" layouts (EEGLAB ``.locs``, BioSemi caps) are not
   head-shaped, so when at least :data:`MIN_ANCHORS` channels also have a template position, an
   affine map fitted on those anchors refines the result (see :class:`ChannelLocations.method`).
3. **A template montage by name** — MNE's bundled ``colin27_1005`` by default.

Why ``colin27_1005``: of MNE's bundled montages it covers the most 10-05 names (343: the 335
names of ``fsaverage_1005`` plus the old 10-20 aliases T3/T4/T5/T6 and the A1/A2/M1/M2
ear/mastoid sites) and, like ``colin27_1020`` and the ``fsaverage_*`` montages, it is stored in
the fsaverage MRI frame, which is MNI space; MNE's ``standard_1020``/``standard_1005`` are
deprecated in MNE 1.13. In ``colin27_1005``, Cz is at (0.4, -9.2, 100.2) mm.

Talairach coordinates use Lancaster et al. (2007) *icbm2tal* affine transforms
(:func:`mni_to_talairach`, :func:`talairach_to_mni`).

Everything here works offline: montages and the fsaverage transform ship with MNE.
"""

from __future__ import annotations

import csv
import difflib
import functools
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from data_loaders._errors import ChannelError, FileFormatError
from data_loaders._paths import not_a_file
from neucube.spaces import head_to_mni_transform as _head_to_mni
from neucube.spaces import mni_to_talairach, talairach_to_mni

__all__ = [
    "DEFAULT_MONTAGE",
    "MIN_ANCHORS",
    "ChannelLocations",
    "channel_positions",
    "locate_channels",
    "normalize_channel_name",
    "is_non_eeg_name",
    "suggest_channel_names",
    "montage_positions",
    "info_positions",
    "mni_to_talairach",
    "talairach_to_mni",
    "read_coordinate_file",
]

logger = logging.getLogger(__name__)

#: The template montage used when none is given (see the module docstring for why).
DEFAULT_MONTAGE = "colin27_1005"

#: Fewest channels with both a stored and a template position for the affine refinement.
MIN_ANCHORS = 8

#: Largest RMS residual (mm) of the anchor fit for it to be trusted; above it the fit is rejected
#: (for example when anchors were matched by coincidental names such as BioSemi's "A1").
MAX_ANCHOR_RMS_MM = 20.0

#: Builtin montages whose positions are already in the fsaverage MRI (MNI) frame, so the anchor
#: refinement, meant for head-frame positions of other origins, is not applied to them.
_MNI_MONTAGE_PREFIXES = ("colin27_", "fsaverage_")

_SPACES = ("mni", "talairach")
_MAX_LISTED = 10  # unknown channels named in an error message; the rest are counted
_ON_UNKNOWN = ("raise", "drop", "ignore")

# Old 10-20 names (Jasper 1958) renamed in the 10-10 system (Chatrian 1985 / ACNS 2006).
_OLD_NAMES = {"t3": "T7", "t4": "T8", "t5": "P7", "t6": "P8"}
# "EEG Fp1", "EEG-Fp1", "EEG_Fp1", "EEG:Fp1" (EDF/Nihon Kohden exports).
_PREFIX_RE = re.compile(r"^EEG[\s_:\-]+", re.IGNORECASE)
# Referential suffixes: "Fp1-Ref", "C3-A1", "O1-LE", "Cz-AVG". A bipolar pair such as "Fp1-F3"
# is deliberately *not* stripped: it has no single position.
_REF_SUFFIX_RE = re.compile(
    r"[\s_\-]+(?:REF|REFERENCE|LE|RE|AR|AV|AVG|AVERAGE|CAR"
    r"|A1|A2|A12|A1A2|M1|M2|M1M2|LM|RM|LINKED)$",
    re.IGNORECASE,
)
# Non-EEG channels by name: EDF and BrainVision files mark most channels as "eeg", so the type
# alone misses EOG/ECG/trigger channels. Anchored prefixes avoid false hits on real sites.
_NON_EEG_RE = re.compile(
    r"(?:EOG|ECG|EKG|EMG)"  # anywhere: "EOG VEOG_I", "IEOG", "ECG ECG1"
    r"|^(?:POL|DIG|STI|STIM|STATUS|TRIG|TRIGGER|EVENT|EVENTS|MARKER|MARKERS|EXG|AUX|BIP|MISC"
    r"|PHOTIC|PULSE|RESP|RESPIRATION|SPO2|SAO2|GSR|EDA|TEMP|ACC|ACCEL|GYRO|PLETH|PPG|SYNC"
    r"|GND|GROUND|(?:RE)?REF|REFERENCE|LOC|ROC|DC\d+)(?![A-Z])"
    # Consumer headsets name auxiliary/motion/marker columns with a side or axis around the
    # word: "Right AUX", "X_ACC", "gyroscope y", "accX" (no 10-05 name ends like these).
    r"|(?<![A-Z])(?:AUX|ACC|ACCEL|ACCELEROMETER|GYRO|GYROSCOPE|MARKER|TRIGGER|STIM|STIMULUS)"
    r"(?:[\s_\-]?[XYZ]|\d)*$",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------------- names
def _strip_name(name: str) -> str:
    text = str(name).strip()
    text = _PREFIX_RE.sub("", text)
    text = _REF_SUFFIX_RE.sub("", text)
    # BCI2000/PhysioNet pads names with dots to 4 characters: "Fc5.", "C3..", "Cz..".
    return text.strip().rstrip(".").strip()


@functools.lru_cache(maxsize=16)
def _canonical_lookup(montage: str) -> dict[str, str]:
    return {name.lower(): name for name in montage_positions(montage)}


def normalize_channel_name(name: str, *, montage: str = DEFAULT_MONTAGE) -> str:
    """Clean an EEG channel label and return the montage's canonical spelling.

    Removes an ``EEG`` prefix, a referential suffix (``-Ref``, ``-A1``, ``-LE``, ``-AVG`` …) and
    the trailing dots of BCI2000 labels, renames the old 10-20 temporal sites (T3/T4/T5/T6 become
    T7/T8/P7/P8), then matches case-insensitively against the names of ``montage``.

    Parameters
    ----------
    name : str
        A channel label as stored in a recording.
    montage : str
        Builtin MNE montage whose spelling is canonical.

    Returns
    -------
    str
        The canonical name (``"FC5"``) when it exists in ``montage``, otherwise the cleaned label.

    Examples
    --------
    >>> [normalize_channel_name(n) for n in ("EEG Fp1-Ref", "Fc5.", "T3")]
    ['Fp1', 'FC5', 'T7']
    """
    text = _strip_name(name)
    key = text.lower()
    if key in _OLD_NAMES:
        return _OLD_NAMES[key]
    return _canonical_lookup(montage).get(key, text)


def is_non_eeg_name(name: str) -> bool:
    """Whether a label names a non-EEG channel (EOG, ECG, EMG, trigger/status, reference …).

    Examples
    --------
    >>> [is_non_eeg_name(n) for n in ("EOG VEOG_I", "DIG DTRIG", "Status", "EEG Fp1-Ref")]
    [True, True, True, False]
    """
    return bool(_NON_EEG_RE.search(str(name).strip()))


def split_non_eeg(names: Iterable[str], exclude: bool = True) -> tuple[list[str], list[str]]:
    """``names`` without the non-EEG ones (:func:`is_non_eeg_name`) when ``exclude`` is set,
    and those left out, both in input order."""
    names = list(names)
    excluded = [n for n in names if exclude and is_non_eeg_name(n)]
    return [n for n in names if n not in excluded], excluded


# ---------------------------------------------------------------------------------- frames
def _apply(t: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    return xyz @ t[:3, :3].T + t[:3, 3]


def _montage_head_positions(montage: Any) -> dict[str, np.ndarray]:
    """Channel positions of a DigMontage in the head frame, in mm."""
    import mne

    native_head = mne.channels.compute_native_head_t(montage, on_missing="ignore", verbose=False)
    pos = montage.get_positions()
    t = np.array(native_head["trans"], dtype=float)
    if pos["coord_frame"] == "head":
        t = np.eye(4)
    names = list(pos["ch_pos"])
    if not names:
        return {}
    xyz = np.array([pos["ch_pos"][n] for n in names], dtype=float)
    head = _apply(t, xyz) * 1000.0
    return dict(zip(names, head, strict=True))


@functools.lru_cache(maxsize=16)
def _builtin_montage_mni(montage: str) -> dict[str, np.ndarray]:
    import mne

    builtin = mne.channels.get_builtin_montages()
    if montage not in builtin:
        close = difflib.get_close_matches(montage, builtin, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"The 'montage' parameter must be one of MNE's builtin montages "
            f"({', '.join(builtin)}); got {montage!r}.{hint}"
        )
    mon = mne.channels.make_standard_montage(montage)
    if montage.startswith(_MNI_MONTAGE_PREFIXES):
        # Stored in fsaverage MRI coordinates (MNE labels fsaverage_* frame "unknown"): use as is.
        return {n: _frozen(p * 1000.0) for n, p in mon.get_positions()["ch_pos"].items()}
    # Spherical/head-frame layouts (BioSemi, EasyCap, EGI…): to MNI through the head frame, then
    # registered onto the default template through the shared names, as for stored positions.
    head = _montage_head_positions(mon)
    names = list(head)
    mni = _apply(_head_to_mni(), np.array([head[n] for n in names]))
    refined, method = _refine(dict(zip(names, mni, strict=True)), DEFAULT_MONTAGE)
    logger.info("montage %r mapped to MNI by %s", montage, method)
    return {n: _frozen(refined[n]) for n in names}


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


def montage_positions(montage: str = DEFAULT_MONTAGE) -> dict[str, np.ndarray]:
    """Template channel positions of a builtin MNE montage, in MNI mm.

    Parameters
    ----------
    montage : str
        Name of a builtin MNE montage (``mne.channels.get_builtin_montages()``). ``colin27_*`` and
        ``fsaverage_*`` montages are MNI already; others (BioSemi, EasyCap, EGI …) are taken from
        the head frame to MNI as described in the module docstring, so they are approximate.

    Returns
    -------
    dict of str to ndarray of shape (3,)
        Read-only positions keyed by the montage's own channel names.
    """
    return dict(_builtin_montage_mni(montage))


# ---------------------------------------------------------------------------------- transforms
# ---------------------------------------------------------------------------------- stored
def _fit_affine(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares affine ``dst ≈ src @ A[:3].T + A[3]``; returns (4x4, RMS residual mm)."""
    design = np.column_stack([src, np.ones(len(src))])
    coef, *_ = np.linalg.lstsq(design, dst, rcond=None)
    t = np.eye(4)
    t[:3, :3] = coef[:3].T
    t[:3, 3] = coef[3]
    rms = float(np.sqrt(np.mean(np.sum((design @ coef - dst) ** 2, axis=1))))
    return t, rms


def _refine(mni: dict[str, np.ndarray], template: str) -> tuple[dict[str, np.ndarray], str]:
    """Refine fiducial-aligned positions with an affine fit on names shared with ``template``."""
    if not template.startswith(_MNI_MONTAGE_PREFIXES):
        template = DEFAULT_MONTAGE  # anchors must be MNI template positions
    tpl = _builtin_montage_mni(template)
    lookup = _canonical_lookup(template)
    pairs = [(n, lookup.get(normalize_channel_name(n, montage=template).lower())) for n in mni]
    pairs = [(n, c) for n, c in pairs if c is not None]
    if len(pairs) >= MIN_ANCHORS:
        src = np.array([mni[n] for n, _ in pairs])
        dst = np.array([tpl[c] for _, c in pairs])
        if np.linalg.matrix_rank(np.column_stack([src, np.ones(len(src))])) == 4:
            t, rms = _fit_affine(src, dst)
            if rms <= MAX_ANCHOR_RMS_MM and np.linalg.det(t[:3, :3]) > 0:
                out = {n: _apply(t, p[None])[0] for n, p in mni.items()}
                return out, f"affine fit on {len(pairs)} {template} anchors (RMS {rms:.1f} mm)"
            logger.warning(
                "stored electrode positions: affine fit on %d %s anchors rejected "
                "(RMS %.1f mm > %.0f mm or a reflection); using fiducial alignment only",
                len(pairs),
                template,
                rms,
                MAX_ANCHOR_RMS_MM,
            )
    else:
        logger.warning(
            "stored electrode positions: only %d channels share a name with %s (need %d for "
            "the affine refinement); positions are aligned by fiducials only, without scaling",
            len(pairs),
            template,
            MIN_ANCHORS,
        )
    return mni, "fiducial alignment to fsaverage (trans='fsaverage')"


def info_positions(
    info: Any, *, picks: Sequence[str] | None = None, template: str = DEFAULT_MONTAGE
) -> tuple[dict[str, np.ndarray], str]:
    """Electrode positions stored in an :class:`mne.Info` (or Raw/Epochs), in MNI mm.

    Parameters
    ----------
    info : mne.Info or an object with an ``info`` attribute
        Channels whose ``loc`` is unset (zeros or NaN) are left out.
    picks : sequence of str, optional
        Restrict to these channel names.
    template : str
        MNI template montage used to refine the fiducial alignment (module docstring).

    Returns
    -------
    positions : dict of str to ndarray of shape (3,)
        MNI positions keyed by the recording's channel names; empty when the file has none.
    method : str
        How positions were brought to MNI, for provenance (``""`` when there were none).
    """
    info = getattr(info, "info", info)
    wanted = None if picks is None else set(picks)
    names, head = [], []
    for ch in info["chs"]:
        loc = np.asarray(ch["loc"][:3], dtype=float)
        if (wanted is not None and ch["ch_name"] not in wanted) or not np.isfinite(loc).all():
            continue
        if not loc.any():
            continue
        names.append(ch["ch_name"])
        head.append(loc * 1000.0)
    if not names:
        return {}, ""
    # mne.Info stores EEG locations in the head frame once a montage/digitisation is set.
    mni = _apply(_head_to_mni(), np.array(head))
    return _refine(dict(zip(names, mni, strict=True)), template)


# ---------------------------------------------------------------------------------- user files
def read_coordinate_file(path: str | os.PathLike[str]) -> dict[str, np.ndarray]:
    """Read user channel coordinates from a CSV file with rows ``name,x,y,z`` (mm).

    A header row (any row whose x/y/z are not numbers, e.g. ``name,x,y,z``) is skipped when it
    is the first row. Commas, semicolons or tabs may separate fields. The space (MNI or
    Talairach) is whatever the caller declares; the file only holds numbers.

    Returns
    -------
    dict of str to ndarray of shape (3,)
        Positions keyed by the names in the file, in file order.
    """
    path = Path(path)
    if not path.is_file():
        raise FileFormatError(path, "a CSV file of name,x,y,z rows", not_a_file(path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FileFormatError(path, "a UTF-8 text CSV file of name,x,y,z rows", str(exc)) from exc
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if not lines:
        raise FileFormatError(path, "rows of name,x,y,z", "an empty file")
    try:
        dialect = csv.Sniffer().sniff(lines[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    out: dict[str, np.ndarray] = {}
    for lineno, row in enumerate(csv.reader(lines, dialect), start=1):
        row = [c.strip() for c in row]
        if len(row) < 4:
            raise FileFormatError(
                path, "4 fields per row (name, x, y, z)", f"{len(row)} in row {lineno}: {row!r}"
            )
        try:
            xyz = np.array([float(v) for v in row[1:4]])
        except ValueError as exc:
            if lineno == 1:
                continue  # header
            raise FileFormatError(
                path, "numeric x, y, z in mm", f"{row[1:4]!r} in row {lineno}"
            ) from exc
        if not np.isfinite(xyz).all():
            raise FileFormatError(path, "finite x, y, z", f"{row[1:4]!r} in row {lineno}")
        if row[0] in out:
            raise FileFormatError(path, "unique channel names", f"{row[0]!r} twice (row {lineno})")
        out[row[0]] = xyz
    if not out:
        raise FileFormatError(path, "at least one name,x,y,z row", "only a header")
    return out


# ---------------------------------------------------------------------------------- main API
@dataclass(frozen=True)
class ChannelLocations:
    """Channels resolved to positions.

    Attributes
    ----------
    ch_names : tuple of str
        Input names of the channels kept, in input order.
    canonical : tuple of str
        Their normalised names (:func:`normalize_channel_name`).
    coords : ndarray of shape (n_kept, 3)
        Positions in mm in ``space``; NaN rows for unknown channels kept with
        ``on_unknown="ignore"``.
    space : {"mni", "talairach"}
    picks : ndarray of int
        Indices of the kept channels in the input.
    sources : tuple of str
        Per kept channel: ``"user"``, ``"file"``, ``"template"`` or ``"unknown"``.
    unknown : tuple of str
        Input names without any position (dropped, or kept as NaN).
    excluded : tuple of str
        Non-EEG input names left out because ``exclude_non_eeg`` was set.
    method : str
        How stored (file) positions were taken to MNI, or ``""`` when none were used.
    """

    ch_names: tuple[str, ...]
    canonical: tuple[str, ...]
    coords: np.ndarray
    space: str
    picks: np.ndarray
    sources: tuple[str, ...]
    unknown: tuple[str, ...]
    excluded: tuple[str, ...]
    method: str = ""


def _index(table: Mapping[str, np.ndarray], template: str) -> dict[str, str]:
    """Normalised lower-case name -> key of ``table`` (first key wins on collisions)."""
    out: dict[str, str] = {}
    for key in table:
        out.setdefault(normalize_channel_name(key, montage=template).lower(), key)
    return out


def _match(
    name: str, table: Mapping[str, np.ndarray], index: Mapping[str, str], template: str
) -> np.ndarray | None:
    """Look ``name`` up in ``table`` exactly, then by normalised, case-insensitive name."""
    if name in table:
        return table[name]
    key = index.get(normalize_channel_name(name, montage=template).lower())
    return None if key is None else table[key]


def _suggest(name: str, candidates: Sequence[str]) -> list[str]:
    cleaned = _strip_name(name)
    lower = {c.lower(): c for c in candidates}
    hits = difflib.get_close_matches(cleaned.lower(), list(lower), n=3, cutoff=0.6)
    return [lower[h] for h in hits]


def suggest_channel_names(name: str, *, montage: str = DEFAULT_MONTAGE) -> list[str]:
    """Up to three names of ``montage`` close to ``name`` (none for a non-EEG label).

    Examples
    --------
    >>> suggest_channel_names("TP09")
    ['TP9', 'TTP9', 'TPP9']
    >>> suggest_channel_names("Right AUX")
    []
    """
    if is_non_eeg_name(name):
        return []  # "did you mean 'O1'?" for "EOG1" would mislead
    return _suggest(name, list(montage_positions(montage)))


def locate_channels(
    ch_names: Iterable[str],
    space: str = "mni",
    *,
    montage: str = DEFAULT_MONTAGE,
    positions: Mapping[str, Any] | None = None,
    positions_space: str = "mni",
    info: Any = None,
    on_unknown: str = "raise",
    exclude_non_eeg: bool = False,
    source: str = "channel names",
) -> ChannelLocations:
    """Resolve channel names to positions, reporting what was found, dropped and excluded.

    Parameters
    ----------
    ch_names : iterable of str
        Channel labels as stored in the recording.
    space : {"mni", "talairach"}
        Space of the returned coordinates (Talairach via :func:`mni_to_talairach`).
    montage : str
        Builtin MNE montage for the template positions (default :data:`DEFAULT_MONTAGE`).
    positions : mapping of str to (3,) array, optional
        User positions in mm (e.g. from :func:`read_coordinate_file`); they take precedence.
    positions_space : {"mni", "talairach"}
        Space of ``positions``.
    info : mne.Info, optional
        When given, its stored electrode positions (:func:`info_positions`) come before the
        template, and channels whose MNE type is not EEG count as non-EEG.
    on_unknown : {"raise", "drop", "ignore"}
        What to do with channels that have no position: raise a :class:`ChannelError` listing
        them with close-match suggestions, drop them, or keep them with NaN coordinates.
    exclude_non_eeg : bool
        Leave out EOG/ECG/EMG/trigger/status/reference channels (by MNE type when ``info`` is
        given, and by name, see :func:`is_non_eeg_name`) instead of treating them as unknown.
    source : str
        What the channels come from (a file name), to start error messages.

    Returns
    -------
    ChannelLocations
    """
    names = [str(n) for n in ch_names]
    if space not in _SPACES:
        raise ValueError(f"The 'space' parameter must be one of 'mni', 'talairach'; got {space!r}.")
    if positions_space not in _SPACES:
        raise ValueError(
            f"The 'positions_space' parameter must be one of 'mni', 'talairach'; "
            f"got {positions_space!r}."
        )
    if on_unknown not in _ON_UNKNOWN:
        raise ValueError(
            f"The 'on_unknown' parameter must be one of 'raise', 'drop', 'ignore'; "
            f"got {on_unknown!r}."
        )
    if not names:
        raise ChannelError(source, "at least one channel name", "none")
    template = montage_positions(montage)

    user: dict[str, np.ndarray] = {}
    if positions is not None:
        for key, val in positions.items():
            arr = np.asarray(val, dtype=float)
            if arr.shape != (3,) or not np.isfinite(arr).all():
                raise ValueError(
                    f"The 'positions' parameter must map names to finite (x, y, z) in mm; "
                    f"got {val!r} for {key!r}."
                )
            user[str(key)] = talairach_to_mni(arr) if positions_space == "talairach" else arr

    stored: dict[str, np.ndarray] = {}
    method = ""
    non_eeg_type: set[str] = set()
    if info is not None:
        info = getattr(info, "info", info)
        types = dict(zip(info["ch_names"], info.get_channel_types(), strict=True))
        non_eeg_type = {n for n, t in types.items() if t != "eeg"}
        eeg_names = [n for n in names if n not in non_eeg_type]
        if exclude_non_eeg:
            eeg_names = [n for n in eeg_names if not is_non_eeg_name(n)]
        stored, method = info_positions(info, picks=eeg_names, template=montage)

    # Stored positions are keyed by the recording's own names, so they match exactly.
    sources = (
        ("user", user, _index(user, montage)),
        ("file", stored, None),
        ("template", template, _index(template, montage)),
    )
    kept, coords, srcs, unknown, excluded = [], [], [], [], []
    for idx, name in enumerate(names):
        if exclude_non_eeg and (name in non_eeg_type or is_non_eeg_name(name)):
            excluded.append(name)
            continue
        for label, table, index in sources:  # noqa: B007 - label is read after the loop
            pos = table.get(name) if index is None else _match(name, table, index, montage)
            if pos is not None:
                break
        else:
            label, pos = "unknown", None
        if pos is None:
            unknown.append(name)
            if on_unknown == "drop":
                continue
            pos = np.full(3, np.nan)
        kept.append(idx)
        coords.append(pos)
        srcs.append(label)

    if unknown and on_unknown == "raise":
        parts = []
        for name in unknown[:_MAX_LISTED]:
            # A suggestion for "EOG1" ("O1"?) would mislead; the hint below covers those.
            sug = [] if is_non_eeg_name(name) else _suggest(name, list(template) + list(user))
            hint_sug = f" (did you mean {' or '.join(map(repr, sug))}?)" if sug else ""
            parts.append(f"{name!r}{hint_sug}")
        hint = (
            "Pass on_unknown='drop' to leave them out, give their positions (a coordinate file), "
            "or use another montage."
        )
        non_eeg = [n for n in unknown if is_non_eeg_name(n) or n in non_eeg_type]
        if non_eeg and not exclude_non_eeg:
            hint += f" {non_eeg} look like non-EEG channels: pass exclude_non_eeg=True."
        if len(unknown) > _MAX_LISTED:
            parts.append(f"… and {len(unknown) - _MAX_LISTED} more")
        raise ChannelError(
            source,
            f"channel names with a known position (in {montage} or the given positions)",
            f"{len(unknown)} unknown: {', '.join(parts)}",
            hint,
        )
    if not kept:
        raise ChannelError(
            source,
            "at least one EEG channel with a position",
            f"none of {names} (excluded or unknown)",
        )

    xyz = np.array(coords, dtype=float).reshape(-1, 3)
    if space == "talairach":
        xyz = mni_to_talairach(xyz)
    if unknown:
        logger.info(
            "%s: %d channels without a position (%s): %s", source, len(unknown), on_unknown, unknown
        )
    if excluded:
        logger.info("%s: excluded %d non-EEG channels: %s", source, len(excluded), excluded)
    kept_names = tuple(names[i] for i in kept)
    return ChannelLocations(
        ch_names=kept_names,
        canonical=tuple(normalize_channel_name(n, montage=montage) for n in kept_names),
        coords=xyz,
        space=space,
        picks=np.asarray(kept, dtype=np.int64),
        sources=tuple(srcs),
        unknown=tuple(unknown),
        excluded=tuple(excluded),
        method=method if "file" in srcs else "",
    )


def locate_for_trials(
    ch_names: Iterable[str], space: str = "mni", **kwargs: Any
) -> tuple[ChannelLocations, np.ndarray | None]:
    """:func:`locate_channels`, and the coordinates the trials carry.

    The coordinates are ``None`` when some channel has no position and ``on_unknown="ignore"``
    kept it: a TrialSet has a position for every channel or none. The loaders say so in their
    own words (a warning or a log line).
    """
    loc = locate_channels(ch_names, space, **kwargs)
    if loc.unknown and kwargs.get("on_unknown", "raise") == "ignore":
        return loc, None
    return loc, np.asarray(loc.coords, dtype=np.float64)


def channel_positions(
    ch_names: Iterable[str],
    space: str = "mni",
    *,
    montage: str = DEFAULT_MONTAGE,
    positions: Mapping[str, Any] | None = None,
    positions_space: str = "mni",
    info: Any = None,
    on_unknown: str = "raise",
    exclude_non_eeg: bool = False,
) -> np.ndarray:
    """Positions of EEG channels in mm, shape ``(n, 3)``.

    A thin wrapper over :func:`locate_channels` returning only the coordinates. With
    ``on_unknown="drop"`` or ``exclude_non_eeg=True`` fewer rows than names may come back: use
    :func:`locate_channels` to know which channels were kept.

    Examples
    --------
    >>> channel_positions(["Cz", "EEG T3-Ref"]).round(1)
    array([[  0.4,  -9.2, 100.2],
           [-84.2, -16. ,  -9.3]])
    """
    return locate_channels(
        ch_names,
        space,
        montage=montage,
        positions=positions,
        positions_space=positions_space,
        info=info,
        on_unknown=on_unknown,
        exclude_non_eeg=exclude_non_eeg,
    ).coords
