"""Simulated block-design fMRI written as BIDS-style NIfTI + events files, with known ground truth.

The ``fmri_blocks`` study runs out of the box on this data: :func:`simulate_block_fmri` writes
4-D NIfTI runs and their ``events.tsv`` files into a folder, and the study reads them back with
the real loader (:func:`data_loaders.load_fmri`), exactly as it reads a user's files with
``--data``.

Generative model
----------------
- Grid: the MNI152 brain mask bundled with nilearn (no download), averaged into cubes of
  ``voxel_mm`` (a multiple of 2 mm); voxels with more than half their volume in the brain are
  in the mask. The affine is MNI (sform/qform code 4), so voxel coordinates are MNI mm.
- Design: each run starts with ``rest_volumes`` of rest, then ``n_blocks`` blocks of each
  condition in a seeded random order, each block ``block_volumes`` long and followed by
  ``rest_volumes`` of rest (the StarPlus-like picture/sentence paradigm of Kasabov et al. 2016).
- Response: the block boxcar convolved with the canonical double-gamma HRF (peak ~5 s,
  undershoot ~15 s), in percent signal change, in two regions with a Gaussian spatial profile
  (sd 12 mm): a visual region (MNI 0, -85, 5) preferring ``picture`` and a left language region
  (MNI -50, 15, 10) preferring ``sentence``. The preferred condition has amplitude
  ``effect_size * noise`` percent, the other ``0.3 *`` that; so the peak condition difference is
  ``0.7 * effect_size`` noise standard deviations.
- Signal: baseline 1000 (times a smooth per-voxel gain in [0.8, 1.2]) plus the response, plus
  AR(1) Gaussian noise (coefficient 0.3, standard deviation ``noise`` percent of the baseline)
  and a linear drift per voxel (up to 1 % over a run).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["BlockDesign", "simulate_block_fmri", "CONDITIONS", "REGIONS"]

#: The two conditions, in the order of :data:`REGIONS`' preferences.
CONDITIONS = ("picture", "sentence")
#: Activated regions: name, MNI centre (mm) and preferred condition.
REGIONS = (
    ("visual", (0.0, -85.0, 5.0), "picture"),
    ("language", (-50.0, 15.0, 10.0), "sentence"),
)
_REGION_SD_MM = 12.0
_NON_PREFERRED = 0.3
_BASELINE = 1000.0
_AR = 0.3


@dataclass(frozen=True)
class BlockDesign:
    """Files written by :func:`simulate_block_fmri`.

    Attributes
    ----------
    bold : list of Path
        One 4-D NIfTI per run.
    events : list of Path
        The BIDS ``events.tsv`` of each run (``onset``, ``duration``, ``trial_type``).
    mask : Path
        The brain mask on the same grid.
    tr : float
        Repetition time in seconds.
    ground_truth : dict
        Regions, amplitudes and design (also written as ``ground_truth.json``).
    """

    bold: list[Path]
    events: list[Path]
    mask: Path
    tr: float
    ground_truth: dict[str, Any] = field(repr=False)


def _hrf(tr: float, length_s: float = 32.0) -> np.ndarray:
    """Canonical double-gamma HRF sampled every ``tr`` seconds, normalised to peak 1."""
    from scipy.stats import gamma

    t = np.arange(0.0, length_s, tr)
    h = gamma.pdf(t, 6.0) - gamma.pdf(t, 16.0) / 6.0
    return h / h.max()


def _grid(voxel_mm: float) -> tuple[np.ndarray, np.ndarray]:
    """Brain mask and MNI affine at ``voxel_mm`` from nilearn's bundled 2 mm MNI152 mask."""
    from nilearn.datasets import load_mni152_brain_mask

    img = load_mni152_brain_mask(resolution=2)
    data = np.asarray(img.get_fdata(), dtype=np.float64)
    k = int(round(voxel_mm / 2.0))
    shape = tuple(s // k for s in data.shape)
    cut = data[: shape[0] * k, : shape[1] * k, : shape[2] * k]
    share = cut.reshape(shape[0], k, shape[1], k, shape[2], k).mean(axis=(1, 3, 5))
    affine = img.affine.copy()
    affine[:3, :3] *= k
    affine[:3, 3] += img.affine[:3, :3] @ np.full(3, (k - 1) / 2.0)  # centre of each block
    return share > 0.5, affine


def _write_nifti(path: Path, data: np.ndarray, affine: np.ndarray, tr: float | None) -> None:
    import nibabel as nib

    img = nib.Nifti1Image(data, affine)
    img.set_sform(affine, code=4)  # MNI152
    img.set_qform(affine, code=4)
    if tr is not None:
        img.header.set_xyzt_units("mm", "sec")
        img.header.set_zooms(tuple(np.abs(np.diag(affine)[:3])) + (tr,))
    nib.save(img, str(path))


def simulate_block_fmri(
    folder: str | Path,
    *,
    n_runs: int = 4,
    n_blocks: int = 5,
    block_volumes: int = 8,
    rest_volumes: int = 6,
    tr: float = 2.0,
    voxel_mm: float = 8.0,
    effect_size: float = 1.0,
    noise: float = 1.0,
    seed: int = 0,
    subject: str = "01",
) -> BlockDesign:
    """Write a simulated block-design fMRI session (NIfTI runs, events, mask) into ``folder``.

    Parameters
    ----------
    folder : path-like
        Output folder (created if needed).
    n_runs : int, default=4
        Runs (one NIfTI each).
    n_blocks : int, default=5
        Blocks of each condition per run.
    block_volumes, rest_volumes : int, default=8, 6
        Volumes per block and per rest period.
    tr : float, default=2.0
        Repetition time in seconds.
    voxel_mm : float, default=8.0
        Voxel size, a multiple of 2 mm.
    effect_size : float, default=1.0
        Response amplitude of a region's preferred condition, in noise standard deviations.
    noise : float, default=1.0
        Noise standard deviation in percent of the baseline signal.
    seed : int, default=0
        Seed of every random draw.
    subject : str, default="01"
        BIDS subject label of the file names.

    Returns
    -------
    BlockDesign
    """
    for name, value, low in (
        ("n_runs", n_runs, 1),
        ("n_blocks", n_blocks, 1),
        ("block_volumes", block_volumes, 2),
        ("rest_volumes", rest_volumes, 1),
    ):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < low:
            raise ValueError(f"The {name!r} parameter of simulate_block_fmri must be an integer "
                             f">= {low}; got {value!r}.")
    for name, value, low, strict in (("tr", tr, 0.0, True), ("noise", noise, 0.0, True),
                                     ("effect_size", effect_size, 0.0, False)):
        ok = isinstance(value, int | float) and not isinstance(value, bool) and np.isfinite(value)
        if not ok or value < low or (strict and value == low):
            raise ValueError(f"The {name!r} parameter of simulate_block_fmri must be a "
                             f"{'positive' if strict else 'non-negative'} number; got {value!r}.")
    if not (isinstance(voxel_mm, int | float) and voxel_mm >= 2 and float(voxel_mm) % 2 == 0):
        raise ValueError("The 'voxel_mm' parameter of simulate_block_fmri must be a multiple of "
                         f"2 mm (the bundled template's resolution); got {voxel_mm!r}.")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    mask, affine = _grid(float(voxel_mm))
    ijk = np.indices(mask.shape).reshape(3, -1).T
    xyz = (ijk @ affine[:3, :3].T + affine[:3, 3]).reshape(*mask.shape, 3)

    # Per-voxel spatial maps (fixed over runs).
    gain = 1.0 + 0.2 * np.tanh(rng.standard_normal(mask.shape))
    profiles = {
        name: np.exp(-np.sum((xyz - np.asarray(centre)) ** 2, axis=-1) / (2 * _REGION_SD_MM ** 2))
        for name, centre, _ in REGIONS
    }
    amp = effect_size * noise / 100.0 * _BASELINE  # preferred-condition amplitude, signal units
    hrf = _hrf(float(tr))
    n_vol = rest_volumes + 2 * n_blocks * (block_volumes + rest_volumes)

    bold_paths, event_paths, design = [], [], []
    for run in range(1, n_runs + 1):
        order = rng.permutation(np.repeat(np.arange(len(CONDITIONS)), n_blocks))
        boxcar = np.zeros((len(CONDITIONS), n_vol))
        rows = []
        start = rest_volumes
        for c in order:
            boxcar[c, start:start + block_volumes] = 1.0
            rows.append((start * tr, block_volumes * tr, CONDITIONS[c]))
            start += block_volumes + rest_volumes
        response = np.stack([np.convolve(b, hrf)[:n_vol] for b in boxcar])  # (cond, time)
        signal = np.zeros((*mask.shape, n_vol))
        for name, _, preferred in REGIONS:
            weights = np.array([1.0 if c == preferred else _NON_PREFERRED for c in CONDITIONS])
            signal += amp * profiles[name][..., None] * (weights @ response)[None, None, None, :]
        # AR(1) noise with unit marginal variance, scaled to `noise` percent of the baseline.
        eps = rng.standard_normal((*mask.shape, n_vol))
        ar = np.empty_like(eps)
        ar[..., 0] = eps[..., 0]
        innov = np.sqrt(1.0 - _AR ** 2)
        for t in range(1, n_vol):  # a recursion over time; voxels are vectorised
            ar[..., t] = _AR * ar[..., t - 1] + innov * eps[..., t]
        drift = rng.uniform(-0.01, 0.01, mask.shape)[..., None] * np.linspace(0, 1, n_vol)
        data = _BASELINE * gain[..., None] * (1.0 + drift) + signal + noise / 100.0 * _BASELINE * ar
        data *= mask[..., None]
        stem = f"sub-{subject}_task-blocks_run-{run}"
        bold = folder / f"{stem}_bold.nii.gz"
        _write_nifti(bold, data.astype(np.float32), affine, float(tr))
        events = folder / f"{stem}_events.tsv"
        events.write_text("onset\tduration\ttrial_type\n"
                          + "".join(f"{o:g}\t{d:g}\t{t}\n" for o, d, t in rows), encoding="utf-8")
        bold_paths.append(bold)
        event_paths.append(events)
        design.append([t for _, _, t in rows])
    mask_path = folder / f"sub-{subject}_task-blocks_mask.nii.gz"
    _write_nifti(mask_path, mask.astype(np.uint8), affine, None)
    truth = {
        "conditions": list(CONDITIONS),
        "regions": [{"name": n, "centre_mni_mm": list(c), "preferred": p, "sd_mm": _REGION_SD_MM}
                    for n, c, p in REGIONS],
        "preferred_amplitude_percent": effect_size * noise,
        "non_preferred_fraction": _NON_PREFERRED,
        "noise_percent": noise,
        "tr": float(tr),
        "voxel_mm": float(voxel_mm),
        "n_voxels_in_mask": int(mask.sum()),
        "block_order": design,
        "seed": seed,
    }
    (folder / "ground_truth.json").write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    return BlockDesign(bold_paths, event_paths, mask_path, float(tr), truth)
