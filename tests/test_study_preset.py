"""Study files take the model defaults from the classifier, or NeuCube's published preset."""

from __future__ import annotations

import pytest

from neucube.classifier import NeuCubeClassifier
from neucube.defaults import DEFAULTS, PUBLISHED
from neucube_study._fields import StudyError
from neucube_study.schema import MODEL_KEYS, make_model, parse_study

MINIMAL = {"study": {"name": "s"}, "data": {"source": "simulate"}}


def model_params(raw):
    clf = make_model(parse_study(raw).config, seed=0)
    params = clf.get_params()
    return {p: params[p] for p in MODEL_KEYS.values()}


def test_a_study_without_model_keys_gets_the_classifier_defaults():
    got = model_params(MINIMAL)
    want = {p: NeuCubeClassifier().get_params()[p] for p in MODEL_KEYS.values()}
    assert got == want
    assert {p: got[p] for p in DEFAULTS} == DEFAULTS


def test_the_published_preset_gives_the_2014_settings_and_keys_override_it():
    raw = {"study": {"name": "s", "preset": "published"}, "data": {"source": "simulate"}}
    got = model_params(raw)
    want = {p: NeuCubeClassifier.published().get_params()[p] for p in MODEL_KEYS.values()}
    assert got == want
    assert {p: got[p] for p in PUBLISHED} == PUBLISHED
    raw["readout"] = {"readout": "state"}
    raw["stdp"] = {"stdp_rate": [0.001, 0.002]}
    got = model_params(raw)
    assert got["readout"] == "state" and got["stdp_rate"] == (0.001, 0.002)
    assert got["encoder"] == PUBLISHED["encoder"]


def test_preset_errors():
    raw = {"study": {"name": "s", "preset": "2014"}, "data": {"source": "simulate"}}
    with pytest.raises(StudyError, match=r'^study\.preset: expected one of "default", '
                                         r'"published", got "2014"$'):
        parse_study(raw)
    raw = {**MINIMAL, "cube": {"weight_scale": "max"}}
    with pytest.raises(StudyError, match=r"^cube\.weight_scale: expected 'auto' or a number > 0"):
        parse_study(raw)
