"""The PostgreSQL target: validation in an in-memory DuckDB, writing through a stage table."""

from __future__ import annotations

import os
import tempfile
import uuid
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import psycopg2

from objectiv_dbt.errors import postgres_message, postgres_where
from objectiv_dbt.loader.report import NOT_JSON, LoadError
from objectiv_dbt.loader.sql import create_tables_sql, manifest_rows_sql, quote_ident, sql_literal
from objectiv_dbt.loader.validate import Checked, good_rows_sql, prepare_validator, reject_rows_sql
from objectiv_dbt.settings import duckdb_config, postgres_extension_path


# Why PostgreSQL's json type refuses a text, or NULL; only called on a batch whose insert failed.
_JSON_ERROR_FUNCTION = """
create or replace function pg_temp.objectiv_json_error(value text) returns text language plpgsql as $body$
begin
    perform value::json;
    return null;
exception when others then
    return sqlerrm;
end
$body$
"""


class PostgresTarget:
    """Validates in an in-memory DuckDB; the writer sends the good rows to PostgreSQL.

    The good rows go into an unlogged stage table with DuckDB's postgres extension (binary COPY straight
    from DuckDB), then `insert ... on conflict (event_id) do nothing` moves them into the table. Measured
    per 100,000 events: 2.2 s, against 6.9 s for writing CSV from DuckDB and COPYing it with psycopg2,
    which remains the fallback when the extension cannot be loaded.
    """

    name = "postgres"

    def __init__(self, dsn: str, schema: str, table: str, use_extension: bool):
        """use_extension: False forces the psycopg2 fallback."""
        self.data = f"{quote_ident(schema)}.{quote_ident(table)}"
        self.rejects = f"{quote_ident(schema)}.{quote_ident(table + '_rejects')}"
        self.loads = f"{quote_ident(schema)}.{quote_ident(table + '_loads')}"
        self.load_id = uuid.uuid4().hex
        self.dsn = dsn
        try:
            self.pg = psycopg2.connect(dsn, connect_timeout=10)
        except psycopg2.OperationalError as error:
            raise LoadError(postgres_message(error, dsn)) from None
        self.validator = duckdb.connect(config=duckdb_config())
        prepare_validator(self.validator)
        self.stage_name = f"{table}_loading_{os.getpid()}"
        self.stage: str | None = None
        extension = postgres_extension_path() if use_extension else None
        with self.pg.cursor() as cursor:
            cursor.execute("set synchronous_commit = off")
            for statement in create_tables_sql(schema, table, "json"):
                cursor.execute(statement)
            # incremental dbt runs look for new rows by moment (DuckDB prunes by its zone maps instead)
            cursor.execute(f"create index if not exists {quote_ident(table + '_moment')}"
                           f" on {quote_ident(schema)}.{quote_ident(table)} (moment)")
            # and late rows by day (the days of the load manifest)
            cursor.execute(f"create index if not exists {quote_ident(table + '_day')}"
                           f" on {quote_ident(schema)}.{quote_ident(table)} (day)")
            # value as text: the insert into the table parses it, so that a line PostgreSQL refuses (JSON nested
            # deeper than its stack allows) is found and rejected instead of failing the whole load
            columns = "(event_id uuid, day date, moment timestamp, cookie_id uuid, value text)"
            cursor.execute(_JSON_ERROR_FUNCTION)
            if extension:
                stage_table = f"{quote_ident(schema)}.{quote_ident(self.stage_name)}"
                # held while this loader lives: a stage table whose lock is free belongs to a killed loader
                cursor.execute("select pg_advisory_lock(hashtext(%s))", [f"{schema}.{self.stage_name}"])
                self._drop_stale_stages(cursor, schema, table)
                cursor.execute(f"create unlogged table if not exists {stage_table} {columns}")
            cursor.execute(f"create temp table _load_good {columns}")
            cursor.execute(
                "create temp table _load_rejects (file varchar, line_number bigint, reason varchar, line varchar,"
                " rejected_at timestamp)"
            )
        self.pg.commit()
        if extension:
            try:
                self.validator.execute(f"load {sql_literal(extension)}")
                self.validator.execute(f"attach {sql_literal(dsn)} as _load_pg (type postgres)")
                self.stage = f"_load_pg.{quote_ident(schema)}.{quote_ident(self.stage_name)}"
            except duckdb.Error:
                self.stage = None
        self.writer = self.validator.cursor()
        self.tmpdir = tempfile.TemporaryDirectory(prefix="objectiv-load-")
        self.schema = schema

    def _drop_stale_stages(self, cursor, schema: str, table: str) -> None:
        """Drop the stage tables of loaders that were killed (their rows are loaded again by the next load).
        Advisory locks are re-entrant in a session, so ours is dropped (and still held once) too."""
        cursor.execute(
            "select table_name from information_schema.tables where table_schema = %s and table_name like %s",
            [schema, table.replace("_", "\\_") + "\\_loading\\_%"],
        )
        for (name,) in cursor.fetchall():  # our own name too: a killed loader may have had our pid
            cursor.execute("select pg_try_advisory_lock(hashtext(%s))", [f"{schema}.{name}"])
            if cursor.fetchone()[0]:
                cursor.execute(f"drop table if exists {quote_ident(schema)}.{quote_ident(name)}")
                cursor.execute("select pg_advisory_unlock(hashtext(%s))", [f"{schema}.{name}"])

    def describe(self) -> str:
        return f"{self.data.replace(chr(34), '')} ({postgres_where(self.dsn)})"

    def _copy(self, cursor, select_sql: str, params: list, table: str) -> None:
        path = os.path.join(self.tmpdir.name, "batch.csv")
        self.writer.execute(f"copy ({select_sql}) to {sql_literal(path)} (format csv, header false)", params)
        try:
            with open(path, "rb") as handle:
                cursor.copy_expert(f"copy {table} from stdin with (format csv)", handle, size=1 << 20)
        finally:
            os.unlink(path)

    def write(self, batches: list[Checked], file: str, rejected_at: datetime) -> int:
        inserted = 0
        for batch in batches:  # one transaction per batch
            try:
                with self.pg.cursor() as cursor:
                    if self.stage:  # committed by DuckDB on its own connection before we read it
                        self.writer.execute(f"insert into {self.stage} {good_rows_sql(batch.table)}")
                        source = f"{quote_ident(self.schema)}.{quote_ident(self.stage_name)}"
                    else:
                        cursor.execute("truncate _load_good")
                        self._copy(cursor, good_rows_sql(batch.table), [], "_load_good")
                        source = "_load_good"
                    inserted += self._insert(cursor, source, batch)
                    cursor.execute(f"truncate {source}")
                    cursor.execute("truncate _load_rejects")
                    if batch.rejected:
                        # PostgreSQL text cannot hold NUL characters: show them as \u0000 in the rejected line.
                        self._copy(
                            cursor,
                            "select file, line_number, reason, replace(line, chr(0), '\\u0000'), rejected_at"
                            f" from ({reject_rows_sql(batch.table)})",
                            [file, rejected_at],
                            "_load_rejects",
                        )
                    cursor.execute(
                        f"delete from {self.rejects} r where file = %s and line_number between %s and %s"
                        " and not exists (select 1 from _load_rejects n where n.line_number = r.line_number)",
                        [file, batch.first_line, batch.last_line],
                    )
                    if batch.rejected:
                        cursor.execute(
                            f"insert into {self.rejects} select * from _load_rejects on conflict (file, line_number)"
                            " do update set reason = excluded.reason, line = excluded.line,"
                            " rejected_at = excluded.rejected_at"
                        )
                    self._record_load(cursor, batch, file)
                self.pg.commit()
            except BaseException:
                self.pg.rollback()
                raise
        return inserted

    def _insert(self, cursor, source: str, batch: Checked) -> int:
        """Move the stage's rows into the table; rows whose JSON PostgreSQL refuses become rejects of the batch."""
        insert = (f"insert into {self.data} select event_id, day, moment, cookie_id, value::json from {source}"
                  " where event_id <> all(%s::uuid[]) on conflict (event_id) do nothing")
        cursor.execute("savepoint load_insert")
        try:
            cursor.execute(insert, [[]])
            return cursor.rowcount
        except psycopg2.Error:
            cursor.execute("rollback to savepoint load_insert")
        cursor.execute(f"select event_id::text, error from (select event_id, pg_temp.objectiv_json_error(value) as error"
                       f" from {source}) as checked where error is not null")
        refused = cursor.fetchall()
        for event_id, error in refused:
            self.writer.execute(
                f"update {batch.table} set kind = ?, reason = ? where event_id = ?::uuid and kind is null",
                [NOT_JSON, f"{NOT_JSON}: PostgreSQL refuses it: {error}", event_id],
            )
        batch.refuse(len(refused))
        cursor.execute(insert, [[event_id for event_id, _ in refused]])
        return cursor.rowcount

    def _record_load(self, cursor, batch: Checked, file: str) -> None:
        """The batch's load manifest rows, in its transaction, stamped right before the commit."""
        loaded_at = datetime.now(timezone.utc).replace(tzinfo=None)
        rows = self.writer.execute(manifest_rows_sql(good_rows_sql(batch.table)), [self.load_id, file, loaded_at]).fetchall()
        cursor.executemany(f"insert into {self.loads} values (%s, %s, %s, %s, %s, %s, %s)", rows)

    def close(self) -> None:
        self.writer.close()
        self.validator.close()
        try:
            self.pg.rollback()
            with self.pg.cursor() as cursor:
                cursor.execute(f"drop table if exists {quote_ident(self.schema)}.{quote_ident(self.stage_name)}")
                # fresh statistics, so that incremental dbt runs find the new rows by the moment index
                cursor.execute(f"analyze {self.data}")
            self.pg.commit()
        finally:
            self.pg.close()
            self.tmpdir.cleanup()
