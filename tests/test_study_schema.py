"""Study file validation: every error names the key path and what was expected."""

from __future__ import annotations

import inspect
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from neucube.defaults import DEFAULTS
from neucube_study import StudyError, load_study, parse_study
from neucube_study.paths import DATA_ROOT_ENV
from neucube_study.schema import MODEL_PARAMS, SECTIONS
from neucube_study.sources import SOURCES

REPO = Path(__file__).resolve().parents[1]
STUDIES = sorted((REPO / "studies").glob("*.toml"))
MINIMAL = {"study": {"name": "s"}, "data": {"source": "simulate"}}


def with_(**sections):
    raw = {k: dict(v) for k, v in MINIMAL.items()}
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    return raw


@pytest.fixture(autouse=True)
def _no_data_root(monkeypatch):
    """The environment must not leak a data root into these tests."""
    monkeypatch.delenv(DATA_ROOT_ENV, raising=False)


def test_default_study_parses():
    study = load_study(REPO / "studies" / "familiarity.toml")
    assert study.name == "familiarity"
    assert study.config["data"]["source"] == "simulate"
    assert study.config["events"] == {"familiar": ["familiar"], "unfamiliar": ["unfamiliar"]}
    assert study.schemes == ["per_subject", "stratified"]
    assert study.config["figures"]["windows"] == [[0.0, 0.2], [0.2, 0.4], [0.4, 0.8]]
    assert study.output_dir() == (REPO / "studies" / "results" / "familiarity").resolve()


def test_defaults_filled():
    study = parse_study(MINIMAL)
    # Model keys default to the classifier's defaults (one declaration, neucube.defaults).
    assert study.config["encoder"]["encoder"] == DEFAULTS["encoder"]
    assert study.config["encoder"]["encoder_alpha"] == DEFAULTS["encoder_alpha"]
    assert study.config["readout"]["readout"] == DEFAULTS["readout"]
    assert study.config["evaluation"]["scheme"] == ["stratified"]
    assert study.config["figures"]["formats"] == ["svg", "pdf", "png"]
    assert study.config["preprocessing"]["l_freq"] is None
    assert study.seed == 0


def test_scheme_string_or_list():
    assert parse_study(with_(evaluation={"scheme": "loso"})).schemes == ["loso"]
    assert parse_study(with_(evaluation={"scheme": ["per_subject", "loso"]})).schemes == ["per_subject", "loso"]


@pytest.mark.parametrize("path", STUDIES, ids=lambda p: p.name)
def test_resolved_toml_roundtrips(path, shared_data):
    study = load_study(path)
    again = parse_study(tomllib.loads(study.to_toml()), path=study.path)
    assert again.config == study.config
    assert again.digest() == study.digest()


def test_search_grid_roundtrips_with_distributions():
    raw = with_(search={"method": "random", "grid": {
        "encoder.alpha": [0.3, 0.5],
        "readout": {"drift_up": {"distribution": "loguniform", "low": 0.001, "high": 0.02}},
    }})
    study = parse_study(raw)
    assert study.config["search"]["grid"] == {  # by the parameters' own names
        "encoder_alpha": [0.3, 0.5],
        "drift_up": {"distribution": "loguniform", "low": 0.001, "high": 0.02},
    }
    again = parse_study(tomllib.loads(study.to_toml()))
    assert again.config == study.config


SECTION_LIST = ("cube, data, encoder, evaluation, events, figures, output, preprocessing, readout, "
                "search, stdp, study")


