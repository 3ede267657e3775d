"""Channel names to MNI/Talairach coordinates: templates, stored positions, user files, errors."""

from __future__ import annotations

import mne
import numpy as np
import pytest

from data_loaders._errors import ChannelError, FileFormatError
from data_loaders.coordinates import (
    DEFAULT_MONTAGE,
    channel_positions,
    info_positions,
    is_non_eeg_name,
    locate_channels,
    mni_to_talairach,
    montage_positions,
    normalize_channel_name,
    read_coordinate_file,
    talairach_to_mni,
)

TEN_TWENTY = ["Fp1", "Fp2", "F7", "F3", "Fz", "F4", "F8", "T7", "C3", "Cz", "C4", "T8",
              "P7", "P3", "Pz", "P4", "P8", "O1", "O2"]  # fmt: skip


# ---------------------------------------------------------------------------------- template
def test_cz_is_midline_and_at_the_top_of_the_head():
    xyz = channel_positions(TEN_TWENTY)
    cz = xyz[TEN_TWENTY.index("Cz")]
    np.testing.assert_allclose(cz, [0.4, -9.2, 100.2], atol=0.05)  # colin27, MNI mm
    assert cz[2] == xyz[:, 2].max()


def test_hemispheres_follow_the_10_20_numbering():
    names = list(montage_positions())
    odd = [n for n in names if n[-1] in "13579" and not n.startswith(("T3", "T5", "A1", "M1"))]
    even = [n for n in names if n[-1] in "02468" and not n.endswith("10") and n[-1] != "0"]
    midline = [n for n in names if n.endswith("z")]
    assert (channel_positions(odd)[:, 0] < 0).all()
    assert (channel_positions(even)[:, 0] > 0).all()
    assert (np.abs(channel_positions(midline)[:, 0]) < 5).all()


def test_anterior_channels_are_in_front_of_posterior_ones():
    fp, oz = channel_positions(["Fpz", "Oz"])
    assert fp[1] > 60 > -60 > oz[1]


def test_default_montage_has_the_most_10_05_names():
    mni_montages = [m for m in mne.channels.get_builtin_montages()
                    if m.startswith(("colin27_", "fsaverage_"))]
    sizes = {m: len(montage_positions(m)) for m in mni_montages}
    assert max(sizes, key=sizes.get) == DEFAULT_MONTAGE == "colin27_1005"
    assert set(montage_positions("fsaverage_1005")) <= set(montage_positions(DEFAULT_MONTAGE))


def test_template_positions_are_read_only():
    pos = montage_positions()
    with pytest.raises(ValueError, match="read-only"):
        pos["Cz"][0] = 0.0


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("EEG Fp1-Ref", "Fp1"),
        ("Fc5.", "FC5"),
        ("C3..", "C3"),
        ("Cz..", "Cz"),
        ("T3", "T7"),
        ("t4", "T8"),
        ("EEG T5", "P7"),
        ("T6-A1", "P8"),
        ("FP1", "Fp1"),
        ("FPz", "Fpz"),
        ("EEG-O2", "O2"),
        ("C3-AVG", "C3"),
        ("  poz  ", "POz"),
        ("Fp1-F3", "Fp1-F3"),  # a bipolar derivation has no single position: left alone
        ("MyProbe", "MyProbe"),
    ],
)
def test_normalize_channel_name(raw, canonical):
    assert normalize_channel_name(raw) == canonical


def test_old_names_share_positions_with_the_new_ones():
    np.testing.assert_array_equal(
        channel_positions(["T3", "T4", "T5", "T6"]), channel_positions(["T7", "T8", "P7", "P8"])
    )


@pytest.mark.parametrize(
    ("name", "non_eeg"),
    [("EOG VEOG_I", True), ("IEOG", True), ("ECG ECG1", True), ("DIG DTRIG", True),
     ("Status", True), ("STI 014", True), ("POL $A1", True), ("REF_EEG REF_EEG", True),
     ("SaO2 X9", True), ("EXG5", True), ("EEG Fp1-Ref", False), ("Fc5.", False),
     ("PO8", False), ("Cz", False), ("ECG", True)],
)  # fmt: skip
def test_is_non_eeg_name(name, non_eeg):
    assert is_non_eeg_name(name) is non_eeg


# ---------------------------------------------------------------------------------- unknown
def test_unknown_channels_raise_with_suggestions():
    with pytest.raises(
        ChannelError,
        match=r"2 unknown: 'Fpp1' \(did you mean 'Fp1'.*'Xyz123'",
    ) as err:
        channel_positions(["Cz", "Fpp1", "Xyz123"])
    assert err.value.source == "channel names"
    assert "on_unknown='drop'" in str(err.value)


