"""Hypothesis fuzzing at the byte and field level: anything either loads or raises our own error.

``test_csv_loaders.py``, ``test_study_schema.py`` and ``test_data.py`` already fuzz well-formed
CSV tables, parsed study mappings and ``X``/label counts. Here the inputs are rougher: raw bytes
and CSV-like text for the CSV readers, TOML text (and raw bytes) for the study file reader, and
every ``TrialSet`` field at once. The property is the same everywhere: the input gives a valid
object, or the project's own error class (``LoaderError``, ``StudyError``, ``TrialSet``'s
``ValueError`` naming a field), never a bare ``ValueError``/``IndexError``/``UnicodeDecodeError``
from deeper down.
"""

from __future__ import annotations

import json
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from data_loaders import LoaderError, load_marker_csv, load_neucube_csv
from neucube import TrialSet
from neucube_study import Study, StudyError, load_study
from neucube_study.schema import SECTIONS

FUZZ = settings(max_examples=80, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

# CSV-like text: numbers, separators, quotes, blank lines, BOM, NUL, non-finite words.
_CSV_TOKENS = st.sampled_from([
    "0", "1", "-2.5", "1e3", "3", ",", ",", ",", "\n", "\n", "\r\n", "\n\n", '"', '"1,2"', " ",
    "nan", "inf", "-inf", "x", "\ufeff", "\x00", "é", ";", "\t",
])  # fmt: skip
csv_text = st.lists(_CSV_TOKENS, max_size=40).map("".join)
raw_bytes = st.binary(max_size=200)


def _write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


# ------------------------------------------------------------------------------ CSV readers
_cell = st.one_of(
    st.integers(-99, 99).map(str), st.floats(-1e3, 1e3, width=32).map(repr), st.integers(0, 9)
    .map(str), st.sampled_from(["", "nan", "inf", "x", '"1"', " 2 ", "1e400", "\x00", "é"]),
)


def _table(n_cols: int, cell: st.SearchStrategy = _cell) -> st.SearchStrategy[str]:
    """CSV text with mostly ``n_cols`` cells per row, sometimes ragged or with odd line ends."""
    row = st.one_of(*[st.lists(cell, min_size=n_cols, max_size=n_cols)] * 4,
                    st.lists(cell, max_size=n_cols + 2))
    end = st.sampled_from(["\n", "\n", "\r\n", "\n\n", ""])
    return st.tuples(st.lists(row, min_size=1, max_size=6), end).map(
        lambda t: "\n".join(",".join(r) for r in t[0]) + t[1]
    )


_numbers = st.one_of(st.integers(-99, 99).map(str), st.floats(-1e3, 1e3, width=32).map(repr))


@FUZZ
@given(
    sample=st.one_of(_table(2, _numbers), _table(2, _numbers), _table(2), csv_text, raw_bytes),
    labels=st.one_of(st.sampled_from(["1\n2\n", "a,b\n", "b\na\n", "1.0\n2\n"]), _table(1),
                     csv_text, raw_bytes),
    names=st.one_of(st.none(), st.just("Cz\nPz\n"), _table(1), raw_bytes),
)
def test_neucube_folder_from_rough_bytes(sample, labels, names) -> None:
    """sam1 is fuzzed, sam2 is valid: the folder loads consistently or raises a LoaderError."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _write(folder / "sam1_eeg.csv", sample)
        _write(folder / "sam2_eeg.csv", "1,2\n3,4\n")
        _write(folder / "tar_class_labels.csv", labels)
        if names is not None:
            _write(folder / "feature_names_eeg.txt", names)
        try:
            ts = load_neucube_csv(folder, sfreq=10.0, coordinates=None)
        except LoaderError as exc:
            event(f"{type(exc).__name__}: {exc.expected[:40]}")
            assert str(exc).startswith(str(folder))  # names the folder or a file in it
            return
    event("loaded")
    assert isinstance(ts, TrialSet) and ts.n_trials == 2 and ts.n_classes >= 2
    assert np.isfinite(ts.X).all() and ts.X.shape[1:] == (2, 2)


_marker_row = st.tuples(_numbers, _numbers, st.sampled_from(["0"] * 6 + ["1", "2"])).map(list)


@FUZZ
@given(
    body=st.one_of(
        st.lists(_marker_row, min_size=1, max_size=30).map(
            lambda rows: "\n".join(",".join(r) for r in rows) + "\n"),
        _table(3), csv_text, raw_bytes,
    ),
    header=st.sampled_from(
        ["Cz,Pz,Marker\n"] * 3 + ["timestamps,Cz,Marker\n", "", "Marker\n", "Cz,Cz,Marker\n"]),
)
def test_marker_csv_from_rough_bytes(body, header) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rec.csv"
        _write(path, header.encode() + (body if isinstance(body, bytes) else body.encode()))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            try:
                ts = load_marker_csv(path, None, 0.0, 0.02, sfreq=100.0, coordinates=None)
            except LoaderError as exc:
                event(f"{type(exc).__name__}: {exc.expected[:40]}")
                assert str(exc).startswith(str(path))
                return
    event("loaded")
    assert isinstance(ts, TrialSet) and np.isfinite(ts.X).all()


# ------------------------------------------------------------------------------ study files
_SECTIONS = ["study", "data", "events", "encoder", "cube", "stdp", "readout", "evaluation",
             "figures", "search", "output", "preprocessing", "bogus"]
_KEYS = ["name", "source", "folder", "sfreq", "kind", "alpha", "seed", "scheme", "n_splits",
         "threshold", "formats", "dir", "a", "1", "spacing_mm"]
_scalar = st.one_of(
    st.integers(-3, 200), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.sampled_from(["corpus", "neucube_csv", "data", "../data", "tbr", "", "${data_root}/x",
                     "stratified", "svg"]),
)
_value = st.one_of(_scalar, st.lists(_scalar, max_size=3))


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not np.isfinite(value):
        return "nan" if np.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value)  # ints, floats and strings are valid TOML as JSON writes them


_VALID_STUDY = {
    "study": {"name": "fuzz"},
    "data": {"source": "neucube_csv", "folder": "data", "sfreq": 100.0},
    "encoder": {"kind": "tbr", "alpha": 0.5},
}


@st.composite
def _edit(draw: st.DrawFn) -> tuple[str, str, object]:
    """A (section, key, value) of the schema (mostly), with an arbitrary value."""
    section = draw(st.sampled_from(_SECTIONS))
    known = sorted(SECTIONS.get(section, {}))
    key = draw(st.sampled_from(known) if known and draw(st.booleans()) else st.sampled_from(_KEYS))
    return section, key, draw(_value)


_edits = st.lists(_edit(), max_size=3)


def _render(edits: list[tuple[str, str, object]]) -> str:
    """The valid study with some keys set to random values, as TOML text."""
    doc = {section: dict(keys) for section, keys in _VALID_STUDY.items()}
    for section, key, value in edits:
        doc.setdefault(section, {})[key] = value
    return "".join(
        f"[{section}]\n" + "".join(f'"{k}" = {_toml(v)}\n' for k, v in keys.items())
        for section, keys in doc.items()
    )


_document = _edits.map(_render)


@FUZZ
@given(text=st.one_of(_document, _document.map(lambda t: t[: len(t) // 2]), csv_text, raw_bytes))
def test_study_file_from_rough_text(text) -> None:
    """Any study file text either validates or raises StudyError (never a TOML/decoding error)."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "data").mkdir()
        path = base / "study.toml"
        _write(path, text)
        try:
            study = load_study(path)
        except StudyError as exc:
            event(f"StudyError: {str(exc).replace(str(path), 'FILE').split(';')[0][:40]}")
            assert str(exc)
            return
    event("loaded")
    assert isinstance(study, Study) and study.config["data"]["source"]


# ------------------------------------------------------------------------------ TrialSet
_ids = st.one_of(st.none(), st.lists(st.sampled_from(["s1", "s2", 3]), min_size=0, max_size=5))
_names = st.one_of(
    st.lists(st.sampled_from(["Cz", "Pz", "Fz", "", "Cz "]), min_size=0, max_size=4),
    st.just("Cz"), st.none(), st.lists(st.integers(0, 3), max_size=3),
)
_labels = st.one_of(
    st.lists(st.integers(-1, 3), max_size=5),
    st.lists(st.sampled_from(["a", "b", ""]), max_size=5),
    st.lists(st.floats(allow_nan=True), max_size=5),
    st.lists(st.booleans(), max_size=5),
    st.just([[0, 1], [1, 0]]),
)
_number = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-2, 5),
                    st.booleans(), st.just("100"), st.none())


