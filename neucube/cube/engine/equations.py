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
# C++ evaluates ``&&`` lazily, so the input is only read for input neurons. The compiled program
# reads it from a bit table (``neucube_stim``, below); Brian2's runtime targets from a
# ``TimedArray`` ``stim``.
THRESHOLD = "(inp < {n_columns} and {input}) or (nr == 1 and v >= theta)"
INPUT = {"standalone": "neucube_stim(t_in_timesteps, inp) == 1", "runtime": "stim(t, inp) > 0.5"}
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


# Run-time inputs of the compiled program that are not Brian2 variables, read from the files named
# by these environment variables (see :mod:`neucube.cube.engine.protocol` for their layout):
# the synapses (so one build serves every set of active synapses of its candidates) and the input
# spikes as a bit table (1 bit per step and column instead of a dense ``float64`` table).
ENV_SYNAPSES = "NEUCUBE_SYNAPSES"
ENV_STIM = "NEUCUBE_STIM"
#: "1": the synapses are made in the plastic group (STDP pass), else in the frozen group.
ENV_PLASTIC = "NEUCUBE_PLASTIC"
#: Steps to simulate (at most the build's chunk; a last, partial chunk is not padded).
ENV_STEPS = "NEUCUBE_STEPS"
#: Where to write the spike count (int64) and, if :data:`ENV_RECORD` is "1", the spikes (int32
#: neurons, then int32 steps).
ENV_SPIKES = "NEUCUBE_SPIKES"
ENV_RECORD = "NEUCUBE_RECORD"

# A file that cannot be read ends the program with "Error" on stdout, which the caller reports.
_FAIL = 'std::cout << "Error: " << (msg) << " (" << (path ? path : "unset") << ")" << std::endl; '\
        "std::exit(3);"
# The synapse file, read once; ``neucube_syn_post(i, k)`` is the k-th target of neuron i.
_SYN_POST_CPP = r"""
#include <cstdio>
#include <cstdlib>
#include <vector>
namespace {
struct _NcSynapses { std::vector<int32_t> offsets, post; bool plastic = false, loaded = false; };
static void _nc_fail(const char* msg, const char* path) { %(fail)s }
static _NcSynapses& _nc_synapses() {
    static _NcSynapses s;
    if (!s.loaded) {
        s.loaded = true;
        const char* flag = std::getenv("%(env_plastic)s");
        s.plastic = flag && flag[0] == '1';
        const char* path = std::getenv("%(env)s");
        FILE* f = path ? std::fopen(path, "rb") : NULL;
        if (!f) _nc_fail("cannot open the synapse file", path);
        int32_t n[2];
        if (std::fread(n, sizeof(int32_t), 2, f) != 2 || n[0] != %(n_neurons)d || n[1] < 0)
            _nc_fail("the synapse file is not for %(n_neurons)d neurons", path);
        s.offsets.resize(n[0] + 1);
        s.post.resize(n[1]);
        if (std::fread(s.offsets.data(), sizeof(int32_t), n[0] + 1, f) != (size_t)(n[0] + 1)
            || (n[1] > 0 && std::fread(s.post.data(), sizeof(int32_t), n[1], f) != (size_t)n[1]))
            _nc_fail("the synapse file is truncated", path);
        std::fclose(f);
    }
    return s;
}
}
static inline int32_t neucube_syn_post(const int32_t i, const int32_t k) {
    _NcSynapses& s = _nc_synapses();
    return s.post[s.offsets[i] + k];
}
"""
# Targets of neuron i in the plastic group (STDP pass) or in the frozen group (other runs): the
# other group stays empty.
_SYN_COUNT_CPP = r"""
static inline int32_t %(name)s(const int32_t i) {
    _NcSynapses& s = _nc_synapses();
    return s.plastic == %(plastic)s ? s.offsets[i + 1] - s.offsets[i] : 0;
}
"""
_STIM_CPP = r"""
#include <cstdio>
#include <cstdlib>
#include <vector>
namespace {
struct _NcStim { std::vector<unsigned char> bits; int64_t rows = 0; bool loaded = false; };
static void _nc_fail(const char* msg, const char* path) { %(fail)s }
static _NcStim& _nc_stim() {
    static _NcStim s;
    if (!s.loaded) {
        s.loaded = true;
        const char* path = std::getenv("%(env)s");
        FILE* f = path ? std::fopen(path, "rb") : NULL;
        if (!f) _nc_fail("cannot open the input file", path);
        int32_t n[2];
        if (std::fread(n, sizeof(int32_t), 2, f) != 2 || n[0] < 0 || n[1] != %(n_columns)d)
            _nc_fail("the input file is not for %(n_columns)d columns", path);
        s.rows = n[0];
        s.bits.resize((s.rows * n[1] + 7) / 8);
        if (s.bits.size() && std::fread(s.bits.data(), 1, s.bits.size(), f) != s.bits.size())
            _nc_fail("the input file is truncated", path);
        std::fclose(f);
    }
    return s;
}
}
static inline int32_t neucube_stim(const int64_t step, const int32_t column) {
    _NcStim& s = _nc_stim();
    if (step < 0 || step >= s.rows) return 0;
    const int64_t bit = step * %(n_columns)d + column;
    return (s.bits[bit >> 3] >> (bit & 7)) & 1;
}
"""


