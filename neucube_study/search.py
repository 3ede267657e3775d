"""``neucube search``: tune the NeuCube model by grid or random search, nested in the evaluation.

The ``[search]`` section names the parameters and their candidate values by study key path::

    [search]
    method = "grid"                   # or "random" (n_iter settings)
    inner_splits = 3
    scoring = "balanced_accuracy"

    [search.grid]                     # NeuCubeClassifier parameters declared searchable
    encoder_alpha = [0.3, 0.5, 0.8]
    stdp_rate = [0.001, 0.01]
    mod = [0.7, 0.8, 0.9]
    spacing_mm = [10.0, 12.0]
    # random search also takes distributions:
    # drift_up = { distribution = "loguniform", low = 0.001, high = 0.02 }

The searched model is scikit-learn's ``GridSearchCV``/``RandomizedSearchCV`` around the study's
``NeuCubeClassifier``, with an inner stratified k-fold. It is cross-validated like any model
(:func:`neucube_study.runner.cross_validate`): each outer training fold runs its own inner search on
its training trials only, so the outer test trials never influence the parameters chosen for
them (nested cross-validation). The baselines and the label-shuffle control run on the same
outer folds (of the study's first evaluation scheme only: a nested search multiplies the cost
of every fit by the number of settings times the inner folds). Finally one search on all trials
gives the parameters to use, written as a ready-to-run study (``tuned_study.toml``).

The results folder (default ``results/<name>-search``) holds ``metrics.json`` (the nested
estimate; ``schemes.<scheme>.search`` lists the parameters each outer fold chose),
``search_folds.csv``, ``search_all_trials.csv`` (the final search's ``cv_results_``),
``best_params.json``, ``tuned_study.toml``, ``folds.csv``, ``predictions.csv``,
``summary.json``, ``study.toml``, ``provenance.json`` and ``run.log``.
"""

from __future__ import annotations

import copy
import json
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, StratifiedKFold

from neucube_study._fields import StudyError
from neucube_study.checkpoint import Checkpoint
from neucube_study.jobs import available_cores
from neucube_study.metrics import dumps, metrics_document, scheme_metrics, without_folds
from neucube_study.outputs import protected_paths, results_folder
from neucube_study.progress import Progress, as_progress
from neucube_study.provenance import provenance
from neucube_study.runner import (
    StudyResult,
    _frames,
    _run_key,
    _trials_summary,
    cross_validate,
    data_fingerprint,
    load_trials,
)
from neucube_study.schema import MODEL_PARAMS, Study, grid_param, make_model, to_toml

__all__ = ["make_search", "run_search", "param_space"]

logger = logging.getLogger(__name__)

MODEL_NAME = "neucube (nested search)"


def param_space(grid: Mapping[str, Any]) -> dict[str, Any]:
    """``[search.grid]`` as a scikit-learn parameter grid (lists) or distributions (scipy.stats).

    Keys are the parameters' names (``"stdp_rate"``; ``"stdp.stdp_rate"`` or an old study key
    such as ``"stdp.rate"`` are read too).
    """
    from scipy import stats

    space: dict[str, Any] = {}
    for key, values in grid.items():
        param = grid_param(key, f"search.grid.{key}")
        if isinstance(values, Mapping):
            low, high = values["low"], values["high"]
            kind = values["distribution"]
            space[param] = (stats.uniform(low, high - low) if kind == "uniform"
                            else stats.loguniform(low, high) if kind == "loguniform"
                            else stats.randint(int(low), int(high) + 1))
        else:
            space[param] = list(values)
    return space


def make_search(study: Study) -> GridSearchCV | RandomizedSearchCV:
    """The study's NeuCube model inside the ``[search]`` grid or randomised search."""
    cfg = study.config["search"]
    if not cfg["grid"]:
        raise StudyError("search.grid: expected at least one parameter to tune, e.g. "
                         "[search.grid] encoder_alpha = [0.3, 0.5, 0.8]")
    base = make_model(study.config, seed=study.seed)
    inner = StratifiedKFold(n_splits=cfg["inner_splits"], shuffle=True, random_state=study.seed)
    space = param_space(cfg["grid"])
    # n_jobs=1: the outer folds are the parallel jobs (one search per worker).
    if cfg["method"] == "grid":
        return GridSearchCV(base, space, scoring=cfg["scoring"], cv=inner, refit=True, n_jobs=1,
                            error_score="raise")
    return RandomizedSearchCV(base, space, n_iter=cfg["n_iter"], scoring=cfg["scoring"], cv=inner,
                              refit=True, n_jobs=1, random_state=study.seed, error_score="raise")


def tuned_config(study: Study, best: Mapping[str, Any]) -> dict[str, Any]:
    """The study's configuration with the parameters a search chose."""
    config = copy.deepcopy(study.config)
    for param, value in best.items():
        value = value.item() if isinstance(value, np.generic) else value
        config[MODEL_PARAMS[param].section][param] = list(value) if isinstance(value, tuple) \
            else value
    config["search"] = {**config["search"], "grid": {}}
    config["study"]["description"] = (f"{config['study']['description']}\n[parameters chosen by "
                                      f"neucube search on all trials]").strip()
    return config


