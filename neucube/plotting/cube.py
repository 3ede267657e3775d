"""The cube in 3-D: neurons, labelled inputs and the strongest connections, before/after STDP.

As in NeuCube's connection plot, connections with ``|w|`` at or above a threshold are drawn,
positive ones in blue and negative ones in red, with line width proportional to ``|w|``.

The threshold is a number (NeuCube's plot used 0.08) or a percentile of the ``|w|`` of each
panel's active non-zero synapses, such as the default ``"97.5%"``: the strongest 2.5% of the
connections of each state are drawn, which is about the share that 0.08 drew of NeuCube's
published wiring (1,077 of 42,954 synapses on a 19-channel cube). A fixed number suits fixed
weights only: a calibrated cube (``weight_scale="auto"``) scales its weights by a factor found
per dataset, and homeostasis rescales them after STDP by another (often 0.01-0.05), so a fixed
threshold draws everything in one panel and nothing in the other. With a number, both panels
share one line-width scale, so before and after compare directly; with a percentile, each
panel has its own (its title gives the |w| it starts at).

- :func:`plot_cube`: static matplotlib version, for papers.
- :func:`plot_cube_interactive`: plotly version (rotatable, before/after buttons), for the app
  and for self-contained HTML.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from neucube._validation import check_int, check_number
from neucube.analysis._source import CubeSource, resolve_cube
from neucube.defaults import CUBE_PLOT_THRESHOLD
from neucube.plotting._common import Connections, input_labels, strong_connections
from neucube.plotting.style import (
    INPUT_COLOR,
    NEGATIVE,
    NEUTRAL,
    POSITIVE,
    figure_style,
    finish,
    new_figure,
)

__all__ = ["plot_cube", "plot_cube_interactive", "CUBE_STATES", "DEFAULT_THRESHOLD"]

#: Which network(s) to draw.
CUBE_STATES = ("both", "before", "after")

_TITLES = {"before": "Before STDP", "after": "After STDP"}


#: Default threshold: the strongest 2.5% of each panel's connections (see the module docstring).
DEFAULT_THRESHOLD = CUBE_PLOT_THRESHOLD


def _percentile(threshold: str, owner: str) -> float:
    text = threshold.strip()
    try:
        if not text.endswith("%"):
            raise ValueError
        percent = float(text[:-1])
        if not 0.0 <= percent < 100.0:
            raise ValueError
    except ValueError:
        raise ValueError(f"The 'threshold' argument of {owner} must be a number >= 0 or a "
                         f"percentile in [0%, 100%) such as '97.5%'; got {threshold!r}."
                         ) from None
    return percent


def _states(source: CubeSource, which: str, threshold: float | str, owner: str
            ) -> list[tuple[str, float, Connections]]:
    """``(state, |w| threshold, connections drawn)`` for each panel."""
    if which not in CUBE_STATES:
        raise ValueError(f"The 'which' argument of {owner} must be one of "
                         f"{', '.join(map(repr, CUBE_STATES))}; got {which!r}.")
    names = ("before", "after") if which == "both" else (which,)
    nets = {"before": source.initial, "after": source.final}
    out = []
    for n in names:
        if isinstance(threshold, str):
            w = np.abs(nets[n].weights[nets[n].active])
            w = w[w > 0]
            value = float(np.percentile(w, _percentile(threshold, owner))) if w.size else 0.0
        else:
            value = check_number("threshold", threshold, low=0.0, owner=owner)
        out.append((n, value, strong_connections(nets[n], value, owner)))
    return out


def _scales(states: list[tuple[str, float, Connections]], relative: bool) -> list[float]:
    """Largest drawn ``|w|`` of each panel: its own with a percentile, else one for all."""
    own = [float(np.abs(c.weights).max()) if c.weights.size else 1.0 for *_, c in states]
    return own if relative else [max(own)] * len(own)


def _kept(threshold: float | str, value: float) -> str:
    """How a panel's connections were chosen, for titles."""
    if isinstance(threshold, str):
        return f"strongest {100.0 - _percentile(threshold, 'plot_cube'):g}%: |w| ≥ {value:.3g}"
    return f"|w| ≥ {value:g}"


