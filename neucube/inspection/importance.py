"""Which input channels, in which time windows, a fitted model uses: permutation importance.

For every cell (channel ``c``, time window ``w``) the test trials' data of channel ``c`` in
window ``w`` are shuffled across trials, the shuffled trials are classified again by the frozen
model, and the drop in each trial's score is recorded (``n_repeats`` shuffles, averaged). A
shuffle keeps the cell's distribution but breaks its link with the trial's class and with the
rest of the trial, so the drop measures how much the model's decisions rely on that cell.

For a fitted :class:`~neucube.NeuCubeClassifier` the shuffle acts on the *encoded spikes*: the
test trials are encoded once with the training thresholds, and the spikes of each channel in each
window are permuted across trials before the frozen cube and readout run on all shuffled
variants in large batches (the compiled cube is reused; nothing is refitted). Any other
classifier (a baseline pipeline, a parameter search's best estimator) gets the raw signal
shuffled instead and is asked for ``predict_proba`` on the shuffled trials.

Statistics (see :mod:`neucube.inspection._stats`): the importance of a cell is the mean drop over
test trials with a percentile-bootstrap interval over trials, a one-sided sign-flip permutation
test across trials, and Benjamini-Hochberg FDR control over all cells.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from neucube._inputs import read_model_input
from neucube._validation import check_int, check_number, check_option, check_random_state
from neucube.inspection._stats import bootstrap_interval, fdr_bh, sign_flip_pvalues

__all__ = ["ChannelTimeImportance", "channel_time_importance", "time_windows", "SCORINGS"]

logger = logging.getLogger(__name__)

_OWNER = "channel_time_importance"

#: Per-trial scores: the predicted probability of the trial's true class, or 0/1 correctness.
SCORINGS = ("probability", "accuracy")


def time_windows(n_times: int, n_windows: int) -> np.ndarray:
    """Edges (sample indices) of ``n_windows`` near-equal consecutive windows over ``n_times``."""
    n_windows = check_int("n_windows", n_windows, low=1, high=n_times, owner=_OWNER)
    return np.round(np.linspace(0, n_times, n_windows + 1)).astype(np.int64)


@dataclass
class ChannelTimeImportance:
    """Channel x time-window importance of a fitted model on labelled test trials.

    Attributes
    ----------
    importance : ndarray of shape (n_channels, n_windows)
        Mean drop of the per-trial score when the cell is shuffled across trials.
    ci_low, ci_high : ndarray of shape (n_channels, n_windows)
        Percentile-bootstrap interval (over trials) of ``importance`` at ``level``.
    p_values, q_values : ndarray of shape (n_channels, n_windows)
        One-sided sign-flip permutation p-values and their Benjamini-Hochberg adjustment.
    significant : ndarray of bool, shape (n_channels, n_windows)
        ``q_values <= alpha``.
    per_trial : ndarray of shape (n_trials, n_channels, n_windows)
        Drop of each test trial's score (mean over repeats).
    baseline_score : float
        Mean per-trial score of the unshuffled trials.
    window_edges : ndarray of shape (n_windows + 1,)
        Window edges in samples.
    ch_names : tuple of str
    sfreq, tmin : float or None
        Sampling rate and time of the first sample (window times are in samples without them).
    coords : ndarray of shape (n_channels, 3) or None
        Channel coordinates (``space``), for maps.
    scoring : str
        ``"probability"`` (of the true class) or ``"accuracy"``.
    """

    importance: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_values: np.ndarray
    q_values: np.ndarray
    significant: np.ndarray
    per_trial: np.ndarray
    baseline_score: float
    window_edges: np.ndarray
    ch_names: tuple[str, ...]
    sfreq: float | None = None
    tmin: float | None = None
    coords: np.ndarray | None = None
    space: str | None = None
    scoring: str = "probability"
    alpha: float = 0.05
    level: float = 0.95
    n_repeats: int = 1
    n_permutations: int = 2000
    method: str = "spikes"
    extra: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ sizes and times
    @property
    def n_channels(self) -> int:
        """Number of channels."""
        return int(self.importance.shape[0])

    @property
    def n_windows(self) -> int:
        """Number of time windows."""
        return int(self.importance.shape[1])

    @property
    def n_trials(self) -> int:
        """Number of test trials the statistics are over."""
        return int(self.per_trial.shape[0])

    @property
    def windows_s(self) -> np.ndarray:
        """``(start, stop)`` of each window, shape (n_windows, 2), in seconds (or samples).

        ``stop`` is the time of the first sample after the window.
        """
        edges = self.window_edges.astype(np.float64)
        if self.sfreq:
            edges = (self.tmin or 0.0) + edges / self.sfreq
        return np.column_stack([edges[:-1], edges[1:]])

    @property
    def centres_s(self) -> np.ndarray:
        """Centre of each window, in seconds (or samples)."""
        return self.windows_s.mean(axis=1)

    # ------------------------------------------------------------------ summaries
    def window_weights(self, window_s: Sequence[float]) -> np.ndarray:
        """Share of each window inside the interval ``window_s = (start, stop)``."""
        lo, hi = (float(v) for v in window_s)
        w = self.windows_s
        overlap = np.clip(np.minimum(w[:, 1], hi) - np.maximum(w[:, 0], lo), 0.0, None)
        return overlap / (w[:, 1] - w[:, 0])

    def channel_importance(self, window_s: Sequence[float] | None = None) -> np.ndarray:
        """Importance of each channel, summed over windows (weighted by overlap with ``window_s``).

        Without ``window_s``, over the whole trial.
        """
        weights = np.ones(self.n_windows) if window_s is None else self.window_weights(window_s)
        return self.importance @ weights

    def time_course(self) -> np.ndarray:
        """Importance of each window summed over channels, shape (n_windows,)."""
        return self.importance.sum(axis=0)

    def peak(self) -> dict[str, Any]:
        """The most important cell: channel, window (s) and importance."""
        c, w = np.unravel_index(int(np.argmax(self.importance)), self.importance.shape)
        start, stop = self.windows_s[w]
        return {"channel": self.ch_names[c], "window_s": [float(start), float(stop)],
                "importance": float(self.importance[c, w]),
                "significant": bool(self.significant[c, w]),
                "peak_window_s": [float(v) for v in self.windows_s[int(np.argmax(
                    self.time_course()))]]}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary (no per-trial values), e.g. for ``metrics.json``."""
        def rows(a: np.ndarray) -> list[list[float]]:
            return [[round(float(v), 6) for v in row] for row in a]

        return {
            "scoring": self.scoring, "method": self.method, "n_trials": self.n_trials,
            "n_repeats": self.n_repeats, "n_permutations": self.n_permutations,
            "alpha": self.alpha, "level": self.level,
            "baseline_score": round(float(self.baseline_score), 6),
            "ch_names": list(self.ch_names),
            "windows_s": rows(self.windows_s),
            "importance": rows(self.importance), "ci_low": rows(self.ci_low),
            "ci_high": rows(self.ci_high), "q_values": rows(self.q_values),
            "significant": [[bool(v) for v in row] for row in self.significant],
            "n_significant": int(self.significant.sum()),
            "peak": self.peak(),
        }

    def to_evoked(self, info: Any = None, *, which: str = "importance") -> Any:
        """The importance as an :class:`mne.EvokedArray` (one "sample" per window).

        See :func:`neucube.inspection.importance_to_evoked`.
        """
        from neucube.inspection.evoked import importance_to_evoked

        return importance_to_evoked(self, info, which=which)

    @classmethod
    def pool(cls, results: Sequence[ChannelTimeImportance], *, random_state: Any = None,
             n_boot: int = 1000) -> ChannelTimeImportance:
        """Pool results on disjoint test trials (e.g. cross-validation folds) into one.

        The per-trial drops are concatenated and the statistics recomputed over all trials.
        """
        if not results:
            raise ValueError("ChannelTimeImportance.pool 'results': expected at least one "
                             "result; found none.")
        first = results[0]
        for r in results[1:]:
            if r.importance.shape != first.importance.shape or r.ch_names != first.ch_names \
                    or not np.array_equal(r.window_edges, first.window_edges):
                raise ValueError("ChannelTimeImportance.pool 'results': expected equal channels "
                                 "and windows; found different ones.")
        per_trial = np.concatenate([r.per_trial for r in results])
        weights = np.array([r.n_trials for r in results], dtype=np.float64)
        baseline = float(np.average([r.baseline_score for r in results], weights=weights))
        stats = _summarise(per_trial, alpha=first.alpha, level=first.level,
                           n_permutations=first.n_permutations, n_boot=n_boot,
                           rng=check_random_state(random_state))
        return replace(first, per_trial=per_trial, baseline_score=baseline, **stats)


