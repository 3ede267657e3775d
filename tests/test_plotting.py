"""Figures: valid SVG/PDF/PNG files of the right size, the style's guarantees, and what is drawn.

The figures are made from a real NeuCubeClassifier fitted on simulated familiarity EEG (MNI brain
template, NumPy reference engine, so nothing is compiled).
"""

from __future__ import annotations

import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from PIL import Image

from neucube.analysis.activity import class_activity
from neucube.analysis.clusters import neuron_clusters, neuron_proportions
from neucube.analysis.interaction import feature_interaction_network
from neucube.cube.reservoir import Reservoir
from neucube.cube.template import grid_template
from neucube.encoding.metrics import snr
from neucube.plotting.activity import plot_class_difference
from neucube.plotting.connectome import plot_glass_connections, plot_glass_interaction
from neucube.plotting.cube import plot_cube, plot_cube_interactive
from neucube.plotting.encoder import plot_encoder_preview
from neucube.plotting.export import export_figures, plotly_static_available
from neucube.plotting.interaction import plot_interaction_circle, plot_neuron_proportions
from neucube.plotting.performance import (
    early_times,
    plot_accuracy_over_time,
    plot_confusion_matrix,
)
from neucube.plotting.raster import plot_spike_raster
from neucube.plotting.style import (
    NEGATIVE,
    POSITIVE,
    figure_bytes,
    figure_size,
    figure_style,
    save_figure,
)

MM = 25.4


@pytest.fixture(scope="module")
def trials():
    from data_loaders.simulate import simulate_familiarity

    return simulate_familiarity(n_subjects=1, effect_size=1.5, seed=0, n_trials_per_class=6)


@pytest.fixture(scope="module")
def model(trials):
    classifier = pytest.importorskip("neucube.classifier")
    # The published (deSNN) model: these figures include the deSNN's early-prediction curve.
    return classifier.NeuCubeClassifier.published(backend="reference", random_state=0).fit(trials)


@pytest.fixture(scope="module")
def grid_cube() -> Reservoir:
    rng = np.random.default_rng(1)
    spikes = rng.choice([-1, 0, 1], p=[0.1, 0.8, 0.1], size=(4, 2, 30)).astype(np.int8)
    return Reservoir(template=grid_template((4, 4, 4)), coords=[[0, 0, 0], [30, 30, 30]],
                     backend="reference", random_state=0, stdp_rate=0.01).fit(spikes)


def check_svg(data: bytes) -> ET.Element:
    root = ET.fromstring(data)
    assert root.tag.endswith("svg")
    return root


def check_pdf(data: bytes) -> None:
    assert data.startswith(b"%PDF")
    assert b"/FontFile2" in data  # TrueType (fonttype 42): text stays editable
    assert b"/Subtype /Type3" not in data


def check_png(data: bytes, fig: Figure, dpi: float = 300) -> None:
    img = Image.open(io.BytesIO(data))
    w, h = fig.get_size_inches() * dpi
    assert abs(img.size[0] - w) <= 1 and abs(img.size[1] - h) <= 1
    assert img.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)


def check_all_formats(fig: Figure) -> None:
    check_svg(figure_bytes(fig, "svg"))
    check_pdf(figure_bytes(fig, "pdf"))
    check_png(figure_bytes(fig, "png"), fig)


# ----------------------------------------------------------------------------- style
def test_figure_sizes_are_journal_columns():
    assert figure_size("single", 60) == pytest.approx((89 / MM, 60 / MM))
    assert figure_size("double", aspect=0.5) == pytest.approx((183 / MM, 91.5 / MM))
    assert figure_size(120.0, 40) == pytest.approx((120 / MM, 40 / MM))
    with pytest.raises(ValueError, match="must be 'single', 'double' or a width in mm; got "
                                         "'triple'"):
        figure_size("triple")


