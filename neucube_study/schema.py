"""The study file schema: parse a TOML study, validate every key, fill defaults, resolve paths.

A study is the unit a researcher reproduces: data source, event mapping, preprocessing, encoder,
cube, STDP, readout, evaluation, figures, parameter search and output, in one TOML file. Every
problem is reported with its key path and what was expected, for example::

    encoder.alpha: expected a number >= 0, got "half"
    cube.spacing_mm: expected a positive number, got "ten"

Paths are resolved relative to the study file's folder and must stay inside it; data elsewhere
is named by an absolute path or through ``${data_root}`` (see :mod:`neucube_study.paths`).

Sections (see :data:`SECTIONS` for every key, its default and meaning):

``[study]`` name, description, seed, data_root · ``[data]`` the source and its arguments (see
:mod:`neucube_study.sources`) · ``[events]`` class name = event codes or descriptions ·
``[preprocessing]`` · ``[encoder]`` · ``[cube]`` · ``[stdp]`` · ``[readout]`` ·
``[evaluation]`` · ``[figures]`` · ``[search]`` (``neucube search``) · ``[output]``.
"""

from __future__ import annotations

import contextvars
import copy
import hashlib
import json
import numbers
import re
import tomllib
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neucube.classifier import NeuCubeClassifier
from neucube.defaults import CUBE_PLOT_THRESHOLD, PRESETS
from neucube.encoding import MovingWindowEncoder
from neucube.evaluation import ABLATIONS as _ABLATIONS
from neucube.evaluation import BASELINES as _BASELINES
from neucube.evaluation import SCHEMES as _SCHEMES
from neucube.limits import check_neuron_count, estimated_brain_neurons
from neucube.params import ParamSpec, describe
from neucube.preprocessing.temporal import INTERPOLATIONS
from neucube.presets import PREPROCESSING_PRESETS
from neucube_study import _fields as f
from neucube_study._fields import Field, StudyError, show
from neucube_study.paths import PathContext, check_output_dir, folder_name, resolve_path
from neucube_study.retarget import retarget
from neucube_study.sources import SOURCES

__all__ = [
    "StudyError",
    "Study",
    "load_study",
    "parse_study",
    "DATA_SOURCES",
    "SECTIONS",
    "PREPROCESSING_PRESETS",
    "MODEL_PARAMS",
    "MODEL_SECTIONS",
    "RENAMED",
    "StudyKeyRenamed",
    "model_params",
    "make_model",
    "grid_param",
    "SCHEMES",
    "to_toml",
    "write_toml",
]

#: The NeuCube model's parameters, as NeuCubeClassifier declares them (:mod:`neucube.params`):
#: the ones with a ``section`` are the keys of the study's model sections, by the same names.
MODEL_PARAMS: dict[str, ParamSpec] = describe(NeuCubeClassifier)
#: Sections of a study that hold model parameters, in file order.
MODEL_SECTIONS = ("encoder", "cube", "stdp", "readout")
#: Study keys renamed to the estimator's parameter names (old key -> new key). Old keys are
#: still read, with a :class:`StudyKeyRenamed` warning naming both.
RENAMED: dict[str, str] = {
    "encoder.kind": "encoder.encoder", "encoder.threshold": "encoder.encoder_threshold",
    "encoder.alpha": "encoder.encoder_alpha", "stdp.rate": "stdp.stdp_rate",
    "stdp.tau": "stdp.tau_stdp", "stdp.bound": "stdp.stdp_bound",
    "readout.kind": "readout.readout",
}
ENCODERS = MODEL_PARAMS["encoder"].choices
#: Baselines, ablation controls and cross-validation schemes (``evaluation.scheme`` takes one
#: or a list of them), as neucube.evaluation names them.
BASELINES = tuple(_BASELINES)
ABLATIONS = tuple(_ABLATIONS)
SCHEMES = tuple(_SCHEMES)
FIGURE_FORMATS = ("svg", "pdf", "png")
GRAPH_FORMATS = ("graphml", "gexf", "csv")
#: The data sources a study may name in ``data.source``.
DATA_SOURCES = tuple(SOURCES)


