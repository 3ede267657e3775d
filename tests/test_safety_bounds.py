"""Bounded work and predictions only on what fit saw (issue 14, principles 3 and 4).

Every check here must fail fast: before any Brian2 compile, before any array of a hostile model
file is allocated. The one fitted model uses the pure-NumPy reference simulator on a 64-neuron
grid, as the persistence tests do.
"""

from __future__ import annotations

import io
import json
import tracemalloc
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from neucube.classifier import NeuCubeClassifier
from neucube.cube.reservoir import Reservoir
from neucube.cube.template import grid_template
from neucube.data import TrialSet
from neucube.limits import LIMITS, MAX_NEURONS, check_limit
from neucube.persistence import ModelFileError, load_model
from neucube_study import StudyError, parse_study

CH_NAMES = ("Fz", "Cz", "Pz")
COORDS = np.array([[0.0, 0.0, 0.0], [30.0, 30.0, 30.0], [0.0, 30.0, 10.0]])
N_TIMES = 40
MINIMAL = {"study": {"name": "s"}, "data": {"source": "simulate"}}


def trials(n_per_class: int = 4, *, ch_names=CH_NAMES, sfreq: float = 100.0,
           n_times: int = N_TIMES, seed: int = 0) -> TrialSet:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2 * n_per_class, len(ch_names), n_times))
    X[::2, 0, 5:25] += 3.0 * np.sin(np.pi / 2 * np.arange(20))
    y = np.tile(["a", "b"], n_per_class)
    return TrialSet(X, y, ch_names=list(ch_names), sfreq=sfreq)


@pytest.fixture(scope="module")
def fitted() -> NeuCubeClassifier:
    clf = NeuCubeClassifier(backend="reference", template=grid_template((4, 4, 4)),
                            coords=COORDS, coords_space="grid", random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return clf.fit(trials())


@pytest.fixture
def model_zip(fitted, tmp_path) -> Path:
    return fitted.save(tmp_path / "model.zip")


def study(**sections):
    raw = {k: dict(v) for k, v in MINIMAL.items()}
    for name, values in sections.items():
        raw.setdefault(name, {}).update(values)
    return raw


# ------------------------------------------------------------------ principle 3: parameters
def test_brain_spacing_that_makes_too_many_neurons_fails_before_any_allocation():
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"^NeuCubeClassifier: spacing_mm=0\.1 makes a cube "
                                             r"of about 1,885,000,000 neurons; expected at most "
                                             r"100,000 \(every neuron is simulated"):
            NeuCubeClassifier(spacing_mm=0.1).fit(np.zeros((4, 2, 10)), [0, 1, 0, 1])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024**2


def test_grid_spacing_is_bounded_before_the_grid_is_built():
    clf = NeuCubeClassifier(template="grid", spacing_mm=0.1, coords=COORDS, coords_space="grid")
    with pytest.raises(ValueError, match=r"spacing_mm=0\.1 with template='grid' over channels "
                                         r"spanning \[30\.0, 30\.0, 30\.0\] mm makes a cube of "
                                         r"about 27,818,127 neurons; expected at most 100,000"):
        clf.fit(np.zeros((4, 3, 10)), [0, 1, 0, 1])


def test_reservoir_bounds_its_own_neurons_and_synapses():
    spikes = np.zeros((2, 3, 10), dtype=np.int8)
    with pytest.raises(ValueError, match=r"^Reservoir: spacing_mm=0\.5 makes a cube of about "
                                         r"15,080,000 neurons"):
        Reservoir(spacing_mm=0.5, coords=COORDS, backend="reference").fit(spikes)
    # A given template within the neuron limit but connected far too widely.
    template = grid_template((40, 40, 40))
    with pytest.raises(ValueError, match=r"^Reservoir: the template of 64000 positions with 3 "
                                         r"channels makes about [\d,]+ candidate synapses "
                                         r"\(64,003 neurons, each connected within radius=10 "
                                         r"spacings\); expected at most 20,000,000"):
        Reservoir(template=template, radius=10.0, coords=COORDS,
                  backend="reference").fit(spikes)