def _standalone_functions(b2: Any, spec: BuildSpec) -> dict[str, Any]:
    """The C++ functions through which the compiled program reads its synapses and input."""
    def function(n_args: int, name: str, code: str, **deps: Any) -> Any:
        f = b2.Function(lambda *args: 0, arg_units=[1] * n_args, return_unit=1,
                        arg_types=["integer"] * n_args, return_type="integer", stateless=False)
        f.implementations.add_implementation("cpp", code=code, name=name, dependencies=deps)
        return f

    syn_post = function(2, "neucube_syn_post", _SYN_POST_CPP % {
        "fail": _FAIL, "env": ENV_SYNAPSES, "env_plastic": ENV_PLASTIC,
        "n_neurons": spec.n_neurons})
    return {
        "syn_post": syn_post,
        "plastic_count": function(1, "neucube_plastic_count", _SYN_COUNT_CPP % {
            "name": "neucube_plastic_count", "plastic": "true"}, neucube_syn_post=syn_post),
        "frozen_count": function(1, "neucube_frozen_count", _SYN_COUNT_CPP % {
            "name": "neucube_frozen_count", "plastic": "false"}, neucube_syn_post=syn_post),
        "neucube_stim": function(2, "neucube_stim", _STIM_CPP % {
            "fail": _FAIL, "env": ENV_STIM, "n_columns": spec.n_columns}),
    }


def make_network(b2: Any, spec: BuildSpec, stim_values: np.ndarray | None = None,
                 pre: np.ndarray | None = None, post: np.ndarray | None = None
                 ) -> dict[str, Any]:
    """Create the Brian2 objects of the model on the active device.

    Without ``stim_values`` (the compiled program), the synapses and the input spikes are read
    at run time from the files named by :data:`ENV_SYNAPSES` and :data:`ENV_STIM`, and the
    synapses are made either in ``synapses`` (with STDP) or in ``frozen`` (``on_pre`` only: no
    learning code and no postsynaptic pathway), chosen by :data:`ENV_PLASTIC`. A frozen pass
    gives the same spikes either way: with ``plastic`` = 0 the STDP updates are exact zeros and
    the clip leaves a weight inside its bounds unchanged. With ``stim_values`` (Brian2's runtime
    targets), the input is the ``TimedArray`` of ``stim_values`` and the synapses ``pre -> post``
    are made in ``synapses``; ``frozen`` is None.
    """
    second = b2.second
    standalone = stim_values is None
    if standalone:
        funcs = _standalone_functions(b2, spec)
        namespace = {"neucube_stim": funcs["neucube_stim"]}
        stim = None
    else:
        stim = b2.TimedArray(stim_values, dt=1 * second, name="cube_stim")
        namespace = {"stim": stim}
    threshold = THRESHOLD.format(n_columns=spec.n_columns,
                                 input=INPUT["standalone" if standalone else "runtime"])
    neurons = b2.NeuronGroup(
        spec.n_neurons, NEURON_EQS, threshold=threshold,
        reset=RESET, dt=1 * second, name="cube_neurons", namespace=namespace,
    )
    code = STEP_CODE.format(leak=LEAK[spec.neuron_model], n_steps=spec.n_steps)
    neurons.run_regularly(code, when="start", name="cube_step")
    synapses = b2.Synapses(neurons, neurons, SYNAPSE_EQS, on_pre=ON_PRE, on_post=ON_POST,
                           dt=1 * second, name="cube_synapses", namespace={})
    # Sorted (pre, post) order = synapse index order = Brian2's propagation order; the file's
    # targets are sorted per source, so the generator creates them in that order too.
    frozen = None
    if standalone:
        synapses.connect(j="syn_post(i, k) for k in range(plastic_count(i))",
                         namespace={"syn_post": funcs["syn_post"],
                                    "plastic_count": funcs["plastic_count"]})
        frozen = b2.Synapses(neurons, neurons, "w : 1", on_pre="I_post += w", dt=1 * second,
                             name="cube_frozen", namespace={})
        frozen.connect(j="syn_post(i, k) for k in range(frozen_count(i))",
                       namespace={"syn_post": funcs["syn_post"],
                                  "frozen_count": funcs["frozen_count"]})
    else:
        synapses.connect(i=np.asarray(pre, dtype=np.int32), j=np.asarray(post, dtype=np.int32))
    monitor = b2.SpikeMonitor(neurons, name="cube_spikes")
    groups = [neurons, synapses, monitor] + ([frozen] if frozen is not None else [])
    net = b2.Network(*groups, name="cube_network")
    return {"net": net, "neurons": neurons, "synapses": synapses, "frozen": frozen,
            "monitor": monitor, "stim": stim}
