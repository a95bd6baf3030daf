# shopper_propensity: `make build` then `make test` on a fresh clone (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

# The default panel: synthetic, deterministic, generated once if absent.
PANEL_DIR ?= data/panel
PANEL_FORMAT ?= csv
PANEL_SESSIONS ?= 500000
PANEL_SEED ?= 7

export DBT_PROFILES_DIR := $(CURDIR)
export SHOPPER_PANEL_DIR := $(abspath $(PANEL_DIR))
export SHOPPER_PANEL_FORMAT := $(PANEL_FORMAT)

.PHONY: install panel build report test lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

panel: $(PANEL_DIR)/sessions.$(PANEL_FORMAT)

$(PANEL_DIR)/sessions.$(PANEL_FORMAT): | $(VENV)/.installed
	$(BIN)/python -m shopper_propensity.panel --sessions $(PANEL_SESSIONS) --seed $(PANEL_SEED) \
		--format $(PANEL_FORMAT) --out $(PANEL_DIR)

# DBT_VARS, e.g. '{model_health_severity: error}': CI gates on a weak model with it.
DBT_VARS ?=
build: install panel
	$(BIN)/dbt build $(if $(DBT_VARS),--vars "$(DBT_VARS)")
	$(BIN)/python -m shopper_propensity.build_summary

# The static report (target/report/index.html): run after `make build`; it reads the marts only.
report: install
	$(BIN)/python -m shopper_propensity.report

# Everything CI checks: the dbt build (models, data tests, unit tests) and pytest.
test: build
	$(BIN)/python -m pytest

# Lint (no build or panel needed). SQL: sqlfluff over models, macros, analyses and data tests
# (.sqlfluff; README "Lint"), on every core; the filter hides the semaphore notice sqlfluff's
# process pool sometimes leaves at exit.
lint: install
	PYTHONWARNINGS=ignore::UserWarning:multiprocessing.resource_tracker \
		$(BIN)/sqlfluff lint models macros analyses tests/data

# Benchmark (issue 7): SCALE=smoke|1m|paper|10x, BENCH_ARGS e.g. "--formats parquet"; see bench/README.md.
# Panels go to data/bench/, warehouses and reports to bench/runs/$(SCALE)/.
SCALE ?= 1m
BENCH_ARGS ?=
bench: install
	$(BIN)/python -m bench --scale $(SCALE) $(BENCH_ARGS)

clean:
	rm -rf target logs data *.duckdb *.duckdb.wal
