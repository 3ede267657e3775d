"""The NeuCube reservoir ("cube"): neuron positions, input mapping, connectivity and simulation.

- :func:`brain_template`, :func:`grid_template`, :func:`load_template`: neuron positions.
- :func:`map_channels`: which neuron each channel drives.
- :func:`build_connectivity`: NeuCube v1.3 small-world (or Gaussian) synapses.
- :class:`ModelParams` and :mod:`neucube.cube.model`: the discrete-time neuron and STDP model,
  with the order of operations within a step.
- :func:`simulate_reference` (NumPy, the specification in code) and :func:`simulate_brian`
  (Brian2 ``cpp_standalone``, compiled once per network structure).
- :class:`Reservoir`: the scikit-learn transformer, spikes in, :class:`SpikeRaster` out.
- :func:`describe_activity`: how active a fitted cube was, in plain sentences.
"""

from neucube.cube.activity import ActivityDescription, describe_activity
from neucube.cube.connectivity import build_connectivity, template_spacing
from neucube.cube.engine import cache_root, compile_count, simulate_brian
from neucube.cube.mapping import Collision, InputMapping, input_positions, map_channels
from neucube.cube.model import ModelParams
from neucube.cube.network import CubeNetwork
from neucube.cube.raster import SpikeRaster
from neucube.cube.reference import simulate_reference
from neucube.cube.reservoir import Reservoir
from neucube.cube.simulation import SimulationResult
from neucube.cube.template import brain_template, grid_template, load_template

__all__ = [
    "ActivityDescription",
    "Collision",
    "CubeNetwork",
    "InputMapping",
    "ModelParams",
    "Reservoir",
    "SimulationResult",
    "SpikeRaster",
    "brain_template",
    "build_connectivity",
    "cache_root",
    "compile_count",
    "describe_activity",
    "grid_template",
    "input_positions",
    "load_template",
    "map_channels",
    "simulate_brian",
    "simulate_reference",
    "template_spacing",
]