_good_shape = st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(1, 4))


@st.composite
def _trialset_fields(draw: st.DrawFn) -> dict:
    """Valid fields, then some of them replaced by arbitrary values."""
    shape = draw(st.one_of(_good_shape, _good_shape, st.tuples(*[st.integers(0, 3)] * 3)))
    n, n_ch, _ = shape
    X = np.random.default_rng(0).normal(size=shape)
    bad = draw(st.sampled_from([None, None, None, np.nan, np.inf]))
    if bad is not None and X.size:
        X.flat[draw(st.integers(0, X.size - 1))] = bad
    fields = {
        "X": X,
        "y": [i % 2 for i in range(n)],
        "sfreq": 100.0,
        "ch_names": [f"c{i}" for i in range(n_ch)],
        "coords": None,
        "space": None,
        "class_names": None,
        "tmin": 0.0,
        "subject": None,
        "metadata": None,
    }
    wild = {
        "y": _labels,
        "sfreq": _number,
        "ch_names": _names,
        "coords": st.sampled_from(["ok", "nan", "short", "text"]).map(
            lambda kind: {"ok": np.zeros((n_ch, 3)), "nan": np.full((n_ch, 3), np.nan),
                          "short": np.zeros((max(n_ch - 1, 0), 3)),
                          "text": [["x", "y", "z"]] * n_ch}[kind]),
        "space": st.sampled_from([None, "mni", "talairach", "grid", "native", "head", 3]),
        "class_names": st.one_of(st.lists(st.sampled_from(["a", "b", "0", "1"]), max_size=4),
                                 st.just("ab")),
        "tmin": _number,
        "subject": _ids,
        "metadata": st.sampled_from([{"a": 1}, [1, 2]]),
    }
    for name in draw(st.sets(st.sampled_from(sorted(wild)), max_size=3)):
        fields[name] = draw(wild[name])
    if fields["coords"] is not None and draw(st.booleans()):
        fields["space"] = "mni"
    return fields


@FUZZ
@given(fields=_trialset_fields())
def test_trialset_from_any_fields(fields) -> None:
    try:
        ts = TrialSet(fields.pop("X"), fields.pop("y"), **fields)
    except ValueError as exc:
        assert type(exc) is ValueError and str(exc).startswith("TrialSet field '"), repr(exc)
        event(str(exc).split(":")[0])
        return
    event("built")
    assert np.isfinite(ts.X).all() and ts.X.ndim == 3 and min(ts.X.shape) > 0
    assert ts.y.shape == (ts.n_trials,) and (0 <= ts.y).all() and (ts.y < ts.n_classes).all()
    assert len(ts.ch_names) == ts.n_channels == len(set(ts.ch_names))
    assert ts.sfreq > 0 and np.isfinite(ts.tmin)
    assert (ts.coords is None) == (ts.space is None)


@pytest.mark.parametrize("X", [np.zeros((2, 1, 3), dtype=complex), [[[1, 2]], [[3]]], "abc"])
def test_trialset_refuses_unusual_arrays_by_field(X) -> None:
    with pytest.raises(ValueError, match=r"^TrialSet field 'X': expected "):
        TrialSet(X, [0, 1], sfreq=1.0, ch_names=["a"])