def test_unknown_non_eeg_channels_point_to_exclude_non_eeg():
    with pytest.raises(
        ChannelError,
        match=r"\['EOG1'\] look like non-EEG channels: pass exclude_non_eeg=True",
    ):
        channel_positions(["Cz", "EOG1"])


def test_drop_and_ignore_unknown_channels():
    loc = locate_channels(["Cz", "Fpp1", "EOG1", "O2"], on_unknown="drop", exclude_non_eeg=True)
    assert loc.ch_names == ("Cz", "O2")
    assert loc.picks.tolist() == [0, 3]
    assert loc.unknown == ("Fpp1",)
    assert loc.excluded == ("EOG1",)
    assert loc.sources == ("template", "template")

    kept = locate_channels(["Cz", "Fpp1"], on_unknown="ignore")
    assert kept.coords.shape == (2, 3)
    assert np.isnan(kept.coords[1]).all() and np.isfinite(kept.coords[0]).all()


def test_all_channels_excluded_is_an_error():
    with pytest.raises(ChannelError, match="at least one EEG channel with a position"):
        channel_positions(["EOG1", "ECG"], exclude_non_eeg=True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            dict(space="grid"),
            "The 'space' parameter must be one of 'mni', 'talairach'; got 'grid'",
        ),
        (
            dict(on_unknown="skip"),
            "The 'on_unknown' parameter must be one of 'raise', 'drop', 'ignore'; got 'skip'",
        ),
        (
            dict(montage="colin27_1050"),
            r"The 'montage' parameter must be one of MNE's builtin montages"
            r".*got 'colin27_1050'\. Did you mean .*'colin27_1005'",
        ),
        (
            dict(positions={"Cz": [0, 1]}),
            r"The 'positions' parameter must map names to finite \(x, y, z\) in mm; "
            r"got \[0, 1\] for 'Cz'",
        ),
    ],
)
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        channel_positions(["Cz"], **kwargs)


# ---------------------------------------------------------------------------------- Talairach
def test_talairach_round_trip(rng):
    xyz = rng.uniform(-90, 90, size=(50, 3))
    for variant in ("other", "spm", "fsl"):
        back = talairach_to_mni(mni_to_talairach(xyz, variant=variant), variant=variant)
        np.testing.assert_allclose(back, xyz, atol=1e-9)


def test_icbm2tal_matches_the_published_matrix():
    # Lancaster et al. 2007, icbm_spm2tal: the origin maps to the translation column, and a
    # point maps by the first column plus it.
    np.testing.assert_allclose(
        mni_to_talairach([0, 0, 0], variant="spm"), [-1.0207, -1.7667, 4.0926]
    )
    np.testing.assert_allclose(
        mni_to_talairach([10, 0, 0], variant="spm"),
        [-1.0207 + 9.254, -1.7667 - 0.048, 4.0926 + 0.152],
    )


def test_talairach_space_of_channel_positions():
    mni = channel_positions(["Cz", "O1"])
    tal = channel_positions(["Cz", "O1"], space="talairach")
    np.testing.assert_allclose(tal, mni_to_talairach(mni))
    # Talairach brains are smaller than MNI: Cz moves down and towards the origin.
    assert channel_positions(["Cz"], space="talairach")[0, 2] < 100.2


@pytest.mark.parametrize(
    ("xyz", "variant", "message"),
    [
        (
            [1, 2],
            "other",
            r"The 'xyz' parameter must be an array of shape \(3,\) or \(n_points, 3\) in mm; "
            r"got shape \(2,\)",
        ),
        (
            [1, 2, 3],
            "afni",
            "The 'variant' parameter must be one of 'spm', 'fsl', 'other'; got 'afni'",
        ),
    ],
)
def test_talairach_errors(xyz, variant, message):
    with pytest.raises(ValueError, match=message):
        mni_to_talairach(xyz, variant=variant)


# ---------------------------------------------------------------------------------- user files
def test_read_coordinate_file_with_header_and_use_it(tmp_path):
    path = tmp_path / "coords.csv"
    path.write_text("name,x,y,z\n# my lab's cap\nAF3,-30,50,40\nMyProbe,1.5,2,3\n")
    coords = read_coordinate_file(path)
    assert list(coords) == ["AF3", "MyProbe"]
    np.testing.assert_array_equal(coords["MyProbe"], [1.5, 2.0, 3.0])

    loc = locate_channels(["af3", "MyProbe", "Cz"], positions=coords)
    assert loc.sources == ("user", "user", "template")
    np.testing.assert_array_equal(loc.coords[0], [-30, 50, 40])  # user beats template, any case


