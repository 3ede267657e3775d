"""``NeuCubeClassifier``: spike encoder -> brain-shaped STDP reservoir -> deSNN readout.

One scikit-learn classifier composes the whole NeuCube pipeline, so that it can be
cross-validated, grid-searched and pipelined like any other. ``fit`` learns everything from the
training trials only, in this order:

1. the encoder's per-channel thresholds;
2. the reservoir's weights, by unsupervised STDP over the training trials (``n_rounds``);
3. (weights frozen) the spike raster of every training trial;
4. the readout (deSNN, or any classifier that reads rasters).

Test trials are only ever encoded with the training thresholds and run through the frozen cube.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from neucube._inputs import read_model_input
from neucube._validation import check_option
from neucube.cube.raster import SpikeRaster
from neucube.cube.reservoir import Reservoir
from neucube.cube.template import brain_template, grid_template
from neucube.encoding import BSAEncoder, MovingWindowEncoder, StepForwardEncoder, TBREncoder
from neucube.readout import DEFAULT_FRACTIONS, DeSNNClassifier
from neucube.spaces import convert_coords

__all__ = ["NeuCubeClassifier", "ENCODERS"]

logger = logging.getLogger(__name__)

#: Encoders by name (the ``encoder`` parameter).
ENCODERS = {
    "tbr": TBREncoder,
    "step_forward": StepForwardEncoder,
    "moving_window": MovingWindowEncoder,
    "bsa": BSAEncoder,
}

_OWNER = "NeuCubeClassifier"


def _spread_inputs(template: np.ndarray, n_channels: int) -> np.ndarray:
    """Deterministic farthest-point sample of ``n_channels`` template positions.

    Used when trials carry no coordinates (data without spatial meaning): inputs are spread over
    the whole cube instead of being crowded into one corner.
    """
    centre = template.mean(axis=0)
    chosen = [int(np.argmin(np.linalg.norm(template - centre, axis=1)))]
    dist = np.linalg.norm(template - template[chosen[0]], axis=1)
    for _ in range(1, n_channels):
        nxt = int(np.argmax(dist))
        chosen.append(nxt)
        dist = np.minimum(dist, np.linalg.norm(template - template[nxt], axis=1))
    return template[chosen]


class NeuCubeClassifier(ClassifierMixin, BaseEstimator):
    """NeuCube spiking neural network classifier for spatiotemporal data (EEG, fMRI).

    Parameters
    ----------
    encoder : {"tbr", "step_forward", "moving_window", "bsa"} or encoder instance, default="tbr"
        Spike encoder (see :mod:`neucube.encoding`); an instance is cloned.
    encoder_threshold : None, "auto", float or array-like, default=None
        The encoder's ``threshold`` (None: its data-driven rule; "auto": per-channel SNR
        search on the training trials). Ignored when ``encoder`` is an instance.
    encoder_alpha : float, default=0.5
        TBR/step-forward/moving-window: weight of the standard deviation in the default
        threshold rule. Ignored for BSA and instances.
    coords : array-like of shape (n_channels, 3), optional
        Channel coordinates in mm, for array input; a TrialSet's or Epochs' own coordinates are
        used otherwise. Without any, inputs are spread evenly over the cube (non-spatial data).
    coords_space : {"mni", "talairach", "grid"}, default="mni"
        Space of ``coords``. Talairach coordinates are converted to MNI for the brain template.
    template : "brain", "grid" or array-like of shape (n_neurons, 3), default="brain"
        Neuron positions: the MNI152 brain at ``spacing_mm``, a regular grid spanning the
        channel coordinates, or given positions.
    spacing_mm : float, default=10.0
        Template spacing in mm (10 mm gives ~1.5k neurons in the brain).
    radius : float, default=2.5
        Connection radius, in multiples of the spacing.
    connectivity : {"small_world", "gaussian"}, default="small_world"
        Connection rule of the cube.
    threshold, leak, refractory : float, float, int, default=0.5, 0.002, 6
        NeuCube SLIF neuron: firing threshold, leak per step and refractory steps.
    neuron_model : {"slif", "lif"}, default="slif"
        Neuron model of the cube.
    stdp_rate : float, default=0.001
        STDP amplitude (A+ = A-).
    tau_stdp : float, default=10.0
        STDP time constant, in steps.
    n_rounds : int, default=1
        STDP passes over the training trials (0: no learning).
    readout : "desnn" or estimator, default="desnn"
        The deSNN classifier, or any classifier that accepts a
        :class:`~neucube.cube.raster.SpikeRaster` (e.g. a pipeline starting with
        :class:`~neucube.readout.SpikeCountFeatures`), which is cloned.
    mod, drift_up, drift_down : float, default=0.8, 0.005, 0.005
        deSNN rank-order modulation and weight drift.
    recall : {"wknn", "psp"}, default="wknn"
        deSNN recall (NeuCube software's weighted k-NN, or the paper's PSP race).
    k, sigma, c : int, float, float, default=3, 1.0, 0.7
        deSNN recall parameters (neighbours and kernel width of wknn; PSP fraction of psp).
    backend : {"cpp_standalone", "cython", "numpy", "reference"}, default="cpp_standalone"
        Simulator of the cube. ``cpp_standalone`` compiles once per network structure and
        reuses the build.
    random_state : None or int, default=None
        Seed of the cube's connectivity (the only random choice).
    verbose : bool, default=False
        Log progress (compile, STDP rounds) at INFO level.

    Attributes
    ----------
    classes_ : ndarray
        Class labels.
    encoder_, reservoir_, readout_ : estimators
        The fitted parts.
    coords_ : ndarray of shape (n_channels, 3)
        Channel coordinates used by the cube (in the template's space).
    ch_names_ : tuple of str
        Channel names (from the TrialSet/Epochs, else ``ch0``, ``ch1``...).
    train_raster_ : SpikeRaster
        Spikes of the training trials in the frozen cube (what the readout learnt from).
    train_labels_ : ndarray
        Labels of the training trials.
    sfreq_, tmin_ : float or None
        Sampling rate and first sample time of the training trials, when known.
    n_features_in_ : int
        Number of channels.

    Examples
    --------
    >>> from data_loaders import simulate_familiarity            # doctest: +SKIP
    >>> from sklearn.model_selection import cross_val_score      # doctest: +SKIP
    >>> trials = simulate_familiarity(n_subjects=2, seed=0)     # doctest: +SKIP
    >>> clf = NeuCubeClassifier(random_state=0)                  # doctest: +SKIP
    >>> cross_val_score(clf, trials, trials.labels, cv=5)        # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        encoder: str | BaseEstimator = "tbr",
        encoder_threshold: Any = None,
        encoder_alpha: float = 0.5,
        coords: Any = None,
        coords_space: str = "mni",
        template: Any = "brain",
        spacing_mm: float = 10.0,
        radius: float = 2.5,
        connectivity: str = "small_world",
        threshold: float = 0.5,
        leak: float = 0.002,
        refractory: int = 6,
        neuron_model: str = "slif",
        stdp_rate: float = 0.001,
        tau_stdp: float = 10.0,
        n_rounds: int = 1,
        readout: str | BaseEstimator = "desnn",
        mod: float = 0.8,
        drift_up: float = 0.005,
        drift_down: float = 0.005,
        recall: str = "wknn",
        k: int = 3,
        sigma: float = 1.0,
        c: float = 0.7,
        backend: str = "cpp_standalone",
        random_state: int | None = None,
        verbose: bool = False,
    ) -> None:
        self.encoder = encoder
        self.encoder_threshold = encoder_threshold
        self.encoder_alpha = encoder_alpha
        self.coords = coords
        self.coords_space = coords_space
        self.template = template
        self.spacing_mm = spacing_mm
        self.radius = radius
        self.connectivity = connectivity
        self.threshold = threshold
        self.leak = leak
        self.refractory = refractory
        self.neuron_model = neuron_model
        self.stdp_rate = stdp_rate
        self.tau_stdp = tau_stdp
        self.n_rounds = n_rounds
        self.readout = readout
        self.mod = mod
        self.drift_up = drift_up
        self.drift_down = drift_down
        self.recall = recall
        self.k = k
        self.sigma = sigma
        self.c = c
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):  # noqa: ANN204 - sklearn.utils.Tags
        tags = super().__sklearn_tags__()
        # (n_trials, n_channels, n_times); a 2-D array is read as single-channel trials.
        tags.input_tags.three_d_array = True
        tags.classifier_tags.poor_score = True
        return tags

    # ------------------------------------------------------------------ building blocks
    def _make_encoder(self) -> BaseEstimator:
        if isinstance(self.encoder, str):
            kind = check_option("encoder", self.encoder, ENCODERS, owner=_OWNER)
            params: dict[str, Any] = {"threshold": self.encoder_threshold}
            if kind != "bsa":
                params["alpha"] = self.encoder_alpha
            return ENCODERS[kind](**params)
        if not (hasattr(self.encoder, "fit") and hasattr(self.encoder, "transform")):
            raise TypeError(
                f"The 'encoder' parameter of {_OWNER} must be one of "
                f"{', '.join(map(repr, ENCODERS))} or a spike encoder instance; got {self.encoder!r}."
            )
        return clone(self.encoder)

    def _make_readout(self) -> BaseEstimator:
        if isinstance(self.readout, str):
            check_option("readout", self.readout, ("desnn",), owner=_OWNER)
            return DeSNNClassifier(mod=self.mod, drift_up=self.drift_up, drift_down=self.drift_down,
                                   recall=self.recall, k=self.k, sigma=self.sigma, c=self.c)
        if not hasattr(self.readout, "fit") or not hasattr(self.readout, "predict"):
            raise TypeError(
                f"The 'readout' parameter of {_OWNER} must be 'desnn' or a classifier instance; "
                f"got {self.readout!r}."
            )
        return clone(self.readout)

    def _template_positions(self, coords: np.ndarray | None) -> Any:
        tpl = self.template
        if isinstance(tpl, str):
            check_option("template", tpl, ("brain", "grid"), owner=_OWNER)
            if tpl == "brain":
                return "brain"
            # A regular grid spanning the channels (padded by one spacing on every side).
            spacing = float(self.spacing_mm)
            if coords is None:
                return grid_template((10, 10, 10), spacing_mm=spacing)
            lo, hi = coords.min(axis=0) - spacing, coords.max(axis=0) + spacing
            shape = tuple(int(n) for n in np.maximum(np.ceil((hi - lo) / spacing) + 1, 2))
            return grid_template(shape, spacing_mm=spacing) + lo - 0.0
        return np.asarray(tpl, dtype=np.float64)

    def _resolve_coords(self, coords: np.ndarray | None, space: str | None, n_channels: int) -> np.ndarray:
        """Channel coordinates in the template's space."""
        if coords is None and self.coords is not None:
            coords, space = np.asarray(self.coords, dtype=np.float64), self.coords_space
            check_option("coords_space", space, ("mni", "talairach", "grid"), owner=_OWNER)
        if coords is not None and coords.shape != (n_channels, 3):
            raise ValueError(
                f"The 'coords' parameter of {_OWNER} must have shape ({n_channels}, 3), one row "
                f"per channel of X; got shape {coords.shape}."
            )
        if self.template == "brain":
            if coords is None:
                logger.warning(
                    "%s: no channel coordinates given; spreading the %d inputs evenly over the "
                    "brain template (pass coords=... or a TrialSet with coordinates).",
                    _OWNER, n_channels,
                )
                return _spread_inputs(brain_template(float(self.spacing_mm)), n_channels)
            if space == "talairach":
                return convert_coords(coords, "talairach", "mni")
            if space != "mni":
                raise ValueError(
                    f"{_OWNER}: channel coordinates are in space {space!r}, but the brain "
                    "template is in MNI space; use template='grid' (or your own positions) for "
                    "non-MNI coordinates, or convert them to MNI."
                )
        elif coords is None:
            return _spread_inputs(self._template_positions(None), n_channels)
        return coords

    def _encode_input(self, X: Any, y: Any = None, *, reset: bool) -> tuple[np.ndarray, Any]:
        data = read_model_input(X, y)
        arr = np.asarray(data.X) if not isinstance(data.X, list) else data.X
        if np.ndim(arr) == 2:  # single-channel trials: (n_trials, n_times)
            arr = np.asarray(arr)[:, None, :]
        arr = validate_data(self, arr, reset=reset, allow_nd=True, dtype=np.float64)
        if arr.ndim != 3:
            raise ValueError(
                f"X must be a 3-D array (n_trials, n_channels, n_times), a TrialSet or "
                f"mne.Epochs for {_OWNER}; got an array of shape {arr.shape}."
            )
        return arr, data

    # ------------------------------------------------------------------ API
    def fit(self, X: Any, y: Any = None) -> NeuCubeClassifier:
        """Fit encoder, reservoir (STDP) and readout on the training trials ``X``.

        Parameters
        ----------
        X : TrialSet, mne.Epochs or array-like of shape (n_trials, n_channels, n_times)
            Training trials.
        y : array-like of shape (n_trials,), optional
            Labels; defaults to the TrialSet's/Epochs' class names.

        Returns
        -------
        self : NeuCubeClassifier
        """
        arr, data = self._encode_input(X, y, reset=True)
        if data.y is None:
            raise ValueError(f"{_OWNER}.fit needs labels: pass y, or a TrialSet/Epochs with labels.")
        labels = np.asarray(data.y)
        if labels.ndim == 2 and labels.shape[1] == 1:
            labels = labels.ravel()
        if labels.shape != (arr.shape[0],):
            raise ValueError(f"y must have one label per trial ({arr.shape[0]}); got shape {labels.shape}.")
        check_classification_targets(labels)
        self.classes_ = np.unique(labels)
        if self.classes_.size < 2:
            raise ValueError(f"{_OWNER} needs at least 2 classes in y; got {self.classes_.tolist()}.")
        n_channels = arr.shape[1]
        self.n_channels_ = n_channels
        self.n_steps_in_ = arr.shape[2]
        self.ch_names_ = data.ch_names or tuple(f"ch{i}" for i in range(n_channels))
        self.sfreq_, self.tmin_ = data.sfreq, data.tmin
        self.coords_ = self._resolve_coords(data.coords, data.space, n_channels)

        self.encoder_ = self._make_encoder().fit(arr)
        spikes = self.encoder_.transform(arr)
        template = self._template_positions(self.coords_)
        self.reservoir_ = Reservoir(
            coords=self.coords_, spacing_mm=self.spacing_mm, template=template, radius=self.radius,
            connectivity=self.connectivity, threshold=self.threshold, leak=self.leak,
            refractory=self.refractory, neuron_model=self.neuron_model, stdp_rate=self.stdp_rate,
            tau_stdp=self.tau_stdp, n_rounds=self.n_rounds, backend=self.backend,
            random_state=self.random_state, verbose=self.verbose,
        ).fit(spikes)
        self.train_raster_ = self.reservoir_.transform(spikes)
        self.train_labels_ = labels
        self.readout_ = self._make_readout().fit(self.train_raster_, labels)
        return self

    def encode(self, X: Any) -> np.ndarray:
        """Spikes of ``X`` with the fitted encoder, shape ``(n_trials, n_channels, n_times)``."""
        check_is_fitted(self, "encoder_")
        arr, _ = self._encode_input(X, reset=False)
        return self.encoder_.transform(arr)

    def raster(self, X: Any) -> SpikeRaster:
        """Spikes of every cube neuron for the trials ``X`` (frozen weights)."""
        return self.reservoir_.transform(self.encode(X))

    def predict_proba(self, X: Any, stop: int | None = None) -> np.ndarray:
        """Class probabilities (normalised readout scores), columns in ``classes_`` order.

        ``stop`` uses only the first ``stop`` steps of each trial (early prediction; deSNN only).
        """
        raster = self.raster(X)
        if stop is not None:
            return self.readout_.predict_proba(raster, stop=stop)
        return self.readout_.predict_proba(raster)

    def predict(self, X: Any, stop: int | None = None) -> np.ndarray:
        """Predicted class of each trial (``stop``: early prediction from the first steps)."""
        raster = self.raster(X)
        if stop is not None:
            return self.readout_.predict(raster, stop=stop)
        return self.readout_.predict(raster)

    def early_predict_curve(
        self, X: Any, y: Any = None, fractions: Sequence[float] = DEFAULT_FRACTIONS
    ) -> np.ndarray:
        """Accuracy when predicting from the first ``fraction`` of each trial, per fraction.

        Returns an array aligned with ``fractions``. Only the deSNN readout supports it.
        """
        if not hasattr(self.readout_, "early_predict_curve"):
            raise TypeError(f"{_OWNER}.early_predict_curve needs readout='desnn'; got {self.readout!r}.")
        data = read_model_input(X, y)
        if data.y is None:
            raise ValueError(f"{_OWNER}.early_predict_curve needs labels: pass y or a TrialSet.")
        return np.asarray(self.readout_.early_predict_curve(self.raster(X), data.y, fractions=fractions))
