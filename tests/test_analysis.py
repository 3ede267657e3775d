"""Connectivity analysis: exact values on a hand-made cube, and a real fitted model.

The hand-made cube (``tiny``) has two channels and nine neurons::

    channel 0: input neurons 0 (+) and 6 (-)     channel 1: input neurons 1 (+) and 7 (-)
    0 -> 2 (0.5)   6 -> 2 (0.25)   2 -> 3 (0.1)   3 -> 4 (0.05, the only bridge)
    1 -> 4 (0.4)   7 -> 5 (-0.3, inhibitory)      4 -> 5 (0.2)      neuron 8: no synapse

and a two-trial raster of six steps whose spike counts were worked out by hand (see ``raster``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from neucube.analysis.activity import ClassActivity, class_activity, window_steps
from neucube.analysis.clusters import label_propagation, neuron_clusters, neuron_proportions
from neucube.analysis.communication import (
    neuron_spike_counts,
    spike_communication,
    spike_transmission,
)
from neucube.analysis.export import export_graph
from neucube.analysis.graph import network_graph
from neucube.analysis.interaction import (
    feature_interaction_network,
    interaction_graph,
    interaction_matrix,
)
from neucube.analysis.routes import information_routes
from neucube.cube.network import CubeNetwork
from neucube.cube.raster import SpikeRaster
from neucube.cube.reservoir import Reservoir
from neucube.cube.template import grid_template

# ----------------------------------------------------------------------------- fixtures
SYNAPSES = {  # (pre, post): weight
    (0, 2): 0.5, (1, 4): 0.4, (2, 3): 0.1, (3, 4): 0.05,
    (4, 5): 0.2, (6, 2): 0.25, (7, 5): -0.3,
}


def make_tiny(synapses: dict[tuple[int, int], float] = SYNAPSES) -> CubeNetwork:
    pairs = sorted(synapses)
    pre = np.array([p for p, _ in pairs])
    post = np.array([q for _, q in pairs])
    w = np.array([synapses[k] for k in pairs])
    positions = np.column_stack([np.arange(9) * 10.0, np.zeros(9), np.zeros(9)])
    positions[6], positions[7] = positions[0], positions[1]  # a channel's +/- share a place
    return CubeNetwork(positions=positions, input_neurons=np.array([[0, 6], [1, 7]]),
                       pre=pre, post=post, active=np.ones(len(pairs), bool),
                       excitatory=w > 0, weights=w)


@pytest.fixture
def tiny() -> CubeNetwork:
    return make_tiny()


@pytest.fixture
def raster() -> SpikeRaster:
    # trial 0: 0@1, 2@2, 3@3, 4@4, 0@5 (last step)
    # trial 1: 2@0 (must not pair with 0@5 of trial 0), 7@1, 0@2, 5@2, 2@3
    events = [(0, 1, 0), (0, 2, 2), (0, 3, 3), (0, 4, 4), (0, 5, 0),
              (1, 0, 2), (1, 1, 7), (1, 2, 0), (1, 2, 5), (1, 3, 2)]
    trial, step, neuron = np.array(events).T
    return SpikeRaster.from_events(trial, step, neuron, n_trials=2, n_steps=6, n_neurons=9)


@pytest.fixture(scope="module")
def fitted_reservoir() -> Reservoir:
    rng = np.random.default_rng(0)
    spikes = rng.choice([-1, 0, 1], p=[0.1, 0.8, 0.1], size=(6, 3, 40)).astype(np.int8)
    cube = Reservoir(template=grid_template((5, 5, 5)), backend="reference", random_state=0,
                     coords=[[0, 0, 0], [40, 40, 40], [0, 40, 20]], stdp_rate=0.01)
    return cube.fit(spikes)


@pytest.fixture(scope="module")
def model():
    """A real NeuCubeClassifier on simulated familiarity EEG, brain template, reference engine."""
    classifier = pytest.importorskip("neucube.classifier")
    from data_loaders.simulate import simulate_familiarity

    trials = simulate_familiarity(n_subjects=1, effect_size=1.5, seed=0, n_trials_per_class=6)
    return classifier.NeuCubeClassifier(backend="reference", random_state=0).fit(trials)


def dense_reference_propagation(adjacency: np.ndarray, seeds, alpha=0.99):
    """Independent dense computation of F = (I - alpha S)^-1 Y."""
    w = np.abs(adjacency)
    w = (w + w.T) / 2
    d = w.sum(axis=1)
    inv = np.where(d > 0, 1 / np.sqrt(np.where(d > 0, d, 1)), 0.0)
    s = inv[:, None] * w * inv[None, :]
    y = np.zeros((len(w), len(seeds)))
    for k, group in enumerate(seeds):
        y[list(group), k] = 1
    return np.linalg.solve(np.eye(len(w)) - alpha * s, y)


# ----------------------------------------------------------------------------- clusters
def test_label_propagation_on_a_chain_splits_in_the_middle():
    chain = np.diag(np.ones(3), 1)  # 0 - 1 - 2 - 3, given in one direction only
    labels, scores = label_propagation(chain, [[0], [3]])
    assert labels.tolist() == [0, 0, 1, 1]
    np.testing.assert_allclose(scores, dense_reference_propagation(chain, [[0], [3]]),
                               rtol=1e-10)
    # Symmetry of the chain: node 1's scores mirror node 2's.
    np.testing.assert_allclose(scores[1], scores[2][::-1], rtol=1e-12)


def test_neuron_clusters_one_label_per_channel_and_unreached_neurons(tiny):
    labels, scores = neuron_clusters(tiny, return_scores=True)
    # Both input neurons of a channel carry its label; neuron 8 has no synapse at all.
    assert labels.tolist() == [0, 1, 0, 0, 1, 1, 0, 1, -1]
    dense = tiny.weight_matrix().toarray()
    np.testing.assert_allclose(scores, dense_reference_propagation(dense, [[0, 6], [1, 7]]),
                               rtol=1e-10, atol=1e-14)
    assert scores.shape == (9, 2)


def test_neuron_clusters_component_without_input_is_unassigned():
    # 2 <-> 3 connected to each other only: no input reaches them.
    net = make_tiny({(0, 4): 0.3, (1, 5): 0.3, (2, 3): 0.2})
    assert neuron_clusters(net).tolist() == [0, 1, -1, -1, 0, 1, 0, 1, -1]


def test_neuron_clusters_over_spike_communication(tiny, raster):
    labels = neuron_clusters(tiny, use="communication", raster=raster)
    sc = spike_communication(tiny, raster).toarray()
    ref = dense_reference_propagation(sc, [[0, 6], [1, 7]])
    # SC links 0-2-3-4-5 and 7-5; neuron 1 and 6 never spike and have no other edge.
    reached = np.array([1, 0, 1, 1, 1, 1, 0, 1, 0], bool)
    assert np.array_equal(labels >= 0, reached | np.isin(np.arange(9), [1, 6]))
    assert np.array_equal(labels[reached], np.argmax(ref, axis=1)[reached])


def test_neuron_proportions_exact():
    labels = np.array([0, 1, 0, 0, 1, 1, 0, 1, -1])
    share = neuron_proportions(labels, ["Fz", "Cz"])
    assert share.to_dict() == {"Fz": 0.5, "Cz": 0.5}
    assert share.attrs["counts"] == {"Fz": 4, "Cz": 4}
    full = neuron_proportions(labels, ["Fz", "Cz"], include_unassigned=True)
    np.testing.assert_allclose(full.to_numpy(), [4 / 9, 4 / 9, 1 / 9])
    assert list(full.index) == ["Fz", "Cz", "unassigned"]


def test_cluster_argument_errors(tiny):
    with pytest.raises(ValueError, match=r"The 'alpha' parameter of label_propagation must "
                                         r"be in the range \(0, 1\); got 1.0"):
        label_propagation(np.eye(3), [[0]], alpha=1.0)
    with pytest.raises(ValueError, match="must not give a node two labels"):
        label_propagation(np.ones((3, 3)), [[0, 1], [1]])
    with pytest.raises(ValueError, match=r"node indices in \[0, 3\); got values in \[0, 5\]"):
        label_propagation(np.ones((3, 3)), [[0], [5]])
    with pytest.raises(ValueError, match="must be a square matrix; got shape"):
        label_propagation(np.ones((3, 2)), [[0]])
    with pytest.raises(ValueError, match="The 'use' parameter of neuron_clusters must be one "
                                         "of 'weights', 'communication'; got 'spikes'"):
        neuron_clusters(tiny, use="spikes")
    with pytest.raises(ValueError, match="neuron_clusters needs spikes: pass raster=..."):
        neuron_clusters(tiny, use="communication")
    with pytest.raises(ValueError, match=r"channel indices in \[0, 2\) or -1; got values in "
                                         r"\[0, 2\]"):
        neuron_proportions(np.array([0, 2]), ["a", "b"])
    with pytest.raises(ValueError, match="one name per input channel"):
        network_graph(tiny, ch_names=["only-one"])
    with pytest.raises(ValueError, match="must hold unique names"):
        network_graph(tiny, ch_names=["a", "a"])


# ----------------------------------------------------------------------------- spikes on synapses
def test_spike_communication_counts_presynaptic_spikes_per_synapse(tiny, raster):
    assert neuron_spike_counts(raster).tolist() == [3, 0, 3, 1, 1, 1, 0, 1, 0]
    sc = spike_communication(tiny, raster)
    assert isinstance(sc, sp.csr_array) and sc.shape == (9, 9)
    expected = {(0, 2): 3, (2, 3): 3, (3, 4): 1, (4, 5): 1, (7, 5): 1}  # 1 and 6 never spike
    got = {(int(i), int(j)): float(v) for i, j, v in zip(*sp.find(sc), strict=True)}
    assert got == expected


def test_spike_transmission_counts_next_step_spikes_within_trials(tiny, raster):
    t = spike_transmission(tiny, raster, trials_per_chunk=1)
    got = {(int(i), int(j)): float(v) for i, j, v in zip(*sp.find(t), strict=True)}
    # 0@1->2@2 and 0@2->2@3; 2@2->3@3; 3@3->4@4; 7@1->5@2. 0@5 (trial 0) -> 2@0 (trial 1) is
    # not a transmission.
    assert got == {(0, 2): 2, (2, 3): 1, (3, 4): 1, (7, 5): 1}
    assert (spike_transmission(tiny, raster, trials_per_chunk=7) != t).nnz == 0


def test_raster_must_match_the_cube(tiny, raster):
    small = SpikeRaster.from_events([0], [0], [0], n_trials=1, n_steps=2, n_neurons=3)
    with pytest.raises(ValueError, match=r"one row per cube neuron \(9\); got a raster of 3"):
        spike_communication(tiny, small)
    with pytest.raises(TypeError, match="must be a SpikeRaster; got ndarray"):
        spike_transmission(tiny, np.zeros((1, 9, 6)))


# ----------------------------------------------------------------------------- routes
def test_information_routes_by_hand(tiny, raster):
    routes = information_routes(tiny, raster, depth=3, ch_names=["Fz", "Cz"])
    fz = routes["Fz"]
    # Sources 0 (3 spikes) and 6 (0 spikes); 6 -> 2 passed nothing, so only 0 -> 2 is used.
    assert {n: d["level"] for n, d in fz.nodes(data=True)} == {0: 0, 6: 0, 2: 1, 3: 2, 4: 3}
    assert sorted(fz.edges) == [(0, 2), (2, 3), (3, 4)]
    assert fz.edges[0, 2]["share"] == pytest.approx(2 / 3)
    assert fz.edges[0, 2]["passed"] == 2
    assert fz.nodes[2]["flow"] == pytest.approx(2.0)          # 3 spikes x 2/3
    assert fz.edges[2, 3]["share"] == pytest.approx(1 / 3)
    assert fz.nodes[3]["flow"] == pytest.approx(2 / 3)        # 2 x 1/3
    assert fz.nodes[4]["flow"] == pytest.approx(2 / 3)        # 2/3 x 1
    assert fz.graph == {"channel": "Fz", "depth": 3, "source_spikes": 3.0, "reached": 3}
    # Channel 1: 7 -> 5 passed a spike but is inhibitory, so it is not a route.
    cz = routes["Cz"]
    assert set(cz.nodes) == {1, 7} and cz.number_of_edges() == 0
    assert set(information_routes(tiny, raster, depth=2)["ch0"].nodes) == {0, 6, 2, 3}
    with pytest.raises(ValueError, match=r"The 'min_share' parameter of information_routes must "
                                         r"be in the range \[0, 1\); got 1.0"):
        information_routes(tiny, raster, min_share=1.0)
    assert set(information_routes(tiny, raster, min_share=0.5)["ch0"].nodes) == {0, 6, 2}


# ----------------------------------------------------------------------------- interaction
def test_interaction_matrix_by_hand():
    w = np.array([[0, 2, 0], [0, 0, -3], [1, 0, 0]])
    assert interaction_matrix(w, [0, 0, 1], 2).tolist() == [[2.0, 3.0], [1.0, 0.0]]
    assert interaction_matrix(w, [0, -1, 1], 2).tolist() == [[0.0, 0.0], [1.0, 0.0]]
    with pytest.raises(ValueError, match=r"must be 3 integers, one per node; got shape \(2,\)"):
        interaction_matrix(w, [0, 1], 2)


def test_feature_interaction_network_by_hand(tiny):
    labels = np.array([0, 1, 0, 0, 1, 1, 0, 1, -1])
    g = feature_interaction_network(tiny, labels=labels, ch_names=["Fz", "Cz"])
    assert isinstance(g, nx.Graph) and not g.is_directed()
    assert list(g.nodes) == ["Fz", "Cz"]
    # Within cluster 0: 0->2, 6->2, 2->3; within 1: 1->4, 7->5 (|-0.3|), 4->5; between: 3->4.
    assert g.nodes["Fz"]["internal"] == pytest.approx(0.5 + 0.25 + 0.1)
    assert g.nodes["Cz"]["internal"] == pytest.approx(0.4 + 0.3 + 0.2)
    assert g.edges["Fz", "Cz"]["total"] == pytest.approx(0.05)
    assert g.edges["Fz", "Cz"]["average"] == pytest.approx(0.05 / 16)
    assert g.edges["Fz", "Cz"]["weight"] == pytest.approx(0.05)
    assert g.nodes["Fz"]["n_neurons"] == 4 and g.nodes["Fz"]["proportion"] == 0.5
    assert (g.nodes["Cz"]["x"], g.nodes["Cz"]["y"], g.nodes["Cz"]["z"]) == (10.0, 0.0, 0.0)
    assert g.nodes["Fz"]["strength"] == pytest.approx(0.05)
    avg = feature_interaction_network(tiny, labels=labels, weight="average")
    assert avg.edges["ch0", "ch1"]["weight"] == pytest.approx(0.05 / 16)


def test_interaction_graph_measures_on_a_known_network():
    # Two tight pairs (a-b, c-d) joined by one weak edge b-c.
    m = np.zeros((4, 4))
    m[0, 1], m[2, 3], m[1, 2] = 5.0, 4.0, 0.5
    g = interaction_graph(m, ["a", "b", "c", "d"], sizes=[1, 2, 3, 4])
    assert g.edges["a", "b"]["average"] == pytest.approx(5.0 / 2)
    assert g.nodes["b"]["strength"] == pytest.approx(5.5)
    assert g.nodes["a"]["degree"] == 1 and g.nodes["b"]["degree"] == 2
    # b and c lie on every path between the pairs.
    assert g.nodes["b"]["betweenness"] == pytest.approx(2 / 3)
    assert g.nodes["a"]["betweenness"] == 0.0
    # Closeness with distance 1/weight: from a, b is 0.2 away, c 0.2 + 2, d 2.2 + 0.25.
    assert g.nodes["a"]["closeness"] == pytest.approx(3 / (0.2 + 2.2 + 2.45))
    assert g.nodes["a"]["community"] == g.nodes["b"]["community"] != g.nodes["c"]["community"]
    assert g.graph["n_communities"] == 2 and g.graph["modularity"] > 0.3
    assert g.graph["total_interaction"] == pytest.approx(9.5)
    assert sum(d["pagerank"] for _, d in g.nodes(data=True)) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="The 'weight' parameter of interaction_graph must be "
                                         "one of 'total', 'average'; got 'max'"):
        interaction_graph(m, list("abcd"), weight="max")


def test_feature_interaction_network_of_a_real_model(model):
    from neucube.analysis import feature_interaction_network as public

    g = public(model)
    assert list(g.nodes) == list(model.ch_names_)
    labels = neuron_clusters(model)
    m = interaction_matrix(model.reservoir_.weight_matrix(), labels, len(model.ch_names_))
    for u, v, d in g.edges(data=True):
        a, b = model.ch_names_.index(u), model.ch_names_.index(v)
        assert d["total"] == pytest.approx(m[a, b] + m[b, a])
    assert g.graph["space"] == "mni" and g.graph["use"] == "weights"
    for _, data in g.nodes(data=True):
        assert data["n_neurons"] >= 2  # at least its own two input neurons
    assert sum(d["n_neurons"] for _, d in g.nodes(data=True)) == int(np.sum(labels >= 0))
    sc_graph = public(model, use="communication")  # uses the model's training raster
    assert set(sc_graph.nodes) == set(g.nodes)


def test_real_model_clusters_keep_inputs_in_their_channel(model):
    labels = neuron_clusters(model)
    inputs = model.reservoir_.input_neurons_
    channels = np.arange(len(model.ch_names_))
    assert np.array_equal(labels[inputs[:, 0]], channels)
    assert np.array_equal(labels[inputs[:, 1]], channels)
    share = neuron_proportions(labels, model.ch_names_)
    assert share.sum() == pytest.approx(1.0) and (share > 0).all()


# ----------------------------------------------------------------------------- network graph
def test_network_graph_of_a_fitted_reservoir(fitted_reservoir):
    cube = fitted_reservoir
    g = network_graph(cube, ch_names=["a", "b", "c"])
    assert g.number_of_nodes() == cube.n_neurons_
    assert g.number_of_edges() == cube.pre_.size
    k = int(np.argmax(np.abs(cube.weights_ - cube.weights_init_)))
    d = g.edges[int(cube.pre_[k]), int(cube.post_[k])]
    assert d["weight"] == cube.weights_[k] and d["weight_init"] == cube.weights_init_[k]
    assert d["delta"] == pytest.approx(cube.weights_[k] - cube.weights_init_[k])
    assert d["delta"] != 0  # STDP changed something
    pos, neg = cube.input_neurons_[1]
    node = g.nodes[int(pos)]
    assert (node["channel"], node["sign"], node["is_input"]) == ("b", "+", True)
    assert [node[c] for c in "xyz"] == cube.positions_[pos].tolist()
    plain = int(np.setdiff1d(np.arange(cube.n_neurons_), cube.input_neurons_)[0])
    assert g.nodes[plain]["is_input"] is False and "channel" not in g.nodes[plain]
    assert g.nodes[int(neg)]["sign"] == "-" and g.nodes[int(neg)]["channel"] == "b"
    assert g.graph["space"] == "unknown"
    strong = network_graph(cube, threshold=0.05)
    keep = (np.abs(cube.weights_) >= 0.05) | (np.abs(cube.weights_init_) >= 0.05)
    assert strong.number_of_edges() == int(keep.sum())


def test_resolving_the_cube_errors():
    with pytest.raises(NotFittedError):
        network_graph(Reservoir())
    with pytest.raises(TypeError, match="The 'model' argument of network_graph must be a fitted "
                                        "NeuCubeClassifier, a fitted Reservoir or a CubeNetwork; "
                                        "got int"):
        network_graph(3)


# ----------------------------------------------------------------------------- class activity
def test_class_activity_by_hand(raster):
    # sfreq 10 Hz, tmin -0.1 s: step s is at -0.1 + s/10; (0.0, 0.2) s covers steps 1..3.
    act = class_activity(raster, ["a", "b"], window=(0.0, 0.2), sfreq=10.0, tmin=-0.1)
    assert isinstance(act, ClassActivity)
    assert act.steps == (1, 4) and act.unit == "Hz" and act.window == (0.0, 0.2)
    rate = 10.0 / 3  # one spike in 3 steps of 0.1 s
    expected_a = np.zeros(9)
    expected_a[[0, 2, 3]] = rate      # trial 0: 0@1, 2@2, 3@3
    expected_b = np.zeros(9)
    expected_b[[7, 0, 5, 2]] = rate   # trial 1: 7@1, 0@2, 5@2, 2@3
    np.testing.assert_allclose(act.rate("a"), expected_a)
    np.testing.assert_allclose(act.difference("a", "b"), expected_a - expected_b)
    np.testing.assert_allclose(act.difference(), expected_a - expected_b)
    assert act.to_frame().shape == (9, 2)
    whole = class_activity(raster, np.array([1, 1]))
    assert whole.unit == "spikes/step" and whole.steps == (0, 6)
    np.testing.assert_allclose(whole.rates[0], neuron_spike_counts(raster) / 2 / 6)


def test_class_activity_errors(raster):
    with pytest.raises(ValueError, match="class_activity needs sfreq"):
        class_activity(raster, ["a", "b"], window=(0, 0.1))
    with pytest.raises(ValueError, match=r"must contain at least one sample of the trials, which "
                                         r"span -0.1 to 0.4 s; got \(1.0, 2.0\)"):
        class_activity(raster, ["a", "b"], window=(1.0, 2.0), sfreq=10.0, tmin=-0.1)
    with pytest.raises(ValueError, match=r"one label per trial \(2\); got shape \(3,\)"):
        class_activity(raster, ["a", "b", "c"])
    with pytest.raises(ValueError, match="lists classes without trials"):
        class_activity(raster, ["a", "b"], classes=["a", "z"])
    with pytest.raises(ValueError, match="class 'z' is not one of"):
        class_activity(raster, ["a", "b"]).rate("z")


def test_window_steps_includes_both_ends():
    assert window_steps((0.0, 0.2), sfreq=10.0, tmin=-0.1, n_steps=6) == (1, 4)
    assert window_steps((-5.0, 5.0), sfreq=10.0, tmin=-0.1, n_steps=6) == (0, 6)
    assert window_steps((0.1, 0.1), sfreq=10.0, tmin=0.0, n_steps=6) == (1, 2)
    with pytest.raises(ValueError, match="must contain at least one sample"):
        window_steps((0.12, 0.18), sfreq=10.0, tmin=0.0, n_steps=6)
    with pytest.raises(ValueError, match=r"must be finite with start <= stop; got \(0.3, 0.1\)"):
        window_steps((0.3, 0.1), sfreq=10.0, tmin=0.0, n_steps=6)


# ----------------------------------------------------------------------------- export
def _same(a: nx.Graph, b: nx.Graph, ignore: tuple[str, ...] = ()) -> None:
    def strip(d: dict) -> dict:
        return {k: v for k, v in d.items() if k not in ignore}

    assert {n: strip(d) for n, d in a.nodes(data=True)} == \
        {n: strip(d) for n, d in b.nodes(data=True)}
    assert {(u, v): strip(d) for u, v, d in a.edges(data=True)} == \
        {(u, v): strip(d) for u, v, d in b.edges(data=True)}


def test_export_graph_round_trips(tiny, tmp_path: Path):
    g = network_graph(tiny, ch_names=["Fz", "Cz"])
    path = export_graph(g, tmp_path / "cube.graphml")
    back = nx.read_graphml(path, node_type=int)
    assert back.is_directed()
    _same(g, back)
    assert {k: back.graph[k] for k in g.graph} == g.graph

    path = export_graph(g, tmp_path / "cube.gexf")
    _same(g, nx.read_gexf(path, node_type=int), ignore=("label", "id"))

    fin = feature_interaction_network(tiny, labels=[0, 1, 0, 0, 1, 1, 0, 1, -1])
    _same(fin, nx.read_graphml(export_graph(fin, tmp_path / "fin.graphml")))

    path = export_graph(g, tmp_path / "edges.csv")
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == g.number_of_edges()
    frame = pd.read_csv(path)
    assert set(frame.columns) == {"source", "target", "weight", "weight_init", "delta",
                                  "excitatory", "distance_mm"}
    row = frame[(frame.source == 7) & (frame.target == 5)].iloc[0]
    assert row.weight == -0.3 and not row.excitatory


def test_export_graph_errors(tiny, tmp_path: Path):
    g = network_graph(tiny)
    with pytest.raises(ValueError, match=r"must end in one of \.graphml, \.gexf, \.csv; got "
                                         r"'cube\.json'"):
        export_graph(g, tmp_path / "cube.json")
    g.nodes[0]["pos"] = (1.0, 2.0)
    with pytest.raises(TypeError, match="attribute 'pos' of node 0 has a value of type tuple"):
        export_graph(g, tmp_path / "cube.graphml")
    assert not (tmp_path / "cube.graphml").exists()
    with pytest.raises(TypeError, match="must be a networkx graph; got dict"):
        export_graph({}, tmp_path / "x.gexf")
