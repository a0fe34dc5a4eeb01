"""Read-only access to the models dbt built, on DuckDB or PostgreSQL, for the summary and query tools."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import duckdb
import pandas as pd
import psycopg2

from objectiv_dbt.errors import duckdb_message, postgres_message
from objectiv_dbt.settings import duckdb_path, postgres_settings


def models_schema(target: str) -> str:
    """The schema dbt builds the models into (profiles.yml)."""
    return "main" if target == "duckdb" else postgres_settings().schema


@contextmanager
def connect(target: str) -> Iterator[object]:
    """A DB-API connection to the target's database (DuckDB read-only); SystemExit with one line when it cannot."""
    if target == "duckdb":
        path = duckdb_path()
        if not path.exists():
            raise SystemExit(f"error: no DuckDB file at {path}: run `make run` (or `make load` and `make build`) first")
        try:
            connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            raise SystemExit(f"error: {duckdb_message(error, path)}") from None
    else:
        dsn = postgres_settings().dsn()
        try:
            connection = psycopg2.connect(dsn, connect_timeout=5)
        except psycopg2.OperationalError as error:
            raise SystemExit(f"error: {postgres_message(error, dsn)}") from None
    try:
        yield connection
    finally:
        connection.close()


def query(connection: object, sql: str) -> pd.DataFrame:
    cursor = connection.cursor()
    cursor.execute(sql)
    columns = [description[0] for description in cursor.description]
    return pd.DataFrame(cursor.fetchall(), columns=columns)
