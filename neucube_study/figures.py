"""The figure step of a study: the model's figure set, and connectivity per class and time window.

After cross-validation the runner fits a final model on all trials; this step describes it:

- :func:`neucube.plotting.export_figures`: cube before/after STDP, glass-brain connections,
  feature interaction network, neuron proportions, spike raster, encoder preview, class
  difference, confusion matrix (cross-validated) and the cross-validated early-prediction curve;
- for each ``[figures] windows`` entry (e.g. 0-200, 200-400, 400-800 ms), and the two classes
  of ``[figures] contrast`` (default the first two):

  - the per-neuron firing difference a minus b in the window;
  - each class's feature interaction network in the window: spike communication of that
    class's trials, counted over the window's steps, between the neuron clusters of the input
    channels (clusters from the trained weights, so networks are comparable across classes and
    windows), as a circular graph (and a glass brain on the brain template), exported as
    GraphML/GEXF/CSV;
  - the a-minus-b interaction matrix per trial (a heatmap and a CSV).

Figures go to ``figures/`` (with ``manifest.json`` listing every file), graphs to ``graphs/``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from neucube._atomic import atomic_write_text
from neucube.analysis import (
    export_graph,
    feature_interaction_network,
    neuron_clusters,
    window_contrast,
)
from neucube.data import TrialSet
from neucube_study._fields import StudyError
from neucube_study.progress import Progress

__all__ = ["write_figures", "window_tag"]

logger = logging.getLogger(__name__)

TASK = "figures"


def window_tag(window: Sequence[float]) -> str:
    """``[0.2, 0.4]`` -> ``"200-400ms"`` (file names)."""
    return f"{round(window[0] * 1000):d}-{round(window[1] * 1000):d}ms"


def _safe(name: str) -> str:
    """A class name as a file-name part."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "class"


def _save(fig: Any, stem: Path, formats: Sequence[str], dpi: float, root: Path) -> dict[str, str]:
    from neucube.plotting.style import save_figure

    paths = save_figure(fig, stem, formats=formats, dpi=dpi)
    return {p.suffix.lstrip("."): str(p.relative_to(root)) for p in paths}


def _difference_heatmap(diff: np.ndarray, names: Sequence[str], title: str) -> Any:
    from neucube.plotting.style import DIVERGING_CMAP, figure_style, new_figure

    with figure_style():
        fig = new_figure("single", aspect=0.9)
        ax = fig.add_subplot()
        vmax = float(np.abs(diff).max()) or 1.0
        im = ax.imshow(diff, cmap=DIVERGING_CMAP, vmin=-vmax, vmax=vmax)
        ticks = np.arange(len(names))
        ax.set_xticks(ticks, names, rotation=90, fontsize=5)
        ax.set_yticks(ticks, names, fontsize=5)
        ax.set_title(title, fontsize=7)
        fig.colorbar(im, ax=ax, shrink=0.8, label="interaction per trial")
    return fig


