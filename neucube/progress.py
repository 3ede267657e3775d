"""Progress callbacks: how long-running neucube calls say how far they are.

A progress callback is any ``callable(task, done, total)``: ``task`` names the counted work
(``"cross-validation"``, ``"STDP rounds"``), ``done`` of ``total`` items are complete. A call
reports ``done = 0`` before the first item and then once per completed item, so a receiver can
open a bar on the first call and close it when ``done == total``. Front ends draw it (the
command line as tqdm bars, the web app as a Streamlit progress bar); nothing parses log text.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["ProgressCallback", "no_progress"]

#: ``progress(task, done, total)``.
ProgressCallback = Callable[[str, int, int], None]


def no_progress(task: str, done: int, total: int) -> None:
    """The callback used when none is given: ignores every report."""
