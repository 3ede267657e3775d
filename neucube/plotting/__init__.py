"""Publication-ready figures of NeuCube models, in one consistent, colour-blind-safe style.

Every plotting function returns a :class:`matplotlib.figure.Figure` (pyplot-free; the
interactive cube returns a plotly figure) and saves it when given ``path=...``:

- :func:`plot_cube` (static 3-D, before/after STDP) and :func:`plot_cube_interactive` (plotly);
- :func:`plot_glass_connections` and :func:`plot_glass_interaction` (nilearn glass brains);
- :func:`plot_interaction_circle` and :func:`plot_neuron_proportions`;
- :func:`plot_spike_raster`, :func:`plot_encoder_preview`, :func:`plot_class_difference`;
- :func:`plot_confusion_matrix` and :func:`plot_accuracy_over_time`;
- :func:`plot_fold_scores` (the model, its ablation controls and the baselines per fold);
- :func:`plot_importance_map`, :func:`plot_importance_topomaps` and
  :func:`plot_neuron_importance` (what the model used, :mod:`neucube.inspection`);
- :func:`export_figures`: the whole set for a fitted model, with ``manifest.json``.

Style: :func:`figure_style` (a context manager, no global changes), :func:`save_figure`
(SVG/PDF/PNG, editable text, byte-stable SVG), journal widths :data:`SINGLE_COLUMN_MM` and
:data:`DOUBLE_COLUMN_MM`.
"""

from neucube.plotting.activity import plot_class_difference
from neucube.plotting.comparison import plot_fold_scores
from neucube.plotting.connectome import plot_glass_connections, plot_glass_interaction
from neucube.plotting.cube import plot_cube, plot_cube_interactive
from neucube.plotting.encoder import plot_encoder_preview
from neucube.plotting.export import export_figures, plotly_static_available
from neucube.plotting.importance import (
    plot_importance_map,
    plot_importance_topomaps,
    plot_neuron_importance,
)
from neucube.plotting.interaction import plot_interaction_circle, plot_neuron_proportions
from neucube.plotting.performance import (
    early_times,
    plot_accuracy_over_time,
    plot_confusion_matrix,
)
from neucube.plotting.raster import plot_spike_raster
from neucube.plotting.style import (
    DOUBLE_COLUMN_MM,
    SINGLE_COLUMN_MM,
    STYLE,
    figure_size,
    figure_style,
    save_figure,
)

__all__ = [
    "plot_fold_scores",
    "DOUBLE_COLUMN_MM",
    "SINGLE_COLUMN_MM",
    "STYLE",
    "early_times",
    "export_figures",
    "figure_size",
    "figure_style",
    "plot_accuracy_over_time",
    "plot_class_difference",
    "plot_confusion_matrix",
    "plot_cube",
    "plot_cube_interactive",
    "plot_encoder_preview",
    "plot_importance_map",
    "plot_importance_topomaps",
    "plot_glass_connections",
    "plot_glass_interaction",
    "plot_interaction_circle",
    "plot_neuron_importance",
    "plot_neuron_proportions",
    "plot_spike_raster",
    "plotly_static_available",
    "save_figure",
]
