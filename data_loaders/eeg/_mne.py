"""MNE at the boundary: its exceptions become loader errors, its warnings are kept."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from data_loaders._errors import FileFormatError, LoaderError

# One logger for the package (its name is in users' logs).
logger = logging.getLogger("data_loaders.eeg")


def _describe(source: Any) -> str:
    """A short name for an input, to start error messages."""
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    filenames = [f for f in getattr(source, "filenames", ()) or () if f is not None]
    kind = type(source).__name__
    return f"{kind} of {os.fspath(filenames[0])}" if filenames else f"{kind} object"


#: MNE's FIF reader warns "Invalid tag with only 4/16 bytes at position …" where a file ends.
_FIF_TRUNCATED_RE = re.compile(r"Invalid tag with only \d+/\d+ bytes at position (\d+)")


def _truncation_hint(messages: Sequence[str]) -> str | None:
    """A sentence saying the file is truncated, when MNE's warnings show it."""
    for msg in messages:
        m = _FIF_TRUNCATED_RE.search(msg)
        if m:
            return f"The file ends inside a FIF tag at byte {m.group(1)}: it is truncated."
    return None


@contextlib.contextmanager
def _mne_errors(
    source: str,
    expected: str,
    caught: list[str],
    kind: type[LoaderError] = FileFormatError,
    hint: str | None = None,
) -> Iterator[None]:
    """Turn MNE exceptions into ``kind`` (a :class:`LoaderError`) and record MNE's warnings.

    The error's hint is ``hint``, else a sentence on truncation when MNE's warnings show one.
    """
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        try:
            yield
        except LoaderError:
            raise
        except Exception as exc:  # MNE raises ValueError, RuntimeError, OSError, struct.error …
            hint = hint or _truncation_hint([str(r.message) for r in records])
            raise kind(source, expected, f"{type(exc).__name__}: {exc}", hint) from exc
        finally:
            for rec in records:
                if issubclass(rec.category, DeprecationWarning | PendingDeprecationWarning):
                    continue
                msg = str(rec.message)
                logger.warning("%s: %s", source, msg)
                caught.append(msg)


def _mne_verbose(verbose: Any) -> Any:
    # MNE only emits Python warnings at log level <= WARNING; keep at least that so nothing
    # MNE notices (truncation, dropped annotations) goes unseen.
    return "warning" if verbose in (None, False) else verbose


def _extension(path: Path) -> str:
    name = path.name.lower()
    return ".fif.gz" if name.endswith(".fif.gz") else path.suffix.lower()
