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
