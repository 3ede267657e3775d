"""Study file validation: every error names the key path and what was expected."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.study import StudyError, load_study, parse_study

REPO = Path(__file__).resolve().parents[1]
MINIMAL = {"study": {"name": "s"}, "data": {"source": "simulate"}}


def with_(**sections):
    raw = {k: dict(v) for k, v in MINIMAL.items()}
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    return raw


def test_default_study_parses():
    study = load_study(REPO / "studies" / "familiarity.toml")
    assert study.name == "familiarity"
    assert study.config["data"]["source"] == "simulate"
    assert study.config["events"] == {"familiar": ["familiar"], "unfamiliar": ["unfamiliar"]}
    assert study.output_dir() == (REPO / "studies" / "results" / "familiarity").resolve()


def test_defaults_filled():
    study = parse_study(MINIMAL)
    assert study.config["encoder"]["kind"] == "tbr"
    assert study.config["encoder"]["alpha"] == 0.5
    assert study.seed == 0


def test_resolved_toml_roundtrips():
    study = load_study(REPO / "studies" / "familiarity.toml")
    again = parse_study(tomllib.loads(study.to_toml()), path=study.path)
    assert again.config == study.config
    assert again.digest() == study.digest()


@pytest.mark.parametrize(
    "raw, match",
    [
        (with_(encoder={"alpha": "half"}), r'^encoder\.alpha: expected a number >= 0, got "half"$'),
        (with_(encoder={"alpha": -1}), r"^encoder\.alpha: expected a number >= 0, got -1$"),
        (with_(encoder={"kind": "tbrr"}), r'^encoder\.kind: expected one of "tbr", "step_forward", "moving_window", "bsa", got "tbrr"$'),
        (with_(encoder={"threshold": 0}), r"^encoder\.threshold: expected a positive number, got 0$"),
        (with_(encoder={"threshold": [1, "x"]}), r'^encoder\.threshold\[1\]: expected a positive number, got "x"$'),
        (with_(encoder={"window": 2.5}), r"^encoder\.window: expected an integer >= 1, got 2\.5$"),
        (with_(encoder={"compare": "tbr"}), r'^encoder\.compare: expected a list, got "tbr"$'),
        (with_(encoder={"colour": 1}), r"^encoder\.colour: unknown key; expected one of kind, threshold, alpha, window, compare$"),
        (with_(study={"seed": True}), r"^study\.seed: expected an integer >= 0, got True$"),
        (with_(cube={"spacing_mm": "ten"}), r'^cube\.spacing_mm: expected a positive number, got "ten"$'),
        (with_(figure={"dpi": 300}), r"^figure: unknown section; expected one of cube, data, encoder, evaluation, events, output, readout, stdp, study$"),
        (with_(evaluation={"control": "yes"}), r'^evaluation\.control: expected true or false, got "yes"$'),
        (with_(evaluation={"baselines": ["svm"]}), r'^evaluation\.baselines\[0\]: expected one of "vectorizer_logreg", "channel_features_logreg", "window_means_logreg", got "svm"$'),
        (with_(stdp={"n_rounds": -1}), r"^stdp\.n_rounds: expected an integer >= 0, got -1$"),
        (with_(data={"n_subjects": 2, "colour": "red"}), r'^data\.colour: unknown argument for source "simulate"; expected one of n_subjects, effect_size, seed'),
        (with_(data={"source": "edf"}), r'^data\.source: expected one of "simulate", got "edf"$'),
        ({"study": {"name": "s"}}, r"^data: expected a \[data\] table naming the data source, but it is missing$"),
        ({"study": {"name": "s"}, "data": {}}, r"^data\.source: expected one of .*, but the key is missing$"),
        ({"data": {"source": "simulate"}}, r"^study\.name: expected a value \(short name, used for the default output folder\), but the key is missing$"),
        (with_(events={"familiar": [1.5]}), r"^events\.familiar\[0\]: expected an event code \(int\) or description \(str\), got 1\.5$"),
        ({**MINIMAL, "encoder": [1]}, r"^encoder: expected a table, got \[1\]$"),
        ({}, r"expected a study with at least \[study\] and \[data\] tables, got an empty file"),
    ],
)
def test_errors_name_the_key(raw, match):
    with pytest.raises(StudyError, match=match):
        parse_study(raw)


def test_missing_file(tmp_path):
    with pytest.raises(StudyError, match=r"nope\.toml: expected a study file \(\.toml\), but it does not exist"):
        load_study(tmp_path / "nope.toml")


def test_not_toml(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[study\nname = 1")
    with pytest.raises(StudyError, match=r"bad\.toml: expected valid TOML; "):
        load_study(bad)


def test_empty_file(tmp_path):
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    with pytest.raises(StudyError, match=r"empty\.toml: expected a study with at least"):
        load_study(empty)


def test_seed_override():
    study = parse_study(MINIMAL).with_overrides(seed=7)
    assert study.seed == 7
    with pytest.raises(StudyError, match=r"^--seed: expected an integer >= 0, got -1$"):
        parse_study(MINIMAL).with_overrides(seed=-1)


scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=True) | st.text(max_size=5)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(
    raw=st.dictionaries(
        st.sampled_from(["study", "data", "encoder", "events", "output", "cube", "x"]),
        st.dictionaries(st.sampled_from(["name", "source", "kind", "alpha", "threshold", "seed", "dir", "familiar", "n_subjects", "zz"]), values, max_size=4)
        | values,
        max_size=5,
    )
)
def test_parser_fuzz(raw):
    """Any parsed TOML either validates or raises StudyError; never another exception."""
    try:
        parse_study(raw)
    except StudyError as exc:
        assert str(exc)
