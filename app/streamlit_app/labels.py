"""Plain-language names of models, readouts and schemes, with the technical name for tooltips.

The pages show :func:`plain_name`; the technical name (the key a study file and the results
tables use) goes into the help text, so a student reads "Logistic regression on the whole
epoch" and can still find ``vectorizer_logreg`` in the exported files.
"""

from __future__ import annotations

__all__ = ["BASELINE_NAMES", "plain_name", "technical_note"]

#: Baselines of :mod:`neucube.evaluation.baselines`, in words.
BASELINE_NAMES = {
    "vectorizer_logreg": "Logistic regression on the whole epoch",
    "channel_features_logreg": "Logistic regression on channel amplitude features",
    "window_means_logreg": "Logistic regression on time-window means",
    "lda_window_means": "Shrinkage LDA on time-window means (classic ERP decoder)",
    "xdawn_tangent_logreg": "xDAWN + Riemannian tangent space (MOABB's ERP reference)",
    "tangent_space_logreg": "Riemannian tangent space of channel covariances",
    "riemann_mdm": "Minimum distance to Riemannian class means",
}

#: Suffixes the evaluation appends to a model's name for its controls.
_SUFFIXES = {
    " (shuffled labels)": "shuffled-label control",
    " (encoder only)": "without the cube (encoder only)",
    " (no STDP)": "without STDP learning",
}


def plain_name(name: str, model_name: str = "neucube") -> str:
    """The model ``name`` of a results table in words (unknown names are returned as they are).

    Examples
    --------
    >>> plain_name("vectorizer_logreg")
    'Logistic regression on the whole epoch'
    >>> plain_name("neucube (shuffled labels)")
    'NeuCube, shuffled-label control'
    """
    for suffix, words in _SUFFIXES.items():
        if name.endswith(suffix):
            return f"{plain_name(name[: -len(suffix)], model_name)}, {words}"
    if name == model_name:
        return "NeuCube"
    return BASELINE_NAMES.get(name, name)


def technical_note(name: str) -> str:
    """Tooltip text naming the technical name used in study files and exported tables."""
    return f"In study files and exported tables: {name}"
