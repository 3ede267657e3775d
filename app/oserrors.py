"""Operating-system errors as one clear line: the path, what went wrong and what to do.

Python's own text (``[Errno 28] No space left on device``) often lacks the path and never says
what to do. :func:`describe_os_error` gives, for example::

    /data/results/familiarity: no space left on the device (ENOSPC). Free some space or choose a
    folder on another disk.

The command line prints it as its one-line error (exit status :data:`EXIT_OS_ERROR`) and the
web app shows it in an ``st.error`` box.
"""

from __future__ import annotations

import errno
import os

__all__ = ["EXIT_OS_ERROR", "describe_os_error"]

#: Exit status of ``neucube`` after an operating-system error (EX_IOERR of sysexits.h).
EXIT_OS_ERROR = 74

_WRITE_ELSEWHERE = "choose a location you may write to, or change its permissions"
_SPACE = "free some space or choose a folder on another disk"

#: errno -> (what happened, what to do).
_REASONS: dict[int, tuple[str, str]] = {
    errno.EACCES: ("permission denied", _WRITE_ELSEWHERE),
    errno.EPERM: ("operation not permitted (the file or folder is protected, e.g. immutable)",
                  _WRITE_ELSEWHERE),
    errno.EROFS: ("the file system is read-only", "choose a folder on a writable disk"),
    errno.ENOSPC: ("no space left on the device", _SPACE),
    errno.EDQUOT: ("the disk quota is exceeded", _SPACE),
    errno.EFBIG: ("the file is too large for the file system", _SPACE),
    errno.ENAMETOOLONG: ("a name is too long for the file system (most allow 255 bytes per "
                         "name)", "choose a shorter name"),
    errno.EISDIR: ("expected a file; found a folder", "rename or move that folder, or name "
                   "another file"),
    errno.ENOTDIR: ("expected a folder; found a file where the path needs a folder",
                    "check each part of the path"),
    errno.EEXIST: ("something already exists there", "choose another name"),
    errno.ENOENT: ("no such file or folder", "check the path"),
    errno.ELOOP: ("too many levels of symbolic links", "check the links on the path"),
    errno.EIO: ("an input/output error of the disk", "check the disk, then try again"),
    errno.EMFILE: ("too many open files in this process", "raise the limit (ulimit -n)"),
    errno.ENFILE: ("too many open files on this machine", "close other programs or raise the "
                   "limit"),
    errno.EBUSY: ("the file or folder is busy", "wait for the program using it, then try again"),
    errno.ETXTBSY: ("the file is busy", "wait for the program using it, then try again"),
    errno.EXDEV: ("the source and target are on different file systems",
                  "choose a target on the same disk"),
}


def describe_os_error(exc: OSError, path: str | os.PathLike[str] | None = None) -> str:
    """One line naming the path, the error (with its errno name) and what to do.

    Parameters
    ----------
    exc : OSError
        The error; its ``filename`` (and ``filename2``) name the path.
    path : path-like, optional
        The path to name when the error carries none (a failed ``write`` has no file name).

    Returns
    -------
    str
    """
    name = exc.filename if exc.filename is not None else path
    where = "" if name is None else os.fsdecode(name)
    if exc.filename2 is not None:
        where = f"{where} -> {os.fsdecode(exc.filename2)}"
    code = exc.errno
    label = errno.errorcode.get(code, "") if code is not None else ""
    if code in _REASONS:
        reason, todo = _REASONS[code]
        text = f"{reason} ({label}). {todo[0].upper()}{todo[1:]}."
    else:
        detail = exc.strerror or str(exc) or type(exc).__name__
        text = f"{detail}{f' ({label})' if label else ''}."
    return f"{where}: {text}" if where else text
