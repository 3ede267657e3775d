"""Leakage-safe evaluation of NeuCube models next to standard baselines."""

from neucube.evaluation.baselines import BASELINES, ChannelFeatures, make_baseline, window_means
from neucube.evaluation.cross_validation import METRICS, SCHEMES, EvaluationResult, evaluate

__all__ = [
    "BASELINES",
    "ChannelFeatures",
    "EvaluationResult",
    "METRICS",
    "SCHEMES",
    "evaluate",
    "make_baseline",
    "window_means",
]
