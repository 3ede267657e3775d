"""Parameters declared once (neucube.params): every estimator parameter has one declaration, the
study schema, search grid and docs come from them, and old study keys are still read."""

from __future__ import annotations

import inspect
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from sklearn.base import BaseEstimator

from neucube._param_docs import markdown
from neucube.classifier import NeuCubeClassifier
from neucube.cube import Reservoir
from neucube.encoding import BSAEncoder, MovingWindowEncoder, StepForwardEncoder, TBREncoder
from neucube.params import ParamSpec, ParamValueError, check_params, check_value, describe
from neucube.readout import DeSNNClassifier, StateClassifier
from neucube_study import StudyError, parse_study
from neucube_study.schema import MODEL_PARAMS, RENAMED, SECTIONS, StudyKeyRenamed

REPO = Path(__file__).resolve().parents[1]
DECLARED = [NeuCubeClassifier, TBREncoder, StepForwardEncoder, MovingWindowEncoder, BSAEncoder,
            Reservoir, DeSNNClassifier, StateClassifier]
MINIMAL = {"study": {"name": "s"}, "data": {"source": "simulate"}}


@pytest.mark.parametrize("cls", DECLARED, ids=lambda c: c.__name__)
def test_every_parameter_has_one_declaration_with_a_one_line_doc(cls):
    specs = describe(cls)
    init = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    assert list(specs) == init
    assert set(cls._parameter_constraints) == set(init)
    defaults = cls().get_params(deep=False)
    for name, spec in specs.items():
        assert spec.name == name and spec.owner == cls.__name__
        assert spec.default is defaults[name] or spec.default == defaults[name], name
        assert spec.doc and "\n" not in spec.doc and len(spec.doc) <= 120, name


def test_a_missing_or_stray_declaration_is_refused():
    class Half(BaseEstimator):
        _parameter_constraints = {"a": ParamSpec("float"), "b": ParamSpec("int")}

        def __init__(self, a=1.0, c=2):
            self.a, self.c = a, c

    with pytest.raises(TypeError, match=r"^Half\._parameter_constraints: expected one "
                                        r"declaration per parameter of __init__; found none "
                                        r"for \['c'\], and declarations of no parameter: \['b'\]"):
        describe(Half)


def test_check_params_checks_only_what_is_used():
    clf = NeuCubeClassifier(readout="state", k=0)  # k is the deSNN's: unused, not checked
    assert check_params(clf)["k"] == 0
    with pytest.raises(ValueError, match=r"^The 'k' parameter of NeuCubeClassifier must be an "
                                         r"integer in \[1, 10000\] \(k nearest"):
        check_params(clf.set_params(readout="desnn"))


def test_forwarded_parameters_reuse_the_parts_declarations():
    assert MODEL_PARAMS["mod"].passed_to == "DeSNNClassifier.mod"
    assert MODEL_PARAMS["state_c"].passed_to == "StateClassifier.C"
    assert MODEL_PARAMS["leak"].passed_to == "Reservoir.leak"
    # The classifier bounds the work up front: the reservoir's refractory period, its own.
    assert describe(Reservoir)["refractory"].high is None
    assert MODEL_PARAMS["refractory"].high == 100_000
    part = describe(DeSNNClassifier)["mod"]
    mine = MODEL_PARAMS["mod"]
    assert (mine.low, mine.high, mine.low_inclusive, mine.doc) == (
        part.low, part.high, part.low_inclusive, part.doc)


@pytest.mark.parametrize("name", [n for n, s in MODEL_PARAMS.items() if s.section])
def test_a_plain_value_the_study_accepts_the_estimator_accepts(name):
    spec = MODEL_PARAMS[name]
    accepted = 0
    for v in (-1, 0, 0.3, 1, 2.5, 10, 1e6, float("nan"), "auto", "x", True, [0.1, 0.2], [1],
              *spec.choices):
        try:
            parsed = spec.parse(v)
        except ParamValueError as err:
            assert err.expected and str(err).startswith(name)
            continue
        accepted += 1
        check_value(spec, tuple(parsed) if isinstance(parsed, list) else parsed,
                    owner="NeuCubeClassifier")
    assert accepted > 0


def test_parse_normalises_and_says_what_it_expected():
    assert MODEL_PARAMS["n_rounds"].parse(3) == 3 and type(MODEL_PARAMS["leak"].parse(1)) is float
    assert MODEL_PARAMS["stdp_rate"].parse([0.001, 0.002]) == [0.001, 0.002]
    with pytest.raises(ParamValueError) as err:
        MODEL_PARAMS["weight_scale"].parse("max")
    assert err.value.expected == "'auto' or a number > 0"
    with pytest.raises(ParamValueError) as err:
        MODEL_PARAMS["encoder_threshold"].parse([1.0, -1])
    assert (err.value.where, err.value.expected) == ("[1]", "a positive number")