def _draw_cube(ax: Any, source: CubeSource, conn: Connections, *, w_max: float,
               max_linewidth: float, show_neurons: bool, label_inputs: bool,
               title: str, kept: str) -> None:
    from mpl_toolkits.mplot3d.art3d import Line3DCollection

    pos = source.final.positions
    if show_neurons:
        ax.scatter(*pos.T, s=0.6, c=NEUTRAL, alpha=0.35, linewidths=0, depthshade=False)
    if conn.weights.size:
        segments = np.stack([pos[conn.pre], pos[conn.post]], axis=1)
        colors = np.where(conn.weights[:, None] > 0, _rgba(POSITIVE), _rgba(NEGATIVE))
        widths = max_linewidth * np.abs(conn.weights) / w_max
        ax.add_collection3d(Line3DCollection(segments, colors=colors, linewidths=widths,
                                             alpha=0.8))
    inputs = pos[source.final.input_neurons[:, 0]]
    ax.scatter(*inputs.T, s=9, c=INPUT_COLOR, edgecolors="black", linewidths=0.3,
               depthshade=False, zorder=5)
    if label_inputs:
        for name, p in input_labels(source):
            ax.text(p[0], p[1], p[2] + 4.0, name, fontsize=4.5, ha="center", va="bottom",
                    zorder=6)
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    ax.set_zlim(lo[2], hi[2])
    ax.set_box_aspect(np.maximum(hi - lo, 1e-9), zoom=1.2)
    ax.set_xlabel("x (mm)", labelpad=-8)
    ax.set_ylabel("y (mm)", labelpad=-8)
    ax.set_zlabel("z (mm)", labelpad=-8)
    ax.tick_params(pad=-3, labelsize=5)
    for axis in (ax.xaxis, ax.yaxis, ax.zaxis):
        axis.pane.set_alpha(0.0)
        axis.line.set_linewidth(0.4)
    ax.set_title(f"{title}\n{conn.n_positive} positive, {conn.n_negative} negative "
                 f"({kept})", pad=0)


def _rgba(color: str) -> np.ndarray:
    from matplotlib.colors import to_rgba

    return np.asarray(to_rgba(color))


def plot_cube(
    model: Any,
    *,
    threshold: float | str = DEFAULT_THRESHOLD,
    which: str = "both",
    ch_names: Sequence[str] | None = None,
    show_neurons: bool = True,
    label_inputs: bool = True,
    elev: float = 18.0,
    azim: float = -62.0,
    max_linewidth: float = 1.5,
    width: str | float = "double",
    height_mm: float | None = None,
    path: str | os.PathLike[str] | None = None,
    formats: Sequence[str] | None = None,
    dpi: float = 300,
) -> Figure:
    """Static 3-D view of the cube's strongest connections (matplotlib).

    Parameters
    ----------
    model : NeuCubeClassifier, Reservoir or CubeNetwork
        The fitted cube.
    threshold : float or str, default="97.5%"
        Draw connections with ``|w| >= threshold``; a percentile such as ``"97.5%"`` is taken
        of each panel's non-zero ``|w|`` (see the module docstring).
    which : {"both", "before", "after"}, default="both"
        The network before STDP, after, or both side by side.
    ch_names : sequence of str, optional
        Labels of the input neurons; default the model's channel names.
    show_neurons : bool, default=True
        Draw every neuron as a faint dot.
    label_inputs : bool, default=True
        Write channel names next to the input neurons.
    elev, azim : float
        Viewing angles in degrees (the default looks from the left-front-top).
    max_linewidth : float, default=1.5
        Line width (points) of the strongest drawn connection; widths are ``∝ |w|``.
    width : "single", "double" or float, default="double"
        Figure width (journal column or mm).
    height_mm : float, optional
        Figure height; default about half the width per panel row.
    path : path-like, optional
        Save the figure there (see :func:`~neucube.plotting.save_figure`).
    formats : sequence of str, optional
        Formats to save when ``path`` has no extension.
    dpi : float, default=300
        PNG resolution.

    Returns
    -------
    matplotlib.figure.Figure
    """
    owner = "plot_cube"
    max_linewidth = check_number("max_linewidth", max_linewidth, low=0.0, low_inclusive=False,
                                 owner=owner)
    source = resolve_cube(model, owner=owner, ch_names=ch_names)
    states = _states(source, which, threshold, owner)
    relative = isinstance(threshold, str)
    scales = _scales(states, relative)
    with figure_style():
        if height_mm is None:
            height_mm = 90.0 if len(states) == 2 else 80.0
        fig = new_figure(width, height_mm)
        for k, (name, value, conn) in enumerate(states):
            ax = fig.add_subplot(1, len(states), k + 1, projection="3d")
            ax.view_init(elev=elev, azim=azim)
            _draw_cube(ax, source, conn, w_max=scales[k], max_linewidth=max_linewidth,
                       show_neurons=show_neurons, label_inputs=label_inputs,
                       title=_TITLES[name], kept=_kept(threshold, value))
        handles = [
            Line2D([], [], color=POSITIVE, lw=1.2, label="positive weight"),
            Line2D([], [], color=NEGATIVE, lw=1.2, label="negative weight"),
            Line2D([], [], ls="none", marker="o", ms=4, mfc=INPUT_COLOR, mec="black",
                   mew=0.3, label="input neuron"),
        ]
        legend = (f"the strongest {100.0 - _percentile(threshold, owner):g}% of each panel's "
                  f"connections (line width ∝ |w| within a panel)" if relative else
                  f"connections with |w| ≥ {threshold:g} (line width ∝ |w|)")
        fig.legend(handles=handles, loc="outside lower center", ncols=3, title=legend)
    return finish(fig, path, formats, dpi)


