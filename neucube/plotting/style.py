"""One style for every neucube figure: journal sizes, editable text, colour-blind-safe colours.

Nothing here changes matplotlib's global state: :func:`figure_style` is a context manager around
:func:`matplotlib.rc_context`, and figures are :class:`matplotlib.figure.Figure` objects created
without pyplot (so nothing accumulates in pyplot's figure registry and no GUI backend is needed).

- Sizes: :data:`SINGLE_COLUMN_MM` (89 mm) and :data:`DOUBLE_COLUMN_MM` (183 mm), the column widths
  of most journals (Nature, Elsevier, IEEE use 85-90 and 174-183 mm).
- Text stays text: ``pdf.fonttype = 42`` (TrueType) and ``svg.fonttype = "none"``, so labels can be
  edited in Illustrator/Inkscape; ``svg.hashsalt`` is fixed and file dates are left out, so the
  same figure gives byte-identical SVG and PDF files.
- Colours: the Okabe-Ito palette for categories, ColorBrewer's RdBu for signed values (**blue is
  positive, red is negative**, as in NeuCube's connection plots) and viridis for magnitudes; all
  are readable with the common colour-vision deficiencies.
- No clipped labels: figures use constrained layout, so their saved size is exactly the
  requested size (a PNG at 300 dpi of an 89 mm figure is 1051 pixels wide).
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from neucube._atomic import atomic_write_bytes
from neucube._validation import check_number

__all__ = [
    "STYLE",
    "OKABE_ITO",
    "CATEGORICAL",
    "COMMUNITY_COLORS",
    "POSITIVE",
    "NEGATIVE",
    "NEUTRAL",
    "INPUT_COLOR",
    "DIVERGING_CMAP",
    "SEQUENTIAL_CMAP",
    "STRENGTH_CMAP",
    "SINGLE_COLUMN_MM",
    "DOUBLE_COLUMN_MM",
    "FORMATS",
    "MIN_DPI",
    "figure_style",
    "figure_size",
    "new_figure",
    "save_figure",
    "figure_bytes",
    "check_formats",
    "MM_PER_INCH",
]

MM_PER_INCH = 25.4
#: Journal column widths in mm.
SINGLE_COLUMN_MM = 89.0
DOUBLE_COLUMN_MM = 183.0
#: Static formats :func:`save_figure` writes.
FORMATS = ("svg", "pdf", "png")
#: Default (and, for exported figure sets, minimum) raster resolution.
MIN_DPI = 300

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
#: Category colours in order of use (yellow last: it is weak on white).
CATEGORICAL = tuple(OKABE_ITO[k] for k in (
    "blue", "vermillion", "bluish_green", "orange", "reddish_purple", "sky_blue", "black",
    "yellow"))
#: Communities of a network drawn with blue edges: Okabe-Ito without its blues.
COMMUNITY_COLORS = tuple(OKABE_ITO[k] for k in (
    "orange", "vermillion", "bluish_green", "reddish_purple", "black", "yellow"))
#: Signed values: the ends of ColorBrewer RdBu, matching :data:`DIVERGING_CMAP`.
POSITIVE = "#2166AC"
NEGATIVE = "#B2182B"
NEUTRAL = "#B0B0B0"
#: Input neurons are marked in Okabe-Ito orange everywhere.
INPUT_COLOR = OKABE_ITO["orange"]
#: Signed values (blue positive, red negative), symmetric around 0.
DIVERGING_CMAP = "RdBu"
#: Magnitudes and densities.
SEQUENTIAL_CMAP = "viridis"
#: Non-negative strengths drawn on white (the light end of Blues is cut, so weak edges show).
STRENGTH_CMAP = LinearSegmentedColormap.from_list(
    "neucube_strength", mpl.colormaps["Blues"](np.linspace(0.35, 1.0, 256)))

#: rcParams of every neucube figure.
STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
    "font.size": 7.0,
    "axes.titlesize": 7.5,
    "axes.labelsize": 7.0,
    "xtick.labelsize": 6.5,
    "ytick.labelsize": 6.5,
    "legend.fontsize": 6.5,
    "legend.title_fontsize": 7.0,
    "legend.frameon": False,
    "figure.titlesize": 8.0,
    "axes.linewidth": 0.6,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": mpl.cycler(color=list(CATEGORICAL)),
    "xtick.major.width": 0.6,
    "ytick.major.width": 0.6,
    "xtick.major.size": 2.5,
    "ytick.major.size": 2.5,
    "lines.linewidth": 1.0,
    "lines.markersize": 3.0,
    "image.cmap": SEQUENTIAL_CMAP,
    "figure.dpi": 100,
    "savefig.dpi": MIN_DPI,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "none",
    "svg.hashsalt": "neucube",
}

# Leave creation dates and tool versions out, so the same figure gives the same bytes.
_METADATA: dict[str, dict[str, Any]] = {
    "svg": {"Date": None},
    "pdf": {"CreationDate": None, "ModDate": None},
    "png": {},
}


@contextlib.contextmanager
def figure_style(**overrides: Any) -> Iterator[None]:
    """Apply :data:`STYLE` (plus ``overrides``) inside a ``with`` block only.

    Examples
    --------
    >>> from neucube.plotting.style import figure_style, new_figure
    >>> with figure_style():
    ...     fig = new_figure("single", 60)
    """
    with mpl.rc_context({**STYLE, **overrides}):
        yield


def figure_size(width: str | float = "single", height_mm: float | None = None, *,
                aspect: float = 0.75) -> tuple[float, float]:
    """Figure size in inches.

    Parameters
    ----------
    width : "single", "double" or float
        A journal column (89 or 183 mm) or a width in mm.
    height_mm : float, optional
        Height in mm; default ``aspect * width``.
    aspect : float, default=0.75
        Height / width when ``height_mm`` is None.
    """
    if isinstance(width, str):
        if width not in ("single", "double"):
            raise ValueError(f"The 'width' argument must be 'single', 'double' or a width in mm; "
                             f"got {width!r}.")
        width_mm = SINGLE_COLUMN_MM if width == "single" else DOUBLE_COLUMN_MM
    else:
        width_mm = check_number("width", width, low=10.0, high=500.0)
    if height_mm is None:
        height_mm = aspect * width_mm
    height_mm = check_number("height_mm", height_mm, low=10.0, high=500.0)
    return width_mm / MM_PER_INCH, height_mm / MM_PER_INCH


def new_figure(width: str | float = "single", height_mm: float | None = None, *,
               aspect: float = 0.75, layout: str = "constrained") -> Figure:
    """A pyplot-free figure of a journal size (call inside :func:`figure_style`)."""
    return Figure(figsize=figure_size(width, height_mm, aspect=aspect), layout=layout)


def check_formats(formats: Sequence[str]) -> tuple[str, ...]:
    """Formats as a tuple of lower-case names among :data:`FORMATS`."""
    if isinstance(formats, str):
        formats = (formats,)
    out = tuple(str(f).lower().lstrip(".") for f in formats)
    bad = [f for f in out if f not in FORMATS]
    if bad or not out:
        raise ValueError(f"The 'formats' argument must list formats among {', '.join(FORMATS)}; "
                         f"got {list(formats)!r}.")
    return out


def figure_bytes(fig: Figure, fmt: str, *, dpi: float = MIN_DPI) -> bytes:
    """Render a figure to SVG, PDF or PNG bytes with the neucube style's save settings."""
    (fmt,) = check_formats((fmt,))
    dpi = check_number("dpi", dpi, low=72.0, high=2400.0)
    buffer = io.BytesIO()
    # fonttype and hashsalt are read when saving, so the style must be active here too.
    with figure_style():
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
    return buffer.getvalue()