@pytest.mark.parametrize(
    "params, err, match",
    [
        ({"n_rounds": 10**9}, ValueError,
         r"The 'n_rounds' parameter of NeuCubeClassifier must be an integer in \[0, 1000\] "
         r"\(each round is one STDP pass over every training trial, so the fit time grows with "
         r"it\); got 1000000000\."),
        ({"n_rounds": 1e9}, TypeError,
         r"'n_rounds' .* an integer in \[0, 1000\] .*; got 1000000000\.0"),
        ({"radius": 50.0}, ValueError, r"'radius' .* a number in \(0, 10\] \(each neuron "
                                       r"connects to every neuron within radius spacings"),
        ({"spacing_mm": 1e6}, ValueError, r"'spacing_mm' .* a number in \(0, 1000\]"),
        ({"tau_stdp": (10.0, 1e9)}, ValueError, r"'tau_stdp' .* \(0, 100000\]"),
        ({"refractory": 10**7}, ValueError, r"'refractory' .* \[0, 100000\]"),
        ({"readout": "state", "n_bins": 10**6}, ValueError, r"'n_bins' .* \[1, 10000\] \(the "
                                                            r"state readout has n_neurons"),
        ({"readout": "desnn", "k": 10**6}, ValueError, r"'k' .* \[1, 10000\]"),
    ],
)
def test_work_parameters_are_bounded_before_any_simulation(params, err, match):
    with pytest.raises(err, match=match):
        NeuCubeClassifier(backend="cpp_standalone", **params).fit(np.zeros((4, 2, 10)),
                                                                  [0, 1, 0, 1])


def test_trials_are_bounded_in_channels():
    X = np.zeros((2, 10_001, 2), dtype=np.float32)
    with pytest.raises(ValueError, match=r"X has 10001 channels and 2 time samples per trial; "
                                         r"NeuCubeClassifier accepts at most 10000 channels"):
        NeuCubeClassifier().fit(X, [0, 1])


def test_one_declaration_serves_estimators_and_studies():
    # The study schema reads the same range and reason as the estimators.
    limit = LIMITS["n_rounds"]
    with pytest.raises(StudyError, match=rf"^stdp\.n_rounds: expected an integer in \[0, 1000\] "
                                         rf"\({limit.reason}\), got 1000000000$"):
        parse_study(study(stdp={"n_rounds": 10**9}))
    with pytest.raises(ValueError, match=rf"\({limit.reason}\)"):
        check_limit("n_rounds", 10**9)


@pytest.mark.parametrize(
    "raw, match",
    [
        (study(evaluation={"n_seeds": 10**11}),
         r"^evaluation\.n_seeds: expected an integer in \[1, 1000\] \(each seed repeats the whole "
         r"cross-validation\), got 100000000000$"),
        (study(evaluation={"n_seeds": 1e11}),
         r"^evaluation\.n_seeds: expected an integer in \[1, 1000\] .*, got 100000000000\.0$"),
        (study(evaluation={"n_splits": 10**6}),
         r"^evaluation\.n_splits: expected an integer in \[2, 1000\] \(each fold fits a whole "
         r"model\), got 1000000$"),
        (study(cube={"radius": 100}), r"^cube\.radius: expected a number in \(0, 10\]"),
        (study(cube={"spacing_mm": 0.1}),
         r"^cube\.spacing_mm: cube\.spacing_mm = 0\.1 makes a cube of about 1,885,000,000 "
         r"neurons; expected at most 100,000"),
        (study(figures={"dpi": 100000}), r"^figures\.dpi: expected a number in \[300, 1200\] "
                                         r"\(an image's pixel count grows as dpi\*\*2"),
        (study(search={"n_iter": 10**9}), r"^search\.n_iter: expected an integer in "
                                          r"\[1, 10000\]"),
        (study(search={"method": "random", "grid": {"stdp": {"n_rounds": {
            "distribution": "randint", "low": 1, "high": 10**9}}}}),
         r"^search\.grid\.stdp\.n_rounds\.high: expected an integer in \[0, 1000\]"),
    ],
)
def test_study_numbers_are_bounded_with_the_reason(raw, match):
    with pytest.raises(StudyError, match=match):
        parse_study(raw)


def test_the_brain_limit_is_reachable():
    # The limit allows the finest spacings a study of this kind uses (3 mm: ~70k neurons).
    parse_study(study(cube={"spacing_mm": 3.0}))
    assert MAX_NEURONS >= 1885 * (10 / 3.0) ** 3


# ------------------------------------------------------------------ principle 3: model files
def rewrite(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path) as zf:
        content = {n: zf.read(n) for n in zf.namelist()}
    content.update(members)
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in content.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)


def npz_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf, zipfile.ZipFile(io.BytesIO(zf.read("arrays.npz"))) as npz:
        return {n: npz.read(n) for n in npz.namelist()}


