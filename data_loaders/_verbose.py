"""The ``verbose`` argument of every loader (MNE's convention): a temporary logger level."""

from __future__ import annotations

import contextlib
import logging
import numbers
from collections.abc import Iterator

__all__ = ["verbosity"]

_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


@contextlib.contextmanager
def verbosity(verbose: bool | str | int | None, *, owner: str = "the loader") -> Iterator[None]:
    """Set the ``data_loaders`` logger level for the duration of one call.

    ``None`` leaves it as configured, ``True``/``False`` mean INFO/WARNING, and an int or a level
    name (``"DEBUG"``, ``"info"``...) is used as given.
    """
    if verbose is None:
        yield
        return
    if isinstance(verbose, bool):
        level: int | str = logging.INFO if verbose else logging.WARNING
    elif isinstance(verbose, str) and verbose.upper() in _LEVELS:
        level = verbose.upper()
    elif isinstance(verbose, numbers.Integral):
        level = int(verbose)
    else:
        kind = ValueError if isinstance(verbose, str) else TypeError
        raise kind(
            f"The 'verbose' parameter of {owner} must be None, a bool, an int or one of "
            f"{', '.join(repr(x) for x in _LEVELS)}; got {verbose!r}."
        )
    logger = logging.getLogger("data_loaders")
    old = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(old)
