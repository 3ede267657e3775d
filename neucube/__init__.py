"""neucube: NeuCube-style spiking neural networks for spatiotemporal brain data.

Data flows ``data_loaders`` -> ``neucube`` -> ``app``/CLI. This package holds the science:
the :class:`TrialSet` data model, spike encoders, the Brian2 reservoir, readouts, evaluation,
connectivity analysis and figures. It imports neither ``data_loaders`` nor ``app``.
"""

from neucube._version import __version__
from neucube.data import TrialSet

__all__ = ["TrialSet", "__version__"]