def test_read_coordinate_file_without_header_semicolons(tmp_path):
    path = tmp_path / "coords.txt"
    path.write_text("Cz;0;0;90\nPz;0;-50;70\n")
    assert list(read_coordinate_file(path)) == ["Cz", "Pz"]


def test_user_positions_in_talairach_are_converted(tmp_path):
    tal = mni_to_talairach([10.0, 20.0, 30.0])
    out_mni = channel_positions(["P"], positions={"P": tal}, positions_space="talairach")
    np.testing.assert_allclose(out_mni[0], [10.0, 20.0, 30.0], atol=1e-9)
    out_tal = channel_positions(
        ["P"], "talairach", positions={"P": tal}, positions_space="talairach"
    )
    np.testing.assert_allclose(out_tal[0], tal, atol=1e-9)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "expected rows of name,x,y,z; found an empty file"),
        ("name,x,y,z\n", "expected at least one name,x,y,z row; found only a header"),
        ("Cz,0,0\n", r"expected 4 fields per row \(name, x, y, z\); found 3 in row 1"),
        (
            "Cz,0,0,90\nPz,a,b,c\n",
            r"expected numeric x, y, z in mm; found \['a', 'b', 'c'\] in row 2",
        ),
        ("Cz,0,0,90\nCz,1,1,1\n", r"expected unique channel names; found 'Cz' twice \(row 2\)"),
        ("Cz,0,nan,90\n", r"expected finite x, y, z; found \['0', 'nan', '90'\] in row 1"),
    ],
)
def test_read_coordinate_file_errors(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(FileFormatError, match=message) as err:
        read_coordinate_file(path)
    assert str(err.value).startswith(str(path))


def test_read_coordinate_file_missing(tmp_path):
    with pytest.raises(
        FileFormatError,
        match="nope.csv: expected a CSV file of name,x,y,z rows; found no such file",
    ):
        read_coordinate_file(tmp_path / "nope.csv")


# ---------------------------------------------------------------------------------- stored
def _info_with_template(names, montage="colin27_1020"):
    info = mne.create_info(names, 256.0, "eeg")
    info.set_montage(montage)
    return info


def test_head_frame_positions_return_to_mni_exactly():
    # A template set on an Info lives in the head frame; the bundled fsaverage transform must
    # bring it back to the template's MNI coordinates.
    info = _info_with_template(TEN_TWENTY)
    pos, method = info_positions(info)
    expected = channel_positions(TEN_TWENTY, montage="colin27_1020")
    np.testing.assert_allclose(np.array([pos[n] for n in TEN_TWENTY]), expected, atol=1e-6)
    assert method.startswith("affine fit on 19 colin27_1005 anchors (RMS 0.0 mm)")


def test_few_stored_positions_use_fiducial_alignment(caplog):
    info = _info_with_template(["C3", "Cz", "C4"])
    with caplog.at_level("WARNING", logger="data_loaders.coordinates"):
        pos, method = info_positions(info)
    assert method == "fiducial alignment to fsaverage (trans='fsaverage')"
    assert "only 3 channels share a name" in caplog.text
    np.testing.assert_allclose(pos["Cz"], [0.4, -9.2, 100.2], atol=0.05)


def test_digitised_positions_from_a_real_file(shared_data):
    raw = mne.io.read_raw(
        shared_data / "eeg_format_samples/mne_testing_data/bv_dig_raw.fif", verbose="error"
    )
    loc = locate_channels(raw.ch_names, info=raw.info, exclude_non_eeg=True)
    assert set(loc.sources) == {"file"}
    assert loc.excluded == ("ECG", "HEOG", "VEOG")
    assert loc.method.startswith("affine fit on 64 colin27_1005 anchors")
    cz = loc.coords[loc.ch_names.index("Cz")]
    assert abs(cz[0]) < 10 and cz[2] > 90
    # A real head differs from colin27, but after the anchor fit by millimetres, not centimetres.
    template = channel_positions(loc.canonical)
    assert np.median(np.linalg.norm(loc.coords - template, axis=1)) < 10


def test_head_frame_template_montages_are_registered_to_mni():
    biosemi = montage_positions("biosemi64")
    shared = [n for n in biosemi if n in montage_positions()]
    dist = np.linalg.norm(
        np.array([biosemi[n] for n in shared]) - channel_positions(shared), axis=1
    )
    assert len(shared) == 64 and np.median(dist) < 10
