"""The wiring of a cube: neuron positions, input neurons and candidate synapses with their weights.

A :class:`CubeNetwork` separates *structure* from *values*, which is what lets the Brian2 engine
compile a network once and run it with many seeds:

- structure: the number of neurons, the input neurons and the list of **candidate** synapses
  ``pre -> post`` (every ordered pair within the connection radius that may exist, sorted by
  ``(pre, post)``);
- values: which candidates are ``active`` (for example the one random direction kept per pair),
  their sign (``excitatory``) and their ``weights`` (0 for inactive candidates).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

__all__ = ["CubeNetwork"]


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class CubeNetwork:
    """Neuron positions, input neurons and synapses of a cube (arrays are read-only copies).

    Parameters
    ----------
    positions : ndarray of shape (n_neurons, 3)
        Neuron coordinates in mm.
    input_neurons : ndarray of shape (n_channels, 2)
        For each channel, the neuron driven by its positive spikes (column 0) and the neuron
        driven by its negative spikes (column 1).
    pre, post : ndarray of shape (n_candidates,)
        Candidate synapses ``pre -> post``, sorted by ``(pre, post)``, without self-connections
        and without connections into input neurons.
    active : ndarray of bool, shape (n_candidates,)
        Which candidates exist.
    excitatory : ndarray of bool, shape (n_candidates,)
        Sign of each synapse, kept by STDP.
    weights : ndarray of shape (n_candidates,)
        Weights; 0 for inactive candidates, ``>= 0`` for excitatory, ``<= 0`` for inhibitory ones.
    distance : ndarray of shape (n_candidates,), optional
        Length of each candidate synapse in mm (computed from the positions when omitted).
    """

    positions: np.ndarray
    input_neurons: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    active: np.ndarray
    excitatory: np.ndarray
    weights: np.ndarray
    distance: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        pos = np.asarray(self.positions, dtype=np.float64)
        if pos.ndim != 2 or pos.shape[1] != 3 or not np.all(np.isfinite(pos)):
            raise ValueError(
                f"CubeNetwork field 'positions': expected finite coordinates of shape "
                f"(n_neurons, 3); found shape {pos.shape}."
            )
        n = pos.shape[0]
        inputs = np.asarray(self.input_neurons)
        if inputs.ndim != 2 or inputs.shape[1] != 2 or inputs.dtype.kind not in "iu":
            raise ValueError(
                f"CubeNetwork field 'input_neurons': expected integers of shape (n_channels, 2); "
                f"found shape {inputs.shape} and dtype {inputs.dtype}."
            )
        if inputs.size and (inputs.min() < 0 or inputs.max() >= n):
            raise ValueError(
                f"CubeNetwork field 'input_neurons': expected indices in [0, {n}); found values "
                f"in [{inputs.min()}, {inputs.max()}]."
            )
        if np.unique(inputs).size != inputs.size:
            raise ValueError("CubeNetwork field 'input_neurons': expected distinct neurons; "
                             "found a neuron used twice.")
        pre = np.asarray(self.pre)
        post = np.asarray(self.post)
        m = pre.shape[0] if pre.ndim == 1 else -1
        for name, arr in (("pre", pre), ("post", post), ("active", self.active),
                          ("excitatory", self.excitatory), ("weights", self.weights)):
            arr = np.asarray(arr)
            if arr.ndim != 1 or arr.shape[0] != m:
                raise ValueError(
                    f"CubeNetwork field {name!r}: expected shape ({max(m, 0)},) like 'pre'; "
                    f"found shape {arr.shape}."
                )
        if m and (pre.min() < 0 or post.min() < 0 or max(pre.max(), post.max()) >= n):
            raise ValueError(f"CubeNetwork fields 'pre'/'post': expected neuron indices in "
                             f"[0, {n}).")
        if np.any(pre == post):
            raise ValueError("CubeNetwork fields 'pre'/'post': expected no self-connections.")
        key = pre.astype(np.int64) * n + post
        if m > 1 and np.any(np.diff(key) <= 0):
            raise ValueError("CubeNetwork fields 'pre'/'post': expected unique synapses sorted "
                             "by (pre, post).")
        is_input = np.zeros(n, dtype=bool)
        is_input[inputs.ravel()] = True
        if np.any(is_input[post]):
            raise ValueError("CubeNetwork field 'post': expected no synapse into an input neuron.")
        w = np.asarray(self.weights, dtype=np.float64)
        active = np.asarray(self.active, dtype=bool)
        exc = np.asarray(self.excitatory, dtype=bool)
        if not np.all(np.isfinite(w)):
            raise ValueError("CubeNetwork field 'weights': expected finite values.")
        if np.any(w[~active] != 0):
            raise ValueError("CubeNetwork field 'weights': expected 0 for inactive synapses.")
        if np.any(w[exc] < 0) or np.any(w[~exc] > 0):
            raise ValueError("CubeNetwork field 'weights': expected >= 0 for excitatory and "
                             "<= 0 for inhibitory synapses.")
        if self.distance is None:
            dist = np.linalg.norm(pos[pre] - pos[post], axis=1) if m else np.zeros(0)
        else:
            dist = np.asarray(self.distance, dtype=np.float64)
            if dist.shape != (m,):
                raise ValueError(f"CubeNetwork field 'distance': expected shape ({m},); found "
                                 f"shape {dist.shape}.")
        object.__setattr__(self, "positions", _readonly(pos))
        object.__setattr__(self, "input_neurons", _readonly(inputs.astype(np.int64)))
        object.__setattr__(self, "pre", _readonly(pre.astype(np.int32)))
        object.__setattr__(self, "post", _readonly(post.astype(np.int32)))
        object.__setattr__(self, "active", _readonly(active))
        object.__setattr__(self, "excitatory", _readonly(exc))
        object.__setattr__(self, "weights", _readonly(w))
        object.__setattr__(self, "distance", _readonly(dist))

    @property
    def n_neurons(self) -> int:
        """Number of neurons, including the input neurons."""
        return int(self.positions.shape[0])

    @property
    def n_channels(self) -> int:
        """Number of input channels (each has a positive and a negative input neuron)."""
        return int(self.input_neurons.shape[0])

    @property
    def n_candidates(self) -> int:
        """Number of candidate synapses (active or not)."""
        return int(self.pre.shape[0])

    @property
    def n_synapses(self) -> int:
        """Number of active synapses."""
        return int(np.count_nonzero(self.active))

    @property
    def is_input(self) -> np.ndarray:
        """Boolean mask of input neurons, shape (n_neurons,)."""
        mask = np.zeros(self.n_neurons, dtype=bool)
        mask[self.input_neurons.ravel()] = True
        return mask

    def input_columns(self) -> np.ndarray:
        """Input column driving each neuron, shape (n_neurons,), -1 for non-input neurons.

        Column ``c`` holds the positive spikes of channel ``c`` and column ``n_channels + c`` its
        negative spikes.
        """
        col = np.full(self.n_neurons, -1, dtype=np.int64)
        nch = self.n_channels
        col[self.input_neurons[:, 0]] = np.arange(nch)
        col[self.input_neurons[:, 1]] = nch + np.arange(nch)
        return col

    def with_weights(self, weights: np.ndarray) -> CubeNetwork:
        """The same network with other candidate weights (e.g. after STDP)."""
        return replace(self, weights=np.asarray(weights, dtype=np.float64))

    def weight_matrix(self) -> sp.csr_array:
        """Active weights as a sparse ``(n_neurons, n_neurons)`` matrix, ``W[pre, post]``."""
        a = self.active
        return sp.csr_array(
            (self.weights[a], (self.pre[a], self.post[a])), shape=(self.n_neurons,) * 2
        )
