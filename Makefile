# shopper_propensity: `make build` then `make test` on a fresh clone (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# The default panel: synthetic, deterministic, generated once if absent.
PANEL_DIR ?= data/panel
PANEL_FORMAT ?= csv
PANEL_SESSIONS ?= 500000
PANEL_SEED ?= 7
# single (one file per table), daily (a folder of files per table) or hive (README "Daily files").
PANEL_LAYOUT ?= single

export DBT_PROFILES_DIR := $(CURDIR)
export SHOPPER_PANEL_DIR := $(abspath $(PANEL_DIR))
export SHOPPER_PANEL_FORMAT := $(PANEL_FORMAT)
export SHOPPER_PANEL_LAYOUT := $(PANEL_LAYOUT)

.PHONY: install lock panel build report lint test bench bench-readme clean install-spark build-spark test-spark

# The resolved dependency set is pinned in requirements.lock (a constraints file): a fresh clone
# installs the versions the tests last passed with, not whatever the index has that day.
install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $@

# Refresh requirements.lock: resolve pyproject.toml's ranges afresh in a throwaway venv and pin
# the result. Then run `make test` on it and commit the lock with what changed.
LOCK_VENV := .lock-venv
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet -e ".[dev]"
	{ echo "# Resolved dependencies of shopper_propensity[dev] for Python $$($(LOCK_VENV)/bin/python -c 'import platform; print(platform.python_version())'),"; \
	  echo "# used as constraints by make install. Refresh with make lock (see README: Developing)."; \
	  $(LOCK_VENV)/bin/python -m pip freeze --exclude-editable; } > requirements.lock
	rm -rf $(LOCK_VENV)

# A panel is there when its sessions file (single) or folder (daily, hive) is: an export is never overwritten.
PANEL_SESSIONS_PATH := $(PANEL_DIR)/sessions$(if $(filter single,$(PANEL_LAYOUT)),.$(PANEL_FORMAT))
panel: $(PANEL_SESSIONS_PATH)

$(PANEL_SESSIONS_PATH): | $(VENV)/.installed
	$(BIN)/python -m shopper_propensity.panel --sessions $(PANEL_SESSIONS) --seed $(PANEL_SEED) \
		--format $(PANEL_FORMAT) --layout $(PANEL_LAYOUT) --out $(PANEL_DIR)

# DBT_VARS, e.g. '{model_health_severity: error}': CI gates on a weak model with it.
DBT_VARS ?=
build: install panel
	$(BIN)/dbt build $(if $(DBT_VARS),--vars "$(DBT_VARS)")
	$(BIN)/python -m shopper_propensity.build_summary

# The static report (target/report/index.html): run after `make build`; it reads the marts only.
report: install
	$(BIN)/python -m shopper_propensity.report

# Linters, in seconds, no build or panel needed (CI runs this before `make test`).
# Python: ruff's rules as configured in pyproject.toml. `ruff format` is not used: the code is
# wrapped by hand at 120 columns and the formatter would rewrite a third of the files for no
# change in behaviour. SQL: sqlfluff over models, macros, analyses and data tests (.sqlfluff;
# README "Lint"), on every core; the filter hides the semaphore notice sqlfluff's process pool
# sometimes leaves at exit.
LINT_PYTHON := shopper_propensity python_models tests bench
lint: install
	$(BIN)/ruff check $(LINT_PYTHON)
	PYTHONWARNINGS=ignore::UserWarning:multiprocessing.resource_tracker \
		$(BIN)/sqlfluff lint models macros analyses tests/data

# Everything CI checks: the dbt build (models, data tests, unit tests) and pytest. A test's dbt
# builds are small and mostly one busy core (dbt's parse and compile, one Python model at a
# time), so the test files run on TEST_WORKERS workers (pytest-xdist), each file on one worker
# (its module fixtures are builds its tests share); every test builds in its own folder.
TEST_WORKERS ?= 2
test: build
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# Benchmark (issue 7): SCALE=smoke|1m|paper|10x, BENCH_ARGS e.g. "--formats parquet"; see bench/README.md.
# Panels go to data/bench/, warehouses and reports to bench/runs/$(SCALE)/.
SCALE ?= 1m
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m bench --scale $(SCALE) $(BENCH_ARGS)

# After `make bench SCALE=...`: add that run to bench/results.json and re-render the README's table.
bench-readme: install
	$(BIN)/python -m bench.readme --record bench/runs/$(SCALE)/report.json

# Spark (README "Running on Spark"): the SQL layer through dbt-spark's session method and the
# Python models run by shopper_propensity.spark, in a venv of its own (dbt-spark, pyspark; Java 17
# must be installed). SPARK_CONF_DIR is the local Spark configuration both dbt-spark and the
# scoring job read; the metastore (metastore_db/) and tables (spark-warehouse/) live in the
# working directory.
SPARK_VENV := .venv-spark
SPARK_BIN := $(SPARK_VENV)/bin
export SPARK_CONF_DIR := $(CURDIR)/shopper_propensity/spark/conf

install-spark: $(SPARK_VENV)/.installed

$(SPARK_VENV)/.installed: pyproject.toml requirements.lock requirements-spark.lock
	$(PYTHON) -m venv $(SPARK_VENV)
	$(SPARK_BIN)/python -m pip install --quiet --upgrade pip
	$(SPARK_BIN)/python -m pip install --quiet -c requirements.lock -c requirements-spark.lock -e ".[spark,dev]"
	touch $@

# The default panel built on local Spark (7-8x slower than DuckDB on one machine: Spark is for
# data that outgrows it).
build-spark: install-spark panel
	$(SPARK_BIN)/python -m shopper_propensity.spark.build --target spark --target-path target/spark \
		$(if $(DBT_VARS),--vars "$(DBT_VARS)")

# Spark and DuckDB builds of a small panel give the same tables and scores (tests/spark).
test-spark: install-spark
	$(SPARK_BIN)/python -m pytest -o pythonpath=tests/python tests/spark

clean:
	rm -rf target logs data exports *.duckdb *.duckdb.wal $(LOCK_VENV) metastore_db spark-warehouse derby.log
