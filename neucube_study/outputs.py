"""Where a run may write its results folder: the target check, the marker file and the lock.

A run never deletes or replaces what it did not create. Its results folder (``--out``, or the
study's ``output.dir``) must be

- absent, or an empty folder;
- a results folder that neucube wrote for the same study and command: it holds the marker file
  ``.neucube-results`` (JSON naming the study and command and listing every file of the
  folder) and no file that the list does not name;
- anything else only with ``overwrite=True`` (``--overwrite``), and then only a folder: a
  regular file (``--out report.pdf``), a link, a named pipe or a device is never replaced.

Whatever ``overwrite`` says, the folder may not be, hold or lie inside the study file or the
data the study reads. A refused folder is a :class:`ResultsFolderError` naming the path and what
is there. The new folder is built beside the target and replaces it only when complete
(:func:`neucube._atomic.atomic_directory`), so a failed run leaves the old one as it was.

Only one run writes a given folder at a time, and never two whose folders nest (one into ``X``,
one into ``X/inner``): each run holds an ``flock`` on the lock file ``.neucube-lock-<name>``
beside its folder for the whole run, and refuses to start while the lock of an enclosing or
enclosed results folder is held. A killed run never leaves a folder locked.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from neucube._atomic import atomic_directory, atomic_write_text
from neucube._version import __version__

__all__ = [
    "MARKER",
    "LOCK_PREFIX",
    "ResultsFolderError",
    "check_placement",
    "check_target",
    "exclusive",
    "protected_paths",
    "read_marker",
    "results_folder",
]

logger = logging.getLogger(__name__)

#: Marker file of a results folder written by neucube.
MARKER = ".neucube-results"
_MARKER_FORMAT = "neucube-results"
_MARKER_MAX_BYTES = 4_000_000
#: Prefix of the lock file beside a results folder that a run is writing.
LOCK_PREFIX = ".neucube-lock-"
#: How long the owner of a lock retries before calling it held (another run's probe holds it
#: for microseconds).
_LOCK_RETRY_S = 1.0


class ResultsFolderError(FileExistsError):
    """The results folder cannot be written there; the message names the path and what is there."""


# --------------------------------------------------------------------------- what is there
def _describe(path: Path, st: os.stat_result) -> str:
    mode = st.st_mode
    if stat.S_ISREG(mode):
        return f"a regular file ({st.st_size} bytes)"
    if stat.S_ISLNK(mode):
        return f"a symbolic link (to {os.readlink(path)!r})"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "something that is not a folder"


def read_marker(folder: Path) -> set[str] | None:
    """The files a neucube results folder lists in its marker, or None if it has no valid one."""
    doc = _marker(folder)
    return None if doc is None else set(doc["files"])


def _marker(folder: Path) -> dict[str, Any] | None:
    path = folder / MARKER
    try:
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode) or st.st_size > _MARKER_MAX_BYTES:
            return None
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("format") != _MARKER_FORMAT:
        return None
    files = doc.get("files")
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        return None
    return doc


def _files(folder: Path) -> list[str]:
    """Every non-folder entry under ``folder`` (relative POSIX paths; links are not followed)."""
    out = []
    for root, dirs, names in os.walk(folder):
        rel = Path(root).relative_to(folder)
        # os.walk lists links to folders among dirs without descending; they are entries too.
        names = names + [d for d in dirs if (Path(root) / d).is_symlink()]
        out.extend((rel / n).as_posix() for n in names)
    return sorted(out)


def write_marker(folder: Path, *, command: str, study: str) -> None:
    """Write the marker listing every file now in ``folder`` (called when it is complete)."""
    doc = {"format": _MARKER_FORMAT, "version": 1, "neucube": __version__, "command": command,
           "study": study, "files": [f for f in _files(folder) if f != MARKER]}
    atomic_write_text(folder / MARKER, json.dumps(doc, indent=1) + "\n")


#: Prefixes of what neucube itself leaves beside (or, for nested runs, inside) a results folder:
#: temporary folders, locks and checkpoints. They are never the user's.
_OWN_PREFIXES = (".neucube-tmp-", LOCK_PREFIX, ".neucube-resume-")


def _own(rel: str) -> bool:
    return any(part.startswith(_OWN_PREFIXES) for part in rel.split("/"))


def _examples(names: list[str]) -> str:
    shown = ", ".join(names[:3])
    return f"e.g. {shown}" if len(names) > 3 else shown


def protected_paths(study: Any) -> dict[str, Path]:
    """The study file and the data the study reads, by what to call them in messages."""
    from neucube_study.sources import SOURCES

    out: dict[str, Path] = {}
    if study.path is not None:
        out["the study file"] = Path(study.path).resolve()
    data = study.config["data"]
    spec = SOURCES[data["source"]]
    for key, fld in spec.fields.items():
        if fld.path is None or key not in data["args"]:
            continue
        value = data["args"][key]
        values = value if isinstance(value, list) else [value]
        for i, v in enumerate(values):
            if isinstance(v, str) and v not in fld.keywords:
                name = f"data.{key}" if len(values) == 1 else f"data.{key}[{i}]"
                out[name] = Path(v).resolve()
    return out


def check_target(out_dir: Path, *, overwrite: bool = False,
                 protected: Mapping[str, Path] | None = None, study: str | None = None,
                 command: str = "run") -> str:
    """Check that a run may write its results folder at ``out_dir``; say what it replaces.

    Parameters
    ----------
    out_dir : Path
        The results folder (absolute, resolved).
    overwrite : bool
        Also replace a folder that is not a neucube results folder (never a file).
    protected : mapping of str to Path, optional
        Paths the folder may not be, hold or lie inside (see :func:`protected_paths`); data
        files may not be held, data folders neither held nor entered.
    study, command : str, optional
        The run's study name and command: the results folder of another study or command is
        replaced only with ``overwrite`` (it is someone's results, not this run's earlier ones).

    Returns
    -------
    str
        ``"nothing"``, ``"an empty folder"``, ``"a neucube results folder"`` or
        ``"a folder that neucube did not write"`` (only with ``overwrite``).

    Raises
    ------
    ResultsFolderError
        Naming the path and what is there.
    """
    check_placement(out_dir, protected)
    head = f"results folder '{out_dir}'"
    try:
        st = out_dir.lstat()
    except FileNotFoundError:
        return "nothing"
    if not stat.S_ISDIR(st.st_mode):
        raise ResultsFolderError(
            f"{head}: expected an absent folder or a neucube results folder; found "
            f"{_describe(out_dir, st)}, which neucube never replaces (not even with "
            "--overwrite). Choose another --out.")
    doc = _marker(out_dir)
    if doc is not None:
        listed = set(doc["files"])
        foreign = [f for f in _files(out_dir) if f != MARKER and f not in listed and not _own(f)]
        theirs = (doc.get("study"), doc.get("command"))
        if not foreign and (study is None or theirs == (study, command)):
            return "a neucube results folder"
        n = len(foreign)
        if not foreign and not overwrite:
            raise ResultsFolderError(
                f"{head}: expected an absent folder or the results folder of neucube {command} "
                f"of study {study!r}; found the results folder of neucube {theirs[1]} of study "
                f"{theirs[0]!r}. Choose another --out or pass --overwrite.")
        found = (f"a neucube results folder with {n} file{'s' * (n > 1)} that neucube did "
                 f"not write ({_examples(foreign)})")
    else:
        entries = sorted(p.name for p in out_dir.iterdir() if not _own(p.name))
        if not entries:
            return "an empty folder"
        n = len(entries)
        found = (f"a folder with {n} entr{'ies' if n > 1 else 'y'} that neucube did not write "
                 f"({_examples(entries)})")
    if overwrite:
        return "a folder that neucube did not write"
    raise ResultsFolderError(
        f"{head}: expected an absent folder or a neucube results folder; found {found}. "
        "Choose another --out or pass --overwrite.")


def check_placement(out_dir: Path, protected: Mapping[str, Path] | None = None) -> None:
    """Check where ``out_dir`` lies, before anything is created: apart from the study file and
    its data (``protected``), and under folders only (no file on the way).

    Raises
    ------
    ResultsFolderError
    """
    head = f"results folder '{out_dir}'"
    for what, path in (protected or {}).items():
        if out_dir == path:
            found = f"it is {what} itself"
        elif out_dir in path.parents:
            found = f"it holds {what} '{path}'"
        elif path.is_dir() and path in out_dir.parents:
            found = f"it lies inside {what} '{path}'"
        else:
            continue
        raise ResultsFolderError(
            f"{head}: expected a folder apart from the study file and its data; found that "
            f"{found}. Choose another --out (--overwrite does not change this).")
    for parent in reversed(out_dir.parents):
        with contextlib.suppress(FileNotFoundError):
            st = parent.stat()
            if not stat.S_ISDIR(st.st_mode):
                raise ResultsFolderError(
                    f"{head}: expected '{parent}' to be a folder; found {_describe(parent, st)}. "
                    "Choose another --out.")


# --------------------------------------------------------------------------- the lock
def _try_lock(fd: int, *, shared: bool = False) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBRLCK if shared else msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(fd, fcntl.LOCK_UN)


def _lock_file(folder: Path) -> Path:
    return folder.parent / f"{LOCK_PREFIX}{folder.name}"


def _owner(path: Path) -> str:
    with contextlib.suppress(OSError, ValueError):
        return f" (pid {int(path.read_text().strip())})"
    return ""


def _held(path: Path) -> bool:
    """Whether a run holds the lock file ``path`` (a missing file is not held)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        if _try_lock(fd, shared=True):
            _unlock(fd)
            return False
        return True
    finally:
        os.close(fd)