def _event_mapping(key: str, v: Any) -> dict[str, list[int | str]]:
    if not isinstance(v, Mapping) or not v:
        raise StudyError(f"{key}: expected a table of class = [codes], got {show(v)}")
    out: dict[str, list[int | str]] = {}
    for name, codes in v.items():
        codes = codes if isinstance(codes, list) else [codes]
        if not codes:
            raise StudyError(
                f"{key}.{name}: expected at least one event code or description, got []"
            )
        for i, c in enumerate(codes):
            if isinstance(c, bool) or not isinstance(c, int | str):
                raise StudyError(
                    f"{key}.{name}[{i}]: expected an event code (int) or description (str), got "
                    f"{show(c)}"
                )
        out[str(name)] = list(codes)
    if len(out) < 2:
        raise StudyError(f"{key}: expected at least two classes, got only {show(next(iter(out)))}")
    return out


def _schemes(key: str, v: Any) -> list[str]:
    schemes = f.one_or_list(f.choice(*SCHEMES))(key, v)
    schemes = schemes if isinstance(schemes, list) else [schemes]
    if len(set(schemes)) != len(schemes):
        raise StudyError(f"{key}: expected distinct schemes, got {show(v)}")
    return schemes


def _toml_default(value: Any) -> Any:
    """A classifier default as a study value (a pair is a TOML list)."""
    return list(value) if isinstance(value, tuple) else value


class StudyKeyRenamed(FutureWarning):
    """A study uses an old key name (see :data:`RENAMED`); it is read under its new name."""


#: Old keys met while a study is parsed, said once it is read (at their line of the file).
_RENAMES: contextvars.ContextVar[list[tuple[str, str]] | None] = contextvars.ContextVar(
    "study_renames", default=None)


def _renamed(old: str, new: str) -> None:
    pending = _RENAMES.get()
    if pending is not None:
        pending.append((old, new))
    else:
        _warn_renamed(old, new, None)


def _warn_renamed(old: str, new: str, path: Path | None) -> None:
    message = (f"{old}: renamed {new} (the NeuCubeClassifier parameter of that name); read as "
               f"{new}. Rename the key in the study file: the old name will stop working in a "
               "future version.")
    if path is None or not path.is_file():
        warnings.warn(message, StudyKeyRenamed, stacklevel=3)
        return
    grid = old.startswith("search.grid.")  # a grid key may be written dotted or in a table
    spellings = [old.removeprefix("search.grid."), old.rsplit(".", 1)[-1]] if grid \
        else [old.split(".", 1)[1]]
    lines = path.read_text(encoding="utf-8").splitlines()
    found = (i for key in spellings for i, line in enumerate(lines, start=1)
             if re.match(rf'^\s*"?{re.escape(key)}"?\s*=', line))
    lineno = next(found, 1)
    warnings.warn_explicit(message, StudyKeyRenamed, str(path), lineno)


def _field(spec: ParamSpec) -> Field:
    """The study key of a declared estimator parameter: its check, default and doc."""
    return Field(f.from_spec(spec), _toml_default(spec.default), spec.doc)


def _model_fields(section: str) -> dict[str, Field]:
    """The study keys of a model section: the estimator's parameters declared for it."""
    return {name: _field(spec) for name, spec in MODEL_PARAMS.items() if spec.section == section}


#: Study keys of the model sections and the NeuCubeClassifier parameter each sets (a
#: ``[study] preset`` fills the ones a study does not give).
MODEL_KEYS: dict[str, str] = {f"{spec.section}.{name}": name
                              for name, spec in MODEL_PARAMS.items() if spec.section}
#: ``encoder.window``: the moving-window encoder's own parameter (not the classifier's).
_WINDOW = describe(MovingWindowEncoder)["window"]


def _baseline(key: str, v: Any) -> list[float]:
    if (not isinstance(v, list) or len(v) != 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
            or not v[0] <= v[1]):
        raise StudyError(
            f"{key}: expected a window [start, stop] in seconds with start <= stop, got {show(v)}"
        )
    return [float(v[0]), float(v[1])]


