"""Standard (non-spiking) classifiers run on the same folds as every NeuCube model.

A NeuCube accuracy means little on its own: these baselines say what a plain linear model, and
the decoders of the field, get from the same trials. All are scikit-learn pipelines on
``(n_trials, n_channels, n_times)`` arrays, so they are fitted on the training folds only, like
the spiking model.

- ``vectorizer_logreg``, ``channel_features_logreg``, ``window_means_logreg``: logistic
  regressions on every sample, on per-channel amplitude features, on time-window means;
- ``lda_window_means``: the classic ERP decoder, LDA with automatic (Ledoit-Wolf) shrinkage on
  time-window means per channel (Blankertz et al. 2011, NeuroImage 56:814);
- ``xdawn_tangent_logreg``: MOABB's ERP reference, xDAWN spatial filters and ERP covariances
  (pyRiemann ``XdawnCovariances``, OAS estimator) in the Riemannian tangent space, then
  logistic regression (Barachant & Congedo 2014);
- ``tangent_space_logreg`` and ``riemann_mdm``: for oscillatory (non-time-locked) data, plain
  spatial covariances in the tangent space with logistic regression, or classified by minimum
  distance to the Riemannian class means (Barachant et al. 2012).

Each baseline declares when it applies (:func:`baseline_skip_reason`); the evaluation skips it
with the stated reason otherwise, e.g. the covariance baselines on fMRI with more channels than
samples per trial.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from mne.decoding import Vectorizer
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.validation import validate_data

__all__ = [
    "ChannelFeatures",
    "ClassCountXdawnCovariances",
    "BASELINES",
    "baseline_skip_reason",
    "make_baseline",
    "window_means",
]


class ChannelFeatures(TransformerMixin, BaseEstimator):
    """Simple per-channel features of each trial: standard deviation, line length and mean.

    Line length (mean absolute first difference) and standard deviation are the features with
    which plain logistic regression reaches ~0.97 on NeuCube's wrist-movement data; the mean
    captures slow ERP shifts. Stateless: ``fit`` only records the channel count.

    Parameters
    ----------
    features : tuple of {"std", "line_length", "mean"}
        Which features to compute, in output order (channel-major within each feature).
    """

    _ALLOWED = ("std", "line_length", "mean")

    def __init__(self, features: tuple[str, ...] = ("std", "line_length", "mean")) -> None:
        self.features = features

    def __sklearn_tags__(self):  # noqa: ANN204
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = False
        tags.requires_fit = False
        return tags

    def fit(self, X, y=None) -> ChannelFeatures:  # noqa: ANN001
        """Check ``X`` and the ``features`` parameter."""
        bad = [f for f in self.features if f not in self._ALLOWED]
        if not self.features or bad:
            raise ValueError(
                f"The 'features' parameter of ChannelFeatures must be a non-empty tuple of "
                f"{', '.join(map(repr, self._ALLOWED))}; got {self.features!r}."
            )
        X = validate_data(self, X, allow_nd=True, ensure_2d=False, reset=True)
        if X.ndim != 3:
            raise ValueError(
                f"X must be a 3-D array (n_trials, n_channels, n_times) for ChannelFeatures; "
                f"got shape {X.shape}."
            )
        return self

    def transform(self, X) -> np.ndarray:  # noqa: ANN001
        """Features of shape ``(n_trials, n_features * n_channels)``."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 3:
            raise ValueError(
                f"X must be a 3-D array (n_trials, n_channels, n_times) for ChannelFeatures; "
                f"got shape {X.shape}."
            )
        compute = {
            "std": lambda a: a.std(axis=-1),
            "line_length": lambda a: np.abs(np.diff(a, axis=-1)).mean(axis=-1),
            "mean": lambda a: a.mean(axis=-1),
        }
        return np.concatenate([compute[f](X) for f in self.features], axis=1)


def _logreg(random_state: int | None) -> LogisticRegression:
    return LogisticRegression(max_iter=2000, C=1.0, random_state=random_state)


def _vectorizer_logreg(random_state: int | None) -> Pipeline:
    # MNE's Vectorizer flattens (trials, channels, times) exactly as mne.decoding pipelines do.
    return make_pipeline(Vectorizer(), StandardScaler(), _logreg(random_state))


def _channel_features_logreg(random_state: int | None) -> Pipeline:
    return make_pipeline(ChannelFeatures(), StandardScaler(), _logreg(random_state))


def window_means(X: np.ndarray, n_windows: int = 10) -> np.ndarray:
    """Mean of each channel in ``n_windows`` equal time windows, flattened per trial.

    The classic ERP decoding feature; shape ``(n_trials, n_channels * n_windows)``.
    """
    X = np.asarray(X, dtype=np.float64)
    edges = np.linspace(0, X.shape[-1], min(n_windows, X.shape[-1]) + 1).astype(int)
    sums = np.add.reduceat(X, edges[:-1], axis=-1)
    return (sums / np.diff(edges)).reshape(len(X), -1)


def _window_means_logreg(random_state: int | None) -> Pipeline:
    return make_pipeline(FunctionTransformer(window_means), StandardScaler(), _logreg(random_state))


