"""4-D NIfTI block/event designs to TrialSets, and voxel selection inside cross-validation."""

from __future__ import annotations

import gzip
import io
import logging
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from data_loaders._errors import EventError, FileFormatError
from data_loaders.fmri import load_fmri, read_volume_labels
from neucube.feature_selection import VoxelSelector

TR = 2.0
#: 3 mm voxels, origin at (-30, -40, -20) mm, axes flipped in x (radiological-style, like FSL).
AFFINE = np.array(
    [[-3.0, 0, 0, 30], [0, 3.0, 0, -40], [0, 0, 3.0, -20], [0, 0, 0, 1]], dtype=np.float64
)
#: Block design of 24 volumes: rest, a, rest, b, rest, a (the last a block is longer).
LABELS = ["rest"] * 4 + ["a"] * 4 + ["rest"] * 4 + ["b"] * 4 + ["rest"] * 2 + ["a"] * 6


def make_bold(
    data: np.ndarray, *, code: int = 4, affine: np.ndarray = AFFINE, tr: float | None = TR
) -> nib.Nifti1Image:
    img = nib.Nifti1Image(data.astype(np.float32), affine)
    img.header.set_sform(affine, code=code)
    img.header.set_qform(affine, code=code)
    if tr is not None:
        img.header.set_xyzt_units("mm", "sec")
        img.header["pixdim"][4] = tr
    return img


@pytest.fixture
def block_data(rng) -> np.ndarray:
    """(6, 5, 4, 24) volumes: noise, +5 in voxel (1, 2, 3) during 'a' and (4, 0, 0) during 'b'."""
    data = rng.normal(100.0, 1.0, size=(6, 5, 4, 24))
    labels = np.array(LABELS)
    data[1, 2, 3, labels == "a"] += 5
    data[4, 0, 0, labels == "b"] += 5
    return data


@pytest.fixture
def bold_file(tmp_path: Path, block_data) -> Path:
    path = tmp_path / "bold.nii.gz"
    nib.save(make_bold(block_data), path)
    return path


def test_block_design_trials_labels_and_coordinates(
    bold_file: Path, block_data, tmp_path: Path
) -> None:
    labels = tmp_path / "labels.txt"
    labels.write_text("\n".join(LABELS) + "\n")
    ts = load_fmri(bold_file, labels, mask="all")
    assert ts.n_trials == 3 and ts.n_channels == 6 * 5 * 4
    np.testing.assert_array_equal(ts.labels, ["a", "b", "a"])
    assert ts.metadata["trial_onsets_volume"] == [4, 12, 18]
    assert ts.metadata["trial_lengths"] == [4, 4, 6]
    assert ts.n_times == 4  # cropped to the shortest block
    assert ts.sfreq == pytest.approx(1 / TR) and ts.metadata["tr_known"]
    # Voxel (1, 2, 3): its channel holds its time course, at affine @ (1, 2, 3, 1).
    ch = ts.ch_names.index("v1_2_3")
    np.testing.assert_allclose(ts.coords[ch], [30 - 3, -40 + 6, -20 + 9])
    np.testing.assert_allclose(ts.coords[ch], nib.affines.apply_affine(AFFINE, [1, 2, 3]))
    np.testing.assert_allclose(ts.X[2, ch], block_data[1, 2, 3, 18:22], rtol=1e-6)
    assert ts.space == "mni" and ts.metadata["space_source"] == "sform_code 4"
    assert (ts.X[ts.labels == "a", ch].mean() - ts.X[ts.labels == "b", ch].mean()) > 3


@pytest.mark.parametrize(
    ("code", "space"), [(4, "mni"), (3, "talairach"), (1, "native"), (2, "native")]
)
def test_space_from_xform_code(block_data, code: int, space: str) -> None:
    ts = load_fmri(make_bold(block_data[..., :8], code=code), LABELS[:8], mask="all")
    assert ts.space == space
    assert load_fmri(
        make_bold(block_data[..., :8], code=code), LABELS[:8], mask="all", space="mni"
    ).space == "mni"


