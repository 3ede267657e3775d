"""Neuron positions (brain template, grid, CSV) and the channel-to-neuron input mapping."""

from __future__ import annotations

import logging
import socket

import numpy as np
import pytest

from neucube.cube.mapping import input_positions, map_channels
from neucube.cube.template import brain_template, grid_template, load_template


# ----------------------------------------------------------------------------- brain template
def test_brain_template_10mm_count_and_geometry(monkeypatch):
    # Built from the MNI152 mask bundled with nilearn: nothing may touch the network.
    def no_network(*args, **kwargs):
        raise AssertionError("brain_template tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    pos = brain_template(10.0)
    # The classic Talairach template has 1471 neurons; the MNI152 brain is larger.
    assert pos.shape == (1885, 3)
    assert np.all(pos % 10.0 == 0)  # cell centres are multiples of the spacing
    assert np.unique(pos, axis=0).shape[0] == pos.shape[0]
    assert np.array_equal(pos, pos[np.lexsort((pos[:, 2], pos[:, 1], pos[:, 0]))])
    lo, hi = pos.min(axis=0), pos.max(axis=0)
    assert np.all(lo >= [-75, -110, -75]) and np.all(hi <= [75, 80, 85])
    # Roughly symmetric across the midline.
    assert abs(np.count_nonzero(pos[:, 0] > 0) - np.count_nonzero(pos[:, 0] < 0)) < 40


def test_brain_template_is_cached_and_returns_copies():
    a = brain_template(10.0)
    a[0] = 999.0
    b = brain_template(10.0)
    assert not np.any(b == 999.0)
    assert b.flags.writeable


def test_brain_template_spacing_and_fraction():
    coarse = brain_template(20.0)
    assert 150 < coarse.shape[0] < 300
    assert brain_template(10.0, min_fraction=0.9).shape[0] < brain_template(10.0).shape[0]


@pytest.mark.parametrize(
    ("kwargs", "err", "match"),
    [
        ({"spacing_mm": 0.5}, ValueError, r"'spacing_mm' parameter of brain_template must be in "
                                          r"the range \[1, inf\); got 0.5"),
        ({"spacing_mm": "10"}, TypeError, r"'spacing_mm' parameter of brain_template must be a "
                                          r"finite real number; got '10'"),
        ({"min_fraction": 0.0}, ValueError, r"'min_fraction' parameter of brain_template must be "
                                            r"in the range \(0, 1\]; got 0.0"),
    ],
)
def test_brain_template_errors(kwargs, err, match):
    with pytest.raises(err, match=match):
        brain_template(**kwargs)


# ----------------------------------------------------------------------------- grid and CSV
def test_grid_template():
    g = grid_template((2, 3, 4), 5.0, origin=(1.0, 0.0, -1.0))
    assert g.shape == (24, 3)
    assert np.array_equal(g[0], [1.0, 0.0, -1.0])
    assert np.array_equal(g[1], [1.0, 0.0, 4.0])  # z varies fastest
    assert np.array_equal(g[-1], [6.0, 10.0, 14.0])
    assert grid_template().shape == (1000, 3)


@pytest.mark.parametrize(
    ("args", "kwargs", "err", "match"),
    [
        (((2, 2),), {}, ValueError, r"'shape' parameter of grid_template must have 3 entries"),
        (((2, 0, 2),), {}, ValueError, r"'shape' parameter of grid_template must be an integer "
                                       r"in \[1, inf\]; got 0"),
        (((2, 2, 2), -1.0), {}, ValueError, r"'spacing_mm' parameter of grid_template must be in "
                                            r"the range \(0, inf\); got -1.0"),
        (((2, 2, 2),), {"origin": (0, 0)}, ValueError, r"'origin' parameter of grid_template "
                                                       r"must be 3 finite numbers"),
    ],
)
def test_grid_template_errors(args, kwargs, err, match):
    with pytest.raises(err, match=match):
        grid_template(*args, **kwargs)


def test_load_template_with_and_without_header(tmp_path):
    a = tmp_path / "a.csv"
    a.write_text("x,y,z\n0,0,0\n10,0,0\n0,10,5.5\n")
    b = tmp_path / "b.txt"
    b.write_text("0 0 0\n10 0 0\n0 10 5.5\n")
    expected = np.array([[0, 0, 0], [10, 0, 0], [0, 10, 5.5]], dtype=float)
    assert np.array_equal(load_template(a), expected)
    assert np.array_equal(load_template(str(b)), expected)
    # A changed file is read again despite the cache.
    a.write_text("0,0,0\n20,0,0\n")
    assert np.array_equal(load_template(a), [[0, 0, 0], [20, 0, 0]])


def test_load_template_reads_neucube_brain_coordinates(shared_data, caplog):
    # NeuCube's file: the 1471-neuron Talairach template followed by its 14 input neurons again.
    path = shared_data / "neucube_wrist_movement_eeg" / "brain_coordinates.csv"
    with caplog.at_level(logging.WARNING, logger="neucube.cube.template"):
        pos = load_template(path)
    assert "dropped 14 duplicated rows" in caplog.text
    assert pos.shape == (1471, 3)
    assert np.all(pos % 10 == 0)
    assert pos.min(axis=0).tolist() == [-60, -80, -40]
    assert pos.max(axis=0).tolist() == [60, 60, 60]


def test_load_template_drops_duplicates_keeping_order(tmp_path):
    p = tmp_path / "dup.csv"
    p.write_text("5,0,0\n0,0,0\n5,0,0\n1,1,1\n")
    assert load_template(p).tolist() == [[5, 0, 0], [0, 0, 0], [1, 1, 1]]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", r"expected rows of x, y, z in mm; found an empty file"),
        ("0,0\n1,1\n", r"expected 3 columns \(x, y, z in mm\); found 2 columns and 2 rows"),
        ("x,y,z\n0,0,zero\n", r"expected numeric rows of x, y, z in mm"),
        ("0,0,0\n0,0,nan\n", r"expected finite coordinates; found NaN or inf"),
    ],
)
def test_load_template_errors(tmp_path, text, match):
    p = tmp_path / "t.csv"
    p.write_text(text)
    with pytest.raises(ValueError, match=r"Template file '.*t\.csv': " + match):
        load_template(p)


