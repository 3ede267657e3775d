"""Plain-language names of models, readouts and schemes, with the technical name for tooltips.

The pages show :func:`plain_name` and :func:`encoder_name` (from :mod:`neucube.model_names`,
which the figures use too); the technical name (the key a study file and the results
tables use) goes into the help text, so a student reads "Logistic regression on the whole
epoch" and can still find ``vectorizer_logreg`` in the exported files.
"""

from __future__ import annotations

from neucube.model_names import BASELINE_NAMES, encoder_name, plain_name

__all__ = ["BASELINE_NAMES", "encoder_name", "plain_name", "technical_note"]


def technical_note(name: str) -> str:
    """Tooltip text naming the technical name used in study files and exported tables."""
    return f"In study files and exported tables: {name}"
