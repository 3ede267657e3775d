"""The study file schema: parse a TOML study, validate every key, fill defaults, resolve paths.

A study is the unit a researcher reproduces: data source, event mapping, preprocessing, encoder,
(later) cube, STDP, readout, evaluation, figures and output, in one TOML file. Every problem is
reported with its key path and what was expected, for example::

    encoder.alpha: expected a number >= 0, got "half"

Paths in a study are resolved relative to the study file's folder.
"""

from __future__ import annotations

import copy
import hashlib
import inspect
import json
import numbers
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["StudyError", "Study", "load_study", "parse_study", "DATA_SOURCES"]


class StudyError(ValueError):
    """A study file is missing, malformed or has an invalid value; the message names the key."""


def _show(value: Any) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


# --------------------------------------------------------------------------- field checks
@dataclass(frozen=True)
class Field:
    """One key of a section: how to check it and its default (``required`` when no default)."""

    check: Callable[[str, Any], Any]
    default: Any = inspect.Parameter.empty
    doc: str = ""

    @property
    def required(self) -> bool:
        return self.default is inspect.Parameter.empty


def _string(key: str, v: Any) -> str:
    if not isinstance(v, str):
        raise StudyError(f"{key}: expected a string, got {_show(v)}")
    return v


def _number(low: float | None = None, *, strict: bool = False) -> Callable[[str, Any], float]:
    def check(key: str, v: Any) -> float:
        ok = isinstance(v, numbers.Real) and not isinstance(v, bool)
        if ok and low is not None:
            ok = v > low if strict else v >= low
        if not ok:
            what = "a number" if low is None else (
                "a positive number" if (strict and low == 0) else f"a number {'>' if strict else '>='} {low:g}"
            )
            raise StudyError(f"{key}: expected {what}, got {_show(v)}")
        return float(v)

    return check


def _integer(low: int | None = None) -> Callable[[str, Any], int]:
    def check(key: str, v: Any) -> int:
        if not isinstance(v, numbers.Integral) or isinstance(v, bool) or (low is not None and v < low):
            what = "an integer" if low is None else f"an integer >= {low}"
            raise StudyError(f"{key}: expected {what}, got {_show(v)}")
        return int(v)

    return check


def _choice(*options: str) -> Callable[[str, Any], str]:
    def check(key: str, v: Any) -> str:
        if v not in options:
            raise StudyError(f"{key}: expected one of {', '.join(map(_show, options))}, got {_show(v)}")
        return v

    return check


def _boolean(key: str, v: Any) -> bool:
    if not isinstance(v, bool):
        raise StudyError(f"{key}: expected true or false, got {_show(v)}")
    return v


def _optional(inner: Callable[[str, Any], Any]) -> Callable[[str, Any], Any]:
    def check(key: str, v: Any) -> Any:
        return None if v is None else inner(key, v)

    return check


def _threshold(key: str, v: Any) -> Any:
    if v == "auto":
        return v
    if isinstance(v, list):
        return [_number(0, strict=True)(f"{key}[{i}]", x) for i, x in enumerate(v)]
    return _number(0, strict=True)(key, v)


def _event_mapping(key: str, v: Any) -> dict[str, list[int | str]]:
    if not isinstance(v, Mapping) or not v:
        raise StudyError(f"{key}: expected a table of class = [codes], got {_show(v)}")
    out: dict[str, list[int | str]] = {}
    for name, codes in v.items():
        codes = codes if isinstance(codes, list) else [codes]
        for i, c in enumerate(codes):
            if isinstance(c, bool) or not isinstance(c, int | str):
                raise StudyError(f"{key}.{name}[{i}]: expected an event code (int) or description (str), got {_show(c)}")
        out[str(name)] = list(codes)
    return out


def _list_of(inner: Callable[[str, Any], Any]) -> Callable[[str, Any], list]:
    def check(key: str, v: Any) -> list:
        if not isinstance(v, list):
            raise StudyError(f"{key}: expected a list, got {_show(v)}")
        return [inner(f"{key}[{i}]", x) for i, x in enumerate(v)]

    return check


ENCODERS = ("tbr", "step_forward", "moving_window", "bsa")