def test_load_template_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"Template file '.*nope\.csv' does not exist"):
        load_template(tmp_path / "nope.csv")


# ----------------------------------------------------------------------------- mapping
def test_map_channels_nearest_without_collisions():
    pos = grid_template((3, 3, 3), 10.0)
    coords = np.array([[1.0, 2.0, 0.5], [19.0, 21.0, 9.0], [9.0, 0.0, 18.0]])
    m = map_channels(coords, pos)
    assert m.collisions == ()
    assert np.array_equal(pos[m.neurons], [[0, 0, 0], [20, 20, 10], [10, 0, 20]])
    assert np.allclose(m.distances, np.linalg.norm(pos[m.neurons] - coords, axis=1))


def test_map_channels_ties_go_to_lower_index():
    pos = grid_template((2, 1, 1), 10.0)  # (0,0,0) and (10,0,0)
    m = map_channels(np.array([[5.0, 0.0, 0.0]]), pos)
    assert m.neurons.tolist() == [0]


def test_map_channels_collision_is_resolved_deterministically_and_logged(caplog):
    pos = grid_template((3, 1, 1), 10.0)  # x = 0, 10, 20
    coords = np.array([[9.0, 0, 0], [11.0, 0, 0], [10.0, 0, 0]])
    with caplog.at_level(logging.WARNING, logger="neucube.cube.mapping"):
        m = map_channels(coords, pos, ch_names=["A", "B", "C"])
    # A takes neuron 1; B (nearest 1) moves to 2 (9 mm); C sits on neuron 1 and moves to 0
    # (0 and 2 are both 10 mm away, and 2 is taken).
    assert m.neurons.tolist() == [1, 2, 0]
    assert [(c.channel, c.nearest, c.taken_by, c.assigned) for c in m.collisions] == [
        (1, 1, 0, 2), (2, 1, 0, 0)]
    assert m.collisions[0].distance_mm == pytest.approx(9.0)
    assert "2 channel(s) shared their nearest neuron" in caplog.text
    assert "B (wanted 1, taken by A, got 2 at 9.0 mm)" in caplog.text
    # Same input, same answer.
    again = map_channels(coords, pos)
    assert np.array_equal(again.neurons, m.neurons)


def test_map_channels_errors():
    pos = grid_template((2, 1, 1), 10.0)
    with pytest.raises(ValueError, match=r"'coords' parameter of map_channels must be finite "
                                         r"coordinates of shape \(n_channels, 3\) in mm; got "
                                         r"shape \(2, 2\)"):
        map_channels(np.zeros((2, 2)), pos)
    with pytest.raises(ValueError, match=r"3 channels cannot be mapped to distinct neurons of a "
                                         r"template with only 2 neurons"):
        map_channels(np.zeros((3, 3)), pos)


def test_input_positions_appends_negative_inputs():
    pos = grid_template((3, 1, 1), 10.0)
    m = map_channels(np.array([[19.0, 0, 0], [1.0, 0, 0]]), pos)
    positions, inputs = input_positions(pos, m)
    assert positions.shape == (5, 3)
    assert inputs.tolist() == [[2, 3], [0, 4]]
    assert np.array_equal(positions[3], positions[2])
    assert np.array_equal(positions[4], positions[0])
