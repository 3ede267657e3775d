"""``metrics.json``: cross-validated scores per fold and aggregated, for the model and baselines.

Layout (``metrics.schema.json`` beside this module is the JSON Schema)::

    {
      "study": "familiarity", "seed": 0, "primary_scheme": "per_subject",
      # the primary (first) scheme, at top level:
      "scheme": ..., "seeds": [...], "class_names": [...], "n_folds": ..., "chance_level": ...,
      "model": {"name": "neucube", "accuracy": {"mean", "std", "std_over_seeds"},
                "balanced_accuracy": {...}, "roc_auc": {...}, "confusion": [[...]]},
      "baselines": {"vectorizer_logreg": {...}, ...},
      "control": {"neucube (shuffled labels)": {...}},
      "folds": [{"model", "seed", "fold", "subject", "n_train", "n_test",
                 "accuracy", "balanced_accuracy", "roc_auc"}, ...],
      "early_prediction": {"fractions": [...], "accuracy": [...], "accuracy_std": [...]},
      # every scheme, the primary one included:
      "schemes": {"per_subject": {...same keys...}, "stratified": {...}}
    }

The document holds no wall-clock times, so the same study and seed give byte-identical files
(fit times are in ``folds.csv``, run times in ``summary.json``). Undefined scores (ROC-AUC on
a one-class fold) are ``null``: the file is strict JSON.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

import numpy as np

from neucube.evaluation import EvaluationResult

__all__ = [
    "scheme_metrics",
    "metrics_document",
    "dumps",
    "METRICS_SCHEMA",
    "early_summary",
    "without_folds",
]

_ROW_KEYS = ("model", "seed", "fold", "subject", "n_train", "n_test", "accuracy",
             "balanced_accuracy", "roc_auc")


def _clean(value: Any) -> Any:
    """JSON-safe: NumPy scalars to Python, NaN/inf to None."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def early_summary(extras: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Mean and SD over folds of the early-prediction accuracy at each fraction of the trial."""
    from neucube.evaluation.early_prediction import summarise_curves

    curves = [e["early"] for e in extras if "early" in e]
    return summarise_curves(curves) if curves else None


def scheme_metrics(
    result: EvaluationResult, extras: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """One scheme's metrics: ``EvaluationResult.to_dict()``, per-fold rows and the early curve."""
    doc = result.to_dict()
    doc["folds"] = [
        {k: row[k] for k in _ROW_KEYS} for row in result.folds.to_dict(orient="records")
    ]
    early = early_summary(extras)
    if early is not None:
        doc["early_prediction"] = early
    return _clean(doc)


def metrics_document(study: str, seed: int, schemes: Mapping[str, Mapping[str, Any]],
                     **extra: Any) -> dict[str, Any]:
    """The whole ``metrics.json``: the first scheme at top level, every scheme under ``schemes``."""
    primary = next(iter(schemes))
    return _clean({"study": study, "seed": seed, "primary_scheme": primary, **schemes[primary],
                   **extra, "schemes": dict(schemes)})


def without_folds(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The metrics without the per-fold rows (for ``summary.json``)."""
    out = {k: v for k, v in doc.items() if k != "folds"}
    if "schemes" in out:
        out["schemes"] = {s: without_folds(v) for s, v in out["schemes"].items()}
    return out


def dumps(doc: Mapping[str, Any]) -> str:
    """Strict JSON text (no NaN), two-space indented, with a final newline."""
    return json.dumps(doc, indent=2, allow_nan=False) + "\n"


def _load_schema() -> dict[str, Any]:
    return json.loads(
        resources.files("neucube_study").joinpath("metrics.schema.json").read_text(encoding="utf-8")
    )


#: JSON Schema (draft 2020-12) of ``metrics.json``.
METRICS_SCHEMA: dict[str, Any] = _load_schema()
