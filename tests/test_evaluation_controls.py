"""Standard baselines, ablation controls and paired statistics of the evaluation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from neucube.classifier import NeuCubeClassifier
from neucube.cube.template import grid_template
from neucube.data import TrialSet
from neucube.evaluation import (
    EncoderOnlyClassifier,
    baseline_skip_reason,
    corrected_resampled_ttest,
    evaluate,
    make_ablation,
    make_baseline,
    paired_comparison,
    run_fold,
    wilcoxon_pvalue,
)
from neucube.evaluation.controls import encoder_raster

COORDS = np.array([[0.0, 0.0, 0.0], [30.0, 30.0, 30.0], [0.0, 30.0, 10.0]])
TEMPLATE = grid_template((4, 4, 4))  # 64 neurons: fast with the NumPy reference simulator


def tiny_model(**params) -> NeuCubeClassifier:
    return NeuCubeClassifier(**{"backend": "reference", "template": TEMPLATE, "random_state": 0,
                                "coords": COORDS, "coords_space": "grid", "readout": "state",
                                "state_c": 1.0, "n_bins": 4, **params})


@pytest.fixture(scope="module")
def trials() -> TrialSet:
    """24 trials of 3 channels: class "b" carries a late positive bump on channel 0."""
    rng = np.random.default_rng(3)
    y = np.repeat([0, 1], 12)
    X = rng.normal(size=(24, 3, 30))
    X[y == 1, 0, 15:22] += 2.0
    return TrialSet(X=X, y=y, class_names=("a", "b"), ch_names=("c0", "c1", "c2"), sfreq=100.0)


def test_baselines_and_ablations_share_the_models_folds(trials):
    names = ["lda_window_means", "xdawn_tangent_logreg", "tangent_space_logreg", "riemann_mdm"]
    res = evaluate(tiny_model(), trials, n_splits=3, seeds=[0, 1], baselines=names,
                   ablations=["encoder_only", "no_stdp"])
    assert res.baselines == names and res.skipped == {}
    assert res.ablations == {"encoder_only": "neucube (encoder only)",
                             "no_stdp": "neucube (no STDP)"}
    p = res.predictions
    models = {"neucube", *names, *res.ablations.values()}
    assert set(p["model"]) == models
    for _, group in p.groupby(["seed", "fold"]):
        by_model = {m: sorted(g["trial"]) for m, g in group.groupby("model")}
        assert len(by_model) == len(models)
        assert all(t == by_model["neucube"] for t in by_model.values())
    doc = res.to_dict()
    assert set(doc["ablations"]) == {"encoder_only", "no_stdp"}
    roles = [(c["role"], c["metric"]) for c in doc["comparisons"]]
    assert roles.count(("ablation", "accuracy")) == 2
    assert ("best_baseline", "accuracy") in roles
    best = next(c for c in doc["comparisons"] if c["role"] == "best_baseline")
    assert best["other"] == res.best_baseline() and best["n_pairs"] == 6


def test_encoder_only_uses_the_training_folds_thresholds(trials):
    """Fails if the control's encoder saw the test trials: they are scaled 100-fold."""
    X = np.array(trials.X)
    test = np.arange(0, 24, 4)
    train = np.setdiff1d(np.arange(24), test)
    X[test] *= 100.0
    data = TrialSet(X=X, y=trials.y, class_names=trials.class_names, ch_names=trials.ch_names,
                    sfreq=trials.sfreq)
    labels = data.labels.astype(str)
    model = tiny_model(encoder="tbr")
    args = (data, labels, None, train, test, 0, 0, "all", ["a", "b"])
    *_, control = run_fold("ablation", make_ablation("encoder_only", model), *args,
                           return_model=True)
    *_, full = run_fold("model", model, *args, return_model=True)
    # Identical thresholds per fold in the control and the model, learnt from training trials.
    np.testing.assert_array_equal(control.encoder_.threshold_, full.encoder_.threshold_)
    on_train = model._make_encoder().fit(X[train]).threshold_
    np.testing.assert_allclose(control.encoder_.threshold_, on_train)
    on_all = model._make_encoder().fit(X).threshold_
    assert np.all(on_all > 5 * control.encoder_.threshold_)


def test_no_stdp_is_the_same_model_without_learning():
    model = tiny_model(n_rounds=2, stdp_rate=0.01)
    ablated = make_ablation("no_stdp", model)
    assert ablated.n_rounds == 0 and model.n_rounds == 2
    mine, theirs = model.get_params(), ablated.get_params()
    for key, value in mine.items():
        if key != "n_rounds":
            np.testing.assert_array_equal(theirs[key], value, err_msg=key)


