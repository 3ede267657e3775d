"""neucube.evaluation.statistics: chance test and dominant class of cross-validated predictions."""

from __future__ import annotations

import pandas as pd
import pytest
from scipy.stats import binomtest

from neucube.evaluation.statistics import chance_test, dominant_class


def test_chance_test_uses_the_first_seed_and_the_largest_class() -> None:
    rows = [("m", 0, "a", "a"), ("m", 0, "a", "a"), ("m", 0, "b", "a"), ("m", 0, "a", "b"),
            ("m", 1, "a", "b"), ("base", 0, "b", "b")]
    predictions = pd.DataFrame(rows, columns=["model", "seed", "y_true", "y_pred"])
    out = chance_test(predictions, "m")
    assert (out["correct"], out["n"], out["chance"]) == (2, 4, 0.75)
    assert out["p_value"] == pytest.approx(binomtest(2, 4, 0.75, alternative="greater").pvalue)
    assert dominant_class(predictions) == {"m": ("a", 0.6), "base": ("b", 1.0)}