def _nested_run(out_dir: Path) -> str | None:
    """The message for a run writing a folder enclosing or inside ``out_dir``, if any."""
    for folder in out_dir.parents:
        if folder.parent == folder:
            break
        lock = _lock_file(folder)
        if _held(lock):
            return (f"{out_dir}: another neucube run{_owner(lock)} is writing the results folder "
                    f"{folder}, which holds this one; wait for it to finish or choose another "
                    "output folder")
    if out_dir.is_dir() and not out_dir.is_symlink():
        for root, _, names in os.walk(out_dir):
            for name in names:
                if name.startswith(LOCK_PREFIX) and _held(Path(root) / name):
                    inner = Path(root) / name[len(LOCK_PREFIX):]
                    return (f"{out_dir}: another neucube run{_owner(Path(root) / name)} is "
                            f"writing the results folder {inner} inside this one; wait for it "
                            "to finish or choose another output folder")
    return None


@contextlib.contextmanager
def exclusive(out_dir: Path) -> Iterator[None]:
    """Hold the lock of ``out_dir`` for the block.

    Raises :class:`ResultsFolderError` if another run writes this folder, or one enclosing it or
    inside it. Without the lock, two runs into one folder would both finish and the later one
    would silently replace the other's results (and share its ``--resume`` checkpoints).
    """
    path = _lock_file(out_dir)
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        # Name the results folder (its lock file is an implementation detail): a name that
        # leaves no room for neucube's ".neucube-lock-" sibling is too long as well.
        raise OSError(exc.errno, exc.strerror, str(out_dir)) from exc
    while True:
        deadline = time.monotonic() + _LOCK_RETRY_S
        while not (locked := _try_lock(fd)) and time.monotonic() < deadline:
            time.sleep(0.05)  # a probe of a nested run holds a shared lock for microseconds
        if not locked:
            os.close(fd)
            raise ResultsFolderError(
                f"{out_dir}: another neucube run{_owner(path)} is writing this results folder; "
                "wait for it to finish or choose another output folder")
        # The previous holder removes the file when it finishes: a lock on a removed file
        # protects nothing, so try again with the new one.
        with contextlib.suppress(OSError):
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        os.close(fd)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        nested = _nested_run(out_dir)
        if nested is not None:
            raise ResultsFolderError(nested)
        yield
    finally:
        if os.name == "nt":  # an open file cannot be removed there
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(path)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)
            os.close(fd)


