"""Uniform argument checks, so every error names the parameter, what is allowed and what was given.

The message style follows scikit-learn's parameter validation and MNE's ``_check_option``:
``The 'alpha' parameter of TBREncoder must be a float >= 0; got -1.``
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "check_option",
    "check_number",
    "check_int",
    "check_random_state",
]


def _owner(owner: str | None) -> str:
    return f" of {owner}" if owner else ""


def check_option(name: str, value: Any, allowed: Iterable[Any], *, owner: str | None = None) -> Any:
    """Return ``value`` if it is one of ``allowed``, else raise a ``ValueError`` listing them."""
    allowed = list(allowed)
    if value not in allowed:
        raise ValueError(
            f"The {name!r} parameter{_owner(owner)} must be one of "
            f"{', '.join(repr(a) for a in allowed)}; got {value!r}."
        )
    return value


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    owner: str | None = None,
) -> float:
    """Return ``value`` as a float after checking it is a finite real number in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(
            f"The {name!r} parameter{_owner(owner)} must be a finite real number; got {value!r}."
        )
    value = float(value)
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        left = "[" if low_inclusive and low is not None else "("
        right = "]" if high_inclusive and high is not None else ")"
        raise ValueError(
            f"The {name!r} parameter{_owner(owner)} must be in the range {left}{lo}, {hi}{right}; "
            f"got {value!r}."
        )
    return value


def check_int(
    name: str,
    value: Any,
    *,
    low: int | None = None,
    high: int | None = None,
    owner: str | None = None,
) -> int:
    """Return ``value`` as an int after checking it is an integer in ``[low, high]``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"The {name!r} parameter{_owner(owner)} must be an integer; got {value!r}.")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        lo = "-inf" if low is None else str(low)
        hi = "inf" if high is None else str(high)
        raise ValueError(
            f"The {name!r} parameter{_owner(owner)} must be an integer in [{lo}, {hi}]; "
            f"got {value!r}."
        )
    return value


def check_random_state(seed: None | int | np.random.Generator) -> np.random.Generator:
    """Turn ``seed`` into a :class:`numpy.random.Generator`.

    ``None`` gives fresh OS entropy (not reproducible, as in NumPy); an ``int`` gives a
    reproducible generator; a ``Generator`` is returned as is so callers can share a stream.
    A legacy ``RandomState`` is accepted for scikit-learn compatibility.
    """
    if seed is None or isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, np.random.RandomState):
        # Legacy scikit-learn style state: draw one seed from it so the stream stays shared.
        return np.random.default_rng(seed.randint(np.iinfo(np.int32).max))
    raise TypeError(
        f"The 'random_state' parameter must be None, an int, a numpy.random.Generator or a "
        f"numpy.random.RandomState; "
        f"got {seed!r}."
    )