@pytest.mark.parametrize(
    "raw, match",
    [
        (with_(encoder={"alpha": "half"}), r'^encoder\.alpha: expected a number >= 0, got "half"$'),
        (with_(encoder={"alpha": -1}), r"^encoder\.alpha: expected a number >= 0, got -1$"),
        (with_(encoder={"alpha": float("nan")}), r"^encoder\.alpha: expected a number >= 0, got nan$"),
        (with_(encoder={"kind": "tbrr"}), r'^encoder\.kind: expected one of "tbr", "step_forward", "moving_window", "bsa", got "tbrr"$'),
        (with_(encoder={"threshold": 0}), r"^encoder\.threshold: expected a positive number, got 0$"),
        (with_(encoder={"threshold": [1, "x"]}), r'^encoder\.threshold\[1\]: expected a positive number, got "x"$'),
        (with_(encoder={"window": 2.5}), r"^encoder\.window: expected an integer in \[1, 100000\] \(a moving window longer than any trial only costs memory\), got 2\.5$"),
        (with_(encoder={"compare": "tbr"}), r'^encoder\.compare: expected a list, got "tbr"$'),
        (with_(encoder={"colour": 1}), r"^encoder\.colour: unknown key; expected one of encoder, encoder_threshold, encoder_alpha, window, compare$"),
        (with_(study={"seed": True}), r"^study\.seed: expected an integer in \[0, 4294967295\] \(NumPy seeds are 32-bit\), got True$"),
        (with_(cube={"spacing_mm": "ten"}), r'^cube\.spacing_mm: expected a number in \(0, 1000\] \(the cube.s neuron count grows as 1 / spacing_mm\*\*3\), got "ten"$'),
        (with_(readout={"mod": 1.5}), r"^readout\.mod: expected a number in \(0, 1\], got 1\.5$"),
        (with_(figure={"dpi": 300}), rf"^figure: unknown section; expected one of {SECTION_LIST}$"),
        (with_(evaluation={"control": "yes"}), r'^evaluation\.control: expected true or false, got "yes"$'),
        (with_(evaluation={"baselines": ["svm"]}), r'^evaluation\.baselines\[0\]: expected one of "vectorizer_logreg", "channel_features_logreg", "window_means_logreg", "lda_window_means", "xdawn_tangent_logreg", "tangent_space_logreg", "riemann_mdm", got "svm"$'),
        (with_(evaluation={"scheme": ["loso", "kfold"]}), r'^evaluation\.scheme\[1\]: expected one of "stratified", "loso", "per_subject", got "kfold"$'),
        (with_(evaluation={"scheme": ["loso", "loso"]}), r'^evaluation\.scheme: expected distinct schemes, got \["loso", "loso"\]$'),
        (with_(evaluation={"scheme": []}), r"^evaluation\.scheme: expected a value or a non-empty list, got \[\]$"),
        (with_(stdp={"n_rounds": -1}), r"^stdp\.n_rounds: expected an integer in \[0, 1000\] \(each round is one STDP pass over every training trial, so the fit time grows with it\), got -1$"),
        (with_(preprocessing={"l_freq": 0}), r"^preprocessing\.l_freq: expected a positive number, got 0$"),
        (with_(preprocessing={"l_freq": 30.0, "h_freq": 1.0}), r"^preprocessing\.l_freq: expected a value below preprocessing\.h_freq = 1, got 30$"),
        (with_(preprocessing={"tmin": 0.5, "tmax": 0.1}), r"^preprocessing\.tmin: expected a value below preprocessing\.tmax = 0\.1, got 0\.5$"),
        (with_(preprocessing={"baseline": [0.0, -0.1]}), r"^preprocessing\.baseline: expected a window \[start, stop\] in seconds with start <= stop, got \[0\.0, -0\.1\]$"),
        (with_(preprocessing={"channels": "Cz"}), r'^preprocessing\.channels: expected a list, got "Cz"$'),
        (with_(figures={"windows": [[0.2, 0.1]]}), r"^figures\.windows\[0\]: expected a window \[start, stop\] in seconds with start < stop, got \[0\.2, 0\.1\]$"),
        (with_(figures={"windows": [0.0, 0.2]}), r"^figures\.windows\[0\]: expected a window \[start, stop\] in seconds with start < stop, got 0\.0$"),
        (with_(figures={"formats": ["tiff"]}), r'^figures\.formats\[0\]: expected one of "svg", "pdf", "png", got "tiff"$'),
        (with_(figures={"formats": []}), r"^figures\.formats: expected a list of at least 1 item, got \[\]$"),
        (with_(figures={"dpi": 72}), r"^figures\.dpi: expected a number in \[300, 1200\] \(an image's pixel count grows as dpi\*\*2; 1200 dpi is print quality\), got 72$"),
        (with_(figures={"contrast": ["a"]}), r'^figures\.contrast: expected two different class names \[a, b\], got \["a"\]$'),
        (with_(figures={"contrast": ["a", "b"]}, events={"x": 1, "y": 2}), r'^figures\.contrast\[0\]: expected a class of \[events\] \(x, y\), got "a"$'),
        (with_(search={"grid": {"encoder.colour": [1]}}), r"^search\.grid\.encoder\.colour: not a searchable parameter; expected one of encoder, encoder_threshold, "),
        (with_(search={"grid": {"encoder.alpha": []}}), r"^search\.grid\.encoder\.alpha: expected a non-empty list of values or a distribution"),
        (with_(search={"grid": {"encoder": {"alpha": [0.5, -1]}}}), r"^search\.grid\.encoder\.alpha\[1\]: expected a number >= 0, got -1$"),
        (with_(search={"grid": {"stdp.rate": {"distribution": "uniform", "low": 0.001, "high": 0.01}}}),
         r'^search\.grid\.stdp\.rate: a distribution needs search\.method = "random"$'),
        (with_(search={"method": "random", "grid": {"stdp.rate": {"distribution": "normal", "low": 0, "high": 1}}}),
         r'^search\.grid\.stdp\.rate\.distribution: expected one of "uniform", "loguniform", "randint", got "normal"$'),
        (with_(search={"method": "random", "grid": {"stdp.rate": {"distribution": "uniform", "low": 0.01, "high": 0.001}}}),
         r"^search\.grid\.stdp\.rate: expected low < high, got low = 0\.01, high = 0\.001$"),
        (with_(search={"grid": [1]}), r"^search\.grid: expected a table, got \[1\]$"),
        (with_(data={"n_subjects": 2, "colour": "red"}), r'^data\.colour: unknown argument for source "simulate"; expected one of n_subjects, effect_size, seed'),
        (with_(data={"n_subjects": "two"}), r'^data\.n_subjects: expected an integer >= 1, got "two"$'),
        (with_(data={"source": "edf"}), r'^data\.source: expected one of "simulate", "eeg", "bids", "neucube_csv", "marker_csv", "fmri", "simulate_fmri", got "edf"$'),
        (with_(data={"source": "eeg"}), r'^data\.path: expected a value \(an EEG file, a list of files or a folder of files\) for source "eeg", but the key is missing$'),
        (with_(data={"source": "bids", "root": 3}), r"^data\.root: expected a string, got 3$"),
        (with_(data={"source": "eeg", "path": ["a.edf", 3]}), r"^data\.path\[1\]: expected a string, got 3$"),
        ({"study": {"name": "s"}}, r"^data: expected a \[data\] table naming the data source, but it is missing$"),
        ({"study": {"name": "s"}, "data": {}}, r"^data\.source: expected one of .*, but the key is missing$"),
        ({"data": {"source": "simulate"}}, r"^study\.name: expected a value \(short name, used for the default output folder\), but the key is missing$"),
        (with_(events={"familiar": [1.5]}), r"^events\.familiar\[0\]: expected an event code \(int\) or description \(str\), got 1\.5$"),
        (with_(events={"familiar": []}), r"^events\.familiar: expected at least one event code or description, got \[\]$"),
        (with_(events={"familiar": 1}), r'^events: expected at least two classes, got only "familiar"$'),
        ({**MINIMAL, "encoder": [1]}, r"^encoder: expected a table, got \[1\]$"),
        ({}, r"expected a study with at least \[study\] and \[data\] tables, got an empty file"),
    ],
)
def test_errors_name_the_key(raw, match):
    with pytest.raises(StudyError, match=match):
        parse_study(raw)


