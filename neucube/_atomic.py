"""Atomic writes: a result is either complete on disk or absent, never half-written.

Files are written to a temporary sibling and moved into place with :func:`os.replace`, which is
atomic on POSIX within one filesystem. A results *folder* is built in a hidden temporary sibling
and renamed into place when complete; an interrupted run leaves only the temporary folder, which
the next run removes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "atomic_directory", "TMP_PREFIX"]

#: Prefix of the temporary siblings; anything starting with it is an unfinished write.
TMP_PREFIX = ".neucube-tmp-"


def _current_umask() -> int:
    # os.umask can only be read by setting it; done once, at import, before any thread starts.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: mkstemp/mkdtemp create private (0600/0700) entries; results get the usual umask permissions.
_FILE_MODE = 0o666 & ~_current_umask()
_DIR_MODE = 0o777 & ~_current_umask()


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=TMP_PREFIX, dir=path.parent)
    except OSError as exc:  # it names a random temporary name: name the file instead
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    try:
        os.fchmod(fd, _FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno is not None and exc.filename in (None, tmp):
            # A failed write (e.g. ENOSPC) names no file, a failed fsync the temporary one:
            # name the file the caller asked for.
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    return path


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def _remove_stale(parent: Path, name: str) -> None:
    """Remove temporary folders left by interrupted writes of ``name`` whose process is gone."""
    for stale in parent.glob(f"{TMP_PREFIX}{name}-*"):
        pid = stale.name.rsplit("-", 2)[-2]
        alive = False
        if pid.isdigit():
            try:
                os.kill(int(pid), 0)
                alive = int(pid) != os.getpid()
            except (ProcessLookupError, PermissionError):
                alive = False
        if not alive:
            shutil.rmtree(stale, ignore_errors=True)


@contextlib.contextmanager
def atomic_directory(path: str | os.PathLike[str], *, overwrite: bool = True) -> Iterator[Path]:
    """Build a folder in a temporary sibling and move it to ``path`` only if the block succeeds.

    Parameters
    ----------
    path : path-like
        Final location of the folder.
    overwrite : bool
        Replace an existing folder at ``path`` (the old one is removed only after the new one is
        complete). If False and ``path`` exists, raise ``FileExistsError``.

    Yields
    ------
    Path
        The temporary folder to write into.
    """
    path = Path(path).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path}: results folder already exists (use overwrite=True to "
                              "replace it)")
    _remove_stale(path.parent, path.name)
    tmp = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{path.name}-{os.getpid()}-", dir=path.parent))
    tmp.chmod(_DIR_MODE)  # mkdtemp makes it private (0700); a results folder is meant to be shared
    try:
        yield tmp
        if path.exists():
            # Move the old folder aside first so the final rename is a single atomic step.
            old = Path(tempfile.mkdtemp(prefix=f"{TMP_PREFIX}{path.name}-{os.getpid()}-old",
                                        dir=path.parent))
            os.replace(path, old / path.name)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