def test_saved_files_are_valid_editable_and_byte_stable(tmp_path: Path):
    def build() -> Figure:
        return plot_confusion_matrix(np.array([[8, 2], [3, 7]]), ["familiar", "unfamiliar"])

    fig = build()
    files = save_figure(fig, tmp_path / "confusion", formats=("svg", "pdf", "png"))
    assert [f.name for f in files] == ["confusion.svg", "confusion.pdf", "confusion.png"]
    svg = files[0].read_bytes()
    root = check_svg(svg)
    texts = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "familiar" in texts and "predicted class" in texts  # text, not glyph outlines
    check_pdf(files[1].read_bytes())
    check_png(files[2].read_bytes(), fig)
    # A rebuilt figure saved the same way gives the same bytes (fixed hash salt, no dates).
    again = save_figure(build(), tmp_path / "again", formats=("svg", "pdf", "png"))
    assert [f.read_bytes() for f in again] == [f.read_bytes() for f in files]
    (single,) = save_figure(fig, tmp_path / "one.pdf")
    assert single.read_bytes().startswith(b"%PDF")
    with pytest.raises(ValueError, match=r"must list formats among svg, pdf, png; got \['\.eps'\]"):
        save_figure(fig, tmp_path / "x.eps")
    with pytest.raises(ValueError, match=r"The 'dpi' parameter must be in the range \[72, 2400\]"):
        figure_bytes(fig, "png", dpi=10)


def test_style_leaves_no_global_state():
    import matplotlib.pyplot as plt

    before = dict(mpl.rcParams)
    # Other tests in the same worker (e.g. MNE or MOABB plots) may leave pyplot figures open;
    # what matters is that ours add none.
    figures_before = plt.get_fignums()
    plot_neuron_proportions(pd.Series({"Fz": 0.6, "Cz": 0.4}))
    with figure_style():
        assert mpl.rcParams["svg.fonttype"] == "none" and mpl.rcParams["pdf.fonttype"] == 42
    assert dict(mpl.rcParams) == before
    assert plt.get_fignums() == figures_before  # figures never enter pyplot's registry


# ----------------------------------------------------------------------------- cube
def test_plot_cube_draws_the_thresholded_connections(model):
    fig = plot_cube(model, threshold=0.08)
    check_all_formats(fig)  # drawing also projects the 3-D segments read below
    res = model.reservoir_
    for ax, w in zip(fig.axes, (res.weights_init_, res.weights_), strict=True):
        (lines,) = [c for c in ax.collections if type(c).__name__ == "Line3DCollection"]
        strong = w[np.abs(w) >= 0.08]
        assert len(lines.get_segments()) == strong.size
        colors = lines.get_colors()
        order = np.argsort(np.abs(strong), kind="stable")
        expected = np.where(strong[order][:, None] > 0, mpl.colors.to_rgba_array(POSITIVE),
                            mpl.colors.to_rgba_array(NEGATIVE))
        np.testing.assert_allclose(colors[:, :3], expected[:, :3])
        # Width ∝ |w| on one scale for both panels; strongest drawn last.
        w_max = max(np.abs(res.weights_init_).max(), np.abs(res.weights_).max())
        np.testing.assert_allclose(lines.get_linewidths(), 1.5 * np.abs(strong[order]) / w_max)
        labels = {t.get_text() for t in ax.texts}
        assert labels == set(model.ch_names_)
    single = plot_cube(model, which="after", label_inputs=False, show_neurons=False)
    assert len(single.axes) == 1 and not single.axes[0].texts
    with pytest.raises(ValueError, match="The 'which' argument of plot_cube must be one of "
                                         "'both', 'before', 'after'; got 'during'"):
        plot_cube(model, which="during")


