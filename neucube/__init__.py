"""neucube: NeuCube-style spiking neural networks for spatiotemporal brain data.

Data flows ``data_loaders`` -> ``neucube`` -> ``app``/CLI. This package holds the science:
the :class:`TrialSet` data model, spike encoders (:mod:`neucube.encoding`), the Brian2 reservoir
(:mod:`neucube.cube`), readouts (:mod:`neucube.readout`), the :class:`NeuCubeClassifier`,
evaluation (:mod:`neucube.evaluation`), connectivity analysis and figures. It imports neither
``data_loaders`` nor ``app``.

Heavy parts (Brian2, scikit-learn) load lazily, on first use of a name that needs them.
"""

from __future__ import annotations

import importlib
from typing import Any

from neucube._version import __version__
from neucube.data import TrialSet

#: Public name -> module that defines it (imported on first access, PEP 562).
_LAZY = {
    "NeuCubeClassifier": "neucube.classifier",
    "Reservoir": "neucube.cube",
    "SpikeRaster": "neucube.cube",
    "brain_template": "neucube.cube",
    "grid_template": "neucube.cube",
    "DeSNNClassifier": "neucube.readout",
    "load_model": "neucube.persistence",
    "ModelFileError": "neucube.persistence",
    "evaluate": "neucube.evaluation",
}

__all__ = ["TrialSet", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'neucube' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