def build_npz(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def meta_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("model.json"))


def test_npy_header_declaring_a_huge_array_fails_without_allocating(model_zip):
    members = npz_members(model_zip)
    key = "model.reservoir_.weights_.npy"
    # A valid header declaring 10^12 float64 (8 TB), followed by 8 bytes of data.
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (10**6, 10**6)})
    members[key] = header.getvalue() + b"\0" * 8
    rewrite(model_zip, {"arrays.npz": build_npz(members)})
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=r"array 'model\.reservoir_\.weights_' in "
                                                 r"arrays\.npz: expected at most 2,147,483,648 "
                                                 r"bytes per array; its header declares shape "
                                                 r"\(1000000, 1000000\) of float64 "
                                                 r"\(8,000,000,000,000 bytes\)\. It was not read"):
            load_model(model_zip)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024**2


def test_npy_header_larger_than_its_data_is_refused(model_zip):
    members = npz_members(model_zip)
    key = "model.reservoir_.weights_.npy"
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f8", "fortran_order": False, "shape": (1000,)})
    members[key] = header.getvalue() + b"\0" * 8
    rewrite(model_zip, {"arrays.npz": build_npz(members)})
    with pytest.raises(ModelFileError, match=r"its header declares shape \(1000,\) of float64 "
                                             r"\(8,000 bytes\), but the member holds 8 bytes of "
                                             r"data \(truncated or forged\)"):
        load_model(model_zip)


def test_zip_bomb_member_is_refused_before_extraction(model_zip):
    members = npz_members(model_zip)
    members["bomb.npy"] = bytes(32 * 1024**2)  # 32 MB of zeros deflate to ~32 kB
    rewrite(model_zip, {"arrays.npz": build_npz(members)})
    tracemalloc.start()
    try:
        with pytest.raises(ModelFileError, match=r"arrays\.npz: member 'bomb\.npy': expected a "
                                                 r"compression ratio of at most 200; found "
                                                 r"[\d,]+ \([\d,]+ bytes expanding to "
                                                 r"33,554,432\): not a file neucube writes"):
            load_model(model_zip)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 1024**2


def test_too_many_members_are_refused(model_zip):
    members = {f"m{i}.npy": b"" for i in range(10_001)}
    rewrite(model_zip, {"arrays.npz": build_npz(members)})
    with pytest.raises(ModelFileError, match=r"arrays\.npz: expected at most 10,000 members; "
                                             r"found 10,001"):
        load_model(model_zip)


def test_nan_weights_are_refused(model_zip):
    members = npz_members(model_zip)
    key = "model.reservoir_.weights_.npy"
    weights = np.lib.format.read_array(io.BytesIO(members[key]))
    weights[0] = np.nan
    buf = io.BytesIO()
    np.lib.format.write_array(buf, weights)
    members[key] = buf.getvalue()
    rewrite(model_zip, {"arrays.npz": build_npz(members)})
    with pytest.raises(ModelFileError, match=r"expected finite numbers in every array; found NaN "
                                             r"or infinity in model\.reservoir_\.weights_"):
        load_model(model_zip)


def test_synapses_pointing_past_the_neurons_are_refused(model_zip):
    members = npz_members(model_zip)
    key = "model.reservoir_.post_.npy"
    post = np.lib.format.read_array(io.BytesIO(members[key]))
    post[0] = 10**6
    buf = io.BytesIO()
    np.lib.format.write_array(buf, post)
    members[key] = buf.getvalue()
    rewrite(model_zip, {"arrays.npz": build_npz(members)})
    with pytest.raises(ModelFileError, match=r"the fitted state is inconsistent: "
                                             r"reservoir post_ outside \[0, 67\)"):
        load_model(model_zip)