def test_encoder_raster_has_a_neuron_per_channel_and_polarity():
    spikes = np.zeros((2, 3, 5), dtype=np.int8)
    spikes[0, 1, 2], spikes[1, 2, 4] = 1, -1
    raster = encoder_raster(spikes)
    assert raster.n_neurons == 6 and raster.n_steps == 5
    assert raster.trial(0)[0].tolist() == [2] and raster.trial(0)[1].tolist() == [1]
    assert raster.trial(1)[0].tolist() == [4] and raster.trial(1)[1].tolist() == [5]
    with pytest.raises(ValueError, match="expected a 3-D array"):
        encoder_raster(np.zeros((2, 3)))


def test_ablations_that_do_not_apply_are_skipped_with_a_reason(trials):
    search = GridSearchCV(make_baseline("lda_window_means"),
                          {"lineardiscriminantanalysis__tol": [1e-4]}, cv=2)
    res = evaluate(search, trials, n_splits=3, baselines=[], ablations=["encoder_only", "no_stdp"])
    assert set(res.skipped) == {"encoder_only", "no_stdp"}
    assert "needs a NeuCubeClassifier" in res.skipped["no_stdp"]
    assert set(res.folds["model"]) == {"neucube"}
    assert res.to_dict()["skipped"] == res.skipped
    with pytest.raises(ValueError, match="already runs without STDP"):
        make_ablation("no_stdp", tiny_model(n_rounds=0))
    with pytest.raises(ValueError, match="'ablations' parameter must name controls"):
        evaluate(tiny_model(), trials, ablations=["no_cube"])
    with pytest.raises(TypeError, match="must be a NeuCubeClassifier"):
        EncoderOnlyClassifier(model=None).fit(trials)


def test_baselines_declare_when_they_apply(rng):
    # fMRI-like: 120 region channels, 8 volumes per trial, 10 trials per class.
    X = rng.normal(size=(20, 120, 8))
    y = np.repeat(["a", "b"], 10)
    res = evaluate(make_baseline("window_means_logreg"), X, y, n_splits=2,
                   baselines=["lda_window_means", "xdawn_tangent_logreg", "tangent_space_logreg",
                              "riemann_mdm"])
    assert set(res.skipped) == {"xdawn_tangent_logreg", "tangent_space_logreg", "riemann_mdm"}
    assert "up to 64" in res.skipped["riemann_mdm"]
    assert "lda_window_means" in res.baselines
    assert not set(res.skipped) & set(res.folds["model"])
    assert "more trials than channels" in baseline_skip_reason("xdawn_tangent_logreg", 8, 100, 8)
    assert "more samples per trial" in baseline_skip_reason("riemann_mdm", 8, 8, 50)
    assert baseline_skip_reason("xdawn_tangent_logreg", 8, 100, 9) is None


def test_xdawn_filters_follow_the_class_count(rng):
    X = rng.normal(size=(36, 6, 40))
    for n_classes, nfilter in [(2, 4), (3, 2)]:
        y = np.arange(36) % n_classes
        pipe = make_baseline("xdawn_tangent_logreg", 0).fit(X, y)
        xdawn = pipe.steps[0][1]
        assert xdawn.nfilter_ == nfilter
        assert xdawn.transform(X[:2]).shape == (2, 2 * nfilter * n_classes, 2 * nfilter * n_classes)


def test_corrected_resampled_ttest_by_hand():
    d = [0.10, 0.00, 0.05, -0.02, 0.08]
    out = corrected_resampled_ttest(d, n_train=40, n_test=10)
    mean = (0.10 + 0.00 + 0.05 - 0.02 + 0.08) / 5  # 0.042
    var = sum((x - mean) ** 2 for x in d) / 4
    se = math.sqrt((1 / 5 + 10 / 40) * var)  # Nadeau & Bengio: (1/J + n_test/n_train) var
    t_crit = 2.7764451051977987  # Student's t, 4 dof, 97.5 % quantile (table value)
    assert out["mean"] == pytest.approx(0.042)
    assert out["t"] == pytest.approx(mean / se)
    assert out["dof"] == 4
    assert out["ci_low"] == pytest.approx(mean - t_crit * se)
    assert out["ci_high"] == pytest.approx(mean + t_crit * se)
    # The uncorrected t would be mean / sqrt(var / 5): the correction widens the interval.
    assert out["ci_high"] - out["ci_low"] > 2 * t_crit * math.sqrt(var / 5)
    assert 0.05 < out["p_value"] < 1
    zeros = corrected_resampled_ttest([0.0, 0.0, 0.0], 20, 10)
    assert (zeros["t"], zeros["p_value"], zeros["ci_low"]) == (0.0, 1.0, 0.0)
    assert math.isnan(corrected_resampled_ttest([0.1], 20, 10)["ci_low"])
    with pytest.raises(ValueError, match="confidence: expected a number in"):
        corrected_resampled_ttest(d, 40, 10, confidence=95)


