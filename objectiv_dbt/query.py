"""Runs one SQL query against the built models and prints the result: `make query SQL="..."`."""

from __future__ import annotations

import argparse
import sys

import duckdb
import pandas as pd

from objectiv_dbt.db import connect, duckdb_read_path, query
from objectiv_dbt.settings import TARGETS, duckdb_path


def run(target: str, sql: str) -> pd.DataFrame:
    """The query's result; on DuckDB from the published snapshot, or from the build file for what the
    snapshot does not hold (the staging views, the raw tables)."""
    try:
        with connect(target) as connection:
            return query(connection, sql)
    except duckdb.CatalogException as error:
        if target != "duckdb" or duckdb_read_path() == duckdb_path():
            raise
        print(f"note: not in the published snapshot ({str(error).splitlines()[0]}); reading the build file",
              file=sys.stderr)
    with connect(target, published=False) as connection:
        return query(connection, sql)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sql")
    parser.add_argument("--target", choices=TARGETS, default="duckdb")
    arguments = parser.parse_args()
    result = run(arguments.target, arguments.sql)
    with pd.option_context("display.max_rows", 200, "display.max_columns", 50, "display.width", 200):
        print(result.to_string(index=False))


if __name__ == "__main__":
    main()
