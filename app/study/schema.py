"""The study file schema: parse a TOML study, validate every key, fill defaults, resolve paths.

A study is the unit a researcher reproduces: data source, event mapping, preprocessing, encoder,
cube, STDP, readout, evaluation, figures, parameter search and output, in one TOML file. Every
problem is reported with its key path and what was expected, for example::

    encoder.alpha: expected a number >= 0, got "half"
    cube.spacing_mm: expected a positive number, got "ten"

Paths are resolved relative to the study file's folder and must stay inside it; data elsewhere
is named by an absolute path or through ``${data_root}`` (see :mod:`app.study.paths`).

Sections (see :data:`SECTIONS` for every key, its default and meaning):

``[study]`` name, description, seed, data_root · ``[data]`` the source and its arguments (see
:mod:`app.study.sources`) · ``[events]`` class name = event codes or descriptions ·
``[preprocessing]`` · ``[encoder]`` · ``[cube]`` · ``[stdp]`` · ``[readout]`` ·
``[evaluation]`` · ``[figures]`` · ``[search]`` (``neucube search``) · ``[output]``.
"""

from __future__ import annotations

import copy
import hashlib
import json
import numbers
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.study import _fields as f
from app.study._fields import Field, StudyError, show
from app.study.paths import PathContext, check_output_dir, folder_name, resolve_path
from app.study.sources import SOURCES, retarget
from neucube.defaults import DEFAULTS, PRESETS
from neucube.limits import check_neuron_count, estimated_brain_neurons
from neucube.presets import PREPROCESSING_PRESETS

__all__ = [
    "StudyError",
    "Study",
    "load_study",
    "parse_study",
    "DATA_SOURCES",
    "SECTIONS",
    "PREPROCESSING_PRESETS",
    "SEARCHABLE",
    "SCHEMES",
    "to_toml",
    "write_toml",
]

ENCODERS = ("tbr", "step_forward", "moving_window", "bsa")
#: Named readouts of NeuCubeClassifier (its READOUTS; not imported so that parsing a study
#: does not import the simulator).
READOUTS = ("desnn", "state")
#: Baselines and ablation controls of neucube.evaluation (its BASELINES and ABLATIONS; not
#: imported so that parsing a study does not import scikit-learn, MNE and pyRiemann).
BASELINES = ("vectorizer_logreg", "channel_features_logreg", "window_means_logreg",
             "lda_window_means", "xdawn_tangent_logreg", "tangent_space_logreg", "riemann_mdm")
ABLATIONS = ("encoder_only", "no_stdp")
#: Cross-validation schemes (``evaluation.scheme`` takes one or a list of them).
SCHEMES = ("stratified", "loso", "per_subject")
FIGURE_FORMATS = ("svg", "pdf", "png")
GRAPH_FORMATS = ("graphml", "gexf", "csv")
#: The data sources a study may name in ``data.source``.
DATA_SOURCES = tuple(SOURCES)


def _threshold(key: str, v: Any) -> Any:
    if v == "auto":
        return v
    if isinstance(v, list):
        return [f.number(0, strict=True)(f"{key}[{i}]", x) for i, x in enumerate(v)]
    return f.number(0, strict=True)(key, v)


def _pair(key: str, v: Any) -> list[float]:
    if not isinstance(v, list) or len(v) != 2:
        raise StudyError(f"{key}: expected a pair [A+, A-], got {show(v)}")
    return [f.number(0)(f"{key}[0]", v[0]), f.number(0)(f"{key}[1]", v[1])]


def _event_mapping(key: str, v: Any) -> dict[str, list[int | str]]:
    if not isinstance(v, Mapping) or not v:
        raise StudyError(f"{key}: expected a table of class = [codes], got {show(v)}")
    out: dict[str, list[int | str]] = {}
    for name, codes in v.items():
        codes = codes if isinstance(codes, list) else [codes]
        if not codes:
            raise StudyError(f"{key}.{name}: expected at least one event code or description, got []")
        for i, c in enumerate(codes):
            if isinstance(c, bool) or not isinstance(c, int | str):
                raise StudyError(f"{key}.{name}[{i}]: expected an event code (int) or description (str), got {show(c)}")
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


