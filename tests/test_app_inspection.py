"""The Connectivity page's "What the model used" section, in Streamlit's AppTest."""

from __future__ import annotations

import pytest
from test_app import errors, new_app, no_exception, open_page, run_evaluation

pytestmark = pytest.mark.slow


def test_connectivity_page_shows_what_the_model_used() -> None:
    at = new_app().run()
    at.button(key="home_demo").click().run()
    run_evaluation(at, folds=2, control=False)
    open_page(at, "pages/4_Connectivity.py")
    # How active the cube was (neucube.cube.describe_activity): the demo's default cube is
    # nearly silent beyond its inputs, and the page names the settings as the Train page does.
    silent = [i.value for i in at.info if "nearly silent beyond its input neurons" in i.value]
    assert silent, [i.value for i in at.info]
    assert silent[0].startswith("Before STDP, ") and silent[0].endswith(
        "These settings are under **More settings** on the Train page.")
    from app.streamlit_app import widgets

    assert f'"{widgets.label_of(widgets.model_specs()["weight_scale"])}" to auto' in silent[0]
    before = len(at.image)
    assert any(s.value == "What the model used" for s in at.subheader)
    at.button(key="cx_used_go").click().run(timeout=1500)  # fits a model, shuffles 171 cells
    no_exception(at)
    assert not errors(at), errors(at)
    # heat map, scalp maps and the neuron groups on the glass brain
    assert len(at.image) == before + 3
    caption = " ".join(c.value for c in at.caption)
    assert "Held-out accuracy" in caption and "cells significant" in caption
    # Cached: a rerun shows the result without the button.
    at.run()
    assert len(at.image) == before + 3