@pytest.mark.parametrize(
    "edit, match",
    [
        (lambda m: m["model"]["params"].__setitem__("n_rounds", "five"),
         r"model\.json, key 'model\.params': The 'n_rounds' parameter of NeuCubeClassifier must "
         r"be an integer in \[0, 1000\]"),
        (lambda m: m["model"].__setitem__("params", [1, 2]),
         r"model\.json, key model\.params: expected an object; found list \[1, 2\]"),
        (lambda m: m["model"]["state"]["reservoir_"].__setitem__("state", "x"),
         r"model\.json, key model\.reservoir_\.state: expected an object; found str 'x'"),
        (lambda m: m.__setitem__("summary", 3),
         r"model\.json, key 'summary': expected a JSON object; found int 3"),
        (lambda m: m["arrays"]["model.classes_"].__setitem__("shape", "big"),
         r"model\.json, key 'arrays\.model\.classes_'\.shape: expected a list of integers >= 0; "
         r"found 'big'"),
        (lambda m: m["model"]["state"].__setitem__("tmin_", {"$float": 1}),
         r"model\.json, key model\.tmin_: expected '\$float' to be 'inf', '-inf' or 'nan'; "
         r"found 1"),
    ],
)
def test_wrong_json_types_name_the_member_and_key(model_zip, edit, match):
    meta = meta_of(model_zip)
    edit(meta)
    rewrite(model_zip, {"model.json": json.dumps(meta).encode()})
    with pytest.raises(ModelFileError, match=match):
        load_model(model_zip)


def test_a_nan_sampling_rate_is_refused(model_zip):
    meta = meta_of(model_zip)
    meta["model"]["state"]["sfreq_"] = {"$float": "nan"}
    rewrite(model_zip, {"model.json": json.dumps(meta).encode()})
    with pytest.raises(ModelFileError, match=r"the fitted state is inconsistent: "
                                             r"sfreq_ = nan \(expected None or a positive rate"):
        load_model(model_zip)


@pytest.mark.parametrize("depth", [100, 200_000])
def test_deep_json_is_refused(model_zip, depth):
    meta = meta_of(model_zip)
    text = json.dumps(meta)
    deep = "[" * depth + "]" * depth
    text = text[:-1] + f', "extra": {deep}}}'
    rewrite(model_zip, {"model.json": text.encode()})
    with pytest.raises(ModelFileError, match=r"model\.json: expected JSON nested at most 64 "
                                             r"levels deep; found deeper nesting"):
        load_model(model_zip)


def test_a_pipe_is_not_read_as_a_model(tmp_path):
    import os

    fifo = tmp_path / "model.zip"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match=r"expected a regular file \(a \.zip\) or a model "
                                             r"folder; found something else"):
        load_model(fifo)


# ------------------------------------------------------------------ principle 4: predict
def test_predict_refuses_reordered_channels(fitted):
    with pytest.raises(ValueError, match=r"^X: expected the channels in the order "
                                         r"NeuCubeClassifier was fitted with \(Fz, Cz, Pz\); "
                                         r"found another order \(first out of place: Cz, Fz\)"):
        fitted.predict(trials().select(channels=["Cz", "Fz", "Pz"]))


def test_predict_refuses_renamed_channels(fitted):
    with pytest.raises(ValueError, match=r"^X: expected the 3 channels NeuCubeClassifier was "
                                         r"fitted with; found 3 channels, missing \['Pz'\], not "
                                         r"seen in fit \['Oz'\]\.$"):
        fitted.predict(trials(ch_names=("Fz", "Cz", "Oz")))


def test_predict_refuses_another_sampling_rate(fitted):
    with pytest.raises(ValueError, match=r"^X: expected a sampling rate of 100 Hz, as in fit; "
                                         r"found 250 Hz\. Resample the data to 100 Hz"):
        fitted.predict_proba(trials(sfreq=250.0))


def test_predict_refuses_shorter_trials_from_trialsets_and_arrays(fitted):
    short = trials(n_times=30)
    match = (r"^X: expected trials of 40 time samples \(axis 2\), as in fit; found 30\. Cut the "
             r"trials to the training window")
    with pytest.raises(ValueError, match=match):
        fitted.predict(short)
    with pytest.raises(ValueError, match=match):
        fitted.predict(np.asarray(short.X))
    with pytest.raises(ValueError, match=match):
        fitted.score(short)


def test_predict_accepts_what_fit_saw_and_the_model_file_keeps_it(fitted, model_zip):
    same = trials(seed=1)
    expected = fitted.predict(same)
    np.testing.assert_array_equal(fitted.predict(np.asarray(same.X)), expected)  # no names
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded = load_model(model_zip)
    assert (loaded.ch_names_, loaded.sfreq_, loaded.n_steps_in_) == (CH_NAMES, 100.0, N_TIMES)
    assert loaded.ch_names_from_input_ is True
    np.testing.assert_array_equal(loaded.predict(same), expected)
    with pytest.raises(ValueError, match=r"found another order"):
        loaded.predict(same.select(channels=["Pz", "Cz", "Fz"]))


