"""The deSNN readout: one rank-order output neuron per training trial (Kasabov et al. 2013).

Training stores, for every training trial, an output neuron connected to all cube neurons whose
weights follow :mod:`neucube.readout.weights` (rank order of first spikes plus drift), labelled
with the trial's class. Two recalls are offered:

``recall="wknn"`` (deSNNs, as in the NeuCube software)
    The test trial gets a weight vector by the same rule. Its ``k + 1`` nearest training vectors
    (Euclidean) are found; the distances of the ``k`` nearest are divided by the ``(k + 1)``-th
    and each neighbour adds ``exp(-D / (2 sigma**2))`` to its class's score.

``recall="psp"`` (deSNNm, as in the paper)
    The test trial's neurons fire their first spikes in rank order; when neuron ``j`` fires
    first (at step ``f_j``, rank ``r_j``), every output neuron ``i`` gains
    ``mod ** r_j * w_ij``, so ``PSP_i(t) = sum over j with f_j <= t of mod ** r_j * w_ij``.
    Output neuron ``i`` fires when ``PSP_i`` reaches ``c * PSP_max_i`` and the first to fire
    wins.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d

from neucube._validation import check_int
from neucube.cube.raster import SpikeRaster
from neucube.params import ParamSpec, check_params
from neucube.readout._raster_input import RasterLike, as_raster, truncate_raster
from neucube.readout.weights import rank_order_code

__all__ = ["DeSNNClassifier", "DEFAULT_FRACTIONS"]

logger = logging.getLogger(__name__)

#: Fractions of the trial used by :meth:`DeSNNClassifier.early_predict_curve` by default.
DEFAULT_FRACTIONS: tuple[float, ...] = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)

#: Upper bound on the number of entries of each temporary array built per block of test trials
#: (32 MB of float64), so memory stays bounded whatever the number of test trials.
_BLOCK_ELEMENTS = 4_000_000

#: Upper bound on ``n_trials * n_neurons`` of each block of test trials coded at once (the
#: raster's per-trial summaries and the test weight vectors scale with it).
_TRIAL_BLOCK_ELEMENTS = 1_000_000

#: Relative tolerance of the PSP threshold test, so that replaying a training trial crosses a
#: threshold of ``c = 1`` despite sums taken in a different order.
_PSP_RTOL = 1e-9


class DeSNNClassifier(ClassifierMixin, BaseEstimator):
    """Dynamic evolving SNN (deSNN) readout of cube spike rasters.

    Parameters
    ----------
    alpha : float, default=1.0
        Initial weight of the neurons that fire first (rank 0); must be > 0.
    mod : float, default=0.8
        Modulation factor in (0, 1]: the initial weight of rank ``r`` is ``alpha * mod**r``.
    drift_up : float, default=0.005
        Weight added for each spike after a neuron's first one; >= 0.
    drift_down : float, default=0.005
        Weight removed for each silent step after a neuron's first spike; >= 0.
    recall : {"wknn", "psp"}, default="wknn"
        ``"wknn"``: weighted k nearest neighbours on weight vectors (deSNNs, the NeuCube
        software). ``"psp"``: first output neuron to reach its PSP threshold (deSNNm, the paper).
    k : int, default=3
        Number of neighbours for ``"wknn"``; >= 1.
    sigma : float, default=1.0
        Width of the ``"wknn"`` neighbour kernel ``exp(-D / (2 sigma**2))``; > 0.
    c : float, default=0.7
        Fraction in (0, 1] of ``PSP_max`` an output neuron must reach to fire (``"psp"``).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted (as :class:`~sklearn.preprocessing.LabelEncoder` does).
    n_features_in_ : int
        Number of cube neurons seen in ``fit``.
    n_steps_ : int
        Steps per training trial.
    weights_ : ndarray of shape (n_outputs, n_features_in_)
        Weights of the output neurons (one per training trial) over the full training window.
    output_class_ : ndarray of int, shape (n_outputs,)
        Index into ``classes_`` of each output neuron's class.
    psp_max_ : ndarray of shape (n_outputs,)
        PSP each output neuron reaches when its own training trial is replayed (full window).
    class_prior_ : ndarray of shape (n_classes,)
        Share of training trials in each class.
    train_raster_ : SpikeRaster
        The training raster, kept to rebuild the output weights on a shorter window for early
        prediction.

    Notes
    -----
    **Input.** ``X`` is a :class:`~neucube.cube.raster.SpikeRaster`, a list of them, or a dense
    0/1 array of shape ``(n_trials, n_neurons, n_steps)``. Ranks and drift follow
    :mod:`neucube.readout.weights`: tied first spikes share a rank and the next arrival step
    gets the next rank (dense ranking).

    **wknn details.** Distances are found with matrix products (memory
    ``O(n_test * n_train)``), then recomputed exactly from differences for the ``k + 1``
    chosen neighbours, so a test trial identical to training trials is at distance exactly 0.
    Ties in distance go to the earlier training trial. When the ``(k + 1)``-th distance is 0,
    the ``k`` nearest are identical to the test vector and each counts fully (normalised
    distance 0). With ``n_train <= k``, ``k`` falls back to ``n_train - 1`` so one training
    vector remains as the distance reference (with a single training trial, that trial is the
    only neighbour); ``fit`` warns when this happens.

    **psp details.** ``PSP_max_i`` is the PSP output neuron ``i`` reaches when its own training
    trial is replayed: ``PSP_max_i = sum_j mod**r_ij * w_ij`` with the training trial's ranks.
    By the rearrangement inequality, no reordering of the same first-spike ranks over the
    neurons gives a larger PSP when weights decrease with rank (exactly so without drift), so
    ``c`` reads as "how close to the learnt order the test order must be". (A test trial with
    more ties, e.g. every neuron at once, can exceed it.) The spec's ``PSP_max = sum_j mod**r_j``
    leaves out the weights; with ``alpha = 1`` and no drift it equals ``sum_j w_ij``, which
    only a test trial firing all those neurons in its very first step reaches. With
    ``mod = 0.8`` and one neuron per rank, an exact replay of the training trial gets only
    ``(1 / (1 - 0.64)) / (1 / (1 - 0.8)) ~ 0.56`` of it, so with the default ``c = 0.7`` an
    output neuron would not fire even for a repeat of its own trial. Output neurons with
    ``PSP_max_i <= 0`` (silent training trial, or drift pushing every weight down) cannot fire.
    The decision step ``t*`` is the first step at which some output neuron reaches its
    threshold, or the last step when none does; the winner is the output neuron with the
    largest ``PSP_i(t*) / (c * PSP_max_i)``. This is the first neuron to fire; among neurons
    firing in the same step, the one furthest above its threshold; and when none fires, the one
    closest to firing.

    **Scores.** ``predict_proba`` normalises non-negative class scores to sum to 1 and
    ``predict`` returns their argmax (ties go to the class first in ``classes_``). For
    ``"wknn"`` a class's score is its summed kernel weight among the ``k`` neighbours. For
    ``"psp"`` it is the largest ``PSP_i(t*) / (c * PSP_max_i)`` of the class's output neurons,
    clipped at 0: how close the best neuron of each class was to firing at the moment of the
    decision. A test trial that drives no output neuron's PSP above 0 carries no evidence and
    gets ``class_prior_``.

    **Early prediction.** ``predict(X, stop=s)`` uses only the first ``s`` steps of the test
    trials, and the training output neurons are rebuilt from the first ``s`` steps of the
    training trials too, so test and training vectors describe the same window. The
    rank-order part of the code is what makes early prediction work: dense ranks are assigned
    in time order, so cutting a trial short leaves the ranks (hence the initial weights) of
    the neurons that fired before the cut unchanged, and ``mod**rank`` puts most of the weight
    on exactly those early neurons. The drift part, in contrast, depends on the window length:
    against full-window training vectors, a truncated test vector would lack the drift of
    every neuron and the weights of all neurons that fire after the cut, a bias shared by no
    training trial. A test raster shorter than the training trials is treated the same way, as
    an early observation of ``X.n_steps`` steps.

    The flip side is that deSNN is a readout of *early* activity. With ``mod = 0.8`` a neuron
    of rank 20 starts at ``0.8**20 ~ 0.01``, so a class difference that shows only in neurons
    firing after some twenty arrival steps is nearly invisible to the rank-order part and can
    be swamped by drift; raise ``mod`` towards 1 for such data. The ``"psp"`` recall decides at
    the first threshold crossing, so it cannot use information that arrives after that step.

    References
    ----------
    Kasabov, Dhoble, Nuntalid, Indiveri (2013). Dynamic evolving spiking neural networks for
    on-line spatio- and spectro-temporal pattern recognition. Neural Networks 41, 188-201.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((4, 3, 5), dtype=np.int8)
    >>> X[0, [0, 1, 2], [0, 1, 2]] = 1   # class a: neurons fire in order 0, 1, 2
    >>> X[1, [0, 1, 2], [0, 2, 3]] = 1
    >>> X[2, [2, 1, 0], [0, 1, 2]] = 1   # class b: order 2, 1, 0
    >>> X[3, [2, 1, 0], [0, 2, 3]] = 1
    >>> clf = DeSNNClassifier(k=1).fit(X, ["a", "a", "b", "b"])
    >>> clf.predict(X).tolist()
    ['a', 'a', 'b', 'b']
    """

    #: Every parameter declared once (:mod:`neucube.params`).
    _parameter_constraints: dict[str, ParamSpec] = {
        "alpha": ParamSpec("float", low=0.0, low_inclusive=False,
                           doc="initial weight of the synapses that fire first (rank 0)"),
        "mod": ParamSpec("float", low=0.0, high=1.0, low_inclusive=False,
                         doc="deSNN rank-order modulation"),
        "drift_up": ParamSpec("float", low=0.0, doc="deSNN weight increase per later spike"),
        "drift_down": ParamSpec("float", low=0.0, doc="deSNN weight decrease per silent step"),
        "recall": ParamSpec("choice", choices=("wknn", "psp"),
                            doc="deSNN recall: weighted k-NN (NeuCube software) or PSP race"),
        "k": ParamSpec("int", limit="k", label="k-NN neighbours", doc="wknn neighbours"),
        "sigma": ParamSpec("float", low=0.0, low_inclusive=False, label="k-NN kernel width",
                           doc="wknn kernel width"),
        "c": ParamSpec("float", low=0.0, high=1.0, low_inclusive=False,
                       label="PSP firing fraction", doc="psp firing fraction"),
    }

    def __init__(
        self,
        alpha: float = 1.0,
        mod: float = 0.8,
        drift_up: float = 0.005,
        drift_down: float = 0.005,
        recall: Literal["wknn", "psp"] = "wknn",
        k: int = 3,
        sigma: float = 1.0,
        c: float = 0.7,
    ) -> None:
        self.alpha = alpha
        self.mod = mod
        self.drift_up = drift_up
        self.drift_down = drift_down
        self.recall = recall
        self.k = k
        self.sigma = sigma
        self.c = c

    # ------------------------------------------------------------------ scikit-learn API
    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        # Input is a spike raster, (n_trials, n_neurons, n_steps); a 2-D array has no meaning
        # here and is rejected, so scikit-learn's generic 2-D checks do not apply.
        tags.input_tags.three_d_array = True
        tags.input_tags.two_d_array = False
        tags.input_tags.allow_nan = False
        return tags

    def _check_params(self) -> None:
        check_params(self)

    def fit(self, X: RasterLike, y: ArrayLike) -> DeSNNClassifier:
        """Create one output neuron per training trial.

        Parameters
        ----------
        X : SpikeRaster, list of SpikeRaster or array-like of shape (n_trials, n_neurons, n_steps)
            Training spike rasters (dense input holds only 0 and 1).
        y : array-like of shape (n_trials,)
            Class labels (any hashable, sortable labels such as ints or strings).

        Returns
        -------
        self
        """
        self._check_params()
        raster = as_raster(self, X, reset=True)
        y = self._check_y(y, raster.n_trials)
        self.classes_, self.output_class_ = np.unique(y, return_inverse=True)
        self.class_prior_ = np.bincount(self.output_class_) / raster.n_trials
        self.n_steps_ = raster.n_steps
        self.train_raster_ = raster
        self.weights_, self.psp_max_ = self._outputs(raster)
        if self.recall == "wknn" and raster.n_trials <= self.k:
            warnings.warn(
                f"DeSNNClassifier: k={self.k} needs at least k + 1 = {self.k + 1} training "
                f"trials, but there are {raster.n_trials}; using k = "
                f"{max(raster.n_trials - 1, 1)}.",
                UserWarning,
                stacklevel=2,
            )
        logger.debug("DeSNNClassifier: %d output neurons over %d neurons and %d steps, "
                     "classes %s", raster.n_trials, raster.n_neurons, raster.n_steps,
                     self.classes_.tolist())
        return self

    def predict_proba(self, X: RasterLike, stop: int | None = None) -> NDArray[np.float64]:
        """Normalised class scores of each test trial (rows sum to 1).

        Parameters
        ----------
        X : SpikeRaster, list of SpikeRaster or array-like of shape (n_trials, n_neurons, n_steps)
            Test rasters with the neurons seen in ``fit`` and at most ``n_steps_`` steps.
        stop : int, optional
            Use only the first ``stop`` steps of the test trials (early prediction); the output
            neurons are rebuilt on the same window. Default: all ``X`` steps.

        Returns
        -------
        ndarray of shape (n_trials, n_classes)
            Columns follow ``classes_``. See the class Notes for what the scores mean.
        """
        check_is_fitted(self)
        raster = as_raster(self, X, reset=False)
        return self._proba(raster, self._window(raster, stop))

    def predict(self, X: RasterLike, stop: int | None = None) -> NDArray:
        """Class of each test trial.

        Parameters
        ----------
        X : SpikeRaster, list of SpikeRaster or array-like of shape (n_trials, n_neurons, n_steps)
        stop : int, optional
            Use only the first ``stop`` steps (see :meth:`predict_proba`).

        Returns
        -------
        ndarray of shape (n_trials,)
            Labels from ``classes_``.
        """
        proba = self.predict_proba(X, stop=stop)
        return self.classes_[np.argmax(proba, axis=1)]

    def early_predict_curve(
        self,
        X: RasterLike,
        y: ArrayLike,
        fractions: Sequence[float] | NDArray = DEFAULT_FRACTIONS,
    ) -> NDArray[np.float64]:
        """Accuracy when predicting from the first part of each test trial.

        For each fraction ``f`` the window is ``stop = ceil(f * n_steps)`` steps of the test
        trials (at least 1), and prediction proceeds as ``predict(X, stop=stop)``.

        Parameters
        ----------
        X : SpikeRaster, list of SpikeRaster or array-like of shape (n_trials, n_neurons, n_steps)
            Test rasters.
        y : array-like of shape (n_trials,)
            True labels.
        fractions : sequence of float, default=DEFAULT_FRACTIONS
            Fractions of the trial in (0, 1].

        Returns
        -------
        ndarray of float64, shape (n_fractions,)
            Accuracy at each fraction; the value at ``f = 1`` equals ``score(X, y)``.
        """
        check_is_fitted(self)
        raster = as_raster(self, X, reset=False)
        y = self._check_y(y, raster.n_trials)
        fractions = np.asarray(fractions, dtype=np.float64)
        if fractions.ndim != 1 or fractions.size == 0 or not np.all(
            (fractions > 0) & (fractions <= 1)
        ):
            raise ValueError(
                "The 'fractions' parameter of DeSNNClassifier.early_predict_curve must be a "
                f"non-empty 1-D sequence of values in (0, 1]; got {fractions.tolist()!r}."
            )
        self._window(raster, None)  # the full test window must fit the training window
        # Round before ceil so that, e.g., 0.3 * 10 = 3.0000000000000004 gives 3 steps, not 4.
        stops = np.maximum(1, np.ceil(np.round(fractions * raster.n_steps, 9))).astype(int)
        accuracy = np.empty(fractions.size)
        for i, stop in enumerate(stops):  # one prediction per window, not per trial
            pred = self.classes_[np.argmax(self._proba(raster, int(stop)), axis=1)]
            accuracy[i] = np.mean(pred == y)
        return accuracy

    # ------------------------------------------------------------------ internals
    def _check_y(self, y: ArrayLike, n_trials: int) -> NDArray:
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        if y.shape[0] != n_trials:
            raise ValueError(
                f"y must have one label per trial for {type(self).__name__}: X has {n_trials} "
                f"trials but y has {y.shape[0]} labels."
            )
        return y

    def _code(self, raster: SpikeRaster) -> tuple[NDArray, NDArray, NDArray]:
        return rank_order_code(raster, alpha=self.alpha, mod=self.mod,
                               drift_up=self.drift_up, drift_down=self.drift_down)

    def _outputs(self, raster: SpikeRaster) -> tuple[NDArray, NDArray]:
        """Output-neuron weights and their own-trial PSP (``PSP_max``) for a training raster."""
        weights, modulation, _ = self._code(raster)
        return weights, np.einsum("ij,ij->i", modulation, weights)

    def _window(self, raster: SpikeRaster, stop: int | None) -> int:
        name = type(self).__name__
        if stop is None:
            if raster.n_steps > self.n_steps_:
                raise ValueError(
                    f"X has {raster.n_steps} steps per trial, but {name} was fitted on trials "
                    f"of {self.n_steps_} steps; pass stop <= {self.n_steps_} to use only the "
                    "first steps."
                )
            return raster.n_steps
        return check_int("stop", stop, low=1, high=min(raster.n_steps, self.n_steps_),
                         owner=name)

    def _proba(self, raster: SpikeRaster, window: int) -> NDArray[np.float64]:
        if window == self.n_steps_:
            train_w, psp_max = self.weights_, self.psp_max_
        else:
            train_w, psp_max = self._outputs(truncate_raster(self.train_raster_, window))
        raster = truncate_raster(raster, window)
        if self.recall == "psp":
            train_w = np.ascontiguousarray(train_w.T)  # (neurons, outputs) for sparse @ dense
        scores = np.empty((raster.n_trials, self.classes_.size))
        # Blocks of test trials keep the (trials, neurons) arrays of the test code bounded.
        block = max(1, _TRIAL_BLOCK_ELEMENTS // raster.n_neurons)
        for start in range(0, raster.n_trials, block):
            part = raster if block >= raster.n_trials else raster[start : start + block]
            test_w, test_mod, test_first = self._code(part)
            if self.recall == "wknn":
                scores[start : start + block] = self._wknn_scores(test_w, train_w)
            else:
                scores[start : start + block] = self._psp_scores(test_mod, test_first, train_w,
                                                                 psp_max, window)
        total = scores.sum(axis=1, keepdims=True)
        no_evidence = total[:, 0] <= 0
        proba = np.divide(scores, total, out=np.zeros_like(scores), where=total > 0)
        proba[no_evidence] = self.class_prior_
        return proba

    def _wknn_scores(self, test_w: NDArray, train_w: NDArray) -> NDArray[np.float64]:
        n_test, n_neurons = test_w.shape
        n_train = train_w.shape[0]
        k = min(self.k, n_train - 1) if n_train > 1 else 1
        n_take = min(k + 1, n_train)
        # Squared distances by ||a||^2 + ||b||^2 - 2 a.b: O(n_test * n_train) memory.
        sq = (np.einsum("ij,ij->i", test_w, test_w)[:, None]
              + np.einsum("ij,ij->i", train_w, train_w)[None, :]
              - 2.0 * (test_w @ train_w.T))
        nearest = np.argsort(sq, axis=1, kind="stable")[:, :n_take]
        # The expansion above loses precision through cancellation; recompute the chosen
        # distances from differences, a block of test trials at a time.
        dist = np.empty(nearest.shape)
        block = max(1, _BLOCK_ELEMENTS // (n_take * n_neurons))
        for start in range(0, n_test, block):
            rows = slice(start, start + block)
            diff = test_w[rows, None, :] - train_w[nearest[rows]]
            dist[rows] = np.sqrt(np.einsum("ijk,ijk->ij", diff, diff))
        order = np.argsort(dist, axis=1, kind="stable")
        dist = np.take_along_axis(dist, order, axis=1)
        nearest = np.take_along_axis(nearest, order, axis=1)
        if n_train > 1:
            ref = dist[:, k : k + 1]
            norm = np.divide(dist[:, :k], ref, out=np.zeros((n_test, k)), where=ref > 0)
        else:  # the single training trial is the only neighbour
            norm = np.zeros((n_test, 1))
        kernel = np.exp(-norm / (2.0 * self.sigma**2))
        scores = np.zeros((n_test, self.classes_.size))
        np.add.at(scores, (np.arange(n_test)[:, None], self.output_class_[nearest[:, :k]]),
                  kernel)
        return scores

    def _psp_scores(
        self,
        test_mod: NDArray,
        test_first: NDArray,
        weights_t: NDArray,
        psp_max: NDArray,
        window: int,
    ) -> NDArray[np.float64]:
        """Class scores of the PSP recall; ``weights_t`` is ``(n_neurons, n_outputs)``."""
        n_test, n_neurons = test_mod.shape
        n_train = weights_t.shape[1]
        threshold = self.c * psp_max
        active = threshold > 0
        safe_threshold = np.where(active, threshold, 1.0)
        ratio = np.empty((n_test, n_train))
        block = max(1, _BLOCK_ELEMENTS // (window * n_train))
        for start in range(0, n_test, block):  # blocks of trials bound the (t, output) arrays
            first = test_first[start : start + block]
            b = first.shape[0]
            trial, neuron = np.nonzero(first >= 0)
            # One row per (trial, step): the first spikes of that step, weighted mod**rank.
            events = sp.csr_array(
                (test_mod[start + trial, neuron], (trial * window + first[trial, neuron], neuron)),
                shape=(b * window, n_neurons),
            )
            psp = np.cumsum((events @ weights_t).reshape(b, window, n_train), axis=1)
            fired = (psp >= threshold * (1.0 - _PSP_RTOL)) & active
            fired_at_step = fired.any(axis=2)
            decision = np.where(fired_at_step.any(axis=1), fired_at_step.argmax(axis=1),
                                window - 1)
            ratio[start : start + b] = psp[np.arange(b), decision] / safe_threshold
        ratio[:, ~active] = -np.inf
        # Class score: the best output neuron of the class, clipped at 0.
        order = np.argsort(self.output_class_, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(self.output_class_[order]) != 0])
        best = np.maximum.reduceat(ratio[:, order], starts, axis=1)
        return np.maximum(best, 0.0)

