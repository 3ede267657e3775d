"""Same study and seed, same numbers on every supported Python (3.11: Brian2 2.9; 3.13: 2.10+).

A tiny fit (BSA encoder, STDP, state readout, seeded cube) runs in this interpreter and in the
repository's other virtual environment (``.venv`` for Python 3.11, ``.venv313`` made by ``make
test-py313``; or ``$NEUCUBE_OTHER_PYTHON``), each with its own Brian2 build, and the class
learnt weights, spike counts and predictions must be equal to the last bit. They are: the
cube is compiled without ``-ffast-math`` and with ``-ffp-contract=off`` (plain IEEE doubles), the
model's arithmetic is written so that code generation cannot reorder it, and every random
choice goes through NumPy's ``default_rng``, whose streams NumPy keeps stable across versions.

The class probabilities agree to 1e-12, not to the bit: the state readout's features and Gram
matrix are bit-identical, but ``numpy.linalg.eigh`` (LAPACK in the OpenBLAS that each NumPy
wheel bundles: NumPy 2.3 on Python 3.11, 2.5 on 3.13) returns eigenvectors that differ in the
last bits, and so do the logistic-regression coefficients fitted on them (measured: at most
1.1e-16 on the probabilities, 2 of 16 values).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]

#: Runs in either interpreter; prints one JSON line. Floats go through ``repr`` (exact).
TINY_FIT = r"""
import hashlib, json, sys
import numpy as np
from data_loaders.simulate import simulate_familiarity
from neucube.classifier import NeuCubeClassifier

trials = simulate_familiarity(1, seed=3, n_trials_per_class=12, ch_names=["Fz", "Cz", "Pz", "Oz"])
model = NeuCubeClassifier(encoder="bsa", stdp_rate=(0.001, 0.002), readout="state",
                          spacing_mm=20.0, random_state=0).fit(trials[:16])
proba = model.predict_proba(trials[16:])
weights = np.ascontiguousarray(model.reservoir_.weights_, dtype=np.float64)
print(json.dumps({
    "python": "%d.%d" % sys.version_info[:2],
    "proba": [float(p) for p in proba.ravel()],
    "predictions": [str(p) for p in model.predict(trials[16:])],
    "weights_sha256": hashlib.sha256(weights.tobytes()).hexdigest(),
    "n_spikes": int(model.train_raster_.n_spikes),
}))
"""


def _other_python() -> Path | None:
    """The interpreter of the repository's other supported-Python environment, if it exists."""
    env = os.environ.get("NEUCUBE_OTHER_PYTHON")
    if env:
        return Path(env)
    here = Path(sys.prefix).resolve()
    for venv in (REPO / ".venv", REPO / ".venv313"):
        python = venv / "bin" / "python"
        if python.exists() and venv.resolve() != here:
            return python
    return None


def _run(python: str | Path) -> dict:
    proc = subprocess.run([str(python), "-c", TINY_FIT], cwd=REPO, capture_output=True,
                          text=True, timeout=900, check=False)
    assert proc.returncode == 0, f"{python} failed:\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_same_numbers_on_every_supported_python() -> None:
    other = _other_python()
    if other is None:
        pytest.skip("no second Python environment with neucube installed (make test-py313 makes "
                    ".venv313; or set NEUCUBE_OTHER_PYTHON)")
    probe = subprocess.run([str(other), "-c", "import neucube, brian2"], capture_output=True,
                           check=False)
    if probe.returncode != 0:
        pytest.skip(f"{other} cannot import neucube and brian2 (install neucube there first)")
    here, there = _run(sys.executable), _run(other)
    assert here["python"] != there["python"], "both runs used the same Python version"
    assert here["predictions"] == there["predictions"]
    # Rounding of the linear-algebra library (module docstring); 1e-12 is 10^4 times what it does.
    assert np.allclose(here["proba"], there["proba"], rtol=0, atol=1e-12)
    assert here["weights_sha256"] == there["weights_sha256"]
    assert here["n_spikes"] == there["n_spikes"]
