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

import hashlib
import logging
import os
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import accuracy_score
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from neucube._inputs import ModelInput, read_model_input
from neucube._validation import check_option
from neucube.cube.activity import activity_stats
from neucube.cube.raster import SpikeRaster
from neucube.cube.reservoir import Reservoir
from neucube.cube.template import brain_template, grid_template
from neucube.defaults import DEFAULTS, PUBLISHED
from neucube.encoding import BSAEncoder, MovingWindowEncoder, StepForwardEncoder, TBREncoder
from neucube.limits import (
    MAX_CHANNELS,
    MAX_TIMES,
    check_neuron_count,
    check_synapse_count,
    estimated_brain_neurons,
)
from neucube.params import ParamSpec, check_params, forward
from neucube.persistence import register_estimator, save_model
from neucube.progress import ProgressCallback
from neucube.readout import DEFAULT_FRACTIONS, DeSNNClassifier, StateClassifier
from neucube.spaces import convert_coords

__all__ = ["NeuCubeClassifier", "ENCODERS", "PUBLISHED_PARAMS", "READOUTS"]

logger = logging.getLogger(__name__)

#: Encoders by name (the ``encoder`` parameter).
ENCODERS = {
    "tbr": TBREncoder,
    "step_forward": StepForwardEncoder,
    "moving_window": MovingWindowEncoder,
    "bsa": BSAEncoder,
}

#: Named readouts (the ``readout`` parameter).
READOUTS = ("desnn", "state")

#: NeuCube's 2014 software settings (:meth:`NeuCubeClassifier.published`), from
#: :data:`neucube.defaults.PUBLISHED`.
PUBLISHED_PARAMS: dict[str, Any] = PUBLISHED

_OWNER = "NeuCubeClassifier"

#: The last test raster of each fitted classifier (see ``_raster_of``). Kept outside the
#: instances so that it is never part of their state (model files, pickles, clones).
_LAST_RASTER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _is_brain(template: Any) -> bool:
    """Whether the ``template`` parameter asks for the brain template (it may be an array)."""
    return isinstance(template, str) and template == "brain"


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


def _checked_by_encoder(name: str, value: Any, *, owner: str | None = None) -> None:
    """``encoder_threshold`` is checked by the encoder, which knows the channel count and
    whether its rule allows a zero threshold."""


_ENCODER = ("encoder", ("tbr", "step_forward", "moving_window"))
_DESNN = ("readout", ("desnn",))
_STATE = ("readout", ("state",))

