"""Paths in a study: relative to the study file and confined to its folder, or under a data root.

A relative path is read from the study file's folder and must stay inside it (``"../x"`` is an
error), so a study cannot silently read files from elsewhere. Data kept outside the study folder
(large recordings, a shared data folder) is named explicitly, either by an absolute path or
through the data root::

    [study]
    data_root = "../../shared/data"      # relative to the study file; may be outside its folder

    [data]
    folder = "${data_root}/neucube_wrist_movement_eeg"

The environment variable ``NEUCUBE_DATA``, when set, replaces ``data_root``, so a study runs on
another machine's copy of the data without being edited.

Names that become folder names are checked too: ``[study] name`` (the default results folder is
``results/<name>``) must be a plain, non-empty name, and a relative ``output.dir`` must stay
inside the study's folder without being that folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from neucube_study._fields import StudyError, show

__all__ = ["DATA_ROOT_ENV", "DATA_ROOT_TOKEN", "PathContext", "resolve_path", "folder_name",
           "check_output_dir", "MAX_NAME_BYTES"]

#: Environment variable that replaces ``[study] data_root``.
DATA_ROOT_ENV = "NEUCUBE_DATA"
#: Prefix of paths under the data root.
DATA_ROOT_TOKEN = "${data_root}"

_KINDS = {"file": "file", "folder": "folder", "any": "file or folder"}

#: Longest study name, in UTF-8 bytes: file systems allow 255 per name, and neucube's hidden
#: siblings of a results folder (".neucube-tmp-<name>-search-<pid>-<random>") need the rest.
MAX_NAME_BYTES = 100
#: Longest folder name in ``output.dir`` (the common file-system limit, minus those siblings).
_MAX_COMPONENT_BYTES = 200


def _control(value: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in value)


def folder_name(key: str, v: Any) -> str:
    """A name usable as one folder name on any system (``[study] name``).

    Raises
    ------
    StudyError
        For a non-string, an empty or blank name, ``.``, ``..`` or a hidden name, a path
        separator, a control character (NUL, newline, ...) or more than
        :data:`MAX_NAME_BYTES` bytes.
    """
    why = "(it names the results folder)"
    if not isinstance(v, str):
        raise StudyError(f"{key}: expected a string, got {show(v)}")
    if not v.strip():
        raise StudyError(f"{key}: expected a non-empty name {why}, got {show(v)}")
    if v.startswith("."):
        raise StudyError(f'{key}: expected a name not starting with "." (".", ".." and hidden '
                         f"names cannot name a results folder), got {show(v)}")
    if "/" in v or "\\" in v:
        raise StudyError(f"{key}: expected a name without the path separators / and \\ {why}, "
                         f"got {show(v)}")
    if _control(v):
        raise StudyError(f"{key}: expected a name without control characters such as NUL or "
                         f"newline {why}, got {show(v)}")
    size = len(v.encode("utf-8"))
    if size > MAX_NAME_BYTES:
        raise StudyError(f"{key}: expected a name of at most {MAX_NAME_BYTES} bytes (UTF-8) {why}, "
                         f"got one of {size} bytes")
    return v


def check_output_dir(key: str, value: str, base: Path) -> str:
    """Check ``output.dir`` (``""``: the default ``results/<name>``) against the study folder.

    An absolute path names a folder anywhere; a relative one must stay inside the study folder
    ``base`` and not be that folder (the results would replace the study).

    Raises
    ------
    StudyError
    """
    if not value:
        return value
    if _control(value):
        raise StudyError(f"{key}: expected a path without control characters such as NUL or "
                         f"newline, got {show(value)}")
    raw = Path(value).expanduser()
    for part in raw.parts:
        size = len(part.encode("utf-8"))
        if size > _MAX_COMPONENT_BYTES:
            raise StudyError(f"{key}: expected folder names of at most {_MAX_COMPONENT_BYTES} "
                             f"bytes (UTF-8), got one of {size} bytes")
    if raw.is_absolute():
        lexical = Path(os.path.normpath(raw))
        if lexical.parent == lexical:
            raise StudyError(f"{key}: expected a results folder, got {show(value)} (the root "
                             "folder)")
        return value
    lexical = Path(os.path.normpath(base / raw))
    if not lexical.is_relative_to(os.path.normpath(base)):
        raise StudyError(
            f"{key}: expected a path inside the study folder {base}, got {show(value)} (it "
            f"resolves to {lexical}); name a folder elsewhere with an absolute path, or pass --out")
    if lexical == Path(os.path.normpath(base)):
        raise StudyError(f"{key}: expected a results folder inside the study folder {base}, got "
                         f"{show(value)} (the study folder itself)")
    return value


@dataclass(frozen=True)
class PathContext:
    """Where a study's paths are read from.

    Attributes
    ----------
    base : Path
        The study file's folder (the current folder for a study given as a mapping).
    data_root : Path or None
        The folder ``${data_root}`` stands for.
    root_origin : str
        Where ``data_root`` came from, for error messages.
    """

    base: Path
    data_root: Path | None = None
    root_origin: str = ""

    @classmethod
    def for_study(cls, base: Path, data_root: str | None) -> PathContext:
        """The context of a study in ``base`` with ``[study] data_root``; $NEUCUBE_DATA wins."""
        env = os.environ.get(DATA_ROOT_ENV)
        if env:
            return cls(base, Path(env).expanduser().resolve(), f"${DATA_ROOT_ENV}={env}")
        if data_root:
            root = Path(data_root).expanduser()
            root = root if root.is_absolute() else base / root
            return cls(base, root.resolve(), f"[study] data_root = {show(data_root)}")
        return cls(base)


def _exists(path: Path, kind: str) -> bool:
    if kind == "file":
        return path.is_file()
    if kind == "folder":
        return path.is_dir()
    return path.exists()


def resolve_path(key: str, value: str, ctx: PathContext, *, kind: str = "any") -> str:
    """Resolve one path of a study and check that it exists.

    Parameters
    ----------
    key : str
        Key path of the value, for messages (``"data.folder"``).
    value : str
        The path as written in the study.
    ctx : PathContext
        Study folder and data root.
    kind : {"file", "folder", "any"}
        What must exist at the path.

    Returns
    -------
    str
        The absolute path.

    Raises
    ------
    StudyError
        If the path leaves the study folder, uses an unset data root or does not exist.
    """
    what = _KINDS[kind]
    hint = ""
    if value.startswith(DATA_ROOT_TOKEN):
        if ctx.data_root is None:
            raise StudyError(
                f"{key}: {show(value)} uses {DATA_ROOT_TOKEN}, but the study sets no "
                f"[study] data_root and ${DATA_ROOT_ENV} is not set"
            )
        rest = value[len(DATA_ROOT_TOKEN):].lstrip("/\\")
        resolved = (ctx.data_root / rest).resolve()
        hint = (f"; data_root is {ctx.data_root} (from {ctx.root_origin}): set "
                f"${DATA_ROOT_ENV} to the folder that holds this data, or pass --data")
    else:
        raw = Path(value).expanduser()
        if raw.is_absolute():
            resolved = raw.resolve()
        else:
            # Lexical check (symlinks inside the study folder may point anywhere, on purpose).
            lexical = Path(os.path.normpath(ctx.base / raw))
            if not lexical.is_relative_to(os.path.normpath(ctx.base)):
                raise StudyError(
                    f"{key}: expected a path inside the study folder {ctx.base}, got {show(value)} "
                    f"(it resolves to {lexical}); name data elsewhere with an absolute path or "
                    f'"{DATA_ROOT_TOKEN}/..." ([study] data_root or ${DATA_ROOT_ENV})'
                )
            resolved = (ctx.base / raw).resolve()
    if not _exists(resolved, kind):
        found = "a folder" if resolved.is_dir() else "a file" if resolved.exists() else "nothing"
        raise StudyError(
            f"{key}: expected an existing {what}, got {show(value)} (resolved to {resolved}, "
            f"where there is {found}){hint}"
        )
    return str(resolved)