def test_plot_cube_default_threshold_follows_the_weights(model):
    """The default draws the strongest 2.5% of each panel's connections, whatever the weight
    scale: a calibrated cube's weights can be 100x smaller than the fixed 0.08 of NeuCube's plot."""
    res = model.reservoir_
    fig = plot_cube(model)
    check_all_formats(fig)  # drawing projects the 3-D segments read below
    for ax, w in zip(fig.axes, (res.weights_init_, res.weights_), strict=True):
        nz = np.abs(w[w != 0])
        (lines,) = [c for c in ax.collections if type(c).__name__ == "Line3DCollection"]
        assert len(lines.get_segments()) == np.sum(nz >= np.percentile(nz, 97.5)) > 0
        assert "strongest 2.5%: |w| ≥ " in ax.get_title()
        # Widths on the panel's own scale: its strongest connection is the widest.
        assert max(lines.get_linewidths()) == pytest.approx(1.5)
    small = res.network_.with_weights(res.network_.weights * 0.01)
    assert np.abs(small.weights).max() < 0.08
    one = plot_cube(small, which="after", ch_names=model.ch_names_)
    one.savefig(io.BytesIO(), format="png", dpi=30)
    (ax,) = one.axes
    (lines,) = [c for c in ax.collections if type(c).__name__ == "Line3DCollection"]
    nz = np.abs(res.weights_[res.weights_ != 0])
    assert len(lines.get_segments()) == np.sum(nz >= np.percentile(nz, 97.5))
    html = plot_cube_interactive(small, ch_names=model.ch_names_)
    assert sum(len(t.x) // 3 for t in html.data if t.mode == "lines" and t.visible) == \
        len(lines.get_segments())
    with pytest.raises(ValueError, match=r"The 'threshold' argument of plot_cube must be a "
                                         r"number >= 0 or a percentile in \[0%, 100%\) such as "
                                         r"'97.5%'; got '100%'"):
        plot_cube(model, threshold="100%")


def test_plot_cube_interactive_toggles_before_and_after(model):
    fig = plot_cube_interactive(model, threshold=0.08, n_width_bins=3)
    res = model.reservoir_
    lines = [t for t in fig.data if t.mode == "lines" and t.legendgroup]  # the connections
    after = [t for t in lines if t.visible]
    before = [t for t in lines if not t.visible]

    def n_segments(traces):
        return sum(len(t.x) // 3 for t in traces)

    assert n_segments(after) == int(np.sum(np.abs(res.weights_) >= 0.08))
    assert n_segments(before) == int(np.sum(np.abs(res.weights_init_) >= 0.08))
    # Each sign's width classes are distinct shades of its colour, the strongest the colour.
    for color in (POSITIVE, NEGATIVE):
        shades = {t.line.color: t.line.width for t in lines if t.legendgroup.endswith(
            "positive" if color == POSITIVE else "negative")}
        assert len(shades) == len(set(shades.values()))
        full = [c for c, w in shades.items() if w == pytest.approx(6.0)]  # strongest class
        assert full in ([], [color.lower()])
    assert fig.layout.margin.t >= 90 and fig.layout.title.y > 0.95  # title above the buttons
    buttons = fig.layout.updatemenus[0].buttons
    assert [b.label for b in buttons] == ["After STDP", "Before STDP"]
    show_before = buttons[1].args[0]["visible"]
    # Neurons, input neurons, the names and their pins stay.
    assert sum(show_before) == len(before) + 4
    inputs = next(t for t in fig.data if t.name == "input neurons")
    assert list(inputs.text) == list(model.ch_names_)
    # The names float above the cube (nothing hides them seen from above), each pinned to its
    # neuron by a line.
    names = next(t for t in fig.data if t.name == "channel names")
    assert list(names.text) == list(model.ch_names_) and names.mode == "text"
    top = model.reservoir_.network_.positions[:, 2].max()
    np.testing.assert_allclose(names.z, top + 10.0)
    pins = next(t for t in fig.data if t.name == "name pins")
    np.testing.assert_allclose(np.c_[pins.x, pins.y, pins.z][0::3],
                               np.c_[inputs.x, inputs.y, inputs.z])
    np.testing.assert_allclose(np.c_[pins.x, pins.y, pins.z][1::3],
                               np.c_[names.x, names.y, names.z])
    assert fig.layout.scene.camera.eye.z > 1.5 and fig.layout.scene.camera.up.y == 1  # above
    html = fig.to_html(include_plotlyjs=True, full_html=True)
    assert "plotly" in html and "<script" in html


# ----------------------------------------------------------------------------- glass brains
def test_glass_brain_figures(model, tmp_path: Path):
    fig = plot_glass_connections(model, n_strongest=50)
    assert isinstance(fig, Figure) and "50 strongest connections after STDP" in \
        fig.get_suptitle()
    check_all_formats(fig)
    graph = feature_interaction_network(model)
    fig = plot_glass_interaction(graph, path=tmp_path / "fin.svg")
    root = check_svg((tmp_path / "fin.svg").read_bytes())
    texts = {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert set(model.ch_names_) <= texts  # channel names in the axial view
    with pytest.raises(ValueError, match="must have nodes with 'x', 'y', 'z' coordinates"):
        import networkx as nx

        plot_glass_interaction(nx.Graph([("a", "b")]))


def test_glass_interaction_without_edges_draws_the_channels_and_says_so(model, tmp_path: Path):
    """A sparse cube (e.g. four Muse channels far apart) can have no spikes between the channels'
    neurons: the figure (nilearn's colour bar needs an edge) must still be drawn, and say why it
    has no edges. Same when the threshold keeps none."""
    import networkx as nx

    graph = feature_interaction_network(model)
    empty = nx.Graph()
    empty.add_nodes_from(graph.nodes(data=True))
    fig = plot_glass_interaction(empty, path=tmp_path / "none.svg")
    assert "no edges: no spikes passed between the channels' neurons" in fig.get_suptitle()
    root = check_svg((tmp_path / "none.svg").read_bytes())
    texts = {"".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert set(model.ch_names_) <= texts
    top = max(w for _, _, w in graph.edges(data="weight"))
    fig = plot_glass_interaction(graph, edge_threshold=2 * top, title="Faces, 0-200 ms")
    assert fig.get_suptitle() == f"Faces, 0-200 ms\n(no edge reaches the threshold {2 * top})"
    with pytest.raises(ValueError, match=r"'edge_threshold' argument of plot_glass_interaction "
                                         r"must be a number or a percentile such as '75%'; "
                                         r"got 'most'"):
        plot_glass_interaction(graph, edge_threshold="most")


# ----------------------------------------------------------------------------- channel figures
def test_interaction_circle_and_proportions(model):
    graph = feature_interaction_network(model)
    fig = plot_interaction_circle(graph)
    (edges,) = [c for c in fig.axes[0].collections if type(c).__name__ == "LineCollection"]
    totals = sorted(d["weight"] for *_, d in graph.edges(data=True))
    widths = edges.get_linewidths()
    np.testing.assert_allclose(widths, 5.0 * np.array(totals) / totals[-1])  # width ∝ I
    assert {t.get_text() for t in fig.axes[0].texts} >= set(model.ch_names_)
    check_all_formats(fig)

    share = neuron_proportions(neuron_clusters(model), model.ch_names_)
    fig = plot_neuron_proportions(share)
    bars = fig.axes[0].patches
    assert len(bars) == len(share)
    assert sorted(b.get_width() for b in bars) == pytest.approx(sorted(100 * share.to_numpy()))
    pie = plot_neuron_proportions(share, kind="pie", max_slices=5)
    labels = [t.get_text() for t in pie.axes[0].texts if not t.get_text().endswith("%")]
    assert labels[-1] == f"other ({len(share) - 5})" and len(labels) == 6
    check_png(figure_bytes(pie, "png"), pie)
    with pytest.raises(ValueError, match="The 'kind' parameter of plot_neuron_proportions must "
                                         "be one of 'bar', 'pie'; got 'donut'"):
        plot_neuron_proportions(share, kind="donut")


# ----------------------------------------------------------------------------- activity figures
def test_spike_raster_marks_inputs_and_draws_every_spike(model, trials):
    raster = model.raster(trials[:2])
    fig = plot_spike_raster(raster, 1, model=model)
    ax = fig.axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    steps, neurons = raster.trial(1)
    assert sum(len(c.get_offsets()) for c in points) == steps.size
    inputs = model.reservoir_.input_neurons_.ravel()
    assert len(points[1].get_offsets()) == int(np.isin(neurons, inputs).sum())
    assert ax.get_xlabel() == "time (s)"  # sfreq/tmin come from the model
    rows = np.asarray(points[1].get_offsets())[:, 1]
    assert rows.max() < inputs.size  # input neurons occupy the top rows
    check_all_formats(fig)
    clusters = neuron_clusters(model)
    plot_spike_raster(raster, 0, model=model, order="cluster", clusters=clusters)
    plot_spike_raster(raster, 0, model=model, order="position", active_only=False)
    with pytest.raises(ValueError, match="order='cluster' needs clusters"):
        plot_spike_raster(raster, 0, order="cluster")
    with pytest.raises(IndexError, match="trial 5 is out of range for 2 trials"):
        plot_spike_raster(raster, 5)


def test_encoder_preview_reports_the_snr(model, trials):
    fig = plot_encoder_preview(model.encoder_, trials, channel="Fz", trial=2)
    c = trials.ch_names.index("Fz")
    x = trials.X[2:3]
    expected = snr(x[0, c], model.encoder_.reconstruct(x)[0, c])
    # The channel's SNR over all trials is the per-channel table's number (Encode page).
    table = snr(trials.X, model.encoder_.reconstruct(trials.X), axis=(0, 2))[c]
    top, bottom = fig.axes
    title = top.get_title().replace("\n", " ").replace("\u00a0", " ")
    assert title.startswith(f"TBR (threshold-based) encoder, Fz, trial 2 SNR {table:.1f} dB over "
                            f"{trials.n_trials} trials, {expected:.1f} dB this trial")
    note = fig.get_supxlabel().replace("\n", " ").replace("\u00a0", " ")
    assert "SNR: 0 dB, the error is as large as the signal" in note
    assert top.get_ylabel() == "amplitude (µV)"
    spikes = model.encoder_.transform(x)[0, c]
    up, down = bottom.collections[:2]
    assert len(up.get_segments()) == int(np.sum(spikes > 0))
    assert len(down.get_segments()) == int(np.sum(spikes < 0))
    check_all_formats(fig)
    with pytest.raises(ValueError, match="The 'channel' argument of plot_encoder_preview must "
                                         "be one of the channel names"):
        plot_encoder_preview(model.encoder_, trials, channel="Oz")


def test_class_difference_map(model, trials):
    raster = model.raster(trials)
    act = class_activity(raster, trials.labels, window=(0.2, 0.4), sfreq=trials.sfreq,
                         tmin=trials.tmin)
    fig = plot_class_difference(model, act)
    assert "familiar − unfamiliar, 200–400 ms (Hz)" in fig.get_suptitle()
    check_all_formats(fig)
    fig3d = plot_class_difference(model, act, kind="3d", a="unfamiliar", b="familiar")
    diff = act.difference("unfamiliar", "familiar")
    coloured = [c for c in fig3d.axes[0].collections if c.get_array() is not None]
    values = np.sort(np.asarray(coloured[0].get_array()))
    np.testing.assert_allclose(values, np.sort(diff[diff != 0]))
    with pytest.raises(ValueError, match="The 'kind' argument of plot_class_difference must be "
                                         "one of 'auto', 'glass', '3d'; got 'flat'"):
        plot_class_difference(model, act, kind="flat")


def test_grid_cube_figures_without_a_brain(grid_cube):
    fig = plot_cube(grid_cube, ch_names=["a", "b"])
    assert {t.get_text() for t in fig.axes[0].texts} == {"a", "b"}
    rng = np.random.default_rng(2)
    spikes = rng.choice([-1, 0, 1], p=[0.1, 0.8, 0.1], size=(4, 2, 30)).astype(np.int8)
    act = class_activity(grid_cube.transform(spikes), ["x", "y", "x", "y"])
    fig = plot_class_difference(grid_cube, act)  # "auto": 3-D scatter, not a glass brain
    assert fig.axes[0].name == "3d"


# ----------------------------------------------------------------------------- performance
def test_confusion_matrix_from_counts():
    fig = plot_confusion_matrix(np.array([[8, 2], [3, 7]]), ["familiar", "unfamiliar"])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["8\n80%", "2\n20%", "3\n30%", "7\n70%"]
    assert ax.get_title() == "accuracy 75.0% (n = 20)"
    with pytest.raises(ValueError, match=r"square matrix of non-negative counts; got shape "
                                         r"\(2, 3\)"):
        plot_confusion_matrix(np.ones((2, 3)))
    # An evaluation's matrix is titled by the model in words, not its key.
    import pandas as pd

    from neucube.evaluation import EvaluationResult

    preds = pd.DataFrame({"model": ["neucube"] * 4 + ["xdawn_tangent_logreg"] * 4,
                          "y_true": ["a", "b"] * 4, "y_pred": ["a", "a", "a", "b"] * 2})
    result = EvaluationResult("stratified", "neucube", ["a", "b"], [0], pd.DataFrame(), preds,
                              baselines=["xdawn_tangent_logreg"])
    assert plot_confusion_matrix(result).axes[0].get_title() == (
        "NeuCube: accuracy 75.0% (n = 4)")
    title = plot_confusion_matrix(result, model="xdawn_tangent_logreg").axes[0].get_title()
    assert title.replace("\n", " ") == ("xDAWN + Riemannian tangent space (MOABB's ERP "
                                        "reference): accuracy 75.0% (n = 4)")
    with pytest.raises(ValueError, match="must have 2 names; got 3"):
        plot_confusion_matrix(np.ones((2, 2)), ["a", "b", "c"])


def test_early_times_and_accuracy_curve():
    # 10 steps at 100 Hz from -0.1 s: f = 0.5 uses 5 steps (last sample at -0.06 s).
    np.testing.assert_allclose(early_times([0.5, 1.0], 10, 100.0, -0.1), [-0.06, -0.01])
    np.testing.assert_allclose(early_times([0.01], 10, 100.0, 0.0), [0.0])  # at least 1 step
    acc = np.array([[0.5, 0.7, 0.8], [0.6, 0.7, 0.9]])
    fig = plot_accuracy_over_time([0.3, 0.6, 1.0], acc, n_steps=10, sfreq=100.0, tmin=-0.1,
                                  chance=0.5, baselines={"logreg": 0.85,
                                                         "curve": [0.4, 0.5, 0.6]})
    ax = fig.axes[0]
    main = ax.lines[0]
    np.testing.assert_allclose(main.get_xdata(), early_times([0.3, 0.6, 1.0], 10, 100.0, -0.1))
    np.testing.assert_allclose(main.get_ydata(), acc.mean(axis=0))
    legend = [t.get_text() for t in fig.legends[0].get_texts()]  # below the axes
    assert legend == ["NeuCube (early prediction)", "± SD", "logreg (full trial)", "curve",
                      "chance"]
    check_all_formats(fig)
    with pytest.raises(ValueError, match=r"must have shape \(3,\) or \(n_repeats, 3\); got "
                                         r"\(2,\)"):
        plot_accuracy_over_time([0.3, 0.6, 1.0], [0.5, 0.6])
    with pytest.raises(ValueError, match="Baseline 'x' of plot_accuracy_over_time must be a "
                                         "number or 3 values"):
        plot_accuracy_over_time([0.3, 0.6, 1.0], [0.5, 0.6, 0.7], baselines={"x": [1, 2]})


# ----------------------------------------------------------------------------- export
def test_export_figures_writes_the_whole_set(model, trials, tmp_path: Path):
    from neucube.evaluation.cross_validation import evaluate

    result = evaluate(model.__class__.published(backend="reference", random_state=0), trials,
                      n_splits=2, baselines=("vectorizer_logreg",))
    fractions = [0.25, 0.5, 1.0]
    curve = {"fractions": fractions,
             "accuracy": model.early_predict_curve(trials, fractions=fractions)}
    out = tmp_path / "figures"
    manifest = export_figures(model, trials, out, evaluation=result, early_curve=curve,
                              window=(0.15, 0.25), channel="Fz")
    assert json.loads((out / "manifest.json").read_text()) == manifest
    names = [f["name"] for f in manifest["figures"]]
    assert names == ["cube_connections", "cube_interactive", "glass_brain_connections",
                     "interaction_network_glass_brain", "interaction_network_circle",
                     "neuron_proportions", "interaction_network_graph", "spike_raster",
                     "encoder_preview", "class_difference", "confusion_matrix", "fold_scores",
                     "accuracy_over_time"]
    for entry in manifest["figures"]:
        assert entry["description"]
        for fmt, rel in entry["files"].items():
            data = (out / rel).read_bytes()
            if fmt == "svg":
                check_svg(data)
            elif fmt == "pdf":
                check_pdf(data)
            elif fmt == "png":
                img = Image.open(io.BytesIO(data))
                assert list(img.size) == entry["png_pixels"]
                w_mm, h_mm = entry["size_mm"]
                assert img.size[0] == pytest.approx(w_mm / MM * 300, abs=1)
                assert img.size[1] == pytest.approx(h_mm / MM * 300, abs=1)
                assert img.info["dpi"] == pytest.approx((300, 300), abs=0.01)
            elif fmt == "html":
                assert data.lower().startswith(b"<!doctype html>") and b"Plotly" in data
                assert b'src="http' not in data  # plotly.js is inlined: opens offline
            elif fmt == "graphml":
                import networkx as nx

                assert set(nx.read_graphml(out / rel).nodes) == set(model.ch_names_)
    static = {f["name"]: f for f in manifest["figures"] if "png" in f["files"]}
    assert static["cube_connections"]["size_mm"] == [183.0, 90.0]
    assert static["interaction_network_circle"]["size_mm"] == [89.0, 89.0]
    ok, reason = plotly_static_available()
    if not ok:
        assert {"name": "cube_interactive (static)", "reason": reason} in manifest["skipped"]
    assert not list(out.glob(".neucube-tmp-*"))  # every write completed

    with pytest.raises(ValueError, match=r"The 'dpi' parameter of export_figures must be in "
                                         r"the range \[300, 2400\]; got 150"):
        export_figures(model, trials, out, dpi=150)
    with pytest.raises(ValueError, match="'trials' argument of export_figures needs labels"):
        export_figures(model, np.asarray(trials.X), out, formats=("png",))


def test_neuron_proportions_many_channels_fit_a_page():
    """fMRI-sized inputs: the largest clusters are drawn and the rest summed in one bar."""
    import pandas as pd

    from neucube.plotting import plot_neuron_proportions

    share = pd.Series(np.random.default_rng(0).dirichlet(np.ones(200)), index=[f"v{i}" for i in range(200)])
    fig = plot_neuron_proportions(share)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert len(labels) == 60 and "141 others" in labels
    assert fig.get_size_inches()[1] * 25.4 <= 500
