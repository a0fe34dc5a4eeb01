"""Prints what `make run` built: row counts of the main tables and how to query them."""

from __future__ import annotations

import argparse

import duckdb
import psycopg2

from objectiv_dbt.db import connect, duckdb_read_path, models_schema, query
from objectiv_dbt.publish import CURRENT
from objectiv_dbt.settings import TARGETS, duckdb_path, postgres_settings, snapshot_dir, source_table


MAIN_TABLES = (
    "events", "sessions", "users", "unique_users", "session_duration", "retention_matrix",
    "top_product_features", "conversions_daily", "metric_buckets_5min", "kpi_values_daily",
    "funnel_paths", "logistic_regression_coefficients",
)


def _count(connection: object, relation: str) -> int | None:
    try:
        return int(query(connection, f"select count(*) as n from {relation}").iloc[0, 0])
    except (duckdb.Error, psycopg2.Error):  # a table that is not built (yet) is reported as such
        if isinstance(connection, psycopg2.extensions.connection):
            connection.rollback()
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", choices=TARGETS, default="duckdb")
    target = parser.parse_args().target
    schema = models_schema(target)
    source = source_table()
    rows = [
        ("loaded events", source.qualified),
        ("rejected at load", source.rejects_qualified),
        ("quarantined events", f"{schema}.stg_objectiv__quarantined_events"),
        *((table, f"{schema}.{table}") for table in MAIN_TABLES),
    ]
    with connect(target) as connection:
        counts = {relation: _count(connection, relation) for _, relation in rows}
    unpublished = [relation for relation, count in counts.items() if count is None]
    if target == "duckdb" and unpublished and duckdb_read_path() != duckdb_path():
        with connect(target, published=False) as connection:  # the raw tables are not in the snapshot
            counts.update({relation: _count(connection, relation) for relation in unpublished})
    print(f"\nBuilt on {target}:")
    for label, relation in rows:
        shown = "not built" if counts[relation] is None else f"{counts[relation]:,}"
        print(f"  {label:<34} {shown:>12}  {relation}")
    if target == "duckdb":
        print(f"\nDuckDB file: {duckdb_path()}")
        if duckdb_read_path() != duckdb_path():
            print(f"Published snapshot (BI tools, KPI service): {snapshot_dir() / CURRENT}")
    else:
        print(f"\nPostgreSQL: {postgres_settings().dsn()} schema {schema}")
    print(f'Query it:    make query SQL="select * from {schema}.sessions limit 5" TARGET={target}')


if __name__ == "__main__":
    main()