def _lda_window_means(random_state: int | None) -> Pipeline:
    # Shrinkage LDA on raw window means: the shrinkage estimate needs no scaling (Blankertz 2011).
    return make_pipeline(FunctionTransformer(window_means),
                         LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"))


class ClassCountXdawnCovariances(TransformerMixin, BaseEstimator):
    """pyRiemann's ``XdawnCovariances`` with the number of filters chosen by the class count.

    ``nfilter = max(1, min(8 // n_classes, n_channels))`` filters per class: 4 for two classes
    (pyRiemann's and MOABB's default), 2 for three or four classes, so the ERP covariance
    (``2 * nfilter * n_classes`` square) stays about 16 x 16 whatever the class count, and no
    class asks for more filters than there are channels.

    Parameters
    ----------
    estimator : str, default="oas"
        Covariance estimator of the ERP covariances (OAS shrinkage, as MOABB's pipelines).
    xdawn_estimator : str, default="oas"
        Covariance estimator of the xDAWN filters; pyRiemann advises a regularised one.
    """

    def __init__(self, estimator: str = "oas", xdawn_estimator: str = "oas") -> None:
        self.estimator = estimator
        self.xdawn_estimator = xdawn_estimator

    def __sklearn_tags__(self):  # noqa: ANN204
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = False
        return tags

    def fit(self, X, y) -> ClassCountXdawnCovariances:  # noqa: ANN001
        """Choose ``nfilter_`` and fit the xDAWN covariances on the training trials."""
        from pyriemann.estimation import XdawnCovariances

        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 3:
            raise ValueError(f"X: expected a 3-D array (n_trials, n_channels, n_times) for "
                             f"ClassCountXdawnCovariances; found shape {X.shape}")
        y = np.asarray(y)
        n_classes = len(np.unique(y))
        self.nfilter_ = int(max(1, min(8 // n_classes, X.shape[1])))
        self.covariances_ = XdawnCovariances(
            nfilter=self.nfilter_, estimator=self.estimator, xdawn_estimator=self.xdawn_estimator
        ).fit(X, y)
        return self

    def transform(self, X) -> np.ndarray:  # noqa: ANN001
        """ERP covariances of shape ``(n_trials, 2 * nfilter_ * n_classes, ...)``."""
        return self.covariances_.transform(np.asarray(X, dtype=np.float64))


def _xdawn_tangent_logreg(random_state: int | None) -> Pipeline:
    from pyriemann.tangentspace import TangentSpace

    return make_pipeline(ClassCountXdawnCovariances(), TangentSpace(metric="riemann"),
                         _logreg(random_state))


def _tangent_space_logreg(random_state: int | None) -> Pipeline:
    from pyriemann.estimation import Covariances
    from pyriemann.tangentspace import TangentSpace

    return make_pipeline(Covariances(estimator="oas"), TangentSpace(metric="riemann"),
                         _logreg(random_state))


def _riemann_mdm(random_state: int | None) -> Pipeline:
    from pyriemann.classification import MDM
    from pyriemann.estimation import Covariances

    return make_pipeline(Covariances(estimator="oas"), MDM(metric="riemann"))


#: Baselines by name: a factory taking ``random_state`` and returning an unfitted estimator.
BASELINES: dict[str, Callable[[int | None], BaseEstimator]] = {
    "vectorizer_logreg": _vectorizer_logreg,
    "channel_features_logreg": _channel_features_logreg,
    "window_means_logreg": _window_means_logreg,
    "lda_window_means": _lda_window_means,
    "xdawn_tangent_logreg": _xdawn_tangent_logreg,
    "tangent_space_logreg": _tangent_space_logreg,
    "riemann_mdm": _riemann_mdm,
}

#: Most channels of the covariance baselines: the tangent space of C channels has
#: C (C + 1) / 2 dimensions (2080 at 64), beyond which a few hundred trials cannot fit it.
MAX_COVARIANCE_CHANNELS = 64


def baseline_skip_reason(name: str, n_channels: int, n_times: int,
                         min_class_trials: int) -> str | None:
    """Why baseline ``name`` does not apply to these trials (``None``: it applies).

    Parameters
    ----------
    name : str
        A baseline of :data:`BASELINES`.
    n_channels, n_times : int
        Channels and time samples per trial.
    min_class_trials : int
        Trials of the smallest class (within one subject for per-subject evaluation).
    """
    if name not in BASELINES:
        make_baseline(name)  # raises the uniform error
    covariance = name in ("xdawn_tangent_logreg", "tangent_space_logreg", "riemann_mdm")
    if covariance and n_channels > MAX_COVARIANCE_CHANNELS:
        return (f"{n_channels} channels: covariance baselines apply up to "
                f"{MAX_COVARIANCE_CHANNELS} (reduce the channels first, e.g. regions or PCA)")
    if name == "xdawn_tangent_logreg" and min_class_trials <= n_channels:
        return (f"xDAWN needs more trials than channels per class; the smallest class has "
                f"{min_class_trials} trials for {n_channels} channels")
    if name in ("tangent_space_logreg", "riemann_mdm") and n_times <= n_channels:
        return (f"a spatial covariance needs more samples per trial than channels; found "
                f"{n_times} samples for {n_channels} channels")
    return None


def make_baseline(name: str, random_state: int | None = None) -> BaseEstimator:
    """Build the baseline ``name`` (one of :data:`BASELINES`)."""
    if name not in BASELINES:
        raise ValueError(
            "The 'baselines' parameter must name baselines among "
            f"{', '.join(map(repr, BASELINES))}; "
            f"got {name!r}."
        )
    return BASELINES[name](random_state)
