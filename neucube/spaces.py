"""Coordinate spaces of a :class:`~neucube.TrialSet`: MNI <-> Talairach conversion.

The brain template of the cube is in MNI space; NeuCube's classic files (for example the wrist
movement ``eeg_mapping.csv``) are in Talairach. The conversion is Lancaster's icbm2tal affine
transform, part of the data model so that both loaders and models can move coordinates between
spaces (``TrialSet.to_space``).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["mni_to_talairach", "talairach_to_mni", "convert_coords", "head_to_mni_transform"]

# Lancaster et al. (2007), Hum Brain Mapp 28:1194-1205, "Bias between MNI and Talairach
# coordinates analyzed using the ICBM-152 brain template": MNI -> Talairach affine transforms,
# one per normalisation package, as published in the authors' icbm_{spm,fsl,other}2tal.m.
_ICBM2TAL = {
    "spm": np.array(
        [
            [0.9254, 0.0024, -0.0118, -1.0207],
            [-0.0048, 0.9316, -0.0871, -1.7667],
            [0.0152, 0.0883, 0.8924, 4.0926],
            [0.0, 0.0, 0.0, 1.0],
        ]
    ),
    "fsl": np.array(
        [
            [0.9464, 0.0034, -0.0026, -1.0680],
            [-0.0083, 0.9479, -0.0580, -1.0239],
            [0.0053, 0.0617, 0.9010, 3.1883],
            [0.0, 0.0, 0.0, 1.0],
        ]
    ),
    "other": np.array(
        [
            [0.9357, 0.0029, -0.0072, -1.0423],
            [-0.0065, 0.9396, -0.0726, -1.3940],
            [0.0103, 0.0752, 0.8967, 3.6475],
            [0.0, 0.0, 0.0, 1.0],
        ]
    ),
}


def _apply(t: np.ndarray, pts: np.ndarray) -> np.ndarray:
    return pts @ t[:3, :3].T + t[:3, 3]


def _as_points(xyz: Any, name: str) -> tuple[np.ndarray, bool]:
    arr = np.asarray(xyz, dtype=float)
    single = arr.ndim == 1
    pts = arr.reshape(1, -1) if single else arr
    if pts.ndim != 2 or pts.shape[1] != 3:
        raise ValueError(
            f"The {name!r} parameter must be an array of shape (3,) or (n_points, 3) in mm; "
            f"got shape {arr.shape}."
        )
    return pts, single


def _check_variant(variant: str) -> np.ndarray:
    if variant not in _ICBM2TAL:
        raise ValueError(
            f"The 'variant' parameter must be one of {', '.join(map(repr, _ICBM2TAL))}; "
            f"got {variant!r}."
        )
    return _ICBM2TAL[variant]


def mni_to_talairach(xyz: Any, *, variant: str = "other") -> np.ndarray:
    """Convert MNI coordinates to Talairach with Lancaster's icbm2tal transform.

    Parameters
    ----------
    xyz : array-like of shape (3,) or (n_points, 3)
        MNI coordinates in mm.
    variant : {"other", "spm", "fsl"}
        Which published icbm2tal matrix (Lancaster et al. 2007) to use: ``"spm"`` or ``"fsl"``
        for coordinates from those packages' normalisation, ``"other"`` for other MNI templates.
        The default is ``"other"`` because template electrode positions (colin27/fsaverage) come
        from neither package.

    Returns
    -------
    ndarray
        Talairach coordinates in mm, of the same shape as ``xyz``.
    """
    pts, single = _as_points(xyz, "xyz")
    out = _apply(_check_variant(variant), pts)
    return out[0] if single else out


def talairach_to_mni(xyz: Any, *, variant: str = "other") -> np.ndarray:
    """Convert Talairach coordinates to MNI: the exact inverse of :func:`mni_to_talairach`."""
    pts, single = _as_points(xyz, "xyz")
    out = _apply(np.linalg.inv(_check_variant(variant)), pts)
    return out[0] if single else out


def convert_coords(xyz: Any, source: str, target: str, *, variant: str = "other") -> np.ndarray:
    """Convert ``(n, 3)`` coordinates in mm from space ``source`` to ``target``.

    Only ``"mni"`` and ``"talairach"`` convert into each other; any space converts to itself.
    """
    pts = np.asarray(xyz, dtype=float)
    if source == target:
        return pts.copy()
    if (source, target) == ("mni", "talairach"):
        return mni_to_talairach(pts, variant=variant)
    if (source, target) == ("talairach", "mni"):
        return talairach_to_mni(pts, variant=variant)
    raise ValueError(
        f"Cannot convert coordinates from space {source!r} to {target!r}: only 'mni' and "
        "'talairach' convert into each other."
    )


@functools.lru_cache(maxsize=1)
def head_to_mni_transform() -> np.ndarray:
    """4x4 transform from MNE's head frame (m) to fsaverage MRI = MNI space (mm).

    Read from MNE's bundled ``fsaverage-trans.fif`` (no download). Template montages map
    exactly; digitised positions are aligned by their fiducials only.
    """
    import mne

    path = Path(mne.__file__).parent / "data" / "fsaverage" / "fsaverage-trans.fif"
    trans = mne.read_trans(path, verbose=False)
    t = np.array(trans["trans"], dtype=float)
    t[:3, 3] *= 1000.0  # metres -> mm (the rotation part is unit-free)
    t.setflags(write=False)
    return t
