"""Sane ranges of every numeric parameter whose size sets the work, declared once with the reason.

A tired researcher types ``spacing_mm = 0.1`` or ``n_rounds = 1e9``; a hostile file declares a
billion-element array. Each would run for days or exhaust memory instead of failing. The limits
below are far above anything a study of the NeuCube kind needs (the reason says what the value
costs), and every layer reads them from here: the estimators' parameter declarations
(``ParamSpec(limit=...)``, :mod:`neucube.params`), and through them their checks, the study
schema and the app's settings; and the model-file reader (:mod:`neucube.persistence`).

This module imports only the standard library, so the study schema can read it without loading
the simulator.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Limit",
    "LIMITS",
    "MAX_NEURONS",
    "MAX_SYNAPSES",
    "MAX_CHANNELS",
    "MAX_TIMES",
    "MAX_TRIALS",
    "MAX_ARRAY_BYTES",
    "MAX_MODEL_BYTES",
    "MAX_MODEL_MEMBERS",
    "MAX_COMPRESSION_RATIO",
    "MAX_JSON_DEPTH",
    "BRAIN_NEURONS_AT_10MM",
    "check_limit",
    "estimated_brain_neurons",
    "check_neuron_count",
    "check_synapse_count",
    "estimated_synapses",
]

#: Neurons of the cube (template + input neurons). Every neuron is updated at every step of every
#: trial; 100 000 neurons already take minutes per trial and gigabytes in the simulator.
MAX_NEURONS = 100_000
#: Candidate synapses of the cube (pairs within ``radius``). Each costs about 100 bytes in Brian2.
MAX_SYNAPSES = 20_000_000
#: Channels of a trial (each makes two input neurons).
MAX_CHANNELS = 10_000
#: Time samples per trial (1000 s at 1 kHz); every sample is a simulation step.
MAX_TIMES = 1_000_000
#: Trials in one array (rows of a raster, labels of a model file).
MAX_TRIALS = 1_000_000
#: Largest single array a model file may declare (its ``.npy`` header is read first).
MAX_ARRAY_BYTES = 2 * 1024**3
#: Largest total of uncompressed bytes of a model file's members.
MAX_MODEL_BYTES = 4 * 1024**3
#: Members of a model zip (two) and arrays of its ``arrays.npz``.
MAX_MODEL_MEMBERS = 10_000
#: Largest uncompressed/compressed size ratio of a zip member (zip bombs reach 1000s).
MAX_COMPRESSION_RATIO = 200
#: Deepest nesting of a model file's JSON (a fitted model needs about 10 levels).
MAX_JSON_DEPTH = 64
#: Neurons of the brain template at 10 mm (see :func:`neucube.cube.template.brain_template`);
#: the count grows as ``(10 / spacing_mm) ** 3``.
BRAIN_NEURONS_AT_10MM = 1885


@dataclass(frozen=True)
class Limit:
    """The allowed range of one parameter and why it is bounded.

    Attributes
    ----------
    low, high : float or None
        Bounds (None: unbounded on that side).
    reason : str
        What a value outside the range would cost; said in the error.
    integer : bool
        Whether the value must be an integer.
    low_inclusive : bool
        Whether ``low`` itself is allowed.
    """

    low: float | None
    high: float | None
    reason: str
    integer: bool = False
    low_inclusive: bool = True

    def describe(self) -> str:
        """``an integer in [0, 1000]`` or ``a number in (0, 1000]``."""
        left = "[" if self.low_inclusive and self.low is not None else "("
        def show(v: float) -> str:
            return str(int(v)) if self.integer else f"{v:g}"

        lo = "-inf" if self.low is None else show(self.low)
        hi = "inf" if self.high is None else show(self.high)
        right = "]" if self.high is not None else ")"
        return f"{'an integer' if self.integer else 'a number'} in {left}{lo}, {hi}{right}"

    def accepts(self, value: Any) -> bool:
        """Whether ``value`` is a number of the right kind inside the range."""
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if self.integer and not isinstance(value, numbers.Integral):
            return False
        v = float(value)
        if not math.isfinite(v):
            return False
        if self.low is not None and (v < self.low or (v == self.low and not self.low_inclusive)):
            return False
        return self.high is None or v <= self.high


_ROUNDS = "each round is one STDP pass over every training trial, so the fit time grows with it"
_STEPS = "a period in simulation steps longer than any trial does nothing but cost memory"

#: Every bounded parameter, by the name estimators and studies use for it.
LIMITS: dict[str, Limit] = {
    "spacing_mm": Limit(0.0, 1000.0, "the cube's neuron count grows as 1 / spacing_mm**3",
                        low_inclusive=False),
    "radius": Limit(0.0, 10.0, "each neuron connects to every neuron within radius spacings, "
                    "so the synapse count grows as radius**3", low_inclusive=False),
    "n_rounds": Limit(0, 1000, _ROUNDS, integer=True),
    "refractory": Limit(0, 100_000, _STEPS, integer=True),
    "tau_stdp": Limit(0.0, 100_000.0, _STEPS, low_inclusive=False),
    "tau_mem": Limit(0.0, 100_000.0, _STEPS, low_inclusive=False),
    "window": Limit(1, 100_000, "a moving window longer than any trial only costs memory",
                    integer=True),
    "filter_length": Limit(1, 10_000, "the BSA filter is convolved with every sample",
                           integer=True),
    "k": Limit(1, 10_000, "k nearest training trials are kept per test trial", integer=True),
    "n_bins": Limit(1, 10_000, "the state readout has n_neurons * n_bins features",
                    integer=True),
    "samples_per_chunk": Limit(1, 100_000, "a chunk's spikes are held in memory at once",
                               integer=True),
    "cv": Limit(2, 100, "each inner fold refits the readout", integer=True),
    "max_iter": Limit(1, 1_000_000, "each iteration is a pass over the training features",
                      integer=True),
    "n_splits": Limit(2, 1000, "each fold fits a whole model", integer=True),
    "inner_splits": Limit(2, 100, "each inner fold fits a whole model per setting",
                          integer=True),
    "n_seeds": Limit(1, 1000, "each seed repeats the whole cross-validation", integer=True),
    "n_iter": Limit(1, 10_000, "each setting of the random search is a nested "
                    "cross-validation", integer=True),
    "n_jobs": Limit(1, 1024, "each job is a process holding its own simulator", integer=True),
    "dpi": Limit(300.0, 1200.0, "an image's pixel count grows as dpi**2; 1200 dpi is print "
                 "quality"),
    "seed": Limit(0, 2**32 - 1, "NumPy seeds are 32-bit", integer=True),
}


def check_limit(name: str, value: Any, *, owner: str | None = None) -> Any:
    """Return ``value`` (an int for integer limits) if ``LIMITS[name]`` accepts it, else raise.

    ``TypeError`` for a value of the wrong type, ``ValueError`` for one out of range; both say
    the range and the reason, in the style of scikit-learn's parameter validation.
    """
    limit = LIMITS[name]
    where = f"The {name!r} parameter" + (f" of {owner}" if owner else "")
    if not limit.accepts(value):
        wrong_type = isinstance(value, bool) or not isinstance(value, numbers.Real) or (
            limit.integer and not isinstance(value, numbers.Integral))
        err = TypeError if wrong_type else ValueError
        raise err(f"{where} must be {limit.describe()} ({limit.reason}); got {value!r}.")
    return int(value) if limit.integer else float(value)


def estimated_brain_neurons(spacing_mm: float) -> int:
    """Neurons of the brain template at ``spacing_mm``, from the 10 mm count (within ~10%)."""
    return int(round(BRAIN_NEURONS_AT_10MM * (10.0 / float(spacing_mm)) ** 3))


def check_neuron_count(n_neurons: int, *, cause: str, owner: str | None = None) -> int:
    """Raise if a cube of ``n_neurons`` would exceed :data:`MAX_NEURONS`.

    ``cause`` names the parameters that made the count (``"spacing_mm=0.1"``), so the error
    says what to change.
    """
    if n_neurons > MAX_NEURONS:
        where = f"{owner}: " if owner else ""
        raise ValueError(
            f"{where}{cause} makes a cube of about {n_neurons:,} neurons; expected at most "
            f"{MAX_NEURONS:,} (every neuron is simulated at every step of every trial, so the "
            "memory and time grow with the count). Use a larger spacing_mm."
        )
    return int(n_neurons)


def estimated_synapses(n_neurons: int, radius: float) -> int:
    """Candidate synapses: each neuron's neighbours within ``radius`` grid spacings."""
    return int(n_neurons * (4.0 / 3.0) * math.pi * float(radius) ** 3)


def check_synapse_count(n_neurons: int, radius: float, *, cause: str,
                        owner: str | None = None) -> int:
    """Raise if ``n_neurons`` connected within ``radius`` spacings exceed :data:`MAX_SYNAPSES`."""
    n = estimated_synapses(n_neurons, radius)
    if n > MAX_SYNAPSES:
        where = f"{owner}: " if owner else ""
        raise ValueError(
            f"{where}{cause} makes about {n:,} candidate synapses ({n_neurons:,} neurons, each "
            f"connected within radius={radius:g} spacings); expected at most {MAX_SYNAPSES:,} "
            "(each synapse takes about 100 bytes in the simulator). Use a smaller radius or a "
            "larger spacing_mm."
        )
    return n
