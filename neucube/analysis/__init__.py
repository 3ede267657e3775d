"""Connectivity analysis of a fitted cube, as networkx graphs and sparse matrices.

Every function takes the cube as a fitted :class:`~neucube.classifier.NeuCubeClassifier`, a
fitted :class:`~neucube.cube.reservoir.Reservoir` or a :class:`~neucube.cube.network.CubeNetwork`
(plus spikes where needed):

- :func:`network_graph`: neurons and synapses (weights before/after STDP) as a DiGraph;
- :func:`spike_communication` and :func:`spike_transmission`: spikes carried by each synapse;
- :func:`neuron_clusters`, :func:`label_propagation`, :func:`neuron_proportions`: which input
  channel each neuron belongs to;
- :func:`feature_interaction_network` (with :func:`interaction_matrix` and
  :func:`interaction_graph`): interaction between input channels, with network measures;
- :func:`information_routes`: breadth-first spread of each channel's spikes;
- :func:`class_activity`: mean firing per neuron and class, in a time window;
- :func:`window_contrast`: two classes' firing and feature interaction in one window;
- :func:`export_graph`: GraphML, GEXF (Gephi) or CSV.
"""

from neucube.analysis.activity import ClassActivity, class_activity, window_steps
from neucube.analysis.clusters import (
    CLUSTER_SOURCES,
    label_propagation,
    neuron_clusters,
    neuron_proportions,
)
from neucube.analysis.communication import (
    neuron_spike_counts,
    spike_communication,
    spike_transmission,
)
from neucube.analysis.contrast import WindowContrast, window_contrast
from neucube.analysis.export import GRAPH_FORMATS, export_graph
from neucube.analysis.graph import network_graph
from neucube.analysis.interaction import (
    INTERACTION_WEIGHTS,
    feature_interaction_network,
    interaction_graph,
    interaction_matrix,
)
from neucube.analysis.routes import information_routes

__all__ = [
    "CLUSTER_SOURCES",
    "ClassActivity",
    "GRAPH_FORMATS",
    "INTERACTION_WEIGHTS",
    "WindowContrast",
    "class_activity",
    "export_graph",
    "feature_interaction_network",
    "information_routes",
    "interaction_graph",
    "interaction_matrix",
    "label_propagation",
    "network_graph",
    "neuron_clusters",
    "neuron_proportions",
    "neuron_spike_counts",
    "spike_communication",
    "spike_transmission",
    "window_contrast",
    "window_steps",
]
