"""The NeuCube reservoir as a scikit-learn transformer: encoded spikes in, sparse spike rasters out.

``fit`` builds the cube (template, input mapping, small-world connectivity), trains it with
unsupervised STDP for ``n_rounds`` passes over the given samples (pass only training samples:
STDP on test samples leaks) and freezes it. ``transform`` runs the frozen cube and returns a
:class:`~neucube.cube.raster.SpikeRaster`.
"""

from __future__ import annotations

import logging
import numbers
import os
import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from neucube._validation import check_random_state
from neucube.cube.activity import activity_stats
from neucube.cube.calibration import (
    calibrate_weight_scale,
    calibration_trials,
    homeostasis_start,
)
from neucube.cube.connectivity import CONNECTIVITY_RULES, build_connectivity, template_spacing
from neucube.cube.engine import BACKENDS, simulate_brian
from neucube.cube.mapping import input_positions, map_channels
from neucube.cube.model import NEURON_MODELS, ModelParams
from neucube.cube.network import CubeNetwork
from neucube.cube.raster import SpikeRaster
from neucube.cube.simulation import SimulationResult, check_spikes
from neucube.cube.template import brain_template, load_template
from neucube.limits import (
    check_neuron_count,
    check_synapse_count,
    estimated_brain_neurons,
)
from neucube.params import ParamSpec, check_params
from neucube.progress import ProgressCallback, no_progress

__all__ = ["Reservoir"]

logger = logging.getLogger(__name__)

_OWNER = "Reservoir"
#: Far-channel warnings already given by this process: cross-validation fits one cube per fold
#: on the same montage, and one warning says it all.
_FAR_WARNED: set[tuple] = set()


def _warn_far_channels(indices: np.ndarray, limit_mm: float, distances: np.ndarray) -> None:
    key = (tuple(int(i) for i in indices), round(float(limit_mm), 3))
    if key in _FAR_WARNED:
        return
    _FAR_WARNED.add(key)
    shown = ", ".join(f"{i} ({distances[i]:.0f} mm)" for i in indices[:10])
    logger.warning(
        "%d channel(s) are more than %.0f mm from their nearest neuron (channel index and "
        "distance: %s%s): are the coordinates in mm and in the template's space? (Said once "
        "per process.)", len(indices), limit_mm, shown, ", ..." if len(indices) > 10 else "",
    )


#: STDP weight bounds (the ``stdp_bound`` parameter).
STDP_BOUNDS = ("hard", "soft")


def _pair(value: Any) -> tuple[float, float]:
    """A (checked) number, or pair of numbers, as a pair (potentiation, depression)."""
    if isinstance(value, numbers.Real):
        return float(value), float(value)
    return float(value[0]), float(value[1])