#: Sections and their keys. ``data`` and ``events`` are special (see :mod:`neucube_study.sources`).
SECTIONS: dict[str, dict[str, Field]] = {
    "study": {
        "name": Field(folder_name, doc="short name, used for the default output folder"),
        "description": Field(f.string, "", "what the study asks"),
        "seed": Field(f.limited("seed"), 0, "seed of every random choice (overridden by --seed)"),
        "preset": Field(f.choice(*PRESETS), "default",
            "model settings that [encoder], [cube], [stdp] and [readout] keys not given take: "
            "neucube's defaults, or 'published' (NeuCube's 2014 software)"),
        "data_root": Field(f.string, "",
                           'folder "${data_root}" stands for in paths, relative to the study '
                           "file (may be outside its folder); $NEUCUBE_DATA replaces it"),
    },
    "preprocessing": {
        "preset": Field(f.optional(f.choice(*PREPROCESSING_PRESETS)), None,
                        'settings for a data type ("erp"); keys given here override it'),
        "tmin": Field(f.optional(f.number()), None, "trial start in s relative to the event"),
        "tmax": Field(f.optional(f.number()), None, "trial end in s relative to the event"),
        "baseline": Field(f.optional(_baseline), None, "baseline window [start, stop] in s"),
        "l_freq": Field(f.optional(f.number(0, strict=True)), None, "high-pass edge in Hz"),
        "h_freq": Field(f.optional(f.number(0, strict=True)), None, "low-pass edge in Hz"),
        "resample": Field(f.optional(f.number(0, strict=True)), None, "new sampling rate in Hz"),
        "upsample": Field(f.optional(f.integer(1)), None,
            "interpolate each trial onto a grid this many times finer (short trials, e.g. fMRI "
            "blocks)"),
        "upsample_kind": Field(f.optional(f.choice(*INTERPOLATIONS)), None,
            "interpolant of upsample (default: neucube.preprocessing.preprocess's)"),
        "reject_uv": Field(f.optional(f.number(0, strict=True)), None,
                           "drop trials with a larger peak-to-peak amplitude "
                           "(uV; marker_csv: file units)"),
        "channels": Field(f.list_of(f.string), [], "channels to keep (default: all)"),
    },
    "encoder": {
        **_model_fields("encoder"),
        "window": _field(_WINDOW),
        "compare": Field(f.list_of(f.choice(*ENCODERS)), list(ENCODERS),
            "encoders compared in the encoding report"),
    },
    "cube": _model_fields("cube"),
    "stdp": _model_fields("stdp"),
    "readout": _model_fields("readout"),
    "evaluation": {
        "scheme": Field(_schemes, ["stratified"],
            "cross-validation scheme(s), e.g. [\"per_subject\", \"stratified\"]; the first is "
            "the headline"),
        "n_splits": Field(f.limited("n_splits"), 5, "folds of the stratified schemes"),
        "n_seeds": Field(f.limited("n_seeds"), 1, "repetitions with seeds seed, seed+1, ..."),
        "baselines": Field(f.list_of(f.choice(*BASELINES)), list(BASELINES),
            "standard classifiers on the same folds (each one that does not apply to the data is "
            "skipped with the reason)"),
        "control": Field(f.boolean, True, "also run with shuffled labels (must be at chance)"),
        "ablations": Field(f.list_of(f.choice(*ABLATIONS)), list(ABLATIONS),
            "ablation controls on the same folds: encoder_only (the readout on the input spikes, "
            "no cube), no_stdp (the cube without STDP)"),
        "early_prediction": Field(f.boolean, True,
            "accuracy from the first part of each test trial (deSNN)"),
        "importance": Field(f.boolean, False,
            "what the model used: channel x time permutation importance of the model and every "
            "model's early prediction on the same prefixes, on the test folds of the first "
            "scheme and seed (costs about n_channels x 9 + 20 extra classifications of every "
            "trial)"),
        "n_jobs": Field(f.optional(f.limited("n_jobs")), None,
            "parallel fits (default: every core this process may use; overridden by --n-jobs)"),
    },
    "figures": {
        "enabled": Field(f.boolean, True, "write figures and graph exports of the final model"),
        "formats": Field(f.list_of(f.choice(*FIGURE_FORMATS), min_len=1), list(FIGURE_FORMATS),
            "static figure formats"),
        "threshold": Field(
            f.any_of(f.number(0), f.percentile,
                     expected="a |w| >= 0 or a percentile such as \"97.5%\""),
            CUBE_PLOT_THRESHOLD,
            "connections drawn in the cube figures: |w| at or above this number, or above this "
            "percentile of each panel's |w| (default: the strongest 2.5%; calibrated weights are "
            "scaled per dataset, so a fixed number can draw nothing)"),
        "windows": Field(f.list_of(f.window), [],
            "time windows [start, stop] in s for per-class connectivity"),
        "contrast": Field(f.list_of(f.string), [],
            "two classes [a, b] for the a-minus-b figures (default: the first two)"),
        "graph_formats": Field(f.list_of(f.choice(*GRAPH_FORMATS)), list(GRAPH_FORMATS),
            "feature interaction network exports"),
        "dpi": Field(f.limited("dpi"), 300.0, "PNG resolution"),
    },
    "search": {
        "method": Field(f.choice("grid", "random"), "grid", "GridSearchCV or RandomizedSearchCV"),
        "n_iter": Field(f.limited("n_iter"), 10, "settings drawn by the random search"),
        "inner_splits": Field(f.limited("inner_splits"), 3,
            "folds of the inner search (training trials only)"),
        "scoring": Field(f.choice("accuracy", "balanced_accuracy", "roc_auc"), "balanced_accuracy",
            "what the inner search maximises"),
        "grid": Field(lambda k, v: _search_grid(k, v), {},
            "parameter = [values] (or a distribution for random search)"),
    },
    "output": {
        "dir": Field(f.string, "",
                     "results folder (relative to the study file, inside its folder; or "
                     "absolute); default results/<name>"),
    },
}

