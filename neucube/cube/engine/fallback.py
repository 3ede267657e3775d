"""Brian2's runtime targets (``"cython"``, ``"numpy"``): the same model without a C++ build.

Slower fallbacks for machines without a C++ compiler; each run creates the network anew on
Brian2's runtime device.
"""

from __future__ import annotations

import numpy as np

from neucube.cube.engine.build import BuildSpec
from neucube.cube.engine.equations import BRIAN_LOCK, NEURON_SCALARS, make_network, quiet_brian


def run_runtime(spec: BuildSpec, target: str, stim: np.ndarray, weights: np.ndarray,
                excitatory: np.ndarray, pre: np.ndarray, post: np.ndarray, inp: np.ndarray,
                scalars: dict[str, float | int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run one chunk on Brian2's runtime device with code generation target ``target``, on
    the synapses ``pre -> post`` (the active candidates) with their weights and signs."""
    with BRIAN_LOCK, quiet_brian():
        import brian2 as b2
        from brian2.devices.device import get_device, reset_device, runtime_device, set_device

        switched = get_device() is not runtime_device
        if switched:
            set_device("runtime")
        saved_target = b2.prefs["codegen.target"]
        b2.prefs["codegen.target"] = target
        try:
            objs = make_network(b2, spec, stim, pre, post)
            g, s, m = objs["neurons"], objs["synapses"], objs["monitor"]
            g.inp = inp
            if len(pre):
                s.w = weights
                s.active = 1
                s.exc = excitatory
            for name, value in scalars.items():
                (g if name in NEURON_SCALARS else s).variables[name].set_value(value)
            objs["net"].run(stim.shape[0] * b2.second, namespace={})
            neuron = np.asarray(m.i[:], dtype=np.int32)
            steps = np.rint(np.asarray(m.t_[:])).astype(np.int64)
            w = np.asarray(s.w[:], dtype=np.float64)
        finally:
            b2.prefs["codegen.target"] = saved_target
            if switched:
                reset_device()
    return neuron, steps, w
