"""Loaders: recordings (EEG, NeuCube CSV, fMRI) and the built-in simulator to :class:`neucube.TrialSet`.

This layer reads files with MNE and nibabel and maps channels to 3-D brain coordinates. It imports
only neucube's data model (``neucube.data``), never the modelling code.
"""

__all__: list[str] = []
