"""Atomic writes: a folder is complete or absent, never half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from neucube._atomic import TMP_PREFIX, atomic_directory, atomic_write_text


def test_directory_appears_only_when_complete(tmp_path):
    target = tmp_path / "out"
    with atomic_directory(target) as tmp:
        (tmp / "a.txt").write_text("1")
        assert not target.exists()
    assert (target / "a.txt").read_text() == "1"
    assert os.stat(target).st_mode & 0o777 == 0o755


def test_failure_leaves_nothing(tmp_path):
    target = tmp_path / "out"
    with pytest.raises(RuntimeError, match="boom"), atomic_directory(target) as tmp:
        (tmp / "a.txt").write_text("1")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_previous_results(tmp_path):
    target = tmp_path / "out"
    with atomic_directory(target) as tmp:
        (tmp / "old.txt").write_text("old")
    with pytest.raises(RuntimeError), atomic_directory(target) as tmp:
        (tmp / "new.txt").write_text("new")
        raise RuntimeError("boom")
    assert sorted(p.name for p in target.iterdir()) == ["old.txt"]


def test_replace_existing(tmp_path):
    target = tmp_path / "out"
    for name in ("first", "second"):
        with atomic_directory(target) as tmp:
            (tmp / f"{name}.txt").write_text(name)
    assert [p.name for p in target.iterdir()] == ["second.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_no_overwrite(tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(FileExistsError, match="results folder already exists"), atomic_directory(tmp_path / "out", overwrite=False):
        pass


def test_killed_writer_leaves_no_folder_and_is_cleaned(tmp_path):
    target = tmp_path / "out"
    code = (
        "import sys, time; from neucube._atomic import atomic_directory\n"
        f"with atomic_directory({str(target)!r}) as tmp:\n"
        "    (tmp / 'part.txt').write_text('x'); print('ready', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "ready"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert not target.exists()
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert len(leftovers) == 1 and leftovers[0].startswith(TMP_PREFIX)
    # The next write of the same folder removes the dead process's leftovers.
    with atomic_directory(target) as tmp:
        (tmp / "done.txt").write_text("ok")
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_atomic_write_text(tmp_path):
    path = tmp_path / "sub" / "f.json"
    atomic_write_text(path, "{}")
    assert path.read_text() == "{}"
    assert [p.name for p in path.parent.iterdir()] == ["f.json"]
    assert os.stat(path).st_mode & 0o777 == 0o644  # umask 022, not mkstemp's private 0600
