"""Statistics of per-trial importance: bootstrap intervals, a sign-flip test and FDR control.

Each test trial gives one number per cell (the drop in its score when that cell is permuted).
The cell's importance is the mean over trials; its interval is a percentile bootstrap over
trials; its p-value comes from a one-sided sign-flip permutation test across trials (under the
null that the cell does not matter to the model, a trial's drop is as likely negative as
positive; for two balanced classes flipping a drop's sign is exactly relabelling the trial); the
p-values of all cells are corrected together with Benjamini-Hochberg.
"""

from __future__ import annotations

import numpy as np

__all__ = ["bootstrap_interval", "sign_flip_pvalues", "fdr_bh"]


def bootstrap_interval(values: np.ndarray, *, n_boot: int, level: float,
                       rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Percentile bootstrap interval of the mean over axis 0 of ``values`` (trials x cells)."""
    n = values.shape[0]
    flat = values.reshape(n, -1)
    # Resampling counts instead of indices: one matrix product gives every bootstrap mean.
    counts = rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot).astype(np.float64)
    means = counts @ flat / n
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail], axis=0)
    return low.reshape(values.shape[1:]), high.reshape(values.shape[1:])


def sign_flip_pvalues(values: np.ndarray, *, n_permutations: int,
                      rng: np.random.Generator) -> np.ndarray:
    """One-sided p-values (mean > 0) of a sign-flip permutation test over axis 0 (trials).

    ``p = (1 + #{flipped mean >= observed mean}) / (1 + n_permutations)``, so never 0.
    """
    n = values.shape[0]
    flat = values.reshape(n, -1)
    observed = flat.mean(axis=0)
    exceed = np.zeros(flat.shape[1], dtype=np.int64)
    done = 0
    while done < n_permutations:  # blocks keep the sign matrix small for many trials
        block = min(1000, n_permutations - done)
        signs = rng.choice(np.array([-1.0, 1.0]), size=(block, n))
        exceed += (signs @ flat / n >= observed - 1e-12).sum(axis=0)
        done += block
    return ((1 + exceed) / (1 + n_permutations)).reshape(values.shape[1:])


def fdr_bh(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), same shape as ``p_values``."""
    p = np.asarray(p_values, dtype=np.float64).ravel()
    m = p.size
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty(m)
    q[order] = np.minimum(q_sorted, 1.0)
    return q.reshape(np.shape(p_values))
