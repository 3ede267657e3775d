"""Exceptions shared by every loader, so a bad input always names the file and the problem.

Messages follow one pattern, ``"<source>: expected <what>; found <what>."``, where ``<source>``
is a file path (or a short description of an in-memory object such as ``"mne.Epochs object"``).
Every exception subclasses :class:`ValueError`, so callers that already catch ``ValueError`` keep
working, and MNE/nibabel errors are chained with ``raise ... from exc`` so the original traceback
stays available for debugging.
"""

from __future__ import annotations

import os

__all__ = [
    "LoaderError",
    "FileFormatError",
    "EventError",
    "ChannelError",
    "loader_error",
]


class LoaderError(ValueError):
    """A recording or coordinate file could not be turned into trials.

    Parameters
    ----------
    source : str or path-like
        The file (or object description) at fault; it starts the message.
    expected : str
        What the loader needed.
    found : str
        What it got instead.
    hint : str, optional
        One extra sentence on how to fix it.

    Attributes
    ----------
    source, expected, found, hint : str
        The parts of the message, for programmatic use (for example an app showing them).
    """

    def __init__(
        self, source: str | os.PathLike[str], expected: str, found: str, hint: str | None = None
    ) -> None:
        self.source = os.fspath(source)
        self.expected = expected
        self.found = found
        self.hint = hint
        message = f"{self.source}: expected {expected}; found {found}."
        if hint:
            message += f" {hint}"
        super().__init__(message)

    def __reduce__(self):  # keep pickling (joblib workers) working with the custom __init__
        return (type(self), (self.source, self.expected, self.found, self.hint))


class FileFormatError(LoaderError):
    """The file is missing, empty, truncated, corrupt, of an unsupported type or holds NaN/Inf."""


class EventError(LoaderError):
    """No events were found, or the event/label mapping matches none of them."""


class ChannelError(LoaderError):
    """Channel names are unknown (no coordinates) or channel selections are invalid."""


def loader_error(
    source: str | os.PathLike[str],
    expected: str,
    found: str,
    *,
    hint: str | None = None,
    kind: type[LoaderError] = LoaderError,
) -> LoaderError:
    """Build (not raise) a loader error of class ``kind``.

    Use as ``raise loader_error(path, "…", "…") from exc`` so the cause stays chained.
    """
    return kind(source, expected, found, hint)
