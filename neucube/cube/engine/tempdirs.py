"""Per-run temporary folders of the compiled program, and the reaper of dead runs' folders.

Each run of the compiled program passes its arguments and gets its results as files in its own
folder ``neucube-run-<pid>-<random>`` in the temp folder, removed when the run ends. A process
killed with SIGKILL cannot remove its folder; the next process to run the cube does
(:func:`sweep_stale_run_folders`), using an owner lock that the kernel drops when the owner dies.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# One logger for the whole package: its name appears in users' logs and progress handlers.
logger = logging.getLogger("neucube.cube.engine")

#: Per-run folders of the compiled program: ``neucube-run-<pid>-<random>`` in the temp folder.
_RUN_PREFIX = "neucube-run-"
#: A run holds an exclusive ``flock`` on this file in its folder for as long as it lives.
_OWNER_FILE = ".owner"
#: A folder without an owner file (made by an older version, or killed in the microseconds
#: before its lock) is only removed when its pid is dead *and* it is this old: a pid alone
#: cannot tell a dead process from a live one in another pid namespace sharing the folder.
_UNLOCKED_MIN_AGE_S = 3600.0
_swept = False


@contextlib.contextmanager
def run_folder() -> Iterator[Path]:
    """A new per-run folder, locked by this process for as long as it exists."""
    workdir = Path(tempfile.mkdtemp(prefix=f"{_RUN_PREFIX}{os.getpid()}-"))
    owner = None
    try:
        owner = _hold_owner_lock(workdir)
        yield workdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
        if owner is not None:
            os.close(owner)


def _hold_owner_lock(workdir: Path) -> int | None:
    """Lock ``workdir``'s owner file for this process; the kernel drops the lock at its death.

    The file is locked under another name and then renamed into place, so that an owner file
    is never seen unlocked while its process lives: another process's sweep, run between the
    creation and the lock, took a new folder for a dead one's and removed it mid-run.
    """
    try:
        import fcntl
    except ImportError:  # not POSIX: the sweep falls back to pid and age
        return None
    new = workdir / f"{_OWNER_FILE}.new"
    fd = os.open(new, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.replace(new, workdir / _OWNER_FILE)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _owner_is_gone(path: Path) -> bool | None:
    """Whether the process that made run folder ``path`` has ended (None: no owner file).

    Lock-based, so it holds across pid namespaces (containers sharing a temp folder) and pid
    reuse; a failed non-blocking lock means the owner still runs.
    """
    try:
        import fcntl
    except ImportError:
        return None
    try:
        fd = os.open(path / _OWNER_FILE, os.O_RDWR)
    except FileNotFoundError:
        return None
    except OSError:  # unreadable: somebody else's; leave it
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # somebody else's live process / not a pid
        return True
    return True


def sweep_stale_run_folders() -> None:
    """Remove the per-run folders of dead processes, once per process.

    A run removes its own folder when it ends, but a SIGKILLed process cannot; its folder holds
    a copy of the inputs and weights (megabytes each). Only folders of the current user are
    considered; a folder goes when its owner lock is free (its process has ended), or, without
    an owner file, when its pid is dead and it is over an hour old.
    """
    global _swept
    if _swept:
        return
    _swept = True
    uid = os.getuid() if hasattr(os, "getuid") else None
    for path in Path(tempfile.gettempdir()).glob(f"{_RUN_PREFIX}*-*"):
        pid = path.name[len(_RUN_PREFIX):].split("-", 1)[0]
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            info = path.stat()
        except OSError:
            continue
        if uid is not None and info.st_uid != uid:
            continue
        gone = _owner_is_gone(path)
        if gone is None:
            gone = (not _pid_alive(int(pid))
                    and time.time() - info.st_mtime > _UNLOCKED_MIN_AGE_S)
        if gone:
            shutil.rmtree(path, ignore_errors=True)
            logger.debug("Removed %s, left by a process that no longer runs.", path)
