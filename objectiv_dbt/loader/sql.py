"""SQL text helpers and the tables a load writes to (the same layout on DuckDB and PostgreSQL)."""

from __future__ import annotations


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"



def create_tables_sql(schema: str, table: str, json_type: str) -> list[str]:
    return [
        f"create schema if not exists {quote_ident(schema)}",
        f"create table if not exists {quote_ident(schema)}.{quote_ident(table)}"
        " (event_id uuid primary key, day date not null,"
        f" moment timestamp not null, cookie_id uuid not null, value {json_type} not null)",
        f"create table if not exists {quote_ident(schema)}.{quote_ident(table + '_rejects')}"
        " (file varchar, line_number bigint,"
        " reason varchar, line varchar, rejected_at timestamp, primary key (file, line_number))",
        # the load manifest: what each load wrote, per day, so that incremental dbt runs stage late rows
        # (README, Scheduled runs) by the days of loads they have not seen instead of comparing every row
        f"create table if not exists {quote_ident(schema)}.{quote_ident(table + '_loads')}"
        " (load_id varchar not null, file varchar, day date not null, row_count bigint not null,"
        " first_moment timestamp not null, last_moment timestamp not null, loaded_at timestamp not null)",
    ]


def manifest_rows_sql(good_rows: str) -> str:
    """The load manifest's rows for a batch's good rows, one per day. Parameters: load_id, file, loaded_at."""
    return (
        "select ?::varchar as load_id, ?::varchar as file, day, count(*) as row_count, min(moment) as first_moment,"
        f" max(moment) as last_moment, ?::timestamp as loaded_at from ({good_rows}) group by day"
    )