def test_study_sections_are_generated_from_the_declarations():
    for name, spec in MODEL_PARAMS.items():
        if spec.section is None:
            assert all(name not in SECTIONS[s] for s in ("encoder", "cube", "stdp", "readout"))
            continue
        field = SECTIONS[spec.section][name]
        default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
        assert field.default == default and field.doc == spec.doc
    # A study without model keys builds the classifier's defaults (the default preset).
    config = parse_study(MINIMAL).config
    for name, spec in MODEL_PARAMS.items():
        if spec.section is not None:
            value = config[spec.section][name]
            assert (tuple(value) if isinstance(value, list) else value) == spec.default, name


def test_study_keys_are_parameter_names_and_old_keys_are_read_with_a_message():
    new = {**MINIMAL, "stdp": {"stdp_rate": 0.01, "tau_stdp": 5.0}, "readout": {"readout": "desnn"}}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the new names raise no message
        by_new = parse_study(new).config
    old = {**MINIMAL, "stdp": {"rate": 0.01, "tau": 5.0}, "readout": {"kind": "desnn"}}
    with pytest.warns(StudyKeyRenamed) as record:
        by_old = parse_study(old).config
    assert by_old == by_new
    messages = [str(w.message) for w in record]
    assert messages[0].startswith("stdp.rate: renamed stdp.stdp_rate (the NeuCubeClassifier "
                                  "parameter of that name); read as stdp.stdp_rate. Rename")
    assert {m.split(":")[0] for m in messages} == {"stdp.rate", "stdp.tau", "readout.kind"}
    assert set(RENAMED) >= {"stdp.rate", "stdp.tau", "readout.kind", "encoder.kind"}


def test_old_and_new_name_of_one_key_is_an_error():
    raw = {**MINIMAL, "stdp": {"rate": 0.01, "stdp_rate": 0.02}}
    with pytest.raises(StudyError, match=r"^stdp\.stdp_rate: given twice, as stdp\.rate and "
                                         r"stdp\.stdp_rate; keep stdp\.stdp_rate \(stdp\.rate "
                                         r"is its old name\)$"), \
            pytest.warns(StudyKeyRenamed):
        parse_study(raw)


def test_an_old_key_is_checked_under_the_name_the_study_wrote():
    with pytest.raises(StudyError, match=r'^stdp\.rate: expected a number >= 0 or a pair '), \
            pytest.warns(StudyKeyRenamed):
        parse_study({**MINIMAL, "stdp": {"rate": "fast"}})


def test_search_grid_takes_parameter_names_section_keys_and_old_keys():
    def grid(g):
        return parse_study({**MINIMAL, "search": {"grid": g}}).config["search"]["grid"]

    assert grid({"stdp_rate": [0.001, [0.001, 0.002]], "mod": [0.7]}) == {
        "stdp_rate": [0.001, [0.001, 0.002]], "mod": [0.7]}
    assert grid({"readout": {"mod": [0.7]}}) == {"mod": [0.7]}
    with pytest.warns(StudyKeyRenamed, match=r"^search\.grid\.stdp\.rate: renamed "
                                             r"search\.grid\.stdp_rate"):
        assert grid({"stdp.rate": [0.01]}) == {"stdp_rate": [0.01]}
    with pytest.raises(StudyError, match=r"^search\.grid\.recall: not a searchable parameter"):
        grid({"recall": ["psp"]})


def test_parameters_doc_is_up_to_date():
    """docs/parameters.md is generated: ``python -m neucube.params --markdown``."""
    assert (REPO / "docs" / "parameters.md").read_text(encoding="utf-8") == markdown()


def test_markdown_command_prints_the_doc():
    out = subprocess.run([sys.executable, "-m", "neucube.params", "--markdown"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout
    assert out == markdown()
    assert "| `stdp_rate` | stdp | [0.001, 0.002] |" in out


def test_an_old_key_is_reported_at_its_line_of_the_study_file(tmp_path):
    from neucube_study import load_study

    path = tmp_path / "old.toml"
    path.write_text('[study]\nname = "old"\n[data]\nsource = "simulate"\n[stdp]\n'
                    'rate = [0.001, 0.002]\n[search.grid]\n"readout.kind" = ["desnn"]\n')
    with pytest.warns(StudyKeyRenamed) as record:
        study = load_study(path)
    assert [(w.filename, w.lineno) for w in record] == [(str(path.resolve()), 6),
                                                        (str(path.resolve()), 8)]
    assert study.config["stdp"]["stdp_rate"] == [0.001, 0.002]
    assert study.config["search"]["grid"] == {"readout": ["desnn"]}