class Reservoir(TransformerMixin, BaseEstimator):
    """NeuCube spiking reservoir ("cube") with unsupervised STDP, simulated with Brian2.

    Parameters
    ----------
    coords : array-like of shape (n_channels, 3), optional
        Channel coordinates in mm, in the space of the template (MNI for ``template="brain"``).
        Required here or as the ``coords`` argument of :meth:`fit`.
    spacing_mm : float, default=10.0
        Grid spacing of the brain template.
    template : "brain", path-like or array-like of shape (n_neurons, 3), default="brain"
        Neuron positions: the MNI152 brain template at ``spacing_mm``
        (:func:`~neucube.cube.template.brain_template`), a CSV file of ``x, y, z`` rows, or the
        positions themselves (e.g. :func:`~neucube.cube.template.grid_template`).
    radius : float, default=2.5
        Longest connection, in multiples of the template spacing (``spacing_mm`` for the brain
        template, the median nearest-neighbour distance otherwise).
    connectivity : {"small_world", "gaussian"}, default="small_world"
        Connection rule (see :mod:`neucube.cube.connectivity`).
    connection_probability : float, default=0.3
        Peak probability ``C`` of the Gaussian rule.
    length_scale : float, default=2.0
        Length ``lambda`` of the Gaussian rule, in multiples of the spacing.
    threshold : float, default=0.5
        Firing threshold.
    leak : float, default=0.002
        Leak per step of the ``"slif"`` neuron.
    refractory : int, default=6
        Refractory period in steps.
    neuron_model : {"slif", "lif"}, default="slif"
        NeuCube's simplified LIF or an exponential LIF with time constant ``tau_mem``.
    tau_mem : float, default=20.0
        Membrane time constant of the ``"lif"`` neuron, in steps.
    stdp_rate : float or (float, float), default=0.001
        STDP amplitude ``A+ = A-``, or the pair ``(A+, A-)``.
    tau_stdp : float or (float, float), default=10.0
        STDP time constant in steps, or the pair ``(tau+, tau-)``.
    n_rounds : int, default=1
        STDP passes over the training samples (0: no learning).
    w_clip : float, default=2.0
        Largest absolute weight.
    weight_scale : float or "auto", default=1.0
        Factor applied to every initial weight (1: NeuCube's published wiring). ``"auto"``
        chooses it on the ``fit`` trials so that a share ``target_activity`` of the non-input
        neurons fires in a typical trial (:mod:`neucube.cube.calibration`), within
        ``w_clip``.
    target_activity : float, default=0.3
        Target of ``weight_scale="auto"`` and of ``homeostasis``, in (0, 1).
    stdp_bound : {"hard", "soft"}, default="hard"
        ``"hard"``: NeuCube's additive STDP clipped at ``w_clip``; ``"soft"``: weight-dependent
        changes that vanish at the bounds (see :mod:`neucube.cube.model`).
    homeostasis : bool, default=False
        After each STDP round, scale all weights again so that the activity returns to
        ``target_activity`` (synaptic scaling): STDP then reshapes the cube without
        silencing it or letting it run away.
    n_calibration_trials : int, default=64
        Most ``fit`` trials (evenly spaced) used by the calibration and the activity
        measurements of ``activity_``.
    backend : {"cpp_standalone", "cython", "numpy", "reference"}, default="cpp_standalone"
        Simulator (see :mod:`neucube.cube.engine`).
    samples_per_chunk : int, default=64
        Samples per run of the compiled network.
    cache_dir : path-like, optional
        Cache root for compiled networks (default ``$NEUCUBE_CACHE_DIR`` or
        ``~/.cache/neucube``).
    random_state : None, int or numpy.random.Generator, default=None
        Seed of the connectivity (the simulation itself is deterministic).
    verbose : bool, default=False
        Log progress at INFO level (otherwise DEBUG).

    Attributes
    ----------
    positions_ : ndarray of shape (n_neurons, 3)
        Neuron positions: the template followed by one negative input neuron per channel.
    input_neurons_ : ndarray of shape (n_channels, 2)
        Positive and negative input neuron of each channel.
    mapping_ : InputMapping
        Channel-to-neuron mapping; ``collisions_`` lists channels moved off their nearest neuron.
    network_init_, network_ : CubeNetwork
        The cube before and after STDP.
    pre_, post_ : ndarray of shape (n_synapses,)
        Active synapses.
    weights_init_, weights_ : ndarray of shape (n_synapses,)
        Their weights before and after STDP.
    excitatory_ : ndarray of bool, shape (n_synapses,)
        Their signs.
    n_neurons_, n_steps_, n_features_in_ : int
        Neurons, steps per sample and channels seen in ``fit``.
    spacing_mm_ : float
        Unit of ``radius`` and ``length_scale``.
    params_ : ModelParams
        Neuron and STDP parameters.
    weight_scale_ : float
        Factor applied to the initial weights (``weight_scale`` or the calibrated one).
    round_scales_ : list of float
        Factor applied by ``homeostasis`` after each STDP round (empty without it).
    fit_seconds_ : dict
        Wall time of ``fit`` in the weight-scale searches (``"calibration"``, homeostasis
        included), the STDP rounds (``"stdp"``) and the activity measurements that no search
        made already (``"activity"``).
    activity_ : dict
        Activity of the cube on the calibration trials (:func:`~neucube.cube.activity.
        activity_stats`): ``"before_stdp"`` and ``"after_stdp"``, and their ratio of spikes
        per trial, ``"stdp_spike_ratio"``.

    Examples
    --------
    >>> import numpy as np
    >>> from neucube.cube import Reservoir, grid_template
    >>> rng = np.random.default_rng(0)
    >>> spikes = rng.choice([-1, 0, 1], p=[0.1, 0.8, 0.1], size=(4, 3, 50)).astype(np.int8)
    >>> cube = Reservoir(template=grid_template((4, 4, 4)), coords=[[0, 0, 0], [30, 30, 30],
    ...                  [0, 30, 0]], backend="reference", random_state=0)
    >>> raster = cube.fit(spikes).transform(spikes)
    >>> raster.n_trials, raster.n_neurons
    (4, 67)
    """

    #: Every parameter declared once (:mod:`neucube.params`), checked at the start of ``fit``.
    _parameter_constraints: dict[str, ParamSpec] = {
        "coords": ParamSpec("any", other="None or an array of shape (n_channels, 3)",
                            doc="channel coordinates in mm, in the template's space"),
        "spacing_mm": ParamSpec("float", low=0.0, low_inclusive=False,
                                doc="grid spacing of the brain template in mm"),
        "template": ParamSpec("any", other='"brain", a CSV file or positions (n_neurons, 3)',
                              doc="neuron positions"),
        "radius": ParamSpec("float", low=0.0, low_inclusive=False,
                            label="Connection radius in spacings",
                            doc="connection radius in multiples of the spacing"),
        "connectivity": ParamSpec("choice", choices=tuple(CONNECTIVITY_RULES),
                                  doc="connection rule"),
        "connection_probability": ParamSpec("float", low=0.0, high=1.0,
                                            doc="peak probability of the Gaussian rule"),
        "length_scale": ParamSpec("float", low=0.0, low_inclusive=False,
                                  doc="length of the Gaussian rule, in spacings"),
        "threshold": ParamSpec("float", low=0.0, low_inclusive=False, doc="firing threshold"),
        "leak": ParamSpec("float", low=0.0, doc="leak per step"),
        "refractory": ParamSpec("int", low=0, doc="refractory period in steps"),
        "neuron_model": ParamSpec("choice", choices=tuple(NEURON_MODELS), label="Neuron model",
                                  doc="NeuCube SLIF or exponential LIF"),
        "tau_mem": ParamSpec("float", low=0.0, low_inclusive=False,
                             doc="membrane time constant of the LIF neuron, in steps"),
        "stdp_rate": ParamSpec("number_or_pair", low=0.0,
                               doc="STDP amplitude A+ = A-, or [A+, A-]"),
        "tau_stdp": ParamSpec("number_or_pair", low=0.0, low_inclusive=False,
                              doc="STDP time constant in steps, or [tau+, tau-]"),
        "n_rounds": ParamSpec("int", limit="n_rounds", label="STDP passes",
                              doc="STDP passes over the training trials (0: no learning)"),
        "w_clip": ParamSpec("float", low=0.0, low_inclusive=False, doc="largest absolute weight"),
        "weight_scale": ParamSpec(
            "float", low=0.0, low_inclusive=False, keywords=("auto",),
            label="Initial weight scale",
            doc="factor on every initial weight ('auto': calibrated on the training trials to "
                "target_activity)"),
        "target_activity": ParamSpec(
            "float", low=0.0, high=1.0, low_inclusive=False, high_inclusive=False,
            label="Target activity",
            doc="share of non-input neurons firing per trial that weight_scale = 'auto' and "
                "homeostasis aim at"),
        "stdp_bound": ParamSpec(
            "choice", choices=STDP_BOUNDS, label="STDP weight bound",
            doc="hard: additive STDP clipped at the weight limit (NeuCube); soft: "
                "weight-dependent changes that vanish at the bounds"),
        "homeostasis": ParamSpec("bool", label="Homeostasis",
                                 doc="rescale the weights to target_activity after each STDP "
                                     "round"),
        "n_calibration_trials": ParamSpec("int", low=1, doc="most fit trials used by the "
                                          "calibration and the activity measurements"),
        "backend": ParamSpec("choice", choices=tuple(BACKENDS), doc="simulator of the cube"),
        "samples_per_chunk": ParamSpec("int", low=1,
                                       doc="samples per run of the compiled network"),
        "cache_dir": ParamSpec("any", other="None or a folder",
                               doc="cache root for compiled networks"),
        "random_state": ParamSpec("seed", doc="seed of the connectivity"),
        "verbose": ParamSpec("any", other="a bool", doc="log progress at INFO level"),
    }

    def __init__(
        self,
        *,
        coords: Any = None,
        spacing_mm: float = 10.0,
        template: Any = "brain",
        radius: float = 2.5,
        connectivity: str = "small_world",
        connection_probability: float = 0.3,
        length_scale: float = 2.0,
        threshold: float = 0.5,
        leak: float = 0.002,
        refractory: int = 6,
        neuron_model: str = "slif",
        tau_mem: float = 20.0,
        stdp_rate: float | tuple[float, float] = 0.001,
        tau_stdp: float | tuple[float, float] = 10.0,
        n_rounds: int = 1,
        w_clip: float = 2.0,
        weight_scale: float | str = 1.0,
        target_activity: float = 0.3,
        stdp_bound: str = "hard",
        homeostasis: bool = False,
        n_calibration_trials: int = 64,
        backend: str = "cpp_standalone",
        samples_per_chunk: int = 64,
        cache_dir: str | os.PathLike[str] | None = None,
        random_state: None | int | np.random.Generator = None,
        verbose: bool = False,
    ) -> None:
        self.coords = coords
        self.spacing_mm = spacing_mm
        self.template = template
        self.radius = radius
        self.connectivity = connectivity
        self.connection_probability = connection_probability
        self.length_scale = length_scale
        self.threshold = threshold
        self.leak = leak
        self.refractory = refractory
        self.neuron_model = neuron_model
        self.tau_mem = tau_mem
        self.stdp_rate = stdp_rate
        self.tau_stdp = tau_stdp
        self.n_rounds = n_rounds
        self.w_clip = w_clip
        self.weight_scale = weight_scale
        self.target_activity = target_activity
        self.stdp_bound = stdp_bound
        self.homeostasis = homeostasis
        self.n_calibration_trials = n_calibration_trials
        self.backend = backend
        self.samples_per_chunk = samples_per_chunk
        self.cache_dir = cache_dir
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):  # noqa: ANN204 - sklearn.utils.Tags
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.requires_fit = True
        return tags

    # ------------------------------------------------------------------ helpers
    def _log(self, msg: str, *args: Any) -> None:
        logger.log(logging.INFO if self.verbose else logging.DEBUG, msg, *args)

    def _template(self) -> tuple[np.ndarray, float]:
        spacing = float(self.spacing_mm)
        tpl = self.template
        if isinstance(tpl, str) and tpl == "brain":
            check_neuron_count(estimated_brain_neurons(spacing), cause=f"spacing_mm={spacing:g}",
                               owner=_OWNER)  # before the template is built
            return brain_template(spacing), spacing
        if isinstance(tpl, (str, os.PathLike)):
            positions = load_template(tpl)
        else:
            positions = np.asarray(tpl, dtype=np.float64)
            if positions.ndim != 2 or positions.shape[1] != 3 or positions.shape[0] < 2 \
                    or not np.all(np.isfinite(positions)):
                raise ValueError(
                    f"The 'template' parameter of {_OWNER} must be 'brain', a path to a CSV "
                    f"file or finite positions of shape (n_neurons >= 2, 3); got "
                    f"{'an array of shape ' + str(positions.shape)}."
                )
        return positions, template_spacing(positions)

    def _model_params(self) -> ModelParams:
        """The neuron and STDP parameters (checked by ``check_params`` in ``fit``)."""
        a_plus, a_minus = _pair(self.stdp_rate)
        tau_plus, tau_minus = _pair(self.tau_stdp)
        return ModelParams(
            threshold=float(self.threshold), leak=float(self.leak),
            refractory=int(self.refractory), neuron_model=self.neuron_model,
            tau_mem=float(self.tau_mem), a_plus=a_plus, a_minus=a_minus, tau_plus=tau_plus,
            tau_minus=tau_minus, w_clip=float(self.w_clip),
            soft_bound=self.stdp_bound == "soft",
        )

    def _rescale(self, network: CubeNetwork, spikes: np.ndarray, start: float = 1.0
                 ) -> tuple[float, dict[str, float]]:
        """Calibrated factor for ``network``'s weights on ``spikes`` (and the activity it gives).

        The activity is that of the network scaled by the factor on ``spikes``: the run that
        measured it is not repeated.
        """
        w_max = float(np.abs(network.weights).max(initial=0.0))
        max_scale = self.params_.w_clip / w_max if w_max > 0 else 1.0
        t0 = time.perf_counter()
        scale, stats, trace = calibrate_weight_scale(
            network, lambda net: self._simulate(net, spikes, plastic=False).raster,
            target=self.target_activity, max_scale=max_scale, start=start)
        self.calibration_trace_.append(trace)
        self.fit_seconds_["calibration"] += time.perf_counter() - t0
        self._log("weight scale %.4g: %.1f%% of non-input neurons fire per trial (target %.0f%%,"
                  " %d runs from %.4g)", scale, 100 * stats["active_share_mean"],
                  100 * self.target_activity, len(trace), start)
        return scale, stats

    def _simulate(self, network: CubeNetwork, spikes: np.ndarray, plastic: bool
                  ) -> SimulationResult:
        # Training only needs the weights: no raster is kept during STDP.
        return simulate_brian(network, spikes, self.params_, plastic=plastic,
                              backend=self.backend, samples_per_chunk=self.samples_per_chunk,
                              cache_dir=self.cache_dir, record=not plastic)

    def _activity(self, network: CubeNetwork, spikes: np.ndarray) -> dict[str, float]:
        t0 = time.perf_counter()
        stats = activity_stats(self._simulate(network, spikes, plastic=False).raster, network)
        self.fit_seconds_["activity"] += time.perf_counter() - t0
        return stats

    def _validate_spikes(self, X: Any, reset: bool) -> np.ndarray:
        X = validate_data(self, X, reset=reset, allow_nd=True, dtype=None)
        n_channels = X.shape[1] if X.ndim == 3 else -1
        return check_spikes(X, n_channels if reset else self.n_features_in_, name="X")

    # ------------------------------------------------------------------ API
    def fit(self, X: Any, y: Any = None, coords: Any = None,
            progress: ProgressCallback | None = None) -> Reservoir:
        """Build the cube and train it with STDP on ``X``.

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_steps)
            Encoded training spikes in {-1, 0, 1} (int8 is best). Each STDP round passes over
            the samples in the given order; weights carry over from sample to sample.
        y : None
            Ignored (STDP is unsupervised); present for pipelines.
        coords : array-like of shape (n_channels, 3), optional
            Channel coordinates in mm; overrides the ``coords`` parameter.
        progress : callable, optional
            ``progress("STDP rounds", done, n_rounds)`` (:mod:`neucube.progress`).

        Returns
        -------
        self : Reservoir
        """
        del y
        check_params(self)
        radius, length_scale = float(self.radius), float(self.length_scale)
        probability, n_rounds = float(self.connection_probability), int(self.n_rounds)
        params = self._model_params()
        fixed_scale = None if isinstance(self.weight_scale, str) else float(self.weight_scale)
        n_calibration = int(self.n_calibration_trials)
        rng = check_random_state(self.random_state)
        spikes = self._validate_spikes(X, reset=True)

        coords = self.coords if coords is None else coords
        if coords is None:
            raise ValueError(f"{_OWNER} needs channel coordinates: pass coords=... of shape "
                             f"({spikes.shape[1]}, 3) in mm to the constructor or to fit.")
        coords = np.asarray(coords, dtype=np.float64)
        if coords.shape != (spikes.shape[1], 3) or not np.all(np.isfinite(coords)):
            raise ValueError(f"The 'coords' of {_OWNER} must be finite coordinates of shape "
                             f"({spikes.shape[1]}, 3), one row per channel of X; got shape "
                             f"{coords.shape}.")

        template, spacing = self._template()
        mapping = map_channels(coords, template)
        far = mapping.distances > 3 * spacing
        if np.any(far):
            _warn_far_channels(np.flatnonzero(far), 3 * spacing, mapping.distances)
        positions, input_neurons = input_positions(template, mapping)
        cause = f"the template of {template.shape[0]} positions with {coords.shape[0]} channels"
        n_neurons = check_neuron_count(positions.shape[0], cause=cause, owner=_OWNER)
        check_synapse_count(n_neurons, radius, cause=cause, owner=_OWNER)
        network = build_connectivity(
            positions, input_neurons, radius_mm=radius * spacing, rule=self.connectivity,
            connection_probability=probability, length_scale_mm=length_scale * spacing,
            random_state=rng,
        )
        w_max = float(np.abs(network.weights).max(initial=0.0)) * (fixed_scale or 0.0)
        if w_max > params.w_clip:
            raise ValueError(f"The 'w_clip' parameter of {_OWNER} must be at least the largest "
                             f"initial weight {w_max:g}; got {params.w_clip!r}.")

        self.params_ = params
        self.spacing_mm_ = spacing
        self.mapping_ = mapping
        self.collisions_ = mapping.collisions
        self.positions_ = network.positions
        self.input_neurons_ = network.input_neurons
        self.n_neurons_ = network.n_neurons
        self.n_steps_ = spikes.shape[2]
        self._log("cube: %d neurons, %d synapses (%d candidates)", network.n_neurons,
                  network.n_synapses, network.n_candidates)
        # Calibration and activity measurements on (at most) n_calibration of the fit trials.
        probe = spikes[calibration_trials(spikes.shape[0], n_calibration)]
        self.calibration_trace_ = []
        self.fit_seconds_ = {"calibration": 0.0, "stdp": 0.0, "activity": 0.0}
        if fixed_scale is None:
            scale, before = self._rescale(network, probe)
        else:
            scale, before = fixed_scale, None
        if scale != 1.0:
            network = network.with_weights(network.weights * scale)
        self.weight_scale_ = float(scale)
        self.network_init_ = network
        if before is None:
            before = self._activity(network, probe)
        after = before
        self.round_scales_ = []
        report = progress or no_progress
        if n_rounds:
            report("STDP rounds", 0, n_rounds)
        for r in range(n_rounds):
            start = time.perf_counter()
            result = self._simulate(network, spikes, plastic=True)
            self.fit_seconds_["stdp"] += time.perf_counter() - start
            trained = network.with_weights(result.weights)
            self._log("STDP round %d/%d: %d spikes in %.2f s", r + 1, n_rounds,
                      result.n_spikes, time.perf_counter() - start)
            if self.homeostasis:
                # Its search measures the activity after the round: no extra run for it.
                factor, after = self._rescale(trained, probe,
                                              start=homeostasis_start(network, trained))
                trained = trained.with_weights(trained.weights * factor)
                self.round_scales_.append(float(factor))
            network = trained
            report("STDP rounds", r + 1, n_rounds)
        if n_rounds and not self.homeostasis:
            after = self._activity(network, probe)
        self.activity_ = {
            "before_stdp": before,
            "after_stdp": after,
            "stdp_spike_ratio": (after["spikes_per_trial"] / before["spikes_per_trial"]
                                 if before["spikes_per_trial"] else None),
        }
        self.network_ = network
        active = network.active
        self.pre_ = network.pre[active]
        self.post_ = network.post[active]
        self.excitatory_ = network.excitatory[active]
        self.weights_init_ = self.network_init_.weights[active]
        self.weights_ = network.weights[active]
        return self

    def transform(self, X: Any) -> SpikeRaster:
        """Run the frozen cube on encoded spikes.

        Parameters
        ----------
        X : array-like of shape (n_trials, n_channels, n_steps)
            Encoded spikes in {-1, 0, 1}.

        Returns
        -------
        SpikeRaster
            Spikes of all ``n_neurons_`` neurons (input neurons included) in every trial.
        """
        check_is_fitted(self, "network_")
        spikes = self._validate_spikes(X, reset=False)
        return self._simulate(self.network_, spikes, plastic=False).raster

    def weight_matrix(self, *, initial: bool = False) -> sp.csr_array:
        """Weights as a sparse ``(n_neurons, n_neurons)`` matrix ``W[pre, post]``.

        Parameters
        ----------
        initial : bool
            The weights before STDP instead of after.
        """
        check_is_fitted(self, "network_")
        return (self.network_init_ if initial else self.network_).weight_matrix()