def plot_cube_interactive(
    model: Any,
    *,
    threshold: float | str = DEFAULT_THRESHOLD,
    ch_names: Sequence[str] | None = None,
    n_width_bins: int = 4,
    max_linewidth: float = 6.0,
    show_neurons: bool = True,
) -> Any:
    """Interactive 3-D cube (plotly) with buttons to switch between before and after STDP.

    Parameters
    ----------
    model : NeuCubeClassifier, Reservoir or CubeNetwork
        The fitted cube.
    threshold : float or str, default="97.5%"
        Draw connections with ``|w| >= threshold``; a percentile such as ``"97.5%"`` is taken
        of each state's non-zero ``|w|`` (see the module docstring).
    ch_names : sequence of str, optional
        Labels of the input neurons.
    n_width_bins : int, default=4
        A plotly line trace has one width, so connections are grouped into this many classes
        of ``|w|`` (equal-width bins up to the strongest: of both states for a number, of each
        state for a percentile); each class is drawn with the width of its upper edge,
        ``∝ |w|``.
    max_linewidth : float, default=6.0
        Width (pixels) of the strongest class.
    show_neurons : bool, default=True
        Draw every neuron as a faint dot.

    Returns
    -------
    plotly.graph_objects.Figure
        Save it with ``fig.write_html(path, include_plotlyjs=True)`` or show it with
        ``st.plotly_chart(fig)``.
    """
    import plotly.graph_objects as go

    owner = "plot_cube_interactive"
    n_width_bins = check_int("n_width_bins", n_width_bins, low=1, owner=owner)
    max_linewidth = check_number("max_linewidth", max_linewidth, low=0.0, low_inclusive=False,
                                 owner=owner)
    source = resolve_cube(model, owner=owner, ch_names=ch_names)
    states = _states(source, "both", threshold, owner)
    scales = _scales(states, isinstance(threshold, str))
    pos = source.final.positions

    fig = go.Figure()
    always: list[bool] = []
    if show_neurons:
        fig.add_trace(go.Scatter3d(
            x=pos[:, 0], y=pos[:, 1], z=pos[:, 2], mode="markers", name="neurons",
            marker={"size": 1.5, "color": NEUTRAL, "opacity": 0.35}, hoverinfo="skip"))
        always.append(True)
    inputs = pos[source.final.input_neurons[:, 0]]
    fig.add_trace(go.Scatter3d(
        x=inputs[:, 0], y=inputs[:, 1], z=inputs[:, 2], mode="markers",
        text=list(source.ch_names), name="input neurons",
        marker={"size": 7, "color": INPUT_COLOR, "line": {"color": "black", "width": 1}},
        hovertemplate="%{text}<br>(%{x:.0f}, %{y:.0f}, %{z:.0f}) mm<extra></extra>"))
    # The names float above the cube, pinned to their neuron by a thin line: WebGL hides text
    # behind nearer points and lines, and a name at its neuron was hidden by the connections
    # in front of it (TP9, AF7 and AF8 in the Muse walk). Above the top and 10 mm outward
    # (in x, y) from the centre, seen from above, no neuron or connection is in front of it.
    outward = inputs[:, :2] - pos[:, :2].mean(axis=0)
    outward /= np.maximum(np.linalg.norm(outward, axis=1, keepdims=True), 1e-9)
    names = np.c_[inputs[:, :2] + 10.0 * outward,
                  np.full(len(inputs), pos[:, 2].max() + 10.0)]
    pins = np.full((3 * len(inputs), 3), np.nan)
    pins[0::3], pins[1::3] = inputs, names
    fig.add_trace(go.Scatter3d(
        x=pins[:, 0], y=pins[:, 1], z=pins[:, 2], mode="lines", name="name pins",
        line={"color": "#555555", "width": 1.5}, showlegend=False, hoverinfo="skip",
        connectgaps=False))
    fig.add_trace(go.Scatter3d(
        x=names[:, 0], y=names[:, 1], z=names[:, 2], mode="text", text=list(source.ch_names),
        name="channel names", showlegend=False, hoverinfo="skip", textposition="middle center",
        # Smaller for a full cap, whose names otherwise run into each other.
        textfont={"size": 16 if len(inputs) <= 20 else 11, "color": "#111111",
                  "family": "Arial Black, Arial, sans-serif"}))
    always += [True, True, True]

    owners: list[str] = []
    for (name, _, conn), w_max in zip(states, scales, strict=True):
        edges = np.linspace(0.0, w_max, n_width_bins + 1)
        bins = np.clip(np.searchsorted(edges, np.abs(conn.weights), side="left"), 1,
                       n_width_bins)
        for sign, color, label in ((1, POSITIVE, "positive"), (-1, NEGATIVE, "negative")):
            for b in range(1, n_width_bins + 1):
                sel = (np.sign(conn.weights) == sign) & (bins == b)
                if not np.any(sel):
                    continue
                # One trace per (state, sign, width class): segments separated by None.
                seg = np.full((int(sel.sum()) * 3, 3), np.nan)
                seg[0::3] = pos[conn.pre[sel]]
                seg[1::3] = pos[conn.post[sel]]
                # Weaker classes are lighter shades, so the legend tells them apart.
                shade = _mix_with_white(color, 0.25 + 0.75 * b / n_width_bins)
                fig.add_trace(go.Scatter3d(
                    x=seg[:, 0], y=seg[:, 1], z=seg[:, 2], mode="lines",
                    line={"color": shade, "width": max_linewidth * edges[b] / w_max},
                    name=f"{label} |w| ≤ {edges[b]:.3g}", legendgroup=f"{name}-{label}",
                    hoverinfo="skip", visible=name == "after", connectgaps=False))
                owners.append(name)
    buttons = []
    for name in ("after", "before"):
        visible = always + [o == name for o in owners]
        _, value, conn = next(st for st in states if st[0] == name)
        buttons.append({
            "label": _TITLES[name], "method": "update",
            "args": [{"visible": visible},
                     {"title.text": f"{_TITLES[name]}: {conn.n_positive} positive, "
                                    f"{conn.n_negative} negative connections "
                                    f"({_kept(threshold, value)})"}],
        })
    _, after_value, after = next(st for st in states if st[0] == "after")
    # The title sits on the top line and the before/after buttons on the line below it, both
    # in the top margin, so neither hides the other or the cube.
    fig.update_layout(
        title={"text": f"After STDP: {after.n_positive} positive, {after.n_negative} negative "
                       f"connections ({_kept(threshold, after_value)})", "font": {"size": 15},
               "x": 0.01, "xanchor": "left", "y": 0.985, "yanchor": "top"},
        updatemenus=[{"type": "buttons", "direction": "right", "buttons": buttons,
                      "x": 0.0, "y": 1.0, "xanchor": "left", "yanchor": "bottom",
                      "pad": {"b": 6}, "showactive": True, "font": {"size": 13}}],
        # Seen from above, nose up: the input neurons of scalp electrodes lie on the cube's
        # surface, and from the side those of the far hemisphere hid behind it (TP9 in the
        # Muse walk); from above, each is on top or at the rim, with its name outside it.
        scene={"aspectmode": "data", "xaxis_title": "x (mm)", "yaxis_title": "y (mm)",
               "zaxis_title": "z (mm)",
               "camera": {"eye": {"x": 0.0, "y": -0.25, "z": 1.9},
                          "up": {"x": 0.0, "y": 1.0, "z": 0.0}}},
        # Tall, with the legend below: beside it, the legend took a third of the width and the
        # cube (and its labels) came out small.
        height=650, template="simple_white", margin={"l": 0, "r": 0, "t": 100, "b": 0},
        legend={"itemsizing": "constant", "font": {"size": 13}, "orientation": "h",
                "x": 0.0, "xanchor": "left", "y": 0.0, "yanchor": "top"},
        font={"size": 13},
    )
    return fig


def _mix_with_white(color: str, amount: float) -> str:
    """``color`` (``#rrggbb``) at ``amount`` (1 = itself, 0 = white), as ``#rrggbb``."""
    rgb = np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)], dtype=float)
    mixed = 255.0 - (255.0 - rgb) * float(np.clip(amount, 0.0, 1.0))
    return "#" + "".join(f"{int(round(v)):02x}" for v in mixed)
