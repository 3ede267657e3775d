"""Tests of model files (neucube.persistence): exact round trips, no pickle, clear errors."""

from __future__ import annotations

import dataclasses
import io
import json
import pathlib
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from neucube._atomic import TMP_PREFIX
from neucube.classifier import NeuCubeClassifier
from neucube.cube.raster import SpikeRaster
from neucube.cube.template import grid_template
from neucube.data import TrialSet
from neucube.encoding import BSAEncoder, TBREncoder
from neucube.persistence import SCHEMA_VERSION, ModelFileError, load_model, save_model
from neucube.readout import SpikeCountFeatures

N_CHANNELS, N_TIMES = 3, 40
COORDS = np.array([[0.0, 0.0, 0.0], [30.0, 30.0, 30.0], [0.0, 30.0, 10.0]])
TEMPLATE = grid_template((4, 4, 4))  # 64 neurons + 3 negative inputs: a short compile


def make_trials(rng: np.random.Generator, n_per_class: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Noise plus a fast oscillatory burst: on channel 0 for class "b", channel 2 for "a"."""
    n = 2 * n_per_class
    X = rng.normal(size=(n, N_CHANNELS, N_TIMES))
    y = np.repeat(["a", "b"], n_per_class)
    burst = 3.0 * np.sin(np.pi / 2 * np.arange(20))
    X[y == "b", 0, 5:25] += burst
    X[y == "a", 2, 5:25] += burst
    return X, y


def assert_same(a: object, b: object, where: str = "model") -> None:
    """Deep equality of two fitted objects, attribute by attribute (arrays: values and dtype)."""
    assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
    if isinstance(a, np.ndarray):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), f"{where}: {a.dtype}{a.shape}"
        assert np.array_equal(a, b), f"{where}: values differ"
    elif isinstance(a, SpikeRaster):
        assert a == b, f"{where}: rasters differ"
    elif isinstance(a, BaseEstimator):
        pa, pb = a.get_params(deep=False), b.get_params(deep=False)
        assert pa.keys() == pb.keys(), where
        for k in pa:
            assert_same(pa[k], pb[k], f"{where}.{k}")
        assert vars(a).keys() == vars(b).keys(), f"{where}: {set(vars(a)) ^ set(vars(b))}"
        for k in vars(a):
            assert_same(vars(a)[k], vars(b)[k], f"{where}.{k}")
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_same(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), where
        for i, (x, z) in enumerate(zip(a, b, strict=True)):
            assert_same(x, z, f"{where}[{i}]")
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


@pytest.fixture(scope="module")
def cache_env(tmp_path_factory):
    """Compiled networks go to the session's cube cache, not to the user's home."""
    path = tmp_path_factory.getbasetemp() / "neucube-cube-cache"
    path.mkdir(exist_ok=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NEUCUBE_CACHE_DIR", str(path))
        yield path


@pytest.fixture(scope="module")
def brian_model(cache_env):
    """A model fitted with the compiled Brian2 backend, and unseen test trials."""
    rng = np.random.default_rng(7)
    X, y = make_trials(rng, 8)
    X_test, y_test = make_trials(rng, 5)
    clf = NeuCubeClassifier(template=TEMPLATE, coords=COORDS, coords_space="grid",
                            n_rounds=2, stdp_rate=0.01, random_state=3)
    return clf.fit(X, y), X_test, y_test


@pytest.fixture
def small_model(rng):
    """A model with the NumPy reference simulator (no compile), for the error cases.

    NeuCube's published settings (deSNN readout, which keeps the training raster), the defaults
    these tests were written for before the defaults changed (issue 16).
    """
    X, y = make_trials(rng, 5)
    clf = NeuCubeClassifier.published(backend="reference", template=TEMPLATE, coords=COORDS,
                                      coords_space="grid", random_state=0)
    return clf.fit(X, y), X


# ----------------------------------------------------------------------------- round trips
@pytest.mark.slow
@pytest.mark.parametrize("name", ["model.zip", "model_folder"])
def test_brian2_model_round_trips_with_identical_predictions(brian_model, tmp_path, name):
    clf, X_test, y_test = brian_model
    path = clf.save(tmp_path / name)
    assert (path.is_file() and zipfile.is_zipfile(path)) if name.endswith(".zip") \
        else (path / "model.json").is_file() and (path / "arrays.npz").is_file()
    loaded = load_model(path)
    assert isinstance(loaded, NeuCubeClassifier)
    assert_same(clf, loaded)
    proba = clf.predict_proba(X_test)
    assert np.array_equal(loaded.predict_proba(X_test), proba)
    assert np.array_equal(loaded.predict(X_test), clf.predict(X_test))
    assert np.array_equal(loaded.raster(X_test).counts(), clf.raster(X_test).counts())
    # The test data are learnable, so "identical" is not identical constant output.
    assert len(np.unique(loaded.predict(X_test))) == 2
    assert loaded.score(X_test, y_test) == clf.score(X_test, y_test)
    # STDP changed the weights, and both the initial and trained weights came back.
    res, res2 = clf.reservoir_, loaded.reservoir_
    assert not np.array_equal(res.weights_init_, res.weights_)
    assert np.array_equal(res2.weight_matrix().toarray(), res.weight_matrix().toarray())
    assert np.array_equal(res2.weight_matrix(initial=True).toarray(),
                          res.weight_matrix(initial=True).toarray())


@pytest.mark.parametrize(
    "params",
    [
        {"encoder": "bsa", "recall": "psp"},
        {"encoder": "step_forward", "encoder_threshold": "auto", "n_rounds": 0},
        {"encoder": "moving_window", "stdp_rate": (0.01, 0.02), "tau_stdp": (5.0, 8.0)},
        {"encoder": BSAEncoder(filter_length=6, cutoff=0.3), "neuron_model": "lif"},
        {"encoder": TBREncoder(threshold=[0.5, 0.6, 0.7]), "connectivity": "gaussian"},
        {"encoder": "bsa", "readout": "state", "n_bins": 5},
    ],
    ids=["bsa-psp", "sf-auto", "mw-pairs", "bsa-instance", "tbr-instance", "state-readout"],
)
def test_every_encoder_and_option_round_trips(rng, tmp_path, params):
    X, y = make_trials(rng, 5)
    X_test, _ = make_trials(rng, 3)
    clf = NeuCubeClassifier(backend="reference", template=TEMPLATE, coords=COORDS,
                            coords_space="grid", random_state=1, **params).fit(X, y)
    loaded = load_model(clf.save(tmp_path / "m.zip"))
    assert_same(clf, loaded)
    assert np.array_equal(loaded.predict_proba(X_test), clf.predict_proba(X_test))
    # Parameters come back as given, so a clone refits to the same model.
    refit = clone(loaded).fit(X, y)
    assert np.array_equal(refit.predict_proba(X_test), clf.predict_proba(X_test))


def test_trialset_context_and_metadata_are_written(rng, tmp_path):
    X, y = make_trials(rng, 5)
    trials = TrialSet(X, y, sfreq=128.0, ch_names=["Fz", "Cz", "Pz"], coords=COORDS,
                      space="grid", tmin=-0.2)
    clf = NeuCubeClassifier(backend="reference", template=TEMPLATE, random_state=0).fit(trials)
    path = clf.save(tmp_path / "m")
    meta = json.loads((path / "model.json").read_text())
    assert meta["format"] == "neucube-model"
    assert meta["schema_version"] == SCHEMA_VERSION
    assert {"neucube", "numpy", "scikit-learn", "brian2", "python"} <= meta["versions"].keys()
    summary = meta["summary"]
    assert summary["classes"] == ["a", "b"]
    assert summary["ch_names"] == ["Fz", "Cz", "Pz"]
    assert np.array_equal(summary["coords_mm"], COORDS)
    assert (summary["sfreq"], summary["tmin"], summary["n_times"]) == (128.0, -0.2, N_TIMES)
    assert summary["n_train_trials"] == 10
    assert meta["model"]["params"]["random_state"] == 0
    loaded = load_model(path)
    assert loaded.ch_names_ == ("Fz", "Cz", "Pz")
    assert (loaded.sfreq_, loaded.tmin_) == (128.0, -0.2)
    assert np.array_equal(loaded.train_labels_, trials.labels)
    assert np.array_equal(loaded.predict(trials), clf.predict(trials))


def test_object_labels_and_dataframe_feature_names_round_trip(rng, tmp_path):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(rng.normal(size=(10, 6)), columns=[f"t{i}" for i in range(6)])
    y = pd.Series(["x", "y"] * 5, dtype=object)
    clf = NeuCubeClassifier(backend="reference", template=TEMPLATE, random_state=0).fit(X, y)
    assert clf.classes_.dtype == object and clf.feature_names_in_.dtype == object
    loaded = load_model(clf.save(tmp_path / "m.zip"))
    assert_same(clf, loaded)
    assert np.array_equal(loaded.predict(X), clf.predict(X))


def test_identical_arrays_are_stored_once(small_model, tmp_path):
    clf, _ = small_model
    path = clf.save(tmp_path / "m")
    meta = json.loads((path / "model.json").read_text())
    state = meta["model"]["state"]
    # The training raster is shared by the model and its readout; the cube's structure by the
    # networks before and after STDP.
    assert state["train_raster_"] == state["readout_"]["state"]["train_raster_"]
    networks = state["reservoir_"]["state"]
    assert networks["network_init_"]["fields"]["pre"] == networks["network_"]["fields"]["pre"]
    assert len(meta["arrays"]) == len(np.load(path / "arrays.npz").files)


def test_fitted_parts_can_be_saved_on_their_own(small_model, tmp_path):
    clf, X = small_model
    reservoir = load_model(save_model(clf.reservoir_, tmp_path / "cube.zip"))
    assert_same(clf.reservoir_, reservoir)
    spikes = clf.encode(X)
    assert reservoir.transform(spikes) == clf.reservoir_.transform(spikes)
    readout = load_model(save_model(clf.readout_, tmp_path / "readout"))
    assert_same(clf.readout_, readout)


# ----------------------------------------------------------------------------- saving
def test_save_refuses_what_only_pickle_could_store(rng, tmp_path):
    X, y = make_trials(rng, 5)
    custom = NeuCubeClassifier(backend="reference", template=TEMPLATE, random_state=0,
                               readout=make_pipeline(SpikeCountFeatures(), LogisticRegression()))
    custom.fit(X, y)
    with pytest.raises(TypeError, match=r"cannot write model\.readout \(the 'readout' "
                                        r"parameter\) to a model file: it holds a "
                                        r"sklearn\.pipeline\.Pipeline"):
        custom.save(tmp_path / "m.zip")
    generator = NeuCubeClassifier(backend="reference", template=TEMPLATE,
                                  random_state=np.random.default_rng(0)).fit(X, y)
    with pytest.raises(TypeError, match=r"model\.random_state \(the 'random_state' parameter\).*"
                                        r"pass an int"):
        generator.save(tmp_path / "m.zip")
    # Nothing was written, not even a temporary file.
    assert list(tmp_path.iterdir()) == []


def test_save_needs_a_fitted_model(tmp_path):
    with pytest.raises(NotFittedError):
        NeuCubeClassifier().save(tmp_path / "m.zip")


def test_overwrite_rules(small_model, tmp_path):
    clf, X = small_model
    zpath = clf.save(tmp_path / "m.zip")
    with pytest.raises(FileExistsError, match=r"m\.zip already exists \(pass overwrite=True"):
        clf.save(zpath, overwrite=False)
    clf.save(zpath)  # overwrite=True replaces it
    folder = clf.save(tmp_path / "m")
    clf.save(folder)  # a model folder can be replaced
    other = tmp_path / "papers"
    other.mkdir()
    (other / "draft.txt").write_text("precious")
    with pytest.raises(FileExistsError, match=r"papers exists and is not a neucube model folder"):
        clf.save(other)
    assert (other / "draft.txt").read_text() == "precious"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TMP_PREFIX)]


# ----------------------------------------------------------------------------- broken files
@pytest.fixture
def saved(small_model, tmp_path):
    clf, _ = small_model
    return clf.save(tmp_path / "m.zip"), clf.save(tmp_path / "folder")


def rewrite_zip(path: Path, members: dict[str, bytes | None]) -> None:
    """Replace (bytes) or drop (None) members of a zip file."""
    with zipfile.ZipFile(path) as zf:
        content = {n: zf.read(n) for n in zf.namelist()}
    for name, data in members.items():
        if data is None:
            content.pop(name)
        else:
            content[name] = data
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in content.items():
            zf.writestr(name, data)


def test_truncated_zip(saved):
    zpath, _ = saved
    data = zpath.read_bytes()
    zpath.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=r"m\.zip is not a valid zip file \(truncated or "
                                             r"corrupted\?\)"):
        load_model(zpath)


def test_missing_member_and_missing_array(saved):
    zpath, folder = saved
    rewrite_zip(zpath, {"arrays.npz": None})
    with pytest.raises(ModelFileError, match=r"m\.zip is incomplete: member\(s\) arrays\.npz "
                                             r"missing"):
        load_model(zpath)
    (folder / "model.json").unlink()
    with pytest.raises(ModelFileError, match=r"Model folder .*folder is incomplete: model\.json"):
        load_model(folder)


def test_array_missing_from_npz(saved):
    _, folder = saved
    with np.load(folder / "arrays.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    dropped = "model.reservoir_.network_init_.weights"
    assert dropped in arrays
    del arrays[dropped]
    np.savez(folder / "arrays.npz", **arrays)
    with pytest.raises(ModelFileError, match=r"array\(s\) model\.reservoir_\.network_init_\."
                                             r"weights listed in model\.json are missing"):
        load_model(folder)


def test_array_with_wrong_shape(saved):
    _, folder = saved
    with np.load(folder / "arrays.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    key = "model.reservoir_.network_init_.weights"
    n = arrays[key].shape[0]
    arrays[key] = arrays[key][:-1]
    np.savez(folder / "arrays.npz", **arrays)
    with pytest.raises(ModelFileError, match=rf"array '{key}' in arrays.npz: its header declares "
                                             rf"shape \[{n - 1}\] and dtype <f8; model.json's "
                                             rf"'arrays' index says \[{n}\] and <f8"):
        load_model(folder)


def test_bad_json(saved):
    zpath, folder = saved
    rewrite_zip(zpath, {"model.json": b"{not json"})
    with pytest.raises(ModelFileError, match=r"m\.zip: model\.json is not valid JSON"):
        load_model(zpath)
    (folder / "model.json").write_text('["a list"]')
    with pytest.raises(ModelFileError, match=r"is not a neucube model \(field 'format' should "
                                             r"be 'neucube-model'; found 'list'\)"):
        load_model(folder)


@pytest.mark.parametrize("version, match", [
    (SCHEMA_VERSION + 1, rf"has schema_version {SCHEMA_VERSION + 1}, but this neucube .* reads "
                         rf"model files up to schema_version {SCHEMA_VERSION}.*upgrade neucube"),
    (0, r"field 'schema_version' should be a positive integer; found 0"),
    ("1", r"field 'schema_version' should be a positive integer; found '1'"),
])
def test_wrong_schema_version(saved, version, match):
    _, folder = saved
    meta = json.loads((folder / "model.json").read_text())
    meta["schema_version"] = version
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match=match):
        load_model(folder)


class _Trap:
    """Unpickling this creates a marker file: proof that a loader ran pickle."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_pickle_disguised_as_npz_is_never_unpickled(saved, tmp_path):
    zpath, folder = saved
    marker = tmp_path / "unpickled"
    payload = pickle.dumps(_Trap(marker))
    (folder / "arrays.npz").write_bytes(payload)
    with pytest.raises(ModelFileError, match=r"folder: arrays\.npz is not a NumPy \.npz archive "
                                             r"\(no zip signature; it looks like pickled data\)\. "
                                             r"Model files never contain pickled data"):
        load_model(folder)
    rewrite_zip(zpath, {"arrays.npz": payload})
    with pytest.raises(ModelFileError, match=r"m\.zip: arrays\.npz is not a NumPy \.npz archive"):
        load_model(zpath)
    # An object array inside a genuine .npz would need pickle too.
    buf = io.BytesIO()
    np.savez(buf, **{"model.coords_": np.array([_Trap(marker)], dtype=object)})
    rewrite_zip(zpath, {"arrays.npz": buf.getvalue()})
    with pytest.raises(ModelFileError, match=r"array 'model\.coords_' in arrays\.npz holds Python "
                                             r"objects, which only pickle could read"):
        load_model(zpath)
    assert not marker.exists()


def test_truncated_npz_in_folder(saved):
    _, folder = saved
    data = (folder / "arrays.npz").read_bytes()
    (folder / "arrays.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match=r"folder: arrays\.npz is corrupted \(BadZipFile"):
        load_model(folder)


def test_unknown_estimator_class_is_refused(saved):
    _, folder = saved
    meta = json.loads((folder / "model.json").read_text())
    meta["model"]["state"]["encoder_"]["$estimator"] = "os.system"
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match=r"model\.encoder_: unknown estimator 'os\.system' "
                                             r"\(known: NeuCubeClassifier"):
        load_model(folder)


def test_attribute_names_are_checked(saved):
    _, folder = saved
    meta = json.loads((folder / "model.json").read_text())
    meta["model"]["state"]["__dict__"] = {"$dict": {}}
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match=r"model\.__dict__: not a valid attribute name"):
        load_model(folder)


def test_invalid_state_is_reported_with_the_file(saved):
    _, folder = saved
    meta = json.loads((folder / "model.json").read_text())
    del meta["model"]["state"]["reservoir_"]["state"]["network_"]["fields"]["weights"]
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelFileError, match=r"folder: the 'model' field is invalid \(TypeError: "
                                             r".*weights"):
        load_model(folder)


