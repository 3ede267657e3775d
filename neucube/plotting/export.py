"""Write the whole figure set of a fitted model to a folder, with a ``manifest.json``.

Static figures are written in every requested format (SVG, PDF, PNG at >= 300 dpi) and the
interactive cube as a self-contained HTML file (plotly.js inlined, so it opens offline). Every
file is written atomically, and ``manifest.json`` last, so a manifest only ever lists complete
files.

Static export of the *plotly* cube needs kaleido and a Chrome/Chromium. It is attempted only
when kaleido is installed and a browser is found (``BROWSER_PATH`` or ``chromium``/``google-chrome``
on ``PATH``); otherwise it is skipped with a log message, never by downloading a browser. The
matplotlib cube (``cube_connections``) is the paper figure in any case.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from sklearn.utils.validation import check_is_fitted

from neucube._atomic import atomic_write_bytes, atomic_write_text
from neucube._inputs import read_model_input
from neucube._validation import check_number
from neucube._version import __version__
from neucube.analysis._source import resolve_cube
from neucube.analysis.activity import class_activity
from neucube.analysis.clusters import neuron_clusters, neuron_proportions
from neucube.analysis.export import export_graph
from neucube.analysis.interaction import feature_interaction_network
from neucube.data import TrialSet
from neucube.plotting._common import format_window
from neucube.plotting.activity import plot_class_difference
from neucube.plotting.comparison import plot_fold_scores
from neucube.plotting.connectome import plot_glass_connections, plot_glass_interaction
from neucube.plotting.cube import DEFAULT_THRESHOLD, plot_cube, plot_cube_interactive
from neucube.plotting.encoder import plot_encoder_preview
from neucube.plotting.interaction import plot_interaction_circle, plot_neuron_proportions
from neucube.plotting.performance import plot_accuracy_over_time, plot_confusion_matrix
from neucube.plotting.raster import plot_spike_raster
from neucube.plotting.style import MIN_DPI, MM_PER_INCH, check_formats, figure_bytes

__all__ = ["export_figures", "plotly_static_available", "BROWSER_NAMES"]

logger = logging.getLogger(__name__)

_OWNER = "export_figures"
#: Executables searched on PATH for kaleido's headless browser.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable",
                 "chrome")


def plotly_static_available() -> tuple[bool, str]:
    """Whether plotly figures can be exported as images here, and why not.

    Needs the ``kaleido`` package and a Chrome/Chromium given by ``BROWSER_PATH`` or found on
    ``PATH``. Nothing is downloaded.
    """
    if importlib.util.find_spec("kaleido") is None:
        return False, "the 'kaleido' package is not installed"
    browser = os.environ.get("BROWSER_PATH")
    if browser and Path(browser).is_file():
        return True, browser
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return True, found
    return False, ("no Chrome/Chromium found (set BROWSER_PATH or put chromium on PATH; "
                   "neucube never lets kaleido download one)")


def _png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def _early_curve(curve: Any) -> dict[str, Any]:
    if isinstance(curve, Mapping):
        if "fractions" not in curve or "accuracy" not in curve:
            raise ValueError(f"The 'early_curve' argument of {_OWNER} must have 'fractions' and "
                             f"'accuracy'; got keys {sorted(curve)}.")
        return dict(curve)
    try:
        fractions, accuracy = curve
    except (TypeError, ValueError) as err:
        raise ValueError(f"The 'early_curve' argument of {_OWNER} must be a mapping with "
                         "'fractions' and 'accuracy' (optional 'chance', 'baselines', 'label') "
                         f"or a pair (fractions, accuracy); got {type(curve).__name__}.") from err
    return {"fractions": fractions, "accuracy": accuracy}


def _kept_text(threshold: float | str) -> str:
    if isinstance(threshold, str):
        return f"|w| at or above the {threshold.strip()} percentile of each panel's |w|"
    return f"|w| >= {threshold:g}"


def export_figures(
    model: Any,
    trials: Any,
    out_dir: str | os.PathLike[str],
    formats: Sequence[str] = ("svg", "pdf", "png"),
    *,
    evaluation: Any = None,
    early_curve: Any = None,
    window: tuple[float, float] | None = None,
    channel: int | str = 0,
    trial: int = 0,
    threshold: float | str = DEFAULT_THRESHOLD,
    dpi: float = MIN_DPI,
    graphs: bool = True,
    importance: Any = None,
    neuron_importance: Any = None,
    early_curves: Any = None,
    verbose: bool = False,
) -> dict[str, Any]:
    """Write the publication figure set of a fitted model, plus ``manifest.json``.

    Parameters
    ----------
    model : NeuCubeClassifier
        A fitted model (it needs ``reservoir_``, ``encoder_`` and ``raster``).
    trials : TrialSet, mne.Epochs or (X, y)
        Trials for the class-activity map, the spike raster and the encoder preview (e.g. the
        training trials, or held-out ones).
    out_dir : path-like
        Folder to write into (created if needed; files of the same names are replaced).
    formats : sequence of {"svg", "pdf", "png"}, default=("svg", "pdf", "png")
        Static formats.
    evaluation : EvaluationResult, optional
        Adds the confusion matrix (and gives baselines/chance to the accuracy curve).
    early_curve : mapping or (fractions, accuracy), optional
        Adds the accuracy-over-time figure: ``{"fractions": ..., "accuracy": ...}`` with
        optional ``"chance"``, ``"baselines"`` (name to accuracy or curve) and ``"label"``.
    window : (float, float), optional
        Time window in seconds for the class-difference map (default the whole trial).
    channel : int or str, default=0
        Channel of the encoder preview.
    trial : int, default=0
        Trial of the spike raster and the encoder preview.
    threshold : float or str, default="97.5%"
        Weight threshold of the cube connection plots: a ``|w|``, or a percentile of each
        panel's ``|w|`` (see :mod:`neucube.plotting.cube`).
    dpi : float, default=300
        PNG resolution (at least 300).
    graphs : bool, default=True
        Also write the feature interaction network as GraphML and GEXF (for Gephi).
    importance : ChannelTimeImportance, optional
        Adds what the model used (:mod:`neucube.inspection`): the channel x time heat map with
        FDR-significant cells marked, and scalp maps per window when channels have MNI
        coordinates.
    neuron_importance : NeuronImportance, optional
        Adds the glass brain of the neuron groups the readout relies on (brain cube only).
    early_curves : mapping, optional
        Adds early prediction for every model on the same prefixes
        (:mod:`neucube.evaluation.early_prediction`): ``{"fractions": [...], "curves":
        {name: accuracy list}, "model": name, "chance": float}``.
    verbose : bool, default=False
        Log each written figure at INFO level (otherwise DEBUG).

    Returns
    -------
    dict
        The manifest: ``{"neucube_version", "figures": [{"name", "description", "files",
        "size_mm", "png_pixels", "dpi"}...], "skipped": [{"name", "reason"}...]}``; file paths
        are relative to ``out_dir``.
    """
    level = logging.INFO if verbose else logging.DEBUG
    check_is_fitted(model, ["reservoir_", "encoder_"])
    formats = check_formats(formats)
    dpi = check_number("dpi", dpi, low=MIN_DPI, high=2400.0, owner=_OWNER)
    source = resolve_cube(model, owner=_OWNER)
    data = read_model_input(trials[0], trials[1]) if isinstance(trials, tuple) else \
        read_model_input(trials)
    if data.y is None:
        raise ValueError(f"The 'trials' argument of {_OWNER} needs labels: pass a TrialSet, "
                         "labelled mne.Epochs or a pair (X, y).")
    labels = np.asarray(data.y)
    sfreq = data.sfreq if data.sfreq is not None else getattr(model, "sfreq_", None)
    tmin = data.tmin if data.tmin is not None else getattr(model, "tmin_", None)
    ch_names = data.ch_names or source.ch_names
    raster = model.raster(trials[0] if isinstance(trials, tuple) else trials)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)

    figures: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []

    def write_static(name: str, description: str, build: Callable[[], Figure]) -> None:
        fig = build()
        files: dict[str, str] = {}
        entry: dict[str, Any] = {"name": name, "description": description}
        for fmt in formats:
            payload = figure_bytes(fig, fmt, dpi=dpi)
            atomic_write_bytes(out / f"{name}.{fmt}", payload)
            files[fmt] = f"{name}.{fmt}"
            if fmt == "png":
                entry["png_pixels"] = list(_png_size(payload))
                entry["dpi"] = dpi
        w, h = fig.get_size_inches() * MM_PER_INCH
        entry.update(files=files, size_mm=[round(float(w), 1), round(float(h), 1)])
        figures.append(entry)
        logger.log(level, "%s: wrote %s (%s)", _OWNER, name, ", ".join(files.values()))

    # ---- the cube
    write_static("cube_connections",
                 f"3-D cube before and after STDP: connections with "
                 f"{_kept_text(threshold)} "
                 "(blue positive, red negative, line width proportional to |w|), input "
                 "neurons in orange with channel names.",
                 lambda: plot_cube(model, threshold=threshold))
    interactive = plot_cube_interactive(model, threshold=threshold)
    html = interactive.to_html(include_plotlyjs=True, full_html=True, div_id="neucube-cube")
    atomic_write_text(out / "cube_interactive.html", html)
    cube_files = {"html": "cube_interactive.html"}
    ok, why = plotly_static_available()
    if ok:
        try:
            for fmt in formats:
                payload = interactive.to_image(format=fmt, width=1200, height=900, scale=2)
                atomic_write_bytes(out / f"cube_interactive.{fmt}", payload)
                cube_files[fmt] = f"cube_interactive.{fmt}"
        except Exception as err:  # noqa: BLE001 - kaleido/Chrome failures vary by platform
            why = f"kaleido failed with {type(err).__name__}: {err}"
            logger.warning("%s: static export of the interactive cube skipped: %s", _OWNER, why)
            skipped.append({"name": "cube_interactive (static)", "reason": why})
    else:
        logger.info("%s: static export of the interactive cube skipped: %s. The matplotlib "
                    "figure 'cube_connections' is the paper figure.", _OWNER, why)
        skipped.append({"name": "cube_interactive (static)", "reason": why})
    figures.append({"name": "cube_interactive", "files": cube_files,
                    "description": "Interactive 3-D cube (self-contained HTML, plotly) with "
                                   "buttons for before/after STDP."})

    # ---- connectivity
    graph = feature_interaction_network(model)
    labels_n = neuron_clusters(model)
    if source.is_brain:
        write_static("glass_brain_connections",
                     "Glass brain (MNI) of the 200 strongest connections after STDP.",
                     lambda: plot_glass_connections(model, n_strongest=200))
        write_static("interaction_network_glass_brain",
                     "Feature interaction network between input channels on a glass brain "
                     "(strongest quarter of the matrix; colour = community, size = share of "
                     "neurons).",
                     lambda: plot_glass_interaction(graph))
    else:
        reason = "the cube is not on the MNI brain template"
        skipped += [{"name": "glass_brain_connections", "reason": reason},
                    {"name": "interaction_network_glass_brain", "reason": reason}]
    write_static("interaction_network_circle",
                 "Feature interaction network as a circular graph; edge width proportional "
                 "to the total strength (sum of |w|) of the trained connections between two "
                 "channels' neuron clusters.",
                 lambda: plot_interaction_circle(graph))
    write_static("neuron_proportions",
                 "Share of cube neurons in each input channel's cluster (label propagation).",
                 lambda: plot_neuron_proportions(neuron_proportions(labels_n, source.ch_names)))
    if graphs:
        for ext in (".graphml", ".gexf"):
            export_graph(graph, out / f"interaction_network{ext}")
        figures.append({"name": "interaction_network_graph",
                        "files": {"graphml": "interaction_network.graphml",
                                  "gexf": "interaction_network.gexf"},
                        "description": "Feature interaction network with node measures, for "
                                       "Gephi/networkx."})

    # ---- activity
    write_static("spike_raster", f"Spike raster of trial {trial}, neurons sorted by first "
                                 "spike, input neurons on top.",
                 lambda: plot_spike_raster(raster, trial, model=model, sfreq=sfreq, tmin=tmin))
    write_static("encoder_preview",
                 "Encoder preview: signal, reconstruction from the spikes (with SNR) and spikes.",
                 lambda: plot_encoder_preview(model.encoder_,
                                              trials if isinstance(trials, TrialSet)
                                              else np.asarray(data.X),
                                              channel=channel, trial=trial, sfreq=sfreq,
                                              tmin=tmin, ch_names=ch_names))
    classes = list(getattr(model, "classes_", np.unique(labels)))
    present = [c for c in classes if np.any(labels == c)]
    if len(present) >= 2:
        activity = class_activity(raster, labels, window=window if sfreq else None,
                                  sfreq=sfreq, tmin=tmin, classes=present)
        when = "the whole trial" if activity.window is None else \
            format_window(*activity.window)
        write_static("class_difference",
                     f"Per-neuron firing difference {present[0]} minus {present[1]} over {when}.",
                     lambda: plot_class_difference(model, activity))
    else:
        skipped.append({"name": "class_difference",
                        "reason": "the trials hold fewer than two classes"})

    # ---- performance
    if evaluation is not None:
        write_static("confusion_matrix", "Confusion matrix over all test folds and seeds.",
                     lambda: plot_confusion_matrix(evaluation))
        write_static("fold_scores",
                     "Accuracy per fold of the model, its ablation controls (encoder only, no "
                     "STDP), the baselines and the shuffled-label control; lines join a fold.",
                     lambda: plot_fold_scores(evaluation))
    if early_curve is not None:
        curve = _early_curve(early_curve)
        chance = curve.get("chance")
        if chance is None:
            _, counts = np.unique(labels, return_counts=True)
            chance = float(counts.max() / counts.sum())
        baselines = curve.get("baselines")
        if baselines is None and evaluation is not None:
            baselines = {b: evaluation.scores(b)["accuracy"]["mean"]
                         for b in evaluation.baselines}
        write_static("accuracy_over_time",
                     "Accuracy of early prediction from the first part of each trial, with "
                     "chance level and baselines.",
                     lambda: plot_accuracy_over_time(
                         curve["fractions"], curve["accuracy"], n_steps=raster.n_steps,
                         sfreq=sfreq, tmin=tmin or 0.0, chance=chance, baselines=baselines,
                         label=curve.get("label", "NeuCube (early prediction)")))

    # ---- what the model used (neucube.inspection)
    if importance is not None:
        from neucube.plotting.importance import plot_importance_map, plot_importance_topomaps

        write_static("importance_channel_time",
                     "What the model used: drop in the test trials' probability of their true "
                     "class when one channel's input in one time window is shuffled across "
                     "trials (frozen model); dots mark cells significant after Benjamini-"
                     "Hochberg FDR. It shows what the decisions rely on, not where the brain "
                     "differs.",
                     lambda: plot_importance_map(importance))
        if importance.coords is not None and importance.space in (None, "mni"):
            write_static("importance_topomaps",
                         "Importance per time window as scalp maps (channels marked black are "
                         "FDR-significant).",
                         lambda: plot_importance_topomaps(importance))
        else:
            skipped.append({"name": "importance_topomaps",
                            "reason": "the channels have no MNI coordinates"})
    if neuron_importance is not None:
        if source.is_brain:
            from neucube.plotting.importance import plot_neuron_importance

            write_static("importance_neurons",
                         "Glass brain of the neuron groups the readout relies on (drop in "
                         "p(true class) when a group's spikes are swapped between test trials).",
                         lambda: plot_neuron_importance(neuron_importance))
        else:
            skipped.append({"name": "importance_neurons",
                            "reason": "the cube is not on the MNI brain template"})
    if early_curves is not None:
        curves = dict(early_curves["curves"])
        main = early_curves.get("model", next(iter(curves)))
        chance = early_curves.get("chance")
        if chance is None:
            _, counts = np.unique(labels, return_counts=True)
            chance = float(counts.max() / counts.sum())
        write_static("early_prediction_all",
                     "Early prediction of every model on the same prefixes: trained on full "
                     "trials, tested on the first part of each test trial (the rest filled from "
                     "a random training trial, label-blind), cross-validated.",
                     lambda: plot_accuracy_over_time(
                         early_curves["fractions"], curves[main], n_steps=raster.n_steps,
                         sfreq=sfreq, tmin=tmin or 0.0, chance=chance, label=main,
                         baselines={k: v for k, v in curves.items() if k != main},
                         title="Early prediction, every model on the same prefixes"))

    manifest = {"neucube_version": __version__, "formats": list(formats), "dpi": dpi,
                "figures": figures, "skipped": skipped}
    atomic_write_text(out / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return manifest