def model_params(config: Mapping[str, Any]) -> dict[str, Any]:
    """The NeuCubeClassifier parameters a study's model sections set (pairs as tuples)."""
    out: dict[str, Any] = {}
    for name in MODEL_KEYS.values():
        spec = MODEL_PARAMS[name]
        value = copy.deepcopy(config[spec.section][name])
        out[name] = tuple(value) if spec.kind == "number_or_pair" and isinstance(value, list) \
            else value
    return out


def make_model(config: Mapping[str, Any], *, seed: int) -> NeuCubeClassifier:
    """The study's NeuCube model: its model sections as parameters, the study seed as its own."""
    params = model_params(config)
    enc = config["encoder"]
    if params["encoder"] == "moving_window" and enc["window"] != _WINDOW.default:
        # The window length is the moving-window encoder's own parameter, not the classifier's.
        params["encoder"] = MovingWindowEncoder(threshold=params["encoder_threshold"],
                                                window=enc["window"])
    return NeuCubeClassifier(**params, random_state=seed)


_DISTRIBUTIONS = ("uniform", "loguniform", "randint")


def _flatten(prefix: str, table: Mapping[str, Any]) -> dict[str, Any]:
    """``{"encoder": {"alpha": [...]}}`` (unquoted dotted keys) -> ``{"encoder.alpha": [...]}``."""
    out: dict[str, Any] = {}
    for k, v in table.items():
        name = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, Mapping) and "distribution" not in v:
            out.update(_flatten(name, v))
        else:
            out[name] = v
    return out


def _distribution(key: str, v: Mapping[str, Any]) -> dict[str, Any]:
    kind = f.choice(*_DISTRIBUTIONS)(f"{key}.distribution", v.get("distribution"))
    extra = set(v) - {"distribution", "low", "high"}
    if extra:
        raise StudyError(f"{key}.{sorted(extra)[0]}: unknown key; expected distribution, low, high")
    check = f.integer() if kind == "randint" else f.number(0, strict=(kind == "loguniform"))
    low = check(f"{key}.low", v.get("low"))
    high = check(f"{key}.high", v.get("high"))
    if not low < high:
        raise StudyError(f"{key}: expected low < high, got low = {low!r}, high = {high!r}")
    return {"distribution": kind, "low": low, "high": high}


def grid_param(name: str, where: str = "search.grid") -> str:
    """The parameter a ``[search.grid]`` key names.

    E.g. ``stdp_rate``, ``stdp.stdp_rate`` or ``stdp.rate``.

    Raises
    ------
    StudyError
        If it names no searchable parameter (``where`` is the key path in the message).
    """
    if name in RENAMED:
        _renamed(where, f"{where.rsplit('.', 2)[0]}.{RENAMED[name].split('.')[1]}")
        name = RENAMED[name]
    param = MODEL_KEYS.get(name, name)  # "stdp.stdp_rate" or "stdp_rate"
    if param not in MODEL_PARAMS or not MODEL_PARAMS[param].searchable:
        names = ", ".join(n for n, spec in MODEL_PARAMS.items() if spec.searchable)
        raise StudyError(f"{where}: not a searchable parameter; expected one of {names}")
    return param


