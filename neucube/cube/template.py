"""Neuron positions of the cube: a brain template, a regular grid, or a user's coordinate file.

The brain template is built offline from the MNI152 (2009) brain mask bundled with nilearn:
space is cut into cubic cells of ``spacing_mm`` centred on integer multiples of the spacing (so
the origin is a cell centre), and a cell becomes a neuron when at least ``min_fraction`` of its
volume lies inside the mask. At 10 mm this gives 1885 neurons in MNI space; the classic NeuCube
template has 1471 neurons in Talairach space, whose brain is smaller (the MNI152 brain is about
1.3 times the volume of the Talairach atlas brain).

Templates are deterministic and cached in memory; the functions return fresh copies.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path

import numpy as np

from neucube._validation import check_int, check_number

__all__ = ["brain_template", "grid_template", "load_template"]

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8)
def _mask_voxels_mm(resolution: int) -> np.ndarray:
    """MNI coordinates (mm) of the voxels inside nilearn's bundled MNI152 brain mask."""
    # load_mni152_brain_mask thresholds the bundled MNI152 2009 T1 template; it never downloads.
    from nilearn.datasets import load_mni152_brain_mask

    img = load_mni152_brain_mask(resolution=resolution)
    ijk = np.argwhere(np.asarray(img.dataobj) > 0)
    return ijk @ img.affine[:3, :3].T + img.affine[:3, 3]


@functools.lru_cache(maxsize=16)
def _brain_template(spacing_mm: float, min_fraction: float) -> np.ndarray:
    resolution = 1 if spacing_mm < 4.0 else 2  # >= 8 voxels per cell at 2 mm
    xyz = _mask_voxels_mm(resolution)
    cell = np.floor(xyz / spacing_mm + 0.5).astype(np.int64)
    cells, counts = np.unique(cell, axis=0, return_counts=True)
    voxels_per_cell = (spacing_mm / resolution) ** 3
    keep = counts >= min_fraction * voxels_per_cell
    out = cells[keep].astype(np.float64) * spacing_mm
    out.setflags(write=False)
    return out


def brain_template(spacing_mm: float = 10.0, *, min_fraction: float = 0.5) -> np.ndarray:
    """Neuron positions filling the MNI152 brain at a regular spacing.

    Parameters
    ----------
    spacing_mm : float
        Grid spacing in mm (> 0). 10 mm gives 1885 neurons, 5 mm about 15 000.
    min_fraction : float
        Smallest fraction of a cell's volume that must lie in the brain mask, in (0, 1].

    Returns
    -------
    positions : ndarray of shape (n_neurons, 3)
        MNI coordinates in mm, sorted by x, then y, then z. Every coordinate is a multiple of
        ``spacing_mm``.

    Notes
    -----
    The mask is ``nilearn.datasets.load_mni152_brain_mask`` (the bundled MNI152 2009 template,
    thresholded at 0.2), read at 2 mm resolution for spacings of 4 mm and more and at 1 mm
    otherwise. Nothing is downloaded.
    """
    spacing_mm = check_number("spacing_mm", spacing_mm, low=1.0, owner="brain_template")
    min_fraction = check_number("min_fraction", min_fraction, low=0.0, high=1.0,
                                low_inclusive=False, owner="brain_template")
    return _brain_template(spacing_mm, min_fraction).copy()


def grid_template(
    shape: tuple[int, int, int] = (10, 10, 10),
    spacing_mm: float = 10.0,
    *,
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0),
) -> np.ndarray:
    """Neuron positions on a regular 3-D grid, for data without a brain geometry.

    Parameters
    ----------
    shape : tuple of 3 int
        Number of neurons along x, y and z.
    spacing_mm : float
        Distance between neighbouring neurons.
    origin : tuple of 3 float
        Position of the first neuron; neuron ``(a, b, c)`` sits at
        ``origin + spacing_mm * (a, b, c)``.

    Returns
    -------
    positions : ndarray of shape (prod(shape), 3)
        Coordinates in C order (z varies fastest).
    """
    if len(tuple(shape)) != 3:
        raise ValueError(f"The 'shape' parameter of grid_template must have 3 entries; "
                         f"got {shape!r}.")
    shape = tuple(check_int("shape", s, low=1, owner="grid_template") for s in shape)
    spacing_mm = check_number("spacing_mm", spacing_mm, low=0.0, low_inclusive=False,
                              owner="grid_template")
    origin_arr = np.asarray(origin, dtype=np.float64)
    if origin_arr.shape != (3,) or not np.all(np.isfinite(origin_arr)):
        raise ValueError(f"The 'origin' parameter of grid_template must be 3 finite numbers; "
                         f"got {origin!r}.")
    idx = np.indices(shape).reshape(3, -1).T
    return origin_arr + spacing_mm * idx.astype(np.float64)


@functools.lru_cache(maxsize=16)
def _load_template(path: str, mtime_ns: int, size: int) -> np.ndarray:
    del mtime_ns, size  # part of the cache key only: a changed file is read again
    with open(path, encoding="utf-8-sig") as fh:
        lines = [ln for ln in fh.read().splitlines() if ln.strip()]
    if not lines:
        raise ValueError(f"Template file {path!r}: expected rows of x, y, z in mm; found an "
                         f"empty file.")
    delimiter = "," if "," in lines[0] else None
    first = lines[0].split(delimiter)
    try:
        [float(v) for v in first]
        body = lines
    except ValueError:
        body = lines[1:]  # a header row such as "x,y,z"
    try:
        data = np.loadtxt(body, delimiter=delimiter, dtype=np.float64, ndmin=2)
    except ValueError as err:
        raise ValueError(f"Template file {path!r}: expected numeric rows of x, y, z in mm; "
                         f"{err}.") from None
    if data.shape[0] == 0 or data.shape[1] != 3:
        raise ValueError(f"Template file {path!r}: expected 3 columns (x, y, z in mm); found "
                         f"{data.shape[1] if data.shape[0] else 0} columns and "
                         f"{data.shape[0]} rows.")
    if not np.all(np.isfinite(data)):
        raise ValueError(f"Template file {path!r}: expected finite coordinates; found NaN or "
                         f"inf.")
    _, first = np.unique(data, axis=0, return_index=True)
    if first.size != data.shape[0]:
        # NeuCube's brain_coordinates.csv appends the input neurons' positions to the template.
        logger.warning(
            "Template file %r: dropped %d duplicated rows (kept the first occurrence of each "
            "position); NeuCube appends its input neurons to the template this way.",
            path, data.shape[0] - first.size,
        )
        data = data[np.sort(first)]
    data.setflags(write=False)
    return data


def load_template(path: str | os.PathLike[str]) -> np.ndarray:
    """Read neuron positions from a CSV file of ``x, y, z`` rows in mm.

    A header row is allowed; commas or whitespace separate the columns. Duplicated rows are
    dropped with a warning (NeuCube's ``brain_coordinates.csv`` lists its input neurons again at
    the end).

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    positions : ndarray of shape (n_neurons, 3)
    """
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"Template file {str(p)!r} does not exist.")
    st = p.stat()
    return _load_template(str(p.resolve()), st.st_mtime_ns, st.st_size).copy()
