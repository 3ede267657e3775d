"""Model files: a fitted model as NumPy arrays plus JSON metadata, never a pickle.

A model file is a folder, or a ``.zip`` file (one download), holding two members:

``model.json``
    ``format`` (``"neucube-model"``), ``schema_version``, the package versions that wrote it, a
    human-readable ``summary`` (classes, channel names and coordinates, sampling rate) and the
    ``model``: the estimator's class, its parameters and its whole fitted state, with every array
    replaced by a reference into ``arrays.npz``. ``arrays`` indexes those arrays (shape, dtype).
``arrays.npz``
    The arrays, compressed, read back with ``allow_pickle=False``. Identical arrays are stored
    once (the cube before and after STDP share their structure).

What is written
    Every instance attribute of the estimator and of its fitted parts (encoder, reservoir,
    readout), not a hand-picked list, so nothing a prediction needs can be left out silently. Only
    types described below can be written; anything else (for example a custom readout pipeline,
    or a ``numpy.random.Generator`` as ``random_state``) raises a ``TypeError`` at save time
    naming the parameter or attribute, because writing it would need pickle.

Readable types
    ``None``, bool, int, float, str, lists, tuples, dicts with string keys, NumPy arrays of
    numbers, bools or strings (object arrays of such values are stored as typed arrays and
    restored as object arrays), :class:`~neucube.cube.raster.SpikeRaster`, the cube's dataclasses
    (:class:`~neucube.cube.network.CubeNetwork`, :class:`~neucube.cube.model.ModelParams`,
    :class:`~neucube.cube.mapping.InputMapping`, :class:`~neucube.cube.mapping.Collision`) and the
    estimators of this package listed in :data:`ESTIMATORS`. Loading only ever instantiates
    those classes: a model file cannot make Python run arbitrary code.

Errors
    A file that cannot be read (truncated zip, missing member or array, invalid JSON, a pickle
    posing as ``.npz``, a newer ``schema_version``) raises :class:`ModelFileError`, which names
    the file and the problem.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib
import io
import json
import logging
import math
import numbers
import os
import platform
import warnings
import zipfile
import zlib
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator

from neucube._atomic import atomic_directory, atomic_write_bytes
from neucube._version import __version__
from neucube.cube.mapping import Collision, InputMapping
from neucube.cube.model import ModelParams
from neucube.cube.network import CubeNetwork
from neucube.cube.raster import SpikeRaster
from neucube.cube.reservoir import Reservoir
from neucube.encoding import BSAEncoder, MovingWindowEncoder, StepForwardEncoder, TBREncoder
from neucube.limits import (
    MAX_ARRAY_BYTES,
    MAX_CHANNELS,
    MAX_COMPRESSION_RATIO,
    MAX_JSON_DEPTH,
    MAX_MODEL_BYTES,
    MAX_MODEL_MEMBERS,
    MAX_NEURONS,
    MAX_TIMES,
)
from neucube.readout import BinnedCountFeatures, DeSNNClassifier, StateClassifier

__all__ = [
    "ESTIMATORS",
    "FORMAT",
    "ModelFileError",
    "SCHEMA_VERSION",
    "load_model",
    "register_estimator",
    "save_model",
]

logger = logging.getLogger(__name__)

#: Value of the ``format`` field of ``model.json``.
FORMAT = "neucube-model"

#: Version of the file layout. Bump it when a change makes older readers misread new files;
#: readers refuse files with a larger version.
SCHEMA_VERSION = 1

_META = "model.json"
_ARRAYS = "arrays.npz"
#: Largest ``model.json`` (a fitted model's is well under 1 MB: arrays live in the .npz).
_MAX_META_BYTES = 64 * 1024**2
#: Members whose uncompressed size is below this are not held to the compression ratio (a
#: constant array legitimately compresses a thousand-fold; a bomb needs size to hurt).
_RATIO_FLOOR = 16 * 1024**2

#: Packages whose versions are recorded in ``model.json``.
_PACKAGES = ("numpy", "scipy", "scikit-learn", "brian2", "mne")

_DATACLASSES: dict[str, type] = {
    cls.__name__: cls for cls in (CubeNetwork, ModelParams, InputMapping, Collision)
}


class ModelFileError(ValueError):
    """A model file that cannot be read: corrupted, incomplete, not a model, or too new."""


#: Names of the estimator classes a model file may contain (as parameters or fitted parts).
ESTIMATORS = ("NeuCubeClassifier", "Reservoir", "DeSNNClassifier", "StateClassifier",
              "BinnedCountFeatures", "TBREncoder", "StepForwardEncoder", "MovingWindowEncoder",
              "BSAEncoder")

# The registry of estimator classes, by name. Estimators above this module (the classifier,
# which saves itself through it) register themselves when their module is imported, so this
# module never imports them; a reader imports the module a file's class name points to first, so
# a fresh process reads any model file.
_REGISTRY: dict[str, type[BaseEstimator]] = {}
_MODULES = {"NeuCubeClassifier": "neucube.classifier"}


def register_estimator(cls: type[BaseEstimator]) -> type[BaseEstimator]:
    """Let model files hold ``cls``: written as its parameters plus its instance attributes.

    Only the package's own estimators (:data:`ESTIMATORS`) are accepted: loading a file may
    instantiate a registered class, so the list stays closed.
    """
    if cls.__name__ not in ESTIMATORS:
        raise ValueError(f"register_estimator: expected one of {', '.join(ESTIMATORS)}; found "
                         f"{cls.__module__}.{cls.__qualname__}.")
    _REGISTRY[cls.__name__] = cls
    return cls


for _cls in (Reservoir, DeSNNClassifier, StateClassifier, BinnedCountFeatures, TBREncoder,
             StepForwardEncoder, MovingWindowEncoder, BSAEncoder):
    register_estimator(_cls)


def _estimator_classes() -> dict[str, type[BaseEstimator]]:
    """Every registered class, importing the modules of those not registered yet."""
    for name, module in _MODULES.items():
        if name not in _REGISTRY:
            importlib.import_module(module)  # registers the class
    return dict(_REGISTRY)


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
class _ArrayStore:
    """Arrays to write, keyed by the path of their first use; identical arrays are kept once."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._by_digest: dict[str, str] = {}

    def put(self, where: str, arr: np.ndarray) -> str:
        digest = hashlib.sha256(
            f"{arr.dtype.str}|{arr.shape}|".encode() + np.ascontiguousarray(arr).tobytes()
        ).hexdigest()
        if digest in self._by_digest:
            return self._by_digest[digest]
        key = where
        n = 1
        while key in self.arrays:  # paths are unique, but stay safe
            n += 1
            key = f"{where}~{n}"
        self.arrays[key] = arr
        self._by_digest[digest] = key
        return key

    def index(self) -> dict[str, dict[str, Any]]:
        return {k: {"shape": list(a.shape), "dtype": a.dtype.str} for k, a in self.arrays.items()}