def _search_grid(key: str, v: Any) -> dict[str, Any]:
    grid = _flatten("", f.table(key, v))
    out: dict[str, Any] = {}
    for name, values in grid.items():
        where = f"{key}.{name}"
        param = grid_param(name, where)
        if param in out:
            raise StudyError(f"{where}: {param} is already in the grid under another name")
        spec = MODEL_PARAMS[param]
        check = SECTIONS[spec.section][param].check
        name = param
        if isinstance(values, Mapping):
            out[name] = _distribution(where, values)
            for end in ("low", "high"):  # a distribution stays inside the key's own range
                check(f"{where}.{end}", out[name][end])
        elif isinstance(values, list) and values:
            out[name] = [check(f"{where}[{i}]", x) for i, x in enumerate(values)]
        else:
            raise StudyError(f"{where}: expected a non-empty list of values or a distribution "
                             f"{{ distribution = \"uniform\", low = ..., high = ... }}, got "
                             f"{show(values)}")
    return out


# --------------------------------------------------------------------------- data section
def _check_data(section: Any, ctx: PathContext, data: str | Path | None) -> dict[str, Any]:
    if not isinstance(section, Mapping):
        raise StudyError(f"data: expected a table, got {show(section)}")
    raw = dict(section)
    if "source" not in raw:
        raise StudyError(
            f"data.source: expected one of {', '.join(map(show, DATA_SOURCES))}, but the key is "
            "missing"
        )
    source = f.choice(*DATA_SOURCES)("data.source", raw.pop("source"))
    if data is not None:
        source, raw = retarget(source, raw, data)
    spec = SOURCES[source]
    for key in raw:
        if key not in spec.fields:
            raise StudyError(
                f"data.{key}: unknown argument for source {show(source)}; expected one of "
                f"{', '.join(spec.fields)}"
            )
    args: dict[str, Any] = {}
    for key, fld in spec.fields.items():
        where = f"data.{key}"
        if key not in raw:
            if fld.required:
                raise StudyError(
                    f"{where}: expected a value ({fld.doc}) for source {show(source)}, but the key "
                    "is missing"
                )
            if fld.default is not None:
                args[key] = copy.deepcopy(fld.default)
            continue
        value = fld.check(where, raw[key])
        if fld.path is not None:
            if isinstance(value, list):
                value = [v if v in fld.keywords
                         else resolve_path(f"{where}[{i}]", v, ctx, kind=fld.path)
                         for i, v in enumerate(value)]
            elif isinstance(value, str) and value not in fld.keywords:
                value = resolve_path(where, value, ctx, kind=fld.path)
        args[key] = value
    if source == "fmri" and ("events" in args) == ("labels" in args):
        raise StudyError("data: the fmri source needs exactly one of data.events "
                         "(BIDS events.tsv) and data.labels (per-volume labels)")
    return {"source": source, "args": args}


def _check_consistency(config: dict[str, Any], raw: Mapping[str, Any]) -> None:
    pre = config["preprocessing"]
    if pre["l_freq"] is not None and pre["h_freq"] is not None and pre["l_freq"] >= pre["h_freq"]:
        raise StudyError(f"preprocessing.l_freq: expected a value below preprocessing.h_freq = "
                         f"{pre['h_freq']:g}, got {pre['l_freq']:g}")
    if pre["tmin"] is not None and pre["tmax"] is not None and pre["tmin"] >= pre["tmax"]:
        raise StudyError(f"preprocessing.tmin: expected a value below preprocessing.tmax = "
                         f"{pre['tmax']:g}, got {pre['tmin']:g}")
    contrast = config["figures"]["contrast"]
    if contrast:
        if len(contrast) != 2 or contrast[0] == contrast[1]:
            raise StudyError(
                f"figures.contrast: expected two different class names [a, b], got {show(contrast)}"
            )
        if config["events"] is not None:
            for i, c in enumerate(contrast):
                if c not in config["events"]:
                    raise StudyError(f"figures.contrast[{i}]: expected a class of [events] "
                                     f"({', '.join(config['events'])}), got {show(c)}")
    cube = config["cube"]
    if cube["template"] == "brain":  # bounded before anything is loaded or built
        try:
            check_neuron_count(estimated_brain_neurons(cube["spacing_mm"]),
                               cause=f"cube.spacing_mm = {cube['spacing_mm']:g}")
        except ValueError as exc:
            raise StudyError(f"cube.spacing_mm: {exc}") from None
    if config["search"]["method"] == "grid":  # named as the study wrote them
        for name, values in _flatten("", raw.get("search", {}).get("grid", {})).items():
            if isinstance(values, Mapping):
                raise StudyError(
                    f"search.grid.{name}: a distribution needs search.method = \"random\""
                )


