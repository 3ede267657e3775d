"""Progress reporting: terminal bars, plain lines, callbacks, and neucube's progress callbacks."""

from __future__ import annotations

import fcntl
import io
import logging
import os
import pty
import struct
import termios

import numpy as np
import pytest

from neucube_study.progress import (
    CallbackProgress,
    LogProgress,
    Progress,
    TqdmProgress,
    as_callback,
    as_progress,
)


def drive(progress: Progress) -> None:
    progress.step("loading")
    progress.start("fits", 3, "fits")
    for _ in range(3):
        progress.advance("fits")
    progress.finish("fits")


def test_bars_on_a_terminal():
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    with os.fdopen(slave, "w") as stream:
        progress = TqdmProgress(stream)
        drive(progress)
        progress.close()
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    text = out.decode()
    assert "... loading" in text
    assert "fits: 100%" in text and "3/3" in text


def test_plain_lines_without_a_terminal():
    stream = io.StringIO()
    drive(TqdmProgress(stream))
    lines = stream.getvalue().splitlines()
    assert lines[0] == "... loading"
    assert lines[1].startswith("    fits: 3/3 fits in ") and lines[1].endswith(" s")


def test_callback_and_log(caplog):
    messages: list[str] = []
    drive(as_progress(messages.append))
    assert messages == ["loading", "fits: 1/3 fits", "fits: 2/3 fits", "fits: 3/3 fits"]
    with caplog.at_level(logging.INFO, logger="neucube_study.progress"):
        drive(as_progress(None))
    assert [r.getMessage() for r in caplog.records] == ["loading", "fits: 1/3 fits", "fits: 2/3 fits",
                                                        "fits: 3/3 fits"]
    assert isinstance(as_progress(None), LogProgress)
    assert isinstance(as_progress(messages.append), CallbackProgress)
    with pytest.raises(TypeError, match=r"^The 'progress' argument must be a Progress, a callable\(message\) or None; got 3\.$"):
        as_progress(3)


def test_neucube_callbacks_become_progress():
    """The STDP rounds of a real fit and the fits of evaluate() reach a Progress (no log text)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    from neucube.cube import Reservoir, grid_template
    from neucube.evaluation import evaluate

    messages: list[str] = []
    callback = as_callback(messages.append)
    rng = np.random.default_rng(0)
    spikes = rng.choice(np.array([-1, 0, 1], dtype=np.int8), p=[0.1, 0.8, 0.1], size=(3, 2, 20))
    Reservoir(template=grid_template((3, 3, 3), 10.0), coords=np.array([[0.0, 0, 0], [20, 20, 20]]),
              n_rounds=2, backend="reference", random_state=0).fit(spikes, progress=callback)
    assert messages == ["STDP rounds: 1/2 rounds", "STDP rounds: 2/2 rounds"]

    messages.clear()
    X = rng.normal(size=(12, 2, 10))
    y = np.array(["a", "b"] * 6)
    flat = make_pipeline(FunctionTransformer(lambda x: x.reshape(len(x), -1)), LogisticRegression())
    evaluate(flat, X, y, n_splits=3, baselines=(), progress=callback)
    assert messages == [f"cross-validation: {k}/3 fits" for k in (1, 2, 3)]
