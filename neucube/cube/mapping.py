"""Input mapping: which cube neuron each input channel drives.

Each channel goes to the template neuron nearest its coordinate. Channels are processed in
order; when a channel's nearest neuron is already taken by an earlier channel, it takes the
nearest *free* neuron instead (ties in distance go to the lower neuron index). Such collisions
are logged as a warning and returned, because they usually mean the template is too coarse for
the montage.

The mapped template neuron is the channel's **positive** input neuron. Its **negative** input
neuron (driven by ``-1`` spikes) is a new neuron appended after the template, at the same
coordinate, so that positive and negative spikes of a channel enter the cube at the same place
with the same outgoing geometry (see :func:`input_positions`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["Collision", "InputMapping", "map_channels", "input_positions"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Collision:
    """A channel whose nearest neuron was already taken.

    Attributes
    ----------
    channel : int
        The channel that had to move.
    nearest : int
        Its nearest template neuron.
    taken_by : int
        The earlier channel mapped to ``nearest``.
    assigned : int
        The free neuron the channel got instead.
    distance_mm : float
        Distance from the channel to ``assigned``.
    """

    channel: int
    nearest: int
    taken_by: int
    assigned: int
    distance_mm: float


@dataclass(frozen=True)
class InputMapping:
    """Result of :func:`map_channels`.

    Attributes
    ----------
    neurons : ndarray of shape (n_channels,)
        Template neuron of each channel.
    distances : ndarray of shape (n_channels,)
        Distance in mm from each channel to its neuron.
    collisions : tuple of Collision
        Channels that did not get their nearest neuron.
    """

    neurons: np.ndarray
    distances: np.ndarray
    collisions: tuple[Collision, ...]


def _sorted_candidates(tree: cKDTree, positions: np.ndarray, point: np.ndarray,
                       k: int) -> np.ndarray:
    """The k nearest neurons of ``point``, sorted by (distance, index) so ties are deterministic."""
    _, idx = tree.query(point, k=k)
    idx = np.atleast_1d(idx)
    idx = idx[idx < positions.shape[0]]
    d = np.linalg.norm(positions[idx] - point, axis=1)
    return idx[np.lexsort((idx, d))]


def map_channels(
    coords: np.ndarray,
    positions: np.ndarray,
    *,
    ch_names: list[str] | None = None,
) -> InputMapping:
    """Map each channel to its nearest free template neuron.

    Parameters
    ----------
    coords : array-like of shape (n_channels, 3)
        Channel coordinates in mm, in the same space as ``positions``.
    positions : array-like of shape (n_neurons, 3)
        Template neuron coordinates in mm.
    ch_names : list of str, optional
        Channel names, used in the collision warning.

    Returns
    -------
    InputMapping
    """
    coords = np.asarray(coords, dtype=np.float64)
    positions = np.asarray(positions, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] != 3 or not np.all(np.isfinite(coords)):
        raise ValueError(f"The 'coords' parameter of map_channels must be finite coordinates of "
                         f"shape (n_channels, 3) in mm; got shape {coords.shape}.")
    n_ch, n_pos = coords.shape[0], positions.shape[0]
    if n_ch > n_pos:
        raise ValueError(f"map_channels: {n_ch} channels cannot be mapped to distinct neurons of "
                         f"a template with only {n_pos} neurons.")
    tree = cKDTree(positions)
    neurons = np.zeros(n_ch, dtype=np.int64)
    if n_ch:
        # Nearest neuron with ties broken by the lower index (a cubic grid has at most 8
        # equidistant nearest points, so 8 candidates always contain the winner).
        k = min(8, n_pos)
        _, idx = tree.query(coords, k=k)
        idx = np.asarray(idx, dtype=np.int64).reshape(n_ch, k)
        d = np.linalg.norm(positions[idx] - coords[:, None, :], axis=2)
        neurons = np.where(d == d.min(axis=1, keepdims=True), idx, n_pos).min(axis=1)
    collisions: list[Collision] = []
    if np.unique(neurons).size != n_ch:
        owner: dict[int, int] = {}
        for ch in range(n_ch):  # sequential by nature: a channel's choice depends on earlier ones
            want = int(neurons[ch])
            if want not in owner:
                owner[want] = ch
                continue
            k = min(n_pos, 2 * n_ch + 1)  # at most n_ch neurons are taken, so k suffices
            cand = _sorted_candidates(tree, positions, coords[ch], k)
            free = next(int(c) for c in cand if int(c) not in owner)
            owner[free] = ch
            neurons[ch] = free
            collisions.append(Collision(ch, want, owner[want], free,
                                        float(np.linalg.norm(positions[free] - coords[ch]))))
        names = ch_names if ch_names is not None else [str(i) for i in range(n_ch)]
        logger.warning(
            "%d channel(s) shared their nearest neuron with an earlier channel and were moved to "
            "the next-nearest free neuron: %s",
            len(collisions),
            ", ".join(f"{names[c.channel]} (wanted {c.nearest}, taken by {names[c.taken_by]}, "
                      f"got {c.assigned} at {c.distance_mm:.1f} mm)" for c in collisions),
        )
    distances = np.linalg.norm(positions[neurons] - coords, axis=1)
    return InputMapping(neurons=neurons, distances=distances, collisions=tuple(collisions))


def input_positions(
    template: np.ndarray, mapping: InputMapping
) -> tuple[np.ndarray, np.ndarray]:
    """Append the negative input neurons to a template.

    Parameters
    ----------
    template : ndarray of shape (n_template, 3)
    mapping : InputMapping

    Returns
    -------
    positions : ndarray of shape (n_template + n_channels, 3)
        The template followed by one negative input neuron per channel, each at the position of
        that channel's positive input neuron.
    input_neurons : ndarray of shape (n_channels, 2)
        Positive (column 0) and negative (column 1) input neuron of each channel.
    """
    template = np.asarray(template, dtype=np.float64)
    n_template, n_ch = template.shape[0], mapping.neurons.shape[0]
    positions = np.vstack([template, template[mapping.neurons]])
    input_neurons = np.column_stack([mapping.neurons, n_template + np.arange(n_ch)])
    return positions, input_neurons.astype(np.int64)