# --------------------------------------------------------------------------- TOML writing
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(name: str) -> str:
    return name if _BARE_KEY.match(name) else json.dumps(name)


def _toml_value(value: Any, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))  # "inf"/"nan" are valid TOML floats; JSON's are not
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are valid TOML basic-string escapes
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v, where) for v in value) + "]"
    if isinstance(value, Mapping):
        items = [f"{_toml_key(str(k))} = {_toml_value(v, where)}" for k, v in value.items()
                 if v is not None]
        return "{ " + ", ".join(items) + " }" if items else "{}"
    raise TypeError(f"{where}: cannot write {type(value).__name__} {value!r} to TOML.")


def write_toml(sections: Mapping[str, Mapping[str, Any] | None], header: str = "") -> str:
    """TOML text of ``{section: {key: value}}`` in the given order, with ``header`` as comments.

    Sections and keys whose value is None are left out (TOML has no null). A value TOML cannot
    hold raises TypeError naming ``section.key``.
    """
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    if lines:
        lines.append("")
    for section, values in sections.items():
        if values is None:
            continue
        lines.append(f"[{section}]")
        for key, value in values.items():
            if value is not None:
                lines.append(f"{_toml_key(str(key))} = "
                             f"{_toml_value(value, f'{section}.{key}')}")
        lines.append("")
    return "\n".join(lines)


def to_toml(config: Mapping[str, Any]) -> str:
    """A validated configuration as TOML (keys whose value is None are left out)."""
    sections = dict(config)
    if sections.get("data") is not None:
        data = sections["data"]
        sections["data"] = {"source": data["source"], **data["args"]}
    return write_toml(sections)