def save_figure(fig: Figure, path: str | os.PathLike[str], *,
                formats: Sequence[str] | None = None, dpi: float = MIN_DPI) -> list[Path]:
    """Save a figure atomically as SVG, PDF and/or PNG.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure.
    path : path-like
        With ``formats=None``: the file, whose extension picks the format. Otherwise the path
        without extension; one file per format is written next to it.
    formats : sequence of {"svg", "pdf", "png"}, optional
        Formats to write.
    dpi : float, default=300
        Resolution of PNG files (and of raster parts of PDF/SVG).

    Returns
    -------
    list of Path
        The written files.
    """
    path = Path(path)
    if formats is None:
        fmts = check_formats((path.suffix,))
        targets = [path]
    else:
        fmts = check_formats(formats)
        stem = path.with_suffix("") if path.suffix.lower().lstrip(".") in FORMATS else path
        targets = [stem.with_name(f"{stem.name}.{f}") for f in fmts]
    return [atomic_write_bytes(t, figure_bytes(fig, f, dpi=dpi))
            for t, f in zip(targets, fmts, strict=True)]


def finish(fig: Figure, path: str | os.PathLike[str] | None,
           formats: Sequence[str] | None, dpi: float) -> Figure:
    """Save ``fig`` when a ``path`` is given, and return it (shared tail of the plot functions)."""
    if path is not None:
        save_figure(fig, path, formats=formats, dpi=dpi)
    return fig
