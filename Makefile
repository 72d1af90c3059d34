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

.PHONY: demo test test-unit test-spark4 lint lock clean-lake clean java-check jars browser asl-harness

# Every environment installs from a lock (exact versions + hashes, requirements/locks/), then
# the project itself without build isolation (its build requirements are in the lock too), so
# a fresh clone installs today what it installed yesterday. `make lock` refreshes the locks.
LOCKS := requirements/locks
PIP_LOCKED = -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r
PIP_SELF = -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .

$(STAMP): pyproject.toml $(LOCKS)/dev-py311.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (found %s; set PYTHON=python3.11)" % sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) $(PIP_LOCKED) $(LOCKS)/dev-py311.txt
	$(PY) $(PIP_SELF)
	$(PY) -m pip check --disable-pip-version-check
	@touch $(STAMP)

# checkov pins older packaging/boto3 than the library: its own venv (used by tests/integration/infra)
.venv-checkov/.installed: $(LOCKS)/checkov.txt
	@test -x .venv-checkov/bin/python || $(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python $(PIP_LOCKED) $(LOCKS)/checkov.txt
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
	$(LAKEHOUSE) sample planes-dms --into .lake/demo-cdc
	$(LAKEHOUSE) run --conf .lake/demo-cdc/conf --stage all

# Debian's chromium for the run-report browser test (skipped, with the reason, if not installable)
browser:
	@command -v chromium >/dev/null 2>&1 || { (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 \
	  || echo "chromium not installable here: the run-report browser test will be skipped"; }

# npm packages of the test harnesses: the IAM policy simulator of tests/integration/infra
# (locked in its package-lock.json). Without npm the IAM tests skip and say why.
IAM_SIM := tests/integration/infra/iam_sim
$(IAM_SIM)/node_modules/.installed: $(IAM_SIM)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  cd $(IAM_SIM) && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm not found: the IAM simulator tests will be skipped"; fi


# aws-local-stepfunctions, the ASL interpreter tests/integration/infra/test_state_machine_runs.py
# executes the Terraform-rendered state machine with (locked by its package-lock.json); without
# npm those tests skip with the reason.
ASL := tests/integration/infra/asl
asl-harness:
	@if command -v npm >/dev/null 2>&1; then \
	  test -d $(ASL)/node_modules/aws-local-stepfunctions && test $(ASL)/node_modules/.package-lock.json -nt $(ASL)/package-lock.json \
	  || npm ci --prefix $(ASL) --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the state-machine execution tests will be skipped"; fi

test: $(STAMP) java-check jars browser .venv-checkov/.installed $(IAM_SIM)/node_modules/.installed asl-harness
	$(VENV)/bin/ruff check lakehouse jobs tests bench
	$(VENV)/bin/lint-imports
	$(PY) -m pytest --durations=15

$(STAMP4): pyproject.toml $(LOCKS)/spark4-py313.txt
	@test -x $(VENV4)/bin/python || $(PYTHON4) -m venv $(VENV4)
	$(VENV4)/bin/python $(PIP_LOCKED) $(LOCKS)/spark4-py313.txt
	$(VENV4)/bin/python $(PIP_SELF)
	@touch $(STAMP4)

# Spark 4.1 + Delta 4.2 (Glue 6.0) in their own venv: every test that runs Spark (the
# spark and the integration tests that run the pipeline); the rest does not touch Spark.
# Crash recovery, run locks and races test the framework's own commit protocol, which is
# the same on both Spark lines: they run once, in `make test`, to keep CI under an hour. So do
# erasure, incremental exports and maintenance end to end: they orchestrate table operations
# (DELETE, OPTIMIZE, VACUUM, log diffs) whose Spark 4 behaviour tests/spark/tables checks.
SPARK4_SKIP := --ignore=tests/integration/test_fault_recovery.py \
	--ignore=tests/integration/test_fault_recovery_s3.py \
	--ignore=tests/integration/test_concurrent_runs.py --ignore=tests/integration/test_races.py \
	--ignore=tests/integration/erase --ignore=tests/integration/test_incremental_export.py \
	--ignore=tests/integration/test_maintenance.py
test-spark4: $(STAMP4) browser
	@$(VENV4)/bin/python -m lakehouse.spark.java
	@$(VENV4)/bin/python -m lakehouse.spark.jars
	$(VENV4)/bin/python -m pytest -m spark -p no:cacheprovider --durations=15 $(SPARK4_SKIP)

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

lint: $(STAMP)
	$(VENV)/bin/ruff check lakehouse jobs tests bench
	$(VENV)/bin/lint-imports

# Refresh every lock from the package index (pip's configured index; uv reads PIP_INDEX_URL
# as UV_INDEX_URL if you set that). Upper bounds that hold for the locks only live in
# requirements/constraints.txt; tests/unit/test_locks.py fails when a lock no longer
# satisfies pyproject.toml or requirements/spark4.txt. Review `git diff requirements/locks`.
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-platform x86_64-unknown-linux-gnu \
	--custom-compile-command "make lock" -c requirements/constraints.txt
lock: $(STAMP)
	$(UV_COMPILE) --python-version 3.11 pyproject.toml requirements/build.in --extra dev -o $(LOCKS)/dev-py311.txt
	$(UV_COMPILE) --python-version 3.13 requirements/spark4.txt requirements/build.in -o $(LOCKS)/spark4-py313.txt
	$(UV_COMPILE) --python-version 3.11 requirements/checkov.in -o $(LOCKS)/checkov.txt
	$(UV_COMPILE) --python-version 3.11 pyproject.toml -c $(LOCKS)/dev-py311.txt \
	  --no-emit-package pyspark --no-emit-package py4j -o $(LOCKS)/cluster-py311.txt
	sed '/^# dev/q' requirements/spark4.txt | $(UV_COMPILE) --python-version 3.13 - \
	  -c $(LOCKS)/spark4-py313.txt --no-emit-package pyspark --no-emit-package py4j \
	  -o $(LOCKS)/cluster-py313.txt
	$(UV_COMPILE) --python-version 3.11 requirements/lambda.in -c $(LOCKS)/dev-py311.txt -o $(LOCKS)/lambda-py311.txt

clean-lake:
	rm -rf .lake

clean: clean-lake
	rm -rf $(VENV) $(VENV4) .jars build *.egg-info
