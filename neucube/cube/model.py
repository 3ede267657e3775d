"""The discrete-time neuron and plasticity model of the cube, with every operation of a step pinned.

One simulation step is one sample of the encoded data. The NumPy reference
(:mod:`neucube.cube.reference`) and the Brian2 engine (:mod:`neucube.cube.engine`) both implement
exactly this sequence, so that they give identical spike rasters on identical inputs.

Order of operations in step ``t`` of a sample (``t = 0 .. n_steps - 1``)
------------------------------------------------------------------------
1. **Sample boundary.** If ``t == 0``: potentials ``u``, input buffers ``I``, refractory counters
   and both STDP traces are set to 0 (weights are kept).
2. **Trace decay.** ``x *= exp(-1/tau_plus)`` (presynaptic trace) and ``y *= exp(-1/tau_minus)``
   (postsynaptic trace), for every neuron.
3. **Integration.** A neuron is *integrating* when its refractory counter is 0. An integrating
   neuron adds its buffered input: ``u += I``. Input that reaches a refractory neuron is dropped.
   Then ``I = 0`` and non-zero refractory counters count down by one.
4. **Threshold.** An input neuron spikes iff its channel has a spike of its sign at step ``t``
   (input neurons have no dynamics and receive no synapses). Any other neuron spikes iff it is
   integrating and ``u >= threshold``.
5. **Propagation and depression.** For every spike of neuron ``j`` and every synapse ``j -> i``
   (in increasing synapse order): ``I_i += w_ji`` with the weight as it was before any update
   of this step; then, if learning is on, ``w_ji -= A- * y_i``. Because ``I`` is only added to
   ``u`` in step ``t + 1``, every synapse has a delay of exactly one step:
   ``u_i(t+1) += sum_j w_ji s_j(t)``.
6. **Potentiation.** If learning is on, for every spike of neuron ``i`` and every synapse
   ``j -> i``: ``w_ji += A+ * x_j``. Depression and potentiation each clip the weight into
   ``[0, w_clip]`` for an excitatory synapse and ``[-w_clip, 0]`` for an inhibitory one, so a
   synapse never changes sign. With ``soft_bound``, each change is first multiplied by the
   distance to the bound it moves towards, in units of ``w_clip``: potentiation by
   ``(hi - w) / w_clip`` and depression by ``(w - lo) / w_clip``, where ``[lo, hi]`` are the
   synapse's bounds (the weight-dependent rule of van Rossum et al. 2000), so weights approach
   their bounds smoothly and repeated rounds converge instead of drifting to a bound.
7. **Reset.** Every neuron that spiked: ``u = 0``, refractory counter ``= refractory``, and
   ``x += 1``, ``y += 1``.
8. **Leak.** ``"slif"``: ``u = max(0, u - leak)``; ``"lif"``: ``u *= exp(-1/tau_mem)``. (A neuron
   that spiked has ``u = 0`` and is unaffected, so this is the spec's "otherwise" branch.)

Consequences worth knowing
--------------------------
- A spike at step ``t`` reaches its targets at ``t + 1``; the input spikes of the last step of a
  sample are lost, because everything resets before the next sample.
- With ``refractory = R``, a neuron that spikes at ``t`` ignores input and cannot spike at
  ``t + 1 .. t + R``.
- STDP is the pair rule of Song et al. (2000) with all-to-all pairing through the traces: a pair
  with ``dt = t_post - t_pre > 0`` changes the weight by ``+A+ exp(-dt/tau_plus)`` and one with
  ``dt < 0`` by ``-A- exp(dt/tau_minus)``. Pairs of simultaneous spikes (``dt = 0``) do not change
  the weight: with a one-step delay they cannot be causally related.
- Signs are additive: STDP adds ``dw`` to the signed weight, so causal pairing makes an
  inhibitory synapse weaker (towards 0) and anti-causal pairing makes it stronger.
- ``"slif"`` is NeuCube's simplified LIF: a constant leak and a potential floored at 0. ``"lif"`` is
  a standard exponential LIF with membrane time constant ``tau_mem`` steps, whose potential may
  go below 0 under inhibition.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from neucube._validation import check_int, check_number, check_option

__all__ = ["ModelParams", "NEURON_MODELS"]

#: Neuron models understood by the reference and the engine.
NEURON_MODELS = ("slif", "lif")


@dataclass(frozen=True)
class ModelParams:
    """Parameters of the neuron model and of STDP (see the module docstring for the semantics).

    Parameters
    ----------
    threshold : float
        Firing threshold ``theta`` (> 0).
    leak : float
        Constant leak per step of the ``"slif"`` model (>= 0).
    refractory : int
        Refractory period in steps (>= 0).
    neuron_model : {"slif", "lif"}
        NeuCube's simplified LIF or a standard exponential LIF.
    tau_mem : float
        Membrane time constant of the ``"lif"`` model, in steps (> 0).
    a_plus, a_minus : float
        STDP amplitudes for potentiation and depression (>= 0).
    tau_plus, tau_minus : float
        STDP time constants in steps (> 0).
    w_clip : float
        Largest absolute weight (> 0).
    soft_bound : bool
        Weight-dependent (soft-bound) STDP instead of NeuCube's additive rule with hard clipping.
    """

    threshold: float = 0.5
    leak: float = 0.002
    refractory: int = 6
    neuron_model: str = "slif"
    tau_mem: float = 20.0
    a_plus: float = 0.001
    a_minus: float = 0.001
    tau_plus: float = 10.0
    tau_minus: float = 10.0
    w_clip: float = 2.0
    soft_bound: bool = False

    def __post_init__(self) -> None:
        owner = "ModelParams"
        positive = {"low": 0.0, "low_inclusive": False, "owner": owner}
        object.__setattr__(self, "threshold", check_number("threshold", self.threshold, **positive))
        object.__setattr__(self, "leak", check_number("leak", self.leak, low=0.0, owner=owner))
        object.__setattr__(
            self, "refractory", check_int("refractory", self.refractory, low=0, owner=owner)
        )
        check_option("neuron_model", self.neuron_model, NEURON_MODELS, owner=owner)
        object.__setattr__(self, "tau_mem", check_number("tau_mem", self.tau_mem, **positive))
        for name in ("a_plus", "a_minus"):
            object.__setattr__(self, name, check_number(name, getattr(self, name), low=0.0,
                                                        owner=owner))
        for name in ("tau_plus", "tau_minus", "w_clip"):
            object.__setattr__(self, name, check_number(name, getattr(self, name), **positive))
        if not isinstance(self.soft_bound, (bool, np.bool_)):
            raise TypeError(f"{owner} field 'soft_bound': expected a bool; found "
                            f"{self.soft_bound!r}.")
        object.__setattr__(self, "soft_bound", bool(self.soft_bound))

    @property
    def decay_plus(self) -> float:
        """Per-step decay factor of the presynaptic trace, ``exp(-1/tau_plus)``."""
        return math.exp(-1.0 / self.tau_plus)

    @property
    def decay_minus(self) -> float:
        """Per-step decay factor of the postsynaptic trace, ``exp(-1/tau_minus)``."""
        return math.exp(-1.0 / self.tau_minus)

    @property
    def decay_mem(self) -> float:
        """Per-step decay factor of the ``"lif"`` potential, ``exp(-1/tau_mem)``."""
        return math.exp(-1.0 / self.tau_mem)
