# Two-command quick start: `make demo` runs the default study, `make test` runs the tests.
# Both create (or reuse) ./.venv with the Python 3 found on PATH.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
OUT    ?= results/familiarity

.PHONY: demo test bench bench-full app install install-test system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-run pip only when the dependencies change.
$(VENV)/.install-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.install-test-stamp: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
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
	$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest: no tests selected"; exit 0; fi; exit $$rc

# `make bench`: the whole suite with fewer seeds (55 min on 2 shared cores, less when idle);
# `make bench-full`: every seed and the nested N170 selection (over an hour).
bench: install-test
	$(BIN)/python bench/run_all.py --quick

bench-full: install-test
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) results .pytest_cache build *.egg-info
