"""The study an analysis in the app runs: the same sections a study file holds.

The app's settings are the model and evaluation sections of a study (``{section: {key:
value}}``, :func:`settings_of`): a shipped study brings its own, other data start from the
schema's defaults, which are the classifier's (the app keeps no copy). :func:`study_config`
adds the data: a shipped study keeps its own file with the settings written over its sections;
an upload becomes a study whose ``[data]`` section names the uploaded files by their bare names,
so the study file is placed next to the recordings. :func:`study_for_run` validates it with
:func:`neucube_study.parse_study` into the :class:`~neucube_study.Study` that ``neucube run``
would run.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from app.streamlit_app.datasets import Dataset
from neucube_study.schema import Study, write_toml

__all__ = ["SETTINGS_SECTIONS", "model_specs", "model_value", "settings_of", "with_changes",
           "study_config", "study_toml", "study_for_run", "to_toml"]

#: Sections of a study that the app's pages set (plus ``study.seed``).
SETTINGS_SECTIONS = ("encoder", "cube", "stdp", "readout", "evaluation")

_SECTION_ORDER = ("study", "data", "events", "preprocessing", "encoder", "cube", "stdp", "readout",
                  "evaluation", "output")


def to_toml(config: Mapping[str, Mapping[str, Any]], header: str = "") -> str:
    """TOML text of ``{section: {key: value}}``, sections in study order; ``None`` left out."""
    order = [s for s in _SECTION_ORDER if s in config] + [s for s in config
                                                         if s not in _SECTION_ORDER]
    return write_toml({section: config[section] for section in order}, header)


@cache
def model_specs() -> dict[str, Any]:
    """The classifier's parameters that a study file holds (:func:`neucube.params.describe`;
    their ``section`` and name are the study's section and key), in declaration order."""
    from neucube.classifier import NeuCubeClassifier
    from neucube.params import describe

    return {n: s for n, s in describe(NeuCubeClassifier).items() if s.section is not None}


def model_value(settings: Mapping[str, Mapping[str, Any]], name: str) -> Any:
    """The value of classifier parameter ``name`` in the study sections ``settings``."""
    return settings[model_specs()[name].section][name]


def settings_of(study: Study | None) -> dict[str, dict[str, Any]]:
    """The app's settings: ``study``'s model and evaluation sections and its seed, or (None)
    those of a study that sets nothing (the classifier's and the schema's defaults)."""
    if study is None:
        from neucube_study.schema import parse_study

        study = parse_study({"study": {"name": "app"}, "data": {"source": "simulate"}})
    settings = {s: copy.deepcopy(study.config[s]) for s in SETTINGS_SECTIONS}
    settings["study"] = {"seed": study.seed}
    return settings


def with_changes(settings: Mapping[str, Mapping[str, Any]],
                 changes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """A copy of ``settings`` with ``{section: {key: value}}`` changed."""
    out = {s: dict(v) for s, v in settings.items()}
    for section, values in changes.items():
        out.setdefault(section, {}).update(copy.deepcopy(dict(values)))
    return out


def _plain(value: Any) -> Any:
    """Loader arguments as TOML-able values (tuples to lists, None entries dropped)."""
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value if v is not None]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items() if v is not None}
    return value


def study_config(dataset: Dataset, settings: Mapping[str, Mapping[str, Any]]
                 ) -> dict[str, dict[str, Any]]:
    """The study as ``{section: {key: value}}``: the dataset's source plus the app's settings."""
    model = {s: _plain(dict(settings[s])) for s in SETTINGS_SECTIONS}
    seed = settings["study"]["seed"]
    if dataset.study is not None and dataset.study.path is not None:
        raw = tomllib.loads(Path(dataset.study.path).read_text(encoding="utf-8"))
        raw = {k: dict(v) for k, v in raw.items()}
        raw.setdefault("study", {})["seed"] = seed
        data = raw.setdefault("data", {})
        if data.get("source") == "simulate" and "n_subjects" in dataset.loader_args:
            data["n_subjects"] = dataset.loader_args["n_subjects"]
        raw.update(model)  # whole sections: the settings hold every key (by today's names)
        return raw
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", Path(dataset.files[0]).stem if dataset.files
                  else "study").strip("_") or "study"
    config: dict[str, dict[str, Any]] = {
        "study": {"name": name,
                  "description": f"Made with the neucube app from {', '.join(dataset.files)}.",
                  "seed": seed},
        "data": {"source": dataset.source, **_plain(dataset.loader_args)},
    }
    if dataset.preprocessing:
        config["preprocessing"] = _plain(dataset.preprocessing)
    if dataset.events:
        config["events"] = {k: list(v) for k, v in dataset.events.items()}
    config.update(model)
    return config


def _study_path(dataset: Dataset) -> Path:
    """Where the study file sits: the shipped study's file, else beside the uploaded files."""
    if dataset.study is not None and dataset.study.path is not None:
        return Path(dataset.study.path)
    return (dataset.folder or Path.cwd()) / "study.toml"


def study_toml(dataset: Dataset, settings: Mapping[str, Mapping[str, Any]]
               ) -> tuple[str, str | None]:
    """The study file's text, and ``None`` if ``neucube run`` accepts it, else the reason.

    An upload's study is checked as if it sat in the folder holding the uploaded files.
    """
    from neucube_study import StudyError, parse_study

    config = study_config(dataset, settings)
    if dataset.study is not None:
        header = (f"Study '{config['study'].get('name', '')}' with the settings chosen in the "
                  "neucube app.\nRun it with: neucube run <this file>")
    else:
        header = ("Study made with the neucube app. Put this file in the folder holding\n"
                  f"{', '.join(dataset.files)} and run: neucube run <this file>")
    text = to_toml(config, header)
    try:
        parse_study(tomllib.loads(text), path=_study_path(dataset))
    except (StudyError, ValueError, TypeError, KeyError) as exc:
        return text, str(exc)
    return text, None


def study_for_run(dataset: Dataset, settings: Mapping[str, Mapping[str, Any]]) -> Study:
    """The validated study of the study file (:func:`study_toml`), as ``neucube run`` reads it.

    Raises
    ------
    neucube_study.StudyError
        Naming the key, when the settings make an invalid study.
    """
    from neucube_study import parse_study

    text = to_toml(study_config(dataset, settings))
    return parse_study(tomllib.loads(text), path=_study_path(dataset))
