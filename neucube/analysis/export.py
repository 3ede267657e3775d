"""Write analysis graphs for other tools: GraphML, GEXF (Gephi) or a CSV edge list.

The format follows the file extension. Files are written atomically (a complete file or none).
GraphML keeps every node, edge and graph attribute; GEXF keeps node and edge attributes (Gephi
adds a ``label`` per node and an ``id`` per edge when reading) but only the graph's ``name``;
the CSV edge list has one row per edge (``source``, ``target`` and the edge attributes), no
node attributes.
"""

from __future__ import annotations

import io
import numbers
import os
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from neucube._atomic import atomic_write_bytes

__all__ = ["export_graph", "GRAPH_FORMATS"]

#: File extensions understood by :func:`export_graph`.
GRAPH_FORMATS = (".graphml", ".gexf", ".csv")


def _plain(value: Any, where: str) -> Any:
    """``value`` as a bool/int/float/str, which every format stores."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"export_graph: attribute {where} has a value of type "
                    f"{type(value).__name__} ({value!r}); only bool, int, float and str can be "
                    "written to GraphML/GEXF/CSV.")


def _plain_graph(graph: nx.Graph) -> nx.Graph:
    out = graph.__class__()
    out.graph.update({k: _plain(v, f"graph[{k!r}]") for k, v in graph.graph.items()})
    out.add_nodes_from(
        (n, {k: _plain(v, f"{k!r} of node {n!r}") for k, v in d.items()})
        for n, d in graph.nodes(data=True)
    )
    out.add_edges_from(
        (u, v, {k: _plain(x, f"{k!r} of edge {u!r}-{v!r}") for k, x in d.items()})
        for u, v, d in graph.edges(data=True)
    )
    return out


def export_graph(graph: nx.Graph, path: str | os.PathLike[str]) -> Path:
    """Write a networkx graph to GraphML, GEXF or a CSV edge list, chosen by extension.

    Parameters
    ----------
    graph : networkx.Graph or networkx.DiGraph
        E.g. from :func:`~neucube.analysis.network_graph` or
        :func:`~neucube.analysis.feature_interaction_network`. Attribute values must be bool,
        int, float or str (NumPy scalars are converted).
    path : path-like
        Destination ending in ``.graphml``, ``.gexf`` or ``.csv``.

    Returns
    -------
    Path
        The written file.

    Examples
    --------
    >>> export_graph(feature_interaction_network(model), "interaction.gexf")  # doctest: +SKIP
    """
    if not isinstance(graph, nx.Graph):
        raise TypeError(f"The 'graph' argument of export_graph must be a networkx graph; got "
                        f"{type(graph).__name__}.")
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in GRAPH_FORMATS:
        raise ValueError(f"The 'path' argument of export_graph must end in one of "
                         f"{', '.join(GRAPH_FORMATS)}; got {path.name!r}.")
    plain = _plain_graph(graph)
    buffer = io.BytesIO()
    if ext == ".graphml":
        nx.write_graphml(plain, buffer)
    elif ext == ".gexf":
        nx.write_gexf(plain, buffer)
    else:
        frame = nx.to_pandas_edgelist(plain, source="source", target="target")
        buffer.write(frame.to_csv(index=False, lineterminator="\n").encode("utf-8"))
    return atomic_write_bytes(path, buffer.getvalue())