def test_label_file_layouts(tmp_path: Path) -> None:
    path = tmp_path / "haxby.txt"
    path.write_text("labels chunks\nrest 0\nface 0\nface 1\nrest 1\n")
    labels, runs = read_volume_labels(path)
    assert labels.tolist() == ["rest", "face", "face", "rest"] and runs.tolist() == ["0", "0", "1", "1"]
    path.write_text("a\t1\nb\t1\n")
    labels, runs = read_volume_labels(path)
    assert labels.tolist() == ["a", "b"] and runs.tolist() == ["1", "1"]
    path.write_text("onset,trial_type,run\n0,house,1\n2,scrambled pix,1\n")
    labels, runs = read_volume_labels(path)
    assert labels.tolist() == ["house", "scrambled pix"] and runs.tolist() == ["1", "1"]
    path.write_text("x\ny\n\n")
    labels, runs = read_volume_labels(path)
    assert labels.tolist() == ["x", "y"] and runs is None


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", r"expected one label per volume; found an empty file"),
        ("a 1\nb\n", r"expected 2 column\(s\) on every line; found 1 on line 2"),
        (
            "a,1,2\n",
            r"expected 1 column \(label\) or 2 \(label, run\), or a header naming a 'labels' "
            r"column; found 3 columns",
        ),
        ("labels chunks\n", r"expected labels below the header; found only a header"),
        ("labels,chunks\n,1\n", r"expected a label on every line; found an empty label on line 2"),
    ],
)
def test_label_file_errors(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "labels.txt"
    path.write_text(text)
    with pytest.raises(FileFormatError, match=r"labels\.txt: " + match):
        read_volume_labels(path)


def test_chunks_split_blocks_and_standardize_per_run(rng, tmp_path: Path) -> None:
    # Two runs of 6 volumes, each one block of a label; a linear drift and offset per run.
    data = rng.normal(
        size=(3, 3, 2, 12)
    ) + np.concatenate([np.arange(6) * 2.0, 50 + np.arange(6) * -1.0])
    labels = ["a"] * 12
    runs = np.array(["r1"] * 6 + ["r2"] * 6)
    path_img = make_bold(data)
    ts = load_fmri(path_img, labels, mask="all")
    assert ts.n_trials == 1  # one block without run information
    lab_file = tmp_path / "labels.txt"
    lab_file.write_text(
        "labels chunks\n" + "".join(f"{a} {b}\n" for a, b in zip(labels, runs, strict=True))
    )
    ts = load_fmri(path_img, lab_file, mask="all", standardize=True)
    assert ts.n_trials == 2 and list(ts.run) == ["r1", "r2"]
    np.testing.assert_allclose(ts.X.mean(axis=2), 0, atol=1e-5)
    np.testing.assert_allclose(ts.X.std(axis=2), 1, atol=1e-5)
    ts = load_fmri(path_img, lab_file, mask="all", detrend=True)
    # After removing each run's linear trend, no voxel is left with a slope over its run.
    slopes = np.polyfit(np.arange(6), ts.X.reshape(-1, 6).T, 1)[0]
    np.testing.assert_allclose(slopes, 0, atol=1e-5)


def test_trial_volumes_drops_short_trials(block_data) -> None:
    ts = load_fmri(make_bold(block_data), LABELS, mask="all", trial_volumes=5)
    assert ts.n_trials == 1 and ts.n_times == 5 and ts.metadata["n_short_trials_dropped"] == 2
    with pytest.raises(
        EventError,
        match=r"expected trials of at least trial_volumes=7 volumes; found trials of at most 6",
    ):
        load_fmri(make_bold(block_data), LABELS, mask="all", trial_volumes=7)


def test_events_tsv(tmp_path: Path, block_data) -> None:
    events = tmp_path / "sub-01_task-x_events.tsv"
    pd.DataFrame(
        {
            "onset": [8.0, 24.0, 36.0, 47.0, 100.0],
            "duration": [8.0, 8.0, 12.0, 0.5, 4.0],
            "trial_type": ["a", "b", "a", "rest", "b"],
        }
    ).to_csv(events, sep="\t", index=False, na_rep="n/a")
    ts = load_fmri(make_bold(block_data), events=events, mask="all")
    # Onsets 8, 24, 36 s at TR 2 are volumes 4, 12, 18; the event at 100 s is after the scan.
    assert ts.metadata["trial_onsets_volume"] == [4, 12, 18]
    assert ts.metadata["n_events_out_of_scan"] == 1
    np.testing.assert_array_equal(ts.labels, ["a", "b", "a"])
    ts = load_fmri(make_bold(block_data, tr=None), events=events, tr=2.0, hrf_shift=4.0, mask="all")
    assert ts.metadata["trial_onsets_volume"] == [6, 14, 20] and ts.metadata["hrf_shift"] == 4.0
    # A short event still gets the volume at or after its onset.
    pd.DataFrame(
        {"onset": [3.0], "duration": [0.1], "trial_type": ["go"]}
    ).to_csv(events, sep="\t", index=False)
    ts = load_fmri(make_bold(block_data), events=events, mask="all")
    assert ts.metadata["trial_onsets_volume"] == [2] and ts.n_times == 1


@pytest.mark.parametrize(
    ("frame", "error", "match"),
    [
        (
            {"onset": [0.0], "duration": [2.0]},
            EventError,
            r"expected BIDS event columns onset, duration and trial_type; found no "
            r"\['trial_type'\]",
        ),
        (
            {"onset": ["n/a"], "duration": [2.0], "trial_type": ["a"]},
            EventError,
            r"expected finite numbers in column 'onset'; found 'nan' in event row 1",
        ),
        (
            {"onset": [0.0, 4.0], "duration": [2.0, 2.0], "trial_type": ["a", None]},
            EventError,
            r"expected a trial_type for every event; found n/a in event row 2",
        ),
        (
            {"onset": [0.0], "duration": [-1.0], "trial_type": ["a"]},
            EventError,
            r"expected durations >= 0; found -1 in event row 1",
        ),
        (
            {"onset": [0.0, 2.0], "duration": [4.0, 2.0], "trial_type": ["a", "b"]},
            EventError,
            r"expected events that do not overlap in time; found event rows 1 and 2 share volume 1",
        ),
        (
            {"onset": [0.0], "duration": [2.0], "trial_type": ["rest"]},
            EventError,
            r"expected at least one trial \(a block or event with a non-rest label\); found none",
        ),
    ],
)
def test_events_errors(tmp_path: Path, block_data, frame, error, match) -> None:
    events = tmp_path / "events.tsv"
    pd.DataFrame(frame).to_csv(events, sep="\t", index=False, na_rep="n/a")
    with pytest.raises(error, match=match):
        load_fmri(make_bold(block_data), events=events, mask="all")


def test_tr_missing_with_events(tmp_path: Path, block_data) -> None:
    events = pd.DataFrame({"onset": [8.0], "duration": [8.0], "trial_type": ["a"]})
    with pytest.raises(
        EventError,
        match=(
            r"expected a repetition time to place events\.tsv onsets on volumes; found no usable "
            r"TR in the header\. Pass tr="
        ),
    ):
        load_fmri(make_bold(block_data, tr=None), events=events, mask="all")


def test_mask_file_roi_and_errors(tmp_path: Path, bold_file: Path, block_data) -> None:
    roi = np.zeros((6, 5, 4), dtype=np.uint8)
    roi[1, 2, 3] = roi[4, 0, 0] = 1
    mask_path = tmp_path / "roi.nii.gz"
    nib.save(nib.Nifti1Image(roi, AFFINE), mask_path)
    ts = load_fmri(bold_file, LABELS, mask_path)
    assert ts.ch_names == ("v1_2_3", "v4_0_0") and ts.metadata["mask"] == str(mask_path)
    nib.save(nib.Nifti1Image(roi[:5], AFFINE), mask_path)
    with pytest.raises(
        FileFormatError,
        match=(
            r"roi\.nii\.gz: expected a 3-D mask of shape \(6, 5, 4\) \(the grid of "
            r".*bold\.nii\.gz\); found shape \(5, 5, 4\)"
        ),
    ):
        load_fmri(bold_file, LABELS, mask_path)
    nib.save(nib.Nifti1Image(roi, np.eye(4)), mask_path)
    with pytest.raises(
        FileFormatError,
        match=r"roi\.nii\.gz: expected the affine of .*bold\.nii\.gz; found another affine",
    ):
        load_fmri(bold_file, LABELS, mask_path)
    nib.save(nib.Nifti1Image(roi * 0, AFFINE), mask_path)
    with pytest.raises(
        FileFormatError,
        match=(
            r"roi\.nii\.gz: expected at least one non-zero voxel in the mask; found an all-zero "
            r"mask"
        ),
    ):
        load_fmri(bold_file, LABELS, mask_path)


def test_computed_epi_mask(rng) -> None:
    # A bright ball of "brain" in a dark, noisy field of view.
    grid = np.indices((16, 16, 12)).transpose(1, 2, 3, 0)
    ball = np.linalg.norm(grid - [7.5, 7.5, 5.5], axis=-1) < 5
    data = rng.normal(5.0, 1.0, size=(16, 16, 12, 8)) + 1000.0 * ball[..., None]
    ts = load_fmri(make_bold(data), ["a"] * 4 + ["b"] * 4)
    assert ts.metadata["mask"].startswith("epi")
    inside = np.array([ball[tuple(int(v) for v in name[1:].split("_"))] for name in ts.ch_names])
    assert inside.all() and ts.n_channels == pytest.approx(ball.sum(), rel=0.25)


def test_reduce_blocks(block_data) -> None:
    ts = load_fmri(make_bold(block_data), LABELS, mask="all", reduce=2)
    assert ts.n_channels == 3 * 3 * 2  # ceil(6/2) x ceil(5/2) x ceil(4/2)
    full = load_fmri(make_bold(block_data), LABELS, mask="all")
    ch = ts.ch_names.index("b0_1_1")  # voxels i in {0,1}, j in {2,3}, k in {2,3}
    members = [full.ch_names.index(f"v{i}_{j}_{k}") for i in (0, 1) for j in (2, 3) for k in (2, 3)]
    np.testing.assert_allclose(ts.X[:, ch], full.X[:, members].mean(axis=1), rtol=1e-6)
    np.testing.assert_allclose(ts.coords[ch], full.coords[members].mean(axis=0))
    edge = ts.ch_names.index("b0_2_0")  # j = 4 only: a partial block of 2 x 1 x 2 voxels
    np.testing.assert_allclose(ts.coords[edge], nib.affines.apply_affine(AFFINE, [0.5, 4, 0.5]))


def test_runs_as_separate_images(block_data) -> None:
    ts = load_fmri([make_bold(block_data), make_bold(block_data)], [LABELS, LABELS], mask="all")
    assert ts.n_trials == 6 and list(ts.run) == ["1"] * 3 + ["2"] * 3
    other = make_bold(block_data[:5])
    with pytest.raises(
        FileFormatError,
        match=(
            r"image 2: expected the grid of image 1 \(shape \(6, 5, 4\), same affine\); found "
            r"shape \(5, 5, 4\)"
        ),
    ):
        load_fmri([make_bold(block_data), other], [LABELS, LABELS], mask="all")
    with pytest.raises(
        ValueError,
        match=r"'labels' parameter of load_fmri must give one entry per run of 'bold' \(2\); got 1",
    ):
        load_fmri([make_bold(block_data), make_bold(block_data)], [LABELS], mask="all")


def test_input_errors(tmp_path: Path, block_data, bold_file: Path) -> None:
    nib.save(nib.Nifti1Image(block_data[..., 0].astype(np.float32), AFFINE), tmp_path / "anat.nii")
    with pytest.raises(
        FileFormatError,
        match=(
            r"anat\.nii: expected a 4-D image \(x, y, z, time\) of BOLD volumes; found a 3-D "
            r"image of shape \(6, 5, 4\)"
        ),
    ):
        load_fmri(tmp_path / "anat.nii", LABELS)
    bad = block_data.copy()
    bad[0, 0, 0, 7] = np.nan
    with pytest.raises(
        FileFormatError,
        match=(
            r"expected finite values in every volume; found NaN/Inf in 1 volume\(s\), the first "
            r"is volume 7 \(from 0\)"
        ),
    ):
        load_fmri(make_bold(bad), LABELS, mask="all")
    with pytest.raises(
        FileFormatError,
        match=r"labels: expected 24 labels \(one per volume of .*bold\.nii\.gz\); found 23 labels",
    ):
        load_fmri(bold_file, LABELS[:-1], mask="all")
    lab = tmp_path / "lab.txt"
    lab.write_text("\n".join(LABELS[:10]))
    with pytest.raises(
        FileFormatError,
        match=(
            r"lab\.txt: expected 24 labels \(one per volume of .*bold\.nii\.gz\); found 10 labels"
        ),
    ):
        load_fmri(bold_file, lab, mask="all")
    with pytest.raises(
        FileFormatError,
        match=r"nope\.nii\.gz: expected a NIfTI image \(\.nii or \.nii\.gz\); found no such file",
    ):
        load_fmri(tmp_path / "nope.nii.gz", LABELS)
    (tmp_path / "junk.nii").write_bytes(b"not a nifti at all" * 30)
    with pytest.raises(
        FileFormatError, match=r"junk\.nii: expected a NIfTI image readable by nibabel"
    ):
        load_fmri(tmp_path / "junk.nii", LABELS)
    with pytest.raises(
        ValueError,
        match=(
            r"Exactly one of the 'labels' and 'events' parameters of load_fmri must be given; got "
            r"neither"
        ),
    ):
        load_fmri(bold_file)
    with pytest.raises(ValueError, match=r"got both"):
        load_fmri(bold_file, LABELS, events=tmp_path / "e.tsv")
    with pytest.raises(EventError, match=r"expected at least one trial .*; found none"):
        load_fmri(bold_file, ["rest"] * 24, mask="all")
    with pytest.raises(
        ValueError, match=r"'reduce' parameter of load_fmri must be an integer in \[1, inf\]; got 0"
    ):
        load_fmri(bold_file, LABELS, reduce=0)
    with pytest.raises(
        ValueError, match=r"'space' parameter of load_fmri must be one of 'auto', 'mni'"
    ):
        load_fmri(bold_file, LABELS, space="fsaverage")
    with pytest.raises(
        TypeError, match=r"'detrend' parameter of load_fmri must be a bool; got 'yes'"
    ):
        load_fmri(bold_file, LABELS, detrend="yes")


@pytest.mark.parametrize("suffix", [".nii", ".nii.gz"])
def test_header_declaring_more_than_the_file_holds(tmp_path: Path, block_data, suffix) -> None:
    """A 1-2 kB file whose header declares 400**4 voxels fails before nibabel zero-fills 100 GB
    (it raised a bare MemoryError); a gzip file cannot expand beyond deflate's 1032:1."""
    good = tmp_path / "good.nii"
    nib.save(nib.Nifti1Image(block_data.astype(np.float32), AFFINE), good)
    header = nib.Nifti1Header.from_fileobj(io.BytesIO(good.read_bytes()))
    header.set_data_shape((400, 400, 400, 400))
    body = header.binaryblock + good.read_bytes()[348:]
    path = tmp_path / f"bold{suffix}"
    path.write_bytes(gzip.compress(body) if suffix.endswith(".gz") else body)
    found = r"a gzip file of [\d,]+ bytes, which cannot expand beyond 1032x" if suffix.endswith(
        ".gz") else r"a file of [\d,]+ bytes"
    with pytest.raises(
        FileFormatError,
        match=rf"bold\.nii(\.gz)?: expected the 25,600,000,000 voxel values its header declares "
        rf"\(shape \(400, 400, 400, 400\), 102,400,000,352 bytes\); found {found}\. The file is "
        rf"truncated or its header is damaged\.",
    ):
        load_fmri(path, LABELS, mask="all")


def test_tr_unknown_counts_volumes(block_data, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="data_loaders"):
        ts = load_fmri(make_bold(block_data, tr=None), LABELS, mask="all")
    assert ts.sfreq == 1.0 and not ts.metadata["tr_known"] and "TR unknown" in caplog.text
    assert load_fmri(
        make_bold(block_data, tr=None), LABELS, mask="all", tr=1.5
    ).sfreq == pytest.approx(1 / 1.5)


# ------------------------------------------------------------------ nibabel's bundled images
def _nibabel_file(name: str) -> Path:
    from nibabel.testing import data_path

    path = Path(data_path) / name
    if not path.is_file():
        pytest.skip(f"{name} is not shipped with this nibabel wheel ({data_path})")
    return path


def test_nibabel_functional_example() -> None:
    path = _nibabel_file("functional.nii")  # 17 x 21 x 3 voxels, 20 volumes, TR 2 s, aligned space
    img = nib.load(path)
    labels = (["rest"] * 2 + ["x"] * 3 + ["y"] * 3 + ["rest"] * 2) * 2
    ts = load_fmri(path, labels, mask="all", reduce=3)
    assert ts.n_trials == 4 and ts.class_counts() == {"x": 2, "y": 2} and ts.n_times == 3
    assert ts.sfreq == pytest.approx(0.5) and ts.space == "native"  # xform code 2 (aligned)
    assert ts.n_channels == 6 * 7 * 1
    full = load_fmri(path, labels, mask="all")
    ch = full.ch_names.index("v16_20_2")
    np.testing.assert_allclose(
        full.coords[ch], img.affine[:3, :3] @ [16, 20, 2] + img.affine[:3, 3]
    )
    np.testing.assert_allclose(full.X[0, ch], img.get_fdata()[16, 20, 2, 2:5], rtol=1e-6)
    # The image is not brain-like: nilearn's EPI mask comes out empty, and we say so.
    with pytest.raises(
        FileFormatError,
        match=(
            r"functional\.nii: expected a brain in the image for the EPI mask .*found an empty "
            r"computed mask\. Pass mask="
        ),
    ):
        load_fmri(path, labels)


def test_nibabel_example4d_and_anatomical() -> None:
    path = _nibabel_file("example4d.nii.gz")  # 2 volumes; header TR "2000 s" (really ms)
    events = pd.DataFrame({"onset": [0.0], "duration": [4.0], "trial_type": ["a"]})
    with pytest.raises(EventError, match=r"no usable TR in the header"):
        load_fmri(path, events=events, mask="all")
    ts = load_fmri(path, events=events, tr=2.0, reduce=8)
    assert ts.n_trials == 1 and ts.n_times == 2 and ts.space == "native"
    with pytest.raises(FileFormatError, match=r"anatomical\.nii: expected a 4-D image"):
        load_fmri(_nibabel_file("anatomical.nii"), ["a"])


# ------------------------------------------------------------------ VoxelSelector
@parametrize_with_checks([VoxelSelector(k=2), VoxelSelector(k="all", time_aggregate="max")])
def test_voxel_selector_sklearn_checks(estimator, check) -> None:
    check(estimator)


def test_voxel_selector_finds_informative_voxels(rng) -> None:
    labels = np.array((["rest"] * 2 + ["a"] * 3 + ["rest"] * 2 + ["b"] * 3) * 6)
    data = rng.normal(100.0, 1.0, size=(6, 5, 4, labels.size))
    data[1, 2, 3, labels == "a"] += 5
    data[4, 0, 0, labels == "b"] += 5
    ts = load_fmri(make_bold(data), labels, mask="all")
    sel = VoxelSelector(k=2).fit(ts.X, ts.y)
    assert {ts.ch_names[i] for i in sel.get_support(indices=True)} == {"v1_2_3", "v4_0_0"}
    assert sel.transform(ts.X).shape == (12, 2, 3)
    assert VoxelSelector(k=500).fit(ts.X, ts.y).support_.sum() == ts.n_channels
    peak = VoxelSelector(k=1, time_aggregate="max").fit(ts.X, ts.y)
    assert ts.ch_names[peak.get_support(indices=True)[0]] in {"v1_2_3", "v4_0_0"}


def test_voxel_selector_inside_cross_validation(rng) -> None:
    # 40 trials x 300 voxels x 3 volumes; 5 voxels carry the class. Selection is refitted per fold.
    y = np.repeat([0, 1], 20)
    X = rng.normal(size=(40, 300, 3))
    X[y == 1, :5] += 1.5
    flat = FunctionTransformer(lambda a: a.reshape(len(a), -1))
    pipe = make_pipeline(VoxelSelector(k=5), flat, LogisticRegression())
    scores = cross_val_score(pipe, X, y, cv=StratifiedKFold(4, shuffle=True, random_state=0))
    assert scores.mean() > 0.9
    with pytest.raises(ValueError, match=r"VoxelSelector needs at least 2 classes in y; got 1"):
        VoxelSelector(k=1).fit(X, np.zeros(40))
    with pytest.raises(
        ValueError,
        match=(
            r"expects X of shape \(n_trials, n_channels, n_times\) or \(n_trials, n_channels\); "
            r"got a 4-D array"
        ),
    ):
        VoxelSelector(k=1).fit(X[..., None], y)
