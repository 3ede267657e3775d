"""Which files a loader may open: regular files, and companions inside the naming file's folder.

Two rules every loader applies before a file reaches MNE, nibabel or pandas:

- **Only regular files are opened** (:func:`require_regular_file`). A named pipe would block the
  reader forever, a device could stream without end, and a directory named ``x.edf`` gives a raw
  ``IsADirectoryError``; each is refused at once with a message that says what was found. The
  check uses :func:`os.stat`, which never opens the file, so it cannot block.
- **Files named inside other files stay inside their folder** (:func:`resolve_companion`). A
  BrainVision header names its data and marker files, an EEGLAB ``.set`` its ``.fdt``, a BIDS
  dataset its sidecars. Such a name is joined to the folder of the file that names it, symlinks
  are resolved, and the result must still lie in that folder (or below it). A header that names
  ``/etc/passwd`` or ``../../other/rec.eeg`` is refused before any reader follows it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from data_loaders._errors import FileFormatError

__all__ = ["require_regular_file", "resolve_companion", "inside", "file_kind", "not_a_file"]

#: What a non-regular file is, by :func:`stat.S_IFMT` type, for error messages.
_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def file_kind(path: str | os.PathLike[str]) -> str | None:
    """``"a regular file"``, ``"a directory"``, ``"a named pipe (FIFO)"`` … or None if absent.

    Symlinks are followed (a dangling link is absent). Never opens the file.
    """
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:  # permission denied on a parent, name too long, a link loop …
        return f"an unreadable path ({exc.strerror or type(exc).__name__})"
    if stat.S_ISREG(mode):
        return "a regular file"
    return _KINDS.get(stat.S_IFMT(mode), "a special file")


def not_a_file(path: str | os.PathLike[str]) -> str:
    """What is at ``path`` instead of a regular file: ``"no such file"``, ``"a directory"`` …"""
    kind = file_kind(path)
    return "no such file" if kind is None else kind


def require_regular_file(
    path: str | os.PathLike[str],
    what: str = "a regular file",
    *,
    source: str | os.PathLike[str] | None = None,
) -> Path:
    """``path`` as a :class:`~pathlib.Path` if it is a regular file (after symlinks), else an error.

    Parameters
    ----------
    path : path-like
        The file about to be opened.
    what : str
        What the caller expects there, for the message (``"an EEG recording"``).
    source : path-like, optional
        The file the error is about (default ``path``): the header that names a companion.

    Raises
    ------
    FileFormatError
        ``"<source>: expected <what> (a regular file); found a named pipe (FIFO)."`` and the
        like, or ``"… found no such file"`` when nothing is there.
    """
    path = Path(path)
    kind = file_kind(path)
    if kind == "a regular file":
        return path
    found = "no such file" if kind is None else kind
    if source is not None and Path(source) != path:
        found = f"no file {path.name}" if kind is None else f"{path.name}, which is {kind}"
    expected = what if "regular file" in what else f"{what} (a regular file)"
    raise FileFormatError(path if source is None else source, expected, found)


def inside(path: str | os.PathLike[str], folder: str | os.PathLike[str]) -> bool:
    """Whether ``path``, after symlinks, is ``folder`` or lies below it (also after symlinks)."""
    real_folder = os.path.realpath(folder)
    real = os.path.realpath(path)
    try:
        return os.path.commonpath([real, real_folder]) == real_folder
    except ValueError:  # different drives (Windows)
        return False


def resolve_companion(
    named_by: str | os.PathLike[str],
    value: str,
    *,
    what: str = "its data file",
    field: str = "",
    folder: str | os.PathLike[str] | None = None,
) -> Path:
    """The path of a file named inside ``named_by``, refused if it leaves ``named_by``'s folder.

    Parameters
    ----------
    named_by : path-like
        The file whose content names the companion (a ``.vhdr``, a ``.set`` …).
    value : str
        The name as written there (``"rec.eeg"``, ``"../x.eeg"``, ``"/etc/passwd"``).
    what : str
        What the companion is, for the message (``"its data file"``).
    field : str
        The field that holds it, shown as ``field=value`` (``"DataFile"``); the bare value when
        empty.
    folder : path-like, optional
        The folder it must stay in (default: the folder of ``named_by``); a BIDS root, say.

    Returns
    -------
    Path
        ``folder / value`` as the reader would open it (not resolved, so messages keep the
        user's names). Whether it exists is left to the caller.

    Raises
    ------
    FileFormatError
        ``"rec.vhdr: expected its data file inside the folder of rec.vhdr; found
        DataFile=/etc/passwd, which resolves outside it."``
    """
    named_by = Path(named_by)
    base = Path(folder) if folder is not None else named_by.parent
    if folder is None:
        where = f"the folder of {named_by.name}"
    else:
        where = "this folder" if Path(folder) == named_by else f"the folder {base}"
    shown = f"{field}={value}" if field else repr(value)
    if "\x00" in value:
        raise FileFormatError(named_by, f"{what} inside {where}", f"{shown!r} with a NUL byte")
    if not value.strip():
        raise FileFormatError(named_by, f"{what} named", f"an empty {field or 'name'}")
    target = base / value  # an absolute value replaces base, as os.path.join does for readers
    if not inside(target, base):
        raise FileFormatError(
            named_by, f"{what} inside {where}", f"{shown}, which resolves outside it"
        )
    return target
