"""Relabelling: name the classes of a study and choose which labels form each."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np

from neucube._show import show
from neucube.data import TrialSet

__all__ = ["relabel"]

logger = logging.getLogger(__name__)


def relabel(trials: TrialSet, events: Mapping[str, Sequence[int | str]]) -> TrialSet:
    """Rename and select classes: class ``name`` gets every trial whose label is one of its codes.

    Parameters
    ----------
    trials : TrialSet
        Labelled trials (for example every event of a recording as its own class).
    events : mapping of str to sequence of int or str
        New class name -> the labels it takes, in the order the classes get. Codes are compared
        as text, so ``1`` matches the label ``"1"`` of a NeuCube CSV folder.

    Returns
    -------
    TrialSet
        The trials whose label some class lists, labelled by class. The others are dropped.

    Raises
    ------
    ValueError
        If a code matches no trial, or two classes claim the same label (the message names
        ``events.<class>``).
    """
    labels = trials.labels
    present = sorted(set(labels.tolist()))
    owner: dict[str, str] = {}
    for name, codes in events.items():
        for code in codes:
            text = str(code)
            if text in owner:
                raise ValueError(f"events.{name}: the label {show(text)} is also listed under "
                                 f"events.{owner[text]}")
            if text not in present:
                raise ValueError(f"events.{name}: no trial has the label {show(text)}; the "
                                 f"data's labels are {', '.join(map(show, present))}")
            owner[text] = name
    keep = np.isin(labels, list(owner))
    if not keep.all():
        logger.info("events: %d trials with labels not in [events] are left out (%s)",
                    int((~keep).sum()), ", ".join(sorted(set(labels[~keep].tolist()))))
    kept = trials.select(trials=keep)
    names = list(events)
    y = np.array([names.index(owner[lab]) for lab in kept.labels], dtype=np.int64)
    return kept.replace(y=y, class_names=names)