#: Study keys of the model sections and the NeuCubeClassifier parameter each sets (a
#: ``[study] preset`` fills the ones a study does not give).
MODEL_KEYS: dict[str, str] = {
    "encoder.kind": "encoder", "encoder.alpha": "encoder_alpha",
    "cube.threshold": "threshold", "cube.leak": "leak", "cube.refractory": "refractory",
    "cube.weight_scale": "weight_scale", "cube.target_activity": "target_activity",
    "stdp.rate": "stdp_rate", "stdp.tau": "tau_stdp", "stdp.n_rounds": "n_rounds",
    "stdp.bound": "stdp_bound", "stdp.homeostasis": "homeostasis",
    "readout.kind": "readout", "readout.mod": "mod", "readout.drift_up": "drift_up",
    "readout.drift_down": "drift_down", "readout.recall": "recall", "readout.k": "k",
    "readout.sigma": "sigma", "readout.c": "c", "readout.n_bins": "n_bins",
    "readout.state_c": "state_c",
}


def _baseline(key: str, v: Any) -> list[float]:
    if (not isinstance(v, list) or len(v) != 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in v)
            or not v[0] <= v[1]):
        raise StudyError(f"{key}: expected a window [start, stop] in seconds with start <= stop, got {show(v)}")
    return [float(v[0]), float(v[1])]


