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
    ]
