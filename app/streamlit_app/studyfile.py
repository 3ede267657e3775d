"""The study file of an analysis made in the app, to re-run it with ``neucube run STUDY``.

A shipped study keeps its own file, with the app's choices written over its sections. An upload
becomes a study whose ``[data]`` section names the uploaded files by their bare names, so the
study file is placed next to the recordings. The text is checked with :func:`app.study.parse_study`
when possible; :func:`study_toml` reports the outcome so the page can say whether ``neucube run``
accepts it as it is.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from app.streamlit_app.datasets import Dataset
from app.streamlit_app.training import TrainSettings
from app.study.schema import write_toml

__all__ = ["study_config", "study_toml", "to_toml"]

_SECTION_ORDER = ("study", "data", "events", "preprocessing", "encoder", "cube", "stdp", "readout",
                  "evaluation", "output")


def to_toml(config: Mapping[str, Mapping[str, Any]], header: str = "") -> str:
    """TOML text of ``{section: {key: value}}``, sections in study order; ``None`` left out."""
    order = [s for s in _SECTION_ORDER if s in config] + [s for s in config
                                                         if s not in _SECTION_ORDER]
    return write_toml({section: config[section] for section in order}, header)


def _model_sections(s: TrainSettings) -> dict[str, dict[str, Any]]:
    return {
        "encoder": {"kind": s.encoder, "threshold": s.encoder_threshold,
                    "alpha": s.encoder_alpha},
        "cube": {"template": s.template, "spacing_mm": s.spacing_mm, "radius": s.radius,
                 "threshold": s.threshold, "leak": s.leak, "refractory": s.refractory},
        "stdp": {"rate": list(s.stdp_rate) if isinstance(s.stdp_rate, tuple | list)
                 else s.stdp_rate, "tau": s.tau_stdp, "n_rounds": s.n_rounds},
        "readout": {"kind": s.readout, "n_bins": s.n_bins, "state_c": s.state_c, "mod": s.mod,
                    "drift_up": s.drift_up, "drift_down": s.drift_down, "recall": s.recall,
                    "k": s.k, "sigma": s.sigma},
        "evaluation": {"scheme": s.scheme, "n_splits": s.n_splits, "n_seeds": s.n_seeds,
                       "baselines": list(s.baselines), "control": s.control},
    }


def _plain(value: Any) -> Any:
    """Loader arguments as TOML-able values (tuples to lists, None entries dropped)."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value if v is not None]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    return value


def study_config(dataset: Dataset, settings: TrainSettings) -> dict[str, dict[str, Any]]:
    """The study as ``{section: {key: value}}``: the dataset's source plus the app's settings."""
    if dataset.study is not None and dataset.study.path is not None:
        raw = tomllib.loads(Path(dataset.study.path).read_text(encoding="utf-8"))
        raw = {k: dict(v) for k, v in raw.items()}
        raw.setdefault("study", {})["seed"] = settings.seed
        data = raw.setdefault("data", {})
        if data.get("source") == "simulate" and "n_subjects" in dataset.loader_args:
            data["n_subjects"] = dataset.loader_args["n_subjects"]
        for section, values in _model_sections(settings).items():
            raw.setdefault(section, {}).update(values)
        return raw
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(dataset.files[0]).stem if dataset.files
                  else "study").strip("_") or "study"
    config: dict[str, dict[str, Any]] = {
        "study": {"name": name,
                  "description": f"Made with the neucube app from {', '.join(dataset.files)}.",
                  "seed": settings.seed},
        "data": {"source": dataset.source, **_plain(dataset.loader_args)},
    }
    if dataset.preprocessing:
        config["preprocessing"] = _plain(dataset.preprocessing)
    if dataset.events:
        config["events"] = {k: list(v) for k, v in dataset.events.items()}
    config.update(_model_sections(settings))
    return config


def study_toml(dataset: Dataset, settings: TrainSettings) -> tuple[str, str | None]:
    """The study file's text, and ``None`` if ``neucube run`` accepts it, else the reason.

    An upload's study is checked as if it sat in the folder holding the uploaded files.
    """
    from app.study import StudyError, parse_study

    config = study_config(dataset, settings)
    if dataset.study is not None:
        header = (f"Study '{config['study'].get('name', '')}' with the settings chosen in the "
                  "neucube app.\nRun it with: neucube run <this file>")
    else:
        header = ("Study made with the neucube app. Put this file in the folder holding\n"
                  f"{', '.join(dataset.files)} and run: neucube run <this file>")
    text = to_toml(config, header)
    if dataset.study is not None and dataset.study.path is not None:
        base = Path(dataset.study.path)
    else:
        base = (dataset.folder or Path.cwd()) / "study.toml"
    try:
        parse_study(tomllib.loads(text), path=base)
    except (StudyError, ValueError, TypeError, KeyError) as exc:
        return text, str(exc)
    return text, None
