"""Shared fixtures: engines, a PostgreSQL connection that is skipped or failed per REQUIRE_POSTGRES."""

from __future__ import annotations

import dataclasses
import os
import uuid

import psycopg2
import pytest

from objectiv_dbt.settings import PostgresSettings, postgres_settings


def postgres_test_settings() -> PostgresSettings:
    """The server the tests use: the usual settings, in database POSTGRES_TEST_DB (default `test`)."""
    return dataclasses.replace(postgres_settings(), dbname=os.environ.get("POSTGRES_TEST_DB", "test"))


def _postgres_unreachable_reason() -> str | None:
    try:
        psycopg2.connect(postgres_test_settings().dsn(), connect_timeout=3).close()
    except psycopg2.OperationalError as error:
        return f"PostgreSQL unreachable ({str(error).strip()})"
    return None


@pytest.fixture(scope="session")
def postgres() -> PostgresSettings:
    """Settings of a reachable PostgreSQL; skip without one, fail if REQUIRE_POSTGRES=1."""
    reason = _postgres_unreachable_reason()
    if reason:
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason} and REQUIRE_POSTGRES=1")
        pytest.skip(reason)
    return postgres_test_settings()


@pytest.fixture
def pg_schema(postgres: PostgresSettings):
    """A fresh schema name in the test database, dropped (with everything in it) afterwards."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg2.connect(postgres.dsn()) as connection, connection.cursor() as cursor:
        cursor.execute(f"drop schema if exists {name} cascade")
    connection.close()


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def engine(request) -> str:
    """Runs a module's tests on each engine; PostgreSQL is skipped (or failed) per the `postgres` fixture."""
    if request.param == "postgres":
        request.getfixturevalue("postgres")
    return request.param


@pytest.fixture(scope="module")
def new_warehouse(engine, tmp_path_factory, request):
    """Factory of isolated warehouses on the module's engine, dropped at the end of the module."""
    from warehouse import Warehouse

    created = []

    def make() -> Warehouse:
        settings = request.getfixturevalue("postgres") if engine == "postgres" else None
        warehouse = Warehouse(engine, tmp_path_factory.mktemp(engine), settings)
        created.append(warehouse)
        return warehouse

    yield make
    for warehouse in created:
        warehouse.drop()


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium is there (tests/pytest/browser.py); skip without it, fail if REQUIRE_CHROMIUM=1."""
    import browser

    if browser.chromium() is None:
        reason = "chromium is not installed (apt-get install -y chromium)"
        if os.environ.get("REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"{reason} and REQUIRE_CHROMIUM=1")
        pytest.skip(reason)


PARITY_EVENTS = 20_000
PARITY_SEED = 2024


@pytest.fixture(scope="session")
def parity_expected(tmp_path_factory):
    """The parity data set (generated, fixed seed) and its reference frames computed in pandas."""
    import reference
    from objectiv_dbt.generate import write_events

    path = tmp_path_factory.mktemp("parity") / "events.ndjson"
    write_events(path, events=PARITY_EVENTS, seed=PARITY_SEED)
    rows, _ = reference.read_lines(path)
    events = reference.events_frame(rows)
    return {"path": path, "events": events, "sessionized": reference.sessionize(events)}


@pytest.fixture(scope="session", params=["duckdb", "postgres"])
def parity_build(request, parity_expected, tmp_path_factory):
    """The parity data set loaded and built (`dbt build`) once per engine for every parity test module."""
    from warehouse import Warehouse

    settings = request.getfixturevalue("postgres") if request.param == "postgres" else None
    warehouse = Warehouse(request.param, tmp_path_factory.mktemp(f"parity_{request.param}"), settings)
    warehouse.load(parity_expected["path"])
    warehouse.dbt("build")
    yield warehouse
    warehouse.drop()
