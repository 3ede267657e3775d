"""Leakage-safe evaluation of NeuCube models next to standard baselines."""

from neucube.evaluation.baselines import BASELINES, ChannelFeatures, make_baseline, window_means
from neucube.evaluation.cross_validation import (
    METRICS,
    SCHEMES,
    EvaluationResult,
    cv_splits,
    evaluate,
    run_fold,
)

__all__ = [
    "BASELINES",
    "ChannelFeatures",
    "EvaluationResult",
    "METRICS",
    "SCHEMES",
    "cv_splits",
    "evaluate",
    "run_fold",
    "make_baseline",
    "window_means",
]
