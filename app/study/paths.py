"""Paths in a study: resolved relative to the study file, confined to its folder, or under a data root.

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
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.study._fields import StudyError, show

__all__ = ["DATA_ROOT_ENV", "DATA_ROOT_TOKEN", "PathContext", "resolve_path"]

#: Environment variable that replaces ``[study] data_root``.
DATA_ROOT_ENV = "NEUCUBE_DATA"
#: Prefix of paths under the data root.
DATA_ROOT_TOKEN = "${data_root}"

_KINDS = {"file": "file", "folder": "folder", "any": "file or folder"}


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
        """The context of a study in ``base`` with ``[study] data_root`` (``$NEUCUBE_DATA`` wins)."""
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
