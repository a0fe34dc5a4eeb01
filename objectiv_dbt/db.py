"""Read-only access to the models dbt built, on DuckDB or PostgreSQL, for the summary, query and KPI tools.

On DuckDB they read the published snapshot (objectiv_dbt/publish.py) when there is one, so they never block a
build (a reader of the build file makes `dbt run` fail); the build file itself only with published=False.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd
import psycopg2

from objectiv_dbt.errors import duckdb_message, postgres_message
from objectiv_dbt.publish import current_snapshot
from objectiv_dbt.settings import duckdb_path, postgres_settings


def models_schema(target: str) -> str:
    """The schema dbt builds the models into (profiles.yml)."""
    return "main" if target == "duckdb" else postgres_settings().schema


def duckdb_read_path(published: bool = True) -> Path:
    """The DuckDB file readers open: the current published snapshot if any (and wanted), else the build file."""
    snapshot = current_snapshot() if published else None
    return snapshot or duckdb_path()


def _note_if_stale(path: Path) -> None:
    """One line on stderr when reading a snapshot older than the build file's last change (a build not published)."""
    build_file = duckdb_path()
    if path != build_file and build_file.exists() and build_file.stat().st_mtime > path.stat().st_mtime:
        print(f"note: reading the snapshot {path.name}; {build_file.name} changed after it was published "
              f"(run `make publish` after a build)", file=sys.stderr)


@contextmanager
def connect(target: str, published: bool = True) -> Iterator[object]:
    """A DB-API connection to the target's database (DuckDB: read-only, the published snapshot if any);
    SystemExit with one line when it cannot."""
    if target == "duckdb":
        path = duckdb_read_path(published)
        _note_if_stale(path)
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
