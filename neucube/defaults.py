"""The model settings in one place: neucube's defaults and NeuCube's published (2014) settings.

:class:`~neucube.classifier.NeuCubeClassifier` takes its defaults from :data:`DEFAULTS` and
:meth:`~neucube.classifier.NeuCubeClassifier.published` from :data:`PUBLISHED`; the study files'
schema and the web app read them from here too (this module imports nothing heavy), so no other
layer keeps a copy of a default.

:data:`DEFAULTS` were chosen by the declared protocol of ``bench/README.md`` (issue 16 section)
on development data; :data:`PUBLISHED` reproduces the settings of the NeuCube v1.3 software
(``NEUCUBE_SPEC.md``), which were neucube's defaults before.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULTS", "PUBLISHED", "PRESETS", "CUBE_PLOT_THRESHOLD"]

#: NeuCube's published settings (the 2014 software): TBR, the published wiring, additive STDP
#: A+ = A- = 0.001 for one round, deSNN readout with weighted k-NN recall.
PUBLISHED: dict[str, Any] = {
    "encoder": "tbr",
    "encoder_alpha": 0.5,
    "threshold": 0.5,
    "leak": 0.002,
    "refractory": 6,
    "stdp_rate": 0.001,
    "tau_stdp": 10.0,
    "n_rounds": 1,
    "weight_scale": 1.0,
    "target_activity": 0.3,
    "stdp_bound": "hard",
    "homeostasis": False,
    "readout": "desnn",
    "mod": 0.8,
    "drift_up": 0.005,
    "drift_down": 0.005,
    "recall": "wknn",
    "k": 3,
    "sigma": 1.0,
    "c": 0.7,
    "n_bins": 20,
    "state_c": "auto",
}

#: neucube's defaults: the winner of the protocol's round 2 (see the module docstring; round 1's
#: winner, the active cube, lost on real ERP data: its 30% active non-input neurons diluted the
#: encoder's spikes in the state readout), candidate ``passive_bsa_state``: Ben's Spiker
#: Algorithm encoding (it encodes signal levels, not only changes), NeuCube's published wiring
#: with depression-dominated additive STDP (A+, A-) = (0.001, 0.002) for one round, and the
#: state readout (logistic regression on 20 time bins of spike counts, C by inner CV). The STDP
#: round leaves the cube beyond the input neurons nearly silent, so the readout reads mostly the
#: encoded input; ``weight_scale="auto"`` with ``stdp_bound="soft"`` and ``homeostasis=True``
#: gives the active cube.
DEFAULTS: dict[str, Any] = {
    **PUBLISHED,
    "encoder": "bsa",
    "stdp_rate": (0.001, 0.002),
    "readout": "state",
}

#: Named presets (a study's ``[model] preset``): full sets of the parameters above.
PRESETS: dict[str, dict[str, Any]] = {"default": DEFAULTS, "published": PUBLISHED}

#: Default ``|w|`` threshold of the cube connection figures (and of a study's ``[figures]
#: threshold``): the 97.5th percentile of each panel's non-zero ``|w|``, i.e. the strongest 2.5%
#: of its connections, the share NeuCube's fixed 0.08 drew of the published wiring. A fixed
#: number draws nothing of a calibrated cube's weights (see :mod:`neucube.plotting.cube`).
CUBE_PLOT_THRESHOLD = "97.5%"
