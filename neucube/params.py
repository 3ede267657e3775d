"""Parameters declared once, on the estimator that uses them.

Each estimator lists its constructor parameters in a scikit-learn style
``_parameter_constraints`` class attribute: one :class:`ParamSpec` per parameter, giving its kind,
range or choices, a one-line doc, whether ``neucube search`` may tune it and the section of a study
file it belongs to. The default is the one of ``__init__``'s signature (never written twice), and
ranges whose size sets the work come from :data:`neucube.limits.LIMITS` (``limit="n_rounds"``).
Everything else is generated from these declarations: the estimator's own check
(:func:`check_params`, called once at the start of ``fit``), the study schema and its search grid
(:mod:`neucube_study.schema`), the app's widgets and ``docs/parameters.md``
(``python -m neucube.params --markdown``).

Usage::

    from neucube.params import ParamSpec, describe, check_params

    class MyEstimator(BaseEstimator):
        _parameter_constraints = {
            "leak": ParamSpec("float", low=0.0, doc="leak per step", section="cube",
                              searchable=True),
            "n_rounds": ParamSpec("int", limit="n_rounds", doc="STDP passes"),
            "recall": ParamSpec("choice", choices=("wknn", "psp"), doc="deSNN recall",
                                when=("readout", ("desnn",))),
        }

        def __init__(self, leak=0.002, n_rounds=1, recall="wknn", readout="desnn"): ...

        def fit(self, X, y):
            check_params(self)            # one check, errors name the parameter and class
            ...

    specs = describe(MyEstimator)         # or describe(instance): {name: ParamSpec}
    specs["leak"].default                 # 0.002, from the signature
    specs["leak"].allowed                 # "a number >= 0"
    specs["n_rounds"].high                # 1000 (from LIMITS), .reason says why
    specs["leak"].parse(1)                # 1.0: a plain (form, TOML) value checked, normalised

A composite estimator passes parameters on to its parts and reuses their declarations:
``"leak": forward(Reservoir, "leak", section="cube")`` (``spec.passed_to`` names the part).

A :class:`ParamSpec` returned by :func:`describe` is complete (``name``, ``default``, ``owner``
filled in); the declarations themselves leave those out. ``kind`` is one of :data:`KINDS`:

``"float"``, ``"int"``  a number in ``[low, high]`` (``low_inclusive``/``high_inclusive``);
    ``keywords`` are strings also accepted (``"auto"``).
``"bool"``  True or False.
``"choice"``  one of ``choices``; ``other`` names what else a non-string value may be (an
    estimator instance, an array), which the estimator checks where it uses it.
``"number_or_pair"``  a number, or a (potentiation, depression) pair of numbers, each in range.
``"threshold"``  None, a keyword, a number in range or one per channel.
``"seed"``  None, an int or a NumPy random generator.
``"any"``  not validated here (``doc`` says what is expected; the estimator checks it in use).

This module imports only the standard library, :mod:`neucube.limits` and
:mod:`neucube._validation`; the generator of ``docs/parameters.md`` (which imports the
estimators it documents) is :mod:`neucube._param_docs`.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from neucube._validation import check_int, check_number, check_option
from neucube.limits import LIMITS, check_limit

__all__ = ["ParamSpec", "ParamValueError", "KINDS", "REQUIRED", "describe", "forward",
           "check_params", "check_value"]

#: Kinds of parameter a :class:`ParamSpec` declares.
KINDS = ("float", "int", "bool", "choice", "number_or_pair", "threshold", "seed", "any")

#: ``ParamSpec.default`` of a parameter without a default.
REQUIRED = inspect.Parameter.empty


@dataclass(frozen=True)
class ParamSpec:
    """One constructor parameter: what it accepts, its default and what it means.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    low, high : float or None
        Range of a number (None: unbounded); taken from ``LIMITS[limit]`` when ``limit`` is set.
    low_inclusive, high_inclusive : bool
        Whether the bounds themselves are allowed.
    choices : tuple of str
        Allowed values of a ``"choice"``.
    keywords : tuple of str
        Strings a number parameter also takes (``"auto"``).
    other : str
        What a non-string value of a ``"choice"`` may be ("a spike encoder instance"); the
        estimator checks it where it uses it.
    limit : str or None
        Name in :data:`neucube.limits.LIMITS` whose range and reason apply.
    reason : str
        Why the range is bounded (from the limit).
    doc : str
        One line: what the parameter does.
    label : str
        A short name for a form field ("STDP weight bound"), where the start of ``doc`` does not
        make one; empty: front ends derive it from ``doc``.
    searchable : bool
        Whether ``neucube search`` (``[search.grid]``) may tune it.
    section : str or None
        Section of a study file that holds it (``"encoder"``, ``"cube"``, ``"stdp"``,
        ``"readout"``); None: not a study key (set from the study itself or the data).
    when : (str, tuple) or None
        ``(param, values)``: the parameter is only used (and checked) when ``param`` is one of
        ``values`` (e.g. the deSNN's ``k`` only with ``readout="desnn"``).
    checker : callable or None
        ``checker(name, value, owner=...)`` replacing the generic check (kept where an error
        message is pinned by an older API).
    passed_to : str
        ``"DeSNNClassifier.mod"``: the part's parameter this one is passed on to, whose
        declaration it reuses (see :func:`forward`).
    name, default, owner : str, any, str
        Filled in by :func:`describe`: the parameter, its signature default (:data:`REQUIRED`
        if none) and the class that declares it.
    """

    kind: str
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    high_inclusive: bool = True
    choices: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    other: str = ""
    limit: str | None = None
    reason: str = ""
    doc: str = ""
    label: str = ""
    searchable: bool = False
    section: str | None = None
    when: tuple[str, tuple[Any, ...]] | None = None
    checker: Callable[..., Any] | None = dataclasses.field(default=None, repr=False,
                                                           compare=False)
    passed_to: str = ""
    name: str = ""
    default: Any = REQUIRED
    owner: str = ""

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"ParamSpec.kind: expected one of {', '.join(KINDS)}; found "
                             f"{self.kind!r}")
        if self.limit is not None:
            lim = LIMITS[self.limit]
            object.__setattr__(self, "low", lim.low)
            object.__setattr__(self, "high", lim.high)
            object.__setattr__(self, "low_inclusive", lim.low_inclusive)
            object.__setattr__(self, "reason", lim.reason)
            if lim.integer and self.kind == "float":
                object.__setattr__(self, "kind", "int")

    @property
    def integer(self) -> bool:
        """Whether the number must be an integer."""
        return self.kind == "int"

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def range_text(self) -> str:
        """The number's range in words: ``a number >= 0``, ``an integer in [0, 1000]``."""
        what = "an integer" if self.integer else "a number"
        if self.low is None and self.high is None:
            return what
        if self.low is not None and self.high is not None:
            left = "[" if self.low_inclusive else "("
            right = "]" if self.high_inclusive else ")"
            return f"{what} in {left}{_num(self.low, self.integer)}, " \
                   f"{_num(self.high, self.integer)}{right}"
        if self.low is not None:
            if self.low == 0 and not self.low_inclusive:
                return "a positive integer" if self.integer else "a positive number"
            return f"{what} {'>=' if self.low_inclusive else '>'} {_num(self.low, self.integer)}"
        return f"{what} {'<=' if self.high_inclusive else '<'} {_num(self.high, self.integer)}"

    @property
    def allowed(self) -> str:
        """What the parameter accepts, in words (docs, widgets' help, error messages)."""
        if self.kind == "bool":
            return "true or false"
        if self.kind == "choice":
            text = "one of " + ", ".join(f'"{c}"' for c in self.choices)
            return f"{text}, or {self.other}" if self.other else text
        if self.kind == "seed":
            return "None, an int or a NumPy random generator"
        if self.kind == "any":
            return self.other or "any value"
        rng = self.range_text()
        if self.kind == "number_or_pair":
            rng = f"{rng} or a pair of them"
        elif self.kind == "threshold":
            rng = f"{rng} (or one per channel)"
        keys = [f'"{k}"' for k in self.keywords]
        text = " or ".join([*keys, rng]) if keys else rng
        return f"None, {text}" if self.kind == "threshold" else text

    def parse(self, value: Any) -> Any:
        """A plain value (as TOML, JSON or a form gives it) checked and normalised.

        Numbers become ``float`` (``int`` for integers), pairs and per-channel thresholds
        lists; the value's other forms (estimator instances, arrays, seeds) are for the Python
        API and refused here.

        Raises
        ------
        ParamValueError
            With ``expected`` (what the parameter accepts, in words) and ``where`` (``"[1]"``
            for an item of a list).
        """
        kind = self.kind
        if kind == "choice":
            if isinstance(value, str) and value in self.choices:
                return value
            raise ParamValueError(self, value, "one of " + ", ".join(f'"{c}"'
                                                                  for c in self.choices))
        if kind == "bool":
            if isinstance(value, bool):
                return value
            raise ParamValueError(self, value, "true or false")
        if kind == "threshold":
            if value is None or value in self.keywords:
                return value
            if isinstance(value, list):
                return [self._parse_number(v, f"[{i}]") for i, v in enumerate(value)]
            return self._parse_number(value)
        if kind == "number_or_pair":
            if isinstance(value, list) and len(value) == 2:
                return [self._parse_number(v, f"[{i}]") for i, v in enumerate(value)]
            try:
                return self._parse_number(value)
            except ParamValueError:
                raise ParamValueError(self, value, f"{self._number_text()} or a pair of "
                                                   "such numbers") from None
        if kind in ("float", "int"):
            if isinstance(value, str) and value in self.keywords:
                return value
            try:
                return self._parse_number(value)
            except ParamValueError:
                if not self.keywords:
                    raise
                words = " or ".join(f"'{k}'" for k in self.keywords)
                rng = self.range_text() if self.high is not None or self.low is None else \
                    f"a number {'>=' if self.low_inclusive else '>'} {self.low:g}"
                raise ParamValueError(self, value, f"{words} or {rng}") from None
        raise TypeError(f"{self.owner}.{self.name}: a {kind!r} parameter has no plain value")

    def _number_text(self) -> str:
        return self.range_text() + (f" ({self.reason})" if self.reason else "")

    def _parse_number(self, value: Any, where: str = "") -> float | int:
        ok = isinstance(value, numbers.Real) and not isinstance(value, bool) \
            and math.isfinite(value) and (not self.integer or isinstance(value, numbers.Integral))
        if ok and self.low is not None:
            ok = value >= self.low if self.low_inclusive else value > self.low
        if ok and self.high is not None:
            ok = value <= self.high if self.high_inclusive else value < self.high
        if not ok:
            raise ParamValueError(self, value, self._number_text(), where)
        return int(value) if self.integer else float(value)

    def applies(self, params: Mapping[str, Any]) -> bool:
        """Whether the parameter is used with these values of the other parameters."""
        if self.when is None:
            return True
        other, values = self.when
        value = params.get(other)
        return isinstance(value, str) and value in values


class ParamValueError(ValueError):
    """A plain value that a parameter does not accept (see :meth:`ParamSpec.parse`)."""

    def __init__(self, spec: ParamSpec, value: Any, expected: str, where: str = "") -> None:
        super().__init__(f"{spec.name}{where}: expected {expected}; found {value!r}")
        self.spec, self.value, self.expected, self.where = spec, value, expected, where


def _num(v: float, integer: bool) -> str:
    return str(int(v)) if integer else f"{v:g}"


def forward(estimator: type, name: str, **changes: Any) -> ParamSpec:
    """The declaration of ``estimator``'s parameter ``name``, for a parameter passed on to it.

    A composite estimator (``NeuCubeClassifier``) reuses its parts' declarations instead of
    repeating them; ``changes`` add what only the composite knows (``when``, ``section``,
    ``searchable``).
    """
    spec = estimator._parameter_constraints[name]  # noqa: SLF001 - the declaration itself
    return dataclasses.replace(spec, passed_to=f"{estimator.__name__}.{name}", **changes)


def describe(estimator: Any) -> dict[str, ParamSpec]:
    """Every constructor parameter of ``estimator`` (a class or an instance), declared.

    Parameters come in ``__init__``'s order, each a complete :class:`ParamSpec` (``name``,
    ``default`` from the signature, ``owner``).

    Raises
    ------
    TypeError
        If a parameter has no declaration in ``_parameter_constraints``, or a declaration names
        no parameter (each parameter is declared exactly once).
    """
    cls = estimator if isinstance(estimator, type) else type(estimator)
    declared: Mapping[str, ParamSpec] = getattr(cls, "_parameter_constraints", None) or {}
    sig = inspect.signature(cls.__init__)
    params = [p for p in sig.parameters.values()
              if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    names = [p.name for p in params]
    missing = [n for n in names if n not in declared]
    extra = [n for n in declared if n not in names]
    if missing or extra:
        raise TypeError(f"{cls.__name__}._parameter_constraints: expected one declaration per "
                        f"parameter of __init__; found none for {missing or 'none'}, and "
                        f"declarations of no parameter: {extra or 'none'}")
    out: dict[str, ParamSpec] = {}
    for p in params:
        spec = declared[p.name]
        if not isinstance(spec, ParamSpec):
            raise TypeError(f"{cls.__name__}._parameter_constraints[{p.name!r}]: expected a "
                            f"ParamSpec; found {type(spec).__name__}")
        out[p.name] = dataclasses.replace(spec, name=p.name, default=p.default,
                                          owner=cls.__name__)
    return out


def check_value(spec: ParamSpec, value: Any, *, owner: str | None = None) -> None:
    """Check one value of ``spec``; raise TypeError/ValueError naming the parameter and owner.

    The messages follow scikit-learn's parameter validation (and :mod:`neucube._validation`):
    ``The 'leak' parameter of NeuCubeClassifier must be in the range [0, inf); got -1.``
    """
    name, owner = spec.name, owner or spec.owner or None
    if spec.checker is not None:
        spec.checker(name, value, owner=owner)
        return
    kind = spec.kind
    if kind == "any":
        return
    if kind == "choice":
        if spec.other and not isinstance(value, str):
            return  # an instance or array: checked where it is used
        check_option(name, value, spec.choices, owner=owner)
    elif kind == "bool":
        if not isinstance(value, bool) and type(value).__name__ != "bool_":  # numpy.bool_
            raise TypeError(f"The {name!r} parameter of {owner} must be a bool; got {value!r}.")
    elif kind == "seed":
        _check_seed(name, value, owner)
    elif kind == "number_or_pair":
        _check_number_or_pair(spec, value, owner)
    elif kind in ("float", "int", "threshold"):
        if kind == "threshold" and value is None:
            return
        if isinstance(value, str) and (spec.keywords or kind == "threshold"):
            check_option(name, value, spec.keywords, owner=owner)
        else:
            _check_number(spec, value, owner)


def _check_number(spec: ParamSpec, value: Any, owner: str | None) -> None:
    if spec.limit is not None:
        _check_limit_as(spec, value, owner)
        return
    if spec.integer and spec.low_inclusive and spec.high_inclusive:
        lo = None if spec.low is None else int(spec.low)
        hi = None if spec.high is None else int(spec.high)
        check_int(spec.name, value, low=lo, high=hi, owner=owner)
        return
    check_number(spec.name, value, low=spec.low, high=spec.high,
                 low_inclusive=spec.low_inclusive, high_inclusive=spec.high_inclusive,
                 owner=owner)


def _check_limit_as(spec: ParamSpec, value: Any, owner: str | None) -> None:
    """``check_limit`` for ``spec`` (the message names the parameter, also when its limit has
    another name)."""
    if spec.name == spec.limit:
        check_limit(spec.limit, value, owner=owner)
        return
    try:
        check_limit(spec.limit, value, owner=owner)
    except (TypeError, ValueError) as err:
        raise type(err)(str(err).replace(repr(spec.limit), repr(spec.name), 1)) from None


def _check_number_or_pair(spec: ParamSpec, value: Any, owner: str | None) -> None:
    """A number, or a (potentiation, depression) pair of numbers, each in range."""
    name = spec.name
    if isinstance(value, (tuple, list)) or type(value).__name__ == "ndarray":
        items = list(value) if len(value) == 2 else None
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        items = [value]
    else:
        items = None
    if items is None:
        raise TypeError(f"The {name!r} parameter of {owner} must be a number or a pair of "
                        f"numbers (potentiation, depression); got {value!r}.")
    for v in items:  # the sign first (as for any number), then the limit with its reason
        check_number(name, v, low=0.0, low_inclusive=spec.low_inclusive, owner=owner)
    if spec.limit is not None:
        for v in items:
            _check_limit_as(spec, float(v), owner)


def _check_seed(name: str, value: Any, owner: str | None) -> None:
    ok = value is None or (isinstance(value, numbers.Integral) and not isinstance(value, bool))
    if not ok:
        import numpy as np

        ok = isinstance(value, (np.random.Generator, np.random.RandomState))
    if not ok:
        raise TypeError(f"The {name!r} parameter of {owner} must be None, an int, a "
                        f"numpy.random.Generator or a numpy.random.RandomState; got {value!r}.")


def check_params(estimator: Any, *, owner: str | None = None) -> dict[str, Any]:
    """Check every declared parameter of ``estimator`` that applies; return ``get_params()``.

    Called once at the start of ``fit``. A parameter with ``when`` is only checked when it is
    used (the deSNN's ``k`` with ``readout="desnn"``).
    """
    specs = describe(estimator)
    values = {name: getattr(estimator, name) for name in specs}
    owner = owner or type(estimator).__name__
    for spec in specs.values():
        if spec.applies(values):
            check_value(spec, values[spec.name], owner=owner)
    return values


if __name__ == "__main__":
    # ``python -m neucube.params --markdown``: the generator of docs/parameters.md imports the
    # estimators, which import this module, so it lives above them (neucube._param_docs) and is
    # run by name; as a script this file is ``__main__``, and neucube.params imports no estimator.
    import runpy

    runpy.run_module("neucube._param_docs", run_name="__main__", alter_sys=True)