def test_missing_path_and_non_model_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No model file or folder at .*nothing\.zip"):
        load_model(tmp_path / "nothing.zip")
    text = tmp_path / "notes.zip"
    text.write_text("hello")
    with pytest.raises(ModelFileError, match=r"notes\.zip is not a valid zip file"):
        load_model(text)


def test_other_neucube_version_warns(saved):
    _, folder = saved
    meta = json.loads((folder / "model.json").read_text())
    meta["versions"]["neucube"] = "0.0.1"
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.warns(UserWarning, match=r"was written by neucube 0\.0\.1; this is neucube"):
        load_model(folder)


def test_failed_save_keeps_the_previous_file(small_model, rng, tmp_path):
    clf, X = small_model
    zpath = clf.save(tmp_path / "m.zip")
    before = zpath.read_bytes()
    X2, y2 = make_trials(rng, 5)
    unsavable = NeuCubeClassifier(backend="reference", template=TEMPLATE, random_state=0,
                                  readout=make_pipeline(SpikeCountFeatures(),
                                                        LogisticRegression())).fit(X2, y2)
    with pytest.raises(TypeError, match="cannot write model.readout"):
        unsavable.save(zpath)
    assert zpath.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.zip"]
    assert np.array_equal(load_model(zpath).predict(X), clf.predict(X))


