"""Field checks of the study schema: each turns a raw TOML value into a valid one or raises.

Every check is called as ``check(key, value)`` with the value's key path (``"encoder.alpha"``)
and raises :class:`StudyError` naming that path, what was expected and what was found::

    encoder.alpha: expected a number >= 0, got "half"

Path fields are only type-checked here; :mod:`neucube_study.paths` resolves them against the study
folder and checks that they exist.
"""

from __future__ import annotations

import inspect
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from neucube._show import show  # a value as the study file would spell it
from neucube.limits import LIMITS
from neucube.params import ParamSpec, ParamValueError

__all__ = [
    "StudyError",
    "Field",
    "show",
    "string",
    "number",
    "integer",
    "limited",
    "choice",
    "boolean",
    "optional",
    "list_of",
    "one_or_list",
    "any_of",
    "window",
    "from_spec",
]


class StudyError(ValueError):
    """A study file is missing, malformed or has an invalid value; the message names the key."""


Check = Callable[[str, Any], Any]


@dataclass(frozen=True)
class Field:
    """One key of a section: how to check it, its default (``required`` when none) and its meaning.

    Attributes
    ----------
    check : callable
        ``check(key, value) -> value``; raises :class:`StudyError`.
    default : any
        Value when the key is absent; ``inspect.Parameter.empty`` makes the key required.
    doc : str
        What the key means (shown in "missing key" errors and the schema reference).
    path : {"file", "folder", "any"} or None
        The value is a path (or a list of paths) that must exist, of this kind.
    keywords : tuple of str
        Values of a path field that are not paths (e.g. ``"auto"`` for coordinates).
    """

    check: Check
    default: Any = inspect.Parameter.empty
    doc: str = ""
    path: str | None = None
    keywords: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty


def string(key: str, v: Any) -> str:
    if not isinstance(v, str):
        raise StudyError(f"{key}: expected a string, got {show(v)}")
    return v


def _describe_number(low: float | None, high: float | None, strict: bool) -> str:
    if low is None and high is None:
        return "a number"
    if high is not None and low is not None:
        return f"a number in {'(' if strict else '['}{low:g}, {high:g}]"
    if strict and low == 0:
        return "a positive number"
    return f"a number {'>' if strict else '>='} {low:g}"


def number(low: float | None = None, *, strict: bool = False, high: float | None = None) -> Check:
    """A real number (not a bool) ``>= low`` (``> low`` if ``strict``) and ``<= high``."""

    def check(key: str, v: Any) -> float:
        ok = isinstance(v, numbers.Real) and not isinstance(v, bool) and v == v  # not NaN
        if ok and low is not None:
            ok = v > low if strict else v >= low
        if ok and high is not None:
            ok = v <= high
        if ok and abs(v) == float("inf"):
            ok = False
        if not ok:
            raise StudyError(
                f"{key}: expected {_describe_number(low, high, strict)}, got {show(v)}"
            )
        return float(v)

    return check


def integer(low: int | None = None) -> Check:
    def check(key: str, v: Any) -> int:
        if (
            not isinstance(v, numbers.Integral)
            or isinstance(v, bool)
            or (low is not None and v < low)
        ):
            what = "an integer" if low is None else f"an integer >= {low}"
            raise StudyError(f"{key}: expected {what}, got {show(v)}")
        return int(v)

    return check


def limited(name: str) -> Check:
    """A number in the range :data:`neucube.limits.LIMITS` declares for ``name``.

    The range and its reason are the estimators' own, so a study and the Python API refuse the
    same values with the same reason::

        stdp.n_rounds: expected an integer in [0, 1000] (each round is ...), got 1000000000
    """
    limit = LIMITS[name]

    def check(key: str, v: Any) -> Any:
        if not limit.accepts(v):
            raise StudyError(f"{key}: expected {limit.describe()} ({limit.reason}), got {show(v)}")
        return int(v) if limit.integer else float(v)

    return check


def choice(*options: str) -> Check:
    def check(key: str, v: Any) -> str:
        if not isinstance(v, str) or v not in options:
            raise StudyError(
                f"{key}: expected one of {', '.join(map(show, options))}, got {show(v)}"
            )
        return v

    return check


def boolean(key: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise StudyError(f"{key}: expected true or false, got {show(v)}")
    return v


def optional(inner: Check) -> Check:
    """``None`` or ``inner`` (None only from defaults or parsed mappings; TOML has no null)."""

    def check(key: str, v: Any) -> Any:
        return None if v is None else inner(key, v)

    return check


def list_of(inner: Check, *, min_len: int = 0) -> Check:
    def check(key: str, v: Any) -> list:
        if not isinstance(v, list) or len(v) < min_len:
            what = (
                "a list"
                if min_len == 0
                else f"a list of at least {min_len} item{'s' * (min_len > 1)}"
            )
            raise StudyError(f"{key}: expected {what}, got {show(v)}")
        return [inner(f"{key}[{i}]", x) for i, x in enumerate(v)]

    return check


def one_or_list(inner: Check) -> Check:
    """A single value or a non-empty list of values, each checked by ``inner``."""

    def check(key: str, v: Any) -> Any:
        if isinstance(v, list):
            if not v:
                raise StudyError(f"{key}: expected a value or a non-empty list, got []")
            return [inner(f"{key}[{i}]", x) for i, x in enumerate(v)]
        return inner(key, v)

    return check


def percentile(key: str, v: Any) -> str:
    """A percentile such as ``"97.5%"`` (in [0%, 100%))."""
    text = v.strip() if isinstance(v, str) else ""
    try:
        ok = text.endswith("%") and 0.0 <= float(text[:-1]) < 100.0
    except ValueError:
        ok = False
    if not ok:
        raise StudyError(f"{key}: expected a percentile in [0%, 100%) such as \"97.5%\", "
                         f"got {show(v)}")
    return text


def any_of(*checks: Check, expected: str) -> Check:
    """The first of ``checks`` that accepts the value; otherwise one message naming ``expected``."""

    def check(key: str, v: Any) -> Any:
        for c in checks:
            try:
                return c(key, v)
            except StudyError:
                continue
        raise StudyError(f"{key}: expected {expected}, got {show(v)}")

    return check


def window(key: str, v: Any) -> list[float]:
    """A time window ``[start, stop]`` in seconds with ``start < stop``."""
    if (
        not isinstance(v, list)
        or len(v) != 2
        or not all(isinstance(x, numbers.Real) and not isinstance(x, bool) for x in v)
        or not all(abs(float(x)) != float("inf") and x == x for x in v)
        or not v[0] < v[1]
    ):
        raise StudyError(
            f"{key}: expected a window [start, stop] in seconds with start < stop, got {show(v)}"
        )
    return [float(v[0]), float(v[1])]


def table(key: str, v: Any) -> Mapping[str, Any]:
    if not isinstance(v, Mapping):
        raise StudyError(f"{key}: expected a table, got {show(v)}")
    return v


def from_spec(spec: ParamSpec) -> Check:
    """The study check of an estimator parameter: its declaration's :meth:`~neucube.params.
    ParamSpec.parse` (a study holds plain values: strings, numbers, lists)."""

    def check(key: str, v: Any) -> Any:
        try:
            return spec.parse(v)
        except ParamValueError as err:
            raise StudyError(f"{key}{err.where}: expected {err.expected}, got {show(err.value)}"
                             ) from None

    return check