#: Sections and their keys. Two sections are special: the keys of ``data`` are the data source's
#: arguments, and ``events`` maps class names to event codes or descriptions.
SECTIONS: dict[str, dict[str, Field]] = {
    "study": {
        "name": Field(_string, doc="short name, used for the default output folder"),
        "description": Field(_string, "", "what the study asks"),
        "seed": Field(_integer(0), 0, "seed of every random choice (overridden by --seed)"),
    },
    "encoder": {
        "kind": Field(_choice(*ENCODERS), "tbr", "spike encoder"),
        "threshold": Field(_optional(_threshold), None, "None (data-driven rule), 'auto' (SNR search), a number or per-channel list"),
        "alpha": Field(_number(0), 0.5, "TBR: threshold = mean|dx| + alpha * std|dx|"),
        "window": Field(_integer(1), 5, "moving-window length in samples"),
        "compare": Field(
            _list_of(_choice(*ENCODERS)), list(ENCODERS), "encoders compared in the encoding report"
        ),
    },
    "cube": {
        "template": Field(_choice("brain", "grid"), "brain", "neuron positions: MNI152 brain or a grid spanning the channels"),
        "spacing_mm": Field(_number(0, strict=True), 10.0, "template spacing in mm"),
        "radius": Field(_number(0, strict=True), 2.5, "connection radius in multiples of the spacing"),
        "connectivity": Field(_choice("small_world", "gaussian"), "small_world", "connection rule"),
        "threshold": Field(_number(0, strict=True), 0.5, "firing threshold"),
        "leak": Field(_number(0), 0.002, "leak per step"),
        "refractory": Field(_integer(0), 6, "refractory period in steps"),
        "neuron_model": Field(_choice("slif", "lif"), "slif", "NeuCube SLIF or exponential LIF"),
        "backend": Field(_choice("cpp_standalone", "cython", "numpy"), "cpp_standalone", "Brian2 target"),
    },
    "stdp": {
        "rate": Field(_number(0), 0.001, "STDP amplitude A+ = A-"),
        "tau": Field(_number(0, strict=True), 10.0, "STDP time constant in steps"),
        "n_rounds": Field(_integer(0), 1, "STDP passes over the training trials (0: no learning)"),
    },
    "readout": {
        "kind": Field(_choice("desnn"), "desnn", "readout classifier"),
        "mod": Field(_number(0, strict=True), 0.8, "deSNN rank-order modulation, in (0, 1]"),
        "drift_up": Field(_number(0), 0.005, "deSNN weight increase per later spike"),
        "drift_down": Field(_number(0), 0.005, "deSNN weight decrease per silent step"),
        "recall": Field(_choice("wknn", "psp"), "wknn", "deSNN recall"),
        "k": Field(_integer(1), 3, "wknn neighbours"),
        "sigma": Field(_number(0, strict=True), 1.0, "wknn kernel width"),
        "c": Field(_number(0, strict=True), 0.7, "psp firing fraction"),
    },
    "evaluation": {
        "scheme": Field(_choice("stratified", "loso", "per_subject"), "stratified", "cross-validation scheme"),
        "n_splits": Field(_integer(2), 5, "folds of the stratified schemes"),
        "n_seeds": Field(_integer(1), 1, "repetitions with seeds seed, seed+1, ..."),
        "baselines": Field(_list_of(_choice("vectorizer_logreg", "channel_features_logreg", "window_means_logreg")),
                           ["vectorizer_logreg", "channel_features_logreg"], "standard classifiers on the same folds"),
        "control": Field(_boolean, True, "also run with shuffled labels (must be at chance)"),
        "n_jobs": Field(_integer(1), 1, "parallel folds (overridden by --n-jobs)"),
    },
    "output": {
        "dir": Field(_string, "", "results folder (relative to the study file); default results/<name>"),
    },
}


# --------------------------------------------------------------------------- data sources
def _data_loaders() -> dict[str, Callable[..., Any]]:
    # Imported lazily: parsing a study must not import MNE/nibabel just to report a typo.
    import data_loaders

    return {
        "simulate": data_loaders.simulate_familiarity,
    }


#: The data sources a study may name in ``data.source``.
DATA_SOURCES = ("simulate",)
#: Data-source arguments that are file paths, resolved relative to the study file.
_PATH_ARGS = {"path", "folder", "root", "bold", "labels", "mask", "events", "coordinates"}