# ----------------------------------------------------------------------------- paths
def write(folder: Path, text: str, name: str = "study.toml") -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_paths_resolve_relative_to_the_study(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "rec.edf").write_bytes(b"")
    study = load_study(write(tmp_path, '[study]\nname = "x"\n[data]\nsource = "eeg"\npath = "data/rec.edf"\n'))
    assert study.config["data"]["args"]["path"] == str((tmp_path / "data" / "rec.edf").resolve())


def test_path_outside_the_study_folder_is_refused(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "studies").mkdir()
    path = write(tmp_path / "studies", '[study]\nname = "x"\n[data]\nsource = "neucube_csv"\nfolder = "../elsewhere"\n')
    with pytest.raises(StudyError, match=r'^data\.folder: expected a path inside the study folder .*studies, '
                                         r'got "\.\./elsewhere" \(it resolves to .*elsewhere\); name data elsewhere '
                                         r'with an absolute path or "\$\{data_root\}/\.\.\."'):
        load_study(path)


def test_missing_file_names_key_and_resolved_path(tmp_path):
    path = write(tmp_path, '[study]\nname = "x"\n[data]\nsource = "fmri"\nbold = "bold.nii.gz"\nevents = "ev.tsv"\n')
    with pytest.raises(StudyError, match=r'^data\.bold: expected an existing file, got "bold\.nii\.gz" '
                                         r"\(resolved to .*bold\.nii\.gz, where there is nothing\)$"):
        load_study(path)


