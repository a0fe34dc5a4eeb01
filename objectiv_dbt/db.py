"""Read-only access to the models dbt built, on DuckDB or PostgreSQL, for the summary and query tools."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import duckdb
import pandas as pd
import psycopg2

from objectiv_dbt.settings import duckdb_path, postgres_settings


def models_schema(target: str) -> str:
    """The schema dbt builds the models into (profiles.yml)."""
    return "main" if target == "duckdb" else postgres_settings().schema


@contextmanager
def connect(target: str) -> Iterator[object]:
    """A DB-API connection to the target's database (DuckDB read-only)."""
    if target == "duckdb":
        path = duckdb_path()
        if not path.exists():
            raise SystemExit(f"No DuckDB file at {path}: run `make run` (or `make load` and `make build`) first.")
        connection = duckdb.connect(str(path), read_only=True)
    else:
        try:
            connection = psycopg2.connect(postgres_settings().dsn(), connect_timeout=5)
        except psycopg2.OperationalError as error:
            raise SystemExit(f"Cannot reach PostgreSQL ({postgres_settings().dsn()}): {error}".strip()) from error
    try:
        yield connection
    finally:
        connection.close()


def query(connection: object, sql: str) -> pd.DataFrame:
    cursor = connection.cursor()
    cursor.execute(sql)
    columns = [description[0] for description in cursor.description]
    return pd.DataFrame(cursor.fetchall(), columns=columns)
