"""Plain-language names of the models in a results table, for pages and figures.

A results table names its rows by technical keys: the model (``"neucube"``), the baselines of
:data:`neucube.evaluation.BASELINES` (``"vectorizer_logreg"``), and the model's controls, which
append a suffix to its name (``"neucube (no STDP)"``, ``"neucube (shuffled labels)"``). Figures
and the web app show :func:`plain_name` instead, so a student reads "Logistic regression on the
whole epoch"; the technical key stays in files and tooltips. Spike encoders
have plain names too (:func:`encoder_name`). This module imports only the standard library, so
the app's pages can use it without loading the evaluation code.
"""

from __future__ import annotations

import re

__all__ = ["BASELINE_NAMES", "CONTROL_WORDS", "ENCODER_NAMES", "encoder_name", "plain_name"]

#: Baselines of :data:`neucube.evaluation.BASELINES`, in words.
BASELINE_NAMES: dict[str, str] = {
    "vectorizer_logreg": "Logistic regression on the whole epoch",
    "channel_features_logreg": "Logistic regression on channel amplitude features",
    "window_means_logreg": "Logistic regression on time-window means",
    "lda_window_means": "Shrinkage LDA on time-window means (classic ERP decoder)",
    "xdawn_tangent_logreg": "xDAWN + Riemannian tangent space (MOABB's ERP reference)",
    "tangent_space_logreg": "Riemannian tangent space of channel covariances",
    "riemann_mdm": "Minimum distance to Riemannian class means",
}

#: Spike encoders by their study key (``encoder = "tbr"``), in words.
ENCODER_NAMES: dict[str, str] = {
    "tbr": "TBR (threshold-based) encoder",
    "step_forward": "Step-forward encoder",
    "moving_window": "Moving-window encoder",
    "bsa": "BSA (Ben's Spiker Algorithm) encoder",
}

#: Suffix the evaluation appends to the model's name for each control
#: (:data:`neucube.evaluation.controls.ABLATION_SUFFIX`, the shuffled-label control's
#: ``CONTROL_SUFFIX``), in words.
CONTROL_WORDS: dict[str, str] = {
    " (shuffled labels)": "shuffled-label control",
    " (encoder only)": "without the cube (encoder only)",
    " (no STDP)": "without STDP learning",
}


def plain_name(name: str, model_name: str = "neucube") -> str:
    """The model ``name`` of a results table in words (unknown names are returned as they are).

    Parameters
    ----------
    name : str
        A ``model`` value of :attr:`EvaluationResult.folds
        <neucube.evaluation.EvaluationResult.folds>`.
    model_name : str, default="neucube"
        The evaluated model's own name (``EvaluationResult.model_name``), shown as "NeuCube".

    Returns
    -------
    str

    Examples
    --------
    >>> plain_name("vectorizer_logreg")
    'Logistic regression on the whole epoch'
    >>> plain_name("neucube (shuffled labels)")
    'NeuCube, shuffled-label control'
    """
    for suffix, words in CONTROL_WORDS.items():
        if name.endswith(suffix):
            return f"{plain_name(name[: -len(suffix)], model_name)}, {words}"
    if name == model_name:
        return "NeuCube"
    return BASELINE_NAMES.get(name, name)


def encoder_name(encoder: object) -> str:
    """A spike encoder (an instance, its class or its study key) in words.

    Examples
    --------
    >>> encoder_name("step_forward")
    'Step-forward encoder'
    >>> encoder_name("BSAEncoder")
    "BSA (Ben's Spiker Algorithm) encoder"
    """
    if not isinstance(encoder, str):
        encoder = (encoder if isinstance(encoder, type) else type(encoder)).__name__
    # The class name without "Encoder", in snake case: StepForwardEncoder -> step_forward.
    key = encoder.removesuffix("Encoder")
    key = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", key).lower()
    return ENCODER_NAMES.get(key, ENCODER_NAMES.get(encoder, encoder))
