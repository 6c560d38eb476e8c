# The two commands: `make demo` and `make test`. Each creates .venv, installs the
# package (editable, with its test and dask extras) when that is missing or older
# than setup.py, and warms the compile cache again when the install or the code the
# cached graphs are keyed by (the kernels, the on-disk function format) changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WARM := $(VENV)/.warmed
WARM_KEYS := sklearn_pylearn/symbolic/fastmath.py sklearn_pylearn/symbolic/diskcache.py \
	sklearn_pylearn/symbolic/_numba_linker.py
PYTEST_ARGS ?=

.PHONY: demo test lint bench clean setup docs

setup: $(WARM)

$(STAMP): setup.py pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dask]"
	touch $(STAMP)

# Compile the common graphs once per machine, so the first demo or test run pays no
# cold Numba compile (several minutes on an empty cache; seconds when all is cached).
$(WARM): $(STAMP) $(WARM_KEYS)
	$(PY) -m sklearn_pylearn warmup --no-progress
	touch $(WARM)

demo: $(WARM)
	$(PY) -m sklearn_pylearn demo

# pytest exits 5 when it collected no test: that is a failure here, as any non-zero code.
test: $(WARM)
	$(PY) -m pytest -n 2 --dist loadfile -q $(PYTEST_ARGS)

# The documentation site (API reference, user guide, gallery) into doc/_build/html;
# warnings are errors, as in tests/test_docs.py.
docs: $(WARM)
	cd doc && MPLBACKEND=Agg ../$(PY) -m sphinx -W --keep-going -b html . _build/html

lint: $(STAMP)
	$(PY) -m ruff check sklearn_pylearn tests benchmarks examples

bench: $(WARM)
	$(PY) benchmarks/bench_preprocessing.py

clean:
	rm -rf $(VENV) build *.egg-info doc/_build doc/generated doc/auto_examples doc/api.rst
