"""Progress reporting: terminal bars, plain lines, callbacks, and the cube's log records."""

from __future__ import annotations

import fcntl
import io
import logging
import os
import pty
import struct
import termios

import pytest

from app.study.progress import (
    CallbackProgress,
    CubeProgressBridge,
    LogProgress,
    Progress,
    TqdmProgress,
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
    with caplog.at_level(logging.INFO, logger="app.study.progress"):
        drive(as_progress(None))
    assert [r.getMessage() for r in caplog.records] == ["loading", "fits: 1/3 fits", "fits: 2/3 fits",
                                                        "fits: 3/3 fits"]
    assert isinstance(as_progress(None), LogProgress)
    assert isinstance(as_progress(messages.append), CallbackProgress)
    with pytest.raises(TypeError, match=r"^The 'progress' argument must be a Progress, a callable\(message\) or None; got 3\.$"):
        as_progress(3)


def test_bridge_turns_cube_logs_into_progress():
    messages: list[str] = []
    progress = CallbackProgress(messages.append)
    reservoir, engine = logging.getLogger("neucube.cube.reservoir"), logging.getLogger("neucube.cube.engine")
    level = reservoir.level
    with CubeProgressBridge(progress, n_rounds=2):
        engine.info("compiling network with %d neurons and %d candidate synapses (one-time, ~%.0f s) into %s",
                    10, 20, 3.0, "/cache/x")
        reservoir.info("STDP round %d/%d: %d spikes in %.2f s", 1, 2, 5, 0.1)
        reservoir.info("STDP round %d/%d: %d spikes in %.2f s", 2, 2, 5, 0.1)
        reservoir.info("cube: 10 neurons")  # not progress
    assert messages == [
        "compiling the cube with 10 neurons and 20 candidate synapses (one-time, ~3 s) into /cache/x",
        "STDP rounds: 1/2 rounds", "STDP rounds: 2/2 rounds",
    ]
    assert reservoir.level == level and not any(isinstance(h, CubeProgressBridge) for h in reservoir.handlers)
