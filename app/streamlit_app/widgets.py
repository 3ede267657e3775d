"""Widgets generated from the classifier's parameter declarations (:mod:`neucube.params`).

Each :class:`~neucube.params.ParamSpec` of :class:`~neucube.NeuCubeClassifier` that a study file
holds (its ``section``) gets one widget of its kind, bounded by its range, labelled by its doc
and showing the value of the session's study: the app declares no parameter, range or default.
A value is checked by the declaration itself when the form is submitted
(:func:`neucube.params.check_value`), so the error names the parameter as the library would.
"""

from __future__ import annotations

import math
import re
from typing import Any

import streamlit as st

from app.streamlit_app.studyfile import model_specs, model_value

__all__ = ["model_specs", "model_value", "param_widget", "parse_param", "label_of"]


def label_of(spec: Any) -> str:
    """The widget's label: the declaration's own ``label``, else its doc up to the first
    parenthesis, "; " or ", or": a number without its scope ("state readout: time bins per
    trial" -> "Time bins per trial"), a choice by its prefix ("deSNN recall: weighted k-NN ..."
    -> "deSNN recall")."""
    if spec.label:
        return spec.label
    text = spec.doc
    for sep in (" (", "; ", ", or "):
        text = text.split(sep)[0]
    text = re.sub(r"\s+\S+\s*=\s*\S+$", "", text)  # "STDP amplitude A+ = A-" -> "STDP amplitude"
    head, _, rest = text.partition(": ")
    if rest and head in spec.choices:  # "hard: ..." documents a choice: name the parameter
        text = spec.name.replace("_", " ")
    elif rest:  # a choice is named by its prefix, a number by what follows the prefix
        text = head if spec.kind == "choice" else rest
    if not text or any(c.isupper() for c in text.split()[0][1:]):  # "deSNN", "STDP" keep
        return text or spec.name  # their case
    return text[:1].upper() + text[1:]


def _help(spec: Any) -> str:
    return f"{spec.doc}. Accepts {spec.allowed}. Study file key: `{spec.section}.{spec.name}`."


def _step(value: float) -> float:
    """A step of one unit in the value's leading digit (0.002 -> 0.001, 10 -> 1)."""
    value = abs(float(value))
    return 10.0 ** math.floor(math.log10(value)) if value > 0 else 0.1


def _number(spec: Any, label: str, value: Any, key: str, container: Any, help: str) -> Any:
    if spec.integer:
        return container.number_input(
            label, value=int(value), step=1, key=key, help=help,
            min_value=None if spec.low is None else int(math.ceil(spec.low)),
            max_value=None if spec.high is None else int(spec.high))
    return container.number_input(
        label, value=float(value), step=_step(value), format="%g", key=key, help=help,
        min_value=None if spec.low is None else float(spec.low),
        max_value=None if spec.high is None else max(float(spec.high), float(value)))


def param_widget(spec: Any, value: Any, *, key: str, container: Any = st,
                 format_func: Any = None) -> Any:
    """Draw the widget of ``spec`` showing ``value``; return what it holds (unchecked: text
    for numbers that also take a keyword, see :func:`parse_param`)."""
    label, help = label_of(spec), _help(spec)
    if spec.kind == "bool":
        return container.checkbox(label, value=bool(value), key=key, help=help)
    if spec.kind == "choice":
        options = list(spec.choices)
        return container.radio(label, options, index=options.index(value) if value in options
                               else 0, key=key, help=help, horizontal=True,
                               format_func=format_func or str)
    if spec.kind in ("float", "int") and spec.keywords:
        text = value if isinstance(value, str) else f"{value:g}"
        return container.text_input(label, value=text, key=key, help=help)
    if spec.kind in ("float", "int"):
        return _number(spec, label, value, key, container, help)
    if spec.kind == "number_or_pair":
        plus, minus = value if isinstance(value, list | tuple) else (value, value)
        left, right = container.columns(2)
        a = _number(spec, f"{label}: potentiation", plus, f"{key}_plus", left, help)
        b = _number(spec, f"{label}: depression", minus, f"{key}_minus", right, help)
        return [a, b]
    raise TypeError(f"{spec.name}: no widget for parameters of kind {spec.kind!r}")


def parse_param(spec: Any, raw: Any) -> Any:
    """The study value of a widget's content, checked by the declaration.

    Raises
    ------
    ValueError
        Naming the parameter, what it accepts and what was given.
    """
    from neucube.params import check_value

    value, shown = raw, repr(raw.strip() if isinstance(raw, str) else raw)
    if spec.kind in ("float", "int") and isinstance(raw, str):
        text = raw.strip()
        if text.lower() in spec.keywords:
            value = text.lower()
        else:
            try:
                value = int(text) if spec.integer else float(text)
            except ValueError:
                value = None
    elif spec.kind == "number_or_pair":
        plus, minus = (float(v) for v in raw)
        value = plus if plus == minus else [plus, minus]
    elif spec.kind == "float":
        value = float(raw)
    elif spec.kind == "int":
        value = int(raw)
    try:
        if value is None:
            raise ValueError(shown)
        check_value(spec, value)
    except (TypeError, ValueError):
        raise ValueError(f"{label_of(spec)} ({spec.name}): expected {spec.allowed}; found "
                         f"{shown}") from None
    return value
