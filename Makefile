# Two-command quick start: `make demo` runs the default study, `make test` runs the tests.
# Both create (or reuse) ./.venv with the Python 3 found on PATH.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= results/familiarity

.PHONY: demo test test-py313 lint bench bench-full app install install-test system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-run pip only when the dependencies change.
$(VENV)/.install-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The tests cover the optional web app and Dask backend too: install both extras.
$(VENV)/.install-test-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[app,dask,test]"
	touch $@ $(VENV)/.install-stamp

install: $(VENV)/.install-stamp
install-test: $(VENV)/.install-test-stamp

# System packages the tests need (none are needed by the library itself).
system-deps:
	./scripts/install-system-deps.sh

demo: install
	$(BIN)/neucube run studies/familiarity.toml --out $(OUT)

# pytest exits 5 when no test is selected (e.g. `make test PYTEST_ARGS="-k nothing"`): not a failure.
test: install-test system-deps
	$(BIN)/lint-imports
	$(BIN)/ruff check neucube neucube_study data_loaders app tests bench
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest: no tests selected"; exit 0; fi; exit $$rc

# Python 3.13 (the newest supported; `make test` uses the default python3, 3.11 here): a second
# venv .venv313 runs `make demo` (the default study, results in .venv313/demo/), a quick subset
# of the fast tests on both cores, and the check that both Pythons give bit-identical numbers
# (it compares with .venv, which `make test` creates; CI's second step, see .ci/run).
# PY313 names the interpreter: the newest 3.13 under pyenv, else python3.13 on PATH.
PY313   ?= $(or $(lastword $(sort $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.13*/bin/python3))),$(shell command -v python3.13 2>/dev/null))
VENV313 := .venv313
QUICK_TESTS ?= tests/test_cube_engine.py tests/test_classifier.py tests/test_readout_state.py \
  tests/test_encoding.py tests/test_study_schema.py tests/test_cli.py

test-py313:
	@test -x "$(PY313)" || { echo "test-py313: PY313: expected a Python 3.13 interpreter; found none at '$(PY313)'" >&2; exit 1; }
	$(MAKE) demo VENV=$(VENV313) PYTHON=$(PY313) OUT=$(VENV313)/demo/familiarity
	$(MAKE) install-test VENV=$(VENV313) PYTHON=$(PY313)
	$(VENV313)/bin/python -m pytest -q -n 2 --durations=10 -m "not slow" $(QUICK_TESTS)
	$(VENV313)/bin/python -m pytest -q tests/test_python_versions.py

# `make lint`: ruff over the code (not yet part of `make test`: it still reports violations).
lint: install-test
	$(BIN)/python -m pip install --quiet "ruff>=0.6"
	$(BIN)/ruff check neucube neucube_study data_loaders app tests bench

# `make bench`: the whole suite with fewer seeds (55 min on 2 shared cores, less when idle);
# `make bench-full`: every seed and the nested N170 selection (over an hour).
bench: install-test
	$(BIN)/python bench/run_all.py --quick

bench-full: install-test
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) $(VENV313) results .pytest_cache build *.egg-info
