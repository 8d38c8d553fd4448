# Two commands do all set-up on a fresh machine with only Python 3.11+: `make demo`, `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck bench clean chromium

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	# Test-only oracle for stable matching: PyPI's `matching` package. Its import name clashes
	# with ours, so it lives outside site-packages (tests/matching/matching_oracle.py finds it).
	$(PY) -m pip install --quiet --upgrade --no-deps --target $(VENV)/oracle/matching matching==1.4.3
	touch $@ $(STAMP)

demo: $(STAMP)
	$(PY) -m api.demo

lint: $(DEVSTAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

typecheck: $(DEVSTAMP)
	$(VENV)/bin/mypy

# The browser tests (tests/api/test_ui_browser.py) drive Debian's Chromium: installed through
# apt when missing (as root, as CI runs); elsewhere they skip, saying so.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "chromium missing: run 'apt-get install chromium' as root, or the browser tests skip"; fi; \
	fi

test: $(DEVSTAMP) chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/python -m pytest

bench: $(DEVSTAMP)
	@echo "Benchmarks (run one as: $(PY) -m benchmarks.<name>; results in benchmarks/RESULTS.md):"
	@ls benchmarks/bench_*.py | sed 's|benchmarks/||; s|\.py$$||; s|^|  |'

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