def _check_data(section: Any, base: Path) -> dict[str, Any]:
    if not isinstance(section, Mapping):
        raise StudyError(f"data: expected a table, got {_show(section)}")
    section = dict(section)
    if "source" not in section:
        raise StudyError(f"data.source: expected one of {', '.join(map(_show, DATA_SOURCES))}, but the key is missing")
    source = _choice(*DATA_SOURCES)("data.source", section.pop("source"))
    loader = _data_loaders()[source]
    params = inspect.signature(loader).parameters
    allowed = [p for p in params if params[p].kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    for key in section:
        if key not in allowed:
            raise StudyError(f"data.{key}: unknown argument for source {_show(source)}; expected one of {', '.join(allowed)}")
    args = {}
    for key, value in section.items():
        if key in _PATH_ARGS and isinstance(value, str):
            resolved = (base / value).resolve()
            if not resolved.exists():
                raise StudyError(f"data.{key}: expected an existing file or folder, got {_show(value)} (resolved to {resolved})")
            value = str(resolved)
        args[key] = value
    return {"source": source, "args": args}


# --------------------------------------------------------------------------- the study
@dataclass(frozen=True)
class Study:
    """A validated study: every section with defaults filled in, paths resolved.

    Attributes
    ----------
    path : Path or None
        The study file (``None`` for a study given as a mapping).
    config : dict
        Validated sections. ``config["data"]`` is ``{"source": ..., "args": {...}}``.
    """

    path: Path | None
    config: dict[str, Any] = field(repr=False)

    @property
    def name(self) -> str:
        return self.config["study"]["name"]

    @property
    def seed(self) -> int:
        return self.config["study"]["seed"]

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()

    def output_dir(self) -> Path:
        """The results folder named by ``output.dir``, or ``results/<name>`` beside the study."""
        out = self.config["output"]["dir"] or f"results/{self.name}"
        return (self.base_dir / out).resolve()

    def with_overrides(self, *, seed: int | None = None) -> Study:
        """Return a copy with command-line overrides applied (``--seed``)."""
        config = copy.deepcopy(self.config)
        if seed is not None:
            config["study"]["seed"] = _integer(0)("--seed", seed)
        return Study(self.path, config)

    def to_toml(self) -> str:
        """The resolved study as TOML, so a results folder records exactly what ran."""
        lines: list[str] = []
        for section, values in self.config.items():
            if values is None:
                continue
            if section == "data":
                values = {"source": values["source"], **values["args"]}
            lines.append(f"[{section}]")
            for key, value in values.items():
                if value is None:
                    continue
                if isinstance(value, Mapping):
                    inner = ", ".join(f"{json.dumps(str(k))} = {json.dumps(v)}" for k, v in value.items())
                    lines.append(f"{key} = {{ {inner} }}")
                else:
                    lines.append(f"{key} = {json.dumps(value)}")
            lines.append("")
        return "\n".join(lines)

    def digest(self) -> str:
        """SHA-256 of the resolved configuration (stable key order), for provenance."""
        blob = json.dumps(self.config, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


def parse_study(raw: Mapping[str, Any], *, path: Path | None = None) -> Study:
    """Validate a study given as a mapping (the parsed TOML)."""
    base = path.parent if path is not None else Path.cwd()
    if not isinstance(raw, Mapping) or not raw:
        raise StudyError(f"{path or 'study'}: expected a study with at least [study] and [data] tables, got an empty file")
    known = set(SECTIONS) | {"data", "events"}
    for section in raw:
        if section not in known:
            raise StudyError(f"{section}: unknown section; expected one of {', '.join(sorted(known))}")
    config: dict[str, Any] = {}
    for section, fields in SECTIONS.items():
        values = raw.get(section, {})
        if not isinstance(values, Mapping):
            raise StudyError(f"{section}: expected a table, got {_show(values)}")
        for key in values:
            if key not in fields:
                raise StudyError(f"{section}.{key}: unknown key; expected one of {', '.join(fields)}")
        out = {}
        for key, spec in fields.items():
            if key in values:
                out[key] = spec.check(f"{section}.{key}", values[key])
            elif spec.required:
                raise StudyError(f"{section}.{key}: expected a value ({spec.doc}), but the key is missing")
            else:
                out[key] = copy.deepcopy(spec.default)
        config[section] = out
    # [events] is the class mapping itself: class name = event code(s) or description(s).
    config["events"] = _event_mapping("events", raw["events"]) if "events" in raw else None
    if "data" not in raw:
        raise StudyError("data: expected a [data] table naming the data source, but it is missing")
    config["data"] = _check_data(raw["data"], base)
    return Study(path, config)


def load_study(path: str | Path) -> Study:
    """Read and validate a TOML study file.

    Raises
    ------
    StudyError
        If the file is missing, not TOML, or any key is unknown or invalid.
    """
    path = Path(path).resolve()
    if not path.is_file():
        raise StudyError(f"{path}: expected a study file (.toml), but it does not exist")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StudyError(f"{path}: expected valid TOML; {exc}") from exc
    return parse_study(raw, path=path)