#: Sections and their keys. ``data`` and ``events`` are special (see :mod:`app.study.sources`).
SECTIONS: dict[str, dict[str, Field]] = {
    "study": {
        "name": Field(folder_name, doc="short name, used for the default output folder"),
        "description": Field(f.string, "", "what the study asks"),
        "seed": Field(f.limited("seed"), 0, "seed of every random choice (overridden by --seed)"),
        "preset": Field(f.choice(*PRESETS), "default", "model settings that [encoder], [cube], [stdp] and [readout] keys not given take: neucube's defaults, or 'published' (NeuCube's 2014 software)"),
        "data_root": Field(f.string, "", 'folder "${data_root}" stands for in paths, relative to the study '
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
        "reject_uv": Field(f.optional(f.number(0, strict=True)), None,
                           "drop trials with a larger peak-to-peak amplitude (uV; marker_csv: file units)"),
        "channels": Field(f.list_of(f.string), [], "channels to keep (default: all)"),
    },
    "encoder": {
        "kind": Field(f.choice(*ENCODERS), DEFAULTS["encoder"], "spike encoder"),
        "threshold": Field(f.optional(_threshold), None, "None (data-driven rule), 'auto' (SNR search), a number or per-channel list"),
        "alpha": Field(f.number(0), DEFAULTS["encoder_alpha"], "TBR: threshold = mean|dx| + alpha * std|dx|"),
        "window": Field(f.limited("window"), 5, "moving-window length in samples"),
        "compare": Field(f.list_of(f.choice(*ENCODERS)), list(ENCODERS), "encoders compared in the encoding report"),
    },
    "cube": {
        "template": Field(f.choice("brain", "grid"), "brain", "neuron positions: MNI152 brain or a grid spanning the channels"),
        "spacing_mm": Field(f.limited("spacing_mm"), 10.0, "template spacing in mm"),
        "radius": Field(f.limited("radius"), 2.5, "connection radius in multiples of the spacing"),
        "connectivity": Field(f.choice("small_world", "gaussian"), "small_world", "connection rule"),
        "threshold": Field(f.number(0, strict=True), DEFAULTS["threshold"], "firing threshold"),
        "leak": Field(f.number(0), DEFAULTS["leak"], "leak per step"),
        "refractory": Field(f.limited("refractory"), DEFAULTS["refractory"], "refractory period in steps"),
        "weight_scale": Field(f.any_of(f.choice("auto"), f.number(0, strict=True), expected="'auto' or a number > 0"), DEFAULTS["weight_scale"], "factor on every initial weight ('auto': calibrated on the training trials to target_activity)"),
        "target_activity": Field(f.number(0, strict=True, high=0.999), DEFAULTS["target_activity"], "share of non-input neurons firing per trial that weight_scale = 'auto' and homeostasis aim at"),
        "neuron_model": Field(f.choice("slif", "lif"), "slif", "NeuCube SLIF or exponential LIF"),
        "backend": Field(f.choice("cpp_standalone", "cython", "numpy", "reference"), "cpp_standalone", "simulator"),
    },
    "stdp": {
        "rate": Field(f.any_of(f.number(0), _pair, expected="a number >= 0 or a pair [A+, A-] of numbers >= 0"), _toml_default(DEFAULTS["stdp_rate"]), "STDP amplitude A+ = A-, or [A+, A-]"),
        "tau": Field(f.limited("tau_stdp"), DEFAULTS["tau_stdp"], "STDP time constant in steps"),
        "n_rounds": Field(f.limited("n_rounds"), DEFAULTS["n_rounds"], "STDP passes over the training trials (0: no learning)"),
        "bound": Field(f.choice("hard", "soft"), DEFAULTS["stdp_bound"], "hard: additive STDP clipped at the weight limit (NeuCube); soft: weight-dependent changes that vanish at the bounds"),
        "homeostasis": Field(f.boolean, DEFAULTS["homeostasis"], "rescale the weights to target_activity after each STDP round"),
    },
    "readout": {
        "kind": Field(f.choice(*READOUTS), DEFAULTS["readout"], "readout classifier: deSNN, or 'state' (logistic regression on time-binned spike counts)"),
        "mod": Field(f.number(0, strict=True, high=1.0), DEFAULTS["mod"], "deSNN rank-order modulation, in (0, 1]"),
        "drift_up": Field(f.number(0), DEFAULTS["drift_up"], "deSNN weight increase per later spike"),
        "drift_down": Field(f.number(0), DEFAULTS["drift_down"], "deSNN weight decrease per silent step"),
        "recall": Field(f.choice("wknn", "psp"), DEFAULTS["recall"], "deSNN recall"),
        "k": Field(f.limited("k"), DEFAULTS["k"], "wknn neighbours"),
        "sigma": Field(f.number(0, strict=True), DEFAULTS["sigma"], "wknn kernel width"),
        "c": Field(f.number(0, strict=True, high=1.0), DEFAULTS["c"], "psp firing fraction"),
        "n_bins": Field(f.limited("n_bins"), DEFAULTS["n_bins"], "state readout: time bins per trial"),
        "state_c": Field(f.any_of(f.choice("auto"), f.number(0, strict=True), expected="'auto' or a number > 0"), DEFAULTS["state_c"], "state readout: inverse L2 penalty ('auto': inner CV on the training trials)"),
    },
    "evaluation": {
        "scheme": Field(_schemes, ["stratified"], "cross-validation scheme(s), e.g. [\"per_subject\", \"stratified\"]; the first is the headline"),
        "n_splits": Field(f.limited("n_splits"), 5, "folds of the stratified schemes"),
        "n_seeds": Field(f.limited("n_seeds"), 1, "repetitions with seeds seed, seed+1, ..."),
        "baselines": Field(f.list_of(f.choice(*BASELINES)), list(BASELINES), "standard classifiers on the same folds (each one that does not apply to the data is skipped with the reason)"),
        "control": Field(f.boolean, True, "also run with shuffled labels (must be at chance)"),
        "ablations": Field(f.list_of(f.choice(*ABLATIONS)), list(ABLATIONS), "ablation controls on the same folds: encoder_only (the readout on the input spikes, no cube), no_stdp (the cube without STDP)"),
        "early_prediction": Field(f.boolean, True, "accuracy from the first part of each test trial (deSNN)"),
        "importance": Field(f.boolean, False, "what the model used: channel x time permutation importance of the model and every model's early prediction on the same prefixes, on the test folds of the first scheme and seed (costs about n_channels x 9 + 20 extra classifications of every trial)"),
        "n_jobs": Field(f.optional(f.limited("n_jobs")), None, "parallel fits (default: every core this process may use; overridden by --n-jobs)"),
    },
    "figures": {
        "enabled": Field(f.boolean, True, "write figures and graph exports of the final model"),
        "formats": Field(f.list_of(f.choice(*FIGURE_FORMATS), min_len=1), list(FIGURE_FORMATS), "static figure formats"),
        "threshold": Field(f.number(0), 0.08, "|w| threshold of the connection plots"),
        "windows": Field(f.list_of(f.window), [], "time windows [start, stop] in s for per-class connectivity"),
        "contrast": Field(f.list_of(f.string), [], "two classes [a, b] for the a-minus-b figures (default: the first two)"),
        "graph_formats": Field(f.list_of(f.choice(*GRAPH_FORMATS)), list(GRAPH_FORMATS), "feature interaction network exports"),
        "dpi": Field(f.limited("dpi"), 300.0, "PNG resolution"),
    },
    "search": {
        "method": Field(f.choice("grid", "random"), "grid", "GridSearchCV or RandomizedSearchCV"),
        "n_iter": Field(f.limited("n_iter"), 10, "settings drawn by the random search"),
        "inner_splits": Field(f.limited("inner_splits"), 3, "folds of the inner search (training trials only)"),
        "scoring": Field(f.choice("accuracy", "balanced_accuracy", "roc_auc"), "balanced_accuracy", "what the inner search maximises"),
        "grid": Field(lambda k, v: _search_grid(k, v), {}, "parameter = [values] (or a distribution for random search)"),
    },
    "output": {
        "dir": Field(f.string, "", "results folder (relative to the study file, inside its folder; or "
                     "absolute); default results/<name>"),
    },
}

#: Study keys ``[search.grid]`` may tune, and the NeuCubeClassifier parameter each sets.
SEARCHABLE: dict[str, str] = {
    "encoder.kind": "encoder",
    "encoder.threshold": "encoder_threshold",
    "encoder.alpha": "encoder_alpha",
    "cube.spacing_mm": "spacing_mm",
    "cube.radius": "radius",
    "cube.threshold": "threshold",
    "cube.leak": "leak",
    "stdp.rate": "stdp_rate",
    "stdp.tau": "tau_stdp",
    "stdp.n_rounds": "n_rounds",
    "readout.mod": "mod",
    "readout.drift_up": "drift_up",
    "readout.drift_down": "drift_down",
    "readout.k": "k",
    "readout.sigma": "sigma",
    "readout.kind": "readout",
    "readout.n_bins": "n_bins",
    "readout.state_c": "state_c",
}
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


def _search_grid(key: str, v: Any) -> dict[str, Any]:
    grid = _flatten("", f.table(key, v))
    out: dict[str, Any] = {}
    for name, values in grid.items():
        where = f"{key}.{name}"
        if name not in SEARCHABLE:
            raise StudyError(f"{where}: not a searchable parameter; expected one of {', '.join(SEARCHABLE)}")
        section, item = name.split(".")
        check = SECTIONS[section][item].check
        if isinstance(values, Mapping):
            out[name] = _distribution(where, values)
            for end in ("low", "high"):  # a distribution stays inside the key's own range
                check(f"{where}.{end}", out[name][end])
        elif isinstance(values, list) and values:
            out[name] = [check(f"{where}[{i}]", x) for i, x in enumerate(values)]
        else:
            raise StudyError(f"{where}: expected a non-empty list of values or a distribution "
                             f"{{ distribution = \"uniform\", low = ..., high = ... }}, got {show(values)}")
    return out


# --------------------------------------------------------------------------- data section
def _check_data(section: Any, ctx: PathContext, data: str | Path | None) -> dict[str, Any]:
    if not isinstance(section, Mapping):
        raise StudyError(f"data: expected a table, got {show(section)}")
    raw = dict(section)
    if "source" not in raw:
        raise StudyError(f"data.source: expected one of {', '.join(map(show, DATA_SOURCES))}, but the key is missing")
    source = f.choice(*DATA_SOURCES)("data.source", raw.pop("source"))
    if data is not None:
        source, raw = retarget(source, raw, data)
    spec = SOURCES[source]
    for key in raw:
        if key not in spec.fields:
            raise StudyError(f"data.{key}: unknown argument for source {show(source)}; expected one of {', '.join(spec.fields)}")
    args: dict[str, Any] = {}
    for key, fld in spec.fields.items():
        where = f"data.{key}"
        if key not in raw:
            if fld.required:
                raise StudyError(f"{where}: expected a value ({fld.doc}) for source {show(source)}, but the key is missing")
            if fld.default is not None:
                args[key] = copy.deepcopy(fld.default)
            continue
        value = fld.check(where, raw[key])
        if fld.path is not None:
            if isinstance(value, list):
                value = [v if v in fld.keywords else resolve_path(f"{where}[{i}]", v, ctx, kind=fld.path)
                         for i, v in enumerate(value)]
            elif isinstance(value, str) and value not in fld.keywords:
                value = resolve_path(where, value, ctx, kind=fld.path)
        args[key] = value
    if source == "fmri" and ("events" in args) == ("labels" in args):
        raise StudyError("data: the fmri source needs exactly one of data.events (BIDS events.tsv) and "
                         "data.labels (per-volume labels)")
    return {"source": source, "args": args}


def _check_consistency(config: dict[str, Any]) -> None:
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
            raise StudyError(f"figures.contrast: expected two different class names [a, b], got {show(contrast)}")
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
    search = config["search"]
    if search["method"] == "grid":
        for name, values in search["grid"].items():
            if isinstance(values, Mapping):
                raise StudyError(f"search.grid.{name}: a distribution needs search.method = \"random\"")


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
    return out


def parse_study(raw: Mapping[str, Any], *, path: Path | None = None, data: str | Path | None = None) -> Study:
    """Validate a study given as a mapping (the parsed TOML).

    Parameters
    ----------
    raw : mapping
        The study's sections.
    path : Path, optional
        The study file; relative paths are read from its folder (default: the current folder).
    data : path-like, optional
        ``--data``: recordings that replace the study's own data (see
        :func:`app.study.sources.retarget`).

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
        raise StudyError(f"{path or 'study'}: expected a study with at least [study] and [data] tables, got an empty file")
    known = set(SECTIONS) | {"data", "events"}
    for section in raw:
        if section not in known:
            raise StudyError(f"{section}: unknown section; expected one of {', '.join(sorted(known))}")
    config: dict[str, Any] = {}
    for section, fields in SECTIONS.items():
        config[section] = _check_section(section, raw.get(section, {}), fields)
    # [events] is the class mapping itself: class name = event code(s) or description(s).
    pre, given = config["preprocessing"], raw.get("preprocessing", {})
    for key, value in PREPROCESSING_PRESETS.get(pre["preset"], {}).items():
        if key not in given:
            pre[key] = copy.deepcopy(value)
    preset = PRESETS[config["study"]["preset"]]
    for name, param in MODEL_KEYS.items():
        section, key = name.split(".")
        if key not in raw.get(section, {}):
            config[section][key] = copy.deepcopy(_toml_default(preset[param]))
    config["events"] = _event_mapping("events", raw["events"]) if "events" in raw else None
    if "data" not in raw:
        raise StudyError("data: expected a [data] table naming the data source, but it is missing")
    ctx = PathContext.for_study(base, config["study"]["data_root"] or None)
    check_output_dir("output.dir", config["output"]["dir"], base)
    config["data"] = _check_data(raw["data"], ctx, data)
    _check_consistency(config)
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
