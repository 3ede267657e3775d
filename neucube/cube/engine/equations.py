"""The Brian2 model of the cube: equations, step code and the objects made from them.

The equations are dimensionless Brian2 strings (``dt`` is one second, so one step is one time
unit); the step sequence is that of :mod:`neucube.cube.model`. Brian2's device, preferences and
name registry are process-global: everything that builds Brian2 objects holds
:data:`BRIAN_LOCK`.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from neucube.cube.model import ModelParams

if TYPE_CHECKING:
    from neucube.cube.engine.build import BuildSpec

# Brian2's device, preferences and name registry are process-global.
BRIAN_LOCK = threading.RLock()


@contextlib.contextmanager
def quiet_brian() -> Iterator[None]:
    """Hide the deprecation warnings Brian2 2.9 triggers in pyparsing 3.3 (not actionable)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"brian2(\.|$)")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"pyparsing(\.|$)")
        yield


NEURON_EQS = """
v : 1
I : 1
ref : integer
nr : integer
xpre : 1
ypost : 1
inp : integer (constant)
theta : 1 (shared, constant)
leak : 1 (shared, constant)
dmem : 1 (shared, constant)
R : integer (shared, constant)
dplus : 1 (shared, constant)
dminus : 1 (shared, constant)
"""

SYNAPSE_EQS = """
w : 1
active : integer (constant)
exc : integer (constant)
aplus : 1 (shared, constant)
aminus : 1 (shared, constant)
wclip : 1 (shared, constant)
plastic : 1 (shared, constant)
soft : 1 (shared, constant)
winv : 1 (shared, constant)
"""

# Step 8 of the previous step (the leak: nothing reads ``v`` between the end of one step and the
# start of the next, so it is merged here to save a loop over the neurons), then steps 1-3.
# ``keep``, ``nr``, ``active`` and ``plastic`` are 0/1, so the products that gate the updates are
# exact and the association order chosen by code generation cannot change a bit. (A separate
# ``run_regularly`` on a one-sample clock for step 1 was measured to be slower.)
STEP_CODE = """
{leak}
keep = 1 - int(t_in_timesteps % {n_steps} == 0)
v = v * keep
I = I * keep
ref = ref * keep
xpre = xpre * keep * dplus
ypost = ypost * keep * dminus
nr = int(ref <= 0)
v = v + I * nr
I = 0
ref = ref - (1 - nr)
"""
# C++ evaluates ``&&`` lazily, so the input table is only read for input neurons.
THRESHOLD = "(inp < {n_columns} and stim(t, inp) > 0.5) or (nr == 1 and v >= theta)"
RESET = "v = 0\nref = R\nxpre += 1\nypost += 1"
# Soft bounds (``soft`` = 1) scale each change by the distance to the bound it moves towards,
# in units of ``wclip`` (``winv`` = 1 / wclip); with ``soft`` = 0 the factor is exactly 1 (the
# additive rule). The amplitude is a temporary so that every product has two real factors (the
# others are 0/1): no association order of code generation can change a bit.
ON_PRE = (
    "I_post += w\n"
    "dwm = aminus * ypost_post\n"
    "w = clip(w - active * plastic * dwm * (1 - soft + soft * ((w - wclip * (exc - 1)) * winv)),"
    " wclip * (exc - 1), wclip * exc)"
)
ON_POST = (
    "dwp = aplus * xpre_pre\n"
    "w = clip(w + active * plastic * dwp * (1 - soft + soft * ((wclip * exc - w) * winv)),"
    " wclip * (exc - 1), wclip * exc)"
)
LEAK = {"slif": "v = clip(v - leak, 0, inf)", "lif": "v = v * dmem"}

NEURON_SCALARS = ("theta", "leak", "dmem", "R", "dplus", "dminus")
SYNAPSE_SCALARS = ("aplus", "aminus", "wclip", "plastic", "soft", "winv")


def scalar_values(params: ModelParams, plastic: bool) -> dict[str, float | int]:
    """Values of the shared parameters (run-time arguments, not part of the build)."""
    return {
        "theta": params.threshold,
        "leak": params.leak,
        "dmem": params.decay_mem,
        "R": params.refractory,
        "dplus": params.decay_plus,
        "dminus": params.decay_minus,
        "aplus": params.a_plus,
        "aminus": params.a_minus,
        "wclip": params.w_clip,
        "plastic": 1.0 if plastic else 0.0,
        "soft": 1.0 if params.soft_bound else 0.0,
        "winv": 1.0 / params.w_clip,
    }


def make_network(b2: Any, spec: BuildSpec, stim_values: np.ndarray) -> dict[str, Any]:
    """Create the Brian2 objects of the model on the active device."""
    second = b2.second
    stim = b2.TimedArray(stim_values, dt=1 * second, name="cube_stim")
    neurons = b2.NeuronGroup(
        spec.n_neurons, NEURON_EQS, threshold=THRESHOLD.format(n_columns=spec.n_columns),
        reset=RESET, dt=1 * second, name="cube_neurons", namespace={"stim": stim},
    )
    code = STEP_CODE.format(leak=LEAK[spec.neuron_model], n_steps=spec.n_steps)
    neurons.run_regularly(code, when="start", name="cube_step")
    synapses = b2.Synapses(neurons, neurons, SYNAPSE_EQS, on_pre=ON_PRE, on_post=ON_POST,
                           dt=1 * second, name="cube_synapses", namespace={})
    # Sorted (pre, post) order = synapse index order = Brian2's propagation order.
    synapses.connect(i=np.asarray(spec.pre, dtype=np.int32),
                     j=np.asarray(spec.post, dtype=np.int32))
    monitor = b2.SpikeMonitor(neurons, name="cube_spikes")
    net = b2.Network(neurons, synapses, monitor, name="cube_network")
    return {"net": net, "neurons": neurons, "synapses": synapses, "monitor": monitor,
            "stim": stim}