def _summarise(per_trial: np.ndarray, *, alpha: float, level: float, n_permutations: int,
               n_boot: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    low, high = bootstrap_interval(per_trial, n_boot=n_boot, level=level, rng=rng)
    p = sign_flip_pvalues(per_trial, n_permutations=n_permutations, rng=rng)
    q = fdr_bh(p)
    return {"importance": per_trial.mean(axis=0), "ci_low": low, "ci_high": high,
            "p_values": p, "q_values": q, "significant": q <= alpha}


def _trial_scores(proba: np.ndarray, classes: np.ndarray, y: np.ndarray, scoring: str
                  ) -> np.ndarray:
    """Per-trial score from probabilities whose columns follow ``classes``."""
    true_col = np.searchsorted(classes, y)
    if scoring == "accuracy":
        return (np.argmax(proba, axis=1) == true_col).astype(np.float64)
    return proba[np.arange(len(y)), true_col]


def _is_neucube(estimator: Any) -> bool:
    return all(hasattr(estimator, a) for a in ("encoder_", "reservoir_", "readout_", "encode"))


def _scorer(estimator: Any, y: np.ndarray, scoring: str, *, spikes: bool
            ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``score(batch, trial_index)``: per-trial scores of a batch of (possibly shuffled) trials."""
    if spikes:
        reservoir, readout = estimator.reservoir_, estimator.readout_
        classes = np.asarray(readout.classes_)

        def proba(batch: np.ndarray) -> np.ndarray:
            return np.asarray(readout.predict_proba(reservoir.transform(batch)))
    else:
        classes = np.asarray(estimator.classes_)
        if not hasattr(estimator, "predict_proba"):
            if scoring == "probability":
                raise TypeError(f"{_OWNER} 'scoring': 'probability' needs an estimator with "
                                f"predict_proba; found {type(estimator).__name__} without it "
                                "(use scoring='accuracy').")

            def proba(batch: np.ndarray) -> np.ndarray:
                pred = np.asarray(estimator.predict(batch))
                return (pred[:, None] == classes[None, :]).astype(np.float64)
        else:
            def proba(batch: np.ndarray) -> np.ndarray:
                return np.asarray(estimator.predict_proba(batch))
    order = np.argsort(classes)
    classes_sorted = classes[order]
    missing = np.setdiff1d(np.unique(y), classes_sorted)
    if missing.size:
        raise ValueError(f"{_OWNER} 'y': expected labels among the model's classes "
                         f"{classes_sorted.tolist()}; found {missing.tolist()}.")

    def score(batch: np.ndarray, trials: np.ndarray) -> np.ndarray:
        return _trial_scores(proba(batch)[:, order], classes_sorted, y[trials], scoring)

    return score


def channel_time_importance(
    estimator: Any,
    X: Any,
    y: Any = None,
    *,
    n_windows: int = 9,
    n_repeats: int = 1,
    scoring: str = "probability",
    alpha: float = 0.05,
    level: float = 0.95,
    n_permutations: int = 2000,
    n_boot: int = 1000,
    batch_trials: int = 2048,
    random_state: None | int | np.random.Generator = None,
    verbose: bool = False,
) -> ChannelTimeImportance:
    """Permutation importance of every channel in every time window, with CIs and FDR.

    Parameters
    ----------
    estimator : fitted classifier
        A :class:`~neucube.NeuCubeClassifier` (spikes are shuffled and run through the frozen
        cube) or any fitted classifier on ``(n_trials, n_channels, n_times)`` arrays (the raw
        signal is shuffled).
    X : TrialSet, mne.Epochs or array-like of shape (n_trials, n_channels, n_times)
        Test trials (never the training trials: importance on them says what was memorised).
    y : array-like of shape (n_trials,), optional
        Labels; default the TrialSet's/Epochs' labels.
    n_windows : int, default=9
        Equal time windows per trial (9 gives 100 ms windows for a -0.1..0.8 s epoch).
    n_repeats : int, default=1
        Shuffles per cell; the per-trial drop is their mean.
    scoring : {"probability", "accuracy"}, default="probability"
        Per-trial score: predicted probability of the true class (smoother), or correctness.
    alpha : float, default=0.05
        FDR level of ``significant``.
    level : float, default=0.95
        Confidence level of the bootstrap interval.
    n_permutations, n_boot : int, default=2000, 1000
        Sign flips of the permutation test; bootstrap resamples.
    batch_trials : int, default=2048
        Shuffled trials per call of the frozen model (bounds memory).
    random_state : None, int or Generator
        Seeds the shuffles, the test and the bootstrap.
    verbose : bool, default=False
        Log progress at INFO level.

    Returns
    -------
    ChannelTimeImportance
    """
    check_option("scoring", scoring, SCORINGS, owner=_OWNER)
    n_repeats = check_int("n_repeats", n_repeats, low=1, high=1000, owner=_OWNER)
    alpha = check_number("alpha", alpha, low=0.0, high=1.0, low_inclusive=False, owner=_OWNER)
    level = check_number("level", level, low=0.0, high=1.0, low_inclusive=False,
                         high_inclusive=False, owner=_OWNER)
    n_permutations = check_int("n_permutations", n_permutations, low=1, high=10**6, owner=_OWNER)
    n_boot = check_int("n_boot", n_boot, low=1, high=10**6, owner=_OWNER)
    batch_trials = check_int("batch_trials", batch_trials, low=1, owner=_OWNER)
    if not hasattr(estimator, "classes_"):
        raise TypeError(f"{_OWNER} 'estimator': expected a fitted classifier; found "
                        f"{type(estimator).__name__} without classes_ (call fit first).")
    rng = check_random_state(random_state)
    data = read_model_input(X, y)
    if data.y is None:
        raise ValueError(f"{_OWNER} 'y': expected labels (pass y, or a TrialSet/mne.Epochs with "
                         "labels); found None.")
    labels = np.asarray(data.y)
    spikes = _is_neucube(estimator)
    base = estimator.encode(X) if spikes else np.asarray(data.X, dtype=np.float64)
    if base.ndim != 3 or base.shape[0] != labels.size:
        raise ValueError(f"{_OWNER} 'X': expected {labels.size} trials of shape (n_channels, "
                         f"n_times); found an array of shape {base.shape}.")
    if labels.size < 2:
        raise ValueError(f"{_OWNER} 'X': expected at least 2 test trials to shuffle; found "
                         f"{labels.size}.")
    n_trials, n_channels, n_times = base.shape
    edges = time_windows(n_times, n_windows)
    score = _scorer(estimator, labels, scoring, spikes=spikes)
    everyone = np.arange(n_trials)
    baseline = score(base, everyone)

    cells = [(r, c, w) for r in range(n_repeats) for c in range(n_channels)
             for w in range(n_windows)]
    perms = [rng.permutation(n_trials) for _ in cells]
    drops = np.zeros((n_repeats, n_channels, n_windows, n_trials))
    per_batch = max(1, batch_trials // n_trials)
    level_log = logging.INFO if verbose else logging.DEBUG
    for start in range(0, len(cells), per_batch):
        chunk = cells[start:start + per_batch]
        batch = np.repeat(base[None], len(chunk), axis=0)
        for k, (_, c, w) in enumerate(chunk):
            lo, hi = edges[w], edges[w + 1]
            batch[k, :, c, lo:hi] = base[perms[start + k], c, lo:hi]
        scores = score(batch.reshape(-1, n_channels, n_times), np.tile(everyone, len(chunk)))
        for k, (r, c, w) in enumerate(chunk):
            drops[r, c, w] = baseline - scores[k * n_trials:(k + 1) * n_trials]
        logger.log(level_log, "%s: %d/%d shuffled variants scored", _OWNER,
                   min(start + per_batch, len(cells)), len(cells))
    per_trial = drops.mean(axis=0).transpose(2, 0, 1)
    stats = _summarise(per_trial, alpha=alpha, level=level, n_permutations=n_permutations,
                       n_boot=n_boot, rng=rng)
    ch_names = tuple(data.ch_names or getattr(estimator, "ch_names_", None)
                     or (f"ch{i}" for i in range(n_channels)))
    coords = data.coords if data.coords is not None else getattr(estimator, "coords_", None)
    space = data.space if data.coords is not None else ("mni" if coords is not None else None)
    return ChannelTimeImportance(
        per_trial=per_trial, baseline_score=float(baseline.mean()), window_edges=edges,
        ch_names=ch_names,
        sfreq=data.sfreq if data.sfreq is not None else getattr(estimator, "sfreq_", None),
        tmin=data.tmin if data.tmin is not None else getattr(estimator, "tmin_", None),
        coords=None if coords is None else np.asarray(coords, dtype=np.float64), space=space,
        scoring=scoring, alpha=alpha, level=level, n_repeats=n_repeats,
        n_permutations=n_permutations, method="spikes" if spikes else "signal", **stats,
    )