def test_folder_where_a_file_is_expected(tmp_path):
    (tmp_path / "bold.nii.gz").mkdir()
    path = write(tmp_path, '[study]\nname = "x"\n[data]\nsource = "fmri"\nbold = "bold.nii.gz"\nevents = "e.tsv"\n')
    with pytest.raises(StudyError, match=r"^data\.bold: expected an existing file, .*where there is a folder\)$"):
        load_study(path)


def test_fmri_needs_events_or_labels(tmp_path):
    (tmp_path / "bold.nii").write_bytes(b"")
    path = write(tmp_path, '[study]\nname = "x"\n[data]\nsource = "fmri"\nbold = "bold.nii"\n')
    with pytest.raises(StudyError, match=r"^data: the fmri source needs exactly one of data\.events"):
        load_study(path)


def test_data_root_from_study_and_environment(tmp_path, monkeypatch):
    (tmp_path / "shared" / "set").mkdir(parents=True)
    (tmp_path / "repo" / "studies").mkdir(parents=True)
    text = ('[study]\nname = "x"\ndata_root = "../../shared"\n'
            '[data]\nsource = "neucube_csv"\nfolder = "${data_root}/set"\n')
    path = write(tmp_path / "repo" / "studies", text)
    assert load_study(path).config["data"]["args"]["folder"] == str((tmp_path / "shared" / "set").resolve())
    other = tmp_path / "copy"
    (other / "set").mkdir(parents=True)
    monkeypatch.setenv(DATA_ROOT_ENV, str(other))
    assert load_study(path).config["data"]["args"]["folder"] == str((other / "set").resolve())
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(StudyError, match=r'^data\.folder: expected an existing folder, got "\$\{data_root\}/set" '
                                         r"\(resolved to .*nowhere/set, where there is nothing\); data_root is "
                                         r".*nowhere \(from \$NEUCUBE_DATA=.*\): set \$NEUCUBE_DATA to the folder "
                                         r"that holds this data, or pass --data$"):
        load_study(path)


def test_data_root_unset(tmp_path):
    path = write(tmp_path, '[study]\nname = "x"\n[data]\nsource = "neucube_csv"\nfolder = "${data_root}/set"\n')
    with pytest.raises(StudyError, match=r'^data\.folder: "\$\{data_root\}/set" uses \$\{data_root\}, but the '
                                         r"study sets no \[study\] data_root and \$NEUCUBE_DATA is not set$"):
        load_study(path)


def test_shipped_study_without_shared_data_fails_clearly(monkeypatch, tmp_path):
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path))
    with pytest.raises(StudyError, match=r"^data\.folder: expected an existing folder, got "
                                         r'"\$\{data_root\}/neucube_wrist_movement_eeg" .*or pass --data$'):
        load_study(REPO / "studies" / "wrist_movement.toml")


# ----------------------------------------------------------------------------- --data
def test_data_replaces_simulation_with_eeg_folder(tmp_path):
    study = load_study(REPO / "studies" / "familiarity.toml", data=tmp_path)
    args = study.config["data"]["args"]
    assert study.config["data"]["source"] == "eeg"
    assert args["path"] == str(tmp_path.resolve())
    assert "n_subjects" not in args and "effect_size" not in args  # the simulation's keys
    assert study.config["events"] == {"familiar": ["familiar"], "unfamiliar": ["unfamiliar"]}


def test_data_bids_root_is_read_as_bids(tmp_path):
    (tmp_path / "dataset_description.json").write_text("{}")
    study = load_study(REPO / "studies" / "familiarity.toml", data=tmp_path)
    assert study.config["data"]["source"] == "bids"
    assert study.config["data"]["args"]["root"] == str(tmp_path.resolve())


def test_data_keeps_loader_arguments(tmp_path):
    rec = tmp_path / "rec.edf"
    rec.write_bytes(b"")
    raw = with_(data={"source": "eeg", "path": str(rec), "montage": "standard_1005"})
    study = parse_study(raw, data=tmp_path)
    assert study.config["data"]["args"]["montage"] == "standard_1005"
    assert study.config["data"]["args"]["path"] == str(tmp_path.resolve())


def test_data_missing():
    with pytest.raises(StudyError, match=r'^--data: expected an existing file or folder, got "no/such/dir" \(resolved to '):
        parse_study(MINIMAL, data="no/such/dir")


