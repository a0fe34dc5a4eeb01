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

build: install ## dbt build (models, data tests, unit tests) on what is loaded in TARGET
	$(BIN)/dbt build --target $(TARGET)

summary: install ## row counts of the main tables and how to query them
	$(BIN)/python -m objectiv_dbt.summary --target $(TARGET)

test: install ## the whole test suite: DuckDB, and PostgreSQL when reachable (REQUIRE_POSTGRES=1: must be)
	$(BIN)/pytest

clean: ## remove build output and the local DuckDB file (not .venv)
	rm -rf target logs $(DUCKDB_PATH) $(DUCKDB_PATH).wal data/demo_events.ndjson

query: install ## print the result of SQL on TARGET, e.g. make query SQL="select * from sessions limit 5"
	$(BIN)/python -m objectiv_dbt.query "$(SQL)" --target $(TARGET)