class NeuCubeClassifier(ClassifierMixin, BaseEstimator):
    """NeuCube spiking neural network classifier for spatiotemporal data (EEG, fMRI).

    Parameters
    ----------
    encoder : {"tbr", "step_forward", "moving_window", "bsa"} or instance, default="bsa"
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
    stdp_rate : float or (float, float), default=(0.001, 0.002)
        STDP amplitude (A+ = A-), or the pair (A+, A-).
    tau_stdp : float or (float, float), default=10.0
        STDP time constant in steps, or the pair (tau+, tau-).
    n_rounds : int, default=1
        STDP passes over the training trials (0: no learning).
    weight_scale : float or "auto", default=1.0
        Factor on every initial weight of the cube (1: NeuCube's wiring). ``"auto"`` calibrates
        it on the training trials so that a share ``target_activity`` of the cube's non-input
        neurons fires in a typical trial (:mod:`neucube.cube.calibration`).
    target_activity : float, default=0.3
        Target of ``weight_scale="auto"`` and ``homeostasis``, in (0, 1).
    stdp_bound : {"hard", "soft"}, default="hard"
        NeuCube's additive STDP clipped at the weight limit, or soft-bound (weight-dependent)
        STDP whose changes vanish at the bounds, so repeated rounds converge.
    homeostasis : bool, default=False
        After each STDP round, rescale the weights back to ``target_activity`` (needs no
        ``weight_scale="auto"``; uses the same calibration).
    readout : {"desnn", "state"} or estimator, default="state"
        ``"desnn"``: the deSNN classifier (:class:`~neucube.readout.DeSNNClassifier`, with
        ``mod`` ... ``c`` below). ``"state"``: L2 logistic regression on the spike counts of
        every neuron in ``n_bins`` time bins (:class:`~neucube.readout.StateClassifier`, with
        ``n_bins`` and ``state_c``); it reads *when* neurons fire, which event-related data
        need. Or any classifier that accepts a :class:`~neucube.cube.raster.SpikeRaster` (e.g. a
        pipeline starting with :class:`~neucube.readout.SpikeCountFeatures`), which is cloned.
    mod, drift_up, drift_down : float, default=0.8, 0.005, 0.005
        deSNN rank-order modulation and weight drift.
    recall : {"wknn", "psp"}, default="wknn"
        deSNN recall (NeuCube software's weighted k-NN, or the paper's PSP race).
    k, sigma, c : int, float, float, default=3, 1.0, 0.7
        deSNN recall parameters (neighbours and kernel width of wknn; PSP fraction of psp).
    n_bins : int, default=20
        State readout: time bins per trial (50 ms each for 1 s trials).
    state_c : "auto" or float, default="auto"
        State readout: inverse L2 penalty; ``"auto"`` chooses it by cross-validation on the
        training trials only.
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
    activity_ : dict
        Activity of the cube (:func:`~neucube.cube.activity.activity_stats`): on the
        reservoir's calibration trials before and after STDP (``"before_stdp"``,
        ``"after_stdp"``, ``"stdp_spike_ratio"``), on every training trial in the frozen cube
        (``"train"``), and the weight scale used (``"weight_scale"``).
    encoder_, reservoir_, readout_ : estimators
        The fitted parts.
    coords_ : ndarray of shape (n_channels, 3)
        Channel coordinates used by the cube (in the template's space).
    ch_names_ : tuple of str
        Channel names (from the TrialSet/Epochs, else ``ch0``, ``ch1``...).
    ch_names_from_input_ : bool
        Whether ``fit``'s input named its channels; then ``predict`` refuses input whose
        channels have other names or another order. Likewise ``sfreq_`` (when known) and
        ``n_steps_in_`` must match the input of ``predict``.
    train_raster_ : SpikeRaster
        Spikes of the training trials in the frozen cube (what the readout learnt from).
    train_labels_ : ndarray
        Labels of the training trials.
    sfreq_, tmin_ : float or None
        Sampling rate and first sample time of the training trials, when known.
    n_channels_ : int
        Number of channels.
    n_steps_in_ : int
        Time samples per training trial.
    n_features_in_ : int
        Size of axis 1 of ``X`` in ``fit`` as scikit-learn counts it: the channels of 3-D
        input, the time samples of 2-D (single-channel) input.
    feature_names_in_ : ndarray of str
        Column names of a 2-D ``pandas.DataFrame`` given to ``fit`` (only then).

    Notes
    -----
    **Input.** ``X`` is a :class:`~neucube.data.TrialSet`, an ``mne.Epochs`` or an array of
    shape ``(n_trials, n_channels, n_times)``. A 2-D array ``(n_trials, n_times)`` is read as
    single-channel trials; as for any scikit-learn estimator its columns are then the features,
    so a model fitted on 2-D input predicts 2-D input of the same width (or single-channel 3-D
    input of the same length).

    **Model files.** :meth:`save` writes the fitted model as a folder or a ``.zip`` of NumPy
    arrays and JSON (no pickle); :func:`neucube.persistence.load_model` reads it back.

    Examples
    --------
    >>> from data_loaders import simulate_familiarity            # doctest: +SKIP
    >>> from sklearn.model_selection import cross_val_score      # doctest: +SKIP
    >>> trials = simulate_familiarity(n_subjects=2, seed=0)     # doctest: +SKIP
    >>> clf = NeuCubeClassifier(random_state=0)                  # doctest: +SKIP
    >>> cross_val_score(clf, trials, trials.labels, cv=5)        # doctest: +SKIP
    """

    #: Every parameter declared once (:mod:`neucube.params`): the check in ``fit``, the study
    #: schema, the search grid, the app's widgets and ``docs/parameters.md`` come from here.
    _parameter_constraints: dict[str, ParamSpec] = {
        "encoder": ParamSpec("choice", choices=tuple(ENCODERS), other="a spike encoder instance",
                             doc="spike encoder", section="encoder", searchable=True),
        "encoder_threshold": ParamSpec(
            "threshold", low=0.0, low_inclusive=False, keywords=("auto",),
            checker=_checked_by_encoder, section="encoder", searchable=True,
            label="Encoder threshold",
            doc="None (the encoder's data-driven rule), 'auto' (SNR search), a number or "
                "per-channel list"),
        "encoder_alpha": forward(TBREncoder, "alpha", when=_ENCODER, section="encoder",
                                 searchable=True),
        "coords": ParamSpec("any", other="None or an array of shape (n_channels, 3)",
                            doc="channel coordinates in mm (array input; default: the data's own)"),
        "coords_space": ParamSpec("choice", choices=("mni", "talairach", "grid"),
                                  doc="space of coords"),
        "template": ParamSpec(
            "choice", choices=("brain", "grid"), other="an array of neuron positions",
            section="cube", doc="neuron positions: MNI152 brain or a grid spanning the channels"),
        "spacing_mm": ParamSpec("float", limit="spacing_mm", section="cube", searchable=True,
                                doc="template spacing in mm"),
        "radius": ParamSpec("float", limit="radius", section="cube", searchable=True,
                            label="Connection radius in spacings",
                            doc="connection radius in multiples of the spacing"),
        # The cube's parameters are the Reservoir's own; spacing, radius, refractory period and
        # STDP time constant are bounded here too (LIMITS), before anything is encoded.
        **{name: forward(Reservoir, name, section=section, searchable=searchable)
           for name, section, searchable in (
               ("connectivity", "cube", False), ("threshold", "cube", True),
               ("leak", "cube", True), ("neuron_model", "cube", False),
               ("stdp_rate", "stdp", True), ("n_rounds", "stdp", True),
               ("weight_scale", "cube", False), ("target_activity", "cube", False),
               ("stdp_bound", "stdp", False), ("homeostasis", "stdp", False),
               ("backend", "cube", False))},
        "refractory": forward(Reservoir, "refractory", limit="refractory", section="cube"),
        "tau_stdp": forward(Reservoir, "tau_stdp", limit="tau_stdp", section="stdp",
                            searchable=True),
        "readout": ParamSpec(
            "choice", choices=READOUTS, other="a classifier instance", section="readout",
            searchable=True, doc="readout classifier: deSNN, or 'state' (logistic regression "
                                 "on time-binned spike counts)"),
        **{name: forward(DeSNNClassifier, name, when=_DESNN, section="readout",
                         searchable=name not in ("recall", "c"))
           for name in ("mod", "drift_up", "drift_down", "recall", "k", "sigma", "c")},
        "n_bins": forward(StateClassifier, "n_bins", when=_STATE, section="readout",
                          searchable=True),
        "state_c": forward(StateClassifier, "C", when=_STATE, section="readout",
                           searchable=True),
        "random_state": ParamSpec("seed", doc="seed of the cube's connectivity (a study sets "
                                  "it from its seed)"),
        "verbose": ParamSpec("any", other="a bool", doc="log progress at INFO level"),
    }

    def __init__(
        self,
        *,
        encoder: str | BaseEstimator = DEFAULTS["encoder"],
        encoder_threshold: Any = None,
        encoder_alpha: float = DEFAULTS["encoder_alpha"],
        coords: Any = None,
        coords_space: str = "mni",
        template: Any = "brain",
        spacing_mm: float = 10.0,
        radius: float = 2.5,
        connectivity: str = "small_world",
        threshold: float = DEFAULTS["threshold"],
        leak: float = DEFAULTS["leak"],
        refractory: int = DEFAULTS["refractory"],
        neuron_model: str = "slif",
        stdp_rate: float = DEFAULTS["stdp_rate"],
        tau_stdp: float = DEFAULTS["tau_stdp"],
        n_rounds: int = DEFAULTS["n_rounds"],
        weight_scale: float | str = DEFAULTS["weight_scale"],
        target_activity: float = DEFAULTS["target_activity"],
        stdp_bound: str = DEFAULTS["stdp_bound"],
        homeostasis: bool = DEFAULTS["homeostasis"],
        readout: str | BaseEstimator = DEFAULTS["readout"],
        mod: float = DEFAULTS["mod"],
        drift_up: float = DEFAULTS["drift_up"],
        drift_down: float = DEFAULTS["drift_down"],
        recall: str = DEFAULTS["recall"],
        k: int = DEFAULTS["k"],
        sigma: float = DEFAULTS["sigma"],
        c: float = DEFAULTS["c"],
        n_bins: int = DEFAULTS["n_bins"],
        state_c: float | str = DEFAULTS["state_c"],
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
        self.weight_scale = weight_scale
        self.target_activity = target_activity
        self.stdp_bound = stdp_bound
        self.homeostasis = homeostasis
        self.readout = readout
        self.mod = mod
        self.drift_up = drift_up
        self.drift_down = drift_down
        self.recall = recall
        self.k = k
        self.sigma = sigma
        self.c = c
        self.n_bins = n_bins
        self.state_c = state_c
        self.backend = backend
        self.random_state = random_state
        self.verbose = verbose

    @classmethod
    def published(cls, **params: Any) -> NeuCubeClassifier:
        """NeuCube's published settings: reproduce the 2014 software (NeuCube v1.3).

        TBR encoder (alpha 0.5), the cube's published wiring (weight scale 1), additive STDP
        with A+ = A- = 0.001 clipped at 2, one round, and the deSNN readout (mod 0.8, drift
        0.005, weighted k-NN recall with k = 3). These were ``NeuCubeClassifier()``'s defaults
        before the defaults were chosen by measurement (``bench/README.md``).

        Parameters
        ----------
        **params
            Any other parameter (e.g. ``random_state``), or overrides of the published ones.
        """
        return cls(**{**PUBLISHED_PARAMS, **params})

    def __sklearn_tags__(self):  # noqa: ANN204 - sklearn.utils.Tags
        tags = super().__sklearn_tags__()
        # (n_trials, n_channels, n_times); a 2-D array is read as single-channel trials.
        tags.input_tags.three_d_array = True
        tags.input_tags.allow_nan = False
        # A reservoir of spiking neurons with a nearest-neighbour readout is not built for
        # scikit-learn's tabular blobs, so the generic accuracy bar does not apply.
        tags.classifier_tags.poor_score = True
        return tags

    # ------------------------------------------------------------------ parameter checks
    def _check_params(self) -> None:
        """Validate the parameters before any costly step, naming this class in errors."""
        check_params(self)
        if _is_brain(self.template):  # before any allocation (grid: in _template_positions)
            spacing, radius = float(self.spacing_mm), float(self.radius)
            n_neurons = check_neuron_count(estimated_brain_neurons(spacing),
                                           cause=f"spacing_mm={spacing:g}", owner=_OWNER)
            check_synapse_count(n_neurons, radius, cause=f"spacing_mm={spacing:g}",
                                owner=_OWNER)

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
                f"{', '.join(map(repr, ENCODERS))} or a spike encoder instance; got "
                f"{self.encoder!r}."
            )
        return clone(self.encoder)

    def _make_readout(self) -> BaseEstimator:
        if isinstance(self.readout, str):
            kind = check_option("readout", self.readout, READOUTS, owner=_OWNER)
            if kind == "state":
                return StateClassifier(n_bins=self.n_bins, C=self.state_c)
            return DeSNNClassifier(mod=self.mod, drift_up=self.drift_up, drift_down=self.drift_down,
                                   recall=self.recall, k=self.k, sigma=self.sigma, c=self.c)
        if not hasattr(self.readout, "fit") or not hasattr(self.readout, "predict"):
            raise TypeError(
                f"The 'readout' parameter of {_OWNER} must be 'desnn', 'state' or a classifier "
                "instance; "
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
            counts = np.maximum(np.ceil((hi - lo) / spacing) + 1, 2)
            # Bounded before the grid is allocated: 0.1 mm over a head is ~1e9 neurons.
            cause = (f"spacing_mm={spacing:g} with template='grid' over channels spanning "
                     f"{np.round(hi - lo - 2 * spacing, 1).tolist()} mm")
            n_neurons = check_neuron_count(int(np.prod(counts)), cause=cause, owner=_OWNER)
            check_synapse_count(n_neurons, float(self.radius), cause=cause, owner=_OWNER)
            shape = tuple(int(n) for n in counts)
            return grid_template(shape, spacing_mm=spacing) + lo - 0.0
        return np.asarray(tpl, dtype=np.float64)

    def _resolve_coords(self, coords: np.ndarray | None, space: str | None,
                        n_channels: int) -> np.ndarray:
        """Channel coordinates in the template's space."""
        if coords is None and self.coords is not None:
            coords, space = np.asarray(self.coords, dtype=np.float64), self.coords_space
            check_option("coords_space", space, ("mni", "talairach", "grid"), owner=_OWNER)
        if coords is not None and coords.shape != (n_channels, 3):
            raise ValueError(
                f"The 'coords' parameter of {_OWNER} must have shape ({n_channels}, 3), one row "
                f"per channel of X; got shape {coords.shape}."
            )
        if _is_brain(self.template):
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

    def _fitted_on_2d(self) -> bool:
        """Whether ``fit`` saw 2-D single-channel input (its features are then time samples).

        Unambiguous: trials have at least 2 time samples, while 3-D single-channel input gives
        ``n_features_in_ == 1``.
        """
        return self.n_channels_ == 1 and self.n_features_in_ == self.n_steps_in_ != 1

    def _as_trials(self, data: ModelInput, *, reset: bool) -> np.ndarray:
        """The trials of ``data`` as a float64 array ``(n_trials, n_channels, n_times)``.

        2-D input goes through scikit-learn's own checks as a 2-D array (so its columns are the
        features it counts), then becomes single-channel trials.
        """
        raw = data.X
        try:
            ndim = raw.ndim if hasattr(raw, "ndim") else np.asarray(raw).ndim
        except ValueError as err:  # ragged nested sequences
            raise ValueError(f"X must be a 3-D array (n_trials, n_channels, n_times), a TrialSet "
                             f"or mne.Epochs for {_OWNER}; got a ragged sequence ({err}).") from err
        if ndim < 2:  # scikit-learn's own message ("Reshape your data ...")
            validate_data(self, raw, reset=reset, dtype=np.float64)
        if ndim > 3:
            raise ValueError(
                f"X must be a 3-D array (n_trials, n_channels, n_times), a TrialSet or "
                f"mne.Epochs for {_OWNER}; got {ndim} dimensions of shape {np.shape(raw)}."
            )
        fitted_2d = not reset and self._fitted_on_2d()
        if ndim == 3 and fitted_2d and np.shape(raw)[1] == 1:
            raw, ndim = np.asarray(raw)[:, 0, :], 2  # single-channel 3-D in the 2-D fit layout
        if ndim == 2 and (reset or fitted_2d):
            # In fit, trials need 2 time samples (spikes encode changes between samples);
            # afterwards, the n_features_in_ check says what is expected.
            arr = validate_data(self, raw, reset=reset, dtype=np.float64,
                                ensure_min_features=2 if reset else 1)
            return arr[:, None, :]
        if ndim == 2:  # a model fitted on 3-D single-channel input
            raw = np.asarray(raw)[:, None, :]
        elif fitted_2d:
            raise ValueError(
                f"X has {np.shape(raw)[1]} channels (axis 1), but {_OWNER} was fitted on "
                "single-channel trials given as a 2-D array (n_trials, n_times)."
            )
        shape = np.shape(raw)
        if len(shape) == 3 and (shape[1] > MAX_CHANNELS or shape[2] > MAX_TIMES):
            raise ValueError(
                f"X has {shape[1]} channels and {shape[2]} time samples per trial; {_OWNER} "
                f"accepts at most {MAX_CHANNELS} channels (each makes two input neurons) and "
                f"{MAX_TIMES} samples (each is a simulation step of every neuron)."
            )
        arr = validate_data(self, raw, reset=reset, allow_nd=True, dtype=np.float64)
        if arr.shape[1] < 1:
            raise ValueError(f"X must have at least 1 channel (axis 1) for {_OWNER}; got shape "
                             f"{arr.shape}.")
        if arr.shape[2] < 2:
            raise ValueError(
                f"X has {arr.shape[2]} time sample(s) per trial (axis 2), but {_OWNER} needs at "
                "least 2, because spikes encode changes between samples."
            )
        return arr

    def _seen_trials(self, data: ModelInput) -> np.ndarray:
        """The trials of ``data`` after checking they are like the training trials.

        A cube fitted on one montage, rate and trial length predicts silently wrong results on
        another: the input neurons would receive other channels, and the readout (which reads
        spike times) other time steps. So channel names and order (when both inputs name their
        channels), the sampling rate (when both know it) and the trial length must match.
        """
        arr = self._as_trials(data, reset=False)
        fitted = tuple(self.ch_names_)
        if getattr(self, "ch_names_from_input_", False) and data.ch_names is not None \
                and tuple(data.ch_names) != fitted:
            given = tuple(data.ch_names)
            if sorted(given) == sorted(fitted):
                moved = [n for n, m in zip(given, fitted, strict=True) if n != m][:5]
                raise ValueError(
                    f"X: expected the channels in the order {_OWNER} was fitted with "
                    f"({', '.join(fitted[:10])}{', ...' if len(fitted) > 10 else ''}); found "
                    f"another order (first out of place: {', '.join(moved)}). Reorder the "
                    "channels (e.g. TrialSet.select(channels=model.ch_names_))."
                )
            missing = [n for n in fitted if n not in given][:5]
            extra = [n for n in given if n not in fitted][:5]
            raise ValueError(
                f"X: expected the {len(fitted)} channels {_OWNER} was fitted with; found "
                f"{len(given)} channels, missing {missing or 'none'}, not seen in fit "
                f"{extra or 'none'}."
            )
        sfreq = getattr(self, "sfreq_", None)
        if sfreq is not None and data.sfreq is not None \
                and not np.isclose(float(data.sfreq), float(sfreq), rtol=1e-6, atol=0.0):
            raise ValueError(
                f"X: expected a sampling rate of {float(sfreq):g} Hz, as in fit; found "
                f"{float(data.sfreq):g} Hz. Resample the data to {float(sfreq):g} Hz (one "
                "simulation step per sample: another rate changes every time constant)."
            )
        if arr.shape[2] != self.n_steps_in_:
            raise ValueError(
                f"X: expected trials of {self.n_steps_in_} time samples (axis 2), as in fit; "
                f"found {arr.shape[2]}. Cut the trials to the training window (early prediction "
                "from part of a trial is predict(X, stop=...))."
            )
        return arr

    # ------------------------------------------------------------------ API
    def fit(self, X: Any, y: Any = None, progress: ProgressCallback | None = None
            ) -> NeuCubeClassifier:
        """Fit encoder, reservoir (STDP) and readout on the training trials ``X``.

        Parameters
        ----------
        X : TrialSet, mne.Epochs or array-like of shape (n_trials, n_channels, n_times)
            Training trials.
        y : array-like of shape (n_trials,), optional
            Labels; defaults to the TrialSet's/Epochs' class names.
        progress : callable, optional
            Told about each STDP round (:meth:`neucube.cube.Reservoir.fit`).

        Returns
        -------
        self : NeuCubeClassifier
        """
        self._check_params()
        data = read_model_input(X, y)
        arr = self._as_trials(data, reset=True)
        if data.y is None:
            raise ValueError(f"{_OWNER} requires y to be passed, but the target y is None: pass "
                             "y, or a TrialSet/mne.Epochs with labels.")
        labels = column_or_1d(data.y, warn=True)
        check_consistent_length(arr, labels)
        check_classification_targets(labels)
        self.classes_ = np.unique(labels)
        if self.classes_.size < 2:
            raise ValueError(f"{_OWNER} needs trials of at least 2 classes in y; got 1 class: "
                             f"{self.classes_.tolist()}.")
        n_channels = arr.shape[1]
        self.n_channels_ = n_channels
        self.n_steps_in_ = arr.shape[2]
        self.ch_names_ = data.ch_names or tuple(f"ch{i}" for i in range(n_channels))
        self.ch_names_from_input_ = data.ch_names is not None
        self.sfreq_, self.tmin_ = data.sfreq, data.tmin
        self.coords_ = self._resolve_coords(data.coords, data.space, n_channels)

        self.encoder_ = self._make_encoder().fit(arr)
        spikes = self.encoder_.transform(arr)
        template = self._template_positions(self.coords_)
        self.reservoir_ = Reservoir(
            coords=self.coords_, spacing_mm=self.spacing_mm, template=template, radius=self.radius,
            connectivity=self.connectivity, threshold=self.threshold, leak=self.leak,
            refractory=self.refractory, neuron_model=self.neuron_model, stdp_rate=self.stdp_rate,
            tau_stdp=self.tau_stdp, n_rounds=self.n_rounds, weight_scale=self.weight_scale,
            target_activity=self.target_activity, stdp_bound=self.stdp_bound,
            homeostasis=self.homeostasis, backend=self.backend,
            random_state=self.random_state, verbose=self.verbose,
        ).fit(spikes, progress=progress)
        self.train_raster_ = self.reservoir_.transform(spikes)
        self.activity_ = {
            **self.reservoir_.activity_,
            "train": activity_stats(self.train_raster_, self.reservoir_.network_),
            "weight_scale": self.reservoir_.weight_scale_,
        }
        self.train_labels_ = labels
        self.readout_ = self._make_readout().fit(self.train_raster_, labels)
        return self

    def encode(self, X: Any) -> np.ndarray:
        """Spikes of ``X`` with the fitted encoder, shape ``(n_trials, n_channels, n_times)``."""
        check_is_fitted(self)
        return self.encoder_.transform(self._seen_trials(read_model_input(X)))

    def _raster_of(self, data: ModelInput) -> SpikeRaster:
        check_is_fitted(self)
        spikes = self.encoder_.transform(self._seen_trials(data))
        # predict and predict_proba on the same trials (as evaluate() does) run the frozen cube
        # once: the last raster is kept, keyed by the exact bytes of the encoded spikes.
        key = (spikes.shape, str(spikes.dtype),
               hashlib.blake2b(np.ascontiguousarray(spikes).tobytes(), digest_size=16).digest())
        cached = _LAST_RASTER.get(self)
        if cached is not None and cached[0] == key and cached[1] is self.reservoir_:
            return cached[2]
        raster = self.reservoir_.transform(spikes)
        _LAST_RASTER[self] = (key, self.reservoir_, raster)
        return raster

    def raster(self, X: Any) -> SpikeRaster:
        """Spikes of every cube neuron for the trials ``X`` (frozen weights)."""
        return self._raster_of(read_model_input(X))

    def predict_proba(self, X: Any, stop: int | None = None) -> np.ndarray:
        """Class probabilities (normalised readout scores), columns in ``classes_`` order.

        ``stop`` uses only the first ``stop`` steps of each trial (early prediction; deSNN only).
        """
        raster = self.raster(X)
        if stop is not None:
            self._check_early()
            return self.readout_.predict_proba(raster, stop=stop)
        return self.readout_.predict_proba(raster)

    def predict(self, X: Any, stop: int | None = None) -> np.ndarray:
        """Predicted class of each trial (``stop``: early prediction from the first steps)."""
        raster = self.raster(X)
        if stop is not None:
            self._check_early()
            return self.readout_.predict(raster, stop=stop)
        return self.readout_.predict(raster)

    @property
    def supports_early_prediction(self) -> bool:
        """Whether this model can predict from part of a trial, known before fitting.

        True for ``readout="desnn"`` and for readout estimators with ``early_predict_curve``
        (the deSNN's rank-order code); False for ``readout="state"``, whose time bins need the
        whole trial.
        """
        if isinstance(self.readout, str):
            return self.readout == "desnn"
        return hasattr(self.readout, "early_predict_curve")

    def _check_early(self) -> None:
        check_is_fitted(self)
        if not self.supports_early_prediction:
            raise TypeError(f"Early prediction (stop=..., early_predict_curve) of {_OWNER} needs "
                            f"readout='desnn'; got readout={self.readout!r}.")

    def early_predict_curve(
        self, X: Any, y: Any = None, fractions: Sequence[float] = DEFAULT_FRACTIONS
    ) -> np.ndarray:
        """Accuracy when predicting from the first ``fraction`` of each trial, per fraction.

        Returns an array aligned with ``fractions``. Only the deSNN readout supports it.
        """
        self._check_early()
        data = read_model_input(X, y)
        if data.y is None:
            raise ValueError(f"{_OWNER}.early_predict_curve needs labels: pass y or a TrialSet.")
        return np.asarray(self.readout_.early_predict_curve(self._raster_of(data), data.y,
                                                            fractions=fractions))

    def score(self, X: Any, y: Any = None, sample_weight: Any = None) -> float:
        """Accuracy on ``X``; ``y`` defaults to the labels of a TrialSet or mne.Epochs.

        Parameters
        ----------
        X : TrialSet, mne.Epochs or array-like of shape (n_trials, n_channels, n_times)
        y : array-like of shape (n_trials,), optional
        sample_weight : array-like of shape (n_trials,), optional

        Returns
        -------
        float
        """
        data = read_model_input(X, y)
        if data.y is None:
            raise ValueError(f"{_OWNER}.score requires y to be passed, but the target y is None: "
                             "pass y, or a TrialSet/mne.Epochs with labels.")
        raster = self._raster_of(data)  # checks that the model is fitted
        pred = self.readout_.predict(raster)
        return float(accuracy_score(data.y, pred, sample_weight=sample_weight))

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = True) -> Path:
        """Write the fitted model to ``path``: a ``.zip`` file, or a folder for any other name.

        The file holds NumPy arrays (``.npz``, read back without pickle) and JSON metadata
        (parameters, package versions, schema version, classes, channels and coordinates). It is
        written atomically. Read it back with :func:`neucube.persistence.load_model`.

        Parameters
        ----------
        path : path-like
            Destination; a name ending in ``.zip`` gives a single file.
        overwrite : bool, default=True
            Replace an existing model at ``path``; otherwise raise ``FileExistsError``. A
            folder that is not a neucube model folder is never replaced.

        Returns
        -------
        Path
            The path written.

        Raises
        ------
        TypeError
            If a parameter (e.g. an encoder or readout instance) cannot be described in JSON.
        FileExistsError
            If ``path`` exists and may not be replaced.
        """
        return save_model(self, path, overwrite=overwrite)


register_estimator(NeuCubeClassifier)