def test_data_fmri_needs_events_beside_the_nifti(tmp_path):
    (tmp_path / "sub-01_task-x_bold.nii.gz").write_bytes(b"")
    raw = with_(data={"source": "simulate_fmri", "reduce": 3})
    with pytest.raises(StudyError, match=r"^--data: expected a BIDS events file beside .*sub-01_task-x_bold\.nii\.gz "
                                         r"\(one of sub-01_task-x_events\.tsv, sub-01_task-x_bold_events\.tsv, "
                                         r"sub-01_task-x_bold\.tsv\), but none exists$"):
        parse_study(raw, data=tmp_path)
    (tmp_path / "sub-01_task-x_events.tsv").write_text("onset\tduration\ttrial_type\n")
    study = parse_study(raw, data=tmp_path)
    assert study.config["data"]["source"] == "fmri"
    args = study.config["data"]["args"]
    assert args["bold"] == [str(tmp_path / "sub-01_task-x_bold.nii.gz")]
    assert args["events"] == [str(tmp_path / "sub-01_task-x_events.tsv")]
    # The simulation's read-back settings apply; its generator settings do not.
    assert args["reduce"] == 3 and args["hrf_shift"] == 4.0 and "n_runs" not in args


def test_data_empty_nifti_folder(tmp_path):
    with pytest.raises(StudyError, match=r"^--data: expected a NIfTI file or a folder of NIfTI runs, got .* "
                                         r"\(no \.nii or \.nii\.gz file in it\)$"):
        parse_study(with_(data={"source": "simulate_fmri"}), data=tmp_path)


def test_with_overrides():
    study = parse_study(MINIMAL).with_overrides(seed=7)
    assert study.seed == 7
    with pytest.raises(StudyError, match=r"^--seed: expected an integer in \[0, 4294967295\] \(NumPy seeds are 32-bit\), got -1$"):
        parse_study(MINIMAL).with_overrides(seed=-1)


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


# ----------------------------------------------------------------------------- consistency
def test_source_defaults_match_the_loaders():
    """A default written in the schema must be the loader's own, or loader and study disagree."""
    import data_loaders

    loaders = {"simulate": data_loaders.simulate_familiarity, "eeg": data_loaders.load_eeg,
               "bids": data_loaders.load_bids, "neucube_csv": data_loaders.load_neucube_csv,
               "marker_csv": data_loaders.load_marker_csv, "fmri": data_loaders.load_fmri}
    for source, loader in loaders.items():
        params = inspect.signature(loader).parameters
        for key, field in SOURCES[source].fields.items():
            if key in ("path", "pattern", "subject_pattern") and source == "eeg":
                continue  # the study's own keys (a folder of files)
            assert key in params, f"{source}: {key} is not an argument of {loader.__name__}"
            default = params[key].default
            if field.default is not None and default is not inspect.Parameter.empty:
                expected = list(default) if isinstance(default, tuple) else default
                assert field.default == expected, f"{source}.{key}: {field.default!r} != {default!r}"


def test_searchable_parameters_exist():
    from neucube.classifier import NeuCubeClassifier

    params = NeuCubeClassifier().get_params()
    for param, spec in MODEL_PARAMS.items():  # the grid takes every parameter declared searchable
        if spec.searchable:
            assert param in SECTIONS[spec.section]
            assert param in params


# ----------------------------------------------------------------------------- fuzzing
scalars = st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=True) | st.text(max_size=5)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
keys = st.sampled_from(["name", "source", "kind", "alpha", "threshold", "seed", "dir", "familiar", "n_subjects",
                        "scheme", "windows", "grid", "baseline", "l_freq", "path", "zz"])


@settings(max_examples=200, deadline=None)
@given(
    raw=st.dictionaries(
        st.sampled_from(["study", "data", "encoder", "events", "output", "cube", "evaluation", "figures",
                         "search", "preprocessing", "x"]),
        st.dictionaries(keys, values, max_size=4) | values,
        max_size=6,
    )
)
def test_parser_fuzz(raw):
    """Any parsed TOML either validates or raises StudyError; never another exception."""
    try:
        parse_study(raw)
    except StudyError as exc:
        assert str(exc)


def test_preprocessing_preset_fills_unset_keys():
    from neucube_study.schema import PREPROCESSING_PRESETS

    pre = parse_study({**MINIMAL, "preprocessing": {"preset": "erp", "tmin": -0.2}}).config[
        "preprocessing"]
    assert pre["tmin"] == -0.2  # given: kept
    for key in ("tmax", "l_freq", "h_freq", "reject_uv", "resample"):
        assert pre[key] == PREPROCESSING_PRESETS["erp"][key]
    with pytest.raises(StudyError, match=r'^preprocessing\.preset: expected one of "erp", got "fmri"$'):
        parse_study({**MINIMAL, "preprocessing": {"preset": "fmri"}})