def test_predict_refuses_epochs_of_another_rate(fitted):
    import mne

    info = mne.create_info(list(CH_NAMES), 250.0, "eeg")
    epochs = mne.EpochsArray(trials().X, info, verbose=False)
    with pytest.raises(ValueError, match=r"^X: expected a sampling rate of 100 Hz, as in fit; "
                                         r"found 250 Hz"):
        fitted.predict(epochs)
    renamed = mne.EpochsArray(trials().X, mne.create_info(["Fz", "Cz", "O1"], 100.0, "eeg"),
                              verbose=False)
    with pytest.raises(ValueError, match=r"missing \['Pz'\], not seen in fit \['O1'\]"):
        fitted.predict(renamed)


# ------------------------------------------------------------------ principle 4: data
@pytest.mark.parametrize("names, bad", [(["a", ""], "''"), (["a", "  "], "'  '")])
def test_trialset_refuses_blank_class_names(names, bad):
    with pytest.raises(ValueError, match=rf"^TrialSet field 'class_names': expected non-empty "
                                         rf"names \(not only spaces\); found \[{bad}\] at "
                                         rf"position\(s\) \[1\]\.$"):
        TrialSet(np.zeros((2, 1, 3)), [0, 1], class_names=names, sfreq=10.0, ch_names=["x"])
    with pytest.raises(ValueError, match=r"expected non-empty names"):
        TrialSet(np.zeros((2, 1, 3)), names, sfreq=10.0, ch_names=["x"])


def test_edf_channel_with_an_empty_physical_range_is_marked_bad(tmp_path, caplog):
    from corpus.make_corpus import CH_NAMES as EDF_CH
    from corpus.make_corpus import signals, write_edf

    from data_loaders import load_eeg

    path = write_edf(tmp_path / "rec.edf", signals())
    raw = bytearray(path.read_bytes())
    n = len(EDF_CH) + 1  # + the annotation channel
    phys_min = 256 + n * (16 + 80 + 8)
    phys_max = phys_min + 8 * n
    raw[phys_max + 8:phys_max + 16] = raw[phys_min + 8:phys_min + 16]  # Cz: max = min
    path.write_bytes(bytes(raw))
    ts = load_eeg(path, event_id={"a": "T1", "b": "T2"}, tmin=0.0, tmax=0.5, coordinates=None)
    assert "Cz" not in ts.ch_names
    assert ts.metadata["flat_channels"] == ["Cz"]
    assert "Cz" in ts.metadata["bad_channels"]
    assert "channels whose header declares an empty range (physical_min == physical_max or " \
           "digital_min == digital_max; their samples have no scale) marked bad and left out: " \
           "['Cz']" in caplog.text


@pytest.mark.parametrize(
    ("sfreq", "kwargs", "match"),
    [
        (1e9, {}, r"RawArray object: expected an epoch window of at most 1,000,000 samples \(each "
                  r"becomes a simulation step\); found -0\.2\.\.0\.8 s at the recording's 1e\+09 Hz "
                  r"= 1e\+09 samples\. Check tmin/tmax and the file's sampling rate\."),
        (100.0, {"resample": 1e9}, r"RawArray object: expected an epoch window of at most "
                                   r"1,000,000 samples .*; found -0\.2\.\.0\.8 s at resample=1e\+09 "
                                   r"Hz = 1e\+09 samples\. Pass a lower resample=\."),
        (100.0, {"l_freq": 1e-6}, r"The 'l_freq' parameter of load_eeg must give an FIR filter "
                                  r"of at most 1,000,000 taps at 100 Hz .*; got 1e-06 Hz: "
                                  r"3\.3e\+08 taps\."),
    ],
)
def test_eeg_epoch_window_is_bounded_before_mne_allocates(sfreq, kwargs, match):
    """A header's rate (or resample=, or an l_freq making a 3e8-tap filter) that would allocate
    gigabytes fails at once, instead of NumPy's bare 'Maximum allowed size exceeded' or
    MemoryError."""
    import mne

    from data_loaders import LoaderError, load_eeg

    info = mne.create_info(["Cz", "Pz", "STI"], sfreq, ["eeg", "eeg", "stim"])
    data = np.vstack([np.random.default_rng(0).normal(size=(2, 300)) * 1e-5, np.zeros((1, 300))])
    data[2, [100, 200]] = [1, 2]
    raw = mne.io.RawArray(data, info, verbose=False)
    tracemalloc.start()
    try:
        with pytest.raises(LoaderError if "l_freq" not in kwargs else ValueError, match=match):
            load_eeg(raw, **kwargs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50e6