def test_wilcoxon_by_hand():
    # |d| ranks 1..4 with one negative (rank 1): W- = 1; exact two-sided p = 2 * 2 / 2**4.
    assert wilcoxon_pvalue([0.10, 0.0, 0.05, -0.02, 0.08]) == pytest.approx(0.25)
    assert wilcoxon_pvalue([0.0, 0.0]) == 1.0


def test_paired_comparison_pairs_by_fold():
    import pandas as pd

    rows = []
    for seed in (0, 1):
        for fold in (0, 1, 2):
            for model, acc in (("m", 0.7 + 0.01 * fold), ("b", 0.6 + 0.02 * seed)):
                rows.append({"model": model, "seed": seed, "fold": fold, "subject": "all",
                             "n_train": 20, "n_test": 10, "accuracy": acc})
    folds = pd.DataFrame(rows).sample(frac=1.0, random_state=0)  # order must not matter
    out = paired_comparison(folds, "m", "b")
    diffs = [0.1 + 0.01 * f - 0.02 * s for s in (0, 1) for f in (0, 1, 2)]
    assert out["mean_difference"] == pytest.approx(np.mean(diffs))
    assert out["n_pairs"] == 6 and out["dof"] == 5
    with pytest.raises(ValueError, match="share no fold"):
        paired_comparison(folds, "m", "nobody")


def test_study_schema_lists_every_baseline_and_ablation():
    from neucube.evaluation import ABLATIONS, BASELINES
    from neucube_study import schema

    assert schema.BASELINES == tuple(BASELINES) and schema.ABLATIONS == tuple(ABLATIONS)


def test_fold_scores_figure_orders_model_ablations_baselines_control():
    import pandas as pd

    from neucube.evaluation import EvaluationResult
    from neucube.plotting import plot_fold_scores

    names = ["neucube", "neucube (encoder only)", "lda_window_means",
             "neucube (shuffled labels)"]
    rows = [{"model": m, "seed": 0, "fold": f, "subject": "all", "n_train": 8, "n_test": 4,
             "accuracy": 0.5 + 0.1 * k + 0.05 * f, "balanced_accuracy": 0.5, "roc_auc": 0.5}
            for k, m in enumerate(names) for f in range(3)]
    preds = pd.DataFrame({"model": "neucube", "y_true": ["a", "b"] * 6})
    result = EvaluationResult("stratified", "neucube", ["a", "b"], [0], pd.DataFrame(rows), preds,
                              baselines=["lda_window_means"],
                              ablations={"encoder_only": "neucube (encoder only)"})
    fig = plot_fold_scores(result)
    ax = fig.axes[0]
    # Plain names (neucube.model_names), wrapped to the column width.
    assert [t.get_text().replace("\n", " ") for t in ax.get_xticklabels()] == [
        "NeuCube", "NeuCube, without the cube (encoder only)",
        "Shrinkage LDA on time-window means (classic ERP decoder)",
        "NeuCube, shuffled-label control"]
    assert ax.get_title() == "Accuracy per fold (3 stratified folds)"
    means = sorted(line.get_ydata()[0] for line in ax.lines if len(line.get_xdata()) == 2
                   and line.get_color() == "black")
    assert means == pytest.approx([0.55, 0.65, 0.75, 0.85])
    # Too narrow for names under the columns: the models become rows, named on the left.
    narrow = plot_fold_scores(result, width=40.0, height_mm=60.0)
    assert [t.get_text().replace("\n", " ") for t in narrow.axes[0].get_yticklabels()][0] == (
        "NeuCube")
    assert narrow._suptitle.get_text() == "Accuracy per fold (3 stratified folds)"
    with pytest.raises(ValueError, match="'metric' argument of plot_fold_scores"):
        plot_fold_scores(result, metric="f1")


def test_every_model_row_has_a_plain_name():
    from neucube.evaluation import BASELINES
    from neucube.evaluation.controls import ABLATION_SUFFIX
    from neucube.evaluation.cross_validation import CONTROL_SUFFIX
    from neucube.model_names import BASELINE_NAMES, CONTROL_WORDS, plain_name

    assert set(BASELINE_NAMES) == set(BASELINES)
    assert set(CONTROL_WORDS) == {CONTROL_SUFFIX, *ABLATION_SUFFIX.values()}
    assert plain_name("neucube (no STDP)") == "NeuCube, without STDP learning"
    assert plain_name("my_cube", "my_cube") == "NeuCube"
    assert plain_name("something else") == "something else"