class _Writer:
    """Turns a model into JSON-able data plus arrays."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.store = _ArrayStore()
        self.classes = _estimator_classes()
        self.params: dict[str, str] = {}  # path -> name, for the parameters met so far

    def fail(self, where: str, value: Any, why: str = "") -> TypeError:
        if where in self.params:
            where = f"{where} (the {self.params[where]!r} parameter)"
        return TypeError(
            f"{self.owner}: cannot write {where} to a model file: it holds a "
            f"{type(value).__module__}.{type(value).__qualname__} ({_short(value)}), which only "
            f"pickle could store{why}. Model files hold numbers, strings, NumPy arrays, spike "
            f"rasters and the estimators {', '.join(ESTIMATORS)} described by their parameters."
        )

    def array(self, where: str, arr: np.ndarray) -> dict[str, Any]:
        if arr.dtype.kind == "O":
            typed = np.array(arr.tolist()) if arr.size else np.zeros(arr.shape, dtype=np.float64)
            if typed.dtype.kind not in "biufUS" or typed.shape != arr.shape or not all(
                a == b for a, b in zip(typed.ravel().tolist(), arr.ravel().tolist(), strict=True)
            ):
                raise self.fail(where, arr, " (an object array of mixed or non-scalar values)")
            return {"$array": self.store.put(where, typed), "object": True}
        if arr.dtype.kind not in "biufcUS" or arr.dtype.hasobject:
            raise self.fail(where, arr, f" (an array of dtype {arr.dtype})")
        return {"$array": self.store.put(where, arr)}

    def value(self, where: str, v: Any) -> Any:
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, np.bool_):
            return bool(v)
        if isinstance(v, numbers.Integral):
            return int(v)
        if isinstance(v, numbers.Real):
            f = float(v)
            return f if math.isfinite(f) else {"$float": repr(f)}
        if isinstance(v, np.ndarray):
            return self.array(where, v)
        if isinstance(v, os.PathLike):
            return {"$path": os.fspath(v)}
        if isinstance(v, list):
            return [self.value(f"{where}[{i}]", x) for i, x in enumerate(v)]
        if isinstance(v, tuple):
            return {"$tuple": [self.value(f"{where}[{i}]", x) for i, x in enumerate(v)]}
        if isinstance(v, dict):
            if not all(isinstance(k, str) for k in v):
                raise self.fail(where, v, " (a dict with non-string keys)")
            return {"$dict": {k: self.value(f"{where}[{k!r}]", x) for k, x in v.items()}}
        if isinstance(v, SpikeRaster):
            return {"$raster": {
                "indptr": self.array(f"{where}.indptr", v.indptr),
                "steps": self.array(f"{where}.steps", v.steps),
                "neurons": self.array(f"{where}.neurons", v.neurons),
                "n_steps": v.n_steps,
                "n_neurons": v.n_neurons,
            }}
        if dataclasses.is_dataclass(v) and type(v).__name__ in _DATACLASSES \
                and type(v) is _DATACLASSES[type(v).__name__]:
            return {"$dataclass": type(v).__name__, "fields": {
                f.name: self.value(f"{where}.{f.name}", getattr(v, f.name))
                for f in dataclasses.fields(v)
            }}
        if isinstance(v, BaseEstimator):
            return self.estimator(where, v, fitted=True)
        if isinstance(v, (np.random.Generator, np.random.RandomState)):
            raise self.fail(where, v, "; pass an int as random_state to make the model savable")
        raise self.fail(where, v)

    def param(self, where: str, name: str, v: Any) -> Any:
        self.params[where] = name
        return self.value(where, v)

    def estimator(self, where: str, est: BaseEstimator, *, fitted: bool) -> dict[str, Any]:
        name = type(est).__name__
        if self.classes.get(name) is not type(est):
            raise self.fail(where, est, " (an estimator this package cannot describe in JSON)")
        params = est.get_params(deep=False)
        out: dict[str, Any] = {
            "$estimator": name,
            "params": {k: self.param(f"{where}.{k}", k, v) for k, v in params.items()},
        }
        if fitted:
            # Every instance attribute that is not a parameter: the fitted state, complete.
            out["state"] = {k: self.value(f"{where}.{k}", v)
                            for k, v in vars(est).items() if k not in params}
        return out


def _short(value: Any) -> str:
    text = repr(value).replace("\n", " ")
    return text if len(text) <= 60 else text[:57] + "..."


def _package_versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"neucube": __version__, "python": platform.python_version()}
    for pkg in _PACKAGES:
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = None
    return out


def _summary(model: BaseEstimator) -> dict[str, Any]:
    """What a person (or the web app) wants to see without loading the model."""
    def plain(v: Any) -> Any:
        if isinstance(v, np.ndarray):
            return v.tolist()
        if isinstance(v, np.generic):
            return v.item()
        return v

    out: dict[str, Any] = {}
    if hasattr(model, "classes_"):
        out["classes"] = plain(model.classes_)
    if hasattr(model, "ch_names_"):
        out["ch_names"] = list(model.ch_names_)
    if hasattr(model, "coords_"):
        out["coords_mm"] = plain(np.asarray(model.coords_))
        template = getattr(model, "template", None)
        out["coords_space"] = "mni" if isinstance(template, str) and template == "brain" \
            else "template"
    for attr, key in (("sfreq_", "sfreq"), ("tmin_", "tmin"), ("n_steps_in_", "n_times")):
        if hasattr(model, attr):
            out[key] = plain(getattr(model, attr))
    if hasattr(model, "train_labels_"):
        out["n_train_trials"] = int(np.shape(model.train_labels_)[0])
    reservoir = getattr(model, "reservoir_", None)
    if reservoir is not None and hasattr(reservoir, "network_"):
        out["n_neurons"] = int(reservoir.network_.n_neurons)
        out["n_synapses"] = int(reservoir.network_.n_synapses)
    return out


def save_model(
    model: BaseEstimator, path: str | os.PathLike[str], *, overwrite: bool = True
) -> Path:
    """Write a fitted model to ``path``: a ``.zip`` file, or a folder for any other name.

    Parameters
    ----------
    model : NeuCubeClassifier or another estimator in :data:`ESTIMATORS`
        A fitted model.
    path : path-like
        Destination. A name ending in ``.zip`` (any case) gives a single zip file; any other
        name gives a folder with ``model.json`` and ``arrays.npz``.
    overwrite : bool, default=True
        Replace an existing model at ``path``. A folder that is not a neucube model folder is
        never replaced.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    TypeError
        If a parameter or attribute cannot be written without pickle (the message names it).
    FileExistsError
        If ``path`` exists and ``overwrite`` is False, or ``path`` is a folder that is not a
        model folder.
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    """
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(model)
    owner = f"{type(model).__name__}.save"
    writer = _Writer(owner)
    encoded = writer.estimator("model", model, fitted=True)
    meta = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _package_versions(),
        "summary": _summary(model),
        "model": encoded,
        "arrays": writer.store.index(),
    }
    try:
        text = json.dumps(meta, indent=1, allow_nan=False)
    except ValueError as err:  # pragma: no cover - non-finite floats are encoded above
        raise TypeError(f"{owner}: the metadata is not valid JSON ({err}).") from err
    buf = io.BytesIO()
    np.savez_compressed(buf, **writer.store.arrays)
    arrays = buf.getvalue()

    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{owner}: {path} already exists (pass overwrite=True to replace "
                              "it).")
    if path.suffix.lower() == ".zip":
        if path.is_dir():
            raise FileExistsError(f"{owner}: {path} is a folder; cannot write a zip file there.")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            zf.writestr(_META, text, compress_type=zipfile.ZIP_DEFLATED)
            zf.writestr(_ARRAYS, arrays, compress_type=zipfile.ZIP_STORED)  # already compressed
        atomic_write_bytes(path, out.getvalue())
    else:
        if path.exists() and not (path.is_dir() and _is_model_folder(path)):
            raise FileExistsError(
                f"{owner}: {path} exists and is not a neucube model folder; refusing to replace "
                "it (choose a new name, or a name ending in .zip for a single file)."
            )
        with atomic_directory(path, overwrite=True) as tmp:
            (tmp / _META).write_text(text, encoding="utf-8")
            (tmp / _ARRAYS).write_bytes(arrays)
    logger.info("%s: wrote %s (%d arrays, %.1f kB)", owner, path, len(writer.store.arrays),
                len(arrays) / 1024)
    return path


def _is_model_folder(path: Path) -> bool:
    """An existing folder holding only a model's members (safe to replace)."""
    names = {p.name for p in path.iterdir()}
    if not names:
        return True
    if names - {_META, _ARRAYS}:
        return False
    try:
        meta = json.loads((path / _META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and meta.get("format") == FORMAT


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
def _read_members(path: Path) -> tuple[bytes, bytes]:
    """The raw bytes of ``model.json`` and ``arrays.npz`` of a model folder or zip."""
    if path.is_dir():
        missing = [m for m in (_META, _ARRAYS) if not (path / m).is_file()]
        if missing:
            raise ModelFileError(f"Model folder {path} is incomplete: {', '.join(missing)} "
                                 "missing.")
        for member, limit in ((_META, _MAX_META_BYTES), (_ARRAYS, MAX_MODEL_BYTES)):
            size = (path / member).stat().st_size
            if size > limit:
                raise ModelFileError(f"Model folder {path}: {member}: expected at most "
                                     f"{limit:,} bytes; found {size:,} bytes.")
        return (path / _META).read_bytes(), (path / _ARRAYS).read_bytes()
    if not path.exists():
        raise FileNotFoundError(f"No model file or folder at {path}.")
    if not path.is_file():
        raise ModelFileError(f"Model file {path}: expected a regular file (a .zip) or a model "
                             "folder; found something else (a pipe or device?).")
    try:
        with zipfile.ZipFile(path) as zf:
            _check_zip_sizes(f"Model file {path}", zf, {_META: _MAX_META_BYTES})
            names = set(zf.namelist())
            missing = [m for m in (_META, _ARRAYS) if m not in names]
            if missing:
                raise ModelFileError(f"Model file {path} is incomplete: member(s) "
                                     f"{', '.join(missing)} missing from the zip.")
            return zf.read(_META), zf.read(_ARRAYS)
    except zipfile.BadZipFile as err:
        raise ModelFileError(f"Model file {path} is not a valid zip file (truncated or "
                             f"corrupted?): {err}.") from err
    except (OSError, EOFError, zlib.error) as err:
        raise ModelFileError(f"Model file {path} could not be read (truncated or corrupted?): "
                             f"{err}.") from err


def _check_zip_sizes(where: str, zf: zipfile.ZipFile, limits: dict[str, int]) -> None:
    """Refuse a zip whose members are too many, too large or too compressed, before reading.

    The sizes are the ones the zip declares; :mod:`zipfile` never returns more bytes than a
    member declares, so checking them bounds what is read.
    """
    infos = zf.infolist()
    if len(infos) > MAX_MODEL_MEMBERS:
        raise ModelFileError(f"{where}: expected at most {MAX_MODEL_MEMBERS:,} members; found "
                             f"{len(infos):,}.")
    total = 0
    for info in infos:
        limit = limits.get(info.filename, MAX_MODEL_BYTES)
        if info.file_size > limit:
            raise ModelFileError(f"{where}: member {info.filename!r}: expected at most "
                                 f"{limit:,} bytes uncompressed; found {info.file_size:,}.")
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > MAX_COMPRESSION_RATIO:
            raise ModelFileError(
                f"{where}: member {info.filename!r}: expected a compression ratio of at most "
                f"{MAX_COMPRESSION_RATIO}; found {ratio:,.0f} ({info.compress_size:,} bytes "
                f"expanding to {info.file_size:,}): not a file neucube writes."
            )
        total += info.file_size
    if total > MAX_MODEL_BYTES:
        raise ModelFileError(f"{where}: expected at most {MAX_MODEL_BYTES:,} bytes "
                             f"uncompressed in total; found {total:,}.")


def _check_npy_header(path: Path, zf: zipfile.ZipFile, info: zipfile.ZipInfo, key: str,
                      spec: Any) -> None:
    """Check an array's ``.npy`` header against the limits, its member size and the index.

    Only the header is read, so an array that declares a huge shape fails before any memory
    is taken for it.
    """
    where = f"Model file {path}: array {key!r} in {_ARRAYS}"
    with zf.open(info) as fh:
        try:
            major, _ = np.lib.format.read_magic(fh)
            if major == 1:
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
            elif major in (2, 3):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
            else:
                raise ValueError(f"unknown .npy format version {major}")
        except ValueError as err:
            raise ModelFileError(f"{where}: expected a NumPy .npy header; found {err}.") from err
        header_len = fh.tell()
    if dtype.hasobject:
        raise ModelFileError(f"{where} holds Python objects, which only pickle could read; "
                             "model files never contain those, so it was not read.")
    n_items = math.prod(shape)
    n_bytes = n_items * dtype.itemsize
    if n_bytes > MAX_ARRAY_BYTES:
        raise ModelFileError(f"{where}: expected at most {MAX_ARRAY_BYTES:,} bytes per array; "
                             f"its header declares shape {tuple(shape)} of {dtype} "
                             f"({n_bytes:,} bytes). It was not read.")
    if header_len + n_bytes != info.file_size:
        raise ModelFileError(f"{where}: its header declares shape {tuple(shape)} of {dtype} "
                             f"({n_bytes:,} bytes), but the member holds "
                             f"{info.file_size - header_len:,} bytes of data (truncated or "
                             "forged). It was not read.")
    if isinstance(spec, dict) and (list(shape) != spec.get("shape")
                                   or dtype.str != spec.get("dtype")):
        raise ModelFileError(f"{where}: its header declares shape {list(shape)} and dtype "
                             f"{dtype.str}; {_META}'s 'arrays' index says {spec.get('shape')} "
                             f"and {spec.get('dtype')}.")


def _read_arrays(path: Path, data: bytes, index: dict[str, Any]) -> dict[str, np.ndarray]:
    if not data.startswith(b"PK"):
        kind = "pickled data" if data[:1] == b"\x80" else "data of another format"
        raise ModelFileError(
            f"Model file {path}: {_ARRAYS} is not a NumPy .npz archive (no zip signature; it "
            f"looks like {kind}). Model files never contain pickled data, so it was not read."
        )
    arrays = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            _check_zip_sizes(f"Model file {path}: {_ARRAYS}", zf, {})
            for info in zf.infolist():
                key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
                _check_npy_header(path, zf, info, key, index.get(key))
                with zf.open(info) as fh:
                    try:
                        arrays[key] = np.lib.format.read_array(fh, allow_pickle=False)
                    except ValueError as err:  # an object array: only pickle could read it
                        raise ModelFileError(
                            f"Model file {path}: array {key!r} in {_ARRAYS} holds Python "
                            "objects, which only pickle could read; model files never contain "
                            "those, so it was not read."
                        ) from err
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, ValueError, zlib.error) as err:
        raise ModelFileError(f"Model file {path}: {_ARRAYS} is corrupted ({type(err).__name__}: "
                             f"{err}).") from err
    return arrays


def _json_depth(value: Any) -> int:
    """Nesting depth of parsed JSON, without recursion (the value may be hostile)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        v, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_JSON_DEPTH:
            break
        if isinstance(v, dict):
            stack.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            stack.extend((x, depth + 1) for x in v)
    return deepest


#: Top-level fields of ``model.json`` and their JSON types (``format``/``schema_version``
#: have their own messages).
_META_FIELDS = {"created": str, "versions": dict, "summary": dict, "model": dict, "arrays": dict}


def _check_index(path: Path, index: dict[str, Any]) -> None:
    """The ``arrays`` index: ``{name: {"shape": [ints >= 0], "dtype": str}}``."""
    if len(index) > MAX_MODEL_MEMBERS:
        raise ModelFileError(f"Model file {path}: {_META}, key 'arrays': expected at most "
                             f"{MAX_MODEL_MEMBERS:,} arrays; found {len(index):,}.")
    for name, spec in index.items():
        where = f"Model file {path}: {_META}, key 'arrays.{name}'"
        if not isinstance(spec, dict):
            raise ModelFileError(f"{where}: expected an object {{shape, dtype}}; found "
                                 f"{type(spec).__name__} {_short(spec)}.")
        shape, dtype = spec.get("shape"), spec.get("dtype")
        if not isinstance(shape, list) or not all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
            raise ModelFileError(f"{where}.shape: expected a list of integers >= 0; found "
                                 f"{_short(shape)}.")
        if not isinstance(dtype, str):
            raise ModelFileError(f"{where}.dtype: expected a NumPy dtype string such as "
                                 f"'<f8'; found {_short(dtype)}.")


def _check_meta(path: Path, raw: bytes) -> dict[str, Any]:
    if len(raw) > _MAX_META_BYTES:
        raise ModelFileError(f"Model file {path}: {_META}: expected at most "
                             f"{_MAX_META_BYTES:,} bytes; found {len(raw):,}.")
    try:
        meta = json.loads(raw.decode("utf-8"))
    except RecursionError:
        meta = None
    except (UnicodeDecodeError, ValueError) as err:
        raise ModelFileError(f"Model file {path}: {_META} is not valid JSON ({err}).") from err
    if meta is None or _json_depth(meta) > MAX_JSON_DEPTH:
        raise ModelFileError(f"Model file {path}: {_META}: expected JSON nested at most "
                             f"{MAX_JSON_DEPTH} levels deep; found deeper nesting (not a file "
                             "neucube writes).")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else type(meta).__name__
        raise ModelFileError(f"Model file {path}: {_META} is not a neucube model (field 'format' "
                             f"should be {FORMAT!r}; found {found!r}).")
    sv = meta.get("schema_version")
    if isinstance(sv, bool) or not isinstance(sv, int) or sv < 1:
        raise ModelFileError(f"Model file {path}: field 'schema_version' should be a positive "
                             f"integer; found {sv!r}.")
    if sv > SCHEMA_VERSION:
        written = (meta.get("versions") or {}).get("neucube", "a newer version")
        raise ModelFileError(
            f"Model file {path} has schema_version {sv}, but this neucube ({__version__}) reads "
            f"model files up to schema_version {SCHEMA_VERSION}: it was written by neucube "
            f"{written}; upgrade neucube to load it."
        )
    for field in ("model", "arrays"):
        if not isinstance(meta.get(field), dict):
            raise ModelFileError(f"Model file {path}: {_META} has no valid {field!r} field.")
    for field, kind in _META_FIELDS.items():
        if field in meta and not isinstance(meta[field], kind):
            raise ModelFileError(f"Model file {path}: {_META}, key {field!r}: expected a JSON "
                                 f"{'object' if kind is dict else 'string'}; found "
                                 f"{type(meta[field]).__name__} {_short(meta[field])}.")
    _check_index(path, meta["arrays"])
    return meta


class _Reader:
    """Turns the JSON of a model file back into objects, instantiating whitelisted classes only."""

    def __init__(self, path: Path, arrays: dict[str, np.ndarray],
                 index: dict[str, Any]) -> None:
        self.path = path
        self.arrays = arrays
        self.index = index
        self.classes = _estimator_classes()

    def fail(self, where: str, problem: str) -> ModelFileError:
        return ModelFileError(f"Model file {self.path}: {_META}, key {where}: {problem}.")

    def expect(self, where: str, v: Any, kind: type | tuple[type, ...], what: str) -> Any:
        """``v`` if it has the JSON type ``kind`` (bool is not an int here), else a clear error."""
        if not isinstance(v, kind) or (isinstance(v, bool) and bool not in (
                kind if isinstance(kind, tuple) else (kind,))):
            raise self.fail(where, f"expected {what}; found {type(v).__name__} {_short(v)}")
        return v

    def array(self, where: str, ref: dict[str, Any]) -> np.ndarray:
        key = ref.get("$array")
        if not isinstance(key, str) or key not in self.index:
            raise self.fail(where, f"refers to array {key!r}, which the 'arrays' index lacks")
        if key not in self.arrays:
            raise self.fail(where, f"array {key!r} is missing from {_ARRAYS}")
        arr = self.arrays[key]
        spec = self.index[key]
        if list(arr.shape) != spec.get("shape") or arr.dtype.str != spec.get("dtype"):
            raise self.fail(where, f"array {key!r} has shape {list(arr.shape)} and dtype "
                                   f"{arr.dtype.str}; the index says {spec.get('shape')} and "
                                   f"{spec.get('dtype')}")
        arr = arr.copy()  # a fresh writeable array, as after fit
        return arr.astype(object) if ref.get("object") else arr

    def value(self, where: str, v: Any) -> Any:
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        if isinstance(v, list):
            return [self.value(f"{where}[{i}]", x) for i, x in enumerate(v)]
        if not isinstance(v, dict) or len([k for k in v if k.startswith("$")]) != 1:
            raise self.fail(where, f"unexpected value {_short(v)}")
        if "$array" in v:
            return self.array(where, v)
        if "$float" in v:
            text = v["$float"]
            if text not in ("inf", "-inf", "nan"):
                raise self.fail(where, f"expected '$float' to be 'inf', '-inf' or 'nan'; found "
                                       f"{_short(text)}")
            return float(text)
        if "$path" in v:
            return Path(self.expect(where, v["$path"], str, "a path string"))
        if "$tuple" in v:
            items = self.expect(where, v["$tuple"], list, "a list after '$tuple'")
            return tuple(self.value(f"{where}[{i}]", x) for i, x in enumerate(items))
        if "$dict" in v:
            items = self.expect(where, v["$dict"], dict, "an object after '$dict'")
            return {k: self.value(f"{where}[{k!r}]", x) for k, x in items.items()}
        if "$raster" in v:
            r = self.expect(where, v["$raster"], dict, "an object after '$raster'")
            sizes = {k: self.expect(f"{where}.{k}", r.get(k), int, "an integer >= 0")
                     for k in ("n_steps", "n_neurons")}
            if sizes["n_steps"] > MAX_TIMES or sizes["n_neurons"] > MAX_NEURONS \
                    or min(sizes.values()) < 0:
                raise self.fail(where, f"expected at most {MAX_TIMES} steps and {MAX_NEURONS} "
                                       f"neurons; found {sizes}")
            return SpikeRaster(self.array(f"{where}.indptr", r["indptr"]),
                               self.array(f"{where}.steps", r["steps"]),
                               self.array(f"{where}.neurons", r["neurons"]),
                               n_steps=sizes["n_steps"], n_neurons=sizes["n_neurons"])
        if "$dataclass" in v:
            cls = _DATACLASSES.get(v["$dataclass"])
            if cls is None:
                raise self.fail(where, f"unknown type {v['$dataclass']!r}")
            raw = self.expect(f"{where}.fields", v.get("fields"), dict, "an object")
            fields = {k: self.value(f"{where}.{k}", x) for k, x in raw.items()}
            return cls(**fields)
        if "$estimator" in v:
            return self.estimator(where, v)
        raise self.fail(where, f"unknown tag in {_short(v)}")

    def estimator(self, where: str, v: dict[str, Any]) -> BaseEstimator:
        name = v["$estimator"]
        cls = self.classes.get(name)
        if cls is None:
            raise self.fail(where, f"unknown estimator {name!r} (known: {', '.join(ESTIMATORS)})")
        raw = self.expect(f"{where}.params", v.get("params"), dict, "an object")
        params = {k: self.value(f"{where}.params.{k}", x) for k, x in raw.items()}
        est = cls(**params)
        for k, x in self.expect(f"{where}.state", v.get("state", {}), dict, "an object").items():
            if not k.isidentifier() or k.startswith("__"):
                raise self.fail(f"{where}.{k}", "not a valid attribute name")
            setattr(est, k, self.value(f"{where}.{k}", x))
        return est


def load_model(path: str | os.PathLike[str]) -> BaseEstimator:
    """Read a model written by :meth:`~neucube.classifier.NeuCubeClassifier.save`.

    Parameters
    ----------
    path : path-like
        A model folder or zip file.

    Returns
    -------
    NeuCubeClassifier
        The fitted model (or whichever estimator of :data:`ESTIMATORS` was saved), giving the
        same predictions as the one saved.

    Raises
    ------
    FileNotFoundError
        If nothing exists at ``path``.
    ModelFileError
        If the file is not a readable model: corrupted or truncated zip, missing member or
        array, invalid JSON, arrays that would need pickle, or a ``schema_version`` newer than
        this neucube reads. The message names the file and the problem.

    Notes
    -----
    A model saved by another neucube version loads with a warning; its predictions may differ
    if the algorithms changed in between.
    """
    path = Path(path)
    raw_meta, raw_arrays = _read_members(path)
    meta = _check_meta(path, raw_meta)
    arrays = _read_arrays(path, raw_arrays, meta["arrays"])
    missing = sorted(set(meta["arrays"]) - set(arrays))
    if missing:
        raise ModelFileError(f"Model file {path}: array(s) {', '.join(missing[:5])} listed in "
                             f"{_META} are missing from {_ARRAYS}.")
    written = (meta.get("versions") or {}).get("neucube")
    if written != __version__:
        warnings.warn(f"Model file {path} was written by neucube {written}; this is neucube "
                      f"{__version__}. Predictions may differ if the algorithms changed.",
                      UserWarning, stacklevel=2)
    reader = _Reader(path, arrays, meta["arrays"])
    if "$estimator" not in meta["model"]:
        raise ModelFileError(f"Model file {path}: the 'model' field does not describe an "
                             "estimator (no '$estimator' entry).")
    try:
        model = reader.value("model", meta["model"])
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise ModelFileError(f"Model file {path}: the 'model' field is invalid "
                             f"({type(err).__name__}: {err}).") from err
    _check_loaded(path, model)
    return model


def _nonfinite_arrays(value: Any, where: str, out: list[str], seen: set[int]) -> None:
    """Paths of float arrays holding NaN or infinity, anywhere in a loaded model."""
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc" and not np.all(np.isfinite(value)):
            out.append(where)
    elif isinstance(value, BaseEstimator):
        for k, v in vars(value).items():
            _nonfinite_arrays(v, f"{where}.{k}", out, seen)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _nonfinite_arrays(getattr(value, f.name), f"{where}.{f.name}", out, seen)
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            _nonfinite_arrays(v, f"{where}[{i}]", out, seen)
    elif isinstance(value, dict):
        for k, v in value.items():
            _nonfinite_arrays(v, f"{where}[{k!r}]", out, seen)


def _check_loaded(path: Path, model: BaseEstimator) -> None:
    """The loaded model's parameters, array shapes and values are those of a fitted model.

    A file edited by hand or by an attacker can hold well-typed JSON that no fit makes: NaN
    weights, a cube whose synapses point past its neurons, channel lists of the wrong length.
    Each would predict silently wrong results, so each is refused here.
    """
    where = f"Model file {path}"
    check = getattr(model, "_check_params", None)
    if check is not None:
        try:
            check()
        except (TypeError, ValueError) as err:
            raise ModelFileError(f"{where}: {_META}, key 'model.params': {err}") from err
    bad: list[str] = []
    _nonfinite_arrays(model, "model", bad, set())
    if bad:
        raise ModelFileError(f"{where}: expected finite numbers in every array; found NaN or "
                             f"infinity in {', '.join(bad[:5])}"
                             f"{' ...' if len(bad) > 5 else ''}.")
    problems: list[str] = []
    n_channels = getattr(model, "n_channels_", None)
    if n_channels is not None:
        if not (isinstance(n_channels, int) and 1 <= n_channels <= MAX_CHANNELS):
            problems.append(f"n_channels_ = {n_channels!r} (expected 1..{MAX_CHANNELS})")
        n_steps = getattr(model, "n_steps_in_", None)
        if not (isinstance(n_steps, int) and 2 <= n_steps <= MAX_TIMES):
            problems.append(f"n_steps_in_ = {n_steps!r} (expected 2..{MAX_TIMES})")
        if len(getattr(model, "ch_names_", ())) != n_channels:
            problems.append(f"{len(getattr(model, 'ch_names_', ()))} ch_names_ for "
                            f"{n_channels} channels")
        coords = np.asarray(getattr(model, "coords_", np.zeros((0, 3))))
        if coords.shape != (n_channels, 3):
            problems.append(f"coords_ of shape {coords.shape} for {n_channels} channels")
        if np.size(getattr(model, "classes_", ())) < 2:
            problems.append("fewer than 2 classes_")
        sfreq = getattr(model, "sfreq_", None)
        if sfreq is not None and not (isinstance(sfreq, (int, float))
                                      and math.isfinite(sfreq) and sfreq > 0):
            problems.append(f"sfreq_ = {sfreq!r} (expected None or a positive rate in Hz)")
    cube = getattr(model, "reservoir_", model if isinstance(model, Reservoir) else None)
    if cube is not None and hasattr(cube, "pre_"):
        n_neurons = getattr(cube, "n_neurons_", None)
        if not (isinstance(n_neurons, int) and 1 <= n_neurons <= MAX_NEURONS):
            problems.append(f"reservoir n_neurons_ = {n_neurons!r} (expected 1..{MAX_NEURONS})")
        else:
            arrays = {k: np.asarray(getattr(cube, k, None)) for k in
                      ("pre_", "post_", "weights_", "weights_init_", "excitatory_")}
            shapes = {k: a.shape for k, a in arrays.items()}
            if len(set(shapes.values())) != 1 or arrays["pre_"].ndim != 1:
                problems.append(f"reservoir synapse arrays of shapes {shapes} (expected one "
                                "length)")
            else:
                for k in ("pre_", "post_"):
                    a = arrays[k]
                    if a.dtype.kind not in "iu" or (a.size and (a.min() < 0
                                                                or a.max() >= n_neurons)):
                        problems.append(f"reservoir {k} outside [0, {n_neurons})")
            positions = np.asarray(getattr(cube, "positions_", np.zeros((0, 3))))
            if positions.shape != (n_neurons, 3):
                problems.append(f"reservoir positions_ of shape {positions.shape} for "
                                f"{n_neurons} neurons")
        if n_channels is not None and getattr(cube, "n_features_in_", None) != n_channels:
            problems.append(f"reservoir fitted on {getattr(cube, 'n_features_in_', None)!r} "
                            f"channels for a model of {n_channels}")
    if problems:
        raise ModelFileError(f"{where}: the fitted state is inconsistent: "
                             f"{'; '.join(problems)}.")
