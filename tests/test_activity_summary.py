"""describe_activity: a fitted cube's activity in plain sentences (shown on the Connectivity page)."""

from __future__ import annotations

import re

from neucube.cube import describe_activity
from neucube.cube.activity import NEARLY_SILENT_SHARE


def stats(share: float, spikes: float = 1200.0, inputs: float = 1180.0,
          distance: float = 22.4) -> dict[str, float]:
    return {"n_trials": 12.0, "active_share_mean": share, "active_share_median": share,
            "ever_active_share": share, "spikes_per_trial": spikes,
            "input_spikes_per_trial": inputs, "max_distance_mm_median": distance,
            "max_distance_mm_max": distance}


def test_a_cube_silent_beyond_its_inputs_is_said_so_with_the_way_out() -> None:
    activity = {"before_stdp": stats(0.184, spikes=2330.0), "after_stdp": stats(0.0095),
                "train": stats(0.0001), "stdp_spike_ratio": 0.51, "weight_scale": 1.0}
    said = describe_activity(activity)
    assert said.nearly_silent is True
    # The trained cube on every training trial ("train") is what the readout reads.
    assert said.sentences == [
        "Before STDP, 18% of the neurons beyond the input neurons fired in a typical trial; "
        "after STDP, 0.01%.",
        "A trial has 1,200 spikes; 1,180 of them (98%) are the input neurons', which repeat the "
        "encoder's spikes.",
        "In a typical trial the farthest neuron that fires is 22 mm from its nearest input "
        "neuron.",
        "The cube is nearly silent beyond its input neurons (fewer than 5% of them fire), so the "
        "readout reads mostly the encoder's spikes, and the connectivity figures show the wiring "
        "and STDP's weight changes more than activity spreading through the cube.",
        "The cube's activity can be raised by setting weight_scale to auto, stdp_bound to soft "
        "and turning on homeostasis: the active cube, which scored lower on three of the four "
        "data sets the defaults were chosen on.",
    ]
    assert said.text == " ".join(said.sentences)
    # A front end names the settings as its users see them.
    names = {"weight_scale": '"Initial weight scale"', "stdp_bound": '"STDP weight bound"'}
    advice = describe_activity(activity, setting_names=names).sentences[-1]
    assert advice.startswith('The cube\'s activity can be raised by setting "Initial weight '
                             'scale" to auto, "STDP weight bound" to soft and turning on '
                             "homeostasis: ")


def test_an_active_cube_gets_no_warning() -> None:
    activity = {"before_stdp": stats(0.279), "after_stdp": stats(0.312),
                "train": stats(0.312, spikes=2145.0, inputs=1178.0, distance=24.5),
                "weight_scale": 1.6437}
    said = describe_activity(activity)
    assert said.nearly_silent is False
    assert said.sentences == [
        "Before STDP, 28% of the neurons beyond the input neurons fired in a typical trial; "
        "after STDP, 31%.",
        "The cube's initial weights were scaled by 1.64.",
        "A trial has 2,145 spikes; 1,178 of them (55%) are the input neurons', which repeat the "
        "encoder's spikes.",
        "In a typical trial the farthest neuron that fires is 24 mm from its nearest input "
        "neuron.",
    ]
    # Exactly at the threshold the cube counts as active.
    assert describe_activity({"train": stats(NEARLY_SILENT_SHARE)}).nearly_silent is False


def test_missing_measurements_are_left_unsaid() -> None:
    """Models fitted by older versions lack some entries; nothing is invented for them."""
    for activity in (None, {}, {"weight_scale": 1.0}, {"train": "not a dict"},
                     {"train": {"active_share_mean": float("nan")}}):
        said = describe_activity(activity)
        assert (said.sentences, said.nearly_silent) == ([], None), activity
    # Only the calibration trials after STDP, without spike counts or distances.
    said = describe_activity({"after_stdp": {"active_share_mean": 0.0}})
    assert said.nearly_silent is True
    assert said.sentences[0] == ("In the trained cube, 0% of the neurons beyond the input "
                                 "neurons fired in a typical trial.")
    assert len(said.sentences) == 3
    # No spread at all: the distance sentence says so.
    said = describe_activity({"train": stats(0.0, distance=0.0)})
    assert ("In a typical trial only the input neurons fire: activity does not leave them."
            in said.sentences)


def test_a_fitted_default_classifier_is_described_from_its_own_activity() -> None:
    from data_loaders.simulate import simulate_familiarity
    from neucube.classifier import NeuCubeClassifier

    # 1 s trials at 128 Hz, as the demo study's: STDP's depression over that many steps silences
    # the cube (at 64 Hz it does not: 10% still fire, and the page says that instead).
    trials = simulate_familiarity(n_subjects=1, effect_size=1.5, seed=0, n_trials_per_class=6)
    model = NeuCubeClassifier(backend="reference", random_state=0).fit(trials)
    said = describe_activity(model.activity_)
    # NeuCube's wiring after the default STDP round: nearly silent beyond the inputs.
    assert model.activity_["train"]["active_share_mean"] < NEARLY_SILENT_SHARE
    assert said.nearly_silent is True
    assert re.fullmatch(r"Before STDP, [\d.]+% of the neurons beyond the input neurons fired in "
                        r"a typical trial; after STDP, [\d.]+%\.", said.sentences[0])
    assert said.sentences[1].startswith("A trial has ")
    assert len(said.sentences) == 5
    assert said.sentences[-1].startswith("The cube's activity can be raised by setting ")
