"""Ablation controls: what the cube and its STDP add over the model's own input.

Two reviewers' questions get a model each, run on the same folds as the NeuCube model:

``encoder_only``
    The model's encoder and readout without the cube: the readout (with its own inner
    selection, e.g. the state readout's ``C="auto"``) learns from the encoded input spikes, one
    "neuron" per channel and polarity. The encoder is fitted on the fold's training trials
    exactly as the full model fits it, so its thresholds are the model's thresholds.
``no_stdp``
    The same cube, connectivity seed and readout with STDP off (``n_rounds=0``): the readout
    reads the cube with its initial weights.

The shuffled-label control (:mod:`neucube.evaluation.cross_validation`) says whether anything
leaks; these say whether the cube, and its learning, carry information the input did not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from neucube._inputs import read_model_input
from neucube.classifier import NeuCubeClassifier
from neucube.cube.raster import SpikeRaster

__all__ = [
    "ABLATIONS",
    "ABLATION_SUFFIX",
    "EncoderOnlyClassifier",
    "encoder_raster",
    "make_ablation",
    "ablation_skip_reason",
]

#: Ablation controls by name, with what each one removes from the model.
ABLATIONS: dict[str, str] = {
    "encoder_only": "the model's readout on the encoded input spikes, without the cube",
    "no_stdp": "the model's cube and readout with STDP off (n_rounds = 0)",
}

#: Suffix of each ablation's rows in the result tables (after the model's name).
ABLATION_SUFFIX: dict[str, str] = {
    "encoder_only": " (encoder only)",
    "no_stdp": " (no STDP)",
}


def encoder_raster(spikes: np.ndarray) -> SpikeRaster:
    """The encoded spikes as a raster the readouts read: one neuron per channel and polarity.

    Parameters
    ----------
    spikes : ndarray of shape (n_trials, n_channels, n_times)
        Encoder output in {-1, 0, 1}.

    Returns
    -------
    SpikeRaster
        ``2 * n_channels`` neurons: neuron ``c`` fires at the positive spikes of channel ``c``,
        neuron ``n_channels + c`` at its negative ones (as the cube's input neuron pairs).
    """
    spikes = np.asarray(spikes)
    if spikes.ndim != 3:
        raise ValueError(f"encoder_raster 'spikes': expected a 3-D array (n_trials, n_channels, "
                         f"n_times); found shape {spikes.shape}")
    return SpikeRaster.from_dense(np.concatenate([spikes > 0, spikes < 0], axis=1))


class EncoderOnlyClassifier(ClassifierMixin, BaseEstimator):
    """A NeuCube model without its cube: encoder, then the model's readout on the input spikes.

    Parameters
    ----------
    model : NeuCubeClassifier
        The model whose encoder and readout (with all their parameters) are used; it is cloned,
        never fitted.

    Attributes
    ----------
    classes_ : ndarray
        Class labels.
    encoder_ : estimator
        The encoder, fitted on the training trials (the same thresholds ``model.fit`` learns).
    readout_ : estimator
        The readout, fitted on :func:`encoder_raster` of the training trials.
    """

    def __init__(self, model: NeuCubeClassifier | None = None) -> None:
        self.model = model

    def __sklearn_tags__(self):  # noqa: ANN204
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.classifier_tags.poor_score = True
        return tags

    def _template(self) -> NeuCubeClassifier:
        if not isinstance(self.model, NeuCubeClassifier):
            raise TypeError(f"The 'model' parameter of EncoderOnlyClassifier must be a "
                            f"NeuCubeClassifier; got {self.model!r}.")
        template = clone(self.model)
        template._check_params()
        return template

    def fit(self, X: Any, y: Any = None) -> EncoderOnlyClassifier:
        """Fit the encoder and the readout on the training trials ``X`` (no cube)."""
        template = self._template()
        data = read_model_input(X, y)
        # The model's own input checks, so both see identical arrays.
        arr = template._as_trials(data, reset=True)
        if data.y is None:
            raise ValueError("EncoderOnlyClassifier requires y to be passed, but the target y is "
                             "None: pass y, or a TrialSet/mne.Epochs with labels.")
        labels = column_or_1d(data.y, warn=True)
        check_classification_targets(labels)
        self.classes_ = np.unique(labels)
        self.encoder_ = template._make_encoder().fit(arr)
        self.readout_ = template._make_readout().fit(encoder_raster(self.encoder_.transform(arr)),
                                                     labels)
        self.n_channels_ = arr.shape[1]
        return self

    def _raster(self, X: Any) -> SpikeRaster:
        check_is_fitted(self)
        arr = np.asarray(read_model_input(X).X, dtype=np.float64)
        if arr.ndim == 2:
            arr = arr[:, None, :]
        if arr.ndim != 3 or arr.shape[1] != self.n_channels_:
            raise ValueError(f"X: expected trials of shape (n_trials, {self.n_channels_}, "
                             f"n_times); found shape {arr.shape}")
        return encoder_raster(self.encoder_.transform(arr))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities of the readout, columns in ``classes_`` order."""
        return self.readout_.predict_proba(self._raster(X))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class of each trial."""
        return self.readout_.predict(self._raster(X))


def ablation_skip_reason(name: str, model: Any) -> str | None:
    """Why ablation ``name`` cannot run for ``model`` (``None``: it can)."""
    if name not in ABLATIONS:
        raise ValueError(f"The 'ablations' parameter must name controls among "
                         f"{', '.join(map(repr, ABLATIONS))}; got {name!r}.")
    if not isinstance(model, NeuCubeClassifier):
        return (f"needs a NeuCubeClassifier to ablate; the model is a {type(model).__name__} "
                "(e.g. a parameter search: run the chosen setting with `neucube run`)")
    if name == "no_stdp" and model.n_rounds == 0:
        return "the model already runs without STDP (n_rounds = 0)"
    return None


def make_ablation(name: str, model: NeuCubeClassifier) -> BaseEstimator:
    """The unfitted control ``name`` (one of :data:`ABLATIONS`) of ``model``.

    Raises ``ValueError`` with the reason when it does not apply (see
    :func:`ablation_skip_reason`).
    """
    reason = ablation_skip_reason(name, model)
    if reason is not None:
        raise ValueError(f"ablation {name!r}: {reason}")
    if name == "encoder_only":
        return EncoderOnlyClassifier(model=clone(model))
    return clone(model).set_params(n_rounds=0)
