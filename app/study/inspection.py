"""Moved to :mod:`neucube.inspection.folds` (imported from here by the study runner)."""

from neucube.inspection.folds import (
           N_WINDOWS,
           early_curves,
           fold_inspection,
           inspection_metrics,
           pooled_importance,
)

__all__ = ["fold_inspection", "pooled_importance", "early_curves", "inspection_metrics",
           "N_WINDOWS"]