# --------------------------------------------------------------------------- the folder
def _named(exc: OSError, tmp: Path, out_dir: Path) -> OSError:
    """``exc`` naming the results folder instead of its hidden temporary sibling."""
    def final(name: Any) -> Any:
        if name is None:
            return str(out_dir)
        text = os.fsdecode(name)
        return str(out_dir) + text[len(str(tmp)):] if text.startswith(str(tmp)) else text

    return OSError(exc.errno, exc.strerror or str(exc), final(exc.filename), None,
                   None if exc.filename2 is None else final(exc.filename2))


class _RunLog(logging.FileHandler):
    """``run.log``: a failed write (full disk) stops the run instead of printing a traceback."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        exc = sys.exc_info()[1]  # the error emit() is handling
        if isinstance(exc, OSError):
            raise exc  # the run ends and removes its unfinished folder
        super().handleError(record)


@contextlib.contextmanager
def results_folder(out_dir: Path, *, overwrite: bool = False,
                   protected: Mapping[str, Path] | None = None, command: str = "run",
                   study: str = "") -> Iterator[Path]:
    """Build a results folder atomically, with ``run.log`` recording INFO messages of the run.

    The target is checked (:func:`check_target`) before anything runs and again just before
    the new folder replaces it; the complete folder gets the marker file. An operating-system
    error inside the block names the results folder, not its temporary sibling.

    Raises
    ------
    ResultsFolderError
        If the target may not be written, or another run writes it or a nested folder.
    """
    out_dir = Path(out_dir)
    check_placement(out_dir, protected)  # before the lock creates the parent folders
    with exclusive(out_dir):
        replaces = check_target(out_dir, overwrite=overwrite, protected=protected, study=study,
                                command=command)
        if replaces == "a folder that neucube did not write":
            logger.warning("--overwrite: %s will be replaced when this run completes", out_dir)
        with atomic_directory(out_dir) as tmp:
            handler = _RunLog(tmp / "run.log", encoding="utf-8")
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: "
                                                   "%(message)s"))
            handler.setLevel(logging.INFO)
            # Only this thread's records: in the web app, other sessions run at the same time.
            thread = threading.get_ident()
            handler.addFilter(lambda record: record.thread == thread)
            root = logging.getLogger()
            root.addHandler(handler)
            previous_level = root.level
            # The run log always records INFO, whatever the caller's terminal verbosity.
            root.setLevel(min(previous_level or logging.INFO, logging.INFO))
            failed = True
            try:
                yield tmp
                failed = False
            except OSError as exc:
                if exc.errno is None or isinstance(exc, ResultsFolderError):
                    raise
                raise _named(exc, tmp, out_dir) from exc
            finally:
                root.removeHandler(handler)
                root.setLevel(previous_level)
                try:
                    handler.close()  # flushes the log: fails too on a full disk
                except OSError as exc:
                    if not failed:  # otherwise the run's own error is the one to report
                        raise _named(exc, tmp, out_dir) from exc
            # The folder may have changed during the run (files copied into it).
            check_target(out_dir, overwrite=overwrite, protected=protected, study=study,
                         command=command)
            try:
                write_marker(tmp, command=command, study=study)
            except OSError as exc:
                raise _named(exc, tmp, out_dir) from exc