# --------------------------------------------------------------------------- the study
@dataclass(frozen=True)
class Study:
    """A validated study: every section with defaults filled in, paths resolved.

    Attributes
    ----------
    path : Path or None
        The study file (``None`` for a study given as a mapping).
    config : dict
        Validated sections. ``config["data"]`` is ``{"source": ..., "args": {...}}``;
        ``config["evaluation"]["scheme"]`` is a list of schemes; ``config["events"]`` is
        ``None`` or ``{class: [codes]}``.
    raw : mapping or None
        The study as parsed from TOML (for re-validating with ``--data``).
    """

    path: Path | None
    config: dict[str, Any] = field(repr=False)
    raw: Mapping[str, Any] | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.config["study"]["name"]

    @property
    def seed(self) -> int:
        return self.config["study"]["seed"]

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()

    @property
    def schemes(self) -> list[str]:
        """The evaluation schemes; the first is the headline of ``metrics.json``."""
        return list(self.config["evaluation"]["scheme"])

    def output_dir(self) -> Path:
        """The results folder named by ``output.dir``, or ``results/<name>`` beside the study."""
        out = self.config["output"]["dir"] or f"results/{self.name}"
        return (self.base_dir / out).resolve()

    def with_overrides(self, *, seed: int | None = None, data: str | Path | None = None) -> Study:
        """Return a copy with command-line overrides applied (``--seed``, ``--data``)."""
        study = self
        if data is not None:
            if self.raw is None:
                raise StudyError("--data: this study was not parsed from a file or mapping; "
                                 "use parse_study(raw, data=...)")
            study = parse_study(self.raw, path=self.path, data=data)
        config = copy.deepcopy(study.config)
        if seed is not None:
            config["study"]["seed"] = f.limited("seed")("--seed", seed)
        return Study(study.path, config, study.raw)

    def to_toml(self) -> str:
        """The resolved study as TOML, so a results folder records exactly what ran."""
        return to_toml(self.config)

    def digest(self) -> str:
        """SHA-256 of the resolved configuration (stable key order), for provenance."""
        blob = json.dumps(self.config, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()


def _check_section(section: str, values: Any, fields: dict[str, Field]) -> dict[str, Any]:
    if not isinstance(values, Mapping):
        raise StudyError(f"{section}: expected a table, got {show(values)}")
    written = {}  # key -> the key as the study wrote it (an old name is read as the new one)
    for key in values:
        new = RENAMED.get(f"{section}.{key}", f"{section}.{key}").split(".", 1)[1]
        if new not in fields:
            raise StudyError(f"{section}.{key}: unknown key; expected one of {', '.join(fields)}")
        if new in written:
            raise StudyError(f"{section}.{key}: given twice, as {section}.{written[new]} and "
                             f"{section}.{key}; keep {section}.{new} ({section}."
                             f"{key if new != key else written[new]} is its old name)")
        if new != key:
            _renamed(f"{section}.{key}", f"{section}.{new}")
        written[new] = key
    out = {}
    for key, spec in fields.items():
        if key in written:
            out[key] = spec.check(f"{section}.{written[key]}", values[written[key]])
        elif spec.required:
            raise StudyError(
                f"{section}.{key}: expected a value ({spec.doc}), but the key is missing"
            )
        else:
            out[key] = copy.deepcopy(spec.default)
    return out


def parse_study(
    raw: Mapping[str, Any], *, path: Path | None = None, data: str | Path | None = None
) -> Study:
    """Validate a study given as a mapping (the parsed TOML).

    Parameters
    ----------
    raw : mapping
        The study's sections.
    path : Path, optional
        The study file; relative paths are read from its folder (default: the current folder).
    data : path-like, optional
        ``--data``: recordings that replace the study's own data (see
        :func:`neucube_study.retarget.retarget`).

    Returns
    -------
    Study

    Raises
    ------
    StudyError
        Naming the key path, what was expected and what was found.
    """
    base = path.parent if path is not None else Path.cwd()
    if not isinstance(raw, Mapping) or not raw:
        raise StudyError(
            f"{path or 'study'}: expected a study with at least [study] and [data] tables, got an "
            "empty file"
        )
    known = set(SECTIONS) | {"data", "events"}
    for section in raw:
        if section not in known:
            raise StudyError(
                f"{section}: unknown section; expected one of {', '.join(sorted(known))}"
            )
    config: dict[str, Any] = {}
    renames = _RENAMES.set([])
    try:
        for section, fields in SECTIONS.items():
            config[section] = _check_section(section, raw.get(section, {}), fields)
    finally:
        for old, new in _RENAMES.get():
            _warn_renamed(old, new, path)
        _RENAMES.reset(renames)
    # [events] is the class mapping itself: class name = event code(s) or description(s).
    pre, given = config["preprocessing"], raw.get("preprocessing", {})
    for key, value in PREPROCESSING_PRESETS.get(pre["preset"], {}).items():
        if key not in given:
            pre[key] = copy.deepcopy(value)
    preset = PRESETS[config["study"]["preset"]]
    for name, param in MODEL_KEYS.items():
        section = name.split(".")[0]
        given = {RENAMED.get(f"{section}.{k}", f"{section}.{k}") for k in raw.get(section, {})}
        if name not in given and param in preset:
            config[section][param] = copy.deepcopy(_toml_default(preset[param]))
    config["events"] = _event_mapping("events", raw["events"]) if "events" in raw else None
    if "data" not in raw:
        raise StudyError("data: expected a [data] table naming the data source, but it is missing")
    ctx = PathContext.for_study(base, config["study"]["data_root"] or None)
    check_output_dir("output.dir", config["output"]["dir"], base)
    config["data"] = _check_data(raw["data"], ctx, data)
    _check_consistency(config, raw)
    return Study(path, config, copy.deepcopy(dict(raw)))


def load_study(path: str | Path, *, data: str | Path | None = None) -> Study:
    """Read and validate a TOML study file.

    Parameters
    ----------
    path : path-like
        The study file.
    data : path-like, optional
        ``--data``: recordings to analyse instead of the study's own data.

    Raises
    ------
    StudyError
        If the file is missing, not TOML, or any key is unknown or invalid.
    """
    path = Path(path).resolve()
    if path.exists() and not path.is_file():
        found = "a folder" if path.is_dir() else "a named pipe, socket or device"
        raise StudyError(f"{path}: expected a study file (.toml); found {found}")
    if not path.is_file():
        raise StudyError(f"{path}: expected a study file (.toml), but it does not exist")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StudyError(f"{path}: expected valid TOML; {exc}") from exc
    return parse_study(raw, path=path, data=data)
