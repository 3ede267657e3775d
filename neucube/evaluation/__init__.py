"""Leakage-safe evaluation of NeuCube models next to standard baselines."""

from neucube.evaluation.baselines import (
    BASELINES,
    ChannelFeatures,
    baseline_skip_reason,
    make_baseline,
    window_means,
)
from neucube.evaluation.controls import ABLATIONS, EncoderOnlyClassifier, make_ablation
from neucube.evaluation.cross_validation import (
    METRICS,
    SCHEMES,
    EvaluationResult,
    applicable_baselines,
    cv_splits,
    evaluate,
    run_fold,
)
from neucube.evaluation.statistics import (
    corrected_resampled_ttest,
    paired_comparison,
    wilcoxon_pvalue,
)

__all__ = [
    "ABLATIONS",
    "BASELINES",
    "EncoderOnlyClassifier",
    "applicable_baselines",
    "baseline_skip_reason",
    "corrected_resampled_ttest",
    "make_ablation",
    "paired_comparison",
    "wilcoxon_pvalue",
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
