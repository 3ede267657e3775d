"""NeuCube and the baselines as MOABB pipelines, for its P300/ERP paradigm.

`MOABB <https://neurotechx.github.io/moabb/>`_ compares decoders on public EEG datasets: a
*paradigm* (here ``moabb.paradigms.P300``) cuts a dataset into epochs, an *evaluation*
(``WithinSessionEvaluation``, ``CrossSubjectEvaluation``, ...) cross-validates a dict of
scikit-learn pipelines on them and reports ROC-AUC per subject and session. The pipelines of
:func:`moabb_pipelines` take MOABB's epochs as they come (an array of shape ``(n_trials,
n_channels, n_times)`` in volts, string labels such as ``"Target"``/``"NonTarget"``), convert
them to microvolts (the unit of neucube's encoders and of its own data loaders) and classify
them with :class:`~neucube.classifier.NeuCubeClassifier` or a baseline of
:data:`~neucube.evaluation.baselines.BASELINES`.

MOABB itself is an optional dependency (``pip install "neucube[moabb]"``); this module does not
import it. Example (downloads a public dataset, so it is not run by the tests; they use MOABB's
offline ``FakeDataset``)::

    from moabb.datasets import BNCI2014_009
    from moabb.evaluations import WithinSessionEvaluation
    from moabb.paradigms import P300

    from data_loaders import channel_positions
    from neucube.evaluation.moabb import moabb_pipelines

    dataset, paradigm = BNCI2014_009(), P300(resample=128)
    epochs, _, _ = paradigm.get_data(dataset, subjects=[1], return_epochs=True)
    coords = channel_positions(epochs.ch_names)      # MNI mm, one row per channel
    pipelines = moabb_pipelines(coords=coords, random_state=0)
    results = WithinSessionEvaluation(paradigm=paradigm, datasets=[dataset]).process(pipelines)
    print(results.groupby("pipeline").score.mean())
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from neucube.classifier import NeuCubeClassifier
from neucube.evaluation.baselines import make_baseline

__all__ = ["ERP_PARAMS", "VOLTS_TO_MICROVOLTS", "moabb_pipelines"]

#: The NeuCube model of the default ERP study (``studies/familiarity.toml``): BSA encoder,
#: depression-dominated STDP and the state readout, chosen on development data
#: (bench/README.md, accuracy protocol steps 2-6).
ERP_PARAMS: dict[str, Any] = {"encoder": "bsa", "stdp_rate": (0.001, 0.002), "readout": "state"}

#: MOABB's epochs are in volts (MNE's unit); neucube's encoders and loaders use microvolts.
VOLTS_TO_MICROVOLTS = 1e6


def _to_microvolts(X: np.ndarray) -> np.ndarray:
    return np.asarray(X, dtype=np.float64) * VOLTS_TO_MICROVOLTS


def moabb_pipelines(
    coords: Any = None,
    *,
    neucube_params: Mapping[str, Any] | None = None,
    baselines: Sequence[str] = ("vectorizer_logreg", "window_means_logreg"),
    random_state: int | None = 0,
) -> dict[str, Pipeline]:
    """NeuCube and baseline pipelines for a MOABB evaluation (``evaluation.process(...)``).

    Parameters
    ----------
    coords : array-like of shape (n_channels, 3), optional
        MNI coordinates in mm of the paradigm's channels, in the order of MOABB's epochs (e.g.
        ``data_loaders.channel_positions(epochs.ch_names)``). Without them the cube
        spreads its inputs evenly over the brain template (and says so).
    neucube_params : mapping, optional
        Parameters of :class:`~neucube.classifier.NeuCubeClassifier`; default
        :data:`ERP_PARAMS`.
    baselines : sequence of str
        Names of :data:`~neucube.evaluation.baselines.BASELINES` to add.
    random_state : int or None
        Seed of every model (the cube's connectivity included).

    Returns
    -------
    dict of str to Pipeline
        ``{"NeuCube": ..., <baseline>: ...}``, each a volts-to-microvolts step and the model.
    """
    params = dict(ERP_PARAMS if neucube_params is None else neucube_params)
    if coords is not None:
        params["coords"] = np.asarray(coords, dtype=np.float64)
    params.setdefault("random_state", random_state)

    def pipeline(model: Any) -> Pipeline:
        return Pipeline([("microvolts", FunctionTransformer(_to_microvolts)), ("model", model)])

    out = {"NeuCube": pipeline(NeuCubeClassifier(**params))}
    for name in baselines:
        out[name] = pipeline(make_baseline(name, random_state))
    return out
