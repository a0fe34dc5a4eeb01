# Two commands for a newcomer: `make run` and `make test`. The rest are the steps they are made of.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TARGET ?= duckdb
N ?= 5000
SEED ?= 42
OUT ?= data/demo_events.ndjson
EVENTS ?= $(OUT)

export DBT_PROFILES_DIR := $(CURDIR)
export DUCKDB_PATH ?= $(CURDIR)/objectiv.duckdb
export DO_NOT_TRACK := 1
# the published read-only snapshots of the DuckDB build (objectiv_dbt/publish.py); beside the DuckDB file by default
export SNAPSHOT_DIR ?= $(basename $(DUCKDB_PATH))_snapshots
# The postgres_scanner extension file inside the pip package duckdb-extension-postgres-scanner, for the
# postgres_python target (profiles.yml). Evaluated lazily, so it works right after `install` creates .venv.
POSTGRES_EXTENSION_PY := from objectiv_dbt.settings import postgres_extension_path; print(postgres_extension_path() or "")
export DUCKDB_POSTGRES_EXTENSION ?= $(shell test -x $(BIN)/python && $(BIN)/python -c '$(POSTGRES_EXTENSION_PY)' 2>/dev/null)

.PHONY: run test install demo-data load build summary query clean

run: demo-data load build summary ## install, generate and load the demo events, build every model, print a summary

install: $(VENV)/.installed ## create .venv with the pinned dependencies

$(VENV)/.installed: requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

demo-data: install ## generate N deterministic demo events (SEED) into OUT
	$(BIN)/python -m objectiv_dbt.generate --events $(N) --seed $(SEED) --out $(OUT)

load: install ## load the NDJSON file EVENTS into the collector table on TARGET
	$(BIN)/python -m objectiv_dbt.load $(EVENTS) --target $(TARGET)

# The preflight turns a held DuckDB file, a full or read-only disk or a refused PostgreSQL login into one line;
# after a failed dbt it names the cause when it is one of these.
PREFLIGHT := $(BIN)/python -m objectiv_dbt.preflight --target $(TARGET)

build: install ## dbt build (models, data tests, unit tests) on what is loaded in TARGET; DuckDB: then publish
	@$(PREFLIGHT)
	$(BIN)/dbt build --target $(TARGET) || { $(PREFLIGHT) --after-failure; exit 1; }
ifeq ($(TARGET),postgres)
	@# dbt-postgres cannot run Python models: DuckDB attached to the same database builds them (and what depends on them) into it
	$(BIN)/dbt build --target postgres_python --select path:python_models+ || { $(PREFLIGHT) --after-failure; exit 1; }
else
	$(BIN)/python -m objectiv_dbt.publish
endif

.PHONY: publish
publish: install ## DuckDB: publish the built tables as the read-only snapshot readers use (SNAPSHOT_DIR/current.duckdb)
	$(BIN)/python -m objectiv_dbt.publish

summary: install ## row counts of the main tables and how to query them
	$(BIN)/python -m objectiv_dbt.summary --target $(TARGET)

test: install ## the whole test suite: DuckDB, and PostgreSQL when reachable (REQUIRE_POSTGRES=1: must be)
	$(BIN)/pytest

clean: ## remove build output and the local DuckDB file (not .venv)
	rm -rf target logs $(DUCKDB_PATH) $(DUCKDB_PATH).wal data/demo_events.ndjson $(SNAPSHOT_DIR)

query: install ## print the result of SQL on TARGET, e.g. make query SQL="select * from sessions limit 5"
	$(BIN)/python -m objectiv_dbt.query "$(SQL)" --target $(TARGET)

.PHONY: kpis
kpis: install ## KPI API answers (JSON) from the metric buckets, e.g. make kpis ARGS="values --start 2024-03-01 --end 2024-03-08 --kpi conversion_rate"
	$(BIN)/python -m objectiv_dbt.kpis --target $(TARGET) $(ARGS)

.PHONY: report semantic-layer
report: install ## one self-contained HTML report of TARGET's models (charts, opens offline), e.g. make report OUT=report.html
	$(BIN)/python -m objectiv_dbt.report --target $(TARGET) --out $(if $(filter command line,$(origin OUT)),$(OUT),report.html)

semantic-layer: install ## regenerate models/semantic/kpi_metrics.yml (MetricFlow metrics) from seeds/kpi_definitions.csv
	$(BIN)/python -m objectiv_dbt.semantic_layer
HOST ?= 127.0.0.1
PORT ?= 8000
.PHONY: serve api-key api-key-revoke
serve: install ## the analytics API over HTTP (FastAPI) on TARGET, e.g. make serve PORT=8000; the report at /, docs at /docs
	$(BIN)/python -m objectiv_dbt.service --target $(TARGET) --host $(HOST) --port $(PORT)

api-key: install ## create an API key for the service and print it once: make api-key ROLE=manager NAME=alice
	@$(BIN)/python -m objectiv_dbt.service.keys create --role "$(ROLE)" --name "$(NAME)"

api-key-revoke: install ## revoke the API keys of a name: make api-key-revoke NAME=alice
	@$(BIN)/python -m objectiv_dbt.service.keys revoke --name "$(NAME)"

.PHONY: bench
bench: install ## time load, full and incremental (+0.1 % events) build of each layer at N events (default 1,000,000) on DuckDB and PostgreSQL (TARGETS=duckdb: one); writes docs/benchmarks.md
	$(BIN)/python -m objectiv_dbt.bench --events $(if $(filter command line,$(origin N)),$(N),1000000) $(if $(TARGETS),--targets $(TARGETS))
