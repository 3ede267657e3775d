"""The state readout: a regularised linear classifier on time-binned spike counts of the cube.

This is the liquid-state-machine readout (Maass et al. 2002) applied to the NeuCube cube: each
trial is described by how many spikes every neuron fires in each of ``n_bins`` consecutive time
bins, the counts are centred on the training trials, and an L2-regularised logistic regression is
fitted. The counts are not standardised by default: they share one unit (spikes per bin), and
dividing by each feature's spread would give a neuron that fires once in a hundred trials as much
weight as an input neuron firing in every trial (on the development data, centred counts beat
standardised ones for all three encoders; see bench/README.md). Unlike the deSNN, whose weights
summarise a neuron's first-spike rank and spike count over the whole trial, this readout sees
*when* in the trial a neuron fires more, which is where event-related potentials differ between
conditions.

The regularisation strength is chosen on the training trials only (``C="auto"``: inner
stratified folds, log-loss), so the readout stays leakage-safe inside any outer
cross-validation.

The fitted state is plain arrays (no scikit-learn objects), so a model using it can be written
to a model file without pickle.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d
from threadpoolctl import threadpool_limits

from neucube.params import ParamSpec, check_params
from neucube.readout._raster_input import RasterLike, as_raster
from neucube.readout.features import BinnedCountFeatures

__all__ = ["StateClassifier", "DEFAULT_CS", "check_penalty"]

#: Candidate regularisation strengths of ``C="auto"`` (inverse L2 penalty on the centred, or
#: standardised, features; small values suit many neurons and few trials).
DEFAULT_CS: tuple[float, ...] = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)


def check_penalty(name: str, value: object, *, owner: str) -> None:
    """Check a penalty parameter: ``"auto"`` or a positive finite float."""
    if value == "auto" if isinstance(value, str) else (
            isinstance(value, numbers.Real) and not isinstance(value, bool)
            and np.isfinite(value) and value > 0):
        return
    raise ValueError(f"The {name!r} parameter of {owner} must be 'auto' or a positive float; "
                     f"got {value!r}.")


def _check_cs(name: str, value: object, *, owner: str) -> None:
    cs = np.asarray(value, dtype=float) if np.ndim(value) == 1 else np.array([])
    if cs.size == 0 or not np.all(np.isfinite(cs)) or np.any(cs <= 0):
        raise ValueError(f"The {name!r} parameter of {owner} must be a non-empty sequence of "
                         f"positive floats; got {value!r}.")


def _check_standardize(name: str, value: object, *, owner: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"The {name!r} parameter of {owner} must be True or False; "
                         f"got {value!r}.")


def _row_space(K: NDArray) -> tuple[NDArray, NDArray]:
    """Row-space coordinates of features ``Z`` from their Gram matrix ``K = Z @ Z.T``.

    The L2-penalised logistic regression's weights lie in the row space of the training
    features (representer theorem; the intercept is not penalised). With ``K = U diag(s**2) U.T``
    the thin SVD of ``Z`` is ``U diag(s) Vt`` with ``Vt = (U / s).T @ Z``, so fitting on the
    ``n_trials`` coordinates ``U * s`` and mapping the weights back with ``Vt`` gives the same
    model (the penalty is unchanged because ``Vt`` has orthonormal rows), much faster when
    neurons x bins far outnumber the trials. Working from ``K`` lets the inner folds of
    ``C="auto"`` share one matrix product instead of one SVD each.

    Returns
    -------
    coords : ndarray of shape (n_trials, rank)
        ``U * s``.
    back : ndarray of shape (n_trials, rank)
        ``U / s``: the weights ``beta`` on ``coords`` are ``beta @ back.T @ Z`` on ``Z``, and
        other trials' scores are ``Z_other @ Z.T @ back @ beta.T``.
    """
    lam, U = np.linalg.eigh(K)
    # Directions of (numerically) zero variance carry no data: drop them.
    keep = lam > lam[-1] * K.shape[0] * np.finfo(float).eps
    s = np.sqrt(lam[keep])
    return U[:, keep] * s, U[:, keep] / s


def _logistic(C: float, max_iter: int, warm_start: bool = False) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=max_iter, warm_start=warm_start)


def _proba(scores: NDArray) -> NDArray[np.float64]:
    """Probabilities from linear scores: sigmoid for one column, softmax for several."""
    if scores.ndim == 1 or scores.shape[1] == 1:
        p1 = expit(np.ravel(scores))
        return np.column_stack([1.0 - p1, p1])
    return softmax(scores, axis=1)


class StateClassifier(ClassifierMixin, BaseEstimator):
    """Logistic regression on the cube's time-binned spike counts (the state readout).

    Parameters
    ----------
    n_bins : int, default=20
        Number of consecutive time bins per trial (20 bins of a 1 s trial are 50 ms each);
        trials of fewer steps get one bin per step.
    C : "auto" or float, default="auto"
        Inverse L2 regularisation strength on the (centred or standardised) features.
        ``"auto"`` picks it among ``Cs`` by stratified ``cv``-fold cross-validation (log-loss)
        on the training trials.
    Cs : sequence of float, default=DEFAULT_CS
        Candidates of ``C="auto"``; on ties the first listed wins (by default the strongest
        penalty).
    cv : int, default=5
        Inner folds of ``C="auto"`` (reduced to the size of the smallest class when needed;
        with fewer than 2 trials in a class, the middle of ``Cs`` is used).
    max_iter : int, default=5000
        Iterations of the L-BFGS solver.
    standardize : bool, default=False
        Also divide every kept feature by its standard deviation over the training trials. By
        default the counts are only centred, so they keep their common unit (spikes per bin) and
        a neuron that fires rarely weighs little instead of as much as an input neuron.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    features_ : BinnedCountFeatures
        The fitted binning (its ``n_bins`` and ``bin_edges_`` are the bins used).
    support_ : ndarray of bool, shape (n_neurons * n_bins,)
        Features kept: those that vary over the training trials (a neuron that never fires in
        a bin carries nothing).
    mean_, scale_ : ndarray of shape (n_kept,)
        Centring and scaling learnt on the training trials (``scale_`` is all ones with
        ``standardize=False``).
    C_ : float
        The regularisation strength used.
    coef_ : ndarray of shape (1, n_kept) or (n_classes, n_kept)
        Logistic-regression weights on the centred (and scaled) kept features.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        Intercepts.
    n_features_in_ : int
        Number of cube neurons seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = (rng.random((40, 5, 20)) < 0.1).astype(np.int8)
    >>> y = np.repeat([0, 1], 20)
    >>> X[y == 1, 0, 10:15] = 1          # class 1: neuron 0 fires in the middle of the trial
    >>> StateClassifier(n_bins=4).fit(X, y).score(X, y)
    1.0
    """

    #: Every parameter declared once (:mod:`neucube.params`).
    _parameter_constraints: dict[str, ParamSpec] = {
        "n_bins": ParamSpec("int", limit="n_bins", doc="time bins per trial"),
        "C": ParamSpec("float", low=0.0, low_inclusive=False, keywords=("auto",),
                       checker=check_penalty,
                       doc="inverse L2 penalty ('auto': inner CV on the training trials)"),
        "Cs": ParamSpec("any", other="a non-empty sequence of positive floats",
                        checker=_check_cs, doc="candidates of C='auto'"),
        "cv": ParamSpec("int", limit="cv", doc="inner folds of C='auto'"),
        "max_iter": ParamSpec("int", limit="max_iter", doc="iterations of the solver"),
        "standardize": ParamSpec("bool", checker=_check_standardize,
                                 doc="scale every feature to unit variance on the training "
                                     "trials"),
    }

    def __init__(self, n_bins: int = 20, C: float | str = "auto",
                 Cs: Sequence[float] = DEFAULT_CS, cv: int = 5, max_iter: int = 5000,
                 standardize: bool = False) -> None:
        self.n_bins = n_bins
        self.C = C
        self.Cs = Cs
        self.cv = cv
        self.max_iter = max_iter
        self.standardize = standardize

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = False
        return tags

    def _check_params(self) -> None:
        check_params(self)

    def _select_c(self, Z: NDArray, y: NDArray, K: NDArray | None) -> float:
        """Choose C among ``Cs`` by inner-fold log-loss (``K = Z @ Z.T`` when Z is wide)."""
        cs = [float(c) for c in self.Cs]
        if self.C != "auto":
            return float(self.C)
        n_splits = min(self.cv, int(np.bincount(np.unique(y, return_inverse=True)[1]).min()))
        if n_splits < 2:
            return cs[len(cs) // 2]
        # Unshuffled folds: deterministic without a random_state. First best on ties, so the
        # strongest penalty among equals wins (Cs ascending).
        loss = np.zeros(len(cs))
        for train, val in StratifiedKFold(n_splits).split(Z, y):
            if K is None:
                coords, val_coords = Z[train], Z[val]
            else:
                coords, back = _row_space(K[np.ix_(train, train)])
                val_coords = K[np.ix_(val, train)] @ back
            # One warm-started path from the strongest penalty to the weakest: each fit starts
            # from its neighbour's solution, so the whole path costs little more than one fit.
            model = _logistic(1.0, self.max_iter, warm_start=True)
            for i in np.argsort(cs, kind="stable"):
                model.set_params(C=cs[i]).fit(coords, y[train])
                proba = model.predict_proba(val_coords)
                loss[i] += log_loss(y[val], proba, labels=model.classes_)
        return cs[int(np.argmin(loss))]

    def fit(self, X: RasterLike, y: ArrayLike) -> StateClassifier:
        """Bin the spikes of the training trials, centre (and scale), choose C and fit.

        Parameters
        ----------
        X : SpikeRaster, list of SpikeRaster or array-like of shape (n_trials, n_neurons, n_steps)
            Spike rasters of the training trials.
        y : array-like of shape (n_trials,)
            Labels.

        Returns
        -------
        self : StateClassifier
        """
        self._check_params()
        raster = as_raster(self, X, reset=True)
        y = column_or_1d(y, warn=True)
        if len(y) != raster.n_trials:
            raise ValueError(f"X has {raster.n_trials} trials but y has {len(y)} labels.")
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        if self.classes_.size < 2:
            raise ValueError(f"{type(self).__name__} needs trials of at least 2 classes in y; "
                             f"got 1 class: {self.classes_.tolist()}.")
        # Trials shorter than n_bins steps get one bin per step.
        self.features_ = BinnedCountFeatures(min(self.n_bins, raster.n_steps)).fit(raster)
        F = self.features_.transform(raster)
        self.support_ = F.var(axis=0) > 0
        F = F[:, self.support_]
        self.mean_ = F.mean(axis=0)
        self.scale_ = F.std(axis=0) if self.standardize else np.ones(F.shape[1])
        Z = (F - self.mean_) / self.scale_
        # One BLAS thread: the matrices are small (trials x trials), and on a loaded machine
        # OpenBLAS's spinning threads made this fit 10x slower (same result, bit for bit;
        # cross-validation workers already run with one thread each).
        with warnings.catch_warnings(), threadpool_limits(1, user_api="blas"):
            # A few unconverged inner fits at the weakest penalty do not change the choice.
            warnings.simplefilter("ignore", ConvergenceWarning)
            # Wide features (neurons x bins > trials) are fitted in their row space.
            K = Z @ Z.T if Z.shape[1] > Z.shape[0] else None
            self.C_ = self._select_c(Z, y, K)
            model = _logistic(self.C_, self.max_iter)
            if K is None:
                model.fit(Z, y)
                self.coef_ = model.coef_.copy()
            else:
                coords, back = _row_space(K)
                model.fit(coords, y)
                self.coef_ = (model.coef_ @ back.T) @ Z
            self.intercept_ = model.intercept_.copy()
        return self

    def decision_function(self, X: RasterLike) -> NDArray[np.float64]:
        """Linear scores: shape (n_trials,) for two classes, (n_trials, n_classes) otherwise."""
        check_is_fitted(self)
        raster = as_raster(self, X, reset=False)
        F = self.features_.transform(raster)[:, self.support_]
        scores = ((F - self.mean_) / self.scale_) @ self.coef_.T + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def predict_proba(self, X: RasterLike) -> NDArray[np.float64]:
        """Class probabilities, columns in ``classes_`` order."""
        return _proba(self.decision_function(X))

    def predict(self, X: RasterLike) -> NDArray:
        """Most probable class of each trial."""
        check_is_fitted(self)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
