"""Progress of a study run: named steps and counted tasks, shown as bars, log lines or callbacks.

The runner reports through a :class:`Progress` object:

- ``step(message)`` when a step starts ("loading trials", "fitting the final model");
- ``start(task, total)``, ``advance(task)``, ``finish(task)`` for counted work (files read,
  encoders compared, cross-validation fits, STDP rounds).

:class:`TqdmProgress` draws progress bars on a terminal (the command line), :class:`LogProgress`
writes log lines, and :func:`as_progress` wraps a plain ``callable(message)``.
:func:`as_callback` turns a :class:`Progress` into the ``callback(task, done, total)`` that
neucube's long calls accept (:mod:`neucube.progress`: ``evaluate``, ``NeuCubeClassifier.fit``
for its STDP rounds), so a bar follows the work itself, never log wording.
"""

from __future__ import annotations

import logging
import shutil
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

__all__ = ["Progress", "LogProgress", "CallbackProgress", "TqdmProgress", "as_progress",
           "as_callback", "TqdmLoggingHandler"]

logger = logging.getLogger(__name__)


class Progress:
    """Receiver of a run's progress. The base class ignores everything."""

    def step(self, message: str) -> None:
        """A step of the run starts."""

    def start(self, task: str, total: int, unit: str = "") -> None:
        """Counted work ``task`` of ``total`` items starts."""

    def advance(self, task: str, n: int = 1) -> None:
        """``n`` more items of ``task`` are done."""

    def finish(self, task: str) -> None:
        """``task`` is over (complete or not)."""


class LogProgress(Progress):
    """Progress as INFO log lines (the run log records them)."""

    def __init__(self, log: logging.Logger | None = None) -> None:
        self._log = log or logger
        self._tasks: dict[str, list[Any]] = {}

    def step(self, message: str) -> None:
        self._log.info("%s", message)

    def start(self, task: str, total: int, unit: str = "") -> None:
        self._tasks[task] = [0, total, unit, time.perf_counter()]

    def advance(self, task: str, n: int = 1) -> None:
        if task in self._tasks:
            state = self._tasks[task]
            state[0] += n
            self._log.info("%s: %d/%d %s", task, state[0], state[1], state[2])

    def finish(self, task: str) -> None:
        self._tasks.pop(task, None)


class CallbackProgress(Progress):
    """Progress as messages to ``callback(message)``: each step, and each task's count."""

    def __init__(self, callback: Callable[[str], None]) -> None:
        self._callback = callback
        self._tasks: dict[str, list[Any]] = {}

    def step(self, message: str) -> None:
        self._callback(message)

    def start(self, task: str, total: int, unit: str = "") -> None:
        self._tasks[task] = [0, total, unit]

    def advance(self, task: str, n: int = 1) -> None:
        if task in self._tasks:
            state = self._tasks[task]
            state[0] += n
            self._callback(f"{task}: {state[0]}/{state[1]} {state[2]}".rstrip())

    def finish(self, task: str) -> None:
        self._tasks.pop(task, None)


class TqdmProgress(Progress):
    """Progress bars on a terminal (tqdm), steps as ``... message`` lines.

    When ``stream`` is not a terminal the bars are not drawn; each task then prints one line when
    it finishes ("classifying: 30/30 fits in 12.3 s"), so logs of batch jobs stay readable.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream or sys.stderr
        self._bars: dict[str, Any] = {}
        self._plain: dict[str, list[Any]] = {}
        self._tty = bool(getattr(self._stream, "isatty", lambda: False)())

    def step(self, message: str) -> None:
        self._write(f"... {message}")

    def _write(self, line: str) -> None:
        if self._bars:
            from tqdm import tqdm

            tqdm.write(line, file=self._stream)
        else:
            print(line, file=self._stream, flush=True)

    def start(self, task: str, total: int, unit: str = "") -> None:
        self.finish(task)
        if self._tty:
            from tqdm import tqdm

            # The terminal's width (some terminals report 0 columns: then 100).
            width = shutil.get_terminal_size(fallback=(100, 24)).columns
            self._bars[task] = tqdm(total=total, desc=task, unit=f" {unit}" if unit else "it",
                                    file=self._stream, leave=True, ncols=width)
        else:
            self._plain[task] = [0, total, unit, time.perf_counter()]

    def advance(self, task: str, n: int = 1) -> None:
        if task in self._bars:
            self._bars[task].update(n)
        elif task in self._plain:
            self._plain[task][0] += n

    def finish(self, task: str) -> None:
        bar = self._bars.pop(task, None)
        if bar is not None:
            bar.close()
        state = self._plain.pop(task, None)
        if state is not None:
            done, total, unit, t0 = state
            self._write(
                f"    {task}: {done}/{total} {unit} in {time.perf_counter() - t0:.1f} s".rstrip()
            )

    def close(self) -> None:
        """Close every open bar."""
        for task in list(self._bars) + list(self._plain):
            self.finish(task)


class TqdmLoggingHandler(logging.StreamHandler):
    """A console log handler that prints above open progress bars instead of through them."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            from tqdm import tqdm

            tqdm.write(self.format(record), file=self.stream)
        except Exception:  # noqa: BLE001 - logging must never raise (as logging.Handler)
            self.handleError(record)


def as_progress(progress: Progress | Callable[[str], None] | None) -> Progress:
    """A :class:`Progress` from a Progress, a ``callable(message)`` or None (log lines)."""
    if progress is None:
        return LogProgress()
    if isinstance(progress, Progress):
        return progress
    if callable(progress):
        return CallbackProgress(progress)
    raise TypeError(
        "The 'progress' argument must be a Progress, a callable(message) or None; "
        f"got {progress!r}."
    )


#: Units of neucube's progress tasks, for the bars.
UNITS = {"cross-validation": "fits", "STDP rounds": "rounds"}


class _TaskCallback:
    """``callback(task, done, total)`` feeding a :class:`Progress` (start, advance, finish)."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._done: dict[str, int] = {}

    def __call__(self, task: str, done: int, total: int) -> None:
        last = self._done.get(task)
        if last is None or done == 0 or done < last:  # a new run of this task
            self._progress.start(task, total, UNITS.get(task, ""))
            last = 0
        if done > last:
            self._progress.advance(task, done - last)
        self._done[task] = done
        if done >= total:
            self._progress.finish(task)
            self._done.pop(task, None)


def as_callback(progress: Progress | Callable[[str], None] | None
                ) -> Callable[[str, int, int], None]:
    """The ``callback(task, done, total)`` (:mod:`neucube.progress`) reporting to ``progress``."""
    return _TaskCallback(as_progress(progress))