def run_search(
    study: Study,
    *,
    out: str | Path | None = None,
    data: str | Path | None = None,
    n_jobs: int | None = None,
    scheduler: str | None = None,
    progress: Progress | Callable[[str], None] | None = None,
    resume: bool = False,
    overwrite: bool = False,
) -> StudyResult:
    """Run the nested parameter search of ``study`` and write its results folder.

    Parameters are those of :func:`neucube_study.run_study` (``overwrite`` too); the default folder
    is ``results/<name>-search`` beside the study (``output.dir`` + ``-search``).
    """
    if data is not None:
        study = study.with_overrides(data=data)
    searcher = make_search(study)
    default = study.output_dir()
    out_dir = (
        Path(out).resolve() if out is not None else default.with_name(default.name + "-search")
    )
    progress = as_progress(progress)
    n_jobs = n_jobs or study.config["evaluation"]["n_jobs"] or available_cores()
    t0 = time.perf_counter()
    with results_folder(out_dir, overwrite=overwrite, protected=protected_paths(study),
                        command="search", study=study.name) as tmp:
        progress.step("loading trials")
        trials = load_trials(study, progress=progress)
        logger.info("%r", trials)
        n_settings = (int(np.prod([len(v) for v in searcher.param_grid.values()]))
                      if isinstance(searcher, GridSearchCV) else searcher.n_iter)
        checkpoint = Checkpoint(out_dir, _run_key(study, trials, "search"), resume=resume)
        scheme = study.schemes[0]
        progress.step(
            f"nested search: {n_settings} settings x {searcher.cv.n_splits} inner folds in "
            f"each outer training fold ({scheme} cross-validation)"
        )
        evaluations = cross_validate(study, trials, searcher, model_name=MODEL_NAME, search=True,
                                     n_jobs=n_jobs, scheduler=scheduler, progress=progress,
                                     checkpoint=checkpoint, schemes=[scheme])
        schemes, rows = {}, []
        for scheme, (result, extras) in evaluations.items():
            doc = scheme_metrics(result, extras)
            chosen = []
            for row, extra in zip(result.folds.to_dict(orient="records"), extras, strict=True):
                if "best_params" in extra:
                    chosen.append(
                        {
                            "seed": row["seed"],
                            "fold": row["fold"],
                            "subject": row["subject"],
                            "best_params": extra["best_params"],
                            "inner_best_score": extra["inner_best_score"],
                        }
                    )
                    rows.append(
                        {
                            "scheme": scheme,
                            "seed": row["seed"],
                            "fold": row["fold"],
                            "subject": row["subject"],
                            "outer_accuracy": row["accuracy"],
                            "inner_best_score": extra["inner_best_score"],
                            **extra["best_params"],
                        }
                    )
            doc["search"] = {"method": study.config["search"]["method"],
                             "scoring": study.config["search"]["scoring"], "chosen": chosen}
            schemes[scheme] = doc
        metrics = metrics_document(study.name, study.seed, schemes)
        (tmp / "metrics.json").write_text(dumps(metrics), encoding="utf-8")
        folds, preds = _frames(evaluations)
        folds.to_csv(tmp / "folds.csv", index=False, float_format="%.6g")
        preds.to_csv(tmp / "predictions.csv", index=False, float_format="%.6g")
        import pandas as pd

        pd.DataFrame(rows).to_csv(tmp / "search_folds.csv", index=False, float_format="%.6g")

        progress.step(f"search on all {trials.n_trials} trials for the parameters to use")
        final = make_search(study).fit(trials, trials.labels)
        cv = pd.DataFrame(final.cv_results_)
        cv = cv[[c for c in cv.columns if not c.endswith("_time")]]  # timings are not reproducible
        cv.to_csv(tmp / "search_all_trials.csv", index=False, float_format="%.6g")
        best = {
            k: (v.item() if isinstance(v, np.generic) else v) for k, v in final.best_params_.items()
        }
        (tmp / "best_params.json").write_text(json.dumps(
            {"best_params": best, "best_score": float(final.best_score_),
             "scoring": study.config["search"]["scoring"]}, indent=2) + "\n", encoding="utf-8")
        tuned = tuned_config(study, best)
        (tmp / "tuned_study.toml").write_text(
            "# The study with the parameters neucube search chose on all trials.\n"
            "# Report the nested estimate in metrics.json, "
            "not a rerun of this file on the same data.\n"
            + to_toml(tuned),
            encoding="utf-8",
        )
        summary = {
            "study": study.name,
            "seed": study.seed,
            "data": _trials_summary(trials),
            "classification": without_folds(metrics),
            "search": {
                "method": study.config["search"]["method"],
                "scoring": study.config["search"]["scoring"],
                "n_settings": n_settings,
                "best_params": best,
                "best_score": float(final.best_score_),
            },
            "stages_done": ["load", "nested_search", "final_search"],
            "wall_time_s": round(time.perf_counter() - t0, 3),
            "n_jobs": n_jobs,
            "scheduler": scheduler,
        }
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8"
        )
        (tmp / "study.toml").write_text(study.to_toml(), encoding="utf-8")
        prov = provenance(study_digest=study.digest(), seed=study.seed, study_path=study.path,
                          data_sha256=data_fingerprint(trials), command="search", n_jobs=n_jobs,
                          scheduler=scheduler, wall_time_s=summary["wall_time_s"])
        (tmp / "provenance.json").write_text(json.dumps(prov, indent=2) + "\n", encoding="utf-8")
    checkpoint.remove()
    return StudyResult(out_dir, summary)