def write_figures(
    model: Any,
    trials: TrialSet,
    out_dir: Path,
    config: Mapping[str, Any],
    *,
    evaluation: Any = None,
    early: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    importance: Any = None,
    early_curves: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Write the figures and graph exports of the final model.

    Parameters
    ----------
    model : NeuCubeClassifier
        Fitted on ``trials`` (its training raster is reused).
    trials : TrialSet
        All trials of the study.
    out_dir : Path
        The (temporary) results folder; ``figures/`` and ``graphs/`` are written in it.
    config : mapping
        The validated ``[figures]`` section.
    evaluation : EvaluationResult, optional
        The primary scheme's cross-validation (confusion matrix, baselines).
    early : mapping, optional
        Cross-validated early-prediction curve (``fractions``, ``accuracy``).
    progress : Progress, optional
        Told about each window done.
    importance : ChannelTimeImportance, optional
        Cross-validated channel x time importance (heat map and scalp maps).
    early_curves : mapping, optional
        Every model's cross-validated early curve on the same prefixes.

    Returns
    -------
    dict
        The manifest (also ``figures/manifest.json``), with a ``"windows"`` summary.
    """
    from neucube.plotting import export_figures, plot_class_difference, plot_interaction_circle
    from neucube.plotting.connectome import plot_glass_interaction

    progress = progress or Progress()
    fig_dir, graph_dir = out_dir / "figures", out_dir / "graphs"
    graph_dir.mkdir(parents=True, exist_ok=True)
    formats, dpi = list(config["formats"]), float(config["dpi"])
    curve = None
    if early is not None:
        curve = {"fractions": early["fractions"], "accuracy": early["accuracy"],
                 "label": "NeuCube (cross-validated early prediction)"}
    manifest = export_figures(
        model,
        trials,
        fig_dir,
        formats=formats,
        evaluation=evaluation,
        early_curve=curve,
        threshold=config["threshold"],
        dpi=dpi,
        graphs=False,
        importance=importance,
        early_curves=None
        if early_curves is None
        else {**early_curves, "model": next(iter(early_curves["curves"]))},
    )
    graph_files: list[str] = []

    def graphs(graph: nx.Graph, stem: str) -> list[str]:
        files = [str(export_graph(graph, graph_dir / f"{stem}.{ext}").relative_to(out_dir))
                 for ext in config["graph_formats"]]
        graph_files.extend(files)
        return files

    graphs(feature_interaction_network(model), "interaction_network")

    labels = trials.labels
    present = [c for c in trials.class_names if np.any(labels == c)]
    a, b = config["contrast"] or present[:2]
    for i, c in enumerate((a, b)):
        if c not in present:
            raise StudyError(f"figures.contrast[{i}]: expected a class of the trials "
                             f"({', '.join(present)}), got {c!r}")
    raster = model.train_raster_
    if raster.n_trials != trials.n_trials:
        raster = model.raster(trials)
    is_brain = isinstance(model.template, str) and model.template == "brain"
    clusters = neuron_clusters(model)
    windows_summary = []
    progress.start(TASK, len(config["windows"]), "windows")
    for k, window in enumerate(config["windows"]):
        tag = window_tag(window)
        try:
            wc = window_contrast(model, trials, window, (a, b), raster=raster, clusters=clusters)
        except ValueError as exc:
            raise StudyError(f"figures.windows[{k}]: expected a window inside the trials "
                             f"({trials.tmin:g} to {trials.tmax:g} s), got {list(window)}") from exc
        span = f"{window[0] * 1000:.0f}-{window[1] * 1000:.0f} ms"
        files = _save(plot_class_difference(model, wc.activity, a=a, b=b),
                      fig_dir / f"class_difference_{tag}", formats, dpi, fig_dir)
        manifest["figures"].append(
            {
                "name": f"class_difference_{tag}",
                "files": files,
                "description": f"Per-neuron firing rate {a} minus {b}, {span}.",
            }
        )
        entry = wc.summary()
        for c in (a, b):
            graph, stem, title = wc.graphs[c], f"interaction_{_safe(c)}_{tag}", f"{c}, {span}"
            files = _save(plot_interaction_circle(graph, title=f"Feature interaction: {title}"),
                          fig_dir / stem, formats, dpi, fig_dir)
            manifest["figures"].append({"name": stem, "files": files, "description":
                                        f"Feature interaction network of the {c} trials, {span}: "
                                        "spike communication between the input channels' neuron "
                                        "clusters."})
            if is_brain:
                gstem = f"interaction_glass_{_safe(c)}_{tag}"
                files = _save(plot_glass_interaction(graph, title=f"Feature interaction: {title}"),
                              fig_dir / gstem, formats, dpi, fig_dir)
                manifest["figures"].append({"name": gstem, "files": files, "description":
                                            f"The {c} interaction network of {span} on a glass "
                                            "brain."})
            entry["classes"][c]["graph_files"] = graphs(graph, stem)
        rows = [f"source,target,{a},{b},difference"]
        rows += [f"{i},{j},{va:.6g},{vb:.6g},{d:.6g}" for i, j, va, vb, d in wc.pairs()]
        csv_path = graph_dir / f"interaction_difference_{tag}.csv"
        atomic_write_text(csv_path, "\n".join(rows) + "\n")
        graph_files.append(str(csv_path.relative_to(out_dir)))
        files = _save(_difference_heatmap(wc.delta, wc.names, f"Interaction {a} − {b}, {span}"),
                      fig_dir / f"interaction_difference_{tag}", formats, dpi, fig_dir)
        manifest["figures"].append({"name": f"interaction_difference_{tag}", "files": files,
                                    "description": f"Feature interaction per trial, {a} minus {b}, "
                                                   f"{span}."})
        windows_summary.append(entry)
        logger.info("figures for %s: %s-minus-%s firing differs at %d neurons", span, a, b,
                    int((np.abs(wc.difference) > 0).sum()))
        progress.advance(TASK)
    progress.finish(TASK)
    manifest["graphs"] = graph_files
    manifest["windows"] = windows_summary
    atomic_write_text(fig_dir / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return manifest
