"""User regular expressions of study files, compiled with a clear error and matched under a bound.

A study's ``data.subject_pattern`` is a regular expression matched against file names. Python's
:mod:`re` has no time limit, so a pattern such as ``(a|aa)+$`` (nested repetition) can backtrack
for hours on one long name. Patterns are compiled and matched with the `regex` package instead
(its default ``VERSION0`` syntax is that of :mod:`re`), which takes a ``timeout``; the pattern
and the text are also bounded in length. Every failure is a :class:`StudyError` naming the key,
the pattern and what went wrong.
"""

from __future__ import annotations

from typing import Any

import regex

from neucube_study._fields import StudyError, show

__all__ = ["MAX_PATTERN_CHARS", "MAX_TEXT_CHARS", "MATCH_TIMEOUT_S", "compile_pattern", "search"]

#: Longest pattern accepted: a file-name pattern is a few dozen characters.
MAX_PATTERN_CHARS = 256
#: Longest text matched: file names are at most 255 bytes on common file systems.
MAX_TEXT_CHARS = 1024
#: Wall-clock limit of one match, in seconds (a sane pattern takes microseconds on a file name).
MATCH_TIMEOUT_S = 0.5


def compile_pattern(key: str, pattern: Any) -> Any:
    """``pattern`` compiled (a :class:`regex.Pattern`), or a :class:`StudyError` naming ``key``.

    Parameters
    ----------
    key : str
        The study key, e.g. ``"data.subject_pattern"``.
    pattern : str
        The regular expression (Python :mod:`re` syntax).
    """
    if not isinstance(pattern, str):
        raise StudyError(f"{key}: expected a regular expression (a string), got {show(pattern)}")
    if len(pattern) > MAX_PATTERN_CHARS:
        raise StudyError(
            f"{key}: expected a regular expression of at most {MAX_PATTERN_CHARS} characters, "
            f"got {len(pattern)} characters"
        )
    try:
        return regex.compile(pattern, flags=regex.VERSION0)
    except (regex.error, ValueError, OverflowError, RecursionError) as exc:
        raise StudyError(
            f"{key}: expected a valid regular expression, got {show(pattern)} ({exc})"
        ) from exc


def search(key: str, pattern: Any, text: str) -> Any:
    """``pattern.search(text)`` under the length and time bounds, or a :class:`StudyError`.

    Parameters
    ----------
    key : str
        The study key the pattern comes from (for the message).
    pattern : str or regex.Pattern
        The pattern, compiled by :func:`compile_pattern` or not.
    text : str
        What is searched (a file name).

    Returns
    -------
    regex.Match or None
    """
    compiled = compile_pattern(key, pattern) if isinstance(pattern, str) else pattern
    if len(text) > MAX_TEXT_CHARS:
        raise StudyError(
            f"{key}: the name {show(text[:40] + '…')} is {len(text)} characters long; expected "
            f"at most {MAX_TEXT_CHARS} to match {show(compiled.pattern)} against"
        )
    try:
        return compiled.search(text, timeout=MATCH_TIMEOUT_S)
    except TimeoutError as exc:
        raise StudyError(
            f"{key}: expected a regular expression that matches a name quickly, got "
            f"{show(compiled.pattern)}, which ran over {MATCH_TIMEOUT_S:g} s on {show(text)} "
            "(nested repetition such as (a+)+ or (a|aa)+ backtracks without end); simplify it"
        ) from exc