def test_a_fresh_process_loads_a_classifier_through_persistence_alone(small_model, tmp_path):
    """neucube.persistence never imports the classifier (the classifier registers itself with
    it); reading a file that names NeuCubeClassifier imports the classifier's module first."""
    import os
    import subprocess
    import sys

    model, X = small_model
    path = save_model(model, tmp_path / "model.zip")
    np.save(tmp_path / "X.npy", X)
    code = (
        "import json, sys\n"
        "import numpy as np\n"
        "import neucube.persistence as p\n"
        "before = 'neucube.classifier' in sys.modules\n"
        f"m = p.load_model({str(path)!r})\n"
        f"pred = m.predict(np.load({str(tmp_path / 'X.npy')!r}))\n"
        "print(json.dumps([before, type(m).__name__, pred.tolist()]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(pathlib.Path(__file__).parents[1])}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    before, name, pred = json.loads(proc.stdout.strip().splitlines()[-1])
    assert before is False and name == "NeuCubeClassifier"
    assert pred == model.predict(X).tolist()


def test_only_the_packages_estimators_can_be_registered():
    from neucube.persistence import register_estimator

    with pytest.raises(ValueError, match=r"^register_estimator: expected one of NeuCubeClassifier, "
                                         r"Reservoir, .*; found sklearn\.linear_model\._logistic\."
                                         r"LogisticRegression\.$"):
        register_estimator(LogisticRegression)
